/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-routing-group.c — the call routing in the Automation view (crm-routing-group.h).
 * voronka-server publishes each account's routing into the replica
 * (src/server/crm-server-publish.c, crm_server_telephony_publish()); the app reads it and
 * words the rules in its own language (crm_call_routing_rules()). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-call.h"
#include "crm-message.h"
#include "crm-query.h"
#include "crm-routing-group.h"
#include "crm-widget-util.h"
#include "crm-json.h"

struct _CrmRoutingGroup
{
  AdwPreferencesGroup  parent_instance;

  GPtrArray           *rows;
  GHashTable          *named;      /* which → row (borrowed from rows) */
  gboolean             has_routing;
};

G_DEFINE_FINAL_TYPE (CrmRoutingGroup, crm_routing_group, ADW_TYPE_PREFERENCES_GROUP)

static void
copy_clicked_cb (GtkButton *button)
{
  const char *command = g_object_get_data (G_OBJECT (button), "command");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), command);
  crm_widget_show_toast (GTK_WIDGET (button), _("Command copied: run it in a terminal"));
}

/* A row named @which; with @command, a button that copies it (what changes the row). */
static GtkWidget *
add_row (CrmRoutingGroup *self,
         const char      *which,
         const char      *icon,
         const char      *title,
         const char      *subtitle,
         const char      *command)
{
  GtkWidget *row = crm_text_row_new (title, subtitle);

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_set_focusable (row, TRUE);
  if (icon != NULL)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon));
  if (command != NULL)
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      g_autofree char *tooltip = g_strdup_printf (_("Copy the command: %s"), command);

      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "command", g_strdup (command), g_free);
      g_object_set_data_full (G_OBJECT (row), "command", g_strdup (command), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (copy_clicked_cb), NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_ptr_array_add (self->rows, row);
  g_hash_table_insert (self->named, (gpointer) which, row);
  return row;
}

/* «Мария Кузнецова — 104, Денис Морозов — 105», or NULL when nobody has an extension. */
static char *
extensions_text (CrmContext *context)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) users = crm_query_users (crm_context_get_store (context), &error);
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *array = users != NULL ? json_node_get_array (users) : NULL;

  if (users == NULL)
    /* Translators: where the users' phone extensions are listed */
    return g_strdup_printf (_("Could not read the users: %s"), error->message);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *user = json_array_get_object_element (array, i);
      const char *extension = crm_json_string (user, "extension");

      if (extension == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: a user and their extension: "Мария Кузнецова — 104" */
      g_string_append_printf (text, _("%s — %s"), crm_json_string (user, "name"), extension);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* A rule without the case it starts with («A new number: …»), which the row's title
 * says already, as a sentence; the whole rule when it has no such start. */
static char *
rule_body (const char *rule)
{
  const char *colon = strstr (rule, ": ");
  const char *body = colon != NULL && colon[2] != '\0' ? colon + 2 : rule;
  const char *rest = g_utf8_next_char (body);
  g_autofree char *first = g_utf8_strup (body, rest - body);

  return g_strconcat (first, rest, NULL);
}

static void
add_routing (CrmRoutingGroup *self,
             CrmContext      *context,
             JsonObject      *routing,
             const char      *account)
{
  g_autoptr(GPtrArray) rules = crm_call_routing_rules (routing);
  g_autofree char *group_users = crm_json_join_strings (routing, "ring_group_users");
  g_autofree char *managers = crm_json_join_strings (routing, "managers");
  g_autofree char *extensions = extensions_text (context);
  g_autofree char *ring_command = g_strdup_printf (
    "voronka-server --data DIR telephony set %s --pipeline PIPELINE --ring-group GROUP "
    "--ring-seconds 20", account);
  g_autofree char *hours_command = g_strdup_printf (
    "voronka-server --data DIR telephony set %s --hours 09:00-18:00 --days mon-fri "
    "--zone Europe/Moscow --on-duty USER", account);
  g_autofree char *new_number = NULL;
  g_autofree char *extensions_subtitle = NULL;
  g_autofree char *new_rule = NULL;
  g_autofree char *deal_rule = NULL;
  g_autofree char *contact_rule = NULL;

  g_return_if_fail (rules->len == 4);
  new_rule = rule_body (rules->pdata[0]);
  deal_rule = rule_body (rules->pdata[1]);
  contact_rule = rule_body (rules->pdata[2]);

  /* Translators: after the new-number rule: who the ring group and the managers are */
  new_number = g_strdup_printf (_("%s.\nRung first: %s. Then: %s."), new_rule,
                                group_users != NULL ? group_users : _("nobody"),
                                managers != NULL ? managers : _("nobody"));
  add_row (self, "new", "call-start-symbolic", _("New Number"), new_number, ring_command);
  add_row (self, "deal", "view-list-symbolic", _("Known Caller with an Active Deal"),
           deal_rule, NULL);
  add_row (self, "contact", "avatar-default-symbolic", _("Known Caller without an Active Deal"),
           contact_rule, NULL);
  add_row (self, "hours", "alarm-symbolic", _("Working Hours"), rules->pdata[3], hours_command);
  if (extensions != NULL)
    /* Translators: %s lists users and their extensions */
    extensions_subtitle = g_strdup_printf (_("The phone system rings: %s"), extensions);
  else
    extensions_subtitle = g_strdup (_("Nobody has an extension yet: the phone system gets "
                                      "the users' names only"));
  add_row (self, "extensions", "phone-symbolic", _("Extensions"), extensions_subtitle,
           "voronkactl user set NAME --extension 101");
}

void
crm_routing_group_reload (CrmRoutingGroup *self,
                          CrmContext      *context)
{
  g_autoptr(JsonObject) routing = NULL;
  g_autoptr(JsonObject) transport = NULL;
  g_autofree char *server = NULL;
  g_autofree char *command = NULL;
  const char *account;

  g_return_if_fail (CRM_IS_ROUTING_GROUP (self));

  crm_preferences_group_remove_rows (ADW_PREFERENCES_GROUP (self), self->rows);
  g_hash_table_remove_all (self->named);
  self->has_routing = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  if (context == NULL)
    return;

  routing = crm_call_dup_routing (crm_context_get_store (context));
  if (routing == NULL)
    {
      server = crm_store_dup_meta (crm_context_get_store (context), "sync.server");
      transport = crm_message_dup_transport (crm_context_get_store (context));
      account = crm_json_string_or (transport, "account", "ACCOUNT");
      command = g_strdup_printf ("voronka-server --data DIR telephony token %s", account);
      /* a local account has no phone system: nothing to say above its rules */
      gtk_widget_set_visible (GTK_WIDGET (self), server != NULL);
      if (server != NULL)
        add_row (self, "state", "call-start-symbolic", _("No Phone System Connected"),
                 _("The server routes calls once the office phone system has its token: the "
                   "button copies the command that prints it; docs/telephony.md shows how to "
                   "connect Asterisk or a cloud PBX."), command);
      return;
    }
  self->has_routing = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  account = crm_json_string_or (routing, "account", "ACCOUNT");
  if (crm_json_string (routing, "problem") != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (
        _("The server cannot route calls with its settings: %s"),
        crm_json_string (routing, "problem"));

      command = g_strdup_printf ("voronka-server --data DIR telephony show %s", account);
      add_row (self, "state", "dialog-warning-symbolic", _("Call Routing Needs Attention"),
               subtitle, command);
      return;
    }
  add_routing (self, context, routing, account);
}

gboolean
crm_routing_group_has_routing (CrmRoutingGroup *self)
{
  g_return_val_if_fail (CRM_IS_ROUTING_GROUP (self), FALSE);
  return self->has_routing;
}

GtkWidget *
crm_routing_group_get_row (CrmRoutingGroup *self,
                           const char      *which)
{
  g_return_val_if_fail (CRM_IS_ROUTING_GROUP (self), NULL);
  return g_hash_table_lookup (self->named, which);
}

static void
crm_routing_group_finalize (GObject *object)
{
  CrmRoutingGroup *self = CRM_ROUTING_GROUP (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->named, g_hash_table_unref);
  G_OBJECT_CLASS (crm_routing_group_parent_class)->finalize (object);
}

static void
crm_routing_group_class_init (CrmRoutingGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_routing_group_finalize;
}

static void
crm_routing_group_init (CrmRoutingGroup *self)
{
  self->rows = g_ptr_array_new ();
  self->named = g_hash_table_new (g_str_hash, g_str_equal);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Call Routing"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("How the server routes incoming calls. It is set on "
                                           "the server: each row's button copies the command "
                                           "that changes it"));
}
