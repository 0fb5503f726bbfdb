/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-setup.c — the account's setup (issue 20, administrators): `tag add|rename|merge`,
 * `tag remove`, `pipeline add|archive|restore|rename`, `stage add|set|remove|rename|move`,
 * `reason list|add|rename|remove`,
 * `field add`, `account show|set` (the account's settings: how many days of history are
 * kept in full). The checks and change sets are core's
 * (crm-setup.h); who may make them is the write path's rights check. */
#define G_LOG_DOMAIN "voronka-cli"

#include <string.h>

#include "crm-cli.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-schedule.h"
#include "crm-setting.h"
#include "crm-setup.h"

/* {"id","name","group","color"} of a tag. */
static JsonObject *
tag_object (CrmCli     *cli,
            const char *tag_id)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (cli->store, "tag", tag_id);
  JsonObject *tag = json_object_new ();

  json_object_set_string_member (tag, "id", tag_id);
  json_object_set_string_member (tag, "name", crm_cli_str (row, "name", ""));
  json_object_set_string_member (tag, "group", crm_cli_str (row, "grp", "other"));
  if (json_object_get_string_member_with_default (row, "color", NULL) != NULL)
    json_object_set_string_member (tag, "color", json_object_get_string_member (row, "color"));
  else
    json_object_set_null_member (tag, "color");
  return tag;
}

static void
print_tag (CrmCli     *cli,
           const char *tag_id,
           const char *format)
{
  g_autoptr(JsonObject) tag = tag_object (cli, tag_id);

  if (cli->json)
    crm_cli_print_json_object (tag);
  else
    g_print (format, json_object_get_string_member (tag, "name"));
}

gboolean
crm_cli_tag_add (CrmCli   *cli,
                 int       argc,
                 char    **argv,
                 GError  **error)
{
  g_autofree char *group = NULL;
  g_autofree char *color = NULL;
  const GOptionEntry entries[] = {
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("The tag's group (default: other)"), N_("brand|trailer|other") },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, N_("Its colour: blue, green, yellow, orange, red, purple, brown or gray"), N_("COLOUR") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "tag add", "NAME",
                      _("Add a tag, such as a new truck brand. With --json: the tag "
                        "{\"id\", \"name\", \"group\", \"color\"}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (changeset = crm_setup_tag_add (cli->store, argv[1], group, color, &id, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  print_tag (cli, id, _("Added tag %s\n"));
  return TRUE;
}

gboolean
crm_cli_tag_rename (CrmCli   *cli,
                    int       argc,
                    char    **argv,
                    GError  **error)
{
  g_autofree char *group = NULL;
  g_autofree char *color = NULL;
  const GOptionEntry entries[] = {
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("Move the tag to this group too"), N_("brand|trailer|other") },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, N_("Change its colour too (\"\" removes it)"), N_("COLOUR") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "tag rename", "TAG NEW_NAME",
                      _("Rename a tag (administrators); its deals keep it. With --json: the "
                        "tag {\"id\", \"name\", \"group\", \"color\"}."),
                      entries, &argc, &argv, 2, error) ||
      !crm_cli_open (cli, error) ||
      (id = crm_cli_resolve (cli, "tag", argv[1], NULL, error)) == NULL ||
      (changeset = crm_setup_tag_update (cli->store, id, argv[2], group, color, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  print_tag (cli, id, _("Renamed the tag to %s\n"));
  return TRUE;
}

gboolean
crm_cli_tag_merge (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *from = NULL;
  g_autofree char *into = NULL;
  guint deals = 0;

  if (!crm_cli_parse (cli, "tag merge", "FROM INTO",
                      _("Merge tag FROM into INTO (administrators): FROM's deals get INTO "
                        "and FROM is removed. With --json: {\"tag\": INTO's tag, \"deals\": "
                        "how many deals were retagged}."),
                      NULL, &argc, &argv, 2, error) ||
      !crm_cli_open (cli, error) ||
      (from = crm_cli_resolve (cli, "tag", argv[1], NULL, error)) == NULL ||
      (into = crm_cli_resolve (cli, "tag", argv[2], NULL, error)) == NULL ||
      (changeset = crm_setup_tag_merge (cli->store, from, into, &deals, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  json_object_set_object_member (result, "tag", tag_object (cli, into));
  json_object_set_int_member (result, "deals", deals);
  if (cli->json)
    crm_cli_print_json_object (result);
  else
    g_print (ngettext ("Merged %s into %s: %u deal retagged\n",
                       "Merged %s into %s: %u deals retagged\n", deals),
             argv[1], argv[2], deals);
  return TRUE;
}

gboolean
crm_cli_tag_remove (CrmCli   *cli,
                    int       argc,
                    char    **argv,
                    GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autofree char *id = NULL;
  guint deals = 0;

  if (!crm_cli_parse (cli, "tag remove", "TAG",
                      _("Remove a tag (administrators): the deals tagged with it lose it. With "
                        "--json: {\"id\", \"name\", \"deals\": how many deals lost it}."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (id = crm_cli_resolve (cli, "tag", argv[1], NULL, error)) == NULL ||
      (changeset = crm_setup_tag_remove (cli->store, id, &deals, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  json_object_set_string_member (result, "id", id);
  json_object_set_string_member (result, "name", argv[1]);
  json_object_set_int_member (result, "deals", deals);
  if (cli->json)
    crm_cli_print_json_object (result);
  else
    g_print (ngettext ("Removed tag %s: %u deal lost it\n",
                       "Removed tag %s: %u deals lost it\n", deals), argv[1], deals);
  return TRUE;
}

/* The pipeline @id as `pipelines` prints it. */
static gboolean
print_pipeline (CrmCli      *cli,
                const char  *id,
                GError     **error)
{
  g_autoptr(JsonNode) pipelines = crm_query_pipelines (cli->store, error);
  JsonArray *array;

  if (pipelines == NULL)
    return FALSE;
  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");

      if (!g_str_equal (json_object_get_string_member (pipeline, "id"), id))
        continue;
      if (cli->json)
        {
          crm_cli_print_json_object (pipeline);
          return TRUE;
        }
      g_print ("%s:", json_object_get_string_member (pipeline, "name"));
      for (guint j = 0; j < json_array_get_length (stages); j++)
        g_print (" %s%s", j > 0 ? "› " : "",
                 json_object_get_string_member (json_array_get_object_element (stages, j), "name"));
      g_print ("\n");
      return TRUE;
    }
  return TRUE;
}

gboolean
crm_cli_pipeline_add (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "pipeline add", "NAME",
                      _("Add a pipeline (administrators) with its two closing stages, won and "
                        "lost; add its working stages with `stage add`. With --json: the "
                        "pipeline {\"id\", \"name\", \"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (changeset = crm_setup_pipeline_add (cli->store, argv[1], &id, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_pipeline (cli, id, error);
}

static gboolean
pipeline_archive (CrmCli      *cli,
                  int          argc,
                  char       **argv,
                  gboolean     archived,
                  GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, archived ? "pipeline archive" : "pipeline restore", "PIPELINE",
                      archived
                      ? _("Archive a pipeline (administrators): its deals are kept and found "
                          "as before, and it leaves the app's sidebar and the choice for new "
                          "deals. With --json: the pipeline, \"archived\": true.")
                      : _("Bring an archived pipeline back into use (administrators). With "
                          "--json: the pipeline, \"archived\": false."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (id = crm_cli_resolve (cli, "pipeline", argv[1], NULL, error)) == NULL ||
      (changeset = crm_setup_pipeline_archive (cli->store, id, archived, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_pipeline (cli, id, error);
}

gboolean
crm_cli_pipeline_archive (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  return pipeline_archive (cli, argc, argv, TRUE, error);
}

gboolean
crm_cli_pipeline_restore (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  return pipeline_archive (cli, argc, argv, FALSE, error);
}

gboolean
crm_cli_pipeline_rename (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "pipeline rename", "PIPELINE NAME",
                      _("Rename a pipeline (administrators); its deals, rules and reports "
                        "follow it. With --json: the pipeline {\"id\", \"name\", "
                        "\"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      NULL, &argc, &argv, 2, error) ||
      !crm_cli_open (cli, error) ||
      (id = crm_cli_resolve (cli, "pipeline", argv[1], NULL, error)) == NULL ||
      (changeset = crm_setup_pipeline_rename (cli->store, id, argv[2], error)) == NULL ||
      (crm_changeset_get_n_changes (changeset) > 0 && !crm_cli_apply (cli, changeset, error)))
    return FALSE;
  return print_pipeline (cli, id, error);
}

/* `reason …`: the pipeline named by --pipeline (required). */
static char *
reason_pipeline (CrmCli      *cli,
                 const char  *pipeline,
                 GError     **error)
{
  if (!crm_cli_require (pipeline, "--pipeline", error) || !crm_cli_open (cli, error))
    return NULL;
  return crm_cli_resolve (cli, "pipeline", pipeline, NULL, error);
}

static gboolean
print_reasons (CrmCli      *cli,
               const char  *pipeline_id,
               GError     **error)
{
  g_autoptr(JsonArray) reasons = crm_query_loss_reasons (cli->store, pipeline_id, error);
  g_autoptr(JsonNode) node = NULL;

  if (reasons == NULL)
    return FALSE;
  if (cli->json)
    {
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, reasons);
      crm_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    g_print ("%s\n", crm_cli_str (json_array_get_object_element (reasons, i), "name", ""));
  return TRUE;
}

#define REASON_JSON N_("With --json: the pipeline's reasons [{\"id\", \"name\"}] in order.")

gboolean
crm_cli_reason_list (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *pipeline = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline whose reasons to list"), N_("P") },
    { NULL }
  };
  g_autofree char *pipeline_id = NULL;
  g_autofree char *help = g_strdup_printf ("%s %s", _("List a pipeline's loss reasons."),
                                           _(REASON_JSON));

  if (!crm_cli_parse (cli, "reason list", "", help, entries, &argc, &argv, 0, error) ||
      (pipeline_id = reason_pipeline (cli, pipeline, error)) == NULL)
    return FALSE;
  return print_reasons (cli, pipeline_id, error);
}

/* What `reason add|rename|remove` share: their --pipeline, @n_args arguments after the
 * command, the pipeline's id and, with @out_id, the id of the reason argv[1] names. */
static gboolean
parse_reason_command (CrmCli       *cli,
                      const char   *command,
                      const char   *arguments,
                      const char   *summary,
                      int          *argc,
                      char       ***argv,
                      int           n_args,
                      char        **out_pipeline_id,
                      char        **out_id,
                      GError      **error)
{
  g_autofree char *pipeline = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the reason is for"), N_("P") },
    { NULL }
  };
  g_autofree char *help = g_strdup_printf ("%s %s", summary, _(REASON_JSON));

  if (!crm_cli_parse (cli, command, arguments, help, entries, argc, argv, n_args, error) ||
      (*out_pipeline_id = reason_pipeline (cli, pipeline, error)) == NULL)
    return FALSE;
  return out_id == NULL ||
         (*out_id = crm_cli_resolve (cli, "loss_reason", (*argv)[1], *out_pipeline_id,
                                     error)) != NULL;
}

gboolean
crm_cli_reason_add (CrmCli   *cli,
                    int       argc,
                    char    **argv,
                    GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;

  if (!parse_reason_command (cli, "reason add", "NAME",
                             _("Add a loss reason to a pipeline (administrators)."),
                             &argc, &argv, 1, &pipeline_id, NULL, error) ||
      (changeset = crm_setup_reason_add (cli->store, pipeline_id, argv[1], NULL,
                                         error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_reasons (cli, pipeline_id, error);
}

gboolean
crm_cli_reason_rename (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;

  if (!parse_reason_command (cli, "reason rename", "REASON NEW_NAME",
                             _("Rename a loss reason (administrators); deals lost for it keep "
                               "it."), &argc, &argv, 2, &pipeline_id, &id, error) ||
      (changeset = crm_setup_reason_rename (cli->store, id, argv[2], error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_reasons (cli, pipeline_id, error);
}

gboolean
crm_cli_reason_remove (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;

  if (!parse_reason_command (cli, "reason remove", "REASON",
                             _("Remove a loss reason (administrators): it is no longer offered; "
                               "deals lost for it keep it."),
                             &argc, &argv, 1, &pipeline_id, &id, error) ||
      (changeset = crm_setup_reason_remove (cli->store, id, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_reasons (cli, pipeline_id, error);
}

gboolean
crm_cli_stage_add (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *before = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the stage is in"), N_("P") },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("open (default), won or lost"), N_("KIND") },
    { "before", 0, 0, G_OPTION_ARG_STRING, &before, N_("Put it before this stage (default: before the closing stages)"), N_("S") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *before_id = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "stage add", "NAME",
                      _("Add a stage to a pipeline (administrators). With --json: the "
                        "pipeline {\"id\", \"name\", \"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_open (cli, error) ||
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL ||
      (before != NULL &&
       (before_id = crm_cli_resolve (cli, "stage", before, pipeline_id, error)) == NULL) ||
      (changeset = crm_setup_stage_add (cli->store, pipeline_id, argv[1], kind, before_id, &id,
                                        error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_pipeline (cli, pipeline_id, error);
}

gboolean
crm_cli_stage_set (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *kind = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the stage is in"), N_("P") },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind,
      N_("open (deals work there), won or lost (a deal there is closed)"), N_("KIND") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "stage set", "STAGE",
                      _("Change a stage's kind (administrators). With --json: the pipeline "
                        "{\"id\", \"name\", \"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_require (kind, "--kind", error) ||
      !crm_cli_open (cli, error) ||
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL ||
      (id = crm_cli_resolve (cli, "stage", argv[1], pipeline_id, error)) == NULL ||
      (changeset = crm_setup_stage_set_kind (cli->store, id, kind, error)) == NULL ||
      (crm_changeset_get_n_changes (changeset) > 0 && !crm_cli_apply (cli, changeset, error)))
    return FALSE;
  return print_pipeline (cli, pipeline_id, error);
}

gboolean
crm_cli_stage_remove (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *move_to = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the stage is in"), N_("P") },
    { "move-to", 0, 0, G_OPTION_ARG_STRING, &move_to,
      N_("The stage of the same pipeline its deals go to (needed when it holds deals)"), N_("S") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *move_to_id = NULL;
  guint deals = 0;

  if (!crm_cli_parse (cli, "stage remove", "STAGE",
                      _("Remove a stage (administrators): an empty one, or one whose deals go "
                        "to --move-to in the same change. With --json: the pipeline {\"id\", "
                        "\"name\", \"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_open (cli, error) ||
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL ||
      (id = crm_cli_resolve (cli, "stage", argv[1], pipeline_id, error)) == NULL ||
      (move_to != NULL &&
       (move_to_id = crm_cli_resolve (cli, "stage", move_to, pipeline_id, error)) == NULL) ||
      (changeset = crm_setup_stage_remove (cli->store, id, move_to_id, &deals, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  if (!cli->json && deals > 0)
    g_print (ngettext ("%u deal moved to «%s»\n", "%u deals moved to «%s»\n",
                          deals), deals, move_to);
  return print_pipeline (cli, pipeline_id, error);
}

gboolean
crm_cli_stage_rename (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *pipeline = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the stage is in"), N_("P") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "stage rename", "STAGE NAME",
                      _("Rename a stage (administrators); its deals stay at it. With --json: "
                        "the pipeline {\"id\", \"name\", \"stages\": [{\"id\", \"name\", "
                        "\"kind\"}]}."),
                      entries, &argc, &argv, 2, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_open (cli, error) ||
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL ||
      (id = crm_cli_resolve (cli, "stage", argv[1], pipeline_id, error)) == NULL ||
      (changeset = crm_setup_stage_rename (cli->store, id, argv[2], error)) == NULL ||
      (crm_changeset_get_n_changes (changeset) > 0 && !crm_cli_apply (cli, changeset, error)))
    return FALSE;
  return print_pipeline (cli, pipeline_id, error);
}

/* Where stage @id stands among @pipeline_id's stages (in their order), or -1. */
static gint
stage_index (CrmCli      *cli,
             const char  *pipeline_id,
             const char  *id,
             GError     **error)
{
  g_autoptr(JsonNode) pipelines = crm_query_pipelines (cli->store, error);
  JsonArray *array;

  if (pipelines == NULL)
    return -1;
  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");

      if (!g_str_equal (json_object_get_string_member (pipeline, "id"), pipeline_id))
        continue;
      for (guint j = 0; j < json_array_get_length (stages); j++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (stages, j),
                                                        "id"), id))
          return (gint) j;
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("The stage is not in this pipeline"));
  return -1;
}

gboolean
crm_cli_stage_move (CrmCli   *cli,
                    int       argc,
                    char    **argv,
                    GError  **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline the stage is in"), N_("P") },
    { "before", 0, 0, G_OPTION_ARG_STRING, &before, N_("Put it just before this stage"), N_("S") },
    { "after", 0, 0, G_OPTION_ARG_STRING, &after, N_("Put it just after this stage"), N_("S") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other_id = NULL;
  gint from, to;

  if (!crm_cli_parse (cli, "stage move", "STAGE",
                      _("Move a stage among its pipeline's stages (administrators): just before "
                        "or just after another. With --json: the pipeline {\"id\", \"name\", "
                        "\"stages\": [{\"id\", \"name\", \"kind\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (pipeline, "--pipeline", error))
    return FALSE;
  if ((before == NULL) == (after == NULL))
    {
      g_set_error (error, CRM_CLI_ERROR, CRM_CLI_ERROR_USAGE,
                   _("“stage move” needs one of --before or --after"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL ||
      (id = crm_cli_resolve (cli, "stage", argv[1], pipeline_id, error)) == NULL ||
      (other_id = crm_cli_resolve (cli, "stage", before != NULL ? before : after, pipeline_id,
                                   error)) == NULL ||
      (from = stage_index (cli, pipeline_id, id, error)) < 0 ||
      (to = stage_index (cli, pipeline_id, other_id, error)) < 0)
    return FALSE;
  /* where it lands once taken out of its place */
  if (to > from)
    to--;
  if (after != NULL)
    to++;
  if (to != from &&
      ((changeset = crm_setup_stage_move (cli->store, id, to - from, error)) == NULL ||
       !crm_cli_apply (cli, changeset, error)))
    return FALSE;
  return print_pipeline (cli, pipeline_id, error);
}

/* A stage named "PIPELINE/STAGE", or by a name only one pipeline has, or by id. */
static char *
resolve_any_stage (CrmCli      *cli,
                   const char  *text,
                   GError     **error)
{
  const char *slash = strchr (text, '/');
  g_autofree char *pipeline = NULL;
  g_autofree char *pipeline_id = NULL;

  if (slash == NULL)
    return crm_cli_resolve (cli, "stage", text, NULL, error);
  pipeline = g_strndup (text, slash - text);
  pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error);
  if (pipeline_id == NULL)
    return NULL;
  return crm_cli_resolve (cli, "stage", slash + 1, pipeline_id, error);
}

gboolean
crm_cli_field_add (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *entity = NULL;
  g_autofree char *label = NULL;
  g_autofree char *type = NULL;
  g_auto(GStrv) required_at = NULL;
  g_auto(GStrv) choices = NULL;
  const GOptionEntry entries[] = {
    { "entity", 0, 0, G_OPTION_ARG_STRING, &entity, N_("Whose field: deal, contact or company"), N_("E") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("The label people see"), N_("L") },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, N_("text, choice, bool, number, money, date, companies or counter"), N_("T") },
    { "choice", 0, 0, G_OPTION_ARG_STRING_ARRAY, &choices, N_("A value to pick from (type choice; repeat it)"), N_("C") },
    { "required-at", 0, 0, G_OPTION_ARG_STRING_ARRAY, &required_at, N_("A stage a deal enters only with the field filled, as STAGE or PIPELINE/STAGE (repeat it)"), N_("STAGE") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(GPtrArray) stage_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonArray) fields = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "field add", "KEY",
                      _("Add a custom field to deals, contacts or companies (administrators). "
                        "With --json: the field {\"id\", \"key\", \"label\", \"type\", "
                        "\"choices\", \"required_stages\", \"hidden\"}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (entity, "--entity", error) ||
      !crm_cli_require (label, "--label", error) ||
      !crm_cli_require (type, "--type", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  for (guint i = 0; required_at != NULL && required_at[i] != NULL; i++)
    {
      char *stage = resolve_any_stage (cli, required_at[i], error);

      if (stage == NULL)
        return FALSE;
      g_ptr_array_add (stage_ids, stage);
    }
  g_ptr_array_add (stage_ids, NULL);
  if ((changeset = crm_setup_field_add (cli->store, entity, argv[1], label, type,
                                        (const char * const *) choices,
                                        (const char * const *) stage_ids->pdata, &id,
                                        error)) == NULL ||
      !crm_cli_apply (cli, changeset, error) ||
      (fields = crm_query_fields (cli->store, entity, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);

      if (!g_str_equal (json_object_get_string_member (field, "id"), id))
        continue;
      if (cli->json)
        crm_cli_print_json_object (field);
      else
        g_print (_("Added field %s\n"), json_object_get_string_member (field, "label"));
    }
  return TRUE;
}

/* {"time_zone", "history_days", "history_days_here"?}: the account's settings as this
 * replica has them; "history_days_here" only when this replica keeps its own number. */
static JsonObject *
account_object (CrmCli *cli)
{
  JsonObject *account = json_object_new ();
  g_autofree char *zone = crm_schedule_dup_zone (cli->store);
  g_autofree char *here = crm_store_dup_meta (cli->store, "history.keep_days");
  gint64 days = crm_setting_get_history_days (cli->store);

  json_object_set_string_member (account, "time_zone", zone);
  json_object_set_int_member (account, "history_days",
                              days >= 0 ? days : CRM_STORE_HISTORY_KEEP_DAYS);
  if (here != NULL)
    json_object_set_int_member (account, "history_days_here",
                                crm_store_get_history_keep_days (cli->store));
  return account;
}

static void
print_account (CrmCli     *cli,
               JsonObject *account)
{
  g_autofree char *days = NULL;

  if (cli->json)
    {
      crm_cli_print_json_object (account);
      return;
    }
  days = g_strdup_printf (ngettext ("%lld day", "%lld days",
                                    json_object_get_int_member (account, "history_days")),
                          (long long) json_object_get_int_member (account, "history_days"));
  crm_cli_print_pair (_("Time zone"), json_object_get_string_member (account, "time_zone"), 24);
  crm_cli_print_pair (_("Full history kept"), days, 24);
  if (json_object_has_member (account, "history_days_here"))
    {
      g_autofree char *here = NULL;

      here = g_strdup_printf (ngettext ("%lld day", "%lld days",
                                        json_object_get_int_member (account,
                                                                    "history_days_here")),
                              (long long) json_object_get_int_member (account,
                                                                      "history_days_here"));
      crm_cli_print_pair (_("On this replica"), here, 24);
    }
}

gboolean
crm_cli_account_show (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(JsonObject) account = NULL;

  if (!crm_cli_parse (cli, "account show", "",
                      _("Show the account's settings: the time zone work schedules and "
                        "reports are read in, and how many days of history every replica "
                        "keeps in full before compacting it. With --json: {\"time_zone\", "
                        "\"history_days\", \"history_days_here\" (only when this replica "
                        "keeps its own number)}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  account = account_object (cli);
  print_account (cli, account);
  return TRUE;
}

gboolean
crm_cli_account_set (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *days_text = NULL;
  const GOptionEntry entries[] = {
    { "history-days", 0, 0, G_OPTION_ARG_STRING, &days_text,
      N_("Keep this many days of history in full (0 … 36500; 90 unless set); older "
         "history the server has is compacted: what each change set is still shown, but "
         "it can no longer be undone"), N_("DAYS") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) account = NULL;
  char *end = NULL;
  gint64 days;

  if (!crm_cli_parse (cli, "account set", "",
                      _("Change the account's settings (administrators); they reach every "
                        "replica with the next sync. With --json: what account show prints."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (days_text, "--history-days", error))
    return FALSE;
  days = g_ascii_strtoll (days_text, &end, 10);
  if (*days_text == '\0' || end == NULL || *end != '\0')
    return crm_cli_usage_error (error, _("--history-days: «%s» is not a whole number of days"),
                                days_text);
  if (!crm_cli_open (cli, error) ||
      (changeset = crm_setting_history_days_change (cli->store, days, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  account = account_object (cli);
  print_account (cli, account);
  return TRUE;
}
