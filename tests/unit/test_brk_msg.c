/*
 * Unit tests of the Berkeley datagrams: exact bytes on the wire, sizes,
 * round trips of every type, the MAC (a known answer computed with an
 * independent HMAC-SHA-256), every framing error and every bit flipped.
 */
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "tsync/brk_msg.h"

static struct brk_key key1;

static void setup(void)
{
	key1 = (struct brk_key){ .id = 9, .len = 32 };
	for (int i = 0; i < 32; i++)
		key1.secret[i] = (uint8_t)i;
}

static const struct brk_msg adjust_msg = {
	.type = BRK_ADJUST, .priority = 7, .key_id = 9, .group = 0x42,
	.node = 0x0102030405060708ULL, .to = 0x0a0b0c0d0e0f1011ULL, .seq = 42,
	.round = 0x1122334455667788ULL, .nonce = 0xdeadbeefcafef00dULL, .adjust = -1500000000,
	.t0 = 1795000000123456789LL,
};

/* 239.255.5.25 port 525. */
static const struct brk_bind bind1 = { .addr = { 239, 255, 5, 25 }, .port = 525 };

START_TEST(adjust_bytes_and_mac)
{
	/* Header, body and HMAC-SHA-256 over the group's address and port
	 * and the message, as Python's hmac module computes them. */
	static const uint8_t want[108] = {
		0xc0, 0x42, 0x45, 0x52, 0x02, 0x03, 0x07, 0x00, 0x00, 0x00, 0x00, 0x09,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x01, 0x02, 0x03, 0x04,
		0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x11, 0x22, 0x33, 0x44,
		0x55, 0x66, 0x77, 0x88, 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xf0, 0x0d,
		0xff, 0xff, 0xff, 0xff, 0xa6, 0x97, 0xd1, 0x00, 0x18, 0xe9, 0x1e, 0xfd,
		0x63, 0x2f, 0x4d, 0x15, 0xf7, 0x79, 0x8a, 0x05, 0xa8, 0x98, 0x05, 0x1a,
		0x4f, 0xa2, 0xe2, 0x33, 0x8c, 0xc1, 0xb8, 0xb5, 0x26, 0x52, 0x84, 0xbf,
		0x4a, 0x68, 0x39, 0xd8, 0xaa, 0x4a, 0xae, 0x68, 0x00, 0xe1, 0x41, 0x86,
	};
	uint8_t buf[BRK_MSG_MAX];
	ck_assert_int_eq(brk_msg_encode(&adjust_msg, &key1, &bind1, buf, sizeof(buf)), 108);
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert(brk_msg_verify(buf, 108, &key1, &bind1));
	/* The same bytes in another group (address or port): refused. */
	struct brk_bind other = bind1;
	other.port = 526;
	ck_assert(!brk_msg_verify(buf, 108, &key1, &other));
	other = bind1;
	other.addr[3] = 26;
	ck_assert(!brk_msg_verify(buf, 108, &key1, &other));
	ck_assert(!brk_msg_verify(buf, 108, &key1, NULL));
}
END_TEST

START_TEST(sizes)
{
	ck_assert_uint_eq(brk_msg_len(BRK_POLL), 132);
	ck_assert_uint_eq(brk_msg_len(BRK_REPLY), 132);
	ck_assert_uint_eq(brk_msg_len(BRK_ADJUST), 108);
	ck_assert_uint_eq(brk_msg_len(BRK_ACK), 100);
	ck_assert_uint_eq(brk_msg_len(0), 0);
	ck_assert_uint_eq(brk_msg_len(5), 0);
	/* An answer is never larger than what it answers. */
	ck_assert_uint_le(brk_msg_len(BRK_REPLY), brk_msg_len(BRK_POLL));
	ck_assert_uint_le(brk_msg_len(BRK_ACK), brk_msg_len(BRK_ADJUST));
}
END_TEST

static void round_trip(const struct brk_msg *m)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg d;
	int n = brk_msg_encode(m, &key1, NULL, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)brk_msg_len(m->type));
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_OK);
	ck_assert_mem_eq(&d, m, sizeof(d));
	ck_assert(brk_msg_verify(buf, (size_t)n, &key1, NULL));
}

START_TEST(every_type_round_trips)
{
	struct brk_msg m = { .type = BRK_POLL, .priority = 255, .key_id = 9, .node = ~0ULL,
			     .seq = 1, .round = 5, .t0 = 1795000000123456789LL,
			     .interval_ms = 500 };
	round_trip(&m);
	m = (struct brk_msg){ .type = BRK_REPLY, .key_id = 9, .node = 3, .seq = ~0ULL, .round = 5,
			      .t0 = 1, .t1 = -2, .t2 = INT64_MAX, .p1 = INT64_MIN, .p2 = 3,
			      .group = 1, .to = 2, .nonce = ~0ULL };
	round_trip(&m);
	round_trip(&adjust_msg);
	m = adjust_msg;
	m.type = BRK_ACK;
	m.adjust = INT64_MIN;
	m.t0 = 0; /* an ACK carries no t0 */
	round_trip(&m);
}
END_TEST

START_TEST(every_bit_matters)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg d;
	int n = brk_msg_encode(&adjust_msg, &key1, NULL, buf, sizeof(buf));
	for (int i = 0; i < n * 8; i++) {
		buf[i / 8] ^= (uint8_t)(1 << (i % 8));
		bool framed = brk_msg_decode(buf, (size_t)n, &d) == BRK_MSG_OK;
		ck_assert_msg(!(framed && brk_msg_verify(buf, (size_t)n, &key1, NULL)), "bit %d", i);
		buf[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
}
END_TEST

START_TEST(wrong_key)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_key other = key1;
	other.secret[31] ^= 1;
	int n = brk_msg_encode(&adjust_msg, &key1, NULL, buf, sizeof(buf));
	ck_assert(!brk_msg_verify(buf, (size_t)n, &other, NULL));
	other = key1;
	other.id = 10; /* same secret, another id: the message names key 9 */
	ck_assert(!brk_msg_verify(buf, (size_t)n, &other, NULL));
	ck_assert(!brk_msg_verify(buf, (size_t)n, NULL, NULL));
}
END_TEST

START_TEST(auth_none)
{
	uint8_t buf[BRK_MSG_MAX], zero[BRK_MAC_LEN] = { 0 };
	struct brk_msg m = adjust_msg;
	m.key_id = 0;
	int n = brk_msg_encode(&m, NULL, NULL, buf, sizeof(buf));
	ck_assert_int_eq(n, 108);
	ck_assert_mem_eq(buf + n - BRK_MAC_LEN, zero, BRK_MAC_LEN);
	ck_assert(brk_msg_verify(buf, (size_t)n, NULL, NULL));
	ck_assert(!brk_msg_verify(buf, (size_t)n, &key1, NULL));
	buf[n - 1] = 1; /* a MAC where none may be */
	ck_assert(!brk_msg_verify(buf, (size_t)n, NULL, NULL));
}
END_TEST

START_TEST(encode_errors)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg m = adjust_msg;
	ck_assert_int_eq(brk_msg_encode(&m, &key1, NULL, buf, 99), -ENOSPC);
	ck_assert_int_eq(brk_msg_encode(&m, NULL, NULL, buf, sizeof(buf)), -EINVAL);
	m.key_id = 0;
	ck_assert_int_eq(brk_msg_encode(&m, &key1, NULL, buf, sizeof(buf)), -EINVAL);
	m = adjust_msg;
	m.type = 9;
	ck_assert_int_eq(brk_msg_encode(&m, &key1, NULL, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(decode_errors)
{
	uint8_t buf[BRK_MSG_MAX + 1] = { 0 };
	struct brk_msg d;
	int n = brk_msg_encode(&adjust_msg, &key1, NULL, buf, sizeof(buf));
	ck_assert_int_eq(brk_msg_decode(buf, BRK_HDR_LEN - 1, &d), BRK_MSG_LENGTH);
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n - 1, &d), BRK_MSG_LENGTH);
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n + 1, &d), BRK_MSG_LENGTH);
	buf[4] = 1; /* the first version, whose messages bound nothing */
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_VERSION);
	buf[4] = BRK_VERSION;
	buf[5] = 0;
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_TYPE);
	buf[5] = 5;
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_TYPE);
	buf[5] = BRK_ADJUST;
	buf[7] = 1;
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_RESERVED);
	buf[7] = 0;
	buf[0] = 0x23; /* an NTPv4 client request begins so */
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_MAGIC);
	ck_assert_str_eq(brk_msg_err_name(BRK_MSG_MAGIC), "bad magic");
}
END_TEST

START_TEST(poll_padding_is_zero)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg d, m = { .type = BRK_POLL, .key_id = 9, .t0 = 5 };
	int n = brk_msg_encode(&m, &key1, NULL, buf, sizeof(buf));
	buf[BRK_HDR_LEN + 39] = 1;
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)n, &d), BRK_MSG_RESERVED);
}
END_TEST

START_TEST(ntp_never_ours)
{
	/* A 48-byte NTP packet and a 92-byte one with a MAC are refused. */
	uint8_t ntp[92] = { 0x23 };
	struct brk_msg d;
	ck_assert_int_eq(brk_msg_decode(ntp, 48, &d), BRK_MSG_MAGIC);
	ck_assert_int_eq(brk_msg_decode(ntp, 92, &d), BRK_MSG_MAGIC);
	ck_assert_str_eq(brk_type_name(BRK_POLL), "POLL");
	ck_assert_str_eq(brk_type_name(200), "?");
}
END_TEST

static Suite *msg_suite(void)
{
	Suite *s = suite_create("brk_msg");
	TCase *tc = tcase_create("msg");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, adjust_bytes_and_mac);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, every_type_round_trips);
	tcase_add_test(tc, every_bit_matters);
	tcase_add_test(tc, wrong_key);
	tcase_add_test(tc, auth_none);
	tcase_add_test(tc, encode_errors);
	tcase_add_test(tc, decode_errors);
	tcase_add_test(tc, poll_padding_is_zero);
	tcase_add_test(tc, ntp_never_ours);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(msg_suite());
}
