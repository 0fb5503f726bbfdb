/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stamp.c — HMAC stamps on ops (see crm-stamp.h). The message is every field of the
 * op, each written as LENGTH:TEXT; (a missing one as ~;), so no two different ops give
 * the same message. The server computes stamps in SQL (a function and a temporary
 * trigger on its own connection), so every way an op reaches its changelog is covered. */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "crm-stamp.h"
#include "crm-changelog-private.h"
#include "crm-json-private.h"
#include "crm-store-private.h"

#define STAMP_PREFIX "v1:"

static void
add_part (GString    *message,
          const char *text)
{
  if (text == NULL)
    g_string_append (message, "~;");
  else
    g_string_append_printf (message, "%" G_GSIZE_FORMAT ":%s;", strlen (text), text);
}

static char *
stamp_of (GBytes      *key,
          const char  *op_id,
          guint64      hlc,
          const char  *device,
          const char  *entity,
          const char  *entity_id,
          const char  *fields,
          const char  *cause,
          const char  *rule,
          const char  *actor)
{
  g_autoptr(GString) message = g_string_new (NULL);
  g_autoptr(GHmac) hmac = NULL;
  char hex[17];
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (key, &size);

  g_snprintf (hex, sizeof hex, "%016" G_GINT64_MODIFIER "x", hlc);
  add_part (message, op_id);
  add_part (message, hex);
  add_part (message, device);
  add_part (message, entity);
  add_part (message, entity_id);
  add_part (message, fields);
  add_part (message, cause);
  add_part (message, rule);
  add_part (message, actor);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, data, size);
  g_hmac_update (hmac, (const guchar *) message->str, message->len);
  return g_strconcat (STAMP_PREFIX, g_hmac_get_string (hmac), NULL);
}

char *
crm_stamp_compute (GBytes       *key,
                   const CrmOp  *op)
{
  g_autofree char *fields = NULL;

  g_return_val_if_fail (key != NULL && op != NULL, NULL);

  fields = crm_json_object_to_canonical (op->fields);
  return stamp_of (key, op->op_id, op->hlc, op->device, op->entity, op->entity_id, fields,
                   op->cause, op->rule, op->actor);
}

gboolean
crm_stamp_check (GBytes       *key,
                 const CrmOp  *op)
{
  g_autofree char *expected = NULL;
  guint8 diff = 0;
  gsize length;

  g_return_val_if_fail (op != NULL, FALSE);

  if (key == NULL || op->stamp == NULL)
    return FALSE;
  expected = crm_stamp_compute (key, op);
  length = strlen (expected);
  if (strlen (op->stamp) != length)
    return FALSE;
  /* the same time whatever the first wrong digit */
  for (gsize i = 0; i < length; i++)
    diff |= (guint8) (expected[i] ^ op->stamp[i]);
  return diff == 0;
}

/* crm_stamp (op_id, hlc, device, entity, entity_id, fields, cause, rule, actor) */
static void
sql_stamp (sqlite3_context  *context,
           int               argc,
           sqlite3_value   **argv)
{
  GBytes *key = sqlite3_user_data (context);
  g_autofree char *stamp = NULL;

  g_assert (argc == 9);
  stamp = stamp_of (key,
                    (const char *) sqlite3_value_text (argv[0]),
                    (guint64) sqlite3_value_int64 (argv[1]),
                    (const char *) sqlite3_value_text (argv[2]),
                    (const char *) sqlite3_value_text (argv[3]),
                    (const char *) sqlite3_value_text (argv[4]),
                    (const char *) sqlite3_value_text (argv[5]),
                    (const char *) sqlite3_value_text (argv[6]),
                    (const char *) sqlite3_value_text (argv[7]),
                    (const char *) sqlite3_value_text (argv[8]));
  sqlite3_result_text (context, g_steal_pointer (&stamp), -1, g_free);
}

/* an op's fields as its stamp signs them: its device and actor as text (a changelog row
 * names them by a number of clock_word since schema 27, crm-changelog-private.h) */
#define STAMP_ARGS(row) \
  row "op_id, " row "hlc, " CRM_CHANGELOG_WORD (row "device_n") ", " row "entity, " \
  row "entity_id, " row "fields, " row "cause, " row "rule, " CRM_CHANGELOG_WORD (row "actor_n")

gboolean
crm_store_enable_stamps (CrmStore  *store,
                         GBytes    *key,
                         GError   **error)
{
  sqlite3 *db;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  db = _crm_store_get_db (store);
  if (sqlite3_create_function_v2 (db, "crm_stamp", 9, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                  g_bytes_ref (key), sql_stamp, NULL, NULL,
                                  (void (*) (void *)) g_bytes_unref) != SQLITE_OK ||
      sqlite3_exec (db,
        "CREATE TEMP TRIGGER IF NOT EXISTS crm_stamp_op AFTER INSERT ON main.changelog BEGIN"
        " UPDATE changelog SET server_seq = NEW.seq, stamp = crm_stamp (" STAMP_ARGS ("NEW.")
        ") WHERE seq = NEW.seq; END;"
        "CREATE TEMP TRIGGER IF NOT EXISTS crm_restamp_op AFTER UPDATE OF hlc ON main.changelog"
        " BEGIN UPDATE changelog SET stamp = crm_stamp (" STAMP_ARGS ("NEW.") ")"
        " WHERE seq = NEW.seq; END;"
        "UPDATE main.changelog SET server_seq = seq, stamp = crm_stamp (" STAMP_ARGS ("") ")"
        " WHERE stamp IS NULL OR server_seq IS NULL;", NULL, NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "stamping the account's changes");
      return FALSE;
    }
  g_object_set_data_full (G_OBJECT (store), "crm-stamp-key", g_bytes_ref (key),
                          (GDestroyNotify) g_bytes_unref);
  return TRUE;
}

GBytes *
crm_store_get_stamp_key (CrmStore *store)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return g_object_get_data (G_OBJECT (store), "crm-stamp-key");
}
