/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-notify.h — systemd's readiness protocol (sd_notify(3)) without libsystemd:
 * one datagram to the AF_UNIX socket named in $NOTIFY_SOCKET (a path, or "@name" for the
 * abstract namespace). Without $NOTIFY_SOCKET nothing is sent. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sends @state, e.g. "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=…" (several
 * separated by newlines). TRUE when it was sent. */
gboolean crm_server_notify (const char *state);

G_END_DECLS
