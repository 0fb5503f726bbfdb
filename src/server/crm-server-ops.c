/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-ops.c — serve's health, certificate, logging and systemd duties (see the
 * header). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "crm-server-ops.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"
#include "crm-server-notify.h"
#include "crm-server-tls.h"

#define EXPIRY_WARNING_DAYS 14

static gboolean reload_on_hup (gpointer user_data);

const GOptionEntry *
crm_server_ops_entries (CrmServerOps *ops)
{
  static GOptionEntry entries[5];

  entries[0] = (GOptionEntry) { "log-level", 0, 0, G_OPTION_ARG_STRING, &ops->log_level,
    N_("error, warning, info (default: one line per request) or debug"), N_("LEVEL") };
  entries[1] = (GOptionEntry) { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &ops->metrics_listen,
    N_("Serve Prometheus metrics at http://HOST:PORT/metrics (off by default; use a "
       "loopback or private address)"), N_("HOST:PORT") };
  entries[2] = (GOptionEntry) { "tls-name", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ops->tls_names,
    N_("A DNS name laptops use, put into the self-signed certificate (repeatable)"),
    N_("DNS") };
  entries[3] = (GOptionEntry) { "trusted-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY,
    &ops->trusted_proxies,
    N_("A reverse proxy (address or network) whose X-Forwarded-For is believed (repeatable)"),
    N_("ADDR") };
  entries[4] = (GOptionEntry) { NULL };
  return entries;
}

gboolean
crm_server_ops_prepare (CrmServerOps  *ops,
                        GError       **error)
{
  g_autoptr(CrmServerProxies) proxies = NULL;

  crm_server_log_init ();
  if (ops->log_level != NULL && !crm_server_log_set_level (ops->log_level, error))
    return FALSE;
  for (guint i = 0; ops->tls_names != NULL && ops->tls_names[i] != NULL; i++)
    {
      const char *name = ops->tls_names[i];
      gboolean valid = *name != '\0' && strlen (name) < 254;

      for (const char *p = name; valid && *p != '\0'; p++)
        valid = g_ascii_isalnum (*p) || *p == '-' || *p == '.' || (*p == '*' && p == name);
      if (!valid)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("--tls-name: «%s» is not a DNS name (letters, digits, “-” and “.”, "
                         "e.g. crm.example.ru)"), name);
          return FALSE;
        }
    }
  proxies = crm_server_proxies_new ((const char * const *) ops->trusted_proxies, error);
  if (proxies == NULL)
    return FALSE;
  /* SIGHUP would end the process until serving starts */
  ops->hup_source = g_unix_signal_add (SIGHUP, reload_on_hup, ops);
  return TRUE;
}

gboolean
crm_server_ops_check_storage (CrmServerOps      *ops,
                              const char        *data_dir,
                              CrmServerStorage  *storage,
                              GError           **error)
{
  g_autofree char *message = g_strdup_printf ("voronka-server %s starting, data folder %s",
                                              PACKAGE_VERSION, data_dir);

  crm_server_log (G_LOG_LEVEL_MESSAGE, "start", message, "VORONKA_VERSION", PACKAGE_VERSION,
                  NULL);
  if (!crm_server_storage_check (storage, error))
    {
      g_prefix_error (error, _("Cannot serve: "));
      return FALSE;
    }
  return TRUE;
}

static GTlsCertificate *
load (CrmServerOps  *ops,
      gboolean       reload,
      GError       **error)
{
  g_autofree char *own_cert = NULL;
  g_autofree char *own_key = NULL;
  g_autofree char *fingerprint = NULL;
  g_auto(GStrv) missing = NULL;
  const char *cert_path = ops->tls_cert;
  const char *key_path = ops->tls_key;
  gboolean generated = FALSE;
  gint64 expires = 0;
  GTlsCertificate *certificate;

  if (cert_path == NULL)
    {
      if (!crm_server_tls_ensure_self_signed (ops->data_dir, (const char * const *) ops->tls_names,
                                              &own_cert, &own_key, &generated, error))
        return NULL;
      cert_path = own_cert;
      key_path = own_key;
    }
  /* GLib takes a key that is not the certificate's, and every handshake fails later */
  if (!crm_server_tls_check_pair (cert_path, key_path, &expires, error))
    return NULL;
  certificate = g_tls_certificate_new_from_files (cert_path, key_path, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "%s, %s: ", cert_path, key_path);
      return NULL;
    }
  fingerprint = crm_server_tls_fingerprint (cert_path, error);
  if (fingerprint == NULL)
    {
      g_object_unref (certificate);
      return NULL;
    }
  if (reload)
    {
      g_autofree char *message = g_strdup_printf ("reloaded the TLS certificate %s, SHA-256 "
                                                  "fingerprint %s", cert_path, fingerprint);

      crm_server_log (G_LOG_LEVEL_MESSAGE, "tls-reloaded", message, "VORONKA_CERTIFICATE",
                      cert_path, "VORONKA_FINGERPRINT", fingerprint, NULL);
    }
  else
    {
      g_print (generated ? _("voronka-server: generated a self-signed TLS certificate %s\n")
                         : _("voronka-server: TLS certificate %s\n"), cert_path);
      g_print (_("voronka-server: certificate SHA-256 fingerprint %s\n"), fingerprint);
    }
  missing = crm_server_tls_missing_names (cert_path, (const char * const *) ops->tls_names);
  for (guint i = 0; missing != NULL && missing[i] != NULL; i++)
    g_warning (own_cert != NULL
               ? _("The certificate %s was made without the name %s: laptops that use that name "
                   "will refuse it. Move the folder %s/tls away and restart to make a new one "
                   "(then give the laptops the new certificate)")
               : _("The certificate %s is not valid for the name %s given with --tls-name"),
               cert_path, missing[i], ops->data_dir);
  if (expires > 0 && expires < g_get_real_time () / G_USEC_PER_SEC)
    g_warning (_("The certificate %s has expired: laptops will refuse it; renew it and send "
                 "SIGHUP (systemctl reload voronka-server)"), cert_path);
  else if (expires > 0 &&
           expires < g_get_real_time () / G_USEC_PER_SEC + EXPIRY_WARNING_DAYS * 24 * 3600)
    g_warning (_("The certificate %s expires in less than %d days; renew it and send SIGHUP "
                 "(systemctl reload voronka-server)"), cert_path, EXPIRY_WARNING_DAYS);
  return certificate;
}

GTlsCertificate *
crm_server_ops_load_certificate (CrmServerOps  *ops,
                                 const char    *data_dir,
                                 const char    *cert_path,
                                 const char    *key_path,
                                 GError       **error)
{
  g_free (ops->data_dir);
  ops->data_dir = g_strdup (data_dir);
  g_free (ops->tls_cert);
  ops->tls_cert = g_strdup (cert_path);
  g_free (ops->tls_key);
  ops->tls_key = g_strdup (key_path);
  return load (ops, FALSE, error);
}

/* SIGHUP: the certificate files again (a renewed or rotated pair); new connections get
 * the new one, connected clients keep theirs. A pair that does not load is logged and the
 * old one stays. */
static gboolean
reload_on_hup (gpointer user_data)
{
  CrmServerOps *ops = user_data;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  if (ops->server == NULL)
    return G_SOURCE_CONTINUE;
  if (!ops->tls)
    {
      crm_server_log (G_LOG_LEVEL_MESSAGE, "reload", "SIGHUP: no certificate to reload "
                      "(plain HTTP)", NULL);
      return G_SOURCE_CONTINUE;
    }
  crm_server_notify ("RELOADING=1\nSTATUS=Reloading the TLS certificate");
  certificate = load (ops, TRUE, &error);
  if (certificate == NULL)
    g_warning (_("The TLS certificate was not reloaded (the previous one stays in use): %s"),
               error->message);
  else
    crm_server_set_certificate (ops->server, certificate);
  crm_server_notify ("READY=1\nSTATUS=Serving");
  return G_SOURCE_CONTINUE;
}

gboolean
crm_server_ops_started (CrmServerOps  *ops,
                        CrmServer     *server,
                        gboolean       tls,
                        GError       **error)
{
  CrmServerProxies *proxies = crm_server_proxies_new ((const char * const *) ops->trusted_proxies,
                                                      error);

  if (proxies == NULL)
    return FALSE;
  ops->server = g_object_ref (server);
  crm_server_set_trusted_proxies (server, proxies);
  if (ops->metrics_listen != NULL)
    {
      g_autofree char *url = NULL;
      g_autofree char *message = NULL;

      if (!crm_server_metrics_listen (ops->metrics_listen, &url, error))
        return FALSE;
      message = g_strdup_printf ("metrics on %s", url);
      crm_server_log (G_LOG_LEVEL_MESSAGE, "metrics", message, NULL);
    }
  ops->tls = tls;
  crm_server_notify ("READY=1\nSTATUS=Serving");
  return TRUE;
}

void
crm_server_ops_stopping (CrmServerOps *ops)
{
  crm_server_notify ("STOPPING=1");
  crm_server_metrics_stop ();
}

void
crm_server_ops_clear (CrmServerOps *ops)
{
  g_clear_handle_id (&ops->hup_source, g_source_remove);
  g_clear_object (&ops->server);
  g_clear_pointer (&ops->log_level, g_free);
  g_clear_pointer (&ops->metrics_listen, g_free);
  g_clear_pointer (&ops->tls_names, g_strfreev);
  g_clear_pointer (&ops->trusted_proxies, g_strfreev);
  g_clear_pointer (&ops->data_dir, g_free);
  g_clear_pointer (&ops->tls_cert, g_free);
  g_clear_pointer (&ops->tls_key, g_free);
}
