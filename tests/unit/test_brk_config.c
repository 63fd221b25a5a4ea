/*
 * Unit tests of the Berkeley directives of tsyncd.conf: defaults, every
 * accepted form with its values, and every error with its exact message
 * (kept apart from test_config.c so that each mode's tests stay together).
 */
#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/config.h"

static struct tsyncd_config cfg;
static char err[256];

static int parse(const char *text)
{
	cfg_init(&cfg);
	return cfg_parse(&cfg, text, strlen(text), "t.conf", err, sizeof(err));
}

static void ok(const char *text)
{
	ck_assert_msg(parse(text) == 0, "\"%s\": %s", text, err);
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err, msg);
}

START_TEST(defaults)
{
	uint8_t group[4];
	ok("");
	ck_assert_int_eq(cfg.berkeley.role, CFG_BRK_NONE);
	ok("berkeley slave\nberkeley auth none\n");
	const struct cfg_berkeley *b = &cfg.berkeley;
	ck_assert_int_eq(b->role, CFG_BRK_SLAVE);
	ck_assert_int_eq(b->priority, 100);
	ck_assert_int_eq(b->group_family, AF_INET);
	inet_pton(AF_INET, "239.255.5.25", group);
	ck_assert_mem_eq(b->group, group, 4);
	ck_assert_int_eq(b->port, 525);
	ck_assert_int_eq(b->ttl, 1);
	ck_assert_str_eq(b->interface, "");
	ck_assert_int_eq(b->interval, 10000000000LL);
	ck_assert_int_eq(b->tolerance, 50000000);
	ck_assert_int_eq(b->maxrtt, 50000000);
	ck_assert_int_eq(b->step, 1000000000LL * 1000000);
	ck_assert_int_eq(b->misses, 3);
	ck_assert_int_eq(b->election, 3);
	ck_assert_int_eq(b->key_id, 0);
	ck_assert(b->auth_none);
}
END_TEST

START_TEST(everything)
{
	uint8_t group[16];
	ok("keyfile /etc/tsync.keys\n"
	   "berkeley candidate priority 200\n"
	   "berkeley group ff05::525 port 5525 ttl 4 interface eth0\n"
	   "berkeley interval 0.5\nberkeley tolerance 0.02\nberkeley maxrtt 0.005\n"
	   "berkeley step 1e-3\nberkeley misses 5\nberkeley election 4\nberkeley key 42\n"
	   "berkeley groupid 4294967295\nberkeley frequency off\nberkeley maxdrift 0\n");
	const struct cfg_berkeley *b = &cfg.berkeley;
	ck_assert_int_eq(b->role, CFG_BRK_CANDIDATE);
	ck_assert_int_eq(b->priority, 200);
	ck_assert_int_eq(b->group_family, AF_INET6);
	inet_pton(AF_INET6, "ff05::525", group);
	ck_assert_mem_eq(b->group, group, 16);
	ck_assert_int_eq(b->port, 5525);
	ck_assert_int_eq(b->ttl, 4);
	ck_assert_str_eq(b->interface, "eth0");
	ck_assert_int_eq(b->interval, 500000000);
	ck_assert_int_eq(b->tolerance, 20000000);
	ck_assert_int_eq(b->maxrtt, 5000000);
	ck_assert_int_eq(b->step, 1000000);
	ck_assert_int_eq(b->misses, 5);
	ck_assert_int_eq(b->election, 4);
	ck_assert_int_eq(b->key_id, 42);
	ck_assert_uint_eq(b->group_id, 4294967295u);
	ck_assert_int_eq(b->frequency, 0);
	ck_assert_double_eq(b->maxdrift_ppm, 0);
	ck_assert_str_eq(cfg.keyfile, "/etc/tsync.keys");
	ok("berkeley master\nberkeley auth none\nberkeley group 224.0.1.1\n");
	ck_assert_int_eq(cfg.berkeley.role, CFG_BRK_MASTER);
	ck_assert_int_eq(cfg.berkeley.port, 525);
	ck_assert_int_eq(cfg.berkeley.frequency, 1);
	ck_assert_double_eq(cfg.berkeley.maxdrift_ppm, 100);
}
END_TEST

START_TEST(errors)
{
	bad("berkeley\n", "t.conf:1: berkeley: missing argument (master, slave, candidate, group, ...)");
	bad("berkeley boss\n", "t.conf:1: berkeley: unknown setting 'boss'");
	bad("berkeley master\nberkeley slave\n", "t.conf:2: berkeley: role already given on line 1");
	bad("berkeley master prio 3\n", "t.conf:1: berkeley: unknown option 'prio'");
	bad("berkeley master priority\n", "t.conf:1: berkeley: missing value after priority");
	bad("berkeley master priority 256\n",
	    "t.conf:1: berkeley: priority 256 is out of range 0..255");
	bad("berkeley master priority 1 x\n", "t.conf:1: berkeley: extra argument 'x'");
	bad("berkeley master\nberkeley auth none\nberkeley groupid -1\n",
	    "t.conf:3: berkeley: groupid -1 is out of range 0..4294967295");
	bad("berkeley master\nberkeley auth none\nberkeley frequency maybe\n",
	    "t.conf:3: berkeley: 'maybe' is not on or off");
	bad("berkeley group\n", "t.conf:1: berkeley: missing group address");
	bad("berkeley group 10.0.0.1\n",
	    "t.conf:1: berkeley: '10.0.0.1' is not a numeric IPv4 or IPv6 multicast address");
	bad("berkeley group 239.1.1.1 port 0\n",
	    "t.conf:1: berkeley: port 0 is out of range 1..65535");
	bad("berkeley group 239.1.1.1 ttl 0\n", "t.conf:1: berkeley: ttl 0 is out of range 1..255");
	bad("berkeley group 239.1.1.1 port\n", "t.conf:1: berkeley: missing value after port");
	bad("berkeley group 239.1.1.1 hops 2\n", "t.conf:1: berkeley: unknown option 'hops'");
	bad("berkeley group 239.1.1.1 interface abcdefghijklmnop\n",
	    "t.conf:1: berkeley: interface name 'abcdefghijklmnop' is longer than 15 bytes");
	bad("berkeley interval 0.01\n",
	    "t.conf:1: berkeley: interval 0.01 is out of range 0.1..86400 s");
	bad("berkeley interval\n", "t.conf:1: berkeley: missing value after interval");
	bad("berkeley interval 1 2\n", "t.conf:1: berkeley: extra argument '2'");
	bad("berkeley tolerance -1\n",
	    "t.conf:1: berkeley: tolerance -1 is out of range 0..1e6 s");
	bad("berkeley maxrtt x\n", "t.conf:1: berkeley: maxrtt 'x' is not a number");
	bad("berkeley misses 0\n", "t.conf:1: berkeley: misses 0 is out of range 1..1000");
	bad("berkeley key 0\n", "t.conf:1: berkeley: key 0 is out of range 1..4294967295");
	bad("berkeley auth md5\n",
	    "t.conf:1: berkeley: only 'auth none' is known (keys: berkeley key ID)");
	bad("berkeley interval 1\nberkeley interval 2\n",
	    "t.conf:2: berkeley: interval already given on line 1");
	bad("keyfile\n", "t.conf:1: keyfile: missing path");
	bad("keyfile a\nkeyfile b\n", "t.conf:2: keyfile: already given on line 1");
}
END_TEST

START_TEST(whole_file_checks)
{
	bad("# c\nberkeley interval 1\n",
	    "t.conf:2: berkeley: interval given without a role (berkeley master, slave or candidate)");
	bad("berkeley slave\n",
	    "t.conf:1: berkeley: no key: give 'berkeley key ID' and 'keyfile PATH', or "
	    "'berkeley auth none'");
	bad("berkeley slave\nberkeley key 1\n", "t.conf:2: berkeley: key 1 needs a keyfile");
	bad("keyfile k\nberkeley slave\nberkeley key 1\nberkeley auth none\n",
	    "t.conf:2: berkeley: both a key (line 3) and auth none (line 4)");
	ok("keyfile k\n"); /* a keys file alone is no error */
}
END_TEST

START_TEST(member_keys)
{
	ok("keyfile k\nberkeley slave\nberkeley key 1\nberkeley node A1\n"
	   "berkeley member a1 key 5\nberkeley member 00000000000000b2 key 6\n");
	const struct cfg_berkeley *b = &cfg.berkeley;
	ck_assert_uint_eq(b->node, 0xa1);
	ck_assert_int_eq(b->n_members, 2);
	ck_assert_uint_eq(b->member[0].node, 0xa1);
	ck_assert_uint_eq(b->member[0].key_id, 5);
	ck_assert_uint_eq(b->member[0].line, 5);
	ck_assert_uint_eq(b->member[1].node, 0xb2);
	ck_assert_uint_eq(b->member[1].key_id, 6);
	/* No group key: a node with its own key hears only nodes with theirs. */
	ok("keyfile k\nberkeley master\nberkeley node a1\nberkeley member a1 key 5\n");
	ck_assert_uint_eq(cfg.berkeley.key_id, 0);
	ok("berkeley slave\nberkeley auth none\nberkeley node ffffffffffffffff\n");
	ck_assert_uint_eq(cfg.berkeley.node, UINT64_MAX);
	bad("berkeley node 0\n", "t.conf:1: berkeley: node id 0 is no node");
	bad("berkeley node x1\n", "t.conf:1: berkeley: node id 'x1' is not 1 to 16 hex digits");
	bad("berkeley node 1ffffffffffffffff\n",
	    "t.conf:1: berkeley: node id '1ffffffffffffffff' is not 1 to 16 hex digits");
	bad("berkeley node\n", "t.conf:1: berkeley: missing node id");
	bad("berkeley node 1\nberkeley node 2\n", "t.conf:2: berkeley: node already given on line 1");
	bad("berkeley member\n", "t.conf:1: berkeley: missing node id");
	bad("berkeley member a1\n",
	    "t.conf:1: berkeley: missing 'key ID': the key node 00000000000000a1 signs with");
	bad("berkeley member a1 key 0\n",
	    "t.conf:1: berkeley: key 0 is out of range 1..4294967295");
	bad("berkeley member a1 key 5\nberkeley member A1 key 6\n",
	    "t.conf:2: berkeley: node 00000000000000a1 already has a key on line 1");
	bad("berkeley member a1 key 5\nberkeley member b2 key 5\n",
	    "t.conf:2: berkeley: key 5 is node 00000000000000a1's on line 1: a member's key is "
	    "its alone");
	bad("keyfile k\nberkeley member a1 key 5\n",
	    "t.conf:2: berkeley: member given without a role (berkeley master, slave or candidate)");
	bad("berkeley slave\nberkeley auth none\nberkeley member a1 key 5\n",
	    "t.conf:3: berkeley: member keys and auth none (line 2)");
	bad("berkeley slave\nberkeley node a1\nberkeley member a1 key 5\n",
	    "t.conf:3: berkeley: key 5 needs a keyfile");
	bad("keyfile k\nberkeley slave\nberkeley key 5\nberkeley member a1 key 5\n",
	    "t.conf:4: berkeley: key 5 is the group's (berkeley key): a member's key is its alone");
	/* Member rows but none of ours, and no group key: nothing to sign with. */
	bad("keyfile k\nberkeley slave\nberkeley node b2\nberkeley member a1 key 5\n",
	    "t.conf:2: berkeley: no key: give 'berkeley key ID' and 'keyfile PATH', or "
	    "'berkeley auth none'");
}
END_TEST

static Suite *brk_config_suite(void)
{
	Suite *s = suite_create("brk_config");
	TCase *tc = tcase_create("berkeley");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, everything);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, whole_file_checks);
	tcase_add_test(tc, member_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(brk_config_suite());
}
