/*
 * Unit tests for ntp_exch: offset/delay/dispersion against hand-computed
 * vectors, Cristian's view of the same exchange, and each reason a reply
 * is refused, one crafted packet per reason.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "tsync/ntp_auth.h"
#include "tsync/ntp_exch.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
/* 2023-11-14T22:13:20Z, a round Unix time to build vectors on. */
#define T0 (INT64_C(1700000000) * SEC)
/* A Julian year (365.25 days). */
#define YEAR (INT64_C(31557600) * SEC)

/* 2^p s in ns, by hand: 2^-6 is exact, the rest rounded up. */
#define P6_NS INT64_C(15625000)
#define P10_NS INT64_C(976563) /* 976562.5 */
#define P20_NS INT64_C(954)    /* 953.67 */
#define P24_NS INT64_C(60)     /* 59.60 */

static struct ntp_sample sample(int64_t t0, int64_t t1, int64_t t2, int64_t t3, int8_t ps,
				int8_t pl)
{
	struct ntp_sample s;
	memset(&s, 0x5a, sizeof(s));
	ntp_exch_sample(t0, t1, t2, t3, ps, pl, &s);
	return s;
}

/* --- offset and delay --- */

/* True offset +5 ms, 20 ms each way, server holds 1 ms. */
START_TEST(symmetric_path)
{
	struct ntp_sample s = sample(T0, T0 + 25 * MS, T0 + 26 * MS, T0 + 41 * MS, -20, -20);
	ck_assert_int_eq(s.offset, 5 * MS);
	ck_assert_int_eq(s.delay, 40 * MS);
	ck_assert_int_eq(s.disp, P20_NS + P20_NS + 615); /* 15 ppm of 41 ms */
}
END_TEST

/* Same true offset, 30 ms out and 10 ms back: the estimate is off by
 * half the asymmetry, (30 - 10) / 2 = +10 ms. */
START_TEST(asymmetric_slow_outbound)
{
	struct ntp_sample s = sample(T0, T0 + 35 * MS, T0 + 36 * MS, T0 + 41 * MS, -20, -20);
	ck_assert_int_eq(s.offset, 15 * MS);
	ck_assert_int_eq(s.delay, 40 * MS);
}
END_TEST

/* 10 ms out, 30 ms back: off by (10 - 30) / 2 = -10 ms. */
START_TEST(asymmetric_slow_return)
{
	struct ntp_sample s = sample(T0, T0 + 15 * MS, T0 + 16 * MS, T0 + 41 * MS, -20, -20);
	ck_assert_int_eq(s.offset, -5 * MS);
	ck_assert_int_eq(s.delay, 40 * MS);
}
END_TEST

/* Server 250 ms behind, 20 ms each way, holds 0.5 ms. */
START_TEST(negative_offset)
{
	struct ntp_sample s = sample(T0, T0 - 230 * MS, T0 - 229500000, T0 + 40500000, -20, -20);
	ck_assert_int_eq(s.offset, -250 * MS);
	ck_assert_int_eq(s.delay, 40 * MS);
}
END_TEST

/* An odd sum loses half a nanosecond toward zero, the same either sign. */
START_TEST(odd_sum_truncates_toward_zero)
{
	ck_assert_int_eq(sample(T0, T0 + 2, T0 + 2, T0 + 1, -20, -20).offset, 1);
	ck_assert_int_eq(sample(T0, T0 - 2, T0 - 2, T0 - 1, -20, -20).offset, -1);
}
END_TEST

/* t1 = t2: server 1 s ahead, 15 ms each way, no hold time. */
START_TEST(cristian_case)
{
	struct ntp_sample s = sample(T0, T0 + 1015 * MS, T0 + 1015 * MS, T0 + 30 * MS, -20, -20);
	ck_assert_int_eq(s.offset, 1000 * MS);
	ck_assert_int_eq(s.delay, 30 * MS);
}
END_TEST

START_TEST(delay_zero_clamped)
{
	/* 100 ns round trip, 100 ns hold: computed delay 0. */
	struct ntp_sample s = sample(T0, T0 + 5 * MS, T0 + 5 * MS + 100, T0 + 100, -6, -6);
	ck_assert_int_eq(s.delay, P6_NS);
	ck_assert_int_eq(sample(T0, T0 + 5 * MS, T0 + 5 * MS + 100, T0 + 100, -6, -20).delay,
			 P20_NS);
}
END_TEST

START_TEST(delay_negative_clamped)
{
	/* A hold time longer than the round trip: -200 ns. */
	struct ntp_sample s = sample(T0, T0 + 5 * MS, T0 + 5 * MS + 300, T0 + 100, -6, -6);
	ck_assert_int_eq(s.delay, P6_NS);
	ck_assert_int_eq(s.offset, 5 * MS + 100); /* (5e6 + (5e6 + 200)) / 2 */
}
END_TEST

START_TEST(delay_above_precision_kept)
{
	/* 20 ms is above 2^-6 s = 15.625 ms, so it stands. */
	struct ntp_sample s = sample(T0, T0 + 10 * MS, T0 + 10 * MS, T0 + 20 * MS, -6, -6);
	ck_assert_int_eq(s.delay, 20 * MS);
	/* 15 ms is below it. */
	s = sample(T0, T0 + 10 * MS, T0 + 10 * MS, T0 + 15 * MS, -6, -6);
	ck_assert_int_eq(s.delay, P6_NS);
}
END_TEST

/* --- dispersion: 2^ps + 2^pl + 15e-6 * (t3 - t0) --- */

START_TEST(disp_one_second)
{
	struct ntp_sample s = sample(T0, T0 + 500 * MS, T0 + 500 * MS, T0 + SEC, -6, -10);
	ck_assert_int_eq(s.disp, P6_NS + P10_NS + 15000);
	ck_assert_int_eq(s.disp, 16616563);
}
END_TEST

START_TEST(disp_fine_precisions)
{
	struct ntp_sample s = sample(T0, T0 + 25 * MS, T0 + 26 * MS, T0 + 41 * MS, -20, -24);
	ck_assert_int_eq(s.disp, 954 + 60 + 615);
}
END_TEST

/* The clamp is the local precision, not the server's; the dispersion
 * takes both. A 10 ms delay is above 2^-20 s and below 2^-6 s. */
START_TEST(delay_clamp_uses_local_precision)
{
	struct ntp_sample a = sample(T0, T0, T0, T0 + 10 * MS, -6, -20);
	struct ntp_sample b = sample(T0, T0, T0, T0 + 10 * MS, -20, -6);
	ck_assert_int_eq(a.delay, 10 * MS);
	ck_assert_int_eq(b.delay, P6_NS);
	ck_assert_int_eq(a.disp, P6_NS + P20_NS + 150);
	ck_assert_int_eq(b.disp, P6_NS + P20_NS + 150);
}
END_TEST

START_TEST(disp_phi_rounds_up)
{
	/* 15 ppm of 100001 ns is 1.500015 ns: 2, never under-stated. */
	struct ntp_sample s = sample(T0, T0, T0, T0 + 100001, -6, -6);
	ck_assert_int_eq(s.disp, 2 * P6_NS + 2);
	/* Exactly 1 ms gives exactly 15 ns. */
	s = sample(T0, T0, T0, T0 + MS, -6, -6);
	ck_assert_int_eq(s.disp, 2 * P6_NS + 15);
}
END_TEST

START_TEST(disp_negative_rtt_adds_nothing)
{
	/* Our clock stepped back between t0 and t3. */
	struct ntp_sample s = sample(T0, T0, T0, T0 - SEC, -6, -6);
	ck_assert_int_eq(s.disp, 2 * P6_NS);
	ck_assert_int_eq(s.delay, P6_NS);
}
END_TEST

/* --- offsets of years: t1 + t2 alone would overflow int64 here --- */

START_TEST(large_offset_positive)
{
	int64_t t1 = T0 + 100 * YEAR + 20 * MS;
	struct ntp_sample s = sample(T0, t1, t1 + MS, T0 + 41 * MS, -20, -20);
	ck_assert_int_eq(s.offset, 100 * YEAR);
	ck_assert_int_eq(s.offset, INT64_C(3155760000000000000));
	ck_assert_int_eq(s.delay, 40 * MS);
	ck_assert_int_eq(s.disp, 2 * P20_NS + 615);
}
END_TEST

START_TEST(large_offset_negative)
{
	int64_t t1 = T0 - 100 * YEAR + 20 * MS;
	struct ntp_sample s = sample(T0, t1, t1 + MS, T0 + 41 * MS, -20, -20);
	ck_assert_int_eq(s.offset, -100 * YEAR);
	ck_assert_int_eq(s.delay, 40 * MS);
}
END_TEST

START_TEST(large_offset_cristian)
{
	struct ntp_cristian c;
	int64_t t2 = T0 + 100 * YEAR + 21 * MS;
	ntp_exch_cristian(T0, t2 - MS, t2, T0 + 41 * MS, &c);
	ck_assert_int_eq(c.sync_time, t2 + 20500 * 1000);
	ck_assert_int_eq(c.offset, 100 * YEAR + 500 * 1000);
	ck_assert_int_eq(c.error, 500 * 1000);
}
END_TEST

/* --- Cristian --- */

/* Server 1 s ahead; it holds the request 4 ms (t1 = +1010, t2 = +1014). */
START_TEST(cristian_struct)
{
	struct ntp_cristian c;
	memset(&c, 0x5a, sizeof(c));
	ntp_exch_cristian(T0, T0 + 1010 * MS, T0 + 1014 * MS, T0 + 30 * MS, &c);
	ck_assert_int_eq(c.server_time, T0 + 1014 * MS);
	ck_assert_int_eq(c.rtt, 30 * MS);
	ck_assert_int_eq(c.client_time, T0 + 30 * MS);
	ck_assert_int_eq(c.sync_time, T0 + 1029 * MS);
	ck_assert_int_eq(c.offset, 999 * MS);
	/* NTP says 997 ms; Cristian over-counts half the 4 ms hold. */
	ck_assert_int_eq(sample(T0, T0 + 1010 * MS, T0 + 1014 * MS, T0 + 30 * MS, -20, -20).offset,
			 997 * MS);
	ck_assert_int_eq(c.error, 2 * MS);
}
END_TEST

START_TEST(cristian_no_hold_no_error)
{
	struct ntp_cristian c;
	ntp_exch_cristian(T0, T0 + 1015 * MS, T0 + 1015 * MS, T0 + 30 * MS, &c);
	ck_assert_int_eq(c.sync_time, T0 + 1030 * MS);
	ck_assert_int_eq(c.offset, 1000 * MS);
	ck_assert_int_eq(c.error, 0);
}
END_TEST

START_TEST(cristian_negative_offset)
{
	struct ntp_cristian c;
	ntp_exch_cristian(T0, T0 - 230 * MS, T0 - 229500000, T0 + 40500000, &c);
	ck_assert_int_eq(c.rtt, 40500000);
	ck_assert_int_eq(c.sync_time, T0 - 229500000 + 20250000);
	ck_assert_int_eq(c.offset, -249750000);
	ck_assert_int_eq(c.error, 250000); /* half the 0.5 ms hold */
}
END_TEST

/* --- reply checks --- */

/* Wire timestamps near T0: 0xe8fe6f80 s since 1900. */
static const ntp_ts_t OUR_XMT = UINT64_C(0xe8fe6f8012345678);
static const ntp_ts_t LAST_XMT = UINT64_C(0xe8fe6f4087654321);

static struct ntp_pkt good_reply(void)
{
	struct ntp_pkt p = {
		.leap = NTP_LEAP_NONE,
		.version = 4,
		.mode = NTP_MODE_SERVER,
		.stratum = 2,
		.poll = 6,
		.precision = -20,
		.refid = NTP_REFID(192, 0, 2, 1),
		.ref = UINT64_C(0xe8fe6f0000000000),
		.org = OUR_XMT,
		.rec = OUR_XMT + 0x01000000,
		.xmt = OUR_XMT + 0x01100000,
	};
	return p;
}

static int check_reply(const struct ntp_pkt *p)
{
	return ntp_exch_check(p, OUR_XMT, LAST_XMT);
}

START_TEST(check_good_reply)
{
	struct ntp_pkt p = good_reply();
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
	/* The first reply from a server: no last transmit yet. */
	ck_assert_int_eq(ntp_exch_check(&p, OUR_XMT, 0), NTP_EXCH_OK);
	p.stratum = 15;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
	p.leap = NTP_LEAP_INSERT;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
}
END_TEST

START_TEST(check_mode_client)
{
	struct ntp_pkt p = good_reply();
	p.mode = NTP_MODE_CLIENT;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_MODE);
}
END_TEST

START_TEST(check_mode_broadcast)
{
	struct ntp_pkt p = good_reply();
	p.mode = NTP_MODE_BROADCAST;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_MODE);
}
END_TEST

START_TEST(check_mode_every_other)
{
	struct ntp_pkt p = good_reply();
	p.mode = (uint8_t)_i;
	ck_assert_int_eq(check_reply(&p), _i == NTP_MODE_SERVER ? NTP_EXCH_OK : NTP_EXCH_MODE);
}
END_TEST

START_TEST(check_zero_xmt)
{
	struct ntp_pkt p = good_reply();
	p.xmt = 0;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_ZERO_XMT);
	/* Zero is not a duplicate of "no last reply". */
	ck_assert_int_eq(ntp_exch_check(&p, OUR_XMT, 0), NTP_EXCH_ZERO_XMT);
}
END_TEST

START_TEST(check_duplicate)
{
	struct ntp_pkt p = good_reply();
	p.xmt = LAST_XMT;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_DUPLICATE);
}
END_TEST

START_TEST(check_bogus_origin)
{
	struct ntp_pkt p = good_reply();
	p.org = OUR_XMT + 1;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_BOGUS);
	p.org = 0;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_BOGUS);
}
END_TEST

static void assert_kod(uint32_t refid, enum ntp_kiss kiss)
{
	struct ntp_pkt p = good_reply();
	p.stratum = 0;
	p.refid = refid;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_KOD);
	ck_assert_int_eq(ntp_kiss_code(p.refid), kiss);
}

START_TEST(check_kod_rate)
{
	assert_kod(NTP_REFID('R', 'A', 'T', 'E'), NTP_KISS_RATE);
}
END_TEST

START_TEST(check_kod_deny)
{
	assert_kod(NTP_REFID('D', 'E', 'N', 'Y'), NTP_KISS_DENY);
}
END_TEST

START_TEST(check_kod_rstr)
{
	assert_kod(NTP_REFID('R', 'S', 'T', 'R'), NTP_KISS_RSTR);
}
END_TEST

START_TEST(check_kod_other)
{
	assert_kod(NTP_REFID('X', 'Y', 'Z', 'W'), NTP_KISS_OTHER);
	assert_kod(NTP_REFID('r', 'a', 't', 'e'), NTP_KISS_OTHER); /* case matters */
	assert_kod(0, NTP_KISS_OTHER);
}
END_TEST

/* A KoD as servers send it, from the wire: leap 3, stratum 0, "RATE".
 * It must be read as a KoD, not as merely unsynchronised. */
START_TEST(check_kod_from_wire)
{
	uint8_t buf[NTP_PKT_LEN] = { 0xe4, 0x00, 0x06, 0xec, 0, 0, 0, 0, 0, 0, 0, 0,
				     'R', 'A', 'T', 'E' };
	struct ntp_pkt p;
	for (int i = 0; i < 8; i++) {
		buf[24 + i] = (uint8_t)(OUR_XMT >> (56 - 8 * i));
		buf[40 + i] = (uint8_t)(OUR_XMT >> (56 - 8 * i));
	}
	ck_assert_int_eq(ntp_pkt_decode(&p, buf, sizeof(buf)), NTP_PKT_OK);
	ck_assert_int_eq(p.leap, NTP_LEAP_UNSYNC);
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_KOD);
	ck_assert_int_eq(ntp_kiss_code(p.refid), NTP_KISS_RATE);
}
END_TEST

/* Origin is checked first so that an off-path attacker cannot make us
 * back off or stop with a forged KoD. */
START_TEST(check_kod_wrong_origin_is_bogus)
{
	struct ntp_pkt p = good_reply();
	p.stratum = 0;
	p.refid = NTP_REFID('D', 'E', 'N', 'Y');
	p.org = OUR_XMT ^ 1;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_BOGUS);
}
END_TEST

START_TEST(check_leap_unsync)
{
	struct ntp_pkt p = good_reply();
	p.leap = NTP_LEAP_UNSYNC;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_UNSYNC);
}
END_TEST

START_TEST(check_stratum_16)
{
	struct ntp_pkt p = good_reply();
	p.stratum = 16;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_UNSYNC);
	p.stratum = 255;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_UNSYNC);
}
END_TEST

/* When several things are wrong, the first in RFC order wins. */
START_TEST(check_order)
{
	struct ntp_pkt p = good_reply();
	p.mode = NTP_MODE_CLIENT;
	p.xmt = 0;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_MODE);
	p = good_reply();
	p.xmt = LAST_XMT;
	p.org = 0;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_DUPLICATE);
	p = good_reply();
	p.org = 0;
	p.leap = NTP_LEAP_UNSYNC;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_BOGUS);
}
END_TEST

/* RFC 5905 A.5.1.1 packet tests: a server that says it received our
 * request at 0, or that was synchronised after it sent the reply, is
 * broken; its reply answers us (the origin matches) but is no sample. */
START_TEST(check_zero_rec)
{
	struct ntp_pkt p = good_reply();
	p.rec = 0;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_ZERO_REC);
}
END_TEST

START_TEST(check_reftime_after_xmt)
{
	struct ntp_pkt p = good_reply();
	p.ref = p.xmt + 1;
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_REFTIME);
	p.ref = p.xmt; /* synchronised at the instant it sent: fine */
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
	p.ref = 0; /* never synchronised says nothing about time */
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
	/* Across the 2036 era boundary: ref just before, xmt just after. */
	p.xmt = UINT64_C(0x0000000100000000);
	p.ref = UINT64_C(0xffffffff00000000);
	ck_assert_int_eq(check_reply(&p), NTP_EXCH_OK);
}
END_TEST

/* --- ntp_exch_accept: the one rule the daemon, tsync query and the fuzz
 * target share --- */

static struct keys_ring accept_ring;

static size_t wire(const struct ntp_pkt *p, uint32_t key_id, uint8_t *buf)
{
	ntp_pkt_encode(p, buf);
	if (key_id == 0)
		return NTP_PKT_LEN;
	return ntp_auth_sign(keys_find(&accept_ring, key_id), buf, NTP_PKT_LEN, 200);
}

static int accept_one(const uint8_t *buf, size_t len, uint32_t key_id, bool waiting,
		      struct ntp_exch_verdict *v)
{
	struct ntp_pkt r;
	const struct keys_key *k = key_id ? keys_find(&accept_ring, key_id) : NULL;
	return ntp_exch_accept(buf, len, k, NULL, waiting, OUR_XMT, LAST_XMT, &r, v);
}

START_TEST(accept_order)
{
	static const char text[] = "1 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n"
				   "2 SHA1 HEX:00112233445566778899aabbccddeeff00112233\n";
	char err[128];
	uint8_t buf[200];
	struct ntp_exch_verdict v;
	ck_assert_int_eq(keys_parse(&accept_ring, text, sizeof(text) - 1, "k", err, sizeof(err)), 0);
	struct ntp_pkt p = good_reply();

	ck_assert_int_eq(accept_one(buf, 47, 0, true, &v), NTP_ACCEPT_MALFORMED);
	size_t len = wire(&p, 0, buf);
	ck_assert_int_eq(accept_one(buf, len, 0, true, &v), NTP_ACCEPT_SAMPLE);
	ck_assert_int_eq(v.exch, NTP_EXCH_OK);
	/* Not waiting: even a reply that echoes the nonce answers nothing. */
	ck_assert_int_eq(accept_one(buf, len, 0, false, &v), NTP_ACCEPT_STRAY);
	ck_assert_int_eq(v.exch, NTP_EXCH_BOGUS);
	/* With a key, the MAC first: an unsigned reply, or one under another
	 * key, changes nothing even when it echoes our nonce (whoever saw the
	 * request can echo it); the origin is checked after. */
	ck_assert_int_eq(accept_one(buf, len, 1, true, &v), NTP_ACCEPT_AUTH);
	ck_assert_int_eq(v.auth, NTP_AUTH_NONE);
	len = wire(&p, 2, buf);
	ck_assert_int_eq(accept_one(buf, len, 1, true, &v), NTP_ACCEPT_AUTH);
	ck_assert_int_eq(v.auth, NTP_AUTH_UNKNOWN_KEY);
	len = wire(&p, 1, buf);
	ck_assert_int_eq(accept_one(buf, len, 1, true, &v), NTP_ACCEPT_SAMPLE);
	ck_assert_int_eq(v.auth, NTP_AUTH_OK);
	p.org = 0; /* signed, but not an answer to our request */
	len = wire(&p, 1, buf);
	ck_assert_int_eq(accept_one(buf, len, 1, true, &v), NTP_ACCEPT_STRAY);
	ck_assert_int_eq(v.exch, NTP_EXCH_BOGUS);
	/* Answers, but is no sample: the request is done. */
	p = good_reply();
	p.rec = 0;
	len = wire(&p, 0, buf);
	ck_assert_int_eq(accept_one(buf, len, 0, true, &v), NTP_ACCEPT_REFUSED);
	ck_assert_int_eq(v.exch, NTP_EXCH_ZERO_REC);
	p = good_reply();
	p.stratum = 0;
	p.leap = NTP_LEAP_UNSYNC;
	p.refid = NTP_REFID('D', 'E', 'N', 'Y');
	len = wire(&p, 0, buf);
	ck_assert_int_eq(accept_one(buf, len, 0, true, &v), NTP_ACCEPT_KOD);
	/* A KoD to no request out (origin 0 matches a nonce of 0) is stray. */
	p.org = 0;
	len = wire(&p, 0, buf);
	ck_assert_int_eq(accept_one(buf, len, 0, false, &v), NTP_ACCEPT_STRAY);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_OK), "ok");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_MODE), "mode");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_ZERO_XMT), "zero_xmt");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_DUPLICATE), "duplicate");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_BOGUS), "bogus");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_KOD), "kod");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_UNSYNC), "unsync");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_ZERO_REC), "zero_rec");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_REFTIME), "reftime");
	ck_assert_str_eq(ntp_exch_result_name(NTP_EXCH_N_RESULTS), "unknown");
	ck_assert_str_eq(ntp_exch_result_name(-1), "unknown");
}
END_TEST

static Suite *exch_suite(void)
{
	Suite *s = suite_create("ntp_exch");
	TCase *tc = tcase_create("sample");
	tcase_add_test(tc, symmetric_path);
	tcase_add_test(tc, asymmetric_slow_outbound);
	tcase_add_test(tc, asymmetric_slow_return);
	tcase_add_test(tc, negative_offset);
	tcase_add_test(tc, odd_sum_truncates_toward_zero);
	tcase_add_test(tc, cristian_case);
	tcase_add_test(tc, delay_zero_clamped);
	tcase_add_test(tc, delay_negative_clamped);
	tcase_add_test(tc, delay_above_precision_kept);
	tcase_add_test(tc, disp_one_second);
	tcase_add_test(tc, disp_fine_precisions);
	tcase_add_test(tc, delay_clamp_uses_local_precision);
	tcase_add_test(tc, disp_phi_rounds_up);
	tcase_add_test(tc, disp_negative_rtt_adds_nothing);
	tcase_add_test(tc, large_offset_positive);
	tcase_add_test(tc, large_offset_negative);
	suite_add_tcase(s, tc);

	tc = tcase_create("cristian");
	tcase_add_test(tc, cristian_struct);
	tcase_add_test(tc, cristian_no_hold_no_error);
	tcase_add_test(tc, cristian_negative_offset);
	tcase_add_test(tc, large_offset_cristian);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_test(tc, check_good_reply);
	tcase_add_test(tc, check_mode_client);
	tcase_add_test(tc, check_mode_broadcast);
	tcase_add_loop_test(tc, check_mode_every_other, 0, 8);
	tcase_add_test(tc, check_zero_xmt);
	tcase_add_test(tc, check_duplicate);
	tcase_add_test(tc, check_bogus_origin);
	tcase_add_test(tc, check_kod_rate);
	tcase_add_test(tc, check_kod_deny);
	tcase_add_test(tc, check_kod_rstr);
	tcase_add_test(tc, check_kod_other);
	tcase_add_test(tc, check_kod_from_wire);
	tcase_add_test(tc, check_kod_wrong_origin_is_bogus);
	tcase_add_test(tc, check_leap_unsync);
	tcase_add_test(tc, check_stratum_16);
	tcase_add_test(tc, check_order);
	tcase_add_test(tc, check_zero_rec);
	tcase_add_test(tc, check_reftime_after_xmt);
	tcase_add_test(tc, accept_order);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(exch_suite());
}
