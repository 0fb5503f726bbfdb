/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-time.h — UTC milliseconds, ISO 8601 in and out, money as integer minor units. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CRM_MS_PER_MINUTE ((gint64) 60 * 1000)
#define CRM_MS_PER_DAY    ((gint64) 24 * 60 * 60 * 1000)

gint64    crm_time_now_ms        (void);

/* Accepts "2026-03-02T10:00:00Z", "2026-03-02T10:00:00+03:00", "2026-03-02T10:00:00.123Z"
 * and a plain date "2026-03-02" (midnight UTC). */
gboolean  crm_time_parse         (const char *text,
                                  gint64     *out_ms);
/* "2026-03-02T10:00:00Z" (milliseconds shown only when not zero). */
char     *crm_time_format        (gint64      ms);

/* "1500000.00", "1500000", "1 500 000,5" → 150000000 (kopecks). Two decimals at most. */
gboolean  crm_money_parse        (const char *text,
                                  gint64     *out_minor);
/* 150000000 → "1500000.00" */
char     *crm_money_format       (gint64      minor);

/* Phone numbers to one standard (S4-7): "+7 (912) 345-67-89", "89123456789" →
 * "+79123456789". Returns NULL for text that is not a phone number. */
char     *crm_phone_normalize    (const char *text);

/* Case- and accent-insensitive key used for prefix search (Cyrillic included). */
char     *crm_text_fold          (const char *text);

G_END_DECLS
