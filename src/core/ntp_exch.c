/*
 * One client/server exchange as the client sees it: the RFC 5905 §8 checks
 * a reply must pass before it becomes a sample, and the sample's offset,
 * delay and dispersion in integer nanoseconds (Cristian's view alongside).
 */
#include "tsync/ntp_exch.h"

#include "tsync/ntp_auth.h"

#define PPM_DIV INT64_C(1000000)

enum ntp_kiss ntp_kiss_code(uint32_t refid)
{
	switch (refid) {
	case NTP_REFID('R', 'A', 'T', 'E'): return NTP_KISS_RATE;
	case NTP_REFID('D', 'E', 'N', 'Y'): return NTP_KISS_DENY;
	case NTP_REFID('R', 'S', 'T', 'R'): return NTP_KISS_RSTR;
	default: return NTP_KISS_OTHER;
	}
}

int ntp_exch_check(const struct ntp_pkt *reply, ntp_ts_t our_xmt, ntp_ts_t last_xmt)
{
	if (reply->mode != NTP_MODE_SERVER)
		return NTP_EXCH_MODE;
	if (ntp_ts_is_zero(reply->xmt))
		return NTP_EXCH_ZERO_XMT;
	if (reply->xmt == last_xmt)
		return NTP_EXCH_DUPLICATE;
	/* Before the KoD test: only a reply that echoes our transmit
	 * timestamp may make us back off or stop, else anyone could. */
	if (reply->org != our_xmt)
		return NTP_EXCH_BOGUS;
	/* Before the leap test too: a real KoD carries leap 3. */
	if (reply->stratum == 0)
		return NTP_EXCH_KOD;
	if (ntp_ts_is_zero(reply->rec))
		return NTP_EXCH_ZERO_REC;
	/* The unsigned difference read as signed: era-aware, as ntp_ts. */
	if (!ntp_ts_is_zero(reply->ref) && (int64_t)(reply->ref - reply->xmt) > 0)
		return NTP_EXCH_REFTIME;
	if (reply->leap == NTP_LEAP_UNSYNC || reply->stratum >= NTP_MAX_STRATUM)
		return NTP_EXCH_UNSYNC;
	return NTP_EXCH_OK;
}

int ntp_exch_accept(const uint8_t *data, size_t len, const struct keys_key *key,
		    const struct ntp_exch_nts *nts, bool waiting, ntp_ts_t nonce, ntp_ts_t last_xmt,
		    struct ntp_pkt *r, struct ntp_exch_verdict *v)
{
	*v = (struct ntp_exch_verdict){ .auth = NTP_AUTH_OK, .nts = NTS_CLIENT_OK,
					.exch = NTP_EXCH_OK };
	if ((v->pkt = ntp_pkt_decode(r, data, len)) != NTP_PKT_OK)
		return NTP_ACCEPT_MALFORMED;
	if (key != NULL && (v->auth = ntp_auth_check_key(key, data, r)) != NTP_AUTH_OK)
		return NTP_ACCEPT_AUTH;
	if (nts != NULL) {
		v->nts = nts_client_check(data, len, r, nts->uid, nts->uid_len, nts->s2c,
					  nts->cookies);
		if (v->nts != NTS_CLIENT_OK && v->nts != NTS_CLIENT_NAK)
			return NTP_ACCEPT_AUTH;
	}
	v->exch = ntp_exch_check(r, nonce, last_xmt);
	switch (v->exch) {
	case NTP_EXCH_MODE:
	case NTP_EXCH_ZERO_XMT:
	case NTP_EXCH_DUPLICATE:
	case NTP_EXCH_BOGUS:
		return NTP_ACCEPT_STRAY;
	default:
		break;
	}
	if (!waiting) {
		v->exch = NTP_EXCH_BOGUS; /* an answer to a request already answered */
		return NTP_ACCEPT_STRAY;
	}
	if (v->exch == NTP_EXCH_KOD)
		return NTP_ACCEPT_KOD;
	return v->exch == NTP_EXCH_OK ? NTP_ACCEPT_SAMPLE : NTP_ACCEPT_REFUSED;
}

const char *ntp_exch_result_name(int result)
{
	switch (result) {
	case NTP_EXCH_OK: return "ok";
	case NTP_EXCH_MODE: return "mode";
	case NTP_EXCH_ZERO_XMT: return "zero_xmt";
	case NTP_EXCH_DUPLICATE: return "duplicate";
	case NTP_EXCH_BOGUS: return "bogus";
	case NTP_EXCH_KOD: return "kod";
	case NTP_EXCH_UNSYNC: return "unsync";
	case NTP_EXCH_ZERO_REC: return "zero_rec";
	case NTP_EXCH_REFTIME: return "reftime";
	default: return "unknown";
	}
}

/* Built from the two one-way differences, never from sums of absolute
 * times, so that offsets of many years cannot overflow. C division
 * truncates toward zero, which keeps the result sign-symmetric. */
static int64_t exch_offset(int64_t t0, int64_t t1, int64_t t2, int64_t t3)
{
	return ((t1 - t0) + (t2 - t3)) / 2;
}

/* PHI * rtt, rounded up so that a sample never claims less dispersion
 * than it has; split so that even a huge rtt cannot overflow. A negative
 * rtt (our clock stepped back mid-exchange) adds nothing. */
int64_t ntp_exch_phi(int64_t rtt)
{
	if (rtt <= 0)
		return 0;
	int64_t whole = rtt / PPM_DIV * NTP_PHI_PPM;
	int64_t part = rtt % PPM_DIV * NTP_PHI_PPM;
	return whole + (part + PPM_DIV - 1) / PPM_DIV;
}

void ntp_exch_sample(int64_t t0, int64_t t1, int64_t t2, int64_t t3,
		     int8_t server_precision, int8_t local_precision,
		     struct ntp_sample *out)
{
	int64_t res = ntp_precision_to_ns(local_precision);
	int64_t delay = (t3 - t0) - (t2 - t1);

	out->offset = exch_offset(t0, t1, t2, t3);
	/* No path is faster than our clock can resolve; this also keeps a
	 * zero or negative delay (a server that lies about t1/t2) out of the
	 * filter's weighting. */
	out->delay = delay > res ? delay : res;
	out->disp = ntp_precision_to_ns(server_precision) + res + ntp_exch_phi(t3 - t0);
}

void ntp_exch_cristian(int64_t t0, int64_t t1, int64_t t2, int64_t t3,
		       struct ntp_cristian *out)
{
	out->server_time = t2;
	out->rtt = t3 - t0;
	out->client_time = t3;
	/* Offset first, from differences, for the same overflow reason as
	 * exch_offset; the sync time then follows from it. */
	out->offset = (t2 - t3) + out->rtt / 2;
	out->sync_time = t3 + out->offset;
	out->error = out->offset - exch_offset(t0, t1, t2, t3);
}
