/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-push.c — a push and a pull on an account replica (see crm-server-push.h);
 * what is accepted and why the rest is rejected is written in crm-ledger.c. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-server-push.h"
#include "crm-server-log.h"
#include "crm-server-snapshot.h"
#include "crm-ledger.h"
#include "crm-rules.h"
#include "crm-setup.h"
#include "crm-time.h"
#include "crm-visibility.h"

typedef struct {
  const CrmServerUser  *user;
  CrmServerDeviceFunc   device_ok;
  gpointer              device_data;
} DeviceCheck;

static gboolean
device_of_user (const char *device,
                gpointer    data)
{
  DeviceCheck *check = data;

  return check->device_ok (check->user, device, check->device_data);
}

static CrmPushResult *
push_result_take (CrmLedgerResult *from)
{
  CrmPushResult *result = crm_push_result_new ();

  result->op_id = g_steal_pointer (&from->op_id);
  result->accepted = from->accepted;
  result->seq = from->seq;
  result->hlc = from->hlc;
  result->stamp = g_steal_pointer (&from->stamp);
  result->actor = g_steal_pointer (&from->actor);
  result->code = g_steal_pointer (&from->code);
  result->message = g_steal_pointer (&from->message);
  result->values = g_steal_pointer (&from->values);
  result->corrective = g_steal_pointer (&from->corrective);
  return result;
}

gboolean
crm_server_replica_push (CrmStore             *store,
                         const CrmServerUser  *user,
                         CrmServerDeviceFunc   device_ok,
                         gpointer              device_data,
                         gint64                base,
                         GPtrArray            *ops,
                         GPtrArray           **out_results,
                         gint64               *out_head,
                         GError              **error)
{
  DeviceCheck check = { user, device_ok, device_data };
  CrmLedgerPush push = {
    .actor = user->crm_user,
    .role = user->role,
    .base = base,
    .max_ahead_ms = CRM_PROTOCOL_MAX_CLOCK_AHEAD_MS,
    .device_ok = device_ok != NULL ? device_of_user : NULL,
    .device_data = &check,
  };
  g_autoptr(GPtrArray) decided = NULL;
  GPtrArray *results;

  g_autoptr(CrmVisibility) visibility = NULL;

  if (!crm_ledger_push (store, &push, ops, &decided, out_head, error))
    return FALSE;
  results = g_ptr_array_new_full (decided->len, (GDestroyNotify) crm_push_result_free);
  for (guint i = 0; i < decided->len; i++)
    {
      CrmLedgerResult *result = decided->pdata[i];

      /* a refused op of a deal its author does not see gets no values back: the server's
       * would show them the deal (it leaves their replica with the next pull) */
      if (!result->accepted && i < ops->len && user->crm_user != NULL)
        {
          CrmOp *op = ops->pdata[i];
          g_autofree char *deal = crm_visibility_deal_of (store, op->entity, op->entity_id);

          if (visibility == NULL)
            visibility = crm_visibility_new (store, user->crm_user);
          if (deal != NULL && !crm_visibility_sees_deal (visibility, store, deal))
            {
              g_clear_pointer (&result->values, json_object_unref);
              g_clear_pointer (&result->corrective, crm_op_free);
            }
        }
      g_ptr_array_add (results, push_result_take (result));
    }
  *out_results = results;
  return TRUE;
}

typedef struct {
  GString       *out;
  gint64         next;      /* the cursor after the page: its last op's sequence */
  guint          sent;
  CrmStore      *store;
  CrmVisibility *visibility;
  gint64         since;
  GHashTable    *whole;     /* deals sent whole on this page */
  GPtrArray     *forget;    /* deals the puller no longer sees */
  GPtrArray     *dependents; /* entity, id…: their tasks, notes… moved out of their sight */
  gboolean       rights;    /* what the puller sees changed: a fresh copy is needed */
  GError        *error;
} Page;

static void
add_op (const CrmLedgerRow *row,
        gpointer            data)
{
  Page *page = data;

  /* each op's stored fields go in as they are, without being parsed and generated again */
  crm_pull_text_add_stamped_op (page->out, row->seq, row->op_id, row->hlc, row->device,
                                row->entity, row->entity_id, row->fields, row->cause,
                                row->rule, row->actor, row->base, row->stamp);
  page->sent++;
}

/* The filter of a pull for a puller who does not see every deal (crm-visibility.h): an op
 * of a deal they do not see, or of its dependents, is left out; the op that moved a deal
 * to them comes after the deal's whole history before this pull; one that moved it away
 * lists it to forget. */
static void
add_row (const CrmLedgerRow *row,
         gpointer            data)
{
  Page *page = data;
  g_autofree char *deal = NULL;
  gboolean moved;

  page->next = row->seq;
  if (page->error != NULL || page->rights)
    return;
  if (page->visibility == NULL)
    {
      add_op (row, page);
      return;
    }
  /* a device that had nothing (since 0) is given what its user sees now anyway */
  if (page->since > 0 &&
      crm_visibility_op_changes_seen (page->visibility, page->store, row->seq, row->entity,
                                      row->entity_id, row->fields))
    {
      page->rights = TRUE;
      return;
    }
  if (crm_visibility_sees_all (page->visibility))
    {
      add_op (row, page);
      return;
    }
  moved = crm_visibility_op_moves_deal (row->entity, row->fields);
  deal = crm_visibility_deal_of (page->store, row->entity, row->entity_id);
  if (deal == NULL)
    add_op (row, page);
  else if (!crm_visibility_sees_deal (page->visibility, page->store, deal))
    {
      if (moved && page->since > 0)
        g_ptr_array_add (page->forget, g_steal_pointer (&deal));
      /* a task (a note, a file…) put on a deal they do not see, from where they may have
       * had it: they forget it as they would the deal */
      else if (page->since > 0 &&
               crm_visibility_op_moves_dependent_away (page->store, row->seq, row->entity,
                                                       row->entity_id, row->fields))
        {
          g_ptr_array_add (page->dependents, g_strdup (row->entity));
          g_ptr_array_add (page->dependents, g_strdup (row->entity_id));
        }
    }
  else
    {
      /* ops after the cursor come on this page or the next; those before it, which the
       * device was not given, come now */
      if (moved && page->since > 0 && g_hash_table_add (page->whole, g_strdup (deal)))
        crm_ledger_read_deal (page->store, deal, page->since + 1, add_op, page, &page->error);
      /* a task (a note…) put on a deal they see from one they may not have: its own ops
       * before the cursor come first, as a deal's do */
      else if (page->since > 0 &&
               crm_visibility_op_moves_dependent (row->entity, row->fields) &&
               !g_hash_table_contains (page->whole, deal) &&
               g_hash_table_add (page->whole, g_strdup (row->entity_id)))
        crm_ledger_read_dependent (page->store, row->entity_id, page->since + 1, add_op, page,
                                   &page->error);
      add_op (row, page);
    }
}

/* At most this many reads of a pull's page size for one answer (below). */
#define FILTERED_READS 64

char *
crm_server_replica_pull (CrmStore    *store,
                         const char  *actor,
                         gint64       since,
                         guint        limit,
                         guint64      hlc,
                         gsize       *out_length,
                         GError     **error)
{
  g_autoptr(JsonArray) pending = NULL;
  g_autoptr(CrmVisibility) visibility = NULL;
  g_autoptr(GHashTable) whole = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) forget = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) dependents = g_ptr_array_new_with_free_func (g_free);
  gint64 horizon = crm_ledger_horizon (store);
  gint64 head = crm_ledger_head (store);
  Page page = { NULL, since, 0, store, NULL, since, whole, forget, dependents, FALSE, NULL };
  guint reads = 0;

  if (since < horizon || since > head)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SNAPSHOT_REQUIRED,
                   since < horizon
                   ? _("This device was away longer than the server keeps history; it needs a "
                       "fresh copy of the account")
                   : _("This device has seen more of the account than the server holds (was the "
                       "server restored from a backup?); it needs a fresh copy of the account"));
      return NULL;
    }
  /* an account's own server user (no actor) and a user who sees every deal are given
   * every op, but the latter still learns when what they see changed */
  if (actor != NULL)
    visibility = crm_visibility_new (store, actor);
  page.visibility = visibility;
  page.out = crm_pull_text_new ();
  /* a page whose ops were all left out is followed by the next, so that a page the device
   * gets is rarely empty while more is coming — but one request reads at most
   * FILTERED_READS pages: a user who sees few deals of a large log gets an empty page
   * that says more is coming (the sync round asks again from its "next"), rather than
   * one request reading the whole log */
  do
    {
      if (!crm_ledger_read (store, page.next, limit, add_row, &page, error))
        {
          g_string_free (page.out, TRUE);
          return NULL;
        }
    }
  while (page.sent == 0 && page.error == NULL && !page.rights && page.next < head &&
         ++reads < FILTERED_READS);
  if (page.error != NULL || page.rights)
    {
      g_string_free (page.out, TRUE);
      if (page.error != NULL)
        g_propagate_error (error, page.error);
      else
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SNAPSHOT_REQUIRED,
                     _("Which deals you may see in this account has changed (a role or a "
                       "group); this device needs a fresh copy of the account"));
      return NULL;
    }
  /* the last page tells the puller which of their changes that did not hold still have
   * rule effects the server could not withdraw yet (the disk was full): listed to them
   * until withdrawn */
  if (page.next >= head && actor != NULL && crm_ledger_withdrawal_pending (store))
    {
      g_autoptr(GError) local_error = NULL;

      pending = crm_ledger_pending_withdrawals (store, actor, &local_error);
      if (pending == NULL)
        g_message ("Could not read the pending withdrawals: %s", local_error->message);
    }
  return crm_pull_text_finish_forget (page.out, page.next, page.next < head, head, hlc, pending,
                                      forget, dependents, out_length);
}

gboolean
crm_server_replica_check_cursor (CrmStore    *store,
                                 gint64       seq,
                                 const char  *op_id,
                                 gboolean    *out_same,
                                 GError     **error)
{
  g_autofree char *ours = NULL;

  *out_same = TRUE;
  /* past the head, the pull says so itself; at the horizon the op may be compacted away */
  if (seq <= 0 || seq > crm_ledger_head (store) || seq <= crm_ledger_horizon (store))
    return TRUE;
  if (!crm_ledger_op_at (store, seq, &ours, error))
    return FALSE;
  *out_same = g_strcmp0 (ours, op_id) == 0;
  return TRUE;
}

char *
crm_server_replica_user_field (CrmStore   *store,
                               const char *id,
                               gboolean    name)
{
  char *value = NULL;

  crm_ledger_lookup_user (store, id, name ? &value : NULL, name ? NULL : &value);
  return value;
}

char *
crm_server_replica_ensure_user (CrmStore    *store,
                                const char  *name,
                                const char  *role,
                                GError     **error)
{
  g_autofree char *current_role = NULL;
  g_autofree char *id = crm_ledger_find_user (store, name, &current_role);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  CrmChange *change;

  if (id != NULL && g_strcmp0 (current_role, role) == 0)
    return g_steal_pointer (&id);
  if (id == NULL)
    {
      id = crm_store_new_id (store);
      change = crm_changeset_create (changeset, "user", id);
      crm_change_set_string (change, "name", name);
    }
  else
    change = crm_changeset_touch (changeset, "user", id);
  crm_change_set_string (change, "role", role);
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&id);
}

gboolean
crm_server_replica_check_quota (CrmStore             *store,
                                const CrmServerUser  *user,
                                gint64                quota,
                                GError              **error)
{
  gint64 size;

  if (quota == 0)
    return TRUE;
  size = crm_ledger_size (store);
  if (size <= quota)
    return TRUE;
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_QUOTA_EXCEEDED,
               _("The account «%s» has used its %lld MB of storage on the server (it holds "
                 "%lld MB), so nothing was sent; your changes stay on this device. Ask the "
                 "server's administrator to raise --account-quota-mb"),
               user->account_name, (long long) (quota / (1024 * 1024)),
               (long long) (size / (1024 * 1024)));
  return FALSE;
}

char *
crm_server_replica_heir (CrmStore             *store,
                         const CrmServerUser  *heir,
                         const char           *reassign_to,
                         const char           *account_name,
                         GError              **error)
{
  g_autofree char *entity = NULL;
  g_autofree char *name = NULL;

  /* a user who signs in, or anyone the account's replica knows */
  if (heir != NULL && !heir->removed && !heir->disabled)
    entity = g_strdup (heir->crm_user);
  else if (heir == NULL)
    entity = crm_ledger_find_user (store, reassign_to, NULL);
  if (entity != NULL)
    name = crm_server_replica_user_field (store, entity, TRUE);
  if (name != NULL)
    return g_steal_pointer (&entity);
  if (heir != NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("«%s» cannot take over: they are disabled or removed; name an active "
                   "colleague with --reassign-to"), reassign_to);
  else
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no user «%s» in account «%s» to take over; “voronka-server "
                   "user list %s” shows who there is"),
                 reassign_to, account_name, account_name);
  return NULL;
}

JsonObject *
crm_server_replica_user_row (CrmStore    *store,
                             const char  *name,
                             const char  *role,
                             const char  *crm_user,
                             gint64       created_at,
                             gboolean     disabled,
                             gboolean     removed,
                             gint64       sessions,
                             gint64       last_seen)
{
  JsonObject *user = json_object_new ();
  g_autofree char *current_role = crm_server_replica_user_field (store, crm_user, FALSE);
  g_autofree char *created = crm_time_format (created_at);

  json_object_set_string_member (user, "name", name);
  json_object_set_string_member (user, "role", current_role != NULL ? current_role : role);
  json_object_set_string_member (user, "state", removed ? "removed"
                                                : disabled ? "disabled"
                                                : !crm_setup_user_is_active (store, crm_user)
                                                ? "deactivated" : "active");
  json_object_set_int_member (user, "sessions", sessions);
  if (last_seen > 0)
    {
      g_autofree char *seen = crm_time_format (last_seen);

      json_object_set_string_member (user, "last_seen", seen);
    }
  else
    json_object_set_null_member (user, "last_seen");
  json_object_set_string_member (user, "created_at", created);
  return user;
}

gboolean
crm_server_replica_epoch (CrmStore    *store,
                          const char  *client_epoch,
                          char       **out_epoch,
                          gint64      *out_shared,
                          gint64      *out_head,
                          char       **out_device,
                          GError     **error)
{
  if (!crm_ledger_epoch (store, client_epoch, out_epoch, out_shared, error))
    return FALSE;
  *out_head = crm_ledger_head (store);
  *out_device = g_strdup (crm_store_get_device_id (store));
  return TRUE;
}

gboolean
crm_server_replica_tick (CrmStore  *store,
                         gint64     now,
                         guint     *out_fired,
                         GError   **error)
{
  g_autoptr(JsonNode) refused = NULL;
  gboolean ok;

  crm_store_set_now (store, now);
  ok = crm_rules_tick_full (store, out_fired, &refused, error) &&
       crm_ledger_number_deals (store, error);
  crm_store_set_now (store, 0);
  /* rule effects a push could not withdraw (the disk was full): tried again */
  if (ok && crm_ledger_withdrawal_pending (store))
    {
      g_autoptr(GError) local_error = NULL;
      guint withdrawn = 0;

      if (!crm_ledger_retry_withdrawals (store, &withdrawn, &local_error))
        crm_server_log (G_LOG_LEVEL_WARNING, "withdraw-pending",
                        local_error->message, NULL);
      else
        g_debug ("tick: withdrew %u effects of overridden changes, pending since a failure",
                 withdrawn);
    }
  /* a refused run is the account's business (the deal's responsible is notified), but an
   * admin reading the log sees it too */
  for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (refused)); i++)
    {
      JsonObject *item = json_array_get_object_element (json_node_get_array (refused), i);
      const char *deal = json_object_get_string_member_with_default (item, "deal", NULL);
      g_autofree char *message = g_strdup_printf (
        "tick: timer rule “%s” refused for deal %s: %s",
        json_object_get_string_member_with_default (item, "rule", ""),
        deal != NULL ? deal : "-",
        json_object_get_string_member_with_default (item, "message", ""));

      crm_server_log (G_LOG_LEVEL_WARNING, "tick-refused", message, NULL);
    }
  return ok;
}

static void
snapshot_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  CrmServerSnapshot *snapshot = crm_server_snapshot_make_finish (result, &error);

  if (snapshot == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snapshot, (GDestroyNotify) crm_server_snapshot_free);
}

void
crm_server_replica_snapshot_async (gpointer             source_object,
                                   CrmStore            *store,
                                   const char          *path,
                                   const char          *cache,
                                   const char          *account_id,
                                   const char          *actor,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);
  CrmVisibility *filter = actor != NULL ? crm_visibility_new (store, actor) : NULL;
  gint64 head = crm_ledger_head (store);
  /* no copy older than the user's last change of rights; a filtered one also no older than
   * the last deal that moved (it may hold one its user no longer sees), and at most the
   * usual lag behind */
  gint64 min_seq = actor != NULL ? crm_visibility_changed_at (store, actor) : 0;
  g_auto(GStrv) live_keys = crm_visibility_dup_keys (store);

  if (filter != NULL && crm_visibility_sees_all (filter))
    g_clear_pointer (&filter, crm_visibility_free);
  if (filter != NULL)
    min_seq = MAX (min_seq, crm_visibility_last_move (store, head - CRM_SERVER_SNAPSHOT_MAX_LAG));
  crm_server_snapshot_make_async (path, cache, account_id, filter,
                                  (const char *const *) live_keys, head, min_seq,
                                  CRM_SERVER_SNAPSHOT_MAX_AGE, CRM_SERVER_SNAPSHOT_MAX_LAG,
                                  cancellable, snapshot_done, task);
}

CrmServerSnapshot *
crm_server_replica_snapshot_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
