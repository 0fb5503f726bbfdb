/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-notify.c — sd_notify(3)'s datagram, with GSocket (see the header). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "crm-server-notify.h"

gboolean
crm_server_notify (const char *state)
{
  const char *path = g_getenv ("NOTIFY_SOCKET");
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  gssize sent;

  if (path == NULL || path[0] == '\0')
    return FALSE;
  if (path[0] == '@')
    address = g_unix_socket_address_new_with_type (path + 1, -1,
                                                   G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  else if (path[0] == '/')
    address = g_unix_socket_address_new (path);
  else
    {
      g_debug ("NOTIFY_SOCKET=%s is neither a path nor an abstract name", path);
      return FALSE;
    }
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  if (socket == NULL)
    {
      g_warning ("Could not tell systemd %s: %s", state, error->message);
      return FALSE;
    }
  sent = g_socket_send_to (socket, address, state, strlen (state), NULL, &error);
  if (sent < 0)
    {
      g_warning ("Could not tell systemd %s (NOTIFY_SOCKET=%s): %s", state, path, error->message);
      return FALSE;
    }
  return TRUE;
}
