/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-window-private.h — what crm-window.c shares with crm-window-actions.c (as
 * gnome-text-editor's editor-window-private.h): the instance struct and the steps of
 * moving between views. Nothing outside those two files includes it. */
#pragma once

#include "crm-filter-bar.h"
#include "crm-notification-button.h"
#include "crm-sidebar.h"
#include "crm-sync-controller.h"
#include "crm-tag-chips.h"
#include "crm-window.h"

G_BEGIN_DECLS

struct _CrmWindow
{
  AdwApplicationWindow  parent_instance;

  CrmContext           *context;
  CrmSyncController    *sync;
  char                 *view;          /* the key of the view shown */
  GPtrArray            *back_stack;    /* keys of the views to go back to */
  GBinding             *title_binding;
  GBinding             *subtitle_binding;
  GtkWindow            *help_overlay;  /* built when first shown */
  char                 *last_toast;    /* the text of the last toast shown (tests) */
  gboolean              short_number_hinted;

  /* template */
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_box;
  GtkWidget            *content_box;
  AdwWindowTitle       *account_title;
  CrmSidebar           *sidebar;
  AdwWindowTitle       *view_title;
  GtkWidget            *back_button;
  GtkWidget            *new_button;
  CrmSyncIndicator     *sync_indicator;
  CrmNotificationButton *notification_button;
  GtkMenuButton        *tag_filter_button;
  CrmTagChips          *tag_filter_chips;
  GtkSearchEntry       *search_entry;
  CrmFilterBar         *filter_bar;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *view_stack;
  GtkWidget            *board;         /* a CrmBoard, the one view built with the window */
};
/* Shows @view and remembers the one shown for the back button. */
void  _crm_window_push_view          (CrmWindow      *self,
                                      const char     *view);
/* Installs the window's actions ("win.…") and their keyboard shortcuts. */
void  _crm_window_class_actions_init (CrmWindowClass *klass);

G_END_DECLS
