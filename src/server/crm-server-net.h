/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-net.h — addresses: parsing HOST:PORT, and the client's address behind
 * trusted reverse proxies (serve --trusted-proxy, X-Forwarded-For). */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* "HOST:PORT" (IPv4, [IPv6] or localhost) as a socket address; @option names the option
 * in the error. */
GSocketAddress *crm_server_net_parse_listen    (const char  *address,
                                                const char  *option,
                                                GError     **error);

/* The trusted proxies: addresses or networks ("10.0.0.5", "10.0.0.0/8", "::1"). */
typedef struct _CrmServerProxies CrmServerProxies;

CrmServerProxies *crm_server_proxies_new       (const char * const *specs,
                                                GError            **error);
void              crm_server_proxies_free      (CrmServerProxies   *proxies);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerProxies, crm_server_proxies_free)

/* The address the request comes from: the peer's, or, when the peer is a trusted proxy,
 * the right-most X-Forwarded-For address that is not itself a trusted proxy. Kept on
 * @msg after the first call. *@out_proxy (may be NULL) gets the proxy's address when
 * one was used. @proxies may be NULL (no proxy trusted). */
const char       *crm_server_client_address    (const CrmServerProxies *proxies,
                                                SoupServerMessage      *msg,
                                                const char            **out_proxy);

G_END_DECLS
