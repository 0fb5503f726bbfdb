/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-tag-chips.h — the account's tags as toggle chips, grouped (brands, trailers,
 * others): the header's tag filter and the deal page's tag editor. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CRM_TYPE_TAG_CHIPS (crm_tag_chips_get_type ())
G_DECLARE_FINAL_TYPE (CrmTagChips, crm_tag_chips, CRM, TAG_CHIPS, GtkWidget)

GtkWidget  *crm_tag_chips_new          (void);
/* The tags to offer: [{"id","name","group"}]. */
void        crm_tag_chips_set_tags     (CrmTagChips *self,
                                        JsonArray   *tags);
/* Which chips are on (tag ids); does not emit "tag-toggled". */
void        crm_tag_chips_set_selected (CrmTagChips        *self,
                                        const char * const *tag_ids);
/* Toggles @tag_id in @tag_ids (owned strings: the tags chosen in a form) and shows the
 * chips so (a form's "tag-toggled" handler). */
void        crm_tag_chips_toggle_choice (CrmTagChips *self,
                                         GPtrArray   *tag_ids,
                                         const char  *tag_id);
/* The chip of a tag by its name (tests and keyboard focus), or NULL. */
GtkWidget  *crm_tag_chips_get_chip     (CrmTagChips *self,
                                        const char  *tag_name);

G_END_DECLS
