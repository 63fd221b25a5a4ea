/*
 * Unit tests of least privilege's pure decisions (tsync/priv.h) and of the
 * directives that configure it: `user`, `controlgroup`, `seccomp`.
 */
#include "unit.h"
#include <errno.h>
#include <linux/capability.h>
#include <string.h>

#include "tsync/config.h"
#include "tsync/priv.h"

#define ERRLEN 256

static struct tsyncd_config cfg;
static char err[ERRLEN];

static int parse(const char *text)
{
	cfg_init(&cfg);
	memset(err, 'X', sizeof(err));
	return cfg_parse(&cfg, text, strlen(text), "t.conf", err, sizeof(err));
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err, msg);
}

START_TEST(caps_by_clock)
{
	ck_assert_int_eq(parse("clock system\n"), 0);
	ck_assert_uint_eq(priv_caps_kept(&cfg), UINT64_C(1) << CAP_SYS_TIME);
	ck_assert_int_eq(parse(""), 0); /* system is the default */
	ck_assert_uint_eq(priv_caps_kept(&cfg), UINT64_C(1) << 25);
	ck_assert_int_eq(parse("clock readonly\n"), 0);
	ck_assert_uint_eq(priv_caps_kept(&cfg), 0);
	ck_assert_int_eq(parse("clock sim offset 1\n"), 0);
	ck_assert_uint_eq(priv_caps_kept(&cfg), 0);
	/* Serving, Berkeley and the control socket add nothing: their
	 * sockets are bound before the drop. */
	ck_assert_int_eq(parse("clock readonly\nlisten 0.0.0.0 port 123\ncontrol /run/x.sock\n"
			       "berkeley master\nberkeley auth none\n"), 0);
	ck_assert_uint_eq(priv_caps_kept(&cfg), 0);
}
END_TEST

START_TEST(plans)
{
	ck_assert_int_eq(priv_plan(false, 0, 0), PRIV_STAY);
	ck_assert_int_eq(priv_plan(false, 1000, 65534), PRIV_STAY);
	ck_assert_int_eq(priv_plan(true, 0, 65534), PRIV_SWITCH);
	ck_assert_int_eq(priv_plan(true, 65534, 65534), PRIV_TRIM);
	ck_assert_int_eq(priv_plan(true, 1000, 65534), PRIV_REFUSE);
	ck_assert_int_eq(priv_plan(true, 0, 0), PRIV_REFUSE);
	ck_assert_int_eq(priv_plan(true, 1000, 0), PRIV_REFUSE);
}
END_TEST

START_TEST(directives)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_str_eq(cfg.user, "");
	ck_assert_str_eq(cfg.controlgroup, "");
	ck_assert(!cfg.seccomp);
	ck_assert_int_eq(parse("user _tsyncd\ncontrolgroup adm\nseccomp on\n"), 0);
	ck_assert_str_eq(cfg.user, "_tsyncd");
	ck_assert_str_eq(cfg.controlgroup, "adm");
	ck_assert(cfg.seccomp);
	ck_assert_int_eq(parse("seccomp off\nuser machine$\n"), 0);
	ck_assert(!cfg.seccomp);
	ck_assert_str_eq(cfg.user, "machine$");
	ck_assert_int_eq(parse("user abcdefghijklmnopqrstuvwxyz012345\n"), 0); /* 32 bytes */
}
END_TEST

START_TEST(errors)
{
	bad("user\n", "t.conf:1: user: missing name");
	bad("user a b\n", "t.conf:1: user: extra argument 'b'");
	bad("user a\nuser b\n", "t.conf:2: user: already given on line 1");
	bad("user -x\n", "t.conf:1: user: '-x' is not a user or group name");
	bad("user a/b\n", "t.conf:1: user: 'a/b' is not a user or group name");
	bad("user a$b\n", "t.conf:1: user: 'a$b' is not a user or group name");
	bad("user abcdefghijklmnopqrstuvwxyz0123456\n", "t.conf:1: user: name longer than 32 bytes");
	bad("controlgroup\n", "t.conf:1: controlgroup: missing name");
	bad("controlgroup a:b\n", "t.conf:1: controlgroup: 'a:b' is not a user or group name");
	bad("controlgroup a\ncontrolgroup a\n", "t.conf:2: controlgroup: already given on line 1");
	bad("seccomp\n", "t.conf:1: seccomp: missing on or off");
	bad("seccomp yes\n", "t.conf:1: seccomp: 'yes' is not on or off");
	bad("seccomp on\nseccomp off\n", "t.conf:2: seccomp: already given on line 1");
}
END_TEST

static Suite *priv_suite(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("priv");
	tcase_add_test(tc, caps_by_clock);
	tcase_add_test(tc, plans);
	tcase_add_test(tc, directives);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(priv_suite());
}
