/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-sync.c — the header's sync popover in the real app, in Russian: an edit of this
 * laptop that lost to a colleague's (a custom field and the stage, merged from a pulled
 * page as a sync brings it) and a change the server refused (its answer to a push) are
 * listed as a person reads them — the deal's number and title, the field's label, the
 * stage names, money, who kept which value and when, which value was set aside, why the
 * server refused — never a field key or an id; «Mark All as Seen» empties both lists.
 * The popover's screenshot is saved (ui-sync-popover.png). */
#include "crm-test-ui.h"

#include "crm-context.h"
#include "crm-format.h"
#include "crm-hlc.h"
#include "crm-query.h"
#include "crm-sync-indicator.h"
#include "crm-sync-state.h"
#include "crm-time.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

#define OTHER_DEVICE  "0193f0aa-0000-7000-8000-00000000c0de"
#define SERVER_DEVICE "0193f0aa-0000-7000-8000-0000000005e7"

static char *
resolve (CrmStore   *store,
         const char *entity,
         const char *name,
         const char *scope)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, entity, name, scope, &error);

  g_assert_no_error (error);
  return id;
}

/* An open deal of «Продажи» in «Новая заявка», its id and number. */
static char *
pick_deal (CrmStore  *store,
           gint64    *out_number)
{
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", "Новая заявка", pipeline);
  CrmDealFilter filter = { .pipeline_id = pipeline, .stage_id = stage, .limit = 1 };
  g_autoptr(JsonNode) deals = crm_query_deals (store, &filter, NULL, NULL);
  JsonObject *deal;

  g_assert_nonnull (deals);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), ==, 1);
  deal = json_array_get_object_element (json_node_get_array (deals), 0);
  *out_number = json_object_get_int_member (deal, "number");
  return g_strdup (json_object_get_string_member (deal, "id"));
}

static void
apply (CrmStore     *store,
       CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* The newest op of this laptop on @deal_id. */
static CrmOp *
last_op (CrmStore   *store,
         const char *deal_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = crm_store_dup_entity_log (store, deal_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (log->len, >, 0);
  return crm_op_copy (log->pdata[log->len - 1]);
}

static CrmOp *
op_new (CrmStore   *store,
        const char *device,
        const char *deal_id,
        const char *actor)
{
  CrmOp *op = crm_op_new ();

  op->op_id = crm_store_new_id (store);
  op->hlc = crm_hlc_make (crm_time_now_ms () + 60 * 1000, 0);
  op->device = g_strdup (device);
  op->entity = g_strdup ("deal");
  op->entity_id = g_strdup (deal_id);
  op->fields = json_object_new ();
  op->actor = g_strdup (actor);
  return op;
}

/* The row whose first line is @heading, and all its lines joined by newlines. */
static char *
row_text (GtkWidget  *popover,
          const char *heading)
{
  GtkWidget *label = crm_test_ui_find (popover, GTK_TYPE_LABEL, heading);
  GtkWidget *row;
  g_autoptr(GString) text = g_string_new (NULL);
  GQueue queue = G_QUEUE_INIT;

  if (label == NULL)
    g_error ("no row «%s» in the sync popover", heading);
  row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);
  g_assert_nonnull (row);
  g_queue_push_tail (&queue, row);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (GTK_IS_LABEL (widget))
        g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("«%s» is not in:\n%s", needle, text);
}

/* Nothing in the popover is cut: every label has at least the height its text needs at
 * the width it got, and every list shows all its rows (a few fit without scrolling). */
static void
assert_nothing_cut (GtkWidget *root)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (!gtk_widget_get_visible (widget))
        continue;
      if (GTK_IS_LABEL (widget) && gtk_widget_get_width (widget) > 0)
        {
          int minimum = 0;

          gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (widget),
                              &minimum, NULL, NULL, NULL);
          if (gtk_widget_get_height (widget) < minimum)
            g_error ("«%s» is cut: %d px high, needs %d", gtk_label_get_label (GTK_LABEL (widget)),
                     gtk_widget_get_height (widget), minimum);
        }
      if (GTK_IS_SCROLLED_WINDOW (widget))
        {
          GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));

          g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment) -
                             gtk_adjustment_get_page_size (adjustment), <=, 1.0);
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
}

/* "Сделка №12 «Title»", or without a number on a replica that never synced. */
static char *
deal_heading (gint64      number,
              const char *title,
              const char *field)
{
  if (number > 0)
    return g_strdup_printf ("Сделка №%" G_GINT64_FORMAT " «%s» · %s", number, title, field);
  return g_strdup_printf ("Сделка «%s» · %s", title, field);
}

static gboolean
problems_are (gpointer data)
{
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);

  return crm_sync_indicator_get_n_problems (indicator) == GPOINTER_TO_UINT (data);
}

static void
test_popover (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmStore *store = crm_context_get_store (context);
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *qualified = resolve (store, "stage", "Квалифицирован", pipeline);
  g_autofree char *meeting = resolve (store, "stage", "Встреча согласована", pipeline);
  g_autofree char *andrey = resolve (store, "user", "Андрей Соколов", NULL);
  g_autofree char *deal_id = NULL;
  g_autofree char *deal_title = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *text = NULL;
  g_autofree char *kept_money = NULL;
  g_autofree char *yours_money = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GArray) bases = g_array_new (FALSE, TRUE, sizeof (gint64));
  g_autoptr(GPtrArray) pushed = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmOp) corrective = NULL;
  g_autoptr(JsonObject) values = json_object_new ();
  g_autoptr(GError) error = NULL;
  gint64 number = 0, amount;
  guint merged = 0, conflicts = 0, rejected = 0;
  GtkWidget *popover;
  CrmOp *remote;

  if (g_strcmp0 (_("Conflict"), "Конфликт") != 0)
    {
      crm_test_fail_missing ("the Russian translation is not built or not read here");
      return;
    }
  deal_id = pick_deal (store, &number);
  deal = crm_store_dup_entity (store, "deal", deal_id);
  deal_title = g_strdup (json_object_get_string_member (deal, "title"));
  amount = json_object_get_int_member (deal, "amount");

  /* this laptop, offline: the payment type and the stage… */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    CrmChange *change = crm_changeset_touch (changeset, "deal", deal_id);

    crm_change_set_string (change, "payment_type", "Кредит");
    crm_change_set_string (change, "stage", qualified);
    apply (store, changeset);
  }
  /* …while Андрей Соколов, not having seen it, chose others: the sync brings his edit */
  remote = op_new (store, OTHER_DEVICE, deal_id, andrey);
  json_object_set_string_member (remote->fields, "payment_type", "Лизинг");
  json_object_set_string_member (remote->fields, "stage", meeting);
  remote->seq = crm_sync_state_get_cursor (store) + 1;
  g_ptr_array_add (page, remote);
  g_array_append_val (bases, (gint64) { 0 });
  g_assert_true (crm_sync_state_merge_pulled (store, page, bases, remote->seq, 0, &merged,
                                              &conflicts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts, ==, 2);

  /* this laptop's new amount, which the server refuses and keeps its own */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_int (crm_changeset_touch (changeset, "deal", deal_id), "amount",
                        amount + 100000000);
    apply (store, changeset);
  }
  g_ptr_array_add (pushed, last_op (store, deal_id));
  corrective = op_new (store, SERVER_DEVICE, deal_id, NULL);
  json_object_set_int_member (corrective->fields, "amount", amount);
  json_object_set_int_member (values, "amount", amount);
  {
    CrmPushOutcome outcome = {
      .op_id = ((CrmOp *) pushed->pdata[0])->op_id,
      .accepted = FALSE,
      .code = "permission-denied",
      .values = values,
      .corrective = corrective,
    };

    g_assert_true (crm_sync_state_take_push_answer (store, pushed, &outcome, 1, 0, &rejected,
                                                    &error));
    g_assert_no_error (error);
    g_assert_cmpuint (rejected, ==, 1);
  }

  /* the header counts them, the popover lists them */
  crm_sync_indicator_refresh (indicator);
  g_assert_true (crm_test_ui_wait_until (problems_are, GUINT_TO_POINTER (3), 5000));
  popover = crm_sync_indicator_get_popover (indicator);
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (popover, "sync-popover"));

  assert_nothing_cut (popover);

  heading = deal_heading (number, deal_title, "Тип оплаты");
  text = row_text (popover, heading);
  assert_has (text, "Сохранено: Лизинг — Андрей Соколов, ");
  assert_has (text, "Ваше, отложено: Кредит — ");
  g_free (heading);
  g_free (text);
  heading = deal_heading (number, deal_title, "Этап");
  text = row_text (popover, heading);
  assert_has (text, "Сохранено: Встреча согласована — Андрей Соколов, ");
  assert_has (text, "Ваше, отложено: Квалифицирован — ");
  g_free (heading);
  g_free (text);
  heading = deal_heading (number, deal_title, "Сумма");
  text = row_text (popover, heading);
  kept_money = crm_format_money (amount, "RUB");
  yours_money = crm_format_money (amount + 100000000, "RUB");
  {
    g_autofree char *kept = g_strdup_printf ("Сохранено: %s — значение сервера", kept_money);
    g_autofree char *yours = g_strdup_printf ("Ваше, отклонено: %s — ", yours_money);

    assert_has (text, kept);
    assert_has (text, yours);
  }
  assert_has (text, "другому менеджеру");
  /* no key, no id */
  g_assert_null (crm_test_ui_find (popover, GTK_TYPE_LABEL, "payment_type"));
  g_assert_null (crm_test_ui_find (popover, GTK_TYPE_LABEL, qualified));

  gtk_widget_activate (crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Отметить все как просмотренные"));
  g_assert_true (crm_test_ui_wait_until (problems_are, GUINT_TO_POINTER (0), 5000));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

/* A label under @root whose text holds @needle, or NULL. */
static GtkWidget *
label_containing (GtkWidget  *root,
                  const char *needle)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_label (GTK_LABEL (root)), needle) != NULL)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = label_containing (child, needle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The sync state says a week long why changes went up again: a server restored from a
 * backup, or one that had lost changes it had acknowledged without a restore. */
static void
test_restored_notice (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmStore *store = crm_context_get_store (context);
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);
  GtkWidget *popover = crm_sync_indicator_get_popover (indicator);
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (_("Conflict"), "Конфликт") != 0)
    {
      crm_test_fail_missing ("the Russian translation is not built or not read here");
      return;
    }
  g_assert_true (crm_sync_state_set_restored (store, 3, FALSE, &error));
  g_assert_no_error (error);
  crm_sync_indicator_refresh (indicator);
  g_assert_nonnull (label_containing (popover,
                                     "Сервер восстановили из резервной копии; 3 потерянных им изменения"));

  g_assert_true (crm_sync_state_set_restored (store, 1, TRUE, &error));
  g_assert_no_error (error);
  crm_sync_indicator_refresh (indicator);
  g_assert_nonnull (label_containing (popover,
                                     "Сервер потерял изменения, которые уже подтвердил"));
  g_assert_null (label_containing (popover, "резервной копии"));
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (popover, "sync-popover-lost-ops"));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *po_dir = NULL;
  int status;

  crm_test_ui_init (&argc, &argv);
  /* in Russian, as a rep reads it: the build's catalog */
  po_dir = crm_test_built_translations ();
  if (po_dir != NULL)
    {
      g_setenv ("LANGUAGE", "ru", TRUE);
      bindtextdomain (GETTEXT_PACKAGE, po_dir);
    }
  tmpdir = crm_test_make_tmpdir ();
  db_path = crm_test_ui_make_demo (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/sync/popover", test_popover);
  g_test_add_func ("/ui/sync/restored-notice", test_restored_notice);
  status = g_test_run ();

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (db_path);
  g_free (tmpdir);
  return status;
}
