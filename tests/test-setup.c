/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-setup.c — an administrator sets the account up (issue 20) through real voronkactl
 * processes on a truck-dealer replica: tags added, renamed and merged (the deals keep one
 * tag), a pipeline added with its closing stages and working stages put in order, custom
 * fields added (a list field's choices, a field required at a stage then refusing a move),
 * bad input refused naming the value; and a sales rep or a manager refused every change
 * of the setup with permission-denied naming the rule; pipelines archived (deals kept, the
 * last one in use stays), loss reasons per pipeline added, renamed and removed (a lost deal
 * keeps its reason), a tag removed from its deals, the changelog unchanged — while a
 * rep may still add a new brand's tag. */
#include "config.h"

#include <string.h>

#include "crm-setting.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"
#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)
#define REP "Денис Морозов"
#define MANAGER "Андрей Соколов"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  json_node_unref (OK (f, "init", "--template", "truck-dealer"));
}

static gint64
log_length (Fixture *f)
{
  return crm_test_take_length (OK (f, "log"));
}

static const char *
str (JsonObject *object,
     const char *member)
{
  return crm_test_get_string (object, member);
}

/* A refused command (@code), its message holding @needle, nothing written. */
#define assert_refused(f, code, needle, ...) \
  assert_refused_argv ((f), (code), (needle), (const char *[]) { __VA_ARGS__, NULL })

static void
assert_refused_argv (Fixture     *f,
                     const char  *code,
                     const char  *needle,
                     const char **args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  gint64 before = log_length (f);

  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, f->db);
  g_ptr_array_add (argv, (gpointer) "--now");
  g_ptr_array_add (argv, (gpointer) NOW);
  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) argv->pdata);
  message = crm_test_assert_refused (&run, code);
  if (strstr (message, needle) == NULL)
    g_error ("«%s» does not say «%s»", message, needle);
  g_assert_cmpint (log_length (f), ==, before);
}

/* The tag names of deal @id, joined with ",". */
static char *
deal_tags (Fixture    *f,
           const char *id)
{
  g_autoptr(JsonObject) deal = crm_test_take_object (OK (f, "deal", "show", id));
  JsonArray *tags = json_object_get_array_member (deal, "tags");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (tags); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "," : "", json_array_get_string_element (tags, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
add_deal (Fixture    *f,
          const char *title,
          const char *tag1,
          const char *tag2)
{
  g_autoptr(JsonNode) deal = NULL;

  if (tag2 != NULL)
    deal = OK (f, "deal", "add", "--pipeline", "Продажи", "--title", title, "--tag", tag1,
               "--tag", tag2);
  else
    deal = OK (f, "deal", "add", "--pipeline", "Продажи", "--title", title, "--tag", tag1);
  return crm_test_dup_id (deal);
}

static void
test_tags (Fixture       *f,
           gconstpointer  user_data)
{
  g_autoptr(JsonObject) sitrak = crm_test_take_object (OK (f, "tag", "add", "Sitrak", "--group",
                                                           "brand", "--color", "red"));
  g_autofree char *only_volvo = add_deal (f, "Только Volvo", "Volvo", NULL);
  g_autofree char *both = add_deal (f, "Volvo и MAN", "Volvo", "MAN");
  g_autofree char *tags = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_autoptr(JsonObject) renamed = NULL;
  g_autoptr(JsonObject) removed = NULL;
  g_autoptr(JsonNode) list = NULL;

  g_assert_cmpstr (str (sitrak, "name"), ==, "Sitrak");
  g_assert_cmpstr (str (sitrak, "group"), ==, "brand");
  g_assert_cmpstr (str (sitrak, "color"), ==, "red");
  list = OK (f, "tag", "list", "--group", "brand");
  g_assert_nonnull (crm_test_find_object (json_node_get_array (list), "name", "Sitrak"));

  assert_refused (f, "invalid-input", "Volvo", "tag", "add", "volvo");
  assert_refused (f, "invalid-input", "pink", "tag", "add", "Shacman", "--color", "pink");
  assert_refused (f, "invalid-input", "empty", "tag", "add", "  ");

  /* merging Volvo into MAN: both deals carry MAN once, Volvo is gone */
  merged = crm_test_take_object (OK (f, "tag", "merge", "Volvo", "MAN"));
  g_assert_cmpint (json_object_get_int_member (merged, "deals"), ==, 2);
  tags = deal_tags (f, only_volvo);
  g_assert_cmpstr (tags, ==, "MAN");
  g_clear_pointer (&tags, g_free);
  tags = deal_tags (f, both);
  g_assert_cmpstr (tags, ==, "MAN");
  g_clear_pointer (&list, json_node_unref);
  list = OK (f, "tag", "list");
  g_assert_null (crm_test_find_object (json_node_get_array (list), "name", "Volvo"));
  assert_refused (f, "invalid-input", "itself", "tag", "merge", "MAN", "MAN");

  /* renaming keeps the deals: they show the new name */
  renamed = crm_test_take_object (OK (f, "tag", "rename", "MAN", "MAN Truck"));
  g_assert_cmpstr (str (renamed, "name"), ==, "MAN Truck");
  g_clear_pointer (&tags, g_free);
  tags = deal_tags (f, only_volvo);
  g_assert_cmpstr (tags, ==, "MAN Truck");
  assert_refused (f, "invalid-input", "merge", "tag", "rename", "Scania", "man truck");

  /* removing a tag takes it off its deals */
  removed = crm_test_take_object (OK (f, "tag", "remove", "MAN Truck"));
  g_assert_cmpint (json_object_get_int_member (removed, "deals"), ==, 2);
  g_clear_pointer (&tags, g_free);
  tags = deal_tags (f, both);
  g_assert_cmpstr (tags, ==, "");
  g_clear_pointer (&list, json_node_unref);
  list = OK (f, "tag", "list");
  g_assert_null (crm_test_find_object (json_node_get_array (list), "name", "MAN Truck"));
  assert_refused (f, "not-found", "MAN Truck", "tag", "remove", "MAN Truck");
}

static void
test_pipelines (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(JsonObject) pipeline = crm_test_take_object (OK (f, "pipeline", "add", "Сервис"));
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonObject) deal = NULL;
  JsonArray *stages = json_object_get_array_member (pipeline, "stages");
  static const char *const expected[] = {
    "Приёмка", "Диагностика", "Ремонт", "Closed — won", "Closed — lost"
  };

  g_assert_cmpstr (str (pipeline, "name"), ==, "Сервис");
  g_assert_cmpuint (json_array_get_length (stages), ==, 2);
  g_assert_cmpstr (str (json_array_get_object_element (stages, 0), "kind"), ==, "won");
  g_assert_cmpstr (str (json_array_get_object_element (stages, 1), "kind"), ==, "lost");

  /* a new stage goes before the closing ones, or before the one named */
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Диагностика"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Ремонт"));
  shown = crm_test_take_object (OK (f, "stage", "add", "--pipeline", "Сервис", "Приёмка",
                                    "--before", "Диагностика"));
  stages = json_object_get_array_member (shown, "stages");
  g_assert_cmpuint (json_array_get_length (stages), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (str (json_array_get_object_element (stages, i), "name"), ==, expected[i]);
  g_assert_cmpstr (str (json_array_get_object_element (stages, 0), "kind"), ==, "open");

  /* deals work in it */
  deal = crm_test_take_object (OK (f, "deal", "add", "--pipeline", "Сервис", "--title",
                                   "ТО Volvo FH", "--stage", "Приёмка"));
  g_assert_cmpstr (str (deal, "stage"), ==, "Приёмка");

  assert_refused (f, "invalid-input", "Продажи", "pipeline", "add", "продажи");
  assert_refused (f, "invalid-input", "Ремонт", "stage", "add", "--pipeline", "Сервис", "ремонт");
  assert_refused (f, "invalid-input", "done", "stage", "add", "--pipeline", "Сервис", "Мойка",
                  "--kind", "done");
  assert_refused (f, "not-found", "Мойка", "stage", "add", "--pipeline", "Сервис", "Сушка",
                  "--before", "Мойка");
}

/* The names and kinds of pipeline @name's stages, "name:kind" joined with "|". */
static char *
stages_of (Fixture    *f,
           const char *name)
{
  g_autoptr(JsonNode) pipelines = OK (f, "pipelines");
  JsonObject *pipeline = crm_test_find_object (json_node_get_array (pipelines), "name", name);
  JsonArray *stages = json_object_get_array_member (pipeline, "stages");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = json_array_get_object_element (stages, i);

      g_string_append_printf (text, "%s%s:%s", i > 0 ? "|" : "", str (stage, "name"),
                              str (stage, "kind"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
stage_of_deal (Fixture    *f,
               const char *id,
               char      **out)
{
  g_autoptr(JsonObject) deal = crm_test_take_object (OK (f, "deal", "show", id));

  g_free (*out);
  *out = g_strdup (str (deal, "stage"));
  return *out;
}

/* Stage kinds set and stages removed: an empty one at once, one with deals only with the
 * stage they go to (and undone as one change); the pipeline keeps a working stage. */
static void
test_stages (Fixture       *f,
             gconstpointer  user_data)
{
  g_autofree char *stages = NULL;
  g_autofree char *deal1 = NULL;
  g_autofree char *deal2 = NULL;
  g_autofree char *stage = NULL;

  json_node_unref (OK (f, "pipeline", "add", "Сервис"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Приёмка"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Диагностика"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Выдан клиенту"));

  /* kinds */
  json_node_unref (OK (f, "stage", "set", "--pipeline", "Сервис", "Выдан клиенту", "--kind", "won"));
  stages = stages_of (f, "Сервис");
  g_assert_cmpstr (stages, ==, "Приёмка:open|Диагностика:open|Выдан клиенту:won|"
                               "Closed — won:won|Closed — lost:lost");
  assert_refused (f, "invalid-input", "done", "stage", "set", "--pipeline", "Сервис", "Приёмка",
                  "--kind", "done");
  json_node_unref (OK (f, "stage", "set", "--pipeline", "Сервис", "Диагностика", "--kind", "lost"));
  assert_refused (f, "invalid-input", "only working stage", "stage", "set", "--pipeline", "Сервис",
                  "Приёмка", "--kind", "won");
  json_node_unref (OK (f, "stage", "set", "--pipeline", "Сервис", "Диагностика", "--kind", "open"));

  /* an empty stage goes at once */
  json_node_unref (OK (f, "stage", "remove", "--pipeline", "Сервис", "Выдан клиенту"));
  g_free (stages);
  stages = stages_of (f, "Сервис");
  g_assert_cmpstr (stages, ==, "Приёмка:open|Диагностика:open|Closed — won:won|Closed — lost:lost");

  /* one with deals needs the stage they go to */
  deal1 = crm_test_dup_id (OK (f, "deal", "add", "--pipeline", "Сервис", "--title", "ТО Volvo FH",
                               "--stage", "Диагностика"));
  deal2 = crm_test_dup_id (OK (f, "deal", "add", "--pipeline", "Сервис", "--title", "ТО MAN TGX",
                               "--stage", "Диагностика"));
  assert_refused (f, "invalid-input", "holds 2 deals", "stage", "remove", "--pipeline", "Сервис",
                  "Диагностика");
  assert_refused (f, "invalid-input", "same pipeline", "stage", "remove", "--pipeline", "Сервис",
                  "Диагностика", "--move-to", "Диагностика");
  json_node_unref (OK (f, "stage", "remove", "--pipeline", "Сервис", "Диагностика", "--move-to",
                       "Приёмка"));
  g_assert_cmpstr (stage_of_deal (f, deal1, &stage), ==, "Приёмка");
  g_assert_cmpstr (stage_of_deal (f, deal2, &stage), ==, "Приёмка");
  g_free (stages);
  stages = stages_of (f, "Сервис");
  g_assert_cmpstr (stages, ==, "Приёмка:open|Closed — won:won|Closed — lost:lost");

  /* the last working stage stays */
  assert_refused (f, "invalid-input", "only working stage", "stage", "remove", "--pipeline",
                  "Сервис", "Приёмка", "--move-to", "Closed — won");

  /* undo gives the stage and its deals back in one step */
  json_node_unref (OK (f, "undo"));
  g_free (stages);
  stages = stages_of (f, "Сервис");
  g_assert_cmpstr (stages, ==, "Приёмка:open|Диагностика:open|Closed — won:won|Closed — lost:lost");
  g_assert_cmpstr (stage_of_deal (f, deal1, &stage), ==, "Диагностика");
  g_assert_cmpstr (stage_of_deal (f, deal2, &stage), ==, "Диагностика");
}

static void
test_fields (Fixture       *f,
             gconstpointer  user_data)
{
  g_autoptr(JsonObject) vin = crm_test_take_object (OK (f, "field", "add", "--entity", "deal",
                                                        "vin", "--label", "VIN", "--type", "text",
                                                        "--required-at", "Продажи/Договор согласован"));
  g_autoptr(JsonObject) color = crm_test_take_object (OK (f, "field", "add", "--entity", "deal",
                                                          "body_color", "--label", "Цвет кузова",
                                                          "--type", "choice", "--choice", "Белый",
                                                          "--choice", "Красный"));
  g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", "Продажи", "--title", "Scania R",
                                 "--stage", "Согласование условий договора");
  g_autofree char *id = crm_test_dup_id (deal);
  g_autoptr(JsonObject) moved = NULL;
  JsonArray *choices = json_object_get_array_member (color, "choices");

  g_assert_cmpstr (str (vin, "label"), ==, "VIN");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vin, "required_stages")), ==, 1);
  g_assert_cmpuint (json_array_get_length (choices), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (choices, 1), ==, "Красный");

  /* the new field guards its stage, and takes only its choices */
  assert_refused (f, "required-field", "VIN", "deal", "move", id, "--stage", "Договор согласован");
  assert_refused (f, "invalid-input", "Белый", "deal", "set", id, "--field", "body_color=Синий");
  moved = crm_test_take_object (OK (f, "deal", "move", id, "--stage", "Договор согласован",
                                    "--field", "vin=YS2R4X20005399401", "--field",
                                    "body_color=Белый"));
  g_assert_cmpstr (str (json_object_get_object_member (moved, "fields"), "vin"), ==,
                   "YS2R4X20005399401");

  assert_refused (f, "invalid-input", "VIN", "field", "add", "--entity", "deal", "vin2",
                  "--label", "vin", "--type", "text");
  assert_refused (f, "invalid-input", "vin", "field", "add", "--entity", "deal", "vin",
                  "--label", "Номер кузова", "--type", "text");
  assert_refused (f, "invalid-input", "Truck Model", "field", "add", "--entity", "deal",
                  "Truck Model", "--label", "Модель", "--type", "text");
  assert_refused (f, "invalid-input", "choice", "field", "add", "--entity", "deal", "axle",
                  "--label", "Оси", "--type", "choice");
  assert_refused (f, "invalid-input", "colour", "field", "add", "--entity", "deal", "axle",
                  "--label", "Оси", "--type", "colour");
  assert_refused (f, "invalid-input", "deal", "field", "add", "--entity", "contact", "passport",
                  "--label", "Паспорт", "--type", "text", "--required-at",
                  "Продажи/Договор согласован");
}

/* A rep and a manager are refused every change of the setup, offline, naming the rule;
 * a rep still adds a new brand's tag. */
/* The names of @array's objects, joined with ",". */
static char *
names_of (JsonArray *array)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "," : "",
                            str (json_array_get_object_element (array, i), "name"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Loss reasons per pipeline: added, renamed and removed, a lost deal keeping its reason. */
static void
test_reasons (Fixture       *f,
              gconstpointer  user_data)
{
  g_autoptr(JsonNode) reasons = OK (f, "reason", "add", "--pipeline", "Продажи",
                                    "Лизинг не одобрен");
  g_autoptr(JsonObject) lost = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *deal = add_deal (f, "Volvo FH в лизинг", "Volvo", NULL);
  g_autofree char *other = add_deal (f, "MAN TGX в лизинг", "MAN", NULL);
  g_autofree char *names = names_of (json_node_get_array (reasons));

  /* the pipeline's own reason comes after the account's */
  g_assert_true (g_str_has_prefix (names, "Дорого,"));
  g_assert_true (g_str_has_suffix (names, ",Лизинг не одобрен"));
  assert_refused (f, "invalid-input", "Дорого", "reason", "add", "--pipeline", "Продажи",
                  "дорого");

  lost = crm_test_take_object (OK (f, "deal", "move", deal, "--stage",
                                   "Закрыто и не реализовано", "--loss-reason",
                                   "Лизинг не одобрен"));
  g_assert_cmpstr (str (lost, "loss_reason"), ==, "Лизинг не одобрен");

  /* renamed: the lost deal shows the new name */
  json_node_unref (OK (f, "reason", "rename", "--pipeline", "Продажи", "Лизинг не одобрен",
                       "Банк отказал в лизинге"));
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  g_assert_cmpstr (str (shown, "loss_reason"), ==, "Банк отказал в лизинге");

  /* removed: no longer offered, and the lost deal keeps it */
  g_clear_pointer (&reasons, json_node_unref);
  reasons = OK (f, "reason", "remove", "--pipeline", "Продажи", "Банк отказал в лизинге");
  g_free (names);
  names = names_of (json_node_get_array (reasons));
  g_assert_null (strstr (names, "Банк"));
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  g_assert_cmpstr (str (shown, "loss_reason"), ==, "Банк отказал в лизинге");
  assert_refused (f, "not-found", "Банк отказал в лизинге", "deal", "move", other, "--stage",
                  "Закрыто и не реализовано", "--loss-reason", "Банк отказал в лизинге");
}

/* The stage names of pipeline @name in order, joined with ",". */
static char *
stage_names (JsonNode   *pipeline_node,
             const char *name)
{
  JsonObject *pipeline = json_node_get_object (pipeline_node);
  JsonArray *stages = json_object_get_array_member (pipeline, "stages");
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_cmpstr (str (pipeline, "name"), ==, name);
  for (guint i = 0; i < json_array_get_length (stages); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "",
                            str (json_array_get_object_element (stages, i), "name"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A pipeline and a stage renamed (the deal at it shows the new names), a stage moved
 * before and after others; a name taken, a move with no place, and a rep refused. */
static void
test_rename_move (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonNode) pipeline = NULL;
  g_autofree char *order = NULL;

  json_node_unref (OK (f, "pipeline", "add", "Сервис"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Приёмка"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Диагностика"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Ремонт"));
  deal = crm_test_take_object (OK (f, "deal", "add", "--pipeline", "Сервис", "--title",
                                   "ТО Scania R 450", "--stage", "Диагностика"));

  pipeline = OK (f, "pipeline", "rename", "Сервис", "Сервис и ремонт");
  g_clear_pointer (&pipeline, json_node_unref);
  pipeline = OK (f, "stage", "rename", "--pipeline", "Сервис и ремонт", "Диагностика",
                 "Осмотр техники");
  order = stage_names (pipeline, "Сервис и ремонт");
  g_assert_nonnull (strstr (order, "Приёмка,Осмотр техники,Ремонт"));
  shown = crm_test_take_object (OK (f, "deal", "show", str (deal, "id")));
  g_assert_cmpstr (str (shown, "pipeline"), ==, "Сервис и ремонт");
  g_assert_cmpstr (str (shown, "stage"), ==, "Осмотр техники");

  /* «Ремонт» before «Приёмка», then «Приёмка» after «Осмотр техники» */
  g_clear_pointer (&pipeline, json_node_unref);
  pipeline = OK (f, "stage", "move", "--pipeline", "Сервис и ремонт", "Ремонт", "--before",
                 "Приёмка");
  g_free (order);
  order = stage_names (pipeline, "Сервис и ремонт");
  g_assert_nonnull (strstr (order, "Ремонт,Приёмка,Осмотр техники"));
  g_clear_pointer (&pipeline, json_node_unref);
  pipeline = OK (f, "stage", "move", "--pipeline", "Сервис и ремонт", "Приёмка", "--after",
                 "Осмотр техники");
  g_free (order);
  order = stage_names (pipeline, "Сервис и ремонт");
  g_assert_nonnull (strstr (order, "Ремонт,Осмотр техники,Приёмка"));
  /* the deal stays at its stage */
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "deal", "show", str (deal, "id")));
  g_assert_cmpstr (str (shown, "stage"), ==, "Осмотр техники");

  assert_refused (f, "invalid-input", "«Ремонт» already", "stage", "rename", "--pipeline",
                  "Сервис и ремонт", "Приёмка", "Ремонт");
  assert_refused (f, "not-found", "Мойка", "stage", "move", "--pipeline", "Сервис и ремонт",
                  "Приёмка", "--before", "Мойка");
  assert_refused (f, "permission-denied", "Only an administrator", "--as", REP, "pipeline",
                  "rename", "Сервис и ремонт", "Сервис");
  assert_refused (f, "permission-denied", "Only an administrator", "--as", REP, "stage",
                  "move", "--pipeline", "Сервис и ремонт", "Приёмка", "--before", "Ремонт");
}

/* An archived pipeline keeps its deals; the last one in use cannot be archived. */
static void
test_archive (Fixture       *f,
              gconstpointer  user_data)
{
  g_autoptr(JsonObject) archived = NULL;
  g_autoptr(JsonObject) restored = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonNode) pipelines = NULL;
  g_autoptr(JsonObject) deal = NULL;
  JsonArray *array;
  guint in_use = 0;

  json_node_unref (OK (f, "pipeline", "add", "Сервис"));
  json_node_unref (OK (f, "stage", "add", "--pipeline", "Сервис", "Приёмка"));
  deal = crm_test_take_object (OK (f, "deal", "add", "--pipeline", "Сервис", "--title",
                                   "ТО Volvo FH", "--stage", "Приёмка"));

  archived = crm_test_take_object (OK (f, "pipeline", "archive", "Сервис"));
  g_assert_true (json_object_get_boolean_member (archived, "archived"));
  shown = crm_test_take_object (OK (f, "deal", "show", str (deal, "id")));
  g_assert_cmpstr (str (shown, "title"), ==, "ТО Volvo FH");
  g_assert_cmpstr (str (shown, "stage"), ==, "Приёмка");
  restored = crm_test_take_object (OK (f, "pipeline", "restore", "Сервис"));
  g_assert_false (json_object_get_boolean_member (restored, "archived"));

  /* archive every pipeline but one: the last one in use stays */
  pipelines = OK (f, "pipelines");
  array = json_node_get_array (pipelines);
  g_assert_cmpuint (json_array_get_length (array), >=, 2);
  for (guint i = 0; i + 1 < json_array_get_length (array); i++)
    json_node_unref (OK (f, "pipeline", "archive",
                         str (json_array_get_object_element (array, i), "id")));
  assert_refused (f, "invalid-input", "last pipeline", "pipeline", "archive",
                  str (json_array_get_object_element (array, json_array_get_length (array) - 1),
                       "name"));
  g_clear_pointer (&pipelines, json_node_unref);
  pipelines = OK (f, "pipelines");
  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!json_object_get_boolean_member (json_array_get_object_element (array, i), "archived"))
      in_use++;
  g_assert_cmpuint (in_use, ==, 1);
}

static void
test_permissions (Fixture       *f,
                  gconstpointer  user_data)
{
  const char *const people[] = { REP, MANAGER };
  g_autoptr(JsonObject) added = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    {
      const char *who = people[i];

      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "tag",
                      "rename", "Volvo", "Вольво");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "tag",
                      "merge", "DAF", "MAN");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who,
                      "pipeline", "add", "Сервис");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who,
                      "pipeline", "archive", "Продажи");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "reason",
                      "add", "--pipeline", "Продажи", "Передумал");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "reason",
                      "remove", "--pipeline", "Продажи", "Дорого");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "tag",
                      "remove", "DAF");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "stage",
                      "add", "--pipeline", "Продажи", "Тест-драйв");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "stage",
                      "set", "--pipeline", "Продажи", "Квалифицирован", "--kind", "lost");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "stage",
                      "remove", "--pipeline", "Продажи", "Квалифицирован", "--move-to",
                      "Новая заявка");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "field",
                      "add", "--entity", "deal", "vin", "--label", "VIN", "--type", "text");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "field",
                      "set", "source", "--entity", "deal", "--hidden", "yes");
      assert_refused (f, "permission-denied", "Only an administrator", "--as", who, "user",
                      "add", "Новый Сотрудник", "--role", "admin");
    }
  added = crm_test_take_object (OK (f, "--as", REP, "tag", "add", "Sitrak", "--group", "brand"));
  g_assert_cmpstr (str (added, "name"), ==, "Sitrak");
}

/* The account's days of full history: a setting administrators change, every replica
 * reads (the horizon crm_store_compact_history() compacts at); a replica's own number
 * comes first; a bad value is refused from any client. */
static void
test_account_history (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = crm_setting_id (CRM_SETTING_HISTORY);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonObject *value = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  shown = crm_test_take_object (OK (f, "account", "show"));
  g_assert_cmpint (json_object_get_int_member (shown, "history_days"), ==,
                   CRM_STORE_HISTORY_KEEP_DAYS);
  g_assert_false (json_object_has_member (shown, "history_days_here"));
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "account", "set", "--history-days", "365"));
  g_assert_cmpint (json_object_get_int_member (shown, "history_days"), ==, 365);

  assert_refused (f, "invalid-input", "from 0 to 36500", "account", "set", "--history-days",
                  "40000");
  assert_refused (f, "permission-denied", "Only an administrator", "--as", REP, "account",
                  "set", "--history-days", "7");
  assert_refused (f, "permission-denied", "Only an administrator", "--as", MANAGER, "account",
                  "set", "--history-days", "7");

  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_store_get_history_keep_days (store), ==, 365);
  /* what a modified client would write: refused by the same check the server makes */
  before = crm_store_dump_state (store, NULL);
  json_object_set_string_member (value, "keep_days", "всегда");
  json_node_take_object (node, value);
  crm_setting_fill (changeset, store, CRM_SETTING_HISTORY, node);
  g_assert_false (crm_store_apply (store, changeset, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "whole number from 0 to 36500"));
  after = crm_store_dump_state (store, NULL);
  g_assert_cmpstr (after, ==, before);
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (store, "setting", id);

    g_assert_nonnull (row);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (row, "value"),
                                                 "keep_days"), ==, 365);
  }

  /* this replica's own number comes first, and is shown beside the account's */
  g_assert_true (crm_store_set_meta (store, "history.keep_days", "30", NULL));
  g_assert_cmpint (crm_store_get_history_keep_days (store), ==, 30);
  g_clear_object (&store);
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "account", "show"));
  g_assert_cmpint (json_object_get_int_member (shown, "history_days"), ==, 365);
  g_assert_cmpint (json_object_get_int_member (shown, "history_days_here"), ==, 30);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/setup/" path, Fixture, NULL, fixture_set_up, func, crm_test_replica_dir_tear_down)
  ADD ("tags", test_tags);
  ADD ("pipelines", test_pipelines);
  ADD ("stages", test_stages);
  ADD ("archive", test_archive);
  ADD ("rename-move", test_rename_move);
  ADD ("account-history", test_account_history);
  ADD ("reasons", test_reasons);
  ADD ("fields", test_fields);
  ADD ("permissions", test_permissions);
#undef ADD
  return g_test_run ();
}
