/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-controller.h — background sync for a window whose replica has a server: the
 * token from the keyring, a CrmSyncClient syncing every few minutes and when the network
 * comes back, "Sync now", and the header's indicator kept up to date; the live channel's
 * events it passes on as signals: "call" (a call rings this user) and "notification" (a
 * rule made one for this user), each with the event's JsonObject. Without the sync client
 * built in it does nothing. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "crm-context.h"
#include "crm-sync-indicator.h"

G_BEGIN_DECLS

#define CRM_TYPE_SYNC_CONTROLLER (crm_sync_controller_get_type ())
G_DECLARE_FINAL_TYPE (CrmSyncController, crm_sync_controller, CRM, SYNC_CONTROLLER, GObject)

CrmSyncController *crm_sync_controller_new      (CrmContext       *context,
                                                 CrmSyncIndicator *indicator,
                                                 guint             interval_seconds);
/* Reads the replica's server again (after a sign-in); @token, when known, saves a trip
 * to the keyring. */
void               crm_sync_controller_restart  (CrmSyncController *self,
                                                 const char        *token);
void               crm_sync_controller_sync_now (CrmSyncController *self);
/* Brings the attached file with content @hash from the replica's server into its folder
 * (crm_sync_client_fetch_file_async: a worker thread and an HTTP session of its own; a
 * fetch that stopped halfway goes on from there). Errors are CRM_SYNC_ERROR's; a replica
 * with no server or no sign-in here is CRM_SYNC_ERROR_AUTH_FAILED, one whose sign-in is
 * still being read from the keyring CRM_SYNC_ERROR_SERVER_UNREACHABLE; without the sync
 * client built in, G_IO_ERROR_NOT_SUPPORTED. */
void               crm_sync_controller_fetch_file_async  (CrmSyncController   *self,
                                                          const char          *hash,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           crm_sync_controller_fetch_file_finish (CrmSyncController  *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);
/* An administrator invites a new user @name (@role: admin, manager or rep) through the
 * replica's server (crm_sync_client_create_invite_async), the code working for @days (0:
 * the server's 7): {"code", "name", "role", "account", "expires", "server"}. Errors as
 * for fetch_file. */
void               crm_sync_controller_invite_async  (CrmSyncController   *self,
                                                      const char          *name,
                                                      const char          *role,
                                                      guint                days,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
JsonObject        *crm_sync_controller_invite_finish (CrmSyncController  *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);
/* The invitations of the account still waiting to be used
 * (crm_sync_client_list_invites_async): {"account", "invites": [{"name", "role",
 * "created", "expires"}], "server"}. An administrator's withdrawal of the invitations
 * waiting for @name (crm_sync_client_withdraw_invite_async): {"name", "withdrawn", "server"}.
 * Both end with crm_sync_controller_invite_finish(); errors as for invite. */
void               crm_sync_controller_list_invites_async    (CrmSyncController   *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
void               crm_sync_controller_withdraw_invite_async (CrmSyncController   *self,
                                                              const char          *name,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* An administrator's request about the account's channels or mailboxes through the
 * replica's server (crm_sync_client_admin_request_async: @method, @path, @body); ends with
 * crm_sync_controller_invite_finish() — the answer with "server" added. Errors as for
 * invite. */
void               crm_sync_controller_admin_request_async (CrmSyncController   *self,
                                                            const char          *method,
                                                            const char          *path,
                                                            JsonObject          *body,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
/* Why the server cannot be asked now, in words (not on a server, not connected yet, out of
 * reach at the last round), or NULL when it can. */
char              *crm_sync_controller_dup_offline_reason  (CrmSyncController   *self);
/* TRUE when the replica has a server and sync is built in. */
gboolean           crm_sync_controller_is_active (CrmSyncController *self);

G_END_DECLS
