/*
 * Splitting "HOST", "HOST:PORT", "[V6ADDR]" and "[V6ADDR]:PORT" as the
 * command line takes them. Pure string work; resolving is the caller's.
 */
#ifndef TSYNC_HOSTPORT_H
#define TSYNC_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

/* Split arg into host (NUL-terminated, brackets removed) and port
 * (default_port when none is given). Returns 0, or -EINVAL when arg is
 * empty, a bracket is unbalanced, the port is not 1..65535 or the host
 * does not fit in hostlen. A bare IPv6 address ("::1") is a host. */
int hostport_split(const char *arg, uint16_t default_port, char *host, size_t hostlen,
		   uint16_t *port);

#endif
