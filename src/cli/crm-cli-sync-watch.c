/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-sync-watch.c — `sync --watch` (see the header): a main loop with the live
 * channel (crm-live-client.h), a fallback timer, and rounds run one at a time in the sync
 * client's worker thread. */
#define G_LOG_DOMAIN "voronka-cli"

#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>

#include "crm-cli-sync-watch.h"
#include "crm-live-client.h"

typedef struct {
  CrmCli              *cli;
  CrmSyncClient       *client;
  CrmLiveClient       *live;
  const CrmCliWatch   *watch;
  CrmCliWatchPrint     print;
  gpointer             print_data;
  GMainLoop           *loop;
  GCancellable        *cancellable;
  guint                rounds;
  gboolean             in_round;
  const char          *current;     /* what started the round that runs */
  const char          *pending;     /* the trigger of a round asked for during one */
  gboolean             stopping;
  guint                interval_source;
  guint                exit_after;
  guint                retry;         /* a failed round is tried again soon */
  guint                failures;
  GError              *error;       /* a failure retrying cannot mend */
} Watch;

static void     run_round (Watch      *watch,
                           const char *trigger);
static gboolean retry_cb  (gpointer    user_data);

static void
stop (Watch *watch)
{
  watch->stopping = TRUE;
  g_cancellable_cancel (watch->cancellable);
  if (!watch->in_round)
    g_main_loop_quit (watch->loop);
}

static gboolean
fatal (const GError *error)
{
  return g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) ||
         g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED) ||
         g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SCHEMA_TOO_NEW) ||
         g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UPDATE_REQUIRED);
}

static void
round_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Watch *watch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncReport) report = crm_sync_client_sync_finish (CRM_SYNC_CLIENT (source),
                                                                 result, &error);
  const char *trigger = watch->current;
  const char *pending = watch->pending;

  watch->in_round = FALSE;
  watch->pending = NULL;
  if (report != NULL)
    {
      watch->rounds++;
      /* the live client has the new cursor from the sync client */
      watch->print (watch->cli, report, trigger, watch->print_data);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_printerr (_("voronkactl: %s\n"), error->message);
      if (fatal (error))
        {
          watch->error = g_steal_pointer (&error);
          stop (watch);
        }
      else if (watch->retry == 0)
        {
          /* a busy replica, a server away: again in 5 s, 10 s, … up to the interval (the
           * change that was announced must not wait for the fallback) */
          guint delay = MIN (5u << MIN (watch->failures, 6u), watch->watch->interval);

          watch->failures++;
          watch->retry = g_timeout_add_seconds (delay, retry_cb, watch);
        }
    }
  if (report != NULL)
    watch->failures = 0;
  if (watch->stopping ||
      (watch->watch->max_rounds > 0 && watch->rounds >= watch->watch->max_rounds))
    {
      watch->stopping = TRUE;
      g_main_loop_quit (watch->loop);
      return;
    }
  if (pending != NULL)
    run_round (watch, pending);
}

static void
run_round (Watch      *watch,
           const char *trigger)
{
  if (watch->stopping)
    return;
  if (watch->in_round)
    {
      watch->pending = trigger;
      return;
    }
  watch->in_round = TRUE;
  watch->current = trigger;
  crm_sync_client_sync_async (watch->client, watch->cancellable, round_done, watch);
}

static gboolean
retry_cb (gpointer user_data)
{
  Watch *watch = user_data;

  watch->retry = 0;
  run_round (watch, "retry");
  return G_SOURCE_REMOVE;
}

static void
sync_needed (CrmLiveClient *live,
             Watch         *watch)
{
  run_round (watch, "live");
}

static gboolean
interval_cb (gpointer user_data)
{
  run_round (user_data, "interval");
  return G_SOURCE_CONTINUE;
}

static gboolean
signal_cb (gpointer user_data)
{
  stop (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
exit_after_cb (gpointer user_data)
{
  Watch *watch = user_data;

  watch->exit_after = 0;
  stop (watch);
  return G_SOURCE_REMOVE;
}

static void
connected_changed (CrmLiveClient *live,
                   GParamSpec    *pspec,
                   Watch         *watch)
{
  if (crm_live_client_get_connected (live))
    g_printerr (_("voronkactl: live connection open; syncing on each change\n"));
  else if (!watch->stopping)
    g_printerr (ngettext ("voronkactl: %s (every %u second)\n",
                          "voronkactl: %s (every %u seconds)\n", watch->watch->interval),
                crm_live_client_get_last_error (live) != NULL
                ? crm_live_client_get_last_error (live)
                : _("the live connection is closed; syncing periodically"),
                watch->watch->interval);
}

static void
error_changed (CrmLiveClient *live,
               GParamSpec    *pspec,
               Watch         *watch)
{
  /* a failed attempt to connect (a closed socket is reported by connected_changed) */
  if (!crm_live_client_get_connected (live) && crm_live_client_get_last_error (live) != NULL &&
      !watch->stopping)
    g_printerr (_("voronkactl: %s\n"), crm_live_client_get_last_error (live));
}

gboolean
crm_cli_sync_watch (CrmCli              *cli,
                    CrmSyncClient       *client,
                    const CrmSyncReport *first,
                    const CrmCliWatch   *options,
                    CrmCliWatchPrint     print,
                    gpointer             print_data,
                    GError             **error)
{
  Watch watch = { 0 };
  guint sigint, sigterm;

  watch.cli = cli;
  watch.client = client;
  watch.watch = options;
  watch.print = print;
  watch.print_data = print_data;
  watch.rounds = 1;
  if (options->max_rounds > 0 && watch.rounds >= options->max_rounds)
    return TRUE;
  watch.loop = g_main_loop_new (NULL, FALSE);
  watch.cancellable = g_cancellable_new ();
  watch.live = crm_live_client_new (client);
  crm_live_client_set_cursor (watch.live, first->cursor);
  g_signal_connect (watch.live, "sync-needed", G_CALLBACK (sync_needed), &watch);
  g_signal_connect (watch.live, "notify::connected", G_CALLBACK (connected_changed), &watch);
  g_signal_connect (watch.live, "notify::last-error", G_CALLBACK (error_changed), &watch);
  sigint = g_unix_signal_add (SIGINT, signal_cb, &watch);
  sigterm = g_unix_signal_add (SIGTERM, signal_cb, &watch);
  if (options->exit_after > 0)
    watch.exit_after = g_timeout_add_seconds (options->exit_after, exit_after_cb, &watch);
  watch.interval_source = g_timeout_add_seconds (options->interval, interval_cb, &watch);
  crm_live_client_start (watch.live);

  g_main_loop_run (watch.loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_clear_handle_id (&watch.exit_after, g_source_remove);
  g_clear_handle_id (&watch.retry, g_source_remove);
  g_clear_handle_id (&watch.interval_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (watch.live, &watch);
  crm_live_client_stop (watch.live);
  g_object_unref (watch.live);
  g_object_unref (watch.cancellable);
  g_main_loop_unref (watch.loop);
  if (watch.error != NULL)
    {
      g_propagate_error (error, watch.error);
      return FALSE;
    }
  return TRUE;
}
