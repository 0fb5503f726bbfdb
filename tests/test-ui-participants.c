/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-participants.c — an event's participants on the deal page of the real app
 * (S4-10): the «Participants» group shows only on event deals, with a row per participant
 * (name, badge code, paid, guests, attended, NPS) and the totals; «Add…» adds a contact;
 * Ctrl+K puts the focus into the check-in entry, where a scanner types the code and Enter:
 * the participant is checked in, and the same badge again changes nothing and says so; a
 * toggle writes at once; the list is saved as XLSX and the certificates as PDF. In English
 * and in Russian, with screenshots. The replica is made with voronkactl. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-deal-page.h"
#include "crm-participant.h"
#include "crm-participants-group.h"

#define NOW "2026-03-02T10:00:00Z"
#define EVENT "Семинар «Продажи 2026»"

static char *tmpdir;
static char *db_path;
static CrmWindow *window;
static char *deal_id, *other_id, *orlov_id, *ivan_code, *anna_code;

#define CTL(...) crm_test_ctl_ok (db_path, NOW, __VA_ARGS__, NULL)

static void
make_replica (void)
{
  g_autoptr(JsonObject) ivan = NULL;
  g_autoptr(JsonObject) anna = NULL;

  tmpdir = crm_test_make_tmpdir ();
  db_path = g_build_filename (tmpdir, "events.db", NULL);
  json_node_unref (CTL ("init", "--template", "event-organizer"));
  json_node_unref (CTL ("contact", "add", "--name", "Петров Иван", "--email", "ivan@example.com"));
  json_node_unref (CTL ("contact", "add", "--name", "Сидорова Анна"));
  orlov_id = crm_test_dup_id (CTL ("contact", "add", "--name", "Орлов Пётр"));
  deal_id = crm_test_dup_id (CTL ("deal", "add", "--pipeline", "Мероприятия", "--title", EVENT,
                                  "--field", "event_date=2026-03-20"));
  other_id = crm_test_dup_id (CTL ("deal", "add", "--pipeline", "Консалтинг", "--title",
                                   "Аудит продаж"));
  ivan = crm_test_take_object (CTL ("participant", "add", "--deal", EVENT, "--contact",
                                    "Петров Иван", "--paid", "yes", "--guests", "2"));
  anna = crm_test_take_object (CTL ("participant", "add", "--deal", EVENT, "--contact",
                                    "Сидорова Анна"));
  ivan_code = g_strdup (crm_test_get_string (ivan, "code"));
  anna_code = g_strdup (crm_test_get_string (anna, "code"));
}

static CrmDealPage *
page (void)
{
  return CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
}

static CrmParticipantsGroup *
group (void)
{
  return crm_deal_page_get_participants_group (page ());
}

/* The totals the replica holds now. */
static JsonObject *
replica_totals (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) list = crm_participant_list (store, deal_id, NULL);

  return json_object_ref (json_object_get_object_member (json_node_get_object (list), "totals"));
}

static gint64
replica_total (const char *member)
{
  g_autoptr(JsonObject) totals = replica_totals ();

  return json_object_get_int_member (totals, member);
}

typedef struct {
  const char *member;
  gint64      value;
} Expect;

static gboolean
total_is (gpointer data)
{
  Expect *expect = data;

  return replica_total (expect->member) == expect->value;
}

static gboolean
group_lists (gpointer data)
{
  return crm_participants_group_get_n_participants (group ()) == GPOINTER_TO_UINT (data);
}

static gboolean
group_says (gpointer data)
{
  const char *text = crm_participants_group_get_totals_text (group ());

  return text != NULL && strstr (text, data) != NULL;
}

static gboolean
entry_has_focus (gpointer data)
{
  GtkWidget *entry = crm_participants_group_get_checkin_entry (group ());
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  return focus != NULL && (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

static gboolean
group_shown (gpointer data)
{
  return gtk_widget_get_visible (GTK_WIDGET (group ())) == GPOINTER_TO_INT (data) &&
         crm_test_ui_widget_is_drawn (page ());
}

/* A scanner: the code typed into the focused entry, then Enter. */
static void
scan (const char *code)
{
  GtkWidget *entry = crm_participants_group_get_checkin_entry (group ());

  gtk_editable_set_text (GTK_EDITABLE (entry), code);
  g_signal_emit_by_name (entry, "entry-activated");
}

#define WAIT(condition, data) g_assert_true (crm_test_ui_wait_until ((condition), (data), 10000))

static void
run (const char *lang)
{
  CrmApplication *app = crm_test_ui_start (db_path);
  const gboolean ru = g_str_equal (lang, "ru");
  g_autofree char *shot = NULL;
  g_autofree char *typed = g_ascii_strdown (ivan_code, -1);
  g_autofree char *xlsx = g_build_filename (tmpdir, "participants.xlsx", NULL);
  g_autofree char *pdf = g_build_filename (tmpdir, "certificates.pdf", NULL);
  g_autoptr(GError) error = NULL;
  Expect expect;

  window = crm_test_ui_main_window (app);

  /* a deal that is not an event has no participants' group */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", other_id));
  WAIT (group_shown, GINT_TO_POINTER (FALSE));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  WAIT (group_shown, GINT_TO_POINTER (TRUE));
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group ())), ==,
                   ru ? "Участники" : "Participants");
  g_assert_nonnull (crm_participants_group_find_row (group (), ivan_code));
  g_assert_nonnull (crm_participants_group_find_row (group (), anna_code));
  /* two participants, Иван paid and brings 2 guests */
  g_assert_cmpuint (crm_participants_group_get_n_participants (group ()), ==, 2);
  g_assert_cmpstr (crm_participants_group_get_totals_text (group ()), ==,
                   ru ? "Участников: 2 · оплатили: 1 · гостей: 2 · пришли: 0"
                      : "Participants: 2 · paid: 1 · guests: 2 · attended: 0");

  /* «Add…»: Орлов joins */
  g_assert_true (crm_participants_group_add (group (), orlov_id));
  WAIT (group_lists, GUINT_TO_POINTER (3));
  g_assert_cmpint (replica_total ("participants"), ==, 3);

  /* Ctrl+K: the focus in the check-in entry, ready for the scanner */
  g_assert_false (entry_has_focus (NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page ()), "deal.checkin", NULL));
  WAIT (entry_has_focus, NULL);

  /* Иван's badge, typed in lower case */
  scan (typed);
  expect = (Expect) { "attended", 1 };
  WAIT (total_is, &expect);
  WAIT (group_says, ru ? "пришли: 1" : "attended: 1");
  g_assert_nonnull (strstr (crm_participants_group_get_checkin_status (group ()), "Петров Иван"));
  /* still in the entry, empty, for the next badge */
  WAIT (entry_has_focus, NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (crm_participants_group_get_checkin_entry (group ()))), ==, "");

  /* the same badge again: nothing changes, and it says so */
  scan (ivan_code);
  g_assert_nonnull (strstr (crm_participants_group_get_checkin_status (group ()),
                            ru ? "уже отмечен" : "checked in already"));
  g_assert_cmpint (replica_total ("attended"), ==, 1);
  /* a code nobody has: said under the entry, nothing written */
  scan ("ZZZZ-ZZZZ");
  g_assert_nonnull (strstr (crm_participants_group_get_checkin_status (group ()), "ZZZZ-ZZZZ"));
  g_assert_cmpint (replica_total ("attended"), ==, 1);

  /* paid at the door: Анна's toggle writes at once */
  {
    GtkWidget *row = crm_participants_group_find_row (group (), anna_code);
    GtkWidget *paid = crm_test_ui_find (row, GTK_TYPE_CHECK_BUTTON, NULL);

    g_assert_nonnull (paid);
    gtk_check_button_set_active (GTK_CHECK_BUTTON (paid), TRUE);
    expect = (Expect) { "paid", 2 };
    WAIT (total_is, &expect);
    WAIT (group_says, ru ? "оплатили: 2" : "paid: 2");
  }
  scan (ivan_code);
  shot = crm_test_ui_screenshot (GTK_WIDGET (group ()), ru ? "participants-ru" : "participants");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), ru ? "participants-page-ru"
                                                          : "participants-page"));

  /* NPS by e-mail: Иван came and has an e-mail address */
  g_assert_cmpuint (crm_participants_group_ask_nps (group ()), ==, 1);
  /* asked already, nobody else: said, nothing queued */
  g_assert_cmpuint (crm_participants_group_ask_nps (group ()), ==, 0);

  /* the files of the export menu */
  g_assert_true (crm_participants_group_export (group (), CRM_PARTICIPANTS_EXPORT_XLSX, xlsx, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));
  g_assert_true (crm_participants_group_export (group (), CRM_PARTICIPANTS_EXPORT_CERTIFICATES, pdf,
                                                &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));

  crm_test_ui_stop (app);
}

static void
test_english (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_unsetenv ("LANGUAGE");
  run ("en");
}

/* The app registers once per process: each language runs in a process of its own. */
static void
test_russian (void)
{
  g_autofree char *po_dir = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  po_dir = crm_test_built_translations ();
  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return;
    }
  g_setenv ("LANGUAGE", "ru", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  run ("ru");
}

int
main (int    argc,
      char **argv)
{
  int status;

  crm_test_ui_init (&argc, &argv);
  make_replica ();
  g_test_add_func ("/ui-participants/english", test_english);
  g_test_add_func ("/ui-participants/russian", test_russian);
  status = g_test_run ();
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  return status;
}
