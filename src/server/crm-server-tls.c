/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-tls.c — generating a self-signed certificate with GnuTLS. It is marked as
 * its own CA so a client can trust exactly this certificate with --ca-file. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "crm-server-tls.h"
#include "crm-protocol.h"

static gboolean
tls_failed (GError    **error,
            const char *what,
            int         rc)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FAILED,
               _("Could not make the TLS certificate (%s: %s)"), what, gnutls_strerror (rc));
  return FALSE;
}

#define CHECK(call, what) G_STMT_START { int rc_ = (call); \
  if (rc_ < 0) { ok = tls_failed (error, what, rc_); goto out; } } G_STMT_END

static gboolean
generate (const char         *cert_path,
          const char         *key_path,
          const char * const *names,
          GError            **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t cert_pem = { NULL, 0 };
  gnutls_datum_t key_pem = { NULL, 0 };
  guchar serial[16];
  guchar key_id[64];
  size_t key_id_size = sizeof key_id;
  const guchar ipv4[4] = { 127, 0, 0, 1 };
  guchar ipv6[16] = { 0 };
  const char *host = g_get_host_name ();
  time_t now = time (NULL);
  gboolean ok = TRUE;

  ipv6[15] = 1;
  for (guint i = 0; i < sizeof serial; i++)
    serial[i] = (guchar) g_random_int_range (0, 256);
  serial[0] &= 0x7f;

  CHECK (gnutls_x509_privkey_init (&key), "key");
  CHECK (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
         "key");
  CHECK (gnutls_x509_crt_init (&crt), "certificate");
  CHECK (gnutls_x509_crt_set_version (crt, 3), "version");
  CHECK (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial");
  CHECK (gnutls_x509_crt_set_activation_time (crt, now - 3600), "validity");
  CHECK (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) 10 * 365 * 24 * 3600),
         "validity");
  CHECK (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                        "voronka-server", strlen ("voronka-server")), "name");
  CHECK (gnutls_x509_crt_set_key (crt, key), "key");
  CHECK (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost",
                                               strlen ("localhost"), GNUTLS_FSAN_APPEND),
         "names");
  if (host != NULL && *host != '\0' && !g_str_equal (host, "localhost"))
    CHECK (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, host, strlen (host),
                                                 GNUTLS_FSAN_APPEND), "names");
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    CHECK (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, names[i],
                                                 strlen (names[i]), GNUTLS_FSAN_APPEND),
           "names");
  CHECK (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv4, sizeof ipv4,
                                               GNUTLS_FSAN_APPEND), "names");
  CHECK (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv6, sizeof ipv6,
                                               GNUTLS_FSAN_APPEND), "names");
  CHECK (gnutls_x509_crt_set_basic_constraints (crt, 1, -1), "constraints");
  CHECK (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                             GNUTLS_KEY_KEY_CERT_SIGN |
                                             GNUTLS_KEY_KEY_ENCIPHERMENT), "key usage");
  CHECK (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
  CHECK (gnutls_x509_privkey_get_key_id (key, 0, key_id, &key_id_size), "key id");
  CHECK (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), "key id");
  CHECK (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing");
  CHECK (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem), "export");
  CHECK (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                            &key_pem), "export");

  /* the key first, readable by the server's user only */
  ok = g_file_set_contents_full (key_path, (const char *) key_pem.data, key_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
       g_file_set_contents_full (cert_path, (const char *) cert_pem.data, cert_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);

out:
  gnutls_free (cert_pem.data);
  if (key_pem.data != NULL)
    {
      memset (key_pem.data, 0, key_pem.size);
      gnutls_free (key_pem.data);
    }
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

gboolean
crm_server_tls_ensure_self_signed (const char         *data_dir,
                                   const char * const *names,
                                   char              **out_cert_path,
                                   char              **out_key_path,
                                   gboolean           *out_generated,
                                   GError            **error)
{
  g_autofree char *dir = g_build_filename (data_dir, "tls", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);

  *out_generated = FALSE;
  if (!g_file_test (cert, G_FILE_TEST_EXISTS) || !g_file_test (key, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not create %s: %s"), dir, g_strerror (saved));
          return FALSE;
        }
      if (!generate (cert, key, names, error))
        return FALSE;
      *out_generated = TRUE;
    }
  *out_cert_path = g_steal_pointer (&cert);
  *out_key_path = g_steal_pointer (&key);
  return TRUE;
}

char *
crm_server_tls_fingerprint (const char  *cert_path,
                            GError     **error)
{
  g_autofree char *pem = NULL;
  gsize length = 0;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  guchar digest[32];
  size_t size = sizeof digest;
  GString *text;
  int rc;

  if (!g_file_get_contents (cert_path, &pem, &length, error))
    return NULL;
  datum.data = (guchar *) pem;
  datum.size = (unsigned) length;
  if ((rc = gnutls_x509_crt_init (&crt)) < 0 ||
      (rc = gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM)) < 0 ||
      (rc = gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &size)) < 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s is not a PEM certificate: %s"), cert_path, gnutls_strerror (rc));
      if (crt != NULL)
        gnutls_x509_crt_deinit (crt);
      return NULL;
    }
  gnutls_x509_crt_deinit (crt);
  text = g_string_new (NULL);
  for (size_t i = 0; i < size; i++)
    g_string_append_printf (text, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (text, FALSE);
}

static gboolean
read_crt (const char         *cert_path,
          gnutls_x509_crt_t  *out_crt,
          GError            **error)
{
  g_autofree char *pem = NULL;
  gsize length = 0;
  gnutls_datum_t datum;
  int rc;

  if (!g_file_get_contents (cert_path, &pem, &length, error))
    return FALSE;
  datum.data = (guchar *) pem;
  datum.size = (unsigned) length;
  if ((rc = gnutls_x509_crt_init (out_crt)) < 0 ||
      (rc = gnutls_x509_crt_import (*out_crt, &datum, GNUTLS_X509_FMT_PEM)) < 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s is not a PEM certificate: %s"), cert_path, gnutls_strerror (rc));
      if (*out_crt != NULL)
        gnutls_x509_crt_deinit (*out_crt);
      *out_crt = NULL;
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_server_tls_check_pair (const char  *cert_path,
                           const char  *key_path,
                           gint64      *out_expires,
                           GError     **error)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_x509_privkey_t key = NULL;
  g_autofree char *key_pem = NULL;
  gsize key_length = 0;
  gnutls_datum_t datum;
  guchar crt_id[64], key_id[64];
  size_t crt_id_size = sizeof crt_id, key_id_size = sizeof key_id;
  gboolean ok = FALSE;
  int rc;

  if (!read_crt (cert_path, &crt, error))
    return FALSE;
  if (out_expires != NULL)
    *out_expires = (gint64) gnutls_x509_crt_get_expiration_time (crt);
  if (!g_file_get_contents (key_path, &key_pem, &key_length, error))
    goto out;
  datum.data = (guchar *) key_pem;
  datum.size = (unsigned) key_length;
  if ((rc = gnutls_x509_privkey_init (&key)) < 0 ||
      (rc = gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_PEM, NULL,
                                         GNUTLS_PKCS_PLAIN)) < 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s is not an unencrypted PEM private key: %s"), key_path,
                   gnutls_strerror (rc));
      goto out;
    }
  if ((rc = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_id_size)) < 0 ||
      (rc = gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id,
                                            &key_id_size)) < 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Could not compare the key %s with the certificate %s: %s"), key_path,
                   cert_path, gnutls_strerror (rc));
      goto out;
    }
  if (crt_id_size != key_id_size || memcmp (crt_id, key_id, crt_id_size) != 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The key %s does not belong to the certificate %s (the first certificate "
                     "in the file must be the one made for this key): give the matching pair "
                     "with --tls-cert and --tls-key"), key_path, cert_path);
      goto out;
    }
  ok = TRUE;

out:
  if (key_pem != NULL)
    memset (key_pem, 0, key_length);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  gnutls_x509_crt_deinit (crt);
  return ok;
}

char **
crm_server_tls_missing_names (const char         *cert_path,
                              const char * const *names)
{
  gnutls_x509_crt_t crt = NULL;
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);

  if (names == NULL || names[0] == NULL || !read_crt (cert_path, &crt, NULL))
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    if (!gnutls_x509_crt_check_hostname (crt, names[i]))
      g_ptr_array_add (missing, g_strdup (names[i]));
  gnutls_x509_crt_deinit (crt);
  if (missing->len == 0)
    return NULL;
  g_ptr_array_add (missing, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&missing), FALSE);
}
