/*
 * Unit tests of the tsyncd.conf parser: every directive's accepted forms
 * with the values they give, and every error with its exact message.
 */
#include <arpa/inet.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/config.h"

#define ERRLEN 256

static struct tsyncd_config cfg;
static char err[ERRLEN];

/* Parse n bytes, which may hold NULs, as the file "t.conf". */
static int parse_n(const char *text, size_t n)
{
	cfg_init(&cfg);
	memset(err, 'X', sizeof(err));
	return cfg_parse(&cfg, text, n, "t.conf", err, sizeof(err));
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void ok(const char *text)
{
	int rc = parse(text);

	ck_assert_msg(rc == 0, "\"%s\": %d %s", text, rc, err);
	ck_assert_str_eq(err, "");
}

static void bad_n(const char *text, size_t n, const char *msg)
{
	ck_assert_int_eq(parse_n(text, n), -EINVAL);
	ck_assert_str_eq(err, msg);
}

static void bad(const char *text, const char *msg)
{
	bad_n(text, strlen(text), msg);
}

static void check_listen(int i, int family, const char *addr, int port)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(inet_pton(family, addr, want), 1);
	ck_assert_int_eq(cfg.listen[i].family, family);
	ck_assert_mem_eq(cfg.listen[i].addr, want, family == AF_INET ? 4 : 16);
	ck_assert_int_eq(cfg.listen[i].port, port);
}

START_TEST(empty_text)
{
	ok("");
	ck_assert_int_eq(cfg.n_listen, 0);
	ck_assert_int_eq(cfg.stratum, 0);
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_SYSTEM);
	ck_assert_int_eq(cfg.sim_offset, 0);
	ck_assert(cfg.sim_drift_ppm == 0.0);
	ck_assert_int_eq(cfg_parse(&cfg, NULL, 0, "t.conf", err, sizeof(err)), 0);
}
END_TEST

START_TEST(comments_and_blanks)
{
	ok("# a comment\n\n   \n\t\n  # indented comment\nstratum 3 # trailing\n"
	   "\tlisten\t127.0.0.1\tport\t9 \t\n#stratum 4\n");
	ck_assert_int_eq(cfg.stratum, 3);
	ck_assert_int_eq(cfg.n_listen, 1);
	check_listen(0, AF_INET, "127.0.0.1", 9);
	ok("stratum 5#no blank before the comment");
	ck_assert_int_eq(cfg.stratum, 5);
}
END_TEST

START_TEST(line_ends)
{
	ok("stratum 2\r\nclock sim offset 1\r\n\r\nlisten ::1\r\n");
	ck_assert_int_eq(cfg.stratum, 2);
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_SIM);
	ck_assert_int_eq(cfg.sim_offset, 1000000000);
	check_listen(0, AF_INET6, "::1", 123);
	ok("# no final newline\nstratum 7");
	ck_assert_int_eq(cfg.stratum, 7);
	ok("stratum 7\r");
	ck_assert_int_eq(cfg.stratum, 7);
	/* A CR that does not end the line is part of a word. */
	bad("stratum 7\r8\n", "t.conf:1: stratum: '7?8' is not a number");
}
END_TEST

START_TEST(listen_forms)
{
	ok("listen 127.0.0.1\nlisten ::1 port 0\nlisten 0.0.0.0 port 65535\n"
	   "listen fe80::1:2 port 40123\nlisten :: port 123\n"
	   "listen ::ffff:192.0.2.1 port 1\n");
	ck_assert_int_eq(cfg.n_listen, 6);
	check_listen(0, AF_INET, "127.0.0.1", 123);
	check_listen(1, AF_INET6, "::1", 0);
	check_listen(2, AF_INET, "0.0.0.0", 65535);
	check_listen(3, AF_INET6, "fe80::1:2", 40123);
	check_listen(4, AF_INET6, "::", 123);
	check_listen(5, AF_INET6, "::ffff:192.0.2.1", 1);
}
END_TEST

START_TEST(listen_sixteen)
{
	char text[16 * 32] = "";

	for (int i = 0; i < 16; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "listen 127.0.0.%d port %d\n", i + 1, 1000 + i);
	ok(text);
	ck_assert_int_eq(cfg.n_listen, 16);
	check_listen(15, AF_INET, "127.0.0.16", 1015);
	cfg_finish(&cfg);
	ck_assert_int_eq(cfg.n_listen, 16);
}
END_TEST

START_TEST(listen_seventeen)
{
	char text[17 * 32] = "";

	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "listen ::1 port %d\n", 1000 + i);
	bad(text, "t.conf:17: listen: more than 16 listen addresses");
}
END_TEST

START_TEST(listen_errors)
{
	bad("listen\n", "t.conf:1: listen: missing address");
	bad("\nlisten 127.0.0.1 port\n", "t.conf:2: listen: missing value after port");
	bad("listen 127.0.0.1 port 1 2\n", "t.conf:1: listen: extra argument '2'");
	bad("listen 127.0.0.1 123\n", "t.conf:1: listen: unknown option '123'");
	bad("listen 127.0.0.1 port 65536\n",
	    "t.conf:1: listen: port 65536 is out of range 0..65535");
	bad("listen 127.0.0.1 port -1\n", "t.conf:1: listen: port -1 is out of range 0..65535");
	bad("listen 127.0.0.1 port 99999999999999999999999\n",
	    "t.conf:1: listen: port 99999999999999999999999 is out of range 0..65535");
	bad("listen 127.0.0.1 port 12a\n", "t.conf:1: listen: port '12a' is not a number");
	bad("listen 127.0.0.1 port 0x10\n", "t.conf:1: listen: port '0x10' is not a number");
	bad("listen 127.0.0.1 port +\n", "t.conf:1: listen: port '+' is not a number");
	bad("listen localhost\n",
	    "t.conf:1: listen: 'localhost' is not a numeric IPv4 or IPv6 address");
	bad("listen [::1]\n", "t.conf:1: listen: '[::1]' is not a numeric IPv4 or IPv6 address");
	bad("listen 127.0.0.1:123\n",
	    "t.conf:1: listen: '127.0.0.1:123' is not a numeric IPv4 or IPv6 address");
	bad("listen 256.0.0.1\n",
	    "t.conf:1: listen: '256.0.0.1' is not a numeric IPv4 or IPv6 address");
	bad("listen fe80::1%lo\n",
	    "t.conf:1: listen: 'fe80::1%lo' is not a numeric IPv4 or IPv6 address");
}
END_TEST

START_TEST(metrics_directives)
{
	uint8_t lo[4] = { 127, 0, 0, 1 }, v4[4] = { 192, 0, 2, 1 };

	ok("listen 127.0.0.1\n");
	ck_assert(!cfg.metrics_on);
	ck_assert_int_eq(cfg.metrics_acl.n, 0);
	ok("metrics 127.0.0.1\n");
	ck_assert(cfg.metrics_on);
	ck_assert_int_eq(cfg.metrics.family, AF_INET);
	ck_assert_mem_eq(cfg.metrics.addr, lo, 4);
	ck_assert_int_eq(cfg.metrics.port, CFG_METRICS_PORT);
	ok("metrics ::1 port 0\nmetricsallow 2001:db8::/32\n");
	ck_assert_int_eq(cfg.metrics.family, AF_INET6);
	ck_assert_int_eq(cfg.metrics.port, 0);
	ck_assert_int_eq(cfg.metrics_acl.n, 1);
	ck_assert_int_eq(cfg.acl.n, 0); /* the NTP server's rules are others */
	ck_assert_int_eq(acl_check(&cfg.metrics_acl, v4, 4), ACL_DENY); /* allow lists deny the rest */
	ok("metricsallow 2001:db8::/32\nmetricsallow all\n");
	ck_assert_int_eq(acl_check(&cfg.metrics_acl, v4, 4), ACL_ALLOW);
	bad("metrics\n", "t.conf:1: metrics: missing address");
	bad("metrics 127.0.0.1\nmetrics ::1\n", "t.conf:2: metrics: already given on line 1");
	bad("metrics localhost\n",
	    "t.conf:1: metrics: 'localhost' is not a numeric IPv4 or IPv6 address");
	bad("metrics 127.0.0.1 port 65536\n",
	    "t.conf:1: metrics: port 65536 is out of range 0..65535");
	bad("metricsallow 10.0.0.1/8\n",
	    "t.conf:1: metricsallow: '10.0.0.1/8' has bits set past its prefix length");
	bad("metricsallow 10.0.0.0/8\nmetricsallow 10.0.0.0/8\n",
	    "t.conf:2: metricsallow: '10.0.0.0/8' is the prefix of line 1");
}
END_TEST

START_TEST(finish_defaults)
{
	/* No listen line serves no one: no address is added. */
	ok("stratum 4\n");
	cfg_finish(&cfg);
	ck_assert_int_eq(cfg.n_listen, 0);
	ok("listen ::1 port 5\n");
	cfg_finish(&cfg);
	ck_assert_int_eq(cfg.n_listen, 1);
	check_listen(0, AF_INET6, "::1", 5);
}
END_TEST

START_TEST(stratum_forms)
{
	ok("stratum 1\n");
	ck_assert_int_eq(cfg.stratum, 1);
	ok("stratum 15\n");
	ck_assert_int_eq(cfg.stratum, 15);
	ok("stratum 08\n");
	ck_assert_int_eq(cfg.stratum, 8);
}
END_TEST

START_TEST(stratum_errors)
{
	bad("stratum\n", "t.conf:1: stratum: missing argument");
	bad("stratum 3 4\n", "t.conf:1: stratum: extra argument '4'");
	bad("stratum 0\n", "t.conf:1: stratum: 0 is out of range 1..15");
	bad("stratum 16\n", "t.conf:1: stratum: 16 is out of range 1..15");
	bad("stratum -1\n", "t.conf:1: stratum: -1 is out of range 1..15");
	bad("stratum 3.0\n", "t.conf:1: stratum: '3.0' is not a number");
	bad("stratum five\n", "t.conf:1: stratum: 'five' is not a number");
	bad("stratum 3\n\n# again\nstratum 3\n", "t.conf:4: stratum: already given on line 1");
	bad("\nstratum 3\nstratum 4\n", "t.conf:3: stratum: already given on line 2");
}
END_TEST

START_TEST(control_forms)
{
	char longest[CFG_SOCKET_PATH_MAX + 16];

	ok("");
	ck_assert_str_eq(cfg.control, "/run/tsyncd/tsyncd.sock");
	ok("control /tmp/x.sock\n");
	ck_assert_str_eq(cfg.control, "/tmp/x.sock");
	ok("control none\n");
	ck_assert_str_eq(cfg.control, "");
	/* "control " and a path of 107 bytes, the most a socket can have. */
	memset(longest, 'a', sizeof(longest));
	memcpy(longest, "control /", 9);
	strcpy(longest + 8 + CFG_SOCKET_PATH_MAX - 1, "\n");
	ok(longest);
	ck_assert_uint_eq(strlen(cfg.control), CFG_SOCKET_PATH_MAX - 1);
}
END_TEST

START_TEST(control_errors)
{
	char text[CFG_SOCKET_PATH_MAX + 16];

	bad("control\n", "t.conf:1: control: missing socket path (or none)");
	bad("control a.sock\n", "t.conf:1: control: 'a.sock' is not an absolute path");
	bad("control /a b\n", "t.conf:1: control: extra argument 'b'");
	bad("control none\ncontrol /x\n", "t.conf:2: control: already given on line 1");
	/* "control " and a path of 108 bytes, one more than a socket can have. */
	memset(text, 'a', sizeof(text));
	memcpy(text, "control /", 9);
	strcpy(text + 8 + CFG_SOCKET_PATH_MAX, "\n");
	bad(text, "t.conf:1: control: path longer than 107 bytes");
	ck_assert_str_eq(cfg.control, "/run/tsyncd/tsyncd.sock");
}
END_TEST

START_TEST(clock_forms)
{
	ok("clock system\n");
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_SYSTEM);
	ok("clock readonly\n");
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_READONLY);
	ok("clock sim\n");
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_SIM);
	ck_assert_int_eq(cfg.sim_offset, 0);
	ck_assert(cfg.sim_drift_ppm == 0.0);
	ok("clock sim offset 1.5 drift 20\n");
	ck_assert_int_eq(cfg.sim_offset, 1500000000);
	ck_assert(cfg.sim_drift_ppm == 20.0);
	ok("clock sim drift -12.5 offset -0.25\n");
	ck_assert_int_eq(cfg.sim_offset, -250000000);
	ck_assert(cfg.sim_drift_ppm == -12.5);
	ok("clock sim drift 0.1\n");
	ck_assert(cfg.sim_drift_ppm == 0.1);
	ok("clock sim drift 1000\n");
	ck_assert(cfg.sim_drift_ppm == 1000.0);
	ok("clock sim drift -1000.0\n");
	ck_assert(cfg.sim_drift_ppm == -1000.0);
	ok("clock sim drift 1e3\n");
	ck_assert(cfg.sim_drift_ppm == 1000.0);
}
END_TEST

static void offset_is(const char *value, int64_t ns)
{
	char text[128];

	snprintf(text, sizeof(text), "clock sim offset %s\n", value);
	ok(text);
	ck_assert_msg(cfg.sim_offset == ns, "%s: %lld, want %lld", value,
		      (long long)cfg.sim_offset, (long long)ns);
}

START_TEST(clock_offsets_exact)
{
	offset_is("0", 0);
	offset_is("-0", 0);
	offset_is("+2", 2000000000);
	offset_is(".5", 500000000);
	offset_is("5.", 5000000000);
	offset_is("0.000000001", 1);
	offset_is("0.0000000005", 1);
	offset_is("0.00000000049999", 0);
	offset_is("-0.0000000005", -1);
	offset_is("0.1234567894", 123456789);
	offset_is("0.1234567895", 123456790);
	offset_is("1e-9", 1);
	offset_is("1.5e3", 1500000000000);
	offset_is("15E-1", 1500000000);
	offset_is("1e-400", 0);
	offset_is("000000000000000000000000000000001", 1000000000);
	offset_is("1e9", 1000000000000000000);
	offset_is("-1000000000", -1000000000000000000);
	/* A double would be off by tens of nanoseconds here. */
	offset_is("999999999.999999999", 999999999999999999);
	offset_is("-123456789.987654321", -123456789987654321);
	offset_is("1000000000.0000000004", 1000000000000000000);
}
END_TEST

START_TEST(clock_errors)
{
	bad("clock\n", "t.conf:1: clock: missing clock type (system, readonly or sim)");
	bad("clock atomic\n",
	    "t.conf:1: clock: unknown clock 'atomic' (system, readonly or sim)");
	bad("clock SIM\n", "t.conf:1: clock: unknown clock 'SIM' (system, readonly or sim)");
	bad("clock sim speed 2\n", "t.conf:1: clock: unknown option 'speed'");
	bad("clock sim offset\n", "t.conf:1: clock: missing value after offset");
	bad("clock sim offset 1 drift\n", "t.conf:1: clock: missing value after drift");
	bad("clock sim offset 1 offset 2\n", "t.conf:1: clock: offset given twice");
	bad("clock sim drift 1 drift 2\n", "t.conf:1: clock: drift given twice");
	bad("clock sim offset 1 drift 2 x\n", "t.conf:1: clock: unknown option 'x'");
	bad("clock sim offset 1 drift 2 jump 1 2 x\n", "t.conf:1: clock: unknown option 'x'");
	bad("clock sim jump 5\n", "t.conf:1: clock: jump needs a delay and a size in seconds");
	bad("clock sim jump 0 5\n",
	    "t.conf:1: clock: jump delay '0' is not a number of seconds above 0");
	bad("clock sim jump 5 0\n",
	    "t.conf:1: clock: jump size '0' is not a number of seconds, -1e9..1e9 but 0");
	bad("clock sim jump 5 x\n",
	    "t.conf:1: clock: jump size 'x' is not a number of seconds, -1e9..1e9 but 0");
	bad("clock sim jump 1 2 jump 1 2\n", "t.conf:1: clock: jump given twice");
	bad("clock system jump 1 2\n", "t.conf:1: clock: jump only applies to the sim clock");
	bad("clock system offset 1\n", "t.conf:1: clock: offset only applies to the sim clock");
	bad("clock readonly drift 1\n", "t.conf:1: clock: drift only applies to the sim clock");
	bad("clock sim\nclock sim\n", "t.conf:2: clock: already given on line 1");
	bad("clock system\n#\n\nclock readonly\n", "t.conf:4: clock: already given on line 1");
}
END_TEST

START_TEST(clock_start)
{
	ok("clock sim start 2026-12-31T23:59:30Z drift 5\n");
	ck_assert(cfg.sim_start_set);
	ck_assert_int_eq(cfg.sim_start, INT64_C(1798761570) * 1000000000);
	ck_assert(cfg.sim_drift_ppm == 5.0);
	ok("clock sim\n");
	ck_assert(!cfg.sim_start_set);
	bad("clock sim start\n", "t.conf:1: clock: missing value after start");
	bad("clock sim start 2026-12-31\n", "t.conf:1: clock: start '2026-12-31' is not a UTC "
	    "time YYYY-MM-DDTHH:MM:SSZ (1970..2200)");
	bad("clock sim start 2026-12-31T23:59:60Z\n", "t.conf:1: clock: start "
	    "'2026-12-31T23:59:60Z' is not a UTC time YYYY-MM-DDTHH:MM:SSZ (1970..2200)");
	bad("clock sim start 2026-12-31T23:59:30Z start 2026-12-31T23:59:30Z\n",
	    "t.conf:1: clock: start given twice");
	bad("clock sim start 2026-12-31T23:59:30Z offset 1\n",
	    "t.conf:1: clock: start and offset both set the time: give one");
	bad("clock system start 2026-12-31T23:59:30Z\n",
	    "t.conf:1: clock: start only applies to the sim clock");
}
END_TEST

START_TEST(leap_directives)
{
	ok("");
	ck_assert_str_eq(cfg.leapfile, "");
	ck_assert_int_eq(cfg.leapmode, LEAP_MODE_SYSTEM);
	ok("leapfile /usr/share/zoneinfo/leap-seconds.list\nleapmode slew\n");
	ck_assert_str_eq(cfg.leapfile, "/usr/share/zoneinfo/leap-seconds.list");
	ck_assert_int_eq(cfg.leapmode, LEAP_MODE_SLEW);
	ok("leapmode step\n");
	ck_assert_int_eq(cfg.leapmode, LEAP_MODE_STEP);
	ok("leapmode ignore\n");
	ck_assert_int_eq(cfg.leapmode, LEAP_MODE_IGNORE);
	ok("leapmode system\n");
	ck_assert_int_eq(cfg.leapmode, LEAP_MODE_SYSTEM);
	bad("leapfile\n", "t.conf:1: leapfile: missing path");
	bad("leapfile leap-seconds.list\n",
	    "t.conf:1: leapfile: 'leap-seconds.list' is not an absolute path");
	bad("leapfile /a\nleapfile /b\n", "t.conf:2: leapfile: already given on line 1");
	bad("leapfile /a /b\n", "t.conf:1: leapfile: extra argument '/b'");
	bad("leapmode\n", "t.conf:1: leapmode: missing mode (system, step, slew or ignore)");
	bad("leapmode smear\n",
	    "t.conf:1: leapmode: unknown mode 'smear' (system, step, slew or ignore)");
	bad("leapmode step\nleapmode slew\n", "t.conf:2: leapmode: already given on line 1");
	bad("leapmode step slew\n", "t.conf:1: leapmode: extra argument 'slew'");
}
END_TEST

START_TEST(clock_bad_numbers)
{
	static const char *const words[] = {
		"abc", "1.5s", "0x10", "0x1p3", "inf", "-inf", "nan", "infinity", ".", "-",
		"+", "1e", "1e+", "e5", "1..2", "1.2.3", "+-1", "--1", "1,5", "1e5.0",
	};
	char text[128], want[128];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "clock sim offset %s\n", words[i]);
		snprintf(want, sizeof(want), "t.conf:1: clock: offset '%s' is not a number", words[i]);
		bad(text, want);
		snprintf(text, sizeof(text), "clock sim drift %s\n", words[i]);
		snprintf(want, sizeof(want), "t.conf:1: clock: drift '%s' is not a number", words[i]);
		bad(text, want);
	}
}
END_TEST

START_TEST(clock_out_of_range)
{
	bad("clock sim offset 1000000000.0000000005\n",
	    "t.conf:1: clock: offset 1000000000.0000000005 is out of range -1e9..1e9 s");
	bad("clock sim offset -1000000001\n",
	    "t.conf:1: clock: offset -1000000001 is out of range -1e9..1e9 s");
	bad("clock sim offset 2e9\n", "t.conf:1: clock: offset 2e9 is out of range -1e9..1e9 s");
	bad("clock sim offset 1e99999999999999999999\n",
	    "t.conf:1: clock: offset 1e99999999999999999999 is out of range -1e9..1e9 s");
	bad("clock sim offset 99999999999999999999999\n",
	    "t.conf:1: clock: offset 99999999999999999999999 is out of range -1e9..1e9 s");
	bad("clock sim drift 1000.000000001\n",
	    "t.conf:1: clock: drift 1000.000000001 is out of range -1000..1000 ppm");
	bad("clock sim drift -1001\n", "t.conf:1: clock: drift -1001 is out of range -1000..1000 ppm");
	bad("clock sim drift 1e300\n", "t.conf:1: clock: drift 1e300 is out of range -1000..1000 ppm");
}
END_TEST

START_TEST(unknown_directive)
{
	bad("peer 192.0.2.1\n", "t.conf:1: peer: unknown directive");
	bad("stratum 2\n  Stratum 3\n", "t.conf:2: Stratum: unknown directive");
	bad("listen-on ::1\n", "t.conf:1: listen-on: unknown directive");
	bad("\n\n\tfoo\n", "t.conf:3: foo: unknown directive");
	/* What the file holds is quoted printable and short. */
	bad("caf\xc3\xa9\n", "t.conf:1: caf??: unknown directive");
	bad("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\n",
	    "t.conf:1: abcdefghijabcdefghijabcdefghijabcdef...: unknown directive");
	bad("stratum \x1b[31m\n", "t.conf:1: stratum: '?[31m' is not a number");
}
END_TEST

START_TEST(nul_bytes)
{
	static const char a[] = "stratum 3\nstratum\0 4\n";
	static const char b[] = "# ok\n\0\n";
	static const char c[] = "stratum 3 # a \0 in a comment\n";
	static const char d[] = "\n# a \0 in a comment\nstratum 3\n";
	static const char e[] = "stratum 3\0";

	bad_n(a, sizeof(a) - 1, "t.conf:2: stratum?: NUL byte in the line");
	bad_n(b, sizeof(b) - 1, "t.conf:2: ?: NUL byte in the line");
	bad_n(c, sizeof(c) - 1, "t.conf:1: stratum: NUL byte in the line");
	bad_n(d, sizeof(d) - 1, "t.conf:2: comment: NUL byte in the line");
	bad_n(e, sizeof(e) - 1, "t.conf:1: stratum: NUL byte in the line");
}
END_TEST

START_TEST(long_lines)
{
	size_t n = 100000;
	char *text = malloc(n + 64);
	size_t pad;

	ck_assert_ptr_nonnull(text);
	/* Longest accepted: 1024 bytes from the directive to its last word. */
	pad = 1024 - strlen("stratum") - strlen("3");
	memcpy(text, "stratum", 7);
	memset(text + 7, ' ', pad);
	strcpy(text + 7 + pad, "3\n");
	ok(text);
	ck_assert_int_eq(cfg.stratum, 3);

	memcpy(text, "stratum", 7);
	memset(text + 7, '\t', pad + 1);
	strcpy(text + 7 + pad + 1, "3\n");
	bad(text, "t.conf:1: stratum: line longer than 1024 bytes");

	strcpy(text, "# x\nlisten ");
	memset(text + 11, '1', n);
	strcpy(text + 11 + n, "\n");
	bad(text, "t.conf:2: listen: line longer than 1024 bytes");

	/* Comments, indentation and trailing blanks do not count. */
	memset(text, ' ', n);
	strcpy(text + n, "stratum 4 ");
	memset(text + n + 10, ' ', 20);
	strcpy(text + n + 30, "#");
	memset(text + n + 31, 'c', 30);
	text[n + 61] = '\0';
	ok(text);
	ck_assert_int_eq(cfg.stratum, 4);

	memset(text, 'x', n);
	text[n] = '\0';
	bad(text, "t.conf:1: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: line longer than 1024 bytes");
	free(text);
}
END_TEST

START_TEST(small_error_buffer)
{
	char small[12];

	cfg_init(&cfg);
	ck_assert_int_eq(cfg_parse(&cfg, "bogus\n", 6, "t.conf", small, sizeof(small)), -EINVAL);
	ck_assert_str_eq(small, "t.conf:1: b");
	ck_assert_int_eq(cfg_parse(&cfg, "bogus\n", 6, "t.conf", NULL, 0), -EINVAL);
	ck_assert_int_eq(cfg_parse(&cfg, "stratum 2\n", 10, "t.conf", NULL, 0), 0);
	ck_assert_int_eq(cfg.stratum, 2);
}
END_TEST

START_TEST(whole_file)
{
	ok("# tsyncd.conf for a loopback demo\n"
	   "listen 127.0.0.1 port 0\n"
	   "listen ::1 port 0\n"
	   "stratum 8\n"
	   "clock sim offset -2.25 drift 50\n");
	ck_assert_int_eq(cfg.n_listen, 2);
	check_listen(0, AF_INET, "127.0.0.1", 0);
	check_listen(1, AF_INET6, "::1", 0);
	ck_assert_int_eq(cfg.stratum, 8);
	ck_assert_int_eq(cfg.clock, CFG_CLOCK_SIM);
	ck_assert_int_eq(cfg.sim_offset, -2250000000);
	ck_assert(cfg.sim_drift_ppm == 50.0);
	cfg_finish(&cfg);
	ck_assert_int_eq(cfg.n_listen, 2);
}
END_TEST

START_TEST(clock_jump)
{
	ok("clock sim jump 6 -30.5 offset 0.25\n");
	ck_assert_int_eq(cfg.sim_jump_after, 6000000000);
	ck_assert_int_eq(cfg.sim_jump_by, -30500000000);
	ck_assert_int_eq(cfg.sim_offset, 250000000);
	ok("clock sim\n");
	ck_assert_int_eq(cfg.sim_jump_by, 0);
}
END_TEST

START_TEST(client_defaults)
{
	ok("");
	ck_assert_int_eq(cfg.n_servers, 0);
	ck_assert_int_eq(cfg.makestep_threshold, 1000000000);
	ck_assert_int_eq(cfg.makestep_limit, 3);
	ck_assert(cfg.maxslew_ppm == 83333.333);
	ck_assert_str_eq(cfg.driftfile, "");
	ck_assert_int_eq(cfg.maxdistance, 1500000000);
	ck_assert_int_eq(cfg.holdover, 0);
}
END_TEST

START_TEST(holdover_forms)
{
	ok("maxdistance 0.25\nholdover 3600\n");
	ck_assert_int_eq(cfg.maxdistance, 250000000);
	ck_assert_int_eq(cfg.holdover, INT64_C(3600000000000));
	ok("maxdistance 16\nholdover 0\n");
	ck_assert_int_eq(cfg.maxdistance, INT64_C(16000000000));
	ck_assert_int_eq(cfg.holdover, 0);
	ok("maxdistance 0.000000001\nholdover 10000000\n");
	ck_assert_int_eq(cfg.maxdistance, 1);
	ck_assert_int_eq(cfg.holdover, INT64_C(10000000) * 1000000000);
	bad("maxdistance\n", "t.conf:1: maxdistance: missing seconds");
	bad("maxdistance 0\n", "t.conf:1: maxdistance: 0 is out of range (0..16] s");
	bad("maxdistance 16.000000001\n",
	    "t.conf:1: maxdistance: 16.000000001 is out of range (0..16] s");
	bad("maxdistance far\n", "t.conf:1: maxdistance: 'far' is not a number");
	bad("maxdistance 1 2\n", "t.conf:1: maxdistance: extra argument '2'");
	bad("maxdistance 1\nmaxdistance 1\n", "t.conf:2: maxdistance: already given on line 1");
	bad("holdover -1\n", "t.conf:1: holdover: -1 is out of range 0..1e7 s");
	bad("holdover 10000000.1\n", "t.conf:1: holdover: 10000000.1 is out of range 0..1e7 s");
	bad("holdover\n", "t.conf:1: holdover: missing seconds");
	bad("holdover 1\nholdover 2\n", "t.conf:2: holdover: already given on line 1");
}
END_TEST

START_TEST(server_forms)
{
	ok("server 192.0.2.1\n"
	   "server ntp.example.org port 10123 minpoll 4 maxpoll 8 iburst prefer\n"
	   "pool pool.example.net iburst\n"
	   "server ::1 prefer minpoll -2 maxpoll -2 port 1\n"
	   "server h1 minpoll 12\nserver h2 maxpoll 3\n");
	ck_assert_int_eq(cfg.n_servers, 6);
	ck_assert_str_eq(cfg.server[0].host, "192.0.2.1");
	ck_assert_int_eq(cfg.server[0].port, 123);
	ck_assert_int_eq(cfg.server[0].minpoll, 6);
	ck_assert_int_eq(cfg.server[0].maxpoll, 10);
	ck_assert(!cfg.server[0].iburst && !cfg.server[0].prefer && !cfg.server[0].pool);
	ck_assert_str_eq(cfg.server[1].host, "ntp.example.org");
	ck_assert_int_eq(cfg.server[1].port, 10123);
	ck_assert_int_eq(cfg.server[1].minpoll, 4);
	ck_assert_int_eq(cfg.server[1].maxpoll, 8);
	ck_assert(cfg.server[1].iburst && cfg.server[1].prefer && !cfg.server[1].pool);
	ck_assert(cfg.server[2].pool && cfg.server[2].iburst && !cfg.server[2].prefer);
	ck_assert_int_eq(cfg.server[3].port, 1);
	ck_assert_int_eq(cfg.server[3].minpoll, -2);
	ck_assert_int_eq(cfg.server[3].maxpoll, -2);
	/* One bound alone drags the other's default along. */
	ck_assert_int_eq(cfg.server[4].minpoll, 12);
	ck_assert_int_eq(cfg.server[4].maxpoll, 12);
	ck_assert_int_eq(cfg.server[5].minpoll, 3);
	ck_assert_int_eq(cfg.server[5].maxpoll, 3);
}
END_TEST

START_TEST(server_errors)
{
	bad("server\n", "t.conf:1: server: missing host name or address");
	bad("pool\n", "t.conf:1: pool: missing host name or address");
	bad("server h port\n", "t.conf:1: server: missing value after port");
	bad("server h port 0\n", "t.conf:1: server: port 0 is out of range 1..65535");
	bad("server h port x\n", "t.conf:1: server: port 'x' is not a number");
	bad("server h minpoll -7\n", "t.conf:1: server: minpoll -7 is out of range -6..17");
	bad("server h maxpoll 18\n", "t.conf:1: server: maxpoll 18 is out of range -6..17");
	bad("server h minpoll 8 maxpoll 6\n", "t.conf:1: server: minpoll 8 is above maxpoll 6");
	bad("server h iburst iburst\n", "t.conf:1: server: iburst given twice");
	bad("server h port 1 port 2\n", "t.conf:1: server: port given twice");
	bad("server h burst\n", "t.conf:1: server: unknown option 'burst'");
	bad("server h port 1 minpoll 1 maxpoll 2 iburst prefer key 3 nts ntsport 5 x\n",
	    "t.conf:1: server: extra argument 'x'");
	bad("server h key 0\n", "t.conf:1: server: key 0 is out of range 1..4294967295");
	bad("server h key 4294967296\n",
	    "t.conf:1: server: key 4294967296 is out of range 1..4294967295");
	bad("server h key\n", "t.conf:1: server: missing value after key");
	bad("server h key 1 key 2\n", "t.conf:1: server: key given twice");
	bad("stratum 2\nserver h key 7\n", "t.conf:2: server: key 7 needs a keyfile");
	bad("pool p key 7\n", "t.conf:1: pool: key 7 needs a keyfile");
}
END_TEST

START_TEST(server_key)
{
	ck_assert_int_eq(parse("server h key 4294967295 iburst\nserver g\nkeyfile /k\n"), 0);
	ck_assert_int_eq(cfg.server[0].key_id, 4294967295u);
	ck_assert_int_eq(cfg.server[0].line, 1);
	ck_assert(cfg.server[0].iburst);
	ck_assert_int_eq(cfg.server[1].key_id, 0);
	ck_assert_str_eq(cfg.file, "t.conf");
}
END_TEST

START_TEST(server_seventeen)
{
	char text[17 * 32] = "";

	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "server h%d\n", i);
	bad(text, "t.conf:17: server: more than 16 servers and pools");
}
END_TEST

START_TEST(discipline_forms)
{
	ok("makestep 0.1 -1\nmaxslew 83.5\ndriftfile /var/lib/tsyncd/drift\n");
	ck_assert_int_eq(cfg.makestep_threshold, 100000000);
	ck_assert_int_eq(cfg.makestep_limit, -1);
	ck_assert(cfg.maxslew_ppm == 83.5);
	ck_assert_str_eq(cfg.driftfile, "/var/lib/tsyncd/drift");
	ok("makestep 0 0\n");
	ck_assert_int_eq(cfg.makestep_threshold, 0);
	ck_assert_int_eq(cfg.makestep_limit, 0);
}
END_TEST

START_TEST(discipline_errors)
{
	bad("makestep 1\n", "t.conf:1: makestep: needs a threshold in seconds and a limit of updates");
	bad("makestep x 3\n", "t.conf:1: makestep: threshold 'x' is not a number");
	bad("makestep -1 3\n", "t.conf:1: makestep: threshold -1 is out of range 0..1e6 s");
	bad("makestep 1 -2\n", "t.conf:1: makestep: limit -2 is out of range -1..2147483647");
	bad("makestep 1 3\nmakestep 1 3\n", "t.conf:2: makestep: already given on line 1");
	bad("maxslew\n", "t.conf:1: maxslew: missing rate in ppm");
	bad("maxslew 0\n", "t.conf:1: maxslew: 0 is out of range (0..83333.333] ppm");
	bad("maxslew 83333.334\n",
	    "t.conf:1: maxslew: 83333.334 is out of range (0..83333.333] ppm");
	bad("maxslew fast\n", "t.conf:1: maxslew: 'fast' is not a number");
	bad("driftfile\n", "t.conf:1: driftfile: missing path");
	bad("driftfile drift\n", "t.conf:1: driftfile: 'drift' is not an absolute path");
	bad("driftfile /a\ndriftfile /b\n", "t.conf:2: driftfile: already given on line 1");
}
END_TEST

/* NTS: defaults, every directive, and what each needs. */
START_TEST(nts_directives)
{
	ok("listen 127.0.0.1\n");
	ck_assert_str_eq(cfg.ntsservercert, "");
	ck_assert_int_eq(cfg.ntsport, 4460);
	ck_assert_int_eq(cfg.maxntsconnections, 100);
	ck_assert_int_eq(cfg.ntsrotate, 604800);
	ok("listen 127.0.0.1\nntsservercert /c.pem\nntsserverkey /k.pem\nntsport 0\n"
	   "maxntsconnections 5\nntsdumpdir /var/lib/tsyncd\nntsrotate 0\n");
	ck_assert_str_eq(cfg.ntsservercert, "/c.pem");
	ck_assert_str_eq(cfg.ntsserverkey, "/k.pem");
	ck_assert_str_eq(cfg.ntsdumpdir, "/var/lib/tsyncd");
	ck_assert_int_eq(cfg.ntsport, 0);
	ck_assert_int_eq(cfg.maxntsconnections, 5);
	ck_assert_int_eq(cfg.ntsrotate, 0);
	bad("listen ::1\nntsservercert /c\n", "t.conf:2: ntsservercert: needs ntsserverkey too");
	bad("listen ::1\nntsserverkey /k\n", "t.conf:2: ntsserverkey: needs ntsservercert too");
	bad("ntsservercert /c\nntsserverkey /k\n",
	    "t.conf:1: ntsservercert: needs a listen line: NTS-KE listens on its addresses");
	bad("listen ::1\nntsport 4460\n", "t.conf:2: ntsport: needs ntsservercert and ntsserverkey");
	bad("ntsrotate 5\n", "t.conf:1: ntsrotate: needs ntsservercert and ntsserverkey");
	bad("ntsservercert c.pem\n", "t.conf:1: ntsservercert: 'c.pem' is not an absolute path");
	bad("ntsport 65536\n", "t.conf:1: ntsport: 65536 is out of range 0..65535");
	bad("maxntsconnections 0\n", "t.conf:1: maxntsconnections: 0 is out of range 1..10000");
	bad("ntsrotate -1\n", "t.conf:1: ntsrotate: -1 is out of range 0..2147483647");
	bad("ntsdumpdir\n", "t.conf:1: ntsdumpdir: missing path");
	ok("server ntp.example nts ntsport 4461 iburst\nserver b nts\nntstrustedcerts /ca.pem\n");
	ck_assert(cfg.server[0].nts && cfg.server[1].nts);
	ck_assert_int_eq(cfg.server[0].ntsport, 4461);
	ck_assert_int_eq(cfg.server[1].ntsport, 0);
	ck_assert_str_eq(cfg.ntstrustedcerts, "/ca.pem");
	bad("server a nts key 3\nkeyfile /k\n", "t.conf:1: server: nts and key do not go together");
	bad("server a ntsport 4460\n", "t.conf:1: server: ntsport needs nts");
	bad("server a nts ntsport 0\n", "t.conf:1: server: ntsport 0 is out of range 1..65535");
	bad("ntstrustedcerts ca.pem\n", "t.conf:1: ntstrustedcerts: 'ca.pem' is not an absolute path");
}
END_TEST

START_TEST(nts_ntp_server)
{
	static const char head[] = "listen ::1\nntsservercert /c\nntsserverkey /k\n";
	char text[512], want[512];

	ok("listen ::1\nntsservercert /c\nntsserverkey /k\n");
	ck_assert_str_eq(cfg.ntsntpserver, "");
	ck_assert_int_eq(cfg.ntsntpport, 0);
	ok("listen ::1\nntsservercert /c\nntsserverkey /k\nntsntpserver ntp.example port 1123\n");
	ck_assert_str_eq(cfg.ntsntpserver, "ntp.example");
	ck_assert_int_eq(cfg.ntsntpport, 1123);
	ok("listen ::1\nntsservercert /c\nntsserverkey /k\nntsntpserver 192.0.2.1\n");
	ck_assert_str_eq(cfg.ntsntpserver, "192.0.2.1");
	ck_assert_int_eq(cfg.ntsntpport, 0);

	bad("ntsntpserver ntp.example\n",
	    "t.conf:1: ntsntpserver: needs ntsservercert and ntsserverkey");
	snprintf(text, sizeof(text), "%sntsntpserver\n", head);
	bad(text, "t.conf:4: ntsntpserver: missing host name or address");
	snprintf(text, sizeof(text), "%sntsntpserver a port 0\n", head);
	bad(text, "t.conf:4: ntsntpserver: port 0 is out of range 1..65535");
	snprintf(text, sizeof(text), "%sntsntpserver a port\n", head);
	bad(text, "t.conf:4: ntsntpserver: missing value after port");
	snprintf(text, sizeof(text), "%sntsntpserver a ntsport 5\n", head);
	bad(text, "t.conf:4: ntsntpserver: unknown option 'ntsport'");
	snprintf(text, sizeof(text), "%sntsntpserver a b\n", head);
	bad(text, "t.conf:4: ntsntpserver: unknown option 'b'");
	/* At most 255 bytes: what a Server record carries. */
	snprintf(text, sizeof(text), "%sntsntpserver %0256d\n", head, 0);
	snprintf(want, sizeof(want), "t.conf:4: ntsntpserver: '%036d...' is not a host name or address", 0);
	bad(text, want);
	snprintf(text, sizeof(text), "%sntsntpserver %0255d\n", head, 0);
	ok(text);
	ck_assert_uint_eq(strlen(cfg.ntsntpserver), 255);
}
END_TEST

/* The table's guards hold for every directive, not only those above. */
START_TEST(once_everywhere)
{
	static const char *const once[] = {
		"stratum 2", "clock sim", "control none", "makestep 1 3", "maxslew 10",
		"maxdistance 1", "holdover 1", "driftfile /d", "keyfile /k", "ratelimit",
		"user u", "controlgroup g", "seccomp off", "ntsservercert /c", "ntsserverkey /k",
		"ntsport 1", "maxntsconnections 1", "ntsdumpdir /d", "ntsrotate 1",
		"ntstrustedcerts /c", "ntsntpserver h",
	};
	char text[128], want[128], name[32];

	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		sscanf(once[i], "%31s", name);
		snprintf(text, sizeof(text), "%s\n# again\n%s\n", once[i], once[i]);
		snprintf(want, sizeof(want), "t.conf:3: %s: already given on line 1", name);
		bad(text, want);
	}
	/* Repeatable ones are not. */
	ok("listen ::1\nlisten ::1 port 2\nserver a\nserver a\nallow all\n"
	   "deny 10.0.0.0/8\ndeny 10.0.0.0/16 kod\n");
	ck_assert_int_eq(cfg.n_listen, 2);
	ck_assert_int_eq(cfg.n_servers, 2);
	ck_assert_int_eq(cfg.acl.n, 3);
}
END_TEST

START_TEST(engine_edges)
{
	/* An option with two values reports the first one missing as any. */
	bad("clock sim jump\n", "t.conf:1: clock: missing value after jump");
	/* ppm are read to 1e-9 ppm, as drift. */
	ok("maxslew 0.000000001\n");
	ck_assert(cfg.maxslew_ppm == 1e-9);
	bad("maxslew 0.0000000004\n", "t.conf:1: maxslew: 0.0000000004 is out of range (0..83333.333] ppm");
	/* A value that is an option's name is a value, not the option. */
	bad("server h port iburst\n", "t.conf:1: server: port 'iburst' is not a number");
	/* Arguments come before options: a missing one is missing. */
	bad("makestep 1\n", "t.conf:1: makestep: needs a threshold in seconds and a limit of updates");
	bad("seccomp maybe\n", "t.conf:1: seccomp: 'maybe' is not on or off");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *good = tcase_create("good");
	TCase *errors = tcase_create("errors");

	tcase_add_test(good, empty_text);
	tcase_add_test(good, comments_and_blanks);
	tcase_add_test(good, line_ends);
	tcase_add_test(good, listen_forms);
	tcase_add_test(good, listen_sixteen);
	tcase_add_test(good, finish_defaults);
	tcase_add_test(good, stratum_forms);
	tcase_add_test(good, clock_forms);
	tcase_add_test(good, control_forms);
	tcase_add_test(good, clock_offsets_exact);
	tcase_add_test(good, whole_file);
	tcase_add_test(good, client_defaults);
	tcase_add_test(good, clock_jump);
	tcase_add_test(good, server_forms);
	tcase_add_test(good, discipline_forms);
	tcase_add_test(good, holdover_forms);
	suite_add_tcase(s, good);

	tcase_add_test(errors, listen_seventeen);
	tcase_add_test(errors, listen_errors);
	tcase_add_test(errors, metrics_directives);
	tcase_add_test(errors, stratum_errors);
	tcase_add_test(errors, clock_errors);
	tcase_add_test(errors, clock_start);
	tcase_add_test(errors, leap_directives);
	tcase_add_test(errors, control_errors);
	tcase_add_test(errors, clock_bad_numbers);
	tcase_add_test(errors, clock_out_of_range);
	tcase_add_test(errors, unknown_directive);
	tcase_add_test(errors, nul_bytes);
	tcase_add_test(errors, long_lines);
	tcase_add_test(errors, small_error_buffer);
	tcase_add_test(errors, server_errors);
	tcase_add_test(errors, server_seventeen);
	tcase_add_test(errors, server_key);
	tcase_add_test(errors, discipline_errors);
	tcase_add_test(errors, once_everywhere);
	tcase_add_test(errors, nts_directives);
	tcase_add_test(errors, nts_ntp_server);
	tcase_add_test(errors, engine_edges);
	suite_add_tcase(s, errors);
	return s;
}

int main(void)
{
	return unit_run(config_suite());
}
