/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-account-deals.c — the deals of the large account: used trucks and trailers
 * over every pipeline and stage with brand/trailer tags and prices, a contact link,
 * tasks (the last one of an open deal open, a quarter of those overdue) and notes. */
#define G_LOG_DOMAIN "voronka-bench"

#include <string.h>

#include "bench-account-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* ───────────────────────────────────── deals ───────────────────────────────────── */

static Pipeline *
pick_pipeline (BenchAccount *account)
{
  guint total = 0, roll;

  for (guint i = 0; i < account->pipelines->len; i++)
    total += ((Pipeline *) g_ptr_array_index (account->pipelines, i))->weight;
  roll = pick (account, total);
  for (guint i = 0; i < account->pipelines->len; i++)
    {
      Pipeline *pipeline = g_ptr_array_index (account->pipelines, i);

      if (roll < pipeline->weight)
        return pipeline;
      roll -= pipeline->weight;
    }
  return g_ptr_array_index (account->pipelines, 0);
}

/* Title, tags and price (kopecks) of a truck, a truck with a trailer, or a trailer: the
 * demo generator's vehicles (crm_demo_make_vehicle), drawn from the account's seed. */
static char *
make_vehicle (BenchAccount *account,
              BenchDeal    *deal)
{
  const CrmDemoTag *brand, *trailer;
  char *title = crm_demo_make_vehicle (account->rand, account->brands, account->trailers,
                                       &deal->amount, &brand, &trailer);

  if (brand != NULL)
    deal->tags[deal->n_tags++] = brand->id;
  if (trailer != NULL)
    deal->tags[deal->n_tags++] = trailer->id;
  return title;
}

void
bench_account_make_deal (BenchAccount *account,
                         guint         n,
                         gboolean      quiet,
                         BenchDeal    *deal)
{
  Pipeline *pipeline = quiet ? account->sales : pick_pipeline (account);
  guint roll = quiet ? 0 : pick (account, 100);
  gboolean is_open = roll < 62;
  Contact *contact = account->contacts->len > 0 ?
    g_ptr_array_index (account->contacts, pick (account, account->contacts->len)) : NULL;
  g_autofree char *vehicle = NULL;

  memset (deal, 0, sizeof *deal);
  deal->id = bench_id (account, quiet ? "quiet-deal" : "deal", n);
  deal->pipeline = pipeline->id;
  deal->is_open = is_open;
  deal->stage = is_open ? g_ptr_array_index (pipeline->working, pick (account, pipeline->working->len))
              : roll < 82 ? pipeline->won : pipeline->lost;
  vehicle = make_vehicle (account, deal);
  deal->title = pipeline->purchase ? g_strdup_printf ("Выкуп: %s", vehicle)
                                   : g_steal_pointer (&vehicle);
  deal->currency = "RUB";
  deal->responsible = pick_string (account, pipeline->purchase ? account->purchase_users
                                                               : account->sales_users);
  deal->company = contact != NULL ? contact->company : NULL;
  deal->created_at = days_from_now (account, 1, 1000);
  deal->stage_entered_at = deal->created_at +
                           (account->now - deal->created_at) * pick (account, 100) / 100;
  deal->source = pipeline->purchase ? pick_weighted (account, purchase_sources,
                                                     G_N_ELEMENTS (purchase_sources))
                                    : pick_weighted (account, sale_sources,
                                                     G_N_ELEMENTS (sale_sources));
  if (quiet)
    deal->payment_type = "Наличные";
  else if (g_str_equal (pipeline->name, "Лизинг"))
    deal->payment_type = "Лизинг";
  else if (!pipeline->purchase)
    deal->payment_type = pick_weighted (account, sale_payments, G_N_ELEMENTS (sale_payments));
  if (!pipeline->purchase)
    {
      deal->has_waiting = TRUE;
      deal->waiting_for_stock = !quiet && is_open && chance (account, 20);
    }
  if (deal->stage == pipeline->lost)
    deal->loss_reason = pick_string (account, pipeline->reasons);
  for (guint i = 0; i < deal->n_tags; i++)
    deal->tag_links[i] = crm_uuid_link ("deal_tag", deal->id, deal->tags[i]);
  if (contact != NULL)
    {
      deal->contact = contact->id;
      deal->contact_link = crm_uuid_link ("deal_contact", deal->id, contact->id);
    }
}

void
bench_deal_clear (BenchDeal *deal)
{
  g_clear_pointer (&deal->id, g_free);
  g_clear_pointer (&deal->title, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (deal->tag_links); i++)
    g_clear_pointer (&deal->tag_links[i], g_free);
  g_clear_pointer (&deal->contact_link, g_free);
}

void
bench_deal_add_changes (const BenchDeal *deal,
                        CrmChangeset    *changeset)
{
  CrmChange *change = crm_changeset_create (changeset, "deal", deal->id);

  crm_change_set_string (change, "title", deal->title);
  crm_change_set_string (change, "pipeline", deal->pipeline);
  crm_change_set_string (change, "stage", deal->stage);
  crm_change_set_int (change, "amount", deal->amount);
  crm_change_set_string (change, "currency", deal->currency);
  crm_change_set_string (change, "responsible", deal->responsible);
  if (deal->company != NULL)
    crm_change_set_string (change, "company", deal->company);
  crm_change_set_int (change, "created_at", deal->created_at);
  crm_change_set_int (change, "stage_entered_at", deal->stage_entered_at);
  crm_change_set_string (change, "source", deal->source);
  if (deal->payment_type != NULL)
    crm_change_set_string (change, "payment_type", deal->payment_type);
  if (deal->has_waiting)
    crm_change_set_bool (change, "waiting_for_stock", deal->waiting_for_stock);
  if (deal->loss_reason != NULL)
    crm_change_set_string (change, "loss_reason", deal->loss_reason);

  for (guint i = 0; i < deal->n_tags; i++)
    {
      CrmChange *tag = crm_changeset_create (changeset, "deal_tag", deal->tag_links[i]);

      crm_change_set_string (tag, "deal", deal->id);
      crm_change_set_string (tag, "tag", deal->tags[i]);
      crm_change_set_bool (tag, "present", TRUE);
    }
  if (deal->contact != NULL)
    {
      CrmChange *link = crm_changeset_create (changeset, "deal_contact", deal->contact_link);

      crm_change_set_string (link, "deal", deal->id);
      crm_change_set_string (link, "contact", deal->contact);
      crm_change_set_bool (link, "present", TRUE);
    }
}

/* Task @n of a deal: done ones have a result; the open one (the last of an open deal)
 * is overdue one time in four. */
static void
add_task (Writer          *writer,
          guint            n,
          const BenchDeal *deal,
          gboolean         done)
{
  BenchAccount *account = writer->account;
  g_autofree char *id = bench_id (account, "task", n);
  CrmChange *change = crm_changeset_create (writer_changeset (writer), "task", id);
  guint type = pick (account, 10);
  gint64 due;

  if (done)
    due = deal->created_at + (account->now - deal->created_at) * pick (account, 100) / 100;
  else if (chance (account, 25))
    due = days_from_now (account, 1, 14);
  else
    due = days_from_now (account, -14, -1);

  crm_change_set_string (change, "deal", deal->id);
  if (deal->contact != NULL)
    crm_change_set_string (change, "contact", deal->contact);
  crm_change_set_string (change, "text",
                         type < 6 ? open_call_texts[pick (account, G_N_ELEMENTS (open_call_texts))]
                         : type < 8
                         ? open_meeting_texts[pick (account, G_N_ELEMENTS (open_meeting_texts))]
                         : open_task_texts[pick (account, G_N_ELEMENTS (open_task_texts))]);
  crm_change_set_string (change, "type", type < 6 ? "call" : type < 8 ? "meeting" : "task");
  crm_change_set_int (change, "due", due);
  crm_change_set_string (change, "responsible", deal->responsible);
  crm_change_set_bool (change, "done", done);
  crm_change_set_int (change, "created_at", deal->created_at);
  if (done)
    {
      crm_change_set_string (change, "result",
                             type < 6 ? call_results[pick (account, G_N_ELEMENTS (call_results))]
                             : type < 8
                             ? meeting_results[pick (account, G_N_ELEMENTS (meeting_results))]
                             : "Сделано");
      crm_change_set_int (change, "done_at",
                          MIN (due + pick (account, 300) * CRM_MS_PER_MINUTE, account->now));
    }
}

/* A timeline note on the deal, or (one in three) on its contact. */
static void
add_note (Writer          *writer,
          guint            n,
          const BenchDeal *deal)
{
  BenchAccount *account = writer->account;
  g_autofree char *id = bench_id (account, "note", n);
  CrmChange *change = crm_changeset_create (writer_changeset (writer), "note", id);
  gboolean on_contact = deal->contact != NULL && chance (account, 33);
  g_autofree char *text = NULL;

  if (chance (account, 60))
    text = g_strdup_printf ("Звонок: %s", call_results[pick (account, G_N_ELEMENTS (call_results))]);
  else
    text = g_strdup_printf ("Встреча: %s",
                            meeting_results[pick (account, G_N_ELEMENTS (meeting_results))]);
  crm_change_set_string (change, "entity", on_contact ? "contact" : "deal");
  crm_change_set_string (change, "entity_id", on_contact ? deal->contact : deal->id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "author", deal->responsible);
  crm_change_set_int (change, "created_at",
                      deal->created_at + (account->now - deal->created_at) * pick (account, 100) / 100);
}

gboolean
add_deals (Writer            *writer,
           const BenchSizes  *sizes,
           GError           **error)
{
  BenchAccount *account = writer->account;
  guint n_task = 0, n_note = 0;

  writer->phase = "deals";
  writer->total = sizes->n_deals;
  for (guint i = 0; i < sizes->n_deals; i++)
    {
      BenchDeal deal;
      guint n_tasks = share_of (sizes->n_tasks, sizes->n_deals, i);
      guint n_notes = share_of (sizes->n_notes, sizes->n_deals, i);

      bench_account_make_deal (account, i, FALSE, &deal);
      bench_deal_add_changes (&deal, writer_changeset (writer));
      /* an open deal's last task is its next step; everything before it is done */
      for (guint t = 0; t < n_tasks; t++)
        add_task (writer, n_task++, &deal, !deal.is_open || t + 1 < n_tasks);
      for (guint k = 0; k < n_notes; k++)
        add_note (writer, n_note++, &deal);
      bench_deal_clear (&deal);
      writer->done = i + 1;
      if (!writer_flush (writer, FALSE, error))
        return FALSE;
    }
  return writer_flush (writer, TRUE, error);
}

