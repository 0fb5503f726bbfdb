/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-renderer.h — which GSK renderer draws the app's windows. GTK 4.8 picks OpenGL
 * whenever there is one, also when it is a software rasterizer (llvmpipe: a virtual
 * machine without 3D, a remote or headless X server); there the cairo renderer paints
 * the app's first frame in a third of the time and 60 MB less memory
 * (bench/RESULTS.md). With a GPU, GTK's choice stays; GSK_RENDERER always wins. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Call once GTK is initialized, before the first window is realized. Returns why cairo
 * was chosen for @display (a static string: "OpenGL is llvmpipe …"), or NULL when
 * GTK's own choice stands. */
const char *crm_renderer_choose       (GdkDisplay *display);
/* What crm_renderer_choose() decided, for the log and the benchmark (NULL: GTK's). */
const char *crm_renderer_get_choice   (void);

G_END_DECLS
