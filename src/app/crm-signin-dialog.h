/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-signin-dialog.h — sign in to a Voronka server: address, user, password; a
 * self-signed certificate is shown by its SHA-256 fingerprint and accepted once. The
 * first sync then fills (or joins) the replica. Without the sync client built in, the
 * dialog says so. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CRM_TYPE_SIGNIN_DIALOG (crm_signin_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmSigninDialog, crm_signin_dialog, CRM, SIGNIN_DIALOG, AdwWindow)

/* @replica_path: the replica to sync (created by the first sync when missing).
 * @server_url: prefilled address, or NULL. Emits "signed-in" when the first sync is done. */
CrmSigninDialog *crm_signin_dialog_new        (GtkWindow  *parent,
                                               const char *replica_path,
                                               const char *server_url);
gboolean         crm_signin_dialog_is_available (void);
/* Types into the fields (tests, remembered values). */
void             crm_signin_dialog_fill       (CrmSigninDialog *self,
                                               const char      *server_url,
                                               const char      *user,
                                               const char      *password);
/* Turns «I have an invitation code» on and types into its fields (tests). */
void             crm_signin_dialog_fill_invite (CrmSigninDialog *self,
                                                const char      *server_url,
                                                const char      *code,
                                                const char      *password,
                                                const char      *repeated);
/* What the dialog says now (progress, the error, the certificate question). */
const char      *crm_signin_dialog_get_status (CrmSigninDialog *self);
/* The token of a successful sign-in (also kept in the keyring when there is one). */
const char      *crm_signin_dialog_get_token  (CrmSigninDialog *self);
/* The fingerprint shown for an untrusted certificate, or NULL. */
const char      *crm_signin_dialog_get_fingerprint (CrmSigninDialog *self);

G_END_DECLS
