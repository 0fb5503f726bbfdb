/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-files-group.h — the «Files» group of a deal, contact or company page: the files
 * attached to one entity, newest first, each with its thumbnail (a picture here, read in a
 * worker thread and cached) or its type's icon, name, size, who attached it and when;
 * «Open» (the row, Enter included) and «Remove» (Delete on a row; undoable from its
 * toast), and «Attach File…» in the header. A file another device attached and this one
 * has not got yet is fetched from the server (the window's CrmSyncController): pictures up
 * to 10 MB while the page shows, one at a time; any file when it is opened, with progress
 * and «Stop Downloading» in its row; why a fetch failed is said in the row. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_FILES_GROUP (crm_files_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmFilesGroup, crm_files_group, CRM, FILES_GROUP, AdwPreferencesGroup)

/* Shows the files of @entity ("deal", "contact", "company") @entity_id (NULL: none). */
void     crm_files_group_set_target (CrmFilesGroup *self,
                                     CrmContext    *context,
                                     const char    *entity,
                                     const char    *entity_id);
/* Reads the list again (after the replica changed). */
void     crm_files_group_reload     (CrmFilesGroup *self);
/* Attaches the file at @path as «Attach File…» does once a file is chosen. */
gboolean crm_files_group_attach     (CrmFilesGroup  *self,
                                     const char     *path,
                                     GError        **error);
/* Removes attachment @attachment_id as its row's «Remove» does (a toast with «Undo»). */
gboolean crm_files_group_remove     (CrmFilesGroup *self,
                                     const char    *attachment_id);
/* Opens attachment @attachment_id as activating its row does: with the desktop's
 * application once it is here, fetched from the server first when it is not. */
void     crm_files_group_open       (CrmFilesGroup *self,
                                     const char    *attachment_id);
/* The files listed, and the row of attachment @attachment_id (or NULL). */
guint      crm_files_group_get_n_files (CrmFilesGroup *self);
GtkWidget *crm_files_group_find_row    (CrmFilesGroup *self,
                                        const char    *attachment_id);
/* Whether the row of @attachment_id shows its thumbnail (it is read after the row is
 * made; tests wait for it). */
gboolean   crm_files_group_has_thumbnail (CrmFilesGroup *self,
                                          const char    *attachment_id);

/* Whether the file of @attachment_id is being fetched from the server now. */
gboolean   crm_files_group_is_fetching   (CrmFilesGroup *self,
                                          const char    *attachment_id);

G_END_DECLS
