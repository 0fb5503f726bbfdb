/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participant-export.c — badges (PNG with a QR code) and thank-you certificates (PDF)
 * for an event's participants. Each file is written beside its target and renamed over
 * it once complete. */
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
#include <qrencode.h>

#include "crm-error.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-participant-export.h"

static void
set_file_error (GError     **error,
                const char  *path,
                const char  *reason)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not save «%s»: %s"), path, reason);
}

/* A temporary file beside @path, or NULL with the error. */
static char *
make_tmp (const char  *path,
          GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  char *tmp_path = g_build_filename (dir, ".voronka-export-XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp_path, O_RDWR, 0666);

  if (fd < 0)
    {
      set_file_error (error, path, g_strerror (errno));
      g_free (tmp_path);
      return NULL;
    }
  close (fd);
  return tmp_path;
}

static gboolean
finish (gboolean     ok,
        const char  *tmp_path,
        const char  *path,
        GError     **error)
{
  if (ok && g_rename (tmp_path, path) != 0)
    {
      set_file_error (error, path, g_strerror (errno));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp_path);
  return ok;
}

static gboolean
check_cairo (cairo_status_t   status,
             const char      *path,
             GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  set_file_error (error, path, status == CAIRO_STATUS_WRITE_ERROR
                               ? g_strerror (errno != 0 ? errno : EIO)
                               : cairo_status_to_string (status));
  return FALSE;
}

/* Centered text at @y in a box @width wide from @x; returns its height. */
static double
centered_text (cairo_t     *cr,
               PangoLayout *layout,
               const char  *text,
               const char  *font,
               double       x,
               double       y,
               double       width)
{
  PangoFontDescription *description = pango_font_description_from_string (font);
  int w, h;

  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  return h;
}

/* --- badge --------------------------------------------------------------------------- */

#define BADGE_MODULE 10   /* pixels per QR module */
#define BADGE_QUIET  4    /* modules of white around the code, as the standard asks */
#define BADGE_WIDTH  440

gboolean
crm_participant_write_badge (JsonObject  *participant,
                             const char  *path,
                             GError     **error)
{
  const char *code = json_object_get_string_member_with_default (participant, "code", "");
  const char *name = json_object_get_string_member_with_default (participant, "name", "");
  const char *event = json_object_get_string_member_with_default (participant, "deal_title", NULL);
  g_autofree char *tmp_path = NULL;
  QRcode *qr;
  cairo_surface_t *surface;
  cairo_t *cr;
  PangoLayout *layout;
  cairo_status_t status;
  double side, x0, y;
  int height;

  g_return_val_if_fail (participant != NULL && path != NULL, FALSE);
  qr = QRcode_encodeString (code, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (qr == NULL)
    {
      set_file_error (error, path, g_strerror (errno != 0 ? errno : EINVAL));
      return FALSE;
    }
  side = (qr->width + 2 * BADGE_QUIET) * BADGE_MODULE;
  height = (int) side + 150;
  tmp_path = make_tmp (path, error);
  if (tmp_path == NULL)
    {
      QRcode_free (qr);
      return FALSE;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, BADGE_WIDTH, height);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  x0 = (BADGE_WIDTH - side) / 2 + BADGE_QUIET * BADGE_MODULE;
  y = 10 + BADGE_QUIET * BADGE_MODULE;
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int r = 0; r < qr->width; r++)
    for (int c = 0; c < qr->width; c++)
      if (qr->data[r * qr->width + c] & 1)
        cairo_rectangle (cr, x0 + c * BADGE_MODULE, y + r * BADGE_MODULE, BADGE_MODULE, BADGE_MODULE);
  cairo_fill (cr);
  QRcode_free (qr);

  layout = pango_cairo_create_layout (cr);
  y = 10 + side - BADGE_QUIET * BADGE_MODULE / 2;
  y += centered_text (cr, layout, name, "Sans Bold 20", 10, y, BADGE_WIDTH - 20) + 4;
  y += centered_text (cr, layout, code, "Monospace 16", 10, y, BADGE_WIDTH - 20) + 4;
  if (event != NULL)
    centered_text (cr, layout, event, "Sans 12", 10, y, BADGE_WIDTH - 20);
  g_object_unref (layout);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      errno = 0;
      status = cairo_surface_write_to_png (surface, tmp_path);
    }
  cairo_surface_destroy (surface);
  return finish (check_cairo (status, path, error), tmp_path, path, error);
}

/* --- certificates -------------------------------------------------------------------- */

#define PAGE_WIDTH  842.0   /* A4 landscape, points */
#define PAGE_HEIGHT 595.0

static char *
fill (const char *template,
      const char *name,
      const char *event,
      const char *date)
{
  g_autoptr(GString) out = g_string_new (template);

  g_string_replace (out, "{name}", name, 0);
  g_string_replace (out, "{event}", event, 0);
  g_string_replace (out, "{date}", date, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
certificate_page (cairo_t     *cr,
                  PangoLayout *layout,
                  const char  *heading,
                  const char  *text,
                  const char  *name)
{
  double y = 150;

  /* a double frame */
  cairo_set_source_rgb (cr, 0.16, 0.33, 0.55);
  cairo_set_line_width (cr, 6);
  cairo_rectangle (cr, 28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_rectangle (cr, 42, 42, PAGE_WIDTH - 84, PAGE_HEIGHT - 84);
  cairo_stroke (cr);

  y += centered_text (cr, layout, heading, "Serif Bold 34", 80, y, PAGE_WIDTH - 160) + 30;
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  /* Translators: on a certificate, above the participant's name */
  y += centered_text (cr, layout, _("is presented to"), "Serif Italic 16", 80, y,
                      PAGE_WIDTH - 160) + 16;
  cairo_set_source_rgb (cr, 0, 0, 0);
  y += centered_text (cr, layout, name, "Serif Bold 30", 80, y, PAGE_WIDTH - 160) + 24;
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  centered_text (cr, layout, text, "Serif 16", 100, y, PAGE_WIDTH - 200);
  cairo_show_page (cr);
}

gboolean
crm_participant_write_certificates (JsonNode    *list,
                                    const char  *heading,
                                    const char  *text,
                                    const char  *path,
                                    guint       *out_pages,
                                    GError     **error)
{
  JsonObject *object = json_node_get_object (list);
  JsonObject *deal = json_object_get_object_member (object, "deal");
  JsonArray *participants = json_object_get_array_member (object, "participants");
  const char *event = json_object_get_string_member_with_default (deal, "title", "");
  JsonNode *date_node = json_object_get_member (deal, "event_date");
  g_autofree char *date = NULL;
  g_autofree char *tmp_path = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  guint pages = 0;

  g_return_val_if_fail (list != NULL && path != NULL, FALSE);
  if (date_node != NULL && JSON_NODE_HOLDS_VALUE (date_node) &&
      json_node_get_value_type (date_node) == G_TYPE_STRING)
    {
      gint64 ms;

      if (crm_time_parse (json_node_get_string (date_node), &ms))
        {
          /* a date field is the day at UTC midnight */
          g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc (ms / 1000);

          date = crm_format_day (day, TRUE);
        }
      else
        date = g_strdup (json_node_get_string (date_node));
    }
  else
    date = g_strdup ("");
  if (heading == NULL || *heading == '\0')
    heading = _("Certificate of appreciation");
  if (text == NULL || *text == '\0')
    text = *date != '\0' ? _("for taking part in «{event}», {date}.\nThank you for coming!")
                         : _("for taking part in «{event}».\nThank you for coming!");
  for (guint i = 0; i < json_array_get_length (participants); i++)
    pages += json_object_get_boolean_member (json_array_get_object_element (participants, i),
                                             "attended");
  if (pages == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("No participant of «%s» has attended yet: certificates are made for "
                     "those checked in (“participant checkin CODE”)"), event);
      return FALSE;
    }
  tmp_path = make_tmp (path, error);
  if (tmp_path == NULL)
    return FALSE;
  surface = cairo_pdf_surface_create (tmp_path, PAGE_WIDTH, PAGE_HEIGHT);
  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    {
      cairo_t *cr = cairo_create (surface);
      PangoLayout *layout = pango_cairo_create_layout (cr);

      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, heading);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Voronka");
      for (guint i = 0; i < json_array_get_length (participants); i++)
        {
          JsonObject *p = json_array_get_object_element (participants, i);
          const char *name = json_object_get_string_member_with_default (p, "name", "");
          g_autofree char *page_heading = NULL;
          g_autofree char *page_text = NULL;

          if (!json_object_get_boolean_member (p, "attended"))
            continue;
          page_heading = fill (heading, name, event, date);
          page_text = fill (text, name, event, date);
          cairo_set_source_rgb (cr, 0.16, 0.33, 0.55);
          certificate_page (cr, layout, page_heading, page_text, name);
        }
      g_object_unref (layout);
      status = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (!finish (check_cairo (status, path, error), tmp_path, path, error))
    return FALSE;
  if (out_pages != NULL)
    *out_pages = pages;
  return TRUE;
}
