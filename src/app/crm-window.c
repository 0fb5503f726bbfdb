/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-window.c — the main window: builds the sidebar from the replica's pipelines, moves
 * between views (with a back stack for deal and contact pages), hands every view (a
 * CrmView) the shared context, keeps the header's search and tag filter, and remembers
 * its size and last view in GSettings. Its actions are in crm-window-actions.c. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-approvals-view.h"
#include "crm-automation-view.h"
#include "crm-board.h"
#include "crm-call-card.h"
#include "crm-calls-view.h"
#include "crm-contact-page.h"
#include "crm-deal-page.h"
#include "crm-bad-data-view.h"
#include "crm-duplicates-view.h"
#include "crm-entity-list.h"
#include "crm-filter.h"
#include "crm-reports-view.h"
#include "crm-schedule-view.h"
#include "crm-search-view.h"
#include "crm-settings-view.h"
#include "crm-startup.h"
#include "crm-stock-view.h"
#include "crm-tasks-view.h"
#include "crm-view.h"
#include "crm-window-private.h"

G_DEFINE_FINAL_TYPE (CrmWindow, crm_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONTEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GSettings *
get_settings (CrmWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return CRM_IS_APPLICATION (app) ? crm_application_get_settings (CRM_APPLICATION (app)) : NULL;
}

/* ---- sidebar ---- */

static void
sidebar_view_activated_cb (CrmWindow  *self,
                           const char *view)
{
  g_ptr_array_set_size (self->back_stack, 0);
  crm_window_show_view (self, view);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
sidebar_button_clicked_cb (CrmWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ---- header: search and tag filter ---- */

static const char *page_name_for_view (const char *view);

/* Whether the page filters itself by the header's search (else the search page answers). */
static gboolean
page_filters_by_search (const char *page)
{
  return g_strcmp0 (page, "board") == 0 || g_strcmp0 (page, "contacts") == 0 ||
         g_strcmp0 (page, "companies") == 0 || g_strcmp0 (page, "deals") == 0;
}

/* One or two digits (with a number's separators) and nothing else: the start of a phone
 * number being typed. Such a search reads every contact's numbers (contact_phone's
 * trigram index needs three characters): 0.9 s on 100 000 contacts, during which the
 * typing waits. The search waits for the third digit instead; Enter searches at once. */
static gboolean
is_short_number (const char *text)
{
  guint digits = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (strchr (" +-().", *p) == NULL)
        return FALSE;
    }
  return digits > 0 && digits < 3;
}

static void
search_changed_cb (CrmWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (is_short_number (text))
    {
      g_autofree char *stripped = g_strstrip (g_strdup (text));

      /* what the lists show before any search, unless Enter searched these digits */
      if (g_strcmp0 (crm_context_get_search (self->context), stripped) != 0)
        crm_context_set_search (self->context, NULL);
      /* once a window: why nothing is found yet */
      if (!self->short_number_hinted)
        {
          self->short_number_hinted = TRUE;
          crm_window_show_toast (self, _("A phone number is looked up from its third digit; "
                                         "press Enter to look up these digits now"));
        }
      return;
    }
  crm_context_set_search (self->context, text);
  /* typing on the Tasks view looks through the whole account */
  if (*text != '\0' && self->view != NULL && !page_filters_by_search (page_name_for_view (self->view)) &&
      g_strcmp0 (self->view, "search") != 0)
    crm_window_show_view (self, "search");
}

/* Enter in the search: everything it finds, deals, contacts and companies together. */
static void
search_activated_cb (CrmWindow *self)
{
  crm_context_set_search (self->context, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  if (g_strcmp0 (self->view, "search") != 0)
    crm_window_show_view (self, "search");
}

static void
search_stopped_cb (CrmWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
tag_filter_changed_cb (CrmWindow *self)
{
  const char * const *filter = crm_context_get_tag_filter (self->context);

  if (filter[0] != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->tag_filter_button), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->tag_filter_button), "accent");
  crm_tag_chips_set_selected (self->tag_filter_chips, crm_context_get_tag_filter (self->context));
}

static void
tag_chips_toggled_cb (CrmWindow  *self,
                      const char *tag_id)
{
  crm_context_toggle_tag_filter (self->context, tag_id);
}

/* ---- views ---- */

/* The views besides the board, built the first time they are shown (or asked for):
 * a window that opens on the board pays for the board only. Each is a CrmView. */
static const struct {
  const char *name;
  GType     (*get_type) (void);
  const char *kind;        /* CrmEntityList's "kind", else NULL */
} lazy_pages[] = {
  { "contacts", crm_entity_list_get_type, "contact" },
  { "companies", crm_entity_list_get_type, "company" },
  { "deals", crm_entity_list_get_type, "deal" },
  { "tasks", crm_tasks_view_get_type, NULL },
  { "calls", crm_calls_view_get_type, NULL },
  { "approvals", crm_approvals_view_get_type, NULL },
  { "stock", crm_stock_view_get_type, NULL },
  { "reports", crm_reports_view_get_type, NULL },
  { "schedule", crm_schedule_view_get_type, NULL },
  { "automation", crm_automation_view_get_type, NULL },
  { "settings", crm_settings_view_get_type, NULL },
  { "search", crm_search_view_get_type, NULL },
  { "duplicates", crm_duplicates_view_get_type, NULL },
  { "bad-data", crm_bad_data_view_get_type, NULL },
  { "deal", crm_deal_page_get_type, NULL },
  { "contact", crm_contact_page_get_type, NULL },
};

/* The page named @name in the view stack, built now if it was not yet. */
static GtkWidget *
ensure_page (CrmWindow  *self,
             const char *name)
{
  GtkWidget *page = gtk_stack_get_child_by_name (self->view_stack, name);

  if (page != NULL)
    return page;
  for (guint i = 0; i < G_N_ELEMENTS (lazy_pages); i++)
    {
      if (!g_str_equal (lazy_pages[i].name, name))
        continue;
      if (lazy_pages[i].kind != NULL)
        page = g_object_new (lazy_pages[i].get_type (), "kind", lazy_pages[i].kind,
                             "context", self->context, NULL);
      else
        page = g_object_new (lazy_pages[i].get_type (), "context", self->context, NULL);
      gtk_stack_add_named (self->view_stack, page, name);
      return page;
    }
  return NULL;
}

static void
bind_page_titles (CrmWindow *self,
                  GtkWidget *page)
{
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  g_clear_pointer (&self->subtitle_binding, g_binding_unbind);
  adw_window_title_set_subtitle (self->view_title, "");
  if (page == NULL || !CRM_IS_VIEW (page))
    return;
  self->title_binding = g_object_bind_property (page, "title", self->view_title, "title",
                                                G_BINDING_SYNC_CREATE);
  self->subtitle_binding = g_object_bind_property (page, "subtitle", self->view_title,
                                                   "subtitle", G_BINDING_SYNC_CREATE);
}

static void
visible_view_changed_cb (CrmWindow *self)
{
  bind_page_titles (self, gtk_stack_get_visible_child (self->view_stack));
}

static const char *
page_name_for_view (const char *view)
{
  static const char *const plain[] = {
    "contacts", "companies", "tasks", "calls", "stock", "reports", "automation", "settings",
    "search", "duplicates", "bad-data", "approvals", "schedule", NULL
  };

  if (g_str_has_prefix (view, "pipeline:"))
    return "board";
  if (g_str_has_prefix (view, "deal:"))
    return "deal";
  if (g_str_has_prefix (view, "contact:") || g_str_has_prefix (view, "company:"))
    return "contact";
  /* a saved list (S4-1) in the Contacts or Companies view */
  if (g_str_has_prefix (view, "list:"))
    return "contacts";
  if (g_str_has_prefix (view, "company-list:"))
    return "companies";
  if (g_str_has_prefix (view, "deal-list:"))
    return "deals";
  if (g_strv_contains (plain, view))
    return view;
  return NULL;
}

static char *
dup_first_board_view (CrmWindow *self)
{
  JsonArray *pipelines = crm_context_get_pipelines (self->context);

  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);

      if (!json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        return g_strconcat ("pipeline:", json_object_get_string_member (pipeline, "id"), NULL);
    }
  return g_strdup ("contacts");
}

/* Is @view something this replica and user can show? */
static gboolean
view_is_valid (CrmWindow  *self,
               const char *view)
{
  const char *page = view != NULL ? page_name_for_view (view) : NULL;

  if (page == NULL)
    return FALSE;
  if (g_str_equal (page, "board"))
    return crm_context_find_pipeline (self->context, view + strlen ("pipeline:")) != NULL;
  if (g_str_equal (page, "automation"))
    return crm_context_is_admin (self->context);
  if (g_str_has_prefix (view, "list:") || g_str_has_prefix (view, "company-list:") ||
      g_str_has_prefix (view, "deal-list:"))
    {
      g_autoptr(JsonObject) list = crm_saved_list_lookup (crm_context_get_store (self->context),
                                                          strchr (view, ':') + 1, NULL);

      return list != NULL;
    }
  if (g_str_equal (page, "stock") || g_str_equal (page, "reports"))
    return crm_context_is_manager (self->context);
  return TRUE;
}

static void
update_header_for_view (CrmWindow  *self,
                        const char *page)
{
  gboolean on_page = g_str_equal (page, "deal") || g_str_equal (page, "contact") ||
                     g_str_equal (page, "settings") || g_str_equal (page, "automation") ||
                     g_str_equal (page, "stock") || g_str_equal (page, "reports") ||
                     g_str_equal (page, "duplicates") || g_str_equal (page, "calls") ||
                     g_str_equal (page, "bad-data") ||
                     g_str_equal (page, "approvals") ||
                     g_str_equal (page, "schedule");

  gtk_widget_set_visible (self->back_button, self->back_stack->len > 0);
  gtk_widget_set_visible (self->new_button, !on_page);
  if (g_str_equal (page, "contacts"))
    gtk_widget_set_tooltip_text (self->new_button, _("New Contact"));
  else if (g_str_equal (page, "companies"))
    gtk_widget_set_tooltip_text (self->new_button, _("New Company"));
  else if (g_str_equal (page, "tasks"))
    gtk_widget_set_tooltip_text (self->new_button, _("New Task"));
  else
    gtk_widget_set_tooltip_text (self->new_button, _("New Deal"));
  /* Only the board and the lists are searched and filtered by tags. */
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry),
                          page_filters_by_search (page) || g_str_equal (page, "search") ||
                          g_str_equal (page, "tasks"));
  gtk_widget_set_visible (GTK_WIDGET (self->tag_filter_button),
                          g_str_equal (page, "board") || g_str_equal (page, "contacts"));
}

static void
show_view_now (CrmWindow  *self,
               const char *view)
{
  g_autofree char *fallback = NULL;
  const char *page;
  GSettings *settings;

  /* a saved list deleted (here or by a colleague) falls back to its whole view */
  if (view != NULL && !view_is_valid (self, view) && g_str_has_prefix (view, "list:"))
    view = "contacts";
  else if (view != NULL && !view_is_valid (self, view) && g_str_has_prefix (view, "company-list:"))
    view = "companies";
  if (!view_is_valid (self, view))
    view = fallback = dup_first_board_view (self);
  page = page_name_for_view (view);

  /* a new view starts unfiltered, except the search page, which shows what was typed */
  if (g_strcmp0 (self->view, view) != 0 && !g_str_equal (view, "search"))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_free (self->view);
  self->view = g_strdup (view);

  /* the board, a deal, a contact: the view takes what it shows from the key */
  crm_view_set_key (CRM_VIEW (ensure_page (self, page)), view);
  gtk_stack_set_visible_child_name (self->view_stack, page);
  bind_page_titles (self, gtk_stack_get_visible_child (self->view_stack));
  update_header_for_view (self, page);
  if (!g_str_equal (page, "deal") && !g_str_equal (page, "contact"))
    {
      crm_sidebar_select (self->sidebar, view);
      settings = get_settings (self);
      if (settings != NULL)
        g_settings_set_string (settings, "last-view", view);
    }
}

void
crm_window_show_view (CrmWindow  *self,
                      const char *view)
{
  g_return_if_fail (CRM_IS_WINDOW (self));
  show_view_now (self, view);
}

const char *
crm_window_get_view (CrmWindow *self)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return self->view;
}

void
_crm_window_push_view (CrmWindow  *self,
                       const char *view)
{
  if (self->view != NULL && g_strcmp0 (self->view, view) != 0)
    g_ptr_array_add (self->back_stack, g_strdup (self->view));
  show_view_now (self, view);
}

void
crm_window_open_deal (CrmWindow  *self,
                      const char *deal_id)
{
  g_autofree char *view = NULL;

  g_return_if_fail (CRM_IS_WINDOW (self));
  view = g_strconcat ("deal:", deal_id, NULL);
  _crm_window_push_view (self, view);
}

void
crm_window_open_contact (CrmWindow  *self,
                         const char *contact_id)
{
  g_autofree char *view = NULL;

  g_return_if_fail (CRM_IS_WINDOW (self));
  view = g_strconcat ("contact:", contact_id, NULL);
  _crm_window_push_view (self, view);
}

GtkWidget *
crm_window_get_page (CrmWindow  *self,
                     const char *name)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return ensure_page (self, name);
}

GtkWidget *
crm_window_get_search_entry (CrmWindow *self)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->search_entry);
}

/* ---- context ---- */

static void
context_changed_cb (CrmWindow *self)
{
  g_autofree char *view = g_strdup (self->view);

  adw_window_title_set_subtitle (self->account_title, crm_context_get_user_name (self->context));
  crm_tag_chips_set_tags (self->tag_filter_chips, crm_context_get_tags (self->context));
  crm_tag_chips_set_selected (self->tag_filter_chips, crm_context_get_tag_filter (self->context));
  if (view != NULL)
    {
      /* the view may be gone (a deleted pipeline) or now forbidden (another user) */
      if (!view_is_valid (self, view))
        show_view_now (self, view);
      else
        crm_sidebar_select (self->sidebar, view);
    }
}

static void
set_context (CrmWindow  *self,
             CrmContext *context)
{
  g_set_object (&self->context, context);

  /* Every view gets the context; they reload themselves when it says "changed". */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->view_stack));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (CRM_IS_VIEW (child))
      crm_view_set_context (CRM_VIEW (child), context);
  crm_sync_indicator_set_context (self->sync_indicator, context);
  crm_notification_button_set_context (self->notification_button, context);
  /* before the window's own handler: the sidebar must list a view to select it */
  crm_sidebar_set_context (self->sidebar, context);
  crm_filter_bar_set_context (self->filter_bar, context);

  g_signal_connect_object (context, "changed", G_CALLBACK (context_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::tag-filter", G_CALLBACK (tag_filter_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "read-failed", G_CALLBACK (crm_window_show_toast), self,
                           G_CONNECT_SWAPPED);
  context_changed_cb (self);
}

/* ---- size in GSettings ---- */

static gboolean
crm_window_close_request (GtkWindow *window)
{
  CrmWindow *self = CRM_WINDOW (window);
  GSettings *settings = get_settings (self);

  if (settings != NULL)
    {
      int width = 0, height = 0;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
        {
          g_settings_set_int (settings, "window-width", width);
          g_settings_set_int (settings, "window-height", height);
        }
    }
  return GTK_WINDOW_CLASS (crm_window_parent_class)->close_request (window);
}

static void default_width_changed_cb (CrmWindow *self);

static void
restore_state (CrmWindow *self)
{
  GSettings *settings = get_settings (self);
  g_autofree char *view = NULL;

  if (settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      view = g_settings_get_string (settings, "last-view");
    }
  /* a head (a manager, not an admin) who has not chosen a view yet starts on the
   * dashboard (S2-9) */
  if ((view == NULL || *view == '\0') && crm_context_is_manager (self->context) &&
      !crm_context_is_admin (self->context))
    {
      g_free (view);
      view = g_strdup ("reports");
    }
  default_width_changed_cb (self);
  show_view_now (self, view);
}

/* ---- start-up ---- */

static void
first_frame_painted_cb (GdkFrameClock *clock,
                        CrmWindow     *self)
{
  crm_startup_mark (CRM_STARTUP_FIRST_FRAME);
  g_signal_handlers_disconnect_by_func (clock, first_frame_painted_cb, self);
}

static void
crm_window_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (crm_window_parent_class)->realize (widget);
  if (!crm_startup_is_done ())
    g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                             G_CALLBACK (first_frame_painted_cb), widget, 0);
}

/* ---- GObject ---- */

static void
crm_window_dispose (GObject *object)
{
  CrmWindow *self = CRM_WINDOW (object);

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  g_clear_pointer (&self->subtitle_binding, g_binding_unbind);
  g_clear_object (&self->sync);
  if (self->help_overlay != NULL)
    gtk_window_destroy (self->help_overlay);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_WINDOW);
  G_OBJECT_CLASS (crm_window_parent_class)->dispose (object);
}

static void
crm_window_finalize (GObject *object)
{
  CrmWindow *self = CRM_WINDOW (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->context);
  g_clear_pointer (&self->view, g_free);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_pointer (&self->back_stack, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_window_parent_class)->finalize (object);
}

static void
crm_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CrmWindow *self = CRM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CrmWindow *self = CRM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      set_context (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_window_class_init (CrmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = crm_window_dispose;
  object_class->finalize = crm_window_finalize;
  object_class->get_property = crm_window_get_property;
  object_class->set_property = crm_window_set_property;
  window_class->close_request = crm_window_close_request;
  widget_class->realize = crm_window_realize;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, CRM_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CRM_TYPE_AUTOMATION_VIEW);
  g_type_ensure (CRM_TYPE_BOARD);
  g_type_ensure (CRM_TYPE_CONTACT_PAGE);
  g_type_ensure (CRM_TYPE_ENTITY_LIST);
  g_type_ensure (CRM_TYPE_FILTER_BAR);
  g_type_ensure (CRM_TYPE_SIDEBAR);
  g_type_ensure (CRM_TYPE_DEAL_PAGE);
  g_type_ensure (CRM_TYPE_SETTINGS_VIEW);
  g_type_ensure (CRM_TYPE_STOCK_VIEW);
  g_type_ensure (CRM_TYPE_NOTIFICATION_BUTTON);
  g_type_ensure (CRM_TYPE_SYNC_INDICATOR);
  g_type_ensure (CRM_TYPE_TAG_CHIPS);
  g_type_ensure (CRM_TYPE_TASKS_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/voronka/Voronka/crm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, account_title);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, view_title);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, new_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, notification_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, tag_filter_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, tag_filter_chips);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, CrmWindow, board);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_view_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stopped_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_view_changed_cb);

  _crm_window_class_actions_init (klass);
}

/* Below this width the sidebar folds away (its button in the header brings it back), so
 * the board and the header keep their room at 800×600. */
#define SIDEBAR_FOLDS_BELOW_WIDTH 900
/* Below this width the sync button shows its icon only (its words stay the tooltip and
 * the popover's title), so the view's title keeps the deal count and sum at 800×600. */
#define SYNC_ICON_ONLY_BELOW_WIDTH 1100

/* The one watcher of the window's width: what folds or shrinks when it is narrow. */
static void
default_width_changed_cb (CrmWindow *self)
{
  int width = 0, height = 0;

  /* GTK 4.8 writes both: neither may be NULL */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width <= 0)
    return;
  crm_sync_indicator_set_compact (self->sync_indicator, width < SYNC_ICON_ONLY_BELOW_WIDTH);
  if (adw_leaflet_get_can_unfold (self->leaflet) == (width >= SIDEBAR_FOLDS_BELOW_WIDTH))
    return;
  adw_leaflet_set_can_unfold (self->leaflet, width >= SIDEBAR_FOLDS_BELOW_WIDTH);
  /* folding keeps what the user was looking at: the view, not the list of views */
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_box));
}

static void
crm_window_init (CrmWindow *self)
{
  self->back_stack = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::default-width", G_CALLBACK (default_width_changed_cb), NULL);
  g_signal_connect_object (self->tag_filter_chips, "tag-toggled",
                           G_CALLBACK (tag_chips_toggled_cb), self, G_CONNECT_SWAPPED);
}

/* A call rings this user (the live channel): the caller's card over the window. */
static void
call_cb (CrmWindow  *self,
         JsonObject *event)
{
  crm_call_card_show (GTK_WINDOW (self), self->context, event);
}

/* A rule made a notification for this user (the live channel): on the desktop at once. */
static void
live_notification_cb (CrmWindow  *self,
                      JsonObject *event)
{
  crm_notification_button_announce_live (self->notification_button, event);
}

CrmWindow *
crm_window_new (CrmApplication *app,
                CrmStore       *store)
{
  g_autoptr(CrmContext) context = crm_context_new (store);
  CrmWindow *self;
  GSettings *settings;

  crm_startup_mark ("user loaded");
  self = g_object_new (CRM_TYPE_WINDOW, "application", app, "context", context, NULL);
  settings = get_settings (self);
  crm_startup_mark ("window made from its template");
  restore_state (self);
  crm_startup_mark ("first view loaded");
  self->sync = crm_sync_controller_new (context, self->sync_indicator,
                                        settings != NULL ? g_settings_get_uint (settings, "sync-interval")
                                                         : 300);
  g_signal_connect_object (self->sync, "call", G_CALLBACK (call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notification", G_CALLBACK (live_notification_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

CrmContext *
crm_window_get_context (CrmWindow *self)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return self->context;
}

void
crm_window_show_toast (CrmWindow  *self,
                       const char *text)
{
  AdwToast *toast;

  g_return_if_fail (CRM_IS_WINDOW (self));
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

const char *
crm_window_get_last_toast (CrmWindow *self)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return self->last_toast;
}

void
crm_window_add_toast (CrmWindow *self,
                      AdwToast  *toast)
{
  g_return_if_fail (CRM_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
crm_window_restart_sync (CrmWindow  *self,
                         const char *token)
{
  g_return_if_fail (CRM_IS_WINDOW (self));
  if (self->sync != NULL)
    crm_sync_controller_restart (self->sync, token);
}

CrmSyncIndicator *
crm_window_get_sync_indicator (CrmWindow *self)
{
  g_return_val_if_fail (CRM_IS_WINDOW (self), NULL);
  return self->sync_indicator;
}
