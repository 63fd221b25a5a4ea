/*
 * Unit tests of Berkeley's per-member keys: which key each node signs
 * with, and every verdict on a message: a member under its own key, an
 * insider under the group key or its own key claiming another member's
 * id or a new one, a member key we do not hold, auth none, a bad MAC.
 */
#include "unit.h"
#include <string.h>

#include "tsync/brk_auth.h"

#define A 0xa1 /* nodes with keys of their own: 5 and 6 */
#define B 0xb2
#define C 0xc3 /* no key of its own */
#define HEX32 "000102030405060708090a0b0c0d0e0f"
#define HEX32B "100102030405060708090a0b0c0d0e0f"
#define HEX32C "200102030405060708090a0b0c0d0e0f"

static struct brk_keyring ring;
static const struct brk_member_key rows[] = { { A, 5 }, { B, 6 }, { 0xd4, 7 } };
static struct brk_auth auth;
static const struct brk_bind bind1 = { .addr = { 239, 255, 5, 25 }, .port = 525 };
static uint8_t buf[BRK_MSG_MAX];
static struct brk_msg msg;
static int len;

static void setup(void)
{
	/* Key 7 (node d4's) is not in this ring: we cannot hear d4. */
	const char *text = "1 hmac-sha256 " HEX32 "\n5 hmac-sha256 " HEX32B "\n6 hmac-sha256 " HEX32C "\n";
	char err[128];
	ck_assert_int_eq(brk_keys_parse(&ring, text, strlen(text), "k", err, sizeof(err)), 0);
	auth = (struct brk_auth){ .ring = &ring, .group_key = 1, .member = rows, .n_member = 3 };
}

/* An ACK from node `from`, signed with key `sign` (0: none) and carrying
 * key id `said`. */
static enum brk_auth_verdict from(uint64_t node, uint32_t sign, uint32_t said)
{
	struct brk_msg m = { .type = BRK_ACK, .node = node, .to = 9, .seq = 3, .round = 4,
			     .key_id = sign };
	const struct brk_key *k = sign ? brk_keys_find(&ring, sign) : NULL;
	if (sign != 0)
		ck_assert_ptr_nonnull(k);
	len = brk_msg_encode(&m, k, &bind1, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	if (said != sign) /* the key id in the header, as a forger may set it */
		buf[11] = (uint8_t)said;
	ck_assert_int_eq(brk_msg_decode(buf, (size_t)len, &msg), BRK_MSG_OK);
	return brk_auth_check(&auth, buf, (size_t)len, &msg, &bind1);
}

START_TEST(key_of_each_node)
{
	ck_assert_uint_eq(brk_auth_key_of(&auth, A), 5);
	ck_assert_uint_eq(brk_auth_key_of(&auth, B), 6);
	ck_assert_uint_eq(brk_auth_key_of(&auth, C), 1);
	auth.group_key = 0;
	ck_assert_uint_eq(brk_auth_key_of(&auth, C), 0);
	ck_assert_uint_eq(brk_auth_key_of(&auth, 0xd4), 7);
}
END_TEST

START_TEST(members_speak_for_themselves)
{
	ck_assert_int_eq(from(A, 5, 5), BRK_AUTH_OK);
	ck_assert_int_eq(from(B, 6, 6), BRK_AUTH_OK);
	ck_assert_int_eq(from(C, 1, 1), BRK_AUTH_OK); /* the group key, for a node without one */
}
END_TEST

START_TEST(insider_for_another_is_impostor)
{
	ck_assert_int_eq(from(B, 1, 1), BRK_AUTH_IMPOSTOR); /* the group key, for B */
	ck_assert_int_eq(from(B, 5, 5), BRK_AUTH_IMPOSTOR); /* A's key, for B */
	ck_assert_int_eq(from(C, 5, 5), BRK_AUTH_IMPOSTOR); /* A's key, for a node without one */
	ck_assert_int_eq(from(0x99, 6, 6), BRK_AUTH_IMPOSTOR); /* B's key, for a new id */
	/* A's MAC under A's key, labelled as B's key: still not B. */
	ck_assert_int_eq(from(A, 5, 6), BRK_AUTH_IMPOSTOR);
}
END_TEST

START_TEST(unknown_and_bad)
{
	ck_assert_int_eq(from(C, 1, 2), BRK_AUTH_UNKNOWN_KEY); /* key 2: nobody's */
	ck_assert_int_eq(from(C, 0, 0), BRK_AUTH_UNKNOWN_KEY); /* unkeyed, not auth none */
	/* Node d4's key 7 is not ours: d4 cannot be heard, nor spoken for. */
	ck_assert_int_eq(from(0xd4, 1, 7), BRK_AUTH_UNKNOWN_KEY);
	ck_assert_int_eq(from(0xd4, 1, 1), BRK_AUTH_IMPOSTOR);
	from(A, 5, 5);
	buf[len - 1] ^= 1;
	ck_assert_int_eq(brk_auth_check(&auth, buf, (size_t)len, &msg, &bind1), BRK_AUTH_BAD_MAC);
	struct brk_bind other = bind1;
	other.port = 526; /* the same bytes in another group */
	from(A, 5, 5);
	ck_assert_int_eq(brk_auth_check(&auth, buf, (size_t)len, &msg, &other), BRK_AUTH_BAD_MAC);
}
END_TEST

START_TEST(members_only_and_auth_none)
{
	auth.group_key = 0; /* no group key: only nodes with keys of their own */
	ck_assert_int_eq(from(A, 5, 5), BRK_AUTH_OK);
	ck_assert_int_eq(from(C, 1, 1), BRK_AUTH_UNKNOWN_KEY);
	ck_assert_int_eq(from(C, 0, 0), BRK_AUTH_UNKNOWN_KEY);
	auth.none = true; /* auth none, no members */
	auth.n_member = 0;
	ck_assert_int_eq(from(C, 0, 0), BRK_AUTH_OK);
	ck_assert_int_eq(from(C, 1, 1), BRK_AUTH_UNKNOWN_KEY);
	from(C, 0, 0);
	buf[len - 1] = 1; /* auth none's MAC is all zero */
	ck_assert_int_eq(brk_auth_check(&auth, buf, (size_t)len, &msg, &bind1), BRK_AUTH_BAD_MAC);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("brk_auth");
	TCase *tc = tcase_create("auth");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, key_of_each_node);
	tcase_add_test(tc, members_speak_for_themselves);
	tcase_add_test(tc, insider_for_another_is_impostor);
	tcase_add_test(tc, unknown_and_bad);
	tcase_add_test(tc, members_only_and_auth_none);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(auth_suite());
}
