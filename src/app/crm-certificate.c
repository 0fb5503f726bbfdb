/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-certificate.c — probing a server's certificate with a GSocketClient TLS handshake
 * that accepts anything (it sends nothing), and keeping accepted certificates as PEM
 * files the sync client trusts (crm_sync_client_set_ca_file). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-certificate.h"

void
crm_certificate_info_clear (CrmCertificateInfo *info)
{
  g_clear_pointer (&info->pem, g_free);
  g_clear_pointer (&info->fingerprint, g_free);
  info->errors = 0;
}

char *
crm_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *hex = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("");
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (gsize i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2)
    g_string_append_printf (out, "%s%c%c", i > 0 ? ":" : "",
                            g_ascii_toupper (hex[i]), g_ascii_toupper (hex[i + 1]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  errors;
} ProbeData;

static void
probe_data_free (ProbeData *data)
{
  g_clear_object (&data->certificate);
  g_free (data);
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       GTask                *task)
{
  ProbeData *data = g_task_get_task_data (task);

  g_set_object (&data->certificate, certificate);
  data->errors = errors;
  return TRUE;  /* only looking; nothing is sent over this connection */
}

static void
client_event_cb (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 GTask              *task)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection))
    g_signal_connect_object (connection, "accept-certificate",
                             G_CALLBACK (accept_certificate_cb), task, 0);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  ProbeData *data = g_task_get_task_data (task);

  connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL && data->certificate == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  if (data->certificate == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The server did not present a certificate"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
crm_certificate_probe_async (const char          *url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, crm_certificate_probe_async);
  g_task_set_task_data (task, g_new0 (ProbeData, 1), (GDestroyNotify) probe_data_free);
  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, 15);
  g_signal_connect_object (client, "event", G_CALLBACK (client_event_cb), task, 0);
  g_socket_client_connect_to_uri_async (client, url, 443, cancellable, connected_cb, task);
}

gboolean
crm_certificate_probe_finish (GAsyncResult        *result,
                              CrmCertificateInfo  *out_info,
                              GError             **error)
{
  GTask *task = G_TASK (result);
  ProbeData *data = g_task_get_task_data (task);

  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  g_object_get (data->certificate, "certificate-pem", &out_info->pem, NULL);
  out_info->fingerprint = crm_certificate_fingerprint (data->certificate);
  out_info->errors = data->errors;
  return TRUE;
}

char *
crm_certificate_dup_path (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *name = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  name = g_strdup_printf ("%s-%d.pem", g_uri_get_host (uri),
                          g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443);
  g_strdelimit (name, "/\\:", '_');
  return g_build_filename (g_get_user_data_dir (), "voronka", "certificates", name, NULL);
}

char *
crm_certificate_dup_accepted (const char *url)
{
  g_autofree char *path = crm_certificate_dup_path (url);
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  certificate = g_tls_certificate_new_from_file (path, NULL);
  return certificate != NULL ? crm_certificate_fingerprint (certificate) : NULL;
}

gboolean
crm_certificate_accept (const char  *url,
                        const char  *pem,
                        GError     **error)
{
  g_autofree char *path = crm_certificate_dup_path (url);
  g_autofree char *dir = NULL;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("«%s» is not a server address"), url);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create the folder %s"), dir);
      return FALSE;
    }
  return g_file_set_contents_full (path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
