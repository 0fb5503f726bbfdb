/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mass-deals.c — «Создать сделки» (S4-3): one deal per company from a deal template,
 * in one change set; each deal gets its company and the company's responsible. */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-mass-deals.h"
#include "crm-store-private.h"
#include "crm-undo.h"

G_STATIC_ASSERT (CRM_MASS_DEALS_MAX_OPS <= CRM_UNDO_MAX_OPS);

char *
crm_mass_deals_title (const char *pattern,
                      JsonObject *company)
{
  g_autoptr(GString) title = NULL;
  const char *name = NULL;
  const char *inn = NULL;

  g_return_val_if_fail (pattern != NULL, NULL);

  if (company != NULL)
    {
      name = json_object_get_string_member_with_default (company, "name", NULL);
      inn = json_object_get_string_member_with_default (company, "inn", NULL);
    }
  title = g_string_new (pattern);
  g_string_replace (title, "{company}", name != NULL ? name : "", 0);
  g_string_replace (title, "{inn}", inn != NULL ? inn : "", 0);
  return g_strstrip (g_string_free (g_steal_pointer (&title), FALSE));
}

/* The row of @entity @id when it exists and is not deleted; NULL with NOT_FOUND (or the
 * SQLite failure) otherwise. */
static JsonObject *
read_live (CrmStore    *store,
           const char  *entity,
           const char  *id,
           const char  *missing,
           GError     **error)
{
  JsonObject *row = NULL;

  if (!crm_store_read_entity (store, entity, id, &row, error))
    return NULL;
  if (row != NULL && !json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    return row;
  g_clear_pointer (&row, json_object_unref);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, missing, id != NULL ? id : "");
  return NULL;
}

static gboolean
check_spec (CrmStore            *store,
            const CrmMassDeals  *spec,
            GError             **error)
{
  g_autoptr(JsonObject) pipeline = NULL;
  g_autoptr(JsonObject) stage = NULL;
  g_autofree char *pattern = g_strstrip (g_strdup (spec->title != NULL ? spec->title : ""));

  if (*pattern == '\0')
    return crm_error_fail_at (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                              spec->title_place,
                              _("The deals need a title; write one, e.g. «Seminar on 20 March: "
                                "{company}» ({company} becomes each company's name)"));
  pipeline = read_live (store, "pipeline", spec->pipeline_id,
                        /* Translators: %s is a pipeline's id */
                        _("There is no pipeline %s; choose one of the account's pipelines"),
                        error);
  if (pipeline == NULL)
    return FALSE;
  stage = read_live (store, "stage", spec->stage_id,
                     /* Translators: %s is a stage's id */
                     _("There is no stage %s; choose one of the pipeline's stages"), error);
  if (stage == NULL)
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member_with_default (stage, "pipeline", NULL),
                 spec->pipeline_id) != 0)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("The stage «%s» is not a stage of the pipeline «%s»; choose one "
                             "of its stages"),
                           json_object_get_string_member_with_default (stage, "name", ""),
                           json_object_get_string_member_with_default (pipeline, "name", ""));
  return TRUE;
}

CrmChangeset *
crm_mass_deals_build (CrmStore            *store,
                      const CrmMassDeals  *spec,
                      const char          *actor_id,
                      const char * const  *company_ids,
                      GPtrArray          **out_deal_ids,
                      GError             **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) unique = g_ptr_array_new ();
  g_autoptr(GPtrArray) deal_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CrmChangeset) changeset = NULL;
  guint n_tags = 0;
  gint64 now;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  if (!check_spec (store, spec, error))
    return NULL;
  /* a company named twice gets one deal */
  for (guint i = 0; company_ids != NULL && company_ids[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) company_ids[i]))
      g_ptr_array_add (unique, (gpointer) company_ids[i]);
  if (unique->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("No company to create deals for; choose the companies first"));
      return NULL;
    }
  while (spec->tag_ids != NULL && spec->tag_ids[n_tags] != NULL)
    n_tags++;
  /* each deal and each of its tag links is an op: one «Undo» takes back so many */
  if ((guint64) unique->len * (1 + n_tags) > CRM_MASS_DEALS_MAX_OPS)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   ngettext ("%u deals with their tags are more than one change «Undo» takes "
                             "back (at most %d deals and tags); narrow the list with a filter "
                             "and create the deals in parts",
                             "%u deals with their tags are more than one change «Undo» takes "
                             "back (at most %d deals and tags); narrow the list with a filter "
                             "and create the deals in parts",
                             unique->len),
                   unique->len, CRM_MASS_DEALS_MAX_OPS);
      return NULL;
    }

  now = crm_store_get_now (store);
  changeset = crm_changeset_new ();
  for (guint i = 0; i < unique->len; i++)
    {
      const char *company_id = unique->pdata[i];
      g_autoptr(JsonObject) company = NULL;
      g_autofree char *title = NULL;
      const char *responsible;
      CrmChange *change;
      char *id;

      company = read_live (store, "company", company_id,
                           /* Translators: %s is a company's id */
                           _("There is no company %s (deleted meanwhile?); choose the "
                             "companies again"), error);
      if (company == NULL)
        return NULL;
      title = crm_mass_deals_title (spec->title, company);
      if (*title == '\0')
        {
          /* Translators: «{inn}» makes an empty title for ООО Автомир (no INN) */
          crm_error_fail_at (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                             spec->title_place, _("«%s» makes an empty title for %s"),
                             spec->title,
                             json_object_get_string_member_with_default (company, "name",
                                                                         company_id));
          return NULL;
        }
      responsible = json_object_get_string_member_with_default (company, "responsible", NULL);
      if (responsible == NULL)
        responsible = actor_id;

      id = crm_store_new_id (store);
      g_ptr_array_add (deal_ids, id);
      change = crm_changeset_create (changeset, "deal", id);
      crm_change_set_string (change, "title", title);
      crm_change_set_string (change, "pipeline", spec->pipeline_id);
      crm_change_set_string (change, "stage", spec->stage_id);
      if (spec->has_amount)
        crm_change_set_int (change, "amount", spec->amount);
      crm_change_set_string (change, "currency", "RUB");
      if (responsible != NULL)
        crm_change_set_string (change, "responsible", responsible);
      crm_change_set_string (change, "company", company_id);
      crm_change_set_int (change, "created_at", now);
      crm_change_set_int (change, "stage_entered_at", now);
      if (spec->fields != NULL)
        {
          JsonObjectIter iter;
          const char *key;
          JsonNode *value;

          json_object_iter_init (&iter, spec->fields);
          while (json_object_iter_next (&iter, &key, &value))
            crm_change_set_node (change, key, json_node_copy (value));
        }
      for (guint t = 0; spec->tag_ids != NULL && spec->tag_ids[t] != NULL; t++)
        crm_changeset_set_link (changeset, "deal_tag", "deal", id, "tag", spec->tag_ids[t], TRUE);
    }
  if (out_deal_ids != NULL)
    *out_deal_ids = g_steal_pointer (&deal_ids);
  return g_steal_pointer (&changeset);
}
