/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-request.c — requests from outside (e-mail): contacts by normalized e-mail, the
 * deal, contact and note of one request in one change set, and the senders of requests
 * closed as spam. */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "crm-request.h"
#include "crm-attachment.h"
#include "crm-query.h"
#include "crm-error-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-uuid.h"

char *
crm_email_normalize (const char *text)
{
  g_autofree char *copy = NULL;
  g_autofree char *lower = NULL;
  char *address;
  gsize len;
  const char *at;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;
  copy = g_strstrip (g_strdup (text));
  address = copy;
  if (g_ascii_strncasecmp (address, "mailto:", 7) == 0)
    address += 7;
  len = strlen (address);
  if (len >= 2 && address[0] == '<' && address[len - 1] == '>')
    {
      address[len - 1] = '\0';
      address++;
    }
  address = g_strstrip (address);
  at = strchr (address, '@');
  if (at == NULL || at == address || strchr (at + 1, '@') != NULL || at[1] == '\0' ||
      strchr (at + 1, '.') == NULL || at[1] == '.' || address[strlen (address) - 1] == '.' ||
      strpbrk (address, " \t\r\n,;<>()[]\"\\") != NULL)
    return NULL;
  /* an ASCII address (nearly all) lowers the same byte by byte, without the Unicode
   * tables: an import of 100 000 contacts does this for every one */
  lower = g_str_is_ascii (address) ? g_ascii_strdown (address, -1) : g_utf8_strdown (address, -1);
  if (strlen (lower) > 254)
    return NULL;
  return g_steal_pointer (&lower);
}

/* @text with LIKE's wildcards and the escape character escaped. */
static char *
like_pattern (const char *text)
{
  GString *out = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');
  return g_string_free (out, FALSE);
}

static gboolean
emails_contain (JsonArray  *emails,
                const char *email)
{
  for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
    {
      JsonNode *node = json_array_get_element (emails, i);
      g_autofree char *normal = NULL;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      normal = crm_email_normalize (json_node_get_string (node));
      if (normal != NULL && g_str_equal (normal, email))
        return TRUE;
    }
  return FALSE;
}

char *
crm_query_contact_by_email (CrmStore    *store,
                            const char  *email,
                            GError     **error)
{
  g_autofree char *pattern = NULL;
  sqlite3_stmt *stmt;
  char *found = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  /* LIKE narrows the contacts to those whose e-mails mention the address (ASCII case
   * folded); each candidate's addresses are then compared normalized */
  pattern = like_pattern (email);
  stmt = _crm_store_prepare (store,
    "SELECT id, emails FROM contact WHERE deleted = 0 AND emails LIKE ?1 ESCAPE '\\'"
    " ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  while (found == NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonArray) emails = _crm_json_array_column (stmt, 1);

      if (emails_contain (emails, email))
        found = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  if (found == NULL && rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "find a contact by e-mail");
  sqlite3_reset (stmt);
  return found;
}

char *
crm_request_deal_id (const char *key)
{
  g_autofree char *name = g_strconcat ("request:", key, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

/* @text cut to at most @max_chars characters. */
static char *
cut_chars (const char *text,
           glong       max_chars)
{
  if (g_utf8_strlen (text, -1) <= max_chars)
    return g_strdup (text);
  return g_utf8_substring (text, 0, max_chars);
}

/* A one-line text: control characters and line breaks become spaces, runs of blanks
 * one space. */
static char *
one_line (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean blank = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          blank = out->len > 0;
          continue;
        }
      if (blank)
        g_string_append_c (out, ' ');
      blank = FALSE;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* The note's text: at most @max_bytes of UTF-8 (an op's fields are bounded, and JSON
 * escapes may double what control characters take), cut at a character and said so. */
static char *
note_text (const char *text,
           gsize       max_bytes)
{
  const char *end;
  GString *out;

  if (strlen (text) <= max_bytes)
    return g_strdup (text);
  end = g_utf8_find_prev_char (text, text + max_bytes);
  out = g_string_new_len (text, end != NULL ? end - text : 0);
  g_string_append (out, "\n…\n");
  g_string_append (out, _("(The e-mail was longer; the rest is in the mailbox.)"));
  return g_string_free (out, FALSE);
}

#define TITLE_MAX_CHARS 250
#define NOTE_MAX_BYTES  (40 * 1024)

/* Keeps @file's bytes in the replica's attachments folder (through a file of its name in
 * a private folder, so the type is guessed from the name and the bytes alike). */
static gboolean
store_request_file (CrmStore             *store,
                    const CrmRequestFile *file,
                    CrmAttachmentFile    *out,
                    GError              **error)
{
  g_autofree char *dir = g_dir_make_tmp ("voronka-request-XXXXXX", error);
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  gboolean ok;

  if (dir == NULL)
    return FALSE;
  base = g_path_get_basename (file->name != NULL && *file->name != '\0' ? file->name
                                                                       : "file");
  if (g_str_equal (base, ".") || g_str_equal (base, "..") || g_str_equal (base, G_DIR_SEPARATOR_S))
    {
      g_free (base);
      base = g_strdup ("file");
    }
  path = g_build_filename (dir, base, NULL);
  ok = g_file_set_contents_full (path, g_bytes_get_data (file->data, NULL),
                                 (gssize) g_bytes_get_size (file->data),
                                 G_FILE_SET_CONTENTS_NONE, 0600, error) &&
       crm_attachment_store_file (store, path, out, error);
  g_unlink (path);
  g_rmdir (dir);
  return ok;
}

char *
crm_request_take (CrmStore          *store,
                  const CrmRequest  *request,
                  gboolean          *out_created,
                  char             **out_contact_id,
                  gboolean          *out_new_contact,
                  GError           **error)
{
  g_autofree char *deal_id = NULL;
  g_autofree char *note_id = NULL;
  g_autofree char *contact_id = NULL;
  g_autofree char *note_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) stored = NULL;
  gboolean new_contact = FALSE;
  gint64 at;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (request != NULL && request->key != NULL, NULL);
  g_return_val_if_fail (request->pipeline_id != NULL && request->stage_id != NULL, NULL);
  g_return_val_if_fail (request->sender_email != NULL, NULL);

  if (out_created != NULL)
    *out_created = FALSE;
  if (out_new_contact != NULL)
    *out_new_contact = FALSE;
  deal_id = crm_request_deal_id (request->key);
  existing = crm_store_dup_entity (store, "deal", deal_id);
  if (existing != NULL)
    {
      /* taken before (a retried check, a mailbox read again): nothing to write */
      if (out_contact_id != NULL)
        *out_contact_id = crm_query_contact_by_email (store, request->sender_email, NULL);
      return g_steal_pointer (&deal_id);
    }

  at = request->received_at > 0 ? request->received_at : crm_store_get_now (store);
  if (at <= 0)
    at = g_get_real_time () / 1000;
  changeset = crm_changeset_new ();

  contact_id = crm_query_contact_by_email (store, request->sender_email, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (contact_id == NULL)
    {
      g_autofree char *contact_name = g_strconcat ("request-contact:", request->sender_email,
                                                   NULL);
      g_autoptr(JsonObject) taken = NULL;
      JsonArray *emails = json_array_new ();
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      /* two checks taking mail of one new sender at once make the same contact */
      contact_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, contact_name);
      taken = crm_store_dup_entity (store, "contact", contact_id);
      if (taken != NULL)
        {
          /* that contact's address was changed since: a new one */
          g_free (contact_id);
          contact_id = crm_store_new_id (store);
        }
      name = request->sender_name != NULL ? one_line (request->sender_name) : NULL;
      if (name == NULL || *name == '\0')
        {
          g_free (name);
          name = g_strdup (request->sender_email);
        }
      json_array_add_string_element (emails, request->sender_email);
      json_node_take_array (node, emails);
      change = crm_changeset_create (changeset, "contact", contact_id);
      {
        g_autofree char *cut = cut_chars (name, TITLE_MAX_CHARS);
        JsonNode *phones = json_node_new (JSON_NODE_ARRAY);

        json_node_take_array (phones, json_array_new ());
        crm_change_set_string (change, "name", cut);
        crm_change_set_node (change, "phones", phones);
      }
      crm_change_set_node (change, "emails", node);
      if (request->responsible_id != NULL)
        crm_change_set_string (change, "responsible", request->responsible_id);
      crm_change_set_int (change, "created_at", at);
      new_contact = TRUE;
    }
  else
    {
      g_autofree char *stored = _crm_store_dup_column (store, "contact", contact_id, "name");

      name = g_strdup (stored != NULL ? stored : request->sender_email);
    }

  title = request->title != NULL ? one_line (request->title) : NULL;
  if (title == NULL || *title == '\0')
    {
      g_free (title);
      /* Translators: the title of a request made from an e-mail without a subject */
      title = g_strdup_printf (_("E-mail from %s"), name);
    }
  change = crm_changeset_create (changeset, "deal", deal_id);
  {
    g_autofree char *cut = cut_chars (title, TITLE_MAX_CHARS);

    crm_change_set_string (change, "title", cut);
  }
  crm_change_set_string (change, "pipeline", request->pipeline_id);
  crm_change_set_string (change, "stage", request->stage_id);
  crm_change_set_string (change, "currency", "RUB");
  if (request->responsible_id != NULL)
    crm_change_set_string (change, "responsible", request->responsible_id);
  crm_change_set_int (change, "created_at", at);
  crm_change_set_int (change, "stage_entered_at", at);
  crm_changeset_set_link (changeset, "deal_contact", "deal", deal_id, "contact", contact_id,
                          TRUE);

  if (request->text != NULL && *request->text != '\0')
    {
      g_autofree char *text = note_text (request->text, NOTE_MAX_BYTES);

      note_name = g_strconcat ("request-note:", request->key, NULL);
      note_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, note_name);
      change = crm_changeset_create (changeset, "note", note_id);
      crm_change_set_string (change, "entity", "deal");
      crm_change_set_string (change, "entity_id", deal_id);
      crm_change_set_string (change, "text", text);
      crm_change_set_int (change, "created_at", at);
    }

  stored = g_array_new (FALSE, TRUE, sizeof (CrmAttachmentFile));
  g_array_set_clear_func (stored, (GDestroyNotify) crm_attachment_file_clear);
  for (guint i = 0; request->files != NULL && i < request->files->len; i++)
    {
      const CrmRequestFile *file = request->files->pdata[i];
      CrmAttachmentFile kept = { 0 };
      g_autofree char *file_name = g_strdup_printf ("request-file:%s:%u", request->key, i);
      g_autofree char *attachment_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, file_name);
      g_autofree char *base = g_path_get_basename (file->name != NULL ? file->name : "file");

      if (!store_request_file (store, file, &kept, error))
        goto failed;
      g_array_append_val (stored, kept);
      crm_attachment_fill_change (changeset, attachment_id, "deal", deal_id, base,
                                  &g_array_index (stored, CrmAttachmentFile, stored->len - 1),
                                  at);
    }

  if (!crm_store_apply (store, changeset, error))
    goto failed;
  if (out_created != NULL)
    *out_created = TRUE;
  if (out_new_contact != NULL)
    *out_new_contact = new_contact;
  if (out_contact_id != NULL)
    *out_contact_id = g_steal_pointer (&contact_id);
  return g_steal_pointer (&deal_id);

failed:
  /* the files a refused change set would have described go again */
  for (guint i = 0; i < stored->len; i++)
    crm_attachment_discard_file (store, &g_array_index (stored, CrmAttachmentFile, i));
  return NULL;
}

gboolean
crm_request_ensure_spam_reason (CrmStore    *store,
                                const char  *pipeline_id,
                                gboolean    *out_added,
                                GError     **error)
{
  g_autofree char *found = NULL;
  g_autofree char *id = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  gint64 position = 0;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (pipeline_id != NULL, FALSE);

  if (out_added != NULL)
    *out_added = FALSE;
  found = crm_query_resolve (store, "loss_reason", CRM_SPAM_REASON, pipeline_id, &local_error);
  if (found != NULL)
    return TRUE;
  if (!g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  stmt = _crm_store_prepare (store,
    "SELECT coalesce (max (position), -1) + 1 FROM loss_reason WHERE deleted = 0"
    " AND pipeline = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "read the loss reasons");
      sqlite3_reset (stmt);
      return FALSE;
    }
  position = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  id = crm_store_new_id (store);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "loss_reason", id);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "name", CRM_SPAM_REASON);
  crm_change_set_int (change, "position", position);
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_added != NULL)
    *out_added = TRUE;
  return TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

JsonArray *
crm_request_spam_senders (CrmStore  *store,
                          GError   **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) emails_sorted = g_ptr_array_new ();
  g_autoptr(GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) json_object_unref);
  JsonArray *result;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT c.emails, d.id, d.number FROM deal d"
    " JOIN loss_reason r ON r.id = d.loss_reason AND r.deleted = 0"
    " JOIN stage s ON s.id = d.stage AND s.kind = 'lost'"
    " JOIN deal_contact dc ON dc.deal = d.id AND dc.present = 1 AND dc.deleted = 0"
    " JOIN contact c ON c.id = dc.contact AND c.deleted = 0"
    " WHERE d.deleted = 0 AND r.name = ?1"
    " ORDER BY d.created_at, d.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, CRM_SPAM_REASON, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonArray) emails = _crm_json_array_column (stmt, 0);

      for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
        {
          JsonNode *node = json_array_get_element (emails, i);
          char *email;
          JsonObject *entry;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            continue;
          email = crm_email_normalize (json_node_get_string (node));
          if (email == NULL || g_hash_table_contains (seen, email))
            {
              g_free (email);
              continue;
            }
          g_hash_table_add (seen, email);
          entry = json_object_new ();
          json_object_set_string_member (entry, "email", email);
          json_object_set_string_member (entry, "deal", (const char *) sqlite3_column_text (stmt, 1));
          if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
            json_object_set_null_member (entry, "number");
          else
            json_object_set_int_member (entry, "number", sqlite3_column_int64 (stmt, 2));
          g_hash_table_insert (entries, email, entry);
          g_ptr_array_add (emails_sorted, email);
        }
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the requests closed as spam");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);

  g_ptr_array_sort (emails_sorted, compare_strings);
  result = json_array_new ();
  for (guint i = 0; i < emails_sorted->len; i++)
    json_array_add_object_element (result,
                                   json_object_ref (g_hash_table_lookup (entries,
                                                                         emails_sorted->pdata[i])));
  return result;
}
