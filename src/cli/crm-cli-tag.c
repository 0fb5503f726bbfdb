/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-tag.c — `tag list`: brand, trailer and other tags used to filter deals. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-query.h"

static const char *const tag_groups[] = { "brand", "trailer", "other", NULL };

gboolean
crm_cli_tag_list (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  static const char *const members[] = { "name", "group", NULL };
  const char *header[] = { _("TAG"), _("GROUP"), NULL };
  g_autofree char *group = NULL;
  const GOptionEntry entries[] = {
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("Only tags of this group"), N_("brand|trailer|other") },
    { NULL }
  };
  g_autoptr(JsonNode) tags = NULL;

  if (!crm_cli_parse (cli, "tag list", "",
                      _("List tags. With --json: [{\"id\", \"name\", \"group\"}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (group != NULL && !g_strv_contains (tag_groups, group))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--group: «%s» is not a tag group; choose one of: brand, trailer, other"),
                   group);
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  tags = crm_query_tags (cli->store, group, error);
  if (tags == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json (tags);
  else
    crm_cli_print_list (tags, header, members);
  return TRUE;
}
