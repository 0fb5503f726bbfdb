/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-search-view.c — one search for a client: what the header's search text finds in
 * deals, contacts and companies (crm_query_search: first letters of a surname, a company
 * or a title, or four or more digits of a phone number), each group with its total, a
 * row opening the deal, contact or company. It follows the text as it is typed. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-search-view.h"
#include "crm-context.h"
#include "crm-format.h"
#include "crm-search.h"
#include "crm-view.h"
#include "crm-widget-util.h"

/* rows shown per group; the lists of contacts and companies hold the rest */
#define ROWS_PER_GROUP 8

struct _CrmSearchView
{
  GtkWidget            parent_instance;

  CrmContext          *context;

  GtkStack            *stack;
  AdwStatusPage       *empty_page;
  AdwPreferencesGroup *deals_group;
  AdwPreferencesGroup *contacts_group;
  AdwPreferencesGroup *companies_group;
  GtkListBox          *deal_list;
  GtkListBox          *contact_list;
  GtkListBox          *company_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmSearchView, crm_search_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static GtkListBox *
group_list (CrmSearchView *self,
            const char    *group)
{
  if (g_strcmp0 (group, "deals") == 0)
    return self->deal_list;
  if (g_strcmp0 (group, "contacts") == 0)
    return self->contact_list;
  return self->company_list;
}

/* "Deals · 3" or "Contacts · 8 of 47" as a group's title */
static void
set_group_title (AdwPreferencesGroup *group,
                 const char          *name,
                 guint                shown,
                 gint64               total)
{
  g_autofree char *title = NULL;

  if ((gint64) shown < total)
    /* Translators: a group of search results, e.g. "Contacts · 8 of 47" */
    title = g_strdup_printf (_("%s · %u of %lld"), name, shown, (long long) total);
  else
    title = g_strdup_printf ("%s · %lld", name, (long long) total);
  adw_preferences_group_set_title (group, title);
  gtk_widget_set_visible (GTK_WIDGET (group), total > 0);
}

static GtkWidget *
deal_row_new (JsonObject *deal)
{
  g_autoptr(GString) subtitle = g_string_new (json_object_get_string_member_with_default (deal, "stage", ""));
  const char *contact = json_object_get_string_member_with_default (deal, "contact", NULL);
  const char *company = json_object_get_string_member_with_default (deal, "company", NULL);
  GtkWidget *row;

  if (contact != NULL)
    g_string_append_printf (subtitle, " · %s", contact);
  if (company != NULL)
    g_string_append_printf (subtitle, " · %s", company);
  if (json_object_has_member (deal, "amount") && !json_object_get_null_member (deal, "amount"))
    {
      g_autofree char *amount = crm_format_money (json_object_get_int_member (deal, "amount"),
                                                  json_object_get_string_member_with_default (deal, "currency", NULL));

      g_string_append_printf (subtitle, " · %s", amount);
    }
  row = crm_text_row_new (json_object_get_string_member_with_default (deal, "title", ""), subtitle->str);
  crm_row_set_action (row, "win.open-deal", json_object_get_string_member (deal, "id"));
  return row;
}

static GtkWidget *
contact_row_new (JsonObject *contact)
{
  JsonArray *phones = json_object_get_array_member (contact, "phones");
  g_autoptr(GString) subtitle = g_string_new (NULL);
  const char *company = json_object_get_string_member_with_default (contact, "company", NULL);
  GtkWidget *row;

  /* the numbers tell two Петровы apart */
  for (guint i = 0; phones != NULL && i < json_array_get_length (phones); i++)
    {
      g_autofree char *phone = crm_format_phone (json_array_get_string_element (phones, i));

      g_string_append_printf (subtitle, "%s%s", i > 0 ? ", " : "", phone);
    }
  if (company != NULL)
    g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", company);
  row = crm_text_row_new (json_object_get_string_member_with_default (contact, "name", ""),
                          subtitle->str);
  crm_row_set_action (row, "win.open-contact", json_object_get_string_member (contact, "id"));
  return row;
}

static GtkWidget *
company_row_new (JsonObject *company)
{
  g_autofree char *subtitle = NULL;
  gint64 deals = json_object_get_int_member_with_default (company, "deals", 0);
  const char *inn = json_object_get_string_member_with_default (company, "inn", NULL);
  GtkWidget *row;

  /* Translators: a company in search results: its open deals, then its tax number */
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld open deal", "%lld open deals", deals),
                              (long long) deals);
  if (inn != NULL && *inn != '\0')
    {
      /* Translators: ИНН is the Russian tax number of a company */
      g_autofree char *with_inn = g_strdup_printf (_("%s · INN %s"), subtitle, inn);

      g_free (subtitle);
      subtitle = g_steal_pointer (&with_inn);
    }
  row = crm_text_row_new (json_object_get_string_member_with_default (company, "name", ""), subtitle);
  crm_row_set_action (row, "win.open-company", json_object_get_string_member (company, "id"));
  return row;
}

static void
fill (GtkListBox  *list,
      JsonArray   *items,
      GtkWidget *(*row_new) (JsonObject *item))
{
  crm_list_box_remove_all (list);
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    gtk_list_box_append (list, row_new (json_array_get_object_element (items, i)));
}

static gboolean
text_is_blank (const char *text)
{
  for (; *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return FALSE;
  return TRUE;
}

static void
set_subtitle (CrmSearchView *self,
              char          *subtitle)
{
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
  g_free (subtitle);
}

static void
crm_search_view_reload (CrmView *view)
{
  CrmSearchView *self = CRM_SEARCH_VIEW (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) found = NULL;
  const char *text;
  JsonObject *result, *totals;
  gint64 n_deals, n_contacts, n_companies;

  g_return_if_fail (CRM_IS_SEARCH_VIEW (self));

  if (self->context == NULL)
    return;
  text = crm_context_get_search (self->context);
  if (text == NULL || text_is_blank (text))
    {
      gtk_stack_set_visible_child_name (self->stack, "start");
      set_subtitle (self, NULL);
      return;
    }
  found = crm_query_search (crm_context_get_store (self->context), text, ROWS_PER_GROUP, &error);
  if (found == NULL)
    {
      crm_stack_show_read_error (self->stack, _("The Search Could Not Be Made"), error);
      set_subtitle (self, NULL);
      return;
    }
  result = json_node_get_object (found);
  totals = json_object_get_object_member (result, "totals");
  n_deals = json_object_get_int_member (totals, "deals");
  n_contacts = json_object_get_int_member (totals, "contacts");
  n_companies = json_object_get_int_member (totals, "companies");

  fill (self->deal_list, json_object_get_array_member (result, "deals"), deal_row_new);
  fill (self->contact_list, json_object_get_array_member (result, "contacts"), contact_row_new);
  fill (self->company_list, json_object_get_array_member (result, "companies"), company_row_new);
  set_group_title (self->deals_group, _("Deals"),
                   json_array_get_length (json_object_get_array_member (result, "deals")), n_deals);
  set_group_title (self->contacts_group, _("Contacts"),
                   json_array_get_length (json_object_get_array_member (result, "contacts")), n_contacts);
  set_group_title (self->companies_group, _("Companies"),
                   json_array_get_length (json_object_get_array_member (result, "companies")), n_companies);

  if (n_deals + n_contacts + n_companies == 0)
    {
      /* Translators: the search page when nothing matches; %s is what was typed */
      g_autofree char *title = g_strdup_printf (_("Nothing Found for «%s»"), text);

      adw_status_page_set_title (self->empty_page, title);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      set_subtitle (self, NULL);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "results");
  {
    g_autofree char *deals = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%lld deal", "%lld deals", n_deals), (long long) n_deals);
    g_autofree char *contacts = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%lld contact", "%lld contacts", n_contacts), (long long) n_contacts);
    g_autofree char *companies = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%lld company", "%lld companies", n_companies),
      (long long) n_companies);

    /* the search page's subtitle: "5 deals · 1 contact · 0 companies" */
    set_subtitle (self, g_strjoin (" · ", deals, contacts, companies, NULL));
  }
}

guint
crm_search_view_get_n_rows (CrmSearchView *self,
                            const char    *group)
{
  GtkListBox *list;
  guint n = 0;

  g_return_val_if_fail (CRM_IS_SEARCH_VIEW (self), 0);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "results") != 0)
    return 0;
  list = group_list (self, group);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

GtkWidget *
crm_search_view_get_row (CrmSearchView *self,
                         const char    *group,
                         guint          index)
{
  g_return_val_if_fail (CRM_IS_SEARCH_VIEW (self), NULL);
  return GTK_WIDGET (gtk_list_box_get_row_at_index (group_list (self, group), index));
}

/* The view follows the header's search as well as the replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  if (context != NULL)
    g_signal_connect_swapped (context, "notify::search", G_CALLBACK (crm_view_queue_reload), view);
}

static void
crm_search_view_dispose (GObject *object)
{
  CrmSearchView *self = CRM_SEARCH_VIEW (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_SEARCH_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_search_view_parent_class)->dispose (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_search_view_reload;
}

static void
crm_search_view_class_init (CrmSearchViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_search_view_dispose;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmSearchView, context), N_("Search"),
                        context_set);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-search-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, deals_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, contacts_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, companies_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, deal_list);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, contact_list);
  gtk_widget_class_bind_template_child (widget_class, CrmSearchView, company_list);
}

static void
crm_search_view_init (CrmSearchView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
