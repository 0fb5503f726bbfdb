/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-net.c — listen addresses and client addresses behind proxies. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "crm-server-net.h"
#include "crm-protocol.h"

GSocketAddress *
crm_server_net_parse_listen (const char  *address,
                             const char  *option,
                             GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *colon = address ? strrchr (address, ':') : NULL;
  guint64 port = 0;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s takes HOST:PORT, e.g. 127.0.0.1:9090 (not “%s”)"), option,
                   address ? address : "");
      return NULL;
    }
  host = g_strndup (address, colon - address);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }
  if (g_str_equal (host, "localhost"))
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s needs an IP address, e.g. 127.0.0.1 (not “%s”)"), option, host);
      return NULL;
    }
  return g_inet_socket_address_new (inet, (guint16) port);
}

/* --- trusted proxies ------------------------------------------------------------------- */

struct _CrmServerProxies
{
  GPtrArray *masks;   /* GInetAddressMask* */
};

void
crm_server_proxies_free (CrmServerProxies *proxies)
{
  if (proxies == NULL)
    return;
  g_ptr_array_unref (proxies->masks);
  g_free (proxies);
}

CrmServerProxies *
crm_server_proxies_new (const char * const *specs,
                        GError            **error)
{
  g_autoptr(CrmServerProxies) proxies = g_new0 (CrmServerProxies, 1);

  proxies->masks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (specs[i], NULL);

      if (mask == NULL)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("--trusted-proxy takes an IP address or a network such as 10.0.0.0/8 "
                         "(not “%s”)"), specs[i]);
          return NULL;
        }
      g_ptr_array_add (proxies->masks, mask);
    }
  return g_steal_pointer (&proxies);
}

/* ::ffff:10.0.0.5 (an IPv4 peer of a dual-stack socket) as 10.0.0.5 */
static GInetAddress *
parse_address (const char *text)
{
  g_autofree char *clean = g_strstrip (g_strdup (text));
  GInetAddress *address;
  const guint8 *bytes;
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  /* "[v6]" and "v4:port" are how some proxies write it */
  if (clean[0] == '[')
    {
      char *end = strchr (clean, ']');
      if (end != NULL)
        {
          *end = '\0';
          memmove (clean, clean + 1, strlen (clean + 1) + 1);
        }
    }
  else if (strchr (clean, '.') != NULL && strchr (clean, ':') != NULL)
    *strchr (clean, ':') = '\0';
  address = g_inet_address_new_from_string (clean);
  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return address;
  bytes = g_inet_address_to_bytes (address);
  if (memcmp (bytes, mapped, sizeof mapped) == 0)
    {
      GInetAddress *v4 = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);

      g_object_unref (address);
      return v4;
    }
  return address;
}

static gboolean
is_trusted (const CrmServerProxies *proxies,
            GInetAddress           *address)
{
  for (guint i = 0; proxies != NULL && address != NULL && i < proxies->masks->len; i++)
    if (g_inet_address_mask_matches (proxies->masks->pdata[i], address))
      return TRUE;
  return FALSE;
}

const char *
crm_server_client_address (const CrmServerProxies *proxies,
                           SoupServerMessage      *msg,
                           const char            **out_proxy)
{
  const char *cached = g_object_get_data (G_OBJECT (msg), "crm-client-address");
  const char *peer_text = soup_server_message_get_remote_host (msg);
  g_autoptr(GInetAddress) peer = NULL;
  g_autofree char *client = NULL;
  const char *forwarded;

  if (out_proxy != NULL)
    *out_proxy = g_object_get_data (G_OBJECT (msg), "crm-proxy-address");
  if (cached != NULL)
    return cached;

  peer = peer_text != NULL ? parse_address (peer_text) : NULL;
  client = peer != NULL ? g_inet_address_to_string (peer) : g_strdup (peer_text ? peer_text : "-");
  forwarded = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                             "X-Forwarded-For");
  if (forwarded != NULL && is_trusted (proxies, peer))
    {
      g_auto(GStrv) hops = g_strsplit (forwarded, ",", -1);
      guint n = g_strv_length (hops);

      /* right to left: each proxy appends the address it got the request from; the
       * first one not ours is the client (anything further left it could have made up) */
      g_object_set_data_full (G_OBJECT (msg), "crm-proxy-address", g_strdup (client), g_free);
      for (guint i = n; i > 0; i--)
        {
          g_autoptr(GInetAddress) hop = parse_address (hops[i - 1]);

          if (hop == NULL)
            break;
          g_free (client);
          client = g_inet_address_to_string (hop);
          if (!is_trusted (proxies, hop))
            break;
        }
      if (out_proxy != NULL)
        *out_proxy = g_object_get_data (G_OBJECT (msg), "crm-proxy-address");
    }
  g_object_set_data_full (G_OBJECT (msg), "crm-client-address", g_steal_pointer (&client),
                          g_free);
  return g_object_get_data (G_OBJECT (msg), "crm-client-address");
}
