/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-visibility.c — what a snapshot filtered for one user costs (issue 20), on a
 * replica of bench/generate:
 *   voronka-bench-visibility REPLICA
 * The copy every snapshot starts from (crm_replica_file_make_snapshot), then the deals
 * the user does not see removed from it (crm_visibility_filter_file) for a rep whose
 * scope is «own» and one whose scope is «group», then each compressed as the server does
 * (zstd level 1); and crm_visibility_dup_keys() (every snapshot request's first step), the
 * mean of 50 calls. CPU time of this thread; REPLICA is changed: the two reps are given
 * roles of those scopes in it. */
#include "config.h"

#include <zstd.h>
#include <glib/gstdio.h>

#include "bench-util.h"
#include "crm-query.h"
#include "crm-replica-file.h"
#include "crm-rights.h"
#include "crm-setup.h"
#include "crm-store.h"
#include "crm-visibility.h"

/* The size of @path compressed with zstd level 1 (what the server sends), in bytes. */
static gint64
compressed_size (const char *path,
                 gint64     *out_cpu_us)
{
  g_autofree char *data = NULL;
  gsize size = 0;
  g_autofree char *out = NULL;
  size_t bound, written;
  gint64 start;

  if (!g_file_get_contents (path, &data, &size, NULL))
    return -1;
  bound = ZSTD_compressBound (size);
  out = g_malloc (bound);
  start = bench_thread_cpu_us ();
  written = ZSTD_compress (out, bound, data, size, 1);
  *out_cpu_us = bench_thread_cpu_us () - start;
  return ZSTD_isError (written) ? -1 : (gint64) written;
}

/* Gives the user @user_id a new role named @name: a sales rep's rights, but seeing @see. */
static void
give_role (CrmStore   *store,
           const char *user_id,
           const char *name,
           const char *see)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *role_id = NULL;
  g_autofree char *right = g_strdup_printf ("*:see=%s", see);
  const char *rights[] = { right, NULL };
  g_autoptr(CrmChangeset) add = crm_setup_role_add (store, name, CRM_ROLE_REP, &role_id, &error);
  g_autoptr(CrmChangeset) set = NULL;
  g_autoptr(CrmChangeset) user = crm_changeset_new ();

  if (add == NULL || !crm_store_apply (store, add, &error) ||
      (set = crm_setup_role_set (store, role_id, NULL, rights, &error)) == NULL ||
      !crm_store_apply (store, set, &error))
    g_error ("Making the role %s: %s", name, error->message);
  crm_change_set_string (crm_changeset_touch (user, "user", user_id), "role", role_id);
  if (!crm_store_apply (store, user, &error))
    g_error ("Giving the role %s: %s", name, error->message);
}

static void
measure (const char    *replica,
         const char    *label,
         CrmVisibility *visibility)
{
  g_autofree char *copy = g_strdup_printf ("%s.bench-visibility-%s", replica, label);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gint64 seq = 0, start, copy_us, filter_us = 0, zstd_us = 0, packed;
  guint removed = 0;

  start = bench_thread_cpu_us ();
  if (!crm_replica_file_make_snapshot (replica, copy, &seq, &error))
    g_error ("%s", error->message);
  copy_us = bench_thread_cpu_us () - start;
  if (visibility != NULL)
    {
      start = bench_thread_cpu_us ();
      if (!crm_visibility_filter_file (visibility, copy, &removed, &error))
        g_error ("%s", error->message);
      filter_us = bench_thread_cpu_us () - start;
    }
  packed = compressed_size (copy, &zstd_us);
  name = g_strdup_printf ("snapshot %s: copy CPU", label);
  bench_figure (name, copy_us / 1e6, "s", NULL);
  g_free (name);
  name = g_strdup_printf ("snapshot %s: filter CPU (%u deals left out)", label, removed);
  bench_figure (name, filter_us / 1e6, "s", NULL);
  g_free (name);
  name = g_strdup_printf ("snapshot %s: zstd -1 CPU", label);
  bench_figure (name, zstd_us / 1e6, "s", NULL);
  g_free (name);
  name = g_strdup_printf ("snapshot %s: compressed size", label);
  bench_figure (name, packed / 1e6, "MB", NULL);
  bench_remove_db (copy);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmVisibility) own = NULL;
  g_autoptr(CrmVisibility) group = NULL;
  g_autoptr(JsonNode) users = NULL;
  const char *own_id = NULL, *group_id = NULL;

  if (argc != 2)
    {
      g_printerr ("Usage: %s REPLICA\n", argv[0]);
      return 2;
    }
  store = crm_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);
  /* the first two reps of the account: one sees their own deals, one their group's */
  users = crm_query_users (store, &error);
  for (guint i = 0; users != NULL && i < json_array_get_length (json_node_get_array (users)); i++)
    {
      JsonObject *user = json_array_get_object_element (json_node_get_array (users), i);

      if (g_strcmp0 (json_object_get_string_member (user, "role"), "rep") != 0)
        continue;
      if (own_id == NULL)
        own_id = json_object_get_string_member (user, "id");
      else if (group_id == NULL)
        group_id = json_object_get_string_member (user, "id");
    }
  if (own_id == NULL || group_id == NULL)
    g_error ("The replica has fewer than two reps");
  give_role (store, own_id, "bench: own", "own");
  give_role (store, group_id, "bench: group", "group");
  own = crm_visibility_new (store, own_id);
  group = crm_visibility_new (store, group_id);
  /* what every snapshot request and every new whole copy computes first: the keys the
   * account's users have now (which filtered copies to keep) */
  {
    const guint rounds = 50;
    gint64 start = bench_thread_cpu_us ();
    guint keys = 0;
    g_autofree char *name = NULL;

    for (guint i = 0; i < rounds; i++)
      {
        g_auto(GStrv) live = crm_visibility_dup_keys (store);

        keys = live != NULL ? g_strv_length (live) : 0;
      }
    name = g_strdup_printf ("crm_visibility_dup_keys CPU, one call (%u users, %u keys)",
                            json_array_get_length (json_node_get_array (users)), keys);
    bench_figure (name, (bench_thread_cpu_us () - start) / 1e3 / rounds, "ms", NULL);
  }
  measure (argv[1], "whole", NULL);
  measure (argv[1], "own", own);
  measure (argv[1], "group", group);
  return 0;
}
