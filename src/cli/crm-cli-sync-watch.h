/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-sync-watch.h — `voronkactl sync --watch`: after the first round the live channel
 * stays open and each event (and every --interval seconds) runs another round. */
#pragma once

#include "crm-cli.h"
#include "crm-sync-client.h"

G_BEGIN_DECLS

typedef struct {
  guint  interval;      /* seconds between fallback rounds */
  guint  max_rounds;    /* stop after this many rounds, the first included (0: never) */
  guint  exit_after;    /* stop after this many seconds (0: never) */
} CrmCliWatch;

/* Prints one round's report; @trigger ("first", "live", "interval", "retry") may go in
 * --json. */
typedef void (*CrmCliWatchPrint) (CrmCli              *cli,
                                  const CrmSyncReport *report,
                                  const char          *trigger,
                                  gpointer             user_data);

/* Runs until SIGINT/SIGTERM, --max-rounds or --exit-after; @first is the first round's
 * report (already printed). FALSE with @error when a round fails in a way that retrying
 * cannot mend (a refused sign-in, a server too old or too new). */
gboolean crm_cli_sync_watch (CrmCli              *cli,
                             CrmSyncClient       *client,
                             const CrmSyncReport *first,
                             const CrmCliWatch   *watch,
                             CrmCliWatchPrint     print,
                             gpointer             print_data,
                             GError             **error);

G_END_DECLS
