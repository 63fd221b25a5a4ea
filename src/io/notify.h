/*
 * The service manager's readiness protocol (sd_notify(3)): datagrams of
 * "KEY=VALUE" lines to the Unix socket named by $NOTIFY_SOCKET. Small
 * enough not to need libsystemd; without the variable it does nothing.
 */
#ifndef TSYNC_NOTIFY_H
#define TSYNC_NOTIFY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notify {
	int fd; /* -1: no service manager to tell */
	struct sockaddr_un addr;
	socklen_t addr_len;
};

/* Read $NOTIFY_SOCKET ("/path", or "@name" for the abstract namespace) and
 * open a datagram socket for it. Returns 0 (n->fd -1 when the variable is
 * unset or empty), or a negative errno (-EINVAL: a name that is not a
 * Unix socket's). */
int notify_open(struct notify *n);

bool notify_enabled(const struct notify *n);

/* Send msg (one or more "KEY=VALUE" lines) as one datagram. Returns 0, or
 * a negative errno; 0 when disabled. */
int notify_send(const struct notify *n, const char *msg);

void notify_close(struct notify *n);

#endif
