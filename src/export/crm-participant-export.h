/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participant-export.h — an event's participants (crm-participant.h) on paper: a
 * badge as a PNG (the badge code as a QR code, libqrencode, drawn with cairo, the name and
 * the code under it) and thank-you certificates as a PDF (cairo + pango), one A4 page per
 * participant who attended. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Writes the badge of @participant ({"name", "code", "deal_title"?}) to @path as a PNG,
 * replacing the file; nothing half-written is left on failure. */
gboolean crm_participant_write_badge        (JsonObject   *participant,
                                             const char   *path,
                                             GError      **error);

/* Writes one certificate page per participant of @list (crm_participant_list()) who
 * attended to @path as a PDF. @heading and @text are the certificate's template (NULL:
 * the built-in ones); in both «{name}», «{event}» and «{date}» are replaced by the
 * participant's name, the event's title and date. No participant attended: INVALID_INPUT
 * (CRM_STORE_ERROR), nothing written. *@out_pages (optional) gets the number of pages. */
gboolean crm_participant_write_certificates (JsonNode     *list,
                                             const char   *heading,
                                             const char   *text,
                                             const char   *path,
                                             guint        *out_pages,
                                             GError      **error);

G_END_DECLS
