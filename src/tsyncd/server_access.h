/*
 * The server's gate on libuv: allow/deny and the rate limit of the pure
 * ntp_access module applied to each datagram before it is answered, with
 * a counter per refusal.
 */
#ifndef TSYNCD_SERVER_ACCESS_H
#define TSYNCD_SERVER_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tsync/config.h"
#include "tsync/ntp_access.h"
#include "udp.h"

struct server_access {
	struct acl acl;
	struct rl_table rl;
	struct ntp_access gate; /* gate.rl NULL: no rate limit */
	uint64_t count[NTP_ACCESS_N]; /* by enum ntp_access_verdict */
};

/* From the config: copies the rules, allocates the rate limit's table
 * (the only allocation) when `ratelimit` is given. 0 or -ENOMEM. */
int server_access_init(struct server_access *a, const struct tsyncd_config *cfg);
void server_access_free(struct server_access *a);
/* The address of sa (IPv4 or IPv6) as the acl module takes it. */
const uint8_t *server_access_addr_bytes(const struct sockaddr *sa, size_t *len);

/* True when the datagram goes no further: dropped, or a KoD queued in the
 * socket's send batch. False: answer it as usual. */
bool server_access_refuse(struct server_access *a, struct udp_sock *s, const uint8_t *data,
			  size_t len, const struct sockaddr *from, int64_t t1);

#endif
