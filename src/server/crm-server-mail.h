/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-mail.h — reading a mailbox over IMAP (libcurl) and e-mails (GMime) for the
 * requests the server makes of them (crm-server-mailboxes.c). Nothing here touches a
 * database: crm_mail_fetch() runs in a worker thread, or in `mailbox check`. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CRM_MAIL_ERROR (crm_mail_error_quark ())
GQuark crm_mail_error_quark (void);

typedef enum {
  CRM_MAIL_ERROR_URL,          /* not a mailbox URL we read */
  CRM_MAIL_ERROR_AUTH,         /* the server refused the user or password */
  CRM_MAIL_ERROR_CONNECT,      /* no connection, TLS refused, timed out */
  CRM_MAIL_ERROR_PROTOCOL,     /* the server answered what we did not expect */
  CRM_MAIL_ERROR_CANCELLED,
  CRM_MAIL_ERROR_MALFORMED,    /* one e-mail that is not one (crm_mail_parse) */
} CrmMailError;

/* Call once from the main thread before any fetch (libcurl's global set-up). */
void          crm_mail_init               (void);

/* Checks a mailbox URL as `mailbox add` takes it: imaps://HOST[:PORT][/FOLDER] (INBOX
 * when no folder), IMAP over TLS; or imap://HOST[:PORT][/FOLDER], STARTTLS required. */
gboolean      crm_mail_check_url          (const char  *url,
                                           GError     **error);

typedef struct {
  gsize  max_message_bytes;  /* larger e-mails are skipped (logged), never fetched */
  guint  max_messages;       /* e-mails taken per check; the rest the next time */
  gsize  max_check_bytes;    /* e-mails fetched per check, in bytes (at least one e-mail) */
  guint  max_depth;          /* MIME nesting */
  guint  timeout_seconds;    /* one IMAP exchange at most */
} CrmMailLimits;

#define CRM_MAIL_DEFAULT_MAX_BYTES     (25 * 1024 * 1024)
#define CRM_MAIL_DEFAULT_MAX_MESSAGES  50
#define CRM_MAIL_DEFAULT_CHECK_BYTES   (100 * 1024 * 1024)
#define CRM_MAIL_DEFAULT_MAX_DEPTH     12
#define CRM_MAIL_DEFAULT_TIMEOUT       120

void          crm_mail_limits_init        (CrmMailLimits *limits);

typedef struct {
  char   *name;    /* the file name the e-mail gives (decoded), or one made up */
  char   *mime;    /* content type, lower case */
  GBytes *data;    /* decoded */
} CrmMailAttachment;

/* One e-mail, decoded: text in UTF-8. */
typedef struct {
  gint64     uid;
  char      *message_id;   /* without <>; NULL when the e-mail has none */
  char      *from_email;   /* normalized (crm_email_normalize) */
  char      *from_name;    /* decoded display name, or NULL */
  char      *subject;      /* decoded, or NULL */
  char      *text;         /* the text body (text/plain, else text/html as text), or NULL */
  gint64     date;         /* the Date header, UTC ms; 0 when missing or unreadable */
  gboolean   automatic;    /* an auto-reply or a bounce (Auto-Submitted, a delivery report) */
  GPtrArray *attachments;  /* CrmMailAttachment* */
  char      *problem;      /* set: the e-mail was skipped, and why (too large, malformed) */
} CrmMail;

void          crm_mail_free               (CrmMail *mail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmMail, crm_mail_free)

/* Decodes one e-mail (RFC 5322 with MIME): quoted-printable and base64, charsets
 * (KOI8-R, windows-1251, UTF-8, …) to UTF-8, encoded words in headers. An e-mail that is
 * not one, has no sender address or is nested deeper than @max_depth is MALFORMED. */
CrmMail      *crm_mail_parse              (const guint8 *data,
                                           gsize         length,
                                           guint         max_depth,
                                           GError      **error);

/* What to fetch: the mailbox and what was taken from it before. */
typedef struct {
  const char *url;
  const char *user;
  const char *password;
  const char *ca_file;      /* NULL: the system's trusted CAs */
  gint64      uidvalidity;  /* 0: never read */
  gint64      last_uid;     /* the highest UID taken or skipped */
  gboolean    new_only;     /* first read: mark what is there as read, take nothing */
} CrmMailboxState;

typedef struct {
  gint64     uidvalidity;
  gint64     last_uid;      /* the new last UID (the highest one looked at) */
  gboolean   reset;         /* UIDVALIDITY changed: the folder was read again from UID 1 */
  gboolean   more;          /* more e-mails wait than max_messages */
  GPtrArray *mails;         /* CrmMail*, by UID; ->problem set for skipped ones */
} CrmMailBatch;

void          crm_mail_batch_free         (CrmMailBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmMailBatch, crm_mail_batch_free)

/* Logs in, reads UIDVALIDITY, lists the e-mails after last_uid with their sizes and
 * fetches (at most limits->max_messages of) them. Blocking: call it from a worker
 * thread. An error means nothing was taken; its message says what to do. */
CrmMailBatch *crm_mail_fetch              (const CrmMailboxState *state,
                                           const CrmMailLimits   *limits,
                                           GCancellable          *cancellable,
                                           GError               **error);

G_END_DECLS
