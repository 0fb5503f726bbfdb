/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-tls.h — the server's TLS certificate: a self-signed one generated with
 * GnuTLS into the data folder when none is given, and its SHA-256 fingerprint. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* DIR/tls/cert.pem and DIR/tls/key.pem, generated (ECDSA P-256, valid 10 years, for
 * localhost, 127.0.0.1, ::1, this host's name and the DNS @names, serve --tls-name)
 * when missing. */
gboolean          crm_server_tls_ensure_self_signed (const char         *data_dir,
                                                     const char * const *names,
                                                     char              **out_cert_path,
                                                     char              **out_key_path,
                                                     gboolean           *out_generated,
                                                     GError            **error);
/* "AB:CD:…" — SHA-256 of the first certificate in @cert_path. */
char             *crm_server_tls_fingerprint        (const char  *cert_path,
                                                     GError     **error);

/* Checks that @key_path holds the private key of the (first) certificate in @cert_path:
 * the error names both files when they do not belong together. *@out_expires (may be
 * NULL) gets the certificate's expiry (Unix time). */
gboolean          crm_server_tls_check_pair         (const char  *cert_path,
                                                     const char  *key_path,
                                                     gint64      *out_expires,
                                                     GError     **error);
/* Of @names, those the certificate in @cert_path is not valid for (NULL when none). */
char            **crm_server_tls_missing_names      (const char         *cert_path,
                                                     const char * const *names);

G_END_DECLS
