/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-i18n.c — where the programs find their translations: the installed locale folder,
 * or $VORONKA_LOCALEDIR for a build that is run where it was built (build-aux/voronka run
 * points it at _build/po, so a Russian desktop gets a Russian app before any install). */
#include "config.h"

#include "crm-i18n.h"

const char *
crm_locale_dir (void)
{
  const char *dir = g_getenv ("VORONKA_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}
