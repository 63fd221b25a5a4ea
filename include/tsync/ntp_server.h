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

#include "tsync/ntp_pkt.h"

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
};

/* Why a datagram got no answer. Each has its own counter. */
enum ntp_server_result {
	NTP_SERVER_REPLY = 0,
	NTP_SERVER_DROP_SHORT,   /* under 48 bytes */
	NTP_SERVER_DROP_VERSION, /* version 0 or above 4 */
	NTP_SERVER_DROP_TRAILER, /* malformed extension fields or MAC */
	NTP_SERVER_DROP_CONTROL, /* mode 6 or 7: never answered */
	NTP_SERVER_DROP_MODE,    /* any other mode but 3 */
	NTP_SERVER_N_RESULTS
};

/* Build the reply to req[0..req_len) received at t1 (Unix ns) into
 * out[0..NTP_PKT_LEN). On NTP_SERVER_REPLY *out_len is the reply's length
 * (never more than req_len) and the transmit timestamp is still to be set;
 * otherwise nothing is written and the result says why. */
int ntp_server_reply(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
		     int64_t t1, uint8_t *out, size_t *out_len);

const char *ntp_server_result_name(int result);

#endif
