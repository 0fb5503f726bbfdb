/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-auth.h — passwords (argon2id through libsodium) and bearer tokens (256
 * random bits, kept by the server only as a SHA-256 hash). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Must be called once before the other calls (sodium_init). */
gboolean  crm_server_auth_init            (GError     **error);

/* The fewest characters a password may have. */
#define CRM_SERVER_MIN_PASSWORD_LENGTH 8

/* An argon2id hash string of @password (crypto_pwhash_str, interactive limits); a
 * password shorter than CRM_SERVER_MIN_PASSWORD_LENGTH is refused (INVALID_INPUT). */
char     *crm_server_hash_password        (const char  *password,
                                           GError     **error);
/* Constant-time check of @password against @hash; @hash NULL burns the same time and
 * returns FALSE (so an unknown user name takes as long as a wrong password). */
gboolean  crm_server_verify_password      (const char  *hash,
                                           const char  *password);

/* "vrk_" + 43 characters of URL-safe base64 of 32 random bytes. */
char     *crm_server_new_token            (void);
/* Lowercase hex SHA-256 of @token: what the server stores and looks up. */
char     *crm_server_hash_token           (const char  *token);

/* A one-time invitation code: 12 characters of Crockford's base32 (60 random bits) in
 * groups of four, "K7QM-3XRD-W9TB". */
char     *crm_server_new_invite_code      (void);
/* What is looked up of a code someone typed: upper case, without spaces and dashes, the
 * letters people mistake for digits (O, I, L) read as those digits; NULL when what is left
 * is no code at all. */
char     *crm_server_normalize_invite_code (const char *code);

G_END_DECLS
