/*
 * The server's answer to one datagram: decide whether it deserves a reply
 * and, if so, build the mode 4 header from the server's own state, signed
 * when the request was (or a crypto-NAK when its MAC fails). Pure: the
 * caller owns the socket, the clock, the keys file and the counters.
 */
#include "tsync/ntp_server.h"
#include "tsync/ntp_auth.h"
#include "tsync/ntp_exch.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

static bool is_control_mode(uint8_t mode)
{
	return mode == NTP_MODE_CONTROL || mode == NTP_MODE_PRIVATE;
}

static int drop_reason(int pkt_err)
{
	switch (pkt_err) {
	case NTP_PKT_SHORT: return NTP_SERVER_DROP_SHORT;
	case NTP_PKT_BAD_VERSION: return NTP_SERVER_DROP_VERSION;
	default: return NTP_SERVER_DROP_TRAILER;
	}
}

/* Mode 6/7 headers are 12 and 8 bytes, so they are recognised from the
 * first byte alone: a short ntpq query must count as control, not short. */
static int classify(const uint8_t *req, size_t req_len, struct ntp_pkt *p)
{
	if (req_len > 0 && is_control_mode(req[0] & 7))
		return NTP_SERVER_DROP_CONTROL;
	int err = ntp_pkt_decode(p, req, req_len);
	if (err != NTP_PKT_OK)
		return drop_reason(err);
	if (p->mode != NTP_MODE_CLIENT)
		return NTP_SERVER_DROP_MODE;
	return NTP_SERVER_REPLY;
}

/* Stratum 0 on the wire would be read as a Kiss-o'-Death, and a leap of 3
 * with a good stratum is contradictory: any such state goes out as the
 * one unambiguous "unsynchronised" pair. */
static void fill_sync(const struct ntp_server_state *st, struct ntp_pkt *r)
{
	bool synced = st->leap != NTP_LEAP_UNSYNC && st->stratum > 0 &&
		      st->stratum < NTP_MAX_STRATUM;
	r->leap = synced ? st->leap : NTP_LEAP_UNSYNC;
	r->stratum = synced ? st->stratum : NTP_MAX_STRATUM;
}

static int64_t root_disp(const struct ntp_server_state *st, int64_t t1)
{
	if (!st->disp_ages || st->ref_time == 0 || t1 <= st->ref_time)
		return st->root_disp;
	return st->root_disp + ntp_exch_phi(t1 - st->ref_time);
}

static void build_reply(const struct ntp_server_state *st, const struct ntp_pkt *req,
			int64_t t1, struct ntp_pkt *r)
{
	memset(r, 0, sizeof(*r));
	fill_sync(st, r);
	/* Answer in the client's version, as RFC 5905 servers do, so that
	 * older clients parse the reply. */
	r->version = req->version;
	r->mode = NTP_MODE_SERVER;
	r->poll = req->poll;
	r->precision = st->precision;
	r->root_delay = ntp_short_from_ns(st->root_delay);
	r->root_disp = ntp_short_from_ns(root_disp(st, t1));
	r->refid = st->refid;
	/* ntp_ts_from_ns never returns 0, so "unknown" must stay explicit. */
	r->ref = st->ref_time != 0 ? ntp_ts_from_ns(st->ref_time) : 0;
	r->org = req->xmt;
	r->rec = ntp_ts_from_ns(t1);
	r->xmt = 0;
}

/* A request's MAC decides the rest: none, today's plain reply; a valid
 * one, room for the same key's MAC (ntp_server_stamp signs it once t2 is
 * in); anything else, a crypto-NAK (RFC 5905 §7.3), never a signed reply. */
static int authenticate(const struct keys_ring *keys, const uint8_t *req,
			const struct ntp_pkt *p, uint8_t *out, size_t *out_len)
{
	const struct keys_key *k = NULL;
	int auth = ntp_auth_check(keys, req, p, &k);
	if (auth == NTP_AUTH_NONE)
		return NTP_SERVER_REPLY;
	if (auth == NTP_AUTH_OK) {
		/* The request's own key id; the digest waits for t2. */
		size_t dlen = ntp_auth_digest_len_v(k, p->version);
		memcpy(out + NTP_PKT_LEN, req + NTP_PKT_LEN + p->ext_len, 4);
		memset(out + NTP_PKT_LEN + 4, 0, dlen);
		*out_len = NTP_PKT_LEN + 4 + dlen;
		return NTP_SERVER_AUTH_REPLY;
	}
	memset(out + NTP_PKT_LEN, 0, NTP_AUTH_NAK_LEN);
	*out_len = NTP_PKT_LEN + NTP_AUTH_NAK_LEN;
	return auth == NTP_AUTH_UNKNOWN_KEY ? NTP_SERVER_NAK_UNKNOWN_KEY : NTP_SERVER_NAK_BAD_MAC;
}

int ntp_server_answer(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
		      int64_t t1, uint8_t *out, size_t *out_len, struct ntp_pkt *p)
{
	struct ntp_pkt r;
	int result = classify(req, req_len, p);
	if (result != NTP_SERVER_REPLY)
		return result;
	build_reply(st, p, t1, &r);
	ntp_pkt_encode(&r, out);
	/* The header, and a MAC no longer than the request's: extension
	 * fields are not echoed, so a reply is never larger than its request. */
	assert(req_len >= NTP_PKT_LEN);
	*out_len = NTP_PKT_LEN;
	return authenticate(st->keys, req, p, out, out_len);
}

int ntp_server_reply(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
		     int64_t t1, uint8_t *out, size_t *out_len)
{
	struct ntp_pkt p;
	return ntp_server_answer(st, req, req_len, t1, out, out_len, &p);
}

bool ntp_server_sends(int result)
{
	return result == NTP_SERVER_REPLY || result == NTP_SERVER_AUTH_REPLY ||
	       result == NTP_SERVER_NAK_UNKNOWN_KEY || result == NTP_SERVER_NAK_BAD_MAC;
}

void ntp_server_stamp(const struct ntp_server_state *st, uint8_t *reply, size_t len,
		      ntp_ts_t xmt)
{
	struct ntp_pkt p = { .mac_len = (uint16_t)(len - NTP_PKT_LEN) };
	ntp_pkt_set_xmt(reply, xmt);
	if (len <= NTP_PKT_LEN + NTP_AUTH_NAK_LEN || st->keys == NULL)
		return;
	const struct keys_key *k = keys_find(st->keys, ntp_auth_key_id(reply, &p));
	if (k != NULL)
		ntp_auth_sign(k, reply, NTP_PKT_LEN, len);
}

const char *ntp_server_result_name(int result)
{
	switch (result) {
	case NTP_SERVER_REPLY: return "reply";
	case NTP_SERVER_DROP_SHORT: return "short";
	case NTP_SERVER_DROP_VERSION: return "version";
	case NTP_SERVER_DROP_TRAILER: return "trailer";
	case NTP_SERVER_DROP_CONTROL: return "control";
	case NTP_SERVER_DROP_MODE: return "mode";
	case NTP_SERVER_AUTH_REPLY: return "auth_reply";
	case NTP_SERVER_NAK_UNKNOWN_KEY: return "nak_unknown_key";
	case NTP_SERVER_NAK_BAD_MAC: return "nak_bad_mac";
	default: return "unknown";
	}
}
