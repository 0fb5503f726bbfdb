/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c — the replica file and the one write path: opening damaged or foreign
 * files, the gates refusing change sets without writing anything, rollback. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "crm-attachment.h"
#include "crm-json-private.h"
#include "crm-replica-file.h"
#include "crm-store.h"
#include "crm-store-private.h"
#include "crm-uuid.h"
#include "crm-test-store.h"

typedef struct {
  char     *dir;
  char     *path;
  CrmStore *store;
  char     *pipeline;
  char     *other_pipeline;
  char     *stages[5];      /* unsorted, open, open, won, lost */
  char     *other_stage;
  char     *reason;
  char     *other_reason;
  char     *deal;
} Fixture;

static char *
named_id (const char *name)
{
  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char *names[] = { "Неразобранное", "Новая заявка", "Встреча проведена",
                                 "Отгружено", "Закрыто и не реализовано" };
  static const char *kinds[] = { "unsorted", "open", "open", "won", "lost" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  f->dir = g_dir_make_tmp ("voronka-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "replica.db", NULL);
  f->store = crm_store_create (f->path, &error);
  g_assert_no_error (error);
  crm_store_set_now (f->store, 1772445600000); /* 2026-03-02T10:00:00Z */

  f->pipeline = named_id ("test/pipeline/Продажи");
  f->other_pipeline = named_id ("test/pipeline/Лизинг");
  change = crm_changeset_create (cs, "pipeline", f->pipeline);
  crm_change_set_string (change, "name", "Продажи");
  crm_change_set_int (change, "position", 0);
  change = crm_changeset_create (cs, "pipeline", f->other_pipeline);
  crm_change_set_string (change, "name", "Лизинг");
  crm_change_set_int (change, "position", 1);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *key = g_strdup_printf ("test/stage/%u", i);

      f->stages[i] = named_id (key);
      change = crm_changeset_create (cs, "stage", f->stages[i]);
      crm_change_set_string (change, "pipeline", f->pipeline);
      crm_change_set_string (change, "name", names[i]);
      crm_change_set_string (change, "kind", kinds[i]);
      crm_change_set_int (change, "position", i);
    }
  f->other_stage = named_id ("test/stage/other");
  change = crm_changeset_create (cs, "stage", f->other_stage);
  crm_change_set_string (change, "pipeline", f->other_pipeline);
  crm_change_set_string (change, "name", "База клиентов на лизинг");
  crm_change_set_string (change, "kind", "open");
  crm_change_set_int (change, "position", 0);

  f->reason = named_id ("test/reason/Дорого");
  change = crm_changeset_create (cs, "loss_reason", f->reason);
  crm_change_set_string (change, "pipeline", f->pipeline);
  crm_change_set_string (change, "name", "Дорого");
  f->other_reason = named_id ("test/reason/other");
  change = crm_changeset_create (cs, "loss_reason", f->other_reason);
  crm_change_set_string (change, "pipeline", f->other_pipeline);
  crm_change_set_string (change, "name", "Не одобрили лизинг");

  f->deal = crm_store_new_id (f->store);
  change = crm_changeset_create (cs, "deal", f->deal);
  crm_change_set_string (change, "title", "Volvo FH 460");
  crm_change_set_string (change, "pipeline", f->pipeline);
  crm_change_set_string (change, "stage", f->stages[1]);
  crm_change_set_int (change, "amount", 450000000);

  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (f->stages); i++)
    g_free (f->stages[i]);
  g_free (f->pipeline);
  g_free (f->other_pipeline);
  g_free (f->other_stage);
  g_free (f->reason);
  g_free (f->other_reason);
  g_free (f->deal);
  g_unlink (f->path);
  {
    g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static char *
deal_stage (Fixture *f)
{
  g_autoptr(JsonObject) deal = crm_store_dup_entity (f->store, "deal", f->deal);

  g_assert_nonnull (deal);
  return g_strdup (json_object_get_string_member (deal, "stage"));
}

static gboolean
move_deal (Fixture     *f,
           const char  *stage,
           const char  *reason,
           GError     **error)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change = crm_changeset_touch (cs, "deal", f->deal);

  crm_change_set_string (change, "stage", stage);
  if (reason != NULL)
    crm_change_set_string (change, "loss_reason", reason);
  return crm_store_apply (f->store, cs, error);
}

static void
test_loss_reason_gate (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) refusal = NULL;
  g_autofree char *before_state = crm_store_dump_state (f->store, NULL);
  g_autofree char *after_state = NULL;
  g_autofree char *stage = NULL;
  gint64 log_length = crm_store_get_log_length (f->store);

  g_assert_false (move_deal (f, f->stages[4], NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED);
  g_assert_cmpstr (crm_error_code_name (error), ==, "loss-reason-required");
  g_assert_nonnull (strstr (error->message, "Закрыто и не реализовано"));
  g_assert_nonnull (strstr (error->message, "Дорого"));
  refusal = crm_store_dup_refusal (f->store);
  g_assert_nonnull (refusal);
  g_assert_cmpstr (json_object_get_string_member (refusal, "name"), ==, "loss-reason-required");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (refusal, "choices")),
                   ==, 1);

  /* nothing was written: same changelog, same state */
  g_assert_cmpint (crm_store_get_log_length (f->store), ==, log_length);
  after_state = crm_store_dump_state (f->store, NULL);
  g_assert_cmpstr (after_state, ==, before_state);

  /* a reason from another pipeline's list is refused too */
  g_clear_error (&error);
  g_assert_false (move_deal (f, f->stages[4], f->other_reason, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED);
  g_assert_cmpint (crm_store_get_log_length (f->store), ==, log_length);

  g_clear_error (&error);
  g_assert_true (move_deal (f, f->stages[4], f->reason, &error));
  g_assert_no_error (error);
  stage = deal_stage (f);
  g_assert_cmpstr (stage, ==, f->stages[4]);
  g_assert_cmpint (crm_store_get_log_length (f->store), ==, log_length + 1);
}

static void
add_required_field (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *id = named_id ("test/field/payment_type");
  CrmChange *change = crm_changeset_create (cs, "field", id);
  JsonArray *stages = json_array_new ();
  JsonArray *choices = json_array_new ();
  JsonNode *node;

  json_array_add_string_element (stages, f->stages[2]);
  json_array_add_string_element (choices, "Наличные");
  json_array_add_string_element (choices, "Лизинг");
  crm_change_set_string (change, "entity", "deal");
  crm_change_set_string (change, "key", "payment_type");
  crm_change_set_string (change, "label", "Тип оплаты");
  crm_change_set_string (change, "type", "choice");
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, choices);
  crm_change_set_node (change, "choices", node);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, stages);
  crm_change_set_node (change, "required_stages", node);
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);
}

static void
test_required_field_gate (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) refusal = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *stage = NULL;
  gint64 log_length;
  JsonArray *fields;

  add_required_field (f);
  log_length = crm_store_get_log_length (f->store);

  /* required from «Встреча проведена» on: a move past it is refused as well */
  g_assert_false (move_deal (f, f->stages[3], NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_REQUIRED_FIELD);
  g_assert_nonnull (strstr (error->message, "Тип оплаты"));
  refusal = crm_store_dup_refusal (f->store);
  fields = json_object_get_array_member (refusal, "fields");
  g_assert_cmpint (json_array_get_length (fields), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fields, 0),
                                                  "key"), ==, "payment_type");
  g_assert_cmpint (crm_store_get_log_length (f->store), ==, log_length);
  stage = deal_stage (f);
  g_assert_cmpstr (stage, ==, f->stages[1]);

  /* closing as lost does not need business fields */
  g_clear_error (&error);
  g_assert_true (move_deal (f, f->stages[4], f->reason, &error));
  g_assert_no_error (error);
  g_assert_true (move_deal (f, f->stages[1], NULL, &error));

  /* filling the field in the same change set as the move lets it through */
  {
    CrmChange *change = crm_changeset_touch (cs, "deal", f->deal);
    crm_change_set_string (change, "stage", f->stages[2]);
    crm_change_set_string (change, "payment_type", "Лизинг");
  }
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);
  g_clear_pointer (&stage, g_free);
  stage = deal_stage (f);
  g_assert_cmpstr (stage, ==, f->stages[2]);
}

static void
test_stage_of_other_pipeline (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(JsonObject) deal = NULL;
  gint64 log_length = crm_store_get_log_length (f->store);
  CrmChange *change = crm_changeset_touch (cs, "deal", f->deal);

  /* a pipeline and a stage that does not belong to it */
  crm_change_set_string (change, "pipeline", f->pipeline);
  crm_change_set_string (change, "stage", f->other_stage);
  g_assert_false (crm_store_apply (f->store, cs, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "База клиентов на лизинг"));
  g_assert_cmpint (crm_store_get_log_length (f->store), ==, log_length);

  /* the stage alone says where the deal goes: its pipeline joins the op, so a later
   * merge can never pair this stage with another pipeline */
  g_clear_error (&error);
  g_assert_true (move_deal (f, f->other_stage, NULL, &error));
  g_assert_no_error (error);
  deal = crm_store_dup_entity (f->store, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (deal, "pipeline"), ==, f->other_pipeline);
  {
    g_autoptr(GPtrArray) log = crm_store_dup_log (f->store, log_length, &error);
    CrmOp *op = g_ptr_array_index (log, 0);

    g_assert_cmpstr (json_object_get_string_member (op->fields, "pipeline"), ==,
                     f->other_pipeline);
  }
}

static void
test_rollback_whole_changeset (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *contact = crm_store_new_id (f->store);
  g_autofree char *before = crm_store_dump_state (f->store, NULL);
  g_autofree char *after = NULL;
  CrmChange *change;

  change = crm_changeset_create (cs, "contact", contact);
  crm_change_set_string (change, "name", "Иванов Иван");
  change = crm_changeset_touch (cs, "deal", f->deal);
  crm_change_set_string (change, "title", "renamed");
  change = crm_changeset_touch (cs, "deal", f->deal);
  crm_change_set_string (change, "amount", "not a number");

  g_assert_false (crm_store_apply (f->store, cs, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "amount"));
  after = crm_store_dump_state (f->store, NULL);
  g_assert_cmpstr (after, ==, before);
  g_assert_null (crm_store_dup_entity (f->store, "contact", contact));
}

static void
test_custom_fields_and_reopen (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *device = g_strdup (crm_store_get_device_id (f->store));
  g_autofree char *state = crm_store_dump_state (f->store, NULL);
  g_autofree char *reopened_state = NULL;
  guint64 last_hlc;
  CrmChange *change = crm_changeset_touch (cs, "deal", f->deal);

  crm_change_set_string (change, "waiting_for_stock", "yes");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  deal = crm_store_dup_entity (f->store, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (deal, "waiting_for_stock"), ==, "yes");
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Volvo FH 460");
  g_assert_cmpint (json_object_get_int_member (deal, "amount"), ==, 450000000);

  log = crm_store_dup_log (f->store, 0, &error);
  g_assert_no_error (error);
  last_hlc = ((CrmOp *) log->pdata[log->len - 1])->hlc;
  g_clear_pointer (&state, g_free);
  state = crm_store_dump_state (f->store, NULL);

  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_store_get_device_id (f->store), ==, device);
  reopened_state = crm_store_dump_state (f->store, NULL);
  g_assert_cmpstr (reopened_state, ==, state);

  /* the clock goes on from where it was, even with a wall clock in the past */
  crm_store_set_now (f->store, 1000);
  {
    g_autoptr(CrmChangeset) more = crm_changeset_new ();
    g_autoptr(GPtrArray) log2 = NULL;

    crm_change_set_string (crm_changeset_touch (more, "deal", f->deal), "title", "Volvo FH");
    g_assert_true (crm_store_apply (f->store, more, &error));
    log2 = crm_store_dup_log (f->store, 0, &error);
    g_assert_cmpuint (((CrmOp *) log2->pdata[log2->len - 1])->hlc, >, last_hlc);
  }
}

/* The app defers checkpoints and runs them when idle: nothing is lost either way. */
static void
test_deferred_checkpoints (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *reopened = NULL;

  crm_store_set_deferred_checkpoints (f->store, TRUE);
  for (int i = 0; i < 200; i++)
    {
      g_autoptr(CrmChangeset) cs = crm_changeset_new ();
      g_autofree char *title = g_strdup_printf ("Сделка %d", i);

      crm_change_set_string (crm_changeset_touch (cs, "deal", f->deal), "title", title);
      g_assert_true (crm_store_apply (f->store, cs, &error));
    }
  g_assert_true (crm_store_checkpoint (f->store, &error));
  g_assert_no_error (error);

  state = crm_store_dump_state (f->store, NULL);
  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  reopened = crm_store_dump_state (f->store, NULL);
  g_assert_cmpstr (reopened, ==, state);
  g_assert_nonnull (strstr (reopened, "Сделка 199"));
}

static gint64
pragma_value (CrmStore   *store,
              const char *pragma)
{
  g_autofree char *sql = g_strconcat ("PRAGMA ", pragma, NULL);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The desktop app maps none of the file (mapped pages are its resident memory). */
static void
test_memory_limits (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(JsonObject) deal = NULL;

  g_assert_cmpint (pragma_value (f->store, "mmap_size"), ==, 268435456);
  /* a laptop's commits: NORMAL (1); the server's: FULL (2) */
  g_assert_cmpint (pragma_value (f->store, "synchronous"), ==, 1);
  g_assert_true (crm_store_set_durable (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pragma_value (f->store, "synchronous"), ==, 2);
  g_assert_true (crm_store_set_memory_limits (f->store, 16384, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pragma_value (f->store, "cache_size"), ==, -16384);
  g_assert_cmpint (pragma_value (f->store, "mmap_size"), ==, 0);

  crm_change_set_string (crm_changeset_touch (cs, "deal", f->deal), "title", "Без отображения");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  deal = crm_store_dup_entity (f->store, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Без отображения");
}

/* A reading connection beside the writing one (the app's reports): it sees what the
 * writer commits, and refuses to write, saying so. */
static void
test_reader (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) reader = crm_store_open_reader (f->path, &error);
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(CrmChangeset) refused = crm_changeset_new ();
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) unchanged = NULL;

  g_assert_no_error (error);
  g_assert_true (crm_store_is_read_only (reader));
  g_assert_false (crm_store_is_read_only (f->store));

  crm_change_set_string (crm_changeset_touch (cs, "deal", f->deal), "title", "Прочитано рядом");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);
  deal = crm_store_dup_entity (reader, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Прочитано рядом");

  crm_change_set_string (crm_changeset_touch (refused, "deal", f->deal), "title", "Не записано");
  g_assert_false (crm_store_apply (reader, refused, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY);
  unchanged = crm_store_dup_entity (f->store, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (unchanged, "title"), ==, "Прочитано рядом");
}

typedef struct {
  GCancellable *cancellable;
  guint         cancel_at;    /* the step (from 0) whose start cancels, G_MAXUINT never */
  GArray       *steps;        /* the steps told at their start, in order */
  guint         last;
  guint         n_steps;
} Told;

static void
told_cb (guint    step,
         guint    n_steps,
         gpointer data)
{
  Told *told = data;

  told->n_steps = n_steps;
  /* a step's start, or that it works on (the same step again) */
  if (told->steps->len == 0 || step != told->last)
    g_array_append_val (told->steps, step);
  told->last = step;
  if (step == told->cancel_at)
    g_cancellable_cancel (told->cancellable);
}

/* A replica of schema 20 (user_version 20, schema 22's index dropped; each later step
 * behind: 21, 22, 23), opened with
 * crm_store_open_full(): it tells each step; cancelled at the start of the second, the
 * first stays done (its own transaction) and the second is not, the error says so, and
 * the file opens later, updated to the end. */
static void
test_open_full_cancel (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (guint));
  Told told = { cancellable, 1, steps, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX deal_owing; PRAGMA user_version = 20;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = crm_store_open_full (f->path, told_cb, &told, cancellable, &error);
  g_assert_null (store);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "schema 21"));
  g_clear_error (&error);
  g_assert_cmpuint (told.n_steps, ==, CRM_SCHEMA_VERSION - 20);
  g_assert_cmpuint (steps->len, ==, 2);
  g_assert_cmpuint (g_array_index (steps, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (steps, guint, 1), ==, 1);
  g_assert_cmpint (crm_replica_file_schema (f->path, &error), ==, 21);
  g_assert_no_error (error);

  /* cancelled before anything: nothing is done, then everything */
  g_array_set_size (steps, 0);
  told.cancel_at = 0;
  g_cancellable_reset (cancellable);
  store = crm_store_open_full (f->path, told_cb, &told, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (crm_replica_file_schema (f->path, &error), ==, 21);
  g_array_set_size (steps, 0);
  told.cancel_at = G_MAXUINT;
  g_cancellable_reset (cancellable);
  store = crm_store_open_full (f->path, told_cb, &told, cancellable, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpuint (told.n_steps, ==, CRM_SCHEMA_VERSION - 21);
  g_assert_cmpuint (steps->len, ==, CRM_SCHEMA_VERSION - 21);
  g_assert_cmpint (crm_replica_file_schema (f->path, &error), ==, CRM_SCHEMA_VERSION);
  f->store = g_steal_pointer (&store);
}

static void
set_deal (CrmStore   *store,
          const char *deal,
          const char *field,
          const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  crm_change_set_string (crm_changeset_touch (cs, "deal", deal), field, value);
  g_assert_true (crm_store_apply (store, cs, &error));
  g_assert_no_error (error);
}

/* Schema 26 writes a row's clocks with numbered words (the device, the list of fields):
 * a replica of schema 25 is brought to it with every row's clocks and state the same,
 * and keeps merging as before. */
static void
test_clock_words_upgrade (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonObject) deal = NULL;
  gint64 json_bytes, compact_bytes;

  /* a row with two clocks: created, then its title changed */
  crm_store_set_now (f->store, 1772445700000);
  set_deal (f->store, f->deal, "title", "Volvo FH 500");
  before = crm_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (before, "\\\"title\\\"]"));
  g_clear_object (&f->store);

  crm_test_write_schema_25 (f->path, before);
  json_bytes = crm_test_file_int (f->path, "SELECT sum (length (clocks)) FROM deal");
  g_assert_cmpint (crm_test_file_int (f->path,
                                      "SELECT count (*) FROM deal WHERE clocks LIKE '{\"%'"), ==, 1);

  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  after = crm_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (crm_replica_file_schema (f->path, NULL), ==, CRM_SCHEMA_VERSION);
  /* stored as words: no row spells a clock in JSON; one device, each field list once */
  g_assert_cmpint (crm_test_file_int (f->path,
                                      "SELECT count (*) FROM deal WHERE clocks LIKE '{%'"), ==, 0);
  g_assert_cmpint (crm_test_file_int (f->path,
                                      "SELECT count (*) FROM stage WHERE clocks LIKE '{%'"), ==, 0);
  compact_bytes = crm_test_file_int (f->path, "SELECT sum (length (clocks)) FROM deal");
  g_assert_cmpint (compact_bytes * 3, <, json_bytes);
  g_assert_cmpint (crm_test_file_int (f->path,
                                      "SELECT count (*) FROM clock_word WHERE word ="
                                      " (SELECT value FROM meta WHERE key = 'device_id')"), ==, 1);

  /* a later change merges over the upgraded clocks: the newer title wins, the older
   * fields keep theirs */
  crm_store_set_now (f->store, 1772445800000);
  set_deal (f->store, f->deal, "title", "Volvo FH 540");
  deal = crm_store_dup_entity (f->store, "deal", f->deal);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Volvo FH 540");
  g_assert_cmpint (json_object_get_int_member (deal, "amount"), ==, 450000000);
  g_clear_pointer (&after, g_free);
  after = crm_store_dump_state (f->store, &error);
  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  g_clear_pointer (&before, g_free);
  before = crm_store_dump_state (f->store, &error);
  g_assert_cmpstr (after, ==, before);
}

/* A word added by a change that a gate refused (rolled back) is gone, and its number may
 * go to another word: the next change's clocks read back as written, before and after
 * reopening. */
static void
test_clock_words_rolled_back (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) refused = crm_changeset_new ();
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *first = crm_store_new_id (f->store);
  g_autofree char *second = crm_store_new_id (f->store);
  g_autofree char *state = NULL;
  g_autofree char *reopened = NULL;
  CrmChange *change;

  change = crm_changeset_create (refused, "contact", first);
  crm_change_set_string (change, "name", "Петров Пётр");
  crm_change_set_string (change, "x_first_only", "1");
  /* refused by a gate, which looks at the rows the change set wrote */
  change = crm_changeset_touch (refused, "deal", f->deal);
  crm_change_set_string (change, "stage", f->stages[4]);
  g_assert_false (crm_store_apply (f->store, refused, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED);
  g_clear_error (&error);

  /* the refused change's field list, written again now */
  change = crm_changeset_create (cs, "contact", first);
  crm_change_set_string (change, "name", "Петров Пётр");
  crm_change_set_string (change, "x_first_only", "1");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);

  /* then another list of fields, which may take the number the refused one had */
  g_clear_pointer (&cs, crm_changeset_unref);
  cs = crm_changeset_new ();
  change = crm_changeset_create (cs, "contact", second);
  crm_change_set_string (change, "name", "Сидоров Сидор");
  crm_change_set_string (change, "x_second_only", "2");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);

  state = crm_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (state, "\\\"name\\\",\\\"x_first_only\\\""));
  g_assert_nonnull (strstr (state, "\\\"name\\\",\\\"x_second_only\\\""));
  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  reopened = crm_store_dump_state (f->store, &error);
  g_assert_cmpstr (reopened, ==, state);
}

/* The changelog names an op's author by a number of clock_word (schema 27): an author
 * first seen in a change that a gate refused (rolled back) leaves no word behind, and
 * the next author, who may take that number, is logged as themselves — before and
 * after reopening. */
static void
test_changelog_words_rolled_back (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) refused = crm_changeset_new ();
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(GPtrArray) ops = NULL;
  g_autofree char *contact = crm_store_new_id (f->store);
  g_autofree char *refused_author = crm_store_new_id (f->store);
  g_autofree char *kept_author = crm_store_new_id (f->store);
  g_autofree char *sql = NULL;
  g_autofree char *log = NULL;
  g_autofree char *reopened = NULL;
  gint64 words = crm_test_file_int (f->path, "SELECT count (*) FROM clock_word");
  const CrmOp *last;
  CrmChange *change;

  /* the contact's op is logged (its author's word added) before the gate refuses */
  crm_changeset_set_actor (refused, refused_author);
  change = crm_changeset_create (refused, "contact", contact);
  crm_change_set_string (change, "name", "Петров Пётр");
  change = crm_changeset_touch (refused, "deal", f->deal);
  crm_change_set_string (change, "stage", f->stages[4]);
  g_assert_false (crm_store_apply (f->store, refused, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED);
  g_clear_error (&error);
  g_assert_cmpint (crm_test_file_int (f->path, "SELECT count (*) FROM clock_word"), ==, words);

  crm_changeset_set_actor (cs, kept_author);
  change = crm_changeset_create (cs, "contact", contact);
  crm_change_set_string (change, "name", "Петров Пётр");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);

  ops = crm_store_dup_log (f->store, 0, &error);
  g_assert_no_error (error);
  last = g_ptr_array_index (ops, ops->len - 1);
  g_assert_cmpstr (last->entity_id, ==, contact);
  g_assert_cmpstr (last->actor, ==, kept_author);
  g_assert_cmpstr (last->device, ==, crm_store_get_device_id (f->store));
  g_free (sql);
  sql = g_strdup_printf ("SELECT count (*) FROM clock_word WHERE word = '%s'", refused_author);
  g_assert_cmpint (crm_test_file_int (f->path, sql), ==, 0);

  /* the refused author writes after all: logged as themselves, not as the number's
   * other word */
  g_clear_pointer (&cs, crm_changeset_unref);
  cs = crm_changeset_new ();
  crm_changeset_set_actor (cs, refused_author);
  change = crm_changeset_touch (cs, "contact", contact);
  crm_change_set_string (change, "name", "Петров Пётр Петрович");
  g_assert_true (crm_store_apply (f->store, cs, &error));
  g_assert_no_error (error);
  g_clear_pointer (&ops, g_ptr_array_unref);
  ops = crm_store_dup_log (f->store, 0, &error);
  g_assert_cmpstr (((const CrmOp *) g_ptr_array_index (ops, ops->len - 1))->actor, ==,
                   refused_author);
  g_assert_cmpstr (((const CrmOp *) g_ptr_array_index (ops, ops->len - 2))->actor, ==,
                   kept_author);

  log = crm_test_log_lines (f->store);
  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  reopened = crm_test_log_lines (f->store);
  g_assert_cmpstr (reopened, ==, log);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static void
test_open_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voronka-open-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.db", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.db", NULL);
  g_autofree char *foreign = g_build_filename (dir, "foreign.db", NULL);
  g_autofree char *newer = g_build_filename (dir, "newer.db", NULL);
  g_autoptr(CrmStore) store = NULL;
  sqlite3 *db = NULL;

  store = crm_store_open (missing, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "init"));
  g_clear_error (&error);

  write_file (garbage, "this is not a database at all, just some text\n"
                       "with more text to make it long enough for a header\n", -1);
  store = crm_store_open (garbage, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_A_REPLICA);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_open (foreign, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = crm_store_open (foreign, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_A_REPLICA);
  g_assert_nonnull (strstr (error->message, "not a Voronka replica"));
  g_clear_error (&error);

  store = crm_store_create (newer, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  store = crm_store_open (newer, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW);
  g_assert_cmpstr (crm_error_code_name (error), ==, "schema-too-new");
  g_assert_nonnull (strstr (error->message, "update"));
  g_clear_error (&error);

  /* create refuses to overwrite */
  store = crm_store_create (newer, &error);
  g_assert_null (store);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* a truncated replica: header kept, pages gone */
  {
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_autofree char *wal = g_strconcat (newer, "-wal", NULL);

    g_file_get_contents (newer, &contents, &length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (length, >, 4096);
    write_file (garbage, contents, 200);
    store = crm_store_open (garbage, &error);
    g_assert_null (store);
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT);
    g_clear_error (&error);
    g_unlink (wal);
  }

  g_unlink (garbage);
  g_unlink (foreign);
  g_unlink (newer);
  {
    g_autofree char *shm = g_strconcat (newer, "-shm", NULL);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

/* --- canonical JSON ------------------------------------------------------------------ */

static char *
random_text (GRand *rand)
{
  static const char *const pieces[] = {
    "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\x01", "\x1f",
    "\x7f", "Иван", "ё", "€", "😀", "'", "<", "&", "}", "[", ":", ",",
  };
  GString *text = g_string_new (NULL);
  guint length = (guint) g_rand_int_range (rand, 0, 8);

  for (guint i = 0; i < length; i++)
    g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
  return g_string_free (text, FALSE);
}

static JsonNode *
random_node (GRand *rand,
             guint  depth)
{
  JsonNode *node;

  switch (g_rand_int_range (rand, 0, depth > 3 ? 6 : 8))
    {
    case 0:
      return json_node_new (JSON_NODE_NULL);
    case 1:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, g_rand_boolean (rand));
      return node;
    case 2:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, g_rand_boolean (rand) ? g_rand_int_range (rand, -1000, 1000)
                                                     : (gint64) g_rand_int (rand) << 31);
      return node;
    case 3:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_double (node, g_rand_double_range (rand, -1e6, 1e6));
      return node;
    case 4:
    case 5:
      {
        g_autofree char *text = random_text (rand);

        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, text);
        return node;
      }
    case 6:
      {
        JsonArray *array = json_array_new ();
        guint length = (guint) g_rand_int_range (rand, 0, 4);

        for (guint i = 0; i < length; i++)
          json_array_add_element (array, random_node (rand, depth + 1));
        node = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (node, array);
        return node;
      }
    default:
      {
        JsonObject *object = json_object_new ();
        guint length = (guint) g_rand_int_range (rand, 0, 5);

        for (guint i = 0; i < length; i++)
          {
            g_autofree char *key = random_text (rand);

            json_object_set_member (object, key, random_node (rand, depth + 1));
          }
        node = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (node, object);
        return node;
      }
    }
}

/* The changelog, clocks and tie-breaks compare canonical texts; the store writes them
 * itself, and they must be exactly what json-glib's generator prints for the key-sorted
 * value — quotes, backslashes, control characters, Cyrillic, emoji, doubles. */
static void
test_canonical_json (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261123);

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(JsonNode) node = random_node (rand, 0);
      g_autofree char *fast = crm_json_to_canonical (node);
      g_autofree char *generated = _crm_json_to_canonical_generated (node);

      g_assert_cmpstr (fast, ==, generated);
    }
}

/* A stream that gives @data and then fails, as a connection that drops halfway does. */
typedef struct {
  GInputStream  parent;
  GBytes       *data;
  gsize         at;
} DroppingStream;
typedef GInputStreamClass DroppingStreamClass;

G_DEFINE_TYPE (DroppingStream, dropping_stream, G_TYPE_INPUT_STREAM)

static gssize
dropping_stream_read (GInputStream  *stream,
                      void          *buffer,
                      gsize          count,
                      GCancellable  *cancellable,
                      GError       **error)
{
  DroppingStream *self = (DroppingStream *) stream;
  gsize size;
  const guchar *data = g_bytes_get_data (self->data, &size);
  gsize n = MIN (count, size - self->at);

  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "Connection terminated unexpectedly");
      return -1;
    }
  memcpy (buffer, data + self->at, n);
  self->at += n;
  return (gssize) n;
}

static void
dropping_stream_finalize (GObject *object)
{
  g_bytes_unref (((DroppingStream *) object)->data);
  G_OBJECT_CLASS (dropping_stream_parent_class)->finalize (object);
}

static void
dropping_stream_class_init (DroppingStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropping_stream_finalize;
  klass->read_fn = dropping_stream_read;
}

static void
dropping_stream_init (DroppingStream *self)
{
}

static GInputStream *
dropping_stream_new (GBytes *data)
{
  DroppingStream *self = g_object_new (dropping_stream_get_type (), NULL);

  self->data = g_bytes_ref (data);
  return G_INPUT_STREAM (self);
}

/* A file fetched from the server lands beside the replica only whole and only when it is
 * what its hash says: a fetch that drops keeps its part and the next one goes on from it;
 * other content is discarded; a name that is not a hash writes nothing. */
static void
test_attachment_receive (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261206);
  g_autoptr(GByteArray) content = g_byte_array_new ();
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autoptr(GBytes) other = NULL;
  g_autoptr(GInputStream) dropping = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *escaped = NULL;
  gsize stored_size;
  gsize half;

  for (guint i = 0; i < 300 * 1024; i++)
    {
      guchar byte = (guchar) g_rand_int_range (rand, 0, 256);
      g_byte_array_append (content, &byte, 1);
    }
  whole = g_bytes_new (content->data, content->len);
  hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, whole);
  half = content->len / 2 + 17;
  first = g_bytes_new_from_bytes (whole, 0, half);
  rest = g_bytes_new_from_bytes (whole, half, content->len - half);
  g_assert_false (crm_attachment_has_file (f->store, hash));
  g_assert_cmpint (crm_attachment_partial_size (f->store, hash), ==, 0);

  /* the connection drops halfway: the network's error, the part kept, no file yet */
  dropping = dropping_stream_new (first);
  g_assert_false (crm_attachment_receive (f->store, hash, dropping, FALSE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);
  g_assert_false (crm_attachment_has_file (f->store, hash));
  g_assert_cmpint (crm_attachment_partial_size (f->store, hash), ==, (gint64) half);

  /* the next fetch asks for the rest and gets it: the whole file, under its hash */
  stream = g_memory_input_stream_new_from_bytes (rest);
  g_assert_true (crm_attachment_receive (f->store, hash, stream, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (crm_attachment_has_file (f->store, hash));
  g_assert_cmpint (crm_attachment_partial_size (f->store, hash), ==, 0);
  path = crm_attachment_dup_path (f->store, hash);
  g_assert_true (g_file_get_contents (path, &stored, &stored_size, NULL));
  g_assert_cmpmem (stored, stored_size, content->data, content->len);
  g_clear_object (&stream);

  /* content that is not the hash's: refused in words, nothing kept */
  other = g_bytes_new_static ("not the photo", 13);
  stream = g_memory_input_stream_new_from_bytes (other);
  g_assert_false (crm_attachment_receive (f->store, "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
                                          "cd34ef56ab12cd34ef56ab12", stream, FALSE, NULL,
                                          &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "does not match"));
  g_clear_error (&error);
  g_assert_cmpint (crm_attachment_partial_size (f->store, "ab12cd34ef56ab12cd34ef56ab12cd34ef56"
                                                "ab12cd34ef56ab12cd34ef56ab12"), ==, 0);
  g_clear_object (&stream);

  /* a name that is not a hash cannot reach outside the folder */
  stream = g_memory_input_stream_new_from_bytes (other);
  g_assert_false (crm_attachment_receive (f->store, "../../escaped", stream, FALSE, NULL,
                                          &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  escaped = g_build_filename (f->dir, "escaped", NULL);
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/open-errors", test_open_errors);
  g_test_add_func ("/store/canonical-json", test_canonical_json);
  g_test_add ("/store/gate/loss-reason", Fixture, NULL, fixture_set_up, test_loss_reason_gate,
              fixture_tear_down);
  g_test_add ("/store/gate/required-field", Fixture, NULL, fixture_set_up,
              test_required_field_gate, fixture_tear_down);
  g_test_add ("/store/gate/stage-of-other-pipeline", Fixture, NULL, fixture_set_up,
              test_stage_of_other_pipeline, fixture_tear_down);
  g_test_add ("/store/rollback", Fixture, NULL, fixture_set_up, test_rollback_whole_changeset,
              fixture_tear_down);
  g_test_add ("/store/deferred-checkpoints", Fixture, NULL, fixture_set_up,
              test_deferred_checkpoints, fixture_tear_down);
  g_test_add ("/store/memory-limits", Fixture, NULL, fixture_set_up, test_memory_limits,
              fixture_tear_down);
  g_test_add ("/store/reader", Fixture, NULL, fixture_set_up, test_reader, fixture_tear_down);
  g_test_add ("/store/clock-words/upgrade", Fixture, NULL, fixture_set_up,
              test_clock_words_upgrade, fixture_tear_down);
  g_test_add ("/store/clock-words/rolled-back", Fixture, NULL, fixture_set_up,
              test_clock_words_rolled_back, fixture_tear_down);
  g_test_add ("/store/changelog-words/rolled-back", Fixture, NULL, fixture_set_up,
              test_changelog_words_rolled_back, fixture_tear_down);
  g_test_add ("/store/open-full-cancel", Fixture, NULL, fixture_set_up, test_open_full_cancel,
              fixture_tear_down);
  g_test_add ("/store/custom-fields-and-reopen", Fixture, NULL, fixture_set_up,
              test_custom_fields_and_reopen, fixture_tear_down);
  g_test_add ("/store/attachment/receive", Fixture, NULL, fixture_set_up,
              test_attachment_receive, fixture_tear_down);
  return g_test_run ();
}
