/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-merge.c — the merge property: several replicas make thousands of random,
 * conflicting changes with skewed and tied clocks, then exchange their changelogs in
 * random order, in random batches and with duplicates; every replica must end in the
 * same state, byte for byte. Plus small deterministic cases: last writer wins on
 * (hlc, device), delete and restore, idempotence, unknown entity types kept.
 *
 * VORONKA_TEST_SEED=<n> replays a run; the seed is printed with g_test_message. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "crm-hlc.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-uuid.h"
#include "crm-test-util.h"

#define N_REPLICAS      4
#define N_STEPS         2400   /* change sets, over all replicas */
#define GOSSIP_EVERY    400
#define DEFAULT_SEED    20260302u
#define BASE_NOW        G_GINT64_CONSTANT (1772445600000) /* 2026-03-02T10:00:00Z */

#define FUTURE_DEVICE_A "00000000-0000-7000-8000-00000000f00a"
#define FUTURE_DEVICE_B "00000000-0000-7000-8000-00000000f00b"

static guint32 test_seed = DEFAULT_SEED;

/* --- helpers ---------------------------------------------------------------------- */

static char *
named_id (const char *name)
{
  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

static CrmStore *
new_replica (const char *dir,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  CrmStore *store = crm_store_create (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static char *
dump (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  char *state = crm_store_dump_state (store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (state);
  return state;
}

static GPtrArray *
dup_log (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *ops = crm_store_dup_log (store, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ops);
  return ops;
}

static void
merge (CrmStore  *store,
       GPtrArray *ops)
{
  g_autoptr(GError) error = NULL;

  crm_store_merge_ops (store, ops, &error);
  g_assert_no_error (error);
}

/* Everything @from has, merged into @to. */
static void
merge_from (CrmStore *to,
            CrmStore *from)
{
  g_autoptr(GPtrArray) ops = dup_log (from);

  merge (to, ops);
}

static void
apply (CrmStore     *store,
       CrmChangeset *cs)
{
  g_autoptr(GError) error = NULL;

  crm_store_apply (store, cs, &error);
  g_assert_no_error (error);
}

static char *
first_line_at (const char *text,
               gsize       offset)
{
  const char *start = text + offset;
  const char *end;

  while (start > text && start[-1] != '\n')
    start--;
  end = strchr (start, '\n');
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

/* Byte-for-byte equality; on a difference the first differing lines are compared so
 * the failure names the entity instead of printing megabytes. */
static void
assert_same_state (const char *what,
                   const char *expected,
                   const char *actual)
{
  if (strcmp (expected, actual) != 0)
    {
      gsize i = 0;
      g_autofree char *line_expected = NULL;
      g_autofree char *line_actual = NULL;

      while (expected[i] != '\0' && expected[i] == actual[i])
        i++;
      line_expected = first_line_at (expected, i);
      line_actual = first_line_at (actual, i);
      g_test_message ("%s: states differ at byte %" G_GSIZE_FORMAT, what, i);
      g_assert_cmpstr (line_actual, ==, line_expected);
    }
  g_assert_cmpstr (actual, ==, expected);
}

static CrmOp *
future_op (const char *device,
           guint64     hlc,
           const char *entity,
           const char *entity_id,
           JsonObject *fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *op_id = crm_uuid_v7_new (crm_hlc_physical (hlc));
  g_autofree char *hlc_text = crm_hlc_to_string (hlc);
  JsonObject *object = json_object_new ();
  CrmOp *op;

  json_object_set_string_member (object, "op", op_id);
  json_object_set_string_member (object, "hlc", hlc_text);
  json_object_set_string_member (object, "device", device);
  json_object_set_string_member (object, "entity", entity);
  json_object_set_string_member (object, "id", entity_id);
  json_object_set_object_member (object, "fields", fields);
  json_object_set_null_member (object, "cause");
  json_node_take_object (node, object);

  op = crm_op_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);
  return op;
}

/* --- the random run ----------------------------------------------------------------- */

enum {
  POOL_CONTACT,
  POOL_COMPANY,
  POOL_TAG,
  POOL_DEAL,
  POOL_NOTE,
  POOL_TASK,
  POOL_FUTURE,
  N_POOLS
};

static const char *const pool_entity[N_POOLS] = {
  "contact", "company", "tag", "deal", "note", "task", "future_thing"
};
static const guint pool_size[N_POOLS] = { 40, 15, 8, 25, 30, 30, 6 };

typedef struct {
  GRand    *rand;
  char     *dir;
  CrmStore *replicas[N_REPLICAS];
  gint64    skew[N_REPLICAS];
  gint64    wall;
  char     *pipeline;
  char     *stages[4];
  GPtrArray *pools[N_POOLS];
  guint     n_changes;
  guint     n_future_ops;
  guint64   future_hlc;  /* last hlc of the future peers: a device never reuses one */
  guint     counts[16];  /* by kind of change, for the log */
} RandomRun;

static const char *const change_kind_names[] = {
  "create", "edit", "custom", "null", "link", "delete", "restore", "deal-move"
};

static const char *
pick (RandomRun *run,
      guint      pool)
{
  GPtrArray *ids = run->pools[pool];

  return g_ptr_array_index (ids, g_rand_int_range (run->rand, 0, ids->len));
}

static const char *
pick_string (RandomRun         *run,
             const char *const *choices,
             guint              n)
{
  return choices[g_rand_int_range (run->rand, 0, n)];
}

static JsonNode *
string_array (RandomRun  *run,
              const char *prefix)
{
  JsonArray *array = json_array_new ();
  guint n = g_rand_int_range (run->rand, 0, 3);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s%u", prefix,
                                               g_rand_int_range (run->rand, 0, 1000));
      json_array_add_string_element (array, text);
    }
  json_node_take_array (node, array);
  return node;
}

static JsonNode *
checklist (RandomRun *run)
{
  JsonArray *array = json_array_new ();
  guint n = g_rand_int_range (run->rand, 0, 3);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_object_new ();
      g_autofree char *text = g_strdup_printf ("пункт %u", g_rand_int_range (run->rand, 0, 50));

      json_object_set_string_member (item, "text", text);
      json_object_set_boolean_member (item, "done", g_rand_boolean (run->rand));
      json_array_add_object_element (array, item);
    }
  json_node_take_array (node, array);
  return node;
}

/* Known fields of a pool's entity, with a random value of the right kind. */
static void
set_random_field (RandomRun *run,
                  guint      pool,
                  CrmChange *change)
{
  static const char *const names[] = { "Анна", "Борис", "Вера", "Глеб", "Дина", "Ефим" };
  static const char *const groups[] = { "brand", "trailer", "other" };
  static const char *const currencies[] = { "RUB", "USD", "EUR" };
  static const char *const task_types[] = { "call", "meeting", "letter" };
  guint r = g_rand_int_range (run->rand, 0, 4);
  g_autofree char *text = g_strdup_printf ("%s %u", pick_string (run, names, G_N_ELEMENTS (names)),
                                           g_rand_int_range (run->rand, 0, 100));

  switch (pool)
    {
    case POOL_CONTACT:
      if (r == 0)
        crm_change_set_string (change, "name", text);
      else if (r == 1)
        crm_change_set_node (change, "phones", string_array (run, "+7 900 "));
      else if (r == 2)
        crm_change_set_node (change, "emails", string_array (run, "user@ex"));
      else
        crm_change_set_string (change, "company", pick (run, POOL_COMPANY));
      break;
    case POOL_COMPANY:
      if (r < 2)
        crm_change_set_string (change, "name", text);
      else
        {
          g_autofree char *inn = g_strdup_printf ("77%08u", g_rand_int_range (run->rand, 0, 1000));
          crm_change_set_string (change, "inn", inn);
        }
      break;
    case POOL_TAG:
      if (r < 2)
        crm_change_set_string (change, "name", text);
      else
        crm_change_set_string (change, "grp", pick_string (run, groups, G_N_ELEMENTS (groups)));
      break;
    case POOL_DEAL:
      if (r < 2)
        crm_change_set_string (change, "title", text);
      else if (r == 2)
        crm_change_set_int (change, "amount", g_rand_int_range (run->rand, 0, 1000000) * 100);
      else
        crm_change_set_string (change, "currency",
                               pick_string (run, currencies, G_N_ELEMENTS (currencies)));
      break;
    case POOL_NOTE:
      if (r < 3)
        crm_change_set_string (change, "text", text);
      else
        {
          crm_change_set_string (change, "entity", "contact");
          crm_change_set_string (change, "entity_id", pick (run, POOL_CONTACT));
        }
      break;
    case POOL_TASK:
      if (r == 0)
        crm_change_set_string (change, "text", text);
      else if (r == 1)
        {
          /* a call is completed only with its result (gate): give one every time */
          gboolean done = g_rand_boolean (run->rand);

          crm_change_set_bool (change, "done", done);
          if (done)
            crm_change_set_string (change, "result", text);
        }
      else if (r == 2)
        crm_change_set_node (change, "checklist", checklist (run));
      else
        {
          crm_change_set_int (change, "due",
                              BASE_NOW + g_rand_int_range (run->rand, 0, 1000) * 60000);
          crm_change_set_string (change, "type",
                                 pick_string (run, task_types, G_N_ELEMENTS (task_types)));
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
set_deal_stage (RandomRun *run,
                CrmChange *change)
{
  crm_change_set_string (change, "pipeline", run->pipeline);
  crm_change_set_string (change, "stage",
                         run->stages[g_rand_int_range (run->rand, 0, G_N_ELEMENTS (run->stages))]);
}

/* One random change into @cs. Ids come from pools shared by all replicas, so the
 * replicas keep writing the same fields of the same entities: real conflicts. */
static void
random_change (RandomRun    *run,
               CrmChangeset *cs)
{
  guint kind = g_rand_int_range (run->rand, 0, 100);
  guint pool = g_rand_int_range (run->rand, POOL_CONTACT, POOL_TASK + 1);
  const char *entity = pool_entity[pool];
  const char *id = pick (run, pool);
  CrmChange *change;

  if (kind < 15)
    {
      /* create: most known fields at once (again, if another replica already did) */
      change = crm_changeset_create (cs, entity, id);
      for (guint i = 0; i < 3; i++)
        set_random_field (run, pool, change);
      if (pool == POOL_DEAL)
        set_deal_stage (run, change);
      if (pool == POOL_CONTACT || pool == POOL_COMPANY || pool == POOL_DEAL ||
          pool == POOL_TASK || pool == POOL_NOTE)
        crm_change_set_int (change, "created_at", run->wall);
      run->counts[0]++;
    }
  else if (kind < 45)
    {
      change = crm_changeset_touch (cs, entity, id);
      set_random_field (run, pool, change);
      run->counts[1]++;
    }
  else if (kind < 55)
    {
      /* custom fields: not columns, they live in `data` */
      change = crm_changeset_touch (cs, entity, id);
      if (g_rand_boolean (run->rand))
        {
          g_autofree char *text = g_strdup_printf ("custom %u",
                                                   g_rand_int_range (run->rand, 0, 50));
          crm_change_set_string (change, "x_custom", text);
        }
      else if (g_rand_boolean (run->rand))
        crm_change_set_int (change, "x_score", g_rand_int_range (run->rand, -5, 100));
      else
        {
          JsonObject *object = json_object_new ();
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);

          json_object_set_int_member (object, "z", g_rand_int_range (run->rand, 0, 9));
          json_object_set_string_member (object, "a", "nested");
          json_node_take_object (node, object);
          crm_change_set_node (change, "x_custom", node);
        }
      run->counts[2]++;
    }
  else if (kind < 60)
    {
      static const char *const nullable[N_POOLS] = {
        "company", "inn", "grp", "currency", "text", "due", NULL
      };

      change = crm_changeset_touch (cs, entity, id);
      crm_change_set_null (change, g_rand_boolean (run->rand) ? nullable[pool] : "x_custom");
      run->counts[3]++;
    }
  else if (kind < 78)
    {
      /* set links, set and cleared from several replicas */
      gboolean present = g_rand_int_range (run->rand, 0, 3) != 0;

      if (g_rand_boolean (run->rand))
        change = crm_changeset_set_link (cs, "deal_tag", "deal", pick (run, POOL_DEAL),
                                         "tag", pick (run, POOL_TAG), present);
      else
        change = crm_changeset_set_link (cs, "deal_contact", "deal", pick (run, POOL_DEAL),
                                         "contact", pick (run, POOL_CONTACT), present);
      run->counts[4]++;
    }
  else if (kind < 86)
    {
      change = crm_changeset_touch (cs, entity, id);
      crm_change_set_bool (change, "deleted", TRUE);
      run->counts[5]++;
    }
  else if (kind < 93)
    {
      change = crm_changeset_touch (cs, entity, id);
      crm_change_set_bool (change, "deleted", FALSE);
      run->counts[6]++;
    }
  else
    {
      /* a deal moves: the stage gate checks it belongs to the pipeline */
      change = crm_changeset_touch (cs, "deal", pick (run, POOL_DEAL));
      set_deal_stage (run, change);
      run->counts[7]++;
    }
}

/* The replicas' clocks: a shared wall that creeps forward, plus a per-replica skew that
 * is often 0 (so replicas stamp equal hlcs and the device breaks the tie) and sometimes
 * jumps backwards (the hlc must stay monotonic). */
static void
tick_clock (RandomRun *run,
            guint      r)
{
  static const gint64 skews[] = { 0, 0, 0, 0, 1, 3, -2, -40, -1000, 25 };

  run->wall += g_rand_int_range (run->rand, 0, 2);
  if (g_rand_int_range (run->rand, 0, 20) == 0)
    run->skew[r] = skews[g_rand_int_range (run->rand, 0, G_N_ELEMENTS (skews))];
  crm_store_set_now (run->replicas[r], run->wall + run->skew[r]);
}

/* Ops of an entity type this version does not know (and unknown fields of known
 * types), as two newer peers would send them; both stamp the same hlc, so the device
 * breaks the tie. Each peer's own hlcs only go up, as a real clock's do. */
static void
inject_future_ops (RandomRun *run)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  guint64 hlc = crm_hlc_make (run->wall + g_rand_int_range (run->rand, -20, 20),
                              g_rand_int_range (run->rand, 0, 3));
  const char *thing = pick (run, POOL_FUTURE);
  CrmStore *target = run->replicas[g_rand_int_range (run->rand, 0, N_REPLICAS)];

  hlc = MAX (hlc, run->future_hlc + 1);
  run->future_hlc = hlc + 1;
  for (guint d = 0; d < 2; d++)
    {
      JsonObject *fields = json_object_new ();
      g_autofree char *shape = g_strdup_printf ("shape-%c-%u", d ? 'b' : 'a',
                                                g_rand_int_range (run->rand, 0, 10));
      JsonObject *nested = json_object_new ();

      json_object_set_string_member (fields, "shape", shape);
      json_object_set_int_member (fields, "size", g_rand_int_range (run->rand, 0, 100));
      if (g_rand_int_range (run->rand, 0, 4) == 0)
        json_object_set_boolean_member (fields, "deleted", g_rand_boolean (run->rand));
      json_object_set_int_member (nested, "level", d);
      json_object_set_object_member (fields, "nested", nested);
      g_ptr_array_add (ops, future_op (d ? FUTURE_DEVICE_B : FUTURE_DEVICE_A, hlc,
                                       "future_thing", thing, fields));
    }
  {
    JsonObject *fields = json_object_new ();
    g_autofree char *text = g_strdup_printf ("from the future %" G_GINT64_FORMAT, run->wall);

    json_object_set_string_member (fields, "x_future_field", text);
    g_ptr_array_add (ops, future_op (FUTURE_DEVICE_A, hlc + 1, "contact",
                                     pick (run, POOL_CONTACT), fields));
  }
  run->n_future_ops += ops->len;
  merge (target, ops);
}

static void
gossip (RandomRun *run)
{
  /* a few replicas hear part of what another one knows, out of causal order */
  for (guint k = 0; k < 3; k++)
    {
      guint from = g_rand_int_range (run->rand, 0, N_REPLICAS);
      guint to = (from + g_rand_int_range (run->rand, 1, N_REPLICAS)) % N_REPLICAS;
      g_autoptr(GPtrArray) log = dup_log (run->replicas[from]);
      g_autoptr(GPtrArray) some = g_ptr_array_new ();

      for (guint i = 0; i < log->len; i++)
        if (g_rand_boolean (run->rand))
          g_ptr_array_add (some, g_ptr_array_index (log, i));
      tick_clock (run, to);
      merge (run->replicas[to], some);
    }
}

static void
random_run_set_up (RandomRun     *run,
                   gconstpointer  data)
{
  static const char *const kinds[] = { "open", "open", "open", "won" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  g_test_message ("seed %u (set VORONKA_TEST_SEED to replay)", test_seed);
  run->rand = g_rand_new_with_seed (test_seed);
  g_random_set_seed (test_seed);
  run->dir = g_dir_make_tmp ("voronka-merge-XXXXXX", &error);
  g_assert_no_error (error);
  run->wall = BASE_NOW;

  for (guint r = 0; r < N_REPLICAS; r++)
    {
      g_autofree char *name = g_strdup_printf ("replica-%u.db", r);

      run->replicas[r] = new_replica (run->dir, name);
      crm_store_set_now (run->replicas[r], BASE_NOW);
    }
  for (guint p = 0; p < N_POOLS; p++)
    {
      run->pools[p] = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < pool_size[p]; i++)
        {
          g_autofree char *key = g_strdup_printf ("test/merge/%s/%u", pool_entity[p], i);
          g_ptr_array_add (run->pools[p], named_id (key));
        }
    }

  /* Deals need a pipeline and stages of it: replica 0 makes them, everyone merges. */
  run->pipeline = named_id ("test/merge/pipeline");
  change = crm_changeset_create (cs, "pipeline", run->pipeline);
  crm_change_set_string (change, "name", "Продажи");
  crm_change_set_int (change, "position", 0);
  for (guint i = 0; i < G_N_ELEMENTS (run->stages); i++)
    {
      g_autofree char *key = g_strdup_printf ("test/merge/stage/%u", i);
      g_autofree char *name = g_strdup_printf ("Этап %u", i);

      run->stages[i] = named_id (key);
      change = crm_changeset_create (cs, "stage", run->stages[i]);
      crm_change_set_string (change, "pipeline", run->pipeline);
      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "kind", kinds[i]);
      crm_change_set_int (change, "position", i);
    }
  /* what the random changes refer to (a contact's company, a link's deal and tag, a
   * note's contact) exists everywhere from the start: references are checked */
  for (guint p = POOL_CONTACT; p <= POOL_DEAL; p++)
    for (guint i = 0; i < pool_size[p]; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s %u", pool_entity[p], i);

        change = crm_changeset_create (cs, pool_entity[p], run->pools[p]->pdata[i]);
        crm_change_set_string (change, p == POOL_DEAL ? "title" : "name", name);
        if (p == POOL_DEAL)
          {
            crm_change_set_string (change, "pipeline", run->pipeline);
            crm_change_set_string (change, "stage", run->stages[0]);
          }
      }
  apply (run->replicas[0], cs);
  for (guint r = 1; r < N_REPLICAS; r++)
    merge_from (run->replicas[r], run->replicas[0]);
}

static void
random_run_tear_down (RandomRun     *run,
                      gconstpointer  data)
{
  for (guint r = 0; r < N_REPLICAS; r++)
    g_clear_object (&run->replicas[r]);
  for (guint p = 0; p < N_POOLS; p++)
    g_clear_pointer (&run->pools[p], g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (run->stages); i++)
    g_clear_pointer (&run->stages[i], g_free);
  g_clear_pointer (&run->pipeline, g_free);
  g_clear_pointer (&run->rand, g_rand_free);
  crm_test_remove_tree (run->dir);
  g_clear_pointer (&run->dir, g_free);
}

static void
shuffle (GRand     *rand,
         GPtrArray *array)
{
  for (guint i = array->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gpointer tmp = array->pdata[i - 1];

      array->pdata[i - 1] = array->pdata[j];
      array->pdata[j] = tmp;
    }
}

/* Everything the others know, to @to: shuffled, in batches of random size, some ops
 * twice in a batch, some batches twice, some old batches again later. */
static void
deliver_everything (RandomRun *run,
                    guint      to,
                    GPtrArray *logs[N_REPLICAS])
{
  g_autoptr(GPtrArray) incoming = g_ptr_array_new ();
  g_autoptr(GPtrArray) previous = NULL;
  guint i = 0;

  for (guint from = 0; from < N_REPLICAS; from++)
    if (from != to)
      for (guint k = 0; k < logs[from]->len; k++)
        g_ptr_array_add (incoming, g_ptr_array_index (logs[from], k));
  shuffle (run->rand, incoming);

  while (i < incoming->len)
    {
      guint size = g_rand_int_range (run->rand, 1, 700);
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();

      size = MIN (size, incoming->len - i);
      for (guint k = 0; k < size; k++)
        g_ptr_array_add (batch, g_ptr_array_index (incoming, i + k));
      i += size;
      if (g_rand_int_range (run->rand, 0, 4) == 0)
        {
          guint n_dups = g_rand_int_range (run->rand, 1, 6);

          for (guint k = 0; k < n_dups; k++)
            g_ptr_array_add (batch, g_ptr_array_index (batch,
                                                       g_rand_int_range (run->rand, 0, size)));
          shuffle (run->rand, batch);
        }
      tick_clock (run, to);
      merge (run->replicas[to], batch);
      if (g_rand_int_range (run->rand, 0, 5) == 0)
        merge (run->replicas[to], batch);
      if (previous != NULL && g_rand_int_range (run->rand, 0, 6) == 0)
        merge (run->replicas[to], previous);
      g_clear_pointer (&previous, g_ptr_array_unref);
      previous = g_steal_pointer (&batch);
    }
}

static void
test_merge_random (RandomRun     *run,
                   gconstpointer  data)
{
  GPtrArray *logs[N_REPLICAS];
  g_autoptr(GHashTable) op_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) stamps = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                        g_free, NULL);
  g_autoptr(GPtrArray) everything = g_ptr_array_new ();
  g_autoptr(CrmStore) fresh = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *fresh_state = NULL;
  guint ties = 0;

  for (guint step = 1; step <= N_STEPS; step++)
    {
      guint r = g_rand_int_range (run->rand, 0, N_REPLICAS);
      guint n = g_rand_int_range (run->rand, 1, 5);
      g_autoptr(CrmChangeset) cs = crm_changeset_new ();

      for (guint k = 0; k < n; k++)
        random_change (run, cs);
      tick_clock (run, r);
      apply (run->replicas[r], cs);
      run->n_changes += crm_store_get_last_ops (run->replicas[r])->len;

      if (g_rand_int_range (run->rand, 0, 60) == 0)
        inject_future_ops (run);
      if (step % GOSSIP_EVERY == 0)
        gossip (run);
    }
  for (guint k = 0; k < G_N_ELEMENTS (change_kind_names); k++)
    g_test_message ("%s: %u", change_kind_names[k], run->counts[k]);
  g_test_message ("%u local ops in %u change sets on %u replicas, %u ops from the future",
                  run->n_changes, N_STEPS, N_REPLICAS, run->n_future_ops);
  g_assert_cmpuint (run->n_changes, >=, 3000);

  /* the exchange: every replica gets every other replica's whole changelog */
  for (guint r = 0; r < N_REPLICAS; r++)
    logs[r] = dup_log (run->replicas[r]);
  for (guint r = 0; r < N_REPLICAS; r++)
    for (guint k = 0; k < logs[r]->len; k++)
      {
        CrmOp *op = g_ptr_array_index (logs[r], k);

        g_ptr_array_add (everything, op);
        if (!g_hash_table_add (op_ids, op->op_id))
          continue;
        {
          gint64 hlc = (gint64) op->hlc;
          const char *device = g_hash_table_lookup (stamps, &hlc);

          if (device == NULL)
            g_hash_table_insert (stamps, g_memdup2 (&hlc, sizeof hlc), op->device);
          else if (strcmp (device, op->device) != 0)
            ties++;
        }
      }
  g_test_message ("%u distinct ops, %u hlc ties between devices", g_hash_table_size (op_ids),
                  ties);
  g_assert_cmpuint (ties, >, 0);

  for (guint r = 0; r < N_REPLICAS; r++)
    deliver_everything (run, r, logs);

  expected = dump (run->replicas[0]);
  g_assert_nonnull (strstr (expected, "other future_thing "));
  g_assert_nonnull (strstr (expected, "\"x_custom\":"));
  g_assert_nonnull (strstr (expected, "\"x_future_field\":"));
  g_assert_nonnull (strstr (expected, "deal_tag {"));
  for (guint r = 0; r < N_REPLICAS; r++)
    {
      g_autofree char *state = dump (run->replicas[r]);
      g_autofree char *what = g_strdup_printf ("replica %u", r);

      g_assert_cmpint (crm_store_get_log_length (run->replicas[r]), ==,
                       g_hash_table_size (op_ids));
      assert_same_state (what, expected, state);
    }

  /* a newcomer that hears everything at once, newest first */
  fresh = new_replica (run->dir, "fresh.db");
  for (guint i = 0, j = everything->len - 1; i < j; i++, j--)
    {
      gpointer tmp = everything->pdata[i];

      everything->pdata[i] = everything->pdata[j];
      everything->pdata[j] = tmp;
    }
  merge (fresh, everything);
  g_assert_cmpint (crm_store_get_log_length (fresh), ==, g_hash_table_size (op_ids));
  fresh_state = dump (fresh);
  assert_same_state ("fresh replica", expected, fresh_state);
  g_test_message ("converged: %" G_GSIZE_FORMAT " bytes of state", strlen (expected));

  for (guint r = 0; r < N_REPLICAS; r++)
    g_ptr_array_unref (logs[r]);
}

/* --- small deterministic cases ------------------------------------------------------ */

typedef struct {
  char     *dir;
  CrmStore *a;
  CrmStore *b;
  char     *contact;
} Pair;

static void
pair_set_up (Pair          *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("voronka-merge-XXXXXX", &error);
  g_assert_no_error (error);
  f->a = new_replica (f->dir, "a.db");
  f->b = new_replica (f->dir, "b.db");
  crm_store_set_now (f->a, BASE_NOW);
  crm_store_set_now (f->b, BASE_NOW);
  f->contact = named_id ("test/merge/pair/contact");
}

static void
pair_tear_down (Pair          *f,
                gconstpointer  data)
{
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_pointer (&f->contact, g_free);
  crm_test_remove_tree (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

static void
set_contact_string (CrmStore   *store,
                    const char *contact,
                    const char *field,
                    const char *value)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  crm_change_set_string (crm_changeset_touch (cs, "contact", contact), field, value);
  apply (store, cs);
}

static void
set_contact_deleted (CrmStore   *store,
                     const char *contact,
                     gboolean    deleted)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  crm_change_set_bool (crm_changeset_touch (cs, "contact", contact), "deleted", deleted);
  apply (store, cs);
}

static void
exchange (Pair *f)
{
  g_autofree char *state_a = NULL;
  g_autofree char *state_b = NULL;

  merge_from (f->a, f->b);
  merge_from (f->b, f->a);
  state_a = dump (f->a);
  state_b = dump (f->b);
  g_assert_cmpstr (state_a, ==, state_b);
}

static void
assert_contact_string (CrmStore   *store,
                       const char *contact,
                       const char *field,
                       const char *expected)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (store, "contact", contact);

  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member_with_default (object, field, NULL), ==,
                   expected);
}

static gboolean
contact_is_deleted (CrmStore   *store,
                    const char *contact)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (store, "contact", contact);

  g_assert_nonnull (object);
  return json_object_get_boolean_member (object, "deleted");
}

static void
test_merge_lww (Pair          *f,
                gconstpointer  data)
{
  const char *winner;
  guint64 hlc_a;
  guint64 hlc_b;

  set_contact_string (f->a, f->contact, "name", "original");
  merge_from (f->b, f->a);

  /* the same instant on both: equal hlcs, the greater device id wins everywhere */
  crm_store_set_now (f->a, BASE_NOW + 10);
  crm_store_set_now (f->b, BASE_NOW + 10);
  set_contact_string (f->a, f->contact, "name", "from a");
  hlc_a = ((CrmOp *) g_ptr_array_index (crm_store_get_last_ops (f->a), 0))->hlc;
  set_contact_string (f->b, f->contact, "name", "from b");
  hlc_b = ((CrmOp *) g_ptr_array_index (crm_store_get_last_ops (f->b), 0))->hlc;
  g_assert_cmpuint (hlc_a, ==, hlc_b);
  winner = strcmp (crm_store_get_device_id (f->a), crm_store_get_device_id (f->b)) > 0 ?
    "from a" : "from b";
  exchange (f);
  assert_contact_string (f->a, f->contact, "name", winner);
  assert_contact_string (f->b, f->contact, "name", winner);

  /* a later hlc wins whatever the device; b's clock runs behind but the hlc it
   * absorbed keeps its next stamp ahead of what it has seen */
  crm_store_set_now (f->a, BASE_NOW + 30);
  crm_store_set_now (f->b, BASE_NOW + 20);
  set_contact_string (f->a, f->contact, "name", "later");
  set_contact_string (f->b, f->contact, "name", "earlier");
  exchange (f);
  assert_contact_string (f->a, f->contact, "name", "later");
  assert_contact_string (f->b, f->contact, "name", "later");

  /* concurrent edits of different fields both survive */
  set_contact_string (f->a, f->contact, "x_custom", "custom from a");
  set_contact_string (f->b, f->contact, "x_other", "other from b");
  exchange (f);
  assert_contact_string (f->b, f->contact, "x_custom", "custom from a");
  assert_contact_string (f->a, f->contact, "x_other", "other from b");
  assert_contact_string (f->a, f->contact, "name", "later");
}

/* Rows written before clocks were stored grouped by clock ({clock: [fields]}) hold one
 * clock per field ({field: clock}); every form (that one, the grouped JSON of schemas
 * 5–25 and the numbered words of schema 26) must merge alike, and a replica's state must
 * not depend on which form a row happens to be stored in. The contacts' clocks are taken
 * from the dump (the grouped form) and written back one clock per field. */
static void
rewrite_clocks_per_field (CrmStore   *store,
                          const char *path)
{
  g_autofree char *state = dump (store);
  g_auto(GStrv) lines = g_strsplit (state, "\n", -1);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n_rewritten = 0;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE contact SET clocks = ?1 WHERE id = ?2", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) row = NULL;
      g_autoptr(JsonNode) grouped = NULL;
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) per_field = NULL;
      g_autofree char *text = NULL;
      JsonObject *clocks;
      g_autoptr(GList) members = NULL;

      if (!g_str_has_prefix (lines[i], "contact "))
        continue;
      row = json_from_string (lines[i] + strlen ("contact "), NULL);
      g_assert_nonnull (row);
      grouped = json_from_string (json_object_get_string_member (json_node_get_object (row),
                                                                 "@clocks"), NULL);
      g_assert_nonnull (grouped);
      clocks = json_node_get_object (grouped);
      members = json_object_get_members (clocks);
      json_builder_begin_object (builder);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonArray *fields = json_object_get_array_member (clocks, l->data);

          for (guint j = 0; j < json_array_get_length (fields); j++)
            {
              json_builder_set_member_name (builder, json_array_get_string_element (fields, j));
              json_builder_add_string_value (builder, l->data);
            }
        }
      json_builder_end_object (builder);
      per_field = json_builder_get_root (builder);
      text = json_to_string (per_field, FALSE);
      sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, json_object_get_string_member (json_node_get_object (row), "id"),
                         -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      g_assert_cmpint (sqlite3_changes (db), ==, 1);
      sqlite3_reset (stmt);
      n_rewritten++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (n_rewritten, >, 0);
}

static void
test_merge_per_field_clocks (Pair          *f,
                             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  /* b edits first, offline; a edits later */
  crm_store_set_now (f->b, BASE_NOW + 5);
  set_contact_string (f->b, f->contact, "name", "earlier from b");
  crm_store_set_now (f->a, BASE_NOW + 10);
  set_contact_string (f->a, f->contact, "name", "later from a");
  set_contact_string (f->a, f->contact, "x_custom", "custom from a");

  before = dump (f->a);
  rewrite_clocks_per_field (f->a, path);
  after = dump (f->a);
  g_assert_cmpstr (before, ==, after);

  /* the old form still decides: b's earlier edit loses, a later one wins */
  merge_from (f->a, f->b);
  assert_contact_string (f->a, f->contact, "name", "later from a");
  crm_store_set_now (f->b, BASE_NOW + 20);
  merge_from (f->b, f->a);
  set_contact_string (f->b, f->contact, "name", "latest from b");
  exchange (f);
  assert_contact_string (f->a, f->contact, "name", "latest from b");
  assert_contact_string (f->a, f->contact, "x_custom", "custom from a");
}

/* A replica file copied to a second laptop: both devices carry one device id, so two
 * different ops can have equal (hlc, device). The value decides, so both still agree. */
static void
test_merge_copied_replica (Pair          *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy_path = g_build_filename (f->dir, "copy.db", NULL);
  g_autoptr(CrmStore) copy = NULL;

  set_contact_string (f->a, f->contact, "name", "original");
  g_clear_object (&f->a);
  {
    g_autofree char *a_path = g_build_filename (f->dir, "a.db", NULL);
    g_autofree char *contents = NULL;
    gsize length = 0;

    /* the WAL was checkpointed when the store closed */
    g_file_get_contents (a_path, &contents, &length, &error);
    g_assert_no_error (error);
    g_file_set_contents (copy_path, contents, length, &error);
    g_assert_no_error (error);
    f->a = crm_store_open (a_path, &error);
    g_assert_no_error (error);
  }
  copy = crm_store_open (copy_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_store_get_device_id (copy), ==, crm_store_get_device_id (f->a));

  crm_store_set_now (f->a, BASE_NOW + 50);
  crm_store_set_now (copy, BASE_NOW + 50);
  set_contact_string (f->a, f->contact, "name", "Борис");
  set_contact_string (copy, f->contact, "name", "Анна");
  g_assert_cmpuint (((CrmOp *) g_ptr_array_index (crm_store_get_last_ops (f->a), 0))->hlc, ==,
                    ((CrmOp *) g_ptr_array_index (crm_store_get_last_ops (copy), 0))->hlc);

  merge_from (copy, f->a);
  merge_from (f->a, copy);
  assert_contact_string (f->a, f->contact, "name", "Борис");
  assert_contact_string (copy, f->contact, "name", "Борис");
  {
    g_autofree char *a_state = crm_store_dump_state (f->a, NULL);
    g_autofree char *copy_state = crm_store_dump_state (copy, NULL);
    g_assert_cmpstr (a_state, ==, copy_state);
  }
}


/* The search rows of @store's live contacts, by contact id (rowids differ between
 * replicas): what a search by name or phone digits finds. */
static char *
search_rows (CrmStore *store)
{
  g_autoptr(GString) out = g_string_new (NULL);
  static const char *const queries[] = {
    "SELECT 'token', c.id, t.token, t.position FROM contact_token t"
    " JOIN contact c ON c.rowid = t.contact ORDER BY 2, 3, 4",
    "SELECT 'prefix', c.id, p.prefix, p.rank || ' ' || coalesce (p.name, '') FROM contact_prefix p"
    " JOIN contact c ON c.rowid = p.contact ORDER BY 2, 3, 4",
    "SELECT 'phone', c.id, f.digits, '' FROM contact_phone f"
    " JOIN contact c ON c.rowid = f.rowid ORDER BY 2, 3",
  };
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (crm_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL),
                   ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, queries[i], -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (out, "%s %s %s %s\n", sqlite3_column_text (stmt, 0),
                                sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                                sqlite3_column_text (stmt, 3));
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gint64
contacts_found (CrmStore   *store,
                const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) found = NULL;
  gint64 total = -1;

  found = crm_query_contacts (store, prefix, NULL, 50, 0, &total, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  return total;
}

/* A page of ops merged at once writes its new contacts' search rows together, after its
 * ops: a contact created and renamed within the page, one created and deleted, and one
 * whose phone changed are found as on the replica that wrote them one by one. */
static void
test_merge_search_rows (Pair          *f,
                        gconstpointer  data)
{
  g_autofree char *renamed = named_id ("test/merge/search/renamed");
  g_autofree char *gone = named_id ("test/merge/search/gone");
  g_autofree char *kept = named_id ("test/merge/search/kept");
  g_autofree char *plain = named_id ("test/merge/search/plain");
  g_autofree char *rows_a = NULL;
  g_autofree char *rows_b = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  change = crm_changeset_create (cs, "contact", renamed);
  crm_change_set_string (change, "name", "Иванов Пётр");
  crm_change_set_node (change, "phones", json_from_string ("[\"+79123456789\"]", NULL));
  change = crm_changeset_create (cs, "contact", gone);
  crm_change_set_string (change, "name", "Кузнецова Анна");
  change = crm_changeset_create (cs, "contact", kept);
  crm_change_set_string (change, "name", "Орлова Мария");
  crm_change_set_node (change, "phones", json_from_string ("[\"+78123334455\"]", NULL));
  change = crm_changeset_create (cs, "contact", plain);
  crm_change_set_string (change, "name", "Белова Ольга");
  apply (f->a, cs);
  set_contact_string (f->a, renamed, "name", "Сидоров Пётр");
  set_contact_deleted (f->a, gone, TRUE);
  {
    g_autoptr(CrmChangeset) phones = crm_changeset_new ();

    crm_change_set_node (crm_changeset_touch (phones, "contact", kept), "phones",
                         json_from_string ("[\"+74951234567\"]", NULL));
    apply (f->a, phones);
  }

  /* b takes it all as one page */
  merge_from (f->b, f->a);
  g_assert_cmpint (contacts_found (f->a, "8123334455"), ==, 0);
  g_assert_cmpint (contacts_found (f->b, "Сид"), ==, 1);
  g_assert_cmpint (contacts_found (f->b, "Ива"), ==, 0);
  g_assert_cmpint (contacts_found (f->b, "Куз"), ==, 0);
  g_assert_cmpint (contacts_found (f->b, "Орл"), ==, 1);
  g_assert_cmpint (contacts_found (f->b, "Бел"), ==, 1);
  g_assert_cmpint (contacts_found (f->b, "4951234567"), ==, 1);
  g_assert_cmpint (contacts_found (f->b, "8123334455"), ==, 0);
  g_assert_cmpint (contacts_found (f->b, "9123456789"), ==, 1);
  rows_a = search_rows (f->a);
  rows_b = search_rows (f->b);
  g_assert_cmpstr (rows_b, ==, rows_a);
  g_assert_nonnull (strstr (rows_b, "сидоров"));
}

static void
test_merge_delete_restore (Pair          *f,
                           gconstpointer  data)
{
  set_contact_string (f->a, f->contact, "name", "Вера");
  exchange (f);

  crm_store_set_now (f->b, BASE_NOW + 10);
  set_contact_deleted (f->b, f->contact, TRUE);
  exchange (f);
  g_assert_true (contact_is_deleted (f->a, f->contact));
  assert_contact_string (f->a, f->contact, "name", "Вера");

  crm_store_set_now (f->a, BASE_NOW + 20);
  set_contact_deleted (f->a, f->contact, FALSE);
  exchange (f);
  g_assert_false (contact_is_deleted (f->a, f->contact));
  g_assert_false (contact_is_deleted (f->b, f->contact));
  assert_contact_string (f->b, f->contact, "name", "Вера");

  /* delete is a field: a concurrent edit of another field does not resurrect */
  crm_store_set_now (f->a, BASE_NOW + 30);
  crm_store_set_now (f->b, BASE_NOW + 30);
  set_contact_deleted (f->a, f->contact, TRUE);
  set_contact_string (f->b, f->contact, "name", "Вера Павловна");
  exchange (f);
  g_assert_true (contact_is_deleted (f->b, f->contact));
  assert_contact_string (f->a, f->contact, "name", "Вера Павловна");
}

static void
test_merge_idempotent (Pair          *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GPtrArray) doubled = g_ptr_array_new ();
  g_autoptr(CrmStore) c = NULL;
  g_autofree char *state_a = NULL;
  g_autofree char *state_b = NULL;
  g_autofree char *state_b_again = NULL;
  g_autofree char *state_a_again = NULL;
  g_autofree char *state_c = NULL;
  gint64 length;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *key = g_strdup_printf ("test/merge/idempotent/%u", i);
      g_autofree char *id = named_id (key);
      g_autofree char *name = g_strdup_printf ("Контакт %u", i);
      g_autoptr(CrmChangeset) cs = crm_changeset_new ();
      CrmChange *change = crm_changeset_create (cs, "contact", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_int (change, "x_custom", i);
      apply (f->a, cs);
      crm_store_set_now (f->a, BASE_NOW + i);
      set_contact_string (f->a, id, "name", "renamed");
    }
  log = dup_log (f->a);
  g_assert_cmpuint (log->len, ==, 10);

  merge (f->b, log);
  length = crm_store_get_log_length (f->b);
  state_b = dump (f->b);
  g_assert_cmpint (length, ==, 10);

  merge (f->b, log);
  state_b_again = dump (f->b);
  g_assert_cmpint (crm_store_get_log_length (f->b), ==, length);
  g_assert_cmpstr (state_b_again, ==, state_b);

  /* its own ops back: nothing changes */
  state_a = dump (f->a);
  merge (f->a, log);
  state_a_again = dump (f->a);
  g_assert_cmpint (crm_store_get_log_length (f->a), ==, length);
  g_assert_cmpstr (state_a_again, ==, state_a);
  g_assert_cmpstr (state_b, ==, state_a);

  /* every op twice in one batch, newest first */
  for (guint i = log->len; i > 0; i--)
    {
      g_ptr_array_add (doubled, g_ptr_array_index (log, i - 1));
      g_ptr_array_add (doubled, g_ptr_array_index (log, i - 1));
    }
  c = new_replica (f->dir, "c.db");
  merge (c, doubled);
  state_c = dump (c);
  g_assert_cmpint (crm_store_get_log_length (c), ==, length);
  g_assert_cmpstr (state_c, ==, state_a);
}

static void
test_merge_unknown_kept (Pair          *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GPtrArray) reversed = g_ptr_array_new ();
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *thing = named_id ("test/merge/future_thing");
  g_autofree char *state_a = NULL;
  g_autofree char *state_b = NULL;
  guint64 hlc = crm_hlc_make (BASE_NOW, 7);
  guint found = 0;

  for (guint d = 0; d < 2; d++)
    {
      JsonObject *fields = json_object_new ();

      json_object_set_string_member (fields, "shape", d ? "from-b" : "from-a");
      json_object_set_int_member (fields, "size", 10 + d);
      g_ptr_array_add (ops, future_op (d ? FUTURE_DEVICE_B : FUTURE_DEVICE_A, hlc,
                                       "future_thing", thing, fields));
    }
  {
    JsonObject *fields = json_object_new ();

    json_object_set_string_member (fields, "x_future_field", "kept");
    g_ptr_array_add (ops, future_op (FUTURE_DEVICE_A, hlc, "contact", f->contact, fields));
  }
  merge (f->a, ops);
  for (guint i = ops->len; i > 0; i--)
    g_ptr_array_add (reversed, g_ptr_array_index (ops, i - 1));
  merge (f->b, reversed);

  /* same hlc: the greater device ("…f00b") wins on both, whatever the order */
  state_a = dump (f->a);
  state_b = dump (f->b);
  g_assert_cmpstr (state_a, ==, state_b);
  g_assert_nonnull (strstr (state_a, "other future_thing "));
  g_assert_nonnull (strstr (state_a, "\"shape\":\"from-b\""));
  g_assert_null (strstr (state_a, "from-a"));
  assert_contact_string (f->a, f->contact, "x_future_field", "kept");

  /* and they are sent on unchanged */
  log = dup_log (f->a);
  g_assert_cmpuint (log->len, ==, 3);
  for (guint i = 0; i < log->len; i++)
    {
      CrmOp *op = g_ptr_array_index (log, i);

      if (g_str_equal (op->entity, "future_thing"))
        {
          g_assert_cmpuint (op->hlc, ==, hlc);
          g_assert_cmpstr (op->entity_id, ==, thing);
          g_assert_cmpint (json_object_get_int_member (op->fields, "size"), >=, 10);
          found++;
        }
    }
  g_assert_cmpuint (found, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  const char *seed_text = g_getenv ("VORONKA_TEST_SEED");

  if (seed_text != NULL && *seed_text != '\0')
    test_seed = (guint32) g_ascii_strtoull (seed_text, NULL, 10);

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/merge/last-writer-wins", Pair, NULL, pair_set_up, test_merge_lww,
              pair_tear_down);
  g_test_add ("/merge/per-field-clocks", Pair, NULL, pair_set_up,
              test_merge_per_field_clocks, pair_tear_down);
  g_test_add ("/merge/copied-replica", Pair, NULL, pair_set_up, test_merge_copied_replica,
              pair_tear_down);
  g_test_add ("/merge/delete-restore", Pair, NULL, pair_set_up, test_merge_delete_restore,
              pair_tear_down);
  g_test_add ("/merge/search-rows-of-a-page", Pair, NULL, pair_set_up, test_merge_search_rows,
              pair_tear_down);
  g_test_add ("/merge/idempotent", Pair, NULL, pair_set_up, test_merge_idempotent,
              pair_tear_down);
  g_test_add ("/merge/unknown-kept", Pair, NULL, pair_set_up, test_merge_unknown_kept,
              pair_tear_down);
  g_test_add ("/merge/random-replicas", RandomRun, NULL, random_run_set_up,
              test_merge_random, random_run_tear_down);

  return g_test_run ();
}
