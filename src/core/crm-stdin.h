/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stdin.h — what a command reads from standard input: a password, one line, bounded
 * (`voronkactl sync --password-stdin`, `voronka-server … --password-stdin`), so secrets
 * never stand on a command line. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest password a command reads (bytes). */
#define CRM_PASSWORD_MAX_BYTES 1024

/* The first line of standard input without its line end (a trailing CR too). INVALID_INPUT
 * of CRM_STORE_ERROR when it is empty or longer than CRM_PASSWORD_MAX_BYTES. */
char *crm_read_password_stdin (GError **error);

G_END_DECLS
