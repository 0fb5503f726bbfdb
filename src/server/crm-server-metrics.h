/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-metrics.h — the server's counters in the Prometheus text format: requests
 * by route, method and status, ops pushed and pulled, sync latency (a histogram per
 * route), open connections, refused sign-ins and rate-limited requests, TLS handshake
 * failures. Served at /metrics on a separate plain-HTTP address only when
 * `serve --metrics-listen HOST:PORT` is given (off by default). One set per process;
 * everything runs on the main loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A finished request: @path is mapped to a known route or "other". */
void      crm_server_metrics_request        (const char *method,
                                             const char *path,
                                             guint       status,
                                             double      seconds);
/* Ops accepted by a push ("push") or sent by a pull ("pull"). */
void      crm_server_metrics_ops            (const char *direction,
                                             guint64     count);
/* A request refused by a rate limit: @limit is "sign-in" or "session". */
void      crm_server_metrics_rate_limited   (const char *limit);
/* @direction: "received" (uploads) or "sent" (downloads). */
void      crm_server_metrics_file_bytes     (const char *direction,
                                             guint64     bytes);
void      crm_server_metrics_sign_in_failed (void);
void      crm_server_metrics_tls_failed     (void);
void      crm_server_metrics_connection_refused (void);
/* An accepted connection (+1) or a closed one (-1). */
void      crm_server_metrics_connections    (int         delta);
/* Live channels (WebSockets) opened (+1) or closed (-1). */
void      crm_server_metrics_live_sockets   (int         delta);

/* The whole exposition, "# HELP …\n# TYPE …\nname{labels} value\n…". */
char     *crm_server_metrics_render         (void);

/* Serves GET /metrics on @address (HOST:PORT, port 0 picks one); *@out_url is where. */
gboolean  crm_server_metrics_listen         (const char  *address,
                                             char       **out_url,
                                             GError     **error);
void      crm_server_metrics_stop           (void);

G_END_DECLS
