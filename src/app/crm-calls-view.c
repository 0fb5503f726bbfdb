/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-calls-view.c — «Звонки»: the calls of the replica through core's crm_call_list()
 * (the calls the PBX reported to voronka-server, synced here like any entity). Today's
 * list puts the missed ones first; the missed list covers the last seven days. The list
 * is read in a GTask worker thread on a second connection that only reads
 * (crm_store_open_reader), which the view keeps and lends to one read at a time, as the
 * Reports view does: a reload while one runs waits for it, then reads once more. The rows
 * are built on the main loop. When the local day changes the view reads again by itself:
 * a timeout set to the next local midnight (at most CLOCK_CHECK_S away, so a suspended
 * laptop or a changed time zone is noticed soon after). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-call.h"
#include "crm-calls-view.h"
#include "crm-format.h"
#include "crm-phone.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"
#include "crm-json.h"

#define MISSED_DAYS 7
/* the longest the view waits before it looks at the clock again (see above) */
#define CLOCK_CHECK_S (15 * 60)

struct _CrmCallsView
{
  GtkWidget        parent_instance;

  CrmContext      *context;
  guint            n_calls;
  guint            n_missed;

  CrmStore        *reader;     /* the reading connection; NULL while a read has it */
  gboolean         running;    /* a read is in the worker */
  gboolean         pending;    /* read once more when it ends */
  gboolean         disposed;
  gint64           shown_day;  /* local midnight that starts the day of the list shown */
  guint            day_timer;  /* reads again when the day changes */

  GtkToggleButton *today_button;
  GtkToggleButton *missed_button;
  GtkStack        *stack;
  GtkListBox      *list;
  AdwStatusPage   *empty_page;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmCallsView, crm_calls_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static gboolean
is_missed (JsonObject *call)
{
  const char *status = json_object_get_string_member_with_default (call, "status", "");

  return g_str_equal (status, "missed") || g_str_equal (status, "voicemail");
}

/* "2:05", "1:02:05" */
static char *
format_duration (gint64 seconds)
{
  if (seconds >= 3600)
    /* Translators: a call's talk time: hours, minutes, seconds */
    return g_strdup_printf (_("%u:%02u:%02u"), (guint) (seconds / 3600),
                            (guint) (seconds / 60 % 60), (guint) (seconds % 60));
  /* Translators: a call's talk time: minutes and seconds */
  return g_strdup_printf (_("%u:%02u"), (guint) (seconds / 60), (guint) (seconds % 60));
}

/* The time of day for today's list, the date and time for the missed one. */
static char *
format_started (CrmCallsView *self,
                JsonObject   *call)
{
  const char *text = crm_json_string (call, "started_at");
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint64 ms;

  if (text == NULL || !crm_time_parse (text, &ms))
    return NULL;
  if (ms < crm_day_start (crm_context_now (self->context)))
    return crm_format_date_time (ms);
  utc = g_date_time_new_from_unix_utc (ms / 1000);
  local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  return local != NULL ? g_date_time_format (local, "%H:%M") : NULL;
}

static char *
format_status (JsonObject *call)
{
  const char *status = json_object_get_string_member_with_default (call, "status", "");
  const char *by = crm_json_string (call, "answered_by");
  gint64 duration = json_object_get_int_member_with_default (call, "duration", 0);

  if (g_str_equal (status, "missed"))
    return g_strdup (_("Missed"));
  if (g_str_equal (status, "voicemail"))
    return g_strdup (_("Missed, left a voice message"));
  if (g_str_equal (status, "answered"))
    {
      g_autofree char *talk = format_duration (duration);

      if (by != NULL)
        /* Translators: a call's row: who answered it, and the talk time («2:05») */
        return g_strdup_printf (_("Answered by %s, %s"), by, talk);
      /* Translators: a call's row: the talk time («2:05») */
      return g_strdup_printf (_("Answered, %s"), talk);
    }
  if (by != NULL)
    /* Translators: a call's row: a call going on now, answered by %s */
    return g_strdup_printf (_("In progress, answered by %s"), by);
  return g_strdup (_("Ringing"));
}

static void
call_back_clicked_cb (GtkButton *button)
{
  crm_phone_call (GTK_WIDGET (button), g_object_get_data (G_OBJECT (button), "phone"));
}

static void
recording_launched_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_message ("Could not play the recording: %s", error->message);
      crm_widget_show_toast (widget, _("No application plays this recording: open its link "
                                       "in a browser from `voronkactl call show`"));
    }
}

static void
recording_clicked_cb (GtkButton *button)
{
  const char *url = g_object_get_data (G_OBJECT (button), "url");
  g_autoptr(GdkAppLaunchContext) context =
    gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (button)));

  g_app_info_launch_default_for_uri_async (url, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           recording_launched_cb, g_object_ref (button));
}

static GtkWidget *
suffix_button (GtkWidget  *row,
               const char *label,
               const char *icon_name,
               const char *tooltip)
{
  GtkWidget *button = label != NULL ? gtk_button_new_with_mnemonic (label)
                                    : gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (button, tooltip);
  if (label == NULL)
    {
      gtk_widget_add_css_class (button, "flat");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      tooltip, -1);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return button;
}

static GtkWidget *
call_row (CrmCallsView *self,
          JsonObject   *call)
{
  const char *from = crm_json_string (call, "from");
  const char *name = crm_json_string (call, "contact_name");
  const char *deal = crm_json_string (call, "deal");
  const char *deal_title = crm_json_string (call, "deal_title");
  const char *contact = crm_json_string (call, "contact");
  const char *url = crm_json_string (call, "recording_url");
  gboolean incoming = g_strcmp0 (crm_json_string (call, "direction"), "out") != 0;
  gboolean missed = is_missed (call);
  g_autofree char *phone = from != NULL && *from != '\0' ? crm_format_phone (from) : NULL;
  g_autofree char *started = format_started (self, call);
  g_autofree char *status = format_status (call);
  g_autoptr(GString) subtitle = g_string_new (NULL);
  const char *title;
  const char *direction;
  GtkWidget *row;
  GtkWidget *icon;

  if (name != NULL)
    title = name;
  else if (phone != NULL)
    title = phone;
  else
    title = _("Hidden number");
  direction = incoming ? _("Incoming") : _("Outgoing");
  /* a new caller's contact is named by the number: it is said once */
  if (name != NULL && phone != NULL && g_strcmp0 (name, phone) != 0)
    g_string_append_printf (subtitle, "%s · ", phone);
  if (started != NULL)
    g_string_append_printf (subtitle, "%s · ", started);
  g_string_append_printf (subtitle, "%s · %s", direction, status);
  if (deal_title != NULL)
    {
      gint64 number = json_object_get_int_member_with_default (call, "deal_number", 0);
      g_autofree char *deal_text = number > 0
        /* Translators: a call's deal: its number and title */
        ? g_strdup_printf (_("Deal №%lld «%s»"), (long long) number, deal_title)
        /* Translators: a call's deal: its title */
        : g_strdup_printf (_("Deal «%s»"), deal_title);

      g_string_append_printf (subtitle, " · %s", deal_text);
    }

  row = crm_text_row_new (title, subtitle->str);
  icon = gtk_image_new_from_icon_name (missed ? "call-missed-symbolic"
                                       : incoming ? "call-incoming-symbolic"
                                                  : "call-outgoing-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  missed ? _("Missed call") : direction, -1);
  if (missed)
    {
      gtk_widget_add_css_class (icon, "error");
      gtk_widget_add_css_class (row, "call-missed");
    }
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (url != NULL)
    {
      GtkWidget *button = suffix_button (row, NULL, "media-playback-start-symbolic",
                                         _("Play the Recording"));

      g_object_set_data_full (G_OBJECT (button), "url", g_strdup (url), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (recording_clicked_cb), NULL);
    }
  if (missed && phone != NULL)
    {
      GtkWidget *button = suffix_button (row, _("Call _Back"), NULL,
                                         _("Call this number through the desktop's phone application"));

      gtk_widget_add_css_class (button, "phone-call");
      g_object_set_data_full (G_OBJECT (button), "phone", g_strdup (from), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (call_back_clicked_cb), NULL);
    }
  if (deal != NULL)
    crm_row_set_action (row, "win.open-deal", deal);
  else if (contact != NULL)
    crm_row_set_action (row, "win.open-contact", contact);
  g_object_set_data_full (G_OBJECT (row), "call-id",
                          g_strdup (json_object_get_string_member (call, "id")), g_free);
  return row;
}

static void
show_empty (CrmCallsView *self,
            gboolean      missed_only,
            const char   *error)
{
  if (error != NULL)
    {
      adw_status_page_set_title (self->empty_page, _("The Calls Cannot Be Read"));
      crm_status_page_set_text (self->empty_page, error);
    }
  else if (missed_only)
    {
      adw_status_page_set_title (self->empty_page, _("No Missed Calls"));
      adw_status_page_set_description (self->empty_page,
                                       _("Every call of the last seven days was answered."));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("No Calls Today"));
      adw_status_page_set_description (self->empty_page,
                                       _("Calls appear here once the office phone system "
                                         "reports them to the server; if they do not, ask "
                                         "your administrator to connect it."));
    }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* ---- reading in a worker ---- */

typedef struct {
  char     *path;
  gboolean  missed_only;
  gint64    from_ms;
  gint64    to_ms;
  gint64    day;
  CrmStore *reader;     /* lent by the view, given back when the read ends */
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->path);
  g_clear_object (&data->reader);
  g_free (data);
}

static void
read_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ReadData *data = task_data;
  GError *error = NULL;
  JsonArray *calls;

  if (data->reader == NULL)
    {
      data->reader = crm_store_open_reader (data->path, &error);
      /* a small cache and no mapped pages: the app's memory stays small */
      if (data->reader != NULL && !crm_store_set_memory_limits (data->reader, 2048, 0, &error))
        g_clear_object (&data->reader);
      if (data->reader == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  calls = crm_call_list (data->reader, data->missed_only, !data->missed_only, data->from_ms,
                         data->to_ms, NULL, NULL, &error);
  if (calls == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, calls, (GDestroyNotify) json_array_unref);
}

static void start_read         (CrmCallsView *self);
static void schedule_day_timer (CrmCallsView *self);

static gboolean
day_timer_cb (gpointer user_data)
{
  CrmCallsView *self = user_data;

  self->day_timer = 0;
  if (self->context != NULL &&
      crm_day_start (crm_context_now (self->context)) != self->shown_day)
    /* a new day: today's list is another one (hidden, the view reads when shown) */
    crm_view_queue_reload (CRM_VIEW (self));
  else
    schedule_day_timer (self);
  return G_SOURCE_REMOVE;
}

/* Wakes the view at the next local midnight (plus a second, so the clock has passed it),
 * or after CLOCK_CHECK_S if that is sooner. */
static void
schedule_day_timer (CrmCallsView *self)
{
  gint64 now, wait_ms;

  g_clear_handle_id (&self->day_timer, g_source_remove);
  if (self->context == NULL || self->disposed)
    return;
  now = crm_context_now (self->context);
  wait_ms = crm_day_end (now) - now + 1000;
  wait_ms = CLAMP (wait_ms, 1000, (gint64) CLOCK_CHECK_S * 1000);
  self->day_timer = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, (guint) wait_ms, day_timer_cb,
                                        self, NULL);
}

static void
show_calls (CrmCallsView *self,
            gboolean      missed_only,
            JsonArray    *calls)
{
  g_autofree char *subtitle = NULL;

  crm_list_box_remove_all (self->list);
  self->n_calls = 0;
  self->n_missed = 0;
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);

      gtk_list_box_append (self->list, call_row (self, call));
      self->n_calls++;
      if (is_missed (call))
        self->n_missed++;
    }
  if (self->n_calls == 0)
    {
      show_empty (self, missed_only, NULL);
      crm_view_set_subtitle (CRM_VIEW (self), NULL);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
  if (missed_only)
    subtitle = g_strdup_printf (ngettext ("%u missed call in seven days",
                                          "%u missed calls in seven days", self->n_calls),
                                self->n_calls);
  else if (self->n_missed > 0)
    /* Translators: the Calls view's subtitle: today's calls, and how many were missed */
    subtitle = g_strdup_printf (ngettext ("%u call today, %u missed",
                                          "%u calls today, %u missed", self->n_calls),
                                self->n_calls, self->n_missed);
  else
    subtitle = g_strdup_printf (ngettext ("%u call today", "%u calls today", self->n_calls),
                                self->n_calls);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmCallsView *self = CRM_CALLS_VIEW (source);
  ReadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) calls = g_task_propagate_pointer (G_TASK (result), &error);

  self->running = FALSE;
  if (self->reader == NULL)
    self->reader = g_steal_pointer (&data->reader);
  if (self->disposed || self->context == NULL)
    return;
  if (self->pending)
    {
      start_read (self);
      return;
    }
  self->shown_day = data->day;
  schedule_day_timer (self);
  if (calls == NULL)
    {
      g_message ("Could not read the calls: %s", error->message);   /* shown in the view */
      crm_list_box_remove_all (self->list);
      self->n_calls = 0;
      self->n_missed = 0;
      show_empty (self, data->missed_only, error->message);
      crm_view_set_subtitle (CRM_VIEW (self), NULL);
      return;
    }
  show_calls (self, data->missed_only, calls);
}

static void
start_read (CrmCallsView *self)
{
  CrmStore *store;
  ReadData *data;
  GTask *task;
  gint64 now;

  if (self->context == NULL || self->disposed)
    return;
  if (self->running)
    {
      /* the running read ends first: the reading connection serves one at a time */
      self->pending = TRUE;
      return;
    }
  self->pending = FALSE;
  store = crm_context_get_store (self->context);
  if (self->reader != NULL &&
      g_strcmp0 (crm_store_get_path (self->reader), crm_store_get_path (store)) != 0)
    g_clear_object (&self->reader);

  data = g_new0 (ReadData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->missed_only = gtk_toggle_button_get_active (self->missed_button);
  now = crm_context_now (self->context);
  data->day = crm_day_start (now);
  data->from_ms = data->missed_only ? data->day - (MISSED_DAYS - 1) * CRM_MS_PER_DAY : data->day;
  data->to_ms = data->missed_only ? 0 : crm_day_end (now);
  data->reader = g_steal_pointer (&self->reader);

  self->running = TRUE;
  task = g_task_new (self, NULL, read_done_cb, NULL);
  g_task_set_source_tag (task, start_read);
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  g_task_run_in_thread (task, read_in_thread);
  g_object_unref (task);
}

static void
crm_calls_view_reload (CrmView *view)
{
  start_read (CRM_CALLS_VIEW (view));
}

static void
filter_toggled_cb (CrmCallsView *self)
{
  /* both buttons of the group say so: read once, for the one that became active */
  if (gtk_toggle_button_get_active (self->today_button) ||
      gtk_toggle_button_get_active (self->missed_button))
    crm_view_reload (CRM_VIEW (self));
}

void
crm_calls_view_set_missed_only (CrmCallsView *self,
                                gboolean      missed_only)
{
  g_return_if_fail (CRM_IS_CALLS_VIEW (self));

  gtk_toggle_button_set_active (missed_only ? self->missed_button : self->today_button, TRUE);
  if (crm_view_is_dirty (CRM_VIEW (self)))
    crm_view_reload (CRM_VIEW (self));
}

gboolean
crm_calls_view_get_missed_only (CrmCallsView *self)
{
  g_return_val_if_fail (CRM_IS_CALLS_VIEW (self), FALSE);
  return gtk_toggle_button_get_active (self->missed_button);
}

guint
crm_calls_view_get_n_calls (CrmCallsView *self)
{
  g_return_val_if_fail (CRM_IS_CALLS_VIEW (self), 0);
  return self->n_calls;
}

gboolean
crm_calls_view_is_loading (CrmCallsView *self)
{
  g_return_val_if_fail (CRM_IS_CALLS_VIEW (self), FALSE);
  return self->running || self->pending || crm_view_is_reload_queued (CRM_VIEW (self));
}

gint64
crm_calls_view_get_shown_day (CrmCallsView *self)
{
  g_return_val_if_fail (CRM_IS_CALLS_VIEW (self), 0);
  return self->shown_day;
}

static void
crm_calls_view_dispose (GObject *object)
{
  CrmCallsView *self = CRM_CALLS_VIEW (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->day_timer, g_source_remove);
  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_CALLS_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_calls_view_parent_class)->dispose (object);
}

static void
crm_calls_view_finalize (GObject *object)
{
  g_clear_object (&CRM_CALLS_VIEW (object)->reader);
  G_OBJECT_CLASS (crm_calls_view_parent_class)->finalize (object);
}

/* A new context (another replica) or none: the timer and the reader are the old one's. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  CrmCallsView *self = CRM_CALLS_VIEW (view);

  g_clear_handle_id (&self->day_timer, g_source_remove);
  self->shown_day = 0;
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_calls_view_reload;
}

static void
crm_calls_view_class_init (CrmCallsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_calls_view_dispose;
  object_class->finalize = crm_calls_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmCallsView, context), N_("Calls"),
                        context_set);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-calls-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmCallsView, today_button);
  gtk_widget_class_bind_template_child (widget_class, CrmCallsView, missed_button);
  gtk_widget_class_bind_template_child (widget_class, CrmCallsView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmCallsView, list);
  gtk_widget_class_bind_template_child (widget_class, CrmCallsView, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, filter_toggled_cb);
}

static void
crm_calls_view_init (CrmCallsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
