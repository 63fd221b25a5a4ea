/*
 * Unit tests of allow/deny and the server's gate: the most specific prefix
 * for IPv4, IPv6 and mapped addresses, the KoD packets byte by byte, and
 * the allow, deny and ratelimit directives with their exact errors.
 */
#include <arpa/inet.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/config.h"
#include "tsync/ntp_access.h"
#include "tsync/ntp_pkt.h"

#define SEC INT64_C(1000000000)
#define T1 (INT64_C(1700000000) * SEC + SEC / 4)

static struct acl acl;

/* Add "ADDR/LEN" with action; returns acl_add's result. */
static int add(const char *cidr, int action, unsigned long line)
{
	char a[64];
	const char *slash = strchr(cidr, '/');
	struct acl_rule r = { .action = (uint8_t)action, .line = line };
	const struct acl_rule *clash = NULL;

	if (strcmp(cidr, "all") == 0)
		return acl_add(&acl, &r, &clash);
	snprintf(a, sizeof(a), "%.*s", (int)(slash ? slash - cidr : (long)strlen(cidr)), cidr);
	r.len = inet_pton(AF_INET, a, r.addr) == 1 ? 4 : 16;
	if (r.len == 16)
		ck_assert_int_eq(inet_pton(AF_INET6, a, r.addr), 1);
	r.prefix = (uint8_t)(slash ? atoi(slash + 1) : r.len * 8);
	int rc = acl_add(&acl, &r, &clash);
	if (rc == -EEXIST)
		ck_assert_uint_eq(clash->line, 1);
	return rc;
}

static int check(const char *addr)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return acl_check(&acl, b, 4);
	ck_assert_int_eq(inet_pton(AF_INET6, addr, b), 1);
	return acl_check(&acl, b, 16);
}

static void rules_v4(bool reversed)
{
	static const char *const cidr[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24",
					    "10.1.2.3", "10.1.2.128/25" };
	static const int action[] = { ACL_ALLOW, ACL_DENY, ACL_ALLOW, ACL_DENY_KOD, ACL_DENY };

	memset(&acl, 0, sizeof(acl));
	for (int i = 0; i < 5; i++) {
		int k = reversed ? 4 - i : i;
		ck_assert_int_eq(add(cidr[k], action[k], 2), 0);
	}
}

START_TEST(most_specific_v4)
{
	for (int rev = 0; rev < 2; rev++) {
		rules_v4(rev);
		ck_assert_int_eq(check("10.5.5.5"), ACL_ALLOW);
		ck_assert_int_eq(check("10.1.9.9"), ACL_DENY);
		ck_assert_int_eq(check("10.1.2.9"), ACL_ALLOW);
		ck_assert_int_eq(check("10.1.2.127"), ACL_ALLOW);
		ck_assert_int_eq(check("10.1.2.128"), ACL_DENY);
		ck_assert_int_eq(check("10.1.2.3"), ACL_DENY_KOD);
		/* An allow rule exists: what none matches is denied. */
		ck_assert_int_eq(check("11.0.0.1"), ACL_DENY);
		ck_assert_int_eq(check("::1"), ACL_DENY);
		/* Mapped IPv6 is IPv4. */
		ck_assert_int_eq(check("::ffff:10.1.2.3"), ACL_DENY_KOD);
		ck_assert_int_eq(check("::ffff:10.1.2.9"), ACL_ALLOW);
		ck_assert_int_eq(check("::ffff:11.0.0.1"), ACL_DENY);
	}
}
END_TEST

START_TEST(most_specific_v6)
{
	memset(&acl, 0, sizeof(acl));
	ck_assert_int_eq(add("2001:db8::/32", ACL_ALLOW, 1), 0);
	ck_assert_int_eq(add("2001:db8:1::/48", ACL_DENY, 1), 0);
	ck_assert_int_eq(add("2001:db8:1:2::/63", ACL_ALLOW, 1), 0);
	ck_assert_int_eq(check("2001:db8:9::1"), ACL_ALLOW);
	ck_assert_int_eq(check("2001:db8:1:5::1"), ACL_DENY);
	ck_assert_int_eq(check("2001:db8:1:3::1"), ACL_ALLOW);
	ck_assert_int_eq(check("2001:db8:1:4::1"), ACL_DENY);
	ck_assert_int_eq(check("2001:db9::1"), ACL_DENY);
	ck_assert_int_eq(check("192.0.2.1"), ACL_DENY);
}
END_TEST

START_TEST(no_allow_means_open)
{
	memset(&acl, 0, sizeof(acl));
	ck_assert_int_eq(check("192.0.2.1"), ACL_ALLOW);
	ck_assert_int_eq(check("2001:db8::1"), ACL_ALLOW);
	ck_assert_int_eq(add("192.0.2.0/24", ACL_DENY, 1), 0);
	ck_assert_int_eq(check("192.0.2.1"), ACL_DENY);
	ck_assert_int_eq(check("192.0.3.1"), ACL_ALLOW);
	ck_assert_int_eq(check("2001:db8::1"), ACL_ALLOW);
}
END_TEST

/* A family's /0 is more specific than "all"; mapped rules are IPv4 rules. */
START_TEST(all_and_mapped_rules)
{
	memset(&acl, 0, sizeof(acl));
	ck_assert_int_eq(add("0.0.0.0/0", ACL_DENY, 1), 0);
	ck_assert_int_eq(add("all", ACL_ALLOW, 1), 0);
	ck_assert_int_eq(add("::ffff:192.0.2.0/120", ACL_ALLOW, 1), 0);
	ck_assert_int_eq(check("198.51.100.1"), ACL_DENY);
	ck_assert_int_eq(check("192.0.2.7"), ACL_ALLOW);
	ck_assert_int_eq(check("2001:db8::1"), ACL_ALLOW);
	ck_assert_int_eq(acl.rule[0].len, 4);
	ck_assert_int_eq(acl.rule[0].prefix, 24);
	/* The same prefix written as mapped IPv6 is a clash. */
	ck_assert_int_eq(add("192.0.2.0/24", ACL_DENY, 3), -EEXIST);
}
END_TEST

START_TEST(bad_rules)
{
	memset(&acl, 0, sizeof(acl));
	ck_assert_int_eq(add("10.1.2.3/8", ACL_ALLOW, 1), -EINVAL);
	ck_assert_int_eq(add("2001:db8::1/64", ACL_ALLOW, 1), -EINVAL);
	ck_assert_int_eq(add("10.0.0.0/33", ACL_ALLOW, 1), -EINVAL);
	ck_assert_int_eq(acl.n, 0);
	ck_assert_int_eq(add("10.0.0.0/8", ACL_ALLOW, 1), 0);
	ck_assert_int_eq(add("10.0.0.0/8", ACL_DENY, 2), -EEXIST);
	for (int i = 1; i < ACL_MAX_RULES; i++) {
		char a[32];
		snprintf(a, sizeof(a), "11.0.%d.0/24", i);
		ck_assert_int_eq(add(a, ACL_DENY, 5), 0);
	}
	ck_assert_int_eq(add("12.0.0.0/8", ACL_DENY, 5), -ENOSPC);
	ck_assert_int_eq(check("10.9.9.9"), ACL_ALLOW);
}
END_TEST

/* ------------------------------------------------------------ the gate */

static const ntp_ts_t XMT = UINT64_C(0xe8fe6f809abcdef0);

static void request(uint8_t *b, size_t len, int mode)
{
	memset(b, 0, len);
	b[0] = (uint8_t)(4 << 3 | mode);
	b[2] = 6;
	for (int i = 0; i < 8; i++)
		b[40 + i] = (uint8_t)(XMT >> (56 - 8 * i));
}

static void check_kod(const uint8_t *out, size_t out_len, const char *code, int poll)
{
	struct ntp_pkt p;

	ck_assert_uint_eq(out_len, NTP_PKT_LEN);
	ck_assert_int_eq(out[0], 0xc0 | 4 << 3 | 4); /* leap 3, v4, mode 4 */
	ck_assert_int_eq(out[1], 0);                 /* stratum 0: KoD */
	ck_assert_int_eq((int8_t)out[2], poll);
	ck_assert_mem_eq(out + 12, code, 4);
	ck_assert_int_eq(ntp_pkt_decode(&p, out, out_len), NTP_PKT_OK);
	ck_assert_uint_eq(p.org, XMT);
	ck_assert_uint_eq(p.rec, ntp_ts_from_ns(T1));
	ck_assert_uint_eq(p.ref, 0);
}

START_TEST(kod_deny_and_silence)
{
	static const uint8_t kodder[4] = { 10, 1, 2, 3 }, quiet[4] = { 10, 1, 9, 9 },
			     fine[4] = { 10, 1, 2, 9 };
	struct ntp_access gate = { .acl = &acl };
	uint8_t req[68], out[NTP_PKT_LEN + 8];
	size_t out_len = 0;

	rules_v4(false);
	request(req, 68, NTP_MODE_CLIENT); /* 48 + a 20-byte MAC */
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(ntp_access_check(&gate, kodder, 4, req, 68, T1, 0, out, &out_len),
			 NTP_ACCESS_KOD_DENY);
	check_kod(out, out_len, "DENY", 6); /* the client's poll */
	ck_assert_int_eq(out[NTP_PKT_LEN], 0xa5); /* nothing past the header */
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(ntp_access_check(&gate, quiet, 4, req, 68, T1, 0, out, &out_len),
			 NTP_ACCESS_DENIED);
	ck_assert_int_eq(ntp_access_check(&gate, fine, 4, req, 68, T1, 0, out, &out_len),
			 NTP_ACCESS_SERVE);
	ck_assert_int_eq(out[0], 0xa5);
	/* Mode 6 and a short request from a `kod` address: silence. */
	request(req, 48, NTP_MODE_CONTROL);
	ck_assert_int_eq(ntp_access_check(&gate, kodder, 4, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_DENIED);
	request(req, 48, NTP_MODE_CLIENT);
	ck_assert_int_eq(ntp_access_check(&gate, kodder, 4, req, 47, T1, 0, out, &out_len),
			 NTP_ACCESS_DENIED);
	ck_assert_int_eq(out[0], 0xa5);
}
END_TEST

START_TEST(kod_rate)
{
	static const uint8_t a[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 };
	static const uint64_t key[2] = { 1, 2 };
	struct rl_params p = { .interval = 0, .burst = 1, .leak = 1, .table = 8, .v6prefix = 64 };
	struct rl_table rl;
	struct ntp_access gate = { .acl = &acl, .rl = &rl };
	uint8_t req[48], out[NTP_PKT_LEN];
	size_t out_len = 0;

	memset(&acl, 0, sizeof(acl));
	ck_assert_int_eq(rl_init(&rl, &p, key), 0);
	request(req, 48, NTP_MODE_CLIENT);
	ck_assert_int_eq(ntp_access_check(&gate, a, 16, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_SERVE);
	ck_assert_int_eq(ntp_access_check(&gate, a, 16, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_RATELIMITED);
	ck_assert_int_eq(ntp_access_check(&gate, a, 16, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_KOD_RATE);
	check_kod(out, out_len, "RATE", 6); /* above the interval, 0: kept */
	/* The mapped address was counted as IPv4 192.0.2.1. */
	ck_assert_int_eq(ntp_access_check(&gate, a + 12, 4, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_RATELIMITED);
	/* The KoD's turn on a mode 2 packet: silence. */
	req[0] = 4 << 3 | 2;
	ck_assert_int_eq(ntp_access_check(&gate, a + 12, 4, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_RATELIMITED);
	ck_assert_int_eq(ntp_access_check(&gate, a + 12, 4, req, 48, T1, SEC, out, &out_len),
			 NTP_ACCESS_SERVE);
	rl_free(&rl);

	/* An interval above the client's poll raises the KoD's poll to it. */
	p.interval = 10;
	p.leak = 0;
	ck_assert_int_eq(rl_init(&rl, &p, key), 0);
	req[0] = 4 << 3 | 3;
	ck_assert_int_eq(ntp_access_check(&gate, a, 16, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_SERVE);
	ck_assert_int_eq(ntp_access_check(&gate, a, 16, req, 48, T1, 0, out, &out_len),
			 NTP_ACCESS_KOD_RATE);
	check_kod(out, out_len, "RATE", 10);
	rl_free(&rl);
}
END_TEST

START_TEST(verdict_names)
{
	ck_assert_str_eq(ntp_access_verdict_name(NTP_ACCESS_DENIED), "denied");
	ck_assert_str_eq(ntp_access_verdict_name(NTP_ACCESS_RATELIMITED), "ratelimited");
	ck_assert_str_eq(ntp_access_verdict_name(NTP_ACCESS_KOD_DENY), "kod_deny");
	ck_assert_str_eq(ntp_access_verdict_name(NTP_ACCESS_KOD_RATE), "kod_rate");
	ck_assert_str_eq(ntp_access_verdict_name(NTP_ACCESS_N), "unknown");
}
END_TEST

/* ---------------------------------------------------------- directives */

static struct tsyncd_config cfg;
static char err[256];

static int parse(const char *text)
{
	cfg_init(&cfg);
	return cfg_parse(&cfg, text, strlen(text), "t.conf", err, sizeof(err));
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err, msg);
}

START_TEST(directives_ok)
{
	ck_assert_int_eq(parse("# none\n"), 0);
	ck_assert(!cfg.ratelimit_on);
	ck_assert_int_eq(cfg.acl.n, 0);
	ck_assert_int_eq(cfg.ratelimit.interval, 3);
	ck_assert_int_eq(cfg.ratelimit.burst, 8);
	ck_assert_int_eq(cfg.ratelimit.leak, 2);
	ck_assert_int_eq(cfg.ratelimit.table, 16384);
	ck_assert_int_eq(cfg.ratelimit.v6prefix, 64);
	ck_assert_int_eq(parse("ratelimit\n"), 0);
	ck_assert(cfg.ratelimit_on);
	ck_assert_int_eq(cfg.ratelimit.burst, 8);
	ck_assert_int_eq(parse("ratelimit ipv6prefix 56 table 1024 leak 0 burst 255 interval -19\n"), 0);
	ck_assert_int_eq(cfg.ratelimit.interval, -19);
	ck_assert_int_eq(cfg.ratelimit.burst, 255);
	ck_assert_int_eq(cfg.ratelimit.leak, 0);
	ck_assert_int_eq(cfg.ratelimit.table, 1024);
	ck_assert_int_eq(cfg.ratelimit.v6prefix, 56);
	ck_assert_int_eq(parse("allow 10.0.0.0/8\ndeny 10.1.0.0/16 kod\nallow 2001:db8::/32\n"
			       "deny all\ndeny ::ffff:192.0.2.1\nallow 192.0.2.0/0\n"), -EINVAL);
	ck_assert_int_eq(parse("allow 10.0.0.0/8\ndeny 10.1.0.0/16 kod\nallow 2001:db8::/32\n"
			       "deny all\ndeny ::ffff:192.0.2.1\nallow 0.0.0.0/0\n"), 0);
	ck_assert_int_eq(cfg.acl.n, 6);
	ck_assert(cfg.acl.has_allow);
	uint8_t a[4] = { 10, 1, 5, 5 }, b[4] = { 192, 0, 2, 1 }, c[4] = { 10, 2, 0, 1 };
	ck_assert_int_eq(acl_check(&cfg.acl, a, 4), ACL_DENY_KOD);
	ck_assert_int_eq(acl_check(&cfg.acl, b, 4), ACL_DENY);
	ck_assert_int_eq(acl_check(&cfg.acl, c, 4), ACL_ALLOW);
}
END_TEST

START_TEST(directive_errors)
{
	bad("allow\n", "t.conf:1: allow: missing address (ADDR, ADDR/LEN or all)");
	bad("deny 10.0.0.0/8 kod now\n", "t.conf:1: deny: extra argument 'now'");
	bad("deny 10.0.0.0/8 loud\n", "t.conf:1: deny: unknown option 'loud'");
	bad("allow 10.0.0.256\n", "t.conf:1: allow: '10.0.0.256' is not a numeric IPv4 or IPv6 address");
	bad("allow host.example/8\n", "t.conf:1: allow: 'host.example' is not a numeric IPv4 or IPv6 address");
	bad("allow 10.0.0.0/33\n", "t.conf:1: allow: prefix length 33 is out of range 0..32");
	bad("allow ::/129\n", "t.conf:1: allow: prefix length 129 is out of range 0..128");
	bad("allow 10.0.0.0/\n", "t.conf:1: allow: prefix length '' is not a number");
	bad("allow 10.0.0.0/8x\n", "t.conf:1: allow: prefix length '8x' is not a number");
	bad("allow 10.1.2.3/8\n", "t.conf:1: allow: '10.1.2.3/8' has bits set past its prefix length");
	bad("allow all\n\ndeny all\n", "t.conf:3: deny: 'all' is the prefix of line 1");
	bad("allow 10.0.0.0/8\ndeny 10.0.0.0/8\n", "t.conf:2: deny: '10.0.0.0/8' is the prefix of line 1");
	bad("ratelimit\nratelimit\n", "t.conf:2: ratelimit: already given on line 1");
	bad("ratelimit speed 3\n", "t.conf:1: ratelimit: unknown option 'speed'");
	bad("ratelimit burst 2 burst 3\n", "t.conf:1: ratelimit: burst given twice");
	bad("ratelimit interval\n", "t.conf:1: ratelimit: missing value after interval");
	bad("ratelimit interval 13\n", "t.conf:1: ratelimit: interval 13 is out of range -19..12");
	bad("ratelimit burst 0\n", "t.conf:1: ratelimit: burst 0 is out of range 1..255");
	bad("ratelimit leak x\n", "t.conf:1: ratelimit: leak 'x' is not a number");
	bad("ratelimit leak 17\n", "t.conf:1: ratelimit: leak 17 is out of range 0..16");
	bad("ratelimit table 1000\n", "t.conf:1: ratelimit: table 1000 is not a power of two");
	bad("ratelimit table 4\n", "t.conf:1: ratelimit: table 4 is out of range 8..16777216");
	bad("ratelimit ipv6prefix 129\n", "t.conf:1: ratelimit: ipv6prefix 129 is out of range 0..128");
	bad("ratelimit interval 1 burst 2 leak 3 table 8 ipv6prefix 64 burst\n",
	    "t.conf:1: ratelimit: extra argument 'burst'");
}
END_TEST

START_TEST(too_many_rules)
{
	char text[64 * 24 + 32] = "";
	size_t n = 0;

	for (int i = 0; i < ACL_MAX_RULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "deny 10.0.%d.0/24\n", i);
	ck_assert_int_eq(parse(text), 0);
	snprintf(text + n, sizeof(text) - n, "allow 11.0.0.0/8\n");
	bad(text, "t.conf:65: allow: more than 64 allow and deny rules");
}
END_TEST

static Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *c = tcase_create("acl");

	tcase_add_test(c, most_specific_v4);
	tcase_add_test(c, most_specific_v6);
	tcase_add_test(c, no_allow_means_open);
	tcase_add_test(c, all_and_mapped_rules);
	tcase_add_test(c, bad_rules);
	tcase_add_test(c, kod_deny_and_silence);
	tcase_add_test(c, kod_rate);
	tcase_add_test(c, verdict_names);
	tcase_add_test(c, directives_ok);
	tcase_add_test(c, directive_errors);
	tcase_add_test(c, too_many_rules);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return unit_run(access_suite());
}
