/*
 * The server's gate: allow/deny first (a silently denied address costs no
 * table entry), then the per-address rate limit, and the KoD packets for
 * the refusals that are answered.
 */
#include "tsync/ntp_access.h"
#include "tsync/ntp_pkt.h"

#include <string.h>

bool ntp_access_kod(const uint8_t *req, size_t req_len, uint32_t code, int min_poll,
		    int64_t t1, uint8_t *out, size_t *out_len)
{
	struct ntp_pkt p, r;

	/* Mode 6/7 and anything but a client request never get an answer,
	 * a KoD included. */
	if (ntp_pkt_decode(&p, req, req_len) != NTP_PKT_OK || p.mode != NTP_MODE_CLIENT)
		return false;
	memset(&r, 0, sizeof(r));
	r.leap = NTP_LEAP_UNSYNC;
	r.version = p.version;
	r.mode = NTP_MODE_SERVER;
	r.stratum = 0; /* a Kiss-o'-Death: the refid is its code */
	r.poll = p.poll < min_poll ? (int8_t)min_poll : p.poll;
	r.refid = code;
	r.org = p.xmt;
	r.rec = ntp_ts_from_ns(t1);
	ntp_pkt_encode(&r, out);
	*out_len = NTP_PKT_LEN;
	return true;
}

static int limit(const struct ntp_access *a, const uint8_t *addr, size_t len, int64_t now)
{
	return a->rl == NULL ? RL_PASS : rl_check(a->rl, addr, len, now);
}

int ntp_access_check(const struct ntp_access *a, const uint8_t *addr, size_t addr_len,
		     const uint8_t *req, size_t req_len, int64_t t1, int64_t now,
		     uint8_t *out, size_t *out_len)
{
	acl_unmap(&addr, &addr_len);
	int action = acl_check(a->acl, addr, addr_len);
	if (action == ACL_DENY)
		return NTP_ACCESS_DENIED;
	/* KoD DENY answers are rate limited as any answer is. */
	int rl = limit(a, addr, addr_len, now);
	if (rl == RL_PASS && action == ACL_DENY_KOD)
		return ntp_access_kod(req, req_len, NTP_REFID('D', 'E', 'N', 'Y'), INT8_MIN, t1, out,
				      out_len) ? NTP_ACCESS_KOD_DENY : NTP_ACCESS_DENIED;
	if (rl == RL_PASS)
		return NTP_ACCESS_SERVE;
	if (rl == RL_KOD && action == ACL_ALLOW &&
	    ntp_access_kod(req, req_len, NTP_REFID('R', 'A', 'T', 'E'), a->rl->interval, t1, out,
			   out_len))
		return NTP_ACCESS_KOD_RATE;
	return NTP_ACCESS_RATELIMITED;
}

const char *ntp_access_verdict_name(int verdict)
{
	switch (verdict) {
	case NTP_ACCESS_SERVE: return "serve";
	case NTP_ACCESS_DENIED: return "denied";
	case NTP_ACCESS_RATELIMITED: return "ratelimited";
	case NTP_ACCESS_KOD_DENY: return "kod_deny";
	case NTP_ACCESS_KOD_RATE: return "kod_rate";
	default: return "unknown";
	}
}
