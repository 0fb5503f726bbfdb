/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-log.c — the log writer of voronka-server (see crm-server-log.h). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "crm-server-log.h"
#include "crm-protocol.h"

#define IDENTIFIER "voronka-server"
#define MAX_FIELDS 24

typedef enum {
  OUTPUT_PLAIN,
  OUTPUT_JOURNAL,
} Output;

static gsize          initialized;
static Output         output = OUTPUT_PLAIN;
static GLogLevelFlags threshold = G_LOG_LEVEL_INFO;

static const struct {
  const char     *name;
  GLogLevelFlags  level;
} levels[] = {
  { "error",   G_LOG_LEVEL_CRITICAL },
  { "warning", G_LOG_LEVEL_WARNING },
  { "info",    G_LOG_LEVEL_INFO },
  { "debug",   G_LOG_LEVEL_DEBUG },
};

/* GLib's levels are bits, more severe ones lower: ERROR 1<<2 … DEBUG 1<<7. */
static GLogLevelFlags
severity (GLogLevelFlags level)
{
  level &= G_LOG_LEVEL_MASK;
  if (level & G_LOG_LEVEL_ERROR)    return G_LOG_LEVEL_ERROR;
  if (level & G_LOG_LEVEL_CRITICAL) return G_LOG_LEVEL_CRITICAL;
  if (level & G_LOG_LEVEL_WARNING)  return G_LOG_LEVEL_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)  return G_LOG_LEVEL_MESSAGE;
  if (level & G_LOG_LEVEL_INFO)     return G_LOG_LEVEL_INFO;
  return G_LOG_LEVEL_DEBUG;
}

gboolean
crm_server_log_enabled (GLogLevelFlags level)
{
  return severity (level) <= threshold;
}

static const char *
level_word (GLogLevelFlags level)
{
  switch (severity (level))
    {
    case G_LOG_LEVEL_ERROR:    return "ERROR";
    case G_LOG_LEVEL_CRITICAL: return "CRITICAL";
    case G_LOG_LEVEL_WARNING:  return "WARNING";
    case G_LOG_LEVEL_MESSAGE:  return "NOTICE";
    case G_LOG_LEVEL_INFO:     return "INFO";
    default:                   return "DEBUG";
    }
}

static const char *
level_priority (GLogLevelFlags level)
{
  switch (severity (level))
    {
    case G_LOG_LEVEL_ERROR:    return "3";
    case G_LOG_LEVEL_CRITICAL: return "3";
    case G_LOG_LEVEL_WARNING:  return "4";
    case G_LOG_LEVEL_MESSAGE:  return "5";
    case G_LOG_LEVEL_INFO:     return "6";
    default:                   return "7";
    }
}

static const char *
field_string (const GLogField *fields,
              gsize            n_fields,
              const char      *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, key) && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

static GLogWriterOutput
write_plain (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields)
{
  const char *message = field_string (fields, n_fields, "MESSAGE");
  const char *domain = field_string (fields, n_fields, "GLIB_DOMAIN");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  FILE *stream = severity (level) <= G_LOG_LEVEL_WARNING ? stderr : stdout;
  gboolean own = domain == NULL || g_str_equal (domain, G_LOG_DOMAIN);

  fprintf (stream, "%s.%03dZ %s %s%s%s\n", stamp, g_date_time_get_microsecond (now) / 1000,
           level_word (level), own ? "" : domain, own ? "" : ": ",
           message != NULL ? message : "");
  fflush (stream);
  return G_LOG_WRITER_HANDLED;
}

/* The journal with an identifier, so `journalctl -t voronka-server` finds every line,
 * those of the admin commands too. */
static GLogWriterOutput
write_journal (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields)
{
  g_autofree GLogField *all = g_new (GLogField, n_fields + 2);
  gsize n = 0;

  for (gsize i = 0; i < n_fields; i++)
    all[n++] = fields[i];
  if (field_string (fields, n_fields, "SYSLOG_IDENTIFIER") == NULL)
    all[n++] = (GLogField) { "SYSLOG_IDENTIFIER", IDENTIFIER, -1 };
  if (field_string (fields, n_fields, "PRIORITY") == NULL)
    all[n++] = (GLogField) { "PRIORITY", level_priority (level), -1 };
  return g_log_writer_journald (level, all, n, NULL);
}

static GLogWriterOutput
writer (GLogLevelFlags   level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         user_data)
{
  if (!crm_server_log_enabled (level))
    return G_LOG_WRITER_HANDLED;
  if (output == OUTPUT_JOURNAL && write_journal (level, fields, n_fields) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  return write_plain (level, fields, n_fields);
}

void
crm_server_log_init (void)
{
  if (g_once_init_enter (&initialized))
    {
      const char *forced = g_getenv ("VORONKA_LOG");

      /* VORONKA_LOG=plain|journal overrides the guess (the tests use plain) */
      if (forced != NULL && g_str_equal (forced, "journal"))
        output = OUTPUT_JOURNAL;
      else if (forced != NULL && g_str_equal (forced, "plain"))
        output = OUTPUT_PLAIN;
      else
        output = g_log_writer_is_journald (fileno (stderr)) ? OUTPUT_JOURNAL : OUTPUT_PLAIN;
      g_log_set_writer_func (writer, NULL, NULL);
      g_once_init_leave (&initialized, 1);
    }
}

gboolean
crm_server_log_set_level (const char  *name,
                          GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (name != NULL && g_ascii_strcasecmp (name, levels[i].name) == 0)
      {
        threshold = levels[i].level;
        return TRUE;
      }
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
               _("--log-level: «%s» is not a level; choose error, warning, info or debug"),
               name ? name : "");
  return FALSE;
}

static void
log_fields (GLogLevelFlags  level,
            const char     *event,
            const char     *message,
            const char     *first_key,
            va_list         args)
{
  GLogField fields[MAX_FIELDS];
  gsize n = 0;

  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "PRIORITY", level_priority (level), -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
  fields[n++] = (GLogField) { "SYSLOG_IDENTIFIER", IDENTIFIER, -1 };
  fields[n++] = (GLogField) { "VORONKA_EVENT", event, -1 };
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value != NULL && n < MAX_FIELDS)
        fields[n++] = (GLogField) { key, value, -1 };
    }
  g_log_structured_array (level, fields, n);
}

void
crm_server_log (GLogLevelFlags  level,
                const char     *event,
                const char     *message,
                const char     *first_key,
                ...)
{
  va_list args;

  crm_server_log_init ();
  if (!crm_server_log_enabled (level))
    return;
  va_start (args, first_key);
  log_fields (level, event, message, first_key, args);
  va_end (args);
}

char *
crm_server_log_escape (const char *text,
                       guint       max_chars)
{
  GString *out = g_string_new (NULL);
  gboolean utf8 = text != NULL && g_utf8_validate (text, -1, NULL);
  const char *p = text;
  guint count = 0;

  if (text == NULL)
    return g_string_free (out, FALSE);
  for (; *p != '\0' && count < max_chars; count++)
    {
      /* not UTF-8: every byte outside printable ASCII as \xNN */
      gunichar c = utf8 ? g_utf8_get_char (p) : (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (!utf8 && c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
      p = utf8 ? g_utf8_next_char (p) : p + 1;
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

void
crm_server_log_sign_in_failed (const char *peer,
                               const char *user,
                               const char *reason)
{
  g_autofree char *name = crm_server_log_escape (user, 100);
  g_autofree char *message = NULL;

  if (peer == NULL)
    peer = "-";
  /* a stable line for fail2ban (docs/admin-guide.md): not translated, the address first */
  message = g_strdup_printf ("sign-in failed from %s for user \"%s\"%s%s", peer, name,
                             reason != NULL ? ": " : "", reason != NULL ? reason : "");
  crm_server_log (G_LOG_LEVEL_WARNING, "sign-in-failed", message,
                  "VORONKA_PEER", peer, "VORONKA_USER", user != NULL ? name : NULL,
                  NULL);
}

void
crm_server_audit (const char *action,
                  const char *account,
                  const char *user,
                  const char *details)
{
  g_autofree char *account_text = crm_server_log_escape (account, 200);
  g_autofree char *user_text = crm_server_log_escape (user, 200);
  g_autofree char *details_text = crm_server_log_escape (details, 500);
  const char *login = g_get_user_name ();
  GString *message = g_string_new ("audit: ");
  GLogField fields[MAX_FIELDS];
  gsize n = 0;

  crm_server_log_init ();
  g_string_append (message, action);
  if (account != NULL)
    g_string_append_printf (message, " account «%s»", account_text);
  if (user != NULL)
    g_string_append_printf (message, " user «%s»", user_text);
  if (details != NULL && *details != '\0')
    g_string_append_printf (message, ": %s", details_text);
  g_string_append_printf (message, " (by %s, uid %u", login ? login : "?", (guint) getuid ());
  /* who ran `sudo -u voronka voronka-server …` */
  if (g_getenv ("SUDO_USER") != NULL)
    {
      g_autofree char *sudo_user = crm_server_log_escape (g_getenv ("SUDO_USER"), 64);
      g_string_append_printf (message, ", sudo from %s", sudo_user);
    }
  g_string_append_c (message, ')');

  fields[n++] = (GLogField) { "MESSAGE", message->str, -1 };
  fields[n++] = (GLogField) { "PRIORITY", "5", -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
  fields[n++] = (GLogField) { "SYSLOG_IDENTIFIER", IDENTIFIER, -1 };
  fields[n++] = (GLogField) { "VORONKA_EVENT", "audit", -1 };
  fields[n++] = (GLogField) { "VORONKA_AUDIT_ACTION", action, -1 };
  if (account != NULL)
    fields[n++] = (GLogField) { "VORONKA_ACCOUNT", account, -1 };
  if (user != NULL)
    fields[n++] = (GLogField) { "VORONKA_USER", user, -1 };
  if (details != NULL)
    fields[n++] = (GLogField) { "VORONKA_DETAILS", details, -1 };

  /* an admin command run from a terminal still leaves its trace in the journal when
   * there is one; without a journal the line goes to stderr, never to stdout (which
   * scripts read) */
  if (g_strcmp0 (g_getenv ("VORONKA_LOG"), "plain") != 0 &&
      g_log_writer_journald (G_LOG_LEVEL_MESSAGE, fields, n, NULL) == G_LOG_WRITER_HANDLED)
    ;
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

      fprintf (stderr, "%s.%03dZ NOTICE %s\n", stamp, g_date_time_get_microsecond (now) / 1000,
               message->str);
      fflush (stderr);
    }
  g_string_free (message, TRUE);
}
