/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server.h — the HTTP(S) front of voronka-server: SoupServer, the protocol's
 * endpoints, sign-in and bearer tokens, limits (body size, rate per token), one log line
 * per request, and the timer that runs the accounts' timer rules. */
#pragma once

#include <gio/gio.h>

#include "crm-server-live.h"
#include "crm-server-net.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

typedef struct {
  gsize   max_body;         /* bytes a request body may have (413 beyond) */
  double  rate;             /* requests per second per token (429 beyond)… */
  double  burst;            /* …after a burst of this many */
  gint64  session_ttl_ms;   /* how long a token stays valid */
  guint   max_connections;  /* open at once (see crm-server-connections.h) */
  guint   idle_timeout_s;   /* for a client to send (the rest of) its next request */
  gsize   max_file;         /* bytes an attached file may have (0: no limit) */
  gint64  abandoned_upload_ms; /* an unfinished upload untouched this long goes (0: never) */
  gint64  files_quota;      /* bytes an account's files may take in all (0: no limit) */
} CrmServerLimits;

#define CRM_SERVER_DEFAULT_MAX_BODY      (16 * 1024 * 1024)
#define CRM_SERVER_DEFAULT_RATE          50.0
#define CRM_SERVER_DEFAULT_BURST         500.0
#define CRM_SERVER_DEFAULT_SESSION_DAYS  30
#define CRM_SERVER_DEFAULT_MAX_CONNECTIONS 4096
#define CRM_SERVER_DEFAULT_IDLE_TIMEOUT  60

#define CRM_TYPE_SERVER (crm_server_get_type ())
G_DECLARE_FINAL_TYPE (CrmServer, crm_server, CRM, SERVER, GObject)

CrmServer *crm_server_new          (CrmServerStorage       *storage,
                                    const CrmServerLimits  *limits);
/* Listens on "HOST:PORT" (port 0: any free one), with TLS when @certificate is given.
 * *@out_url: the address clients use, e.g. "https://127.0.0.1:8443". */
gboolean   crm_server_listen       (CrmServer        *self,
                                    const char       *address,
                                    GTlsCertificate  *certificate,
                                    char            **out_url,
                                    GError          **error);
/* Runs the timer rules every @seconds (0: never); removes abandoned uploads now and with
 * every tick. */
void       crm_server_start_ticks  (CrmServer        *self,
                                    guint             seconds);
/* Takes @proxies (may be NULL): peers whose X-Forwarded-For is believed. */
void       crm_server_set_trusted_proxies (CrmServer        *self,
                                           CrmServerProxies *proxies);
/* New connections get @certificate; open ones keep the one they started with. */
void       crm_server_set_certificate     (CrmServer        *self,
                                           GTlsCertificate  *certificate);
/* @func (@account_id, @user_data) after each push an account took (message delivery). */
typedef void (*CrmServerPushHook) (const char *account_id,
                                   gpointer    user_data);
/* The live sockets of this process (the live channel). */
CrmServerLive *crm_server_get_live        (CrmServer         *self);
void       crm_server_set_push_hook       (CrmServer         *self,
                                           CrmServerPushHook  func,
                                           gpointer           user_data);
/* @func (@user_data, the account's id) after an administrator changed a channel or a
 * mailbox of that account through the
 * API (/api/v1/channels, /api/v1/mailboxes): `serve` publishes them into the replicas. */
typedef void (*CrmServerSettingsHook) (gpointer    user_data,
                                       const char *account_id);
void       crm_server_set_settings_hook   (CrmServer             *self,
                                           CrmServerSettingsHook  func,
                                           gpointer               user_data);
/* Stops listening and closes connections. */
void       crm_server_stop         (CrmServer        *self);
/* Something other than a push wrote to the accounts (a mailbox's requests): the devices
 * that listen hear of it. */
void       crm_server_changed      (CrmServer        *self);

G_END_DECLS
