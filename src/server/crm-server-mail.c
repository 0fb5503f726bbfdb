/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-mail.c — IMAP through libcurl and e-mails through GMime (see
 * crm-server-mail.h). One curl handle per check keeps one connection: STATUS for
 * UIDVALIDITY and UIDNEXT, "UID FETCH n:* (UID RFC822.SIZE)" for what is new, then one
 * "UID FETCH u BODY[]" per e-mail (curl's ;UID= URLs, which re-check UIDVALIDITY). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <gmime/gmime.h>
#include <glib/gi18n.h>

#include "crm-server-mail.h"
#include "crm-request.h"

G_DEFINE_QUARK (crm-mail-error-quark, crm_mail_error)

void
crm_mail_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_mime_init ();
      g_once_init_leave (&once, 1);
    }
}

void
crm_mail_limits_init (CrmMailLimits *limits)
{
  limits->max_message_bytes = CRM_MAIL_DEFAULT_MAX_BYTES;
  limits->max_messages = CRM_MAIL_DEFAULT_MAX_MESSAGES;
  limits->max_check_bytes = CRM_MAIL_DEFAULT_CHECK_BYTES;
  limits->max_depth = CRM_MAIL_DEFAULT_MAX_DEPTH;
  limits->timeout_seconds = CRM_MAIL_DEFAULT_TIMEOUT;
}

static void
attachment_free (CrmMailAttachment *attachment)
{
  g_free (attachment->name);
  g_free (attachment->mime);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment);
}

void
crm_mail_free (CrmMail *mail)
{
  if (mail == NULL)
    return;
  g_free (mail->message_id);
  g_free (mail->from_email);
  g_free (mail->from_name);
  g_free (mail->subject);
  g_free (mail->text);
  g_clear_pointer (&mail->attachments, g_ptr_array_unref);
  g_free (mail->problem);
  g_free (mail);
}

static CrmMail *
mail_new (void)
{
  CrmMail *mail = g_new0 (CrmMail, 1);

  mail->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  return mail;
}

void
crm_mail_batch_free (CrmMailBatch *batch)
{
  if (batch == NULL)
    return;
  g_clear_pointer (&batch->mails, g_ptr_array_unref);
  g_free (batch);
}

/* --- URLs -------------------------------------------------------------------------------- */

typedef struct {
  char    *base;      /* scheme://host:port/ */
  char    *path;      /* the folder as the URL spells it (encoded), "INBOX" by default */
  char    *folder;    /* the folder's name, decoded */
  gboolean starttls;  /* imap://: the connection turns to TLS (STARTTLS) before the login */
} MailUrl;

static void
mail_url_clear (MailUrl *url)
{
  g_clear_pointer (&url->base, g_free);
  g_clear_pointer (&url->path, g_free);
  g_clear_pointer (&url->folder, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MailUrl, mail_url_clear)

static gboolean
parse_url (const char  *text,
           MailUrl     *out,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;
  const char *path;
  gint port;

  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s» is not a mailbox URL; write it as imaps://mail.example.com/INBOX"),
                   text);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s» names no mail server; write it as imaps://mail.example.com/INBOX"),
                   text);
      return FALSE;
    }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s»: give the mailbox URL without a user, password, “?” or “#” "
                     "(the user goes in --user, the password on standard input)"), text);
      return FALSE;
    }
  /* imap:// is STARTTLS, required: the password never travels unencrypted */
  if (g_ascii_strcasecmp (scheme, "imaps") == 0)
    out->starttls = FALSE;
  else if (g_ascii_strcasecmp (scheme, "imap") == 0)
    out->starttls = TRUE;
  else
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s» is not an IMAP mailbox; write it as imaps://%s/INBOX"), text, host);
      return FALSE;
    }
  port = g_uri_get_port (uri);
  if (port <= 0)
    port = out->starttls ? 143 : 993;
  path = g_uri_get_path (uri);
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = "INBOX";
  if (strchr (path, ';') != NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s»: name the folder only (no “;UID=” and the like)"), text);
      return FALSE;
    }
  out->folder = g_uri_unescape_string (path, NULL);
  if (out->folder == NULL || !g_utf8_validate (out->folder, -1, NULL) ||
      strpbrk (out->folder, "\r\n") != NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                   _("«%s»: the folder's name is not readable text"), text);
      return FALSE;
    }
  for (const char *p = out->folder; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      {
        g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_URL,
                     _("«%s»: folders with non-Latin names are not supported yet; have the "
                       "mail server deliver requests to INBOX or a folder with a Latin name"),
                     text);
        return FALSE;
      }
  out->path = g_strdup (path);
  if (strchr (host, ':') != NULL && host[0] != '[')
    out->base = g_strdup_printf ("%s://[%s]:%d/", out->starttls ? "imap" : "imaps", host, port);
  else
    out->base = g_strdup_printf ("%s://%s:%d/", out->starttls ? "imap" : "imaps", host, port);
  return TRUE;
}

gboolean
crm_mail_check_url (const char  *url,
                    GError     **error)
{
  g_auto(MailUrl) parsed = { 0 };

  return parse_url (url, &parsed, error);
}

/* --- IMAP ---------------------------------------------------------------------------------- */

typedef struct {
  CURL         *curl;
  GByteArray   *buffer;
  gsize         cap;          /* a response larger than this is cut off (write fails) */
  gboolean      over_cap;
  GCancellable *cancellable;
  char          error_text[CURL_ERROR_SIZE];
} Imap;

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  count,
          void   *user_data)
{
  Imap *imap = user_data;
  gsize n = size * count;

  if (imap->buffer->len + n > imap->cap)
    {
      imap->over_cap = TRUE;
      return 0;
    }
  g_byte_array_append (imap->buffer, (const guint8 *) data, n);
  return n;
}

static int
progress_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Imap *imap = user_data;

  return g_cancellable_is_cancelled (imap->cancellable) ? 1 : 0;
}

static void
set_curl_error (Imap        *imap,
                CURLcode     code,
                const char  *url,
                const char  *user,
                GError     **error)
{
  const char *detail = imap->error_text[0] != '\0' ? imap->error_text : curl_easy_strerror (code);

  switch (code)
    {
    case CURLE_LOGIN_DENIED:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_AUTH,
                   _("The mail server refused user «%s» (wrong user or password?): %s. Set "
                     "the right one with “mailbox add” again"), user, detail);
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CANCELLED,
                   _("The check of %s was stopped"), url);
      break;
    case CURLE_USE_SSL_FAILED:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CONNECT,
                   _("The mail server %s does not offer STARTTLS, and the mailbox's password "
                     "is never sent unencrypted: use its imaps:// address (port 993), or "
                     "have STARTTLS turned on (%s)"), url, detail);
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CONNECT,
                   _("Could not make a trusted TLS connection to %s: %s. If the mail server "
                     "has a certificate of its own CA, give it with --ca-file"), url, detail);
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CONNECT,
                   _("Could not reach the mail server %s: %s"), url, detail);
      break;
    default:
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_PROTOCOL,
                   _("The mail server %s answered unexpectedly: %s"), url, detail);
      break;
    }
}

/* One exchange: @url, with @command as a custom request (NULL: curl's own fetch). */
static GBytes *
imap_run (Imap        *imap,
          const char  *url,
          const char  *command,
          gsize        cap,
          const char  *shown_url,
          const char  *user,
          GError     **error)
{
  CURLcode code;

  g_byte_array_set_size (imap->buffer, 0);
  imap->cap = cap;
  imap->over_cap = FALSE;
  imap->error_text[0] = '\0';
  curl_easy_setopt (imap->curl, CURLOPT_URL, url);
  curl_easy_setopt (imap->curl, CURLOPT_CUSTOMREQUEST, command);
  code = curl_easy_perform (imap->curl);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && imap->over_cap))
    {
      set_curl_error (imap, code, shown_url, user, error);
      return NULL;
    }
  if (imap->over_cap)
    return NULL;  /* no error: the caller says "too large" */
  return g_bytes_new (imap->buffer->data, imap->buffer->len);
}

/* The IMAP quoted string of @text (ASCII, no line breaks: parse_url made sure). */
static char *
imap_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* The number after @key in @text ("UIDVALIDITY 123"), or -1. */
static gint64
number_after (const char *text,
              const char *key)
{
  const char *p = text;
  gsize len = strlen (key);

  while ((p = strstr (p, key)) != NULL)
    {
      gboolean starts = p == text || !g_ascii_isalnum (p[-1]);

      p += len;
      if (starts && *p == ' ')
        {
          char *end = NULL;
          guint64 value;

          p++;
          value = g_ascii_strtoull (p, &end, 10);
          if (end != p && value <= G_MAXINT64)
            return (gint64) value;
        }
    }
  return -1;
}

typedef struct {
  gint64 uid;
  gint64 size;
} Listed;

static gint
compare_listed (gconstpointer a,
                gconstpointer b)
{
  const Listed *x = a, *y = b;

  return (x->uid > y->uid) - (x->uid < y->uid);
}

/* --- MIME ------------------------------------------------------------------------------- */

/* How many times MIME containers are named in @data: an upper bound of the nesting GMime
 * would build (it parses nested parts recursively), checked before parsing. */
static guint
count_containers (const guint8 *data,
                  gsize         length)
{
  static const char *const needles[] = { "multipart", "message/" };
  guint count = 0;

  for (gsize i = 0; i < length; i++)
    {
      if ((data[i] | 0x20) != 'm')
        continue;
      for (guint n = 0; n < G_N_ELEMENTS (needles); n++)
        {
          gsize len = strlen (needles[n]);

          if (i + len <= length &&
              g_ascii_strncasecmp ((const char *) data + i, needles[n], len) == 0)
            {
              count++;
              break;
            }
        }
    }
  return count;
}

static char *
valid_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  /* line breaks as \n; other control characters but the tab dropped */
  for (const char *p = valid; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          if (p[1] != '\n')
            g_string_append_c (out, '\n');
          continue;
        }
      if ((guchar) *p < 0x20 && *p != '\n' && *p != '\t')
        continue;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* A readable text of an HTML body: tags dropped, <br>, <p>, <div>, <li>, <tr> as line
 * breaks, <style> and <script> left out, the common entities decoded. */
static char *
html_to_text (const char *html)
{
  static const struct { const char *name; const char *text; } entities[] = {
    { "&nbsp;", " " }, { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
    { "&quot;", "\"" }, { "&#39;", "'" }, { "&laquo;", "«" }, { "&raquo;", "»" },
    { "&mdash;", "—" }, { "&ndash;", "–" },
  };
  GString *out = g_string_new (NULL);
  const char *p = html;

  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *end = strchr (p, '>');
          g_autofree char *tag = NULL;
          const char *name;

          if (end == NULL)
            break;
          tag = g_ascii_strdown (p + 1, end - p - 1);
          name = tag[0] == '/' ? tag + 1 : tag;
          if (g_str_has_prefix (name, "style") || g_str_has_prefix (name, "script"))
            {
              if (tag[0] != '/')
                {
                  const char *close = g_str_has_prefix (name, "style") ? "</style" : "</script";
                  const char *found = strstr (end, close);

                  if (found == NULL)
                    {
                      char *lower = g_ascii_strdown (end, -1);
                      char *hit = strstr (lower, close);

                      found = hit != NULL ? end + (hit - lower) : NULL;
                      g_free (lower);
                    }
                  if (found == NULL)
                    break;
                  end = strchr (found, '>');
                  if (end == NULL)
                    break;
                }
            }
          else if (g_str_has_prefix (name, "br") || g_str_has_prefix (name, "p") ||
                   g_str_has_prefix (name, "div") || g_str_has_prefix (name, "li") ||
                   g_str_has_prefix (name, "tr") || g_str_has_prefix (name, "h"))
            g_string_append_c (out, '\n');
          p = end + 1;
          continue;
        }
      if (*p == '&')
        {
          gboolean done = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
            if (g_ascii_strncasecmp (p, entities[i].name, strlen (entities[i].name)) == 0)
              {
                g_string_append (out, entities[i].text);
                p += strlen (entities[i].name);
                done = TRUE;
                break;
              }
          if (done)
            continue;
        }
      if (*p == '\n' || *p == '\r' || *p == '\t')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *p);
      p++;
    }
  return g_string_free (out, FALSE);
}

/* Lines trimmed on the right, runs of more than two empty lines cut, trimmed overall. */
static char *
tidy_text (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  guint empty = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        {
          empty++;
          continue;
        }
      if (out->len > 0)
        g_string_append (out, empty > 0 ? "\n\n" : "\n");
      empty = 0;
      g_string_append (out, lines[i]);
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  CrmMail *mail;
  char    *html;
  guint    max_depth;
  gboolean too_deep;
} Walk;

static GBytes *
part_bytes (GMimeObject *object)
{
  GMimeStream *stream = g_mime_stream_mem_new ();
  GByteArray *array;
  GBytes *bytes = NULL;
  gboolean ok;

  if (GMIME_IS_PART (object))
    {
      GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (object));

      ok = content != NULL && g_mime_data_wrapper_write_to_stream (content, stream) >= 0;
    }
  else
    ok = g_mime_object_write_to_stream (object, NULL, stream) >= 0;
  if (ok)
    {
      array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
      bytes = g_bytes_new (array->data, array->len);
    }
  g_object_unref (stream);
  return bytes;
}

static void
add_attachment (Walk        *walk,
                GMimeObject *object,
                const char  *name)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);
  CrmMailAttachment *attachment;
  g_autofree char *mime = type != NULL ? g_mime_content_type_get_mime_type (type) : NULL;
  GBytes *data = part_bytes (object);
  g_autofree char *base = NULL;

  if (data == NULL)
    return;
  attachment = g_new0 (CrmMailAttachment, 1);
  attachment->mime = g_ascii_strdown (mime != NULL ? mime : "application/octet-stream", -1);
  if (name != NULL && *name != '\0')
    base = g_path_get_basename (name);
  if (base == NULL || *base == '\0' || g_str_equal (base, ".") || g_str_equal (base, "/") ||
      !g_utf8_validate (base, -1, NULL))
    {
      g_free (base);
      /* Translators: the name of an e-mail attachment that has none; %u counts them */
      base = g_strdup_printf (_("attachment-%u"), walk->mail->attachments->len + 1);
    }
  attachment->name = g_steal_pointer (&base);
  attachment->data = data;
  g_ptr_array_add (walk->mail->attachments, attachment);
}

static void
walk_part (Walk        *walk,
           GMimeObject *object,
           guint        depth)
{
  if (object == NULL)
    return;
  if (depth > walk->max_depth)
    {
      walk->too_deep = TRUE;
      return;
    }
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int count = g_mime_multipart_get_count (multipart);

      for (int i = 0; i < count; i++)
        walk_part (walk, g_mime_multipart_get_part (multipart, i), depth + 1);
      return;
    }
  if (GMIME_IS_MESSAGE_PART (object))
    {
      /* a forwarded e-mail: kept whole as a file */
      add_attachment (walk, object, "message.eml");
      return;
    }
  if (GMIME_IS_PART (object))
    {
      GMimePart *part = GMIME_PART (object);
      GMimeContentType *type = g_mime_object_get_content_type (object);
      const char *filename = g_mime_part_get_filename (part);

      if (GMIME_IS_TEXT_PART (object) && !g_mime_part_is_attachment (part) && filename == NULL)
        {
          if (walk->mail->text == NULL && g_mime_content_type_is_type (type, "text", "plain"))
            {
              g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));
              g_autofree char *valid = valid_text (text);

              walk->mail->text = valid != NULL ? tidy_text (valid) : NULL;
              return;
            }
          if (walk->html == NULL && g_mime_content_type_is_type (type, "text", "html"))
            {
              g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));
              g_autofree char *valid = valid_text (text);

              walk->html = valid != NULL ? html_to_text (valid) : NULL;
              return;
            }
          if (walk->mail->text != NULL && (g_mime_content_type_is_type (type, "text", "plain") ||
                                           g_mime_content_type_is_type (type, "text", "html")))
            return;  /* the other version of the same text */
        }
      add_attachment (walk, object, filename);
    }
}

static gboolean
is_automatic (GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  const char *auto_submitted = g_mime_object_get_header (object, "Auto-Submitted");
  GMimeObject *body = g_mime_message_get_mime_part (message);
  GMimeContentType *type = body != NULL ? g_mime_object_get_content_type (body) : NULL;

  if (auto_submitted != NULL)
    {
      while (g_ascii_isspace (*auto_submitted))
        auto_submitted++;
      if (g_ascii_strncasecmp (auto_submitted, "no", 2) != 0)
        return TRUE;
    }
  return type != NULL && g_mime_content_type_is_type (type, "multipart", "report");
}

static CrmMail *read_message (GMimeMessage  *message,
                              guint          max_depth,
                              GError       **error);

CrmMail *
crm_mail_parse (const guint8 *data,
                gsize         length,
                guint         max_depth,
                GError      **error)
{
  static const char *fallback[] = { "UTF-8", "windows-1251", "KOI8-R", NULL };
  GMimeParserOptions *options;
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeMessage *message;
  CrmMail *mail;

  crm_mail_init ();
  if (data == NULL || length == 0)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED,
                   _("the data is not an e-mail"));
      return NULL;
    }
  if (count_containers (data, length) > max_depth * 4)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED,
                   _("the e-mail nests too many parts (more than %u levels)"), max_depth);
      return NULL;
    }
  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_fallback_charsets (options, fallback);
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, length);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, options);
  g_object_unref (parser);
  g_object_unref (stream);
  g_mime_parser_options_free (options);
  if (message == NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED,
                   _("the data is not an e-mail"));
      return NULL;
    }
  mail = read_message (message, max_depth, error);
  g_object_unref (message);
  return mail;
}

static CrmMail *
read_message (GMimeMessage  *message,
              guint          max_depth,
              GError       **error)
{
  g_autoptr(CrmMail) mail = mail_new ();
  InternetAddressList *from;
  InternetAddress *address = NULL;
  GDateTime *date;
  const char *value;
  Walk walk = { 0 };

  from = g_mime_message_get_from (message);
  for (int i = 0; from != NULL && i < internet_address_list_length (from); i++)
    {
      InternetAddress *candidate = internet_address_list_get_address (from, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (candidate))
        {
          address = candidate;
          break;
        }
    }
  if (address != NULL)
    mail->from_email = crm_email_normalize (
      internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
  if (mail->from_email == NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED,
                   _("the e-mail has no sender address (From)"));
      return NULL;
    }
  value = internet_address_get_name (address);
  if (value != NULL && *value != '\0')
    mail->from_name = valid_text (value);
  value = g_mime_message_get_subject (message);
  if (value != NULL)
    mail->subject = valid_text (value);
  value = g_mime_message_get_message_id (message);
  if (value != NULL && *value != '\0')
    {
      g_autofree char *id = valid_text (value);

      mail->message_id = g_strndup (g_strstrip (id), 900);
    }
  date = g_mime_message_get_date (message);
  if (date != NULL)
    mail->date = g_date_time_to_unix (date) * 1000;
  mail->automatic = is_automatic (message);

  walk.mail = mail;
  walk.max_depth = max_depth;
  walk_part (&walk, g_mime_message_get_mime_part (message), 0);
  if (walk.too_deep)
    {
      g_free (walk.html);
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_MALFORMED,
                   _("the e-mail nests too many parts (more than %u levels)"), max_depth);
      return NULL;
    }
  if (mail->text == NULL && walk.html != NULL)
    mail->text = tidy_text (walk.html);
  g_free (walk.html);
  if (mail->text != NULL && *mail->text == '\0')
    g_clear_pointer (&mail->text, g_free);
  return g_steal_pointer (&mail);
}

/* --- fetching ---------------------------------------------------------------------------- */

static CrmMail *
skipped_mail (gint64      uid,
              const char *problem)
{
  CrmMail *mail = mail_new ();

  mail->uid = uid;
  mail->problem = g_strdup (problem);
  return mail;
}

CrmMailBatch *
crm_mail_fetch (const CrmMailboxState *state,
                const CrmMailLimits   *limits,
                GCancellable          *cancellable,
                GError               **error)
{
  g_auto(MailUrl) url = { 0 };
  g_autoptr(CrmMailBatch) batch = g_new0 (CrmMailBatch, 1);
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GArray) listed = g_array_new (FALSE, FALSE, sizeof (Listed));
  g_autofree char *folder = NULL;
  g_autofree char *command = NULL;
  g_autofree char *folder_url = NULL;
  g_auto(GStrv) lines = NULL;
  Imap imap = { 0 };
  gint64 uidvalidity, uidnext, from_uid;
  guint64 fetched = 0;
  CrmMailBatch *result = NULL;

  crm_mail_init ();
  batch->mails = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_mail_free);
  if (!parse_url (state->url, &url, error))
    return NULL;

  imap.curl = curl_easy_init ();
  imap.buffer = buffer;
  imap.cancellable = cancellable;
  if (imap.curl == NULL)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CONNECT,
                   _("Could not start an IMAP connection (out of memory?)"));
      return NULL;
    }
  curl_easy_setopt (imap.curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt (imap.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (imap.curl, CURLOPT_USERNAME, state->user);
  curl_easy_setopt (imap.curl, CURLOPT_PASSWORD, state->password);
  /* imaps:// is TLS from the start; imap:// must turn to TLS or the check stops */
  curl_easy_setopt (imap.curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  if (state->ca_file != NULL)
    curl_easy_setopt (imap.curl, CURLOPT_CAINFO, state->ca_file);
  curl_easy_setopt (imap.curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (imap.curl, CURLOPT_TIMEOUT, (long) MAX (limits->timeout_seconds, 5));
  curl_easy_setopt (imap.curl, CURLOPT_ERRORBUFFER, imap.error_text);
  curl_easy_setopt (imap.curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (imap.curl, CURLOPT_WRITEDATA, &imap);
  curl_easy_setopt (imap.curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt (imap.curl, CURLOPT_XFERINFODATA, &imap);
  curl_easy_setopt (imap.curl, CURLOPT_NOPROGRESS, 0L);

  /* the folder's UIDVALIDITY and UIDNEXT */
  folder = imap_quote (url.folder);
  command = g_strdup_printf ("STATUS %s (UIDVALIDITY UIDNEXT)", folder);
  answer = imap_run (&imap, url.base, command, 64 * 1024, state->url, state->user, error);
  if (answer == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_PROTOCOL,
                     _("The mail server %s gave an overlong answer"), state->url);
      goto out;
    }
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));

    uidvalidity = number_after (text, "UIDVALIDITY");
    uidnext = number_after (text, "UIDNEXT");
  }
  if (uidvalidity <= 0 || uidnext <= 0)
    {
      g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_PROTOCOL,
                   _("The mail server %s did not tell the folder «%s»'s UIDVALIDITY; does the "
                     "folder exist?"), state->url, url.folder);
      goto out;
    }
  batch->uidvalidity = uidvalidity;
  batch->last_uid = state->last_uid;
  if (state->uidvalidity != 0 && state->uidvalidity != uidvalidity)
    {
      /* the folder was rebuilt: its UIDs mean other e-mails now; read it all again (the
       * requests are keyed by Message-ID, so those taken before are not taken twice) */
      batch->reset = TRUE;
      batch->last_uid = 0;
    }
  else if (state->uidvalidity == 0 && state->new_only)
    {
      batch->last_uid = uidnext - 1;
      result = g_steal_pointer (&batch);
      goto out;
    }
  from_uid = batch->last_uid + 1;
  if (from_uid >= uidnext)
    {
      result = g_steal_pointer (&batch);
      goto out;
    }

  /* what is new, with sizes */
  g_clear_pointer (&answer, g_bytes_unref);
  g_free (command);
  command = g_strdup_printf ("UID FETCH %" G_GINT64_FORMAT ":* (UID RFC822.SIZE)", from_uid);
  folder_url = g_strconcat (url.base, url.path, NULL);
  answer = imap_run (&imap, folder_url, command, 16 * 1024 * 1024, state->url, state->user,
                     error);
  if (answer == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_PROTOCOL,
                     _("The mail server %s listed more e-mails than can be read at once"),
                     state->url);
      goto out;
    }
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));

    lines = g_strsplit (text, "\n", -1);
  }
  for (guint i = 0; lines[i] != NULL; i++)
    {
      Listed item;

      if (!g_str_has_prefix (lines[i], "* ") || strstr (lines[i], "FETCH") == NULL)
        continue;
      item.uid = number_after (lines[i], "UID");
      item.size = number_after (lines[i], "RFC822.SIZE");
      /* "n:*" names the last e-mail even when its UID is below n */
      if (item.uid > batch->last_uid)
        g_array_append_val (listed, item);
    }
  g_array_sort (listed, compare_listed);

  for (guint i = 0; i < listed->len; i++)
    {
      const Listed *item = &g_array_index (listed, Listed, i);
      g_autofree char *message_url = NULL;
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GError) parse_error = NULL;
      CrmMail *mail;

      if (i > 0 && item->uid == g_array_index (listed, Listed, i - 1).uid)
        continue;
      if (batch->mails->len >= limits->max_messages)
        {
          batch->more = TRUE;
          break;
        }
      if (item->size > 0 && (guint64) item->size > limits->max_message_bytes)
        {
          g_autofree char *problem = g_strdup_printf (
            _("larger than %lu bytes (%lld bytes); not taken"),
            (gulong) limits->max_message_bytes, (long long) item->size);

          g_ptr_array_add (batch->mails, skipped_mail (item->uid, problem));
          batch->last_uid = item->uid;
          continue;
        }
      /* what one check holds in memory stays bounded: the rest comes with the next one */
      if (fetched > 0 && fetched + (guint64) MAX (item->size, 0) > limits->max_check_bytes)
        {
          batch->more = TRUE;
          break;
        }
      fetched += (guint64) MAX (item->size, 0);
      message_url = g_strdup_printf ("%s%s;UIDVALIDITY=%" G_GINT64_FORMAT ";UID=%" G_GINT64_FORMAT,
                                     url.base, url.path, uidvalidity, item->uid);
      raw = imap_run (&imap, message_url, NULL, limits->max_message_bytes, state->url,
                      state->user, error);
      if (raw == NULL && error != NULL && *error != NULL)
        {
          /* what was fetched so far is kept; the rest comes with the next check */
          if (batch->mails->len > 0 &&
              !g_error_matches (*error, CRM_MAIL_ERROR, CRM_MAIL_ERROR_CANCELLED))
            {
              g_clear_error (error);
              batch->more = TRUE;
              result = g_steal_pointer (&batch);
            }
          goto out;
        }
      if (raw == NULL)
        {
          g_autofree char *problem = g_strdup_printf (_("larger than %lu bytes; not taken"),
                                                      (gulong) limits->max_message_bytes);

          g_ptr_array_add (batch->mails, skipped_mail (item->uid, problem));
          batch->last_uid = item->uid;
          continue;
        }
      mail = crm_mail_parse (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                             limits->max_depth, &parse_error);
      if (mail == NULL)
        mail = skipped_mail (item->uid, parse_error->message);
      mail->uid = item->uid;
      g_ptr_array_add (batch->mails, mail);
      batch->last_uid = item->uid;
    }
  result = g_steal_pointer (&batch);

out:
  curl_easy_cleanup (imap.curl);
  return result;
}
