/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-hlc.h — hybrid logical clock: 48-bit UTC milliseconds + 16-bit counter. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 last;  /* the last value handed out or absorbed */
} CrmHlc;

#define CRM_HLC_COUNTER_BITS 16
#define CRM_HLC_COUNTER_MAX  0xFFFF

static inline guint64
crm_hlc_make (gint64 physical_ms, guint counter)
{
  return ((guint64) physical_ms << CRM_HLC_COUNTER_BITS) | (counter & CRM_HLC_COUNTER_MAX);
}

static inline gint64
crm_hlc_physical (guint64 hlc)
{
  return (gint64) (hlc >> CRM_HLC_COUNTER_BITS);
}

static inline guint
crm_hlc_counter (guint64 hlc)
{
  return (guint) (hlc & CRM_HLC_COUNTER_MAX);
}

void     crm_hlc_init       (CrmHlc  *clock,
                             guint64  last);
/* A new timestamp greater than every one handed out or absorbed so far. When the
 * counter would overflow, the physical part moves one millisecond ahead. */
guint64  crm_hlc_now        (CrmHlc  *clock,
                             gint64   physical_ms);
/* Absorb a remote timestamp so the next local one is greater than it. */
void     crm_hlc_absorb     (CrmHlc  *clock,
                             guint64  remote,
                             gint64   physical_ms);

/* 16 lowercase hex digits; they sort as the clock does. */
char    *crm_hlc_to_string  (guint64  hlc);
gboolean crm_hlc_parse      (const char *text,
                             guint64    *out);

G_END_DECLS
