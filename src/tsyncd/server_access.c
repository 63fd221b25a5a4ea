/*
 * The server's gate on libuv: turns the sender's sockaddr into address
 * bytes, reads the monotonic time the rate limit runs on, and queues the
 * KoD of a refusal that gets one. No allocation per datagram.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "nonce.h"
#include "server_access.h"

int server_access_init(struct server_access *a, const struct tsyncd_config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->acl = cfg->acl;
	a->gate.acl = &a->acl;
	if (a->acl.n > 0)
		log_info("allow/deny rules: %d, clients no rule matches are %s", a->acl.n,
			 a->acl.has_allow ? "denied" : "allowed");
	if (!cfg->ratelimit_on)
		return 0;
	/* A random key, so that no sender can aim its addresses at the
	 * bucket of a client it wants forgotten. */
	uint64_t key[2] = { nonce_new(), nonce_new() };
	int err = rl_init(&a->rl, &cfg->ratelimit, key);
	if (err < 0)
		return err;
	a->gate.rl = &a->rl;
	log_info("rate limit: interval %d burst %d leak %d, %ld clients in %zu bytes",
		 cfg->ratelimit.interval, cfg->ratelimit.burst, cfg->ratelimit.leak,
		 cfg->ratelimit.table, rl_table_bytes(&a->rl));
	return 0;
}

void server_access_free(struct server_access *a)
{
	rl_free(&a->rl);
	a->gate.rl = NULL;
}

const uint8_t *server_access_addr_bytes(const struct sockaddr *sa, size_t *len)
{
	if (sa->sa_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr.s_addr;
}

bool server_access_refuse(struct server_access *a, struct udp_sock *s, const uint8_t *data,
			  size_t len, const struct sockaddr *from, int64_t t1)
{
	size_t alen, out_len = 0;

	/* Nothing to decide without rules or a limit: no clock read. */
	if (a->acl.n == 0 && a->gate.rl == NULL)
		return false;
	const uint8_t *addr = server_access_addr_bytes(from, &alen);
	/* The rate limit runs on the monotonic clock: a step of the system
	 * clock must not put every client in debt or clear every debt. */
	int64_t now = (int64_t)uv_hrtime();
	uint8_t *out = udp_batch_next(s);
	int v = ntp_access_check(&a->gate, addr, alen, data, len, t1, now, out, &out_len);
	a->count[v]++;
	if (v == NTP_ACCESS_SERVE)
		return false;
	if (v == NTP_ACCESS_KOD_DENY || v == NTP_ACCESS_KOD_RATE)
		udp_batch_commit(s, out_len, from);
	else
		log_debug("dropped %zu bytes: %s", len, ntp_access_verdict_name(v));
	return true;
}
