/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-indicator.c — a menu button in the header that tells where the replica stands
 * with the server. The numbers come from small core queries (crm-sync-state.h); they are
 * re-read when the replica changes, when the network comes or goes, and every half
 * minute so "last synced" stays true. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "crm-format.h"
#include "crm-sync-indicator.h"
#include "crm-sync-state.h"
#include "crm-widget-util.h"

#define REFRESH_SECONDS 30
#define MAX_LISTED 20
/* How wide a line of the conflict lists grows before it wraps: narrower than the
 * popover's room, so that each line is laid out at its own natural width whatever
 * width it is measured at (GTK 4.8's popover measures its child a little wider than it
 * then allocates it: a line filling the width wrapped once more than measured, and
 * the list was cut). */
#define LINE_WIDTH_CHARS 46
#define RESTORED_NOTICE_MS ((gint64) 7 * 24 * 3600 * 1000)

struct _CrmSyncIndicator
{
  GtkWidget        parent_instance;

  CrmContext      *context;
  GNetworkMonitor *monitor;
  guint            timeout_id;
  gboolean         syncing;
  gboolean         live;
  gboolean         compact;
  char            *error;
  guint            n_problems;

  GtkMenuButton   *button;
  GtkImage        *icon;
  GtkLabel        *label;
  GtkLabel        *badge;
  GtkLabel        *status_title;
  GtkLabel        *status_detail;
  GtkWidget       *sync_button;
  GtkWidget       *conflicts_box;
  GtkListBox      *conflict_list;
  GtkWidget       *rejected_box;
  GtkListBox      *rejected_list;
  GtkWidget       *mark_seen_button;
};

G_DEFINE_FINAL_TYPE (CrmSyncIndicator, crm_sync_indicator, GTK_TYPE_WIDGET)

static GtkWidget *
line_new (const char *text,
          gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), LINE_WIDTH_CHARS);
  if (dim)
    {
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption");
    }
  return label;
}

/* One lost edit or refused change: what and which field, then the value kept (who,
 * when), yours (set aside or refused, when) and a refusal's reason, each line wrapping.
 * A deal's row opens the deal. */
static GtkWidget *
conflict_row_new (JsonObject *item)
{
  const char *entity = json_object_get_string_member_with_default (item, "entity", "");
  const char *reason = json_object_get_string_member_with_default (item, "reason", NULL);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *lines = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_hexpand (lines, TRUE);
  gtk_box_append (GTK_BOX (lines),
                  line_new (json_object_get_string_member_with_default (item, "heading", ""), FALSE));
  gtk_box_append (GTK_BOX (lines),
                  line_new (json_object_get_string_member_with_default (item, "kept_line", ""), TRUE));
  gtk_box_append (GTK_BOX (lines),
                  line_new (json_object_get_string_member_with_default (item, "yours_line", ""), TRUE));
  if (reason != NULL)
    gtk_box_append (GTK_BOX (lines), line_new (reason, TRUE));
  gtk_box_append (GTK_BOX (box), lines);
  if (g_str_equal (entity, "deal"))
    {
      GtkWidget *next = gtk_image_new_from_icon_name ("go-next-symbolic");

      gtk_widget_set_valign (next, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (box), next);
      crm_row_set_action (row, "win.open-deal", json_object_get_string_member (item, "entity_id"));
    }
  else
    gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_add_css_class (row, "conflict-row");
  return row;
}

/* Lost edits and rejected changes, as crm_sync_state_list_conflicts() defines them and
 * core's crm_describe_conflict() words them (`voronkactl conflicts` prints the same). */
static void
fill_conflicts (CrmSyncIndicator *self,
                CrmStore         *store)
{
  g_autoptr(JsonArray) items = crm_sync_state_list_conflicts (store, TRUE, MAX_LISTED, NULL);
  guint n_conflicts = 0, n_rejected = 0;

  crm_list_box_remove_all (self->conflict_list);
  crm_list_box_remove_all (self->rejected_list);
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      gboolean rejected = g_strcmp0 (json_object_get_string_member_with_default (item, "kind", NULL),
                                     "rejected") == 0;

      gtk_list_box_append (rejected ? self->rejected_list : self->conflict_list,
                           conflict_row_new (item));
      if (rejected)
        n_rejected++;
      else
        n_conflicts++;
    }
  gtk_widget_set_visible (self->conflicts_box, n_conflicts > 0);
  gtk_widget_set_visible (self->rejected_box, n_rejected > 0);
  gtk_widget_set_visible (self->mark_seen_button, n_conflicts + n_rejected > 0);
}

void
crm_sync_indicator_refresh (CrmSyncIndicator *self)
{
  g_autofree char *server = NULL;
  g_autofree char *label = NULL;
  g_autofree char *detail = NULL;
  CrmStore *store;
  gint64 waiting = 0, conflicts = 0, rejected = 0, last_ms = 0, restored = 0, restored_ms = 0;
  gboolean has_last, online, lost_ops = FALSE;
  const char *icon_name;

  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));
  if (self->context == NULL)
    return;

  store = crm_context_get_store (self->context);
  server = crm_store_dup_meta (store, "sync.server");
  /* Only a synced account shows what waits: a local one may hold every op it ever
   * made in its outbox, and counting 1.5 M of them costs 70 ms (bench/RESULTS.md). */
  if (server != NULL)
    crm_sync_state_count_waiting (store, &waiting, NULL);
  crm_sync_state_count_conflicts (store, TRUE, &conflicts, NULL);
  crm_sync_state_count_rejected (store, TRUE, &rejected, NULL);
  has_last = crm_sync_state_get_last_sync (store, &last_ms);
  online = g_network_monitor_get_network_available (self->monitor);

  if (self->error != NULL && !self->syncing)
    {
      label = g_strdup (_("Not synced"));
      icon_name = "network-error-symbolic";
    }
  else if (self->syncing)
    {
      label = g_strdup (_("Syncing…"));
      icon_name = "emblem-synchronizing-symbolic";
    }
  else if (server == NULL)
    {
      /* a local account: nothing is waiting for anyone, whatever the outbox holds */
      label = g_strdup (_("On this computer"));
      icon_name = "computer-symbolic";
    }
  else if (!online)
    {
      label = waiting > 0
              ? g_strdup_printf (ngettext ("Offline · %'lld waiting",
                                           "Offline · %'lld waiting", waiting),
                                 (long long) waiting)
              : g_strdup (_("Offline"));
      icon_name = "network-offline-symbolic";
    }
  else if (waiting > 0)
    {
      label = g_strdup_printf (ngettext ("%'lld change waiting",
                                         "%'lld changes waiting", waiting),
                               (long long) waiting);
      icon_name = "document-send-symbolic";
    }
  else if (has_last)
    {
      g_autofree char *when = crm_format_due (last_ms, crm_context_now (self->context));
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (last_ms / 1000);
      g_autoptr(GDateTime) local = g_date_time_to_local (utc);
      g_autofree char *time = g_date_time_format (local, "%H:%M");

      /* Translators: "Synced Today, 14:05" */
      label = g_strdup_printf (_("Synced %s, %s"), when, time);
      icon_name = "emblem-ok-symbolic";
    }
  else
    {
      label = g_strdup (_("Not synced"));
      icon_name = "network-idle-symbolic";
    }

  if (server == NULL)
    detail = g_strdup (_("This account lives on this computer only. Sign in to a server to "
                         "share it with your team; what you changed so far goes up then."));
  else if (has_last)
    {
      g_autofree char *when = crm_format_date_time (last_ms);

      detail = g_strdup_printf (_("Server %s, last synced %s."), server, when);
    }
  else
    detail = g_strdup_printf (_("Server %s, never synced yet."), server);

  /* the server was found restored from a backup (issue 22), or to have lost changes it
   * had acknowledged without a restore: said for a week */
  if (crm_sync_state_get_restored (store, &restored, &restored_ms, &lost_ops) &&
      crm_context_now (self->context) - restored_ms < RESTORED_NOTICE_MS)
    {
      g_autofree char *notice = NULL;
      g_autofree char *with_notice = NULL;

      if (lost_ops)
        notice = g_strdup_printf (
          ngettext ("The server had lost changes it had already acknowledged (an older copy "
                    "of its data was put back, or a crash); %lld change it had lost was sent "
                    "again.",
                    "The server had lost changes it had already acknowledged (an older copy "
                    "of its data was put back, or a crash); %lld changes it had lost were "
                    "sent again.", restored), (long long) restored);
      else
        notice = g_strdup_printf (
          ngettext ("The server was restored from a backup; %lld change it had lost was sent "
                    "again.",
                    "The server was restored from a backup; %lld changes it had lost were sent "
                    "again.", restored), (long long) restored);
      with_notice = g_strdup_printf ("%s\n%s", detail, notice);

      g_free (detail);
      detail = g_steal_pointer (&with_notice);
    }
  if (self->error != NULL)
    {
      g_autofree char *with_error = g_strdup_printf ("%s\n%s", detail, self->error);

      g_free (detail);
      detail = g_steal_pointer (&with_error);
    }
  gtk_label_set_label (self->label, label);
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_label_set_label (self->status_title, label);
  gtk_label_set_label (self->status_detail, detail);
  if (server != NULL)
    {
      g_autofree char *tooltip = g_strdup_printf (
        "%s\n%s", label,
        self->live ? _("Live: changes made elsewhere arrive as they are made")
                   : _("Periodic: changes made elsewhere arrive with the next sync"));

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tooltip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), label);

  self->n_problems = (guint) (conflicts + rejected);
  if (conflicts + rejected > 0)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, conflicts + rejected);

      gtk_label_set_label (self->badge, count);
      gtk_widget_set_visible (GTK_WIDGET (self->badge), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->badge), FALSE);

#ifdef VORONKA_HAVE_SYNC
  gtk_widget_set_sensitive (self->sync_button, server != NULL && online && !self->syncing);
#else
  gtk_widget_set_sensitive (self->sync_button, FALSE);
  gtk_widget_set_tooltip_text (self->sync_button,
                               _("Sync is not built into this copy of Voronka"));
#endif

  fill_conflicts (self, store);
}

void
crm_sync_indicator_set_live (CrmSyncIndicator *self,
                             gboolean          live)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));
  if (self->live == !!live)
    return;
  self->live = !!live;
  crm_sync_indicator_refresh (self);
}

gboolean
crm_sync_indicator_get_live (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), FALSE);
  return self->live;
}

const char *
crm_sync_indicator_get_label (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), NULL);
  return gtk_label_get_label (self->label);
}

void
crm_sync_indicator_set_syncing (CrmSyncIndicator *self,
                                gboolean          syncing)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));
  self->syncing = syncing;
  crm_sync_indicator_refresh (self);
}

void
crm_sync_indicator_set_error (CrmSyncIndicator *self,
                              const char       *message)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));
  g_free (self->error);
  self->error = g_strdup (message);
  crm_sync_indicator_refresh (self);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  crm_sync_indicator_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
mark_seen_clicked_cb (CrmSyncIndicator *self)
{
  g_autoptr(GError) error = NULL;

  if (self->context == NULL)
    return;
  if (!crm_sync_state_mark_conflicts_seen (crm_context_get_store (self->context), &error))
    g_warning ("Could not mark the conflicts as seen: %s", error->message);
  crm_sync_indicator_refresh (self);
}

void
crm_sync_indicator_set_context (CrmSyncIndicator *self,
                                CrmContext       *context)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));

  if (self->context == context)
    return;
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context != NULL)
    g_signal_connect_swapped (context, "changed", G_CALLBACK (crm_sync_indicator_refresh), self);
  crm_sync_indicator_refresh (self);
}

void
crm_sync_indicator_set_compact (CrmSyncIndicator *self,
                                gboolean          compact)
{
  g_return_if_fail (CRM_IS_SYNC_INDICATOR (self));

  self->compact = !!compact;
  gtk_widget_set_visible (GTK_WIDGET (self->label), !self->compact);
}

gboolean
crm_sync_indicator_get_compact (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), FALSE);

  return self->compact;
}

static void
crm_sync_indicator_dispose (GObject *object)
{
  CrmSyncIndicator *self = CRM_SYNC_INDICATOR (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->error, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_SYNC_INDICATOR);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_sync_indicator_parent_class)->dispose (object);
}

static void
crm_sync_indicator_class_init (CrmSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_sync_indicator_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, label);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, badge);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, status_title);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, status_detail);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, sync_button);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, conflicts_box);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, conflict_list);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, rejected_box);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, rejected_list);
  gtk_widget_class_bind_template_child (widget_class, CrmSyncIndicator, mark_seen_button);
  gtk_widget_class_bind_template_callback (widget_class, mark_seen_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, crm_sync_indicator_refresh);
}

static void
crm_sync_indicator_init (CrmSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_swapped (self->monitor, "notify::network-available",
                            G_CALLBACK (crm_sync_indicator_refresh), self);
  self->timeout_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_timeout_cb, self);
}

guint
crm_sync_indicator_get_n_problems (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), 0);
  return self->n_problems;
}

GtkWidget *
crm_sync_indicator_get_popover (CrmSyncIndicator *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_INDICATOR (self), NULL);
  return GTK_WIDGET (gtk_menu_button_get_popover (self->button));
}
