/*
 * Unit tests of the keys file parser: every type in chrony's form (HEX:
 * and ASCII keys) and Berkeley's, and every error with its exact
 * "FILE:LINE: message"; a failed parse leaves no key behind.
 */
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsync/keys.h"

static struct keys_ring ring;
static char err[256];

#define HEX16 "000102030405060708090a0b0c0d0e0f"
#define HEX32 HEX16 "101112131415161718191a1b1c1d1e1f"

static int parse(const char *text)
{
	return keys_parse(&ring, text, strlen(text), "k", err, sizeof(err));
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(ring.n, 0);
}

static const struct keys_key *key(uint32_t id, int type, int len)
{
	const struct keys_key *k = keys_find(&ring, id);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->type, type);
	ck_assert_int_eq(k->len, len);
	return k;
}

START_TEST(every_type)
{
	ck_assert_int_eq(parse("1 AES128 HEX:" HEX16 "\n"
			       "2 aes256 HEX:" HEX32 "\n"
			       "3 SHA1 ASCII:sixteen-byte-key\n"
			       "4 SHA256 a-key-without-prefix\n"
			       "5 Sha512 HEX:" HEX32 HEX32 "\n"
			       "6 hmac-sha256 " HEX16 "\n"), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(ring.n, 6);
	ck_assert_int_eq(key(1, KEYS_AES128, 16)->secret[15], 0x0f);
	ck_assert_int_eq(key(2, KEYS_AES256, 32)->secret[31], 0x1f);
	ck_assert_mem_eq(key(3, KEYS_SHA1, 16)->secret, "sixteen-byte-key", 16);
	ck_assert_mem_eq(key(4, KEYS_SHA256, 20)->secret, "a-key-without-prefix", 20);
	key(5, KEYS_SHA512, 64);
	ck_assert_int_eq(key(6, KEYS_HMAC_SHA256, 16)->secret[1], 0x01);
	ck_assert_str_eq(keys_type_name(KEYS_AES128), "AES128");
	ck_assert_str_eq(keys_type_name(KEYS_HMAC_SHA256), "hmac-sha256");
	ck_assert_str_eq(keys_type_name(0), "unknown");
	keys_wipe(&ring);
	ck_assert_int_eq(ring.n, 0);
	ck_assert_int_eq(ring.key[0].secret[15], 0);
}
END_TEST

/* HEX: digits in either case; ASCII: exactly the bytes given. */
START_TEST(key_forms)
{
	ck_assert_int_eq(parse("7 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1 # chrony's example\r\n"
			       "8 SHA1 ASCII:ASCII:and:colons"), 0);
	ck_assert_int_eq(key(7, KEYS_AES128, 16)->secret[0], 0x7e);
	ck_assert_mem_eq(key(8, KEYS_SHA1, 16)->secret, "ASCII:and:colons", 16);
}
END_TEST

START_TEST(errors)
{
	bad("1 AES128\n", "k:1: want \"ID TYPE KEY\"");
	bad("\n\n1 AES128 HEX:" HEX16 " x\n", "k:3: want \"ID TYPE KEY\"");
	bad("1 tulip\n", "k:1: want \"ID TYPE KEY\"");
	bad("0 AES128 HEX:" HEX16, "k:1: key id is not a number 1..4294967295");
	bad("4294967296 SHA1 HEX:" HEX16, "k:1: key id is not a number 1..4294967295");
	bad("1 MD5 HEX:" HEX16, "k:1: MD5 is refused (RFC 8573 deprecates it): use AES128");
	bad("1 SHA384 HEX:" HEX16, "k:1: unknown key type \"SHA384\" (AES128, AES256, SHA1, "
				   "SHA256, SHA512, hmac-sha256)");
	/* A type is quoted printable and cut short (found by fuzz_brk_keys). */
	bad("1 h\xd1" "ac-sha512 HEX:" HEX16, "k:1: unknown key type \"h?ac-sha512\" (AES128, "
				   "AES256, SHA1, SHA256, SHA512, hmac-sha256)");
	bad("1 abcdefghijklmnopqrstuvwxyz HEX:" HEX16, "k:1: unknown key type "
				   "\"abcdefghijklmnopqrstuvwx...\" (AES128, AES256, SHA1, SHA256, SHA512, "
				   "hmac-sha256)");
	bad("1 AES128 HEX:" HEX16 "0", "k:1: HEX: key is not an even number of hex digits, "
				       "at most 128");
	bad("1 AES128 HEX:0g" HEX16, "k:1: HEX: key is not an even number of hex digits, "
				     "at most 128");
	bad("1 SHA1 HEX:" HEX32 HEX32 "00", "k:1: HEX: key is not an even number of hex "
					    "digits, at most 128");
	bad("1 AES128 HEX:" HEX32, "k:1: AES128 key must be 16 bytes, not 32");
	bad("1 AES256 HEX:" HEX16, "k:1: AES256 key must be 32 bytes, not 16");
	bad("1 AES128 fifteen-bytes!!", "k:1: AES128 key must be 16 bytes, not 15");
	bad("1 SHA256 HEX:00010203040506070809", "k:1: key shorter than 16 bytes (128 bits)");
	bad("1 SHA1 crocus", "k:1: key shorter than 16 bytes (128 bits)");
	bad("1 SHA1 HEX:", "k:1: key shorter than 16 bytes (128 bits)");
	bad("1 SHA1 ASCII:" HEX32 HEX16 "0", "k:1: key longer than 64 bytes");
	bad("1 hmac-sha256 HEX:" HEX16, "k:1: key is not 32..128 hex digits");
	bad("1 SHA1 HEX:" HEX16 "\n1 AES128 HEX:" HEX16, "k:2: key 1 given twice");
}
END_TEST

START_TEST(too_many)
{
	char text[KEYS_MAX * 64 + 64], *p = text;
	for (int i = 1; i <= KEYS_MAX + 1; i++)
		p += sprintf(p, "%d AES128 HEX:" HEX16 "\n", i);
	bad(text, "k:65: more than 64 keys");
	text[strlen(text) - strlen("65 AES128 HEX:" HEX16 "\n")] = '\0';
	ck_assert_int_eq(parse(text), 0);
	ck_assert_int_eq(ring.n, KEYS_MAX);
}
END_TEST

START_TEST(nul_and_long)
{
	char text[700];
	ck_assert_int_eq(keys_parse(&ring, "1 SHA1\0", 7, "k", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "k:1: NUL byte in the line");
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	bad(text, "k:1: line longer than 512 bytes");
}
END_TEST

static Suite *keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, every_type);
	tcase_add_test(tc, key_forms);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, too_many);
	tcase_add_test(tc, nul_and_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(keys_suite());
}
