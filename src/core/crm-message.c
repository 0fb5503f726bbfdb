/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-message.c — messages and message templates (see crm-message.h). Reads with the
 * store's statements; every write is a change set through crm_store_apply(). */
#define G_LOG_DOMAIN "voronka-message"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-message.h"
#include "crm-attachment.h"
#include "crm-changelog-private.h"
#include "crm-merge-private.h"
#include "crm-store-private.h"
#include "crm-sql-private.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-json-private.h"

G_DEFINE_QUARK (crm-message-error-quark, crm_message_error)

static const char *const placeholders[] = {
  "deal.number", "deal.title", "contact.name", "user.name", "company.name", NULL
};

static const char *const channels[] = { "email", "sms", "telegram", NULL };

#define invalid(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, __VA_ARGS__)

gboolean
crm_message_check_placeholders (const char  *text,
                                GError     **error)
{
  const char *p = text;

  while (p != NULL && (p = strchr (p, '{')) != NULL)
    {
      const char *end = strchr (p, '}');
      g_autofree char *name = NULL;

      if (end == NULL)
        break;   /* a lone brace is text */
      name = g_strndup (p + 1, end - p - 1);
      /* only {word.word} or {word} looks like a placeholder; "{ }" or JSON is text */
      if (*name != '\0' && strspn (name, "abcdefghijklmnopqrstuvwxyz_.") == strlen (name) &&
          !g_strv_contains (placeholders, name))
        return invalid (error, _("“{%s}” is not a placeholder; use %s"), name,
                        CRM_MESSAGE_PLACEHOLDERS);
      p = end + 1;
    }
  return TRUE;
}

static char *
query_text (CrmStore   *store,
            const char *sql,
            const char *arg)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  if (arg == NULL || (stmt = _crm_store_prepare (store, sql, NULL)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    value = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

/* query_text() with two arguments. */
static char *
query_text2 (CrmStore   *store,
             const char *sql,
             const char *first,
             const char *second)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  if (first == NULL || second == NULL || (stmt = _crm_store_prepare (store, sql, NULL)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, first, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, second, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    value = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

static char *
deal_first_contact (CrmStore   *store,
                    const char *deal_id)
{
  return query_text (store,
    "SELECT dc.contact FROM deal_contact dc JOIN contact c ON c.id = dc.contact"
    " WHERE dc.deal = ?1 AND dc.present = 1 AND dc.deleted = 0 AND c.deleted = 0"
    " ORDER BY dc.contact LIMIT 1", deal_id);
}

static gboolean
is_contact (CrmStore   *store,
            const char *id)
{
  g_autofree char *found = query_text (store,
    "SELECT id FROM contact WHERE id = ?1 AND deleted = 0", id);

  return found != NULL;
}

/* Replaces @placeholder in @out by @value (NULL: nothing), HTML-escaped when @escape. */
static void
replace_value (GString    *out,
               const char *placeholder,
               const char *value,
               gboolean    escape)
{
  g_autofree char *escaped = escape && value != NULL ? g_markup_escape_text (value, -1) : NULL;

  g_string_replace (out, placeholder, escaped != NULL ? escaped : value != NULL ? value : "", 0);
}

static char *
fill (CrmStore    *store,
      const char  *text,
      const char  *deal_id,
      const char  *recipient_id,
      const char  *author_id,
      gboolean     final,
      gboolean     escape)
{
  g_autoptr(GString) out = g_string_new (text != NULL ? text : "");

  if (strchr (out->str, '{') == NULL)
    return g_string_free (g_steal_pointer (&out), FALSE);
  if (strstr (out->str, "{deal.number}") != NULL)
    {
      g_autofree char *number = query_text (store,
        "SELECT number FROM deal WHERE id = ?1 AND number IS NOT NULL", deal_id);

      if (number != NULL || final)
        replace_value (out, "{deal.number}", number, escape);
    }
  if (strstr (out->str, "{deal.title}") != NULL)
    {
      g_autofree char *title = query_text (store, "SELECT title FROM deal WHERE id = ?1",
                                           deal_id);

      replace_value (out, "{deal.title}", title, escape);
    }
  if (strstr (out->str, "{company.name}") != NULL)
    {
      g_autofree char *name = query_text (store,
        "SELECT c.name FROM deal d JOIN company c ON c.id = d.company WHERE d.id = ?1", deal_id);

      replace_value (out, "{company.name}", name, escape);
    }
  if (strstr (out->str, "{contact.name}") != NULL)
    {
      /* the contact written to, else the deal's first contact */
      g_autofree char *contact = is_contact (store, recipient_id) ? g_strdup (recipient_id)
                                                                   : deal_first_contact (store, deal_id);
      g_autofree char *name = query_text (store, "SELECT name FROM contact WHERE id = ?1",
                                          contact);

      replace_value (out, "{contact.name}", name, escape);
    }
  if (strstr (out->str, "{user.name}") != NULL)
    {
      /* the deal's responsible: the person the client deals with; else the author */
      g_autofree char *user = query_text (store, "SELECT responsible FROM deal WHERE id = ?1",
                                          deal_id);
      g_autofree char *name = query_text (store, "SELECT name FROM \"user\" WHERE id = ?1",
                                          user != NULL ? user : author_id);

      replace_value (out, "{user.name}", name, escape);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
crm_message_fill (CrmStore    *store,
                  const char  *text,
                  const char  *deal_id,
                  const char  *recipient_id,
                  const char  *author_id,
                  gboolean     final)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return fill (store, text, deal_id, recipient_id, author_id, final, FALSE);
}

/* @text with {deal.number} replaced by the deal's number; NULL while it has none. */
static char *
fill_number_only (CrmStore   *store,
                              const char *text,
                              const char *deal_id)
{
  g_autofree char *number = query_text (store,
    "SELECT number FROM deal WHERE id = ?1 AND number IS NOT NULL", deal_id);
  g_autoptr(GString) out = NULL;

  if (number == NULL || strstr (text, "{deal.number}") == NULL)
    return NULL;
  out = g_string_new (text);
  g_string_replace (out, "{deal.number}", number, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- templates --------------------------------------------------------------------------- */

static char *
template_id_by_name (CrmStore   *store,
                     const char *name)
{
  return query_text (store,
    "SELECT id FROM message_template WHERE name = ?1 AND deleted = 0 ORDER BY id LIMIT 1",
    name);
}

gboolean
crm_message_template_lookup (CrmStore    *store,
                             const char  *name,
                             char       **out_channel,
                             char       **out_subject,
                             char       **out_body)
{
  g_autofree char *id = template_id_by_name (store, name);

  if (id == NULL)
    return FALSE;
  *out_channel = query_text (store, "SELECT channel FROM message_template WHERE id = ?1", id);
  *out_subject = query_text (store, "SELECT subject FROM message_template WHERE id = ?1", id);
  *out_body = query_text (store, "SELECT body FROM message_template WHERE id = ?1", id);
  return TRUE;
}

static gboolean
check_channel (const char  *channel,
               GError     **error)
{
  if (channel == NULL || !g_strv_contains (channels, channel))
    return invalid (error, _("“%s” is not a channel; choose email, sms or telegram"),
                    channel != NULL ? channel : "");
  return TRUE;
}

/* The HTML body: bounded, text (UTF-8 without NUL), placeholders known. */
static gboolean
check_html (const char  *name,
            const char  *html,
            GError     **error)
{
  gsize length = strlen (html);

  if (length > CRM_MESSAGE_MAX_HTML_BYTES)
    return invalid (error, _("The HTML body of «%s» is %lld KiB, more than the %d KiB a "
                             "template may have; move pictures and long text into the "
                             "attached file"), name, (long long) ((length + 1023) / 1024),
                    CRM_MESSAGE_MAX_HTML_BYTES / 1024);
  if (!g_utf8_validate (html, length, NULL))
    return invalid (error, _("The HTML body of «%s» is not UTF-8 text; save the file as "
                             "UTF-8"), name);
  return crm_message_check_placeholders (html, error);
}

/* The files @attach are readable and, with each other and the @kept bytes of the files the
 * template keeps, fit CRM_MESSAGE_MAX_ATTACHMENTS_BYTES (checked before anything is
 * copied). */
static gboolean
check_files (const char         *name,
             const char *const  *attach,
             gint64              kept,
             GError            **error)
{
  gint64 total = kept;

  for (guint i = 0; attach != NULL && attach[i] != NULL; i++)
    {
      GStatBuf st;
      g_autofree char *shown = g_filename_display_name (attach[i]);

      if (g_stat (attach[i], &st) != 0 || !S_ISREG (st.st_mode))
        return invalid (error, _("There is no file “%s” to attach to «%s»; give the path of "
                                 "a file"), shown, name);
      total += (gint64) st.st_size;
    }
  if (total > CRM_MESSAGE_MAX_ATTACHMENTS_BYTES)
    {
      g_autofree char *size = g_format_size_full ((guint64) total, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *limit = g_format_size_full (CRM_MESSAGE_MAX_ATTACHMENTS_BYTES,
                                                   G_FORMAT_SIZE_IEC_UNITS);

      return invalid (error, _("The files of «%s» take %s, more than the %s an e-mail may "
                               "carry; make the PDF smaller or put it on a website and "
                               "link to it"), name, size, limit);
    }
  return TRUE;
}

/* Counts the "template" members naming @name anywhere in @node (a rule's definition: its
 * triggers, actions and the actions inside them); with @rename_to, renames them. */
static guint
template_refs (JsonNode   *node,
               const char *name,
               const char *rename_to)
{
  guint found = 0;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        found += template_refs (json_array_get_element (array, i), name, rename_to);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);

          if (g_str_equal (l->data, "template") && JSON_NODE_HOLDS_VALUE (member) &&
              g_strcmp0 (json_node_get_string (member), name) == 0)
            {
              found++;
              if (rename_to != NULL)
                json_object_set_string_member (object, "template", rename_to);
            }
          else
            found += template_refs (member, name, rename_to);
        }
    }
  return found;
}

/* The rules that name the template @name (turned off or on; without @rename_to only those
 * turned on): their names (with @rename_to, their definitions renamed into @changeset).
 * NULL with @error when the rules cannot be read. */
static GPtrArray *
rules_naming_template (CrmStore      *store,
                       const char    *name,
                       const char    *rename_to,
                       CrmChangeset  *changeset,
                       GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    rename_to != NULL
      ? "SELECT id, name, definition FROM rule WHERE deleted = 0 ORDER BY position, name, id"
      : "SELECT id, name, definition FROM rule WHERE deleted = 0 AND enabled = 1"
        " ORDER BY position, name, id",
    error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) definition = json_from_string (
        (const char *) sqlite3_column_text (stmt, 2), NULL);

      if (definition == NULL || template_refs (definition, name, rename_to) == 0)
        continue;
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
      if (rename_to != NULL)
        crm_change_set_node (crm_changeset_touch (changeset, "rule",
                                                  (const char *) sqlite3_column_text (stmt, 0)),
                             "definition", g_steal_pointer (&definition));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the rules");
      return NULL;
    }
  return g_steal_pointer (&names);
}

static char *
existing_template (CrmStore    *store,
                   const char  *name,
                   GError     **error)
{
  char *id = name != NULL ? template_id_by_name (store, name) : NULL;

  if (id == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("There is no message template «%s»; “voronkactl message template list” "
                   "shows them"), name != NULL ? name : "");
  return id;
}

/* Renames the template @id from @name to @new_name in @changeset, with the rules that name
 * it. */
static gboolean
rename_into (CrmStore      *store,
             CrmChangeset  *changeset,
             const char    *id,
             const char    *name,
             const char    *new_name,
             GError       **error)
{
  g_autoptr(GPtrArray) rules = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (new_name != NULL ? new_name : ""));

  if (*stripped == '\0')
    return invalid (error, _("A template needs a name"));
  if (g_str_equal (stripped, name))
    return TRUE;
  if ((taken = template_id_by_name (store, stripped)) != NULL)
    return invalid (error, _("There is already a message template «%s»; choose another name "
                             "or remove that one first"), stripped);
  /* the rules that send it keep sending it */
  if ((rules = rules_naming_template (store, name, stripped, changeset, error)) == NULL)
    return FALSE;
  crm_change_set_string (crm_changeset_touch (changeset, "message_template", id), "name",
                         stripped);
  return TRUE;
}

/* The template's change into @into (the caller applies it; no files to copy then), or
 * into a change set of its own, applied. */
static char *
save_template (CrmStore               *store,
               CrmChangeset           *into,
               const char             *actor_id,
               const CrmTemplateSpec  *spec,
               gboolean                replace_extras,
               GError                **error)
{
  const char *name = spec->name;
  const char *channel = spec->channel;
  const char *subject = spec->subject;
  const char *body = spec->body;
  const char *html = spec->html;
  const char *const *keep = spec->keep;
  const char *const *attach = spec->attach;
  const char *was = spec->was != NULL && *spec->was != '\0' ? spec->was : NULL;
  g_autoptr(CrmChangeset) own = into == NULL ? crm_changeset_new () : NULL;
  CrmChangeset *changeset = into != NULL ? into : own;
  g_autoptr(GArray) stored = g_array_new (FALSE, TRUE, sizeof (CrmAttachmentFile));
  g_autoptr(GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) before = NULL;
  g_autofree char *id = NULL;
  JsonArray *files = NULL;
  CrmChange *change;
  gint64 now = crm_store_get_now (store);
  gint64 kept_bytes = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (into == NULL || attach == NULL, NULL);

  g_array_set_clear_func (stored, (GDestroyNotify) crm_attachment_file_clear);
  if (name == NULL || *g_strstrip (g_strdup (name)) == '\0')
    {
      invalid (error, _("A template needs a name"));
      return NULL;
    }
  if (!check_channel (channel, error))
    return NULL;
  if (body == NULL || *body == '\0')
    {
      invalid (error, _("The template «%s» has no text: give it --body"), name);
      return NULL;
    }
  if (g_str_equal (channel, "email") && (subject == NULL || *subject == '\0'))
    {
      invalid (error, _("The e-mail template «%s» has no subject: give it --subject"), name);
      return NULL;
    }
  if ((subject != NULL && !crm_message_check_placeholders (subject, error)) ||
      !crm_message_check_placeholders (body, error))
    return NULL;

  if (was != NULL && (id = existing_template (store, was, error)) == NULL)
    return NULL;
  if (was == NULL)
    id = template_id_by_name (store, name);
  if (replace_extras && id != NULL)
    {
      if ((before = crm_attachment_list (store, "message_template", id, error)) == NULL)
        return NULL;
      files = json_node_get_array (before);
      for (guint i = 0; i < json_array_get_length (files); i++)
        {
          JsonObject *item = json_array_get_object_element (files, i);

          if (keep != NULL &&
              g_strv_contains (keep, json_object_get_string_member_with_default (item, "id", "")))
            {
              kept_bytes += json_object_get_int_member_with_default (item, "size", 0);
              g_hash_table_add (kept, g_strdup (json_object_get_string_member_with_default (
                                                  item, "hash", "")));
            }
        }
    }
  if (html != NULL && *html == '\0')
    html = NULL;
  if (replace_extras && !g_str_equal (channel, "email") &&
      (html != NULL || (attach != NULL && attach[0] != NULL) || kept_bytes > 0))
    {
      invalid (error, _("Only an e-mail template carries an HTML body or files; «%s» is for "
                        "%s"), name, crm_message_channel_label (channel));
      return NULL;
    }
  if ((html != NULL && !check_html (name, html, error)) ||
      !check_files (name, attach, kept_bytes, error))
    return NULL;

  if (id == NULL)
    {
      id = crm_store_new_id (store);
      change = crm_changeset_create (changeset, "message_template", id);
      crm_change_set_string (change, "name", name);
      crm_change_set_int (change, "created_at", now);
    }
  else
    {
      /* renamed with the rules that name it, in the same change set */
      if (was != NULL && !rename_into (store, changeset, id, was, name, error))
        goto refused;
      change = crm_changeset_touch (changeset, "message_template", id);
    }
  crm_changeset_set_actor (changeset, actor_id);
  crm_change_set_string (change, "channel", channel);
  if (subject != NULL && *subject != '\0')
    crm_change_set_string (change, "subject", subject);
  else
    crm_change_set_null (change, "subject");
  crm_change_set_string (change, "body", body);
  if (replace_extras)
    {
      if (html != NULL)
        crm_change_set_string (change, "html", html);
      else
        crm_change_set_null (change, "html");
      /* the files it gets: the same content already there is the same attachment */
      for (guint i = 0; attach != NULL && attach[i] != NULL; i++)
        {
          CrmAttachmentFile file = { 0 };
          g_autofree char *base = g_path_get_basename (attach[i]);
          g_autofree char *shown = g_filename_display_name (base);
          g_autofree char *attachment_id = NULL;

          if (!crm_attachment_store_file (store, attach[i], &file, error))
            goto refused;
          g_array_append_val (stored, file);
          attachment_id = query_text2 (store,
            "SELECT id FROM attachment WHERE entity = 'message_template' AND entity_id = ?1"
            " AND hash = ?2 AND deleted = 0 ORDER BY id LIMIT 1", id, file.hash);
          if (attachment_id == NULL && !g_hash_table_contains (kept, file.hash))
            {
              attachment_id = crm_store_new_id (store);
              crm_attachment_fill_change (changeset, attachment_id, "message_template", id,
                                          shown, &file, now);
            }
          else if (attachment_id != NULL)
            {
              g_autofree char *was = query_text (store, "SELECT name FROM attachment"
                                                 " WHERE id = ?1", attachment_id);

              if (g_strcmp0 (shown, was) != 0)
                crm_change_set_string (crm_changeset_touch (changeset, "attachment",
                                                            attachment_id), "name", shown);
            }
          g_hash_table_add (kept, g_strdup (file.hash));
        }
      /* those neither kept nor given again go */
      for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
        {
          JsonObject *item = json_array_get_object_element (files, i);

          if (!g_hash_table_contains (kept, json_object_get_string_member_with_default (
                                              item, "hash", "")))
            crm_change_set_bool (crm_changeset_touch (changeset, "attachment",
                                                      json_object_get_string_member (item, "id")),
                                 "deleted", TRUE);
        }
    }
  if (into != NULL || crm_store_apply (store, changeset, error))
    return g_steal_pointer (&id);
refused:
  for (guint i = 0; i < stored->len; i++)
    crm_attachment_discard_file (store, &g_array_index (stored, CrmAttachmentFile, i));
  return NULL;
}

char *
crm_message_template_add (CrmStore    *store,
                          const char  *actor_id,
                          const char  *name,
                          const char  *channel,
                          const char  *subject,
                          const char  *body,
                          GError     **error)
{
  const CrmTemplateSpec spec = { name, channel, subject, body, NULL, NULL, NULL, NULL };

  return save_template (store, NULL, actor_id, &spec, FALSE, error);
}

char *
crm_message_template_save (CrmStore               *store,
                           const char             *actor_id,
                           const CrmTemplateSpec  *spec,
                           GError                **error)
{
  return save_template (store, NULL, actor_id, spec, TRUE, error);
}

char *
crm_message_template_compose (CrmStore               *store,
                              CrmChangeset           *changeset,
                              const CrmTemplateSpec  *spec,
                              GError                **error)
{
  g_autofree char *actor = NULL;

  g_return_val_if_fail (changeset != NULL, NULL);
  g_return_val_if_fail (spec->attach == NULL, NULL);
  /* a copy: the change set's own is set again */
  actor = g_strdup (crm_changeset_get_actor (changeset));
  return save_template (store, changeset, actor, spec, TRUE, error);
}

gboolean
crm_message_template_remove (CrmStore      *store,
                             CrmChangeset  *changeset,
                             const char    *name,
                             GError       **error)
{
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(JsonNode) files = NULL;
  g_autofree char *id = NULL;
  JsonArray *array;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if ((id = existing_template (store, name, error)) == NULL ||
      (rules = rules_naming_template (store, name, NULL, NULL, error)) == NULL)
    return FALSE;
  if (rules->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (rules, NULL);
      joined = g_strjoinv ("», «", (char **) rules->pdata);
      return invalid (error, ngettext ("The rule «%s» sends the template «%s»: change the "
                                       "rule or turn it off first",
                                       "The rules «%s» send the template «%s»: change the "
                                       "rules or turn them off first", rules->len - 1),
                      joined, name);
    }
  if ((files = crm_attachment_list (store, "message_template", id, error)) == NULL)
    return FALSE;
  array = json_node_get_array (files);
  crm_change_set_bool (crm_changeset_touch (changeset, "message_template", id), "deleted", TRUE);
  for (guint i = 0; i < json_array_get_length (array); i++)
    crm_change_set_bool (crm_changeset_touch (changeset, "attachment",
                                              json_object_get_string_member (
                                                json_array_get_object_element (array, i), "id")),
                         "deleted", TRUE);
  return TRUE;
}

gboolean
crm_message_template_rename (CrmStore      *store,
                             CrmChangeset  *changeset,
                             const char    *name,
                             const char    *new_name,
                             GError       **error)
{
  g_autofree char *id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  return (id = existing_template (store, name, error)) != NULL &&
         rename_into (store, changeset, id, name, new_name, error);
}

gboolean
crm_message_template_check_file (CrmStore    *store,
                                 const char  *template_id,
                                 const char  *path,
                                 GError     **error)
{
  g_autofree char *name = NULL;
  g_autofree char *channel = NULL;
  g_autofree char *kept = NULL;
  const char *const attach[] = { path, NULL };

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  name = query_text (store, "SELECT name FROM message_template WHERE id = ?1", template_id);
  channel = query_text (store, "SELECT channel FROM message_template WHERE id = ?1", template_id);
  if (g_strcmp0 (channel, "email") != 0)
    return invalid (error, _("Only an e-mail template carries an HTML body or files; «%s» is for "
                             "%s"), name != NULL ? name : "", crm_message_channel_label (channel));
  kept = query_text (store, "SELECT coalesce (sum (size), 0) FROM attachment"
                     " WHERE entity = 'message_template' AND entity_id = ?1 AND deleted = 0",
                     template_id);
  return check_files (name != NULL ? name : "", attach, g_ascii_strtoll (kept, NULL, 10), error);
}

JsonNode *
crm_message_template_list (CrmStore  *store,
                           GError   **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id, name, channel, subject, body, json_extract (data, '$.html')"
    " FROM message_template WHERE deleted = 0 ORDER BY name, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      _crm_json_set_text_column (item, "id", stmt, 0);
      _crm_json_set_text_column (item, "name", stmt, 1);
      _crm_json_set_text_column (item, "channel", stmt, 2);
      _crm_json_set_text_column (item, "subject", stmt, 3);
      _crm_json_set_text_column (item, "body", stmt, 4);
      _crm_json_set_text_column (item, "html", stmt, 5);
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read message templates");
      return NULL;
    }
  /* the files after the statement: the listing has statements of its own */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);
      JsonNode *files = crm_attachment_list (store, "message_template",
                                             json_object_get_string_member (item, "id"), error);

      if (files == NULL)
        return NULL;
      json_object_set_member (item, "attachments", files);
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, g_steal_pointer (&list));
  return node;
}

gboolean
crm_message_from_template (CrmStore    *store,
                           JsonObject  *message,
                           const char  *template_name)
{
  const char *made_from = json_object_get_string_member_with_default (message, "template_id",
                                                                      NULL);
  g_autofree char *template_id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (made_from == NULL)
    return g_strcmp0 (json_object_get_string_member_with_default (message, "template", NULL),
                      template_name) == 0;
  template_id = template_id_by_name (store, template_name);
  return g_strcmp0 (made_from, template_id) == 0;
}

GHashTable *
crm_message_mailed (CrmStore    *store,
                    const char  *template_name,
                    GError     **error)
{
  g_autoptr(GHashTable) mailed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *template_id = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (template_name != NULL, NULL);

  template_id = template_id_by_name (store, template_name);

  /* by the template's id (it may have been renamed since); a message of before ids by its
   * name */
  stmt = _crm_store_prepare (store,
    "SELECT recipient, max (created_at) FROM message"
    " WHERE deleted = 0 AND deal IS NULL AND channel = 'email' AND status <> 'failed'"
    " AND (json_extract (data, '$.template_id') = ?2"
    "      OR (json_extract (data, '$.template_id') IS NULL"
    "          AND json_extract (data, '$.template') = ?1)) GROUP BY recipient", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, template_name, -1, SQLITE_TRANSIENT);
  _crm_sql_bind_text_or_null (stmt, 2, template_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *recipient = (const char *) sqlite3_column_text (stmt, 0);
      gint64 at = sqlite3_column_int64 (stmt, 1);

      if (recipient != NULL)
        g_hash_table_insert (mailed, g_strdup (recipient), g_memdup2 (&at, sizeof at));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the messages sent");
      return NULL;
    }
  return g_steal_pointer (&mailed);
}

/* --- composing ----------------------------------------------------------------------------- */

static char *recipient_name (CrmStore   *store,
                             const char *recipient);

char *
crm_message_send (CrmStore    *store,
                  const char  *actor_id,
                  const char  *deal_id,
                  const char  *template_name,
                  const char  *subject,
                  const char  *body,
                  const char  *channel,
                  const char  *to_id,
                  GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  id = crm_message_compose (store, changeset, actor_id, deal_id, template_name, subject, body,
                            channel, to_id, error);
  if (id == NULL || !crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&id);
}

char *
crm_message_compose (CrmStore      *store,
                     CrmChangeset  *changeset,
                     const char    *actor_id,
                     const char    *deal_id,
                     const char    *template_name,
                     const char    *subject,
                     const char    *body,
                     const char    *channel,
                     const char    *to_id,
                     GError       **error)
{
  g_autofree char *template_channel = NULL;
  g_autofree char *template_subject = NULL;
  g_autofree char *template_body = NULL;
  g_autofree char *recipient = NULL;
  g_autofree char *filled_subject = NULL;
  g_autofree char *filled_body = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* a message to a contact needs no deal (a mailing to a list, S4-2) */
  if (deal_id != NULL || to_id == NULL)
    title = query_text (store, "SELECT title FROM deal WHERE id = ?1 AND deleted = 0", deal_id);
  if (title == NULL && (deal_id != NULL || to_id == NULL))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no deal %s"), deal_id != NULL ? deal_id : "");
      return NULL;
    }
  if (template_name != NULL)
    {
      g_autofree char *template_id = template_id_by_name (store, template_name);

      if (template_id == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                       _("There is no message template «%s»; “voronkactl message template "
                         "add” makes one"), template_name);
          return NULL;
        }
      crm_message_template_lookup (store, template_name, &template_channel, &template_subject,
                                   &template_body);
      subject = template_subject;
      body = template_body;
      if (channel == NULL)
        channel = template_channel;
    }
  if (channel == NULL)
    channel = "email";
  if (!check_channel (channel, error))
    return NULL;
  if (body == NULL || *body == '\0')
    {
      invalid (error, _("The message has no text: give --body or --template"));
      return NULL;
    }
  if (g_str_equal (channel, "email") && (subject == NULL || *subject == '\0'))
    {
      invalid (error, _("An e-mail needs a subject: give --subject (or a template with one)"));
      return NULL;
    }
  if ((subject != NULL && !crm_message_check_placeholders (subject, error)) ||
      !crm_message_check_placeholders (body, error))
    return NULL;

  if (to_id != NULL)
    {
      g_autofree char *found = query_text (store,
        "SELECT coalesce ((SELECT id FROM contact WHERE id = ?1 AND deleted = 0),"
        " (SELECT id FROM \"user\" WHERE id = ?1 AND deleted = 0))", to_id);

      if (found == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                       _("There is no contact or user %s to write to"), to_id);
          return NULL;
        }
      recipient = g_strdup (to_id);
    }
  else if ((recipient = deal_first_contact (store, deal_id)) == NULL)
    {
      invalid (error, _("The deal «%s» has no contact to write to; add one, or send to a "
                        "colleague with --to"), title);
      return NULL;
    }

  if (g_str_equal (channel, "email"))
    {
      gint64 since = 0;

      if (crm_message_is_unsubscribed (store, recipient, &since))
        {
          g_autofree char *name = recipient_name (store, recipient);
          g_autofree char *when = crm_format_date (since);

          invalid (error, _("%s unsubscribed from e-mails on %s: write by SMS or Telegram, "
                            "or call"), name != NULL ? name : recipient, g_strstrip (when));
          return NULL;
        }
    }

  filled_subject = subject != NULL ? crm_message_fill (store, subject, deal_id, recipient,
                                                       actor_id, FALSE) : NULL;
  filled_body = crm_message_fill (store, body, deal_id, recipient, actor_id, FALSE);
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "message", id);
  crm_changeset_set_actor (changeset, actor_id);
  crm_change_set_string (change, "channel", channel);
  crm_change_set_string (change, "recipient", recipient);
  crm_change_set_string (change, "deal", deal_id);
  if (filled_subject != NULL)
    crm_change_set_string (change, "subject", filled_subject);
  crm_change_set_string (change, "text", filled_body);
  crm_change_set_string (change, "status", "queued");
  if (actor_id != NULL)
    crm_change_set_string (change, "author", actor_id);
  if (template_name != NULL)
    {
      crm_change_set_string (change, "template", template_name);
      crm_message_set_template_parts (store, change, template_name, channel, deal_id,
                                      recipient, actor_id);
    }
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  return g_steal_pointer (&id);
}

void
crm_message_set_template_parts (CrmStore    *store,
                                CrmChange   *change,
                                const char  *template_name,
                                const char  *channel,
                                const char  *deal_id,
                                const char  *recipient_id,
                                const char  *author_id)
{
  g_autofree char *template_id = NULL;
  g_autofree char *html = NULL;
  g_autoptr(JsonNode) files = NULL;
  g_autoptr(JsonArray) parts = json_array_new ();
  JsonNode *node;

  g_return_if_fail (CRM_IS_STORE (store));

  if ((template_id = template_id_by_name (store, template_name)) == NULL)
    return;
  /* which template, whatever it is called later (crm_message_from_template()) */
  crm_change_set_string (change, "template_id", template_id);
  if (g_strcmp0 (channel, "email") != 0)
    return;
  html = query_text (store, "SELECT json_extract (data, '$.html') FROM message_template"
                     " WHERE id = ?1", template_id);
  if (html != NULL)
    {
      g_autofree char *filled = fill (store, html, deal_id, recipient_id, author_id, FALSE,
                                      TRUE);

      crm_change_set_string (change, "html", filled);
    }
  if ((files = crm_attachment_list (store, "message_template", template_id, NULL)) == NULL)
    return;
  /* by content: the message goes once the server has every one of them */
  for (guint i = 0; i < json_array_get_length (json_node_get_array (files)); i++)
    {
      JsonObject *file = json_array_get_object_element (json_node_get_array (files), i);
      JsonObject *part = json_object_new ();

      json_object_set_string_member (part, "name",
                                     json_object_get_string_member_with_default (file, "name", ""));
      json_object_set_string_member (part, "hash",
                                     json_object_get_string_member_with_default (file, "hash", ""));
      json_object_set_int_member (part, "size",
                                  json_object_get_int_member_with_default (file, "size", 0));
      json_object_set_string_member (part, "mime",
                                     json_object_get_string_member_with_default (
                                       file, "mime", "application/octet-stream"));
      json_array_add_object_element (parts, part);
    }
  if (json_array_get_length (parts) == 0)
    return;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, parts);
  crm_change_set_node (change, "attachments", node);
}

/* --- reading -------------------------------------------------------------------------------- */

/* The address of @recipient (contact or user) for @channel: the first e-mail or phone
 * of a contact; a user's "email", "phone" or "telegram_chat_id" field. */
static char *
recipient_address (CrmStore   *store,
                   const char *recipient,
                   const char *channel)
{
  if (g_strcmp0 (channel, "email") == 0)
    return query_text (store,
      "SELECT coalesce ((SELECT json_extract (emails, '$[0]') FROM contact WHERE id = ?1),"
      " (SELECT json_extract (data, '$.email') FROM \"user\" WHERE id = ?1))", recipient);
  if (g_strcmp0 (channel, "sms") == 0)
    return query_text (store,
      "SELECT coalesce ((SELECT json_extract (phones, '$[0]') FROM contact WHERE id = ?1),"
      " (SELECT json_extract (data, '$.phone') FROM \"user\" WHERE id = ?1))", recipient);
  return query_text (store,
    "SELECT coalesce ((SELECT json_extract (data, '$.telegram_chat_id') FROM contact"
    " WHERE id = ?1), (SELECT json_extract (data, '$.telegram_chat_id') FROM \"user\""
    " WHERE id = ?1))", recipient);
}

static char *
recipient_name (CrmStore   *store,
                const char *recipient)
{
  return query_text (store,
    "SELECT coalesce ((SELECT name FROM contact WHERE id = ?1),"
    " (SELECT name FROM \"user\" WHERE id = ?1))", recipient);
}

static JsonNode *list_messages (CrmStore    *store,
                                const char  *deal_id,
                                const char  *recipient_id,
                                GError     **error);

JsonNode *
crm_message_list (CrmStore    *store,
                  const char  *deal_id,
                  GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return list_messages (store, deal_id, NULL, error);
}

JsonNode *
crm_message_list_to (CrmStore    *store,
                     const char  *recipient_id,
                     GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (recipient_id != NULL, NULL);
  return list_messages (store, NULL, recipient_id, error);
}

static JsonNode *
list_messages (CrmStore    *store,
               const char  *deal_id,
               const char  *recipient_id,
               GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT m.id, m.deal, m.channel, m.recipient, m.status, m.text,"
    " json_extract (m.data, '$.subject'), json_extract (m.data, '$.error'),"
    " json_extract (m.data, '$.author'), m.created_at, json_extract (m.data, '$.sent_at'),"
    " json_extract (m.data, '$.opened_at'),"
    " (SELECT json_group_array (json_extract (f.value, '$.name'))"
    "  FROM json_each (m.data, '$.attachments') f)"
    " FROM message m WHERE m.deleted = 0 AND (?1 IS NULL OR m.deal = ?1)"
    " AND (?2 IS NULL OR m.recipient = ?2)"
    " ORDER BY m.created_at DESC, m.id DESC", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  _crm_sql_bind_text_or_null (stmt, 2, recipient_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      _crm_json_set_text_column (item, "id", stmt, 0);
      _crm_json_set_text_column (item, "deal", stmt, 1);
      _crm_json_set_text_column (item, "channel", stmt, 2);
      _crm_json_set_text_column (item, "recipient", stmt, 3);
      _crm_json_set_text_column (item, "status", stmt, 4);
      _crm_json_set_text_column (item, "text", stmt, 5);
      _crm_json_set_text_column (item, "subject", stmt, 6);
      _crm_json_set_text_column (item, "error", stmt, 7);
      _crm_json_set_text_column (item, "author", stmt, 8);
      _crm_json_set_time_column (item, "created_at", stmt, 9);
      _crm_json_set_time_column (item, "sent_at", stmt, 10);
      _crm_json_set_time_column (item, "opened_at", stmt, 11);
      json_object_set_array_member (item, "attachments", _crm_json_array_column (stmt, 12));
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read messages");
      return NULL;
    }
  /* names and addresses after the statement: they read with statements of their own */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);
      const char *recipient = json_object_get_string_member_with_default (item, "recipient", NULL);
      const char *channel = json_object_get_string_member_with_default (item, "channel", NULL);
      g_autofree char *name = recipient_name (store, recipient);
      g_autofree char *address = recipient_address (store, recipient, channel);

      if (name != NULL)
        json_object_set_string_member (item, "recipient_name", name);
      else
        json_object_set_null_member (item, "recipient_name");
      if (address != NULL)
        json_object_set_string_member (item, "to", address);
      else
        json_object_set_null_member (item, "to");
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, g_steal_pointer (&list));
  return node;
}

const char *
crm_message_channel_label (const char *channel)
{
  if (g_strcmp0 (channel, "email") == 0)
    return _("E-mail");
  if (g_strcmp0 (channel, "sms") == 0)
    return _("SMS");
  if (g_strcmp0 (channel, "telegram") == 0)
    return _("Telegram");
  return channel != NULL ? channel : "";
}

char *
crm_message_describe_status (const char *status,
                             const char *reason)
{
  if (g_strcmp0 (status, "queued") == 0)
    /* Translators: a message written here, not yet taken by the server */
    return g_strdup (_("Waiting for the sync"));
  if (g_strcmp0 (status, "sending") == 0)
    return g_strdup (_("Being sent"));
  if (g_strcmp0 (status, "sent") == 0)
    return g_strdup (_("Sent"));
  if (g_strcmp0 (status, "opened") == 0)
    return g_strdup (_("Sent and opened"));
  if (g_strcmp0 (status, "failed") == 0)
    return reason != NULL && *reason != '\0'
           ? g_strdup_printf (_("Not delivered: %s"), reason)
           : g_strdup (_("Not delivered"));
  return g_strdup (status != NULL ? status : "");
}

/* --- delivery --------------------------------------------------------------------------------- */

GPtrArray *
crm_message_list_queued (CrmStore  *store,
                         GError   **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id FROM message WHERE status = 'queued' AND deleted = 0"
    " ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read queued messages");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

void
crm_message_draft_free (CrmMessageDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->id);
  g_free (draft->channel);
  g_free (draft->deal);
  g_free (draft->author);
  g_free (draft->recipient);
  g_free (draft->recipient_name);
  g_free (draft->address);
  g_free (draft->subject);
  g_free (draft->body);
  g_free (draft->html);
  g_clear_pointer (&draft->attachments, json_array_unref);
  g_free (draft->status);
  g_free (draft);
}

CrmMessageDraft *
crm_message_draft_load (CrmStore    *store,
                        const char  *id,
                        GError     **error)
{
  g_autoptr(CrmMessageDraft) draft = g_new0 (CrmMessageDraft, 1);
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *html = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT channel, deal, recipient, status, text, json_extract (data, '$.subject'),"
    " json_extract (data, '$.author'), json_extract (data, '$.html'),"
    " json_extract (data, '$.attachments')"
    " FROM message WHERE id = ?1 AND deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      draft->channel = _crm_sql_dup_column_text (stmt, 0);
      draft->deal = _crm_sql_dup_column_text (stmt, 1);
      draft->recipient = _crm_sql_dup_column_text (stmt, 2);
      draft->status = _crm_sql_dup_column_text (stmt, 3);
      body = _crm_sql_dup_column_text (stmt, 4);
      subject = _crm_sql_dup_column_text (stmt, 5);
      draft->author = _crm_sql_dup_column_text (stmt, 6);
      html = _crm_sql_dup_column_text (stmt, 7);
      draft->attachments = _crm_json_array_column (stmt, 8);
      if (json_array_get_length (draft->attachments) == 0)
        g_clear_pointer (&draft->attachments, json_array_unref);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read a message");
      return NULL;
    }
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no message %s"), id);
      return NULL;
    }
  draft->id = g_strdup (id);
  if (draft->channel == NULL)
    draft->channel = g_strdup ("sms");
  if (draft->author == NULL)
    draft->author = query_text (store, "SELECT responsible FROM deal WHERE id = ?1", draft->deal);
  draft->recipient_name = recipient_name (store, draft->recipient);
  draft->address = recipient_address (store, draft->recipient, draft->channel);
  draft->subject = subject != NULL ? crm_message_fill (store, subject, draft->deal,
                                                       draft->recipient, draft->author, TRUE)
                                   : NULL;
  draft->body = crm_message_fill (store, body, draft->deal, draft->recipient, draft->author,
                                  TRUE);
  draft->html = html != NULL ? fill (store, html, draft->deal, draft->recipient, draft->author,
                                     TRUE, TRUE)
                             : NULL;
  return g_steal_pointer (&draft);
}

gboolean
crm_message_set_status (CrmStore    *store,
                        const char  *id,
                        const char  *status,
                        const char  *reason,
                        GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(CrmMessageDraft) draft = NULL;
  CrmChange *change;
  gint64 now = crm_store_get_now (store);

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if ((draft = crm_message_draft_load (store, id, error)) == NULL)
    return FALSE;
  change = crm_changeset_touch (changeset, "message", id);
  crm_change_set_string (change, "status", status);
  if (reason != NULL)
    crm_change_set_string (change, "error", reason);
  else if (!g_str_equal (status, "opened"))
    crm_change_set_null (change, "error");
  if (g_str_equal (status, "sent"))
    crm_change_set_int (change, "sent_at", now);
  if (g_str_equal (status, "opened"))
    crm_change_set_int (change, "opened_at", now);
  if (g_str_equal (status, "failed") && draft->author != NULL)
    {
      /* the author learns it, with the deal it was about */
      g_autofree char *notification = crm_store_new_id (store);
      g_autofree char *to = draft->recipient_name != NULL ? g_strdup (draft->recipient_name)
                                                          : g_strdup (draft->recipient);
      g_autofree char *text = g_strdup_printf (_("The message to %s was not delivered: %s"),
                                               to != NULL ? to : "?",
                                               reason != NULL ? reason : _("unknown reason"));
      CrmChange *note = crm_changeset_create (changeset, "notification", notification);

      crm_change_set_string (note, "user", draft->author);
      crm_change_set_string (note, "text", text);
      if (draft->deal != NULL)
        crm_change_set_string (note, "deal", draft->deal);
      crm_change_set_bool (note, "read", FALSE);
      crm_change_set_int (note, "created_at", now);
    }
  return crm_store_apply (store, changeset, error);
}

/* --- numbers given by the server ------------------------------------------------------- */

gboolean
crm_message_has_address (CrmStore   *store,
                         const char *recipient_id,
                         const char *channel)
{
  g_autofree char *address = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  address = recipient_address (store, recipient_id, channel);
  return address != NULL && *address != '\0';
}

gboolean
crm_message_fill_deal_number (CrmStore    *store,
                              const char  *deal_id,
                              GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  stmt = _crm_store_prepare (store,
    "SELECT id, text, json_extract (data, '$.subject') FROM message"
    " WHERE deal = ?1 AND deleted = 0 AND status = 'queued'"
    " AND (instr (text, '{deal.number}') > 0"
    "  OR instr (coalesce (json_extract (data, '$.subject'), ''), '{deal.number}') > 0)"
    " ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
      g_ptr_array_add (texts, _crm_sql_dup_column_text (stmt, 1));
      g_ptr_array_add (subjects, _crm_sql_dup_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the messages waiting for a deal number");
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(CrmOp) op = crm_op_new ();
      g_autofree char *text = NULL;
      g_autofree char *subject = NULL;
      const char *message_text = texts->pdata[i];
      const char *message_subject = subjects->pdata[i];

      /* only the number: the rest was filled when the message was composed */
      text = message_text != NULL ? fill_number_only (store, message_text, deal_id)
                                  : NULL;
      subject = message_subject != NULL ? fill_number_only (store, message_subject,
                                                                        deal_id)
                                        : NULL;
      if (text == NULL && subject == NULL)
        continue;   /* no number yet */
      op->op_id = crm_store_new_id (store);
      op->hlc = _crm_store_next_hlc (store);
      op->device = g_strdup (crm_store_get_device_id (store));
      op->entity = g_strdup ("message");
      op->entity_id = g_strdup (ids->pdata[i]);
      if (text != NULL)
        json_object_set_string_member (op->fields, "text", text);
      if (subject != NULL)
        json_object_set_string_member (op->fields, "subject", subject);
      if (!_crm_store_merge_op (store, op, TRUE, NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* --- unsubscribing (S4-9) ---------------------------------------------------------------- */

gboolean
crm_message_is_unsubscribed (CrmStore   *store,
                             const char *recipient_id,
                             gint64     *out_since)
{
  g_autofree char *since = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  since = query_text (store,
    "SELECT coalesce (json_extract (data, '$.unsubscribed_at'), 0) FROM contact"
    " WHERE id = ?1 AND json_extract (data, '$.unsubscribed') = 1", recipient_id);
  if (since == NULL)
    return FALSE;
  if (out_since != NULL)
    *out_since = g_ascii_strtoll (since, NULL, 10);
  return TRUE;
}

gboolean
crm_message_unsubscribe (CrmStore    *store,
                         const char  *message_id,
                         char       **out_name,
                         GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *recipient = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  recipient = query_text (store,
    "SELECT m.recipient FROM message m JOIN contact c ON c.id = m.recipient"
    " WHERE m.id = ?1 AND c.deleted = 0", message_id);
  if (recipient == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("The message %s went to no contact of this account"), message_id);
      return FALSE;
    }
  if (out_name != NULL)
    *out_name = recipient_name (store, recipient);
  if (crm_message_is_unsubscribed (store, recipient, NULL))
    return TRUE;   /* once is enough: the first date stays */
  change = crm_changeset_touch (changeset, "contact", recipient);
  crm_change_set_bool (change, "unsubscribed", TRUE);
  crm_change_set_int (change, "unsubscribed_at", crm_store_get_now (store));
  return crm_store_apply (store, changeset, error);
}

gboolean
crm_message_mark_opened (CrmStore    *store,
                         const char  *message_id,
                         gboolean    *out_changed,
                         GError     **error)
{
  g_autofree char *status = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;
  status = query_text (store, "SELECT status FROM message WHERE id = ?1 AND deleted = 0",
                       message_id);
  if (status == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no message %s"), message_id);
      return FALSE;
    }
  /* only a mail that went out can be opened; the first opening counts */
  if (!g_str_equal (status, "sent") && !g_str_equal (status, "sending"))
    return TRUE;
  if (!crm_message_set_status (store, message_id, "opened", NULL, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = TRUE;
  return TRUE;
}

/* --- the server's channels and mailboxes, as the app may know them ----------------------- */

static char *
transport_setting_id (void)
{
  return crm_uuid_v5 (CRM_UUID_NAMESPACE, "setting/" CRM_MESSAGE_TRANSPORT_KEY);
}

gboolean
crm_message_publish_transport (CrmStore    *store,
                               JsonObject  *state,
                               gboolean    *out_changed,
                               GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = transport_setting_id ();
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonNode *current;
  JsonNode *value;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;
  row = crm_store_dup_entity (store, "setting", id);
  current = row != NULL ? json_object_get_member (row, "value") : NULL;
  if (current != NULL && JSON_NODE_HOLDS_OBJECT (current))
    before = crm_json_object_to_canonical (json_node_get_object (current));
  after = crm_json_object_to_canonical (state);
  if (g_strcmp0 (before, after) == 0)
    return TRUE;   /* the same: no op, nothing to sync */
  change = crm_changeset_touch (changeset, "setting", id);
  value = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (value, state);
  crm_change_set_string (change, "key", CRM_MESSAGE_TRANSPORT_KEY);
  crm_change_set_node (change, "value", value);
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = TRUE;
  return TRUE;
}

JsonObject *
crm_message_dup_transport (CrmStore *store)
{
  g_autofree char *id = transport_setting_id ();
  g_autoptr(JsonObject) row = NULL;
  JsonNode *value;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  row = crm_store_dup_entity (store, "setting", id);
  value = row != NULL ? json_object_get_member (row, "value") : NULL;
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value) ||
      json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    return NULL;
  return json_object_ref (json_node_get_object (value));
}
