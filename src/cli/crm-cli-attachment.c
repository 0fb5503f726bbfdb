/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-attachment.c — `attach` and `attachment list`: files on deals (S1-6, the photo
 * of a sample handed over). The bytes are kept once per content beside the replica
 * (crm-attachment.c); the `attachment` entity that describes them goes through the one
 * write path like any other change. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include "crm-attachment.h"
#include "crm-cli.h"
#include "crm-sync-client.h"

#include <errno.h>
#include <glib/gstdio.h>

static void
print_attachments_human (JsonNode *list)
{
  JsonArray *array = json_node_get_array (list);
  const char *header[] = { _("NAME"), _("SIZE"), _("TYPE"), _("ADDED"), _("FILE"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (crm_cli_str (item, "name", ""));
      row[1] = g_format_size ((guint64) json_object_get_int_member_with_default (item, "size", 0));
      row[2] = g_strdup (crm_cli_str (item, "mime", ""));
      row[3] = g_strdup (crm_cli_str (item, "created_at", ""));
      row[4] = json_object_get_boolean_member_with_default (item, "available", FALSE)
               ? g_strdup (crm_cli_str (item, "path", ""))
               : g_strdup (_("(on the server only: attachment get ID --out FILE)"));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No attachments."));
  else
    crm_cli_print_table (header, rows);
}

/* The attachment just written, in the shape of `attachment list`. */
static JsonObject *
dup_attachment (CrmCli      *cli,
                const char  *deal_id,
                const char  *attachment_id,
                GError     **error)
{
  g_autoptr(JsonNode) list = crm_attachment_list (cli->store, "deal", deal_id, error);
  JsonArray *array;

  if (list == NULL)
    return NULL;
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (g_strcmp0 (crm_cli_str (item, "id", NULL), attachment_id) == 0)
        return json_object_ref (item);
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("No attachment with id %s"), attachment_id);
  return NULL;
}

gboolean
crm_cli_attach (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *name = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal,
      N_("The deal to attach the file to (id or title)"), N_("ID") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name,
      N_("The name shown for the file (default: the file's own name)"), N_("NAME") },
    { NULL }
  };
  g_auto(CrmAttachmentFile) file = { 0 };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) attachment = NULL;
  g_autofree char *deal_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *size = NULL;
  const char *path;

  if (!crm_cli_parse (cli, "attach", "FILE",
                      _("Attach a file (a photo of the sample handed over, a document) to a "
                        "deal. The file is copied into the folder beside the replica, "
                        "“REPLICA.files/”, under the SHA-256 of its content, so the same "
                        "file attached twice is stored once. With --json: the attachment "
                        "{\"id\", \"entity\", \"entity_id\", \"name\", \"hash\", \"size\", "
                        "\"mime\", \"created_at\", \"path\", \"available\"}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  path = argv[1];
  deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error);
  if (deal_id == NULL)
    return FALSE;
  if (name != NULL)
    g_strstrip (name);
  basename = g_path_get_basename (path);
  if (name == NULL || *name == '\0')
    {
      g_free (name);
      name = g_filename_display_name (basename);
    }

  if (!crm_attachment_store_file (cli->store, path, &file, error))
    return FALSE;
  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  crm_attachment_fill_change (changeset, id, "deal", deal_id, name, &file, crm_cli_now (cli));
  if (!crm_cli_apply (cli, changeset, error))
    {
      crm_attachment_discard_file (cli->store, &file);
      return FALSE;
    }

  attachment = dup_attachment (cli, deal_id, id, error);
  if (attachment == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (attachment);
      return TRUE;
    }
  size = g_format_size ((guint64) file.size);
  g_print (_("Attached «%s» (%s, %s) to deal %s\n"), name, size, file.mime, deal_id);
  g_print (file.stored_now ? _("Stored as %s\n") : _("Already stored as %s\n"),
           crm_cli_str (attachment, "path", ""));
  return TRUE;
}

gboolean
crm_cli_attachment_list (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autofree char *deal = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal,
      N_("The deal whose files to list (id or title)"), N_("ID") },
    { NULL }
  };
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *deal_id = NULL;

  if (!crm_cli_parse (cli, "attachment list", "",
                      _("List the files attached to a deal, oldest first. With --json: "
                        "[{\"id\", \"entity\", \"entity_id\", \"name\", \"hash\", \"size\", "
                        "\"mime\", \"created_at\", \"path\", \"available\"}]; \"available\" "
                        "is false when the file's bytes are not in this replica's folder."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error);
  if (deal_id == NULL)
    return FALSE;
  list = crm_attachment_list (cli->store, "deal", deal_id, error);
  if (list == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json (list);
  else
    print_attachments_human (list);
  return TRUE;
}

/* Copies @from to @to (a new file, or replaced whole: written beside it, then renamed). */
static gboolean
copy_out (const char  *from,
          const char  *to,
          GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) target = g_file_new_for_path (to);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &local_error))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Could not write «%s»: %s"), to, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_cli_attachment_get (CrmCli   *cli,
                        int       argc,
                        char    **argv,
                        GError  **error)
{
  g_autofree char *out = NULL;
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("Where to write the file"), N_("FILE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Sign in with the password read from standard input (else the saved sign-in of "
         "“voronkactl sync”)"), NULL },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &insecure,
      N_("Allow plain http:// to a server on this machine (tests only)"), NULL },
    { NULL }
  };
  g_autoptr(JsonObject) attachment = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *hash;
  const char *path;
  gboolean fetched = FALSE;

  if (!crm_cli_parse (cli, "attachment get", "ID",
                      _("Copy an attached file to FILE. A file this replica does not have yet "
                        "(attached on another device) is fetched from the server first and "
                        "kept beside the replica; its SHA-256 is checked. With --json: the "
                        "attachment as in “attachment list”, with \"fetched\" (true when it "
                        "came from the server now) and \"out\"."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (out, "--out", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  attachment = crm_attachment_get (cli->store, argv[1], error);
  if (attachment == NULL)
    return FALSE;
  hash = crm_cli_str (attachment, "hash", NULL);
  path = crm_cli_str (attachment, "path", NULL);
  if (hash == NULL || path == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Attachment %s names no file"), argv[1]);
      return FALSE;
    }
  if (!json_object_get_boolean_member_with_default (attachment, "available", FALSE))
    {
      client = crm_cli_remembered_client (cli, password_stdin, insecure, error);
      if (client == NULL)
        return FALSE;
      if (!crm_sync_client_fetch_file (client, hash, NULL, &local_error))
        {
          g_propagate_error (error, crm_cli_sync_error (g_steal_pointer (&local_error)));
          return FALSE;
        }
      fetched = TRUE;
    }
  if (!copy_out (path, out, error))
    return FALSE;
  if (cli->json)
    {
      json_object_set_boolean_member (attachment, "available", TRUE);
      json_object_set_boolean_member (attachment, "fetched", fetched);
      json_object_set_string_member (attachment, "out", out);
      crm_cli_print_json_object (attachment);
      return TRUE;
    }
  if (fetched)
    g_print (_("Fetched «%s» from the server\n"), crm_cli_str (attachment, "name", ""));
  g_print (_("Wrote «%s» to %s\n"), crm_cli_str (attachment, "name", ""), out);
  return TRUE;
}
