/*
 * Unit tests for ntp_server: the reply to a good request checked byte by
 * byte, and every kind of datagram that must go unanswered, with nothing
 * written for it.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "tsync/ntp_server.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
/* 2023-11-14T22:13:20Z; on the wire 0xe8fe6f80 s since 1900. */
#define T0 (INT64_C(1700000000) * SEC)
#define T1 (T0 + 250 * MS)

#define GUARD 16
#define FILL 0xa5

static const ntp_ts_t REQ_XMT = UINT64_C(0xe8fe6f809abcdef0);

static const struct ntp_server_state SYNCED = {
	.leap = NTP_LEAP_NONE,
	.stratum = 2,
	.precision = -23,
	.refid = NTP_REFID(192, 0, 2, 1),
	.ref_time = T0 - 16 * SEC,
	.root_delay = 12500000, /* 12.5 ms: 819.2/65536 s, 819 on the wire */
	.root_disp = 3000000,   /* 3 ms: 196.6/65536 s, 197 on the wire */
};

/* The reply to make_request(buf, 4, 3, 6) from SYNCED at T1. */
static const uint8_t EXPECTED[NTP_PKT_LEN] = {
	0x24, 0x02, 0x06, 0xe9,                         /* leap 0 v4 mode 4, stratum, poll, prec */
	0x00, 0x00, 0x03, 0x33,                         /* root delay */
	0x00, 0x00, 0x00, 0xc5,                         /* root dispersion */
	0xc0, 0x00, 0x02, 0x01,                         /* refid 192.0.2.1 */
	0xe8, 0xfe, 0x6f, 0x70, 0x00, 0x00, 0x00, 0x00, /* reference: T0 - 16 s */
	0xe8, 0xfe, 0x6f, 0x80, 0x9a, 0xbc, 0xde, 0xf0, /* origin: the request's xmt */
	0xe8, 0xfe, 0x6f, 0x80, 0x40, 0x00, 0x00, 0x00, /* receive: T0 + 0.25 s */
	0, 0, 0, 0, 0, 0, 0, 0,                         /* transmit: the caller's */
};

/* A client request with junk in the fields a server must not echo. */
static void make_request(uint8_t *buf, int version, int mode, int poll)
{
	struct ntp_pkt p = {
		.leap = NTP_LEAP_UNSYNC,
		.version = (uint8_t)version,
		.mode = (uint8_t)mode,
		.stratum = 9,
		.poll = (int8_t)poll,
		.precision = -6,
		.root_delay = 0x11111111,
		.root_disp = 0x22222222,
		.refid = 0x33333333,
		.ref = UINT64_C(0x4444444444444444),
		.org = UINT64_C(0x5555555555555555),
		.rec = UINT64_C(0x6666666666666666),
		.xmt = REQ_XMT,
	};
	ntp_pkt_encode(&p, buf);
}

struct outcome {
	int result;
	size_t len;
	uint8_t out[NTP_SERVER_REPLY_MAX + GUARD];
};

static struct outcome serve(const struct ntp_server_state *st, const uint8_t *req, size_t len)
{
	struct outcome o;
	memset(o.out, FILL, sizeof(o.out));
	o.len = 9999;
	o.result = ntp_server_reply(st, req, len, T1, o.out, &o.len);
	return o;
}

static void assert_untouched(const struct outcome *o, size_t from)
{
	for (size_t i = from; i < sizeof(o->out); i++)
		ck_assert_uint_eq(o->out[i], FILL);
}

static void assert_dropped(const uint8_t *req, size_t len, int why)
{
	struct outcome o = serve(&SYNCED, req, len);
	ck_assert_int_eq(o.result, why);
	ck_assert_uint_eq(o.len, 9999);
	assert_untouched(&o, 0);
}

/* --- replies --- */

START_TEST(reply_v4_bytes)
{
	uint8_t req[NTP_PKT_LEN];
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_int_eq(o.result, NTP_SERVER_REPLY);
	ck_assert_uint_eq(o.len, NTP_PKT_LEN);
	for (int i = 0; i < NTP_PKT_LEN; i++)
		ck_assert_msg(o.out[i] == EXPECTED[i], "byte %d: 0x%02x, want 0x%02x", i, o.out[i],
			      EXPECTED[i]);
	assert_untouched(&o, NTP_PKT_LEN);
}
END_TEST

START_TEST(reply_v4_decoded)
{
	uint8_t req[NTP_PKT_LEN];
	struct ntp_pkt r;
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_int_eq(ntp_pkt_decode(&r, o.out, o.len), NTP_PKT_OK);
	ck_assert_uint_eq(r.leap, NTP_LEAP_NONE);
	ck_assert_uint_eq(r.version, 4);
	ck_assert_uint_eq(r.mode, NTP_MODE_SERVER);
	ck_assert_uint_eq(r.stratum, 2);
	ck_assert_int_eq(r.poll, 6);
	ck_assert_int_eq(r.precision, -23);
	ck_assert_uint_eq(r.root_delay, 819);
	ck_assert_uint_eq(r.root_disp, 197);
	ck_assert_uint_eq(r.refid, NTP_REFID(192, 0, 2, 1));
	ck_assert_int_eq(ntp_ts_to_ns(r.ref, T0), T0 - 16 * SEC);
	ck_assert_uint_eq(r.org, REQ_XMT);
	ck_assert_int_eq(ntp_ts_to_ns(r.rec, T0), T1);
	ck_assert_uint_eq(r.xmt, 0);
	ck_assert_uint_eq(r.ext_len, 0);
	ck_assert_uint_eq(r.mac_len, 0);
}
END_TEST

START_TEST(reply_takes_caller_xmt)
{
	uint8_t req[NTP_PKT_LEN];
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ntp_pkt_set_xmt(o.out, UINT64_C(0xe8fe6f8041000000));
	const uint8_t xmt[8] = { 0xe8, 0xfe, 0x6f, 0x80, 0x41, 0x00, 0x00, 0x00 };
	ck_assert_mem_eq(o.out + 40, xmt, 8);
	ck_assert_mem_eq(o.out, EXPECTED, 40);
}
END_TEST

/* Each version 1..4 is answered in kind: v3 gets 0x1c, not 0x24. */
START_TEST(reply_version_echoed)
{
	uint8_t req[NTP_PKT_LEN];
	make_request(req, _i, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_int_eq(o.result, NTP_SERVER_REPLY);
	ck_assert_uint_eq(o.out[0], (unsigned)(_i << 3 | 4));
	ck_assert_mem_eq(o.out + 1, EXPECTED + 1, NTP_PKT_LEN - 1);
}
END_TEST

START_TEST(reply_v3_is_v3)
{
	uint8_t req[NTP_PKT_LEN];
	struct ntp_pkt r;
	make_request(req, 3, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_uint_eq(o.out[0], 0x1c);
	ck_assert_int_eq(ntp_pkt_decode(&r, o.out, o.len), NTP_PKT_OK);
	ck_assert_uint_eq(r.version, 3);
	ck_assert_uint_eq(r.mode, NTP_MODE_SERVER);
}
END_TEST

START_TEST(reply_poll_copied)
{
	static const int polls[] = { 10, 4, 17, -3, 0 };
	uint8_t req[NTP_PKT_LEN];
	for (size_t i = 0; i < sizeof(polls) / sizeof(polls[0]); i++) {
		make_request(req, 4, NTP_MODE_CLIENT, polls[i]);
		struct outcome o = serve(&SYNCED, req, sizeof(req));
		ck_assert_int_eq((int8_t)o.out[2], polls[i]);
	}
}
END_TEST

START_TEST(reply_unknown_ref_time_is_zero)
{
	struct ntp_server_state st = SYNCED;
	uint8_t req[NTP_PKT_LEN];
	const uint8_t zero[8] = { 0 };
	st.ref_time = 0;
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&st, req, sizeof(req));
	ck_assert_mem_eq(o.out + 16, zero, 8);
}
END_TEST

/* A clock that follows upstream: 3 ms + PHI x 16.25 s = 3.24375 ms, 212.6
 * 1/65536 s, 213 on the wire; without disp_ages it stays 197. */
START_TEST(reply_root_disp_ages)
{
	struct ntp_server_state st = SYNCED;
	uint8_t req[NTP_PKT_LEN];
	const uint8_t aged[4] = { 0, 0, 0, 0xd5 };
	st.disp_ages = true;
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&st, req, sizeof(req));
	ck_assert_mem_eq(o.out + 8, aged, 4);
	st.ref_time = T1 + SEC; /* a reference time ahead does not shrink it */
	o = serve(&st, req, sizeof(req));
	ck_assert_mem_eq(o.out + 8, EXPECTED + 8, 4);
}
END_TEST

START_TEST(reply_unsynchronised)
{
	struct ntp_server_state st = SYNCED;
	uint8_t req[NTP_PKT_LEN];
	st.leap = NTP_LEAP_UNSYNC;
	st.stratum = NTP_MAX_STRATUM;
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&st, req, sizeof(req));
	ck_assert_int_eq(o.result, NTP_SERVER_REPLY);
	ck_assert_uint_eq(o.out[0], 0xe4); /* leap 3, v4, mode 4 */
	ck_assert_uint_eq(o.out[1], 16);
}
END_TEST

/* A half-set state must not reach the wire as a KoD (stratum 0) or as
 * "synchronised at stratum 16". */
START_TEST(reply_inconsistent_state_is_unsync)
{
	static const struct { uint8_t leap, stratum; } bad[] = {
		{ NTP_LEAP_UNSYNC, 2 }, { NTP_LEAP_NONE, 0 }, { NTP_LEAP_NONE, 16 },
		{ NTP_LEAP_INSERT, 200 },
	};
	uint8_t req[NTP_PKT_LEN];
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ntp_server_state st = SYNCED;
		st.leap = bad[i].leap;
		st.stratum = bad[i].stratum;
		struct outcome o = serve(&st, req, sizeof(req));
		ck_assert_uint_eq(o.out[0], 0xe4);
		ck_assert_uint_eq(o.out[1], 16);
	}
}
END_TEST

START_TEST(reply_leap_warning_passed_on)
{
	struct ntp_server_state st = SYNCED;
	uint8_t req[NTP_PKT_LEN];
	st.leap = NTP_LEAP_INSERT;
	st.stratum = 1;
	st.refid = NTP_REFID('G', 'P', 'S', 0);
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&st, req, sizeof(req));
	ck_assert_uint_eq(o.out[0], 0x64); /* leap 1, v4, mode 4 */
	ck_assert_uint_eq(o.out[1], 1);
	ck_assert_mem_eq(o.out + 12, "GPS", 4);
}
END_TEST

/* A request with a MAC, to a server without keys: a crypto-NAK, the
 * header and a zero key id, never more than came in (test_ntp_auth has
 * the server with keys). */
START_TEST(reply_to_request_with_mac)
{
	uint8_t req[NTP_PKT_LEN + 24];
	memset(req, 0x77, sizeof(req)); /* key id + SHA-1 digest */
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_int_eq(o.result, NTP_SERVER_NAK_UNKNOWN_KEY);
	ck_assert(ntp_server_sends(o.result));
	ck_assert_uint_eq(o.len, NTP_PKT_LEN + 4);
	ck_assert_uint_le(o.len, sizeof(req));
	ck_assert_mem_eq(o.out, EXPECTED, NTP_PKT_LEN);
	ck_assert_mem_eq(o.out + NTP_PKT_LEN, "\0\0\0\0", 4);
	assert_untouched(&o, NTP_PKT_LEN + 4);
}
END_TEST

/* Extension fields are not echoed: the bare header comes back. */
START_TEST(reply_to_request_with_extension)
{
	uint8_t req[NTP_PKT_LEN + 28] = { 0 };
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	req[NTP_PKT_LEN + 1] = 0x04; /* field type 0x0104 (unique id) */
	req[NTP_PKT_LEN + 3] = 28;   /* length 28 */
	struct outcome o = serve(&SYNCED, req, sizeof(req));
	ck_assert_int_eq(o.result, NTP_SERVER_REPLY);
	ck_assert_uint_eq(o.len, NTP_PKT_LEN);
	ck_assert_mem_eq(o.out, EXPECTED, NTP_PKT_LEN);
	assert_untouched(&o, NTP_PKT_LEN);
}
END_TEST

/* --- drops --- */

/* ntpq's "rv" (mode 6 READVAR, version 2, sequence 1): 12 bytes. */
START_TEST(drop_ntpq_readvar)
{
	const uint8_t req[12] = { 0x16, 0x02, 0x00, 0x01 };
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_CONTROL);
}
END_TEST

/* ntpdc's monlist (mode 7, version 2, impl 3, req 42): the classic
 * amplification probe. */
START_TEST(drop_mode7_monlist)
{
	uint8_t req[NTP_PKT_LEN + 144] = { 0x17, 0x00, 0x03, 0x2a };
	assert_dropped(req, NTP_PKT_LEN, NTP_SERVER_DROP_CONTROL);
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_CONTROL);
	assert_dropped(req, 8, NTP_SERVER_DROP_CONTROL);
}
END_TEST

START_TEST(drop_control_any_version)
{
	uint8_t req[NTP_PKT_LEN];
	make_request(req, 4, NTP_MODE_CONTROL, 6);
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_CONTROL);
	make_request(req, 4, NTP_MODE_PRIVATE, 6);
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_CONTROL);
	req[0] = 0x06; /* version 0 */
	assert_dropped(req, 1, NTP_SERVER_DROP_CONTROL);
}
END_TEST

START_TEST(drop_other_modes)
{
	static const int modes[] = { 0, 1, 2, 4, 5 };
	uint8_t req[NTP_PKT_LEN];
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		make_request(req, 4, modes[i], 6);
		assert_dropped(req, sizeof(req), NTP_SERVER_DROP_MODE);
	}
}
END_TEST

START_TEST(drop_short)
{
	uint8_t req[NTP_PKT_LEN];
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	assert_dropped(req, 0, NTP_SERVER_DROP_SHORT);
	assert_dropped(req, 1, NTP_SERVER_DROP_SHORT);
	assert_dropped(req, NTP_PKT_LEN - 1, NTP_SERVER_DROP_SHORT);
}
END_TEST

START_TEST(drop_version)
{
	static const int versions[] = { 0, 5, 6, 7 };
	uint8_t req[NTP_PKT_LEN];
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		make_request(req, versions[i], NTP_MODE_CLIENT, 6);
		assert_dropped(req, sizeof(req), NTP_SERVER_DROP_VERSION);
	}
}
END_TEST

START_TEST(drop_bad_extension_length)
{
	uint8_t req[NTP_PKT_LEN + 28] = { 0 };
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	req[NTP_PKT_LEN + 3] = 30; /* not a multiple of 4 */
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_TRAILER);
	req[NTP_PKT_LEN + 3] = 12; /* under the 16-byte minimum */
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_TRAILER);
	req[NTP_PKT_LEN + 3] = 64; /* past the end of the datagram */
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_TRAILER);
}
END_TEST

START_TEST(drop_bad_mac_length)
{
	uint8_t req[NTP_PKT_LEN + 10] = { 0 };
	make_request(req, 4, NTP_MODE_CLIENT, 6);
	assert_dropped(req, sizeof(req), NTP_SERVER_DROP_TRAILER);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_REPLY), "reply");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_DROP_SHORT), "short");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_DROP_VERSION), "version");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_DROP_TRAILER), "trailer");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_DROP_CONTROL), "control");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_DROP_MODE), "mode");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_N_RESULTS), "unknown");
	ck_assert_str_eq(ntp_server_result_name(-1), "unknown");
}
END_TEST

static Suite *server_suite(void)
{
	Suite *s = suite_create("ntp_server");
	TCase *tc = tcase_create("reply");
	tcase_add_test(tc, reply_v4_bytes);
	tcase_add_test(tc, reply_v4_decoded);
	tcase_add_test(tc, reply_takes_caller_xmt);
	tcase_add_loop_test(tc, reply_version_echoed, 1, 5);
	tcase_add_test(tc, reply_v3_is_v3);
	tcase_add_test(tc, reply_poll_copied);
	tcase_add_test(tc, reply_unknown_ref_time_is_zero);
	tcase_add_test(tc, reply_root_disp_ages);
	tcase_add_test(tc, reply_unsynchronised);
	tcase_add_test(tc, reply_inconsistent_state_is_unsync);
	tcase_add_test(tc, reply_leap_warning_passed_on);
	tcase_add_test(tc, reply_to_request_with_mac);
	tcase_add_test(tc, reply_to_request_with_extension);
	suite_add_tcase(s, tc);

	tc = tcase_create("drop");
	tcase_add_test(tc, drop_ntpq_readvar);
	tcase_add_test(tc, drop_mode7_monlist);
	tcase_add_test(tc, drop_control_any_version);
	tcase_add_test(tc, drop_other_modes);
	tcase_add_test(tc, drop_short);
	tcase_add_test(tc, drop_version);
	tcase_add_test(tc, drop_bad_extension_length);
	tcase_add_test(tc, drop_bad_mac_length);
	tcase_add_test(tc, result_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(server_suite());
}
