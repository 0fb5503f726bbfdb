/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-demo.c — realistic demo data for a replica made from the truck-dealer template:
 * transport companies, their people, used trucks and trailers moving through all five
 * pipelines, with tags, fields, loss reasons and tasks (open, done and overdue).
 *
 * Everything comes from one GRand seeded with the caller's seed, and every id is a
 * UUIDv5 of ("demo/<seed>/<kind>/<n>"), so two stores filled with one seed at one pinned
 * clock end up with equal state. The pipelines, stages, reasons, users and tags are read
 * back from the store by SQL, so the demo follows whatever the template applied. */
#define G_LOG_DOMAIN "voronka-demo"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-demo.h"
#include "crm-demo-private.h"
#include "crm-demo-data.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"


static void
demo_stage_free (CrmDemoStage *stage)
{
  g_free (stage->id);
  g_free (stage->name);
  g_free (stage->kind);
  g_free (stage);
}

static void
demo_pipeline_free (CrmDemoPipeline *pipeline)
{
  g_free (pipeline->id);
  g_free (pipeline->name);
  g_ptr_array_unref (pipeline->working);
  g_ptr_array_unref (pipeline->stages);
  g_ptr_array_unref (pipeline->reasons);
  g_free (pipeline);
}

static void
demo_tag_free (CrmDemoTag *tag)
{
  g_free (tag->id);
  g_free (tag->name);
  g_free (tag);
}

static void
demo_contact_free (CrmDemoContact *contact)
{
  g_free (contact->id);
  g_free (contact->company);
  g_free (contact);
}

static void
demo_clear (CrmDemoRun *demo)
{
  g_clear_pointer (&demo->rand, g_rand_free);
  g_clear_pointer (&demo->currency, g_free);
  g_clear_pointer (&demo->admin, g_free);
  g_clear_pointer (&demo->pipelines, g_ptr_array_unref);
  g_clear_pointer (&demo->sales_users, g_ptr_array_unref);
  g_clear_pointer (&demo->purchase_users, g_ptr_array_unref);
  g_clear_pointer (&demo->brands, g_ptr_array_unref);
  g_clear_pointer (&demo->trailers, g_ptr_array_unref);
  g_clear_pointer (&demo->companies, g_ptr_array_unref);
  g_clear_pointer (&demo->contacts, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmDemoRun, demo_clear)

/* ───────────────────────────── reading the template back ───────────────────────── */

static gboolean
finish_rows (CrmDemoRun  *demo,
             int          rc,
             GError     **error)
{
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (demo->store, error, "Could not read the template back");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_pipeline_details (CrmDemoRun       *demo,
                       CrmDemoPipeline  *pipeline,
                       GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (demo->store,
                             "SELECT id, name, kind FROM stage WHERE pipeline = ?1 AND "
                             "deleted = 0 ORDER BY position, id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline->id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmDemoStage *stage = g_new0 (CrmDemoStage, 1);

      stage->id = _crm_sql_dup_column_text (stmt, 0);
      stage->name = _crm_sql_dup_column_text (stmt, 1);
      stage->kind = _crm_sql_dup_column_text (stmt, 2);
      g_ptr_array_add (pipeline->stages, stage);
      if (g_strcmp0 (stage->kind, "won") == 0)
        pipeline->won = stage;
      else if (g_strcmp0 (stage->kind, "lost") == 0)
        pipeline->lost = stage;
      else
        g_ptr_array_add (pipeline->working, stage);
    }
  if (!finish_rows (demo, rc, error))
    return FALSE;

  stmt = _crm_store_prepare (demo->store,
                             "SELECT id FROM loss_reason WHERE pipeline = ?1 AND deleted = 0 "
                             "ORDER BY position, id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline->id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (pipeline->reasons, _crm_sql_dup_column_text (stmt, 0));
  return finish_rows (demo, rc, error);
}

static gboolean
load_pipelines (CrmDemoRun  *demo,
                GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (demo->store,
                             "SELECT id, name FROM pipeline WHERE deleted = 0 "
                             "ORDER BY position, id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmDemoPipeline *pipeline = g_new0 (CrmDemoPipeline, 1);

      pipeline->id = _crm_sql_dup_column_text (stmt, 0);
      pipeline->name = _crm_sql_dup_column_text (stmt, 1);
      pipeline->weight = 10;
      for (guint i = 0; i < G_N_ELEMENTS (pipeline_weights); i++)
        if (g_strcmp0 (pipeline->name, pipeline_weights[i].value) == 0)
          pipeline->weight = pipeline_weights[i].weight;
      pipeline->working = g_ptr_array_new ();
      pipeline->stages = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_stage_free);
      pipeline->reasons = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (demo->pipelines, pipeline);
    }
  if (!finish_rows (demo, rc, error))
    return FALSE;

  /* The statements are cached and reset on prepare: read the list first, then each. */
  for (guint i = 0; i < demo->pipelines->len; i++)
    {
      CrmDemoPipeline *pipeline = g_ptr_array_index (demo->pipelines, i);

      if (!load_pipeline_details (demo, pipeline, error))
        return FALSE;
      if (pipeline->won == NULL || pipeline->lost == NULL || pipeline->working->len == 0 ||
          pipeline->reasons->len == 0)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("Pipeline “%s” lacks working, won or lost stages or loss reasons; "
                         "demo data needs all of them"), pipeline->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_users_and_tags (CrmDemoRun  *demo,
                     GError     **error)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (demo->store,
                             "SELECT id, role, grp FROM \"user\" WHERE deleted = 0 "
                             "ORDER BY name, id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *role = (const char *) sqlite3_column_text (stmt, 1);
      const char *group = (const char *) sqlite3_column_text (stmt, 2);
      char *id = _crm_sql_dup_column_text (stmt, 0);

      if (g_strcmp0 (role, "admin") == 0 && demo->admin == NULL)
        demo->admin = g_strdup (id);
      if (g_strcmp0 (group, "Отдел продаж") == 0)
        g_ptr_array_add (demo->sales_users, id);
      else if (g_strcmp0 (group, "Отдел закупок") == 0)
        g_ptr_array_add (demo->purchase_users, id);
      else
        g_ptr_array_add (others, id);
    }
  if (!finish_rows (demo, rc, error))
    return FALSE;
  /* A template without these departments still gets deals: the rest share them. */
  for (guint i = 0; i < others->len; i++)
    {
      if (demo->sales_users->len == 0)
        g_ptr_array_add (demo->sales_users, g_strdup (g_ptr_array_index (others, i)));
      if (demo->purchase_users->len == 0)
        g_ptr_array_add (demo->purchase_users, g_strdup (g_ptr_array_index (others, i)));
    }

  stmt = _crm_store_prepare (demo->store,
                             "SELECT id, name, grp FROM tag WHERE deleted = 0 "
                             "AND grp IN ('brand', 'trailer') ORDER BY name, id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmDemoTag *tag = g_new0 (CrmDemoTag, 1);

      tag->id = _crm_sql_dup_column_text (stmt, 0);
      tag->name = _crm_sql_dup_column_text (stmt, 1);
      g_ptr_array_add (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), "brand") == 0
                       ? demo->brands : demo->trailers, tag);
    }
  if (!finish_rows (demo, rc, error))
    return FALSE;

  if (demo->admin == NULL || demo->sales_users->len == 0 || demo->brands->len == 0 ||
      demo->trailers->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The replica lacks an admin, users, or brand and trailer tags; demo "
                     "data needs a replica made from the truck-dealer template"));
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_demo_populate (CrmStore              *store,
                   const CrmDemoOptions  *options,
                   GError               **error)
{
  g_auto(CrmDemoRun) demo = { 0 };
  g_autofree char *template = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  template = crm_store_dup_meta (store, "template");
  if (g_strcmp0 (template, "truck-dealer") != 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Demo data is made for the truck-dealer template, but this replica was "
                     "made from %s%s%s"), template ? "“" : "", template ? template : "none",
                   template ? "”" : "");
      return FALSE;
    }

  /* op ids seed the ids of what the rules create: seeded, the same seed gives the
   * same replica */
  crm_store_set_random_seed (store, options->seed);
  demo.store = store;
  demo.seed = options->seed;
  demo.rand = g_rand_new_with_seed (options->seed);
  demo.now = crm_store_get_now (store);
  demo.currency = crm_store_dup_meta (store, "currency");
  if (demo.currency == NULL)
    demo.currency = g_strdup ("RUB");
  demo.pipelines = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_pipeline_free);
  demo.sales_users = g_ptr_array_new_with_free_func (g_free);
  demo.purchase_users = g_ptr_array_new_with_free_func (g_free);
  demo.brands = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_tag_free);
  demo.trailers = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_tag_free);
  demo.companies = g_ptr_array_new_with_free_func (g_free);
  demo.contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_contact_free);
  demo.batch = options->batch > 0 ? options->batch : PEOPLE_PER_CHANGESET;
  demo.progress = options->progress;
  demo.progress_data = options->progress_data;

  if (!load_pipelines (&demo, error) ||
      !load_users_and_tags (&demo, error) ||
      !_crm_demo_add_companies (&demo, options->n_companies, error) ||
      !_crm_demo_add_contacts (&demo, MAX (options->n_contacts, 1), error) ||
      (options->n_deals > 0 &&
       (!_crm_demo_add_deals (&demo, options->n_deals, error) ||
        !_crm_demo_add_missing_next_tasks (&demo, error))))
    return FALSE;

  g_debug ("Demo data: %u companies, %u contacts, %u deals (seed %u)",
           options->n_companies, MAX (options->n_contacts, 1), options->n_deals,
           options->seed);
  return TRUE;
}
