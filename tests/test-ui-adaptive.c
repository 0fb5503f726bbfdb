/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-adaptive.c — the real app at the sizes and in the styles people use: at
 * 800×600 the header still says how many deals the board holds and what they are worth
 * (the sync button goes icon-only to make room); at 1920×1080 the board's «Compact»
 * shows at least eight of the twelve sales stages whole, and the deal page's stage
 * dropdown shows the longest stage name uncut; in dark mode the tag labels on cards
 * keep WCAG AA contrast (4.5:1), measured on the rendered pixels. */
#include "crm-test-ui.h"

#include <math.h>

#include "crm-board.h"
#include "crm-deal-card.h"
#include "crm-deal-page.h"
#include "crm-query.h"
#include "crm-sync-indicator.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static void
resize (int width,
        int height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  crm_test_ui_wait (600);
}

/* Every GtkLabel under @root showing @text is drawn whole (not ellipsized). Returns how many such labels there are. */
static guint
count_whole_labels (GtkWidget  *root,
                    const char *text,
                    gboolean   *all_whole)
{
  guint n = 0;

  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0 &&
      gtk_widget_get_mapped (root))
    {
      if (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (root))))
        {
          g_test_message ("«%s» is cut, drawn %d px wide", text, gtk_widget_get_width (root));
          *all_whole = FALSE;
        }
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_whole_labels (child, text, all_whole);
  return n;
}

static void
assert_header_says_board (const char *shot)
{
  g_autofree char *subtitle = NULL;
  gboolean whole = TRUE;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "board"));
  crm_test_ui_wait (300);
  /* the board's subtitle (count · sum) is what the header's title shows under its name */
  g_object_get (crm_window_get_page (window, "board"), "subtitle", &subtitle, NULL);
  g_assert_nonnull (subtitle);
  g_assert_cmpstr (subtitle, !=, "");
  g_assert_cmpuint (count_whole_labels (GTK_WIDGET (window), subtitle, &whole), >=, 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), shot));
  g_assert_true (whole);
}

static void
test_header_800x600 (void)
{
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);

  resize (1280, 800);
  assert_header_says_board ("header-1280x800");
  g_assert_false (crm_sync_indicator_get_compact (indicator));

  resize (800, 600);
  assert_header_says_board ("header-800x600");
  g_assert_true (crm_sync_indicator_get_compact (indicator));
  /* icon-only still says what it is, to the pointer and to a screen reader */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (crm_test_ui_find (GTK_WIDGET (indicator),
                                                                   GTK_TYPE_MENU_BUTTON, NULL)),
                   ==, crm_sync_indicator_get_label (indicator));

  resize (1280, 800);
  g_assert_false (crm_sync_indicator_get_compact (indicator));
}

/* ---- a wide screen: compact columns, the stage dropdown ---- */

/* How many of the board's columns are drawn whole inside its scrolled area. */
static guint
whole_columns (CrmBoard *board)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (crm_board_get_column (board, 0)),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  int visible = gtk_widget_get_width (scroller);
  guint n = 0;

  for (guint i = 0; i < crm_board_get_n_columns (board); i++)
    {
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (crm_board_get_column (board, i)),
                                                scroller, &bounds));
      if (bounds.origin.x >= 0 && bounds.origin.x + bounds.size.width <= visible + 0.5)
        n++;
    }
  return n;
}

static void
test_compact_board (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *view = g_strconcat ("pipeline:",
                                       crm_context_find_pipeline_by_name (context, "Продажи"), NULL);
  CrmBoard *board;
  guint usual, compact;

  resize (1920, 1080);
  crm_window_show_view (window, view);
  crm_test_ui_wait (400);
  board = CRM_BOARD (crm_window_get_page (window, "board"));
  g_assert_cmpuint (crm_board_get_n_columns (board), ==, 12);
  crm_board_set_compact (board, FALSE);
  crm_test_ui_wait (300);
  usual = whole_columns (board);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-1920-usual"));

  crm_board_set_compact (board, TRUE);
  crm_test_ui_wait (400);
  compact = whole_columns (board);
  g_test_message ("%d px wide: %u stages whole, %u compact",
                  gtk_widget_get_width (GTK_WIDGET (window)), usual, compact);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-1920-compact"));
  /* the window is as wide as the display allows (1920 under a 1920×1080 Xvfb): there,
   * eight stages at least; on a narrower display, as many as 196 px columns 6 px apart
   * fit (the usual ones are 272 px, 12 px apart) */
  if (gtk_widget_get_width (GTK_WIDGET (window)) >= 1900)
    g_assert_cmpuint (compact, >=, 8);
  else
    g_assert_cmpuint (compact, >=, (guint) (gtk_widget_get_width (GTK_WIDGET (board)) - 12) / 202);
  g_assert_cmpuint (compact, >, usual);
  g_assert_true (crm_board_get_compact (board));
  /* it stays so: the setting is kept */
  g_assert_true (g_settings_get_boolean (crm_application_get_settings (app), "board-compact"));

  crm_board_set_compact (board, FALSE);
  crm_test_ui_wait (200);
  g_assert_false (g_settings_get_boolean (crm_application_get_settings (app), "board-compact"));
  resize (1280, 800);
}

/* A deal in the longest-named stage: the page's stage dropdown shows the name whole. */
static void
test_stage_dropdown (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmStore *store = crm_context_get_store (context);
  const char *pipeline = crm_context_find_pipeline_by_name (context, "База купивших клиентов");
  const char *longest = "Закрыто и не реализовано";
  g_autoptr(GError) error = NULL;
  g_autofree char *stage = crm_query_resolve (store, "stage", longest, pipeline, &error);
  g_autoptr(JsonNode) deals = NULL;
  CrmDealFilter filter = { .pipeline_id = pipeline, .limit = 1 };
  const char *deal_id;
  GtkWidget *page;
  gboolean whole = TRUE;

  g_assert_no_error (error);
  filter.stage_id = stage;
  deals = crm_query_deals (store, &filter, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), ==, 1);
  deal_id = json_object_get_string_member (json_array_get_object_element (json_node_get_array (deals), 0), "id");

  resize (1280, 800);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  crm_test_ui_wait (400);
  page = crm_window_get_page (window, "deal");
  g_assert_cmpuint (count_whole_labels (page, longest, &whole), >=, 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-stage-dropdown"));
  g_assert_true (whole);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL);
  crm_test_ui_wait (200);
}

/* ---- contrast, on pixels ---- */

static double
channel (guint8 v)
{
  double c = v / 255.0;

  return c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
luminance (const guint8 *px)
{
  /* Cairo/GDK memory format B8G8R8A8 premultiplied on little endian: alpha is 255 here */
  return 0.2126 * channel (px[2]) + 0.7152 * channel (px[1]) + 0.0722 * channel (px[0]);
}

/* The contrast of the text of @label as the window draws it (cards and tags are
 * translucent in dark mode): its background is the most common pixel, its text the pixel
 * farthest from it in luminance (antialiased glyphs make this a little lower than the
 * colours' own contrast); -1 when the crop is not opaque (not measured). */
static double
rendered_contrast (GtkWidget *label)
{
  GtkWidget *top = GTK_WIDGET (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autofree guint8 *pixels = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  graphene_rect_t bounds;
  guint32 background = 0;
  guint best = 0;
  double bg_lum, far;
  int width, height;

  paintable = gtk_widget_paintable_new (top);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (top),
                          gtk_widget_get_height (top));
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  g_assert_true (gtk_widget_compute_bounds (label, top, &bounds));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (top)),
                                         node, &bounds);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);

  for (int i = 0; i < width * height; i++)
    {
      guint32 px = ((guint32 *) pixels)[i];
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (px))) + 1;

      if (pixels[i * 4 + 3] != 255)
        return -1;
      g_hash_table_insert (counts, GUINT_TO_POINTER (px), GUINT_TO_POINTER (n));
      if (n > best)
        {
          best = n;
          background = px;
        }
    }
  bg_lum = far = luminance ((guint8 *) &background);
  for (int i = 0; i < width * height; i++)
    {
      double lum = luminance (pixels + i * 4);

      if (fabs (lum - bg_lum) > fabs (far - bg_lum))
        far = lum;
    }
  return (MAX (bg_lum, far) + 0.05) / (MIN (bg_lum, far) + 0.05);
}

/* Whether all of @widget is inside what its scrolled window shows (a list keeps a few
 * rows mapped below the fold). */
static gboolean
fully_shown (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (scroller == NULL)
    return TRUE;
  if (!gtk_widget_compute_bounds (widget, scroller, &bounds))
    return FALSE;
  return bounds.origin.x >= 0 && bounds.origin.y >= 0 &&
         bounds.origin.x + bounds.size.width <= gtk_widget_get_width (scroller) &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller);
}

static void
find_tag_labels (GtkWidget *root,
                 GPtrArray *out)
{
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, "tag-label") &&
      gtk_widget_get_mapped (root) && fully_shown (root))
    g_ptr_array_add (out, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_tag_labels (child, out);
}

static void
check_tag_contrast (const char *shot)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean trailer = FALSE, brand = FALSE;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "board"));
  crm_test_ui_wait (500);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), shot));
  find_tag_labels (GTK_WIDGET (window), labels);
  g_assert_cmpuint (labels->len, >, 0);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = labels->pdata[i];
      double contrast = rendered_contrast (label);

      if (contrast < 0)
        continue;
      if (gtk_widget_has_css_class (label, "tag-trailer"))
        trailer = TRUE;
      else
        brand = TRUE;
      g_test_message ("%s: tag «%s» %.2f:1", shot, gtk_label_get_label (GTK_LABEL (label)), contrast);
      if (contrast < 4.5)
        g_test_fail_printf ("tag «%s» (%s) has contrast %.2f:1 in %s, below 4.5:1",
                            gtk_label_get_label (GTK_LABEL (label)),
                            gtk_widget_has_css_class (label, "tag-trailer") ? "trailer" : "brand",
                            contrast, shot);
    }
  g_assert_true (trailer);
  g_assert_true (brand);
}

static void
test_tag_contrast (void)
{
  AdwStyleManager *styles = adw_style_manager_get_default ();

  resize (1280, 800);
  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_FORCE_LIGHT);
  crm_test_ui_wait (300);
  check_tag_contrast ("tags-light");
  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_FORCE_DARK);
  crm_test_ui_wait (300);
  g_assert_true (adw_style_manager_get_dark (styles));
  check_tag_contrast ("tags-dark");
  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_DEFAULT);
  crm_test_ui_wait (200);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  tmpdir = g_dir_make_tmp ("voronka-test-adaptive-XXXXXX", NULL);
  db_path = crm_test_ui_make_demo (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/adaptive/header-800x600", test_header_800x600);
  g_test_add_func ("/ui/adaptive/compact-board", test_compact_board);
  g_test_add_func ("/ui/adaptive/stage-dropdown", test_stage_dropdown);
  g_test_add_func ("/ui/adaptive/tag-contrast", test_tag_contrast);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
