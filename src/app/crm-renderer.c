/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-renderer.c — cairo instead of OpenGL when OpenGL is a software rasterizer (see
 * crm-renderer.h). GSK looks at the display's "gsk-renderer" data before anything else,
 * so the choice is made there, for this display only, and only when the user did not
 * set GSK_RENDERER. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "crm-renderer.h"

static char *choice;

/* Mesa's software rasterizers, as GL_RENDERER names them. */
static gboolean
is_software (const char *renderer)
{
  static const char *const software[] = {
    "llvmpipe", "softpipe", "Software Rasterizer", "SWR", NULL
  };

  for (guint i = 0; software[i] != NULL; i++)
    if (strstr (renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

const char *
crm_renderer_choose (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *renderer;
  const char *chosen = g_getenv ("GSK_RENDERER");

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  if (choice != NULL || (chosen != NULL && *chosen != '\0'))
    return choice;
  /* GDK has set OpenGL up for the display already (X11 picks its visual with it); a
   * context of our own only asks who draws */
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* no OpenGL at all: GTK falls back to cairo by itself */
      g_debug ("No OpenGL: %s", error != NULL ? error->message : "?");
      return NULL;
    }
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  g_debug ("OpenGL renderer: %s", renderer != NULL ? renderer : "?");
  if (renderer != NULL && is_software (renderer))
    {
      choice = g_strdup_printf ("OpenGL is %s, a software rasterizer", renderer);
      g_object_set_data_full (G_OBJECT (display), "gsk-renderer", g_strdup ("cairo"), g_free);
    }
  gdk_gl_context_clear_current ();
  return choice;
}

const char *
crm_renderer_get_choice (void)
{
  return choice;
}
