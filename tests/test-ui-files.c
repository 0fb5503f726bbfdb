/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-files.c — files synced to the deal page of the real app (issue 14, S1-6), in
 * Russian, against a real voronka-server on 127.0.0.1: the rep's laptop (real voronkactl
 * processes) attaches a photo of the sample to a deal and syncs; the manager's app syncs,
 * opens the deal, and the photo comes from the server by itself — its thumbnail shows, the
 * bytes are on disk with the photo's SHA-256, nothing half-written stays, the row names
 * who attached it. Then a contract (a PDF) comes by sync, the server stops, and opening
 * the contract says in the row, in words, that it downloads once the server can be
 * reached; the server starts again and the next sync brings the file. Screenshots:
 * deal-files-thumbnail, deal-files-offline. */
#include "crm-test-ui.h"

#include "crm-attachment.h"
#include "crm-board.h"
#include "crm-board-column.h"
#include "crm-deal-page.h"
#include "crm-files-group.h"
#include "crm-query.h"
#include "crm-settings-view.h"
#include "crm-test-server.h"

#define REP          "Мария Кузнецова"
#define REP_PASSWORD "rep-password"
#define WAIT_MS      30000

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static char *rep_db;
static char *db_path;
static char *deal_id;
static CrmApplication *app;
static CrmWindow *window;
static const char *missing;   /* why the app cannot run in Russian here, or NULL */

/* voronkactl --db DB --json ARGS…, with @input on stdin; its JSON answer (it must succeed). */
static JsonNode *
ctl (const char *db,
     const char *input,
     const char *first,
     ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
ctl (const char *db,
     const char *input,
     const char *first,
     ...)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, (gpointer) "--json");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_input (&run, input, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl %s failed (%d): %s %s", first, run.status, run.out, run.err);
  return crm_test_parse_json (run.out);
}

/* The rep's laptop syncs with the server. */
static void
rep_sync (void)
{
  g_autoptr(JsonNode) answer = ctl (rep_db, REP_PASSWORD "\n", "sync", "--server", server->url,
                                    "--user", REP, "--password-stdin", "--insecure", NULL);
}

/* The rep attaches @path to the deal and syncs; the attachment's id and content hash. */
static void
rep_attach (const char  *path,
            char       **out_id,
            char       **out_hash)
{
  g_autoptr(JsonNode) answer = ctl (rep_db, NULL, "attach", "--as", REP, "--deal", deal_id,
                                    path, NULL);
  JsonObject *object = json_node_get_object (answer);

  *out_id = g_strdup (json_object_get_string_member (object, "id"));
  *out_hash = g_strdup (json_object_get_string_member (object, "hash"));
  rep_sync ();
}

/* A photo of the sample: a real PNG of a few hundred kilobytes (noise does not compress),
 * that GdkPixbuf can read. */
static char *
make_photo (const char *name)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 480, 360);
  g_autoptr(GError) error = NULL;
  /* each name its own picture: the same bytes would be stored once */
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (name));
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  char *path = g_build_filename (tmpdir, name, NULL);

  for (int y = 0; y < 360; y++)
    for (int x = 0; x < 480; x++)
      {
        guchar *p = pixels + y * stride + x * 3;
        guint noise = g_rand_int_range (rand, 0, 48);

        /* a blue sky over a grey truck-coloured ground, with grain */
        p[0] = (guchar) (y < 180 ? 90 + noise : 120 + noise);
        p[1] = (guchar) (y < 180 ? 150 + noise : 120 + noise);
        p[2] = (guchar) (y < 180 ? 200 + noise / 2 : 110 + noise);
      }
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
  return path;
}

static char *
sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static CrmStore *
app_store (void)
{
  return crm_context_get_store (crm_window_get_context (window));
}

/* The app's replica has attachment @data (its sync brought it). */
static gboolean
attachment_arrived (gpointer data)
{
  g_autoptr(JsonObject) found = crm_attachment_get (app_store (), data, NULL);

  return found != NULL;
}

static void
wait_for_attachment (const char *attachment_id)
{
  if (!crm_test_ui_wait_until (attachment_arrived, (gpointer) attachment_id, WAIT_MS))
    g_error ("the attachment %s never reached the app by sync", attachment_id);
}

static CrmFilesGroup *
open_deal (void)
{
  CrmDealPage *page;

  crm_window_open_deal (window, deal_id);
  page = CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, page, WAIT_MS));
  return crm_deal_page_get_files_group (page);
}

typedef struct {
  CrmFilesGroup *group;
  const char    *id;
  const char    *text;
} RowWait;

static gboolean
thumbnail_shown (gpointer data)
{
  RowWait *wait = data;

  return crm_files_group_has_thumbnail (wait->group, wait->id);
}

static const char *
row_subtitle (CrmFilesGroup *group,
              const char    *attachment_id)
{
  GtkWidget *row = crm_files_group_find_row (group, attachment_id);

  g_assert_nonnull (row);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static gboolean
row_says (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = crm_files_group_find_row (wait->group, wait->id);
  const char *subtitle = row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;

  return subtitle != NULL && strstr (subtitle, wait->text) != NULL;
}

static gboolean
file_here (gpointer data)
{
  return crm_attachment_has_file (app_store (), data);
}

static void
show_row (CrmFilesGroup *group,
          const char    *attachment_id)
{
  GtkWidget *row = crm_files_group_find_row (group, attachment_id);
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (group), CRM_TYPE_DEAL_PAGE);

  crm_deal_page_show_files (CRM_DEAL_PAGE (page));
  gtk_widget_grab_focus (row);
  crm_test_ui_wait (200);
}

/* ---- tests ---- */

static void
test_photo_thumbnail (void)
{
  g_autofree char *photo = make_photo ("образец.png");
  g_autofree char *photo_hash = sha256_of_file (photo);
  g_autofree char *id = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_hash = NULL;
  CrmFilesGroup *group;
  RowWait wait;

  if (missing != NULL)
    {
      crm_test_fail_missing (missing);
      return;
    }

  /* the rep photographs the sample handed over and syncs */
  rep_attach (photo, &id, &hash);
  g_assert_cmpstr (hash, ==, photo_hash);

  /* the manager's app syncs: the attachment comes, its bytes do not */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sync-now", NULL);
  wait_for_attachment (id);
  g_assert_false (crm_attachment_has_file (app_store (), hash));

  /* the manager opens the deal: the photo comes from the server and shows */
  group = open_deal ();
  wait = (RowWait) { group, id, NULL };
  if (!crm_test_ui_wait_until (thumbnail_shown, &wait, WAIT_MS))
    g_error ("the photo's thumbnail never showed; its row says «%s»", row_subtitle (group, id));
  g_assert_true (crm_attachment_has_file (app_store (), hash));
  stored = crm_attachment_dup_path (app_store (), hash);
  stored_hash = sha256_of_file (stored);
  g_assert_cmpstr (stored_hash, ==, photo_hash);
  g_assert_cmpint (crm_attachment_partial_size (app_store (), hash), ==, 0);
  g_assert_false (crm_files_group_is_fetching (group, id));
  /* who attached it, in the row */
  g_assert_nonnull (strstr (row_subtitle (group, id), REP));
  show_row (group, id);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-files-thumbnail"));
}

static void
test_server_stopped (void)
{
  static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  g_autofree char *contract = g_build_filename (tmpdir, "договор.pdf", NULL);
  g_autofree char *id = NULL;
  g_autofree char *hash = NULL;
  CrmFilesGroup *group;
  RowWait wait;

  if (missing != NULL)
    {
      crm_test_fail_missing (missing);
      return;
    }

  /* a contract comes by sync; then the server goes away */
  g_assert_true (g_file_set_contents (contract, pdf, -1, NULL));
  rep_attach (contract, &id, &hash);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sync-now", NULL);
  wait_for_attachment (id);
  group = open_deal ();
  /* not a picture: it is not fetched until it is opened */
  g_assert_false (crm_files_group_is_fetching (group, id));
  g_assert_false (crm_attachment_has_file (app_store (), hash));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);

  /* the manager opens it: the row says why it cannot open, and what happens next */
  crm_files_group_open (group, id);
  wait = (RowWait) { group, id, "Файл ещё не на этом компьютере. Он загрузится, когда будет "
                                "связь с сервером." };
  if (!crm_test_ui_wait_until (row_says, &wait, WAIT_MS))
    g_error ("the row of the contract never said the server cannot be reached: «%s»",
             row_subtitle (group, id));
  g_assert_false (crm_files_group_is_fetching (group, id));
  g_assert_false (crm_attachment_has_file (app_store (), hash));
  g_assert_cmpint (crm_attachment_partial_size (app_store (), hash), ==, 0);
  show_row (group, id);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-files-offline"));

  /* the server is back: the next sync round's reload fetches it */
  crm_test_server_restart (server);
  crm_context_notify_changed (crm_window_get_context (window));
  if (!crm_test_ui_wait_until (file_here, hash, WAIT_MS))
    g_error ("the contract never came once the server was back: «%s»", row_subtitle (group, id));
  {
    g_autofree char *stored = crm_attachment_dup_path (app_store (), hash);
    g_autofree char *stored_hash = sha256_of_file (stored);

    g_assert_cmpstr (stored_hash, ==, hash);
  }
}

/* «Загружать изображения при синхронизации» in Settings, switched on with the keyboard's
 * way (the row activates its switch): a photo the rep attaches then arrives on the
 * manager's computer with the next sync, its deal never opened; a contract (not an image)
 * stays on the server until it is opened. Screenshot: settings-fetch-images. */
static void
test_fetch_images_setting (void)
{
  /* not the contract of the test before (the same content would be here already) */
  static const char pdf[] = "%PDF-1.4\n% invoice 14\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  g_autofree char *photo = make_photo ("склад.png");
  g_autofree char *contract = g_build_filename (tmpdir, "счёт.pdf", NULL);
  g_autofree char *photo_id = NULL;
  g_autofree char *photo_hash = NULL;
  g_autofree char *contract_id = NULL;
  g_autofree char *contract_hash = NULL;
  GtkWidget *view;
  GtkSwitch *toggle;
  GtkWidget *row;
  GSettings *settings = crm_application_get_settings (app);

  if (missing != NULL)
    {
      crm_test_fail_missing (missing);
      return;
    }
  g_assert_nonnull (settings);
  g_assert_false (g_settings_get_boolean (settings, "fetch-images"));

  crm_window_show_view (window, "settings");
  view = crm_window_get_page (window, "settings");
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, view, WAIT_MS));
  toggle = crm_settings_view_get_fetch_images_switch (CRM_SETTINGS_VIEW (view));
  row = gtk_widget_get_ancestor (GTK_WIDGET (toggle), ADW_TYPE_ACTION_ROW);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "_Загружать изображения при синхронизации");
  g_assert_true (gtk_widget_get_focusable (row) || gtk_widget_get_focusable (GTK_WIDGET (toggle)));
  g_assert_true (gtk_widget_activate (row));
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_true (g_settings_get_boolean (settings, "fetch-images"));
  gtk_widget_grab_focus (row);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-fetch-images"));

  g_assert_true (g_file_set_contents (contract, pdf, sizeof pdf - 1, NULL));
  rep_attach (contract, &contract_id, &contract_hash);
  rep_attach (photo, &photo_id, &photo_hash);
  g_assert_false (crm_attachment_has_file (app_store (), photo_hash));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sync-now", NULL);
  wait_for_attachment (photo_id);
  if (!crm_test_ui_wait_until (file_here, photo_hash, WAIT_MS))
    g_error ("the photo was not fetched after the sync with «fetch images» on");
  {
    g_autofree char *stored = crm_attachment_dup_path (app_store (), photo_hash);
    g_autofree char *stored_hash = sha256_of_file (stored);

    g_assert_cmpstr (stored_hash, ==, photo_hash);
  }
  /* not an image: it waits for its deal to be opened */
  g_assert_nonnull (crm_attachment_get (app_store (), contract_id, NULL));
  g_assert_false (crm_attachment_has_file (app_store (), contract_hash));
  g_settings_set_boolean (settings, "fetch-images", FALSE);
}

typedef struct {
  const char *deal;
  const char *stage;
} CardWait;

/* The board shows @deal's card in the column of @stage. */
static gboolean
card_in_column (gpointer data)
{
  CardWait *wait = data;
  CrmBoard *board = CRM_BOARD (crm_window_get_page (window, "board"));
  CrmBoardColumn *column = crm_board_find_column (board, wait->stage);

  return column != NULL && crm_board_column_find_card (column, wait->deal) != NULL;
}

/* The live channel on the board (issue 14): the rep moves the deal on the laptop and
 * syncs; the manager's board shows the card in its new column with no sync asked for —
 * the app's periodic sync is minutes away (sync-interval 300 s), so only the server's
 * live event can explain it. Screenshot: board-live-move. */
static void
test_live_board_move (void)
{
  CrmContext *context = crm_window_get_context (window);
  const char *pipeline = crm_context_find_pipeline_by_name (context, "Продажи");
  g_autofree char *view = NULL;
  g_autofree char *qualified = NULL;
  g_autofree char *first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) moved = NULL;
  CardWait wait;

  if (missing != NULL)
    {
      crm_test_fail_missing (missing);
      return;
    }
  g_assert_nonnull (pipeline);
  first = crm_query_resolve (app_store (), "stage", "Новая заявка", pipeline, &error);
  qualified = crm_query_resolve (app_store (), "stage", "Квалифицирован", pipeline, &error);
  g_assert_no_error (error);
  view = g_strconcat ("pipeline:", pipeline, NULL);
  crm_window_show_view (window, view);
  wait = (CardWait) { deal_id, first };
  if (!crm_test_ui_wait_until (card_in_column, &wait, WAIT_MS))
    g_error ("the deal's card is not in «Новая заявка» on the manager's board");

  moved = ctl (rep_db, NULL, "deal", "move", deal_id, "--as", REP, "--stage", "Квалифицирован",
               NULL);
  rep_sync ();
  wait = (CardWait) { deal_id, qualified };
  if (!crm_test_ui_wait_until (card_in_column, &wait, WAIT_MS))
    g_error ("the move on the rep's laptop never showed on the manager's board by itself");
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-live-move"));
}

static void
set_up (void)
{
  CrmTestReplica laptop = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) deal = NULL;
  g_autofree char *token = NULL;

  /* voronkactl keeps its sign-in in the keyring: an unlocked one first */
  crm_test_start_keyring (FALSE);
  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* plain HTTP on loopback: the app trusts http://127.0.0.1 as it is */
  server = crm_test_server_start (data_dir, TRUE, NULL);

  /* the rep's laptop: voronkactl, its first sync installs the account */
  rep_db = g_build_filename (tmpdir, "rep.db", NULL);
  rep_sync ();
  deal = ctl (rep_db, NULL, "deal", "add", "--as", REP, "--pipeline", "Продажи", "--stage", "Новая заявка",
              "--title", "Образец передан: ООО «Вектор»", NULL);
  deal_id = crm_test_dup_id (deal);
  rep_sync ();

  /* the manager's laptop, signed in as the sign-in dialog leaves it */
  crm_test_replica_open (&laptop, server, tmpdir, "manager.db", "manager", "manager-pw");
  token = crm_test_replica_sign_in_app (&laptop, server);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  crm_window_restart_sync (window, token);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *po_dir = NULL;
  int status;

  crm_test_ui_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("VORONKA_SERVER"));
  po_dir = crm_test_built_translations ();
  if (po_dir == NULL)
    missing = "the Russian translation is not built";
  else
    {
      /* the whole app in Russian: the rows' words are checked as people read them */
      g_setenv ("LANGUAGE", "ru", TRUE);
      bindtextdomain (GETTEXT_PACKAGE, po_dir);
      if (g_strcmp0 (_("Contacts"), "Contacts") == 0)
        missing = "this system's C library ignores LANGUAGE here";
    }
  set_up ();

  g_test_add_func ("/ui/files/photo-thumbnail", test_photo_thumbnail);
  g_test_add_func ("/ui/files/server-stopped", test_server_stopped);
  g_test_add_func ("/ui/files/fetch-images-setting", test_fetch_images_setting);
  g_test_add_func ("/ui/files/live-board-move", test_live_board_move);
  status = g_test_run ();

  crm_test_ui_stop (app);
  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  g_free (db_path);
  g_free (rep_db);
  g_free (deal_id);
  return status;
}
