/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-sync.c — `sync` (sign in once, the token kept in the keyring; push, pull) and
 * `conflicts` (edits that lost to concurrent ones, changes the server rejected). */
#define G_LOG_DOMAIN "voronka-cli"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "crm-stdin.h"
#include "crm-cli.h"
#include "crm-cli-sync-watch.h"
#include "crm-attachment.h"
#include "crm-rules.h"
#include "crm-client-config.h"
#include "crm-credentials.h"
#include "crm-json.h"
#include "crm-rights.h"
#include "crm-sync-client.h"
#include "crm-sync-state.h"
#include "crm-time.h"

/* Sync and keyring errors as the CLI's stable codes (CLI.md). */
static GError *
to_cli_error (GError *error)
{
  CrmStoreError code = CRM_STORE_ERROR_FAILED;
  GError *result;

  /* core's own domains already carry the CLI's codes (crm_error_code_name) */
  if (error->domain == CRM_STORE_ERROR || error->domain == CRM_RULE_ERROR)
    return error;
  if (error->domain == CRM_SYNC_ERROR)
    switch (error->code)
      {
      case CRM_SYNC_ERROR_AUTH_FAILED:        code = CRM_STORE_ERROR_AUTH_FAILED; break;
      case CRM_SYNC_ERROR_SERVER_UNREACHABLE: code = CRM_STORE_ERROR_SERVER_UNREACHABLE; break;
      case CRM_SYNC_ERROR_SCHEMA_TOO_NEW:
      case CRM_SYNC_ERROR_UPDATE_REQUIRED:    code = CRM_STORE_ERROR_SCHEMA_TOO_NEW; break;
      case CRM_SYNC_ERROR_PERMISSION_DENIED:  code = CRM_STORE_ERROR_PERMISSION_DENIED; break;
      case CRM_SYNC_ERROR_INVALID_INPUT:      code = CRM_STORE_ERROR_INVALID_INPUT; break;
      case CRM_SYNC_ERROR_NOT_FOUND:          code = CRM_STORE_ERROR_NOT_FOUND; break;
      case CRM_SYNC_ERROR_TOO_LARGE:          code = CRM_STORE_ERROR_TOO_LARGE; break;
      case CRM_SYNC_ERROR_QUOTA_EXCEEDED:     code = CRM_STORE_ERROR_QUOTA_EXCEEDED; break;
      case CRM_SYNC_ERROR_FILE_TYPE:
      case CRM_SYNC_ERROR_HASH_MISMATCH:      code = CRM_STORE_ERROR_INVALID_INPUT; break;
      default:                                break;
      }
  else if (error->domain == CRM_CREDENTIALS_ERROR)
    code = CRM_STORE_ERROR_AUTH_FAILED;
  result = g_error_new_literal (CRM_STORE_ERROR, code, error->message);
  g_error_free (error);
  return result;
}

/* What a replica remembers of its last sync ("sync.server", "sync.user", "sync.ca": the
 * PEM it trusted); nothing when the file does not exist yet. */
typedef struct {
  char *server;
  char *user;
  char *ca_pem;
} Remembered;

static void
remembered_clear (Remembered *remembered)
{
  g_clear_pointer (&remembered->server, g_free);
  g_clear_pointer (&remembered->user, g_free);
  g_clear_pointer (&remembered->ca_pem, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Remembered, remembered_clear)

/* What the replica at @path remembers, into @remembered (nothing when there is no file
 * yet); FALSE with @error when the file is there but cannot be opened or read (damaged,
 * locked, not a replica): the sync cannot go on, and the cause is what to say. */
static gboolean
read_remembered (const char  *path,
                 Remembered  *remembered,
                 GError     **error)
{
  static const char *const keys[] = { "sync.server", "sync.user", "sync.ca" };
  char **values[] = { &remembered->server, &remembered->user, &remembered->ca_pem };
  g_autoptr(CrmStore) store = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  store = crm_cli_open_store (path, error);
  if (store == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!crm_store_read_meta (store, keys[i], values[i], error))
      return FALSE;
  return TRUE;
}

/* After a sync: the replica remembers the server, user and certificate for the next. */
static gboolean
remember_server (const char  *path,
                 const char  *server,
                 const char  *user,
                 const char  *ca_pem,
                 GError     **error)
{
  g_autoptr(CrmStore) store = crm_store_open (path, error);

  return store != NULL &&
         crm_store_set_meta (store, "sync.server", server, error) &&
         crm_store_set_meta (store, "sync.user", user, error) &&
         crm_store_set_meta (store, "sync.ca", ca_pem, error);
}

/* The token for @server (normalized) and @user; a sign-in kept under another spelling of
 * the same server (before addresses were normalized) is found too, and *@found_under
 * says which spelling that was (NULL: @server's own). */
static char *
lookup_token (const char  *server,
              const char  *typed,
              const char  *remembered,
              const char  *user,
              const char **found_under,
              GError     **error)
{
  const char *spellings[] = { server, typed, remembered };

  *found_under = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      char *token;

      if (spellings[i] == NULL ||
          (i > 0 && (g_str_equal (spellings[i], server) ||
                     !crm_server_url_equal (spellings[i], server))))
        continue;
      token = crm_credentials_lookup_token (spellings[i], user, error);
      if (token != NULL || *error != NULL)
        {
          *found_under = i > 0 ? spellings[i] : NULL;
          return token;
        }
    }
  return NULL;
}

/* `sync --fetch-images`: after the round, the images attached on other devices that are
 * not here yet, newest first, each up to CRM_CLI_FETCH_IMAGE_MAX, all together up to the
 * cap. A failure is told in words and does not fail the sync. */
#define CRM_CLI_FETCH_IMAGE_MAX     (10 * 1024 * 1024)
#define CRM_CLI_FETCH_IMAGES_CAP_MB 100

typedef struct {
  gboolean active;
  guint    fetched;
  guint    too_large;   /* over CRM_CLI_FETCH_IMAGE_MAX: left on the server */
  guint    over_cap;    /* would have gone over the cap: left for another time */
  guint    failed;
  guint64  bytes;
} ImagesFetched;

static void
fetch_images (CrmCli        *cli,
              CrmSyncClient *client,
              gint64         cap,
              ImagesFetched *result)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonArray) missing = NULL;
  g_autoptr(GError) local_error = NULL;
  guint total;

  memset (result, 0, sizeof *result);
  result->active = TRUE;
  store = crm_store_open (crm_sync_client_get_replica_path (client), &local_error);
  if (store != NULL)
    missing = crm_attachment_list_missing (store, TRUE, &local_error);
  g_clear_object (&store);
  if (missing == NULL)
    {
      g_printerr (_("voronkactl: could not list the images to fetch: %s\n"),
                  local_error->message);
      result->failed++;
      return;
    }
  total = json_array_get_length (missing);
  for (guint i = 0; i < total; i++)
    {
      JsonObject *item = json_array_get_object_element (missing, i);
      const char *hash = crm_cli_str (item, "hash", "");
      const char *name = crm_cli_str (item, "name", hash);
      gint64 size = json_object_get_int_member_with_default (item, "size", 0);
      g_autofree char *size_text = g_format_size ((guint64) MAX (size, 0));

      if (size > CRM_CLI_FETCH_IMAGE_MAX)
        {
          result->too_large++;
          continue;
        }
      if ((gint64) result->bytes + size > cap)
        {
          result->over_cap++;
          continue;
        }
      /* Translators: progress of `sync --fetch-images`: "Fetching image 2 of 5: «photo.jpg» (1.2 MB)…" */
      g_printerr (_("Fetching image %u of %u: «%s» (%s)…\n"), i + 1, total, name, size_text);
      if (!crm_sync_client_fetch_file (client, hash, NULL, &local_error))
        {
          gboolean unreachable = g_error_matches (local_error, CRM_SYNC_ERROR,
                                                  CRM_SYNC_ERROR_SERVER_UNREACHABLE);

          g_printerr (_("voronkactl: the image «%s» was not fetched: %s\n"), name,
                      local_error->message);
          g_clear_error (&local_error);
          result->failed++;
          if (unreachable)
            {
              /* the rest would fail the same way: they wait for the next sync */
              result->failed += total - i - 1;
              break;
            }
          continue;
        }
      result->fetched++;
      result->bytes += (guint64) MAX (size, 0);
    }
}

static void
print_images (const ImagesFetched *images,
              gint64               cap)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *bytes = g_format_size (images->bytes);

  g_string_append_printf (line, ngettext ("Fetched %u image (%s)", "Fetched %u images (%s)",
                                          images->fetched), images->fetched, bytes);
  if (images->too_large > 0)
    {
      g_autofree char *limit = g_format_size (CRM_CLI_FETCH_IMAGE_MAX);

      g_string_append (line, "; ");
      /* Translators: "; 2 larger than 10.5 MB left on the server (open them on the deal)" */
      g_string_append_printf (line, ngettext ("%u larger than %s left on the server (open it "
                                              "on its deal)",
                                              "%u larger than %s left on the server (open them "
                                              "on their deals)", images->too_large),
                              images->too_large, limit);
    }
  if (images->over_cap > 0)
    {
      g_string_append (line, "; ");
      g_string_append_printf (line, ngettext ("%u left for the next sync (over the "
                                              "--fetch-images-mb cap of %lld MB)",
                                              "%u left for the next sync (over the "
                                              "--fetch-images-mb cap of %lld MB)",
                                              images->over_cap),
                              images->over_cap, (long long) (cap / (1024 * 1024)));
    }
  if (images->failed > 0)
    {
      g_string_append (line, "; ");
      g_string_append_printf (line, ngettext ("%u not fetched (see above); the next sync tries "
                                              "again",
                                              "%u not fetched (see above); the next sync tries "
                                              "again", images->failed), images->failed);
    }
  g_print ("%s\n", line->str);
}

/* @trigger: what started the round under --watch (then --json prints one line per
 * round, with "trigger"), or NULL. */
static void
print_report (CrmCli              *cli,
              const CrmSyncReport *report,
              const char          *server,
              const char          *user,
              const char          *trigger,
              const ImagesFetched *images,
              gint64               images_cap)
{
  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      if (images->active)
        {
          JsonObject *counts = json_object_new ();

          json_object_set_int_member (counts, "fetched", images->fetched);
          json_object_set_int_member (counts, "bytes", (gint64) images->bytes);
          json_object_set_int_member (counts, "too_large", images->too_large);
          json_object_set_int_member (counts, "over_cap", images->over_cap);
          json_object_set_int_member (counts, "failed", images->failed);
          json_object_set_object_member (object, "images", counts);
        }

      json_object_set_string_member (object, "server", server);
      json_object_set_string_member (object, "user", user);
      json_object_set_int_member (object, "pushed", report->pushed);
      json_object_set_int_member (object, "rejected", report->rejected);
      json_object_set_int_member (object, "pulled", report->pulled);
      json_object_set_int_member (object, "conflicts", report->conflicts);
      json_object_set_boolean_member (object, "snapshot", report->snapshot);
      json_object_set_int_member (object, "cursor", report->cursor);
      json_object_set_int_member (object, "waiting", report->waiting);
      json_object_set_boolean_member (object, "server_restored", report->server_restored);
      json_object_set_boolean_member (object, "server_lost_ops", report->server_lost_ops);
      json_object_set_int_member (object, "restored", report->restored);
      if (trigger != NULL)
        {
          g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
          g_autofree char *line = NULL;

          json_object_set_string_member (object, "trigger", trigger);
          line = json_to_string (node, FALSE);
          fputs (line, stdout);
          fputc ('\n', stdout);
          fflush (stdout);
        }
      else
        crm_cli_print_json_object (object);
      return;
    }
  if (report->server_lost_ops)
    g_print (ngettext ("The server had lost changes it had acknowledged (put back from an older "
                       "copy, or lost in a crash); %lld change it lacked was sent again\n",
                       "The server had lost changes it had acknowledged (put back from an older "
                       "copy, or lost in a crash); %lld changes it lacked were sent again\n",
                       report->restored), (long long) report->restored);
  else if (report->server_restored)
    g_print (ngettext ("The server was restored from a backup; %u change it had lost was sent "
                       "again\n",
                       "The server was restored from a backup; %u changes it had lost were "
                       "sent again\n", report->restored), report->restored);
  else if (report->snapshot)
    g_print (_("Installed a copy of the account from %s\n"), server);
  {
    g_autofree char *pushed = g_strdup_printf (ngettext ("Pushed %u change", "Pushed %u changes",
                                                        report->pushed), report->pushed);
    g_autofree char *pulled = g_strdup_printf (ngettext ("pulled %u", "pulled %u",
                                                        report->pulled), report->pulled);
    g_autofree char *conflicts = g_strdup_printf (ngettext ("%u conflict", "%u conflicts",
                                                           report->conflicts),
                                                  report->conflicts);

    /* Translators: "Pushed 3 changes (0 rejected), pulled 5, 0 conflicts; up to date at 114" */
    g_print (_("%s (%u rejected), %s, %s; up to date at %lld\n"), pushed, report->rejected,
             pulled, conflicts, (long long) report->cursor);
  }
  if (report->rejected > 0 || report->conflicts > 0)
    g_print (_("Run “voronkactl conflicts” to see what was rejected or overwritten.\n"));
  if (images->active)
    print_images (images, images_cap);
  fflush (stdout);
}

typedef struct {
  const char    *server;
  const char    *user;
  CrmSyncClient *client;
  gboolean       fetch;
  gint64         images_cap;
} WatchPrint;

static void
print_watched (CrmCli              *cli,
               const CrmSyncReport *report,
               const char          *trigger,
               gpointer             user_data)
{
  WatchPrint *names = user_data;
  ImagesFetched images = { FALSE, 0, 0, 0, 0, 0 };

  if (names->fetch)
    fetch_images (cli, names->client, names->images_cap, &images);
  print_report (cli, report, names->server, names->user, trigger, &images, names->images_cap);
}

/* A first sync that failed (a wrong password, no server) leaves no replica behind: the
 * file the round created is removed while nothing came from the server into it and
 * nothing was written in it. */
static void
remove_unsynced_replica (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (path, &error);
  gboolean unused = FALSE;

  /* a replica that cannot be read is kept (the sync's own error says why it failed) */
  if (store == NULL || !crm_sync_state_read_unused (store, &unused, &error))
    g_debug ("kept %s: %s", path, error->message);
  g_clear_object (&store);
  for (guint i = 0; unused && i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

gboolean
crm_cli_sync (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *server_arg = NULL;
  g_autofree char *user_arg = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *invited_user = NULL;
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  gboolean forget = FALSE;
  gint batch_size = 0;
  gint page_size = 0;
  gboolean watch = FALSE;
  gint interval = 300;
  gint max_rounds = 0;
  gint exit_after = 0;
  gboolean fetch = FALSE;
  gint64 fetch_mb = CRM_CLI_FETCH_IMAGES_CAP_MB;
  ImagesFetched images = { FALSE, 0, 0, 0, 0, 0 };
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server_arg,
      N_("The server, e.g. https://crm.example.com:8443 (needed once: the replica remembers it)"),
      N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user_arg,
      N_("Your user name on the server (NAME or NAME@ACCOUNT; needed once)"), N_("USER") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Sign in with the password read from standard input; the token is kept in the keyring"),
      NULL },
    { "invite", 0, 0, G_OPTION_ARG_STRING, &invite,
      N_("Become a user of the account with the one-time invitation code your administrator "
         "gave you, choosing your password (read from standard input: --password-stdin, at "
         "least 8 characters); instead of --user"), N_("CODE") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust this certificate (PEM), e.g. the server's self-signed one; the replica remembers it"),
      N_("PEM") },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &insecure,
      N_("Allow plain http:// to a server on this machine (tests only)"), NULL },
    { "forget", 0, 0, G_OPTION_ARG_NONE, &forget,
      N_("Remove the saved sign-in for this server and user from the keyring, and stop"), NULL },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size,
      N_("Changes sent per request (default 500)"), N_("N") },
    { "page-size", 0, 0, G_OPTION_ARG_INT, &page_size,
      N_("Changes received per request (default 1000)"), N_("N") },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch,
      N_("Keep running after the first round: sync at once whenever the server says there are "
         "new changes (a live connection), and every --interval seconds; one line per round; "
         "stop with Ctrl+C"), NULL },
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval,
      N_("With --watch: seconds between rounds when nothing happens or the live connection "
         "is down (default 300)"), N_("SECONDS") },
    { "max-rounds", 0, 0, G_OPTION_ARG_INT, &max_rounds,
      N_("With --watch: stop after this many rounds, the first included"), N_("N") },
    { "exit-after", 0, 0, G_OPTION_ARG_INT, &exit_after,
      N_("With --watch: stop after this many seconds"), N_("SECONDS") },
    { "fetch-images", 0, 0, G_OPTION_ARG_NONE, &fetch,
      N_("After the sync, fetch the photos and other images attached on other devices that "
         "are not on this one yet, newest first, up to 10 MB each (larger ones are fetched "
         "when opened); with --watch, after every round"), NULL },
    { "fetch-images-mb", 0, 0, G_OPTION_ARG_INT64, &fetch_mb,
      N_("With --fetch-images: fetch at most this many megabytes in all (default 100); the "
         "rest waits for the next sync"), N_("MB") },
    { NULL }
  };
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CrmClientPreset) preset = NULL;
  g_auto(Remembered) remembered = { NULL, NULL, NULL };
  g_autofree char *password = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *server = NULL;
  g_autofree char *ca_pem = NULL;
  const char *typed;
  const char *user;
  const char *found_under = NULL;
  gboolean existed;

  if (!crm_cli_parse (cli, "sync", "",
                      _("Send this replica's changes to the server and receive everyone "
                        "else's. Sign in once with --password-stdin; the sign-in is kept in "
                        "the desktop keyring, and the replica remembers the server, the user "
                        "and the certificate, so later syncs need no options. An administrator "
                        "can pre-set the server and its certificate for every computer in "
                        "/etc/voronka/client.conf. A replica file that does not exist yet is "
                        "created from the server's copy of the account."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (batch_size < 0 || page_size < 0)
    return crm_cli_usage_error (error, _("--batch-size and --page-size must be positive"));
  if (interval < 1 || max_rounds < 0 || exit_after < 0)
    return crm_cli_usage_error (error, _("--interval takes a number of seconds (1 or more); "
                                         "--max-rounds and --exit-after 0 or more"));
  if (!watch && (max_rounds > 0 || exit_after > 0))
    return crm_cli_usage_error (error, _("--max-rounds and --exit-after go with --watch"));
  if (watch && forget)
    return crm_cli_usage_error (error, _("--forget and --watch exclude each other"));
  if (fetch_mb < 1 || fetch_mb > G_MAXINT64 / (1024 * 1024))
    return crm_cli_usage_error (error, _("--fetch-images-mb takes a number of megabytes, 1 or "
                                         "more"));

  /* The server, user and certificate: given now, else remembered by the replica, else
   * pre-set by the administrator. */
  path = crm_cli_dup_db_path (cli);
  if (!read_remembered (path, &remembered, error))
    return FALSE;
  preset = crm_client_preset_load (&local_error);
  if (local_error != NULL)
    {
      g_printerr (_("voronkactl: %s (ignored)\n"), local_error->message);
      g_clear_error (&local_error);
    }
  typed = server_arg != NULL ? server_arg
          : remembered.server != NULL ? remembered.server
          : preset != NULL ? preset->server : NULL;
  if (typed == NULL)
    return crm_cli_usage_error (error, _("Which server? Give its address once with --server "
                                         "URL; the replica remembers it (an administrator can "
                                         "pre-set it in /etc/voronka/client.conf)"));
  server = crm_server_url_normalize (typed, &local_error);
  if (server == NULL)
    return crm_cli_usage_error (error, "%s", local_error->message);
  if (invite != NULL && (!password_stdin || user_arg != NULL || forget || watch))
    return crm_cli_usage_error (error, _("--invite goes with --password-stdin (the password you "
                                         "choose) and without --user, --forget or --watch: the "
                                         "code says who you are"));
  if (invite != NULL && g_file_test (path, G_FILE_TEST_EXISTS) && remembered.server != NULL)
    return crm_cli_usage_error (error, _("This replica already syncs with %s; redeem the "
                                         "invitation into a new replica file (--db NEW.db)"),
                                remembered.server);
  user = user_arg != NULL ? user_arg : remembered.user;
  if (user == NULL && invite == NULL)
    return crm_cli_usage_error (error, _("Who signs in? Give your user name once with --user "
                                         "NAME; the replica remembers it"));

  if (forget)
    {
      if (!crm_credentials_delete_token (server, user, &local_error) ||
          (!g_str_equal (typed, server) &&
           !crm_credentials_delete_token (typed, user, &local_error)))
        {
          g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
          return FALSE;
        }
      g_print (_("Forgot the sign-in to %s as %s\n"), server, user);
      return TRUE;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, _("Could not create %s: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }

  client = crm_sync_client_new (path, server, user);
  crm_sync_client_set_allow_insecure (client, insecure);
  if (batch_size > 0)
    crm_sync_client_set_batch_size (client, batch_size);
  if (page_size > 0)
    crm_sync_client_set_page_size (client, page_size);
  if (ca_file != NULL)
    {
      if (!crm_sync_client_set_ca_file (client, ca_file, &local_error) ||
          !g_file_get_contents (ca_file, &ca_pem, NULL, &local_error))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--ca-file %s: %s"), ca_file, local_error->message);
          return FALSE;
        }
    }
  else
    {
      /* For the administrator's server their certificate file comes first, so a replaced
       * /etc/voronka/ca.pem reaches every laptop; the remembered one is the fallback. */
      gboolean have_remembered = remembered.ca_pem != NULL &&
                                 crm_server_url_equal (remembered.server, server);

      if (preset != NULL && preset->ca_file != NULL && g_str_equal (preset->server, server))
        {
          if (!crm_sync_client_set_ca_file (client, preset->ca_file, &local_error) ||
              !g_file_get_contents (preset->ca_file, &ca_pem, NULL, &local_error))
            {
              if (!have_remembered)
                {
                  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                               _("The certificate your administrator pre-set in %s cannot be "
                                 "used (%s); ask them to fix it, or give one with --ca-file"),
                               preset->source, local_error->message);
                  return FALSE;
                }
              g_printerr (_("voronkactl: %s (ignored)\n"), local_error->message);
              g_clear_error (&local_error);
              g_clear_pointer (&ca_pem, g_free);
            }
        }
      if (ca_pem == NULL && have_remembered)
        {
          if (!crm_sync_client_set_ca_pem (client, remembered.ca_pem, &local_error))
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("The certificate this replica remembers for %s cannot be used "
                             "(%s); give it again with --ca-file"), server, local_error->message);
              return FALSE;
            }
          ca_pem = g_strdup (remembered.ca_pem);
        }
    }

  if (invite != NULL)
    {
      g_autoptr(CrmSession) session = NULL;

      password = crm_read_password_stdin (error);
      if (password == NULL)
        return FALSE;
      session = crm_sync_client_redeem_invite (client, invite, password, NULL, &local_error);
      if (session == NULL)
        {
          g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
          return FALSE;
        }
      invited_user = g_strdup (crm_sync_client_get_user (client));
      user = invited_user;
      /* kept at once: should the first sync fail, the next one needs no code */
      if (!crm_credentials_store_token (server, user, session->token, &local_error))
        {
          g_printerr (_("voronkactl: the sign-in was not saved (%s)\n"), local_error->message);
          g_clear_error (&local_error);
        }
      if (!cli->json)
        g_print (_("Welcome, %s: you are now a user (%s) of account «%s» on %s. Later syncs "
                   "sign in as %s.\n"), session->user_name, session->role,
                 session->account_name, server, user);
    }
  else if (password_stdin)
    {
      /* a fresh sign-in; the token it gives replaces any saved one */
      password = crm_read_password_stdin (error);
      if (password == NULL)
        return FALSE;
      crm_sync_client_set_password (client, password);
    }
  else
    {
      token = lookup_token (server, typed, remembered.server, user, &found_under,
                            &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_AUTH_FAILED,
                       _("Cannot read the saved sign-in: %s"), local_error->message);
          return FALSE;
        }
      if (token == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_AUTH_FAILED,
                       _("Not signed in to %s as %s yet: run this once with --password-stdin"),
                       server, user);
          return FALSE;
        }
      crm_sync_client_set_token (client, token);
    }

  existed = g_file_test (path, G_FILE_TEST_EXISTS);
  report = crm_sync_client_sync (client, NULL, &local_error);
  if (report == NULL)
    {
      if (!existed)
        remove_unsynced_replica (path);
      if (invite != NULL)
        g_prefix_error (&local_error, _("You are a user of the account now, but the first "
                                        "sync failed; run “voronkactl sync --server %s --user "
                                        "%s” again: "), server, user);
      g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
      return FALSE;
    }
  if (!remember_server (path, server, user, ca_pem, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("The sync went through, but the replica could not keep the server it "
                     "syncs with, so the next sync needs --server and --user again: %s"),
                   local_error->message);
      return FALSE;
    }
  /* a new sign-in, or one found under an older spelling: kept under this one */
  if ((report->token != NULL || found_under != NULL) &&
      !crm_credentials_store_token (server, user, report->token != NULL ? report->token : token,
                                    &local_error))
    {
      /* synced all the same; the user types the password again next time */
      g_printerr (_("voronkactl: the sign-in was not saved (%s)\n"), local_error->message);
      g_clear_error (&local_error);
    }
  else if (found_under != NULL)
    crm_credentials_delete_token (found_under, user, NULL);
  if (fetch)
    fetch_images (cli, client, fetch_mb * 1024 * 1024, &images);
  print_report (cli, report, server, user, watch ? "first" : NULL, &images,
                fetch_mb * 1024 * 1024);
  if (watch)
    {
      CrmCliWatch options = { (guint) interval, (guint) max_rounds, (guint) exit_after };
      WatchPrint names = { server, user, client, fetch, fetch_mb * 1024 * 1024 };

      if (!crm_cli_sync_watch (cli, client, report, &options, print_watched, &names,
                               &local_error))
        {
          g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
crm_cli_conflicts (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  gboolean all = FALSE;
  gboolean mark_seen = FALSE;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Include the ones already marked seen"), NULL },
    { "mark-seen", 0, 0, G_OPTION_ARG_NONE, &mark_seen,
      N_("Mark the listed ones as seen (status stops counting them)"), NULL },
    { NULL }
  };
  g_autoptr(JsonArray) array = NULL;

  if (!crm_cli_parse (cli, "conflicts", "",
                      _("List your edits that lost to a concurrent edit made elsewhere (the "
                        "value kept, who made it and when; yours, set aside) and your changes "
                        "the server rejected (and why). With --json: the raw records (field "
                        "keys, ids, JSON values, UTC times) and, for people, \"heading\", "
                        "\"kept_line\", \"yours_line\", \"subject\", \"field_label\", "
                        "\"local_text\", \"remote_text\", \"by\", \"when_text\", "
                        "\"local_when_text\"."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  array = crm_sync_state_list_conflicts (cli->store, !all, 0, error);
  if (array == NULL || (mark_seen && !crm_sync_state_mark_conflicts_seen (cli->store, error)))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonNode) list = json_node_init_array (json_node_alloc (), array);

      crm_cli_print_json (list);
      return TRUE;
    }
  if (json_array_get_length (array) == 0)
    {
      g_print (_("No conflicts.\n"));
      return TRUE;
    }
  /* what core's crm_describe_conflict() wrote: the app's sync popover shows the same */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *kind = crm_cli_str (item, "kind", "");

      g_print ("%s%s: %s\n", i > 0 ? "\n" : "",
               g_str_equal (kind, "rejected") ? _("Refused by the server")
               /* Translators: the server has yet to withdraw what automation made after a
                * change of yours that did not hold */
               : g_str_equal (kind, "pending") ? _("Still to be withdrawn")
               : _("Conflict"),
               crm_cli_str (item, "heading", ""));
      g_print ("  %s\n", crm_cli_str (item, "kept_line", ""));
      g_print ("  %s\n", crm_cli_str (item, "yours_line", ""));
      if (crm_cli_str (item, "reason", NULL) != NULL)
        /* Translators: why the server refused a change (or kept another's) */
        g_print (_("  Why: %s\n"), crm_cli_str (item, "reason", ""));
    }
  return TRUE;
}

CrmSyncClient *
crm_cli_remembered_client (CrmCli    *cli,
                           gboolean   password_stdin,
                           gboolean   insecure,
                           GError   **error)
{
  g_autofree char *path = crm_cli_dup_db_path (cli);
  g_auto(Remembered) remembered = { NULL, NULL, NULL };
  g_autoptr(CrmClientPreset) preset = crm_client_preset_load (NULL);
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *token = NULL;
  const char *typed;
  const char *found_under = NULL;

  if (!read_remembered (path, &remembered, error))
    return NULL;
  typed = remembered.server != NULL ? remembered.server : preset != NULL ? preset->server : NULL;
  if (typed == NULL || remembered.user == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_SERVER_UNREACHABLE,
                   _("This replica has never synced, so it knows no server to ask; run "
                     "“voronkactl sync --server URL --user NAME --password-stdin” first"));
      return NULL;
    }
  server = crm_server_url_normalize (typed, &local_error);
  if (server == NULL)
    {
      g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
      return NULL;
    }
  client = crm_sync_client_new (path, server, remembered.user);
  crm_sync_client_set_allow_insecure (client, insecure);
  if (remembered.ca_pem != NULL && crm_server_url_equal (remembered.server, server) &&
      !crm_sync_client_set_ca_pem (client, remembered.ca_pem, &local_error))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The certificate this replica remembers for %s cannot be used (%s); sync "
                     "again with --ca-file"), server, local_error->message);
      return NULL;
    }
  else if (remembered.ca_pem == NULL && preset != NULL && preset->ca_file != NULL &&
           g_str_equal (preset->server, server))
    crm_sync_client_set_ca_file (client, preset->ca_file, NULL);
  if (password_stdin)
    {
      g_autofree char *password = crm_read_password_stdin (error);

      if (password == NULL)
        return NULL;
      crm_sync_client_set_password (client, password);
      return g_steal_pointer (&client);
    }
  token = lookup_token (server, typed, remembered.server, remembered.user, &found_under,
                        &local_error);
  if (token == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_AUTH_FAILED,
                   _("Not signed in to %s as %s: run “voronkactl sync --password-stdin” once, "
                     "or pass --password-stdin%s%s"), server, remembered.user,
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }
  crm_sync_client_set_token (client, token);
  return g_steal_pointer (&client);
}

/* The sign-in options every command through the server takes (user invite, invites,
 * uninvite). */
#define SERVER_SIGN_IN_ENTRIES(password_stdin, insecure) \
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &(password_stdin), \
      N_("Sign in to the server with your password read from standard input"), NULL }, \
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &(insecure), \
      N_("Allow plain http:// to a server on this machine (tests only)"), NULL }

/* The role @role (a built-in key or a custom role's id, as the server names it) by its name
 * as this replica knows it (a built-in role's label unless renamed); NULL when it does not
 * have it. */
static char *
role_name_of (CrmCli     *cli,
              const char *role)
{
  g_autoptr(JsonObject) found = NULL;

  if (role == NULL || (cli->store == NULL && !crm_cli_open (cli, NULL)))
    return NULL;
  found = crm_rights_role_find (cli->store, role, NULL);
  return found != NULL ? crm_rights_role_name (found) : NULL;
}

/* @role as `user invite` and `user invites` print it for people: a built-in role by its key
 * (as --role takes it), a custom one by its name (its id when this replica lacks it). */
static char *
role_words (CrmCli     *cli,
            const char *role)
{
  char *name = crm_rights_builtin_label (role) == NULL ? role_name_of (cli, role) : NULL;

  return name != NULL ? name : g_strdup (role);
}

gboolean
crm_cli_user_invite (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *role = NULL;
  gint days = 0;
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("admin, head, manager, accountant, rep or a role «role list» shows (default: rep)"),
      N_("ROLE") },
    { "days", 0, 0, G_OPTION_ARG_INT, &days,
      N_("How many days the code works (default 7, at most 90)"), N_("N") },
    SERVER_SIGN_IN_ENTRIES (password_stdin, insecure),
    { NULL }
  };
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(JsonObject) invite = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *when = NULL;
  g_autofree char *role_text = NULL;
  gint64 expires_ms;
  const char *server;
  const char *code;

  if (!crm_cli_parse (cli, "user invite", "NAME",
                      _("Invite a new user (administrators; through the server this replica "
                        "syncs with): prints a one-time code and the server's address to give "
                        "them. They choose «I have an invitation code» when signing in to the "
                        "app (or run “voronkactl sync --server URL --invite CODE "
                        "--password-stdin”) and pick their own password; the code then stops "
                        "working. With --json: {\"code\", \"name\", \"role\" (a built-in role's key "
                        "or a custom role's id), \"role_name\" (its name as this replica knows "
                        "it, or null), \"account\", \"expires_at\" (ISO 8601, UTC), "
                        "\"server\"}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  /* (any role of the account, by its name or key: the server knows them and refuses an
   * unknown one listing them) */
  if (days < 0 || days > 90)
    return crm_cli_usage_error (error, _("--days takes 1 to 90"));
  if (*g_strstrip (argv[1]) == '\0')
    return crm_cli_usage_error (error, _("A user needs a name"));
  client = crm_cli_remembered_client (cli, password_stdin, insecure, error);
  if (client == NULL)
    return FALSE;
  invite = crm_sync_client_create_invite (client, argv[1], role, (guint) days, NULL,
                                          &local_error);
  if (invite == NULL)
    {
      g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
      return FALSE;
    }
  server = crm_sync_client_get_server_url (client);
  json_object_set_string_member (invite, "server", server);
  expires_ms = json_object_get_int_member_with_default (invite, "expires", 0);
  if (cli->json)
    {
      /* times in a time's form, as every other command prints them */
      g_autofree char *expires_at = crm_time_format (expires_ms);
      g_autoptr(JsonObject) found = NULL;
      g_autofree char *role_name = NULL;

      /* the role as the server keeps it (a name given is resolved there), and its name */
      if (cli->store != NULL || crm_cli_open (cli, NULL))
        found = crm_rights_role_find (cli->store, crm_json_string (invite, "role"), NULL);
      if (found != NULL)
        {
          json_object_set_string_member (invite, "role", crm_rights_role_ref (found));
          role_name = crm_rights_role_name (found);
        }
      crm_json_set_string_or_null (invite, "role_name", role_name);
      json_object_remove_member (invite, "expires");
      json_object_set_string_member (invite, "expires_at", expires_at);
      crm_cli_print_json_object (invite);
      return TRUE;
    }
  code = json_object_get_string_member (invite, "code");
  expires = g_date_time_new_from_unix_local (expires_ms / 1000);
  when = g_date_time_format (expires, "%Y-%m-%d %H:%M");
  role_text = role_words (cli, json_object_get_string_member_with_default (invite, "role",
                                                                           "rep"));
  /* Translators: "Invitation for «Анна» (rep): K7QM-3XRD-W9TB" */
  g_print (_("Invitation for «%s» (%s): %s\n"), argv[1], role_text, code);
  g_print (_("Server: %s\n"), server);
  g_print (_("It works once, until %s. They choose «I have an invitation code» when signing "
             "in, or run: voronkactl sync --server %s --invite %s --password-stdin\n"),
           when, server, code);
  return TRUE;
}

gboolean
crm_cli_user_invites (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  const GOptionEntry entries[] = {
    SERVER_SIGN_IN_ENTRIES (password_stdin, insecure),
    { NULL }
  };
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonArray) listed = json_array_new ();
  JsonArray *invites;

  if (!crm_cli_parse (cli, "user invites", "",
                      _("List the invitations still waiting to be used (administrators; "
                        "through the server this replica syncs with), newest first: for whom, "
                        "the role and until when the code works. The codes themselves are not "
                        "kept, so they cannot be shown again; “user uninvite NAME” withdraws "
                        "one. With --json: [{\"name\", \"role\" (a built-in role's key or a custom "
                        "role's id, as --role takes it), \"role_name\" (its name as this "
                        "replica knows it, null when it does not have the role), "
                        "\"created_at\", \"expires_at\", \"invited_by\" (null: made on the "
                        "server)}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  client = crm_cli_remembered_client (cli, password_stdin, insecure, error);
  if (client == NULL)
    return FALSE;
  answer = crm_sync_client_list_invites (client, NULL, &local_error);
  if (answer == NULL)
    {
      g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
      return FALSE;
    }
  invites = json_object_get_array_member (answer, "invites");
  for (guint i = 0; invites != NULL && i < json_array_get_length (invites); i++)
    {
      JsonObject *invite = json_array_get_object_element (invites, i);
      JsonObject *row = json_object_new ();
      g_autofree char *created = NULL;
      g_autofree char *expires = NULL;
      g_autofree char *role_name = NULL;

      if (invite == NULL)
        continue;
      created = crm_time_format (json_object_get_int_member_with_default (invite, "created", 0));
      expires = crm_time_format (json_object_get_int_member_with_default (invite, "expires", 0));
      json_object_set_string_member (row, "name",
                                     json_object_get_string_member_with_default (invite, "name",
                                                                                 ""));
      json_object_set_string_member (row, "role",
                                     json_object_get_string_member_with_default (invite, "role",
                                                                                 "rep"));
      role_name = role_name_of (cli, json_object_get_string_member (row, "role"));
      crm_json_set_string_or_null (row, "role_name", role_name);
      json_object_set_string_member (row, "created_at", created);
      json_object_set_string_member (row, "expires_at", expires);
      crm_json_set_string_or_null (row, "invited_by", crm_json_string (invite, "invited_by"));
      json_array_add_object_element (listed, row);
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, listed);
      crm_cli_print_json (node);
      return TRUE;
    }
  if (json_array_get_length (listed) == 0)
    {
      g_print (_("No invitation is waiting to be used; “voronkactl user invite NAME” makes "
                 "one\n"));
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (listed); i++)
    {
      JsonObject *row = json_array_get_object_element (listed, i);
      const char *by = crm_json_string (row, "invited_by");
      g_autoptr(GDateTime) expires = g_date_time_new_from_iso8601 (
        json_object_get_string_member (row, "expires_at"), NULL);
      g_autoptr(GDateTime) local = g_date_time_to_local (expires);
      g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M");

      g_autofree char *role_name = role_words (cli, json_object_get_string_member (row, "role"));

      /* Translators: user invites: name, role, "until" the time the code stops working */
      g_print (_("%s\t%s\tuntil %s\n"), json_object_get_string_member (row, "name"), role_name,
               when);
      /* Translators: user invites, under an invitation: who made it (a user's name) */
      g_print (_("\tinvited by %s\n"), by != NULL ? by
               /* Translators: user invites: made with this command, not by a user */
               : _("a command on the server"));
    }
  return TRUE;
}

gboolean
crm_cli_user_uninvite (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  gboolean password_stdin = FALSE;
  gboolean insecure = FALSE;
  const GOptionEntry entries[] = {
    SERVER_SIGN_IN_ENTRIES (password_stdin, insecure),
    { NULL }
  };
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 withdrawn;

  if (!crm_cli_parse (cli, "user uninvite", "NAME",
                      _("Withdraw the invitations waiting for NAME (administrators; through the "
                        "server this replica syncs with): their codes stop working at once, and "
                        "whoever tries one is told to ask for a new one. With --json: "
                        "{\"name\", \"withdrawn\": N}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (*g_strstrip (argv[1]) == '\0')
    return crm_cli_usage_error (error, _("Say whose invitation to withdraw: the NAME it was "
                                         "made for (“voronkactl user invites” lists them)"));
  client = crm_cli_remembered_client (cli, password_stdin, insecure, error);
  if (client == NULL)
    return FALSE;
  answer = crm_sync_client_withdraw_invite (client, argv[1], NULL, &local_error);
  if (answer == NULL)
    {
      g_propagate_error (error, to_cli_error (g_steal_pointer (&local_error)));
      return FALSE;
    }
  if (cli->json)
    {
      crm_cli_print_json_object (answer);
      return TRUE;
    }
  withdrawn = json_object_get_int_member_with_default (answer, "withdrawn", 0);
  g_print (ngettext ("Withdrew %lld invitation for «%s»: its code no longer works\n",
                     "Withdrew %lld invitations for «%s»: their codes no longer work\n",
                     withdrawn),
           (long long) withdrawn, argv[1]);
  return TRUE;
}

GError *
crm_cli_sync_error (GError *error)
{
  return to_cli_error (error);
}
