/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-push.c — a push and a pull on an account replica (see crm-server-push.h);
 * what is accepted and why the rest is rejected is written in crm-ledger.c. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-server-push.h"
#include "crm-ledger.h"

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

  if (!crm_ledger_push (store, &push, ops, &decided, out_head, error))
    return FALSE;
  results = g_ptr_array_new_full (decided->len, (GDestroyNotify) crm_push_result_free);
  for (guint i = 0; i < decided->len; i++)
    g_ptr_array_add (results, push_result_take (decided->pdata[i]));
  *out_results = results;
  return TRUE;
}

typedef struct {
  GString *out;
  gint64   next;   /* the cursor after the page: its last op's sequence */
} Page;

static void
add_row (const CrmLedgerRow *row,
         gpointer            data)
{
  Page *page = data;

  page->next = row->seq;
  /* each op's stored fields go in as they are, without being parsed and generated again */
  crm_pull_text_add_stamped_op (page->out, row->seq, row->op_id, row->hlc, row->device,
                                row->entity, row->entity_id, row->fields, row->cause,
                                row->rule, row->actor, row->base, row->stamp);
}

char *
crm_server_replica_pull (CrmStore  *store,
                         gint64     since,
                         guint      limit,
                         guint64    hlc,
                         gsize     *out_length,
                         GError   **error)
{
  gint64 horizon = crm_ledger_horizon (store);
  gint64 head = crm_ledger_head (store);
  Page page = { NULL, since };

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
  page.out = crm_pull_text_new ();
  if (!crm_ledger_read (store, since, limit, add_row, &page, error))
    {
      g_string_free (page.out, TRUE);
      return NULL;
    }
  return crm_pull_text_finish (page.out, page.next, page.next < head, head, hlc, out_length);
}
