/*
 * Unit tests for hostport_split: the forms a server argument takes on the
 * command line, and every way it can be malformed.
 */
#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/hostport.h"

#define DEFAULT_PORT 123

/* Split arg and check the result; host and port are only compared when
 * the split is expected to succeed. */
static void check_ok(const char *arg, const char *want_host, uint16_t want_port)
{
	char host[64];
	uint16_t port = 0;
	ck_assert_int_eq(hostport_split(arg, DEFAULT_PORT, host, sizeof host, &port), 0);
	ck_assert_str_eq(host, want_host);
	ck_assert_uint_eq(port, want_port);
}

/* A failed split must leave the outputs alone. */
static void check_err(const char *arg)
{
	char host[64] = "untouched";
	uint16_t port = 7;
	ck_assert_int_eq(hostport_split(arg, DEFAULT_PORT, host, sizeof host, &port), -EINVAL);
	ck_assert_str_eq(host, "untouched");
	ck_assert_uint_eq(port, 7);
}

START_TEST(test_plain_host)
{
	check_ok("host", "host", DEFAULT_PORT);
	check_ok("pool.ntp.org", "pool.ntp.org", DEFAULT_PORT);
	check_ok("1.2.3.4", "1.2.3.4", DEFAULT_PORT);
}
END_TEST

START_TEST(test_host_port)
{
	check_ok("host:123", "host", 123);
	check_ok("host:1", "host", 1);
	check_ok("host:65535", "host", 65535);
	check_ok("1.2.3.4:4123", "1.2.3.4", 4123);
	check_ok("host:00123", "host", 123);
}
END_TEST

START_TEST(test_ipv6)
{
	check_ok("[::1]:123", "::1", 123);
	check_ok("[::1]:4000", "::1", 4000);
	check_ok("[::1]", "::1", DEFAULT_PORT);
	/* Bare IPv6: the last group is not a port. */
	check_ok("::1", "::1", DEFAULT_PORT);
	check_ok("2001:db8::123", "2001:db8::123", DEFAULT_PORT);
	check_ok("fe80::1%eth0", "fe80::1%eth0", DEFAULT_PORT);
	check_ok("[fe80::1%eth0]:124", "fe80::1%eth0", 124);
}
END_TEST

START_TEST(test_other_default)
{
	char host[16];
	uint16_t port = 0;
	ck_assert_int_eq(hostport_split("[::1]", 4123, host, sizeof host, &port), 0);
	ck_assert_uint_eq(port, 4123);
	ck_assert_int_eq(hostport_split("h", 4124, host, sizeof host, &port), 0);
	ck_assert_uint_eq(port, 4124);
}
END_TEST

START_TEST(test_bad_port)
{
	check_err("1.2.3.4:0");
	check_err("host:99999");
	check_err("host:65536");
	check_err("host:123456789012345678901234567890");
	check_err("host:12x");
	check_err("host:x12");
	check_err("host:");
	check_err("host:-1");
	check_err("host:+123");
	check_err("host: 123");
	check_err("[::1]:0");
	check_err("[::1]:");
	check_err("[::1]:70000");
}
END_TEST

START_TEST(test_bad_shape)
{
	check_err("");
	check_err(":123");
	check_err("[::1");
	check_err("[");
	check_err("[]");
	check_err("[]:123");
	check_err("::1]");
	check_err("host]");
	check_err("[::1]x");
	check_err("[::1]123");
	check_err("[[::1]]:123");
	check_err("[[::1]:123");
	check_err("[::1]:123]");
}
END_TEST

START_TEST(test_host_length)
{
	char host[8] = "keep";
	uint16_t port = 7;
	/* 7 characters and the NUL fit exactly; 8 do not. */
	ck_assert_int_eq(hostport_split("abcdefg:5", DEFAULT_PORT, host, sizeof host, &port), 0);
	ck_assert_str_eq(host, "abcdefg");
	ck_assert_uint_eq(port, 5);
	strcpy(host, "keep");
	port = 7;
	ck_assert_int_eq(hostport_split("abcdefgh", DEFAULT_PORT, host, sizeof host, &port),
			 -EINVAL);
	ck_assert_int_eq(hostport_split("abcdefgh:5", DEFAULT_PORT, host, sizeof host, &port),
			 -EINVAL);
	ck_assert_int_eq(hostport_split("[1:2:3:4::]", DEFAULT_PORT, host, sizeof host, &port),
			 -EINVAL);
	ck_assert_int_eq(hostport_split("1:2:3:4::", DEFAULT_PORT, host, sizeof host, &port),
			 -EINVAL);
	ck_assert_str_eq(host, "keep");
	ck_assert_uint_eq(port, 7);
	ck_assert_int_eq(hostport_split("h", DEFAULT_PORT, host, 0, &port), -EINVAL);
	ck_assert_int_eq(hostport_split("h", DEFAULT_PORT, host, 1, &port), -EINVAL);
}
END_TEST

static Suite *hostport_suite(void)
{
	Suite *s = suite_create("hostport");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_host);
	tcase_add_test(tc, test_host_port);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_other_default);
	tcase_add_test(tc, test_bad_port);
	tcase_add_test(tc, test_bad_shape);
	tcase_add_test(tc, test_host_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(hostport_suite());
}
