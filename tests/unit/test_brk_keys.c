/*
 * Unit tests of Berkeley's view of the keys file: its hmac-sha256 form,
 * comments and CRLF, and its errors with their exact messages; a failed
 * parse leaves no key behind.
 */
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "tsync/brk_keys.h"

static struct brk_keyring ring;
static char err[256];

#define HEX32 "000102030405060708090a0b0c0d0e0f"

static int parse(const char *text)
{
	return brk_keys_parse(&ring, text, strlen(text), "k", err, sizeof(err));
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(ring.n, 0);
}

START_TEST(good)
{
	ck_assert_int_eq(parse("# keys\n1 hmac-sha256 " HEX32 "\r\n\n  42\thmac-sha256 " HEX32 HEX32
			       "  # the second\n4294967295 hmac-sha256 " HEX32), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(ring.n, 3);
	const struct brk_key *k = brk_keys_find(&ring, 42);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->len, 32);
	ck_assert_int_eq(k->secret[31], 0x0f);
	ck_assert_int_eq(brk_keys_find(&ring, 1)->len, 16);
	ck_assert_ptr_nonnull(brk_keys_find(&ring, 4294967295u));
	ck_assert_ptr_null(brk_keys_find(&ring, 2));
	brk_keys_wipe(&ring);
	ck_assert_int_eq(ring.n, 0);
	ck_assert_int_eq(ring.key[0].secret[1], 0);
}
END_TEST

START_TEST(errors)
{
	bad("1 hmac-sha256\n", "k:1: want \"ID TYPE KEY\"");
	bad("\n1 hmac-sha256 " HEX32 " x\n", "k:2: want \"ID TYPE KEY\"");
	bad("0 hmac-sha256 " HEX32, "k:1: key id is not a number 1..4294967295");
	bad("4294967296 hmac-sha256 " HEX32, "k:1: key id is not a number 1..4294967295");
	bad("x1 hmac-sha256 " HEX32, "k:1: key id is not a number 1..4294967295");
	bad("-1 hmac-sha256 " HEX32, "k:1: key id is not a number 1..4294967295");
	bad("1 md5 " HEX32, "k:1: MD5 is refused (RFC 8573 deprecates it): use AES128");
	bad("1 hmac-sha256 0001020304050607", "k:1: key is not 32..128 hex digits");
	bad("1 hmac-sha256 " HEX32 "0", "k:1: key is not 32..128 hex digits");
	bad("1 hmac-sha256 " HEX32 HEX32 HEX32 HEX32 "00", "k:1: key is not 32..128 hex digits");
	bad("1 hmac-sha256 g00102030405060708090a0b0c0d0e0f", "k:1: key is not 32..128 hex digits");
	bad("1 hmac-sha256 " HEX32 "\n1 hmac-sha256 " HEX32, "k:2: key 1 given twice");
}
END_TEST

static Suite *keys_suite(void)
{
	Suite *s = suite_create("brk_keys");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, good);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(keys_suite());
}
