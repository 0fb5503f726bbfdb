/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mass-deals.c — «Создать сделки» in core (S4-3, crm-mass-deals.h) on a real replica
 * of the event-organizer template: titles from the pattern ({company}, {inn}), a company
 * named twice getting one deal, each deal with its company's responsible, the stage, tags,
 * amount and fields; the change set undone at once; today's event closed as won by the
 * template's rule; and the refusals (an empty pattern, a pattern empty for a company, a
 * stage unknown or of another pipeline, a deleted company, more deals and tags than one
 * «Undo» takes back) writing nothing. */
#include "config.h"

#include <string.h>

#include "crm-mass-deals.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-template.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-undo.h"

/* 2026-03-02T10:00:00Z */
#define NOW G_GINT64_CONSTANT (1772445600000)
#define TODAY G_GINT64_CONSTANT (1772409600000)

typedef struct {
  char     *dir;
  CrmStore *store;
  char     *admin;
  char     *oleg;
  char     *ksenia;
  char     *automir;   /* Олег Ильин's, INN 7701234567 */
  char     *diler;     /* nobody's, no INN */
  char     *novikov;   /* Ксения Гусева's */
  char     *events;
  char     *unsorted;
  char     *invited;
  char     *seminar;
} Fixture;

static char *
add_company (Fixture    *f,
             const char *name,
             const char *responsible,
             const char *inn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  char *id = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "company", id);

  crm_change_set_string (change, "name", name);
  if (responsible != NULL)
    crm_change_set_string (change, "responsible", responsible);
  if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  crm_changeset_set_actor (changeset, f->admin);
  g_assert_true (crm_store_apply (f->store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = crm_template_load ("event-organizer", &error);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  f->dir = crm_test_make_tmpdir ();
  path = g_build_filename (f->dir, "events.db", NULL);
  f->store = crm_store_create (path, &error);
  g_assert_no_error (error);
  crm_store_set_now (f->store, NOW);
  g_assert_true (crm_template_apply (f->store, root, &error));
  g_assert_no_error (error);
  f->admin = crm_test_resolve (f->store, "user", "admin", NULL);
  f->oleg = crm_test_resolve (f->store, "user", "Олег Ильин", NULL);
  f->ksenia = crm_test_resolve (f->store, "user", "Ксения Гусева", NULL);
  f->events = crm_test_resolve (f->store, "pipeline", "Мероприятия", NULL);
  f->unsorted = crm_test_resolve (f->store, "stage", "Неразобранное", f->events);
  f->invited = crm_test_resolve (f->store, "stage", "Приглашение отправлено", f->events);
  f->seminar = crm_test_resolve (f->store, "tag", "Семинар", NULL);
  g_assert_nonnull (f->admin);
  g_assert_nonnull (f->invited);
  g_assert_nonnull (f->seminar);
  f->automir = add_company (f, "ООО Автомир", f->oleg, "7701234567");
  f->diler = add_company (f, "АО Дилер Плюс", NULL, NULL);
  f->novikov = add_company (f, "ИП Новиков", f->ksenia, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->admin);
  g_free (f->oleg);
  g_free (f->ksenia);
  g_free (f->automir);
  g_free (f->diler);
  g_free (f->novikov);
  g_free (f->events);
  g_free (f->unsorted);
  g_free (f->invited);
  g_free (f->seminar);
}

static gint64
n_deals (Fixture *f)
{
  return crm_test_count_sql (f->store, "SELECT count(*) FROM deal WHERE deleted = 0", NULL);
}

static gint64
n_ops (Fixture *f)
{
  return crm_test_count_sql (f->store, "SELECT count(*) FROM changelog", NULL);
}

/* Builds and applies as the admin; the new deals' ids. */
static GPtrArray *
create (Fixture            *f,
        const CrmMassDeals *spec,
        const char * const *companies)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  GPtrArray *ids = NULL;

  changeset = crm_mass_deals_build (f->store, spec, f->admin, companies, &ids, &error);
  g_assert_no_error (error);
  g_assert_nonnull (changeset);
  crm_changeset_set_actor (changeset, f->admin);
  g_assert_true (crm_store_apply (f->store, changeset, &error));
  g_assert_no_error (error);
  return ids;
}

static gboolean
has_tag (JsonObject *deal,
         const char *name)
{
  JsonArray *tags = json_object_get_array_member (deal, "tags");

  for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
    if (g_strcmp0 (json_array_get_string_element (tags, i), name) == 0)
      return TRUE;
  return FALSE;
}

static JsonObject *
deal (Fixture    *f,
      const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = crm_query_deal (f->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
test_pattern (Fixture       *f,
              gconstpointer  data)
{
  const char *tags[] = { f->seminar, NULL };
  /* Автомир twice: one deal */
  const char *companies[] = { f->automir, f->diler, f->automir, f->novikov, NULL };
  g_autoptr(JsonObject) fields = json_object_new ();
  CrmMassDeals spec = {
    .pipeline_id = f->events, .stage_id = f->invited,
    .title = "  Семинар «Автобосс»: {company} {inn} ", .has_amount = TRUE, .amount = 1500000,
    .tag_ids = tags, .fields = fields,
  };
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(JsonObject) automir = NULL;
  g_autoptr(JsonObject) diler = NULL;
  g_autoptr(JsonObject) novikov = NULL;
  g_autofree char *change_set = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *values;

  json_object_set_int_member (fields, "event_date", NOW + 10 * CRM_MS_PER_DAY);
  ids = create (f, &spec, companies);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpint (n_deals (f), ==, 3);
  change_set = crm_store_dup_last_change_set (f->store);

  automir = deal (f, ids->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (automir, "title"), ==,
                   "Семинар «Автобосс»: ООО Автомир 7701234567");
  g_assert_cmpstr (json_object_get_string_member (automir, "responsible"), ==, "Олег Ильин");
  g_assert_cmpstr (json_object_get_string_member (automir, "company"), ==, "ООО Автомир");
  g_assert_cmpstr (json_object_get_string_member (automir, "stage"), ==, "Приглашение отправлено");
  g_assert_true (has_tag (automir, "Семинар"));
  values = json_object_get_object_member (automir, "fields");
  g_assert_cmpint (json_object_get_int_member (values, "event_date"), ==, NOW + 10 * CRM_MS_PER_DAY);
  /* no INN: the pattern's {inn} is nothing, the title trimmed */
  diler = deal (f, ids->pdata[1]);
  g_assert_cmpstr (json_object_get_string_member (diler, "title"), ==,
                   "Семинар «Автобосс»: АО Дилер Плюс");
  /* nobody's company: the deal is the actor's */
  g_assert_cmpstr (json_object_get_string_member (diler, "responsible"), ==, "admin");
  novikov = deal (f, ids->pdata[2]);
  g_assert_cmpstr (json_object_get_string_member (novikov, "responsible"), ==, "Ксения Гусева");
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count(*) FROM deal WHERE amount = 1500000",
                                       NULL), ==, 3);

  /* one undo takes all three back */
  g_assert_nonnull (change_set);
  g_assert_true (crm_store_undo_change_set (f->store, change_set, f->admin, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_deals (f), ==, 0);
  g_assert_cmpint (crm_test_count_sql (f->store,
                                       "SELECT count(*) FROM deal_tag WHERE present = 1 AND deleted = 0", NULL),
                   ==, 0);
}

/* The template's rule: an event deal whose date is today, with its guest count, is won
 * as it is created; another day's stays where it was put. */
static void
test_today_won (Fixture       *f,
                gconstpointer  data)
{
  const char *today_companies[] = { f->automir, f->diler, NULL };
  const char *later_companies[] = { f->novikov, NULL };
  g_autoptr(JsonObject) fields = json_object_new ();
  CrmMassDeals spec = {
    .pipeline_id = f->events, .stage_id = f->unsorted, .title = "Семинар сегодня: {company}",
    .fields = fields,
  };
  g_autoptr(GPtrArray) today = NULL;
  g_autoptr(GPtrArray) later = NULL;
  g_autoptr(JsonObject) open = NULL;

  json_object_set_int_member (fields, "event_date", TODAY);
  json_object_set_int_member (fields, "guest_count", 3);
  today = create (f, &spec, today_companies);
  for (guint i = 0; i < today->len; i++)
    {
      g_autoptr(JsonObject) won = deal (f, today->pdata[i]);

      g_assert_cmpstr (json_object_get_string_member (won, "stage"), ==, "Успешно реализовано");
      g_assert_cmpstr (json_object_get_string_member (won, "stage_kind"), ==, "won");
    }
  json_object_set_int_member (fields, "event_date", TODAY + 2 * CRM_MS_PER_DAY);
  spec.title = "Семинар в среду: {company}";
  later = create (f, &spec, later_companies);
  open = deal (f, later->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (open, "stage"), ==, "Неразобранное");
  g_assert_cmpint (n_deals (f), ==, 3);
}

/* A refusal builds nothing and the replica stays as it was. */
static void
assert_refused (Fixture            *f,
                const CrmMassDeals *spec,
                const char * const *companies,
                gint                code,
                const char         *words1,
                const char         *words2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  GPtrArray *ids = NULL;
  gint64 ops = n_ops (f);

  changeset = crm_mass_deals_build (f->store, spec, f->admin, companies, &ids, &error);
  g_assert_null (changeset);
  g_assert_null (ids);
  g_assert_error (error, CRM_STORE_ERROR, code);
  if (strstr (error->message, words1) == NULL || (words2 != NULL && strstr (error->message, words2) == NULL))
    g_error ("expected «%s» and «%s» in «%s»", words1, words2, error->message);
  g_assert_cmpint (n_ops (f), ==, ops);
  g_assert_cmpint (n_deals (f), ==, 0);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  const char *all[] = { f->automir, f->diler, f->novikov, NULL };
  const char *none[] = { NULL };
  g_autofree char *consulting = crm_test_resolve (f->store, "pipeline", "Консалтинг", NULL);
  g_autofree char *other_stage = crm_test_resolve (f->store, "stage", "Новая заявка", consulting);
  g_autofree char *unknown = crm_store_new_id (f->store);
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
  CrmMassDeals spec = {
    .pipeline_id = f->events, .stage_id = f->unsorted, .title = "   ", .title_place = "--title",
  };

  /* an empty pattern */
  assert_refused (f, &spec, all, CRM_STORE_ERROR_INVALID_INPUT, "--title: ", "need a title");
  /* a pattern that makes nothing for a company without an INN names it */
  spec.title = "{inn}";
  assert_refused (f, &spec, all, CRM_STORE_ERROR_INVALID_INPUT,
                  "--title: «{inn}» makes an empty title for", "АО Дилер Плюс");
  spec.title = "Семинар: {company}";
  /* an unknown stage, a stage of another pipeline, an unknown pipeline */
  spec.stage_id = unknown;
  assert_refused (f, &spec, all, CRM_STORE_ERROR_NOT_FOUND, "There is no stage", unknown);
  spec.stage_id = other_stage;
  assert_refused (f, &spec, all, CRM_STORE_ERROR_INVALID_INPUT, "«Новая заявка»", "«Мероприятия»");
  spec.stage_id = f->unsorted;
  spec.pipeline_id = unknown;
  assert_refused (f, &spec, all, CRM_STORE_ERROR_NOT_FOUND, "There is no pipeline", NULL);
  spec.pipeline_id = f->events;
  /* no company; an unknown one; one deleted meanwhile */
  assert_refused (f, &spec, none, CRM_STORE_ERROR_INVALID_INPUT, "No company", NULL);
  {
    const char *missing[] = { f->automir, unknown, NULL };

    assert_refused (f, &spec, missing, CRM_STORE_ERROR_NOT_FOUND, "There is no company", unknown);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (crm_store_delete (f->store, "company", f->diler, f->admin, NULL, &error));
    g_assert_no_error (error);
    assert_refused (f, &spec, all, CRM_STORE_ERROR_NOT_FOUND, "There is no company", f->diler);
  }
  /* more than one «Undo» takes back: 501 deals with a tag each are 1 002 ops */
  for (guint i = 0; i < 501; i++)
    g_ptr_array_add (many, crm_store_new_id (f->store));
  g_ptr_array_add (many, NULL);
  {
    const char *tags[] = { f->seminar, NULL };

    spec.tag_ids = tags;
    assert_refused (f, &spec, (const char * const *) many->pdata, CRM_STORE_ERROR_INVALID_INPUT,
                    "501 deals with their tags", "in parts");
    spec.tag_ids = NULL;
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/mass-deals/pattern", Fixture, NULL, fixture_set_up, test_pattern, fixture_tear_down);
  g_test_add ("/mass-deals/today-won", Fixture, NULL, fixture_set_up, test_today_won, fixture_tear_down);
  g_test_add ("/mass-deals/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  return g_test_run ();
}
