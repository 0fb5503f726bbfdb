/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-files.c — `voronka-bench-files`: how fast attached files travel through a real
 * voronka-server on 127.0.0.1 (TLS). Laptop A attaches a photo of N MB and syncs (the
 * upload in pieces, then the push); laptop B syncs and fetches it (checked against its
 * SHA-256). The figures are the upload's and the fetch's throughput in MB/s, each the
 * median of a few files; every wait is bounded by the sync client's own timeouts. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bench-server.h"
#include "bench-util.h"
#include "crm-attachment.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-sync-client.h"

#define PASSWORD        "bench-pw"

static gboolean
fail (GError     *error,
      const char *what)
{
  g_printerr ("bench-files: %s: %s\n", what, error ? error->message : "failed");
  return FALSE;
}

static GSubprocess *
start_server (const char  *server_bin,
              const char  *data,
              const char  *log,
              char       **out_url)
{
  const char *argv[] = { server_bin, "--data", data, "serve", "--listen", "127.0.0.1:0",
                         "--tick-interval", "0", "--max-file-mb", "1024", NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *server = bench_server_start (argv, log, out_url, &error);

  if (server == NULL)
    fail (error, "starting voronka-server");
  return server;
}

static CrmSyncClient *
new_client (const char *tmp,
            const char *name,
            const char *url,
            const char *cert,
            GError    **error)
{
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  g_autoptr(CrmSyncClient) client = crm_sync_client_new (path, url, "admin");

  if (!crm_sync_client_set_ca_file (client, cert, error))
    return NULL;
  crm_sync_client_set_password (client, PASSWORD);
  return g_steal_pointer (&client);
}

/* A PNG's signature, then @size bytes in all of made-up pixels (a content of its own). */
static gboolean
write_photo (const char  *path,
             gsize        size,
             guint32      seed,
             GError     **error)
{
  static const guchar head[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
  g_autofree guint32 *data = g_malloc (size + sizeof (guint32));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size / sizeof (guint32) + 1; i++)
    data[i] = g_rand_int (rand);
  memcpy (data, head, MIN (size, sizeof head));
  return g_file_set_contents (path, (const char *) data, (gssize) size, error);
}

static gboolean
sync_once (CrmSyncClient *client,
           const char    *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncReport) report = crm_sync_client_sync (client, NULL, &error);

  return report != NULL || fail (error, what);
}

/* @files photos of @mb MB each: A attaches and syncs one at a time (timed), B syncs and
 * fetches it (timed). */
static gboolean
measure (const char *tmp,
         const char *url,
         const char *cert,
         guint       mb,
         guint       files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncClient) a = new_client (tmp, "a.db", url, cert, &error);
  g_autoptr(CrmSyncClient) b = a ? new_client (tmp, "b.db", url, cert, &error) : NULL;
  g_autoptr(BenchSamples) up = bench_samples_new ();
  g_autoptr(BenchSamples) down = bench_samples_new ();
  g_autofree char *deal = NULL;
  double bytes = (double) mb * 1024 * 1024;

  if (b == NULL)
    return fail (error, "the sync clients");
  if (!sync_once (a, "A's first sync") || !sync_once (b, "B's first sync"))
    return FALSE;
  {
    g_autoptr(CrmStore) store = crm_store_open (crm_sync_client_get_replica_path (a), &error);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *pipeline = NULL;
    g_autofree char *stage = NULL;
    CrmChange *change;

    if (store == NULL ||
        (pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, &error)) == NULL ||
        (stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, &error)) == NULL)
      return fail (error, "the template's pipeline «Продажи»");
    deal = crm_store_new_id (store);
    change = crm_changeset_create (changeset, "deal", deal);
    crm_change_set_string (change, "title", "Тягач с фотографиями");
    crm_change_set_string (change, "pipeline", pipeline);
    crm_change_set_string (change, "stage", stage);
    crm_change_set_string (change, "currency", "RUB");
    crm_change_set_int (change, "amount", 100000);
    crm_change_set_int (change, "created_at", crm_store_get_now (store));
    crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
    if (!crm_store_apply (store, changeset, &error))
      return fail (error, "a deal on A");
  }

  for (guint i = 0; i < files; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%u.png", i);
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      g_auto(CrmAttachmentFile) file = { 0 };
      gint64 start;

      if (!write_photo (path, (gsize) mb * 1024 * 1024, 1000 + i, &error))
        return fail (error, "a photo");
      {
        g_autoptr(CrmStore) store = crm_store_open (crm_sync_client_get_replica_path (a),
                                                    &error);
        g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
        g_autofree char *id = NULL;

        if (store == NULL || !crm_attachment_store_file (store, path, &file, &error))
          return fail (error, "attaching on A");
        id = crm_store_new_id (store);
        crm_attachment_fill_change (changeset, id, "deal", deal, name, &file,
                                    crm_store_get_now (store));
        if (!crm_store_apply (store, changeset, &error))
          return fail (error, "the attachment on A");
      }
      g_unlink (path);

      start = bench_now_us ();
      if (!sync_once (a, "A's sync (the upload)"))
        return FALSE;
      bench_samples_add (up, bench_now_us () - start);

      if (!sync_once (b, "B's sync"))
        return FALSE;
      start = bench_now_us ();
      if (!crm_sync_client_fetch_file (b, file.hash, NULL, &error))
        return fail (error, "B's fetch");
      bench_samples_add (down, bench_now_us () - start);
    }
  /* MB/s of the median time */
  bench_figure ("files.upload_mb_s", bytes / 1048576.0 / (bench_samples_ms (up, 50) / 1000.0),
                "MB/s", NULL);
  bench_figure ("files.fetch_mb_s", bytes / 1048576.0 / (bench_samples_ms (down, 50) / 1000.0),
                "MB/s", NULL);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  gboolean quick = FALSE;
  char *server_bin = NULL;
  gint mb = 0;
  gint files = 0;
  g_autofree char *tmp = NULL;
  g_autofree char *data = NULL;
  g_autofree char *log = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *url = NULL;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Small files", NULL },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_bin, "The voronka-server program",
      "PATH" },
    { "mb", 0, 0, G_OPTION_ARG_INT, &mb, "Size of each file in MB (default 64; 2 with --quick)",
      "N" },
    { "files", 0, 0, G_OPTION_ARG_INT, &files, "Files to measure (default 5; 2 with --quick)",
      "N" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1 ||
      server_bin == NULL || mb < 0 || files < 0 || mb > 1024)
    {
      g_printerr ("usage: voronka-bench-files [--quick] [--mb N] [--files N] --server PATH\n");
      return 2;
    }
  if (mb == 0)
    mb = quick ? 2 : 64;
  if (files == 0)
    files = quick ? 2 : 5;
  tmp = g_dir_make_tmp ("voronka-bench-files-XXXXXX", &error);
  if (tmp == NULL)
    return fail (error, "temporary folder"), 1;
  data = g_build_filename (tmp, "server", NULL);
  log = g_build_filename (tmp, "serve.log", NULL);
  cert = g_build_filename (data, "tls", "cert.pem", NULL);

  ok = bench_server_admin (server_bin, data, PASSWORD, &error, "account", "create", "files",
                           "--template", "truck-dealer", "--admin", "admin", "--password-stdin",
                           NULL);
  if (!ok)
    fail (error, "the server's account");
  ok = ok && (server = start_server (server_bin, data, log, &url)) != NULL;
  ok = ok && measure (tmp, url, cert, (guint) mb, (guint) files);
  if (server != NULL)
    bench_server_stop (server);
  if (!ok)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL))
        {
          gsize len = strlen (text);
          g_printerr ("bench-files: server log (end):\n%s\n", text + (len > 4000 ? len - 4000 : 0));
        }
    }
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf",
                                                  tmp, NULL);
    if (rm != NULL)
      g_subprocess_wait (rm, NULL, NULL);
  }
  return ok ? 0 : 1;
}
