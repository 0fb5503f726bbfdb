/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-round.c — one sync round, blocking, in whatever thread calls it:
 *   1. sign in when there is no token (or the token is refused) and a password is known;
 *   2. push the outbox in batches; each answer is taken in one transaction;
 *   3. a replica that never synced and holds nothing installs a snapshot (decompressed
 *      while it downloads; resumable: the compressed bytes are kept in
 *      REPLICA.snapshot.part and the download continues with Range/If-Range);
 *   4. pull pages; each page is merged with its cursor in one transaction.
 * A server found behind this replica — restored from an older backup (its answer names
 * another incarnation of the account: 410 server-restored), replaced (its head is below
 * our cursor), or one that lost ops it had acknowledged and numbered others the same
 * since (a pull names the op this replica holds at its cursor; the server finds another
 * there: 410 server-restored, reason "lost-ops") — first gets again every op it may have
 * lost that this replica holds:
 * this device's acknowledged ops and the ops pulled from others, which carry the server's
 * stamp so it takes them back with their author. Only then is a fresh copy installed, so
 * the restored server and this replica end up with everything any device still had.
 * Killed anywhere, the next round picks up where this one stopped: the server accepts a
 * pushed op once, the cursor only moves with the page it belongs to. */
#define G_LOG_DOMAIN "voronka-sync"
#define _GNU_SOURCE   /* sync_file_range */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-sync-round-private.h"
#include "crm-sync-files-private.h"
#include "crm-sync-state.h"
#include "crm-attachment.h"
#include "crm-hlc.h"
#include "crm-uuid.h"
#include "crm-visibility.h"

typedef struct {
  CrmSyncRound  *round;
  SoupSession   *session;
  GCancellable  *cancellable;
  guint64        hlc;          /* the greatest server clock seen */
  gboolean       signed_in;    /* this round signed in already */
  CrmSession    *new_session;
  char          *epoch;        /* the account's incarnation this replica synced with */
  char          *server_epoch; /* the server's, from its last answer */
  gint64         server_head;  /* the server's head from its last answer; -1: unknown */
  char          *server_device; /* the account's device id on the server, from its answer */
  GBytes        *error_body;   /* the last refused answer */
  gboolean       lost_ops;     /* the server went back without a restore (reason lost-ops) */
} Http;

void
crm_sync_round_free (CrmSyncRound *round)
{
  if (round == NULL)
    return;
  g_free (round->replica_path);
  g_free (round->server_url);
  g_free (round->user);
  g_free (round->token);
  if (round->password != NULL)
    memset (round->password, 0, strlen (round->password));
  g_free (round->password);
  g_free (round->invite);
  g_clear_object (&round->tls_database);
  g_clear_object (&round->session);
  g_free (round);
}

gboolean
crm_sync_round_check_url (const char  *server_url,
                          gboolean     allow_insecure,
                          GError     **error)
{
  g_autoptr(GUri) uri = server_url ? g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  g_autoptr(GInetAddress) address = NULL;

  if (uri == NULL || host == NULL || *host == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("“%s” is not a server address; write it like https://crm.example.com:8443"),
                   server_url ? server_url : "");
      return FALSE;
    }
  if (g_str_equal (scheme, "https"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  if (!allow_insecure ||
      !(g_str_equal (host, "localhost") || (address && g_inet_address_get_is_loopback (address))))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Refusing to sync over plain http:// (%s): passwords and data would travel "
                     "unencrypted; use https:// (plain http is only for a test server on this "
                     "machine, with --insecure)"), server_url);
      return FALSE;
    }
  return TRUE;
}

/* --- HTTP ------------------------------------------------------------------------------- */

static void
transport_error (Http         *http,
                 GError      **error,
                 GError       *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                   _("Could not make a secure connection to %s: %s (if the server uses its own "
                     "certificate, pass it with --ca-file)"),
                   http->round->server_url, cause->message);
      g_error_free (cause);
    }
  else if (cause->domain == G_TLS_ERROR)
    {
      /* the connection broke off mid-way (a server that stopped or reset it during the
       * handshake, a network cut): nothing about certificates; the next sync tries again */
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                   _("The secure connection to %s broke off (%s); nothing was lost, sync "
                     "again when the network is back"),
                   http->round->server_url, cause->message);
      g_error_free (cause);
    }
  else
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                   _("Could not reach the server at %s: %s"), http->round->server_url,
                   cause->message);
      g_error_free (cause);
    }
}

static SoupMessage *
new_message (Http        *http,
             const char  *method,
             const char  *path,
             GError     **error)
{
  g_autofree char *base = g_strdup (http->round->server_url);
  g_autofree char *url = NULL;
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  SoupMessage *msg;
  SoupMessageHeaders *headers;

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strconcat (base, path, NULL);
  msg = soup_message_new (method, url);
  if (msg == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("“%s” is not a valid address"), url);
      return NULL;
    }
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (http->round->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", http->round->token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  if (http->epoch != NULL)
    soup_message_headers_replace (headers, CRM_PROTOCOL_EPOCH_HEADER, http->epoch);
  return msg;
}

static void
absorb_hlc_header (Http        *http,
                   SoupMessage *msg)
{
  const char *text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   CRM_PROTOCOL_HLC_HEADER);
  guint64 hlc = 0;

  if (text != NULL && crm_hlc_parse (text, &hlc))
    http->hlc = MAX (http->hlc, hlc);
  text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                       CRM_PROTOCOL_EPOCH_HEADER);
  if (text != NULL && g_strcmp0 (text, http->server_epoch) != 0)
    {
      g_free (http->server_epoch);
      http->server_epoch = g_strdup (text);
    }
  text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                       CRM_PROTOCOL_HEAD_HEADER);
  if (text != NULL)
    g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &http->server_head, NULL);
  text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                       CRM_PROTOCOL_DEVICE_HEADER);
  if (text != NULL && g_strcmp0 (text, http->server_device) != 0)
    {
      g_free (http->server_device);
      http->server_device = g_strdup (text);
    }
}

static GBytes *
send_once (Http        *http,
           const char  *method,
           const char  *path,
           GBytes      *body,
           GError     **error)
{
  g_autoptr(SoupMessage) msg = new_message (http, method, path, error);
  g_autoptr(GBytes) answer = NULL;
  GError *local_error = NULL;
  guint status;

  if (msg == NULL)
    return NULL;
  /* the server takes a batch once by its ops' ids, so a push may go over a kept
   * connection (libsoup opens a new one for other POSTs) */
  if (g_str_equal (path, CRM_PROTOCOL_PATH_PUSH))
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (http->session, msg, http->cancellable, &local_error);
  if (answer == NULL)
    {
      transport_error (http, error, local_error);
      return NULL;
    }
  absorb_hlc_header (http, msg);
  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      crm_protocol_set_http_error (error, status, soup_message_get_reason_phrase (msg), answer);
      g_clear_pointer (&http->error_body, g_bytes_unref);
      http->error_body = g_steal_pointer (&answer);
      return NULL;
    }
  return g_steal_pointer (&answer);
}

static CrmSession *
sign_in (Http    *http,
         GError **error)
{
  CrmSyncRound *round = http->round;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *old_token = g_steal_pointer (&round->token);
  CrmSessionRequest request = { 0 };
  CrmSession *session;

  if (round->password == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   old_token ? _("The sign-in to %s as %s has expired or was revoked; sign in "
                                 "again with the password")
                             : _("Not signed in to %s as %s yet; sign in with the password"),
                   round->server_url, round->user);
      round->token = g_steal_pointer (&old_token);
      return NULL;
    }
  if (g_file_test (round->replica_path, G_FILE_TEST_EXISTS))
    store = crm_store_open (round->replica_path, NULL);
  request.user = round->invite != NULL ? NULL : round->user;
  request.invite = round->invite;
  request.password = round->password;
  request.device = store ? (char *) crm_store_get_device_id (store) : NULL;
  request.device_name = (char *) g_get_host_name ();
  node = crm_session_request_to_json (&request);
  body = crm_protocol_to_bytes (node);
  answer = send_once (http, "POST", CRM_PROTOCOL_PATH_SESSION, body, error);
  if (answer == NULL)
    return NULL;
  session = g_new0 (CrmSession, 1);
  if (!crm_session_parse (answer, session, error))
    {
      crm_session_clear (session);
      g_free (session);
      return NULL;
    }
  round->token = g_strdup (session->token);
  http->signed_in = TRUE;
  if (round->invite != NULL)
    {
      /* the code works once: from now on the round signs in as the user it made */
      g_clear_pointer (&round->invite, g_free);
      g_free (round->user);
      round->user = g_strdup_printf ("%s@%s", session->user_name, session->account_name);
    }
  return session;
}

/* A request with the token; a refused token is renewed once with the password. */
static GBytes *
send_authorized (Http        *http,
                 const char  *method,
                 const char  *path,
                 GBytes      *body,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *answer;

  if (http->round->token == NULL)
    {
      CrmSession *session = sign_in (http, error);

      if (session == NULL)
        return NULL;
      crm_session_free (http->new_session);
      http->new_session = session;
    }
  answer = send_once (http, method, path, body, &local_error);
  if (answer == NULL &&
      g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) &&
      !http->signed_in && http->round->password != NULL)
    {
      CrmSession *session = sign_in (http, error);

      if (session == NULL)
        return NULL;
      crm_session_free (http->new_session);
      http->new_session = session;
      g_clear_error (&local_error);
      answer = send_once (http, method, path, body, &local_error);
    }
  if (answer == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return answer;
}

static void
http_init (Http          *http,
           CrmSyncRound  *round,
           GCancellable  *cancellable)
{
  memset (http, 0, sizeof *http);
  http->server_head = -1;
  http->round = round;
  http->cancellable = cancellable;
  /* the client's session keeps its connection (and TLS) open between rounds */
  http->session = round->session != NULL ? g_object_ref (round->session)
                                         : crm_sync_round_new_session (round->tls_database);
}

/* A session for rounds to a server: made and configured in the calling thread; libsoup
 * (≥ 3.2) then sends from any thread. */
SoupSession *
crm_sync_round_new_session (GTlsDatabase *tls_database)
{
  g_autofree char *agent = g_strdup_printf ("Voronka/%s ", PACKAGE_VERSION);
  SoupSession *session = soup_session_new_with_options ("timeout", 120, "idle-timeout", 30,
                                                        "user-agent", agent, NULL);

  if (tls_database != NULL)
    soup_session_set_tls_database (session, tls_database);
  return session;
}

static void
http_clear (Http *http)
{
  g_clear_object (&http->session);
  crm_session_free (http->new_session);
  http->new_session = NULL;
  g_clear_pointer (&http->epoch, g_free);
  g_clear_pointer (&http->server_epoch, g_free);
  g_clear_pointer (&http->server_device, g_free);
  g_clear_pointer (&http->error_body, g_bytes_unref);
}

CrmSession *
crm_sync_round_sign_in (CrmSyncRound  *round,
                        GCancellable  *cancellable,
                        GError       **error)
{
  Http http;
  CrmSession *session;

  if (!crm_sync_round_check_url (round->server_url, round->allow_insecure, error))
    return NULL;
  http_init (&http, round, cancellable);
  session = sign_in (&http, error);
  http_clear (&http);
  return session;
}

GBytes *
crm_sync_round_request (CrmSyncRound  *round,
                        const char    *method,
                        const char    *path,
                        GBytes        *body,
                        GCancellable  *cancellable,
                        GError       **error)
{
  Http http;
  GBytes *answer;

  if (!crm_sync_round_check_url (round->server_url, round->allow_insecure, error))
    return NULL;
  http_init (&http, round, cancellable);
  answer = send_authorized (&http, method, path, body, error);
  http_clear (&http);
  return answer;
}

/* --- push -------------------------------------------------------------------------------- */

/* The files the batch's attachments name go first: the server refuses a push that
 * describes a file it does not have. A refused token is renewed once, as for the push. */
static gboolean
upload_files (Http       *http,
              CrmStore   *store,
              GPtrArray  *ops,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (crm_sync_files_upload (http->round, http->session, store, ops, http->cancellable, NULL,
                             &local_error))
    return TRUE;
  if (g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) &&
      !http->signed_in && http->round->password != NULL)
    {
      CrmSession *session = sign_in (http, error);

      if (session == NULL)
        return FALSE;
      crm_session_free (http->new_session);
      http->new_session = session;
      return crm_sync_files_upload (http->round, http->session, store, ops, http->cancellable,
                                    NULL, error);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Hands the server's push results to core, which takes them in one transaction. */
static gboolean
take_push_answer (CrmStore   *store,
                  GPtrArray  *ops,
                  GPtrArray  *results,
                  guint64     server_hlc,
                  guint      *out_rejected,
                  GError    **error)
{
  g_autofree CrmPushOutcome *outcomes = g_new0 (CrmPushOutcome, MAX (results->len, 1));

  for (guint i = 0; i < results->len; i++)
    {
      const CrmPushResult *result = results->pdata[i];

      outcomes[i] = (CrmPushOutcome) {
        .op_id = result->op_id,
        .accepted = result->accepted,
        .seq = result->seq,
        .hlc = result->hlc,
        .stamp = result->stamp,
        .actor = result->actor,
        .code = result->code,
        .values = result->values,
        .corrective = result->corrective,
      };
    }
  return crm_sync_state_take_push_answer (store, ops, outcomes, results->len, server_hlc,
                                          out_rejected, error);
}

static gboolean
push_outbox (Http           *http,
             CrmStore       *store,
             CrmSyncReport  *report,
             GError        **error)
{
  for (;;)
    {
      g_autoptr(GPtrArray) ops = crm_sync_state_dup_outbox (store, http->round->batch_size, error);
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) answer = NULL;
      gint64 head = 0;
      guint64 hlc = 0;
      guint rejected = 0;

      if (ops == NULL)
        return FALSE;
      if (ops->len == 0)
        return TRUE;
      if (!upload_files (http, store, ops, error))
        return FALSE;
      node = crm_push_request_to_json (MAX (crm_sync_state_get_cursor (store), 0), ops);
      body = crm_protocol_to_bytes (node);
      answer = send_authorized (http, "POST", CRM_PROTOCOL_PATH_PUSH, body, error);
      if (answer == NULL || !crm_push_response_parse (answer, &results, &head, &hlc, error))
        return FALSE;
      if (results->len != ops->len)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                       _("The server answered about %u of the %u changes sent"),
                       results->len, ops->len);
          return FALSE;
        }
      if (!take_push_answer (store, ops, results, MAX (hlc, http->hlc), &rejected, error))
        return FALSE;
      report->pushed += ops->len;
      report->rejected += rejected;
    }
}

/* --- snapshot ------------------------------------------------------------------------------ */

/* The snapshot is an SQLite file compressed with zstd. It is decompressed while it
 * arrives, straight into REPLICA.snapshot.db, which then becomes the replica. The
 * compressed bytes are kept in REPLICA.snapshot.part (with the snapshot's ETag in .etag)
 * so a dropped download resumes: the part is decompressed again (fast) and the rest is
 * asked for with Range/If-Range. */

#define READ_CHUNK      (1 << 20)
#define SYNC_EVERY      ((goffset) 64 << 20)

typedef struct {
  ZSTD_DCtx *dctx;
  int        fd;          /* REPLICA.snapshot.db */
  char      *out;
  gsize      out_size;
  size_t     last;        /* the last ZSTD_decompressStream result: 0 at a frame's end */
  goffset    written;
  goffset    synced;      /* written back up to here (asked for, not waited on) */
} Inflate;

static void
inflate_clear (Inflate *z)
{
  ZSTD_freeDCtx (z->dctx);
  if (z->fd >= 0)
    close (z->fd);
  g_free (z->out);
  memset (z, 0, sizeof *z);
  z->fd = -1;
}

static gboolean
inflate_open (Inflate     *z,
              const char  *path,
              GError     **error)
{
  memset (z, 0, sizeof *z);
  z->dctx = ZSTD_createDCtx ();
  z->out_size = 4 << 20;
  z->out = g_malloc (z->out_size);
  z->last = 1;
  z->fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (z->fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not write %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_fd (int          fd,
          const char  *data,
          gsize        size,
          GError     **error)
{
  while (size > 0)
    {
      gssize n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not write the account copy: %s"), g_strerror (saved));
          return FALSE;
        }
      data += n;
      size -= n;
    }
  return TRUE;
}

/* Decompresses @size bytes of the stream into the file. FALSE with G_IO_ERROR_INVALID_DATA
 * when they are not zstd. */
static gboolean
inflate_feed (Inflate     *z,
              const void  *data,
              gsize        size,
              GError     **error)
{
  ZSTD_inBuffer in = { data, size, 0 };

  while (in.pos < in.size)
    {
      ZSTD_outBuffer out = { z->out, z->out_size, 0 };

      z->last = ZSTD_decompressStream (z->dctx, &out, &in);
      if (ZSTD_isError (z->last))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                       ZSTD_getErrorName (z->last));
          return FALSE;
        }
      if (!write_fd (z->fd, z->out, out.pos, error))
        return FALSE;
      z->written += out.pos;
    }
#ifdef SYNC_FILE_RANGE_WRITE
  /* start writing back what is decompressed, so the sync before the install does not
   * wait for all of it */
  if (z->written - z->synced >= SYNC_EVERY)
    {
      sync_file_range (z->fd, z->synced, z->written - z->synced, SYNC_FILE_RANGE_WRITE);
      z->synced = z->written;
    }
#endif
  return TRUE;
}

/* Feeds the part downloaded before (a resumed download). */
static gboolean
inflate_file (Inflate       *z,
              const char    *path,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, cancellable, error);
  g_autofree char *buffer = g_malloc (READ_CHUNK);
  gssize got;

  if (in == NULL)
    return FALSE;
  while ((got = g_input_stream_read (G_INPUT_STREAM (in), buffer, READ_CHUNK, cancellable,
                                     error)) > 0)
    if (!inflate_feed (z, buffer, got, error))
      return FALSE;
  return got == 0;
}

static gboolean
remove_files (const char *base)
{
  static const char *const suffixes[] = { ".part", ".etag", ".db", ".db-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (base, suffixes[i], NULL);
      g_unlink (path);
    }
  return TRUE;
}

static void
set_damaged (GError      **error,
             const GError *cause)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
               _("The copy of the account was damaged in transit (%s); the next sync "
                 "downloads it again"), cause->message);
}

/* Downloads the snapshot into BASE.db (decompressed as it arrives). */
static gboolean
download_snapshot (Http        *http,
                   const char  *base,
                   gint64      *out_seq,
                   GError     **error)
{
  g_autofree char *part = g_strconcat (base, ".part", NULL);
  g_autofree char *etag_path = g_strconcat (base, ".etag", NULL);
  g_autofree char *db = g_strconcat (base, ".db", NULL);
  g_autofree char *etag = NULL;
  g_autofree char *buffer = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (part);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;
  Inflate z = { .fd = -1 };
  SoupMessageHeaders *headers;
  goffset offset = 0, start = 0, end = 0, total = -1, received = 0;
  const char *text;
  GStatBuf st;
  gboolean ok = FALSE;
  gssize got;
  guint status;

  if (g_stat (part, &st) == 0 && g_file_get_contents (etag_path, &etag, NULL, NULL) && *etag)
    offset = st.st_size;
  msg = new_message (http, "GET", CRM_PROTOCOL_PATH_SNAPSHOT, error);
  if (msg == NULL)
    return FALSE;
  if (offset > 0)
    {
      soup_message_headers_set_range (soup_message_get_request_headers (msg), offset, -1);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Range", etag);
    }
  in = soup_session_send (http->session, msg, http->cancellable, &local_error);
  if (in == NULL)
    {
      transport_error (http, error, g_steal_pointer (&local_error));
      return FALSE;
    }
  absorb_hlc_header (http, msg);
  status = soup_message_get_status (msg);
  headers = soup_message_get_response_headers (msg);
  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      remove_files (base);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The interrupted download of the account did not match the server's copy; "
                     "it starts over"));
      return FALSE;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_autoptr(GBytes) answer = g_input_stream_read_bytes (in, 64 * 1024, NULL, NULL);
      crm_protocol_set_http_error (error, status, soup_message_get_reason_phrase (msg), answer);
      return FALSE;
    }
  text = soup_message_headers_get_one (headers, CRM_PROTOCOL_SEQ_HEADER);
  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, out_seq, NULL))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server sent the account without saying which changes it holds"));
      return FALSE;
    }
  text = soup_message_headers_get_content_type (headers, NULL);
  if (g_strcmp0 (text, CRM_PROTOCOL_SNAPSHOT_TYPE) != 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server sent the account in a form this app cannot read (%s)"),
                   text ? text : "?");
      return FALSE;
    }
  if (!inflate_open (&z, db, error))
    goto out;
  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      if (!soup_message_headers_get_content_range (headers, &start, &end, &total) ||
          start != offset)
        {
          inflate_clear (&z);
          remove_files (base);
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                       _("The server resumed the download at the wrong place; it starts over"));
          return FALSE;
        }
      if (!inflate_file (&z, part, http->cancellable, &local_error))
        {
          inflate_clear (&z);
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          remove_files (base);
          set_damaged (error, local_error);
          return FALSE;
        }
      out = g_file_append_to (file, G_FILE_CREATE_NONE, http->cancellable, error);
      received = offset;
    }
  else
    {
      const char *new_etag = soup_message_headers_get_one (headers, "ETag");

      total = soup_message_headers_get_content_length (headers);
      out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, http->cancellable, error);
      if (out != NULL && !g_file_set_contents (etag_path, new_etag ? new_etag : "", -1, error))
        goto out;
    }
  if (out == NULL)
    goto out;

  buffer = g_malloc (READ_CHUNK);
  while ((got = g_input_stream_read (in, buffer, READ_CHUNK, http->cancellable,
                                     &local_error)) > 0)
    {
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, got, NULL,
                                      http->cancellable, error))
        goto out;
      received += got;
      if (!inflate_feed (&z, buffer, got, &local_error))
        {
          remove_files (base);
          set_damaged (error, local_error);
          goto out;
        }
    }
  if (got < 0)
    {
      transport_error (http, error, g_steal_pointer (&local_error));
      goto out;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), http->cancellable, error))
    goto out;
  if (total > 0 && received != total)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                   _("The download of the account stopped early; the next sync continues it"));
      goto out;
    }
  if (z.last != 0)
    {
      g_autoptr(GError) cause = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                     "the compressed stream is cut short");
      remove_files (base);
      set_damaged (error, cause);
      goto out;
    }
  ok = TRUE;

out:
  inflate_clear (&z);
  return ok;
}

static gboolean
install_snapshot (Http           *http,
                  CrmStore      **store,
                  CrmSyncReport  *report,
                  GError        **error)
{
  g_autofree char *base = g_strconcat (http->round->replica_path, ".snapshot", NULL);
  g_autofree char *db = g_strconcat (base, ".db", NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) files = NULL;
  gint64 seq = 0;
  gint64 start = g_get_monotonic_time ();

  if (!download_snapshot (http, base, &seq, &local_error))
    {
      CrmSession *session;

      if (!g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) ||
          http->signed_in || http->round->password == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);
      session = sign_in (http, error);
      if (session == NULL)
        return FALSE;
      crm_session_free (http->new_session);
      http->new_session = session;
      if (!download_snapshot (http, base, &seq, error))
        return FALSE;
    }
  g_debug ("Snapshot at %" G_GINT64_FORMAT " downloaded and decompressed in %.2f s", seq,
           (g_get_monotonic_time () - start) / 1e6);
  start = g_get_monotonic_time ();
  /* the files of attachments the replica holds now: those the copy no longer has (deals
   * this user no longer sees, crm-visibility.h) leave the folder with them */
  files = crm_attachment_dup_hashes (*store);
  if (!crm_sync_state_install_snapshot (store, db, seq, http->hlc, &local_error))
    {
      /* what was wrong with the copy is the server's answer; the rest is the replica's */
      if (g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT))
        g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                             local_error->message);
      else if (g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW))
        g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UPDATE_REQUIRED,
                             local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_debug ("Snapshot installed in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  crm_attachment_remove_unused (*store, files);
  remove_files (base);
  report->snapshot = TRUE;
  return TRUE;
}

/* --- pull ----------------------------------------------------------------------------------- */

static gboolean
pull_pages (Http           *http,
            CrmStore      **store_ptr,
            CrmSyncReport  *report,
            gboolean        snapshot_done,
            GError        **error)
{
  for (;;)
    {
      CrmStore *store = *store_ptr;
      gint64 cursor = MAX (crm_sync_state_get_cursor (store), 0);
      g_autofree char *since_op = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GError) local_error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(CrmPullPage) page = NULL;
      guint merged = 0, conflicts = 0;
      gint64 t1, t2;

      /* the op this replica pulled as the cursor's number, from its history: a server that
       * numbers another op so lost ops it had acknowledged (410 server-restored) */
      if (!crm_sync_state_dup_cursor_op (store, cursor, &since_op, error))
        return FALSE;
      path = since_op != NULL && crm_uuid_is_valid (since_op)
             ? g_strdup_printf ("%s?since=%" G_GINT64_FORMAT "&since_op=%s&limit=%u",
                                CRM_PROTOCOL_PATH_PULL, cursor, since_op, http->round->page_size)
             : g_strdup_printf ("%s?since=%" G_GINT64_FORMAT "&limit=%u",
                                CRM_PROTOCOL_PATH_PULL, cursor, http->round->page_size);
      answer = send_authorized (http, "GET", path, NULL, &local_error);
      t1 = g_get_monotonic_time ();

      if (answer == NULL &&
          g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SNAPSHOT_REQUIRED) &&
          !snapshot_done && !(http->server_head >= 0 && cursor > http->server_head))
        {
          /* the server's history horizon: everything local is pushed by now, so a fresh
           * copy loses nothing (a server behind us is handled by the caller) */
          if (!install_snapshot (http, store_ptr, report, error))
            return FALSE;
          snapshot_done = TRUE;
          continue;
        }
      if (answer == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      page = crm_pull_page_parse (answer, error);
      if (page == NULL)
        return FALSE;
      t2 = g_get_monotonic_time ();
      if (page->ops->len == 0 && page->more && page->next <= cursor)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                       _("The server sent an empty page but said more was coming"));
          return FALSE;
        }
      /* deals this user no longer sees, and tasks, notes… moved onto deals they do not
       * see, go first (in a transaction of their own: were the merge to fail, the same
       * page forgets them again) */
      if (!crm_visibility_forget (store, page->forget, page->forget_dependents, error))
        return FALSE;
      if (!crm_sync_state_merge_pulled (store, page->ops, page->bases, page->next, page->hlc,
                                        &merged, &conflicts, error))
        return FALSE;
      g_debug ("Pulled %u ops (%" G_GSIZE_FORMAT " bytes): request %.1f ms, parse %.1f ms, "
               "merge %.1f ms", page->ops->len, g_bytes_get_size (answer), (t1 - t0) / 1e3,
               (t2 - t1) / 1e3, (g_get_monotonic_time () - t2) / 1e3);
      report->pulled += merged;
      report->conflicts += conflicts;
      report->cursor = page->next;
      if (!page->more)
        /* the server's word on this user's changes whose automation it has yet to
         * withdraw: listed with the conflicts until a pull says they are gone */
        return crm_sync_state_set_withdraw_pending (store, page->pending, error);
    }
}

/* A sign-in that fails (a wrong password, no server) in the round that has just made
 * the replica removes it again, before anything was written in it: a failed first sync
 * leaves no empty replica for the app (or voronkactl) to open next time. */
static void
discard_new_replica (CrmStore   **store,
                     const char  *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autoptr(GError) error = NULL;
  gboolean unused = FALSE;

  /* one that cannot be read is kept: it is never taken for an empty one */
  if (*store != NULL && !crm_sync_state_read_unused (*store, &unused, &error))
    g_debug ("kept %s: %s", path, error->message);
  g_clear_object (store);
  for (guint i = 0; unused && i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

/* --- a server that went back in time ---------------------------------------------------------- */

/* Did @error say the server is behind this replica? Then *@out_shared is how many of its
 * first sequence numbers it still has as we knew them, *@out_head its head. */
static gboolean
server_went_back (Http          *http,
                  CrmStore      *store,
                  const GError  *error,
                  gint64        *out_shared,
                  gint64        *out_head)
{
  if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_RESTORED))
    {
      g_autoptr(JsonObject) root = http->error_body != NULL
        ? crm_protocol_parse_object (http->error_body, "error", NULL) : NULL;
      JsonObject *body = root != NULL && json_object_has_member (root, "error") &&
                         JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "error"))
                         ? json_object_get_object_member (root, "error") : NULL;
      const char *epoch = body ? json_object_get_string_member_with_default (body, "epoch", NULL)
                               : NULL;
      const char *reason = body ? json_object_get_string_member_with_default (body, "reason",
                                                                              NULL)
                                : NULL;

      if (epoch == NULL)
        return FALSE;
      g_debug ("The server went back (%s): %s", reason ? reason : "restored", error->message);
      http->lost_ops = g_strcmp0 (reason, CRM_PROTOCOL_REASON_LOST_OPS) == 0;
      g_free (http->server_epoch);
      http->server_epoch = g_strdup (epoch);
      *out_shared = MAX (json_object_get_int_member_with_default (body, "shared", 0), 0);
      *out_head = MAX (json_object_get_int_member_with_default (body, "head", 0), 0);
      return TRUE;
    }
  if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SNAPSHOT_REQUIRED) &&
      http->server_head >= 0 && crm_sync_state_get_cursor (store) > http->server_head)
    {
      /* no incarnation to go by (a copy put back by hand, a server of an older version):
       * everything may be lost */
      *out_shared = 0;
      *out_head = http->server_head;
      return TRUE;
    }
  return FALSE;
}

/* Sends again every op the server may have lost (numbered above @shared); the server
 * takes each op once, so what it still has costs nothing. Returns how many it took as
 * new in *@out_count. */
static gboolean
resend_lost (Http       *http,
             CrmStore   *store,
             gint64      shared,
             gint64      head,
             guint      *out_count,
             GError    **error)
{
  gint64 after = 0;

  *out_count = 0;
  for (;;)
    {
      g_autoptr(GPtrArray) ops = crm_sync_state_dup_lost_ops (store, shared, after,
                                                              http->round->batch_size, error);
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) answer = NULL;
      gint64 new_head = 0;
      guint64 hlc = 0;

      if (ops == NULL)
        return FALSE;
      if (ops->len == 0)
        return TRUE;
      after = ((CrmOp *) ops->pdata[ops->len - 1])->seq;
      node = crm_push_request_to_json (shared, ops);
      body = crm_protocol_to_bytes (node);
      answer = send_authorized (http, "POST", CRM_PROTOCOL_PATH_PUSH, body, error);
      if (answer == NULL || !crm_push_response_parse (answer, &results, &new_head, &hlc, error))
        return FALSE;
      /* an op the server still had keeps its number; one it takes anew gets a new one */
      for (guint i = 0; i < results->len; i++)
        {
          CrmPushResult *result = results->pdata[i];

          if (result->accepted && result->seq > head)
            (*out_count)++;
          else if (!result->accepted)
            g_debug ("The restored server refused op %s again: %s", result->op_id,
                     result->message);
        }
      head = MAX (head, new_head);
    }
}

static gboolean
recover (Http           *http,
         CrmStore      **store,
         CrmSyncReport  *report,
         gint64          shared,
         gint64          head,
         GError        **error)
{
  guint count = 0;
  gboolean same = FALSE;

  /* the same account: its server's own ops (numbers, template) are in our history; a
   * replica of another account never sends it anything */
  if (http->server_device == NULL ||
      !crm_sync_state_knows_device (*store, http->server_device, &same, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                     _("The server says it was restored from a backup but did not say which "
                       "account it holds; nothing was sent"));
      return FALSE;
    }
  if (!same)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("This replica belongs to another account or server than %s; nothing was "
                     "sent. Sign in on a new replica for this server"),
                   http->round->server_url);
      return FALSE;
    }
  g_debug ("The server went back in time (it shares %" G_GINT64_FORMAT " of our history, "
           "head %" G_GINT64_FORMAT "): sending what it lost again", shared, head);
  /* from now on the requests speak to the restored incarnation */
  g_free (http->epoch);
  http->epoch = g_strdup (http->server_epoch);
  if (!resend_lost (http, *store, shared, head, &count, error) ||
      !push_outbox (http, *store, report, error) ||
      !install_snapshot (http, store, report, error))
    return FALSE;
  report->server_restored = TRUE;
  report->server_lost_ops = http->lost_ops;
  report->restored = count;
  return crm_sync_state_set_restored (*store, count, http->lost_ops, error) &&
         (http->epoch == NULL || crm_store_set_meta (*store, "sync.epoch", http->epoch, error));
}

static gboolean
run_steps (Http           *http,
           CrmStore      **store,
           CrmSyncReport  *report,
           gboolean        fresh,
           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 shared = 0, head = 0;

  if (push_outbox (http, *store, report, &local_error) &&
      (!fresh || install_snapshot (http, store, report, &local_error)) &&
      pull_pages (http, store, report, fresh, &local_error))
    return TRUE;
  if (fresh || !server_went_back (http, *store, local_error, &shared, &head))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return recover (http, store, report, shared, head, error) &&
         pull_pages (http, store, report, TRUE, error);
}

/* After a round that pulled (and installed a snapshot), in this worker: a few batches of
 * the acknowledged history past the horizon compacted (crm_store_compact_history), each
 * its own short transaction so the app's writes never wait long; the next round goes on
 * from there. A failure here fails nothing: the history stays as it was. */
#define COMPACT_BATCH    2000
#define COMPACT_BATCHES  10

static void
compact_history (CrmStore *store)
{
  gboolean more = TRUE;

  for (guint i = 0; more && i < COMPACT_BATCHES; i++)
    {
      g_autoptr(GError) error = NULL;
      guint compacted = 0;

      if (!crm_store_compact_history (store, COMPACT_BATCH, &compacted, &more, &error))
        {
          g_debug ("The history was not compacted: %s", error->message);
          return;
        }
      g_debug ("Compacted %u ops of the history", compacted);
    }
}

CrmSyncReport *
crm_sync_round_run (CrmSyncRound  *round,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(CrmSyncReport) report = g_new0 (CrmSyncReport, 1);
  g_autoptr(CrmStore) store = NULL;
  gboolean created;
  gboolean fresh;
  gboolean ok;
  Http http;

  if (!crm_sync_round_check_url (round->server_url, round->allow_insecure, error))
    return NULL;
  created = !g_file_test (round->replica_path, G_FILE_TEST_EXISTS);
  store = !created
          ? crm_store_open (round->replica_path, error)
          : crm_store_create (round->replica_path, error);
  if (store == NULL)
    return NULL;
  /* the round's commits never wait for the WAL to be copied back: the app checkpoints
   * when the user pauses, and voronkactl's close (the last connection) does it */
  crm_store_set_deferred_checkpoints (store, TRUE);
  if (!crm_sync_state_read_unused (store, &fresh, error))
    return NULL;

  http_init (&http, round, cancellable);
  http.epoch = crm_store_dup_meta (store, "sync.epoch");
  if (round->token == NULL)
    {
      http.new_session = sign_in (&http, error);
      if (http.new_session == NULL)
        {
          http_clear (&http);
          if (created)
            discard_new_replica (&store, round->replica_path);
          return NULL;
        }
    }
  ok = run_steps (&http, &store, report, fresh, error) &&
       /* the incarnation synced with: a new replica's, or one this replica did not know */
       (http.server_epoch == NULL || g_strcmp0 (http.epoch, http.server_epoch) == 0 ||
        crm_store_set_meta (store, "sync.epoch", http.server_epoch, error)) &&
       crm_sync_state_set_last_sync (store, error);
  if (ok && http.new_session != NULL)
    {
      report->token = g_strdup (http.new_session->token);
      report->session = g_steal_pointer (&http.new_session);
    }
  http_clear (&http);
  if (!ok)
    return NULL;
  compact_history (store);
  report->cursor = crm_sync_state_get_cursor (store);
  /* the round succeeded: a count that cannot be read stays 0 */
  crm_sync_state_count_waiting (store, &report->waiting, NULL);
  return g_steal_pointer (&report);
}

gint64
crm_sync_round_count_waiting (const char  *replica_path,
                              GError     **error)
{
  g_autoptr(CrmStore) store = NULL;
  gint64 waiting = 0;

  if (replica_path == NULL || !g_file_test (replica_path, G_FILE_TEST_EXISTS))
    return 0;
  store = crm_store_open (replica_path, error);
  if (store == NULL || !crm_sync_state_count_waiting (store, &waiting, error))
    return -1;
  return waiting;
}
