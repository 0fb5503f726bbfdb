/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-ops.h — what `serve` does for the admin around serving: the options
 * --log-level, --metrics-listen, --tls-name, --trusted-proxy; the certificate (checked
 * against its key, reloaded on SIGHUP); the start-up check that every account opens;
 * systemd's readiness notifications. */
#pragma once

#include <gio/gio.h>

#include "crm-server.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

typedef struct {
  /* options */
  char            *log_level;
  char            *metrics_listen;
  char           **tls_names;
  char           **trusted_proxies;
  /* while serving */
  char            *data_dir;
  char            *tls_cert;
  char            *tls_key;
  CrmServer       *server;
  gboolean         tls;
  guint            hup_source;
} CrmServerOps;

/* The options above, to add to serve's main group. */
const GOptionEntry *crm_server_ops_entries      (CrmServerOps        *ops);
/* After parsing: sets the log level, checks the options; FALSE is a usage error. */
gboolean         crm_server_ops_prepare         (CrmServerOps        *ops,
                                                 GError             **error);
/* Logs the version and data folder; fails when an account does not open or the data
 * folder takes no writes (so serve exits instead of failing every request). */
gboolean         crm_server_ops_check_storage   (CrmServerOps        *ops,
                                                 const char          *data_dir,
                                                 CrmServerStorage    *storage,
                                                 GError             **error);
/* The certificate: @cert_path/@key_path, or DATA/tls/ (made when missing, with the
 * --tls-name names); fails when the key is not the certificate's. */
GTlsCertificate *crm_server_ops_load_certificate (CrmServerOps       *ops,
                                                 const char          *data_dir,
                                                 const char          *cert_path,
                                                 const char          *key_path,
                                                 GError             **error);
/* Once listening: trusted proxies, metrics, SIGHUP, READY=1. */
gboolean         crm_server_ops_started         (CrmServerOps        *ops,
                                                 CrmServer           *server,
                                                 gboolean             tls,
                                                 GError             **error);
/* Before stopping: STOPPING=1, metrics off. */
void             crm_server_ops_stopping        (CrmServerOps        *ops);
void             crm_server_ops_clear           (CrmServerOps        *ops);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmServerOps, crm_server_ops_clear)

G_END_DECLS
