/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-auth.c — password hashing and tokens for voronka-server. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <glib/gi18n.h>

#include "crm-server-auth.h"
#include "crm-protocol.h"

/* Used when a user name is unknown, so the answer takes as long as for a wrong password.
 * Made once; crm_server_verify_password() runs in threads. */
static GOnce dummy_once = G_ONCE_INIT;

static gpointer
make_dummy_hash (gpointer data)
{
  return crm_server_hash_password ("voronka-dummy-password", NULL);
}

gboolean
crm_server_auth_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FAILED,
                   _("Could not initialise libsodium (no source of randomness?)"));
      return FALSE;
    }
  return TRUE;
}

char *
crm_server_hash_password (const char  *password,
                          GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (password == NULL || *password == '\0')
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The password is empty"));
      return NULL;
    }
  if (!g_utf8_validate (password, -1, NULL) ||
      g_utf8_strlen (password, -1) < CRM_SERVER_MIN_PASSWORD_LENGTH)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The password is too short: use at least %d characters (a few words "
                     "are easier to remember than symbols)"), CRM_SERVER_MIN_PASSWORD_LENGTH);
      return NULL;
    }
  if (crypto_pwhash_str (hash, password, strlen (password),
                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FAILED,
                   _("Not enough memory to hash the password"));
      return NULL;
    }
  return g_strdup (hash);
}

gboolean
crm_server_verify_password (const char *hash,
                            const char *password)
{
  if (password == NULL)
    password = "";
  if (hash == NULL)
    {
      /* checks run in several threads at once */
      const char *dummy_hash = g_once (&dummy_once, make_dummy_hash, NULL);

      if (dummy_hash != NULL &&
          crypto_pwhash_str_verify (dummy_hash, password, strlen (password)) == 0)
        g_debug ("The dummy password matched");
      return FALSE;
    }
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

char *
crm_server_new_token (void)
{
  guchar bytes[32];
  char encoded[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (encoded, sizeof encoded, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strconcat ("vrk_", encoded, NULL);
}

static const char invite_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

char *
crm_server_new_invite_code (void)
{
  GString *code = g_string_new (NULL);

  for (guint i = 0; i < 12; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (code, '-');
      g_string_append_c (code, invite_alphabet[randombytes_uniform (32)]);
    }
  return g_string_free (code, FALSE);
}

char *
crm_server_normalize_invite_code (const char *code)
{
  g_autoptr(GString) normal = g_string_new (NULL);

  for (const char *c = code; c != NULL && *c != '\0'; c++)
    {
      char up = g_ascii_toupper (*c);

      if (up == ' ' || up == '-' || up == '\t')
        continue;
      if (up == 'O')
        up = '0';
      else if (up == 'I' || up == 'L')
        up = '1';
      if (strchr (invite_alphabet, up) == NULL || up == '\0')
        return NULL;
      g_string_append_c (normal, up);
    }
  if (normal->len != 12)
    return NULL;
  return g_string_free (g_steal_pointer (&normal), FALSE);
}

char *
crm_server_hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

