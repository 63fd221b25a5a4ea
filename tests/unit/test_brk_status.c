/*
 * Unit tests of the Berkeley snapshot: what is copied out of a master and
 * a slave, its text and JSON forms exactly, and a buffer too small.
 */
#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

static struct brk_node nd;
static struct brk_status st;
static char buf[BRK_STATUS_MAX];

static void master_with_member(void)
{
	struct brk_params p = { .role = BRK_ROLE_MASTER, .priority = 7, .interval = 1000000000,
				.tolerance = 1000000, .maxrtt = 10000000, .step = 1000000,
				.misses = 3, .election = 3 };
	brk_node_init(&nd, &p, 0xab, 0);
	nd.round = 0x1234;
	nd.n_members = 1;
	nd.member[0] = (struct brk_member){ .node = 0xcd, .offset = -1500000, .rtt = 25000,
					    .adjust = 1500000, .state = BRK_MB_ACKED,
					    .in_set = true, .addr = { .family = AF_INET, .port = 525 } };
	inet_pton(AF_INET, "10.0.0.2", nd.member[0].addr.addr);
	nd.count.rounds = 3;
	nd.last.avg = (struct brk_avg){ .avg = 2, .n_in = 2, .master_in = true };
}

START_TEST(text)
{
	master_with_member();
	brk_status_fill(&nd, &st);
	ck_assert_int_eq(st.n_members, 1);
	ck_assert_uint_eq(st.master, 0xab);
	int n = brk_status_text(&st, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(buf));
	ck_assert_str_eq(buf,
		"role         master, priority 7\n"
		"state        master\n"
		"node         00000000000000ab\n"
		"master       00000000000000ab -\n"
		"round        0000000000001234 (3 run as master)\n"
		"average      +0.000000002 s of 2 clocks\n"
		"last applied +0.000000000 s\n"
		"members      1 (offset: the master's clock minus the member's; adjust: added to "
		"the member's)\n"
		"  00000000000000cd 10.0.0.2:525           offset +0.001500000 s rtt 0.000025000 s "
		"adjust +0.001500000 s acked missed 0\n");
}
END_TEST

START_TEST(json)
{
	master_with_member();
	brk_status_fill(&nd, &st);
	ck_assert_int_gt(brk_status_json(&st, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "{\"role\":\"master\",\"state\":\"master\",\"priority\":7,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"members\":[{\"node\":\"00000000000000cd\","
					  "\"address\":\"10.0.0.2:525\",\"offset\":-0.001500000,"
					  "\"rtt\":0.000025000,\"adjust\":0.001500000,"
					  "\"state\":\"acked\",\"in_set\":true,\"missed\":0}]"));
	ck_assert_ptr_nonnull(strstr(buf, "\"drop_replay\":0"));
	ck_assert_ptr_null(strstr(buf, "+"));
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
}
END_TEST

START_TEST(slave_and_small_buffer)
{
	struct brk_params p = { .role = BRK_ROLE_SLAVE, .interval = 1000000000 };
	brk_node_init(&nd, &p, 0xab, 0);
	nd.master = 0x99;
	nd.master_addr = (struct brk_addr){ .family = AF_INET6, .port = 525, .scope = 2 };
	nd.master_addr.addr[0] = 0xfe;
	nd.master_addr.addr[1] = 0x80;
	nd.master_addr.addr[15] = 1;
	nd.answered = 0x55;
	nd.last_applied = -7;
	brk_status_fill(&nd, &st);
	ck_assert_int_eq(st.n_members, 0);
	ck_assert_int_gt(brk_status_text(&st, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "master       0000000000000099 [fe80::1%2]:525\n"));
	ck_assert_ptr_nonnull(strstr(buf, "round        0000000000000055"));
	ck_assert_ptr_nonnull(strstr(buf, "last applied -0.000000007 s\n"));
	ck_assert_int_eq(brk_status_text(&st, buf, 10), -ENOSPC);
	ck_assert_int_eq(brk_status_json(&st, buf, 10), -ENOSPC);
}
END_TEST

START_TEST(wire_round_trip)
{
	static struct brk_status back;
	static uint8_t wire[BRK_STATUS_WIRE_MAX + 1];
	master_with_member();
	nd.count.drop[BRK_DROP_REPLAY] = 5;
	nd.count.stepdowns = 7;
	nd.ntp_synced = true;
	nd.last_applied = -9;
	brk_status_fill(&nd, &st);
	int n = brk_status_encode(&st, wire, sizeof(wire));
	ck_assert_int_eq(n, BRK_STATUS_WIRE_FIXED + BRK_STATUS_WIRE_MEMBER);
	ck_assert_int_eq(wire[0], BRK_ROLE_MASTER);
	ck_assert_int_eq(wire[3], 1); /* ntp_synced */
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), 0);
	ck_assert_int_eq(brk_status_text(&back, buf, sizeof(buf)) > 0, 1);
	char again[BRK_STATUS_MAX];
	brk_status_text(&st, again, sizeof(again));
	ck_assert_str_eq(buf, again);
	ck_assert_mem_eq(&back.count, &st.count, sizeof(st.count));
	ck_assert(back.ntp_synced);
	ck_assert_int_eq(back.member[0].addr.family, AF_INET);
	/* Cut short, one byte too many, a bad enum, too many members. */
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n - 1, &back), -EBADMSG);
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n + 1, &back), -EBADMSG);
	wire[0] = 9;
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), -EBADMSG);
	wire[0] = BRK_ROLE_MASTER;
	wire[78] = 0xff; /* n_members, high byte */
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), -EBADMSG);
	ck_assert_int_eq(brk_status_encode(&st, wire, BRK_STATUS_WIRE_FIXED), -ENOSPC);
}
END_TEST

/* No address is 24 zero bytes: anything else in them is refused (found
 * by fuzz_ctl_proto: the decoder took them, the encoder wrote zeros). */
START_TEST(no_address_is_zero)
{
	static struct brk_status back;
	static uint8_t wire[BRK_STATUS_WIRE_MAX];
	master_with_member();
	brk_status_fill(&nd, &st);
	st.master_addr.port = 525; /* family 0: not sent */
	int n = brk_status_encode(&st, wire, sizeof(wire));
	for (int i = 20; i < 44; i++)
		ck_assert_int_eq(wire[i], 0);
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), 0);
	ck_assert_int_eq(back.master_addr.port, 0);
	for (int i = 22; i < 44; i++) {
		wire[i] = 1; /* port, scope or address of no address */
		ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), -EBADMSG);
		wire[i] = 0;
	}
}
END_TEST

/* A group of the largest size: its snapshot fits one control reply and
 * comes back whole. */
START_TEST(full_group_wire)
{
	static struct brk_status back;
	static uint8_t wire[CTL_REPLY_PAYLOAD_MAX];
	master_with_member();
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		nd.member[i] = nd.member[0];
		nd.member[i].node = 0x1000 + (uint64_t)i;
		nd.member[i].offset = -i;
		nd.member[i].addr.port = (uint16_t)(1000 + i);
	}
	nd.n_members = BRK_MAX_MEMBERS;
	brk_status_fill(&nd, &st);
	int n = brk_status_encode(&st, wire, sizeof(wire));
	ck_assert_int_eq(n, BRK_STATUS_WIRE_MAX);
	ck_assert_int_eq(brk_status_decode(wire, (size_t)n, &back), 0);
	ck_assert_int_eq(back.n_members, BRK_MAX_MEMBERS);
	static char again[BRK_STATUS_MAX];
	ck_assert_int_gt(brk_status_json(&back, buf, sizeof(buf)), 0);
	ck_assert_int_gt(brk_status_json(&st, again, sizeof(again)), 0);
	ck_assert_str_eq(buf, again);
	ck_assert_ptr_nonnull(strstr(buf, "\"node\":\"00000000000011ff\",\"address\":\"10.0.0.2:1511\","
					  "\"offset\":-0.000000511,"));
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("brk_status");
	TCase *tc = tcase_create("status");
	tcase_add_test(tc, text);
	tcase_add_test(tc, json);
	tcase_add_test(tc, slave_and_small_buffer);
	tcase_add_test(tc, wire_round_trip);
	tcase_add_test(tc, no_address_is_zero);
	tcase_add_test(tc, full_group_wire);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(status_suite());
}
