/*
 * Fuzz target: the NTP client's path for a reply, as src/tsyncd/client.c
 * takes it: ntp_exch_accept (the one rule the daemon and tsync query
 * share) against the request it answers, the sample, then three sources'
 * filters and the system level (ntp_sys: selection, epochs, discipline).
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_select.h"
#include "tsync/ntp_source.h"
#include "tsync/ntp_sys.h"

/* Input: a header, then steps until the input ends.
 *   header: u32 seconds since 1970 of the first request (1970..2106, so
 *           the 2036 era boundary is inside), u32 our refid
 *   step:   u8 flags, u16 time to this request (100 ms units),
 *           i16 round trip (10 us units; negative: our clock went back),
 *           u8 length, then that many bytes of reply
 *   flags:  bits 0-1 the source (3 means 0), bit 2 a request is out,
 *           bit 3 the request's transmit is the reply's origin (else the
 *           next 8 input bytes), bit 4 the system is synchronised */
#define N_SRC 3
#define MAX_STEPS 64
#define LOCAL_PRECISION (-20)

struct peer {
	struct ntpsrc src;
	ntp_ts_t last_xmt;
};

struct step {
	unsigned flags;
	int64_t t0, t3;
	const uint8_t *pkt;
	size_t len;
	ntp_ts_t nonce;
};

static void init_peers(struct peer peers[N_SRC], int64_t start)
{
	for (int i = 0; i < N_SRC; i++) {
		struct ntpsrc_params par;

		ntpsrc_params_default(&par);
		par.precision = LOCAL_PRECISION;
		par.iburst = i == 1;
		par.prefer = i == 2;
		if (i == 2) {
			par.minpoll = NTPSRC_POLL_MIN;
			par.maxpoll = NTPSRC_POLL_MAX;
		}
		memset(&peers[i], 0, sizeof(peers[i]));
		FUZZ_CHECK(ntpsrc_init(&peers[i].src, &par) == 0);
		ntpsrc_start(&peers[i].src, start);
	}
}

/* What ntp_pkt_decode promises about a packet it accepted. */
static void check_decoded(const struct ntp_pkt *r, const uint8_t *buf, size_t len)
{
	uint8_t hdr[NTP_PKT_LEN];

	FUZZ_CHECK(len >= NTP_PKT_LEN);
	FUZZ_CHECK(r->version >= 1 && r->version <= 4);
	FUZZ_CHECK((size_t)NTP_PKT_LEN + r->ext_len + r->mac_len == len);
	/* A key id and a digest: at most 24 bytes in NTPv4 (RFC 7822), a
	 * whole SHA-512 digest before. */
	FUZZ_CHECK(r->mac_len % 4 == 0 && r->mac_len <= (r->version == 4 ? 24 : 68));
	FUZZ_CHECK(r->ext_len % 4 == 0);
	ntp_pkt_encode(r, hdr);
	FUZZ_CHECK(memcmp(hdr, buf, NTP_PKT_LEN) == 0);
}

static void check_result(int verdict, int res, const struct ntp_pkt *r, ntp_ts_t nonce,
			 ntp_ts_t last_xmt)
{
	FUZZ_CHECK(res >= 0 && res < NTP_EXCH_N_RESULTS);
	if (verdict < NTP_ACCEPT_REFUSED)
		return;
	/* Whatever is acted on answered our request, and nothing else. */
	FUZZ_CHECK(r->mode == NTP_MODE_SERVER && r->org == nonce && r->xmt != 0 &&
		   r->xmt != last_xmt);
	if (res == NTP_EXCH_KOD)
		FUZZ_CHECK(r->stratum == 0);
	if (res == NTP_EXCH_OK)
		FUZZ_CHECK(verdict == NTP_ACCEPT_SAMPLE && r->stratum >= 1 &&
			   r->stratum < NTP_MAX_STRATUM && r->leap != NTP_LEAP_UNSYNC &&
			   r->rec != 0);
}

/* client.c's take_reply. */
static void take_reply(struct peer *p, const struct ntp_pkt *r, int64_t t0, int64_t t3,
		       bool synced)
{
	int64_t t1 = ntp_ts_to_ns(r->rec, t3), t2 = ntp_ts_to_ns(r->xmt, t3);
	struct ntpsrc_reply in = {
		.stratum = r->stratum, .leap = r->leap, .refid = r->refid,
		.root_delay = ntp_short_to_ns(r->root_delay),
		.root_disp = ntp_short_to_ns(r->root_disp), .t3 = t3,
	};
	struct ntp_cristian cr;

	ntp_exch_sample(t0, t1, t2, t3, r->precision, LOCAL_PRECISION, &in.sample);
	FUZZ_CHECK(in.sample.delay >= ntp_precision_to_ns(LOCAL_PRECISION));
	FUZZ_CHECK(in.sample.disp > 0);
	ntp_exch_cristian(t0, t1, t2, t3, &cr);
	p->last_xmt = r->xmt;
	/* Only a source a KoD stopped ignores a reply that passed the checks. */
	if (ntpsrc_on_reply(&p->src, &in, synced) == NTPSRC_IGNORED)
		FUZZ_CHECK(ntpsrc_state(&p->src) == NTPSRC_STOPPED_DENY ||
			   ntpsrc_state(&p->src) == NTPSRC_STOPPED_RSTR);
}

static void on_reply(struct peer *p, const struct step *s, bool synced)
{
	struct ntp_pkt r;
	struct ntp_exch_verdict v;
	bool waiting = s->flags & 4;
	char code[16];

	int verdict = ntp_exch_accept(s->pkt, s->len, NULL, NULL, waiting, s->nonce, p->last_xmt, &r, &v);
	if (verdict == NTP_ACCEPT_MALFORMED)
		return;
	check_decoded(&r, s->pkt, s->len);
	check_result(verdict, v.exch, &r, s->nonce, p->last_xmt);
	FUZZ_CHECK(waiting || verdict <= NTP_ACCEPT_STRAY);
	if (verdict == NTP_ACCEPT_KOD) {
		ntp_refid_format(r.refid, 0, code);
		FUZZ_CHECK(strlen(code) <= 4);
		ntpsrc_on_kod(&p->src, ntp_kiss_code(r.refid), s->t3);
	} else if (verdict == NTP_ACCEPT_SAMPLE) {
		take_reply(p, &r, s->t0, s->t3, synced);
	}
}

/* What the client does after each reply: the system level over every
 * source, its actions checked and the steps it asks for applied. */
static void select_all(struct ntp_sys *sys, struct ntp_sys_source *list, int64_t now)
{
	struct ntp_sys_actions a;

	for (int i = 0; i < N_SRC; i++) {
		struct srcsel_cand c;
		ntpsrc_candidate(list[i].src, now, list[i].local_refid, &c);
		FUZZ_CHECK(c.root_dist >= 0);
		FUZZ_CHECK(c.jitter >= 0);
		(void)ntpsrc_next_poll(list[i].src);
	}
	ntp_sys_select(sys, list, N_SRC, now, 0, &a);
	if (sys->sel.peer >= 0) {
		FUZZ_CHECK(sys->sel.peer < N_SRC);
		FUZZ_CHECK(sys->sel.low <= sys->sel.high);
		FUZZ_CHECK(sys->sel.n_survivors >= 1 && sys->sel.n_survivors <= sys->sel.n_fit);
	}
	if (a.update) {
		FUZZ_CHECK(a.serve && sys->synced);
		FUZZ_CHECK(sys->served.stratum >= 1 && sys->served.stratum <= NTP_MAX_STRATUM);
		FUZZ_CHECK(sys->served.root_disp >= 0);
		if (a.disc.step)
			ntp_sys_stepped(sys, list, N_SRC, a.disc.step_ns);
	}
	ntp_sys_tick(sys, list, N_SRC, now, &a);
	FUZZ_CHECK(!a.lost || !sys->synced);
}

static bool next_step(struct fuzz_in *in, int64_t *now, struct step *s)
{
	if (!fuzz_more(in))
		return false;
	s->flags = (unsigned)fuzz_uint(in, 1);
	*now += (int64_t)fuzz_uint(in, 2) * 100000000;
	s->t0 = *now;
	s->t3 = *now + (int16_t)fuzz_uint(in, 2) * INT64_C(10000);
	size_t want = (size_t)fuzz_uint(in, 1);
	s->pkt = fuzz_bytes(in, want, &s->len);
	if (s->flags & 8)
		s->nonce = s->len >= 32 ? fuzz_get64(s->pkt + 24) : 0;
	else
		s->nonce = fuzz_uint(in, 8);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { .p = data, .len = size };
	struct peer peers[N_SRC];
	struct ntp_sys_source list[N_SRC];
	struct ntp_sys_config cfg = { .maxdistance = NTPSRC_MAXDIST };
	struct disc_config dc;
	struct ntp_sys sys;
	struct step s;
	int64_t now = (int64_t)fuzz_uint(&in, 4) * 1000000000;
	uint32_t our_refid = (uint32_t)fuzz_uint(&in, 4);

	init_peers(peers, now);
	disc_config_default(&dc);
	dc.step_limit = -1;
	ntp_sys_init(&sys, &cfg, &dc, 0.0, false);
	for (int i = 0; i < N_SRC; i++)
		list[i] = (struct ntp_sys_source){ .src = &peers[i].src, .local_refid = our_refid };
	for (int i = 0; i < MAX_STEPS && next_step(&in, &now, &s); i++) {
		struct peer *p = &peers[(s.flags & 3) % N_SRC];

		ntpsrc_on_transmit(&p->src, s.t0);
		on_reply(p, &s, sys.synced || (s.flags & 16));
		select_all(&sys, list, s.t3);
	}
	return 0;
}
