/*
 * Unit tests of the Berkeley snapshot: what is copied out of a master and
 * a slave, and its form on the control socket (its text and JSON forms
 * are tsync's, tested in test_render.c; here they compare snapshots).
 */
#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "render.h"
#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

static struct brk_node nd;
static struct brk_status st;

/* A snapshot as tsync prints it (a new string, freed by the caller). */
static char *render(const struct brk_status *s, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	if (json)
		render_berkeley_json(f, s);
	else
		render_berkeley_text(f, s);
	fclose(f);
	return out;
}

static void same_rendering(const struct brk_status *a, const struct brk_status *b, bool json)
{
	char *x = render(a, json), *y = render(b, json);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
}

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

START_TEST(fill_master)
{
	master_with_member();
	brk_status_fill(&nd, &st);
	ck_assert_int_eq(st.n_members, 1);
	ck_assert_uint_eq(st.master, 0xab);
	ck_assert_uint_eq(st.round, 0x1234);
	ck_assert_uint_eq(st.rounds, 3);
	ck_assert_int_eq(st.average, 2);
	ck_assert_int_eq(st.n_in, 2);
	ck_assert_int_eq(st.member[0].offset, -1500000);
	ck_assert_int_eq(st.member[0].rtt, 25000);
	ck_assert_int_eq(st.member[0].state, BRK_MB_ACKED);
	ck_assert_int_eq(st.master_addr.family, 0);
}
END_TEST

START_TEST(fill_slave)
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
	ck_assert_uint_eq(st.master, 0x99);
	ck_assert_int_eq(st.master_addr.family, AF_INET6);
	ck_assert_int_eq(st.master_addr.scope, 2);
	ck_assert_uint_eq(st.round, 0x55);
	ck_assert_int_eq(st.last_applied, -7);
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
	same_rendering(&back, &st, false);
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
	same_rendering(&back, &st, true);
	char *json = render(&back, true);
	ck_assert_ptr_nonnull(strstr(json, "\"node\":\"00000000000011ff\",\"address\":\"10.0.0.2:1511\","
					   "\"offset\":0.000000511,"));
	free(json);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("brk_status");
	TCase *tc = tcase_create("status");
	tcase_add_test(tc, fill_master);
	tcase_add_test(tc, fill_slave);
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
