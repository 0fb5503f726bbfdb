/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-import-dialog.h — moving in from an XLSX or CSV file in the app (issue 20): pick
 * the file and what it holds, see each column mapped to a field (custom fields included)
 * and change the mapping, check it (a dry run listing the bad rows by line), then import
 * it with a progress bar, and stop it if need be before anything is written; the reading
 * and writing run in a worker thread on connections of their own (crm-import.h), so the
 * window never freezes. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_IMPORT_DIALOG (crm_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmImportDialog, crm_import_dialog, CRM, IMPORT_DIALOG, AdwWindow)

CrmImportDialog *crm_import_dialog_new          (GtkWindow       *parent,
                                                 CrmContext      *context);
/* Reads @path as an import of @entity ("contact", "company", "deal"): the columns and
 * their mapping appear, and a dry run checks the rows. */
void             crm_import_dialog_open_file    (CrmImportDialog *self,
                                                 const char      *entity,
                                                 const char      *path);
/* Sets the field the column @header fills (NULL: ignore it) and checks again. */
void             crm_import_dialog_map          (CrmImportDialog *self,
                                                 const char      *header,
                                                 const char      *field);
/* Imports with the current mapping (in a worker thread). */
void             crm_import_dialog_import       (CrmImportDialog *self);
/* Stops the import in progress (the «Stop Import» button): the worker stops before the
 * one change set is written and the state becomes "cancelled", nothing written; when
 * the change set was already being written, the import completes ("imported"). */
void             crm_import_dialog_cancel       (CrmImportDialog *self);
/* Tests: the import's worker, at its first progress report, waits until the import is
 * cancelled (crm_import_dialog_worker_held() says it is waiting), so a test cancels at a
 * known point and not against the clock. */
void             crm_import_dialog_hold_worker  (CrmImportDialog *self,
                                                 gboolean         hold);
gboolean         crm_import_dialog_worker_held  (CrmImportDialog *self);
/* "empty", "checking", "checked", "bad-rows", "importing", "imported", "cancelled",
 * "failed". */
const char      *crm_import_dialog_get_state    (CrmImportDialog *self);
/* The report of the last check or import (crm_import_csv()'s), or NULL. */
JsonObject      *crm_import_dialog_get_report   (CrmImportDialog *self);

G_END_DECLS
