/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-credentials.h — the sign-in token in the desktop keyring (libsecret, schema
 * org.voronka.Voronka.Account, attributes "server" and "user"). Nothing secret is ever
 * written to a plain file. Without a session bus or with a locked keyring the calls fail
 * with a CRM_CREDENTIALS_ERROR that says so and what to do instead. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CRM_CREDENTIALS_SCHEMA_NAME "org.voronka.Voronka.Account"

#define CRM_CREDENTIALS_ERROR (crm_credentials_error_quark ())

typedef enum {
  CRM_CREDENTIALS_ERROR_FAILED,
  CRM_CREDENTIALS_ERROR_NO_KEYRING,   /* no session bus, or no keyring service on it */
  CRM_CREDENTIALS_ERROR_LOCKED,       /* the keyring is locked */
  CRM_CREDENTIALS_ERROR_TIMED_OUT,    /* the keyring did not answer (a prompt nobody sees) */
} CrmCredentialsError;

GQuark    crm_credentials_error_quark   (void);

/* Blocking calls with a time limit (for the CLI and tests; the app uses the async ones). */
gboolean  crm_credentials_store_token   (const char  *server,
                                         const char  *user,
                                         const char  *token,
                                         GError     **error);
/* NULL without an error when no token is stored for (@server, @user). */
char     *crm_credentials_lookup_token  (const char  *server,
                                         const char  *user,
                                         GError     **error);
/* TRUE also when there was nothing to delete. */
gboolean  crm_credentials_delete_token  (const char  *server,
                                         const char  *user,
                                         GError     **error);

void      crm_credentials_lookup_token_async  (const char          *server,
                                               const char          *user,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char     *crm_credentials_lookup_token_finish (GAsyncResult        *result,
                                               GError             **error);
void      crm_credentials_store_token_async   (const char          *server,
                                               const char          *user,
                                               const char          *token,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  crm_credentials_store_token_finish  (GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
