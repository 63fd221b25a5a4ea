/*
 * Unit tests of the counter tables' reader and log text, the control
 * protocol's STATS form (round trip, golden bytes, every truncation), the
 * small argument and reply forms, and who may run the commands that
 * change the daemon's course.
 */
#include "unit.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tsync/counters.h"
#include "tsync/ctl_proto.h"

struct fake_stats {
	uint64_t a, b[3];
};

struct fake_other {
	uint64_t z;
};

static uint64_t sum_b(const void *p)
{
	const struct fake_stats *s = p;

	return s->b[0] + s->b[1] + s->b[2];
}

static const struct ctr_desc rows[] = {
	{ "alpha", "help a", 0, offsetof(struct fake_stats, a), NULL, false },
	{ "beta_one", "help b1", 0, offsetof(struct fake_stats, b[1]), NULL, false },
	{ "sum", "sum of b", 0, 0, sum_b, false },
	{ "zed", "in part 1", 1, offsetof(struct fake_other, z), NULL, false },
};
static const struct ctr_group grp = { "fake", "a fake group", NULL, rows, CTR_N(rows) };
static const struct ctr_group lgrp = { "peer", "labelled", "address", rows, 2 };

static struct fake_stats fs = { 7, { 1, 20, 300 } };
static struct fake_other fo = { UINT64_MAX };

START_TEST(read_by_offset_getter_and_part)
{
	struct ctr_instance in = { .part = { &fs, &fo }, .label = "" };

	ck_assert_uint_eq(ctr_read(&rows[0], &in), 7);
	ck_assert_uint_eq(ctr_read(&rows[1], &in), 20);
	ck_assert_uint_eq(ctr_read(&rows[2], &in), 321);
	ck_assert_uint_eq(ctr_read(&rows[3], &in), UINT64_MAX);
	in.part[1] = NULL; /* a part that is not there reads 0 */
	ck_assert_uint_eq(ctr_read(&rows[3], &in), 0);
}
END_TEST

START_TEST(format_line)
{
	struct ctr_instance in = { .part = { &fs, &fo }, .label = "" };
	char out[128];
	const char *want = "alpha=7 beta_one=20 sum=321 zed=18446744073709551615";

	ck_assert_int_eq(ctr_format(&grp, &in, out, sizeof(out)), (int)strlen(want));
	ck_assert_str_eq(out, want);
	/* Too small: cut, terminated, the length it needed returned. */
	ck_assert_int_eq(ctr_format(&grp, &in, out, 10), (int)strlen(want));
	ck_assert_str_eq(out, "alpha=7 b");
}
END_TEST

static uint8_t buf[CTL_REPLY_PAYLOAD_MAX];
static struct ctl_stats st;

static int encode_two(uint8_t *out, size_t cap)
{
	static struct fake_stats p1 = { 1, { 0, 2, 0 } }, p2 = { 3, { 0, 4, 0 } };
	static struct ctr_instance one = { .part = { &fs, &fo }, .label = "" };
	static struct ctr_instance two[2] = {
		{ .part = { &p1 }, .label = "192.0.2.1:123" },
		{ .part = { &p2 }, .label = "[2001:db8::1]:123" },
	};
	struct ctl_stats_view v[2] = { { &grp, &one, 1 }, { &lgrp, two, 2 } };

	return ctl_stats_encode(v, 2, out, cap);
}

START_TEST(stats_round_trip)
{
	int n = encode_two(buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ctl_stats_decode(buf, (size_t)n, &st), 0);
	ck_assert_int_eq(st.n_groups, 2);
	ck_assert_str_eq(st.group[0].name, "fake");
	ck_assert_str_eq(st.group[0].label, "");
	ck_assert_int_eq(st.group[0].n_names, 4);
	ck_assert_str_eq(st.group[0].names[3], "zed");
	ck_assert_int_eq(st.group[0].n_instances, 1);
	ck_assert_uint_eq(st.group[0].value[0][2], 321);
	ck_assert_uint_eq(st.group[0].value[0][3], UINT64_MAX);
	ck_assert_str_eq(st.group[1].label, "address");
	ck_assert_int_eq(st.group[1].n_names, 2);
	ck_assert_int_eq(st.group[1].n_instances, 2);
	ck_assert_str_eq(st.group[1].instance[1], "[2001:db8::1]:123");
	ck_assert_uint_eq(st.group[1].value[0][1], 2);
	ck_assert_uint_eq(st.group[1].value[1][0], 3);
}
END_TEST

START_TEST(stats_golden_bytes)
{
	static const struct ctr_desc one_row[] = { { "n", "", 0, 0, sum_b, false } };
	static const struct ctr_group g = { "g", "", NULL, one_row, 1 };
	struct ctr_instance in = { .part = { &fs }, .label = "" };
	struct ctl_stats_view v = { &g, &in, 1 };
	static const uint8_t want[] = {
		1,                    /* groups */
		1, 'g', 0,            /* name "g", no label */
		1, 1, 'n',            /* one name: "n" */
		0, 1,                 /* one instance */
		0,                    /* its label "" */
		0, 0, 0, 0, 0, 0, 0x01, 0x41, /* 321 */
	};

	ck_assert_int_eq(ctl_stats_encode(&v, 1, buf, sizeof(buf)), (int)sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(stats_truncations_refused)
{
	int n = encode_two(buf, sizeof(buf));

	for (int len = 0; len < n; len++)
		ck_assert_int_eq(ctl_stats_decode(buf, (size_t)len, &st), -EBADMSG);
	buf[n] = 0;
	ck_assert_int_eq(ctl_stats_decode(buf, (size_t)n + 1, &st), -EBADMSG);
	/* The encoder wants room for all of it. */
	for (int cap = 0; cap < n; cap++)
		ck_assert_int_eq(encode_two(buf, (size_t)cap), -ENOSPC);
}
END_TEST

START_TEST(stats_out_of_range_refused)
{
	int n = encode_two(buf, sizeof(buf));

	buf[0] = CTL_STATS_GROUPS_MAX + 1;
	ck_assert_int_eq(ctl_stats_decode(buf, (size_t)n, &st), -EBADMSG);
	/* An empty group name. */
	n = encode_two(buf, sizeof(buf));
	buf[1] = 0;
	ck_assert_int_eq(ctl_stats_decode(buf, (size_t)n, &st), -EBADMSG);
	/* Too many groups to encode. */
	struct ctl_stats_view v[CTL_STATS_GROUPS_MAX + 1];
	ck_assert_int_eq(ctl_stats_encode(v, CTL_STATS_GROUPS_MAX + 1, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(small_forms)
{
	char s[CTL_STR_MAX + 1];
	int64_t v;
	uint16_t u;

	ck_assert_int_eq(ctl_str_encode("all", buf, sizeof(buf)), 4);
	ck_assert_int_eq(ctl_str_decode(buf, 4, s), 0);
	ck_assert_str_eq(s, "all");
	ck_assert_int_eq(ctl_str_encode("", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(ctl_str_encode("a\nb", buf, sizeof(buf)), -EINVAL);
	buf[0] = 0;
	ck_assert_int_eq(ctl_str_decode(buf, 1, s), -EBADMSG);
	ck_assert_int_eq(ctl_str_decode(buf, 0, s), -EBADMSG);
	ck_assert_int_eq(ctl_i64_encode(-1500000000, buf, sizeof(buf)), 8);
	ck_assert_int_eq(ctl_i64_decode(buf, 8, &v), 0);
	ck_assert_int_eq(v, -1500000000);
	ck_assert_int_eq(ctl_i64_decode(buf, 7, &v), -EBADMSG);
	ck_assert_int_eq(ctl_u16_encode(513, buf, sizeof(buf)), 2);
	ck_assert_uint_eq(buf[0], 2);
	ck_assert_uint_eq(buf[1], 1);
	ck_assert_int_eq(ctl_u16_decode(buf, 2, &u), 0);
	ck_assert_uint_eq(u, 513);
	ck_assert_int_eq(ctl_u16_decode(buf, 3, &u), -EBADMSG);
	ck_assert_int_eq(ctl_u16_encode(1, buf, 1), -ENOSPC);
}
END_TEST

START_TEST(request_header_with_payload)
{
	uint8_t h[CTL_HDR_LEN];
	static const uint8_t want[CTL_HDR_LEN] = { 'T', 'S', 'Y', 'C', 1, CTL_CMD_ONLINE, 0, 0,
						   0, 0, 0, 4 };
	struct ctl_header hd;
	enum ctl_code code;

	ctl_request_header(CTL_CMD_ONLINE, 4, h);
	ck_assert_mem_eq(h, want, CTL_HDR_LEN);
	uint8_t msg[CTL_HDR_LEN + 4];
	memcpy(msg, h, CTL_HDR_LEN);
	ck_assert_int_eq(ctl_str_encode("all", msg + CTL_HDR_LEN, 4), 4);
	ck_assert_int_eq(ctl_frame_check(msg, sizeof(msg), false, CTL_REQUEST_PAYLOAD_MAX, &hd, &code),
			 CTL_FRAME_COMPLETE);
	ck_assert_str_eq(ctl_command_name(CTL_CMD_OFFLINE), "offline");
	ck_assert_str_eq(ctl_code_name(CTL_ERR_DENIED), "not allowed: root or the controlgroup only");
}
END_TEST

START_TEST(who_is_admin)
{
	uint32_t groups[] = { 1000, 27, 4 };

	/* root, the socket's owner, the daemon's own user */
	ck_assert(ctl_auth_admin(0, NULL, 0, 500, 600, CTL_AUTH_NO_GROUP));
	ck_assert(ctl_auth_admin(500, NULL, 0, 500, 600, CTL_AUTH_NO_GROUP));
	ck_assert(ctl_auth_admin(600, NULL, 0, 500, 600, CTL_AUTH_NO_GROUP));
	/* anyone else only through the controlgroup, primary or not */
	ck_assert(!ctl_auth_admin(1000, groups, 3, 500, 600, CTL_AUTH_NO_GROUP));
	ck_assert(ctl_auth_admin(1000, groups, 3, 500, 600, 4));
	ck_assert(ctl_auth_admin(1000, groups, 1, 500, 600, 1000));
	ck_assert(!ctl_auth_admin(1000, groups, 2, 500, 600, 4));
	ck_assert(!ctl_auth_admin(1000, groups, 3, 500, 600, 5));
	/* an unknown peer (SO_PEERCRED failed) is nobody */
	ck_assert(!ctl_auth_admin(UINT32_MAX, NULL, 0, 500, 600, 4));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("counters");

	tcase_add_test(tc, read_by_offset_getter_and_part);
	tcase_add_test(tc, format_line);
	tcase_add_test(tc, stats_round_trip);
	tcase_add_test(tc, stats_golden_bytes);
	tcase_add_test(tc, stats_truncations_refused);
	tcase_add_test(tc, stats_out_of_range_refused);
	tcase_add_test(tc, small_forms);
	tcase_add_test(tc, request_header_with_payload);
	tcase_add_test(tc, who_is_admin);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
