/*
 * One client/server exchange (RFC 5905 §8): the sanity checks a client
 * makes on a reply, and offset, delay and dispersion from t0..t3.
 * Cristian's algorithm is the special case t1 = t2.
 */
#ifndef TSYNC_NTP_EXCH_H
#define TSYNC_NTP_EXCH_H

#include <stdint.h>

#include <stdbool.h>
#include <stddef.h>

#include "tsync/keys.h"
#include "tsync/ntp_pkt.h"
#include "tsync/nts_ntp.h"

/* Frequency tolerance PHI of RFC 5905: 15 ppm, as ns per s. */
#define NTP_PHI_PPM 15

/* Why a reply is not a usable sample. Each has its own counter. */
enum ntp_exch_result {
	NTP_EXCH_OK = 0,
	NTP_EXCH_MODE,      /* not mode 4 (server) */
	NTP_EXCH_ZERO_XMT,  /* transmit timestamp is 0 */
	NTP_EXCH_DUPLICATE, /* same transmit timestamp as the last reply */
	NTP_EXCH_BOGUS,     /* origin != our transmit: stale or spoofed */
	NTP_EXCH_KOD,       /* stratum 0: Kiss-o'-Death, see kiss code */
	NTP_EXCH_UNSYNC,    /* leap 3 or stratum >= 16 */
	NTP_EXCH_ZERO_REC,  /* receive timestamp is 0 (RFC 5905 A.5.1.1) */
	NTP_EXCH_REFTIME,   /* reference time after the transmit time */
	NTP_EXCH_N_RESULTS
};

/* Kiss codes (RFC 5905 §7.4) that a client must act on, and the rest. */
enum ntp_kiss {
	NTP_KISS_NONE = 0,
	NTP_KISS_RATE,  /* reduce the polling rate */
	NTP_KISS_DENY,  /* access denied: stop */
	NTP_KISS_RSTR,  /* access restricted: stop */
	NTP_KISS_OTHER, /* any other code: informational */
};

/* Check a decoded reply against the request we sent.
 * our_xmt: the transmit timestamp we put in the request (the wire value).
 * last_xmt: the transmit timestamp of the last reply accepted from this
 * server (0 if none). Returns an enum ntp_exch_result; when several
 * apply, the first of: mode, zero_xmt, duplicate, bogus (origin), kod,
 * zero_rec, reftime (a reference time of 0, never synchronised, passes;
 * compared era-aware), unsync. */
int ntp_exch_check(const struct ntp_pkt *reply, ntp_ts_t our_xmt, ntp_ts_t last_xmt);

/* What a client makes of one datagram from the server it polls. */
enum ntp_accept {
	NTP_ACCEPT_MALFORMED = 0, /* no NTP packet (verdict.pkt says why) */
	NTP_ACCEPT_AUTH,          /* refused for its MAC (verdict.auth says why) */
	NTP_ACCEPT_STRAY,         /* answers no request out (verdict.exch): ignore */
	NTP_ACCEPT_REFUSED,       /* answers the request out, but is no sample
				   * (unsync, zero_rec, reftime): the request is done */
	NTP_ACCEPT_KOD,           /* answers it with a kiss code (ntp_kiss_code) */
	NTP_ACCEPT_SAMPLE,        /* a sample to take */
};

struct ntp_exch_verdict {
	int pkt;  /* enum ntp_pkt_result of the decode */
	int auth; /* enum ntp_auth_result: NTP_AUTH_OK, or why the MAC was refused */
	int nts;  /* enum nts_client_result with NTS: NTS_CLIENT_OK, NAK, or why refused */
	int exch; /* enum ntp_exch_result, once the MAC passed */
};

/* What an NTS client (RFC 8915 §5.7) checks in a reply: the unique
 * identifier of the request out, and the authenticator under the S2C key;
 * the new cookies it carries go to *cookies. */
struct ntp_exch_nts {
	const uint8_t *uid;
	size_t uid_len;
	const uint8_t *s2c; /* NTS_KEY_LEN bytes */
	struct nts_new_cookies *cookies;
};

/* The one rule by which a client accepts a reply: the daemon, `tsync
 * query` and the fuzz target all call it. In order: decode; then, with a
 * key, the MAC (RFC 8573; RFC 5905 authenticates in receive(), before the
 * packet is matched to the request), so that a datagram that fails it
 * changes nothing at all, not even the wait for the real reply (whoever
 * saw our request can echo its nonce); then ntp_exch_check against nonce,
 * the transmit timestamp of the request out, or, when !waiting, against
 * nothing: every reply is then stray (exch NTP_EXCH_BOGUS at best).
 * key: the server's key, NULL for none (a MAC is then ignored). nts: the
 * NTS state of the request out, NULL for none; checked where the MAC is,
 * with the same effect (NTP_ACCEPT_AUTH, v->nts says why), except that an
 * NTS NAK for our request goes on to the checks and is a KoD ("NTSN")
 * with v->nts NTS_CLIENT_NAK: its cookies are to be dropped. *r is the
 * decoded packet (valid from NTP_ACCEPT_AUTH on). Returns an enum
 * ntp_accept; *v holds each stage's result (stages not reached: 0). */
int ntp_exch_accept(const uint8_t *data, size_t len, const struct keys_key *key,
		    const struct ntp_exch_nts *nts, bool waiting, ntp_ts_t nonce, ntp_ts_t last_xmt,
		    struct ntp_pkt *r, struct ntp_exch_verdict *v);

/* The kiss code carried by a KoD reply's reference id. */
enum ntp_kiss ntp_kiss_code(uint32_t refid);

const char *ntp_exch_result_name(int result);

/* One measurement, all in nanoseconds. */
struct ntp_sample {
	int64_t offset; /* theta: server clock minus ours */
	int64_t delay;  /* delta: round trip less the server's hold time */
	int64_t disp;   /* epsilon: the sample's own dispersion */
};

/* RFC 5905 §8 with the code of its appendix A.5.1.1:
 *   offset = ((t1 - t0) + (t2 - t3)) / 2
 *   delay  = max((t3 - t0) - (t2 - t1), 2^local_precision)
 *   disp   = 2^server_precision + 2^local_precision + PHI * (t3 - t0)
 * t0: our transmit, t1: server receive, t2: server transmit, t3: our
 * receive (Unix ns). */
void ntp_exch_sample(int64_t t0, int64_t t1, int64_t t2, int64_t t3,
		     int8_t server_precision, int8_t local_precision,
		     struct ntp_sample *out);

/* PHI * dt in ns: what dt ns of our clock may have drifted at the
 * frequency tolerance, rounded up; 0 when dt <= 0. */
int64_t ntp_exch_phi(int64_t dt);

/* Cristian's view of the same exchange: the server's time t2 plus half the
 * whole round trip is taken as the time at t3. */
struct ntp_cristian {
	int64_t server_time; /* t2 */
	int64_t rtt;         /* t3 - t0 */
	int64_t client_time; /* t3 */
	int64_t sync_time;   /* t2 + rtt / 2 */
	int64_t offset;      /* sync_time - t3 */
	int64_t error;       /* offset - NTP offset: half the server hold time t2 - t1 */
};

void ntp_exch_cristian(int64_t t0, int64_t t1, int64_t t2, int64_t t3,
		       struct ntp_cristian *out);

#endif
