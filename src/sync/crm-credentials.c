/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-credentials.c — the token in the keyring through libsecret. The blocking calls run
 * the async ones on a private main context with a time limit, so a keyring that waits
 * for an unlock prompt nobody can see cannot hang the CLI. */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <libsecret/secret.h>
#include <glib/gi18n-lib.h>

#include "crm-credentials.h"

#define TIMEOUT_SECONDS 20

G_DEFINE_QUARK (crm-credentials-error-quark, crm_credentials_error)

static const SecretSchema *
account_schema (void)
{
  static const SecretSchema schema = {
    CRM_CREDENTIALS_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* libsecret would try to start a bus it cannot find; say plainly that there is none. */
static gboolean
have_session_bus (GError **error)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket = runtime ? g_build_filename (runtime, "bus", NULL) : NULL;

  if ((address != NULL && *address != '\0') ||
      (socket != NULL && g_file_test (socket, G_FILE_TEST_EXISTS)))
    return TRUE;
  g_set_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING,
               _("No desktop keyring is available (there is no D-Bus session bus), so the "
                 "sign-in cannot be kept; give the password each time (--password-stdin)"));
  return FALSE;
}

static GError *
translate_error (GError   *error,
                 gboolean  timed_out)
{
  GError *result;

  if (timed_out)
    result = g_error_new (CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_TIMED_OUT,
                          _("The keyring did not answer within %d seconds (is it locked and "
                            "waiting for its password?); unlock it and try again"),
                          TIMEOUT_SECONDS);
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    result = g_error_new (CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_LOCKED,
                          _("The keyring is locked; unlock it (sign in to the desktop) and try "
                            "again"));
  else if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR ||
           error->domain == G_SPAWN_ERROR)
    result = g_error_new (CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING,
                          _("No keyring service answers in this session (%s); give the "
                            "password each time (--password-stdin)"), error->message);
  else
    result = g_error_new (CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_FAILED,
                          _("The keyring refused: %s"), error->message);
  g_error_free (error);
  return result;
}

/* --- async --------------------------------------------------------------------------------- */

static gboolean
timed_out (GTask *task)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "crm-timed-out"));
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, translate_error (error, timed_out (task)));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
crm_credentials_lookup_token_async (const char          *server,
                                    const char          *user,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, crm_credentials_lookup_token_async);
  if (!have_session_bus (&error))
    {
      g_task_return_error (task, error);
      return;
    }
  secret_password_lookup (account_schema (), cancellable, lookup_done, g_object_ref (task),
                          "server", server, "user", user, NULL);
}

char *
crm_credentials_lookup_token_finish (GAsyncResult  *result,
                                     GError       **error)
{
  char *token = g_task_propagate_pointer (G_TASK (result), error);
  char *copy = g_strdup (token);

  secret_password_free (token);
  return copy;
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, translate_error (error, timed_out (task)));
  else
    g_task_return_boolean (task, TRUE);
}

void
crm_credentials_store_token_async (const char          *server,
                                   const char          *user,
                                   const char          *token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_("Voronka: %s on %s"), user, server);
  GError *error = NULL;

  g_task_set_source_tag (task, crm_credentials_store_token_async);
  if (!have_session_bus (&error))
    {
      g_task_return_error (task, error);
      return;
    }
  secret_password_store (account_schema (), SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         store_done, g_object_ref (task), "server", server, "user", user, NULL);
}

gboolean
crm_credentials_store_token_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
clear_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, translate_error (error, timed_out (task)));
  else
    g_task_return_boolean (task, TRUE);
}

/* --- blocking, with a time limit ------------------------------------------------------------ */

/* On the heap: a keyring that ignores the cancellation may still call back after the
 * time limit, when run_blocking () has long returned; such a Wait is then never freed. */
typedef struct {
  GAsyncResult *result;
  GCancellable *cancellable;
  gboolean      expired;
} Wait;

static void
wait_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
wait_expired (gpointer user_data)
{
  Wait *wait = user_data;

  wait->expired = TRUE;
  g_cancellable_cancel (wait->cancellable);
  return G_SOURCE_REMOVE;
}

typedef enum { LOOKUP, STORE, CLEAR } Call;

/* The result of @call, or a TIMED_OUT error once the time limit passed: a cancelled call
 * gets one more second to finish, then it is left behind. */
static GAsyncResult *
run_blocking (Call         call,
              const char  *server,
              const char  *user,
              const char  *token)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (TIMEOUT_SECONDS);
  Wait *wait = g_new0 (Wait, 1);
  GAsyncResult *result;
  gint64 give_up = 0;

  wait->cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, wait_expired, wait, NULL);
  g_source_attach (timeout, context);
  if (call == LOOKUP)
    crm_credentials_lookup_token_async (server, user, wait->cancellable, wait_done, wait);
  else if (call == STORE)
    crm_credentials_store_token_async (server, user, token, wait->cancellable, wait_done, wait);
  else
    {
      GTask *task = g_task_new (NULL, wait->cancellable, wait_done, wait);
      GError *error = NULL;

      if (!have_session_bus (&error))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
        }
      else
        secret_password_clear (account_schema (), wait->cancellable, clear_done, task,
                               "server", server, "user", user, NULL);
    }
  while (wait->result == NULL)
    {
      if (wait->expired && give_up == 0)
        give_up = g_get_monotonic_time () + G_USEC_PER_SEC;
      if (give_up != 0 && g_get_monotonic_time () >= give_up)
        break;
      if (give_up == 0)
        g_main_context_iteration (context, TRUE);
      else if (!g_main_context_iteration (context, FALSE))
        g_usleep (10000);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  if (wait->result == NULL)
    {
      /* still waiting (a prompt nobody can see): leave it behind */
      GTask *task = g_task_new (NULL, NULL, NULL, NULL);

      /* fix_timeout () turns it into the message that says what to do */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
      g_object_set_data (G_OBJECT (task), "crm-timed-out", GINT_TO_POINTER (TRUE));
      return G_ASYNC_RESULT (task);
    }
  if (wait->expired)
    g_object_set_data (G_OBJECT (wait->result), "crm-timed-out", GINT_TO_POINTER (TRUE));
  result = wait->result;
  g_object_unref (wait->cancellable);
  g_free (wait);
  return result;
}

static GError *
fix_timeout (GAsyncResult *result,
             GError       *error)
{
  if (error != NULL && timed_out (G_TASK (result)) &&
      !g_error_matches (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_TIMED_OUT))
    {
      g_error_free (error);
      return g_error_new (CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_TIMED_OUT,
                          _("The keyring did not answer within %d seconds (is it locked and "
                            "waiting for its password?); unlock it and try again"),
                          TIMEOUT_SECONDS);
    }
  return error;
}

char *
crm_credentials_lookup_token (const char  *server,
                              const char  *user,
                              GError     **error)
{
  g_autoptr(GAsyncResult) result = run_blocking (LOOKUP, server, user, NULL);
  GError *local_error = NULL;
  char *token = crm_credentials_lookup_token_finish (result, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, fix_timeout (result, local_error));
  return token;
}

gboolean
crm_credentials_store_token (const char  *server,
                             const char  *user,
                             const char  *token,
                             GError     **error)
{
  g_autoptr(GAsyncResult) result = run_blocking (STORE, server, user, token);
  GError *local_error = NULL;

  if (!crm_credentials_store_token_finish (result, &local_error))
    {
      g_propagate_error (error, fix_timeout (result, local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_credentials_delete_token (const char  *server,
                              const char  *user,
                              GError     **error)
{
  g_autoptr(GAsyncResult) result = run_blocking (CLEAR, server, user, NULL);
  GError *local_error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &local_error))
    {
      g_propagate_error (error, fix_timeout (result, local_error));
      return FALSE;
    }
  return TRUE;
}
