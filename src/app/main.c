/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — the `voronka` desktop app: sets up translations and runs CrmApplication. */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "crm-application.h"
#include "crm-i18n.h"
#include "crm-startup.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CrmApplication) app = NULL;

  crm_startup_mark ("main");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, crm_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = crm_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
