/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-protocol.h — the sync protocol's wire format, shared by the client (src/sync) and
 * voronka-server: paths, headers, limits, the error domain, and encode/decode of every
 * request and answer. Decoding never trusts its input: a wrong type, a missing member
 * or an op that is not an op is an INVALID_INPUT error naming the member.
 *
 *   POST /api/v1/session        {"user","password","device","device_name"}
 *                               → {"token","expires","account":{"id","name"},
 *                                  "user":{"id","name","role"},"server_device","hlc"}
 *   DELETE /api/v1/session      revokes the token in use → {"revoked":true,"hlc"}
 *   POST /api/v1/sync/push      {"base": cursor, "ops": [op…]}
 *                               → {"results":[{"op","status":"accepted","seq","hlc","stamp"} |
 *                                   {"op","status":"rejected","code","message","values",
 *                                    "corrective": op}], "head", "hlc"}
 *   GET  /api/v1/sync/pull?since=SEQ&since_op=OP&limit=N
 *                               → {"ops":[op + "seq","base","stamp"…], "next", "more", "head",
 *                                  "hlc", "withdraw_pending" (optional, the last page:
 *                                  [{"op","deal","stage","effects"}…]), "forget"
 *                                  (optional: ids of deals the puller no longer sees,
 *                                  to remove from its replica without an op),
 *                                  "forget_dependents" (optional: [{"entity","id"}…],
 *                                  a deal's tasks, notes, files, calls… moved onto a
 *                                  deal the puller does not see, removed the same way;
 *                                  a client that does not know the member ignores it)}
 *                               since_op (optional): the id of the op the device pulled as
 *                               SEQ; when the server numbers another op (or none) SEQ, it
 *                               lost ops it had acknowledged: 410 server-restored with
 *                               "reason": "lost-ops" (CRM_PROTOCOL_REASON_LOST_OPS)
 *   GET  /api/v1/sync/snapshot  an SQLite replica compressed with zstd (one stream,
 *                               application/zstd); headers X-Voronka-Seq (the sequence
 *                               it is valid at) and ETag; Range/If-Range resume.
 *   Every request carries X-Voronka-Schema; every answer carries X-Voronka-HLC and, for
 *   JSON, "hlc". An error is {"error":{"code","message"},"hlc"} with an HTTP status. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm-op.h"

G_BEGIN_DECLS

#define CRM_PROTOCOL_SCHEMA_HEADER    "X-Voronka-Schema"
#define CRM_PROTOCOL_HLC_HEADER       "X-Voronka-HLC"
#define CRM_PROTOCOL_SEQ_HEADER       "X-Voronka-Seq"
/* The account's incarnation: a new one each time the account is restored from a backup.
 * Clients send the one they synced with; push, pull and snapshot answers carry the
 * server's, with its head in X-Voronka-Head. */
#define CRM_PROTOCOL_EPOCH_HEADER     "X-Voronka-Epoch"
#define CRM_PROTOCOL_HEAD_HEADER      "X-Voronka-Head"
/* The "reason" of a 410 server-restored that is no restore: the same incarnation numbers
 * another op (or none) as the one a pull's since_op names — the server lost ops it had
 * acknowledged (its file put back by hand, a crash that lost its last commits). */
#define CRM_PROTOCOL_REASON_LOST_OPS  "lost-ops"
/* The account replica's device id on the server (its own ops carry it). */
#define CRM_PROTOCOL_DEVICE_HEADER    "X-Voronka-Server-Device"
#define CRM_PROTOCOL_SNAPSHOT_TYPE    "application/zstd"

#define CRM_PROTOCOL_PATH_SESSION     "/api/v1/session"
#define CRM_PROTOCOL_PATH_PUSH        "/api/v1/sync/push"
#define CRM_PROTOCOL_PATH_PULL        "/api/v1/sync/pull"
#define CRM_PROTOCOL_PATH_SNAPSHOT    "/api/v1/sync/snapshot"
#define CRM_PROTOCOL_PATH_INFO        "/api/v1/info"
/* POST (an administrator's token): a one-time invitation code for a new user of the
 * account, {"name", "role"?, "days"?} → {"code", "name", "role", "expires"}; the new user
 * redeems it with a sign-in request carrying "invite" instead of "user".
 * GET (an administrator's token): the invitations still waiting, newest first (at most 500),
 * {"account", "invites": [{"name", "role", "created", "expires"} (UTC ms)]} — never a code.
 * DELETE with {"name"} (an administrator's token): the invitations waiting for that name
 * are withdrawn → {"name", "withdrawn": N}; 404 not-found when none was waiting.
 * A manager or rep gets 403 permission-denied for all three. */
#define CRM_PROTOCOL_PATH_INVITES     "/api/v1/invites"
/* An account's message channels and mailboxes, for its administrators (others get 403
 * permission-denied); one implementation with `voronka-server channel …` / `mailbox …`.
 * Passwords and tokens go in and never come out: answers say only whether one is kept.
 * Bodies are small JSON objects (64 KiB at most, 413 beyond); bad input is 400.
 *   GET    channels → {"account", "channels": [{"kind", "url", "from", "user",
 *          "secret": bool, "ca_file", "updated_at"}]}
 *   POST   channels {"kind", "url", "from"?, "user"?, "secret"?} → as GET ("secret" left
 *          out or "": the kept one; null: none)
 *   DELETE channels {"kind"} → as GET | 404
 *   POST   channels/test {"kind", "to", and the fields of a POST, or none for the kept
 *          channel} → {"ok": bool, "message"} (one test message to "to", nothing saved)
 *   GET    mailboxes → {"account", "mailboxes": [{"url", "user", "pipeline", "stage",
 *          "responsible", "pipeline_id", "stage_id", "responsible_id", "last_check",
 *          "taken", "skipped", "last_error", "new_only", "password": bool, …}]}
 *   POST   mailboxes {"url", "user", "password"?, "pipeline", "stage"?, "responsible"?,
 *          "new_only"?} → as GET plus "added": bool (a new one needs its password)
 *   DELETE mailboxes {"url", "user"?} → as GET | 404
 *   POST   mailboxes/test {"url", "user", "password"?} → {"ok", "message"} (signs in and
 *          opens the folder, takes nothing) */
#define CRM_PROTOCOL_PATH_CHANNELS        "/api/v1/channels"
#define CRM_PROTOCOL_PATH_CHANNELS_TEST   "/api/v1/channels/test"
#define CRM_PROTOCOL_PATH_MAILBOXES       "/api/v1/mailboxes"
#define CRM_PROTOCOL_PATH_MAILBOXES_TEST  "/api/v1/mailboxes/test"
/* Attached files, by content: CRM_PROTOCOL_PATH_FILES + the SHA-256 (64 lowercase hex).
 *   HEAD  → 200 stored (Content-Length) | 404 with Upload-Offset: the bytes received so far
 *         from this user (each user's upload is their own)
 *   GET   → 200 the content (Range works) | 404 not-found
 *         A stored file attached only to what the user does not see (crm-visibility.h) is,
 *         to them, one the server does not have: HEAD 404 from 0, GET 404, PATCH an
 *         upload of new content (201 at its end), a push naming it file-missing until they
 *         upload it themselves.
 *   PATCH with Upload-Offset: N, Upload-Length: TOTAL, X-Voronka-File-Type: MIME, body the
 *         bytes at N (at most CRM_PROTOCOL_FILE_PIECE each) → 204 with Upload-Offset (more
 *         to come) | 201 stored (the whole hashed to its name) | 200 stored already (one who
 *         sees it);
 *         409 upload-offset (Upload-Offset says where to go on), 413 too-large (the
 *         server's limit named), 422 hash-mismatch, 415 file-type. */
#define CRM_PROTOCOL_PATH_FILES       "/api/v1/files/"
#define CRM_PROTOCOL_UPLOAD_OFFSET_HEADER "Upload-Offset"
#define CRM_PROTOCOL_UPLOAD_LENGTH_HEADER "Upload-Length"
#define CRM_PROTOCOL_FILE_TYPE_HEADER "X-Voronka-File-Type"
#define CRM_PROTOCOL_FILE_PIECE       (4 * 1024 * 1024)
/* The live channel, a WebSocket (src/server/crm-server-live.h has its events). */
#define CRM_PROTOCOL_PATH_LIVE        "/api/v1/live"

/* The oldest client schema this build still serves; older ones are told to update. */
#define CRM_PROTOCOL_MIN_SCHEMA       1
#define CRM_PROTOCOL_MAX_PUSH_OPS     1000
/* The largest JSON body or answer parsed at all (the server's --max-body is smaller and
 * refuses earlier); nesting is bounded by CRM_JSON_MAX_DEPTH. */
#define CRM_PROTOCOL_MAX_JSON_BYTES   (256 * 1024 * 1024)
#define CRM_PROTOCOL_DEFAULT_PULL     1000
#define CRM_PROTOCOL_MAX_PULL         5000
/* An op stamped further ahead of the server's clock than this is re-stamped. */
#define CRM_PROTOCOL_MAX_CLOCK_AHEAD_MS (5 * 60 * 1000)

#define CRM_SYNC_ERROR (crm_sync_error_quark ())

typedef enum {
  CRM_SYNC_ERROR_FAILED,
  CRM_SYNC_ERROR_INVALID_INPUT,       /* 400 invalid-input */
  CRM_SYNC_ERROR_AUTH_FAILED,         /* 401 auth-failed */
  CRM_SYNC_ERROR_PERMISSION_DENIED,   /* 403 permission-denied */
  CRM_SYNC_ERROR_NOT_FOUND,           /* 404 not-found */
  CRM_SYNC_ERROR_METHOD_NOT_ALLOWED,  /* 405 method-not-allowed */
  CRM_SYNC_ERROR_SCHEMA_TOO_NEW,      /* 409 schema-too-new: the server is older */
  CRM_SYNC_ERROR_SNAPSHOT_REQUIRED,   /* 410 snapshot-required: history was compacted */
  CRM_SYNC_ERROR_TOO_LARGE,           /* 413 too-large */
  CRM_SYNC_ERROR_UPDATE_REQUIRED,     /* 426 update-required: the app is too old */
  CRM_SYNC_ERROR_RATE_LIMITED,        /* 429 rate-limited */
  CRM_SYNC_ERROR_SERVER_ERROR,        /* 500 server-error */
  CRM_SYNC_ERROR_SERVER_UNREACHABLE,  /* no answer: network, DNS, TLS */
  CRM_SYNC_ERROR_BAD_ANSWER,          /* the server's answer is not what the protocol says */
  CRM_SYNC_ERROR_QUOTA_EXCEEDED,      /* 507 quota-exceeded: the account is full */
  CRM_SYNC_ERROR_SERVER_RESTORED,     /* 410 server-restored: the account was restored from a
                                       * backup since this device last synced; the error
                                       * object also has "epoch", "shared" and "head" (the
                                       * answer's headers say the server's device), and
                                       * "reason" when it is not a restore: "lost-ops" */
  CRM_SYNC_ERROR_FILE_MISSING,        /* 409 file-missing: a pushed attachment names a file
                                       * the server has not received (upload it first) */
  CRM_SYNC_ERROR_UPLOAD_OFFSET,       /* 409 upload-offset: a file piece at the wrong offset */
  CRM_SYNC_ERROR_HASH_MISMATCH,       /* 422 hash-mismatch: the content is not its name */
  CRM_SYNC_ERROR_FILE_TYPE,           /* 415 file-type: not what it says it is (by content) */
  CRM_SYNC_ERROR_REPLAYED,            /* 409 replayed: a signed request already received */
} CrmSyncError;

GQuark        crm_sync_error_quark        (void);
const char   *crm_sync_error_to_code      (CrmSyncError  code);
/* FAILED for an unknown code string. */
CrmSyncError  crm_sync_error_from_code    (const char   *code);
guint         crm_sync_error_http_status  (CrmSyncError  code);

/* --- errors on the wire ------------------------------------------------------------------ */

/* {"error":{"code","message"},"hlc"} (hlc omitted when 0). */
JsonNode     *crm_protocol_error_new      (CrmSyncError  code,
                                           const char   *message,
                                           guint64       hlc);
/* Turns a non-2xx answer into a GError: the server's code and message when the body is
 * a protocol error, otherwise a message naming the HTTP status. */
void          crm_protocol_set_http_error (GError      **error,
                                           guint         status,
                                           const char   *reason,
                                           GBytes       *body);

/* --- JSON helpers -------------------------------------------------------------------------- */

/* Parses @body as a JSON object (INVALID_INPUT, naming @what, when it is not). */
JsonObject   *crm_protocol_parse_object   (GBytes       *body,
                                           const char   *what,
                                           GError      **error);
/* Typed members, failing with INVALID_INPUT naming the member. */
gboolean      crm_protocol_get_string     (JsonObject   *object,
                                           const char   *member,
                                           gboolean      required,
                                           const char  **out,
                                           GError      **error);
gboolean      crm_protocol_get_int        (JsonObject   *object,
                                           const char   *member,
                                           gboolean      required,
                                           gint64       *out,
                                           GError      **error);
GBytes       *crm_protocol_to_bytes       (JsonNode     *node);
/* "hlc" of an answer (0 when missing). */
guint64       crm_protocol_get_hlc        (JsonObject   *object);
void          crm_protocol_set_hlc        (JsonObject   *object,
                                           guint64       hlc);

/* --- session ------------------------------------------------------------------------------- */

typedef struct {
  char *user;          /* NULL with @invite */
  char *password;      /* with @invite: the password the new user chooses */
  char *device;        /* the replica's device id */
  char *device_name;   /* for people: host name */
  char *invite;        /* a one-time invitation code (CRM_PROTOCOL_PATH_INVITES), or NULL */
} CrmSessionRequest;

void               crm_session_request_clear     (CrmSessionRequest *request);
JsonNode          *crm_session_request_to_json   (const CrmSessionRequest *request);
gboolean           crm_session_request_parse     (GBytes            *body,
                                                  CrmSessionRequest *out,
                                                  GError           **error);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmSessionRequest, crm_session_request_clear)

typedef struct {
  char   *token;
  gint64  expires;        /* UTC ms */
  char   *account_id;
  char   *account_name;
  char   *user_id;        /* the user entity in the account */
  char   *user_name;
  char   *role;
  char   *server_device;  /* the account replica's device id on the server */
  guint64 hlc;
} CrmSession;

void               crm_session_clear             (CrmSession *session);
JsonNode          *crm_session_to_json           (const CrmSession *session);
gboolean           crm_session_parse             (GBytes     *body,
                                                  CrmSession *out,
                                                  GError    **error);
/* For sessions on the heap (g_new0): clears and frees. */
void               crm_session_free              (CrmSession *session);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmSession, crm_session_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmSession, crm_session_free)

/* --- push ---------------------------------------------------------------------------------- */

/* {"base", "ops"}: @base is the client's pull cursor (what it had seen of the server). */
JsonNode          *crm_push_request_to_json      (gint64      base,
                                                  GPtrArray  *ops);
/* Validates every op (at most CRM_PROTOCOL_MAX_PUSH_OPS; TOO_LARGE beyond). */
gboolean           crm_push_request_parse        (GBytes     *body,
                                                  gint64     *out_base,
                                                  GPtrArray **out_ops,
                                                  GError    **error);

typedef struct {
  char       *op_id;
  gboolean    accepted;
  gint64      seq;          /* accepted: the server's sequence number of the op */
  guint64     hlc;          /* accepted: the op's clock on the server (re-stamped when it
                             * differs from the one pushed) */
  char       *code;         /* rejected: "permission-denied", "caused-by-rejected",
                             * "duplicate-automation", … */
  char       *message;      /* rejected: for people */
  JsonObject *values;       /* rejected: the server's values of the op's fields */
  CrmOp      *corrective;   /* rejected: the server's op restoring them */
  char       *stamp;        /* accepted: the server's seal on the op (crm-stamp.h), or NULL */
  char       *actor;        /* accepted with a stamp: the author the server recorded (the
                             * stamp covers it) */
} CrmPushResult;

CrmPushResult     *crm_push_result_new           (void);
void               crm_push_result_free          (CrmPushResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmPushResult, crm_push_result_free)

JsonNode          *crm_push_response_to_json     (GPtrArray  *results,
                                                  gint64      head,
                                                  guint64     hlc);
/* @out_results: CrmPushResult*, one per pushed op. */
gboolean           crm_push_response_parse       (GBytes     *body,
                                                  GPtrArray **out_results,
                                                  gint64     *out_head,
                                                  guint64    *out_hlc,
                                                  GError    **error);

/* --- pull ---------------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *ops;    /* CrmOp*, op->seq = the server's sequence number */
  GArray    *bases;  /* gint64 per op: what its author had seen of the server */
  gint64     next;   /* the cursor after this page */
  gboolean   more;
  gint64     head;
  guint64    hlc;
  JsonArray *pending;  /* "withdraw_pending" (the last page; NULL: none): the puller's own
                        * overridden changes whose rule effects the server has yet to
                        * withdraw (it could not write: crm_ledger_pending_withdrawals()),
                        * each {"op", "deal", "stage", "effects"} */
  GPtrArray *forget;   /* char*: deals the puller no longer sees (crm-visibility.h),
                        * removed from its replica before the page's ops are merged */
  GPtrArray *forget_dependents;  /* char*, pairs: entity, id — a deal's dependents moved
                                  * onto a deal the puller does not see, removed alike */
} CrmPullPage;

CrmPullPage       *crm_pull_page_new             (void);
void               crm_pull_page_free            (CrmPullPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmPullPage, crm_pull_page_free)

JsonNode          *crm_pull_page_to_json         (const CrmPullPage *page);
/* The same answer written as text op by op, for the server: @fields_json is an op's
 * stored canonical JSON object, spliced in without being parsed. */
GString           *crm_pull_text_new             (void);
void               crm_pull_text_add_op          (GString    *out,
                                                  gint64      seq,
                                                  const char *op_id,
                                                  guint64     hlc,
                                                  const char *device,
                                                  const char *entity,
                                                  const char *entity_id,
                                                  const char *fields_json,
                                                  const char *cause,
                                                  const char *rule,
                                                  const char *actor,
                                                  gint64      base);
/* The same with the op's stamp (NULL: none). */
void               crm_pull_text_add_stamped_op  (GString    *out,
                                                  gint64      seq,
                                                  const char *op_id,
                                                  guint64     hlc,
                                                  const char *device,
                                                  const char *entity,
                                                  const char *entity_id,
                                                  const char *fields_json,
                                                  const char *cause,
                                                  const char *rule,
                                                  const char *actor,
                                                  gint64      base,
                                                  const char *stamp);
char              *crm_pull_text_finish          (GString    *out,
                                                  gint64      next,
                                                  gboolean    more,
                                                  gint64      head,
                                                  guint64     hlc,
                                                  gsize      *out_length);
/* The same with "withdraw_pending": @pending (NULL or empty: left out). */
char              *crm_pull_text_finish_pending  (GString    *out,
                                                  gint64      next,
                                                  gboolean    more,
                                                  gint64      head,
                                                  guint64     hlc,
                                                  JsonArray  *pending,
                                                  gsize      *out_length);
/* The same with "forget": @forget (char*: deal ids; NULL or empty: left out) and
 * "forget_dependents": @dependents (char*, pairs: entity, id; NULL or empty: left out). */
char              *crm_pull_text_finish_forget   (GString    *out,
                                                  gint64      next,
                                                  gboolean    more,
                                                  gint64      head,
                                                  guint64     hlc,
                                                  JsonArray  *pending,
                                                  GPtrArray  *forget,
                                                  GPtrArray  *dependents,
                                                  gsize      *out_length);
CrmPullPage       *crm_pull_page_parse           (GBytes     *body,
                                                  GError    **error);

/* Reads ?since=SEQ&since_op=OP&limit=N (@query may be NULL); *@out_since_op (borrowed
 * from @query) is NULL when the client did not send it. */
gboolean           crm_pull_query_parse          (GHashTable *query,
                                                  gint64     *out_since,
                                                  const char **out_since_op,
                                                  guint      *out_limit,
                                                  GError    **error);

G_END_DECLS
