/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-import.c — `voronka-bench-import`: moving in (issue 20: 100 000 contacts in
 * ≤ 10 s). Writes an amoCRM-shaped CSV of N contacts (full name, two phones, an e-mail,
 * one of N/10 companies, the responsible; semicolons, a BOM) and imports it into a new
 * truck-dealer replica with crm_import_csv(), all or nothing, as `voronkactl import
 * contacts` does, with its page cache. The figure is the import's wall time: reading,
 * checking every row against the replica and the rows before it, and the one change set
 * that writes them (the companies the rows name included); its CPU time (user + system)
 * beside it, since a shared machine's wall time includes waiting for a core. A dry run of
 * the same file is printed too. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "bench-util.h"
#include "crm-import.h"
#include "crm-query.h"
#include "crm-search.h"
#include "crm-template.h"
#include "crm-time.h"

static const char *const first_names[] = {
  "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
  "Михаил", "Артём", "Ольга", "Анна", "Елена", "Наталья", "Татьяна", "Мария",
};
static const char *const last_names[] = {
  "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
  "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
};

/* This process's CPU time (user and system), in seconds: on a shared machine the wall
 * time includes waiting for a core. */
static double
cpu_s (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static char *
write_csv (guint n_contacts)
{
  GString *csv = g_string_new ("\xEF\xBB\xBFПолное имя;Рабочий телефон;Мобильный телефон;"
                               "Рабочий email;Компания;Ответственный\r\n");
  guint n_companies = MAX (n_contacts / 10, 1);

  for (guint i = 0; i < n_contacts; i++)
    g_string_append_printf (csv,
                            "%s %s %u;+7 (9%02u) %03u-%02u-%02u;8 8%02u %03u %02u %02u;"
                            "client%u@example.ru;ООО «Ромашка %u»;%s\r\n",
                            last_names[i % G_N_ELEMENTS (last_names)],
                            first_names[(i / 16) % G_N_ELEMENTS (first_names)], i,
                            i / 10000000 % 100, i / 10000 % 1000, i / 100 % 100, i % 100,
                            i / 10000000 % 100, i / 10000 % 1000, i / 100 % 100, i % 100,
                            i, i % n_companies,
                            i % 3 == 0 ? "Игорь Лебедев" : "");
  return g_string_free (csv, FALSE);
}

/* The contact search on the replica the import wrote (crm_query_contact_search, the first
 * 50 and the total, as the search box asks): the median of five runs, in ms. */
static void
time_searches (CrmStore *store)
{
  static const struct { const char *label, *query; } searches[] = {
    { "name_prefix", "Ива" },        /* a surname's first letters: 6 250 of 100 000 */
    { "name_one_letter", "И" },      /* the first letter typed (schema 28: a range) */
    { "name_two_letters", "Ив" },
    { "name_two_words", "Иванов Алекс" },
    { "digits_middle", "234-5" },    /* four digits from the middle of a number */
    { "digits_number", "+7 (900) 001-23-45" },
    { "digits_short", "79" },        /* the start of a number */
  };

  for (guint s = 0; s < G_N_ELEMENTS (searches); s++)
    {
      double runs[5];
      gint64 total = 0;
      g_autofree char *name = g_strdup_printf ("import.search_ms.%s", searches[s].label);

      for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonNode) found = NULL;
          gint64 start = bench_now_us ();

          found = crm_query_contact_search (store, searches[s].query, 50, 0, &total, &error);
          runs[r] = (bench_now_us () - start) / 1e3;
          if (found == NULL)
            {
              g_printerr ("voronka-bench-import: %s\n", error->message);
              return;
            }
        }
      for (guint i = 1; i < G_N_ELEMENTS (runs); i++)
        for (guint j = i; j > 0 && runs[j - 1] > runs[j]; j--)
          {
            double t = runs[j];

            runs[j] = runs[j - 1];
            runs[j - 1] = t;
          }
      bench_figure (name, runs[G_N_ELEMENTS (runs) / 2], "ms", NULL);
      g_print ("# %s: %" G_GINT64_FORMAT " found\n", name, total);
    }
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = FALSE;
  int n_contacts = 100000;
  int cache_mib = (int) (CRM_IMPORT_CACHE_KIB / 1024);
  const GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "A few hundred contacts: the program runs", NULL },
    { "contacts", 0, 0, G_OPTION_ARG_INT, &n_contacts, "Contacts in the file (100000)", "N" },
    { "cache-mib", 0, 0, G_OPTION_ARG_INT, &cache_mib, "The page cache (default: voronkactl import's, CRM_IMPORT_CACHE_KIB)", "MIB" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— import benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *name = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) template = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) dry_report = NULL;
  g_autofree char *admin = NULL;
  CrmImportOptions options = { 0 };
  gint64 now = 0, start;
  double dry_s, import_s, cpu_start, import_cpu_s;
  int status = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_contacts <= 0)
    {
      g_printerr ("%s\n", error ? error->message : "--contacts must be > 0");
      return 2;
    }
  if (quick)
    n_contacts = MIN (n_contacts, 500);

  dir = g_dir_make_tmp ("voronka-bench-import-XXXXXX", &error);
  if (dir == NULL)
    goto out;
  path = g_build_filename (dir, "replica.db", NULL);
  crm_time_parse ("2026-03-02T10:00:00Z", &now);
  store = crm_store_create (path, &error);
  if (store == NULL)
    goto out;
  crm_store_set_now (store, now);
  template = crm_template_load ("truck-dealer", &error);
  if (template == NULL || !crm_template_apply (store, template, &error))
    goto out;
  admin = crm_query_resolve (store, "user", "admin", NULL, &error);
  if (admin == NULL)
    goto out;
  csv = write_csv ((guint) n_contacts);
  name = g_strdup_printf ("import.contacts_%d", n_contacts);

  options.entity = "contact";
  options.actor_id = admin;
  options.dry_run = TRUE;
  start = bench_now_us ();
  if (!crm_import_csv (store, &options, csv, strlen (csv), &dry_report, &error))
    goto out;
  dry_s = (bench_now_us () - start) / 1e6;

  if (cache_mib > 0 && !crm_store_set_memory_limits (store, (gint64) cache_mib * 1024, 0, &error))
    goto out;
  options.dry_run = FALSE;
  cpu_start = cpu_s ();
  start = bench_now_us ();
  if (!crm_import_csv (store, &options, csv, strlen (csv), &report, &error))
    goto out;
  import_s = (bench_now_us () - start) / 1e6;
  import_cpu_s = cpu_s () - cpu_start;
  if (json_object_get_int_member (json_node_get_object (report), "created") != n_contacts)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "imported %" G_GINT64_FORMAT " of %d",
                   json_object_get_int_member (json_node_get_object (report), "created"),
                   n_contacts);
      goto out;
    }
  bench_figure ("import.dry_run_s", dry_s, "s", NULL);
  bench_figure ("import.contacts_s", import_s, "s",
                n_contacts == 100000 ? "≤ 10 s for 100 000" : NULL);
  bench_figure ("import.contacts_cpu_s", import_cpu_s, "s", NULL);
  {
    GStatBuf buf;

    /* the replica's file after the import (its WAL was copied into it at the commit) */
    if (g_stat (path, &buf) == 0)
      bench_figure ("import.replica_mib", buf.st_size / 1048576.0, "MiB", NULL);
  }
  g_print ("# %s: %d contacts and %d companies in one change set\n", name, n_contacts,
           MAX (n_contacts / 10, 1));
  time_searches (store);
  status = 0;

out:
  if (error != NULL)
    g_printerr ("voronka-bench-import: %s\n", error->message);
  g_clear_object (&store);
  if (dir != NULL)
    {
      bench_remove_db (path);
      g_rmdir (dir);
    }
  return status;
}
