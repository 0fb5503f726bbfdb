/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participants-group.h — the «Participants» group of an event deal's page (S4-10): a
 * table (name and badge code, paid, guests, attended, NPS) with its totals, «Add…» (a
 * contact picker), the toggles written at once, a check-in entry for the badge code (a
 * scanner types the code and Enter; Ctrl+K on the page puts the focus there), badges as
 * PNG and the list or the certificates as files. Shown only on event deals. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_PARTICIPANTS_GROUP (crm_participants_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmParticipantsGroup, crm_participants_group, CRM, PARTICIPANTS_GROUP,
                      AdwPreferencesGroup)

typedef enum {
  CRM_PARTICIPANTS_EXPORT_XLSX,
  CRM_PARTICIPANTS_EXPORT_CSV,
  CRM_PARTICIPANTS_EXPORT_CERTIFICATES,
} CrmParticipantsExport;

/* Shows the participants of deal @deal_id; hides itself when the deal is not an event. */
void        crm_participants_group_set_deal      (CrmParticipantsGroup *self,
                                                  CrmContext           *context,
                                                  const char           *deal_id);
void        crm_participants_group_reload        (CrmParticipantsGroup *self);
/* Adds contact @contact_id as a participant (what «Add…» does once a contact is picked). */
gboolean    crm_participants_group_add           (CrmParticipantsGroup *self,
                                                  const char           *contact_id);
/* Checks in by badge code as the entry does on Enter; the result is said under it. */
gboolean    crm_participants_group_checkin       (CrmParticipantsGroup *self,
                                                  const char           *code);
/* Puts the focus into the check-in entry (Ctrl+K). */
void        crm_participants_group_focus_checkin (CrmParticipantsGroup *self);
/* Writes the list or the certificates to @path, as the export menu does once a file is
 * chosen. */
gboolean    crm_participants_group_export        (CrmParticipantsGroup  *self,
                                                  CrmParticipantsExport  what,
                                                  const char            *path,
                                                  GError               **error);

/* E-mails those who came asking for an NPS score (crm_participant_ask_nps()), as the
 * menu item does; the number queued (0: nobody, said in a toast). */
guint       crm_participants_group_ask_nps       (CrmParticipantsGroup *self);

/* For tests: the check-in entry, the line under it, the totals line, the participants
 * listed, and the row of the participant with badge code @code (or NULL). */
GtkWidget  *crm_participants_group_get_checkin_entry (CrmParticipantsGroup *self);
const char *crm_participants_group_get_checkin_status (CrmParticipantsGroup *self);
const char *crm_participants_group_get_totals_text   (CrmParticipantsGroup *self);
guint       crm_participants_group_get_n_participants (CrmParticipantsGroup *self);
GtkWidget  *crm_participants_group_find_row          (CrmParticipantsGroup *self,
                                                      const char           *code);

G_END_DECLS
