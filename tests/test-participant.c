/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-participant.c — the participants of an event (issue 17, S4-10) through real
 * voronkactl processes with a pinned clock: the list and its totals (paid, guests,
 * attended), check-in by badge code typed in any case or with spaces, twice harmlessly;
 * bad input refused in words with nothing written (a deal not an event, guests < 0, an NPS
 * out of 0–10, an unknown code); the badge's QR code decoded back by zbarimg to the
 * participant's code; the certificates PDF read back by pdftotext and rendered by
 * pdftoppm into the suite's screenshots; the list as XLSX read back cell by cell and as
 * CSV; two laptops checking in offline end, after syncing through a real voronka-server,
 * with the same attended set; the server refusing in the laptop's words what the laptop
 * refuses (an NPS out of 0–10, guests < 0, a participant of a deal that is no event) when
 * a modified client pushes it; a rep at the door checking in another rep's participants
 * (and only checking them in). */
#include "config.h"

#include <string.h>

#include "crm-hlc.h"
#include "crm-participant.h"
#include "crm-protocol.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define NOW "2026-03-02T10:00:00Z"
#define EVENT "Семинар «Продажи 2026»"
#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)

typedef CrmTestReplicaDir Fixture;

static CrmTestServer *server;
static char *server_tmpdir;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  json_node_unref (OK (f, "init", "--template", "event-organizer"));
  json_node_unref (OK (f, "contact", "add", "--name", "Петров Иван", "--email",
                       "ivan@example.com"));
  json_node_unref (OK (f, "contact", "add", "--name", "Сидорова Анна"));
  json_node_unref (OK (f, "contact", "add", "--name", "Орлов Пётр"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", EVENT,
                       "--field", "event_date=2026-03-20"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Консалтинг", "--title", "Аудит продаж"));
}

/* `participant add` that must succeed: the participant's code. */
static char *
add (Fixture    *f,
     const char *contact,
     const char *paid,
     const char *guests)
{
  g_autoptr(JsonObject) p = crm_test_take_object (OK (f, "participant", "add", "--deal", EVENT,
                                                      "--contact", contact, "--paid", paid,
                                                      "--guests", guests));

  return g_strdup (crm_test_get_string (p, "code"));
}

static JsonObject *
totals (Fixture *f)
{
  g_autoptr(JsonObject) list = crm_test_take_object (OK (f, "participant", "list", "--deal", EVENT));

  return json_object_ref (json_object_get_object_member (list, "totals"));
}

static void
assert_totals (Fixture *f,
               gint64   participants,
               gint64   paid,
               gint64   guests,
               gint64   attended)
{
  g_autoptr(JsonObject) t = totals (f);

  g_assert_cmpint (json_object_get_int_member (t, "participants"), ==, participants);
  g_assert_cmpint (json_object_get_int_member (t, "paid"), ==, paid);
  g_assert_cmpint (json_object_get_int_member (t, "guests"), ==, guests);
  g_assert_cmpint (json_object_get_int_member (t, "attended"), ==, attended);
}

/* voronkactl ARGS… must be refused with @code and a message holding @needle, leaving the
 * list as it was. */
static void
assert_refused (Fixture    *f,
                const char *code,
                const char *needle,
                const char *first,
                ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) before = OK (f, "participant", "list", "--deal", EVENT);
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *message = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;
  va_list ap;

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, f->db);
  g_ptr_array_add (args, "--now");
  g_ptr_array_add (args, "2026-03-02T11:00:00Z");
  g_ptr_array_add (args, "--json");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  message = crm_test_assert_refused (&run, code);
  if (strstr (message, needle) == NULL)
    g_error ("«%s» does not say «%s»", message, needle);
  after = OK (f, "participant", "list", "--deal", EVENT);
  before_text = json_to_string (before, FALSE);
  after_text = json_to_string (after, FALSE);
  g_assert_cmpstr (after_text, ==, before_text);
}

static void
test_totals_and_checkin (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autofree char *ivan = add (f, "Петров Иван", "yes", "2");
  g_autofree char *anna = add (f, "Сидорова Анна", "no", "0");
  g_autofree char *petr = add (f, "Орлов Пётр", "yes", "1");
  g_autofree char *typed = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) set = NULL;
  g_autoptr(JsonObject) t = NULL;
  g_auto(CrmTestRun) run = { 0 };

  /* codes: 8 characters of Crockford's base32 as XXXX-XXXX, one per participant */
  g_assert_true (g_regex_match_simple ("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", ivan, 0, 0));
  g_assert_cmpstr (ivan, !=, anna);
  g_assert_cmpstr (ivan, !=, petr);
  assert_totals (f, 3, 2, 3, 0);

  /* check-in typed in lower case with a space: the same code */
  typed = g_ascii_strdown (ivan, -1);
  typed[4] = ' ';
  first = crm_test_take_object (crm_test_ctl_ok (f->db, "2026-03-20T08:55:00Z", "participant",
                                                 "checkin", typed, NULL));
  g_assert_cmpstr (crm_test_get_string (first, "name"), ==, "Петров Иван");
  g_assert_false (json_object_get_boolean_member (first, "already"));
  g_assert_cmpstr (crm_test_get_string (first, "attended_at"), ==, "2026-03-20T08:55:00Z");
  assert_totals (f, 3, 2, 3, 1);

  /* the same badge scanned again: harmless, says so, the first time kept */
  again = crm_test_take_object (crm_test_ctl_ok (f->db, "2026-03-20T09:10:00Z", "participant",
                                                 "checkin", ivan, NULL));
  g_assert_true (json_object_get_boolean_member (again, "already"));
  g_assert_cmpstr (crm_test_get_string (again, "attended_at"), ==, "2026-03-20T08:55:00Z");
  crm_test_run_cli (&run, "--db", f->db, "--now", "2026-03-20T09:11:00Z", "participant",
                    "checkin", ivan, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "was checked in already"));
  g_assert_nonnull (strstr (run.out, "nothing changed"));
  assert_totals (f, 3, 2, 3, 1);

  /* by hand: Анна paid at the door and came; her paper form says 9 */
  set = crm_test_take_object (OK (f, "participant", "set", anna, "--paid", "yes",
                                  "--attended", "yes", "--nps", "9"));
  g_assert_true (json_object_get_boolean_member (set, "paid"));
  g_assert_cmpint (json_object_get_int_member (set, "nps"), ==, 9);
  g_assert_cmpstr (crm_test_get_string (set, "nps_source"), ==, "paper");
  json_node_unref (OK (f, "participant", "set", ivan, "--nps", "6", "--guests", "3"));
  assert_totals (f, 3, 3, 4, 2);
  t = totals (f);
  /* one promoter (9), one detractor (6): 0 */
  g_assert_cmpint (json_object_get_int_member (t, "nps_answers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (t, "nps_score"), ==, 0);

  /* the plain list prints the totals line */
  {
    g_auto(CrmTestRun) list = { 0 };

    crm_test_run_cli (&list, "--db", f->db, "participant", "list", "--deal", EVENT, NULL);
    g_assert_cmpint (list.status, ==, 0);
    g_assert_nonnull (strstr (list.out, "Participants: 3, paid: 3, guests: 4, attended: 2"));
    g_assert_nonnull (strstr (list.out, petr));
  }
}

static void
test_refused (Fixture       *f,
              gconstpointer  user_data)
{
  g_autofree char *ivan = add (f, "Петров Иван", "yes", "2");

  assert_refused (f, "invalid-input", "is not an event",
                  "participant", "add", "--deal", "Аудит продаж", "--contact", "Орлов Пётр", NULL);
  assert_refused (f, "invalid-input", "is not an event",
                  "participant", "list", "--deal", "Аудит продаж", NULL);
  assert_refused (f, "invalid-input", "0 or more",
                  "participant", "add", "--deal", EVENT, "--contact", "Орлов Пётр",
                  "--guests", "-2", NULL);
  assert_refused (f, "invalid-input", "0 or more",
                  "participant", "set", ivan, "--guests", "-1", NULL);
  assert_refused (f, "invalid-input", "from 0", "participant", "set", ivan, "--nps", "11", NULL);
  assert_refused (f, "invalid-input", "from 0", "participant", "set", ivan, "--nps", "-1", NULL);
  assert_refused (f, "invalid-input", "whole number",
                  "participant", "set", ivan, "--guests", "два", NULL);
  assert_refused (f, "invalid-input", "already takes part",
                  "participant", "add", "--deal", EVENT, "--contact", "Петров Иван", NULL);
  assert_refused (f, "not-found", "No participant has the badge code",
                  "participant", "checkin", "ZZZZ-ZZZZ", NULL);
  assert_refused (f, "invalid-input", "is not a badge code",
                  "participant", "checkin", "12345", NULL);
  {
    g_autofree char *pdf = g_build_filename (f->dir, "never-written.pdf", NULL);

    assert_refused (f, "invalid-input", "No participant",
                    "participant", "certificates", "--deal", EVENT, "--out", pdf, NULL);
    g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  }
}

/* The standard output of @argv (which must succeed). */
static char *
capture (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (g_find_program_in_path (argv[0]) == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("%s (build-aux/voronka installs it)", argv[0]);

      crm_test_fail_missing (reason);
    }
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

static void
test_badge (Fixture       *f,
            gconstpointer  user_data)
{
  g_autofree char *ivan = add (f, "Петров Иван", "yes", "0");
  g_autofree char *anna = add (f, "Сидорова Анна", "no", "0");
  g_autofree char *png = g_build_filename (f->dir, "badge.png", NULL);
  g_autofree char *png2 = g_build_filename (f->dir, "badge2.png", NULL);
  const char *zbar[] = { "zbarimg", "--raw", "-q", png, NULL };
  const char *zbar2[] = { "zbarimg", "--raw", "-q", png2, NULL };
  g_autofree char *decoded = NULL;
  g_autofree char *decoded2 = NULL;
  g_autoptr(JsonObject) out = NULL;

  out = crm_test_take_object (OK (f, "participant", "badge", ivan, "--out", png));
  g_assert_cmpstr (crm_test_get_string (out, "file"), ==, png);
  decoded = capture (zbar);
  g_assert_cmpstr (g_strstrip (decoded), ==, ivan);
  /* named by its id as well */
  json_node_unref (OK (f, "participant", "badge", crm_test_get_string (out, "id"), "--out", png2));
  json_node_unref (OK (f, "participant", "badge", anna, "--out", png2));
  decoded2 = capture (zbar2);
  g_assert_cmpstr (g_strstrip (decoded2), ==, anna);
  /* a badge is a PNG */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *jpg = g_build_filename (f->dir, "badge.jpg", NULL);

    crm_test_ctl (&run, f->db, NOW, "participant", "badge", ivan, "--out", jpg, NULL);
    g_free (crm_test_assert_refused (&run, "invalid-input"));
    g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));
  }
}

/* @text (taken) with its line breaks as spaces, pages kept apart by form feeds: what a
 * wrapped line says. */
static char *
one_line (char *text)
{
  for (char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      *p = ' ';
  return text;
}

static void
test_certificates (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *ivan = add (f, "Петров Иван", "yes", "0");
  g_autofree char *anna = add (f, "Сидорова Анна", "no", "0");
  g_autofree char *petr = add (f, "Орлов Пётр", "yes", "0");
  g_autofree char *pdf = g_build_filename (f->dir, "certificates.pdf", NULL);
  const char *shots = g_getenv ("VORONKA_SCREENSHOT_DIR");
  g_autofree char *prefix = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) out = NULL;
  const char *to_text[] = { "pdftotext", pdf, "-", NULL };

  json_node_unref (OK (f, "participant", "checkin", ivan));
  json_node_unref (OK (f, "participant", "checkin", petr));
  out = crm_test_take_object (OK (f, "participant", "certificates", "--deal", EVENT, "--out", pdf));
  g_assert_cmpint (json_object_get_int_member (out, "pages"), ==, 2);
  text = one_line (capture (to_text));
  /* one page each for those who came, none for Анна; the event and its date */
  g_assert_nonnull (strstr (text, "Петров Иван"));
  g_assert_nonnull (strstr (text, "Орлов Пётр"));
  g_assert_null (strstr (text, "Сидорова Анна"));
  g_assert_nonnull (strstr (text, "Certificate of appreciation"));
  g_assert_nonnull (strstr (text, EVENT));
  g_assert_nonnull (strstr (text, "20 Mar 2026"));
  {
    g_auto(GStrv) pages = g_strsplit (text, "\f", -1);

    g_assert_cmpuint (g_strv_length (pages), >=, 2);
  }

  /* rendered into the suite's screenshots */
  if (shots == NULL)
    crm_test_fail_missing ("VORONKA_SCREENSHOT_DIR (tests/meson.build sets it)");
  g_mkdir_with_parents (shots, 0755);
  prefix = g_build_filename (shots, "participant-certificate", NULL);
  {
    const char *render[] = { "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                             "-singlefile", pdf, prefix, NULL };
    g_autofree char *png = g_strconcat (prefix, ".png", NULL);

    g_free (capture (render));
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  }

  /* the certificate's template: the heading and the text with its placeholders */
  json_node_unref (OK (f, "participant", "certificates", "--deal", EVENT, "--out", pdf,
                       "--heading", "Спасибо, {name}!", "--text",
                       "Вы были с нами на «{event}» {date}."));
  g_free (text);
  text = one_line (capture (to_text));
  g_assert_nonnull (strstr (text, "Спасибо, Орлов Пётр!"));
  g_assert_nonnull (strstr (text, "Вы были с нами на «" EVENT "» 20 Mar 2026."));
}

static void
test_export (Fixture       *f,
             gconstpointer  user_data)
{
  g_autofree char *ivan = add (f, "Петров Иван", "yes", "2");
  g_autofree char *anna = add (f, "Сидорова Анна", "no", "0");
  g_autofree char *xlsx = g_build_filename (f->dir, "participants.xlsx", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "participants.csv", NULL);
  g_autofree char *reader = g_test_build_filename (G_TEST_DIST, "support", "read-xlsx.py", NULL);
  const char *read_xlsx[] = { "/usr/bin/python3", reader, xlsx, NULL };
  g_autofree char *cells_text = NULL;
  g_autofree char *csv_text = NULL;
  g_autoptr(JsonNode) cells_node = NULL;
  JsonObject *cells;

  json_node_unref (OK (f, "participant", "checkin", ivan));
  json_node_unref (OK (f, "participant", "set", ivan, "--nps", "10"));
  json_node_unref (OK (f, "participant", "export", "--deal", EVENT, "--out", xlsx));
  cells_text = capture (read_xlsx);
  cells_node = crm_test_parse_json (cells_text);
  cells = json_node_get_object (cells_node);
  g_assert_cmpstr (json_object_get_string_member (cells, "A1"), ==, "Participants: " EVENT);
  g_assert_cmpstr (json_object_get_string_member (cells, "A3"), ==, "Participant");
  g_assert_cmpstr (json_object_get_string_member (cells, "B3"), ==, "Badge code");
  g_assert_cmpstr (json_object_get_string_member (cells, "D3"), ==, "Paid");
  g_assert_cmpstr (json_object_get_string_member (cells, "E3"), ==, "Guests");
  g_assert_cmpstr (json_object_get_string_member (cells, "F3"), ==, "Attended");
  g_assert_cmpstr (json_object_get_string_member (cells, "G3"), ==, "NPS");
  g_assert_cmpstr (json_object_get_string_member (cells, "A4"), ==, "Петров Иван");
  g_assert_cmpstr (json_object_get_string_member (cells, "B4"), ==, ivan);
  g_assert_cmpstr (json_object_get_string_member (cells, "C4"), ==, "ivan@example.com");
  g_assert_cmpstr (json_object_get_string_member (cells, "D4"), ==, "yes");
  g_assert_cmpfloat (json_object_get_double_member (cells, "E4"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (cells, "F4"), ==, "yes");
  g_assert_cmpfloat (json_object_get_double_member (cells, "G4"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (cells, "A5"), ==, "Сидорова Анна");
  g_assert_cmpstr (json_object_get_string_member (cells, "B5"), ==, anna);
  g_assert_false (json_object_has_member (cells, "C5"));
  g_assert_cmpstr (json_object_get_string_member (cells, "D5"), ==, "no");
  g_assert_cmpfloat (json_object_get_double_member (cells, "E5"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (cells, "F5"), ==, "no");
  g_assert_false (json_object_has_member (cells, "G5"));
  /* the totals row */
  g_assert_cmpstr (json_object_get_string_member (cells, "A6"), ==, "Total: 2");
  g_assert_cmpstr (json_object_get_string_member (cells, "D6"), ==, "1");
  g_assert_cmpfloat (json_object_get_double_member (cells, "E6"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (cells, "F6"), ==, "1");
  g_assert_false (json_object_has_member (cells, "A7"));

  /* CSV, by --format and by the file's name; a PDF list is refused */
  json_node_unref (OK (f, "participant", "export", "--deal", EVENT, "--out", csv, "--format", "csv"));
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv_text, "Participant,Badge code,E-mail,Paid,Guests,Attended,NPS\r\n"));
  g_assert_nonnull (strstr (csv_text, "Сидорова Анна,"));
  g_assert_nonnull (strstr (csv_text, "\r\nTotal: 2,,,1,2,1,\r\n"));
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *pdf = g_build_filename (f->dir, "list.pdf", NULL);

    crm_test_ctl (&run, f->db, NOW, "participant", "export", "--deal", EVENT, "--out", pdf, NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  }
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The attended codes of @db's event, sorted, joined by " ". */
static char *
attended (const char *db)
{
  g_autoptr(JsonObject) list = crm_test_take_object (crm_test_ctl_ok (db, NULL, "participant",
                                                                      "list", "--deal", EVENT,
                                                                      NULL));
  JsonArray *all = json_object_get_array_member (list, "participants");
  g_autoptr(GPtrArray) codes = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *p = json_array_get_object_element (all, i);

      if (json_object_get_boolean_member (p, "attended"))
        g_ptr_array_add (codes, (gpointer) json_object_get_string_member (p, "code"));
    }
  g_ptr_array_sort (codes, compare_strings);
  g_ptr_array_add (codes, NULL);
  return g_strjoinv (" ", (char **) codes->pdata);
}

/* Two laptops at the entrance, offline: each checks in whom it scans (one person on
 * both); after syncing through a real server both have the same attended set. */
static void
test_offline_checkin_sync (void)
{
  g_autofree char *path_a = g_build_filename (server_tmpdir, "door-a.db", NULL);
  g_autofree char *path_b = g_build_filename (server_tmpdir, "door-b.db", NULL);
  g_autoptr(CrmSyncClient) client_a = crm_test_client_new (server, path_a, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) client_b = crm_test_client_new (server, path_b, "manager",
                                                           "manager-pw");
  g_autoptr(JsonObject) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL;
  g_autofree char *set_a = NULL;
  g_autofree char *set_b = NULL;
  g_autofree char *expected = NULL;
  const char *c1, *c2, *c3;

  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "deal", "add", "--pipeline", "Мероприятия",
                                    "--title", EVENT, NULL));
  for (guint i = 0; i < 4; i++)
    {
      const char *names[] = { "Зайцев Пётр", "Волкова Ольга", "Киселёв Игорь", "Лебедева Юлия" };
      JsonObject **out[] = { &p1, &p2, &p3, &p4 };

      json_node_unref (crm_test_ctl_ok (path_a, NULL, "contact", "add", "--name", names[i], NULL));
      *out[i] = crm_test_take_object (crm_test_ctl_ok (path_a, NULL, "participant", "add",
                                                       "--deal", EVENT, "--contact", names[i],
                                                       NULL));
    }
  c1 = crm_test_get_string (p1, "code");
  c2 = crm_test_get_string (p2, "code");
  c3 = crm_test_get_string (p3, "code");
  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));

  /* offline: A scans 1 and 2, B scans 2 and 3 */
  json_node_unref (crm_test_ctl_ok (path_a, "2026-03-20T08:50:00Z", "participant", "checkin", c1, NULL));
  json_node_unref (crm_test_ctl_ok (path_a, "2026-03-20T08:51:00Z", "participant", "checkin", c2, NULL));
  json_node_unref (crm_test_ctl_ok (path_b, "2026-03-20T08:52:00Z", "participant", "checkin", c2, NULL));
  json_node_unref (crm_test_ctl_ok (path_b, "2026-03-20T08:53:00Z", "participant", "checkin", c3, NULL));

  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));
  crm_sync_report_free (crm_test_sync (client_a));
  {
    const char *codes[] = { c1, c2, c3, NULL };
    g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

    for (guint i = 0; codes[i] != NULL; i++)
      g_ptr_array_add (sorted, (gpointer) codes[i]);
    g_ptr_array_sort (sorted, compare_strings);
    g_ptr_array_add (sorted, NULL);
    expected = g_strjoinv (" ", (char **) sorted->pdata);
  }
  set_a = attended (path_a);
  set_b = attended (path_b);
  g_assert_cmpstr (set_a, ==, expected);
  g_assert_cmpstr (set_b, ==, expected);
  /* and after sync, scanning one of them again on either laptop says «already» */
  {
    g_autoptr(JsonObject) again = crm_test_take_object (
      crm_test_ctl_ok (path_a, NULL, "participant", "checkin", c3, NULL));

    g_assert_true (json_object_get_boolean_member (again, "already"));
  }
}

/* --- what the server checks (a modified client's push) ------------------------------ */

/* Signs in as @user from @device over raw HTTP: the session's token. */
static char *
sign_in (const char *user,
         const char *password,
         const char *device)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\","
                                           "\"device\":\"%s\"}", user, password, device);

  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

/* A hand-built op of @device on (@entity, @entity_id) with @fields_json. */
static CrmOp *
craft_op (const char *device,
          const char *entity,
          const char *entity_id,
          const char *fields_json)
{
  static CrmHlc clock;
  CrmOp *op = crm_op_new ();
  g_autoptr(JsonNode) fields = json_from_string (fields_json, NULL);

  g_assert_nonnull (fields);
  op->op_id = crm_uuid_v7_new (crm_time_now_ms ());
  op->hlc = crm_hlc_now (&clock, crm_time_now_ms ());
  op->device = g_strdup (device);
  op->entity = g_strdup (entity);
  op->entity_id = g_strdup (entity_id);
  json_object_unref (op->fields);
  op->fields = json_object_ref (json_node_get_object (fields));
  return op;
}

/* The result of @op in a push's answer: its status, *@out_code and *@out_message. */
static const char *
push_result (CrmTestAnswer  *answer,
             const CrmOp    *op,
             const char    **out_code,
             const char    **out_message)
{
  JsonArray *results;

  g_assert_cmpuint (answer->status, ==, 200);
  results = json_object_get_array_member (answer->body, "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *item = json_array_get_object_element (results, i);

      if (g_str_equal (json_object_get_string_member (item, "op"), op->op_id))
        {
          *out_code = json_object_get_string_member_with_default (item, "code", NULL);
          *out_message = json_object_get_string_member_with_default (item, "message", NULL);
          return json_object_get_string_member (item, "status");
        }
    }
  g_assert_not_reached ();
  return NULL;
}

/* What voronkactl ARGS… on @path is refused with (invalid-input): its message. */
static char *
laptop_refusal (const char *path,
                ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, (gpointer) path);
  g_ptr_array_add (args, "--json");
  va_start (ap, path);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  return crm_test_assert_refused (&run, "invalid-input");
}

/* A modified client pushes what the laptop would refuse: an NPS of 42, -3 guests, a
 * participant of a deal that is no event. The server refuses each with the laptop's own
 * words and keeps the participant as it was; the good op of the same push goes through. */
static void
test_server_checks (void)
{
  g_autofree char *path = g_build_filename (server_tmpdir, "modified.db", NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "admin", "admin-pw");
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) audit = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autoptr(JsonObject) on_server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *device = NULL;
  g_autofree char *audit_id = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *fields = NULL;
  g_autofree char *nps_words = NULL;
  g_autofree char *guests_words = NULL;
  g_autofree char *event_words = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *text = NULL;
  const char *participant;
  const char *code = NULL;
  const char *message = NULL;
  CrmOp *bad_nps, *bad_guests, *not_event, *good;

  crm_sync_report_free (crm_test_sync (client));
  json_node_unref (crm_test_ctl_ok (path, NULL, "deal", "add", "--pipeline", "Мероприятия",
                                    "--title", "Форум «Склад 2026»", NULL));
  audit = crm_test_take_object (crm_test_ctl_ok (path, NULL, "deal", "add", "--pipeline",
                                                 "Консалтинг", "--title", "Аудит склада", NULL));
  audit_id = g_strdup (crm_test_get_string (audit, "id"));
  json_node_unref (crm_test_ctl_ok (path, NULL, "contact", "add", "--name", "Гусев Антон", NULL));
  p = crm_test_take_object (crm_test_ctl_ok (path, NULL, "participant", "add", "--deal",
                                             "Форум «Склад 2026»", "--contact", "Гусев Антон",
                                             "--guests", "1", NULL));
  participant = crm_test_get_string (p, "id");
  contact = g_strdup (crm_test_get_string (p, "contact"));
  crm_sync_report_free (crm_test_sync (client));

  /* the laptop's words for the same three */
  nps_words = laptop_refusal (path, "participant", "set", participant, "--nps", "42", NULL);
  guests_words = laptop_refusal (path, "participant", "set", participant, "--guests", "-3", NULL);
  event_words = laptop_refusal (path, "participant", "add", "--deal", "Аудит склада",
                                "--contact", "Гусев Антон", NULL);

  store = crm_test_open (path);
  device = g_strdup (crm_store_get_device_id (store));
  token = sign_in ("admin", "admin-pw", device);
  bad_nps = craft_op (device, "deal_contact", participant,
                      "{\"nps\":42,\"nps_source\":\"paper\"}");
  bad_guests = craft_op (device, "deal_contact", participant, "{\"guests\":-3}");
  {
    g_autofree char *link = crm_uuid_link ("deal_contact", audit_id, contact);

    fields = g_strdup_printf ("{\"deal\":\"%s\",\"contact\":\"%s\",\"present\":true,"
                              "\"participant\":true,\"paid\":false,\"guests\":0,"
                              "\"attended\":false}", audit_id, contact);
    not_event = craft_op (device, "deal_contact", link, fields);
  }
  good = craft_op (device, "deal_contact", participant, "{\"paid\":true}");
  g_ptr_array_add (ops, bad_nps);
  g_ptr_array_add (ops, bad_guests);
  g_ptr_array_add (ops, not_event);
  g_ptr_array_add (ops, good);
  body = crm_push_request_to_json (0, ops);
  text = json_to_string (body, FALSE);
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, text, -1);

  g_assert_cmpstr (push_result (&answer, bad_nps, &code, &message), ==, "rejected");
  g_assert_cmpstr (code, ==, "invalid-input");
  g_assert_cmpstr (message, ==, nps_words);
  g_assert_nonnull (strstr (message, "not 42"));
  g_assert_cmpstr (push_result (&answer, bad_guests, &code, &message), ==, "rejected");
  g_assert_cmpstr (code, ==, "invalid-input");
  g_assert_cmpstr (message, ==, guests_words);
  g_assert_cmpstr (push_result (&answer, not_event, &code, &message), ==, "rejected");
  g_assert_cmpstr (code, ==, "invalid-input");
  g_assert_cmpstr (message, ==, event_words);
  g_assert_cmpstr (push_result (&answer, good, &code, &message), ==, "accepted");

  /* the server's participant: paid, its NPS and guests as they were */
  account = crm_test_server_open_account (server);
  on_server = crm_participant_dup (account, participant);
  g_assert_nonnull (on_server);
  g_assert_true (json_object_get_boolean_member (on_server, "paid"));
  g_assert_true (json_node_is_null (json_object_get_member (on_server, "nps")));
  g_assert_cmpint (json_object_get_int_member (on_server, "guests"), ==, 1);
  {
    g_autofree char *link = crm_uuid_link ("deal_contact", audit_id, contact);
    g_autoptr(JsonObject) none = crm_participant_dup (account, link);

    g_assert_null (none);
  }
}

/* The door staff are reps: one checks in the participants of another rep's event (by
 * badge code, offline, synced through the server), but may not change them otherwise. */
static void
test_rep_checks_in (void)
{
  g_autofree char *organizer_path = g_build_filename (server_tmpdir, "organizer.db", NULL);
  g_autofree char *door_path = g_build_filename (server_tmpdir, "door-rep.db", NULL);
  g_autoptr(CrmSyncClient) organizer = crm_test_client_new (server, organizer_path, "Ольга Рыбина",
                                                            "olga-password");
  g_autoptr(CrmSyncClient) door = crm_test_client_new (server, door_path, "Игорь Дверной",
                                                       "igor-password");
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autoptr(JsonObject) checked = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autoptr(JsonObject) on_server = NULL;
  g_autofree char *id = NULL;
  const char *code;

  crm_sync_report_free (crm_test_sync (organizer));
  crm_sync_report_free (crm_test_sync (door));
  /* Olga's event, with Olga responsible */
  json_node_unref (crm_test_ctl_ok (organizer_path, NULL, "--as", "Ольга Рыбина", "deal", "add", "--pipeline",
                                    "Мероприятия", "--title", "Выставка «Логистика»",
                                    "--responsible", "Ольга Рыбина", NULL));
  json_node_unref (crm_test_ctl_ok (organizer_path, NULL, "contact", "add", "--name",
                                    "Соколов Максим", NULL));
  p = crm_test_take_object (crm_test_ctl_ok (organizer_path, NULL, "participant", "add",
                                             "--deal", "Выставка «Логистика»", "--contact",
                                             "Соколов Максим", NULL));
  id = g_strdup (crm_test_get_string (p, "id"));
  code = crm_test_get_string (p, "code");
  crm_sync_report_free (crm_test_sync (organizer));
  crm_sync_report_free (crm_test_sync (door));

  /* Igor at the door checks Maxim in */
  checked = crm_test_take_object (crm_test_ctl_ok (door_path, "2026-04-10T09:00:00Z",
                                                   "--as", "Игорь Дверной", "participant",
                                                   "checkin", code, NULL));
  g_assert_false (json_object_get_boolean_member (checked, "already"));
  /* but paying, guests and the score stay Olga's */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, door_path, NULL, "--as", "Игорь Дверной", "participant", "set", id,
                  "--paid", "yes", NULL);
    message = crm_test_assert_refused (&run, "permission-denied");
    g_assert_nonnull (strstr (message, "Выставка «Логистика»"));
  }
  report = crm_test_sync (door);
  g_assert_cmpuint (report->rejected, ==, 0);
  account = crm_test_server_open_account (server);
  on_server = crm_participant_dup (account, id);
  g_assert_true (json_object_get_boolean_member (on_server, "attended"));
  g_assert_false (json_object_get_boolean_member (on_server, "paid"));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* an account of the event organizer's template, with its pipeline «Мероприятия» */
  server_tmpdir = crm_test_make_tmpdir ();
  data = g_build_filename (server_tmpdir, "server", NULL);
  g_assert_cmpint (crm_test_server_admin (data, "admin-pw", "account", "create", "acme",
                                          "--template", "event-organizer", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (data, "manager-pw", "user", "add", "acme", "manager",
                                          "--role", "manager", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (data, "olga-password", "user", "add", "acme", "Ольга Рыбина",
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (data, "igor-password", "user", "add", "acme", "Игорь Дверной",
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  server = crm_test_server_start (data, FALSE, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, crm_test_replica_dir_tear_down)
  ADD ("/participant/totals-and-checkin", test_totals_and_checkin);
  ADD ("/participant/refused", test_refused);
  ADD ("/participant/badge", test_badge);
  ADD ("/participant/certificates", test_certificates);
  ADD ("/participant/export", test_export);
#undef ADD
  g_test_add_func ("/participant/offline-checkin-sync", test_offline_checkin_sync);
  g_test_add_func ("/participant/server-checks", test_server_checks);
  g_test_add_func ("/participant/rep-checks-in", test_rep_checks_in);
  status = g_test_run ();

  crm_test_server_tear_down (server, server_tmpdir, status);
  return status;
}
