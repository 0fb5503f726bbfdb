/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-conn.h — what the accept loop (crm-server-connections.c) reports about
 * connections that never became requests: a failed TLS handshake (a laptop that does not
 * trust the certificate, a client speaking plain HTTP) and a connection refused at the
 * cap. Each is a log line an admin can act on and a counter in /metrics. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A connection from @peer whose TLS handshake failed (@error may be NULL): the log line
 * "TLS handshake with PEER failed (…)" and voronka_tls_handshake_failures_total. */
void crm_server_conn_handshake_failed (const char   *peer,
                                       const GError *error);
/* A connection from @peer closed unserved, e.g. beyond the connection cap: the log line
 * "connection from PEER refused: REASON" (at most one a second, with a count of those
 * left out) and the metric voronka_connections_refused_total. */
void crm_server_conn_refused          (const char   *peer,
                                       const char   *reason);

G_END_DECLS
