/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-mailboxes.c — requests from mailboxes (see crm-server-mailboxes.h).
 *
 * server.db keeps each mailbox (URL, user, password, where its requests go) with what
 * was taken from it: the folder's UIDVALIDITY and the last UID looked at. A check reads
 * the e-mails after that UID (crm-server-mail.c), writes each one as a request through
 * crm_request_take() — whose deal id derives from the e-mail's Message-ID, so an e-mail
 * read twice (a check that died before it saved its UID, a folder whose UIDVALIDITY
 * changed) makes one request — and then saves the new UID. A mailbox being checked is
 * leased in server.db (busy_until, busy_pid), so `mailbox check` and the server's own
 * check never read it at once. On PostgreSQL the same tables are the database's (one of
 * its schema steps), the lease an advisory lock, so of several processes exactly one
 * reads a mailbox at a time, and what a check took is written into the account's log
 * under its lock like any write. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-stdin.h"
#include "crm-server-mailboxes.h"
#include "crm-server-auth.h"
#include "crm-server-channels.h"
#include "crm-server-command.h"
#include "crm-server-log.h"
#include "crm-server-mail.h"
#include "crm-server-admin.h"
#include "crm-server-backend.h"
#include "crm-server-db.h"
#include "crm-server-files.h"
#include "crm-attachment.h"
#include "crm-ledger.h"
#include "crm-query.h"
#include "crm-request.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-json.h"

/* How long a check may hold a mailbox before another may take it over (a check that
 * died without saying so: its process is gone, or it ran over this). */
#define LEASE_MS (15 * 60 * 1000)

const char crm_server_mailboxes_migration[] =
  "CREATE TABLE mailbox (id TEXT PRIMARY KEY NOT NULL,"
  " account TEXT NOT NULL REFERENCES account (id), url TEXT NOT NULL,"
  " username TEXT NOT NULL, password TEXT NOT NULL, ca_file TEXT,"
  " pipeline TEXT NOT NULL, stage TEXT NOT NULL, responsible TEXT,"
  " new_only INTEGER NOT NULL DEFAULT 0,"
  " uidvalidity INTEGER NOT NULL DEFAULT 0, last_uid INTEGER NOT NULL DEFAULT 0,"
  " taken INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,"
  " last_check_at INTEGER, last_error TEXT, last_error_at INTEGER,"
  " busy_until INTEGER NOT NULL DEFAULT 0, busy_pid INTEGER NOT NULL DEFAULT 0,"
  " created_at INTEGER NOT NULL, UNIQUE (account, url, username));"
  "CREATE TABLE mailbox_blocked (account TEXT NOT NULL REFERENCES account (id),"
  " email TEXT NOT NULL, deal TEXT, number INTEGER, blocked_at INTEGER NOT NULL,"
  " PRIMARY KEY (account, email));";

/* --- the mailbox tables (server.db's, or the PostgreSQL database's) -------------------- */

typedef struct {
  char   *id;
  char   *account_id;
  char   *account_name;
  char   *url;
  char   *user;
  char   *password;
  char   *ca_file;
  char   *pipeline;
  char   *stage;
  char   *responsible;
  gboolean new_only;
  gint64  uidvalidity;
  gint64  last_uid;
  gint64  taken;
  gint64  skipped;
  gint64  last_check_at;
  char   *last_error;
  gint64  last_error_at;
  gint64  busy_until;
  gint64  busy_pid;
} Mailbox;

static void
mailbox_free (Mailbox *box)
{
  if (box == NULL)
    return;
  g_free (box->id);
  g_free (box->account_id);
  g_free (box->account_name);
  g_free (box->url);
  g_free (box->user);
  if (box->password != NULL)
    memset (box->password, 0, strlen (box->password));
  g_free (box->password);
  g_free (box->ca_file);
  g_free (box->pipeline);
  g_free (box->stage);
  g_free (box->responsible);
  g_free (box->last_error);
  g_free (box);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mailbox, mailbox_free)

static char *
int_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

/* A statement on the storage's own tables (server.db's, or PostgreSQL's). */
static CrmServerRows *
db_run (CrmServerStorage   *storage,
        const char         *what,
        const char         *sql,
        int                 n,
        const char *const  *values,
        GError            **error)
{
  return crm_server_db_run (storage, what, sql, n, values, error);
}

static gboolean
db_exec (CrmServerStorage  *storage,
         const char        *sql,
         GError           **error)
{
  g_autoptr(CrmServerRows) rows = db_run (storage, sql, sql, 0, NULL, error);

  return rows != NULL;
}

/* A write transaction: SQLite takes its write lock at once. */
static gboolean
db_begin (CrmServerStorage  *storage,
          GError           **error)
{
  return db_exec (storage, crm_server_db_is_shared (storage) ? "BEGIN" : "BEGIN IMMEDIATE",
                  error);
}

static void
db_rollback (CrmServerStorage *storage)
{
  g_autoptr(CrmServerRows) rows = db_run (storage, "rolling back", "ROLLBACK", 0, NULL, NULL);
}

#define MAILBOX_COLUMNS \
  "m.id, m.account, a.name, m.url, m.username, m.password, m.ca_file, m.pipeline," \
  " m.stage, m.responsible, m.new_only, m.uidvalidity, m.last_uid, m.taken, m.skipped," \
  " m.last_check_at, m.last_error, m.last_error_at, m.busy_until, m.busy_pid"

static Mailbox *
mailbox_from_row (CrmServerRows *rows,
                  guint          row)
{
  Mailbox *box = g_new0 (Mailbox, 1);

  box->id = crm_server_rows_dup (rows, row, 0);
  box->account_id = crm_server_rows_dup (rows, row, 1);
  box->account_name = crm_server_rows_dup (rows, row, 2);
  box->url = crm_server_rows_dup (rows, row, 3);
  box->user = crm_server_rows_dup (rows, row, 4);
  box->password = crm_server_rows_dup (rows, row, 5);
  box->ca_file = crm_server_rows_dup (rows, row, 6);
  box->pipeline = crm_server_rows_dup (rows, row, 7);
  box->stage = crm_server_rows_dup (rows, row, 8);
  box->responsible = crm_server_rows_dup (rows, row, 9);
  box->new_only = crm_server_rows_int (rows, row, 10) != 0;
  box->uidvalidity = crm_server_rows_int (rows, row, 11);
  box->last_uid = crm_server_rows_int (rows, row, 12);
  box->taken = crm_server_rows_int (rows, row, 13);
  box->skipped = crm_server_rows_int (rows, row, 14);
  box->last_check_at = crm_server_rows_int (rows, row, 15);
  box->last_error = crm_server_rows_dup (rows, row, 16);
  box->last_error_at = crm_server_rows_int (rows, row, 17);
  box->busy_until = crm_server_rows_int (rows, row, 18);
  box->busy_pid = crm_server_rows_int (rows, row, 19);
  return box;
}

/* The mailboxes of an account (@account_id NULL: of every account), by URL and user. */
static GPtrArray *
list_mailboxes (CrmServerStorage  *storage,
                const char        *account_id,
                GError           **error)
{
  g_autoptr(GPtrArray) boxes = g_ptr_array_new_with_free_func ((GDestroyNotify) mailbox_free);
  const char *values[] = { account_id };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the mailboxes",
    "SELECT " MAILBOX_COLUMNS " FROM mailbox m JOIN account a ON a.id = m.account"
    " WHERE CAST ($1 AS text) IS NULL OR m.account = $1 ORDER BY a.name, m.url, m.username",
    1, values, error);

  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    g_ptr_array_add (boxes, mailbox_from_row (rows, i));
  return g_steal_pointer (&boxes);
}

static char *
lookup_account (CrmServerStorage  *storage,
                const char        *name,
                const char        *data_dir,
                GError           **error)
{
  const char *values[] = { name };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the accounts",
    "SELECT id FROM account WHERE name = $1", 1, values, error);
  char *id = NULL;

  if (rows == NULL)
    return NULL;
  if (crm_server_rows_count (rows) > 0)
    id = crm_server_rows_dup (rows, 0, 0);
  if (id == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no account «%s» in %s"), name,
                 crm_server_db_is_shared (storage) ? _("the PostgreSQL database") : data_dir);
  return id;
}

static gboolean
process_alive (gint64 pid)
{
  if (pid <= 0 || pid > G_MAXINT)
    return FALSE;
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

/* Leases @box for this process: FALSE without an error when another check holds it.
 * On PostgreSQL the lease is a session advisory lock on the mailbox, so of several
 * processes (on several machines) exactly one reads it at a time; a process that dies
 * or loses its connection frees it at once. */
static gboolean
claim (CrmServerStorage  *storage,
       Mailbox           *box,
       gint64            *out_holder,
       GError           **error)
{
  g_autofree char *until = int_text (crm_time_now_ms () + LEASE_MS);
  g_autofree char *pid = int_text (getpid ());
  g_autoptr(CrmServerRows) rows = NULL;
  g_autoptr(CrmServerRows) leased = NULL;
  gint64 busy_until = 0, busy_pid = 0;
  gboolean free_now;

  if (crm_server_db_is_shared (storage))
    {
      const char *values[] = { box->id };

      rows = db_run (storage, "leasing a mailbox",
                     "SELECT pg_try_advisory_lock (hashtextextended ($1, 11)), busy_pid"
                     " FROM mailbox WHERE id = $1", 1, values, error);
      if (rows == NULL)
        return FALSE;
      if (crm_server_rows_count (rows) == 0)
        return FALSE;   /* removed meanwhile */
      if (!g_str_equal (crm_server_rows_text (rows, 0, 0), "t"))
        {
          if (out_holder != NULL)
            *out_holder = crm_server_rows_int (rows, 0, 1);
          return FALSE;
        }
    }
  else
    {
      const char *values[] = { box->id };

      if (!db_begin (storage, error))
        return FALSE;
      rows = db_run (storage, "leasing a mailbox",
                     "SELECT busy_until, busy_pid FROM mailbox WHERE id = $1", 1, values, error);
      if (rows == NULL)
        goto failed;
      if (crm_server_rows_count (rows) > 0)
        {
          busy_until = crm_server_rows_int (rows, 0, 0);
          busy_pid = crm_server_rows_int (rows, 0, 1);
        }
      free_now = busy_until <= crm_time_now_ms () || busy_pid == getpid () ||
                 !process_alive (busy_pid);
      if (!free_now)
        {
          if (out_holder != NULL)
            *out_holder = busy_pid;
          db_rollback (storage);
          return FALSE;
        }
    }
  {
    const char *values[] = { box->id, until, pid };

    leased = db_run (storage, "leasing a mailbox",
                     "UPDATE mailbox SET busy_until = $2, busy_pid = $3 WHERE id = $1",
                     G_N_ELEMENTS (values), values, error);
  }
  if (leased == NULL)
    goto failed;
  return crm_server_db_is_shared (storage) || db_exec (storage, "COMMIT", error);

failed:
  if (!crm_server_db_is_shared (storage))
    db_rollback (storage);
  return FALSE;
}

/* Ends the lease, saving what the check found (@batch NULL: nothing read; @problem NULL:
 * no error, and the last error is cleared). */
static void
release (CrmServerStorage   *storage,
         const Mailbox      *box,
         const CrmMailBatch *batch,
         gint64              last_uid,
         guint               taken,
         guint               skipped,
         const char         *problem,
         gboolean            checked)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *validity = int_text (batch != NULL ? batch->uidvalidity : 0);
  g_autofree char *uid = int_text (last_uid);
  g_autofree char *taken_text = int_text (taken);
  g_autofree char *skipped_text = int_text (skipped);
  g_autofree char *now = int_text (crm_time_now_ms ());
  g_autofree char *pid = int_text (getpid ());
  const char *values[] = { box->id, validity, uid, taken_text, skipped_text, now, problem,
                           checked ? "1" : "0", pid };
  g_autoptr(CrmServerRows) saved = db_run (storage, "saving a mailbox's check",
    "UPDATE mailbox SET busy_until = 0, busy_pid = 0,"
    " uidvalidity = CASE WHEN CAST ($2 AS bigint) > 0 THEN CAST ($2 AS bigint)"
    "  ELSE uidvalidity END,"
    " last_uid = CASE WHEN CAST ($2 AS bigint) > 0 THEN CAST ($3 AS bigint) ELSE last_uid END,"
    " taken = taken + CAST ($4 AS bigint), skipped = skipped + CAST ($5 AS bigint),"
    " last_check_at = CASE WHEN CAST ($8 AS integer) = 1 THEN CAST ($6 AS bigint)"
    "  ELSE last_check_at END,"
    " last_error = CASE WHEN CAST ($8 AS integer) = 1 THEN CAST ($7 AS text) ELSE last_error END,"
    " last_error_at = CASE WHEN CAST ($8 AS integer) = 1 AND CAST ($7 AS text) IS NOT NULL"
    "  THEN CAST ($6 AS bigint) ELSE last_error_at END"
    " WHERE id = $1 AND busy_pid = CAST ($9 AS bigint)", G_N_ELEMENTS (values), values, &error);

  if (saved == NULL)
    g_warning ("Could not save the check of mailbox %s: %s", box->url, error->message);
  if (crm_server_db_is_shared (storage))
    {
      const char *key[] = { box->id };
      g_autoptr(CrmServerRows) unlocked = db_run (storage, "ending a mailbox's lease",
        "SELECT pg_advisory_unlock (hashtextextended ($1, 11))", 1, key, NULL);
    }
}

/* --- blocked senders ----------------------------------------------------------------------- */

/* Brings the account's blocked senders up to the requests closed as spam in its replica
 * (a request opened again unblocks its sender); returns e-mail → deal number (0: none). */
static GHashTable *
refresh_blocked (CrmServerStorage  *storage,
                 const char        *account_id,
                 const char        *account_name,
                 CrmStore          *store,
                 gboolean           serving,
                 GError           **error)
{
  g_autoptr(GHashTable) blocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonArray) senders = crm_request_spam_senders (store, error);
  g_autofree char *now = int_text (crm_time_now_ms ());
  g_autoptr(CrmServerRows) rows = NULL;
  GHashTableIter iter;
  gpointer key;

  if (senders == NULL)
    return NULL;
  {
    const char *values[] = { account_id };

    rows = db_run (storage, "reading the blocked senders",
                   "SELECT email FROM mailbox_blocked WHERE account = $1", 1, values, error);
  }
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    g_hash_table_add (known, crm_server_rows_dup (rows, i, 0));

  if (!db_begin (storage, error))
    return NULL;
  for (guint i = 0; i < json_array_get_length (senders); i++)
    {
      JsonObject *sender = json_array_get_object_element (senders, i);
      const char *email = json_object_get_string_member (sender, "email");
      gint64 number = json_object_get_null_member (sender, "number")
                       ? 0 : json_object_get_int_member (sender, "number");
      g_autofree char *number_text = number > 0 ? int_text (number) : NULL;
      const char *values[] = { account_id, email,
                               json_object_get_string_member (sender, "deal"), number_text,
                               now };
      g_autoptr(CrmServerRows) written = NULL;

      g_hash_table_insert (blocked, g_strdup (email), GINT_TO_POINTER ((gint) MIN (number, G_MAXINT)));
      if (g_hash_table_remove (known, email))
        continue;
      written = db_run (storage, "blocking a sender",
        "INSERT INTO mailbox_blocked (account, email, deal, number, blocked_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account, email) DO UPDATE SET"
        " deal = excluded.deal, number = excluded.number, blocked_at = excluded.blocked_at",
        G_N_ELEMENTS (values), values, error);
      if (written == NULL)
        goto failed;
      {
        g_autofree char *message = g_strdup_printf (
          "mailbox: account «%s»: e-mail from %s makes no more requests (request %lld "
          "was closed as «%s»)", account_name, email, (long long) number, CRM_SPAM_REASON);

        crm_server_log (serving ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG, "mailbox-blocked",
                        message, "VORONKA_ACCOUNT", account_name, NULL);
      }
    }
  /* what remains of the known ones was opened again */
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *values[] = { account_id, key };
      g_autoptr(CrmServerRows) removed = db_run (storage, "unblocking a sender",
        "DELETE FROM mailbox_blocked WHERE account = $1 AND email = $2", 2, values, error);

      if (removed == NULL)
        goto failed;
    }
  if (!db_exec (storage, "COMMIT", error))
    goto failed;
  return g_steal_pointer (&blocked);

failed:
  db_rollback (storage);
  return NULL;
}

/* --- taking a batch of e-mails --------------------------------------------------------- */

typedef struct {
  JsonArray *taken;    /* [{"uid","deal","number","title","from","name","contact","new_contact"}] */
  JsonArray *skipped;  /* [{"uid","from","reason"}] */
  gint64     last_uid; /* up to where the batch was written */
  char      *problem;  /* a request that could not be written: the batch stopped there */
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->taken, json_array_unref);
  g_clear_pointer (&outcome->skipped, json_array_unref);
  g_clear_pointer (&outcome->problem, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
note_skipped (Outcome       *outcome,
              const Mailbox *box,
              const CrmMail *mail,
              const char    *reason,
              gboolean       serving)
{
  JsonObject *entry = json_object_new ();
  g_autofree char *message = g_strdup_printf ("mailbox %s: e-mail UID %lld%s%s skipped: %s",
                                              box->url, (long long) mail->uid,
                                              mail->from_email ? " from " : "",
                                              mail->from_email ? mail->from_email : "", reason);

  json_object_set_int_member (entry, "uid", mail->uid);
  if (mail->from_email != NULL)
    json_object_set_string_member (entry, "from", mail->from_email);
  else
    json_object_set_null_member (entry, "from");
  json_object_set_string_member (entry, "reason", reason);
  json_array_add_object_element (outcome->skipped, entry);
  /* `mailbox check` prints it instead */
  if (serving)
    crm_server_log (mail->problem != NULL ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO,
                    "mailbox-skipped", message, "VORONKA_ACCOUNT", box->account_name, NULL);
}

/* The key a request of @mail is known by for good. */
static char *
request_key (const Mailbox      *box,
             const CrmMailBatch *batch,
             const CrmMail      *mail)
{
  if (mail->message_id != NULL && *mail->message_id != '\0')
    return g_strconcat ("message-id:", mail->message_id, NULL);
  return g_strdup_printf ("mailbox:%s/%lld/%lld", box->id, (long long) batch->uidvalidity,
                          (long long) mail->uid);
}

/* The date a request was received: the e-mail's Date when it is believable. */
static gint64
received_at (const CrmMail *mail)
{
  gint64 now = crm_time_now_ms ();

  if (mail->date > now - (gint64) 30 * 24 * 3600 * 1000 && mail->date < now + 5 * 60 * 1000)
    return mail->date;
  return now;
}

/* The account's room for files as a mailbox's attachments use it: where they go, and the
 * bytes still free (-1: no limit). */
typedef struct {
  char   *folder;
  gint64  free;
} Room;

static void
room_clear (Room *room)
{
  g_clear_pointer (&room->folder, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Room, room_clear)

/* Whether @attachment is kept: its content is there already, or it fits the room left
 * (which it then takes). */
static gboolean
room_takes (Room                    *room,
            const CrmMailAttachment *attachment)
{
  g_autofree char *hash = NULL;
  gint64 size = (gint64) g_bytes_get_size (attachment->data);
  gint64 have = 0;

  if (room->free < 0)
    return TRUE;
  hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, attachment->data);
  if (room->folder != NULL && crm_server_files_stat (room->folder, hash, NULL, &have))
    return TRUE;
  if (size > room->free)
    return FALSE;
  room->free -= size;
  return TRUE;
}

static void
take_batch (const Mailbox      *box,
            CrmStore           *store,
            GHashTable         *blocked,
            const CrmMailBatch *batch,
            Room               *room,
            gboolean            serving,
            Outcome            *outcome)
{
  outcome->taken = json_array_new ();
  outcome->skipped = json_array_new ();
  outcome->last_uid = batch->reset ? 0 : box->last_uid;

  for (guint i = 0; i < batch->mails->len; i++)
    {
      const CrmMail *mail = batch->mails->pdata[i];
      g_autofree char *key = NULL;
      g_autofree char *deal_id = NULL;
      g_autofree char *contact_id = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
      gboolean created = FALSE, new_contact = FALSE;
      g_autoptr(GString) left_out = NULL;
      g_autofree char *text = NULL;
      CrmRequest request = { 0 };
      gpointer number = NULL;

      if (mail->problem != NULL)
        note_skipped (outcome, box, mail, mail->problem, serving);
      else if (mail->automatic)
        note_skipped (outcome, box, mail, _("an automatic reply or a delivery report"),
                      serving);
      else if (g_hash_table_lookup_extended (blocked, mail->from_email, NULL, &number))
        {
          g_autofree char *reason = GPOINTER_TO_INT (number) > 0
            ? g_strdup_printf (_("the sender is blocked: request %d was closed as «%s»"),
                               GPOINTER_TO_INT (number), CRM_SPAM_REASON)
            : g_strdup_printf (_("the sender is blocked: a request was closed as «%s»"),
                               CRM_SPAM_REASON);

          note_skipped (outcome, box, mail, reason, serving);
        }
      else
        {
          key = request_key (box, batch, mail);
          request.key = key;
          request.pipeline_id = box->pipeline;
          request.stage_id = box->stage;
          request.responsible_id = box->responsible;
          request.sender_email = mail->from_email;
          request.sender_name = mail->from_name;
          request.title = mail->subject;
          request.text = mail->text;
          request.received_at = received_at (mail);
          for (guint j = 0; j < mail->attachments->len; j++)
            {
              const CrmMailAttachment *attachment = mail->attachments->pdata[j];
              CrmRequestFile *file;

              if (!room_takes (room, attachment))
                {
                  g_autofree char *size = g_format_size (g_bytes_get_size (attachment->data));

                  if (left_out == NULL)
                    left_out = g_string_new (NULL);
                  else
                    g_string_append (left_out, ", ");
                  g_string_append_printf (left_out, "«%s» (%s)", attachment->name, size);
                  continue;
                }
              file = g_new0 (CrmRequestFile, 1);
              file->name = attachment->name;
              file->data = attachment->data;
              g_ptr_array_add (files, file);
            }
          request.files = files;
          if (left_out != NULL)
            {
              g_autofree char *message = NULL;

              /* the request is taken all the same; the note says what stayed behind */
              text = g_strdup_printf (
                _("%s\n\nNot attached, the account's files have no room left on the server "
                  "(the administrator can give it more: voronka-server account set ACCOUNT "
                  "--files-quota-mb MB); the e-mail in the mailbox still has them: %s"),
                mail->text != NULL ? mail->text : "", left_out->str);
              request.text = text;
              message = g_strdup_printf ("mailbox %s: e-mail UID %lld: attachments not kept, "
                                         "the account's files are at their limit: %s",
                                         box->url, (long long) mail->uid, left_out->str);
              crm_server_log (serving ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_DEBUG,
                              "file.quota", message, "VORONKA_ACCOUNT", box->account_name,
                              NULL);
            }
          deal_id = crm_request_take (store, &request, &created, &contact_id, &new_contact,
                                      &error);
          if (deal_id == NULL)
            {
              /* nothing of this e-mail was written: stop here, so it is taken again once
               * the cause is fixed; the error shows in `mailbox list` */
              outcome->problem = g_strdup_printf (
                _("e-mail UID %lld from %s could not become a request: %s"),
                (long long) mail->uid, mail->from_email, error->message);
              return;
            }
          if (created)
            {
              JsonObject *entry = json_object_new ();

              json_object_set_int_member (entry, "uid", mail->uid);
              json_object_set_string_member (entry, "deal", deal_id);
              json_object_set_null_member (entry, "number");
              json_object_set_string_member (entry, "title",
                                             mail->subject != NULL ? mail->subject : "");
              json_object_set_string_member (entry, "from", mail->from_email);
              if (mail->from_name != NULL)
                json_object_set_string_member (entry, "name", mail->from_name);
              else
                json_object_set_null_member (entry, "name");
              json_object_set_string_member (entry, "contact", contact_id);
              json_object_set_boolean_member (entry, "new_contact", new_contact);
              json_object_set_int_member (entry, "attachments", mail->attachments->len);
              json_array_add_object_element (outcome->taken, entry);
            }
        }
      outcome->last_uid = mail->uid;
    }
  outcome->last_uid = MAX (outcome->last_uid, batch->last_uid);
}

/* Numbers the new deals (the account's sequence, S3-4) and puts the numbers into the
 * outcome; logs each request. */
static void
number_and_log (const Mailbox *box,
                CrmStore      *store,
                Outcome       *outcome,
                gboolean       serving)
{
  g_autoptr(GError) error = NULL;

  if (json_array_get_length (outcome->taken) > 0 && !crm_ledger_number_deals (store, &error))
    g_warning ("Could not number the new requests of %s: %s", box->url, error->message);
  for (guint i = 0; i < json_array_get_length (outcome->taken); i++)
    {
      JsonObject *entry = json_array_get_object_element (outcome->taken, i);
      g_autoptr(JsonObject) deal = crm_store_dup_entity (store, "deal",
                                     json_object_get_string_member (entry, "deal"));
      g_autofree char *message = NULL;

      if (deal != NULL && json_object_has_member (deal, "number") &&
          !json_object_get_null_member (deal, "number"))
        json_object_set_int_member (entry, "number",
                                    json_object_get_int_member (deal, "number"));
      message = g_strdup_printf ("mailbox %s: e-mail UID %lld from %s became request %s",
                                 box->url, (long long) json_object_get_int_member (entry, "uid"),
                                 json_object_get_string_member (entry, "from"),
                                 json_object_get_string_member (entry, "deal"));
      crm_server_log (serving ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG, "mailbox-request",
                      message, "VORONKA_ACCOUNT", box->account_name, NULL);
    }
}

typedef struct {
  const Mailbox      *box;
  GHashTable         *blocked;
  const CrmMailBatch *batch;
  Room               *room;
  gboolean            serving;
  Outcome            *outcome;
} Take;

static gboolean
write_batch (CrmServerBackend  *backend,
             CrmStore          *store,
             gpointer           data,
             GError           **error)
{
  Take *take = data;

  take_batch (take->box, store, take->blocked, take->batch, take->room, take->serving,
              take->outcome);
  number_and_log (take->box, store, take->outcome, take->serving);
  return TRUE;
}

/* The room the account's files have left: its quota (its own, else serve's) less what its
 * stored files and the uploads under way take. */
static gboolean
room_measure (CrmServerStorage  *storage,
              const Mailbox     *box,
              CrmStore          *store,
              Room              *room,
              GError           **error)
{
  gint64 quota, stored = 0, reserved = 0;

  room->folder = crm_attachment_dup_folder (store);
  quota = crm_server_files_account_quota (storage, box->account_id, -1, error);
  if (quota < 0)
    return FALSE;
  if (quota == 0)
    {
      room->free = -1;
      return TRUE;
    }
  if (!crm_server_files_account_usage (storage, box->account_id, room->folder, &stored,
                                       &reserved, error))
    return FALSE;
  room->free = MAX (quota - stored - reserved, 0);
  return TRUE;
}

/* After the fetch (on the main loop, or in `mailbox check`): writes what @batch holds,
 * saves the mailbox's state and ends the lease. @fetch_error: the fetch failed. */
static void
finish_check (CrmServerStorage   *storage,
              const Mailbox      *box,
              const CrmMailBatch *batch,
              const GError       *fetch_error,
              gboolean            serving,
              Outcome            *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) blocked = NULL;
  CrmStore *store;
  g_auto(Room) room = { NULL, -1 };
  Take take = { box, NULL, batch, &room, serving, outcome };

  if (fetch_error != NULL)
    {
      g_autofree char *message = g_strdup_printf ("mailbox %s (user %s): %s", box->url,
                                                  box->user, fetch_error->message);

      outcome->problem = g_strdup (fetch_error->message);
      if (serving)
        crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", message,
                        "VORONKA_ACCOUNT", box->account_name, NULL);
      release (storage, box, NULL, box->last_uid, 0, 0, fetch_error->message, TRUE);
      return;
    }
  if ((store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (storage), box->account_id,
                                               &error)) == NULL ||
      (blocked = refresh_blocked (storage, box->account_id, box->account_name, store, serving,
                                  &error)) == NULL ||
      !room_measure (storage, box, store, &room, &error))
    {
      outcome->problem = g_strdup (error->message);
      if (serving)
        crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", error->message,
                        "VORONKA_ACCOUNT", box->account_name, NULL);
      release (storage, box, NULL, box->last_uid, 0, 0, error->message, TRUE);
      return;
    }
  if (batch->reset)
    {
      g_autofree char *message = g_strdup_printf (
        "mailbox %s: the folder's UIDVALIDITY changed (%lld → %lld); reading it again, "
        "e-mails taken before are recognised by their Message-ID", box->url,
        (long long) box->uidvalidity, (long long) batch->uidvalidity);

      crm_server_log (serving ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_DEBUG, "mailbox-reset",
                      message, "VORONKA_ACCOUNT", box->account_name, NULL);
    }
  /* one write of the storage (on PostgreSQL under the account's lock, into its log) */
  take.blocked = blocked;
  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), box->account_id, write_batch,
                                 &take, &error))
    {
      /* nothing of the batch holds: the UID stays where it was, the next check reads the
       * e-mails again (and the Message-ID keeps any from being taken twice) */
      g_clear_pointer (&outcome->problem, g_free);
      outcome->problem = g_strdup (error->message);
      if (outcome->taken != NULL)
        {
          json_array_unref (outcome->taken);
          outcome->taken = json_array_new ();
        }
      if (serving)
        crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", error->message,
                        "VORONKA_ACCOUNT", box->account_name, NULL);
      release (storage, box, NULL, box->last_uid, 0, 0, error->message, TRUE);
      return;
    }
  if (outcome->problem != NULL && serving)
    crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", outcome->problem,
                    "VORONKA_ACCOUNT", box->account_name, NULL);
  release (storage, box, batch, outcome->last_uid, json_array_get_length (outcome->taken),
           json_array_get_length (outcome->skipped), outcome->problem, TRUE);
}

static void
fill_state (const Mailbox   *box,
            CrmMailboxState *state)
{
  state->url = box->url;
  state->user = box->user;
  state->password = box->password;
  state->ca_file = box->ca_file;
  state->uidvalidity = box->uidvalidity;
  state->last_uid = box->last_uid;
  state->new_only = box->new_only;
}

/* --- the commands ------------------------------------------------------------------------ */

static CrmServerStorage *
open_storage (const char *data_dir,
              GError    **error)
{
  if (data_dir == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Say where the server keeps its data: voronka-server --data DIR …"));
      return NULL;
    }
  /* the data folder's storage, or the --database the command was given */
  return crm_server_admin_open_storage (data_dir, error);
}

static void
print_json_array (JsonArray *array)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *text = NULL;

  json_node_set_array (node, array);
  text = json_to_string (node, TRUE);
  g_print ("%s\n", text);
}

/* The first stage of @pipeline_id that takes new requests (unsorted or open), or the one
 * named @stage (which must be such a stage). */
static char *
resolve_stage (CrmStore    *store,
               const char  *pipeline_id,
               const char  *pipeline_name,
               const char  *stage,
               GError     **error)
{
  g_autoptr(JsonNode) pipelines = crm_query_pipelines (store, error);
  JsonArray *list;

  if (pipelines == NULL)
    return NULL;
  list = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (list, i);
      JsonArray *stages;

      if (g_strcmp0 (json_object_get_string_member (pipeline, "id"), pipeline_id) != 0)
        continue;
      stages = json_object_get_array_member (pipeline, "stages");
      for (guint j = 0; stages != NULL && j < json_array_get_length (stages); j++)
        {
          JsonObject *item = json_array_get_object_element (stages, j);
          const char *kind = json_object_get_string_member (item, "kind");
          gboolean takes = g_strcmp0 (kind, "unsorted") == 0 || g_strcmp0 (kind, "open") == 0;

          if (stage == NULL && takes)
            return g_strdup (json_object_get_string_member (item, "id"));
          if (stage != NULL &&
              (g_strcmp0 (json_object_get_string_member (item, "name"), stage) == 0 ||
               g_strcmp0 (json_object_get_string_member (item, "id"), stage) == 0))
            {
              if (!takes)
                {
                  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                               _("--stage: «%s» closes deals (won or lost); new requests go "
                                 "to an open stage of «%s»"), stage, pipeline_name);
                  return NULL;
                }
              return g_strdup (json_object_get_string_member (item, "id"));
            }
        }
    }
  if (stage != NULL)
    {
      /* crm_query_resolve's error lists the stages there are */
      g_autofree char *found = crm_query_resolve (store, "stage", stage, pipeline_id, error);

      if (found != NULL)
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("--stage: «%s» is not a stage of «%s»"), stage, pipeline_name);
      return NULL;
    }
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
               _("The pipeline «%s» has no open stage for new requests"), pipeline_name);
  return NULL;
}

typedef struct {
  const char *pipeline_id;
  gboolean    added;
} SpamReason;

static gboolean
write_spam_reason (CrmServerBackend  *backend,
                   CrmStore          *store,
                   gpointer           data,
                   GError           **error)
{
  SpamReason *reason = data;

  return crm_request_ensure_spam_reason (store, reason->pipeline_id, &reason->added, error);
}

/* The pipeline's spam loss reason, written as the storage writes. */
static gboolean
ensure_spam_reason (CrmServerStorage  *storage,
                    const char        *account_id,
                    const char        *pipeline_id,
                    gboolean          *out_added,
                    GError           **error)
{
  SpamReason reason = { pipeline_id, FALSE };

  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), account_id, write_spam_reason,
                                 &reason, error))
    return FALSE;
  *out_added = reason.added;
  return TRUE;
}

/* The mailbox @url, @user of the account, or NULL (no error when there is none). */
static Mailbox *
find_mailbox (CrmServerStorage  *storage,
              const char        *account_id,
              const char        *url,
              const char        *user,
              GError           **error)
{
  const char *values[] = { account_id, url, user };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the mailboxes",
    "SELECT " MAILBOX_COLUMNS " FROM mailbox m JOIN account a ON a.id = m.account"
    " WHERE m.account = $1 AND m.url = $2 AND m.username = $3",
    G_N_ELEMENTS (values), values, error);

  if (rows == NULL || crm_server_rows_count (rows) == 0)
    return NULL;
  return mailbox_from_row (rows, 0);
}

gboolean
crm_server_mailbox_lookup (CrmServerStorage  *storage,
                           const char        *account_id,
                           const char        *url,
                           const char        *user,
                           char             **out_password,
                           char             **out_ca_file,
                           GError           **error)
{
  g_autoptr(Mailbox) box = find_mailbox (storage, account_id, url, user, error);

  if (box == NULL)
    return FALSE;
  *out_password = g_steal_pointer (&box->password);
  *out_ca_file = g_steal_pointer (&box->ca_file);
  return TRUE;
}

gboolean
crm_server_mailbox_save (CrmServerStorage                *storage,
                         const char                      *account_id,
                         const CrmServerMailboxSettings  *settings,
                         gboolean                        *out_existed,
                         gboolean                        *out_added_reason,
                         char                           **out_pipeline_name,
                         GError                         **error)
{
  g_autoptr(Mailbox) before = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CrmServerRows) saved = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *pipeline_name = NULL;
  g_autofree char *stage_id = NULL;
  g_autofree char *responsible_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *new_only_text = NULL;
  g_autofree char *now = NULL;
  const char *password = settings->password;
  const char *ca_file = settings->ca_file;
  CrmStore *store;

  if (settings->user == NULL || *settings->user == '\0')
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A mailbox needs its login (user)"));
      return FALSE;
    }
  if (settings->pipeline == NULL || *settings->pipeline == '\0')
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A mailbox needs the pipeline its requests go to"));
      return FALSE;
    }
  if (!crm_server_check_line (_("URL"), settings->url, CRM_SERVER_MAILBOX_MAX_URL, error) ||
      !crm_server_check_line (_("login"), settings->user, CRM_SERVER_MAILBOX_MAX_TEXT, error) ||
      !crm_server_check_line (_("password"), settings->password,
                              CRM_SERVER_MAILBOX_MAX_SECRET, error) ||
      !crm_server_check_line (_("pipeline"), settings->pipeline,
                              CRM_SERVER_MAILBOX_MAX_TEXT, error) ||
      !crm_server_check_line (_("stage"), settings->stage, CRM_SERVER_MAILBOX_MAX_TEXT,
                              error) ||
      !crm_server_check_line (_("responsible"), settings->responsible,
                              CRM_SERVER_MAILBOX_MAX_TEXT, error) ||
      !crm_mail_check_url (settings->url, error))
    return FALSE;
  if (password != NULL && *password == '\0')
    password = NULL;

  before = find_mailbox (storage, account_id, settings->url, settings->user, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (before == NULL && password == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A new mailbox needs its password"));
      return FALSE;
    }
  /* left empty: the password (and CA) kept stay */
  if (password == NULL)
    password = before->password;
  if (settings->keep_ca_file)
    ca_file = before != NULL ? before->ca_file : NULL;

  if ((store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (storage), account_id,
                                               error)) == NULL ||
      (pipeline_id = crm_query_resolve (store, "pipeline", settings->pipeline, NULL,
                                        error)) == NULL)
    return FALSE;
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (store, "pipeline", pipeline_id);

    pipeline_name = g_strdup (row != NULL ? json_object_get_string_member_with_default (
                                              row, "name", settings->pipeline)
                                          : settings->pipeline);
  }
  if ((stage_id = resolve_stage (store, pipeline_id, pipeline_name,
                                 settings->stage != NULL && *settings->stage != '\0'
                                 ? settings->stage : NULL, error)) == NULL ||
      (settings->responsible != NULL && *settings->responsible != '\0' &&
       (responsible_id = crm_query_resolve (store, "user", settings->responsible, NULL,
                                            error)) == NULL) ||
      !ensure_spam_reason (storage, account_id, pipeline_id, out_added_reason, error))
    return FALSE;

  id = before != NULL ? g_strdup (before->id) : crm_uuid_v7_new (crm_time_now_ms ());
  new_only_text = int_text (settings->new_only ? 1 : 0);
  now = int_text (crm_time_now_ms ());
  {
    const char *values[] = { id, account_id, settings->url, settings->user, password, ca_file,
                             pipeline_id, stage_id, responsible_id, new_only_text, now };

    saved = db_run (storage, "saving the mailbox",
      "INSERT INTO mailbox (id, account, url, username, password, ca_file, pipeline, stage,"
      " responsible, new_only, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
      " ON CONFLICT (id) DO UPDATE SET password = excluded.password,"
      " ca_file = excluded.ca_file, pipeline = excluded.pipeline, stage = excluded.stage,"
      " responsible = excluded.responsible, last_error = NULL",
      G_N_ELEMENTS (values), values, error);
  }
  if (saved == NULL)
    return FALSE;
  *out_existed = before != NULL;
  if (out_pipeline_name != NULL)
    *out_pipeline_name = g_steal_pointer (&pipeline_name);
  return TRUE;
}

int
crm_server_cmd_mailbox_add (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  g_autofree char *user = NULL;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *responsible = NULL;
  g_autofree char *ca_file = NULL;
  gboolean password_stdin = FALSE;
  gboolean new_only = FALSE;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user,
      N_("The mailbox's login (required)"), N_("USER") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the mailbox's password from standard input (required; kept in server.db only)"),
      NULL },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline,
      N_("The pipeline its requests go to (required)"), N_("P") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage,
      N_("The stage its requests go to (default: the pipeline's first open one)"), N_("S") },
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible,
      N_("Who is responsible for its requests (default: nobody until assigned)"), N_("USER") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the mail server's certificate from this CA (PEM) instead of the system's"),
      N_("PEM") },
    { "new-only", 0, 0, G_OPTION_ARG_NONE, &new_only,
      N_("Take only e-mail that arrives from now on (the first check skips what is there)"),
      NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *pipeline_name = NULL;
  g_autofree char *ca_path = NULL;
  g_autofree char *details = NULL;
  gboolean added_reason = FALSE;
  gboolean existed = FALSE;
  gboolean saved;
  CrmServerMailboxSettings settings = { 0 };
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT URL",
              _("Connect a mailbox: every new e-mail in it becomes a request (a deal) in the "
                "pipeline, its sender a contact (found by e-mail, created when new), its text "
                "a note. The server checks it every minute; “mailbox check” checks now. URL: "
                "imaps://HOST[:PORT]/FOLDER (INBOX when no folder). Adding the same URL and "
                "user again changes its settings or password. The pipeline gets the spam loss "
                "reason if it has none: a request closed with it blocks its sender."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("mailbox add takes an ACCOUNT and a mailbox URL"));
  if (user == NULL || *user == '\0')
    return crm_server_command_usage (_("--user is required: the mailbox's login"));
  if (!password_stdin)
    return crm_server_command_usage (_("--password-stdin is required (passwords never go on the command line)"));
  if (pipeline == NULL)
    return crm_server_command_usage (_("--pipeline is required: where the mailbox's requests go"));
  if (!crm_mail_check_url (argv[2], &error))
    return crm_server_command_usage ("%s", error->message);
  if (ca_file != NULL)
    {
      ca_path = g_canonicalize_filename (ca_file, NULL);
      if (!g_file_test (ca_path, G_FILE_TEST_IS_REGULAR) || g_access (ca_path, R_OK) != 0)
        return crm_server_command_usage (_("--ca-file: cannot read %s"), ca_path);
    }

  if ((password = crm_read_password_stdin (&error)) == NULL ||
      (storage = open_storage (data_dir, &error)) == NULL ||
      (account_id = lookup_account (storage, argv[1], data_dir, &error)) == NULL)
    return crm_server_command_fail (error);
  settings.url = argv[2];
  settings.user = user;
  settings.password = password;
  settings.pipeline = pipeline;
  settings.stage = stage;
  settings.responsible = responsible;
  settings.ca_file = ca_path;
  settings.new_only = new_only;
  saved = crm_server_mailbox_save (storage, account_id, &settings, &existed, &added_reason,
                                   &pipeline_name, &error);
  memset (password, 0, strlen (password));
  if (!saved)
    return crm_server_command_fail (error);

  details = g_strdup_printf ("url=%s user=%s pipeline=%s", argv[2], user, pipeline_name);
  crm_server_audit (existed ? "mailbox.update" : "mailbox.add", argv[1], NULL, details);
  if (added_reason)
    g_print (_("Added the loss reason «%s» to the pipeline «%s»: a request closed with it "
               "blocks its sender\n"), CRM_SPAM_REASON, pipeline_name);
  if (existed)
    g_print (_("Updated mailbox %s (user %s) of account «%s»: requests go to «%s»\n"),
             argv[2], user, argv[1], pipeline_name);
  else
    g_print (_("Added mailbox %s (user %s) to account «%s»: requests go to «%s»; the server "
               "checks it every minute, “mailbox check %s” checks now\n"),
             argv[2], user, argv[1], pipeline_name, argv[1]);
  return 0;
}

static char *
format_time (gint64 ms)
{
  return ms > 0 ? crm_time_format (ms) : NULL;
}

static char *
dup_name (CrmStore   *store,
          const char *entity,
          const char *id)
{
  g_autoptr(JsonObject) row = id != NULL ? crm_store_dup_entity (store, entity, id) : NULL;

  if (row == NULL || !json_object_has_member (row, "name"))
    return id != NULL ? g_strdup (id) : NULL;
  return g_strdup (json_object_get_string_member (row, "name"));
}

JsonArray *
crm_server_mailboxes_describe (CrmServerStorage  *storage,
                               const char        *account_id,
                               GError           **error)
{
  g_autoptr(GPtrArray) boxes = NULL;
  g_autoptr(JsonArray) result = json_array_new ();
  CrmStore *store;

  if ((store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (storage), account_id,
                                               error)) == NULL ||
      (boxes = list_mailboxes (storage, account_id, error)) == NULL)
    return NULL;
  for (guint i = 0; i < boxes->len; i++)
    {
      Mailbox *box = boxes->pdata[i];
      JsonObject *entry = json_object_new ();
      g_autofree char *pipeline = dup_name (store, "pipeline", box->pipeline);
      g_autofree char *stage = dup_name (store, "stage", box->stage);
      g_autofree char *responsible = dup_name (store, "user", box->responsible);
      g_autofree char *checked = format_time (box->last_check_at);
      g_autofree char *error_at = format_time (box->last_error_at);

      json_object_set_string_member (entry, "url", box->url);
      json_object_set_string_member (entry, "user", box->user);
      json_object_set_string_member (entry, "pipeline", pipeline);
      json_object_set_string_member (entry, "stage", stage);
      crm_json_set_string_or_null (entry, "responsible", responsible);
      crm_json_set_string_or_null (entry, "last_check", checked);
      json_object_set_int_member (entry, "taken", box->taken);
      json_object_set_int_member (entry, "skipped", box->skipped);
      crm_json_set_string_or_null (entry, "last_error", box->last_error);
      crm_json_set_string_or_null (entry, "last_error_at",
                                   box->last_error != NULL ? error_at : NULL);
      crm_json_set_string_or_null (entry, "ca_file", box->ca_file);
      json_object_set_int_member (entry, "uidvalidity", box->uidvalidity);
      json_object_set_int_member (entry, "last_uid", box->last_uid);
      /* the ids too, for a form that picks them; never the password: only that it is kept */
      json_object_set_string_member (entry, "pipeline_id", box->pipeline);
      json_object_set_string_member (entry, "stage_id", box->stage);
      crm_json_set_string_or_null (entry, "responsible_id", box->responsible);
      json_object_set_boolean_member (entry, "new_only", box->new_only);
      json_object_set_boolean_member (entry, "password", box->password != NULL &&
                                                         *box->password != '\0');
      json_array_add_object_element (result, entry);
    }
  return g_steal_pointer (&result);
}

int
crm_server_cmd_mailbox_list (const char  *data_dir,
                             int          argc,
                             char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array: [{\"url\", \"user\", \"pipeline\", \"stage\", \"responsible\", "
         "\"last_check\", \"taken\", \"skipped\", \"last_error\", \"last_error_at\"}]"), NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) result = NULL;
  g_autofree char *account_id = NULL;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT", _("List the mailboxes of an account: where their requests go, when "
                           "each was last checked, how many e-mails it took, and the last "
                           "error (a wrong password, an unreachable server). Passwords are "
                           "never shown."), entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("mailbox list takes an ACCOUNT"));
  if ((storage = open_storage (data_dir, &error)) == NULL)
    return crm_server_command_fail (error);
  if ((account_id = lookup_account (storage, argv[1], data_dir, &error)) == NULL ||
      (result = crm_server_mailboxes_describe (storage, account_id, &error)) == NULL)
    return crm_server_command_fail (error);

  if (json)
    {
      print_json_array (result);
      return 0;
    }
  for (guint i = 0; i < json_array_get_length (result); i++)
    {
      JsonObject *entry = json_array_get_object_element (result, i);
      gint64 taken = json_object_get_int_member (entry, "taken");
      gint64 skipped = json_object_get_int_member (entry, "skipped");
      const char *checked = crm_json_string (entry, "last_check");
      const char *last_error = crm_json_string (entry, "last_error");
      const char *error_at = crm_json_string (entry, "last_error_at");

      /* Translators: mailbox list: URL, user, pipeline › stage */
      g_print (_("%s\tuser %s\t→ %s › %s\n"), crm_json_string (entry, "url"),
               crm_json_string (entry, "user"), crm_json_string (entry, "pipeline"),
               crm_json_string (entry, "stage"));
      g_print ("\t");
      g_print (g_dngettext (GETTEXT_PACKAGE, "%lld e-mail taken", "%lld e-mails taken",
                            taken), (long long) taken);
      g_print (", ");
      g_print (g_dngettext (GETTEXT_PACKAGE, "%lld skipped", "%lld skipped", skipped),
               (long long) skipped);
      g_print (_(", last checked %s\n"), checked != NULL ? checked : _("never"));
      if (last_error != NULL)
        g_print (_("\tlast error (%s): %s\n"), error_at != NULL ? error_at : "?", last_error);
    }
  if (json_array_get_length (result) == 0)
    g_print (_("Account «%s» has no mailboxes; “voronka-server mailbox add” connects one\n"),
             argv[1]);
  return 0;
}

static void
print_outcome (const Mailbox *box,
               const Outcome *outcome)
{
  guint taken = json_array_get_length (outcome->taken);

  g_print (g_dngettext (GETTEXT_PACKAGE, "%s: took %u e-mail\n", "%s: took %u e-mails\n",
                        taken), box->url, taken);
  for (guint i = 0; i < taken; i++)
    {
      JsonObject *entry = json_array_get_object_element (outcome->taken, i);
      const char *name = json_object_get_null_member (entry, "name")
                         ? NULL : json_object_get_string_member (entry, "name");
      gint64 number = json_object_get_null_member (entry, "number")
                      ? 0 : json_object_get_int_member (entry, "number");
      g_autofree char *sender = name != NULL
        ? g_strdup_printf ("%s <%s>", name, json_object_get_string_member (entry, "from"))
        : g_strdup (json_object_get_string_member (entry, "from"));

      /* Translators: mailbox check: request number, title, sender, (new contact) */
      g_print (_("  request %lld «%s» from %s%s\n"), (long long) number,
               json_object_get_string_member (entry, "title"), sender,
               json_object_get_boolean_member (entry, "new_contact") ? _(" (new contact)") : "");
    }
  for (guint i = 0; i < json_array_get_length (outcome->skipped); i++)
    {
      JsonObject *entry = json_array_get_object_element (outcome->skipped, i);
      const char *from = json_object_get_null_member (entry, "from")
                         ? "?" : json_object_get_string_member (entry, "from");

      /* Translators: mailbox check: a skipped e-mail's UID, its sender, why */
      g_print (_("  skipped e-mail UID %lld from %s: %s\n"),
               (long long) json_object_get_int_member (entry, "uid"), from,
               json_object_get_string_member (entry, "reason"));
    }
}

int
crm_server_cmd_mailbox_check (const char  *data_dir,
                              int          argc,
                              char       **argv)
{
  gboolean json = FALSE;
  g_autofree char *only_user = NULL;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &only_user,
      N_("Only the mailbox of this login (with URL)"), N_("USER") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array, one object per mailbox: {\"url\", \"user\", \"taken\": "
         "[{\"uid\", \"deal\", \"number\", \"title\", \"from\", \"name\", \"contact\", "
         "\"new_contact\", \"attachments\"}], \"skipped\": [{\"uid\", \"from\", \"reason\"}], "
         "\"error\"}"), NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  g_autoptr(JsonArray) result = json_array_new ();
  g_autofree char *account_id = NULL;
  CrmMailLimits limits;
  gboolean all_ok = TRUE;
  guint checked = 0;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT [URL]", _("Check the account's mailboxes (or the one at URL) now and "
                                 "print what became requests and what was skipped."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 2 && argc != 3)
    return crm_server_command_usage (_("mailbox check takes an ACCOUNT and optionally a mailbox URL"));
  crm_mail_init ();
  crm_mail_limits_init (&limits);
  if ((storage = open_storage (data_dir, &error)) == NULL)
    return crm_server_command_fail (error);
  if ((account_id = lookup_account (storage, argv[1], data_dir, &error)) == NULL ||
      (boxes = list_mailboxes (storage, account_id, &error)) == NULL)
    return crm_server_command_fail (error);

  for (guint i = 0; i < boxes->len; i++)
    {
      Mailbox *box = boxes->pdata[i];
      g_auto(Outcome) outcome = { 0 };
      g_autoptr(CrmMailBatch) batch = NULL;
      g_autoptr(GError) fetch_error = NULL;
      CrmMailboxState state = { 0 };
      JsonObject *entry;
      gint64 holder = 0;

      if ((argc == 3 && !g_str_equal (box->url, argv[2])) ||
          (only_user != NULL && !g_str_equal (box->user, only_user)))
        continue;
      checked++;
      if (!claim (storage, box, &holder, &error))
        {
          if (error != NULL)
            return crm_server_command_fail (error);
          g_printerr (_("voronka-server: %s (user %s) is being checked right now by process "
                        "%lld; its requests appear when that check ends\n"),
                      box->url, box->user, (long long) holder);
          continue;
        }
      fill_state (box, &state);
      batch = crm_mail_fetch (&state, &limits, NULL, &fetch_error);
      finish_check (storage, box, batch, fetch_error, FALSE, &outcome);

      entry = json_object_new ();
      json_object_set_string_member (entry, "url", box->url);
      json_object_set_string_member (entry, "user", box->user);
      json_object_set_array_member (entry, "taken",
                                    outcome.taken ? json_array_ref (outcome.taken) : json_array_new ());
      json_object_set_array_member (entry, "skipped",
                                    outcome.skipped ? json_array_ref (outcome.skipped) : json_array_new ());
      crm_json_set_string_or_null (entry, "error", outcome.problem);
      json_array_add_object_element (result, entry);
      if (outcome.problem != NULL)
        all_ok = FALSE;
      if (json)
        continue;
      if (outcome.taken != NULL)
        print_outcome (box, &outcome);
      if (outcome.problem != NULL)
        g_printerr ("voronka-server: %s: %s\n", box->url, outcome.problem);
    }
  if (checked == 0)
    {
      if (argc == 3)
        g_printerr (_("voronka-server: account «%s» has no mailbox %s; “voronka-server "
                      "mailbox list %s” shows its mailboxes\n"), argv[1], argv[2], argv[1]);
      else
        g_printerr (_("voronka-server: account «%s» has no mailboxes; “voronka-server mailbox "
                      "add” connects one\n"), argv[1]);
      return 1;
    }
  if (json)
    print_json_array (result);
  return all_ok ? 0 : 1;
}

gboolean
crm_server_mailbox_remove (CrmServerStorage  *storage,
                           const char        *account_id,
                           const char        *url,
                           const char        *user,
                           char             **out_user,
                           GError           **error)
{
  g_autoptr(GPtrArray) boxes = list_mailboxes (storage, account_id, error);
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_autoptr(CrmServerRows) removed = NULL;
  Mailbox *box;

  if (boxes == NULL)
    return FALSE;
  for (guint i = 0; i < boxes->len; i++)
    {
      box = boxes->pdata[i];
      if (g_str_equal (box->url, url) && (user == NULL || g_str_equal (box->user, user)))
        g_ptr_array_add (matches, box);
    }
  if (matches->len == 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("The account has no mailbox %s%s%s; the list of mailboxes shows the ones "
                     "it has"), url, user != NULL ? _(" with the login ") : "",
                   user != NULL ? user : "");
      return FALSE;
    }
  if (matches->len > 1)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Several logins use %s; say which"), url);
      return FALSE;
    }
  box = matches->pdata[0];
  {
    const char *values[] = { box->id };

    removed = db_run (storage, "removing the mailbox", "DELETE FROM mailbox WHERE id = $1", 1,
                      values, error);
  }
  if (removed == NULL)
    return FALSE;
  if (out_user != NULL)
    *out_user = g_strdup (box->user);
  return TRUE;
}

int
crm_server_cmd_mailbox_remove (const char  *data_dir,
                               int          argc,
                               char       **argv)
{
  g_autofree char *only_user = NULL;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &only_user,
      N_("The mailbox's login, when several logins share the URL"), N_("USER") },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *details = NULL;
  g_autofree char *user = NULL;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT URL", _("Disconnect a mailbox: the server stops checking it and forgets "
                               "its password. Its requests stay."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("mailbox remove takes an ACCOUNT and a mailbox URL"));
  if ((storage = open_storage (data_dir, &error)) == NULL ||
      (account_id = lookup_account (storage, argv[1], data_dir, &error)) == NULL)
    return crm_server_command_fail (error);
  if (!crm_server_mailbox_remove (storage, account_id, argv[2], only_user, &user, &error))
    {
      if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND))
        {
          g_printerr (_("voronka-server: account «%s» has no mailbox %s; “voronka-server mailbox "
                        "list %s” shows its mailboxes\n"), argv[1], argv[2], argv[1]);
          return 1;
        }
      if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT))
        {
          g_printerr (_("voronka-server: several logins use %s; say which with --user\n"), argv[2]);
          return 2;
        }
      return crm_server_command_fail (error);
    }
  details = g_strdup_printf ("url=%s user=%s", argv[2], user);
  crm_server_audit ("mailbox.remove", argv[1], NULL, details);
  g_print (_("Removed mailbox %s (user %s) from account «%s»; its requests stay\n"),
           argv[2], user, argv[1]);
  return 0;
}

gboolean
crm_server_mailbox_try (const char  *url,
                        const char  *user,
                        const char  *password,
                        const char  *ca_file,
                        guint        timeout_s,
                        GError     **error)
{
  CrmMailboxState state = { 0 };
  CrmMailLimits limits;
  g_autoptr(CrmMailBatch) batch = NULL;

  crm_mail_limits_init (&limits);
  limits.timeout_seconds = timeout_s;
  state.url = url;
  state.user = user;
  state.password = password;
  state.ca_file = ca_file;
  /* as a first check of a mailbox added with --new-only: sign in, open the folder, read
   * its UIDVALIDITY and next UID, and fetch nothing */
  state.new_only = TRUE;
  batch = crm_mail_fetch (&state, &limits, NULL, error);
  return batch != NULL;
}

int
crm_server_cmd_mailbox_blocked (const char  *data_dir,
                                int          argc,
                                char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array: [{\"email\", \"deal\", \"number\"}]"), NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) blocked = NULL;
  g_autoptr(JsonArray) senders = NULL;
  g_autofree char *account_id = NULL;
  CrmStore *store;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT", _("List the senders whose e-mail makes no requests: the contacts of "
                           "requests closed with the spam loss reason. Opening such a request "
                           "again unblocks its sender."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("mailbox blocked takes an ACCOUNT"));
  if ((storage = open_storage (data_dir, &error)) == NULL)
    return crm_server_command_fail (error);
  if ((account_id = lookup_account (storage, argv[1], data_dir, &error)) == NULL ||
      (store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (storage), account_id,
                                               &error)) == NULL ||
      (blocked = refresh_blocked (storage, account_id, argv[1], store, FALSE, &error)) == NULL ||
      (senders = crm_request_spam_senders (store, &error)) == NULL)
    return crm_server_command_fail (error);
  if (json)
    {
      print_json_array (senders);
      return 0;
    }
  for (guint i = 0; i < json_array_get_length (senders); i++)
    {
      JsonObject *sender = json_array_get_object_element (senders, i);

      if (json_object_get_null_member (sender, "number"))
        g_print ("%s\n", json_object_get_string_member (sender, "email"));
      else
        /* Translators: mailbox blocked: an e-mail address, the request closed as spam */
        g_print (_("%s\trequest %lld\n"), json_object_get_string_member (sender, "email"),
                 (long long) json_object_get_int_member (sender, "number"));
    }
  if (json_array_get_length (senders) == 0)
    g_print (_("No sender is blocked in account «%s»\n"), argv[1]);
  return 0;
}

/* --- the server's own check ------------------------------------------------------------- */

struct _CrmServerMailboxes
{
  CrmServerStorage *storage;
  guint            source;
  guint            first;       /* the check soon after start */
  GCancellable    *cancellable;
  GPtrArray       *in_flight;   /* Mailbox* of the check under way, or NULL */
  CrmMailLimits    limits;
  GCallback        changed;
  gpointer         changed_data;
};

typedef struct {
  Mailbox      *box;
  CrmMailBatch *batch;
  GError       *error;
} Job;

static void
job_free (Job *job)
{
  mailbox_free (job->box);
  crm_mail_batch_free (job->batch);
  g_clear_error (&job->error);
  g_free (job);
}

typedef struct {
  GPtrArray     *jobs;
  CrmMailLimits  limits;
} Round;

static void
round_free (Round *round)
{
  g_ptr_array_unref (round->jobs);
  g_free (round);
}

static void
fetch_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Round *round = task_data;

  for (guint i = 0; i < round->jobs->len; i++)
    {
      Job *job = round->jobs->pdata[i];
      CrmMailboxState state = { 0 };

      if (g_cancellable_is_cancelled (cancellable))
        break;
      fill_state (job->box, &state);
      job->batch = crm_mail_fetch (&state, &round->limits, cancellable, &job->error);
    }
  g_task_return_boolean (task, TRUE);
}

static void
round_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CrmServerMailboxes *self = user_data;
  GTask *task = G_TASK (result);
  Round *round = g_task_get_task_data (task);
  guint written = 0;

  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;  /* stopped: crm_server_mailboxes_stop() freed the leases */
  for (guint i = 0; i < round->jobs->len; i++)
    {
      Job *job = round->jobs->pdata[i];
      g_auto(Outcome) outcome = { 0 };

      finish_check (self->storage, job->box, job->batch, job->error, TRUE, &outcome);
      if (outcome.taken != NULL)
        written += json_array_get_length (outcome.taken);
    }
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);
  if (written > 0 && self->changed != NULL)
    ((void (*) (gpointer)) self->changed) (self->changed_data);
}

static gboolean
check_round (gpointer user_data)
{
  CrmServerMailboxes *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  g_autoptr(GTask) task = NULL;
  Round *round;

  if (self->in_flight != NULL)
    return G_SOURCE_CONTINUE;  /* the last check is still reading */
  boxes = list_mailboxes (self->storage, NULL, &error);
  if (boxes == NULL)
    {
      crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", error->message, NULL);
      return G_SOURCE_CONTINUE;
    }
  round = g_new0 (Round, 1);
  round->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  round->limits = self->limits;
  self->in_flight = g_ptr_array_new ();
  for (guint i = 0; i < boxes->len; i++)
    {
      Mailbox *box = boxes->pdata[i];
      Job *job;

      g_clear_error (&error);
      if (!claim (self->storage, box, NULL, &error))
        {
          if (error != NULL)
            crm_server_log (G_LOG_LEVEL_WARNING, "mailbox-failed", error->message, NULL);
          continue;
        }
      job = g_new0 (Job, 1);
      job->box = g_steal_pointer (&boxes->pdata[i]);
      g_ptr_array_add (round->jobs, job);
      g_ptr_array_add (self->in_flight, job->box);
    }
  if (round->jobs->len == 0)
    {
      round_free (round);
      g_clear_pointer (&self->in_flight, g_ptr_array_unref);
      return G_SOURCE_CONTINUE;
    }
  task = g_task_new (NULL, self->cancellable, round_done, self);
  g_task_set_task_data (task, round, (GDestroyNotify) round_free);
  g_task_run_in_thread (task, fetch_in_thread);
  return G_SOURCE_CONTINUE;
}

static gboolean
first_round (gpointer user_data)
{
  CrmServerMailboxes *self = user_data;

  self->first = 0;
  check_round (self);
  return G_SOURCE_REMOVE;
}

CrmServerMailboxes *
crm_server_mailboxes_start (CrmServerStorage *storage,
                            guint             interval_seconds,
                            GCallback         changed,
                            gpointer          user_data)
{
  CrmServerMailboxes *self = g_new0 (CrmServerMailboxes, 1);

  self->changed = changed;
  self->changed_data = user_data;
  crm_mail_init ();
  self->storage = g_object_ref (storage);
  self->cancellable = g_cancellable_new ();
  crm_mail_limits_init (&self->limits);
  if (interval_seconds > 0)
    {
      self->source = g_timeout_add_seconds (interval_seconds, check_round, self);
      /* the first check soon after start, not a whole interval later */
      self->first = g_timeout_add_seconds_full (G_PRIORITY_LOW, 1, first_round, self, NULL);
    }
  return self;
}

void
crm_server_mailboxes_stop (CrmServerMailboxes *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->source, g_source_remove);
  g_clear_handle_id (&self->first, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->in_flight != NULL)
    {
      /* the leases of the check under way: the next start takes the mailboxes at once */
      for (guint i = 0; i < self->in_flight->len; i++)
        release (self->storage, self->in_flight->pdata[i], NULL, 0, 0, 0, NULL, FALSE);
    }
  g_clear_object (&self->cancellable);
  if (self->in_flight != NULL)
    return;  /* the worker still holds the round: round_done() may yet run, sees the
              * cancellation and writes nothing; the object lives until the process ends */
  g_clear_object (&self->storage);
  g_free (self);
}
