/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-format.h — money, dates and due times as people read them in their locale. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How numbers are written: decimal mark, thousands separator, group size (0: none). */
typedef struct {
  const char *decimal_mark;
  const char *thousands_separator;
  guint       group_size;
} CrmNumberStyle;

/* The current locale's style (localeconv), falling back to grouping by three with a
 * narrow no-break space when the locale has no separator (the C locale). */
void   crm_number_style_get_locale (CrmNumberStyle *out_style);

/* 150000000, "RUB" → "1 500 000 ₽"; kopecks are shown only when not zero or when
 * @always_minor. A NULL/unknown currency prints its code after the number. */
char  *crm_format_money_with       (gint64                minor,
                                    const char           *currency,
                                    gboolean              always_minor,
                                    const CrmNumberStyle *style);
/* "RUB" (or NULL) → "₽", "USD" → "$", "EUR" → "€"; another code is returned as it is. */
const char *crm_format_currency_symbol (const char *currency);
char  *crm_format_money            (gint64      minor,
                                    const char *currency);
/* The amount for an input field: digits grouped by thousands with narrow no-break spaces
 * («5 200 000», «1 500 000,50»), the locale's decimal mark; crm_parse_money_input()
 * reads it back. */
char  *crm_format_money_for_input  (gint64 minor);
/* Reads what a person typed: spaces, the locale's separators, "," or "." as decimal
 * mark. FALSE when it is not an amount. */
gboolean crm_parse_money_input     (const char *text,
                                    gint64     *out_minor);

/* "2 Mar" or "2 Mar 2025" for @dt as it is (no time zone change). */
char  *crm_format_day              (GDateTime *dt,
                                    gboolean   with_year);
/* "2 Mar" this year, "2 Mar 2025" otherwise, in local time. */
char  *crm_format_date             (gint64 ms);
/* The month written out: "2 March" or "2 March 2025" (Russian «2 марта»), for a date in a
 * sentence («истекает 12 декабря»); crm_format_date_long() as crm_format_date(). */
char  *crm_format_day_long         (GDateTime *dt,
                                    gboolean   with_year);
char  *crm_format_date_long        (gint64 ms);
/* "2 Mar 2026, 14:05" in local time. */
char  *crm_format_date_time        (gint64 ms);
/* A due date relative to @now_ms: "Today", "Tomorrow", "Yesterday", or the date. */
char  *crm_format_due              (gint64 due_ms,
                                    gint64 now_ms);
/* Local midnight that starts the day of @ms, and the one after it. */
gint64 crm_day_start               (gint64 ms);
gint64 crm_day_end                 (gint64 ms);

/* "+79123456789" → "+7 912 345-67-89"; other numbers as they are. */
char  *crm_format_phone            (const char *phone);

/* What to give an AdwAvatar (which takes the first letters of the first and last words)
 * so its initials read right: a person's first two words, Фамилия Имя («Алексеев Дмитрий
 * Петрович» → «Алексеев Дмитрий», АД, not АП); a company's name without its legal form and
 * quotes («ООО «Енисей Транс»» → «Енисей Транс», ЕТ, not О«). */
char  *crm_format_avatar_name      (const char *name,
                                    gboolean    company);

G_END_DECLS
