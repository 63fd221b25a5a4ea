/*
 * sd_notify's datagram protocol by hand: one socket opened at start (so
 * that neither the privilege drop nor the seccomp filter stands between
 * tsyncd and its service manager later), one sendto per message.
 */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A path, or '@' for the abstract namespace (a leading NUL on the wire,
 * the length counting exactly the name's bytes). */
static int parse_address(const char *env, struct notify *n)
{
	size_t len = strlen(env);

	if ((env[0] != '/' && env[0] != '@') || len < 2 || len >= sizeof(n->addr.sun_path))
		return -EINVAL;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, env, len);
	if (env[0] == '@') {
		n->addr.sun_path[0] = '\0';
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return 0;
}

int notify_open(struct notify *n)
{
	const char *env = getenv("NOTIFY_SOCKET");

	*n = (struct notify){ .fd = -1 };
	if (env == NULL || env[0] == '\0')
		return 0;
	int err = parse_address(env, n);
	if (err < 0)
		return err;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return n->fd < 0 ? -errno : 0;
}

bool notify_enabled(const struct notify *n)
{
	return n->fd >= 0;
}

int notify_send(const struct notify *n, const char *msg)
{
	if (n->fd < 0)
		return 0;
	ssize_t rc;
	do {
		rc = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
			    n->addr_len);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
