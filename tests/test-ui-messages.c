/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-messages.c — messages in the real app (issue 14): «Write…» on a contact's page
 * queues an e-mail about one of its deals (free text, placeholders filled), refusing an
 * empty one and a channel the contact has no address for, with nothing written; the
 * contact's and the deal's «Messages» show each message with its channel, to whom and
 * its delivery state in words, also after the server's states (failed with the reason,
 * opened) reached the replica; an unsubscribed contact says so and gets no e-mail (an
 * SMS still); a template sent from the deal page, whose Files show a picture as a
 * thumbnail; Settings shows administrators the server's channels and mailboxes (no
 * secret) and the command that changes each. */
#include "crm-test-ui.h"
#include "crm-test-pdf.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "crm-channels-group.h"
#include "crm-attachment.h"
#include "crm-contact-page.h"
#include "crm-files-group.h"
#include "crm-deal-page.h"
#include "crm-message.h"
#include "crm-message-dialog.h"
#include "crm-messages-group.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-template-dialog.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *contact_id;
static char *message_id;

/* A contact of the demo with an e-mail, a phone and a deal. */
static void
find_contact (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) node = crm_query_contacts (store, NULL, NULL, 0, 0, NULL, NULL);
  JsonArray *all = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (all) && contact_id == NULL; i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (all, i), "id");
      g_autoptr(JsonObject) contact = crm_store_dup_entity (store, "contact", id);
      JsonNode *emails = json_object_get_member (contact, "emails");
      JsonNode *phones = json_object_get_member (contact, "phones");
      CrmCardFilter filter = { .contact_id = id, .limit = 5 };
      g_autoptr(JsonArray) deals = NULL;

      if (emails == NULL || !JSON_NODE_HOLDS_ARRAY (emails) ||
          json_array_get_length (json_node_get_array (emails)) == 0 ||
          phones == NULL || !JSON_NODE_HOLDS_ARRAY (phones) ||
          json_array_get_length (json_node_get_array (phones)) == 0)
        continue;
      deals = crm_query_deal_cards (store, &filter, NULL, NULL);
      if (deals != NULL && json_array_get_length (deals) > 0)
        contact_id = g_strdup (id);
    }
  g_assert_nonnull (contact_id);
}

static guint
count_messages (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) node = crm_message_list (store, NULL, NULL);

  return json_array_get_length (json_node_get_array (node));
}

/* Whether a row under @root has a title starting with @prefix. */
static gboolean
find_prefix (GtkWidget  *root,
                         const char *prefix)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (ADW_IS_PREFERENCES_ROW (widget) &&
          g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), prefix))
        {
          g_queue_clear (&queue);
          return TRUE;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return FALSE;
}

static CrmMessagesGroup *
group_of (GtkWidget *page)
{
  GtkWidget *group = crm_test_ui_find (page, CRM_TYPE_MESSAGES_GROUP, NULL);

  g_assert_nonnull (group);
  return CRM_MESSAGES_GROUP (group);
}

static const char *
row_state (CrmMessagesGroup *group,
           const char       *id)
{
  GtkWidget *row = crm_messages_group_find_row (group, id);

  g_assert_nonnull (row);
  return g_object_get_data (G_OBJECT (row), "state");
}

/* Scrolls the page @widget is on so that it is near the top (for the screenshots). */
static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_point_t point;

  g_assert_nonnull (scroller);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_true (gtk_widget_compute_point (widget, gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (adjustment, point.y - 120);
  crm_test_ui_wait (100);
}

static void
test_write_from_contact (void)
{
  CrmContactPage *page;
  CrmMessagesGroup *group;
  CrmMessageDialog *dialog;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *none = NULL;
  guint before = count_messages ();

  find_contact ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s", contact_id));
  crm_test_ui_wait (200);
  page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
  group = group_of (GTK_WIDGET (page));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_cmpuint (crm_messages_group_get_n_messages (group), ==, 0);
  /* the empty group says what «Write…» does */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (group), GTK_TYPE_BUTTON, "_Write…"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (group), "messages.write", NULL));
  dialog = CRM_MESSAGE_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_MESSAGE_DIALOG));
  g_assert_cmpuint (crm_message_dialog_get_n_deals (dialog), >, 0);
  g_assert_null (crm_message_dialog_get_problem (dialog));

  /* nothing to send: said, nothing written */
  crm_message_dialog_set_channel (dialog, "email");
  g_assert_null (crm_message_dialog_send (dialog, "Предложение", "   "));
  g_assert_nonnull (strstr (crm_message_dialog_get_problem (dialog), "text"));
  /* an e-mail without a subject: core's words */
  g_assert_null (crm_message_dialog_send (dialog, "", "Добрый день!"));
  g_assert_nonnull (strstr (crm_message_dialog_get_problem (dialog), "subject"));
  /* a placeholder that does not exist */
  g_assert_null (crm_message_dialog_send (dialog, "Предложение", "Добрый день, {client.name}!"));
  g_assert_nonnull (strstr (crm_message_dialog_get_problem (dialog), "{client.name}"));
  /* no Telegram chat for the contact */
  crm_message_dialog_set_channel (dialog, "telegram");
  g_assert_null (crm_message_dialog_send (dialog, NULL, "Добрый день!"));
  g_assert_nonnull (strstr (crm_message_dialog_get_problem (dialog), "Telegram"));
  g_assert_cmpuint (count_messages (), ==, before);

  crm_message_dialog_set_channel (dialog, "email");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "message-dialog"));
  message_id = crm_message_dialog_send (dialog, "Коммерческое предложение, {contact.name}",
                                        "Добрый день, {contact.name}!\nВысылаем предложение по «{deal.title}».");
  g_assert_nonnull (message_id);
  g_assert_null (crm_message_dialog_get_problem (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (200);

  /* written once, to this contact, placeholders filled, queued for the server */
  g_assert_cmpuint (count_messages (), ==, before + 1);
  store = crm_test_ui_open_replica (db_path);
  contact = crm_store_dup_entity (store, "contact", contact_id);
  message = crm_store_dup_entity (store, "message", message_id);
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "recipient"), ==, contact_id);
  g_assert_cmpstr (json_object_get_string_member (message, "status"), ==, "queued");
  g_assert_cmpstr (json_object_get_string_member (message, "channel"), ==, "email");
  none = g_strdup_printf ("Коммерческое предложение, %s",
                          json_object_get_string_member (contact, "name"));
  g_assert_cmpstr (json_object_get_string_member (message, "subject"), ==, none);
  g_assert_null (strstr (json_object_get_string_member (message, "text"), "{"));

  /* the page lists it, waiting for the sync */
  group = group_of (GTK_WIDGET (page));
  g_assert_cmpuint (crm_messages_group_get_n_messages (group), ==, 1);
  g_assert_cmpstr (row_state (group, message_id), ==, "Waiting for the sync");
}

static void
test_states_from_server (void)
{
  g_autoptr(GError) error = NULL;
  CrmContactPage *page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
  CrmMessagesGroup *group;

  /* what the server writes back (crm-server-delivery.c), arriving through the replica */
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    g_assert_true (crm_message_set_status (store, message_id, "failed",
                                           "550 5.1.1 mailbox unavailable", &error));
    g_assert_no_error (error);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  group = group_of (GTK_WIDGET (page));
  g_assert_cmpstr (row_state (group, message_id), ==, "Not delivered: 550 5.1.1 mailbox unavailable");
  scroll_to (GTK_WIDGET (group));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-messages-failed"));

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    g_assert_true (crm_message_set_status (store, message_id, "sent", NULL, &error));
    g_assert_true (crm_message_set_status (store, message_id, "opened", NULL, &error));
    g_assert_no_error (error);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  group = group_of (GTK_WIDGET (page));
  g_assert_cmpstr (row_state (group, message_id), ==, "Sent and opened");
}

/* The client followed an e-mail's unsubscribe link (the server writes it): the card says
 * so, and «Write…» refuses an e-mail with the reason (an SMS still goes). */
static void
test_unsubscribed (void)
{
  g_autoptr(GError) error = NULL;
  CrmContactPage *page;
  CrmMessagesGroup *group;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s", contact_id));
  crm_test_ui_wait (300);
  page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
  g_assert_false (find_prefix (GTK_WIDGET (page), "Unsubscribed from e-mails on "));

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autofree char *name = NULL;

    g_assert_true (crm_message_unsubscribe (store, message_id, &name, &error));
    g_assert_no_error (error);
    g_assert_nonnull (name);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  /* the card says so */
  g_assert_true (find_prefix (GTK_WIDGET (page), "Unsubscribed from e-mails on "));
  /* and «Write…» refuses an e-mail, with the reason; an SMS is still fine */
  {
    CrmMessageDialog *dialog;
    guint before = count_messages ();
    g_autofree char *sms = NULL;

    group = group_of (GTK_WIDGET (page));
    dialog = CRM_MESSAGE_DIALOG (crm_messages_group_write (group));
    crm_test_ui_wait_for_window (CRM_TYPE_MESSAGE_DIALOG);
    crm_message_dialog_set_channel (dialog, "email");
    g_assert_null (crm_message_dialog_send (dialog, "Ещё одно предложение", "Текст"));
    g_assert_nonnull (strstr (crm_message_dialog_get_problem (dialog), "unsubscribed from e-mails"));
    g_assert_cmpuint (count_messages (), ==, before);
    crm_message_dialog_set_channel (dialog, "sms");
    sms = crm_message_dialog_send (dialog, NULL, "Добрый день! Перезвоните, пожалуйста.");
    g_assert_nonnull (sms);
    gtk_window_destroy (GTK_WINDOW (dialog));
    crm_test_ui_wait (200);
    g_assert_cmpuint (count_messages (), ==, before + 1);
  }
}

static void
test_template_from_deal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *template_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *deal_id = NULL;
  CrmMessageDialog *dialog;
  CrmMessagesGroup *group;
  CrmDealPage *page;

  store = crm_test_ui_open_replica (db_path);
  template_id = crm_message_template_add (store, NULL, "КП", "email",
                                          "Предложение по сделке «{deal.title}»",
                                          "{contact.name}, добрый день! Ваш менеджер {user.name}.",
                                          &error);
  g_assert_no_error (error);
  {
    CrmCardFilter filter = { .contact_id = contact_id, .limit = 1 };
    g_autoptr(JsonArray) deals = crm_query_deal_cards (store, &filter, NULL, NULL);

    deal_id = g_strdup (json_object_get_string_member (json_array_get_object_element (deals, 0), "id"));
  }
  crm_context_notify_changed (crm_window_get_context (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  crm_test_ui_wait (300);
  page = CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
  group = group_of (GTK_WIDGET (page));
  /* the message written from the contact's page is about this deal */
  g_assert_nonnull (crm_messages_group_find_row (group, message_id));

  dialog = CRM_MESSAGE_DIALOG (crm_messages_group_write (group));
  crm_test_ui_wait_for_window (CRM_TYPE_MESSAGE_DIALOG);
  g_assert_true (crm_message_dialog_set_template (dialog, "КП"));
  g_assert_false (crm_message_dialog_set_template (dialog, "Нет такого"));
  g_assert_true (crm_message_dialog_set_template (dialog, "КП"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "message-dialog-template"));
  id = crm_message_dialog_send (dialog, NULL, NULL);
  g_assert_nonnull (id);
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (300);

  g_clear_object (&store);
  store = crm_test_ui_open_replica (db_path);
  message = crm_store_dup_entity (store, "message", id);
  g_assert_nonnull (strstr (json_object_get_string_member (message, "subject"), "Предложение по сделке «"));
  g_assert_null (strstr (json_object_get_string_member (message, "text"), "{"));
  group = group_of (GTK_WIDGET (page));
  g_assert_nonnull (crm_messages_group_find_row (group, id));
  g_assert_cmpuint (crm_messages_group_get_n_messages (group), >=, 2);
  gtk_widget_grab_focus (crm_messages_group_find_row (group, id));
  scroll_to (GTK_WIDGET (group));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-messages"));
}


static const char *
row_subtitle (GtkWidget *row)
{
  g_assert_nonnull (row);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

/* Settings › «Messages and Mail»: what the server published (no secret), and the command
 * that changes each; before the server told anything, it says why there is nothing. */
static void
test_settings_channels (void)
{
  CrmContext *context = crm_window_get_context (window);
  GtkWidget *view;
  CrmChannelsGroup *group;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "settings"));
  crm_test_ui_wait (300);
  view = crm_window_get_page (window, "settings");
  group = CRM_CHANNELS_GROUP (crm_test_ui_find (view, CRM_TYPE_CHANNELS_GROUP, NULL));
  g_assert_nonnull (group);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (group), ADW_TYPE_ACTION_ROW, "This account is local"));
  g_assert_null (crm_channels_group_get_channel_row (group, "email"));

  /* what voronka-server's publisher writes (crm-server-publish.c), as the sync brings it */
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    JsonArray *pipelines = crm_context_get_pipelines (context);
    JsonObject *pipeline = json_array_get_object_element (pipelines, 0);
    JsonObject *stage = json_array_get_object_element (json_object_get_array_member (pipeline, "stages"), 0);
    g_autoptr(JsonObject) state = json_object_new ();
    JsonArray *channels = json_array_new ();
    JsonArray *mailboxes = json_array_new ();
    JsonObject *email = json_object_new ();
    JsonObject *box = json_object_new ();
    gboolean changed = FALSE;

    json_object_set_string_member (email, "kind", "email");
    json_object_set_string_member (email, "url", "smtp://smtp.acme.ru:587");
    json_object_set_string_member (email, "from", "crm@acme.ru");
    json_object_set_string_member (email, "user", "crm@acme.ru");
    json_object_set_boolean_member (email, "has_secret", TRUE);
    json_object_set_int_member (email, "updated_at", crm_context_now (context));
    json_array_add_object_element (channels, email);
    json_object_set_string_member (box, "url", "imaps://imap.acme.ru/INBOX");
    json_object_set_string_member (box, "user", "sales@acme.ru");
    json_object_set_string_member (box, "pipeline", json_object_get_string_member (pipeline, "id"));
    json_object_set_string_member (box, "stage", json_object_get_string_member (stage, "id"));
    json_object_set_int_member (box, "taken", 12);
    json_object_set_string_member (box, "last_error", "the mail server refused the login: wrong password");
    json_object_set_int_member (box, "last_error_at", crm_context_now (context));
    json_array_add_object_element (mailboxes, box);
    json_object_set_string_member (state, "account", "acme");
    json_object_set_array_member (state, "channels", channels);
    json_object_set_array_member (state, "mailboxes", mailboxes);
    g_assert_true (crm_message_publish_transport (store, state, &changed, &error));
    g_assert_no_error (error);
    g_assert_true (changed);
    /* the same again writes nothing */
    g_assert_true (crm_message_publish_transport (store, state, &changed, &error));
    g_assert_false (changed);
  }
  crm_context_notify_changed (context);
  crm_test_ui_wait (300);

  g_assert_nonnull (strstr (row_subtitle (crm_channels_group_get_channel_row (group, "email")),
                            "smtp://smtp.acme.ru:587 · from crm@acme.ru · login crm@acme.ru"));
  g_assert_nonnull (strstr (row_subtitle (crm_channels_group_get_channel_row (group, "sms")),
                            "Not set up"));
  g_assert_cmpstr (g_object_get_data (G_OBJECT (crm_channels_group_get_channel_row (group, "sms")), "command"),
                   ==, "voronka-server --data DIR channel set acme sms --url URL --token-stdin");
  g_assert_cmpuint (crm_channels_group_get_n_mailboxes (group), ==, 1);
  g_assert_nonnull (strstr (row_subtitle (crm_channels_group_get_mailbox_row (group, 0)),
                            "wrong password"));
  g_assert_nonnull (strstr (row_subtitle (crm_channels_group_get_mailbox_row (group, 0)),
                            "12 e-mails taken"));
  /* the toast of the message sent before goes first: a screenshot of the rows alone */
  crm_test_ui_wait (5500);
  gtk_widget_grab_focus (crm_channels_group_get_channel_row (group, "sms"));
  scroll_to (GTK_WIDGET (group));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-channels"));

  /* someone who is not an administrator does not see it */
  {
    JsonArray *users = crm_context_get_users (context);
    g_autofree char *admin = g_strdup (crm_context_get_user_id (context));

    for (guint i = 0; i < json_array_get_length (users); i++)
      {
        JsonObject *user = json_array_get_object_element (users, i);

        if (g_strcmp0 (json_object_get_string_member_with_default (user, "role", NULL), "admin") != 0)
          {
            crm_context_set_user (context, json_object_get_string_member (user, "id"));
            break;
          }
      }
    crm_test_ui_wait (300);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (group)));
    crm_context_set_user (context, admin);
    crm_test_ui_wait (300);
  }
}


typedef struct {
  CrmFilesGroup *group;
  const char    *id;
} ThumbnailWait;

static gboolean
thumbnail_shown (gpointer data)
{
  ThumbnailWait *wait = data;

  return crm_files_group_has_thumbnail (wait->group, wait->id);
}

/* A picture attached to a deal shows as a thumbnail in its Files (read off the main
 * loop); a file that is not a picture keeps the icon. */
static void
test_file_thumbnail (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
  g_autofree char *png = g_build_filename (tmpdir, "Фото тягача.png", NULL);
  g_autofree char *text = g_build_filename (tmpdir, "Договор.txt", NULL);
  g_autofree char *png_id = NULL;
  g_autofree char *text_id = NULL;
  CrmDealPage *page = CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
  CrmFilesGroup *group = crm_deal_page_get_files_group (page);
  ThumbnailWait wait = { group, NULL };

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", &error, NULL));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (text, "Договор поставки № 12", -1, NULL));
  g_assert_true (crm_files_group_attach (group, text, &error));
  g_assert_true (crm_files_group_attach (group, png, &error));
  g_assert_no_error (error);
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(JsonNode) files = crm_attachment_list (store, "deal", crm_deal_page_get_deal_id (page), &error);
    JsonArray *array = json_node_get_array (files);

    for (guint i = 0; i < json_array_get_length (array); i++)
      {
        JsonObject *file = json_array_get_object_element (array, i);
        const char *name = json_object_get_string_member (file, "name");

        if (g_str_equal (name, "Фото тягача.png"))
          png_id = g_strdup (json_object_get_string_member (file, "id"));
        else if (g_str_equal (name, "Договор.txt"))
          text_id = g_strdup (json_object_get_string_member (file, "id"));
      }
  }
  g_assert_nonnull (png_id);
  g_assert_nonnull (text_id);
  wait.id = png_id;
  g_assert_true (crm_test_ui_wait_until (thumbnail_shown, &wait, 10000));
  g_assert_false (crm_files_group_has_thumbnail (group, text_id));
  crm_test_ui_wait (5500);   /* the toasts go: a screenshot of the rows */
  scroll_to (crm_files_group_find_row (group, png_id));
  crm_test_ui_wait (300);
  scroll_to (crm_files_group_find_row (group, png_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-files-thumbnail"));
}

/* --- Settings › «Message Templates» (issue 17): HTML and the offer as a PDF ------------ */

/* In a process of its own, in Russian: a new template gets its HTML, then the PDF; a file
 * too large for an e-mail is refused and nothing is attached. */
static void
template_editor (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *pdf = crm_test_make_pdf (tmpdir, "Коммерческое предложение.pdf",
                                            "Стенд 12 м² на выставке «Грузовики 2027»");
  g_autofree char *big = g_build_filename (tmpdir, "Каталог.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) templates = NULL;
  CrmTemplateDialog *dialog;
  CrmFilesGroup *files;
  JsonObject *template;
  JsonArray *attached;
  int fd;

  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 11 * 1024 * 1024), ==, 0);
  close (fd);

  dialog = crm_template_dialog_new (GTK_WINDOW (window), context, NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  crm_test_ui_wait_for_window (CRM_TYPE_TEMPLATE_DIALOG);
  files = crm_template_dialog_get_files (dialog);
  /* a new template: its files wait for its first save */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (files)));
  crm_template_dialog_set_fields (dialog, "", "email", "Предложение", "Добрый день!", NULL);
  g_assert_false (crm_template_dialog_save (dialog));
  g_assert_nonnull (crm_template_dialog_get_problem (dialog));

  crm_template_dialog_set_fields (dialog, "КП на выставку", "email",
                                  "Предложение для {contact.name}",
                                  "Здравствуйте, {contact.name}! Предложение — в файле.",
                                  "<html><body>\n<h1>Коммерческое предложение</h1>\n"
                                  "<p>Здравствуйте, <b>{contact.name}</b>!</p>\n</body></html>");
  g_assert_true (crm_template_dialog_save (dialog));
  g_assert_null (crm_template_dialog_get_problem (dialog));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (files)));
  g_assert_true (crm_files_group_attach (files, pdf, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (crm_files_group_get_n_files (files), ==, 1);
  /* more than an e-mail carries: refused, named, nothing attached */
  g_assert_false (crm_files_group_attach (files, big, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "«КП на выставку»"));
  g_clear_error (&error);
  g_assert_cmpuint (crm_files_group_get_n_files (files), ==, 1);
  /* saved again (a word changed): the file stays */
  crm_template_dialog_set_fields (dialog, NULL, NULL, NULL,
                                  "Здравствуйте, {contact.name}! Наше предложение — в файле.",
                                  NULL);
  g_assert_true (crm_template_dialog_save (dialog));
  g_assert_cmpuint (crm_files_group_get_n_files (files), ==, 1);

  templates = crm_message_template_list (crm_context_get_store (context), &error);
  g_assert_no_error (error);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП на выставку");
  g_assert_nonnull (template);
  g_assert_nonnull (strstr (json_object_get_string_member (template, "html"),
                            "<b>{contact.name}</b>"));
  g_assert_nonnull (strstr (json_object_get_string_member (template, "body"), "Наше предложение"));
  attached = json_object_get_array_member (template, "attachments");
  g_assert_cmpuint (json_array_get_length (attached), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (attached, 0), "name"),
                   ==, "Коммерческое предложение.pdf");
  /* the dialog in Russian */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_PREFERENCES_GROUP,
                                      "Вложения"));
  g_assert_null (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_PREFERENCES_GROUP,
                                   "Attachments"));
  crm_test_ui_wait (5500);   /* the toasts go */
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "template-dialog-ru"));
  /* the file's row: its name and size */
  scroll_to (GTK_WIDGET (files));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "template-dialog-files-ru"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* «Write…» with this template says the e-mail carries the file */
  find_contact ();
  {
    CrmMessageDialog *write = crm_message_dialog_new (GTK_WINDOW (window), context, NULL,
                                                      contact_id);

    gtk_window_present (GTK_WINDOW (write));
    crm_test_ui_wait_for_window (CRM_TYPE_MESSAGE_DIALOG);
    g_assert_null (crm_message_dialog_get_files (write));
    g_assert_true (crm_message_dialog_set_template (write, "КП на выставку"));
    g_assert_nonnull (crm_message_dialog_get_files (write));
    g_assert_nonnull (strstr (crm_message_dialog_get_files (write),
                              "Коммерческое предложение.pdf"));
    g_assert_true (g_str_has_prefix (crm_message_dialog_get_files (write), "С файлами: "));
    crm_test_ui_wait (200);
    scroll_to (crm_test_ui_find (GTK_WIDGET (write), GTK_TYPE_LABEL,
                                 crm_message_dialog_get_files (write)));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (write), "message-dialog-offer-ru"));
    g_assert_true (crm_message_dialog_set_template (write, NULL));
    g_assert_null (crm_message_dialog_get_files (write));
    gtk_window_destroy (GTK_WINDOW (write));
  }

  /* renamed in the dialog: the same template, its file kept; then removed, and undone */
  dialog = crm_template_dialog_new (GTK_WINDOW (window), context, "КП на выставку");
  gtk_window_present (GTK_WINDOW (dialog));
  crm_test_ui_wait_for_window (CRM_TYPE_TEMPLATE_DIALOG);
  crm_template_dialog_set_fields (dialog, "КП 2027", NULL, NULL, NULL, NULL);
  g_assert_true (crm_template_dialog_save (dialog));
  g_clear_pointer (&templates, json_node_unref);
  templates = crm_message_template_list (crm_context_get_store (context), &error);
  g_assert_no_error (error);
  g_assert_null (crm_test_find_object (json_node_get_array (templates), "name",
                                       "КП на выставку"));
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП 2027");
  g_assert_nonnull (template);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (template,
                                                                         "attachments")), ==, 1);
  crm_test_ui_wait (5500);   /* the toasts go */
  scroll_to (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "_Удалить шаблон"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "template-dialog-remove-ru"));
  g_assert_true (crm_template_dialog_remove (dialog));
  g_clear_pointer (&templates, json_node_unref);
  templates = crm_message_template_list (crm_context_get_store (context), &error);
  g_assert_null (crm_test_find_object (json_node_get_array (templates), "name", "КП 2027"));
  /* a new template is shown: nothing left to remove */
  g_assert_false (crm_template_dialog_remove (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s",
                                             crm_context_get_last_change_set (context)));
  crm_test_ui_wait (300);
  g_clear_pointer (&templates, json_node_unref);
  templates = crm_message_template_list (crm_context_get_store (context), &error);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП 2027");
  g_assert_nonnull (template);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (template,
                                                                         "attachments")), ==, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_template_editor (void)
{
  crm_test_ui_in_russian ("Message Templates", db_path, template_editor);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/messages/write-from-contact", test_write_from_contact);
  g_test_add_func ("/ui/messages/states-from-server", test_states_from_server);
  g_test_add_func ("/ui/messages/template-from-deal", test_template_from_deal);
  g_test_add_func ("/ui/messages/file-thumbnail", test_file_thumbnail);
  g_test_add_func ("/ui/messages/unsubscribed", test_unsubscribed);
  g_test_add_func ("/ui/messages/settings-channels", test_settings_channels);
  g_test_add_func ("/ui/messages/template-editor", test_template_editor);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (contact_id);
  g_free (message_id);
  return status;
}
