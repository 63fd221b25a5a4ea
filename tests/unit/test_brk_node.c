/*
 * Unit tests of the Berkeley state machine with exact numbers: a master's
 * round (polls, the minimum-delay reading, the round-trip bound, the
 * sign of an adjustment, resends with backoff, ACKs, missed rounds), a
 * slave's once-only adjustments and replay rejection, and the election.
 */
#include "unit.h"
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/brk_node.h"

#define MS 1000000LL
#define S 1000000000LL
#define T (1795000000LL * S) /* the master's clock at mono 0 */

static struct brk_node nd;
static struct brk_actions out;

static struct brk_params params(enum brk_role role)
{
	return (struct brk_params){
		.role = role, .priority = 100, .interval = 1 * S, .tolerance = 1 * MS,
		.maxrtt = 10 * MS, .step = 1 * MS, .misses = 2, .election = 3,
	};
}

static struct brk_addr addr(uint16_t port)
{
	struct brk_addr a = { .family = AF_INET, .port = port };
	inet_pton(AF_INET, "127.0.0.1", a.addr);
	return a;
}

static const struct brk_action *find(enum brk_action_kind kind, uint8_t type, int nth)
{
	for (int i = 0; i < out.n; i++)
		if (out.a[i].kind == kind && (kind != BRK_ACT_SEND || out.a[i].msg.type == type) &&
		    nth-- == 0)
			return &out.a[i];
	return NULL;
}

static int count(enum brk_action_kind kind, uint8_t type)
{
	int n = 0;
	while (find(kind, type, n) != NULL)
		n++;
	return n;
}

/* ------------------------------------------------------------- master */

static uint64_t slave_seq[8];

/* Slave `id` (port 2000 + id) answers the master's poll whose t0 is t0:
 * its clock is `off` ahead, the path takes d/2 each way, it holds the
 * POLL 0.5 ms. The master's clock reads t0 + d + 0.5 ms at arrival. */
static void reply(int id, uint64_t round, int64_t t0, int64_t off, int64_t d, int64_t mono)
{
	struct brk_msg m = { .type = BRK_REPLY, .node = (uint64_t)id, .seq = ++slave_seq[id], .to = 1,
			     .round = round, .t0 = t0 };
	m.t1 = t0 + d / 2 + off;
	m.t2 = m.t1 + MS / 2;
	struct brk_addr a = addr((uint16_t)(2000 + id));
	brk_node_recv(&nd, &m, &a, false, t0 + d + MS / 2, 0, mono, 0, &out);
}

static void ack(int id, int64_t adjust, int64_t mono)
{
	struct brk_msg m = { .type = BRK_ACK, .node = (uint64_t)id, .seq = ++slave_seq[id], .to = 1,
			     .round = nd.round, .adjust = adjust };
	struct brk_addr a = addr((uint16_t)(2000 + id));
	brk_node_recv(&nd, &m, &a, false, 0, 0, mono, 0, &out);
}

static void master_setup(void)
{
	struct brk_params p = params(BRK_ROLE_MASTER);
	memset(slave_seq, 0, sizeof(slave_seq));
	brk_node_init(&nd, &p, 1, 0);
}

/* Timer at mono; returns the POLL's t0 if one went out. */
static int64_t tick(int64_t mono, uint64_t rand)
{
	brk_node_timer(&nd, T + mono, mono, rand, &out);
	const struct brk_action *a = find(BRK_ACT_SEND, BRK_POLL, 0);
	return a ? a->msg.t0 : 0;
}

/* A round in which each slave i of n answers each poll with offs[i]. */
static void run_round(int64_t start, uint64_t rand, const int64_t *offs, int n)
{
	for (int k = 0; k < BRK_POLLS; k++) {
		int64_t t0 = tick(start + k * 100 * MS, rand);
		ck_assert_int_eq(count(BRK_ACT_SEND, BRK_POLL), 1);
		for (int i = 0; i < n; i++)
			reply(i + 2, nd.round, t0, offs[i], 2 * MS, start + k * 100 * MS + MS);
	}
	tick(start + 400 * MS, rand);
}

START_TEST(master_polls_at_once)
{
	ck_assert_int_eq(nd.state, BRK_ST_MASTER);
	ck_assert_int_eq(brk_node_next_wake(&nd), 0);
	ck_assert_int_eq(tick(0, 0xabc), T);
	const struct brk_action *a = find(BRK_ACT_SEND, BRK_POLL, 0);
	ck_assert(a->to_group);
	ck_assert_uint_eq(a->msg.round, 0xabc);
	ck_assert_uint_eq(a->msg.node, 1);
	ck_assert_uint_eq(a->msg.seq, 1);
	ck_assert_uint_eq(a->msg.interval_ms, 1000);
	ck_assert_int_eq(brk_node_next_wake(&nd), 100 * MS);
	ck_assert_int_eq(tick(50 * MS, 1), 0); /* early: nothing */
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(tick(100 * MS, 1), T + 100 * MS);
	ck_assert_int_eq(tick(200 * MS, 1), T + 200 * MS);
	ck_assert_int_eq(brk_node_next_wake(&nd), 400 * MS);
}
END_TEST

/* A node that keeps its id across restarts (`berkeley node`) starts its
 * counter at seq_start: the master that read it before takes it again. */
START_TEST(fixed_id_restarts_above_its_counters)
{
	struct brk_params p = params(BRK_ROLE_MASTER);
	p.seq_start = 1795000000000000000ULL;
	brk_node_init(&nd, &p, 1, 0);
	tick(0, 0xabc);
	ck_assert_uint_eq(find(BRK_ACT_SEND, BRK_POLL, 0)->msg.seq, 1795000000000000001ULL);
	master_setup();
	int64_t t0 = tick(0, 7);
	slave_seq[2] = 1000;
	reply(2, 7, t0, MS, 2 * MS, MS); /* counter 1001 */
	ck_assert_int_eq(nd.member[0].state, BRK_MB_SAMPLED);
	t0 = tick(100 * MS, 7);
	slave_seq[2] = 10; /* restarted from 0: a replay to the master */
	reply(2, 7, t0, MS, MS, 101 * MS);
	ck_assert_uint_eq(nd.count.drop[BRK_DROP_REPLAY], 1);
	slave_seq[2] = 1795000000000000000ULL; /* restarted at the host's ns */
	reply(2, 7, t0, MS, MS, 101 * MS);
	ck_assert_uint_eq(nd.count.drop[BRK_DROP_REPLAY], 1);
	ck_assert_int_eq(nd.member[0].rtt, MS);
}
END_TEST

START_TEST(minimum_delay_reading_and_sign)
{
	int64_t t0 = tick(0, 7);
	reply(2, 7, t0, 2 * S, 4 * MS, MS);
	ck_assert_int_eq(nd.member[0].offset, 2 * S);
	ck_assert_int_eq(nd.member[0].rtt, 4 * MS);
	t0 = tick(100 * MS, 7);
	reply(2, 7, t0, 2 * S + 10000, 2 * MS, 101 * MS); /* shorter: kept */
	t0 = tick(200 * MS, 7);
	reply(2, 7, t0, 2 * S + 99999, 3 * MS, 201 * MS); /* longer: not kept */
	ck_assert_int_eq(nd.member[0].offset, 2 * S + 10000);
	ck_assert_int_eq(nd.member[0].rtt, 2 * MS);
	ck_assert_int_eq(nd.count.replies, 3);
	tick(400 * MS, 7);
	/* 2 s apart is beyond the 1 ms tolerance: the master alone is the set,
	 * and the slave, ahead, gets a negative adjustment. */
	const struct brk_action *a = find(BRK_ACT_SEND, BRK_ADJUST, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->msg.adjust, -(2 * S + 10000));
	ck_assert_uint_eq(a->to.port, 2002);
	ck_assert_uint_eq(a->msg.round, 7);
	ck_assert_int_eq(count(BRK_ACT_APPLY, 0), 0); /* average 0: the master stays */
	ck_assert_int_eq(count(BRK_ACT_ROUND, 0), 1);
	ck_assert_int_eq(nd.last.avg.n_in, 1);
	ck_assert(!nd.member[0].in_set);
}
END_TEST

START_TEST(slave_behind_gets_positive)
{
	const int64_t offs[] = { -3 * S };
	run_round(0, 9, offs, 1);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.adjust, 3 * S);
}
END_TEST

START_TEST(average_moves_master_too)
{
	const int64_t offs[] = { 300000, 600000, 5 * S };
	run_round(0, 9, offs, 3);
	/* Set: master 0, 0.3 ms, 0.6 ms; mean 0.3 ms. The 5 s clock is out but
	 * still brought to the average. */
	ck_assert_int_eq(nd.last.avg.avg, 300000);
	ck_assert_int_eq(nd.last.avg.n_in, 3);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.adjust, 0);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 1)->msg.adjust, -300000);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 2)->msg.adjust, 300000 - 5 * S);
	const struct brk_action *a = find(BRK_ACT_APPLY, 0, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->adjust, 300000);
	ck_assert(!a->step); /* 0.3 ms is below the 1 ms step threshold */
	ck_assert_uint_eq(a->node_id, 1);
	ck_assert(nd.member[0].in_set && nd.member[1].in_set && !nd.member[2].in_set);
}
END_TEST

/* Readings are of destinations: a slave 5 ms ahead that still has -4 ms
 * to slew reads +1 ms; a master with +2 ms still to slew at its POLLs and
 * at the REPLYs sees it 1 ms - 2 ms = -1 ms off. */
START_TEST(pending_slew_counted_once)
{
	for (int k = 0; k < BRK_POLLS; k++) {
		brk_node_set_pending(&nd, 2 * MS, 2 * MS);
		int64_t t0 = tick(k * 100 * MS, 9);
		struct brk_msg m = { .type = BRK_REPLY, .node = 2, .seq = ++slave_seq[2], .to = 1,
				     .round = nd.round, .t0 = t0, .p1 = -4 * MS, .p2 = -4 * MS };
		m.t1 = t0 + MS + 5 * MS;
		m.t2 = m.t1 + MS / 2;
		struct brk_addr a = addr(2002);
		brk_node_recv(&nd, &m, &a, false, t0 + 2 * MS + MS / 2, 0, k * 100 * MS + MS, 0, &out);
	}
	tick(400 * MS, 9);
	ck_assert_int_eq(nd.member[0].offset, -1 * MS);
	ck_assert_int_eq(nd.member[0].rtt, 2 * MS);
	/* The master moves itself by the average (-0.5 ms) on top of its own
	 * +2 ms still to slew: 1.5 ms, of which the 1 ms `step` is slewed. */
	const struct brk_action *ap = find(BRK_ACT_APPLY, 0, 0);
	ck_assert_int_eq(ap->adjust, -MS / 2);
	ck_assert_int_eq(ap->slew_ns, 1 * MS);
	ck_assert_int_eq(ap->step_ns, MS / 2);
	ck_assert(ap->step);
}
END_TEST

START_TEST(split_steps_only_the_excess)
{
	int64_t st, sl;
	brk_split(0, 3 * S, S / 2, &st, &sl);
	ck_assert_int_eq(st, 5 * S / 2);
	ck_assert_int_eq(sl, S / 2);
	brk_split(-MS, -S, S / 2, &st, &sl);
	ck_assert_int_eq(st, -S / 2 - MS);
	ck_assert_int_eq(sl, -S / 2);
	brk_split(4 * MS, -3 * MS, S / 2, &st, &sl); /* within: all slewed */
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(sl, MS);
	brk_split(MS, S, 0, &st, &sl); /* step 0: all stepped */
	ck_assert_int_eq(st, S + MS);
	ck_assert_int_eq(sl, 0);
}
END_TEST

/* Slews land a quarter interval before the next ADJUST, or are slow:
 * a 1 s round's slews (1 s at least) would end as the next ADJUST comes,
 * and a late timer would leave 40 us a ms of lateness in flight. */
START_TEST(slew_max_lands_before_next_adjust)
{
	ck_assert_int_eq(brk_slew_max(10 * S, 1000000 * S, 80000.0), 400 * MS);
	ck_assert_int_eq(brk_slew_max(10 * S, 128 * MS, 80000.0), 128 * MS);
	ck_assert_int_eq(brk_slew_max(4 * S / 3 + 1, 1000000 * S, 80000.0), 53333333);
	ck_assert_int_eq(brk_slew_max(4 * S / 3 - 4, 1000000 * S, 80000.0), MS);
	ck_assert_int_eq(brk_slew_max(1 * S, 1000000 * S, 83333.333), MS);
	ck_assert_int_eq(brk_slew_max(1 * S, MS / 2, 83333.333), MS / 2);
	ck_assert_int_eq(brk_slew_max(1 * S, 0, 83333.333), 0);
}
END_TEST

/* An adjustment applied at `at`, of a reading 0.3 s before. */
static bool learn(int64_t adjust, bool stepped, int64_t at)
{
	return brk_learn_freq(&nd, adjust, stepped, at - 3 * S / 10, at);
}

/* 1 s rounds: adjustments of -50 us a second mean a clock 50 ppm fast. */
START_TEST(frequency_learnt)
{
	nd.p.freq = true;
	brk_node_set_freq(&nd, 3.0);
	ck_assert(!learn(2 * S, true, 10 * S)); /* the first: nothing to go on */
	ck_assert(!learn(-50000, false, 10 * S + S / 4)); /* too soon */
	ck_assert(learn(-50000, false, 11 * S + S / 4));
	ck_assert_double_eq_tol(nd.freq_ppm, 3.0 - 50.0, 1e-9); /* the first taken whole */
	ck_assert(learn(10000, false, 13 * S + S / 4)); /* +5 ppm over 2 s */
	ck_assert_double_eq_tol(nd.freq_ppm, -47.0 + 2.5, 1e-9); /* then by half */
	ck_assert(!learn(10000, false, 17 * S + S / 4)); /* over 3 rounds */
	ck_assert(!learn(S, false, 18 * S + S / 4)); /* 1e6 ppm: not a drift */
	ck_assert(!learn(10000, true, 19 * S + S / 4)); /* a step */
	brk_node_set_ntp_synced(&nd, true);
	ck_assert(!learn(10000, false, 20 * S + S / 4)); /* NTP steers it */
	brk_node_set_ntp_synced(&nd, false);
	nd.p.freq = false;
	ck_assert(!learn(10000, false, 21 * S + S / 4)); /* off */
	ck_assert_double_eq_tol(nd.freq_ppm, -44.5, 1e-9);
	/* The kernel's bound. */
	nd.p.freq = true;
	brk_node_set_freq(&nd, -480.0);
	ck_assert(learn(-400000, false, 22 * S + S / 4));
	ck_assert_double_eq_tol(nd.freq_ppm, -BRK_FREQ_MAX, 1e-9);
}
END_TEST

/* The master learns from the average it applies to itself, and says so. */
START_TEST(master_apply_carries_freq)
{
	const int64_t offs[] = { 100000 };
	nd.p.freq = true;
	run_round(0, 9, offs, 1);
	ck_assert(!find(BRK_ACT_APPLY, 0, 0)->set_freq);
	run_round(S, 10, offs, 1); /* +50 us again a second later: 50 ppm slow */
	const struct brk_action *a = find(BRK_ACT_APPLY, 0, 0);
	ck_assert(a->set_freq);
	ck_assert_double_eq_tol(a->freq_ppm, 50.0, 1e-9);
	/* And what the old frequency drifted since the readings (those of
	 * the first POLL, 0.4 s before) at 50 ppm: 20 us more, slewed with
	 * the 50 us. */
	ck_assert_int_eq(a->adjust, 50000);
	ck_assert_int_eq(a->slew_ns, 70000);
	ck_assert_int_eq(a->step_ns, 0);
}
END_TEST

START_TEST(ntp_synced_master_stays)
{
	const int64_t offs[] = { 300000, 600000 };
	brk_node_set_ntp_synced(&nd, true);
	run_round(0, 9, offs, 2);
	ck_assert_int_eq(nd.last.avg.avg, 300000); /* reported only */
	ck_assert_int_eq(count(BRK_ACT_APPLY, 0), 0);
	/* The master's clock is the reference: each slave comes to it. */
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.adjust, -300000);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 1)->msg.adjust, -600000);
}

START_TEST(ntp_synced_master_outvoted)
{
	/* Two slaves agreeing 1.5 s away from an NTP-steered master still
	 * come to it: NTP, not the majority, says where UTC is. */
	const int64_t offs[] = { 1500000000, 1500000100 };
	brk_node_set_ntp_synced(&nd, true);
	run_round(0, 9, offs, 2);
	ck_assert(!nd.last.avg.master_in);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.adjust, -1500000000);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 1)->msg.adjust, -1500000100);
	ck_assert_int_eq(count(BRK_ACT_APPLY, 0), 0);
}
END_TEST

START_TEST(rtt_bound)
{
	int64_t t0 = tick(0, 7);
	reply(2, 7, t0, S, 11 * MS, MS);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_RTT], 1);
	ck_assert_int_eq(nd.member[0].state, BRK_MB_IDLE);
	tick(100 * MS, 7);
	tick(200 * MS, 7);
	tick(400 * MS, 7);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ADJUST), 0);
	ck_assert_int_eq(nd.member[0].missed, 1);
}
END_TEST

START_TEST(resend_with_backoff)
{
	const int64_t offs[] = { S };
	run_round(0, 9, offs, 1);
	uint64_t seq = find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.seq;
	ck_assert_int_eq(brk_node_next_wake(&nd), 450 * MS);
	const int64_t at[] = { 450 * MS, 550 * MS, 750 * MS };
	for (int i = 0; i < 3; i++) {
		tick(at[i], 9);
		const struct brk_action *a = find(BRK_ACT_SEND, BRK_ADJUST, 0);
		ck_assert_ptr_nonnull(a);
		ck_assert_int_eq(a->msg.adjust, -S);
		ck_assert_uint_eq(a->msg.round, 9);
		ck_assert_uint_gt(a->msg.seq, seq);
		seq = a->msg.seq;
	}
	ck_assert_int_eq(nd.count.resends, 3);
	ck_assert_int_eq(brk_node_next_wake(&nd), 1 * S); /* no fourth */
	tick(1 * S, 10);
	ck_assert_int_eq(count(BRK_ACT_GAVE_UP, 0), 1);
	ck_assert_int_eq(nd.member[0].state, BRK_MB_UNACKED);
}
END_TEST

START_TEST(ack_ends_resends)
{
	const int64_t offs[] = { S };
	run_round(0, 9, offs, 1);
	ack(2, -S + 1, 410 * MS); /* not what was sent */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_WRONG_ROUND], 1);
	ack(2, -S, 420 * MS);
	ck_assert_int_eq(nd.count.acks, 1);
	ck_assert_int_eq(nd.member[0].state, BRK_MB_ACKED);
	ck_assert_int_eq(brk_node_next_wake(&nd), 1 * S);
	ack(2, -S, 430 * MS); /* the ACK of a resend */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_DUPLICATE], 1);
	slave_seq[2]--;
	ack(2, -S, 440 * MS); /* a counter already seen */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_REPLAY], 1);
}
END_TEST

START_TEST(missed_rounds_drop_member)
{
	const int64_t offs[] = { S };
	run_round(0, 9, offs, 1);
	ack(2, -S, 410 * MS);
	run_round(1 * S, 10, offs, 0);
	ck_assert_int_eq(nd.n_members, 1);
	ck_assert_int_eq(nd.member[0].missed, 1);
	run_round(2 * S, 11, offs, 0);
	ck_assert_int_eq(count(BRK_ACT_DROPPED, 0), 1);
	ck_assert_uint_eq(find(BRK_ACT_DROPPED, 0, 0)->node_id, 2);
	ck_assert_int_eq(nd.n_members, 0);
}
END_TEST

START_TEST(bad_replies)
{
	int64_t t0 = tick(0, 7);
	reply(2, 8, t0, S, 2 * MS, MS);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_WRONG_ROUND], 1);
	reply(2, 7, t0 + 1, S, 2 * MS, MS); /* a t0 we never sent */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_WRONG_ROUND], 2);
	reply(2, 7, t0, S, 2 * MS, MS);
	ck_assert_int_eq(nd.count.replies, 1);
	slave_seq[2]--;
	reply(2, 7, t0, S, 2 * MS, MS);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_REPLAY], 1);
	struct brk_msg m = { .type = BRK_REPLY, .node = 3, .to = 1, .seq = 1, .round = 7, .t0 = t0,
			     .t1 = -1, .t2 = 0 };
	struct brk_addr a = addr(2003);
	brk_node_recv(&nd, &m, &a, false, T, 0, MS, 0, &out);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_RANGE], 1);
	m.t1 = T;
	brk_node_recv(&nd, &m, &a, true, T, 0, MS, 0, &out); /* through the group */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_UNEXPECTED], 1);
	ck_assert_int_eq(nd.n_members, 1);
	tick(100 * MS, 7);
	tick(200 * MS, 7);
	tick(400 * MS, 7);
	reply(2, 7, t0, S, 2 * MS, 401 * MS); /* after the average */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_WRONG_ROUND], 3);
}
END_TEST

START_TEST(full_group)
{
	int64_t t0 = tick(0, 7);
	for (int i = 0; i < BRK_MAX_MEMBERS + 1; i++) {
		struct brk_msg m = { .type = BRK_REPLY, .node = 100 + (uint64_t)i, .to = 1, .seq = 1,
				     .round = 7, .t0 = t0, .t1 = t0, .t2 = t0 };
		struct brk_addr a = addr((uint16_t)(3000 + i));
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, MS, 0, &out);
	}
	ck_assert_int_eq(nd.n_members, BRK_MAX_MEMBERS);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_FULL], 1);
	tick(100 * MS, 7);
	tick(200 * MS, 7);
	tick(400 * MS, 7);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ADJUST), BRK_MAX_MEMBERS);
	ck_assert_int_le(out.n, BRK_MAX_ACTIONS);
}
END_TEST

/* Sybils: a second node id from a member's address and port in the same
 * round is dropped; in a later round, a restarted member's new id takes
 * the old one's place. */
START_TEST(one_id_per_address)
{
	int64_t t0 = tick(0, 7);
	for (uint64_t id = 100; id < 105; id++) {
		struct brk_msg m = { .type = BRK_REPLY, .node = id, .to = 1, .seq = 1, .round = 7,
				     .t0 = t0, .t1 = t0, .t2 = t0 };
		struct brk_addr a = addr(3000);
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, MS, 0, &out);
	}
	ck_assert_int_eq(nd.n_members, 1);
	ck_assert_uint_eq(nd.member[0].node, 100);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_ADDRESS], 4);
	tick(100 * MS, 7);
	tick(200 * MS, 7);
	tick(400 * MS, 7);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ADJUST), 1);
	t0 = tick(S, 8);
	struct brk_msg m = { .type = BRK_REPLY, .node = 200, .to = 1, .seq = 1, .round = 8,
			     .t0 = t0, .t1 = t0, .t2 = t0 };
	struct brk_addr a = addr(3000);
	brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, S + MS, 0, &out);
	ck_assert_int_eq(nd.n_members, 1);
	ck_assert_uint_eq(nd.member[0].node, 200);
}
END_TEST

/* A full membership makes room for a newcomer by evicting a member that
 * missed a round, then one that never acknowledged; when all answer and
 * acknowledge, the newcomer is turned away. */
START_TEST(full_group_evicts_silent)
{
	int64_t t0 = tick(0, 7);
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		struct brk_msg m = { .type = BRK_REPLY, .node = 100 + (uint64_t)i, .to = 1, .seq = 1,
				     .round = 7, .t0 = t0, .t1 = t0, .t2 = t0 };
		struct brk_addr a = addr((uint16_t)(3000 + i));
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, MS, 0, &out);
	}
	tick(100 * MS, 7);
	tick(200 * MS, 7);
	tick(400 * MS, 7);
	/* All ACK but member 5 (left unacknowledged at the next round). */
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		if (i == 5)
			continue;
		struct brk_member *mb = &nd.member[i];
		struct brk_msg m = { .type = BRK_ACK, .node = mb->node, .to = 1, .seq = 2, .round = 7,
				     .adjust = mb->adjust };
		brk_node_recv(&nd, &m, &mb->addr, false, 0, 0, 401 * MS, 0, &out);
	}
	/* Round 2: all answer but member 9. */
	t0 = tick(S, 8);
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		if (i == 9)
			continue;
		struct brk_msg m = { .type = BRK_REPLY, .node = 100 + (uint64_t)i, .to = 1, .seq = 3,
				     .round = 8, .t0 = t0, .t1 = t0, .t2 = t0 };
		struct brk_addr a = addr((uint16_t)(3000 + i));
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, S + MS, 0, &out);
	}
	tick(S + 100 * MS, 8);
	tick(S + 200 * MS, 8);
	tick(S + 400 * MS, 8); /* member 9 missed a round */
	ck_assert_int_eq(nd.member[9].missed, 1);
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		struct brk_member *mb = &nd.member[i];
		if (i == 5 || i == 9)
			continue;
		struct brk_msg m = { .type = BRK_ACK, .node = mb->node, .to = 1, .seq = 4, .round = 8,
				     .adjust = mb->adjust };
		brk_node_recv(&nd, &m, &mb->addr, false, 0, 0, S + 401 * MS, 0, &out);
	}
	t0 = tick(2 * S, 9);
	for (uint64_t id = 900; id < 903; id++) {
		struct brk_msg m = { .type = BRK_REPLY, .node = id, .to = 1, .seq = 1, .round = 9,
				     .t0 = t0, .t1 = t0, .t2 = t0 };
		struct brk_addr a = addr((uint16_t)(5000 + id));
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, 2 * S + MS, 0, &out);
	}
	ck_assert_int_eq(nd.count.evicted, 2);
	ck_assert_uint_eq(nd.member[9].node, 900); /* the silent one first */
	ck_assert_uint_eq(nd.member[5].node, 901); /* then the unacknowledging one */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_FULL], 1);
	ck_assert_int_eq(nd.n_members, BRK_MAX_MEMBERS);
}
END_TEST

/* maxdrift: the first average moves the master freely; later ones at
 * most maxdrift x the time since the last. */
START_TEST(maxdrift_holds_average)
{
	const int64_t offs[] = { 40 * MS, 40 * MS };
	nd.p.maxdrift_ppm = 100;
	run_round(0, 9, offs, 2);
	ck_assert_int_eq(nd.last.target, 40 * MS); /* the two slaves are the set */
	ck_assert_int_eq(nd.count.bounded, 0);
	run_round(S, 10, offs, 2); /* 1 s later: at most 100 us */
	ck_assert_int_eq(nd.last.avg.avg, 40 * MS);
	ck_assert_int_eq(nd.last.target, 100000);
	ck_assert_int_eq(nd.count.bounded, 1);
	ck_assert_int_eq(find(BRK_ACT_SEND, BRK_ADJUST, 0)->msg.adjust, 100000 - 40 * MS);
	ck_assert_int_eq(find(BRK_ACT_APPLY, 0, 0)->adjust, 100000);
}
END_TEST

/* A group of the largest size: every slave adjusted, and the round's end
 * (the last ACK) reported once, timed from the first POLL. */
START_TEST(full_group_all_acked)
{
	int64_t t0 = tick(5 * MS, 7);
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		struct brk_msg m = { .type = BRK_REPLY, .node = 100 + (uint64_t)i, .to = 1, .seq = 1,
				     .round = 7, .t0 = t0, .t1 = t0 + i, .t2 = t0 + i };
		struct brk_addr a = addr((uint16_t)(3000 + i));
		brk_node_recv(&nd, &m, &a, false, t0 + MS, 0, 6 * MS, 0, &out);
	}
	tick(105 * MS, 7);
	tick(205 * MS, 7);
	tick(405 * MS, 7);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ADJUST), BRK_MAX_MEMBERS);
	ck_assert_int_eq(nd.n_pending, BRK_MAX_MEMBERS);
	for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
		struct brk_member *mb = &nd.member[i];
		ck_assert_int_eq(mb->offset, i - MS / 2); /* path of 1 ms, held 0 */
		struct brk_msg m = { .type = BRK_ACK, .node = mb->node, .to = 1, .seq = 2, .round = 7,
				     .adjust = mb->adjust };
		brk_node_recv(&nd, &m, &mb->addr, false, 0, 0, 406 * MS + i * 1000, 0, &out);
		ck_assert_int_eq(count(BRK_ACT_ALL_ACKED, 0), i == BRK_MAX_MEMBERS - 1);
	}
	ck_assert_int_eq(nd.last.acked_after, 401 * MS + (BRK_MAX_MEMBERS - 1) * 1000);
	ck_assert_int_eq(nd.last.adjusted_after, 400 * MS);
	ck_assert_int_eq(nd.count.acks, BRK_MAX_MEMBERS);
	/* The ACK of a resend ends nothing twice. */
	struct brk_msg m = { .type = BRK_ACK, .node = nd.member[0].node, .to = 1, .seq = 3, .round = 7,
			     .adjust = nd.member[0].adjust };
	brk_node_recv(&nd, &m, &nd.member[0].addr, false, 0, 0, 500 * MS, 0, &out);
	ck_assert_int_eq(count(BRK_ACT_ALL_ACKED, 0), 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_DUPLICATE], 1);
}
END_TEST

/* -------------------------------------------------------------- slave */

static uint64_t master_seq;

static void slave_setup(void)
{
	struct brk_params p = params(BRK_ROLE_SLAVE);
	master_seq = 0;
	brk_node_init(&nd, &p, 5, 0);
}

/* A POLL of master `node` for `round`; the slave's nonce for it is
 * NONCE(round). */
#define NONCE(round) (0x5000 + (uint64_t)(round))

static void poll_from(uint64_t node, uint8_t prio, uint16_t port, uint64_t round, int64_t mono)
{
	struct brk_msg m = { .type = BRK_POLL, .priority = prio, .node = node, .seq = ++master_seq,
			     .round = round, .t0 = 1000 };
	struct brk_addr a = addr(port);
	brk_node_recv(&nd, &m, &a, true, 2000, 3000, mono, NONCE(round), &out);
}

static void adjust_at(uint64_t node, uint16_t port, uint64_t round, int64_t adj, uint64_t seq,
		      bool via_group, uint64_t nonce, int64_t mono)
{
	struct brk_msg m = { .type = BRK_ADJUST, .node = node, .to = nd.id, .seq = seq,
			     .round = round, .nonce = nonce, .adjust = adj };
	struct brk_addr a = addr(port);
	brk_node_recv(&nd, &m, &a, via_group, 0, 0, mono, 0, &out);
}

/* An ADJUST echoing the nonce we gave for that round. */
static void adjust_from(uint64_t node, uint16_t port, uint64_t round, int64_t adj, uint64_t seq,
			bool via_group)
{
	adjust_at(node, port, round, adj, seq, via_group, NONCE(round), 10 * MS);
}

START_TEST(slave_answers_poll)
{
	ck_assert_int_eq(brk_node_next_wake(&nd), BRK_NEVER);
	poll_from(1, 100, 1000, 77, MS);
	const struct brk_action *a = find(BRK_ACT_SEND, BRK_REPLY, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->to_group);
	ck_assert_uint_eq(a->to.port, 1000);
	ck_assert_uint_eq(a->msg.round, 77);
	ck_assert_uint_eq(a->msg.to, 1);
	ck_assert_uint_eq(a->msg.nonce, NONCE(77));
	ck_assert_int_eq(a->msg.t0, 1000);
	ck_assert_int_eq(a->msg.t1, 2000);
	ck_assert_int_eq(a->msg.t2, 3000);
	ck_assert_int_eq(a->msg.p1, 0);
	ck_assert_int_eq(a->msg.p2, 0);
	ck_assert_uint_eq(a->msg.node, 5);
	/* Answered, not yet followed: its ADJUST must prove it alive. */
	ck_assert_uint_eq(nd.master, 0);
	ck_assert_int_eq(nd.count.challenges, 1);
	/* A slave still slewing says how much is left at t1 and t2; the
	 * same round keeps its nonce. */
	brk_node_set_pending(&nd, 7 * MS, 6 * MS);
	struct brk_msg pm = { .type = BRK_POLL, .priority = 100, .node = 1, .seq = ++master_seq,
			      .round = 77, .t0 = 1000 };
	struct brk_addr pa = addr(1000);
	brk_node_recv(&nd, &pm, &pa, true, 2000, 3000, 2 * MS, 0x999, &out);
	a = find(BRK_ACT_SEND, BRK_REPLY, 0);
	ck_assert_int_eq(a->msg.p1, 7 * MS);
	ck_assert_int_eq(a->msg.p2, 6 * MS);
	ck_assert_uint_eq(a->msg.nonce, NONCE(77));
	brk_node_set_pending(&nd, 0, 0);
	adjust_from(1, 1000, 77, 0, ++master_seq, false);
	ck_assert_uint_eq(nd.master, 1);
	/* A POLL on the unicast socket is not taken. */
	struct brk_msg m = { .type = BRK_POLL, .node = 1, .seq = ++master_seq, .round = 78 };
	struct brk_addr from = addr(1000);
	brk_node_recv(&nd, &m, &from, false, 0, 0, MS, 0, &out);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_UNEXPECTED], 1);
}
END_TEST

START_TEST(adjust_applied_once)
{
	poll_from(1, 100, 1000, 77, MS);
	adjust_from(1, 1000, 77, -2 * S, ++master_seq, false);
	const struct brk_action *a = find(BRK_ACT_APPLY, 0, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->adjust, -2 * S);
	ck_assert(a->step);
	a = find(BRK_ACT_SEND, BRK_ACK, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->msg.adjust, -2 * S);
	ck_assert_uint_eq(a->to.port, 1000);
	ck_assert_uint_eq(a->msg.to, 1);
	ck_assert_uint_eq(a->msg.nonce, NONCE(77));
	/* The master resends (a new counter): ACK again, never apply twice. */
	adjust_from(1, 1000, 77, -2 * S, ++master_seq, false);
	ck_assert_int_eq(count(BRK_ACT_APPLY, 0), 0);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ACK), 1);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_DUPLICATE], 1);
	/* A replay (a counter seen): nothing at all. */
	adjust_from(1, 1000, 77, -2 * S, master_seq, false);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_REPLAY], 1);
	/* Another adjustment for the same round: refused. */
	adjust_from(1, 1000, 77, 5, ++master_seq, false);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_WRONG_ROUND], 1);
	ck_assert_int_eq(nd.count.applied, 1);
	ck_assert_int_eq(nd.last_applied, -2 * S);
}
END_TEST

START_TEST(adjust_refused)
{
	adjust_from(1, 1000, 77, S, ++master_seq, false); /* no POLL answered */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 1);
	poll_from(1, 100, 1000, 77, MS);
	adjust_from(7, 1000, 77, S, 1, false); /* another node */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 2);
	adjust_from(1, 1001, 77, S, ++master_seq, false); /* another address */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 3);
	adjust_from(1, 1000, 76, S, ++master_seq, false); /* a round we did not answer */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 4);
	adjust_at(1, 1000, 77, S, ++master_seq, false, NONCE(77) + 1, MS); /* another nonce */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 5);
	adjust_from(1, 1000, 77, S, ++master_seq, true); /* through the group */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_UNEXPECTED], 1);
	/* For another node, or another group. */
	struct brk_msg m = { .type = BRK_ADJUST, .node = 1, .to = 6, .seq = ++master_seq,
			     .round = 77, .nonce = NONCE(77), .adjust = S };
	struct brk_addr a = addr(1000);
	brk_node_recv(&nd, &m, &a, false, 0, 0, MS, 0, &out);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_RECIPIENT], 1);
	m.to = 5;
	m.group = 3;
	brk_node_recv(&nd, &m, &a, false, 0, 0, MS, 0, &out);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_GROUP], 1);
	ck_assert_int_eq(nd.count.applied, 0);
	poll_from(1, 100, 1000, 78, 2 * MS);
	adjust_from(1, 1000, 77, S, ++master_seq, false); /* the old round, fresh counter */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_STALE], 6);
	adjust_from(1, 1000, 78, 500000, ++master_seq, false);
	ck_assert_int_eq(nd.count.applied, 1);
	ck_assert(!find(BRK_ACT_APPLY, 0, 0)->step); /* 0.5 ms: slewed */
	struct brk_msg k = { .type = BRK_ACK, .node = 1, .to = 5, .seq = 1, .round = 78 };
	brk_node_recv(&nd, &k, &a, false, 0, 0, MS, 0, &out); /* an ACK to a slave */
	ck_assert_int_eq(nd.count.drop[BRK_DROP_UNEXPECTED], 2);
}
END_TEST

START_TEST(slave_switches_master)
{
	poll_from(10, 100, 1000, 1, 0);
	adjust_at(10, 1000, 1, 0, ++master_seq, false, NONCE(1), MS);
	ck_assert_uint_eq(nd.master, 10);
	poll_from(3, 50, 1003, 2, MS); /* worse, while ours is alive */
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_NOT_MASTER], 1);
	poll_from(20, 200, 1020, 3, 2 * MS); /* better: answered, not yet followed */
	ck_assert_uint_eq(nd.master, 10);
	ck_assert_uint_eq(find(BRK_ACT_SEND, BRK_REPLY, 0)->to.port, 1020);
	adjust_at(20, 1020, 3, 0, ++master_seq, false, NONCE(3), 3 * MS); /* alive: followed */
	ck_assert_uint_eq(nd.master, 20);
	poll_from(3, 50, 1003, 4, 3 * MS + 3 * S + 1); /* ours silent for 3 intervals */
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_REPLY), 1);
	adjust_at(3, 1003, 4, 0, ++master_seq, false, NONCE(4), 3 * MS + 3 * S + 2);
	ck_assert_uint_eq(nd.master, 3);
	/* The same priority: the lower node id is the better master. */
	poll_from(2, 50, 1002, 5, 3 * S + 3 * MS);
	adjust_at(2, 1002, 5, 0, ++master_seq, false, NONCE(5), 3 * S + 4 * MS);
	ck_assert_uint_eq(nd.master, 2);
	ck_assert(brk_better_master(50, 2, 50, 3));
	ck_assert(!brk_better_master(50, 3, 50, 2));
	ck_assert(brk_better_master(51, 9, 50, 2));
}
END_TEST

/* A recording of a better master's POLL, replayed: answered, never
 * followed, and our master's slot is never pushed out by many of them. */
START_TEST(recorded_poll_not_followed)
{
	poll_from(10, 100, 1000, 1, 0);
	adjust_at(10, 1000, 1, 0, ++master_seq, false, NONCE(1), MS);
	for (uint64_t i = 0; i < 2 * BRK_MAX_MASTERS; i++)
		poll_from(100 + i, 250, 1100, 50 + i, 2 * MS);
	ck_assert_uint_eq(nd.master, 10);
	ck_assert_int_eq(nd.count.challenges, 1 + 2 * BRK_MAX_MASTERS);
	poll_from(10, 100, 1000, 2, 3 * MS);
	adjust_at(10, 1000, 2, 7, ++master_seq, false, NONCE(2), 4 * MS);
	ck_assert_int_eq(nd.count.applied, 2);
	ck_assert_uint_eq(nd.master, 10);
}
END_TEST

/* ----------------------------------------------------------- election */

START_TEST(slave_never_elects)
{
	tick(100 * S, 1);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.state, BRK_ST_SLAVE);
}
END_TEST

START_TEST(candidate_elects_itself)
{
	struct brk_params p = params(BRK_ROLE_CANDIDATE);
	brk_node_init(&nd, &p, 6, 0);
	ck_assert_int_eq(nd.state, BRK_ST_SLAVE);
	ck_assert_int_eq(brk_node_next_wake(&nd), 3 * S);
	poll_from(1, 100, 1000, 1, 2 * S); /* a POLL alone proves nothing */
	ck_assert_int_eq(brk_node_next_wake(&nd), 3 * S);
	adjust_at(1, 1000, 1, 0, ++master_seq, false, NONCE(1), 2 * S);
	ck_assert_int_eq(brk_node_next_wake(&nd), 5 * S); /* its ADJUST does */
	tick(5 * S, 250 * MS);
	ck_assert_int_eq(count(BRK_ACT_STATE, 0), 1);
	ck_assert_int_eq(nd.state, BRK_ST_ELECTING);
	ck_assert_int_eq(brk_node_next_wake(&nd), 5 * S + 250 * MS);
	tick(5 * S + 250 * MS, 42);
	ck_assert_int_eq(nd.state, BRK_ST_MASTER);
	ck_assert_int_eq(count(BRK_ACT_STATE, 0), 1);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_POLL), 1);
	ck_assert_uint_eq(find(BRK_ACT_SEND, BRK_POLL, 0)->msg.round, 42);
	ck_assert_int_eq(nd.count.elections, 1);
}
END_TEST

START_TEST(election_delay_is_bounded)
{
	struct brk_params p = params(BRK_ROLE_CANDIDATE);
	brk_node_init(&nd, &p, 6, 0);
	tick(3 * S, ~0ULL);
	ck_assert_int_le(brk_node_next_wake(&nd), 3 * S + S / 2);
	ck_assert_int_ge(brk_node_next_wake(&nd), 3 * S);
}
END_TEST

START_TEST(electing_yields_to_poll)
{
	struct brk_params p = params(BRK_ROLE_CANDIDATE);
	brk_node_init(&nd, &p, 6, 0);
	tick(3 * S, 400 * MS);
	poll_from(9, 1, 1009, 1, 3 * S + MS); /* even a low priority master */
	ck_assert_int_eq(nd.state, BRK_ST_ELECTING); /* waits an interval for its proof */
	ck_assert_int_eq(brk_node_next_wake(&nd), 4 * S + MS);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_REPLY), 1);
	adjust_at(9, 1009, 1, 0, ++master_seq, false, NONCE(1), 3 * S + 2 * MS);
	ck_assert_int_eq(nd.state, BRK_ST_SLAVE);
	ck_assert_int_eq(count(BRK_ACT_STATE, 0), 1);
}
END_TEST

START_TEST(master_steps_down_to_better)
{
	struct brk_params p = params(BRK_ROLE_MASTER);
	brk_node_init(&nd, &p, 5, 0);
	tick(0, 7);
	poll_from(9, 99, 1009, 1, MS); /* worse: ignored */
	ck_assert_int_eq(nd.state, BRK_ST_MASTER);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.count.drop[BRK_DROP_NOT_MASTER], 1);
	poll_from(6, 100, 1006, 2, 2 * MS); /* same priority, higher id: worse */
	ck_assert_int_eq(nd.state, BRK_ST_MASTER);
	poll_from(2, 100, 1002, 3, 3 * MS); /* same priority, lower id: better */
	ck_assert_int_eq(nd.state, BRK_ST_MASTER); /* until it proves it is alive */
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_REPLY), 1);
	adjust_at(2, 1002, 3, 0, ++master_seq, false, NONCE(3), 3 * MS);
	ck_assert_int_eq(nd.state, BRK_ST_SLAVE);
	ck_assert_int_eq(nd.count.stepdowns, 1);
	ck_assert_int_eq(count(BRK_ACT_STATE, 0), 1);
	ck_assert_int_eq(count(BRK_ACT_SEND, BRK_ACK), 1);
	/* A master that stepped down may be elected again later. */
	ck_assert_int_eq(brk_node_next_wake(&nd), 3 * MS + 3 * S);
}
END_TEST

START_TEST(own_poll_ignored)
{
	tick(0, 7);
	poll_from(1, 100, 1000, 7, MS);
	ck_assert_int_eq(out.n, 0);
	ck_assert_int_eq(nd.state, BRK_ST_MASTER);
	for (int d = 0; d < BRK_DROP_N; d++)
		ck_assert_int_eq(nd.count.drop[d], 0);
	ck_assert_str_eq(brk_drop_name(BRK_DROP_NOT_MASTER), "not_master");
	ck_assert_str_eq(brk_state_name(BRK_ST_ELECTING), "electing");
	ck_assert_str_eq(brk_role_name(BRK_ROLE_CANDIDATE), "candidate");
}
END_TEST

static Suite *node_suite(void)
{
	Suite *s = suite_create("brk_node");
	TCase *tc = tcase_create("master");
	tcase_add_checked_fixture(tc, master_setup, NULL);
	tcase_add_test(tc, master_polls_at_once);
	tcase_add_test(tc, minimum_delay_reading_and_sign);
	tcase_add_test(tc, slave_behind_gets_positive);
	tcase_add_test(tc, average_moves_master_too);
	tcase_add_test(tc, ntp_synced_master_stays);
	tcase_add_test(tc, pending_slew_counted_once);
	tcase_add_test(tc, split_steps_only_the_excess);
	tcase_add_test(tc, slew_max_lands_before_next_adjust);
	tcase_add_test(tc, fixed_id_restarts_above_its_counters);
	tcase_add_test(tc, frequency_learnt);
	tcase_add_test(tc, master_apply_carries_freq);
	tcase_add_test(tc, ntp_synced_master_outvoted);
	tcase_add_test(tc, rtt_bound);
	tcase_add_test(tc, resend_with_backoff);
	tcase_add_test(tc, ack_ends_resends);
	tcase_add_test(tc, missed_rounds_drop_member);
	tcase_add_test(tc, bad_replies);
	tcase_add_test(tc, full_group);
	tcase_add_test(tc, full_group_all_acked);
	tcase_add_test(tc, one_id_per_address);
	tcase_add_test(tc, full_group_evicts_silent);
	tcase_add_test(tc, maxdrift_holds_average);
	tcase_add_test(tc, master_steps_down_to_better);
	tcase_add_test(tc, own_poll_ignored);
	suite_add_tcase(s, tc);
	tc = tcase_create("slave");
	tcase_add_checked_fixture(tc, slave_setup, NULL);
	tcase_add_test(tc, slave_answers_poll);
	tcase_add_test(tc, adjust_applied_once);
	tcase_add_test(tc, adjust_refused);
	tcase_add_test(tc, slave_switches_master);
	tcase_add_test(tc, recorded_poll_not_followed);
	tcase_add_test(tc, slave_never_elects);
	tcase_add_test(tc, candidate_elects_itself);
	tcase_add_test(tc, election_delay_is_bounded);
	tcase_add_test(tc, electing_yields_to_poll);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(node_suite());
}
