/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-delivery.c — delivering the accounts' messages (see crm-server-delivery.h).
 *
 * On the main loop: find the queued messages of each account (core's crm-message.h),
 * mark each in server.db as SENDING (durably) and write «sending» into the replica,
 * build what goes out (a MIME mail, a JSON body), hand it to a worker thread. The
 * worker only talks to the SMTP server or gateway (libcurl) and returns the outcome;
 * back on the main loop the record and the message's status are written: sent, a retry
 * later (4xx, no connection, a timeout), or failed for good (5xx) with a notification
 * to the author. A message with a record is never started again from the queue, so a
 * push that repeats the message's op, or a restart, sends nothing twice; a record
 * still SENDING at start means the server died during that send: it goes out again,
 * and the log says it may have been sent twice. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <curl/curl.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

#include "crm-server-delivery.h"
#include "crm-server-channels.h"
#include "crm-server-files.h"
#include "crm-server-log.h"
#include "crm-server-mail.h"
#include "crm-attachment.h"
#include "crm-participant.h"
#include "crm-server-tracking.h"
#include "crm-format.h"
#include "crm-message.h"
#include "crm-time.h"

/* Tries before a temporary failure counts as permanent; the wait doubles each time. */
#define MAX_ATTEMPTS      6
#define MAX_BACKOFF_S     3600
/* Sends under way at once (each a worker thread). */
#define MAX_IN_FLIGHT     8
/* Files kept encoded as parts of a mail, for the next e-mails that carry them (a 10 MiB
 * PDF takes 40–60 ms CPU to encode, each e-mail of a mailing to hundreds again). */
#define MAX_CACHED_PARTS  4

typedef enum {
  OUTCOME_SENT,
  OUTCOME_TEMPORARY,
  OUTCOME_PERMANENT,
} Outcome;

struct _CrmServerDelivery
{
  CrmServerBackend  *storage;
  CrmServerChannels *channels;
  guint              interval_s;
  guint              timeout_s;
  guint              timer;
  guint              idle;
  gboolean           recovered;    /* SENDING records of a killed server were picked up */
  GHashTable        *in_flight;    /* "account/message" */
  GHashTable        *waiting;      /* "account/kind": "no channel" already logged */
  GHashTable        *parts;        /* "hash/mime/name" → a file's part (a mailing's offer,
                                    * encoded once for all its e-mails) */
  CrmServerDeliveryChanged changed;
  gpointer           changed_data;
  char              *public_url;   /* serve --public-url: tracking and unsubscribing */
};

typedef struct {
  CrmServerDelivery *self;
  char              *account_id;
  char              *account_name;
  char              *message_id;
  char              *kind;
  char              *url;
  char              *user;
  char              *secret;
  char              *from;
  char              *to;
  char              *ca_file;
  GBytes            *payload;
  gint               attempts;   /* this one included */
  guint              timeout_s;
  Outcome            outcome;
  char              *reason;
} Job;

static void
job_free (Job *job)
{
  g_free (job->account_id);
  g_free (job->account_name);
  g_free (job->message_id);
  g_free (job->kind);
  g_free (job->url);
  g_free (job->user);
  if (job->secret != NULL)
    memset (job->secret, 0, strlen (job->secret));
  g_free (job->secret);
  g_free (job->from);
  g_free (job->to);
  g_free (job->ca_file);
  g_clear_pointer (&job->payload, g_bytes_unref);
  g_free (job->reason);
  g_free (job);
}

static void
log_delivery (GLogLevelFlags  level,
              const Job      *job,
              const char     *message)
{
  g_autofree char *account = crm_server_log_escape (job->account_name, 64);

  crm_server_log (level, "delivery", message, "VORONKA_ACCOUNT", account,
                  "VORONKA_MESSAGE", job->message_id, "VORONKA_CHANNEL", job->kind, NULL);
}

/* --- the mail ------------------------------------------------------------------------------ */

static gboolean
is_ascii_line (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80 || *p == '\r' || *p == '\n' || (*p == '=' && p[1] == '?'))
      return FALSE;
  return TRUE;
}

/* @text (UTF-8, one line) as a header value: as it is when plain ASCII, otherwise RFC
 * 2047 encoded words of whole characters, each at most 75 characters, folded. */
static void
append_header_text (GString    *out,
                    const char *text)
{
  const char *p = text;
  gboolean first = TRUE;

  if (is_ascii_line (text) && strlen (text) < 900)
    {
      g_string_append (out, text);
      return;
    }
  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *encoded = NULL;
      g_autofree char *chunk = NULL;

      /* 45 bytes make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" = 72 */
      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - p > 45)
            break;
          end = next;
        }
      chunk = g_strndup (p, end - p);
      g_strdelimit (chunk, "\r\n", ' ');
      encoded = g_base64_encode ((const guchar *) chunk, strlen (chunk));
      g_string_append_printf (out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", encoded);
      first = FALSE;
      p = end;
    }
}

/* RFC 5322 date; English names whatever the locale. */
static char *
mail_date (gint64 now_ms)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                        "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (now_ms / 1000);

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d +0000",
                          days[g_date_time_get_day_of_week (time) - 1],
                          g_date_time_get_day_of_month (time),
                          months[g_date_time_get_month (time) - 1],
                          g_date_time_get_year (time), g_date_time_get_hour (time),
                          g_date_time_get_minute (time), g_date_time_get_second (time));
}

/* @text with CRLF line ends, base64 in lines of 76, appended to @mail. */
static void
append_base64_text (GString    *mail,
                    const char *body)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *encoded = NULL;
  gsize length;

  for (const char *p = body != NULL ? body : ""; *p != '\0'; p++)
    {
      if (*p == '\n' && (p == body || p[-1] != '\r'))
        g_string_append_c (text, '\r');
      g_string_append_c (text, *p);
    }
  encoded = g_base64_encode ((const guchar *) text->str, text->len);
  length = strlen (encoded);
  for (gsize i = 0; i < length; i += 76)
    {
      g_string_append_len (mail, encoded + i, MIN (76, length - i));
      g_string_append (mail, "\r\n");
    }
}

/* What every HTML mail ends with (S4-9): the scores to give (S4-10, with @rating_url), the
 * unsubscribe link and the tracking image. */
static char *
tracking_footer (const char *pixel_url,
                 const char *unsubscribe_url,
                 const char *rating_url)
{
  g_autofree char *link = g_markup_escape_text (_("Unsubscribe from these e-mails"), -1);
  g_autoptr(GString) footer = g_string_new (NULL);

  /* S4-10: the scores 0…10 as links (crm-server-tracking.h, /r/) */
  if (rating_url != NULL)
    {
      g_string_append (footer, "<p>");
      for (guint n = 0; n <= 10; n++)
        g_string_append_printf (footer, "<a href=\"%s%u\" style=\"display:inline-block;"
                                "min-width:2em;padding:0.4em;margin:0.1em;text-align:center;"
                                "border:1px solid #888;border-radius:4px;text-decoration:none\">"
                                "%u</a>", rating_url, n, n);
      g_string_append (footer, "</p>");
    }
  g_string_append_printf (footer,
                          "<p style=\"font-size:small;color:#777\"><a href=\"%s\">%s</a></p>"
                          "<img src=\"%s\" width=\"1\" height=\"1\" alt=\"\" "
                          "style=\"display:block;border:0\">", unsubscribe_url, link, pixel_url);
  return g_string_free (g_steal_pointer (&footer), FALSE);
}

/* The HTML of the mail: the author's own @html (a template's) with @footer before its
 * "</body>" (at its end when it has none), else the HTML twin of @body — its text as typed
 * (escaped, lines kept) — with @footer. */
static char *
html_body (const char *body,
           const char *html,
           const char *footer)
{
  g_autofree char *text = NULL;
  g_autofree char *folded = NULL;
  const char *close;

  if (html == NULL)
    {
      text = g_markup_escape_text (body != NULL ? body : "", -1);
      return g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>"
                              "<body><div style=\"white-space:pre-wrap\">%s</div>%s"
                              "</body></html>\n", text, footer);
    }
  folded = g_ascii_strdown (html, -1);
  close = g_strrstr (folded, "</body");
  if (close == NULL)
    return g_strconcat (html, footer, NULL);
  return g_strdup_printf ("%.*s%s%s", (int) (close - folded), html, footer,
                          html + (close - folded));
}

/* The body of a mail (or of its first part): the plain @text alone, or with @html as
 * multipart/alternative (between @boundary), each in base64. */
static void
append_text_parts (GString    *mail,
                   const char *text,
                   const char *html,
                   const char *boundary)
{
  if (html == NULL)
    {
      g_string_append (mail, "Content-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n");
      append_base64_text (mail, text);
      return;
    }
  g_string_append_printf (mail, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
                                "\r\n", boundary);
  g_string_append_printf (mail, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
  append_base64_text (mail, text);
  g_string_append_printf (mail, "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
  append_base64_text (mail, html);
  g_string_append_printf (mail, "--%s--\r\n", boundary);
}

/* A file as a part of a mail (headers and base64 content, CRLF), made by GMime: its
 * name, Russian too, encoded as RFC 2231 says ("filename*=utf-8''…"). */
static char *
attachment_part (const char *name,
                 const char *mime,
                 GBytes     *content)
{
  GMimeContentType *type = g_mime_content_type_parse (NULL, mime);
  GMimePart *part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (type),
                                               g_mime_content_type_get_media_subtype (type));
  gsize length;
  gconstpointer data = g_bytes_get_data (content, &length);
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, length);
  GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream (stream,
                                                                   GMIME_CONTENT_ENCODING_DEFAULT);
  GMimeFormatOptions *options = g_mime_format_options_new ();
  char *text;

  g_mime_part_set_content (part, wrapper);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (part, name);
  /* in UTF-8, as every mail reader decodes it (GMime would pick a legacy charset that
   * happens to hold the letters, e.g. ISO-8859-5 for Russian) */
  g_mime_param_set_charset (g_mime_param_list_get_parameter (
                              g_mime_content_disposition_get_parameters (
                                g_mime_object_get_content_disposition (GMIME_OBJECT (part))),
                              "filename"), "utf-8");
  g_mime_param_set_charset (g_mime_param_list_get_parameter (
                              g_mime_content_type_get_parameters (
                                g_mime_object_get_content_type (GMIME_OBJECT (part))),
                              "name"), "utf-8");
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  text = g_mime_object_to_string (GMIME_OBJECT (part), options);
  g_mime_format_options_free (options);
  g_object_unref (wrapper);
  g_object_unref (stream);
  g_object_unref (part);
  g_object_unref (type);
  return text;
}

/* The mail: plain text, with @html (the author's, NULL: none) as its HTML twin; with
 * @unsubscribe_url (serve --public-url) the HTML (the author's, or made from the text)
 * carries the tracking image @pixel_url, and the List-Unsubscribe headers are there
 * (RFC 8058: one click). @files (parts made by attachment_part(), NULL: none) make it
 * multipart/mixed. */
static GBytes *
build_mail (const char *from,
            const char *to,
            const char *to_name,
            const char *subject,
            const char *body,
            const char *html,
            GPtrArray  *files,
            const char *message_id,
            const char *pixel_url,
            const char *unsubscribe_url,
            const char *rating_url,
            gint64      now_ms)
{
  g_autoptr(GString) mail = g_string_new (NULL);
  g_autofree char *date = mail_date (now_ms);
  g_autofree char *boundary = g_strdup_printf ("=_voronka_%s", message_id);
  g_autofree char *text = NULL;
  g_autofree char *full_html = NULL;
  const char *domain = strchr (from, '@') + 1;

  g_string_append_printf (mail, "From: %s\r\n", from);
  g_string_append (mail, "To: ");
  if (to_name != NULL && *to_name != '\0')
    {
      append_header_text (mail, to_name);
      g_string_append_printf (mail, " <%s>\r\n", to);
    }
  else
    g_string_append_printf (mail, "%s\r\n", to);
  g_string_append (mail, "Subject: ");
  append_header_text (mail, subject != NULL ? subject : "");
  g_string_append (mail, "\r\n");
  g_string_append_printf (mail, "Date: %s\r\n", date);
  /* the message's id: the same on every attempt, so a receiver can tell a repeat */
  g_string_append_printf (mail, "Message-ID: <%s@%s>\r\n", message_id, domain);
  g_string_append (mail, "MIME-Version: 1.0\r\nX-Mailer: Voronka\r\n");
  if (unsubscribe_url == NULL)
    {
      text = g_strdup (body != NULL ? body : "");
      full_html = g_strdup (html);
    }
  else
    {
      g_autofree char *line = g_strdup_printf (_("To get no more e-mails from us: %s"),
                                               unsubscribe_url);
      g_autofree char *footer = tracking_footer (pixel_url, unsubscribe_url, rating_url);
      g_autoptr(GString) rating = g_string_new (NULL);

      if (rating_url != NULL)
        for (guint n = 0; n <= 10; n++)
          g_string_append_printf (rating, "%2u: %s%u\n", n, rating_url, n);
      text = g_strdup_printf ("%s\n\n%s-- \n%s\n", body != NULL ? body : "", rating->str,
                              line);
      full_html = html_body (body, html, footer);
      g_string_append_printf (mail, "List-Unsubscribe: <%s>\r\n"
                                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                              unsubscribe_url);
    }
  if (files == NULL || files->len == 0)
    append_text_parts (mail, text, full_html, boundary);
  else
    {
      g_autofree char *mixed = g_strdup_printf ("=_voronka_mixed_%s", message_id);

      g_string_append_printf (mail, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
                                    "\r\n--%s\r\n", mixed, mixed);
      append_text_parts (mail, text, full_html, boundary);
      for (guint i = 0; i < files->len; i++)
        {
          const char *part = files->pdata[i];

          g_string_append_printf (mail, "--%s\r\n%s", mixed, part);
          if (!g_str_has_suffix (part, "\r\n"))
            g_string_append (mail, "\r\n");
        }
      g_string_append_printf (mail, "--%s--\r\n", mixed);
    }
  return g_string_free_to_bytes (g_steal_pointer (&mail));
}

static gboolean
is_mail_address (const char *text)
{
  const char *at = text != NULL ? strchr (text, '@') : NULL;

  return at != NULL && at != text && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (text, " <>\r\n\t,;\"()") == NULL;
}

/* --- the worker: libcurl only ---------------------------------------------------------- */

typedef struct {
  GBytes *payload;
  gsize   offset;
} Upload;

static size_t
read_payload (char   *buffer,
              size_t  size,
              size_t  count,
              void   *user_data)
{
  Upload *upload = user_data;
  gsize length;
  const char *data = g_bytes_get_data (upload->payload, &length);
  gsize n = MIN (size * count, length - upload->offset);

  memcpy (buffer, data + upload->offset, n);
  upload->offset += n;
  return n;
}

/* What the server said when it refused (its last 4xx or 5xx reply, not the "221 Bye"
 * that follows), for the reason of a failure. */
static int
remember_reply (CURL          *curl,
                curl_infotype  type,
                char          *data,
                size_t         size,
                void          *user_data)
{
  GString *last = user_data;

  if (type == CURLINFO_HEADER_IN && size > 3 && (data[0] == '4' || data[0] == '5') &&
      g_ascii_isdigit (data[1]) && g_ascii_isdigit (data[2]))
    {
      g_string_truncate (last, 0);
      g_string_append_len (last, data, MIN (size, 400));
      while (last->len > 0 && (last->str[last->len - 1] == '\n' || last->str[last->len - 1] == '\r'))
        g_string_truncate (last, last->len - 1);
    }
  return 0;
}

static size_t
collect_body (char   *data,
              size_t  size,
              size_t  count,
              void   *user_data)
{
  GString *body = user_data;

  if (body->len < 4096)
    g_string_append_len (body, data, MIN (size * count, 4096 - body->len));
  return size * count;
}

static gboolean
temporary_curl_error (CURLcode code)
{
  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_AGAIN:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
send_mail (Job *job)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *recipients = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  g_autofree char *from = g_strdup_printf ("<%s>", job->from);
  g_autofree char *to = g_strdup_printf ("<%s>", job->to);
  char errors[CURL_ERROR_SIZE] = "";
  Upload upload = { job->payload, 0 };
  gboolean loopback = FALSE;
  long code = 0;
  CURLcode result;

  {
    g_autoptr(GUri) uri = g_uri_parse (job->url, G_URI_FLAGS_NONE, NULL);
    const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

    loopback = g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "::1") == 0 ||
               g_strcmp0 (host, "localhost") == 0;
  }
  recipients = curl_slist_append (recipients, to);
  curl_easy_setopt (curl, CURLOPT_URL, job->url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) MIN (job->timeout_s, 30));
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) job->timeout_s * 4);
  /* STARTTLS when offered; a password never goes out in the clear but to this machine */
  curl_easy_setopt (curl, CURLOPT_USE_SSL,
                    job->user != NULL && !loopback ? (long) CURLUSESSL_ALL : (long) CURLUSESSL_TRY);
  if (job->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, job->ca_file);
  if (job->user != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, job->user);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, job->secret != NULL ? job->secret : "");
    }
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, remember_reply);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, reply);

  result = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all (recipients);
  curl_easy_cleanup (curl);

  if (result == CURLE_OK)
    {
      job->outcome = OUTCOME_SENT;
      return;
    }
  if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE)
    job->reason = g_strdup_printf (_("the mail server %s has a certificate this server does not "
                                     "trust (%s); if it is signed by a CA of your own, give it "
                                     "with “voronka-server channel set … email --ca-file PEM”"),
                                   job->url, *errors != '\0' ? errors : curl_easy_strerror (result));
  else if (code >= 400 && reply->len > 0)
    job->reason = g_strdup_printf (_("the mail server said: %s"), reply->str);
  else
    job->reason = g_strdup_printf (_("the mail server %s: %s"), job->url,
                                   *errors != '\0' ? errors : curl_easy_strerror (result));
  if (code >= 500 && code < 600)
    job->outcome = OUTCOME_PERMANENT;
  else if ((code >= 400 && code < 500) || (code == 0 && temporary_curl_error (result)))
    job->outcome = OUTCOME_TEMPORARY;
  else
    job->outcome = OUTCOME_PERMANENT;
}

static void
send_http (Job *job)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  char errors[CURL_ERROR_SIZE] = "";
  gsize length;
  const char *data = g_bytes_get_data (job->payload, &length);
  long code = 0;
  CURLcode result;

  if (g_str_equal (job->kind, "telegram"))
    url = g_strdup_printf ("%s%sbot%s/sendMessage", job->url,
                           g_str_has_suffix (job->url, "/") ? "" : "/",
                           job->secret != NULL ? job->secret : "");
  else
    url = g_strdup (job->url);
  headers = curl_slist_append (headers, "Content-Type: application/json; charset=utf-8");
  if (g_str_equal (job->kind, "sms") && job->secret != NULL)
    {
      authorization = g_strdup_printf ("Authorization: Bearer %s", job->secret);
      headers = curl_slist_append (headers, authorization);
    }
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, data);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) length);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) MIN (job->timeout_s, 30));
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) job->timeout_s);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");

  result = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  if (authorization != NULL)
    memset (authorization, 0, strlen (authorization));
  if (url != NULL)
    memset (url, 0, strlen (url));

  if (result == CURLE_OK && code >= 200 && code < 300)
    {
      job->outcome = OUTCOME_SENT;
      return;
    }
  if (result != CURLE_OK)
    {
      /* never the URL: a Telegram URL holds the bot's token */
      job->reason = g_strdup_printf (_("the gateway did not answer: %s"),
                                     *errors != '\0' ? errors : curl_easy_strerror (result));
      job->outcome = temporary_curl_error (result) ? OUTCOME_TEMPORARY : OUTCOME_PERMANENT;
      return;
    }
  {
    /* the gateway's words: Telegram's "description", or the start of the body */
    g_autoptr(JsonParser) parser = json_parser_new ();
    const char *said = NULL;
    g_autofree char *line = NULL;

    if (json_parser_load_from_data (parser, body->str, body->len, NULL) &&
        JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
      {
        JsonObject *object = json_node_get_object (json_parser_get_root (parser));

        said = json_object_get_string_member_with_default (object, "description", NULL);
        if (said == NULL)
          said = json_object_get_string_member_with_default (object, "error", NULL);
      }
    line = g_strndup (said != NULL ? said : body->str, 300);
    g_strdelimit (line, "\r\n\t", ' ');
    job->reason = *g_strstrip (line) != '\0'
                  ? g_strdup_printf (_("the gateway answered %ld: %s"), code, line)
                  : g_strdup_printf (_("the gateway answered %ld"), code);
  }
  job->outcome = code == 429 || code == 408 || code >= 500 ? OUTCOME_TEMPORARY
                                                            : OUTCOME_PERMANENT;
}

/* What an SMS gateway (`{"to", "text", "id"}`) or the Bot API (`{"chat_id", "text"}`)
 * gets. */
static GBytes *
http_payload (const char *kind,
              const char *to,
              const char *text,
              const char *message_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  char *data;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, g_str_equal (kind, "sms") ? "to" : "chat_id");
  json_builder_add_string_value (builder, to);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text != NULL ? text : "");
  if (g_str_equal (kind, "sms"))
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, message_id);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, NULL);
  return g_bytes_new_take (data, strlen (data));
}

static void
run_job (GTask        *task,
         gpointer      source,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;

  if (g_str_equal (job->kind, "email"))
    send_mail (job);
  else
    send_http (job);
  g_task_return_boolean (task, TRUE);
}

/* --- the main loop's side ---------------------------------------------------------------- */

static char *
flight_key (const char *account_id,
            const char *message_id)
{
  return g_strconcat (account_id, "/", message_id, NULL);
}

static const char *
channel_label (const char *kind)
{
  if (g_str_equal (kind, "email"))
    return "e-mail";
  if (g_str_equal (kind, "sms"))
    return "SMS";
  return "Telegram";
}

typedef struct {
  const Job  *job;
  const char *status;
  const char *reason;
} Status;

static gboolean
set_status (CrmServerBackend  *storage,
            CrmStore          *store,
            gpointer           data,
            GError           **error)
{
  Status *status = data;

  return crm_message_set_status (store, status->job->message_id, status->status,
                                 status->reason, error);
}

/* The message's status in the account, written as the storage writes (on PostgreSQL
 * into the account's log, under its lock). */
static void
write_status (CrmServerDelivery *self,
              const Job         *job,
              const char        *status,
              const char        *reason)
{
  g_autoptr(GError) error = NULL;
  Status change = { job, status, reason };

  if (crm_server_backend_write (self->storage, job->account_id, set_status, &change, &error))
    {
      /* devices on the live channel hear of it at once */
      if (self->changed != NULL)
        self->changed (self->changed_data);
    }
  else
    {
      g_autofree char *line = g_strdup_printf ("message %s: could not record «%s» in the "
                                               "account: %s", job->message_id, status,
                                               error->message);

      log_delivery (G_LOG_LEVEL_WARNING, job, line);
    }
}

/* This process's claim on the message ran out while it sent it (its connection to
 * PostgreSQL was cut for longer than the lease) and another process took the message
 * over: the message may go out once more, from there; this one writes nothing of it. */
static void
lost_claim (const Job  *job,
            const char *outcome)
{
  g_autofree char *line = g_strdup_printf (
    "message %s may have been sent twice: this process lost its claim while sending it "
    "(its connection to the database was cut for longer than the lease) and another "
    "process took it over; this send ended «%s»", job->message_id, outcome);

  log_delivery (G_LOG_LEVEL_WARNING, job, line);
}

/* A message that can never go (no address, not an address): failed at once. */
static void
finish_failed (CrmServerDelivery *self,
               Job               *job,
               const char        *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gboolean held = TRUE;

  if (!crm_server_delivery_finish (self->channels, job->account_id, job->message_id,
                                   CRM_DELIVERY_FAILED, job->attempts, 0, reason, &held,
                                   &error))
    g_warning ("%s", error->message);
  if (!held)
    {
      lost_claim (job, "failed");
      return;
    }
  write_status (self, job, "failed", reason);
  line = g_strdup_printf ("message %s (%s) failed: %s", job->message_id,
                          channel_label (job->kind), reason);
  log_delivery (G_LOG_LEVEL_WARNING, job, line);
}

static void schedule_scan (CrmServerDelivery *self);


static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = user_data;
  CrmServerDelivery *self = job->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = flight_key (job->account_id, job->message_id);
  g_autofree char *to = crm_server_log_escape (job->to, 80);
  g_autofree char *reason = job->reason != NULL ? crm_server_log_escape (job->reason, 300) : NULL;
  g_autofree char *line = NULL;
  gboolean held = TRUE;

  g_hash_table_remove (self->in_flight, key);
  switch (job->outcome)
    {
    case OUTCOME_SENT:
      if (!crm_server_delivery_finish (self->channels, job->account_id, job->message_id,
                                       CRM_DELIVERY_SENT, job->attempts, 0, NULL, &held,
                                       &error))
        g_warning ("%s", error->message);
      if (!held)
        lost_claim (job, "sent");
      /* sent it was, whoever writes its record */
      write_status (self, job, "sent", NULL);
      line = g_strdup_printf ("message %s sent by %s to %s (attempt %d)", job->message_id,
                              channel_label (job->kind), to, job->attempts);
      log_delivery (G_LOG_LEVEL_INFO, job, line);
      break;
    case OUTCOME_TEMPORARY:
      if (job->attempts < MAX_ATTEMPTS)
        {
          gint64 wait_s = MIN ((gint64) self->interval_s << (job->attempts - 1), MAX_BACKOFF_S);

          if (!crm_server_delivery_finish (self->channels, job->account_id, job->message_id,
                                           CRM_DELIVERY_RETRY, job->attempts,
                                           crm_time_now_ms () + wait_s * 1000, job->reason,
                                           &held, &error))
            g_warning ("%s", error->message);
          if (!held)
            {
              lost_claim (job, "to be retried");
              break;
            }
          line = g_strdup_printf ("message %s by %s to %s failed for now (attempt %d): %s; "
                                  "next try in %lld s", job->message_id,
                                  channel_label (job->kind), to, job->attempts, reason,
                                  (long long) wait_s);
          log_delivery (G_LOG_LEVEL_WARNING, job, line);
          break;
        }
      {
        g_autofree char *gave_up = g_strdup_printf (_("%s (gave up after %d tries)"),
                                                    job->reason, job->attempts);
        g_free (job->reason);
        job->reason = g_steal_pointer (&gave_up);
      }
      G_GNUC_FALLTHROUGH;
    case OUTCOME_PERMANENT:
    default:
      finish_failed (self, job, job->reason);
      break;
    }
  job_free (job);
  schedule_scan (self);
}

/* The files @attachments of message @message_id ([{"name","hash","size","mime"}]) as parts
 * of its mail; NULL while one of them is not on the server yet (said once in the log). */
static GPtrArray *
load_files (CrmServerDelivery *self,
            const char        *account_id,
            const char        *account_name,
            CrmStore          *store,
            const char        *message_id,
            JsonArray         *attachments)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (attachments); i++)
    {
      JsonNode *node = json_array_get_element (attachments, i);
      JsonObject *file = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *hash = file != NULL ? json_object_get_string_member_with_default (file, "hash", "")
                                      : "";
      const char *name = file != NULL ? json_object_get_string_member_with_default (file, "name", "")
                                      : "";
      const char *mime = file != NULL ? json_object_get_string_member_with_default (
                                          file, "mime", "application/octet-stream")
                                      : "";
      g_autofree char *key = g_strconcat (account_id, "/", message_id, "/", hash, NULL);
      g_autofree char *path = NULL;
      g_autofree char *data = NULL;
      g_autoptr(GBytes) content = NULL;
      gsize length = 0;

      g_autofree char *part_key = g_strconcat (hash, "/", mime, "/", name, NULL);
      const char *part;

      path = crm_attachment_dup_path (store, hash);
      /* the same content under its hash: made once, while it is still here */
      part = crm_server_files_is_hash (hash) && g_file_test (path, G_FILE_TEST_IS_REGULAR)
             ? g_hash_table_lookup (self->parts, part_key) : NULL;
      if (part != NULL)
        {
          g_ptr_array_add (parts, g_strdup (part));
          continue;
        }
      if (!crm_server_files_is_hash (hash) || !g_file_get_contents (path, &data, &length, NULL))
        {
          if (!g_hash_table_contains (self->waiting, key))
            {
              g_autofree char *account = crm_server_log_escape (account_name, 64);
              g_autofree char *shown = crm_server_log_escape (name, 120);
              g_autofree char *shown_hash = crm_server_log_escape (hash, 80);
              g_autofree char *line = g_strdup_printf (
                "message %s waits for its file «%s» (%s): it is not on the server yet (a device "
                "uploads it with its next sync); it goes out once the file is here, never "
                "without it", message_id, shown, shown_hash);

              crm_server_log (G_LOG_LEVEL_INFO, "delivery", line, "VORONKA_ACCOUNT", account,
                              "VORONKA_MESSAGE", message_id, NULL);
              g_hash_table_add (self->waiting, g_steal_pointer (&key));
            }
          return NULL;
        }
      g_hash_table_remove (self->waiting, key);
      content = g_bytes_new_take (g_steal_pointer (&data), length);
      if (g_hash_table_size (self->parts) >= MAX_CACHED_PARTS)
        g_hash_table_remove_all (self->parts);
      part = attachment_part (name, mime, content);
      g_hash_table_insert (self->parts, g_steal_pointer (&part_key), (gpointer) part);
      g_ptr_array_add (parts, g_strdup (part));
    }
  return g_steal_pointer (&parts);
}

/* Starts sending the message @message_id of an account; FALSE when it waits (no channel). */
static gboolean
start (CrmServerDelivery *self,
       const char        *account_id,
       const char        *account_name,
       CrmStore          *store,
       const char        *message_id,
       const CrmDeliveryRecord *seen)
{
  gint attempts_before = seen->attempts;
  gboolean first = seen->state == CRM_DELIVERY_NONE;
  gboolean claimed = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmMessageDraft) draft = crm_message_draft_load (store, message_id, &error);
  g_autoptr(CrmServerChannel) channel = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) files = NULL;
  Job *job;

  if (draft == NULL)
    {
      if (!g_error_matches (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
        g_warning ("Account %s, message %s: %s", account_name, message_id, error->message);
      else if (!first)
        crm_server_delivery_set (self->channels, account_id, message_id, CRM_DELIVERY_FAILED,
                                 attempts_before, 0, "deleted", NULL);
      return FALSE;
    }
  channel = crm_server_channels_get (self->channels, account_id, draft->channel, &error);
  if (channel == NULL)
    {
      g_autofree char *key = flight_key (account_id, draft->channel);

      if (error != NULL)
        g_warning ("%s", error->message);
      else if (!g_hash_table_contains (self->waiting, key))
        {
          g_autofree char *account = crm_server_log_escape (account_name, 64);
          g_autofree char *line = g_strdup_printf (
            "account «%s» has no %s channel: its %s messages wait (voronka-server channel set)",
            account, draft->channel, channel_label (draft->channel));

          crm_server_log (G_LOG_LEVEL_INFO, "delivery", line, "VORONKA_ACCOUNT", account,
                          "VORONKA_CHANNEL", draft->channel, NULL);
          g_hash_table_add (self->waiting, g_steal_pointer (&key));
        }
      return FALSE;
    }

  /* a template's files go with it: never without them, so the message waits (queued,
   * looked at again every scan) until the server has every one */
  if (draft->attachments != NULL && g_str_equal (draft->channel, "email") &&
      (files = load_files (self, account_id, account_name, store, message_id,
                           draft->attachments)) == NULL)
    return FALSE;

  job = g_new0 (Job, 1);
  job->self = self;
  job->account_id = g_strdup (account_id);
  job->account_name = g_strdup (account_name);
  job->message_id = g_strdup (message_id);
  job->kind = g_strdup (draft->channel);
  job->url = g_strdup (channel->url);
  job->user = g_strdup (channel->user);
  job->secret = g_strdup (channel->secret);
  job->from = g_strdup (channel->from);
  job->to = g_strdup (draft->address);
  job->ca_file = g_strdup (channel->ca_file);
  job->attempts = attempts_before + 1;
  job->timeout_s = self->timeout_s;

  /* taken before anything is decided or sent: a repeated push or a restart finds the
   * record, and of several server processes only one takes it */
  if (!crm_server_delivery_claim (self->channels, account_id, message_id, seen, job->attempts,
                                  &claimed, &error) || !claimed)
    {
      if (error != NULL)
        g_warning ("Account %s, message %s not sent: %s", account_name, message_id,
                   error->message);
      job_free (job);
      return FALSE;
    }

  if (draft->address == NULL || *draft->address == '\0')
    {
      g_autofree char *reason = NULL;

      if (g_str_equal (draft->channel, "email"))
        reason = g_strdup_printf (_("«%s» has no e-mail address"),
                                  draft->recipient_name ? draft->recipient_name : draft->recipient);
      else if (g_str_equal (draft->channel, "sms"))
        reason = g_strdup_printf (_("«%s» has no phone number"),
                                  draft->recipient_name ? draft->recipient_name : draft->recipient);
      else
        reason = g_strdup_printf (_("«%s» has no Telegram chat id"),
                                  draft->recipient_name ? draft->recipient_name : draft->recipient);
      finish_failed (self, job, reason);
      job_free (job);
      return TRUE;
    }
  if (g_str_equal (draft->channel, "email"))
    {
      g_autofree char *token = NULL;
      g_autofree char *pixel_url = NULL;
      g_autofree char *unsubscribe_url = NULL;
      g_autofree char *rating_url = NULL;
      gint64 since = 0;

      if (!is_mail_address (draft->address))
        {
          g_autofree char *reason = g_strdup_printf (_("“%s” is not an e-mail address"),
                                                     draft->address);
          finish_failed (self, job, reason);
          job_free (job);
          return TRUE;
        }

      if (crm_message_is_unsubscribed (store, draft->recipient, &since))
        {
          /* S4-9: queued before the contact unsubscribed (a rule, another laptop) */
          g_autofree char *when = crm_format_date (since);
          g_autofree char *reason = g_strdup_printf (_("%s unsubscribed from e-mails on %s"),
                                                     draft->recipient_name != NULL
                                                     ? draft->recipient_name : draft->recipient,
                                                     g_strstrip (when));
          finish_failed (self, job, reason);
          job_free (job);
          return TRUE;
        }
      if (self->public_url != NULL)
        {
          token = crm_server_tracking_token (CRM_SERVER_STORAGE (self->storage), account_id,
                                             message_id, &error);
          if (token == NULL)
            {
              g_warning ("Account %s, message %s not sent: %s", account_name, message_id,
                         error->message);
              crm_server_delivery_set (self->channels, account_id, message_id,
                                       CRM_DELIVERY_RETRY, attempts_before,
                                       crm_time_now_ms () + self->interval_s * 1000, NULL, NULL);
              job_free (job);
              return FALSE;
            }
          pixel_url = g_strconcat (self->public_url, CRM_TRACKING_OPEN_PREFIX, token, ".gif",
                                   NULL);
          unsubscribe_url = g_strconcat (self->public_url, CRM_TRACKING_UNSUBSCRIBE_PREFIX,
                                         token, NULL);
          /* S4-10: an e-mail asking a participant for a score carries the 11 links */
          if (crm_participant_message_asks_nps (store, message_id))
            rating_url = g_strconcat (self->public_url, CRM_TRACKING_RATE_PREFIX, token, "/",
                                      NULL);
        }
      job->payload = build_mail (channel->from, draft->address, draft->recipient_name,
                                 draft->subject, draft->body, draft->html, files, message_id,
                                 pixel_url, unsubscribe_url, rating_url, crm_time_now_ms ());
    }
  else
    job->payload = http_payload (draft->channel, draft->address, draft->body, message_id);

  if (g_strcmp0 (draft->status, "sending") != 0)
    write_status (self, job, "sending", NULL);
  g_hash_table_add (self->in_flight, flight_key (account_id, message_id));
  task = g_task_new (NULL, NULL, job_done, job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, run_job);
  return TRUE;
}

static const char *
account_name_of (GPtrArray  *accounts,
                 const char *account_id)
{
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    if (g_str_equal (accounts->pdata[i], account_id))
      return accounts->pdata[i + 1];
  return NULL;
}

static void
scan (CrmServerDelivery *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = crm_server_channels_accounts (self->channels, &error);
  g_autoptr(GPtrArray) due = NULL;

  if (accounts == NULL)
    {
      g_warning ("Delivery: %s", error->message);
      return;
    }

  /* this process's sends under way keep their claims (PostgreSQL) */
  if (g_hash_table_size (self->in_flight) > 0 &&
      !crm_server_delivery_renew (self->channels, &error))
    {
      g_warning ("Delivery: %s", error->message);
      g_clear_error (&error);
    }
  /* retries that are due, and what a killed server was sending */
  due = crm_server_delivery_due (self->channels, crm_time_now_ms (), !self->recovered, &error);
  if (due == NULL)
    {
      g_warning ("Delivery: %s", error->message);
      return;
    }
  self->recovered = TRUE;
  for (guint i = 0; i < due->len; i++)
    {
      CrmDeliveryRecord *record = due->pdata[i];
      g_autofree char *key = flight_key (record->account, record->message);
      const char *name = account_name_of (accounts, record->account);
      CrmStore *store;

      if (g_hash_table_contains (self->in_flight, key) ||
          g_hash_table_size (self->in_flight) >= MAX_IN_FLIGHT || name == NULL)
        continue;
      if ((store = crm_server_backend_get_replica (self->storage, record->account, NULL)) == NULL)
        continue;
      if (record->state == CRM_DELIVERY_SENDING)
        {
          g_autofree char *account = crm_server_log_escape (name, 64);
          g_autofree char *line = g_strdup_printf (
            "message %s may have been sent twice: the server stopped while sending it; "
            "sending it again", record->message);

          crm_server_log (G_LOG_LEVEL_WARNING, "delivery", line, "VORONKA_ACCOUNT", account,
                          "VORONKA_MESSAGE", record->message, NULL);
        }
      start (self, record->account, name, store, record->message, record);
    }

  /* new messages */
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    {
      const char *account_id = accounts->pdata[i];
      CrmStore *store = crm_server_backend_get_replica (self->storage, account_id, NULL);
      g_autoptr(GPtrArray) queued = NULL;

      if (store == NULL || (queued = crm_message_list_queued (store, &error)) == NULL)
        {
          g_clear_error (&error);
          continue;
        }
      for (guint m = 0; m < queued->len; m++)
        {
          g_autofree char *key = flight_key (account_id, queued->pdata[m]);
          CrmDeliveryRecord record;

          if (g_hash_table_size (self->in_flight) >= MAX_IN_FLIGHT)
            return;
          if (g_hash_table_contains (self->in_flight, key))
            continue;
          if (!crm_server_delivery_get (self->channels, account_id, queued->pdata[m], &record,
                                        &error))
            {
              g_warning ("Delivery: %s", error->message);
              g_clear_error (&error);
              continue;
            }
          /* a record: this message was sent, or is being retried, already */
          if (record.state != CRM_DELIVERY_NONE)
            continue;
          start (self, account_id, accounts->pdata[i + 1], store, queued->pdata[m], &record);
        }
    }
}

static gboolean
scan_now (gpointer user_data)
{
  CrmServerDelivery *self = user_data;

  self->idle = 0;
  scan (self);
  return G_SOURCE_REMOVE;
}

static gboolean
scan_timer (gpointer user_data)
{
  scan (user_data);
  return G_SOURCE_CONTINUE;
}

static void
schedule_scan (CrmServerDelivery *self)
{
  if (self->idle == 0)
    self->idle = g_idle_add (scan_now, self);
}

gboolean
crm_server_delivery_try (const CrmServerChannel  *channel,
                         const char              *to,
                         guint                    timeout_s,
                         GError                 **error)
{
  g_autofree char *message_id = g_uuid_string_random ();
  g_autofree char *text = g_strdup_printf (
    _("A test message from Voronka: the %s channel works. Nothing needs to be done."),
    channel_label (channel->kind));
  Job *job = g_new0 (Job, 1);
  gboolean sent;

  job->kind = g_strdup (channel->kind);
  job->message_id = g_strdup (message_id);
  job->url = g_strdup (channel->url);
  job->user = g_strdup (channel->user);
  job->secret = g_strdup (channel->secret);
  job->from = g_strdup (channel->from);
  job->to = g_strdup (to);
  job->ca_file = g_strdup (channel->ca_file);
  job->timeout_s = timeout_s;
  if (g_str_equal (channel->kind, "email"))
    {
      if (!is_mail_address (to))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("“%s” is not an e-mail address"), to);
          job_free (job);
          return FALSE;
        }
      job->payload = build_mail (channel->from, to, NULL, _("Voronka: a test message"), text,
                                 NULL, NULL, message_id, NULL, NULL, NULL, crm_time_now_ms ());
      send_mail (job);
    }
  else
    {
      job->payload = http_payload (channel->kind, to, text, message_id);
      send_http (job);
    }
  sent = job->outcome == OUTCOME_SENT;
  if (!sent)
    g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FAILED,
                         job->reason != NULL ? job->reason : _("the message was not sent"));
  job_free (job);
  return sent;
}

CrmServerDelivery *
crm_server_delivery_new (CrmServerBackend *storage,
                         const char       *data_dir,
                         guint             interval_s,
                         GError          **error)
{
  CrmServerDelivery *self;
  CrmServerChannels *channels;
  static gsize curl_ready = 0;

  if ((channels = crm_server_channels_open_for (CRM_SERVER_STORAGE (storage), data_dir,
                                                error)) == NULL)
    return NULL;
  if (g_once_init_enter (&curl_ready))
    {
      /* not thread-safe: once, before any worker runs */
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_ready, 1);
    }
  /* GMime makes the parts of the files mailed (with the mail intake's set-up) */
  crm_mail_init ();
  self = g_new0 (CrmServerDelivery, 1);
  self->storage = g_object_ref (storage);
  self->channels = channels;
  self->interval_s = MAX (interval_s, 1);
  self->timeout_s = 30;
  /* renewed every scan: two missed scans and a margin before another process may take
   * a message over */
  crm_server_delivery_set_lease (channels, ((gint64) self->interval_s * 2 + 10) * 1000);
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->timer = g_timeout_add_seconds (self->interval_s, scan_timer, self);
  schedule_scan (self);
  return self;
}

void
crm_server_delivery_set_timeout (CrmServerDelivery *self,
                                 guint              seconds)
{
  self->timeout_s = MAX (seconds, 1);
}

void
crm_server_delivery_set_changed (CrmServerDelivery        *self,
                                 CrmServerDeliveryChanged  func,
                                 gpointer                  user_data)
{
  self->changed = func;
  self->changed_data = user_data;
}

void
crm_server_delivery_set_public_url (CrmServerDelivery *self,
                                    const char        *url)
{
  g_free (self->public_url);
  self->public_url = url != NULL ? g_strdup (url) : NULL;
  /* one slash between it and /t/…, however it was typed */
  while (self->public_url != NULL && g_str_has_suffix (self->public_url, "/"))
    self->public_url[strlen (self->public_url) - 1] = '\0';
}

void
crm_server_delivery_kick (CrmServerDelivery *self,
                          const char        *account_id)
{
  schedule_scan (self);
}

void
crm_server_delivery_free (CrmServerDelivery *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_handle_id (&self->idle, g_source_remove);
  if (g_hash_table_size (self->in_flight) > 0)
    {
      /* a worker still talks to a gateway: its record stays SENDING, and the next start
       * sends it again, saying so; its job keeps what it needs, so it is left to end */
      g_message ("Delivery stopped with %u message(s) being sent", g_hash_table_size (self->in_flight));
      return;
    }
  g_hash_table_unref (self->in_flight);
  g_hash_table_unref (self->waiting);
  g_hash_table_unref (self->parts);
  g_free (self->public_url);
  crm_server_channels_free (self->channels);
  g_object_unref (self->storage);
  g_free (self);
}
