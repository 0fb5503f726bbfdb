/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-connections.h — accepting voronka-server's connections and keeping them
 * within bounds: a cap below the open-file limit (at the cap the longest-idle connection
 * makes room, or the new one is closed at once), deadlines for idle and slow clients (a
 * request's headers within the idle timeout, its body at a minimum rate), a connection
 * handed to TLS and libsoup only once its client has sent something, and an accept loop
 * that never stays stopped (libsoup's own stops for good after one failed accept, e.g.
 * EMFILE). */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Slowest request body accepted on top of the idle timeout, in bytes per second. */
#define CRM_SERVER_MIN_BODY_RATE  4096

typedef struct _CrmServerConnections CrmServerConnections;

/* Watches @soup's connections, with at most @max_connections open and @idle_timeout_s
 * seconds for a client to send its next request. */
CrmServerConnections *crm_server_connections_new    (SoupServer             *soup,
                                                     guint                   max_connections,
                                                     guint                   idle_timeout_s);
/* Accepts on @listener (bound and listening) from now on, with TLS when @certificate is
 * given, and hands each connection to @soup. */
void                  crm_server_connections_listen (CrmServerConnections   *self,
                                                     GSocket                *listener,
                                                     GTlsCertificate        *certificate);
/* The certificate for connections accepted from now on. */
void                  crm_server_connections_set_certificate
                                                    (CrmServerConnections   *self,
                                                     GTlsCertificate        *certificate);
/* Stops accepting and closes the connections not yet handed to libsoup. */
void                  crm_server_connections_stop   (CrmServerConnections   *self);
/* The connection from @remote is being taken over (a WebSocket that lives as long as
 * its client keeps it; call it before the upgrade): no idle timeout, deadline or socket
 * inactivity timeout closes it from here; it still counts until it closes. */
void                  crm_server_connections_hold   (CrmServerConnections   *self,
                                                     GSocketAddress         *remote);
/* Connections open now. */
guint                 crm_server_connections_get_count (CrmServerConnections *self);
void                  crm_server_connections_free   (CrmServerConnections   *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerConnections, crm_server_connections_free)

/* Raises the soft open-file limit to the hard one; returns the soft limit now. */
guint64               crm_server_raise_file_limit   (void);
/* The connection cap for an open-file limit: what is left after a reserve for the
 * databases, snapshots and TLS files. */
guint                 crm_server_connection_cap     (guint64                open_files,
                                                     guint                  wanted);

G_END_DECLS
