/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-client-config.c — one spelling per server address, and the administrator's preset
 * server and certificate (GSettings defaults, or /etc/voronka/client.conf). */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-client-config.h"

#define API_SUFFIX "/api/v1"

char *
crm_server_url_normalize (const char  *url,
                          GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (url != NULL ? url : ""));
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GString) path = NULL;
  int port;

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL)
    scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a server address; write it like https://crm.example.com:8443"),
                   text);
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if ((port == 443 && g_str_equal (scheme, "https")) || (port == 80 && g_str_equal (scheme, "http")))
    port = -1;

  path = g_string_new (g_uri_get_path (uri));
  while (path->len > 0 && path->str[path->len - 1] == '/')
    g_string_truncate (path, path->len - 1);
  if (path->len >= strlen (API_SUFFIX) &&
      g_ascii_strcasecmp (path->str + path->len - strlen (API_SUFFIX), API_SUFFIX) == 0)
    g_string_truncate (path, path->len - strlen (API_SUFFIX));
  while (path->len > 0 && path->str[path->len - 1] == '/')
    g_string_truncate (path, path->len - 1);

  /* g_uri_join puts an IPv6 address in brackets */
  return g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, host, port, path->str, NULL, NULL);
}

gboolean
crm_server_url_equal (const char *a,
                      const char *b)
{
  g_autofree char *first = a != NULL ? crm_server_url_normalize (a, NULL) : NULL;
  g_autofree char *second = b != NULL ? crm_server_url_normalize (b, NULL) : NULL;

  return first != NULL && second != NULL && g_str_equal (first, second);
}

void
crm_client_preset_free (CrmClientPreset *preset)
{
  if (preset == NULL)
    return;
  g_free (preset->server);
  g_free (preset->ca_file);
  g_free (preset->source);
  g_free (preset);
}

char *
crm_client_dup_sysconfdir (void)
{
  const char *env = g_getenv ("VORONKA_SYSCONFDIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  /* In a Flatpak /etc is the runtime's; the host's is shared at /run/host/etc. */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return g_strdup ("/run/host/etc");
  return g_strdup ("/etc");
}

/* A path from the preset: relative to @dir; an absolute /etc/… one under @sysconfdir. */
static char *
resolve_path (const char *value,
              const char *dir,
              const char *sysconfdir)
{
  if (g_path_is_absolute (value))
    {
      if (g_str_has_prefix (value, "/etc/") && !g_str_equal (sysconfdir, "/etc"))
        return g_build_filename (sysconfdir, value + strlen ("/etc/"), NULL);
      return g_strdup (value);
    }
  return g_build_filename (dir, value, NULL);
}

static CrmClientPreset *
from_gsettings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *server = NULL;
  g_autofree char *ca = NULL;
  CrmClientPreset *preset;

  /* no installed schema (a server, an uninstalled build): nothing to read */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CRM_CLIENT_SCHEMA_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "default-server"))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  server = g_strstrip (g_settings_get_string (settings, "default-server"));
  if (*server == '\0')
    return NULL;
  ca = g_strstrip (g_settings_get_string (settings, "default-ca"));

  preset = g_new0 (CrmClientPreset, 1);
  preset->server = crm_server_url_normalize (server, NULL);
  if (preset->server == NULL)
    preset->server = g_steal_pointer (&server);
  if (*ca != '\0')
    {
      g_autofree char *sysconfdir = crm_client_dup_sysconfdir ();

      preset->ca_file = resolve_path (ca, "/", sysconfdir);
    }
  preset->source = g_strdup_printf ("GSettings %s default-server", CRM_CLIENT_SCHEMA_ID);
  return preset;
}

static CrmClientPreset *
from_key_file (GError **error)
{
  g_autofree char *sysconfdir = crm_client_dup_sysconfdir ();
  g_autofree char *dir = g_build_filename (sysconfdir, "voronka", NULL);
  g_autofree char *path = g_build_filename (dir, "client.conf", NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ca = NULL;
  g_autoptr(CrmClientPreset) preset = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read %s: %s"), path,
                   local_error->message);
      return NULL;
    }
  url = g_key_file_get_string (file, "server", "url", NULL);
  if (url == NULL || *g_strstrip (url) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s has no “url” in its [server] group; ask your administrator to add "
                     "the server's address there"), path);
      return NULL;
    }

  preset = g_new0 (CrmClientPreset, 1);
  preset->source = g_strdup (path);
  preset->server = crm_server_url_normalize (url, &local_error);
  if (preset->server == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
                   local_error->message);
      return NULL;
    }
  ca = g_key_file_get_string (file, "server", "ca-file", NULL);
  if (ca != NULL && *g_strstrip (ca) != '\0')
    preset->ca_file = resolve_path (ca, dir, sysconfdir);
  return g_steal_pointer (&preset);
}

CrmClientPreset *
crm_client_preset_load (GError **error)
{
  CrmClientPreset *preset = from_gsettings ();

  return preset != NULL ? preset : from_key_file (error);
}
