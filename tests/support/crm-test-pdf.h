/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-pdf.h — a small real PDF for the tests that attach or mail one (a commercial
 * offer), made with cairo. Header-only: the tests that include it link cairo-pdf. */
#pragma once

#include <cairo-pdf.h>
#include <glib.h>

/* @dir/@name: one A4 page with the line @text. Returns its path. */
static inline char *
crm_test_make_pdf (const char *dir,
                   const char *name,
                   const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  cairo_surface_t *surface = cairo_pdf_surface_create (path, 595, 842);
  cairo_t *cr = cairo_create (surface);

  cairo_set_font_size (cr, 20);
  cairo_move_to (cr, 72, 100);
  cairo_show_text (cr, text);
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return path;
}
