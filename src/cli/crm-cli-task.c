/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-task.c — `task add|list|done`: calls, meetings and to-dos on deals; completing
 * one may set the next in the same change set (the next-task gate, S1-4). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-query.h"

static const char *const task_types[] = { "call", "meeting", "task", NULL };

static gboolean
check_type (const char  *type,
            const char  *option,
            GError     **error)
{
  if (type == NULL || g_strv_contains (task_types, type))
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("%s: «%s» is not a task type; choose one of: call, meeting, task"),
               option, type);
  return FALSE;
}

static void
print_tasks_human (JsonNode *tasks)
{
  const char *header[] = { _("ID"), _("DONE"), _("DUE"), _("TYPE"), _("TEXT"), _("RESPONSIBLE"), _("DEAL"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  JsonArray *array = json_node_get_array (tasks);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *task = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 8);

      row[0] = crm_cli_display_id (crm_cli_str (task, "id", ""));
      row[1] = g_strdup (json_object_get_boolean_member_with_default (task, "done", FALSE)
                         ? "[x]" : "[ ]");
      row[2] = g_strdup (crm_cli_str (task, "due", "—"));
      row[3] = g_strdup (crm_cli_str (task, "type", ""));
      row[4] = g_strdup (crm_cli_str (task, "text", ""));
      row[5] = g_strdup (crm_cli_str (task, "responsible", ""));
      row[6] = g_strdup (crm_cli_str (task, "deal_title", ""));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
}

/* The task JSON of CLI.md for @task_id (a task of @deal_id), or NULL. */
static JsonObject *
dup_task (CrmCli      *cli,
          const char  *deal_id,
          const char  *task_id,
          GError     **error)
{
  g_autoptr(JsonNode) tasks = crm_query_tasks (cli->store, deal_id, FALSE, NULL, error);
  JsonArray *array;

  if (tasks == NULL)
    return NULL;
  array = json_node_get_array (tasks);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *task = json_array_get_object_element (array, i);

      if (g_str_equal (crm_cli_str (task, "id", ""), task_id))
        return json_object_ref (task);
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, _("No task with id %s"), task_id);
  return NULL;
}

/* Fills a new task: deal, text, type, due, responsible, not done. */
static void
fill_new_task (CrmCli      *cli,
               CrmChange   *change,
               const char  *deal_id,
               const char  *text,
               const char  *type,
               gboolean     has_due,
               gint64       due,
               const char  *responsible_id)
{
  crm_change_set_string (change, "deal", deal_id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", type != NULL ? type : "task");
  if (has_due)
    crm_change_set_int (change, "due", due);
  if (responsible_id != NULL)
    crm_change_set_string (change, "responsible", responsible_id);
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "created_at", crm_cli_now (cli));
}

gboolean
crm_cli_task_add (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *deal = NULL, *text = NULL, *due = NULL, *type = NULL, *responsible = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The deal (id)"), N_("ID") },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, N_("What to do"), N_("T") },
    { "due", 0, 0, G_OPTION_ARG_STRING, &due, N_("When: 2026-03-02, 2026-03-02T10:00:00Z, +3d"), N_("DATE") },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, N_("call, meeting or task (default: task)"), N_("TYPE") },
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible, N_("Who does it (default: --as)"), N_("U") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autofree char *deal_id = NULL, *responsible_id = NULL, *id = NULL;
  gint64 due_ms = 0;

  if (!crm_cli_parse (cli, "task add", "",
                      _("Add a task to a deal. With --json: the task, as “task list” prints it."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_require (text, "--text", error) ||
      !check_type (type, "--type", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (due != NULL && !crm_cli_parse_date (cli, due, "--due", &due_ms, error))
    return FALSE;
  deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error);
  if (deal_id == NULL)
    return FALSE;
  responsible_id = responsible != NULL ? crm_cli_resolve (cli, "user", responsible, NULL, error)
                                       : g_strdup (cli->actor_id);
  if (responsible != NULL && responsible_id == NULL)
    return FALSE;

  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  fill_new_task (cli, crm_changeset_create (changeset, "task", id), deal_id, text, type,
                 due != NULL, due_ms, responsible_id);
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  task = dup_task (cli, deal_id, id, error);
  if (task == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (task);
  else
    g_print (_("Added task %s «%s», due %s\n"), id, text, crm_cli_str (task, "due", "—"));
  return TRUE;
}

gboolean
crm_cli_task_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *deal = NULL, *responsible = NULL;
  gboolean open_only = FALSE;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("Only tasks of this deal"), N_("ID") },
    { "open", 0, 0, G_OPTION_ARG_NONE, &open_only, N_("Only tasks not done"), NULL },
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible, N_("Only tasks of this user"), N_("U") },
    { NULL }
  };
  g_autofree char *deal_id = NULL, *responsible_id = NULL;
  g_autoptr(JsonNode) tasks = NULL;

  if (!crm_cli_parse (cli, "task list", "",
                      _("List tasks by due date. With --json: [{\"id\", \"deal\", \"deal_title\", "
                        "\"text\", \"type\", \"due\", \"responsible\", \"done\", \"result\", "
                        "\"checklist\", …}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (deal != NULL && (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  if (responsible != NULL &&
      (responsible_id = crm_cli_resolve (cli, "user", responsible, NULL, error)) == NULL)
    return FALSE;
  tasks = crm_query_tasks (cli->store, deal_id, open_only, responsible_id, error);
  if (tasks == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json (tasks);
  else
    print_tasks_human (tasks);
  return TRUE;
}

gboolean
crm_cli_task_done (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *result = NULL, *next_text = NULL, *next_due = NULL, *next_type = NULL;
  const GOptionEntry entries[] = {
    { "result", 0, 0, G_OPTION_ARG_STRING, &result, N_("What came of it (required for calls)"), N_("TEXT") },
    { "next-text", 0, 0, G_OPTION_ARG_STRING, &next_text, N_("Set the next task on the deal"), N_("T") },
    { "next-due", 0, 0, G_OPTION_ARG_STRING, &next_due, N_("When the next task is due"), N_("DATE") },
    { "next-type", 0, 0, G_OPTION_ARG_STRING, &next_type, N_("call, meeting or task (default: task)"), N_("TYPE") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *task_id = NULL, *next_id = NULL;
  const char *deal_id;
  gint64 next_due_ms = 0;
  CrmChange *change;

  if (!crm_cli_parse (cli, "task done", "ID",
                      _("Complete a task, optionally setting the next one. With --json: the "
                        "completed task, with the new one as \"next\"."),
                      entries, &argc, &argv, 1, error) ||
      !check_type (next_type, "--next-type", error))
    return FALSE;
  if (next_text == NULL && (next_due != NULL || next_type != NULL))
    return crm_cli_usage_error (error, _("task done: --next-due and --next-type go with --next-text"));
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (next_due != NULL && !crm_cli_parse_date (cli, next_due, "--next-due", &next_due_ms, error))
    return FALSE;
  task_id = crm_cli_resolve (cli, "task", argv[1], NULL, error);
  if (task_id == NULL)
    return FALSE;
  stored = crm_store_dup_entity (cli->store, "task", task_id);
  deal_id = crm_cli_str (stored, "deal", NULL);
  if (json_object_get_boolean_member_with_default (stored, "done", FALSE))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The task «%s» is already done"), crm_cli_str (stored, "text", task_id));
      return FALSE;
    }

  changeset = crm_changeset_new ();
  change = crm_changeset_touch (changeset, "task", task_id);
  crm_change_set_bool (change, "done", TRUE);
  crm_change_set_int (change, "done_at", crm_cli_now (cli));
  if (result != NULL)
    crm_change_set_string (change, "result", result);
  if (next_text != NULL)
    {
      const char *responsible = crm_cli_str (stored, "responsible", cli->actor_id);

      if (deal_id == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--next-text: the task belongs to no deal"));
          return FALSE;
        }
      next_id = crm_store_new_id (cli->store);
      fill_new_task (cli, crm_changeset_create (changeset, "task", next_id), deal_id, next_text,
                     next_type, next_due != NULL, next_due_ms, responsible);
    }
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  done = dup_task (cli, deal_id, task_id, error);
  if (done == NULL)
    return FALSE;
  if (cli->json)
    {
      if (next_id != NULL)
        {
          JsonObject *next = dup_task (cli, deal_id, next_id, error);

          if (next == NULL)
            return FALSE;
          json_object_set_object_member (done, "next", next);
        }
      crm_cli_print_json_object (done);
    }
  else
    {
      g_print (_("Done: %s\n"), crm_cli_str (done, "text", ""));
      if (next_id != NULL)
        g_print (_("Next task %s «%s»\n"), next_id, next_text);
    }
  return TRUE;
}
