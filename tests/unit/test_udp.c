/*
 * The UDP edge's reading of the kernel's receive timestamp, on crafted
 * control buffers: found among other messages, absent, or truncated.
 */
#include <string.h>
#include <time.h>

#include "udp.h"
#include "unit.h"

#define CONTROL_LEN (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec)))

struct control {
	union {
		char buf[CONTROL_LEN];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
};

static void init_control(struct control *c, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->msg.msg_control = c->u.buf;
	c->msg.msg_controllen = len;
}

static struct cmsghdr *add(struct control *c, struct cmsghdr *prev, int level, int type,
			   const void *data, size_t len)
{
	struct cmsghdr *h = prev == NULL ? CMSG_FIRSTHDR(&c->msg) : CMSG_NXTHDR(&c->msg, prev);
	ck_assert_ptr_nonnull(h);
	h->cmsg_level = level;
	h->cmsg_type = type;
	h->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(h), data, len);
	return h;
}

START_TEST(timestamp_alone)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1795851600, .tv_nsec = 123456789 };
	int64_t ns = 0;
	init_control(&c, CMSG_SPACE(sizeof(ts)));
	add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(1795851600123456789));
}
END_TEST

START_TEST(timestamp_after_another_message)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 2 };
	int ttl = 64;
	int64_t ns = 0;
	init_control(&c, CONTROL_LEN);
	struct cmsghdr *h = add(&c, NULL, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	add(&c, h, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(1000000002));
}
END_TEST

START_TEST(no_timestamp)
{
	struct control c;
	int ttl = 64;
	int64_t ns = 42;
	init_control(&c, 0);
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	init_control(&c, CMSG_SPACE(sizeof(ttl)));
	add(&c, NULL, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, 42);
}
END_TEST

START_TEST(truncated_timestamp)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 2 };
	int64_t ns = 42;
	init_control(&c, CMSG_SPACE(sizeof(ts)));
	struct cmsghdr *h = add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	h->cmsg_len = CMSG_LEN(sizeof(ts) - 1);
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, 42);
}
END_TEST

static Suite *udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("rx_timestamp");
	tcase_add_test(tc, timestamp_alone);
	tcase_add_test(tc, timestamp_after_another_message);
	tcase_add_test(tc, no_timestamp);
	tcase_add_test(tc, truncated_timestamp);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(udp_suite());
}
