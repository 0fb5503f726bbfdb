/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setup-window.c — the account's setup (issue 20): pipelines and stages (add, rename,
 * reorder with Alt+↑/↓ too, fields required at a stage), custom fields (add, label, type,
 * choices, required stages, hide), tags (add, rename, colour, merge), users (role,
 * group, invitations: made, listed and withdrawn through the server), roles (add, rename,
 * remove; whose deals each changes and its rights per pipeline in a grid, crm-rights.h). Each change is an action of the window ("setup.*") with what it needs as its
 * parameter, so buttons, dialogs, shortcuts and tests make it the same way; it builds
 * core's change set (crm-setup.h), writes it as the current user, and a toast with «Undo»
 * says what changed. Pages are rebuilt from the replica when it changes. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-setup-window.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-rights.h"
#include "crm-setting.h"
#include "crm-setup.h"
#include "crm-sync-controller.h"
#include "crm-widget-util.h"
#include "crm-json.h"

struct _CrmSetupWindow
{
  AdwPreferencesWindow  parent_instance;

  CrmContext           *context;
  gulong                changed_id;
  guint                 rebuild_id;

  AdwPreferencesPage   *pages[6];
  GPtrArray            *groups[6];     /* the groups each page holds now */
  char                 *role_id;       /* the role whose rights the Roles page shows */
  GHashTable           *rows;          /* entity id → row (borrowed) */
  char                 *focus_id;      /* the row to focus after the next rebuild */
  char                 *last_toast;
  char                 *last_invite_code;
  JsonArray            *invites;       /* the invitations waiting, as the server said last */
  GError               *invites_error; /* why they could not be read, or NULL */
  gboolean              invites_reading;
  GCancellable         *cancellable;   /* the server's answers this window waits for */
};

G_DEFINE_FINAL_TYPE (CrmSetupWindow, crm_setup_window, ADW_TYPE_PREFERENCES_WINDOW)

enum { PAGE_PIPELINES, PAGE_FIELDS, PAGE_TAGS, PAGE_USERS, PAGE_ROLES, PAGE_ACCOUNT };

static void context_changed_cb (CrmSetupWindow *self);
static void refresh_invites    (CrmSetupWindow *self);

/* ---- names people read ---- */

static const char *
stage_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "won") == 0)
    return _("Closes the deal as won");
  if (g_strcmp0 (kind, "lost") == 0)
    return _("Closes the deal as lost");
  if (g_strcmp0 (kind, "unsorted") == 0)
    return _("Incoming, not sorted yet");
  return _("Working stage");
}

static const char *
field_type_label (const char *type)
{
  static const struct { const char *type; const char *label; } labels[] = {
    { "text", N_("Text") },
    { "choice", N_("List") },
    { "bool", N_("Yes or no") },
    { "number", N_("Number") },
    { "money", N_("Money") },
    { "date", N_("Date") },
    { "companies", N_("Companies") },
    { "counter", N_("Counter") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (labels[i].type, type) == 0)
      return _(labels[i].label);
  return type;
}

static const char *
tag_group_label (const char *group)
{
  if (g_strcmp0 (group, "brand") == 0)
    return _("Brands");
  if (g_strcmp0 (group, "trailer") == 0)
    return _("Trailer Makers");
  return _("Other Tags");
}

static const struct { const char *name; const char *label; const char *rgb; } colors[] = {
  { "", N_("No colour"), NULL },
  { "blue", N_("Blue"), "#3584e4" },
  { "green", N_("Green"), "#33d17a" },
  { "yellow", N_("Yellow"), "#f6d32d" },
  { "orange", N_("Orange"), "#ff7800" },
  { "red", N_("Red"), "#e01b24" },
  { "purple", N_("Purple"), "#9141ac" },
  { "brown", N_("Brown"), "#986a44" },
  { "gray", N_("Gray"), "#77767b" },
};

/* The switches of the rights grid: a right, its column's heading. */
static const struct { const char *right; const char *label; } switch_rights[] = {
  { CRM_RIGHT_EDIT, NC_("role right", "Change") },
  { CRM_RIGHT_MOVE_WON_LOST, NC_("role right", "Close") },
  { CRM_RIGHT_REOPEN, NC_("role right", "Reopen") },
  { CRM_RIGHT_DELETE, NC_("role right", "Delete") },
  { CRM_RIGHT_EXPORT, NC_("role right", "Export") },
};
#define RIGHT_LABEL(i) g_dpgettext2 (NULL, "role right", switch_rights[i].label)
/* "see" in the grid: all, group, own (the rights a role has once have their own words,
 * crm_rights_role_rights()) */
static const struct { const char *scope; const char *see; } scopes[] = {
  { "all", N_("All deals") },
  { "group", N_("Their group’s") },
  { "own", N_("Their own") },
};

/* ---- toasts and writes ---- */

static void
show_toast (CrmSetupWindow *self,
            const char     *text,
            const char     *undo_change_set)
{
  AdwToast *toast = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  if (undo_change_set != NULL)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "setup.undo");
      adw_toast_set_action_target_value (toast, g_variant_new_string (undo_change_set));
    }
  adw_toast_set_timeout (toast, 8);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

/* Writes @changeset (NULL: @error says why it could not be made) and says so. */
static gboolean
apply (CrmSetupWindow *self,
       CrmChangeset   *changeset,
       GError         *error,
       const char     *done_text)
{
  g_autoptr(GError) local = error;

  if (changeset != NULL && crm_context_apply (self->context, changeset, &local))
    {
      show_toast (self, done_text, crm_context_get_last_change_set (self->context));
      return TRUE;
    }
  show_toast (self, local != NULL ? local->message : _("The change could not be made"), NULL);
  return FALSE;
}

static CrmStore *
store_of (CrmSetupWindow *self)
{
  return crm_context_get_store (self->context);
}

/* apply(), then focuses the row of @focus_id once the pages are built again. */
static gboolean
apply_focused (CrmSetupWindow *self,
               CrmChangeset   *changeset,
               GError         *error,
               const char     *focus_id,
               const char     *done_text)
{
  g_free (self->focus_id);
  self->focus_id = g_strdup (focus_id);
  return apply (self, changeset, error, done_text);
}

typedef CrmChangeset *(*RenameFunc) (CrmStore    *store,
                                     const char  *id,
                                     const char  *name,
                                     GError     **error);

/* An action whose parameter is (id, new name): @func makes the change, @format (with the
 * name) says it was made. */
static void
apply_rename (CrmSetupWindow *self,
              GVariant       *parameter,
              RenameFunc      func,
              const char     *format)
{
  const char *id, *name;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *text = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &name);
  changeset = func (store_of (self), id, name, &error);
  text = g_strdup_printf (format, name);
  apply (self, changeset, error, text);
}

static CrmChangeset *
rename_tag (CrmStore    *store,
            const char  *id,
            const char  *name,
            GError     **error)
{
  return crm_setup_tag_update (store, id, name, NULL, NULL, error);
}

static CrmChangeset *
rename_field (CrmStore    *store,
              const char  *id,
              const char  *name,
              GError     **error)
{
  return crm_setup_field_update (store, id, name, NULL, NULL, -1, error);
}

/* ---- the actions: one per change, what it needs in its parameter ---- */

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (crm_context_undo (self->context, g_variant_get_string (parameter, NULL), &error))
    show_toast (self, _("Undone"), NULL);
  else
    show_toast (self, error->message, NULL);
}

static void
pipeline_add_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  GError *error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(CrmChangeset) changeset =
    crm_setup_pipeline_add (store_of (self), g_variant_get_string (parameter, NULL), &id, &error);
  g_autofree char *text = g_strdup_printf (_("Pipeline «%s» added"),
                                           g_variant_get_string (parameter, NULL));

  apply_focused (self, changeset, error, id, text);
}

static void
pipeline_rename_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, crm_setup_pipeline_rename, _("Pipeline renamed to «%s»"));
}

static void
stage_add_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *pipeline, *name;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  g_variant_get (parameter, "(&s&s)", &pipeline, &name);
  changeset = crm_setup_stage_add (store_of (self), pipeline, name, "open", NULL, &id, &error);
  text = g_strdup_printf (_("Stage «%s» added"), name);
  apply_focused (self, changeset, error, id, text);
}

static void
stage_rename_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, crm_setup_stage_rename, _("Stage renamed to «%s»"));
}

static void
stage_move_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id;
  gint32 delta;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;

  g_variant_get (parameter, "(&si)", &id, &delta);
  changeset = crm_setup_stage_move (store_of (self), id, delta, &error);
  apply_focused (self, changeset, error, id, delta < 0 ? _("Stage moved up") : _("Stage moved down"));
}

static void
stage_kind_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *kind;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) stage = NULL;
  g_autofree char *text = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &kind);
  stage = crm_store_dup_entity (store_of (self), "stage", id);
  if (g_strcmp0 (crm_json_string (stage, "kind"), kind) == 0)
    return;
  changeset = crm_setup_stage_set_kind (store_of (self), id, kind, &error);
  text = g_strdup_printf (_("«%s»: %s"), crm_json_string_or (stage, "name", ""),
                          stage_kind_label (kind));
  if (!apply_focused (self, changeset, error, id, text))
    context_changed_cb (self);   /* the kind picker goes back to what is stored */
}

static void
stage_remove_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *move_to;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(JsonObject) target = NULL;
  g_autofree char *text = NULL;
  guint deals = 0;

  g_variant_get (parameter, "(&s&s)", &id, &move_to);
  stage = crm_store_dup_entity (store_of (self), "stage", id);
  target = *move_to != '\0' ? crm_store_dup_entity (store_of (self), "stage", move_to) : NULL;
  changeset = crm_setup_stage_remove (store_of (self), id, *move_to != '\0' ? move_to : NULL,
                                      &deals, &error);
  if (deals > 0)
    text = g_strdup_printf (ngettext ("Stage «%s» removed; its %u deal moved to «%s»",
                                      "Stage «%s» removed; its %u deals moved to «%s»", deals),
                            crm_json_string_or (stage, "name", ""), deals,
                            crm_json_string_or (target, "name", ""));
  else
    text = g_strdup_printf (_("Stage «%s» removed"), crm_json_string_or (stage, "name", ""));
  apply_focused (self, changeset, error, crm_json_string (stage, "pipeline"), text);
}

static void
pipeline_archive_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  gboolean archive = g_str_equal (action_name, "setup.pipeline-archive");
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_setup_pipeline_archive (store_of (self), id, archive,
                                                                  &error);

  apply_focused (self, changeset, error, id,
                 archive ? _("Pipeline archived; its deals are kept")
                         : _("Pipeline back in use"));
}

static void
reason_add_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *pipeline, *name;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  g_variant_get (parameter, "(&s&s)", &pipeline, &name);
  changeset = crm_setup_reason_add (store_of (self), pipeline, name, &id, &error);
  text = g_strdup_printf (_("Loss reason «%s» added"), name);
  apply_focused (self, changeset, error, id, text);
}

static void
reason_rename_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, crm_setup_reason_rename,
                _("Loss reason renamed to «%s»"));
}

static void
reason_remove_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset =
    crm_setup_reason_remove (store_of (self), g_variant_get_string (parameter, NULL), &error);

  apply (self, changeset, error, _("Loss reason removed; deals lost for it keep it"));
}

static void
tag_remove_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  GError *error = NULL;
  guint deals = 0;
  g_autoptr(CrmChangeset) changeset =
    crm_setup_tag_remove (store_of (self), g_variant_get_string (parameter, NULL), &deals, &error);
  g_autofree char *text = g_strdup_printf (ngettext ("Tag removed from %u deal",
                                                     "Tag removed from %u deals", deals), deals);

  apply (self, changeset, error, text);
}

/* "a, b; c" or one per line → a NULL-terminated list */
static GStrv
split_choices (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_regex_split_simple ("[,;\\n]", text != NULL ? text : "", 0, 0);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

/* A key for a new field from its label: latin letters and digits as they are, anything
 * else "_"; "field_N" when nothing latin is left (a Russian label). */
static char *
field_key_for (CrmSetupWindow *self,
               const char     *entity,
               const char     *label)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) fields = crm_query_fields (store_of (self), entity, &error);
  g_autofree char *ascii = g_str_to_ascii (label, "C");
  g_autoptr(GString) key = g_string_new (NULL);
  g_autofree char *base = NULL;

  if (fields == NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the fields"), error);

  for (const char *p = ascii; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (key, g_ascii_tolower (*p));
      else if (key->len > 0 && key->str[key->len - 1] != '_')
        g_string_append_c (key, '_');
    }
  while (key->len > 0 && key->str[key->len - 1] == '_')
    g_string_truncate (key, key->len - 1);
  if (key->len == 0 || !g_ascii_islower (key->str[0]) || key->len > 40)
    g_string_assign (key, "field");
  base = g_strdup (key->str);
  for (guint n = 2; ; n++)
    {
      gboolean taken = FALSE;

      for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
        taken |= g_strcmp0 (crm_json_string (json_array_get_object_element (fields, i), "key"),
                            key->str) == 0;
      if (!taken && !g_str_equal (key->str, "field"))
        break;
      g_string_printf (key, "%s_%u", base, n);
    }
  return g_string_free (g_steal_pointer (&key), FALSE);
}

static void
field_add_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *entity, *label, *type, *choices_text;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_auto(GStrv) choices = NULL;
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  g_variant_get (parameter, "(&s&s&s&s)", &entity, &label, &type, &choices_text);
  choices = split_choices (choices_text);
  key = field_key_for (self, entity, label);
  changeset = crm_setup_field_add (store_of (self), entity, key, label, type,
                                   (const char * const *) choices, NULL, &id, &error);
  text = g_strdup_printf (_("Field «%s» added"), label);
  apply_focused (self, changeset, error, id, text);
}

static void
field_rename_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, rename_field, _("Field renamed to «%s»; its values are kept"));
}

static void
field_choices_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *choices_text;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_auto(GStrv) choices = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &choices_text);
  choices = split_choices (choices_text);
  changeset = crm_setup_field_update (store_of (self), id, NULL, (const char * const *) choices,
                                      NULL, -1, &error);
  apply (self, changeset, error, _("Choices saved"));
}

static void
field_required_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id;
  g_autofree const char **stages = NULL;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;

  g_variant_get (parameter, "(&s^a&s)", &id, &stages);
  changeset = crm_setup_field_update (store_of (self), id, NULL, NULL,
                                      (const char * const *) stages, -1, &error);
  apply (self, changeset, error, _("Required stages saved"));
}

static void
field_hidden_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id;
  gboolean hidden;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;

  g_variant_get (parameter, "(&sb)", &id, &hidden);
  changeset = crm_setup_field_update (store_of (self), id, NULL, NULL, NULL, hidden ? 1 : 0, &error);
  apply_focused (self, changeset, error, id,
         hidden ? _("Field hidden from cards and forms") : _("Field shown again"));
}

static void
tag_add_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *name, *group;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  /* (group, name): what «Add Tag…» of a group's header asks (ask_text: id, then text) */
  g_variant_get (parameter, "(&s&s)", &group, &name);
  changeset = crm_setup_tag_add (store_of (self), name, group, NULL, &id, &error);
  text = g_strdup_printf (_("Tag «%s» added"), name);
  apply_focused (self, changeset, error, id, text);
}

static void
tag_rename_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, rename_tag, _("Tag renamed to «%s»"));
}

static void
tag_color_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *color;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &color);
  changeset = crm_setup_tag_update (store_of (self), id, NULL, NULL, color, &error);
  apply_focused (self, changeset, error, id, _("Tag colour changed"));
}

static void
tag_merge_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *from, *into;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) into_tag = NULL;
  g_autofree char *text = NULL;
  guint deals = 0;

  g_variant_get (parameter, "(&s&s)", &from, &into);
  changeset = crm_setup_tag_merge (store_of (self), from, into, &deals, &error);
  into_tag = crm_store_dup_entity (store_of (self), "tag", into);
  text = g_strdup_printf (ngettext ("Merged into «%s»: %u deal retagged",
                                    "Merged into «%s»: %u deals retagged", deals),
                          crm_json_string_or (into_tag, "name", ""), deals);
  apply (self, changeset, error, text);
}

static void
user_role_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *role;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *text = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &role);
  user = crm_store_dup_entity (store_of (self), "user", id);
  if (g_strcmp0 (crm_json_string (user, "role"), role) == 0)
    return;   /* (a key or a role's id, as `user.role` says it) */
  changeset = crm_setup_user_update (store_of (self), id, role, NULL, &error);
  text = g_strdup_printf (_("%s’s role changed"), crm_json_string_or (user, "name", ""));
  if (!apply_focused (self, changeset, error, id, text))
    context_changed_cb (self);   /* the role picker goes back to what is stored */
}

/* ---- roles ---- */

static void
role_add_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *like, *name;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *text = NULL;

  g_variant_get (parameter, "(&s&s)", &like, &name);
  changeset = crm_setup_role_add (store_of (self), name, *like != '\0' ? like : NULL, &id, &error);
  text = g_strdup_printf (_("Role «%s» added"), name);
  if (apply (self, changeset, error, text))
    {
      g_free (self->role_id);
      self->role_id = g_steal_pointer (&id);
    }
}

static CrmChangeset *
rename_role (CrmStore    *store,
             const char  *id,
             const char  *name,
             GError     **error)
{
  return crm_setup_role_set (store, id, name, NULL, error);
}

static void
role_rename_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  apply_rename (CRM_SETUP_WINDOW (widget), parameter, rename_role, _("Role renamed to «%s»"));
}

static void
role_remove_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_setup_role_remove (store_of (self), id, &error);

  if (apply (self, changeset, error, _("Role removed")) && g_strcmp0 (self->role_id, id) == 0)
    g_clear_pointer (&self->role_id, g_free);
}

/* The role whose rights the grid shows (nothing is written). */
static void
role_select_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);

  g_free (self->role_id);
  self->role_id = g_strdup (g_variant_get_string (parameter, NULL));
  context_changed_cb (self);
}

/* (role id, pipeline id or "" for the others or a right the role has once, right, value):
 * a scope for "see", "changes" and "team", "true" or "false" for the others. */
static void
role_right_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *pipeline, *right, *value;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_variant_get (parameter, "(&s&s&s&s)", &id, &pipeline, &right, &value);
  if (g_str_equal (right, CRM_RIGHT_SEE) ||
      (crm_rights_role_right (right) != NULL && crm_rights_role_right (right)->scope))
    node = json_node_init_string (json_node_alloc (), value);
  else
    node = json_node_init_boolean (json_node_alloc (), g_str_equal (value, "true"));
  changeset = crm_setup_role_set_right (store_of (self), id, *pipeline != '\0' ? pipeline : NULL,
                                        right, node, &error);
  if (!apply (self, changeset, error, _("Rights changed")))
    context_changed_cb (self);   /* the grid goes back to what is stored */
}

static void
user_group_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *group;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;

  g_variant_get (parameter, "(&s&s)", &id, &group);
  changeset = crm_setup_user_update (store_of (self), id, NULL, group, &error);
  apply (self, changeset, error, *group != '\0' ? _("Group changed") : _("Taken out of the group"));
}

static void
user_deactivate_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id, *heir;
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) heir_user = NULL;
  g_autofree char *deals_text = NULL;
  g_autofree char *text = NULL;
  guint deals = 0, tasks = 0;

  g_variant_get (parameter, "(&s&s)", &id, &heir);
  user = crm_store_dup_entity (store_of (self), "user", id);
  heir_user = crm_store_dup_entity (store_of (self), "user", heir);
  changeset = crm_setup_user_deactivate (store_of (self), id, heir, &deals, &tasks, &error);
  deals_text = g_strdup_printf (ngettext ("%u open deal", "%u open deals", deals), deals);
  /* TRANSLATORS: "Мария deactivated: 3 open deals and 2 open tasks went to Денис" */
  text = g_strdup_printf (ngettext ("%s deactivated: %s and %u open task went to %s",
                                    "%s deactivated: %s and %u open tasks went to %s", tasks),
                          crm_json_string_or (user, "name", ""), deals_text, tasks,
                          crm_json_string_or (heir_user, "name", ""));
  apply_focused (self, changeset, error, id, text);
}

static void
user_reactivate_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_setup_user_reactivate (store_of (self), id, &error);
  g_autoptr(JsonObject) user = crm_store_dup_entity (store_of (self), "user", id);
  g_autofree char *text = g_strdup_printf (_("%s can sign in again"),
                                           crm_json_string_or (user, "name", ""));

  apply_focused (self, changeset, error, id, text);
}

/* ---- dialogs that ask for what an action needs ---- */

typedef struct {
  CrmSetupWindow *self;
  char           *action;     /* "setup.…" */
  char           *id;         /* the first string of "(ss)", or NULL for "s" */
  GtkEditable    *entry;
} Ask;

static void
ask_free (Ask *ask)
{
  g_free (ask->action);
  g_free (ask->id);
  g_free (ask);
}

static void
ask_closure_free (gpointer  data,
                  GClosure *closure)
{
  ask_free (data);
}

static void
ask_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 Ask              *ask)
{
  const char *text = gtk_editable_get_text (ask->entry);

  if (g_str_equal (response, "ok"))
    {
      if (ask->id != NULL)
        gtk_widget_activate_action (GTK_WIDGET (ask->self), ask->action, "(ss)", ask->id, text);
      else
        gtk_widget_activate_action (GTK_WIDGET (ask->self), ask->action, "s", text);
    }
}

/* Enter is «OK». adw_message_dialog_response() does not close the dialog in libadwaita
 * 1.2, and gtk_window_close() after it would answer a second time («cancel», the close
 * response): the dialog answers once and goes. */
static void
entry_activate_cb (GtkEntry         *entry,
                   AdwMessageDialog *dialog)
{
  adw_message_dialog_response (dialog, "ok");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* A dialog asking one line of text; on «OK» activates @action with (@id, text), or with
 * the text alone when @id is NULL. */
static void
ask_text (CrmSetupWindow *self,
          const char     *heading,
          const char     *body,
          const char     *initial,
          const char     *ok_label,
          const char     *action,
          const char     *id)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  GtkWidget *entry = gtk_entry_new ();
  Ask *ask = g_new0 (Ask, 1);

  ask->self = self;
  ask->action = g_strdup (action);
  ask->id = g_strdup (id);
  ask->entry = GTK_EDITABLE (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), initial != NULL ? initial : "");
  g_signal_connect (entry, "activate", G_CALLBACK (entry_activate_cb), dialog);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", ok_label, NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (ask_response_cb), ask,
                         ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
ask_button_clicked_cb (GtkButton      *button,
                       CrmSetupWindow *self)
{
  ask_text (self,
            g_object_get_data (G_OBJECT (button), "heading"),
            g_object_get_data (G_OBJECT (button), "body"),
            g_object_get_data (G_OBJECT (button), "initial"),
            g_object_get_data (G_OBJECT (button), "ok"),
            g_object_get_data (G_OBJECT (button), "action"),
            g_object_get_data (G_OBJECT (button), "id"));
}

/* A button that opens ask_text(). */
static GtkWidget *
ask_button (CrmSetupWindow *self,
            const char     *icon_name,
            const char     *label,
            const char     *tooltip,
            const char     *heading,
            const char     *initial,
            const char     *ok_label,
            const char     *action,
            const char     *id)
{
  GtkWidget *button = icon_name != NULL ? gtk_button_new_from_icon_name (icon_name)
                                        : gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (icon_name != NULL)
    gtk_widget_add_css_class (button, "flat");
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data_full (G_OBJECT (button), "heading", g_strdup (heading), g_free);
  g_object_set_data_full (G_OBJECT (button), "initial", g_strdup (initial), g_free);
  g_object_set_data_full (G_OBJECT (button), "ok", g_strdup (ok_label), g_free);
  g_object_set_data_full (G_OBJECT (button), "action", g_strdup (action), g_free);
  g_object_set_data_full (G_OBJECT (button), "id", g_strdup (id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (ask_button_clicked_cb), self);
  return button;
}

static GtkWidget *
action_button (const char *icon_name,
               const char *tooltip,
               const char *action,
               GVariant   *target)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  return button;
}

/* The new field dialog: label, type, choices. */
typedef struct {
  CrmSetupWindow *self;
  char           *entity;
  GtkEditable    *label;
  GtkDropDown    *type;
  GtkEditable    *choices;
} FieldAsk;

static void
field_ask_free (FieldAsk *ask)
{
  g_free (ask->entity);
  g_free (ask);
}

static void
field_ask_closure_free (gpointer  data,
                        GClosure *closure)
{
  field_ask_free (data);
}

static void
field_ask_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       FieldAsk         *ask)
{
  const char * const *types = crm_setup_field_types ();
  guint selected = gtk_drop_down_get_selected (ask->type);

  if (!g_str_equal (response, "ok") || selected >= g_strv_length ((char **) types))
    return;
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.field-add", "(ssss)", ask->entity,
                              gtk_editable_get_text (ask->label), types[selected],
                              gtk_editable_get_text (ask->choices));
}

static void
field_type_changed_cb (GtkDropDown *type,
                       GParamSpec  *pspec,
                       GtkWidget   *choices)
{
  const char * const *types = crm_setup_field_types ();
  guint selected = gtk_drop_down_get_selected (type);

  gtk_widget_set_visible (choices, selected < g_strv_length ((char **) types) &&
                                   g_str_equal (types[selected], "choice"));
}

static void
add_field_clicked_cb (GtkButton      *button,
                      CrmSetupWindow *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), _("New Field"),
                            _("People fill it in on the card; it is kept under its key when "
                              "you rename it later.")));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_entry_new ();
  GtkStringList *type_names = gtk_string_list_new (NULL);
  GtkWidget *type = NULL;
  GtkWidget *choices = gtk_entry_new ();
  const char * const *types = crm_setup_field_types ();
  FieldAsk *ask = g_new0 (FieldAsk, 1);

  for (guint i = 0; types[i] != NULL; i++)
    gtk_string_list_append (type_names, field_type_label (types[i]));
  type = gtk_drop_down_new (G_LIST_MODEL (type_names), NULL);
  gtk_entry_set_placeholder_text (GTK_ENTRY (label), _("Label, such as Truck model"));
  gtk_entry_set_placeholder_text (GTK_ENTRY (choices), _("Choices, separated by commas"));
  gtk_widget_set_visible (choices, FALSE);
  g_signal_connect (type, "notify::selected", G_CALLBACK (field_type_changed_cb), choices);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), type);
  gtk_box_append (GTK_BOX (box), choices);
  ask->self = self;
  ask->entity = g_strdup (g_object_get_data (G_OBJECT (button), "entity"));
  ask->label = GTK_EDITABLE (label);
  ask->type = GTK_DROP_DOWN (type);
  ask->choices = GTK_EDITABLE (choices);
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("_Add"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (field_ask_response_cb), ask,
                         field_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (label);
}

/* Required stages: a check button per stage of every pipeline. */
typedef struct {
  CrmSetupWindow *self;
  char           *field_id;
  GPtrArray      *checks;   /* GtkCheckButton with "stage" data */
} StagesAsk;

static void
stages_ask_free (StagesAsk *ask)
{
  g_free (ask->field_id);
  g_ptr_array_unref (ask->checks);
  g_free (ask);
}

static void
stages_ask_closure_free (gpointer  data,
                         GClosure *closure)
{
  stages_ask_free (data);
}

static void
stages_ask_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        StagesAsk        *ask)
{
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("as"));

  if (!g_str_equal (response, "ok"))
    return;
  for (guint i = 0; i < ask->checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (ask->checks, i);

      if (gtk_check_button_get_active (check))
        g_variant_builder_add (builder, "s", g_object_get_data (G_OBJECT (check), "stage"));
    }
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.field-required", "(sas)",
                              ask->field_id, builder);
}

static void
required_clicked_cb (GtkButton      *button,
                     CrmSetupWindow *self)
{
  const char *field_id = g_object_get_data (G_OBJECT (button), "id");
  g_autoptr(JsonObject) field = crm_store_dup_entity (store_of (self), "field", field_id);
  JsonArray *required = field != NULL && json_object_has_member (field, "required_stages") &&
                        JSON_NODE_HOLDS_ARRAY (json_object_get_member (field, "required_stages"))
                        ? json_object_get_array_member (field, "required_stages") : NULL;
  g_autofree char *heading = g_strdup_printf (_("Where «%s» Is Required"),
                                              crm_json_string (field, "label"));
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), heading,
                            _("A deal enters the stages ticked here only with this field filled.")));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  JsonArray *pipelines = crm_context_get_pipelines (self->context);
  StagesAsk *ask = g_new0 (StagesAsk, 1);

  ask->self = self;
  ask->field_id = g_strdup (field_id);
  ask->checks = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");
      GtkWidget *title = gtk_label_new (crm_json_string (pipeline, "name"));

      gtk_widget_add_css_class (title, "heading");
      gtk_widget_set_halign (title, GTK_ALIGN_START);
      gtk_widget_set_margin_top (title, i > 0 ? 12 : 0);
      gtk_box_append (GTK_BOX (box), title);
      for (guint j = 0; j < json_array_get_length (stages); j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);
          GtkWidget *check = gtk_check_button_new_with_label (crm_json_string (stage, "name"));
          gboolean on = FALSE;

          for (guint k = 0; required != NULL && k < json_array_get_length (required); k++)
            on |= g_strcmp0 (json_array_get_string_element (required, k),
                             crm_json_string (stage, "id")) == 0;
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), on);
          g_object_set_data_full (G_OBJECT (check), "stage",
                                  g_strdup (crm_json_string (stage, "id")), g_free);
          g_ptr_array_add (ask->checks, check);
          gtk_box_append (GTK_BOX (box), check);
        }
    }
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  adw_message_dialog_set_extra_child (dialog, scrolled);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "ok");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (stages_ask_response_cb), ask,
                         stages_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Merging a tag: pick the one it becomes. */
typedef struct {
  CrmSetupWindow *self;
  char           *from;
  GPtrArray      *ids;
  GtkDropDown    *into;
} MergeAsk;

static void
merge_ask_free (MergeAsk *ask)
{
  g_free (ask->from);
  g_ptr_array_unref (ask->ids);
  g_free (ask);
}

static void
merge_ask_closure_free (gpointer  data,
                        GClosure *closure)
{
  merge_ask_free (data);
}

static void
merge_ask_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       MergeAsk         *ask)
{
  guint selected = gtk_drop_down_get_selected (ask->into);

  if (!g_str_equal (response, "merge") || selected >= ask->ids->len)
    return;
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.tag-merge", "(ss)", ask->from,
                              g_ptr_array_index (ask->ids, selected));
}

static void
merge_clicked_cb (GtkButton      *button,
                  CrmSetupWindow *self)
{
  const char *from = g_object_get_data (G_OBJECT (button), "id");
  g_autoptr(JsonObject) tag = crm_store_dup_entity (store_of (self), "tag", from);
  g_autofree char *heading = g_strdup_printf (_("Merge «%s» Into…"),
                                              crm_json_string (tag, "name"));
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), heading,
                            _("Its deals get the tag picked here, and this tag is removed.")));
  GtkStringList *names = gtk_string_list_new (NULL);
  JsonArray *tags = crm_context_get_tags (self->context);
  MergeAsk *ask = g_new0 (MergeAsk, 1);

  ask->self = self;
  ask->from = g_strdup (from);
  ask->ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (tags); i++)
    {
      JsonObject *other = json_array_get_object_element (tags, i);

      if (g_strcmp0 (crm_json_string (other, "id"), from) == 0)
        continue;
      g_ptr_array_add (ask->ids, g_strdup (crm_json_string (other, "id")));
      gtk_string_list_append (names, crm_json_string (other, "name"));
    }
  ask->into = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (names), NULL));
  gtk_drop_down_set_enable_search (ask->into, TRUE);
  adw_message_dialog_set_extra_child (dialog, GTK_WIDGET (ask->into));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "merge", _("_Merge"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "merge", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (merge_ask_response_cb), ask,
                         merge_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Removing a stage: when it holds deals, pick the stage they go to. */
typedef struct {
  CrmSetupWindow *self;
  char           *id;
  GPtrArray      *ids;
  GtkDropDown    *target;   /* NULL: the stage is empty */
} StageRemoveAsk;

static void
stage_remove_ask_free (StageRemoveAsk *ask)
{
  g_free (ask->id);
  g_ptr_array_unref (ask->ids);
  g_free (ask);
}

static void
stage_remove_ask_closure_free (gpointer  data,
                               GClosure *closure)
{
  stage_remove_ask_free (data);
}

static void
stage_remove_ask_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              StageRemoveAsk   *ask)
{
  guint selected = ask->target != NULL ? gtk_drop_down_get_selected (ask->target) : 0;

  if (!g_str_equal (response, "remove") || (ask->target != NULL && selected >= ask->ids->len))
    return;
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.stage-remove", "(ss)", ask->id,
                              ask->target != NULL ? g_ptr_array_index (ask->ids, selected) : "");
}

static void
stage_remove_clicked_cb (GtkButton      *button,
                         CrmSetupWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "id");
  g_autoptr(JsonObject) stage = crm_store_dup_entity (store_of (self), "stage", id);
  const char *pipeline_id = crm_json_string (stage, "pipeline");
  CrmDealFilter filter = { .pipeline_id = pipeline_id, .stage_id = id, .limit = 1 };
  g_autoptr(JsonNode) some = NULL;
  gint64 total = 0;
  g_autofree char *heading = g_strdup_printf (_("Remove Stage «%s»?"),
                                              crm_json_string_or (stage, "name", ""));
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  StageRemoveAsk *ask = g_new0 (StageRemoveAsk, 1);

  some = crm_query_deals (store_of (self), &filter, &total, NULL);
  ask->self = self;
  ask->id = g_strdup (id);
  ask->ids = g_ptr_array_new_with_free_func (g_free);
  if (total > 0)
    body = g_strdup_printf (ngettext ("It holds %u deal: pick the stage it moves to. One "
                                      "change, which you can undo.",
                                      "It holds %u deals: pick the stage they move to. One "
                                      "change, which you can undo.", (gulong) total),
                            (guint) total);
  else
    body = g_strdup (_("No deal is at this stage. You can undo the removal."));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  if (total > 0)
    {
      JsonArray *pipelines = crm_context_get_pipelines (self->context);
      GtkStringList *names = gtk_string_list_new (NULL);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *label = gtk_label_new_with_mnemonic (_("_Deals go to"));

      for (guint i = 0; i < json_array_get_length (pipelines); i++)
        {
          JsonObject *pipeline = json_array_get_object_element (pipelines, i);
          JsonArray *stages = json_object_get_array_member (pipeline, "stages");

          if (g_strcmp0 (crm_json_string (pipeline, "id"), pipeline_id) != 0)
            continue;
          for (guint j = 0; stages != NULL && j < json_array_get_length (stages); j++)
            {
              JsonObject *other = json_array_get_object_element (stages, j);

              if (g_strcmp0 (crm_json_string (other, "id"), id) == 0)
                continue;
              g_ptr_array_add (ask->ids, g_strdup (crm_json_string (other, "id")));
              gtk_string_list_append (names, crm_json_string (other, "name"));
            }
        }
      ask->target = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (names), NULL));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (ask->target));
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->target));
      adw_message_dialog_set_extra_child (dialog, box);
    }
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (stage_remove_ask_response_cb), ask,
                         stage_remove_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  if (ask->target != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (ask->target));
}

static const char *const stage_kinds[] = { "open", "won", "lost" };

static void
stage_kind_selected_cb (GtkDropDown    *drop_down,
                        GParamSpec     *pspec,
                        CrmSetupWindow *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (selected >= G_N_ELEMENTS (stage_kinds) || g_object_get_data (G_OBJECT (drop_down), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.stage-kind", "(ss)",
                              g_object_get_data (G_OBJECT (drop_down), "id"),
                              stage_kinds[selected]);
}

/* Deactivating a user: pick the colleague who takes over. */
typedef struct {
  CrmSetupWindow *self;
  char           *id;
  GPtrArray      *ids;
  GtkDropDown    *heir;
} DeactivateAsk;

static void
deactivate_ask_free (DeactivateAsk *ask)
{
  g_free (ask->id);
  g_ptr_array_unref (ask->ids);
  g_free (ask);
}

static void
deactivate_ask_closure_free (gpointer  data,
                             GClosure *closure)
{
  deactivate_ask_free (data);
}

static void
deactivate_ask_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            DeactivateAsk    *ask)
{
  guint selected = gtk_drop_down_get_selected (ask->heir);

  if (!g_str_equal (response, "deactivate") || selected >= ask->ids->len)
    return;
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.user-deactivate", "(ss)", ask->id,
                              g_ptr_array_index (ask->ids, selected));
}

static void
deactivate_clicked_cb (GtkButton      *button,
                       CrmSetupWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "id");
  g_autoptr(JsonObject) user = crm_store_dup_entity (store_of (self), "user", id);
  g_autofree char *heading = g_strdup_printf (_("Deactivate %s?"),
                                              crm_json_string_or (user, "name", ""));
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), heading,
                            _("Their open deals and tasks go to the colleague picked here, in "
                              "one change you can undo. They can no longer sign in: the server "
                              "refuses them at their next sync. Won and lost deals stay theirs "
                              "in the reports.")));
  GtkStringList *names = gtk_string_list_new (NULL);
  JsonArray *users = crm_context_get_users (self->context);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("_Takes over"));
  DeactivateAsk *ask = g_new0 (DeactivateAsk, 1);

  ask->self = self;
  ask->id = g_strdup (id);
  ask->ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *other = json_array_get_object_element (users, i);
      const char *other_id = crm_json_string (other, "id");

      if (g_strcmp0 (other_id, id) == 0 ||
          !json_object_get_boolean_member_with_default (other, "active", TRUE))
        continue;
      g_ptr_array_add (ask->ids, g_strdup (other_id));
      gtk_string_list_append (names, crm_json_string (other, "name"));
    }
  ask->heir = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (names), NULL));
  gtk_drop_down_set_enable_search (ask->heir, TRUE);
  gtk_widget_set_name (GTK_WIDGET (ask->heir), "heir");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (ask->heir));
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->heir));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "deactivate",
                                    _("_Deactivate"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "deactivate", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "deactivate", ask->ids->len > 0);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (deactivate_ask_response_cb), ask,
                         deactivate_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (ask->heir));
}

/* Inviting a user: a name, a role and how long the code works; the server makes a
 * one-time code. */
typedef struct {
  CrmSetupWindow *self;
  GtkEditable    *name;
  GtkDropDown    *role;
  GStrv           roles;   /* what `user.role` says for each of the drop-down's roles */
  GtkDropDown    *days;
} InviteAsk;

/* the choices of how long a code works (the server takes 1 to 90; 7 is its default) */
static const guint invite_days[] = { 1, 3, 7, 14, 30, 90 };
#define INVITE_DAYS_DEFAULT 2

static void
invite_ask_closure_free (gpointer  data,
                         GClosure *closure)
{
  InviteAsk *ask = data;

  g_strfreev (ask->roles);
  g_free (ask);
}

static void
invite_ask_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        InviteAsk        *ask)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (ask->name)));
  guint selected = gtk_drop_down_get_selected (ask->role);
  guint days = gtk_drop_down_get_selected (ask->days);

  /* the dialog goes away now: its entry gives up the focus first */
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);
  if (!g_str_equal (response, "invite") || *name == '\0' || ask->roles == NULL ||
      selected >= g_strv_length (ask->roles) || days >= G_N_ELEMENTS (invite_days))
    return;
  /* any role of the account, a custom one too: the server finds it in its replica */
  gtk_widget_activate_action (GTK_WIDGET (ask->self), "setup.invite", "(ssu)", name,
                              ask->roles[selected], invite_days[days]);
}

static void
invite_name_changed_cb (GtkEditable      *editable,
                        AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (editable)));

  adw_message_dialog_set_response_enabled (dialog, "invite", *name != '\0');
}

static void
invite_clicked_cb (GtkButton      *button,
                   CrmSetupWindow *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), _("Invite a User"),
                            _("The server makes a one-time code for them. They enter it with "
                              "the server's address when signing in, and choose their own "
                              "password. The code works once, until it expires.")));
  GtkStringList *names = gtk_string_list_new (NULL);
  GtkStringList *periods = gtk_string_list_new (NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *name_label = gtk_label_new_with_mnemonic (_("_Full Name"));
  GtkWidget *role_label = gtk_label_new_with_mnemonic (_("_Role"));
  GtkWidget *days_label = gtk_label_new_with_mnemonic (_("Code _Works For"));
  GtkWidget *entry = gtk_entry_new ();
  InviteAsk *ask = g_new0 (InviteAsk, 1);
  g_autoptr(JsonArray) roles = crm_rights_role_list (store_of (self), NULL);
  g_autoptr(GStrvBuilder) refs = g_strv_builder_new ();
  guint rep = 0;

  /* the account's roles, built-in first, the sales rep's chosen */
  for (guint i = 0; roles != NULL && i < json_array_get_length (roles); i++)
    {
      JsonObject *role = json_array_get_object_element (roles, i);

      if (g_strcmp0 (crm_json_string (role, "key"), CRM_ROLE_REP) == 0)
        rep = i;
      gtk_string_list_append (names, crm_json_string (role, "name"));
      g_strv_builder_add (refs, crm_rights_role_ref (role));
    }
  if (roles == NULL)
    for (const char * const *key = crm_rights_builtin_keys (); *key != NULL; key++)
      {
        if (g_str_equal (*key, CRM_ROLE_REP))
          rep = g_strv_length ((char **) crm_rights_builtin_keys ()) - 1;
        gtk_string_list_append (names, crm_rights_builtin_label (*key));
        g_strv_builder_add (refs, *key);
      }
  ask->roles = g_strv_builder_end (refs);
  for (guint d = 0; d < G_N_ELEMENTS (invite_days); d++)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%lld day", "%lld days",
                                                         invite_days[d]),
                                               (long long) invite_days[d]);

      gtk_string_list_append (periods, text);
    }
  ask->self = self;
  ask->name = GTK_EDITABLE (entry);
  ask->role = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (names), NULL));
  gtk_drop_down_set_selected (ask->role, rep);
  ask->days = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (periods), NULL));
  gtk_drop_down_set_selected (ask->days, INVITE_DAYS_DEFAULT);
  gtk_widget_set_name (entry, "invite-name");
  gtk_widget_set_name (GTK_WIDGET (ask->role), "invite-role");
  gtk_widget_set_name (GTK_WIDGET (ask->days), "invite-days");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_xalign (GTK_LABEL (role_label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (name_label), entry);
  gtk_label_set_mnemonic_widget (GTK_LABEL (role_label), GTK_WIDGET (ask->role));
  gtk_label_set_xalign (GTK_LABEL (days_label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (days_label), GTK_WIDGET (ask->days));
  gtk_box_append (GTK_BOX (box), name_label);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), role_label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->role));
  gtk_box_append (GTK_BOX (box), days_label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->days));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "invite",
                                    _("_Make a Code"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "invite", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "invite");
  adw_message_dialog_set_response_enabled (dialog, "invite", FALSE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (entry, "changed", G_CALLBACK (invite_name_changed_cb), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (invite_ask_response_cb), ask,
                         invite_ask_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
invite_copy_cb (AdwMessageDialog *dialog,
                const char       *response,
                const char       *text)
{
  if (g_str_equal (response, "copy"))
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), text);
}

static GtkWidget *
invite_value_label (const char *text,
                    const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (label, style);
  return label;
}

static void
invited_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CrmSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) invite = crm_sync_controller_invite_finish (
    CRM_SYNC_CONTROLLER (source), result, &error);
  g_autofree char *when = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *copy = NULL;
  const char *name, *code, *server;
  AdwMessageDialog *dialog;
  GtkWidget *box;
  GtkWidget *caption;

  if (invite == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("No invitation: %s"), error->message);

      show_toast (self, text, NULL);
      return;
    }
  refresh_invites (self);
  name = crm_json_string_or (invite, "name", "");
  code = crm_json_string_or (invite, "code", "");
  server = crm_json_string_or (invite, "server", "");
  g_free (self->last_invite_code);
  self->last_invite_code = g_strdup (code);
  when = crm_format_date_time (json_object_get_int_member_with_default (invite, "expires", 0));
  heading = g_strdup_printf (_("Invitation for %s"), name);
  body = g_strdup_printf (_("Give them the code and the server's address. When signing in to "
                            "Voronka they choose «I have an invitation code» and pick their "
                            "own password. The code works once, until %s."), when);
  /* Translators: what «Copy» puts on the clipboard for the new user */
  copy = g_strdup_printf (_("Server: %s\nInvitation code: %s"), server, code);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  caption = gtk_label_new (_("Invitation code"));
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (GTK_BOX (box), invite_value_label (code, "title-1"));
  caption = gtk_label_new (_("Server address"));
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_widget_set_margin_top (caption, 6);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (GTK_BOX (box), invite_value_label (server, "monospace"));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "copy", _("_Copy Both"), "close", _("_Close"), NULL);
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  g_signal_connect_data (dialog, "response", G_CALLBACK (invite_copy_cb),
                         g_steal_pointer (&copy), (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The controller that talks to the account's server, or NULL: not on a server. */
static CrmSyncController *
sync_of (CrmSetupWindow *self)
{
  GObject *sync = self->context != NULL ? crm_context_get_sync (self->context) : NULL;

  return sync != NULL && CRM_IS_SYNC_CONTROLLER (sync) ? CRM_SYNC_CONTROLLER (sync) : NULL;
}

static void
invite_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  CrmSyncController *sync = sync_of (self);
  const char *name, *role;
  guint32 days;

  g_variant_get (parameter, "(&s&su)", &name, &role, &days);
  if (sync == NULL)
    {
      show_toast (self, _("No invitation: this account is not on a server, so nobody else can "
                          "join it; sign in to your team's server first"), NULL);
      return;
    }
  crm_sync_controller_invite_async (sync, name, role, days, NULL, invited_cb,
                                    g_object_ref (self));
}

/* The invitations still waiting, read from the server (the list lives there, not in the
 * replica): when the Users page is shown, after one is made or withdrawn, and on «Refresh». */
static void
invites_listed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CrmSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = crm_sync_controller_invite_finish (
    CRM_SYNC_CONTROLLER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->invites_reading = FALSE;
  g_clear_error (&self->invites_error);
  g_clear_pointer (&self->invites, json_array_unref);
  if (answer == NULL)
    self->invites_error = g_steal_pointer (&error);
  else if (json_object_get_array_member (answer, "invites") != NULL)
    self->invites = json_array_ref (json_object_get_array_member (answer, "invites"));
  else
    self->invites = json_array_new ();
  context_changed_cb (self);
}

static void
refresh_invites (CrmSetupWindow *self)
{
  CrmSyncController *sync = sync_of (self);

  if (sync == NULL)
    {
      g_clear_error (&self->invites_error);
      g_set_error_literal (&self->invites_error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("This account is not on a server: invitations are made and kept "
                             "there, so sign in to your team's server first"));
      context_changed_cb (self);
      return;
    }
  self->invites_reading = TRUE;
  context_changed_cb (self);
  crm_sync_controller_list_invites_async (sync, self->cancellable, invites_listed_cb,
                                          g_object_ref (self));
}

static void
invites_refresh_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  refresh_invites (CRM_SETUP_WINDOW (widget));
}

static void
withdrawn_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CrmSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = crm_sync_controller_invite_finish (
    CRM_SYNC_CONTROLLER (source), result, &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    text = g_strdup_printf (_("The invitation was not withdrawn: %s"), error->message);
  else
    text = g_strdup_printf (_("Invitation for %s withdrawn: its code no longer works"),
                            crm_json_string_or (answer, "name", ""));
  show_toast (self, text, NULL);
  refresh_invites (self);
}

static void
invite_withdraw_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  CrmSyncController *sync = sync_of (self);

  if (sync == NULL)
    {
      refresh_invites (self);
      return;
    }
  crm_sync_controller_withdraw_invite_async (sync, g_variant_get_string (parameter, NULL),
                                             self->cancellable, withdrawn_cb,
                                             g_object_ref (self));
}

static void
withdraw_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      CrmSetupWindow   *self)
{
  if (g_str_equal (response, "withdraw"))
    gtk_widget_activate_action (GTK_WIDGET (self), "setup.invite-withdraw", "s",
                                g_object_get_data (G_OBJECT (dialog), "name"));
}

/* «Withdraw» on an invitation's row: asked first, as a code cannot be made again. */
static void
withdraw_clicked_cb (GtkButton      *button,
                     CrmSetupWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "name");
  g_autofree char *heading = g_strdup_printf (_("Withdraw the Invitation for %s?"), name);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (self), heading,
                            _("Their code stops working at once: whoever enters it is told to "
                              "ask for a new one. You can invite them again.")));

  g_object_set_data_full (G_OBJECT (dialog), "name", g_strdup (name), g_free);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "withdraw",
                                    _("_Withdraw the Invitation"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "withdraw", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (withdraw_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- pages ---- */

static AdwPreferencesGroup *
page_group (CrmSetupWindow *self,
            guint           page,
            const char     *title,
            const char     *description)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_preferences_group_set_title (group, title);
  if (description != NULL)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (self->pages[page], group);
  g_ptr_array_add (self->groups[page], group);
  return group;
}

static GtkWidget *
add_row (CrmSetupWindow      *self,
         AdwPreferencesGroup *group,
         const char          *id,
         const char          *title,
         const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_focusable (row, TRUE);
  adw_preferences_group_add (group, row);
  if (id != NULL)
    g_hash_table_insert (self->rows, g_strdup (id), row);
  return row;
}

/* Alt+↑ / Alt+↓ on a focused stage row move it. */
static void
add_move_shortcuts (GtkWidget  *row,
                    const char *stage_id)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (controller),
    gtk_shortcut_new_with_arguments (gtk_keyval_trigger_new (GDK_KEY_Up, GDK_ALT_MASK),
                                     gtk_named_action_new ("setup.stage-move"), "(si)",
                                     stage_id, -1));
  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (controller),
    gtk_shortcut_new_with_arguments (gtk_keyval_trigger_new (GDK_KEY_Down, GDK_ALT_MASK),
                                     gtk_named_action_new ("setup.stage-move"), "(si)",
                                     stage_id, 1));
  gtk_widget_add_controller (row, controller);
}

/* The labels of the deal fields required at @stage_id, joined, or NULL. */
static char *
required_here (JsonArray  *deal_fields,
               const char *stage_id)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; deal_fields != NULL && i < json_array_get_length (deal_fields); i++)
    {
      JsonObject *field = json_array_get_object_element (deal_fields, i);
      JsonArray *stages = json_object_get_array_member (field, "required_stages");

      for (guint j = 0; stages != NULL && j < json_array_get_length (stages); j++)
        if (g_strcmp0 (json_array_get_string_element (stages, j), stage_id) == 0)
          g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "",
                                  crm_json_string (field, "label"));
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* The loss reasons a deal of @pipeline_id may be closed with, in an expander row of @group:
 * the pipeline's own and the account's (those are in every pipeline, and said so). */
static void
add_reasons (CrmSetupWindow      *self,
             AdwPreferencesGroup *group,
             const char          *pipeline_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) reasons = crm_query_loss_reasons (store_of (self), pipeline_id, &error);
  guint n = reasons != NULL ? json_array_get_length (reasons) : 0;
  GtkWidget *expander = adw_expander_row_new ();
  g_autofree char *subtitle = g_strdup_printf (ngettext ("%u reason", "%u reasons", n), n);
  g_autofree char *expander_id = g_strconcat ("reasons:", pipeline_id, NULL);

  if (reasons == NULL)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                              crm_read_error_row_new (_("Could not read the loss reasons"), error));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Loss Reasons"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (expander),
                               ask_button (self, "list-add-symbolic", NULL,
                                           _("Add a loss reason"), _("New Loss Reason"), NULL,
                                           _("_Add"), "setup.reason-add", pipeline_id));
  adw_preferences_group_add (group, expander);
  g_hash_table_insert (self->rows, g_strdup (expander_id), expander);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *reason = json_array_get_object_element (reasons, i);
      const char *id = crm_json_string (reason, "id");
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), crm_json_string (reason, "name"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (crm_json_string (reason, "pipeline") == NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("In every pipeline"));
      gtk_widget_set_focusable (row, TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 ask_button (self, "document-edit-symbolic", NULL,
                                             _("Rename the reason (lost deals keep it)"),
                                             _("Rename Loss Reason"),
                                             crm_json_string (reason, "name"),
                                             _("_Rename"), "setup.reason-rename", id));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 action_button ("user-trash-symbolic",
                                                _("Remove the reason (lost deals keep it)"),
                                                "setup.reason-remove",
                                                g_variant_new_string (id)));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
      g_hash_table_insert (self->rows, g_strdup (id), row);
      /* a change to a reason opens the list again */
      if (g_strcmp0 (self->focus_id, id) == 0)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
    }
}

static void
build_pipelines (CrmSetupWindow *self)
{
  JsonArray *pipelines = crm_context_get_pipelines (self->context);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) deal_fields = crm_query_fields (store_of (self), "deal", &error);
  AdwPreferencesGroup *group;
  GtkWidget *button;

  if (deal_fields == NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the fields"), error);

  group = page_group (self, PAGE_PIPELINES, NULL,
                      _("Stages in the order deals go through them. Select a stage and press "
                        "Alt+↑ or Alt+↓ to move it. Fields a stage needs are set on the Fields "
                        "page."));
  button = ask_button (self, NULL, _("Add _Pipeline…"), NULL, _("New Pipeline"), NULL,
                       _("_Add"), "setup.pipeline-add", NULL);
  adw_preferences_group_set_header_suffix (group, button);

  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");
      const char *pipeline_id = crm_json_string (pipeline, "id");
      GtkWidget *suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      GtkWidget *archive;

      if (json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        {
          /* archived: its name and the way back, nothing to edit */
          group = page_group (self, PAGE_PIPELINES, crm_json_string (pipeline, "name"),
                              _("Archived: its deals are kept and found by search; new deals "
                                "do not go here"));
          g_hash_table_insert (self->rows, g_strdup (pipeline_id), group);
          archive = gtk_button_new_with_mnemonic (_("_Bring Back"));
          gtk_widget_set_valign (archive, GTK_ALIGN_CENTER);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (archive), "setup.pipeline-restore");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (archive), "s", pipeline_id);
          adw_preferences_group_set_header_suffix (group, archive);
          g_object_ref_sink (suffix);
          g_object_unref (suffix);
          continue;
        }
      group = page_group (self, PAGE_PIPELINES, crm_json_string (pipeline, "name"), NULL);
      g_hash_table_insert (self->rows, g_strdup (pipeline_id), group);
      gtk_box_append (GTK_BOX (suffix),
                      ask_button (self, "document-edit-symbolic", NULL, _("Rename the pipeline"),
                                  _("Rename Pipeline"), crm_json_string (pipeline, "name"),
                                  _("_Rename"),
                                  "setup.pipeline-rename", pipeline_id));
      gtk_box_append (GTK_BOX (suffix),
                      ask_button (self, "list-add-symbolic", NULL, _("Add a stage"),
                                  _("New Stage"), NULL, _("_Add"), "setup.stage-add", pipeline_id));
      archive = action_button ("folder-symbolic", _("Archive the pipeline (its deals are kept)"),
                               "setup.pipeline-archive", g_variant_new_string (pipeline_id));
      gtk_box_append (GTK_BOX (suffix), archive);
      adw_preferences_group_set_header_suffix (group, suffix);

      for (guint j = 0; j < json_array_get_length (stages); j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);
          const char *stage_id = crm_json_string (stage, "id");
          g_autofree char *required = required_here (deal_fields, stage_id);
          g_autofree char *subtitle = required != NULL
            ? g_strdup_printf (_("%s · needs %s"),
                               stage_kind_label (crm_json_string (stage, "kind")), required)
            : g_strdup (stage_kind_label (crm_json_string (stage, "kind")));
          GtkWidget *row = add_row (self, group, stage_id, crm_json_string (stage, "name"),
                                    subtitle);
          GtkWidget *up = action_button ("go-up-symbolic", _("Move up (Alt+↑)"), "setup.stage-move",
                                         g_variant_new ("(si)", stage_id, -1));
          GtkWidget *down = action_button ("go-down-symbolic", _("Move down (Alt+↓)"),
                                           "setup.stage-move", g_variant_new ("(si)", stage_id, 1));

          if (g_strcmp0 (crm_json_string (stage, "kind"), "unsorted") != 0)
            {
              const char *kind_labels[] = { _("Deals work here"), _("Closes as won"), _("Closes as lost"), NULL };
              GtkWidget *kind = gtk_drop_down_new_from_strings (kind_labels);
              guint selected = 0;

              for (guint k = 0; k < G_N_ELEMENTS (stage_kinds); k++)
                if (g_strcmp0 (stage_kinds[k], crm_json_string (stage, "kind")) == 0)
                  selected = k;
              g_object_set_data (G_OBJECT (kind), "building", GINT_TO_POINTER (TRUE));
              gtk_drop_down_set_selected (GTK_DROP_DOWN (kind), selected);
              g_object_set_data (G_OBJECT (kind), "building", NULL);
              g_object_set_data_full (G_OBJECT (kind), "id", g_strdup (stage_id), g_free);
              gtk_widget_set_valign (kind, GTK_ALIGN_CENTER);
              gtk_widget_add_css_class (kind, "flat");
              gtk_widget_set_tooltip_text (kind, _("What the stage is: deals work there, or a "
                                                   "deal there is won or lost"));
              g_signal_connect (kind, "notify::selected", G_CALLBACK (stage_kind_selected_cb),
                                self);
              adw_action_row_add_suffix (ADW_ACTION_ROW (row), kind);
            }
          gtk_widget_set_sensitive (up, j > 0);
          gtk_widget_set_sensitive (down, j + 1 < json_array_get_length (stages));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), up);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), down);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     ask_button (self, "document-edit-symbolic", NULL,
                                                 _("Rename the stage"), _("Rename Stage"),
                                                 crm_json_string (stage, "name"), _("_Rename"),
                                                 "setup.stage-rename", stage_id));
          {
            GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

            gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
            gtk_widget_add_css_class (remove, "flat");
            gtk_widget_set_tooltip_text (remove, _("Remove the stage (its deals go to another)"));
            g_object_set_data_full (G_OBJECT (remove), "id", g_strdup (stage_id), g_free);
            g_signal_connect (remove, "clicked", G_CALLBACK (stage_remove_clicked_cb), self);
            adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
          }
          add_move_shortcuts (row, stage_id);
        }
      add_reasons (self, group, pipeline_id);
    }
}

static void
hidden_switch_cb (GtkSwitch      *sw,
                  GParamSpec     *pspec,
                  CrmSetupWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.field-hidden", "(sb)",
                              g_object_get_data (G_OBJECT (sw), "id"),
                              !gtk_switch_get_active (sw));
}

static void
build_fields (CrmSetupWindow *self)
{
  static const struct { const char *entity; const char *title; } entities[] = {
    { "deal", N_("Deal Fields") },
    { "contact", N_("Contact Fields") },
    { "company", N_("Company Fields") },
  };

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) fields = crm_query_fields (store_of (self), entities[e].entity, &error);
      guint n = fields != NULL ? json_array_get_length (fields) : 0;
      g_autofree char *failed = fields == NULL
        ? g_strdup_printf (_("Could not read the fields: %s"), error->message) : NULL;
      AdwPreferencesGroup *group =
        page_group (self, PAGE_FIELDS, _(entities[e].title),
                    failed != NULL ? failed
                    : n == 0 ? _("No fields of its own yet: add the first one") : NULL);
      GtkWidget *add = gtk_button_new_with_mnemonic (_("_Add Field…"));

      gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (add), "entity", g_strdup (entities[e].entity), g_free);
      g_signal_connect (add, "clicked", G_CALLBACK (add_field_clicked_cb), self);
      adw_preferences_group_set_header_suffix (group, add);

      for (guint i = 0; i < n; i++)
        {
          JsonObject *field = json_array_get_object_element (fields, i);
          const char *id = crm_json_string (field, "id");
          const char *type = crm_json_string (field, "type");
          JsonArray *choices = json_object_get_array_member (field, "choices");
          g_autoptr(GString) subtitle = g_string_new (field_type_label (type));
          gboolean hidden = json_object_get_boolean_member_with_default (field, "hidden", FALSE);
          GtkWidget *row;
          GtkWidget *sw;

          if (g_strcmp0 (type, "choice") == 0 && choices != NULL)
            {
              g_string_append (subtitle, ": ");
              for (guint j = 0; j < json_array_get_length (choices); j++)
                g_string_append_printf (subtitle, "%s%s", j > 0 ? ", " : "",
                                        json_array_get_string_element (choices, j));
            }
          if (hidden)
            g_string_append_printf (subtitle, " · %s", _("hidden"));
          row = add_row (self, group, id, crm_json_string (field, "label"), subtitle->str);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     ask_button (self, "document-edit-symbolic", NULL,
                                                 _("Rename the field (its values are kept)"),
                                                 _("Rename Field"),
                                                 crm_json_string (field, "label"),
                                                 _("_Rename"), "setup.field-rename", id));
          if (g_strcmp0 (type, "choice") == 0)
            {
              g_autoptr(GString) current = g_string_new (NULL);

              for (guint j = 0; choices != NULL && j < json_array_get_length (choices); j++)
                g_string_append_printf (current, "%s%s", j > 0 ? ", " : "",
                                        json_array_get_string_element (choices, j));
              adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                         ask_button (self, "view-list-symbolic", NULL,
                                                     _("Edit the choices"), _("Choices"),
                                                     current->str, _("_Save"),
                                                     "setup.field-choices", id));
            }
          if (g_str_equal (entities[e].entity, "deal"))
            {
              GtkWidget *required = gtk_button_new_from_icon_name ("emblem-important-symbolic");

              gtk_widget_set_valign (required, GTK_ALIGN_CENTER);
              gtk_widget_add_css_class (required, "flat");
              gtk_widget_set_tooltip_text (required, _("Stages that need this field"));
              g_object_set_data_full (G_OBJECT (required), "id", g_strdup (id), g_free);
              g_signal_connect (required, "clicked", G_CALLBACK (required_clicked_cb), self);
              adw_action_row_add_suffix (ADW_ACTION_ROW (row), required);
            }
          sw = gtk_switch_new ();
          gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (sw, _("Shown on cards and forms"));
          gtk_switch_set_active (GTK_SWITCH (sw), !hidden);
          g_object_set_data_full (G_OBJECT (sw), "id", g_strdup (id), g_free);
          g_signal_connect (sw, "notify::active", G_CALLBACK (hidden_switch_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
        }
    }
}

static void
color_selected_cb (GtkDropDown    *drop_down,
                   GParamSpec     *pspec,
                   CrmSetupWindow *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (selected >= G_N_ELEMENTS (colors))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.tag-color", "(ss)",
                              g_object_get_data (G_OBJECT (drop_down), "id"), colors[selected].name);
}

static void
build_tags (CrmSetupWindow *self)
{
  static const char *const groups[] = { "brand", "trailer", "other" };
  JsonArray *tags = crm_context_get_tags (self->context);
  g_autoptr(GtkStringList) color_names = gtk_string_list_new (NULL);

  for (guint c = 0; c < G_N_ELEMENTS (colors); c++)
    gtk_string_list_append (color_names, _(colors[c].label));

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      AdwPreferencesGroup *group = page_group (self, PAGE_TAGS, tag_group_label (groups[g]), NULL);
      guint n = 0;

      adw_preferences_group_set_header_suffix (
        group, ask_button (self, NULL, _("_Add Tag…"), NULL, _("New Tag"), NULL, _("_Add"),
                           "setup.tag-add", groups[g]));
      for (guint i = 0; i < json_array_get_length (tags); i++)
        {
          JsonObject *tag = json_array_get_object_element (tags, i);
          const char *id = crm_json_string (tag, "id");
          const char *color = crm_json_string (tag, "color");
          g_autofree char *dot_markup = NULL;
          GtkWidget *row;
          GtkWidget *dot;
          GtkWidget *drop_down;
          GtkWidget *merge;
          guint selected = 0;

          if (g_strcmp0 (crm_json_string_or (tag, "group", "other"), groups[g]) != 0)
            continue;
          n++;
          row = add_row (self, group, id, crm_json_string (tag, "name"), NULL);
          for (guint c = 1; c < G_N_ELEMENTS (colors); c++)
            if (g_strcmp0 (colors[c].name, color) == 0)
              selected = c;
          dot = gtk_label_new (NULL);
          dot_markup = selected > 0
            ? g_strdup_printf ("<span foreground=\"%s\">●</span>", colors[selected].rgb)
            : g_strdup ("○");
          gtk_label_set_markup (GTK_LABEL (dot), dot_markup);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), dot);
          drop_down = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (color_names)), NULL);
          gtk_widget_set_valign (drop_down, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (drop_down, _("Colour"));
          gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), selected);
          g_object_set_data_full (G_OBJECT (drop_down), "id", g_strdup (id), g_free);
          g_signal_connect (drop_down, "notify::selected", G_CALLBACK (color_selected_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), drop_down);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     ask_button (self, "document-edit-symbolic", NULL,
                                                 _("Rename the tag (its deals keep it)"),
                                                 _("Rename Tag"), crm_json_string (tag, "name"),
                                                 _("_Rename"),
                                                 "setup.tag-rename", id));
          merge = gtk_button_new_with_mnemonic (_("_Merge…"));
          gtk_widget_set_valign (merge, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (merge, "flat");
          gtk_widget_set_tooltip_text (merge, _("Merge into another tag"));
          g_object_set_data_full (G_OBJECT (merge), "id", g_strdup (id), g_free);
          g_signal_connect (merge, "clicked", G_CALLBACK (merge_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), merge);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     action_button ("user-trash-symbolic",
                                                    _("Remove the tag from the account and its "
                                                      "deals"),
                                                    "setup.tag-remove", g_variant_new_string (id)));
        }
      if (n == 0)
        adw_preferences_group_set_description (group, _("No tags in this group yet"));
    }
}

static void
role_selected_cb (AdwComboRow    *row,
                  GParamSpec     *pspec,
                  CrmSetupWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);
  GStrv refs = g_object_get_data (G_OBJECT (row), "refs");

  if (refs == NULL || selected >= g_strv_length (refs) ||
      g_object_get_data (G_OBJECT (row), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.user-role", "(ss)",
                              g_object_get_data (G_OBJECT (row), "id"), refs[selected]);
}

/* The roles as the user pickers offer them: their names and what `user.role` says. */
static void
role_choices (CrmSetupWindow  *self,
              GtkStringList  **out_names,
              GStrv           *out_refs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) roles = crm_rights_role_list (store_of (self), &error);
  g_autoptr(GStrvBuilder) refs = g_strv_builder_new ();

  *out_names = gtk_string_list_new (NULL);
  for (guint i = 0; roles != NULL && i < json_array_get_length (roles); i++)
    {
      JsonObject *role = json_array_get_object_element (roles, i);

      gtk_string_list_append (*out_names, crm_json_string (role, "name"));
      g_strv_builder_add (refs, crm_rights_role_ref (role));
    }
  *out_refs = g_strv_builder_end (refs);
}

static void
build_users (CrmSetupWindow *self)
{
  JsonArray *users = crm_context_get_users (self->context);
  AdwPreferencesGroup *group =
    page_group (self, PAGE_USERS, _("People"),
                _("Administrators set the account up; what the others may see and do with "
                  "the deals of each pipeline is their role's (the Roles page)."));

  {
    GtkWidget *invite = gtk_button_new_with_mnemonic (_("_Invite…"));

    gtk_widget_set_valign (invite, GTK_ALIGN_CENTER);
    gtk_widget_set_name (invite, "invite");
    gtk_widget_set_tooltip_text (invite, _("A one-time code for a new colleague to join with"));
    g_signal_connect (invite, "clicked", G_CALLBACK (invite_clicked_cb), self);
    adw_preferences_group_set_header_suffix (group, invite);
  }
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *id = crm_json_string (user, "id");
      const char *group_name = crm_json_string (user, "group");
      GtkStringList *names = NULL;
      GStrv refs = NULL;
      GtkWidget *row = adw_combo_row_new ();
      guint selected;

      role_choices (self, &names, &refs);
      selected = g_strv_length (refs) > 0 ? g_strv_length (refs) - 1 : 0;
      for (guint r = 0; refs[r] != NULL; r++)
        if (g_str_equal (refs[r], crm_json_string_or (user, "role", "")))
          selected = r;
      g_object_set_data_full (G_OBJECT (row), "refs", refs, (GDestroyNotify) g_strfreev);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), crm_json_string (user, "name"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (!json_object_get_boolean_member_with_default (user, "active", TRUE))
        {
          /* deactivated: their name and the way back, nothing to edit */
          GtkWidget *back = gtk_button_new_with_mnemonic (_("_Reactivate"));
          GtkWidget *plain = add_row (self, group, id, crm_json_string (user, "name"),
                                      _("Deactivated: cannot sign in; their open deals went "
                                        "to a colleague"));

          g_object_ref_sink (row);
          g_object_unref (row);
          g_object_unref (names);
          gtk_widget_set_valign (back, GTK_ALIGN_CENTER);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (back), "setup.user-reactivate");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (back), "s", id);
          adw_action_row_add_suffix (ADW_ACTION_ROW (plain), back);
          continue;
        }
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   group_name != NULL ? group_name : _("No group"));
      g_object_set_data (G_OBJECT (row), "building", GINT_TO_POINTER (TRUE));
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
      g_object_unref (names);
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
      crm_combo_row_show_whole (ADW_COMBO_ROW (row));
      g_object_set_data (G_OBJECT (row), "building", NULL);
      g_object_set_data_full (G_OBJECT (row), "id", g_strdup (id), g_free);
      g_signal_connect (row, "notify::selected", G_CALLBACK (role_selected_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 ask_button (self, "system-users-symbolic", NULL,
                                             _("Change the group"), _("Group"), group_name,
                                             _("_Save"), "setup.user-group", id));
      if (g_strcmp0 (id, crm_context_get_user_id (self->context)) != 0)
        {
          GtkWidget *deactivate = gtk_button_new_from_icon_name ("system-log-out-symbolic");

          gtk_widget_set_valign (deactivate, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (deactivate, "flat");
          gtk_widget_set_tooltip_text (deactivate, _("Deactivate: a colleague takes over their "
                                                     "open deals and tasks"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (deactivate),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Deactivate"), -1);
          g_object_set_data_full (G_OBJECT (deactivate), "id", g_strdup (id), g_free);
          g_signal_connect (deactivate, "clicked", G_CALLBACK (deactivate_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), deactivate);
        }
      adw_preferences_group_add (group, row);
      g_hash_table_insert (self->rows, g_strdup (id), row);
    }
}

static void
scope_selected_cb (GtkDropDown    *drop_down,
                   GParamSpec     *pspec,
                   CrmSetupWindow *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (selected >= G_N_ELEMENTS (scopes) || g_object_get_data (G_OBJECT (drop_down), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.role-right", "(ssss)",
                              g_object_get_data (G_OBJECT (drop_down), "role"),
                              g_object_get_data (G_OBJECT (drop_down), "pipeline"),
                              g_object_get_data (G_OBJECT (drop_down), "right"),
                              scopes[selected].scope);
}

static void
right_switch_cb (GtkSwitch      *sw,
                 GParamSpec     *pspec,
                 CrmSetupWindow *self)
{
  if (g_object_get_data (G_OBJECT (sw), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.role-right", "(ssss)",
                              g_object_get_data (G_OBJECT (sw), "role"),
                              g_object_get_data (G_OBJECT (sw), "pipeline"),
                              g_object_get_data (G_OBJECT (sw), "right"),
                              gtk_switch_get_active (sw) ? "true" : "false");
}

static guint
scope_index (const char *scope)
{
  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    if (g_strcmp0 (scopes[i].scope, scope) == 0)
      return i;
  return G_N_ELEMENTS (scopes) - 1;
}

/* A drop-down of the scopes (the words of @once, a right a role has once, or NULL: those
 * of "see") for (@role, @pipeline, @right). */
static GtkWidget *
scope_drop_down (CrmSetupWindow     *self,
                 const char         *role_id,
                 const char         *pipeline_id,
                 const char         *right,
                 const char         *value,
                 const CrmRoleRight *once,
                 const char         *label)
{
  GtkStringList *names = gtk_string_list_new (NULL);
  GtkWidget *drop_down;

  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    gtk_string_list_append (names, _(once != NULL ? once->scopes[i] : scopes[i].see));
  drop_down = gtk_drop_down_new (G_LIST_MODEL (names), NULL);
  gtk_widget_set_valign (drop_down, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (drop_down), "building", GINT_TO_POINTER (TRUE));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), scope_index (value));
  g_object_set_data (G_OBJECT (drop_down), "building", NULL);
  g_object_set_data_full (G_OBJECT (drop_down), "role", g_strdup (role_id), g_free);
  g_object_set_data_full (G_OBJECT (drop_down), "pipeline", g_strdup (pipeline_id), g_free);
  g_object_set_data_full (G_OBJECT (drop_down), "right", g_strdup (right), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop_down), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  g_signal_connect (drop_down, "notify::selected", G_CALLBACK (scope_selected_cb), self);
  return drop_down;
}

/* One line of the grid: where (the pipeline, or the others), "see", then a switch a
 * right. */
static void
add_rights_line (CrmSetupWindow *self,
                 GtkGrid        *grid,
                 int             line,
                 const char     *role_id,
                 const char     *pipeline_id,
                 const char     *where,
                 JsonObject     *rights,
                 gboolean        editable)
{
  GtkWidget *label = gtk_label_new (where);
  GtkWidget *see;
  g_autofree char *see_label = g_strdup_printf (_("Sees in «%s»"), where);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_tooltip_text (label, where);
  gtk_grid_attach (grid, label, 0, line, 1, 1);
  see = scope_drop_down (self, role_id, pipeline_id, CRM_RIGHT_SEE,
                         crm_json_string (rights, CRM_RIGHT_SEE), NULL, see_label);
  gtk_widget_set_sensitive (see, editable);
  gtk_grid_attach (grid, see, 1, line, 1, 1);
  for (guint r = 0; r < G_N_ELEMENTS (switch_rights); r++)
    {
      GtkWidget *sw = gtk_switch_new ();
      g_autofree char *name = g_strdup_printf ("%s: %s", RIGHT_LABEL (r), where);

      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_widget_set_halign (sw, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (sw), "building", GINT_TO_POINTER (TRUE));
      gtk_switch_set_active (GTK_SWITCH (sw), json_object_get_boolean_member_with_default (
                                                rights, switch_rights[r].right, FALSE));
      g_object_set_data (G_OBJECT (sw), "building", NULL);
      g_object_set_data_full (G_OBJECT (sw), "role", g_strdup (role_id), g_free);
      g_object_set_data_full (G_OBJECT (sw), "pipeline", g_strdup (pipeline_id), g_free);
      g_object_set_data_full (G_OBJECT (sw), "right", g_strdup (switch_rights[r].right), g_free);
      gtk_widget_set_sensitive (sw, editable);
      gtk_widget_set_name (sw, switch_rights[r].right);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      g_signal_connect (sw, "notify::active", G_CALLBACK (right_switch_cb), self);
      gtk_grid_attach (grid, sw, 2 + (int) r, line, 1, 1);
    }
}

static void
role_row_selected_cb (AdwComboRow    *row,
                      GParamSpec     *pspec,
                      CrmSetupWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);
  GStrv ids = g_object_get_data (G_OBJECT (row), "ids");

  if (ids == NULL || selected >= g_strv_length (ids) ||
      g_object_get_data (G_OBJECT (row), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.role-select", "s", ids[selected]);
}

/* The Roles page: the roles (a picker; add, rename, remove), whose deals the chosen one
 * changes, and its rights in a grid — a line for the pipelines not listed and one per
 * pipeline, a column per right. */
static void
build_roles (CrmSetupWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) roles = crm_rights_role_list (store_of (self), &error);
  AdwPreferencesGroup *group;
  AdwPreferencesGroup *grid_group;
  GtkStringList *names;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  GtkWidget *picker;
  GtkWidget *grid;
  JsonObject *role = NULL;
  JsonArray *pipelines;
  gboolean editable;
  guint selected = 0;
  int line = 0;

  group = page_group (self, PAGE_ROLES, _("Roles"),
                      _("What people of each role may see and do with the deals of each "
                        "pipeline. The laptop and the server check it alike."));
  if (roles == NULL)
    {
      crm_preferences_group_set_text (group, error->message);
      return;
    }
  adw_preferences_group_set_header_suffix (group,
    ask_button (self, NULL, _("_Add Role…"), _("A new role, with the sales rep’s rights to start"),
                _("New Role"), "", _("_Add"), "setup.role-add", CRM_ROLE_REP));
  names = gtk_string_list_new (NULL);
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonObject *each = json_array_get_object_element (roles, i);
      gint64 users = json_object_get_int_member (each, "users");
      g_autofree char *text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%s (%lld person)", "%s (%lld people)", users),
        crm_json_string (each, "name"), (long long) users);

      gtk_string_list_append (names, text);
      g_strv_builder_add (ids, crm_json_string (each, "id"));
      if (g_strcmp0 (crm_json_string (each, "id"), self->role_id) == 0)
        selected = i;
    }
  role = json_array_get_object_element (roles, selected);
  editable = g_strcmp0 (crm_json_string (role, "key"), CRM_ROLE_ADMIN) != 0;
  picker = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (picker), _("_Role"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (picker), TRUE);
  g_object_set_data (G_OBJECT (picker), "building", GINT_TO_POINTER (TRUE));
  adw_combo_row_set_model (ADW_COMBO_ROW (picker), G_LIST_MODEL (names));
  g_object_unref (names);
  adw_combo_row_set_selected (ADW_COMBO_ROW (picker), selected);
  crm_combo_row_show_whole (ADW_COMBO_ROW (picker));
  g_object_set_data (G_OBJECT (picker), "building", NULL);
  g_object_set_data_full (G_OBJECT (picker), "ids", g_strv_builder_end (ids),
                          (GDestroyNotify) g_strfreev);
  g_signal_connect (picker, "notify::selected", G_CALLBACK (role_row_selected_cb), self);
  if (editable)
    adw_action_row_add_suffix (ADW_ACTION_ROW (picker),
                               ask_button (self, "document-edit-symbolic", NULL,
                                           _("Rename the role"), _("Rename the Role"),
                                           crm_json_string (role, "name"), _("_Rename"),
                                           "setup.role-rename", crm_json_string (role, "id")));
  if (crm_json_string (role, "key") == NULL)
    {
      GtkWidget *remove = action_button ("user-trash-symbolic",
                                         _("Remove the role (nobody may hold it)"),
                                         "setup.role-remove",
                                         g_variant_new_string (crm_json_string (role, "id")));

      adw_action_row_add_suffix (ADW_ACTION_ROW (picker), remove);
    }
  adw_preferences_group_add (group, picker);
  g_hash_table_insert (self->rows, g_strdup ("roles"), picker);

  /* the rights the role has once: a drop-down for a scope, a switch for a flag */
  for (const CrmRoleRight *once = crm_rights_role_rights (); once->name != NULL; once++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *control;
      g_autofree char *id = g_strconcat ("role-", once->name, NULL);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(once->title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(once->subtitle));
      if (once->scope)
        control = scope_drop_down (self, crm_json_string (role, "id"), "", once->name,
                                   crm_json_string (role, once->name), once, _(once->title));
      else
        {
          control = gtk_switch_new ();
          gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
          g_object_set_data (G_OBJECT (control), "building", GINT_TO_POINTER (TRUE));
          gtk_switch_set_active (GTK_SWITCH (control),
                                 json_object_get_boolean_member_with_default (role, once->name,
                                                                              FALSE));
          g_object_set_data (G_OBJECT (control), "building", NULL);
          g_object_set_data_full (G_OBJECT (control), "role",
                                  g_strdup (crm_json_string (role, "id")), g_free);
          g_object_set_data_full (G_OBJECT (control), "pipeline", g_strdup (""), g_free);
          g_object_set_data_full (G_OBJECT (control), "right", g_strdup (once->name), g_free);
          gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _(once->title), -1);
          g_signal_connect (control, "notify::active", G_CALLBACK (right_switch_cb), self);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), control);
        }
      gtk_widget_set_name (control, once->name);
      gtk_widget_set_sensitive (control, editable);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), control);
      adw_preferences_group_add (group, row);
      g_hash_table_insert (self->rows, g_steal_pointer (&id), row);
    }

  grid_group = page_group (self, PAGE_ROLES, _("Rights in Each Pipeline"),
                           editable ? NULL
                           : _("The administrator may do everything in every pipeline."));
  grid = gtk_grid_new ();
  gtk_widget_set_name (grid, "rights");
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_widget_add_css_class (grid, "card");
  gtk_widget_set_margin_top (grid, 4);
  {
    const char *headings[G_N_ELEMENTS (switch_rights) + 2] = { _("Pipeline"), _("Sees") };

    for (guint r = 0; r < G_N_ELEMENTS (switch_rights); r++)
      headings[r + 2] = RIGHT_LABEL (r);
    for (guint c = 0; c < G_N_ELEMENTS (headings); c++)
      {
        GtkWidget *heading = gtk_label_new (headings[c]);

        gtk_widget_add_css_class (heading, "heading");
        gtk_label_set_xalign (GTK_LABEL (heading), c == 0 ? 0 : 0.5);
        gtk_grid_attach (GTK_GRID (grid), heading, (int) c, line, 1, 1);
      }
  }
  line++;
  add_rights_line (self, GTK_GRID (grid), line++, crm_json_string (role, "id"), "",
                   _("Other pipelines"), json_object_get_object_member (role, "default"),
                   editable);
  pipelines = json_object_get_array_member (role, "pipelines");
  for (guint p = 0; p < json_array_get_length (pipelines); p++)
    {
      JsonObject *entry = json_array_get_object_element (pipelines, p);

      add_rights_line (self, GTK_GRID (grid), line++, crm_json_string (role, "id"),
                       crm_json_string (entry, "id"), crm_json_string (entry, "name"), entry,
                       editable);
    }
  {
    GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    gtk_widget_set_margin_start (grid, 0);
    g_object_set (grid, "margin-start", 12, "margin-end", 12, "margin-top", 12,
                  "margin-bottom", 12, NULL);
    gtk_widget_add_css_class (frame, "card");
    gtk_widget_remove_css_class (grid, "card");
    gtk_box_append (GTK_BOX (frame), grid);
    adw_preferences_group_add (grid_group, frame);
    g_hash_table_insert (self->rows, g_strdup ("rights"), grid);
  }
}

/* Whether the replica was never signed in to a server (no "sync.server"). */
static gboolean
is_local_account (CrmSetupWindow *self)
{
  g_autofree char *server = NULL;

  if (self->context == NULL)
    return FALSE;
  server = crm_store_dup_meta (crm_context_get_store (self->context), "sync.server");
  return server == NULL;
}

/* The invitations waiting, under the people: name, role and the day the code expires, each
 * with «Withdraw»; what the window knows so far when the server has not answered. */
static void
build_invites (CrmSetupWindow *self)
{
  AdwPreferencesGroup *group =
    page_group (self, PAGE_USERS, _("Invitations Waiting"),
                _("Codes made for new colleagues and not used yet. Withdraw one given to the "
                  "wrong person: it stops working at once."));
  GtkWidget *refresh = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  guint n = self->invites != NULL ? json_array_get_length (self->invites) : 0;

  gtk_widget_set_valign (refresh, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (refresh, "flat");
  gtk_widget_set_name (refresh, "invites-refresh");
  gtk_widget_set_tooltip_text (refresh, _("Read the invitations from the server again"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (refresh), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Refresh the Invitations"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (refresh), "setup.invites-refresh");
  adw_preferences_group_set_header_suffix (group, refresh);

  /* A local account has no list to read: say how invitations come about (the error's
   * text says to sign in first), not that reading them failed — a red «could not be read»
   * on the demo told new admins something was broken. */
  if (self->invites_error != NULL && !self->invites_reading && is_local_account (self))
    {
      adw_preferences_group_add (group, crm_placeholder_row_new (self->invites_error->message));
      return;
    }
  if (self->invites_error != NULL && !self->invites_reading)
    {
      adw_preferences_group_add (
        group, crm_read_error_row_new (_("The invitations are kept on the server and could not "
                                         "be read"), self->invites_error));
      return;
    }
  if (self->invites == NULL)
    {
      adw_preferences_group_add (
        group, crm_placeholder_row_new (_("Reading the invitations from the server…")));
      return;
    }
  if (n == 0)
    {
      adw_preferences_group_add (
        group, crm_placeholder_row_new (_("No invitation is waiting: «Invite…» makes a "
                                          "one-time code for a new colleague")));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *invite = json_array_get_object_element (self->invites, i);
      const char *name = invite != NULL ? crm_json_string (invite, "name") : NULL;
      const char *role, *by;
      g_autoptr(JsonObject) found = NULL;
      g_autofree char *label = NULL;
      g_autofree char *id = NULL;
      g_autofree char *expires = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;
      GtkWidget *withdraw;

      if (name == NULL)
        continue;
      role = crm_json_string_or (invite, "role", CRM_ROLE_REP);
      /* the role by its name (a custom role's id otherwise) */
      found = crm_rights_role_find (store_of (self), role, NULL);
      label = found != NULL ? crm_rights_role_name (found) : g_strdup (role);
      expires = crm_format_date_long (json_object_get_int_member_with_default (invite, "expires",
                                                                               0));
      by = crm_json_string (invite, "invited_by");
      if (by != NULL)
        /* Translators: an invitation waiting: the role, the day its code expires and who
         * made it, "Sales rep · expires 12 December · invited by Anna Petrova" */
        subtitle = g_strdup_printf (_("%s · expires %s · invited by %s"), label, expires, by);
      else
        /* Translators: an invitation waiting: the role and the day its code expires,
         * "Sales rep · expires 12 December" */
        subtitle = g_strdup_printf (_("%s · expires %s"), label, expires);
      id = g_strconcat ("invite:", name, NULL);
      row = add_row (self, group, id, name, subtitle);
      withdraw = gtk_button_new_with_mnemonic (_("_Withdraw"));
      gtk_widget_set_name (withdraw, "invite-withdraw");
      gtk_widget_set_valign (withdraw, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (withdraw, _("Withdraw the invitation: its code stops working"));
      g_object_set_data_full (G_OBJECT (withdraw), "name", g_strdup (name), g_free);
      g_signal_connect (withdraw, "clicked", G_CALLBACK (withdraw_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), withdraw);
    }
}

/* ---- the account's settings ---- */

/* what the history picker offers, in days (CRM_SETTING_HISTORY_MAX_DAYS: all of it) */
static const gint64 history_choices[] = { 30, 90, 180, 365, 730, 1825, CRM_SETTING_HISTORY_MAX_DAYS };

static char *
history_choice_label (gint64 days)
{
  if (days == CRM_SETTING_HISTORY_MAX_DAYS)
    return g_strdup (_("No limit"));
  if (days == CRM_STORE_HISTORY_KEEP_DAYS)
    return g_strdup_printf (ngettext ("%lld day (as set up)", "%lld days (as set up)", days),
                            (long long) days);
  if (days >= 365 && days % 365 == 0)
    return g_strdup_printf (ngettext ("%lld year", "%lld years", days / 365),
                            (long long) (days / 365));
  return g_strdup_printf (ngettext ("%lld day", "%lld days", days), (long long) days);
}

static void
history_days_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (widget);
  gint64 days = g_variant_get_int64 (parameter);
  GError *error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_setting_history_days_change (store_of (self), days,
                                                                        &error);
  g_autofree char *label = history_choice_label (days);
  g_autofree char *text = days == CRM_SETTING_HISTORY_MAX_DAYS
                          ? g_strdup (_("All of the history is kept in full"))
                          : g_strdup_printf (_("History is kept in full for: %s"), label);

  apply_focused (self, changeset, error, "history-days", text);
}

static void
history_selected_cb (AdwComboRow    *row,
                     GParamSpec     *pspec,
                     CrmSetupWindow *self)
{
  GArray *days = g_object_get_data (G_OBJECT (row), "days");
  guint selected = adw_combo_row_get_selected (row);

  if (days == NULL || selected >= days->len || g_object_get_data (G_OBJECT (row), "building"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.history-days", "x",
                              g_array_index (days, gint64, selected));
}

static void
build_account (CrmSetupWindow *self)
{
  AdwPreferencesGroup *group = page_group (self, PAGE_ACCOUNT, _("History"),
    _("Every change is kept in full on each laptop for this long. Older changes the server "
      "has are compacted: the history still shows what they did, but they can no longer be "
      "undone, and the laptops need less disk. Reaches every laptop with its next sync."));
  gint64 current = crm_setting_get_history_days (store_of (self));
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  GArray *days = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkWidget *row = adw_combo_row_new ();
  guint selected = G_MAXUINT;

  if (current < 0)
    current = CRM_STORE_HISTORY_KEEP_DAYS;
  for (guint i = 0; i < G_N_ELEMENTS (history_choices); i++)
    {
      /* a number set elsewhere (voronkactl account set) is offered where it belongs */
      if (selected == G_MAXUINT && current < history_choices[i])
        {
          g_autofree char *label = history_choice_label (current);

          selected = days->len;
          g_array_append_val (days, current);
          gtk_string_list_append (names, label);
        }
      {
        g_autofree char *label = history_choice_label (history_choices[i]);

        if (history_choices[i] == current)
          selected = days->len;
        g_array_append_val (days, history_choices[i]);
        gtk_string_list_append (names, label);
      }
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("_Keep History in Full"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  g_object_set_data (G_OBJECT (row), "building", GINT_TO_POINTER (TRUE));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  g_object_set_data (G_OBJECT (row), "building", NULL);
  g_object_set_data_full (G_OBJECT (row), "days", days, (GDestroyNotify) g_array_unref);
  g_signal_connect (row, "notify::selected", G_CALLBACK (history_selected_cb), self);
  adw_preferences_group_add (group, row);
  g_hash_table_insert (self->rows, g_strdup ("history-days"), row);
}

static void
rebuild (CrmSetupWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GHashTableIter iter;
  gpointer key, value;

  /* the row that has the focus keeps it across the rebuild (a stage moved with Alt+↑) */
  g_hash_table_iter_init (&iter, self->rows);
  while (self->focus_id == NULL && focus != NULL && g_hash_table_iter_next (&iter, &key, &value))
    if (value == focus || gtk_widget_is_ancestor (focus, value))
      self->focus_id = g_strdup (key);
  g_hash_table_remove_all (self->rows);
  for (guint p = 0; p < G_N_ELEMENTS (self->pages); p++)
    {
      for (guint i = 0; i < self->groups[p]->len; i++)
        adw_preferences_page_remove (self->pages[p], g_ptr_array_index (self->groups[p], i));
      g_ptr_array_set_size (self->groups[p], 0);
    }
  if (self->context == NULL)
    return;
  build_pipelines (self);
  build_fields (self);
  build_tags (self);
  build_users (self);
  build_invites (self);
  build_roles (self);
  build_account (self);

  focus = self->focus_id != NULL ? g_hash_table_lookup (self->rows, self->focus_id) : NULL;
  if (focus != NULL && ADW_IS_PREFERENCES_ROW (focus))
    gtk_widget_grab_focus (focus);
  g_clear_pointer (&self->focus_id, g_free);
}

static gboolean
rebuild_idle_cb (gpointer data)
{
  CrmSetupWindow *self = data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
context_changed_cb (CrmSetupWindow *self)
{
  if (self->rebuild_id == 0)
    {
      /* at the default priority: a toast's animation keeps idle ones waiting */
      self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT, rebuild_idle_cb, self, NULL);
    }
}

/* ---- the object ---- */

static void
crm_setup_window_dispose (GObject *object)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_signal_handler (&self->changed_id, self->context);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_setup_window_parent_class)->dispose (object);
}

static void
crm_setup_window_finalize (GObject *object)
{
  CrmSetupWindow *self = CRM_SETUP_WINDOW (object);

  for (guint p = 0; p < G_N_ELEMENTS (self->groups); p++)
    g_ptr_array_unref (self->groups[p]);
  g_hash_table_unref (self->rows);
  g_free (self->focus_id);
  g_free (self->role_id);
  g_free (self->last_toast);
  g_free (self->last_invite_code);
  g_clear_pointer (&self->invites, json_array_unref);
  g_clear_error (&self->invites_error);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (crm_setup_window_parent_class)->finalize (object);
}

/* The Users page shown: the invitations are read again (someone may have used one). */
static void
page_shown_cb (CrmSetupWindow *self,
               GParamSpec     *pspec,
               gpointer        user_data)
{
  const char *page = adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (self));

  if (self->context != NULL && g_strcmp0 (page, CRM_SETUP_PAGE_USERS) == 0)
    refresh_invites (self);
}

static void
crm_setup_window_class_init (CrmSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_setup_window_dispose;
  object_class->finalize = crm_setup_window_finalize;

  gtk_widget_class_install_action (widget_class, "setup.undo", "s", undo_action);
  gtk_widget_class_install_action (widget_class, "setup.pipeline-add", "s", pipeline_add_action);
  gtk_widget_class_install_action (widget_class, "setup.pipeline-rename", "(ss)", pipeline_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.pipeline-archive", "s", pipeline_archive_action);
  gtk_widget_class_install_action (widget_class, "setup.pipeline-restore", "s", pipeline_archive_action);
  gtk_widget_class_install_action (widget_class, "setup.reason-add", "(ss)", reason_add_action);
  gtk_widget_class_install_action (widget_class, "setup.reason-rename", "(ss)", reason_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.reason-remove", "s", reason_remove_action);
  gtk_widget_class_install_action (widget_class, "setup.tag-remove", "s", tag_remove_action);
  gtk_widget_class_install_action (widget_class, "setup.stage-add", "(ss)", stage_add_action);
  gtk_widget_class_install_action (widget_class, "setup.stage-rename", "(ss)", stage_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.stage-move", "(si)", stage_move_action);
  gtk_widget_class_install_action (widget_class, "setup.stage-kind", "(ss)", stage_kind_action);
  gtk_widget_class_install_action (widget_class, "setup.stage-remove", "(ss)", stage_remove_action);
  gtk_widget_class_install_action (widget_class, "setup.field-add", "(ssss)", field_add_action);
  gtk_widget_class_install_action (widget_class, "setup.field-rename", "(ss)", field_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.field-choices", "(ss)", field_choices_action);
  gtk_widget_class_install_action (widget_class, "setup.field-required", "(sas)", field_required_action);
  gtk_widget_class_install_action (widget_class, "setup.field-hidden", "(sb)", field_hidden_action);
  gtk_widget_class_install_action (widget_class, "setup.tag-add", "(ss)", tag_add_action);
  gtk_widget_class_install_action (widget_class, "setup.tag-rename", "(ss)", tag_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.tag-color", "(ss)", tag_color_action);
  gtk_widget_class_install_action (widget_class, "setup.tag-merge", "(ss)", tag_merge_action);
  gtk_widget_class_install_action (widget_class, "setup.user-role", "(ss)", user_role_action);
  gtk_widget_class_install_action (widget_class, "setup.user-group", "(ss)", user_group_action);
  gtk_widget_class_install_action (widget_class, "setup.user-deactivate", "(ss)", user_deactivate_action);
  gtk_widget_class_install_action (widget_class, "setup.user-reactivate", "s", user_reactivate_action);
  gtk_widget_class_install_action (widget_class, "setup.role-add", "(ss)", role_add_action);
  gtk_widget_class_install_action (widget_class, "setup.role-rename", "(ss)", role_rename_action);
  gtk_widget_class_install_action (widget_class, "setup.role-remove", "s", role_remove_action);
  gtk_widget_class_install_action (widget_class, "setup.role-select", "s", role_select_action);
  gtk_widget_class_install_action (widget_class, "setup.role-right", "(ssss)", role_right_action);
  gtk_widget_class_install_action (widget_class, "setup.invite", "(ssu)", invite_action);
  gtk_widget_class_install_action (widget_class, "setup.history-days", "x", history_days_action);
  gtk_widget_class_install_action (widget_class, "setup.invites-refresh", NULL, invites_refresh_action);
  gtk_widget_class_install_action (widget_class, "setup.invite-withdraw", "s", invite_withdraw_action);
}

static void
crm_setup_window_init (CrmSetupWindow *self)
{
  static const struct { const char *name; const char *title; const char *icon; } pages[] = {
    { CRM_SETUP_PAGE_PIPELINES, N_("_Pipelines"), "view-list-ordered-symbolic" },
    { CRM_SETUP_PAGE_FIELDS, N_("_Fields"), "document-properties-symbolic" },
    { CRM_SETUP_PAGE_TAGS, N_("_Tags"), "crm-tag-symbolic" },
    { CRM_SETUP_PAGE_USERS, N_("_Users"), "system-users-symbolic" },
    { CRM_SETUP_PAGE_ROLES, N_("_Roles"), "system-lock-screen-symbolic" },
    { CRM_SETUP_PAGE_ACCOUNT, N_("_Account"), "emblem-system-symbolic" },
  };

  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self, "notify::visible-page-name", G_CALLBACK (page_shown_cb), NULL);
  gtk_window_set_title (GTK_WINDOW (self), _("Account Setup"));
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 760);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (self), TRUE);
  for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
    {
      self->pages[p] = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
      adw_preferences_page_set_name (self->pages[p], pages[p].name);
      adw_preferences_page_set_title (self->pages[p], _(pages[p].title));
      adw_preferences_page_set_use_underline (self->pages[p], TRUE);
      adw_preferences_page_set_icon_name (self->pages[p], pages[p].icon);
      adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->pages[p]);
      self->groups[p] = g_ptr_array_new ();
    }
}

CrmSetupWindow *
crm_setup_window_new (GtkWindow  *parent,
                      CrmContext *context)
{
  CrmSetupWindow *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_SETUP_WINDOW, "transient-for", parent, "modal", FALSE,
                       "destroy-with-parent", TRUE, NULL);
  if (parent != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  self->context = g_object_ref (context);
  self->changed_id = g_signal_connect_swapped (context, "changed",
                                               G_CALLBACK (context_changed_cb), self);
  rebuild (self);
  return self;
}

void
crm_setup_window_show_page (CrmSetupWindow *self,
                            const char     *page_name)
{
  g_return_if_fail (CRM_IS_SETUP_WINDOW (self));

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), page_name);
}

GtkWidget *
crm_setup_window_get_row (CrmSetupWindow *self,
                          const char     *id)
{
  g_return_val_if_fail (CRM_IS_SETUP_WINDOW (self), NULL);

  return g_hash_table_lookup (self->rows, id);
}

const char *
crm_setup_window_get_last_toast (CrmSetupWindow *self)
{
  g_return_val_if_fail (CRM_IS_SETUP_WINDOW (self), NULL);

  return self->last_toast;
}

const char *
crm_setup_window_get_last_invite_code (CrmSetupWindow *self)
{
  g_return_val_if_fail (CRM_IS_SETUP_WINDOW (self), NULL);
  return self->last_invite_code;
}
