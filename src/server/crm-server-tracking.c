/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-tracking.c — the tracking image and the unsubscribe link of the e-mails the
 * server delivers (see crm-server-tracking.h). Tokens live in server.db's `tracking`
 * table (made here, IF NOT EXISTS, like the other tables src/server keeps there), or on
 * PostgreSQL in the database's (its schema step 3); what changes in an account is written
 * by core's crm-message.h on the server's replica, as the storage writes. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <sys/random.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "crm-message.h"
#include "crm-participant.h"
#include "crm-protocol.h"
#include "crm-server-log.h"
#include "crm-server-sqlite.h"
#include "crm-server-pg.h"
#include "crm-server-tracking.h"
#include "crm-time.h"

static const char tables_sql[] =
  "CREATE TABLE IF NOT EXISTS tracking (token TEXT PRIMARY KEY NOT NULL,"
  " account TEXT NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL,"
  " opened_at INTEGER, unsubscribed_at INTEGER, UNIQUE (account, message))";

/* GIF89a, 1×1, one transparent pixel. */
static const guint8 pixel_gif[] = {
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
  0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
  0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b
};

static gboolean
db_failed (sqlite3     *db,
           const char  *what,
           GError     **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("The server database failed while %s: %s"), what, sqlite3_errmsg (db));
  return FALSE;
}

static gboolean
ensure_table (sqlite3  *db,
              GError  **error)
{
  if (sqlite3_exec (db, tables_sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_failed (db, "making the tracking table", error);
  return TRUE;
}

/* 32 bytes from the kernel's random source, base64url without padding. */
static char *
new_token (GError **error)
{
  guint8 bytes[32];
  gsize got = 0;
  char *token;

  while (got < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);

      if (n < 0)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                       _("No random bytes for a tracking token: %s"), g_strerror (errno));
          return NULL;
        }
      got += (gsize) n;
    }
  token = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (token, "+", '-');
  g_strdelimit (token, "/", '_');
  *strchr (token, '=') = '\0';
  return token;
}

/* On PostgreSQL: @sql's first row's first column (NULL: no row, or @error). */
static char *
pg_value (CrmServerStorage    *storage,
          const char          *sql,
          int                  n,
          const char *const   *values,
          gboolean            *out_row,
          GError             **error)
{
  PGresult *result = crm_server_pg_run (CRM_SERVER_PG (storage), sql, n, values, error);
  char *value = NULL;

  if (out_row != NULL)
    *out_row = result != NULL && PQntuples (result) > 0;
  if (result != NULL && PQntuples (result) > 0 && PQnfields (result) > 0 &&
      !PQgetisnull (result, 0, 0))
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  return value;
}

static char *
lookup_token (CrmServerStorage *storage,
              const char       *account_id,
              const char       *message_id)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  char *token = NULL;

  if (CRM_IS_SERVER_PG (storage))
    {
      const char *values[] = { account_id, message_id };

      return pg_value (storage, "SELECT token FROM tracking WHERE account = $1 AND message = $2",
                       2, values, NULL, NULL);
    }
  db = crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage));

  if (sqlite3_prepare_v2 (db, "SELECT token FROM tracking WHERE account = ?1 AND message = ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, message_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    token = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return token;
}

char *
crm_server_tracking_token (CrmServerStorage  *storage,
                           const char        *account_id,
                           const char        *message_id,
                           GError           **error)
{
  g_autofree char *token = NULL;
  g_autofree char *now = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!CRM_IS_SERVER_PG (storage) &&
      !ensure_table (crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage)), error))
    return NULL;
  if ((token = lookup_token (storage, account_id, message_id)) != NULL)
    return g_steal_pointer (&token);
  if ((token = new_token (error)) == NULL)
    return NULL;
  if (CRM_IS_SERVER_PG (storage))
    {
      const char *values[] = { token, account_id, message_id, NULL };
      gboolean row = FALSE;
      g_autofree char *kept = NULL;

      now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
      values[3] = now;
      /* another process may have given the message its token meanwhile: that one */
      kept = pg_value (storage, "INSERT INTO tracking (token, account, message, created_at)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT (account, message) DO UPDATE"
                       " SET account = excluded.account RETURNING token", 4, values, &row,
                       error);
      return g_steal_pointer (&kept);
    }
  db = crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage));
  if (sqlite3_prepare_v2 (db, "INSERT INTO tracking (token, account, message, created_at)"
                          " VALUES (?1, ?2, ?3, ?4)", -1, &stmt, NULL) != SQLITE_OK)
    {
      db_failed (db, "keeping a tracking token", error);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, message_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, crm_time_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_failed (db, "keeping a tracking token", error);
      return NULL;
    }
  return g_steal_pointer (&token);
}

/* The account and message of @token; FALSE when it is unknown (or server.db failed:
 * @error set). */
static gboolean
resolve (CrmServerStorage  *storage,
         const char        *token,
         char             **out_account,
         char             **out_message,
         gint64            *out_opened_at,
         GError           **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (CRM_IS_SERVER_PG (storage))
    {
      const char *values[] = { token };
      PGresult *result = crm_server_pg_run (CRM_SERVER_PG (storage),
        "SELECT account, message, coalesce (opened_at, 0) FROM tracking WHERE token = $1", 1,
        values, error);
      gboolean found = result != NULL && PQntuples (result) > 0;

      if (found)
        {
          *out_account = g_strdup (PQgetvalue (result, 0, 0));
          *out_message = g_strdup (PQgetvalue (result, 0, 1));
          *out_opened_at = g_ascii_strtoll (PQgetvalue (result, 0, 2), NULL, 10);
        }
      PQclear (result);
      return found;
    }
  db = crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage));
  if (!ensure_table (db, error))
    return FALSE;
  if (sqlite3_prepare_v2 (db, "SELECT account, message, coalesce (opened_at, 0) FROM tracking"
                          " WHERE token = ?1", -1, &stmt, NULL) != SQLITE_OK)
    return db_failed (db, "reading a tracking token", error);
  sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_account = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *out_message = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      *out_opened_at = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_failed (db, "reading a tracking token", error);
  return rc == SQLITE_ROW;
}

/* The first time of an event; FALSE when it was recorded before (by this process or
 * another) or could not be. */
static gboolean
stamp (CrmServerStorage *storage,
       const char       *token,
       const char       *column)
{
  g_autofree char *sql = NULL;
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gboolean first;

  if (CRM_IS_SERVER_PG (storage))
    {
      const char *values[] = { token, now };
      g_autoptr(GError) error = NULL;
      PGresult *result;

      sql = g_strdup_printf ("UPDATE tracking SET %s = $2 WHERE token = $1 AND %s IS NULL",
                             column, column);
      result = crm_server_pg_run (CRM_SERVER_PG (storage), sql, 2, values, &error);
      if (result == NULL)
        g_warning ("Could not record a tracking event: %s", error->message);
      first = result != NULL && g_str_equal (PQcmdTuples (result), "1");
      PQclear (result);
      return first;
    }
  db = crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage));
  sql = g_strdup_printf ("UPDATE tracking SET %s = ?2 WHERE token = ?1 AND %s IS NULL",
                         column, column);

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, crm_time_now_ms ());
  first = sqlite3_step (stmt) == SQLITE_DONE;
  if (!first)
    g_warning ("Could not record a tracking event: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return first && sqlite3_changes (db) == 1;
}

typedef struct {
  const char  *message_id;
  gboolean     opened;      /* else unsubscribe */
  gboolean     changed;
  char        *name;
} Event;

static gboolean
record_event (CrmServerBackend  *backend,
              CrmStore          *store,
              gpointer           data,
              GError           **error)
{
  Event *event = data;

  if (event->opened)
    return crm_message_mark_opened (store, event->message_id, &event->changed, error);
  event->changed = TRUE;
  return crm_message_unsubscribe (store, event->message_id, &event->name, error);
}

/* A token is exactly 43 base64url characters: anything else is not looked up. */
static gboolean
token_shaped (const char *token)
{
  return strlen (token) == CRM_TRACKING_TOKEN_LENGTH &&
         strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
         == CRM_TRACKING_TOKEN_LENGTH;
}

static void
log_event (const char *account_id,
           const char *message_id,
           const char *line)
{
  crm_server_log (G_LOG_LEVEL_INFO, "tracking", line, "VORONKA_MESSAGE", message_id,
                  "VORONKA_ACCOUNT_ID", account_id, NULL);
}

/* --- answers ------------------------------------------------------------------------------ */

static void
respond_pixel (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store, max-age=0");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/gif", SOUP_MEMORY_STATIC,
                                    (const char *) pixel_gif, sizeof pixel_gif);
}

/* A small page in the server's language: @title, @text and, with @form_action, one
 * button (@button, or «Unsubscribe») that POSTs there. */
static void
respond_page_with (SoupServerMessage *msg,
                   guint              status,
                   const char        *title,
                   const char        *text,
                   const char        *form_action,
                   const char        *button_text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *page = NULL;
  g_autofree char *title_html = g_markup_escape_text (title, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  g_autofree char *form = NULL;

  if (form_action != NULL)
    {
      g_autofree char *button = g_markup_escape_text (button_text != NULL ? button_text
                                                                     : _("Unsubscribe"), -1);

      form = g_strdup_printf ("<form method=\"post\" action=\"%s\"><button type=\"submit\">"
                              "%s</button></form>", form_action, button);
    }
  page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<meta name=\"robots\" content=\"noindex\">"
                          "<title>%s</title></head>"
                          "<body style=\"font-family:sans-serif;max-width:36em;margin:3em auto;"
                          "padding:0 1em\"><h1>%s</h1><p>%s</p>%s</body></html>\n",
                          title_html, title_html, text_html, form != NULL ? form : "");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Robots-Tag", "noindex");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&page), strlen (page));
}

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text,
              const char        *form_action)
{
  respond_page_with (msg, status, title, text, form_action, NULL);
}

static void
respond_method (SoupServerMessage *msg,
                const char        *allowed)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
  soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    "", 0);
}

/* GET /t/TOKEN(.gif): the image, whatever the token; a known one marks its message. */
static void
handle_open (CrmServerStorage  *storage,
             SoupServerMessage *msg,
             const char        *token,
             gboolean          *out_changed)
{
  g_autofree char *account_id = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 opened_at = 0;
  Event event = { NULL, TRUE, FALSE, NULL };

  respond_pixel (msg);
  if (!token_shaped (token) ||
      !resolve (storage, token, &account_id, &message_id, &opened_at, &error))
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      return;
    }
  /* opened before: the first time counts (of all processes, the one that stamps it) */
  if (opened_at != 0 || !stamp (storage, token, "opened_at"))
    return;
  event.message_id = message_id;
  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), account_id, record_event, &event,
                                 &error))
    {
      g_autofree char *line = g_strdup_printf ("message %s opened, but it could not be "
                                               "recorded: %s", message_id, error->message);

      crm_server_log (G_LOG_LEVEL_WARNING, "tracking", line, "VORONKA_MESSAGE", message_id,
                      NULL);
      return;
    }
  *out_changed = event.changed;
  {
    g_autofree char *line = g_strdup_printf ("message %s opened by its recipient", message_id);

    log_event (account_id, message_id, line);
  }
}

/* GET /u/TOKEN: the page with the button; POST: unsubscribed. */
static void
handle_unsubscribe (CrmServerStorage  *storage,
                    SoupServerMessage *msg,
                    const char        *token,
                    gboolean          *out_changed)
{
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *account_id = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 opened_at = 0;
  Event event = { NULL, FALSE, FALSE, NULL };

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_POST)
    {
      respond_method (msg, "GET, POST");
      return;
    }
  if (!token_shaped (token) ||
      !resolve (storage, token, &account_id, &message_id, &opened_at, &error))
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      respond_page (msg, SOUP_STATUS_NOT_FOUND, _("This link does not work"),
                    _("The address is not complete or not right. Open the link from the "
                      "e-mail once more, or reply to the e-mail and ask not to be written to."),
                    NULL);
      return;
    }
  if (method == SOUP_METHOD_GET)
    {
      /* a mail scanner fetching links changes nothing: the person presses the button */
      respond_page (msg, SOUP_STATUS_OK, _("Unsubscribe from e-mails"),
                    _("Press the button and we will send no more e-mails to this address."),
                    token);
      return;
    }
  event.message_id = message_id;
  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), account_id, record_event, &event,
                                 &error))
    {
      g_autofree char *line = g_strdup_printf ("unsubscribe from message %s failed: %s",
                                               message_id, error->message);

      crm_server_log (G_LOG_LEVEL_WARNING, "tracking", line, "VORONKA_MESSAGE", message_id,
                      NULL);
      respond_page (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, _("Not done"),
                    _("Something went wrong on our side; please try again later, or reply "
                      "to the e-mail and ask not to be written to."), NULL);
      return;
    }
  g_free (event.name);
  stamp (storage, token, "unsubscribed_at");
  *out_changed = TRUE;
  {
    g_autofree char *line = g_strdup_printf ("the recipient of message %s unsubscribed from "
                                             "e-mails", message_id);

    log_event (account_id, message_id, line);
  }
  respond_page (msg, SOUP_STATUS_OK, _("You are unsubscribed"),
                _("We will send no more e-mails to this address."), NULL);
}

typedef struct {
  const char  *message_id;
  int          score;
  gboolean     recorded;
  int          now;          /* the score the participant has after the write */
  char        *name;
} Rating;

static gboolean
record_rating (CrmServerBackend  *backend,
               CrmStore          *store,
               gpointer           data,
               GError           **error)
{
  Rating *rating = data;

  return crm_participant_rate_by_message (store, rating->message_id, rating->score,
                                          &rating->recorded, &rating->name, &rating->now, error);
}

/* GET /r/TOKEN/N: the page with the button; POST: the score N recorded, once (S4-10). */
static void
handle_rate (CrmServerStorage  *storage,
             SoupServerMessage *msg,
             const char        *rest,
             gboolean          *out_changed)
{
  const char *method = soup_server_message_get_method (msg);
  const char *slash = strchr (rest, '/');
  g_autofree char *token = slash != NULL ? g_strndup (rest, slash - rest) : g_strdup (rest);
  g_autofree char *account_id = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 opened_at = 0;
  guint64 score = 0;
  Rating rating = { NULL, 0, FALSE, 0, NULL };

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_POST)
    {
      respond_method (msg, "GET, POST");
      return;
    }
  if (slash == NULL || !g_ascii_string_to_unsigned (slash + 1, 10, 0, CRM_PARTICIPANT_NPS_MAX,
                                                    &score, NULL) ||
      !token_shaped (token) ||
      !resolve (storage, token, &account_id, &message_id, &opened_at, &error))
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      respond_page (msg, SOUP_STATUS_NOT_FOUND, _("This link does not work"),
                    _("The address is not complete or not right. Open the link from the "
                      "e-mail once more, or reply to the e-mail with your score from 0 to 10."),
                    NULL);
      return;
    }
  if (method == SOUP_METHOD_GET)
    {
      /* a mail scanner fetching the links records nothing: the person presses the button */
      g_autofree char *text = g_strdup_printf (_("Your score: %u out of 10. Press the button to "
                                                 "send it; thank you!"), (guint) score);
      g_autofree char *action = g_strdup_printf ("%u", (guint) score);

      respond_page_with (msg, SOUP_STATUS_OK, _("Your rating"), text, action, _("Send my score"));
      return;
    }
  rating.message_id = message_id;
  rating.score = (int) score;
  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), account_id, record_rating, &rating,
                                 &error))
    {
      g_autofree char *line = g_strdup_printf ("the rating of message %s could not be recorded: %s",
                                               message_id, error->message);

      crm_server_log (G_LOG_LEVEL_WARNING, "tracking", line, "VORONKA_MESSAGE", message_id, NULL);
      g_free (rating.name);
      respond_page (msg, g_error_matches (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND)
                         ? SOUP_STATUS_NOT_FOUND : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                    _("Not done"),
                    _("Your score could not be recorded; please reply to the e-mail with it."),
                    NULL);
      return;
    }
  g_free (rating.name);
  if (!rating.recorded)
    {
      g_autofree char *text = g_strdup_printf (_("We have your score already: %d out of 10. "
                                                 "Thank you!"), rating.now);

      respond_page (msg, SOUP_STATUS_OK, _("Thank you"), text, NULL);
      return;
    }
  *out_changed = TRUE;
  {
    g_autofree char *line = g_strdup_printf ("the recipient of message %s rated it %u",
                                             message_id, (guint) score);

    log_event (account_id, message_id, line);
  }
  respond_page (msg, SOUP_STATUS_OK, _("Thank you"),
                _("Your score is recorded. Thank you for your time!"), NULL);
}

gboolean
crm_server_tracking_handle (CrmServerStorage  *storage,
                            SoupServerMessage *msg,
                            const char        *path,
                            gboolean          *out_changed)
{
  gboolean open = g_str_has_prefix (path, CRM_TRACKING_OPEN_PREFIX);
  g_autofree char *token = NULL;
  SoupMessageBody *body;

  *out_changed = FALSE;
  if (!open && !g_str_has_prefix (path, CRM_TRACKING_UNSUBSCRIBE_PREFIX) &&
      !g_str_has_prefix (path, CRM_TRACKING_RATE_PREFIX))
    return FALSE;
  token = g_strdup (path + strlen (CRM_TRACKING_OPEN_PREFIX));
  if (open && g_str_has_suffix (token, ".gif"))
    token[strlen (token) - 4] = '\0';
  body = soup_server_message_get_request_body (msg);
  if (body != NULL && body->length > CRM_TRACKING_MAX_BODY)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                        "", 0);
      return TRUE;
    }
  if (open)
    {
      const char *method = soup_server_message_get_method (msg);

      if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
        respond_method (msg, "GET");
      else
        handle_open (storage, msg, token, out_changed);
    }
  else if (g_str_has_prefix (path, CRM_TRACKING_RATE_PREFIX))
    handle_rate (storage, msg, token, out_changed);
  else
    handle_unsubscribe (storage, msg, token, out_changed);
  return TRUE;
}
