/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-live-client.h — the device's end of the live channel (GET /api/v1/live, a
 * WebSocket; the events are described in src/server/crm-server-live.h). It connects with
 * the CrmSyncClient's server, certificate and token, reconnects with a back-off (with
 * jitter) when the socket drops or the server is away, and emits "sync-needed" when the
 * server names a head beyond the cursor the replica has pulled to (set after each round
 * with crm_live_client_set_cursor ()). Periodic rounds stay the fallback: nothing here
 * replaces them, it only asks for a round sooner. Everything runs on the main context of
 * the thread that made it, never blocking it. Signals: "sync-needed", "notification"
 * (a rule's notification for this user) and "call" (a call rings this user: the caller's
 * card, crm-server-live.h).
 *
 * The app and `voronkactl sync --watch`: crm_live_client_new (sync_client) →
 * crm_live_client_start (); on "sync-needed" run a round. The cursor follows the rounds
 * the sync client completes ("last-synced"); crm_live_client_set_cursor () tells it one
 * read elsewhere (the replica's, at start-up). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm-sync-client.h"

G_BEGIN_DECLS

#define CRM_TYPE_LIVE_CLIENT (crm_live_client_get_type ())
G_DECLARE_FINAL_TYPE (CrmLiveClient, crm_live_client, CRM, LIVE_CLIENT, GObject)

CrmLiveClient *crm_live_client_new            (CrmSyncClient *sync);
/* Connects now (and again after each drop) until stopped. */
void           crm_live_client_start          (CrmLiveClient *self);
void           crm_live_client_stop           (CrmLiveClient *self);
/* Whether the socket is open now (the "connected" property). */
gboolean       crm_live_client_get_connected  (CrmLiveClient *self);
/* Why the last attempt failed or the socket closed, or NULL. */
const char    *crm_live_client_get_last_error (CrmLiveClient *self);
/* The server sequence the replica has pulled up to. */
void           crm_live_client_set_cursor     (CrmLiveClient *self,
                                               gint64         cursor);
/* The highest head the server named (0: none yet). */
gint64         crm_live_client_get_head       (CrmLiveClient *self);
/* How many times the socket has been opened (for tests and the CLI's report). */
guint          crm_live_client_get_connections (CrmLiveClient *self);

/* The delay before reconnect @attempt (1, 2, …) in ms: 1 s doubling up to a minute,
 * ±50 % from @rand. */
guint          crm_live_backoff_delay_ms      (guint          attempt,
                                               GRand         *rand);

G_END_DECLS
