/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-log.h — voronka-server's log: a level (serve --log-level), the journal with
 * structured fields (VORONKA_EVENT, VORONKA_PEER, VORONKA_USER, …) when stderr is connected
 * to journald, plain lines "TIME LEVEL message" otherwise; the audit log of admin actions;
 * the failed sign-in line fail2ban matches (docs/admin-guide.md). Every GLib message of
 * the process (g_warning, g_debug, …) goes through the same writer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the writer (once per process; safe to call again). */
void      crm_server_log_init        (void);
/* "error", "warning", "info" (the default) or "debug". */
gboolean  crm_server_log_set_level   (const char   *name,
                                      GError      **error);
/* Whether a message at @level would be written. */
gboolean  crm_server_log_enabled     (GLogLevelFlags level);

/* One structured line: @event names what happened ("request", "sign-in-failed", "audit",
 * "tls-handshake-failed", …); the NULL-terminated KEY, VALUE pairs that follow become
 * journal fields (keys in upper case, e.g. "VORONKA_PEER"; a NULL value is left out). */
void      crm_server_log             (GLogLevelFlags level,
                                      const char    *event,
                                      const char    *message,
                                      const char    *first_key,
                                      ...);

/* An admin action, e.g. crm_server_audit ("user.add", "acme", "olga", "role=manager"):
 * the line "audit: user.add account «acme» user «olga»: role=manager" with the fields
 * VORONKA_AUDIT_ACTION, VORONKA_ACCOUNT, VORONKA_USER, VORONKA_DETAILS. @account, @user
 * and @details may be NULL. Written whatever the level. */
void      crm_server_audit           (const char    *action,
                                      const char    *account,
                                      const char    *user,
                                      const char    *details);

/* A failed sign-in: "sign-in failed from PEER for user "NAME"" — the address comes first so
 * that no user name can forge it; quotes, backslashes and control characters in @user are
 * escaped. */
void      crm_server_log_sign_in_failed (const char *peer,
                                         const char *user,
                                         const char *reason);

/* @text made safe for one log line: control characters, '"' and '\\' escaped, at most
 * @max_chars characters (an ellipsis marks a cut). */
char     *crm_server_log_escape      (const char    *text,
                                      guint          max_chars);

G_END_DECLS
