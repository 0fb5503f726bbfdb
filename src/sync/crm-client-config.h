/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-client-config.h — where a laptop finds its server without being told each time.
 *
 * One spelling per server: crm_server_url_normalize () turns what a person typed into
 * the form the keyring and the replica keep ("https://crm.example.ru:8443"): the scheme
 * and host in lower case, no default port (443 for https, 80 for http), no trailing
 * slash, no "/api/v1" suffix, no query or fragment. Other paths are kept (a server behind
 * a reverse proxy under /crm). Different hosts stay different even when they are the
 * same machine: https://localhost and https://127.0.0.1 are two servers to the keyring,
 * as they are to TLS.
 *
 * The administrator's preset (the team's server and the certificate to trust):
 *   1. GSettings org.voronka.Voronka "default-server" and "default-ca" when not empty
 *      (a vendor override in /usr/share/glib-2.0/schemas/, a dconf default, or the user's
 *      own value), for a native install;
 *   2. else the key file SYSCONFDIR/voronka/client.conf:
 *        [server]
 *        url=https://crm.example.ru:8443
 *        ca-file=ca.pem          (relative to the file's folder, or absolute)
 *      SYSCONFDIR is $VORONKA_SYSCONFDIR when set (tests), /run/host/etc inside a Flatpak
 *      (the manifest shares the host's /etc read-only: Flatpak refuses to share paths
 *      under /etc itself), else /etc. An absolute ca-file under /etc/ is looked up under
 *      SYSCONFDIR too. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CRM_CLIENT_SCHEMA_ID "org.voronka.Voronka"

/* The normalized address, or NULL with a G_IO_ERROR_INVALID_ARGUMENT that says how to
 * write one. */
char     *crm_server_url_normalize      (const char  *url,
                                         GError     **error);
/* Whether @a and @b name the same server once normalized (FALSE if either is invalid). */
gboolean  crm_server_url_equal          (const char  *a,
                                         const char  *b);

typedef struct {
  char *server;    /* normalized; NULL when nothing is preset */
  char *ca_file;   /* an absolute path, or NULL */
  char *source;    /* where it came from, for messages ("/etc/voronka/client.conf") */
} CrmClientPreset;

void             crm_client_preset_free (CrmClientPreset *preset);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmClientPreset, crm_client_preset_free)

/* The folder the client's system-wide configuration lives in (see above). */
char            *crm_client_dup_sysconfdir (void);
/* The preset; NULL without an error when the administrator set nothing. A client.conf
 * that cannot be read or has no valid url is an error naming the file and the problem. */
CrmClientPreset *crm_client_preset_load    (GError **error);

G_END_DECLS
