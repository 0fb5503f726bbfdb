/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-conn.h — watching the connections of a SoupServer: how many are open (for
 * /metrics), and those whose TLS handshake failed (a line in the log: a laptop that does
 * not trust the certificate, a key that does not fit, a client speaking plain HTTP).
 * libsoup has no API for either; this follows its connection objects' signals through
 * GObject emission hooks and does nothing when a libsoup version lacks them. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Watches the connections accepted on the sockets @soup listens on now. */
void crm_server_conn_watch (SoupServer *soup,
                            gboolean    tls);

/* For an accept loop of our own: a connection from @peer whose TLS handshake failed
 * (@error may be NULL): the log line "TLS handshake with PEER failed …" and the metric. */
void crm_server_conn_handshake_failed (const char   *peer,
                                       const GError *error);
/* A connection from @peer closed unserved, e.g. beyond the connection cap: the log line
 * "connection from PEER refused: REASON" (at most one a second, with a count of those
 * left out) and the metric voronka_connections_refused_total. */
void crm_server_conn_refused          (const char   *peer,
                                       const char   *reason);

G_END_DECLS
