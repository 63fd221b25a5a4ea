/*
 * The server's side of an exchange: given a request and the time t1 it
 * arrived, decide whether to answer and build the reply in place. No I/O:
 * the caller stamps t2 with ntp_pkt_set_xmt just before sending.
 */
#ifndef TSYNC_NTP_SERVER_H
#define TSYNC_NTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/ntp_auth.h"
#include "tsync/ntp_pkt.h"

/* The longest reply: a header and a MAC. */
#define NTP_SERVER_REPLY_MAX (NTP_PKT_LEN + NTP_AUTH_V3_MAC_MAX)

/* What the server says about itself in every reply. */
struct ntp_server_state {
	uint8_t leap;      /* enum ntp_leap; NTP_LEAP_UNSYNC when unsynchronised */
	uint8_t stratum;   /* 1..15, or 16 when unsynchronised */
	int8_t precision;  /* log2 s of the clock */
	uint32_t refid;
	int64_t ref_time;   /* Unix ns of the last update; 0 unknown */
	int64_t root_delay; /* ns */
	int64_t root_disp;  /* ns, as of ref_time */
	/* The root dispersion grows by PHI (15 ppm) from ref_time to each
	 * reply, as the clock's error grows since its last update (RFC 5905
	 * §7.3): true for a clock that follows upstream servers. */
	bool disp_ages;
	/* The keys a request's MAC may name (NULL: none): a request under one
	 * of them gets a reply signed with it, any other MAC a crypto-NAK. */
	const struct keys_ring *keys;
};

/* Why a datagram got no answer. Each has its own counter. */
enum ntp_server_result {
	NTP_SERVER_REPLY = 0,
	NTP_SERVER_DROP_SHORT,   /* under 48 bytes */
	NTP_SERVER_DROP_VERSION, /* version 0 or above 4 */
	NTP_SERVER_DROP_TRAILER, /* malformed extension fields or MAC */
	NTP_SERVER_DROP_CONTROL, /* mode 6 or 7: never answered */
	NTP_SERVER_DROP_MODE,    /* any other mode but 3 */
	/* Answers to a request with a MAC (ntp_server_sends is true). */
	NTP_SERVER_AUTH_REPLY,   /* valid MAC: a reply signed with its key */
	NTP_SERVER_NAK_UNKNOWN_KEY, /* key id not in the keys: a crypto-NAK */
	NTP_SERVER_NAK_BAD_MAC,  /* wrong digest or length, or a lone key id: a crypto-NAK */
	NTP_SERVER_N_RESULTS
};

/* Build the reply to req[0..req_len) received at t1 (Unix ns) into
 * out[0..NTP_SERVER_REPLY_MAX). When ntp_server_sends(result), *out_len
 * is the reply's length (never more than req_len) and ntp_server_stamp
 * is still to be called; otherwise nothing is written and the result
 * says why. */
int ntp_server_reply(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
		     int64_t t1, uint8_t *out, size_t *out_len);

/* ntp_server_reply that also hands back the request as decoded, in *p
 * (valid when the request was decoded: a reply, signed or not, or a
 * crypto-NAK), for what the caller adds to the reply (NTS): one decode
 * per request. */
int ntp_server_answer(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
		      int64_t t1, uint8_t *out, size_t *out_len, struct ntp_pkt *p);

/* True if the result is answered: a reply, signed or not, or a crypto-NAK. */
bool ntp_server_sends(int result);

/* Set the transmit timestamp of reply[0..len) from ntp_server_reply, as
 * late as it can be, and then sign it if it carries a MAC (the digest
 * covers the timestamp). st is the state that built it. */
void ntp_server_stamp(const struct ntp_server_state *st, uint8_t *reply, size_t len,
		      ntp_ts_t xmt);

const char *ntp_server_result_name(int result);

#endif
