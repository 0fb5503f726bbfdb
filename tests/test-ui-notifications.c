/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-notifications.c — the header's bell in the real app: what rules told the user
 * shows with an unread count, reading one opens its deal and marks it read in the
 * replica, «Mark All as Read» empties the count, and desktop notifications reach a real
 * org.freedesktop.Notifications server on the session bus (this test owns the name, as a
 * desktop's notification daemon does) when a notification arrives or a task falls due. */
#include "crm-test-ui.h"

#include "crm-context.h"
#include "crm-notification-button.h"
#include "crm-query.h"
#include "crm-test-notify.h"
#include "crm-time.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmNotificationButton *
bell (void)
{
  GtkWidget *found = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_NOTIFICATION_BUTTON, NULL);

  g_assert_nonnull (found);
  return CRM_NOTIFICATION_BUTTON (found);
}

typedef struct { CrmNotificationButton *button; guint n; } UnreadIs;

static gboolean
unread_is (gpointer data)
{
  UnreadIs *want = data;

  return crm_notification_button_get_n_unread (want->button) == want->n;
}

static char *
first_deal (CrmContext *context,
            char      **out_title)
{
  CrmDealFilter filter = { .open_only = TRUE, .limit = 1 };
  g_autoptr(JsonNode) deals = crm_query_deals (crm_context_get_store (context), &filter,
                                               NULL, NULL);
  JsonObject *deal;

  g_assert_nonnull (deals);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), >, 0);
  deal = json_array_get_object_element (json_node_get_array (deals), 0);
  *out_title = g_strdup (json_object_get_string_member (deal, "title"));
  return g_strdup (json_object_get_string_member (deal, "id"));
}

/* What a rule's "notify" action writes: a notification for the current user. */
static char *
notify_user (CrmContext *context,
             const char *text,
             const char *deal_id)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  char *id = crm_context_new_id (context);
  CrmChange *change = crm_changeset_create (changeset, "notification", id);

  crm_change_set_string (change, "user", crm_context_get_user_id (context));
  crm_change_set_string (change, "text", text);
  if (deal_id != NULL)
    crm_change_set_string (change, "deal", deal_id);
  crm_change_set_int (change, "created_at", crm_context_now (context));
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static gboolean
replica_read (const char *notification_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
  g_autoptr(JsonObject) item = NULL;

  g_assert_no_error (error);
  item = crm_store_dup_entity (store, "notification", notification_id);
  g_assert_nonnull (item);
  return json_object_get_boolean_member_with_default (item, "read", FALSE);
}

static GtkWidget *
row_with_title (GtkWidget  *popover,
                const char *title)
{
  return crm_test_ui_find (popover, ADW_TYPE_ACTION_ROW, title);
}

/* ---- tests ---- */

static void
test_popover_and_reading (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmNotificationButton *button = bell ();
  g_autofree char *deal_title = NULL;
  g_autofree char *deal_id = first_deal (context, &deal_title);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *popover;
  GtkWidget *row;
  UnreadIs want = { button, 0 };
  guint before = crm_notification_button_get_n_unread (button);
  guint shown_before = crm_test_notify_shown ()->len;

  if (!crm_test_notify_require ())
    return;

  first = notify_user (context, "Клиент снова оставил заявку", deal_id);
  second = notify_user (context, "Заявка ждёт 10 минут", NULL);
  want.n = before + 2;
  g_assert_true (crm_test_ui_wait_until (unread_is, &want, 5000));

  /* the desktop heard of both, with the deal's title as the heading */
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_n_shown_is,
                                         GUINT_TO_POINTER (shown_before + 2), 5000));
  expected = g_strdup_printf ("%s\nКлиент снова оставил заявку", deal_title);
  g_assert_true (g_ptr_array_find_with_equal_func (crm_test_notify_shown (), expected,
                                                   g_str_equal, NULL));

  popover = crm_notification_button_get_popover (button);
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (popover, "notifications"));
  row = row_with_title (popover, "Клиент снова оставил заявку");
  g_assert_nonnull (row);
  g_assert_nonnull (row_with_title (popover, "Заявка ждёт 10 минут"));

  /* reading one opens its deal and marks it read, in the replica */
  g_signal_emit_by_name (gtk_widget_get_parent (row), "row-activated", row);
  want.n = before + 1;
  g_assert_true (crm_test_ui_wait_until (unread_is, &want, 5000));
  crm_test_ui_wait (200);
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
  g_assert_true (g_str_has_suffix (crm_window_get_view (window), deal_id));
  g_assert_true (replica_read (first));
  g_assert_false (replica_read (second));

  /* «Mark All as Read» */
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (200);
  g_assert_nonnull (crm_test_ui_find (popover, GTK_TYPE_BUTTON, "Mark All as _Read"));
  gtk_widget_activate (crm_test_ui_find (popover, GTK_TYPE_BUTTON, "Mark All as _Read"));
  want.n = 0;
  g_assert_true (crm_test_ui_wait_until (unread_is, &want, 5000));
  g_assert_true (replica_read (second));
  gtk_popover_popdown (GTK_POPOVER (popover));
  crm_test_ui_wait (100);
}

static void
test_task_falls_due (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmNotificationButton *button = bell ();
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *task_id = crm_context_new_id (context);
  g_autofree char *expected = NULL;
  gint64 now = crm_context_now (context);
  CrmChange *change = crm_changeset_create (changeset, "task", task_id);
  guint shown_before;

  if (!crm_test_notify_require ())
    return;
  crm_change_set_string (change, "text", "Перезвонить Иванову");
  crm_change_set_string (change, "responsible", crm_context_get_user_id (context));
  crm_change_set_int (change, "due", now + 60 * 1000);
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  crm_test_ui_wait (200);

  /* not due yet: nothing */
  shown_before = crm_test_notify_shown ()->len;
  g_assert_cmpuint (crm_notification_button_check_due (button, now + 30 * 1000), ==, 0);
  /* its time came: one desktop notification, and only once */
  g_assert_cmpuint (crm_notification_button_check_due (button, now + 90 * 1000), ==, 1);
  g_assert_cmpuint (crm_notification_button_check_due (button, now + 120 * 1000), ==, 0);
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_n_shown_is,
                                         GUINT_TO_POINTER (shown_before + 1), 5000));
  expected = g_strdup_printf ("%s\n%s", _("A task is due"), "Перезвонить Иванову");
  g_assert_cmpstr (g_ptr_array_index (crm_test_notify_shown (), crm_test_notify_shown ()->len - 1),
                   ==, expected);
}

static void
test_empty (void)
{
  CrmNotificationButton *button = bell ();
  GtkWidget *popover = crm_notification_button_get_popover (button);

  g_assert_cmpuint (crm_notification_button_get_n_unread (button), ==, 0);
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (popover, "notifications-read"));
  g_assert_false (gtk_widget_get_sensitive (crm_test_ui_find (popover, GTK_TYPE_BUTTON,
                                                              "Mark All as _Read")));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static JsonObject *
live_event (const char *id,
            const char *text,
            const char *deal_id)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", "notification");
  json_object_set_string_member (event, "id", id);
  json_object_set_string_member (event, "text", text);
  if (deal_id != NULL)
    json_object_set_string_member (event, "deal", deal_id);
  else
    json_object_set_null_member (event, "deal");
  json_object_set_int_member (event, "created_at", crm_time_now_ms ());
  return event;
}

/* The live channel's "notification" event (src/server/crm-server-live.h) reaches the
 * desktop at once, before the sync brings the notification; when the sync then brings
 * it, the bell lists it and the desktop does not hear of it a second time; a repeated
 * event neither. */
static void
test_live_at_once (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmNotificationButton *button = bell ();
  g_autofree char *deal_title = NULL;
  g_autofree char *deal_id = first_deal (context, &deal_title);
  g_autofree char *id = crm_context_new_id (context);
  g_autofree char *marker_id = crm_context_new_id (context);
  g_autofree char *expected = NULL;
  g_autoptr(JsonObject) event = live_event (id, "Пропущенный звонок от +7 903 555-01-99",
                                            deal_id);
  g_autoptr(JsonObject) marker = live_event (marker_id, "Заявка ждёт 5 минут", NULL);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  UnreadIs want = { button, crm_notification_button_get_n_unread (button) + 1 };
  guint unread = crm_notification_button_get_n_unread (button);
  CrmChange *change;

  if (!crm_test_notify_require ())
    return;

  /* at once, with the deal's title as the heading; the bell waits for the sync */
  g_assert_true (crm_notification_button_announce_live (button, event));
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_shows,
                                         "Пропущенный звонок от +7 903 555-01-99", 5000));
  expected = g_strdup_printf ("%s\nПропущенный звонок от +7 903 555-01-99", deal_title);
  g_assert_true (g_ptr_array_find_with_equal_func (crm_test_notify_shown (), expected,
                                                   g_str_equal, NULL));
  g_assert_cmpuint (crm_notification_button_get_n_unread (button), ==, unread);
  /* the same event again: nothing */
  g_assert_false (crm_notification_button_announce_live (button, event));

  /* the sync brings it (the same id, written as the pull merges it) */
  change = crm_changeset_create (changeset, "notification", id);
  crm_change_set_string (change, "user", crm_context_get_user_id (context));
  crm_change_set_string (change, "text", "Пропущенный звонок от +7 903 555-01-99");
  crm_change_set_string (change, "deal", deal_id);
  crm_change_set_int (change, "created_at", crm_context_now (context));
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  g_assert_true (crm_test_ui_wait_until (unread_is, &want, 5000));
  g_assert_false (crm_notification_button_announce_live (button, event));

  /* one more event as a marker: the daemon hears in order, so a second notification of
   * the call would have come before it */
  g_assert_true (crm_notification_button_announce_live (button, marker));
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_shows, "Заявка ждёт 5 минут", 5000));
  g_assert_cmpuint (crm_test_notify_count ("Пропущенный звонок от +7 903 555-01-99"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_notify_start ();

  tmpdir = g_dir_make_tmp ("voronka-test-notifications-XXXXXX", NULL);
  db_path = crm_test_ui_make_demo (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/notifications/popover-and-reading", test_popover_and_reading);
  g_test_add_func ("/ui/notifications/task-falls-due", test_task_falls_due);
  g_test_add_func ("/ui/notifications/empty", test_empty);
  g_test_add_func ("/ui/notifications/live-at-once", test_live_at_once);
  status = g_test_run ();

  crm_test_ui_stop (app);
  crm_test_notify_stop ();
  crm_test_remove_tree (tmpdir);
  g_free (db_path);
  g_free (tmpdir);
  return status;
}
