/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-demo-generate.c — the demo's generator (crm-demo.c reads the template and calls
 * it): transport companies and their people, used trucks and trailers as deals moving
 * through the pipelines, their tasks (open, done and overdue), and the small random
 * helpers they share; every draw comes from the demo's one seeded GRand. */
#define G_LOG_DOMAIN "voronka-demo"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-demo-private.h"
#include "crm-demo-data.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* ────────────────────────────────── small helpers ─────────────────────────────── */

static char *
demo_id (CrmDemoRun *demo,
         const char *kind,
         guint       n)
{
  g_autofree char *name = g_strdup_printf ("demo/%u/%s/%u", demo->seed, kind, n);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

static guint
pick (CrmDemoRun *demo,
      guint       n)
{
  return (guint) g_rand_int_range (demo->rand, 0, (gint32) n);
}

static gboolean
chance (CrmDemoRun *demo,
        guint       percent)
{
  return pick (demo, 100) < percent;
}

static const char *
pick_weighted (CrmDemoRun     *demo,
               const Weighted *choices,
               guint           n_choices)
{
  guint total = 0, roll;

  for (guint i = 0; i < n_choices; i++)
    total += choices[i].weight;
  roll = pick (demo, total);
  for (guint i = 0; i < n_choices; i++)
    {
      if (roll < choices[i].weight)
        return choices[i].value;
      roll -= choices[i].weight;
    }
  return choices[n_choices - 1].value;
}

static const char *
pick_string (CrmDemoRun *demo,
             GPtrArray  *strings)
{
  return g_ptr_array_index (strings, pick (demo, strings->len));
}

/* Some working hour (09:00–17:00 Moscow time, UTC+3) of the day of @moment. */
static gint64
at_working_hour (CrmDemoRun *demo,
                 gint64      moment)
{
  return moment / CRM_MS_PER_DAY * CRM_MS_PER_DAY +
         (6 + pick (demo, 9)) * 60 * CRM_MS_PER_MINUTE;
}

/* A working hour @min_days..@max_days before now. */
static gint64
days_ago (CrmDemoRun *demo,
          guint       min_days,
          guint       max_days)
{
  gint64 days = min_days + pick (demo, max_days - min_days + 1);

  return at_working_hour (demo, demo->now - days * CRM_MS_PER_DAY);
}

static gint64
days_ahead (CrmDemoRun *demo,
            guint       min_days,
            guint       max_days)
{
  gint64 days = min_days + pick (demo, max_days - min_days + 1);

  return at_working_hour (demo, demo->now + days * CRM_MS_PER_DAY);
}

/* INN with valid check digits: 10 digits for organisations, 12 for individuals. */
static char *
make_inn (CrmDemoRun *demo,
          gboolean    individual)
{
  static const int w10[] = { 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  static const int w11[] = { 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  static const int w12[] = { 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  const char *region = inn_regions[pick (demo, G_N_ELEMENTS (inn_regions))];
  int digits[12];
  guint body = individual ? 10 : 9;
  GString *inn = g_string_new (NULL);
  int sum = 0;

  digits[0] = region[0] - '0';
  digits[1] = region[1] - '0';
  for (guint i = 2; i < body; i++)
    digits[i] = (int) pick (demo, 10);
  if (!individual)
    {
      for (guint i = 0; i < 9; i++)
        sum += digits[i] * w10[i];
      digits[9] = sum % 11 % 10;
    }
  else
    {
      for (guint i = 0; i < 10; i++)
        sum += digits[i] * w11[i];
      digits[10] = sum % 11 % 10;
      sum = 0;
      for (guint i = 0; i < 11; i++)
        sum += digits[i] * w12[i];
      digits[11] = sum % 11 % 10;
    }
  for (guint i = 0; i < (individual ? 12u : 10u); i++)
    g_string_append_c (inn, (char) ('0' + digits[i]));
  return g_string_free (inn, FALSE);
}

/* «Иванов Иван Петрович» or «Иванова Елена Петровна»; @latin gets "ivan.ivanov". */
static char *
make_person (CrmDemoRun  *demo,
             gboolean     force_ivanov,
             char       **latin)
{
  const Name *surname = force_ivanov ? &surnames[0]
                                     : &surnames[pick (demo, G_N_ELEMENTS (surnames))];
  const Patronymic *patronymic = &patronymics[pick (demo, G_N_ELEMENTS (patronymics))];
  gboolean female = chance (demo, 25);
  const Name *first = female ? &female_names[pick (demo, G_N_ELEMENTS (female_names))]
                             : &male_names[pick (demo, G_N_ELEMENTS (male_names))];

  if (latin != NULL)
    *latin = g_strdup_printf ("%s.%s%s", first->lat, surname->lat, female ? "a" : "");
  return g_strdup_printf ("%s%s %s %s", surname->ru, female ? "а" : "", first->ru,
                          female ? patronymic->female : patronymic->male);
}

static char *
make_phone (CrmDemoRun *demo)
{
  return g_strdup_printf ("+79%02u%07u", pick (demo, 100), pick (demo, 10000000));
}

static JsonNode *
string_array_node (const char *first,
                   const char *second)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  if (first != NULL)
    json_array_add_string_element (array, first);
  if (second != NULL)
    json_array_add_string_element (array, second);
  json_node_take_array (node, array);
  return node;
}

static gboolean
apply_batch (CrmDemoRun    *demo,
             CrmChangeset **changeset,
             GError       **error)
{
  g_autoptr(CrmChangeset) batch = g_steal_pointer (changeset);

  if (batch == NULL || crm_changeset_get_n_changes (batch) == 0)
    return TRUE;
  if (!crm_store_apply (demo->store, batch, error))
    return FALSE;
  if (demo->progress != NULL && demo->phase != NULL)
    demo->progress (demo->phase, demo->done, demo->total, demo->progress_data);
  return TRUE;
}

static CrmChangeset *
new_batch (CrmDemoRun *demo)
{
  CrmChangeset *changeset = crm_changeset_new ();

  crm_changeset_set_actor (changeset, demo->admin);
  return changeset;
}

/* ───────────────────────────────── companies, people ───────────────────────────── */

gboolean
_crm_demo_add_companies (CrmDemoRun  *demo,
                         guint        n_companies,
                         GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  guint n_names = G_N_ELEMENTS (company_stems) * G_N_ELEMENTS (company_tails);
  g_autofree guint *order = g_new (guint, n_names);

  demo->phase = "companies";
  demo->total = n_companies;
  /* A shuffled list of stem × tail names, so companies do not repeat. */
  for (guint i = 0; i < n_names; i++)
    order[i] = i;
  for (guint i = n_names - 1; i > 0; i--)
    {
      guint j = pick (demo, i + 1), t = order[i];

      order[i] = order[j];
      order[j] = t;
    }

  for (guint i = 0; i < n_companies; i++)
    {
      g_autofree char *id = demo_id (demo, "company", i);
      g_autofree char *name = NULL;
      g_autofree char *inn = NULL;
      gboolean individual = chance (demo, 20);
      CrmChange *change;

      if (individual)
        {
          g_autofree char *person = make_person (demo, FALSE, NULL);

          name = g_strdup_printf ("ИП %s", person);
        }
      else
        {
          guint k = order[i % n_names];
          const char *form = chance (demo, 12) ? "АО" : "ООО";

          if (i < n_names)
            name = g_strdup_printf ("%s «%s%s»", form,
                                    company_stems[k / G_N_ELEMENTS (company_tails)],
                                    company_tails[k % G_N_ELEMENTS (company_tails)]);
          else
            name = g_strdup_printf ("%s «%s%s-%u»", form,
                                    company_stems[k / G_N_ELEMENTS (company_tails)],
                                    company_tails[k % G_N_ELEMENTS (company_tails)],
                                    i / n_names + 1);
        }
      inn = make_inn (demo, individual);

      if (changeset == NULL)
        changeset = new_batch (demo);
      change = crm_changeset_create (changeset, "company", id);
      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "inn", inn);
      crm_change_set_string (change, "responsible", pick_string (demo, demo->sales_users));
      crm_change_set_int (change, "created_at", days_ago (demo, 120, 720));
      g_ptr_array_add (demo->companies, g_steal_pointer (&id));
      demo->done = i + 1;

      if (crm_changeset_get_n_changes (changeset) >= demo->batch &&
          !apply_batch (demo, &changeset, error))
        return FALSE;
    }
  return apply_batch (demo, &changeset, error);
}

gboolean
_crm_demo_add_contacts (CrmDemoRun  *demo,
                        guint        n_contacts,
                        GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;

  demo->phase = "contacts";
  demo->total = n_contacts;
  for (guint i = 0; i < n_contacts; i++)
    {
      CrmDemoContact *contact = g_new0 (CrmDemoContact, 1);
      g_autofree char *latin = NULL;
      g_autofree char *name = make_person (demo, i % 20 == 0, &latin);
      g_autofree char *phone = make_phone (demo);
      g_autofree char *second_phone = chance (demo, 12) ? make_phone (demo) : NULL;
      g_autofree char *email = NULL;
      CrmChange *change;

      if (chance (demo, 55))
        email = g_strdup_printf ("%s%s@%s", latin,
                                 chance (demo, 30) ? "77" : "",
                                 mail_domains[pick (demo, G_N_ELEMENTS (mail_domains))]);
      contact->id = demo_id (demo, "contact", i);
      if (demo->companies->len > 0 && chance (demo, 75))
        contact->company = g_strdup (pick_string (demo, demo->companies));
      g_ptr_array_add (demo->contacts, contact);

      if (changeset == NULL)
        changeset = new_batch (demo);
      change = crm_changeset_create (changeset, "contact", contact->id);
      crm_change_set_string (change, "name", name);
      crm_change_set_node (change, "phones", string_array_node (phone, second_phone));
      crm_change_set_node (change, "emails", string_array_node (email, NULL));
      if (contact->company != NULL)
        crm_change_set_string (change, "company", contact->company);
      crm_change_set_string (change, "responsible", pick_string (demo, demo->sales_users));
      crm_change_set_int (change, "created_at", days_ago (demo, 30, 540));
      demo->done = i + 1;

      if (crm_changeset_get_n_changes (changeset) >= demo->batch &&
          !apply_batch (demo, &changeset, error))
        return FALSE;
    }
  return apply_batch (demo, &changeset, error);
}

/* ───────────────────────────────────── deals ───────────────────────────────────── */

static CrmDemoPipeline *
pick_pipeline (CrmDemoRun *demo)
{
  guint total = 0, roll;

  for (guint i = 0; i < demo->pipelines->len; i++)
    total += ((CrmDemoPipeline *) g_ptr_array_index (demo->pipelines, i))->weight;
  roll = pick (demo, total);
  for (guint i = 0; i < demo->pipelines->len; i++)
    {
      CrmDemoPipeline *pipeline = g_ptr_array_index (demo->pipelines, i);

      if (roll < pipeline->weight)
        return pipeline;
      roll -= pipeline->weight;
    }
  return g_ptr_array_index (demo->pipelines, 0);
}

/* A "model|body" entry for @brand; NULL when the brand has no models listed. */
static const char *
pick_model (GRand         *rand,
            const Models  *models,
            guint          n_models,
            const char    *brand)
{
  for (guint i = 0; i < n_models; i++)
    if (g_strcmp0 (models[i].brand, brand) == 0)
      {
        guint n = 0;

        while (n < G_N_ELEMENTS (models[i].models) && models[i].models[n] != NULL)
          n++;
        return models[i].models[g_rand_int_range (rand, 0, (gint32) n)];
      }
  return NULL;
}

/* «Volvo FH 460 2018, тягач» from a "model|body" entry. */
static char *
vehicle_title (const char *brand,
               const char *entry,
               const char *fallback_body,
               guint       year)
{
  g_auto(GStrv) parts = g_strsplit (entry != NULL ? entry : "", "|", 2);

  if (parts[0] == NULL || parts[1] == NULL)
    return g_strdup_printf ("%s %u, %s", brand, year, fallback_body);
  return g_strdup_printf ("%s %s %u, %s", brand, parts[0], year, parts[1]);
}

char *
crm_demo_make_vehicle (GRand             *rand,
                       GPtrArray         *brands,
                       GPtrArray         *trailers,
                       gint64            *out_amount,
                       const CrmDemoTag **out_brand,
                       const CrmDemoTag **out_trailer)
{
  guint year = 2011 + g_rand_int_range (rand, 0, 12);
  gint64 rubles;

  g_return_val_if_fail (brands != NULL && brands->len > 0, NULL);
  g_return_val_if_fail (trailers != NULL && trailers->len > 0, NULL);

  *out_brand = NULL;
  *out_trailer = NULL;
  if (g_rand_int_range (rand, 0, 100) < 72)
    {
      const CrmDemoTag *brand = g_ptr_array_index (brands,
                                                   g_rand_int_range (rand, 0, brands->len));
      const char *model = pick_model (rand, truck_models, G_N_ELEMENTS (truck_models),
                                      brand->name);
      g_autofree char *title = vehicle_title (brand->name, model, "тягач", year);

      *out_brand = brand;
      rubles = (g_str_equal (brand->name, "КАМАЗ") ? 2200000 : 2800000) +
               (gint64) (year - 2011) * 550000 + g_rand_int_range (rand, 0, 120) * 10000;
      if (g_rand_int_range (rand, 0, 100) < 20)
        {
          const CrmDemoTag *trailer = g_ptr_array_index (trailers,
                                                         g_rand_int_range (rand, 0,
                                                                           trailers->len));

          *out_trailer = trailer;
          *out_amount = (rubles + 1500000 + g_rand_int_range (rand, 0, 80) * 10000) * 100;
          return g_strdup_printf ("%s + полуприцеп %s", title, trailer->name);
        }
      *out_amount = rubles * 100;
      return g_steal_pointer (&title);
    }
  else
    {
      const CrmDemoTag *trailer = g_ptr_array_index (trailers,
                                                     g_rand_int_range (rand, 0, trailers->len));
      const char *model = pick_model (rand, trailer_models, G_N_ELEMENTS (trailer_models),
                                      trailer->name);

      *out_trailer = trailer;
      rubles = 700000 + (gint64) (year - 2011) * 180000 + g_rand_int_range (rand, 0, 60) * 10000;
      *out_amount = rubles * 100;
      return vehicle_title (trailer->name, model, "полуприцеп", year);
    }
}

/* Title, tags and price of one vehicle, or of a truck sold with a trailer. */
static char *
make_vehicle (CrmDemoRun *demo,
              GPtrArray  *tag_ids,
              gint64     *amount)
{
  const CrmDemoTag *brand, *trailer;
  char *title = crm_demo_make_vehicle (demo->rand, demo->brands, demo->trailers, amount,
                                       &brand, &trailer);

  if (brand != NULL)
    g_ptr_array_add (tag_ids, brand->id);
  if (trailer != NULL)
    g_ptr_array_add (tag_ids, trailer->id);
  return title;
}

static void
add_task (CrmDemoRun   *demo,
          CrmChangeset *changeset,
          guint         n,
          const char   *deal_id,
          const char   *contact_id,
          const char   *responsible,
          gboolean      done,
          gint64        deal_created)
{
  g_autofree char *id = demo_id (demo, "task", n);
  CrmChange *change = crm_changeset_create (changeset, "task", id);
  guint type = pick (demo, 10);
  const char *text;
  gint64 due;

  if (type < 6)
    text = open_call_texts[pick (demo, G_N_ELEMENTS (open_call_texts))];
  else if (type < 8)
    text = open_meeting_texts[pick (demo, G_N_ELEMENTS (open_meeting_texts))];
  else
    text = open_task_texts[pick (demo, G_N_ELEMENTS (open_task_texts))];

  /* A quarter of the open tasks are overdue: that is what the dashboards are for. */
  if (done)
    due = at_working_hour (demo, deal_created + (demo->now - deal_created) *
                                 pick (demo, 100) / 100);
  else if (chance (demo, 25))
    due = days_ago (demo, 1, 14);
  else
    due = days_ahead (demo, 1, 14);

  crm_change_set_string (change, "deal", deal_id);
  if (contact_id != NULL)
    crm_change_set_string (change, "contact", contact_id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", type < 6 ? "call" : type < 8 ? "meeting" : "task");
  crm_change_set_int (change, "due", due);
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_bool (change, "done", done);
  crm_change_set_int (change, "created_at", deal_created);
  if (done)
    {
      crm_change_set_string (change, "result",
                             type < 6 ? call_results[pick (demo, G_N_ELEMENTS (call_results))]
                             : type < 8
                             ? meeting_results[pick (demo, G_N_ELEMENTS (meeting_results))]
                             : "Сделано");
      crm_change_set_int (change, "done_at", MIN (due + pick (demo, 300) * CRM_MS_PER_MINUTE,
                                                  demo->now));
    }
}

static void
add_deal (CrmDemoRun   *demo,
          CrmChangeset *changeset,
          guint         n,
          guint        *n_tasks)
{
  CrmDemoPipeline *pipeline = pick_pipeline (demo);
  gboolean purchase = g_str_equal (pipeline->name, "Отдел закупок");
  guint roll = pick (demo, 100);
  CrmDemoStage *stage = roll < 62 ? g_ptr_array_index (pipeline->working,
                                                    pick (demo, pipeline->working->len))
                   : roll < 82 ? pipeline->won : pipeline->lost;
  gboolean is_open = stage != pipeline->won && stage != pipeline->lost;
  CrmDemoContact *contact = g_ptr_array_index (demo->contacts, pick (demo, demo->contacts->len));
  const char *responsible = pick_string (demo, purchase ? demo->purchase_users
                                                        : demo->sales_users);
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new ();
  g_autofree char *id = demo_id (demo, "deal", n);
  g_autofree char *vehicle = NULL;
  g_autofree char *title = NULL;
  gint64 amount = 0, created = days_ago (demo, 1, 180);
  CrmChange *change;

  vehicle = make_vehicle (demo, tag_ids, &amount);
  title = purchase ? g_strdup_printf ("Выкуп: %s", vehicle) : g_strdup (vehicle);

  change = crm_changeset_create (changeset, "deal", id);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline->id);
  crm_change_set_string (change, "stage", stage->id);
  crm_change_set_int (change, "amount", amount);
  crm_change_set_string (change, "currency", demo->currency);
  crm_change_set_string (change, "responsible", responsible);
  if (contact->company != NULL)
    crm_change_set_string (change, "company", contact->company);
  crm_change_set_int (change, "created_at", created);
  crm_change_set_int (change, "stage_entered_at",
                      created + (demo->now - created) * pick (demo, 100) / 100);
  crm_change_set_string (change, "source",
                         purchase ? pick_weighted (demo, purchase_sources,
                                                   G_N_ELEMENTS (purchase_sources))
                                  : pick_weighted (demo, sale_sources,
                                                   G_N_ELEMENTS (sale_sources)));
  if (g_str_equal (pipeline->name, "Лизинг"))
    crm_change_set_string (change, "payment_type", "Лизинг");
  else if (!purchase)
    crm_change_set_string (change, "payment_type",
                           pick_weighted (demo, sale_payments, G_N_ELEMENTS (sale_payments)));
  if (!purchase)
    crm_change_set_bool (change, "waiting_for_stock", is_open && chance (demo, 20));
  if (stage == pipeline->lost)
    crm_change_set_string (change, "loss_reason", pick_string (demo, pipeline->reasons));

  for (guint i = 0; i < tag_ids->len; i++)
    {
      g_autofree char *link = crm_uuid_link ("deal_tag", id, g_ptr_array_index (tag_ids, i));
      CrmChange *tag = crm_changeset_create (changeset, "deal_tag", link);

      crm_change_set_string (tag, "deal", id);
      crm_change_set_string (tag, "tag", g_ptr_array_index (tag_ids, i));
      crm_change_set_bool (tag, "present", TRUE);
    }
  {
    g_autofree char *link = crm_uuid_link ("deal_contact", id, contact->id);
    CrmChange *link_change = crm_changeset_create (changeset, "deal_contact", link);

    crm_change_set_string (link_change, "deal", id);
    crm_change_set_string (link_change, "contact", contact->id);
    crm_change_set_bool (link_change, "present", TRUE);
  }

  /* Every open deal has its next step; closed ones keep the last one, done. */
  if (is_open && chance (demo, 50))
    add_task (demo, changeset, (*n_tasks)++, id, contact->id, responsible, TRUE, created);
  add_task (demo, changeset, (*n_tasks)++, id, contact->id, responsible, !is_open, created);
}

gboolean
_crm_demo_add_deals (CrmDemoRun  *demo,
                     guint        n_deals,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  guint n_tasks = 0;

  demo->phase = "deals";
  demo->total = n_deals;
  for (guint i = 0; i < n_deals; i++)
    {
      if (changeset == NULL)
        changeset = new_batch (demo);
      add_deal (demo, changeset, i, &n_tasks);
      demo->done = i + 1;
      if ((i + 1) % DEALS_PER_CHANGESET == 0 && !apply_batch (demo, &changeset, error))
        return FALSE;
    }
  return apply_batch (demo, &changeset, error);
}

/* The template's rules move some closed deals on (a won Лизинг deal to Продажи «Оплата
 * получена», S0-4); those arrive in an open stage with only done tasks. Give each open
 * deal left without a next step one, as a manager would the next morning. */
gboolean
_crm_demo_add_missing_next_tasks (CrmDemoRun  *demo,
                                  GError     **error)
{
  g_autoptr(CrmChangeset) changeset = new_batch (demo);
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) owners = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (demo->store,
    "SELECT d.id, d.responsible FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind IN ('unsorted', 'open') AND NOT EXISTS"
    " (SELECT 1 FROM task t WHERE t.deal = d.id AND t.done = 0 AND t.deleted = 0)"
    " ORDER BY d.id", error);

  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (deals, _crm_sql_dup_column_text (stmt, 0));
      g_ptr_array_add (owners, _crm_sql_dup_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < deals->len; i++)
    {
      g_autofree char *id = demo_id (demo, "next-task", i);
      CrmChange *change = crm_changeset_create (changeset, "task", id);

      crm_change_set_string (change, "deal", deals->pdata[i]);
      crm_change_set_string (change, "text", "Связаться с клиентом");
      crm_change_set_string (change, "type", "call");
      crm_change_set_int (change, "due", days_ahead (demo, 1, 5));
      crm_change_set_string (change, "responsible", owners->pdata[i]);
      crm_change_set_bool (change, "done", FALSE);
      crm_change_set_int (change, "created_at", demo->now);
    }
  return apply_batch (demo, &changeset, error);
}
