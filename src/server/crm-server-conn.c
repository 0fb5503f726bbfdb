/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-conn.c — log lines and counters for connections that never became requests
 * (see the header). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include "crm-server-conn.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"

void
crm_server_conn_handshake_failed (const char   *peer,
                                  const GError *error)
{
  g_autofree char *message = g_strdup_printf (
    "TLS handshake with %s failed (%s)", peer != NULL ? peer : "-",
    error != NULL ? error->message
                  : "a client that does not trust the certificate, or one speaking plain HTTP");

  crm_server_metrics_tls_failed ();
  crm_server_log (G_LOG_LEVEL_INFO, "tls-handshake-failed", message, "VORONKA_PEER", peer, NULL);
}

void
crm_server_conn_refused (const char *peer,
                         const char *reason)
{
  static gint64 last_us;
  static guint skipped;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *message = NULL;

  crm_server_metrics_connection_refused ();
  /* a flood of refusals must not become a flood of lines */
  if (now - last_us < G_USEC_PER_SEC)
    {
      skipped++;
      return;
    }
  last_us = now;
  message = skipped > 0
            ? g_strdup_printf ("connection from %s refused: %s (and %u more refused in the last "
                               "second)", peer != NULL ? peer : "-", reason, skipped)
            : g_strdup_printf ("connection from %s refused: %s", peer != NULL ? peer : "-", reason);
  skipped = 0;
  crm_server_log (G_LOG_LEVEL_WARNING, "connection-refused", message, "VORONKA_PEER", peer,
                  NULL);
}
