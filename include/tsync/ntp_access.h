/*
 * Who the NTP server answers: the allow/deny rules, then the rate limit,
 * decided before the reply is built, and the Kiss-o'-Death (RFC 5905
 * §7.4) that some refusals get. Pure: address bytes and times in.
 */
#ifndef TSYNC_NTP_ACCESS_H
#define TSYNC_NTP_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/acl.h"
#include "tsync/ratelimit.h"

/* What became of a datagram. Each has its own counter. */
enum ntp_access_verdict {
	NTP_ACCESS_SERVE = 0,    /* on to ntp_server_reply */
	NTP_ACCESS_DENIED,       /* denied: no answer */
	NTP_ACCESS_RATELIMITED,  /* over the rate limit: no answer */
	NTP_ACCESS_KOD_DENY,     /* denied with `kod`: a KoD DENY is in out */
	NTP_ACCESS_KOD_RATE,     /* over the limit: a KoD RATE is in out */
	NTP_ACCESS_N
};

struct ntp_access {
	const struct acl *acl;
	struct rl_table *rl; /* NULL: no rate limit */
};

/* Decide on req[0..req_len) from addr[0..addr_len) (4 or 16 bytes; mapped
 * IPv6 counts as IPv4) received at t1 (Unix ns, for the KoD's receive
 * timestamp) and at now (monotonic ns, for the rate limit). For a KoD
 * verdict the reply is in out[0..NTP_PKT_LEN), *out_len bytes, its
 * transmit timestamp still to be set. A KoD goes only to a well-formed
 * client request (mode 3): anything else refused is dropped silently,
 * counted as DENIED or RATELIMITED. A denied address never touches the
 * rate limiter's table unless it is to get a KoD. */
int ntp_access_check(const struct ntp_access *a, const uint8_t *addr, size_t addr_len,
		     const uint8_t *req, size_t req_len, int64_t t1, int64_t now,
		     uint8_t *out, size_t *out_len);

/* Build a KoD with the four-letter code (NTP_REFID('R','A','T','E'), ...)
 * in reply to req, if req is a well-formed client request: true and
 * *out_len == NTP_PKT_LEN (never more than req_len); else false. Its poll
 * is the request's, raised to min_poll (log2 s): the interval a client
 * should keep to, which ntpd-style clients take as their new minimum. */
bool ntp_access_kod(const uint8_t *req, size_t req_len, uint32_t code, int min_poll,
		    int64_t t1, uint8_t *out, size_t *out_len);

const char *ntp_access_verdict_name(int verdict);

#endif
