/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report-export.c — reports to CSV, XLSX (libxlsxwriter) and PDF (cairo + pango).
 * Every format is written to a temporary file beside the target and renamed over it,
 * so a failed export (disk full, a killed process) never leaves half a file behind. */
#define G_LOG_DOMAIN "voronka-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <xlsxwriter.h>

#include "crm-error.h"
#include "crm-report.h"
#include "crm-report-export.h"

gboolean
crm_report_format_for_path (const char       *path,
                            CrmReportFormat  *out_format,
                            GError          **error)
{
  g_autofree char *lower = g_ascii_strdown (path != NULL ? path : "", -1);

  if (g_str_has_suffix (lower, ".csv"))
    *out_format = CRM_REPORT_FORMAT_CSV;
  else if (g_str_has_suffix (lower, ".xlsx"))
    *out_format = CRM_REPORT_FORMAT_XLSX;
  else if (g_str_has_suffix (lower, ".pdf"))
    *out_format = CRM_REPORT_FORMAT_PDF;
  else
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s»: a report is saved as .csv, .xlsx or .pdf; end the file name "
                     "with one of them"), path != NULL ? path : "");
      return FALSE;
    }
  return TRUE;
}

static JsonArray *
report_columns (JsonNode *report)
{
  return json_object_get_array_member (json_node_get_object (report), "columns");
}

/* The rows, then the totals: what every format shows. */
static GPtrArray *
report_rows (JsonNode *report)
{
  JsonObject *object = json_node_get_object (report);
  JsonArray *rows = json_object_get_array_member (object, "rows");
  GPtrArray *all = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_ptr_array_add (all, json_array_get_object_element (rows, i));
  if (json_object_has_member (object, "totals"))
    g_ptr_array_add (all, json_object_get_object_member (object, "totals"));
  return all;
}

static const char *
column_string (JsonArray  *columns,
               guint       index,
               const char *member)
{
  return json_object_get_string_member (json_array_get_object_element (columns, index), member);
}

static JsonNode *
cell (JsonObject *row,
      JsonArray  *columns,
      guint       index)
{
  JsonNode *value = json_object_get_member (row, column_string (columns, index, "key"));

  return value != NULL && JSON_NODE_HOLDS_VALUE (value) ? value : NULL;
}

static char *
title_line (JsonNode *report)
{
  g_autofree char *period = NULL;

  /* a list (crm_export_table()) has no period */
  if (!json_object_has_member (json_node_get_object (report), "from"))
    return g_strdup (json_object_get_string_member (json_node_get_object (report), "title"));
  period = crm_report_format_period (report);
  /* Translators: a report's title and its period, e.g. "Sales, 2026-03-01 – 2026-03-31" */
  return g_strdup_printf (_("%s, %s"), json_object_get_string_member (json_node_get_object (report),
                                                                        "title"), period);
}

static void
set_file_error (GError     **error,
                const char  *path,
                const char  *reason)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not save the report to «%s»: %s"), path, reason);
}

/* --- XLSX ---------------------------------------------------------------------------- */

static gboolean
write_xlsx (JsonNode    *report,
            const char  *tmp_path,
            const char  *path,
            GError     **error)
{
  JsonArray *columns = report_columns (report);
  g_autoptr(GPtrArray) rows = report_rows (report);
  g_autofree char *title = title_line (report);
  lxw_workbook *workbook = workbook_new (tmp_path);
  lxw_worksheet *sheet;
  lxw_format *bold, *header, *money, *percent, *duration, *integer;
  lxw_error status;
  guint n_columns = json_array_get_length (columns);

  if (workbook == NULL)
    {
      set_file_error (error, path, g_strerror (errno != 0 ? errno : EIO));
      return FALSE;
    }
  /* sheet names: 31 characters, none of []:*?/\ — the report's short name is safe */
  sheet = workbook_add_worksheet (workbook,
                                  json_object_get_string_member (json_node_get_object (report),
                                                                 "report"));
  bold = workbook_add_format (workbook);
  format_set_bold (bold);
  header = workbook_add_format (workbook);
  format_set_bold (header);
  format_set_text_wrap (header);
  format_set_bottom (header, LXW_BORDER_THIN);
  integer = workbook_add_format (workbook);
  format_set_num_format (integer, "0");
  money = workbook_add_format (workbook);
  format_set_num_format (money, "#,##0.00");
  percent = workbook_add_format (workbook);
  format_set_num_format (percent, "0.0%");
  duration = workbook_add_format (workbook);
  format_set_num_format (duration, "[h]:mm:ss");

  worksheet_write_string (sheet, 0, 0, title, bold);
  for (guint c = 0; c < n_columns; c++)
    {
      const char *label = column_string (columns, c, "label");

      worksheet_write_string (sheet, 2, (lxw_col_t) c, label, header);
      worksheet_set_column (sheet, (lxw_col_t) c, (lxw_col_t) c,
                            c == 0 ? 28 : MAX (12, MIN (30, g_utf8_strlen (label, -1) + 2)), NULL);
    }
  for (guint r = 0; r < rows->len; r++)
    {
      lxw_row_t row_index = (lxw_row_t) (3 + r);

      for (guint c = 0; c < n_columns; c++)
        {
          const char *type = column_string (columns, c, "type");
          JsonNode *value = cell (rows->pdata[r], columns, c);

          if (value == NULL || JSON_NODE_HOLDS_NULL (value))
            worksheet_write_blank (sheet, row_index, (lxw_col_t) c, NULL);
          else if (g_str_equal (type, "money"))
            worksheet_write_number (sheet, row_index, (lxw_col_t) c,
                                    json_node_get_int (value) / 100.0, money);
          else if (g_str_equal (type, "percent"))
            worksheet_write_number (sheet, row_index, (lxw_col_t) c,
                                    json_node_get_double (value) / 100.0, percent);
          else if (g_str_equal (type, "duration"))
            /* a spreadsheet's time is a fraction of a day */
            worksheet_write_number (sheet, row_index, (lxw_col_t) c,
                                    json_node_get_int (value) / 86400.0, duration);
          else if (g_str_equal (type, "int"))
            worksheet_write_number (sheet, row_index, (lxw_col_t) c,
                                    (double) json_node_get_int (value), integer);
          else
            worksheet_write_string (sheet, row_index, (lxw_col_t) c,
                                    json_node_get_string (value) != NULL
                                    ? json_node_get_string (value) : "",
                                    r + 1 == rows->len ? bold : NULL);
        }
    }
  worksheet_freeze_panes (sheet, 3, 1);

  status = workbook_close (workbook);
  if (status != LXW_NO_ERROR)
    {
      set_file_error (error, path, lxw_strerror (status));
      return FALSE;
    }
  return TRUE;
}

/* --- PDF ----------------------------------------------------------------------------- */

#define PAGE_WIDTH  842.0   /* A4 landscape, points */
#define PAGE_HEIGHT 595.0
#define MARGIN      36.0
#define ROW_HEIGHT  16.0
#define CELL_PAD    6.0

typedef struct {
  cairo_t     *cr;
  PangoLayout *layout;
  double       y;
  guint        page;
} Pdf;

static void
pdf_text (Pdf        *pdf,
          const char *text,
          const char *font,
          double      x,
          double      y,
          double      width,           /* <= 0: natural */
          gboolean    right)
{
  PangoFontDescription *description = pango_font_description_from_string (font);
  int text_width, text_height;

  pango_layout_set_font_description (pdf->layout, description);
  pango_font_description_free (description);
  pango_layout_set_text (pdf->layout, text, -1);
  pango_layout_set_width (pdf->layout, width > 0 ? (int) (width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (pdf->layout, width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_size (pdf->layout, &text_width, &text_height);
  cairo_move_to (pdf->cr, right && width > 0 ? x + width - text_width : x, y);
  pango_cairo_show_layout (pdf->cr, pdf->layout);
}

static double
pdf_text_width (Pdf        *pdf,
                const char *text,
                const char *font)
{
  PangoFontDescription *description = pango_font_description_from_string (font);
  int width, height;

  pango_layout_set_font_description (pdf->layout, description);
  pango_font_description_free (description);
  pango_layout_set_width (pdf->layout, -1);
  pango_layout_set_text (pdf->layout, text, -1);
  pango_layout_get_pixel_size (pdf->layout, &width, &height);
  return width;
}

static void
pdf_footer (Pdf *pdf)
{
  g_autofree char *number = g_strdup_printf ("%u", pdf->page);

  cairo_set_source_rgb (pdf->cr, 0.4, 0.4, 0.4);
  pdf_text (pdf, number, "Sans 8", MARGIN, PAGE_HEIGHT - MARGIN + 8, PAGE_WIDTH - 2 * MARGIN,
            TRUE);
  cairo_set_source_rgb (pdf->cr, 0, 0, 0);
}

/* A horizontal bar per employee for the report's first figure (not the totals). */
static void
pdf_chart (Pdf       *pdf,
           JsonArray *columns,
           GPtrArray *rows)
{
  guint n_people = rows->len > 0 ? rows->len - 1 : 0;
  gint figure = -1;
  double max = 0, label_width = 0, bar_height = 12, x0, bar_space;

  for (guint c = 1; c < json_array_get_length (columns) && figure < 0; c++)
    if (!g_str_equal (column_string (columns, c, "type"), "text"))
      figure = (gint) c;
  if (figure < 0 || n_people == 0 || n_people > 20)
    return;
  for (guint r = 0; r < n_people; r++)
    {
      JsonNode *value = cell (rows->pdata[r], columns, (guint) figure);

      if (value != NULL && !JSON_NODE_HOLDS_NULL (value))
        max = MAX (max, json_node_get_double (value));
      label_width = MAX (label_width,
                         pdf_text_width (pdf, json_object_get_string_member_with_default (
                                                rows->pdata[r], "user", ""), "Sans 8"));
    }
  if (max <= 0)
    return;

  pdf_text (pdf, column_string (columns, (guint) figure, "label"), "Sans Bold 10", MARGIN,
            pdf->y, -1, FALSE);
  pdf->y += 18;
  label_width = MIN (label_width, 180);
  x0 = MARGIN + label_width + CELL_PAD;
  bar_space = PAGE_WIDTH - MARGIN - x0 - 90;
  for (guint r = 0; r < n_people; r++)
    {
      JsonNode *value = cell (rows->pdata[r], columns, (guint) figure);
      double amount = value != NULL && !JSON_NODE_HOLDS_NULL (value) ? json_node_get_double (value) : 0;
      g_autofree char *text = crm_report_format_value (value, column_string (columns, (guint) figure,
                                                                              "type"));

      pdf_text (pdf, json_object_get_string_member_with_default (rows->pdata[r], "user", ""),
                "Sans 8", MARGIN, pdf->y, label_width, FALSE);
      cairo_set_source_rgb (pdf->cr, 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0);
      cairo_rectangle (pdf->cr, x0, pdf->y + 1, MAX (1, bar_space * amount / max), bar_height - 2);
      cairo_fill (pdf->cr);
      cairo_set_source_rgb (pdf->cr, 0, 0, 0);
      pdf_text (pdf, text, "Sans 8", x0 + bar_space * amount / max + 4, pdf->y, -1, FALSE);
      pdf->y += bar_height + 2;
    }
  pdf->y += 14;
}

static void
pdf_table_header (Pdf       *pdf,
                  JsonArray *columns,
                  double    *widths)
{
  double x = MARGIN;

  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      pdf_text (pdf, column_string (columns, c, "label"), "Sans Bold 8", x, pdf->y,
                widths[c] - CELL_PAD, c > 0);
      x += widths[c];
    }
  pdf->y += ROW_HEIGHT;
  cairo_set_line_width (pdf->cr, 0.5);
  cairo_move_to (pdf->cr, MARGIN, pdf->y - 2);
  cairo_line_to (pdf->cr, x, pdf->y - 2);
  cairo_stroke (pdf->cr);
}

static void
pdf_table (Pdf       *pdf,
           JsonArray *columns,
           GPtrArray *rows)
{
  guint n_columns = json_array_get_length (columns);
  g_autofree double *widths = g_new0 (double, n_columns);
  double total = 0, room = PAGE_WIDTH - 2 * MARGIN;

  /* natural widths, squeezed to the page when they do not fit */
  for (guint c = 0; c < n_columns; c++)
    {
      widths[c] = pdf_text_width (pdf, column_string (columns, c, "label"), "Sans Bold 8");
      for (guint r = 0; r < rows->len; r++)
        {
          g_autofree char *text = crm_report_format_value (cell (rows->pdata[r], columns, c),
                                                           column_string (columns, c, "type"));

          widths[c] = MAX (widths[c], pdf_text_width (pdf, text, "Sans 8"));
        }
      widths[c] = MIN (widths[c], 220) + CELL_PAD;
      total += widths[c];
    }
  if (total > room)
    for (guint c = 0; c < n_columns; c++)
      widths[c] *= room / total;

  pdf_table_header (pdf, columns, widths);
  for (guint r = 0; r < rows->len; r++)
    {
      gboolean totals = r + 1 == rows->len;
      double x = MARGIN;

      if (pdf->y + ROW_HEIGHT > PAGE_HEIGHT - MARGIN)
        {
          pdf_footer (pdf);
          cairo_show_page (pdf->cr);
          pdf->page++;
          pdf->y = MARGIN;
          pdf_table_header (pdf, columns, widths);
        }
      for (guint c = 0; c < n_columns; c++)
        {
          g_autofree char *text = crm_report_format_value (cell (rows->pdata[r], columns, c),
                                                           column_string (columns, c, "type"));

          pdf_text (pdf, text, totals ? "Sans Bold 8" : "Sans 8", x, pdf->y,
                    widths[c] - CELL_PAD, c > 0);
          x += widths[c];
        }
      pdf->y += ROW_HEIGHT;
    }
}

static gboolean
write_pdf (JsonNode    *report,
           const char  *tmp_path,
           const char  *path,
           GError     **error)
{
  JsonArray *columns = report_columns (report);
  g_autoptr(GPtrArray) rows = report_rows (report);
  g_autofree char *title = title_line (report);
  cairo_surface_t *surface = cairo_pdf_surface_create (tmp_path, PAGE_WIDTH, PAGE_HEIGHT);
  cairo_status_t status;
  Pdf pdf = { 0 };

  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Voronka");
      pdf.cr = cairo_create (surface);
      pdf.layout = pango_cairo_create_layout (pdf.cr);
      pdf.page = 1;
      pdf.y = MARGIN;
      pdf_text (&pdf, title, "Sans Bold 14", MARGIN, pdf.y, PAGE_WIDTH - 2 * MARGIN, FALSE);
      pdf.y += 32;
      pdf_chart (&pdf, columns, rows);
      pdf_table (&pdf, columns, rows);
      pdf_footer (&pdf);
      cairo_show_page (pdf.cr);
      g_object_unref (pdf.layout);
      status = cairo_status (pdf.cr);
      cairo_destroy (pdf.cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      set_file_error (error, path, status == CAIRO_STATUS_WRITE_ERROR
                                   ? g_strerror (errno != 0 ? errno : EIO)
                                   : cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/* --- all formats --------------------------------------------------------------------- */

gboolean
crm_report_export (JsonNode         *report,
                   CrmReportFormat   format,
                   const char       *path,
                   GError          **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp_path = NULL;
  gboolean ok;
  int fd;

  g_return_val_if_fail (report != NULL && JSON_NODE_HOLDS_OBJECT (report), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (format == CRM_REPORT_FORMAT_CSV)
    {
      g_autofree char *csv = crm_report_to_csv (report);
      g_autoptr(GError) local_error = NULL;

      if (!g_file_set_contents (path, csv, -1, &local_error))
        {
          set_file_error (error, path, local_error->message);
          return FALSE;
        }
      return TRUE;
    }

  /* a temporary file beside the target, renamed over it once complete */
  dir = g_path_get_dirname (path);
  tmp_path = g_build_filename (dir, ".voronka-report-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_RDWR, 0666);   /* the umask applies, as for any new file */
  if (fd < 0)
    {
      set_file_error (error, path, g_strerror (errno));
      return FALSE;
    }
  close (fd);

  errno = 0;
  if (format == CRM_REPORT_FORMAT_XLSX)
    ok = write_xlsx (report, tmp_path, path, error);
  else
    ok = write_pdf (report, tmp_path, path, error);
  if (ok && g_rename (tmp_path, path) != 0)
    {
      set_file_error (error, path, g_strerror (errno));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp_path);
  return ok;
}
