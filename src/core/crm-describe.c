/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-describe.c — records as a person reads them (see crm-describe.h): field labels,
 * values with names instead of ids, entities, and conflicts and rejected changes. */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-describe.h"
#include "crm-format.h"
#include "crm-query-board.h"
#include "crm-time.h"
#include "crm-json.h"

/* The built-in fields people may meet in a conflict, by name (any entity). */
static const struct {
  const char *field;
  const char *label;
} builtin_fields[] = {
  { "title", N_("Title") },
  { "name", N_("Name") },
  { "amount", N_("Amount") },
  { "currency", N_("Currency") },
  { "pipeline", N_("Pipeline") },
  { "stage", N_("Stage") },
  { "stage_entered_at", N_("Entered the stage") },
  { "responsible", N_("Responsible") },
  { "company", N_("Company") },
  { "contact", N_("Contact") },
  { "deal", N_("Deal") },
  { "loss_reason", N_("Loss reason") },
  { "source", N_("Source") },
  { "number", N_("Number") },
  { "created_at", N_("Created") },
  { "deleted", N_("Deleted") },
  { "phones", N_("Phones") },
  { "emails", N_("E-mails") },
  { "inn", N_("INN") },
  { "text", N_("Text") },
  { "type", N_("Type") },
  { "due", N_("Due") },
  { "done", N_("Done") },
  { "done_at", N_("Done at") },
  { "result", N_("Result") },
  { "checklist", N_("Checklist") },
  { "enabled", N_("Enabled") },
  { "definition", N_("Definition") },
  { "role", N_("Role") },
  { "label", N_("Label") },
  { "position", N_("Position") },
  { "hidden", N_("Hidden") },
  { "read", N_("Read") },
  { "status", N_("Status") },
};

/* Fields that hold the id of another entity, and which. */
static const struct {
  const char *field;
  const char *entity;
} reference_fields[] = {
  { "stage", "stage" },
  { "pipeline", "pipeline" },
  { "responsible", "user" },
  { "user", "user" },
  { "author", "user" },
  { "requested_by", "user" },
  { "approver", "user" },
  { "company", "company" },
  { "other", "company" },
  { "contact", "contact" },
  { "deal", "deal" },
  { "loss_reason", "loss_reason" },
  { "tag", "tag" },
};

/* Fields that hold a time (UTC ms). */
static const char *const time_fields[] = {
  "created_at", "stage_entered_at", "due", "done_at", NULL
};

/* The custom field @key of @entity (a `field` entity), or NULL. */
static JsonObject *
dup_custom_field (CrmStore   *store,
                  const char *entity,
                  const char *key)
{
  g_autoptr(JsonArray) fields = crm_query_fields (store, entity, NULL);

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);

      if (g_strcmp0 (crm_json_string (field, "key"), key) == 0)
        return json_object_ref (field);
    }
  return NULL;
}

/* What people call the entity @id (its name, title or text), or NULL. */
static char *
dup_name (CrmStore   *store,
          const char *entity,
          const char *id)
{
  g_autoptr(JsonObject) object = NULL;
  const char *members[] = { "name", "title", "label", "text", NULL };

  if (entity == NULL || id == NULL)
    return NULL;
  object = crm_store_dup_entity (store, entity, id);
  for (guint i = 0; object != NULL && members[i] != NULL; i++)
    if (crm_json_string (object, members[i]) != NULL)
      return g_strdup (crm_json_string (object, members[i]));
  return NULL;
}

char *
crm_describe_field (CrmStore   *store,
                    const char *entity,
                    const char *field)
{
  g_autoptr(JsonObject) custom = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  /* an administrator's label wins: the template may label a built-in column too */
  custom = dup_custom_field (store, entity, field);
  if (crm_json_string (custom, "label") != NULL)
    return g_strdup (crm_json_string (custom, "label"));
  for (guint i = 0; i < G_N_ELEMENTS (builtin_fields); i++)
    if (g_str_equal (builtin_fields[i].field, field))
      return g_strdup (_(builtin_fields[i].label));
  return g_strdup (field);
}

static char *
yes_no (gboolean value)
{
  return g_strdup (value ? _("yes") : _("no"));
}

/* The currency of the deal @entity_id, "RUB" when there is none. */
static char *
dup_currency (CrmStore   *store,
              const char *entity,
              const char *entity_id)
{
  g_autoptr(JsonObject) object = entity_id != NULL
                                 ? crm_store_dup_entity (store, entity, entity_id) : NULL;
  const char *currency = crm_json_string (object, "currency");

  return g_strdup (currency != NULL ? currency : "RUB");
}

/* An array of strings (phones, e-mails) joined by commas; phones formatted. */
static char *
describe_list (JsonArray *array,
               gboolean   phones)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *item = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        item = phones ? crm_format_phone (json_node_get_string (node))
                      : g_strdup (json_node_get_string (node));
      else
        item = json_to_string (node, FALSE);
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", item);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : g_strdup ("—");
}

char *
crm_describe_value (CrmStore   *store,
                    const char *entity,
                    const char *entity_id,
                    const char *field,
                    JsonNode   *value)
{
  g_autoptr(JsonObject) custom = NULL;
  const char *type = NULL;
  GType kind;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("—");
  if (JSON_NODE_HOLDS_ARRAY (value))
    return describe_list (json_node_get_array (value), g_str_equal (field, "phones"));
  if (!JSON_NODE_HOLDS_VALUE (value))
    return json_to_string (value, FALSE);
  kind = json_node_get_value_type (value);
  if (kind == G_TYPE_BOOLEAN)
    return yes_no (json_node_get_boolean (value));

  custom = dup_custom_field (store, entity, field);
  type = crm_json_string (custom, "type");
  if (kind == G_TYPE_INT64)
    {
      gint64 number = json_node_get_int (value);

      if (g_strcmp0 (type, "money") == 0 || (type == NULL && g_str_equal (field, "amount")))
        {
          g_autofree char *currency = dup_currency (store, entity, entity_id);

          return crm_format_money (number, currency);
        }
      if (g_strcmp0 (type, "date") == 0)
        return crm_format_date (number);
      if (type == NULL && g_strv_contains (time_fields, field))
        return crm_format_date_time (number);
      if (type == NULL && g_str_equal (field, "size"))
        return g_format_size ((guint64) MAX (number, 0));
      return g_strdup_printf ("%" G_GINT64_FORMAT, number);
    }
  if (kind == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (value);

      for (guint i = 0; type == NULL && i < G_N_ELEMENTS (reference_fields); i++)
        if (g_str_equal (reference_fields[i].field, field))
          {
            g_autofree char *name = NULL;

            if (g_str_equal (reference_fields[i].entity, "deal"))
              return crm_describe_entity (store, "deal", text);
            name = dup_name (store, reference_fields[i].entity, text);
            /* an id this replica does not know: shown as it is, never hidden */
            return name != NULL ? g_steal_pointer (&name) : g_strdup (text);
          }
      if (g_strcmp0 (type, "phone") == 0 || (type == NULL && g_str_equal (field, "phone")))
        return crm_format_phone (text);
      return g_strdup (text);
    }
  return json_to_string (value, FALSE);
}

/* The deal of a link entity (deal_tag, deal_contact), and what it links. */
static gboolean
link_parts (CrmStore    *store,
            const char  *entity,
            const char  *entity_id,
            char       **out_deal,
            char       **out_label)
{
  g_autoptr(JsonObject) link = NULL;
  g_autofree char *name = NULL;

  if (g_strcmp0 (entity, "deal_tag") != 0 && g_strcmp0 (entity, "deal_contact") != 0)
    return FALSE;
  link = crm_store_dup_entity (store, entity, entity_id);
  if (link == NULL)
    return FALSE;
  if (g_str_equal (entity, "deal_tag"))
    {
      name = dup_name (store, "tag", crm_json_string (link, "tag"));
      /* Translators: a tag on a deal, as a field in the list of conflicts */
      *out_label = g_strdup_printf (_("Tag «%s»"), name != NULL ? name : "?");
    }
  else
    {
      name = dup_name (store, "contact", crm_json_string (link, "contact"));
      /* Translators: a contact of a deal, as a field in the list of conflicts */
      *out_label = g_strdup_printf (_("Contact «%s»"), name != NULL ? name : "?");
    }
  *out_deal = g_strdup (crm_json_string (link, "deal"));
  return TRUE;
}

char *
crm_describe_entity (CrmStore   *store,
                     const char *entity,
                     const char *entity_id)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (entity == NULL)
    return g_strdup ("?");
  if (link_parts (store, entity, entity_id, &deal, &label))
    return crm_describe_entity (store, "deal", deal);
  object = entity_id != NULL ? crm_store_dup_entity (store, entity, entity_id) : NULL;
  if (g_str_equal (entity, "deal"))
    {
      const char *title = crm_json_string (object, "title");
      JsonNode *number = object != NULL ? json_object_get_member (object, "number") : NULL;

      if (title == NULL)
        return g_strdup (_("A deal"));
      if (number != NULL && JSON_NODE_HOLDS_VALUE (number) &&
          json_node_get_value_type (number) == G_TYPE_INT64)
        /* Translators: a deal's number and title: "Deal #12 «MAN TGX for Sever»" */
        return g_strdup_printf (_("Deal #%lld «%s»"), (long long) json_node_get_int (number),
                                title);
      return g_strdup_printf (_("Deal «%s»"), title);
    }
  if (g_str_equal (entity, "approval") && object != NULL)
    {
      const char *kind = crm_json_string (object, "kind");
      const char *about = crm_json_string (object, "entity_id");

      if (g_strcmp0 (kind, "discount") == 0)
        {
          g_autofree char *brand = about ? dup_name (store, "tag", about) : NULL;

          /* Translators: a discount approval, by its brand */
          return g_strdup_printf (_("Discount approval for %s"), brand ? brand : "?");
        }
      else
        {
          g_autoptr(JsonObject) deal_row = about ? crm_store_dup_entity (store, "deal", about) : NULL;

          /* Translators: an invoice approval, by its deal's title */
          return g_strdup_printf (_("Invoice approval of «%s»"),
                                  crm_json_string_or (deal_row, "title", "?"));
        }
    }
  name = dup_name (store, entity, entity_id);
  if (name == NULL)
    /* an entity this replica no longer has: its kind and the start of its id */
    return g_strdup_printf ("%s %.8s", entity, entity_id != NULL ? entity_id : "");
  if (g_str_equal (entity, "contact"))
    return g_strdup_printf (_("Contact «%s»"), name);
  if (g_str_equal (entity, "company"))
    return g_strdup_printf (_("Company «%s»"), name);
  if (g_str_equal (entity, "task"))
    return g_strdup_printf (_("Task «%s»"), name);
  if (g_str_equal (entity, "note"))
    return g_strdup_printf (_("Note «%s»"), name);
  if (g_str_equal (entity, "rule"))
    return g_strdup_printf (_("Rule «%s»"), name);
  if (g_str_equal (entity, "stage"))
    return g_strdup_printf (_("Stage «%s»"), name);
  if (g_str_equal (entity, "pipeline"))
    return g_strdup_printf (_("Pipeline «%s»"), name);
  if (g_str_equal (entity, "field"))
    return g_strdup_printf (_("Field «%s»"), name);
  if (g_str_equal (entity, "user"))
    return g_strdup_printf (_("User «%s»"), name);
  if (g_str_equal (entity, "attachment"))
    return g_strdup_printf (_("File «%s»"), name);
  return g_strdup_printf ("«%s»", name);
}

/* "2026-12-05T14:05:00.000Z" → "5 Dec 2026, 14:05" in local time, or NULL. */
static char *
local_time_text (JsonObject *record,
                 const char *member)
{
  const char *iso = crm_json_string (record, member);
  gint64 ms = 0;

  if (iso == NULL || !crm_time_parse (iso, &ms))
    return NULL;
  return crm_format_date_time (ms);
}

static gboolean
is_closed_stage (CrmStore *store,
                 JsonNode *value)
{
  g_autoptr(JsonObject) stage = NULL;
  const char *kind;

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_STRING)
    return FALSE;
  stage = crm_store_dup_entity (store, "stage", json_node_get_string (value));
  kind = stage != NULL ? crm_json_string (stage, "kind") : NULL;
  return g_strcmp0 (kind, "won") == 0 || g_strcmp0 (kind, "lost") == 0;
}

/* A deal's stage: another device's close kept over this device's move elsewhere. */
static gboolean
closed_over_move (CrmStore   *store,
                  const char *entity,
                  const char *field,
                  JsonObject *record)
{
  return g_strcmp0 (entity, "deal") == 0 && g_strcmp0 (field, "stage") == 0 &&
         is_closed_stage (store, json_object_get_member (record, "remote")) &&
         !is_closed_stage (store, json_object_get_member (record, "local"));
}

/* ---- a decision on an approval another device made first (issue 16) ---- */

/* The last decided step of an approval's "steps" @value: its index, or -1. */
static gint
last_decided (JsonNode    *value,
              JsonObject **out_step)
{
  JsonArray *steps = value != NULL && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value)
                                                                    : NULL;

  for (gint i = steps != NULL ? (gint) json_array_get_length (steps) - 1 : -1; i >= 0; i--)
    {
      JsonNode *node = json_array_get_element (steps, (guint) i);
      JsonObject *step = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (crm_json_string (step, "decision") != NULL)
        {
          *out_step = step;
          return i;
        }
    }
  return -1;
}

static JsonObject *
step_at (JsonNode *value,
         gint      index)
{
  JsonArray *steps = value != NULL && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value)
                                                                    : NULL;
  JsonNode *node;

  if (steps == NULL || index < 0 || (guint) index >= json_array_get_length (steps))
    return NULL;
  node = json_array_get_element (steps, (guint) index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static char *
decider_name (CrmStore   *store,
              JsonObject *step)
{
  const char *id = crm_json_string (step, "decided_by");
  g_autoptr(JsonObject) user = id != NULL ? crm_store_dup_entity (store, "user", id) : NULL;
  const char *name = crm_json_string (user, "name");

  return g_strdup (name != NULL ? name : id != NULL ? id : "—");
}

static char *
decided_when (JsonObject *step)
{
  JsonNode *node = step != NULL ? json_object_get_member (step, "decided_at") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return NULL;
  return crm_format_date_time (json_node_get_int (node));
}

/* "approved by Татьяна Николаева, 4 Dec 2026, 11:30 («comment»)" */
static char *
decision_text (CrmStore   *store,
               JsonObject *step)
{
  g_autofree char *who = decider_name (store, step);
  g_autofree char *when = decided_when (step);
  const char *comment = crm_json_string (step, "comment");
  g_autofree char *text = NULL;

  if (step == NULL || crm_json_string (step, "decision") == NULL)
    return g_strdup ("—");
  text = g_str_equal (crm_json_string (step, "decision"), "approved")
         /* Translators: a decision on an approval's step: who, when */
         ? g_strdup_printf (_("approved by %s, %s"), who, when != NULL ? when : "—")
         /* Translators: a decision on an approval's step: who, when */
         : g_strdup_printf (_("rejected by %s, %s"), who, when != NULL ? when : "—");
  if (comment != NULL && *comment != '\0')
    /* Translators: a decision and its comment */
    return g_strdup_printf (_("%s («%s»)"), text, comment);
  return g_steal_pointer (&text);
}

/* The one record of a request the server refused: its approvers (the chain the laptop's
 * settings chose) are not the ones the server's settings choose now — an administrator
 * changed them meanwhile. The request is not re-evaluated (the approvers could differ
 * from what the rep was shown): it is asked again. */
static gboolean
describe_refused_request (CrmStore   *store,
                          JsonObject *record,
                          char      **out_label,
                          char      **out_local,
                          char      **out_remote)
{
  JsonNode *local = json_object_get_member (record, "local");
  JsonArray *steps = local != NULL && JSON_NODE_HOLDS_ARRAY (local) ? json_node_get_array (local)
                                                                    : NULL;
  g_autoptr(GString) chain = g_string_new (NULL);

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonNode *node = json_array_get_element (steps, i);
      JsonObject *step = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *id = crm_json_string (step, "approver");
      g_autoptr(JsonObject) user = id != NULL ? crm_store_dup_entity (store, "user", id) : NULL;
      const char *name = crm_json_string (user, "name");

      if (chain->len > 0)
        g_string_append (chain, " → ");
      g_string_append (chain, name != NULL ? name : id != NULL ? id : "—");
    }
  /* Translators: what a refused approval request was about: who was to decide it */
  *out_label = g_strdup (_("approvers"));
  *out_local = g_strdup (chain->len > 0 ? chain->str : "—");
  *out_remote = g_strdup ("—");
  crm_json_set_string_or_null (record, "reason",
                               _("The server did not take this approval request: the "
                                 "account's approval settings changed before it arrived, so "
                                 "other people decide it now. Nothing was asked of anyone: "
                                 "request it again (the deal's «Request Approval…», or "
                                 "“voronkactl approval request”) to see who decides now"));
  return TRUE;
}

/* The one record of a decision refused because the step was decided on another device:
 * which step, the decision that stands, this device's, and why in words. */
static gboolean
describe_refused_decision (CrmStore   *store,
                           JsonObject *record,
                           char      **out_label,
                           char      **out_local,
                           char      **out_remote)
{
  JsonObject *mine = NULL;
  JsonObject *kept;
  gint index;
  g_autofree char *who = NULL;
  g_autofree char *when = NULL;
  g_autofree char *reason = NULL;

  if (g_strcmp0 (crm_json_string (record, "entity"), "approval") != 0 ||
      g_strcmp0 (crm_json_string (record, "field"), "steps") != 0)
    return FALSE;
  if (g_strcmp0 (crm_json_string (record, "code"), "permission-denied") == 0)
    return describe_refused_request (store, record, out_label, out_local, out_remote);
  if (g_strcmp0 (crm_json_string (record, "code"), "already-decided") != 0)
    return FALSE;
  index = last_decided (json_object_get_member (record, "local"), &mine);
  if (index < 0)
    return FALSE;
  kept = step_at (json_object_get_member (record, "remote"), index);
  /* Translators: what a refused change was about: the step of an approval */
  *out_label = g_strdup_printf (_("decision on step %d"), index + 1);
  *out_local = decision_text (store, mine);
  *out_remote = decision_text (store, kept);
  if (kept != NULL && crm_json_string (kept, "decision") != NULL)
    {
      who = decider_name (store, kept);
      when = decided_when (kept);
      /* the same words the laptop's and the server's check give (crm-approval.c) */
      reason = g_strdup_printf (_("Step %d of this approval was already decided on another device: "
                                  "%s %s it on %s. Your decision was not recorded"),
                                index + 1, who,
                                g_str_equal (crm_json_string (kept, "decision"), "approved")
                                ? C_("approval step", "approved") : C_("approval step", "rejected"),
                                when != NULL ? when : "—");
      crm_json_set_string_or_null (record, "reason", reason);
    }
  return TRUE;
}

void
crm_describe_conflict (CrmStore   *store,
                       JsonObject *record)
{
  const char *entity = crm_json_string (record, "entity");
  const char *entity_id = crm_json_string (record, "entity_id");
  const char *field = crm_json_string (record, "field");
  gboolean rejected = g_strcmp0 (crm_json_string (record, "kind"), "rejected") == 0;
  g_autofree char *deal = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *label = NULL;
  g_autofree char *local = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *by = NULL;
  g_autofree char *when = local_time_text (record, "when");
  g_autofree char *local_when = local_time_text (record, "local_when");
  g_autofree char *heading = NULL;
  g_autofree char *kept_line = NULL;
  g_autofree char *yours_line = NULL;

  g_return_if_fail (CRM_IS_STORE (store));
  g_return_if_fail (record != NULL);

  if (field == NULL)
    field = "";
  if (link_parts (store, entity, entity_id, &deal, &label))
    {
      JsonNode *mine = json_object_get_member (record, "local");
      JsonNode *kept = json_object_get_member (record, "remote");

      subject = crm_describe_entity (store, "deal", deal);
      /* a link's one field, "present": attached or not */
      local = mine != NULL && JSON_NODE_HOLDS_VALUE (mine)
              ? g_strdup (json_node_get_boolean (mine) ? C_("deal link", "attached") : C_("deal link", "removed"))
              : g_strdup ("—");
      remote = kept != NULL && JSON_NODE_HOLDS_VALUE (kept)
               ? g_strdup (json_node_get_boolean (kept) ? C_("deal link", "attached") : C_("deal link", "removed"))
               : g_strdup ("—");
    }
  else if (describe_refused_decision (store, record, &label, &local, &remote))
    subject = crm_describe_entity (store, entity, entity_id);
  else
    {
      subject = crm_describe_entity (store, entity, entity_id);
      label = crm_describe_field (store, entity, field);
      local = crm_describe_value (store, entity, entity_id, field,
                                  json_object_get_member (record, "local"));
      remote = crm_describe_value (store, entity, entity_id, field,
                                   json_object_get_member (record, "remote"));
    }
  if (rejected)
    by = g_strdup (_("the server"));
  else
    {
      const char *who = crm_json_string (record, "who");

      by = g_strdup (who != NULL && *who != '\0' ? who : _("another device"));
    }

  /* Translators: a conflict's heading: what was edited · which field */
  heading = g_strdup_printf (_("%s · %s"), subject, label);
  if (rejected)
    /* Translators: the value the server kept when it refused a change */
    kept_line = g_strdup_printf (_("Kept: %s — the server's value"), remote);
  else if (when != NULL)
    /* Translators: the value that won a conflict — who set it, when (local time) */
    kept_line = g_strdup_printf (_("Kept: %s — %s, %s"), remote, by, when);
  else
    kept_line = g_strdup_printf (_("Kept: %s — %s"), remote, by);
  if (rejected)
    /* Translators: your value the server refused — when you made it */
    yours_line = local_when != NULL ? g_strdup_printf (_("Yours, refused: %s — %s"), local, local_when)
                                    : g_strdup_printf (_("Yours, refused: %s"), local);
  else
    /* Translators: your value that lost the conflict and was set aside — when you made it */
    yours_line = local_when != NULL ? g_strdup_printf (_("Yours, set aside: %s — %s"), local, local_when)
                                    : g_strdup_printf (_("Yours, set aside: %s"), local);

  /* a move that lost to a close made at the same time reads as the refusal of a move
   * to a closed deal does */
  if (!rejected && crm_json_string (record, "reason") == NULL &&
      closed_over_move (store, entity, field, record))
    crm_json_set_string_or_null (record, "reason",
                                 _("The deal is already closed: it was won or lost on another "
                                   "device at the same time, and a close wins over a move made "
                                   "without knowing of it"));

  crm_json_set_string_or_null (record, "subject", subject);
  crm_json_set_string_or_null (record, "field_label", label);
  crm_json_set_string_or_null (record, "local_text", local);
  crm_json_set_string_or_null (record, "remote_text", remote);
  crm_json_set_string_or_null (record, "by", by);
  crm_json_set_string_or_null (record, "when_text", when);
  crm_json_set_string_or_null (record, "local_when_text", local_when);
  crm_json_set_string_or_null (record, "heading", heading);
  crm_json_set_string_or_null (record, "kept_line", kept_line);
  crm_json_set_string_or_null (record, "yours_line", yours_line);
}

/* --- one change, as the history words it ----------------------------------------------- */

static char *
change_dup_name (CrmStore   *store,
                 const char *entity,
                 const char *id,
                 const char *member)
{
  g_autoptr(JsonObject) object = id != NULL ? crm_store_dup_entity (store, entity, id) : NULL;

  return object != NULL ? g_strdup (json_object_get_string_member_with_default (object, member, ""))
                        : NULL;
}

/* Changed fields as `voronkactl conflicts` and the sync popover word them: «Сумма: 5 200 000 ₽;
 * Ответственный: Ольга»; @fallback when none is worth a word. */
static char *
change_describe_fields (CrmStore   *store,
                        const char *entity,
                        const char *id,
                        JsonObject *fields,
                        const char *fallback)
{
  g_autoptr(GString) changed = g_string_new (NULL);
  g_autoptr(GList) names = json_object_get_members (fields);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *value = NULL;
      g_autofree char *label = NULL;

      if (g_str_equal (name, "stage_entered_at") || g_str_equal (name, "pipeline") ||
          g_str_equal (name, "created_at"))
        continue;
      label = crm_describe_field (store, entity, name);
      value = crm_describe_value (store, entity, id, name,
                                  json_object_get_member (fields, name));
      g_string_append_printf (changed, "%s%s: %s", changed->len > 0 ? "; " : "", label, value);
    }
  if (changed->len == 0)
    return g_strdup (fallback);
  return g_string_free (g_steal_pointer (&changed), FALSE);
}

static char *
change_describe_deal (CrmStore   *store,
                      const char *deal_id,
                      JsonObject *fields)
{
  const char *stage_id = crm_json_string (fields, "stage");

  if (json_object_has_member (fields, "created_at") && json_object_has_member (fields, "title"))
    return g_strdup (_("Deal created"));
  if (stage_id != NULL)
    {
      g_autofree char *stage_name = change_dup_name (store, "stage", stage_id, "name");
      g_autofree char *pipeline_id = change_dup_name (store, "stage", stage_id, "pipeline");
      g_autofree char *pipeline = change_dup_name (store, "pipeline", pipeline_id, "name");
      g_autofree char *reason = crm_json_string (fields, "loss_reason") != NULL
                                ? change_dup_name (store, "loss_reason", crm_json_string (fields, "loss_reason"), "name")
                                : NULL;

      if (reason != NULL)
        /* Translators: a deal closed as lost: the stage and the loss reason */
        return g_strdup_printf (_("Moved to «%s»: %s"), stage_name ? stage_name : "?", reason);
      if (json_object_has_member (fields, "pipeline") && pipeline != NULL)
        return g_strdup_printf (_("Moved to «%s» in «%s»"), stage_name ? stage_name : "?",
                                pipeline);
      return g_strdup_printf (_("Moved to «%s»"), stage_name ? stage_name : "?");
    }
  if (crm_json_string (fields, "loss_reason") != NULL)
    {
      g_autofree char *reason = change_dup_name (store, "loss_reason",
                                          crm_json_string (fields, "loss_reason"), "name");

      return g_strdup_printf (_("Loss reason: %s"), reason != NULL ? reason : "?");
    }
  return change_describe_fields (store, "deal", deal_id, fields, _("Deal changed"));
}

/* A contact's or company's own change: created, or its fields as they now read. */
static char *
change_describe_party (CrmStore   *store,
                       const char *entity,
                       const char *id,
                       JsonObject *fields)
{
  gboolean contact = g_str_equal (entity, "contact");

  if (json_object_has_member (fields, "created_at") && json_object_has_member (fields, "name"))
    return g_strdup (contact ? _("Contact created") : _("Company created"));
  return change_describe_fields (store, entity, id, fields,
                          contact ? _("Contact changed") : _("Company changed"));
}

/* A call's op: only what a person notices (it rang, it was answered, it was missed);
 * NULL for the bookkeeping in between (the recording, the end of an answered call). */
static char *
change_describe_call (CrmStore   *store,
                      const char *id,
                      JsonObject *fields)
{
  const char *status = crm_json_string (fields, "status");
  g_autofree char *direction = change_dup_name (store, "call", id, "direction");
  g_autofree char *from = change_dup_name (store, "call", id, "from");
  g_autofree char *to = change_dup_name (store, "call", id, "to");
  const char *number = g_strcmp0 (direction, "outgoing") == 0 ? to : from;
  g_autofree char *phone = crm_format_phone (number != NULL ? number : "");

  if (g_strcmp0 (status, "ringing") == 0)
    return g_strcmp0 (direction, "outgoing") == 0
           ? g_strdup_printf (_("Call to %s"), phone)
           : g_strdup_printf (_("Incoming call from %s"), phone);
  if (g_strcmp0 (status, "answered") == 0)
    return g_strdup (_("Call answered"));
  if (g_strcmp0 (status, "missed") == 0)
    return g_strdup_printf (_("Missed call from %s"), phone);
  if (g_strcmp0 (status, "voicemail") == 0)
    return g_strdup_printf (_("Voicemail from %s"), phone);
  return NULL;
}

char *
crm_describe_change (CrmStore   *store,
                     const char *entity,
                     const char *id,
                     JsonObject *fields)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (fields == NULL || entity == NULL)
    return g_strdup ("");
  if (g_str_equal (entity, "notification"))
    {
      g_autofree char *user = change_dup_name (store, "user", crm_json_string (fields, "user"), "name");

      /* Translators: a notification a rule leaves: whom, and its text */
      return g_strdup_printf (_("Notification to %s: %s"), user != NULL ? user : "?",
                              crm_json_string_or (fields, "text", ""));
    }
  if (g_str_equal (entity, "message"))
    {
      const char *text = crm_json_string (fields, "text");

      if (json_object_has_member (fields, "created_at") || text != NULL)
        /* Translators: a message queued for the client: the channel, the text */
        return g_strdup_printf (_("Message by %s: %s"),
                                crm_json_string_or (fields, "channel", "?"),
                                text != NULL ? text : "");
    }
  if (g_str_equal (entity, "deal"))
    return change_describe_deal (store, id, fields);
  if (g_str_equal (entity, "contact") || g_str_equal (entity, "company"))
    return change_describe_party (store, entity, id, fields);
  if (g_str_equal (entity, "call"))
    {
      char *text = change_describe_call (store, id, fields);

      return text != NULL ? text : g_strdup ("");
    }
  if (g_str_equal (entity, "task"))
    {
      g_autofree char *stored = change_dup_name (store, "task", id, "text");
      const char *text = crm_json_string_or (fields, "text", stored);
      JsonNode *done = json_object_get_member (fields, "done");
      JsonNode *due = json_object_get_member (fields, "due");

      if (text == NULL)
        text = "";
      if (json_object_has_member (fields, "created_at"))
        return g_strdup_printf (_("Task «%s» added"), text);
      if (done != NULL && JSON_NODE_HOLDS_VALUE (done) && json_node_get_boolean (done))
        {
          const char *result = crm_json_string (fields, "result");

          if (result != NULL)
            return g_strdup_printf (_("Task «%s» completed: %s"), text, result);
          return g_strdup_printf (_("Task «%s» completed"), text);
        }
      if (due != NULL && JSON_NODE_HOLDS_VALUE (due) && json_node_get_value_type (due) == G_TYPE_INT64)
        {
          g_autofree char *when = crm_format_date (json_node_get_int (due));

          return g_strdup_printf (_("Task «%s» moved to %s"), text, g_strstrip (when));
        }
      if (json_object_has_member (fields, "checklist"))
        return g_strdup_printf (_("Checklist of «%s» updated"), text);
      return g_strdup_printf (_("Task «%s» changed"), text);
    }
  if (g_str_equal (entity, "deal_tag") || g_str_equal (entity, "deal_contact"))
    {
      gboolean tag = g_str_equal (entity, "deal_tag");
      g_autofree char *other = NULL;
      JsonNode *present = json_object_get_member (fields, "present");
      gboolean added = present == NULL || !JSON_NODE_HOLDS_VALUE (present) ||
                       json_node_get_boolean (present);
      const char *other_id = crm_json_string (fields, tag ? "tag" : "contact");
      g_autofree char *stored = NULL;

      if (other_id == NULL)
        other_id = stored = change_dup_name (store, entity, id, tag ? "tag" : "contact");
      other = change_dup_name (store, tag ? "tag" : "contact", other_id, "name");
      if (tag)
        return g_strdup_printf (added ? _("Tag «%s» added") : _("Tag «%s» removed"),
                                other != NULL ? other : "?");
      return g_strdup_printf (added ? _("Contact «%s» attached") : _("Contact «%s» detached"),
                              other != NULL ? other : "?");
    }
  if (g_str_equal (entity, "note"))
    {
      g_autofree char *stored = change_dup_name (store, "note", id, "text");
      const char *text = crm_json_string_or (fields, "text", stored);
      JsonNode *deleted = json_object_get_member (fields, "deleted");

      if (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted) && json_node_get_boolean (deleted))
        return g_strdup_printf (_("Note removed: %s"), text != NULL ? text : "");
      if (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted))
        /* an undone removal */
        return g_strdup_printf (_("Note restored: %s"), text != NULL ? text : "");
      if (json_object_has_member (fields, "created_at"))
        return g_strdup (text != NULL ? text : "");
      return g_strdup_printf (_("Note changed: %s"), text != NULL ? text : "");
    }
  if (g_str_equal (entity, "attachment"))
    {
      g_autofree char *stored = change_dup_name (store, "attachment", id, "name");
      const char *name = crm_json_string_or (fields, "name", stored);
      JsonNode *deleted = json_object_get_member (fields, "deleted");

      if (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted) && json_node_get_boolean (deleted))
        return g_strdup_printf (_("File «%s» removed"), name != NULL ? name : "?");
      if (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted))
        /* an undone removal */
        return g_strdup_printf (_("File «%s» restored"), name != NULL ? name : "?");
      return g_strdup_printf (_("File «%s» attached"), name != NULL ? name : "?");
    }
  return g_strdup_printf (_("%s changed"), entity);
}
