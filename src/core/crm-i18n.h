/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-i18n.h — where the programs find their translations. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *crm_locale_dir (void);

G_END_DECLS
