/*
 * Unit tests of the control protocol: golden header bytes, round trips of
 * every message, every truncation and every out-of-range field refused,
 * and random and mutated bytes that never crash and never decode to junk.
 */
#include "unit.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tsync/ctl_proto.h"

static uint8_t buf[CTL_REPLY_MAX + 64];

static struct ctl_status sample_status(void)
{
	struct ctl_status st = {
		.synchronised = true, .leap = 2, .stratum = 3, .poll = -4,
		.refid = 0xC0000201, .offset_ns = -1234567890123LL, .freq_ppm = -12.625,
		.root_delay_ns = 15000000, .root_disp_ns = INT64_MAX,
		.last_update_ns = 1795000000123456789LL, .n_sources = 65535,
		.selection = CTL_SEL_MAJORITY,
	};

	strcpy(st.reference, "192.0.2.1");
	/* The longest string allowed, with the characters that need care. */
	memset(st.clock, '"', CTL_STR_MAX);
	st.clock[0] = '\\';
	st.clock[CTL_STR_MAX] = '\0';
	return st;
}

static struct ctl_source sample_source(int i)
{
	struct ctl_source s = {
		.state = (enum ctl_source_state)(i % CTL_N_SOURCE_STATES),
		.stratum = (uint8_t)(i % 17), .poll = (int8_t)(i - 30), .reach = (uint8_t)(i * 37),
		.refid = 0x47505300u + (uint32_t)i, .offset_ns = INT64_MIN + i,
		.delay_ns = i * 1000003LL, .jitter_ns = -i,
	};

	snprintf(s.address, sizeof(s.address), "[2001:db8::%x]:123", i);
	return s;
}

static void assert_status_eq(const struct ctl_status *a, const struct ctl_status *b)
{
	ck_assert_int_eq(a->synchronised, b->synchronised);
	ck_assert_int_eq(a->leap, b->leap);
	ck_assert_int_eq(a->stratum, b->stratum);
	ck_assert_int_eq(a->poll, b->poll);
	ck_assert_uint_eq(a->refid, b->refid);
	ck_assert_str_eq(a->reference, b->reference);
	ck_assert_int_eq(a->offset_ns, b->offset_ns);
	ck_assert(memcmp(&a->freq_ppm, &b->freq_ppm, sizeof(double)) == 0);
	ck_assert_int_eq(a->root_delay_ns, b->root_delay_ns);
	ck_assert_int_eq(a->root_disp_ns, b->root_disp_ns);
	ck_assert_int_eq(a->last_update_ns, b->last_update_ns);
	ck_assert_uint_eq(a->n_sources, b->n_sources);
	ck_assert_int_eq(a->selection, b->selection);
	ck_assert_str_eq(a->clock, b->clock);
}

static void assert_source_eq(const struct ctl_source *a, const struct ctl_source *b)
{
	ck_assert_str_eq(a->address, b->address);
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->stratum, b->stratum);
	ck_assert_int_eq(a->poll, b->poll);
	ck_assert_int_eq(a->reach, b->reach);
	ck_assert_uint_eq(a->refid, b->refid);
	ck_assert_int_eq(a->offset_ns, b->offset_ns);
	ck_assert_int_eq(a->delay_ns, b->delay_ns);
	ck_assert_int_eq(a->jitter_ns, b->jitter_ns);
}

START_TEST(request_golden_bytes)
{
	static const uint8_t want[CTL_HDR_LEN] = { 'T', 'S', 'Y', 'C', 1, 2, 0, 0, 0, 0, 0, 0 };
	struct ctl_header h;
	enum ctl_code code;

	ck_assert_uint_eq(ctl_request_encode(CTL_CMD_SOURCES, buf), CTL_HDR_LEN);
	ck_assert_mem_eq(buf, want, CTL_HDR_LEN);
	ck_assert_int_eq(ctl_frame_check(buf, CTL_HDR_LEN, false, 0, &h, &code), CTL_FRAME_COMPLETE);
	ck_assert_int_eq(code, CTL_OK);
	ck_assert_uint_eq(h.magic, CTL_MAGIC);
	ck_assert_int_eq(h.command, CTL_CMD_SOURCES);
	ck_assert_int_eq(h.length, 0);
}
END_TEST

START_TEST(reply_header_golden_bytes)
{
	static const uint8_t want[CTL_HDR_LEN] = { 'T', 'S', 'Y', 'C', 1, 1, 1, 3, 0, 1, 2, 3 };
	struct ctl_header h;

	ctl_reply_header(CTL_CMD_STATUS, CTL_ERR_COMMAND, 0x010203, buf);
	ck_assert_mem_eq(buf, want, CTL_HDR_LEN);
	ctl_header_decode(buf, &h);
	ck_assert_int_eq(h.version, 1);
	ck_assert_int_eq(h.flags, CTL_FLAG_REPLY);
	ck_assert_int_eq(h.code, CTL_ERR_COMMAND);
	ck_assert_uint_eq(h.length, 0x010203);
}
END_TEST

START_TEST(status_round_trip)
{
	struct ctl_status st = sample_status(), back;
	int n = ctl_status_encode(&st, buf, sizeof(buf));

	ck_assert_int_eq(n, 51 + 1 + 9 + 1 + CTL_STR_MAX);
	ck_assert_int_le(n, CTL_STATUS_WIRE_MAX);
	/* Spot-check the layout: big-endian refid and offset after the flags. */
	ck_assert_mem_eq(buf, "\x01\x02\x03\xfc\xc0\x00\x02\x01\x09" "192.0.2.1", 18);
	ck_assert_mem_eq(buf + 18, "\xff\xff\xfe\xe0\x8e\x04\xfb\x35", 8);
	ck_assert_int_eq(ctl_status_decode(buf, (size_t)n, &back), 0);
	assert_status_eq(&st, &back);

	/* Empty strings, zeros and a negative zero frequency. */
	st = (struct ctl_status){ .leap = 3, .stratum = 16, .freq_ppm = -0.0 };
	n = ctl_status_encode(&st, buf, sizeof(buf));
	ck_assert_int_eq(n, 53);
	ck_assert_int_eq(ctl_status_decode(buf, (size_t)n, &back), 0);
	assert_status_eq(&st, &back);
	ck_assert(signbit(back.freq_ppm));
}
END_TEST

START_TEST(sources_round_trip)
{
	static struct ctl_source src[CTL_SOURCES_MAX + 1], back[CTL_SOURCES_MAX];
	int counts[] = { 0, 1, 7, CTL_SOURCES_MAX };

	for (int i = 0; i <= CTL_SOURCES_MAX; i++)
		src[i] = sample_source(i);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		int n = counts[k], got = -1;
		int len = ctl_sources_encode(src, n, buf, sizeof(buf));

		ck_assert_int_gt(len, 0);
		ck_assert_int_le(len, CTL_REPLY_PAYLOAD_MAX);
		ck_assert_int_eq(buf[0] << 8 | buf[1], n);
		ck_assert_int_eq(ctl_sources_decode(buf, (size_t)len, back, CTL_SOURCES_MAX, &got), 0);
		ck_assert_int_eq(got, n);
		for (int i = 0; i < n; i++)
			assert_source_eq(&src[i], &back[i]);
	}
	ck_assert_int_eq(ctl_sources_encode(src, CTL_SOURCES_MAX + 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ctl_sources_encode(src, -1, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(sources_over_callers_max)
{
	struct ctl_source src[3] = { sample_source(1), sample_source(2), sample_source(3) };
	struct ctl_source back[2];
	int got = -1;
	int len = ctl_sources_encode(src, 3, buf, sizeof(buf));

	ck_assert_int_eq(ctl_sources_decode(buf, (size_t)len, back, 2, &got), -EBADMSG);
	ck_assert_int_eq(got, 0);
}
END_TEST

/* Every proper prefix of a payload, and the payload with a byte more. */
START_TEST(status_truncations)
{
	struct ctl_status st = sample_status(), back;
	int n = ctl_status_encode(&st, buf, sizeof(buf));

	for (int len = 0; len < n; len++)
		ck_assert_msg(ctl_status_decode(buf, (size_t)len, &back) == -EBADMSG, "length %d", len);
	ck_assert_int_eq(ctl_status_decode(buf, (size_t)n + 1, &back), -EBADMSG);
	for (int cap = 0; cap < n; cap++)
		ck_assert_msg(ctl_status_encode(&st, buf, (size_t)cap) == -ENOSPC, "cap %d", cap);
}
END_TEST

START_TEST(sources_truncations)
{
	struct ctl_source src[3] = { sample_source(4), sample_source(5), sample_source(6) };
	struct ctl_source back[3];
	int got;
	int n = ctl_sources_encode(src, 3, buf, sizeof(buf));

	for (int len = 0; len < n; len++)
		ck_assert_msg(ctl_sources_decode(buf, (size_t)len, back, 3, &got) == -EBADMSG,
			      "length %d", len);
	ck_assert_int_eq(ctl_sources_decode(buf, (size_t)n + 1, back, 3, &got), -EBADMSG);
	for (int cap = 0; cap < n; cap++)
		ck_assert_msg(ctl_sources_encode(src, 3, buf, (size_t)cap) == -ENOSPC, "cap %d", cap);
}
END_TEST

START_TEST(status_fields_out_of_range)
{
	struct ctl_status st = sample_status(), back;
	int n;

	st.leap = 4;
	ck_assert_int_eq(ctl_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = sample_status();
	st.selection = CTL_N_SELECTIONS;
	ck_assert_int_eq(ctl_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = sample_status();
	st.freq_ppm = NAN;
	ck_assert_int_eq(ctl_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = sample_status();
	st.reference[2] = '\n';
	ck_assert_int_eq(ctl_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = sample_status();
	memset(st.clock, 'a', sizeof(st.clock)); /* no NUL */
	ck_assert_int_eq(ctl_status_encode(&st, buf, sizeof(buf)), -EINVAL);

	/* The same on the wire, byte by byte: offsets from the layout. */
	st = sample_status();
	n = ctl_status_encode(&st, buf, sizeof(buf));
	struct { size_t at; uint8_t v; } bad[] = {
		{ 0, 2 },           /* synchronised neither 0 nor 1 */
		{ 1, 4 },           /* leap */
		{ 8, CTL_STR_MAX + 1 }, /* string length */
		{ 9, 0x7f },        /* not printable */
		{ 9, 0x00 },
		{ 26, 0x7f },       /* NaN frequency: exponent all ones */
		{ 60, CTL_N_SELECTIONS },
		{ 62 + 5, 0x1b },   /* escape in the clock's name */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t save = buf[bad[i].at];

		buf[bad[i].at] = bad[i].v;
		if (bad[i].at == 26) /* exponent bits need both bytes */
			buf[27] = 0xf8;
		ck_assert_msg(ctl_status_decode(buf, (size_t)n, &back) == -EBADMSG, "case %zu", i);
		buf[bad[i].at] = save;
		ctl_status_encode(&st, buf, sizeof(buf));
	}
	ck_assert_int_eq(ctl_status_decode(buf, (size_t)n, &back), 0);
}
END_TEST

START_TEST(source_fields_out_of_range)
{
	struct ctl_source s = sample_source(9), back[1];
	int got, n;

	s.state = CTL_N_SOURCE_STATES;
	ck_assert_int_eq(ctl_sources_encode(&s, 1, buf, sizeof(buf)), -EINVAL);
	s = sample_source(9);
	n = ctl_sources_encode(&s, 1, buf, sizeof(buf));
	size_t state_at = 2 + 1 + strlen(s.address);
	buf[state_at] = CTL_N_SOURCE_STATES;
	ck_assert_int_eq(ctl_sources_decode(buf, (size_t)n, back, 1, &got), -EBADMSG);
	buf[state_at] = CTL_SRC_OFFLINE; /* the last state there is */
	ck_assert_int_eq(ctl_sources_decode(buf, (size_t)n, back, 1, &got), 0);
	ck_assert_int_eq(back[0].state, CTL_SRC_OFFLINE);
	buf[0] = 0x01; /* 257 sources announced */
	ck_assert_int_eq(ctl_sources_decode(buf, (size_t)n, back, 1, &got), -EBADMSG);
}
END_TEST

/* The request framing: every prefix waits for more; each bad header
 * field is refused with its own code, the magic as soon as it differs. */
START_TEST(frame_prefixes)
{
	uint8_t req[CTL_HDR_LEN + 3];
	struct ctl_header h = { CTL_MAGIC, CTL_VERSION, CTL_CMD_STATUS, 0, 0, 3 };
	enum ctl_code code;

	ctl_header_encode(&h, req);
	memcpy(req + CTL_HDR_LEN, "abc", 3);
	for (size_t len = 0; len < sizeof(req); len++) {
		ck_assert_msg(ctl_frame_check(req, len, false, 8, &h, &code) == CTL_FRAME_MORE,
			      "length %zu", len);
	}
	ck_assert_int_eq(ctl_frame_check(req, sizeof(req), false, 8, &h, &code), CTL_FRAME_COMPLETE);
	ck_assert_int_eq(h.length, 3);
	/* Bytes past the message do not change the verdict. */
	ck_assert_int_eq(ctl_frame_check(req, sizeof(req), false, 8, &h, &code), CTL_FRAME_COMPLETE);
	/* A payload over the caller's maximum is refused from the header. */
	ck_assert_int_eq(ctl_frame_check(req, CTL_HDR_LEN, false, 2, &h, &code), CTL_FRAME_ERROR);
	ck_assert_int_eq(code, CTL_ERR_LENGTH);
}
END_TEST

START_TEST(frame_bad_magic)
{
	struct ctl_header h;
	enum ctl_code code;

	for (size_t at = 0; at < 4; at++) {
		ctl_request_encode(CTL_CMD_STATUS, buf);
		buf[at] ^= 0x20;
		for (size_t len = 0; len <= CTL_HDR_LEN; len++) {
			enum ctl_frame want = len > at ? CTL_FRAME_ERROR : CTL_FRAME_MORE;

			ck_assert_int_eq(ctl_frame_check(buf, len, false, 8, &h, &code), want);
			if (want == CTL_FRAME_ERROR)
				ck_assert_int_eq(code, CTL_ERR_MAGIC);
		}
	}
}
END_TEST

static enum ctl_code frame_code(const struct ctl_header *h, bool is_reply, size_t max)
{
	struct ctl_header got;
	enum ctl_code code;

	ctl_header_encode(h, buf);
	memset(buf + CTL_HDR_LEN, 0, h->length < 64 ? h->length : 64);
	ck_assert_int_eq(ctl_frame_check(buf, CTL_HDR_LEN + (h->length < 64 ? h->length : 0),
					 is_reply, max, &got, &code),
			 code == CTL_OK ? CTL_FRAME_COMPLETE : CTL_FRAME_ERROR);
	return code;
}

START_TEST(frame_bad_fields)
{
	struct ctl_header ok = { CTL_MAGIC, CTL_VERSION, CTL_CMD_STATUS, 0, 0, 0 }, h;

	h = ok, h.version = 0;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_ERR_VERSION);
	h = ok, h.version = 2, h.length = 5;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_ERR_VERSION);
	h = ok, h.length = 9;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_ERR_LENGTH);
	h = ok, h.length = UINT32_MAX;
	ck_assert_int_eq(frame_code(&h, false, CTL_REQUEST_PAYLOAD_MAX), CTL_ERR_LENGTH);
	h = ok, h.flags = CTL_FLAG_REPLY;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_ERR_FLAGS);
	h = ok, h.code = CTL_ERR_COMMAND;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_ERR_FLAGS);
	/* A reply must carry the reply flag and may carry any code. */
	h = ok;
	ck_assert_int_eq(frame_code(&h, true, 8), CTL_ERR_FLAGS);
	h = ok, h.flags = CTL_FLAG_REPLY, h.code = CTL_ERR_COMMAND;
	ck_assert_int_eq(frame_code(&h, true, 8), CTL_OK);
	/* An unknown command is the daemon's to judge, not the framing's. */
	h = ok, h.command = 200;
	ck_assert_int_eq(frame_code(&h, false, 8), CTL_OK);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(ctl_command_name(CTL_CMD_STATUS), "status");
	ck_assert_str_eq(ctl_command_name(CTL_CMD_SOURCES), "sources");
	ck_assert_ptr_null(ctl_command_name(0));
	ck_assert_ptr_null(ctl_command_name(CTL_CMD_MAX));
	ck_assert_ptr_null(ctl_command_name(255));
	ck_assert_str_eq(ctl_code_name(CTL_ERR_COMMAND), "unknown command");
	ck_assert_str_eq(ctl_code_name((enum ctl_code)200), "unknown error");
	ck_assert_str_eq(ctl_source_state_name(CTL_SRC_NOT_FIT), "not-fit");
	ck_assert_str_eq(ctl_source_state_name(CTL_SRC_OFFLINE), "offline");
	ck_assert_str_eq(ctl_selection_name(CTL_SEL_MAJORITY), "majority");
}
END_TEST

/* xorshift64*: the same bytes on every run, so a failure is repeatable. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Whatever decodes must encode back to the very same bytes: no two
 * encodings of one value, and nothing decoded that cannot be sent. */
static void fuzz_one(const uint8_t *in, size_t len)
{
	static struct ctl_source src[CTL_SOURCES_MAX];
	static uint8_t again[CTL_REPLY_MAX];
	struct ctl_status st;
	struct ctl_header h;
	enum ctl_code code;
	int n;

	ctl_frame_check(in, len, rnd() & 1, rnd() % 300, &h, &code);
	if (ctl_status_decode(in, len, &st) == 0) {
		ck_assert_int_eq(ctl_status_encode(&st, again, sizeof(again)), (int)len);
		ck_assert_mem_eq(again, in, len);
	}
	if (ctl_sources_decode(in, len, src, CTL_SOURCES_MAX, &n) == 0) {
		ck_assert_int_eq(ctl_sources_encode(src, n, again, sizeof(again)), (int)len);
		ck_assert_mem_eq(again, in, len);
	}
}

START_TEST(fuzz_random_bytes)
{
	static uint8_t in[512];

	for (int i = 0; i < 200000; i++) {
		size_t len = rnd() % sizeof(in);

		for (size_t k = 0; k < len; k++)
			in[k] = (uint8_t)rnd();
		fuzz_one(in, len);
	}
}
END_TEST

/* Random bytes rarely get past the first field; mutations of valid
 * messages reach every later check. */
START_TEST(fuzz_mutations)
{
	static uint8_t good[2][CTL_REPLY_MAX], in[CTL_REPLY_MAX];
	struct ctl_source src[4] = { sample_source(0), sample_source(1), sample_source(2),
				     sample_source(3) };
	struct ctl_status st = sample_status();
	int len[2];
	int decoded = 0;

	len[0] = ctl_status_encode(&st, good[0], sizeof(good[0]));
	len[1] = ctl_sources_encode(src, 4, good[1], sizeof(good[1]));
	for (int i = 0; i < 200000; i++) {
		int which = (int)(rnd() & 1);
		size_t n = (size_t)len[which];
		struct ctl_status tmp;
		int got;

		memcpy(in, good[which], n);
		for (int flips = 1 + (int)(rnd() % 3); flips > 0; flips--)
			in[rnd() % n] = (uint8_t)rnd();
		if (rnd() % 8 == 0)
			n = rnd() % (n + 2);
		fuzz_one(in, n);
		decoded += ctl_status_decode(in, n, &tmp) == 0 ||
			   ctl_sources_decode(in, n, src, 4, &got) == 0;
	}
	/* Most mutations land in a number and still decode: the loop did
	 * exercise the round trip, not only the refusals. */
	ck_assert_int_gt(decoded, 10000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl_proto");
	TCase *tc = tcase_create("ctl_proto");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, request_golden_bytes);
	tcase_add_test(tc, reply_header_golden_bytes);
	tcase_add_test(tc, status_round_trip);
	tcase_add_test(tc, sources_round_trip);
	tcase_add_test(tc, sources_over_callers_max);
	tcase_add_test(tc, status_truncations);
	tcase_add_test(tc, sources_truncations);
	tcase_add_test(tc, status_fields_out_of_range);
	tcase_add_test(tc, source_fields_out_of_range);
	tcase_add_test(tc, frame_prefixes);
	tcase_add_test(tc, frame_bad_magic);
	tcase_add_test(tc, frame_bad_fields);
	tcase_add_test(tc, names);
	tcase_add_test(tc, fuzz_random_bytes);
	tcase_add_test(tc, fuzz_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
