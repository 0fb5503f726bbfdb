/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-certificate.h — a server's TLS certificate before signing in: fetch it, show its
 * SHA-256 fingerprint, and keep the ones a person accepted (a self-signed server is
 * trusted once, then recognised). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char                 *pem;              /* the server's certificate */
  char                 *fingerprint;      /* "AB:CD:…" SHA-256 of its DER form */
  GTlsCertificateFlags  errors;           /* what the system trust store said */
} CrmCertificateInfo;

void      crm_certificate_info_clear   (CrmCertificateInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmCertificateInfo, crm_certificate_info_clear)

/* "AB:CD:…" for a certificate. */
char     *crm_certificate_fingerprint  (GTlsCertificate *certificate);

/* Connects to @url (https://host[:port]) only to look at its certificate. */
void      crm_certificate_probe_async  (const char          *url,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean  crm_certificate_probe_finish (GAsyncResult        *result,
                                        CrmCertificateInfo  *out_info,
                                        GError             **error);

/* Where an accepted certificate of @url is kept:
 * $XDG_DATA_HOME/voronka/certificates/HOST-PORT.pem. */
char     *crm_certificate_dup_path     (const char *url);
/* The fingerprint of the certificate accepted for @url, or NULL. */
char     *crm_certificate_dup_accepted (const char *url);
gboolean  crm_certificate_accept       (const char          *url,
                                        const char          *pem,
                                        GError             **error);

G_END_DECLS
