/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-list-row.c — what a contact or company row shows, filled from a query row. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-list-row.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmListRow
{
  GtkWidget  parent_instance;

  GtkWidget *check;
  AdwAvatar *avatar;
  GtkLabel  *title_label;
  GtkLabel  *detail_label;
  GtkLabel  *extra_label;
};

G_DEFINE_FINAL_TYPE (CrmListRow, crm_list_row, GTK_TYPE_WIDGET)

static char *
first_of (JsonObject *object,
          const char *member)
{
  JsonArray *array = json_object_has_member (object, member)
                     ? json_object_get_array_member (object, member) : NULL;

  if (array == NULL || json_array_get_length (array) == 0)
    return NULL;
  return g_strdup (json_array_get_string_element (array, 0));
}

void
crm_list_row_set_record (CrmListRow *self,
                         const char *kind,
                         CrmRecord  *record,
                         const char *segment)
{
  const char *name = crm_record_get_string (record, "name", "");
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *extra = NULL;
  g_autofree char *avatar_name = NULL;

  g_return_if_fail (CRM_IS_LIST_ROW (self));

  if (g_strcmp0 (kind, "deal") == 0)
    {
      /* a deal of a saved list (S4-1): its title; pipeline, stage and amount; company */
      const char *amount = crm_record_get_string (record, "amount", NULL);

      name = crm_record_get_string (record, "title", "");
      g_string_append_printf (detail, "%s · %s", crm_record_get_string (record, "pipeline", ""),
                              crm_record_get_string (record, "stage", ""));
      if (amount != NULL)
        {
          gint64 minor = 0;
          g_autofree char *shown = NULL;

          if (crm_money_parse (amount, &minor))
            shown = crm_format_money (minor, crm_record_get_string (record, "currency", "RUB"));
          g_string_append_printf (detail, " · %s", shown != NULL ? shown : amount);
        }
      if (crm_record_has (record, "company"))
        extra = g_strdup (crm_record_get_string (record, "company", ""));
    }
  else if (g_strcmp0 (kind, "company") == 0)
    {
      gint64 deals = crm_record_get_int (record, "deals", 0);
      gint64 contacts = crm_record_get_int (record, "contacts", 0);

      if (crm_record_has (record, "inn"))
        /* Translators: a company's taxpayer number */
        g_string_append_printf (detail, _("INN %s"), crm_record_get_string (record, "inn", ""));
      if (contacts > 0)
        {
          g_autofree char *text = g_strdup_printf (ngettext ("%lld contact",
                                                             "%lld contacts",
                                                             contacts), (long long) contacts);

          g_string_append_printf (detail, "%s%s", detail->len > 0 ? " · " : "", text);
        }
      if (deals > 0)
        extra = g_strdup_printf (ngettext ("%lld open deal",
                                           "%lld open deals", deals), (long long) deals);
      /* S3-6: the total of its won deals, what the list can be sorted by */
      if (crm_record_get_int (record, "total", 0) > 0)
        {
          g_autofree char *total = crm_format_money (crm_record_get_int (record, "total", 0), "RUB");
          /* Translators: the sum of a company's won deals, in the companies list */
          g_autofree char *text = g_strdup_printf (_("won %s"), total);

          g_string_append_printf (detail, "%s%s", detail->len > 0 ? " · " : "", text);
        }
    }
  else
    {
      g_autofree char *phone = first_of (crm_record_get_object (record), "phones");
      g_autofree char *email = first_of (crm_record_get_object (record), "emails");

      if (phone != NULL)
        {
          g_autofree char *shown = crm_format_phone (phone);

          g_string_append (detail, shown);
        }
      if (email != NULL)
        g_string_append_printf (detail, "%s%s", detail->len > 0 ? " · " : "", email);
      if (crm_record_has (record, "company"))
        extra = g_strdup (crm_record_get_string (record, "company", ""));
    }

  /* S4-5: the RFM segment: a filtered list's row has it, the list reads it for others */
  if (crm_record_has (record, "segment"))
    segment = crm_record_get_string (record, "segment", NULL);
  if (segment != NULL && *segment != '\0')
    {
      /* Translators: a client's RFM segment in the contacts and companies lists, «VIP» */
      g_autofree char *text = g_strdup_printf (_("segment %s"), segment);

      g_string_append_printf (detail, "%s%s", detail->len > 0 ? " · " : "", text);
    }

  avatar_name = crm_format_avatar_name (name, g_strcmp0 (kind, "company") == 0);
  adw_avatar_set_text (self->avatar, avatar_name);
  /* a deal is no person: the board's icon instead of initials */
  adw_avatar_set_show_initials (self->avatar, g_strcmp0 (kind, "deal") != 0);
  adw_avatar_set_icon_name (self->avatar, g_strcmp0 (kind, "deal") == 0 ? "view-paged-symbolic"
                                                                         : NULL);
  gtk_label_set_label (self->title_label, name);
  gtk_label_set_label (self->detail_label, detail->str);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail->len > 0);
  gtk_label_set_label (self->extra_label, extra != NULL ? extra : "");
}

const char *
crm_list_row_get_title (CrmListRow *self)
{
  g_return_val_if_fail (CRM_IS_LIST_ROW (self), NULL);
  return gtk_label_get_label (self->title_label);
}

const char *
crm_list_row_get_detail (CrmListRow *self)
{
  g_return_val_if_fail (CRM_IS_LIST_ROW (self), NULL);
  return gtk_label_get_label (self->detail_label);
}

void
crm_list_row_set_check (CrmListRow *self,
                        gboolean    shown,
                        gboolean    checked)
{
  g_return_if_fail (CRM_IS_LIST_ROW (self));
  gtk_widget_set_visible (self->check, shown);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->check), shown && checked);
}

gboolean
crm_list_row_get_checked (CrmListRow *self)
{
  g_return_val_if_fail (CRM_IS_LIST_ROW (self), FALSE);
  return gtk_widget_get_visible (self->check) &&
         gtk_check_button_get_active (GTK_CHECK_BUTTON (self->check));
}

static void
crm_list_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_LIST_ROW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_list_row_parent_class)->dispose (object);
}

static void
crm_list_row_class_init (CrmListRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_list_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-list-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmListRow, check);
  gtk_widget_class_bind_template_child (widget_class, CrmListRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, CrmListRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmListRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, CrmListRow, extra_label);
}

static void
crm_list_row_init (CrmListRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
crm_list_row_new (void)
{
  return g_object_new (CRM_TYPE_LIST_ROW, NULL);
}
