/*
 * Unit tests for ntp_sys, the client's system level: which sources are
 * followed (a lone fit one whatever the others do, a standard hierarchy,
 * an orphan-mode parent), epochs, what is served (after a step too), and
 * loss of synchronisation, event by event with exact numbers.
 */
#include "unit.h"
#include <string.h>

#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_sys.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define T0 (INT64_C(1700000000) * SEC)
#define OUR_ADDR NTP_REFID(192, 0, 2, 99) /* our own address towards every source */
#define ADDR_A NTP_REFID(192, 0, 2, 1)
/* Four samples one second apart, offset constant, delay 10 ms, taken at
 * T0 .. T0 + 3 s (see test_ntp_source's FILL4_ROOT_DIST): as of T0 + 3 s
 * the peer dispersion is 937510313 ns and the jitter its 1 ns floor. */
#define FILL4_DISP INT64_C(937510313)

struct fixture {
	struct ntpsrc src[4];
	struct ntp_sys_source list[4];
	struct ntp_sys sys;
};

static void init(struct fixture *f, int n)
{
	struct ntp_sys_config cfg = { .maxdistance = 1500 * MS, .holdover = 0 };
	struct disc_config dc;
	struct ntpsrc_params p;

	disc_config_default(&dc);
	ntpsrc_params_default(&p);
	p.precision = -30; /* jitter floor 1 ns */
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(ntpsrc_init(&f->src[i], &p), 0);
		f->src[i].addr_refid = ADDR_A + (uint32_t)i;
		ntpsrc_start(&f->src[i], T0);
		f->list[i] = (struct ntp_sys_source){ .src = &f->src[i], .local_refid = OUR_ADDR };
	}
	ntp_sys_init(&f->sys, &cfg, &dc, 0.0, -1);
}

/* One reply at t from source i. Returns ntpsrc_on_reply's result. */
static int answer(struct fixture *f, int i, int64_t t, int64_t offset, uint8_t stratum,
		  uint32_t refid, int64_t root_disp)
{
	struct ntpsrc_reply r = {
		.sample = { .offset = offset, .delay = 10 * MS, .disp = 0 },
		.stratum = stratum, .leap = NTP_LEAP_NONE, .refid = refid,
		.root_delay = 20 * MS, .root_disp = root_disp, .t3 = t,
	};
	ntpsrc_on_transmit(&f->src[i], t);
	return ntpsrc_on_reply(&f->src[i], &r, f->sys.synced);
}

/* Source i answers four times, T0 .. T0 + 3 s (plus dt). */
static void fill(struct fixture *f, int i, int64_t dt, int64_t offset, uint8_t stratum,
		 uint32_t refid, int64_t root_disp)
{
	for (int k = 0; k < 4; k++)
		answer(f, i, T0 + dt + k * SEC, offset, stratum, refid, root_disp);
}

#define GPS NTP_REFID('G', 'P', 'S', 0)

/* Source i is a stratum-1 server with offset `offset`, four answers from
 * T0 + dt. */
static void gps(struct fixture *f, int i, int64_t dt, int64_t offset)
{
	fill(f, i, dt, offset, 1, GPS, 0);
}

static void select_at(struct fixture *f, int n, int64_t now, struct ntp_sys_actions *a)
{
	ntp_sys_select(&f->sys, f->list, n, now, 0, a);
}

/* A fit stratum-1 source A, a second that answers but is not fit (a root
 * dispersion of 2 s, past MAXDIST), a third stopped by KoD DENY: A is
 * followed alone, and each further sample of A updates the clock. The
 * old rule "one fit source only while no other answers" made no update. */
START_TEST(lone_fit_source_followed)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 3);
	gps(&f, 0, 0, 2 * MS);
	fill(&f, 1, 0, 40 * MS, 2, ADDR_A, 2 * SEC);
	ntpsrc_on_transmit(&f.src[2], T0);
	ntpsrc_on_kod(&f.src[2], NTP_KISS_DENY, T0);
	ck_assert_int_eq(f.src[2].reach, 0);
	ck_assert_int_eq(ntpsrc_unfit(&f.src[1], T0 + 3 * SEC, OUR_ADDR), NTPSRC_UNFIT_DIST);
	ck_assert_int_eq(f.src[1].reach, 0xf);

	select_at(&f, 3, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert(a.first_sync);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_SINGLE);
	ck_assert_int_eq(f.sys.sel.peer, 0);
	ck_assert_int_eq(a.disc.offset_est, 2 * MS);
	ck_assert(!a.disc.step);
	ck_assert(a.set_poll);
	ck_assert_int_eq(a.poll, 6);
	ck_assert(a.serve);
	ck_assert_int_eq(f.sys.served.stratum, 2);
	ck_assert_uint_eq(f.sys.served.refid, ADDR_A);
	ck_assert_int_eq(f.sys.served.leap, NTP_LEAP_NONE);
	ck_assert_int_eq(f.sys.served.ref_time, T0 + 3 * SEC);
	ck_assert_int_eq(f.sys.served.root_delay, 30 * MS);
	/* root disp 0 + jitter 1 + (eps 937510313 + |offset| 2 ms) */
	ck_assert_int_eq(f.sys.served.root_disp, 1 + FILL4_DISP + 2 * MS);
	ck_assert(a.tell_kernel && a.kernel_synced);
	ck_assert_int_eq(a.maxerror, 15 * MS + 1 + FILL4_DISP + 2 * MS);
	ck_assert_int_eq(a.esterror, 1);
	ck_assert_int_eq(f.sys.state[1], SRCSEL_UNFIT);
	ck_assert_int_eq(f.sys.state[2], SRCSEL_UNFIT);

	/* The next poll of A, 64 s on: updated again, not first any more. */
	ck_assert_int_eq(answer(&f, 0, T0 + 67 * SEC, 2 * MS, 1, GPS, 0),
			 NTPSRC_UPDATE);
	answer(&f, 1, T0 + 67 * SEC, 40 * MS, 2, ADDR_A, 2 * SEC);
	select_at(&f, 3, T0 + 67 * SEC, &a);
	ck_assert(a.update && !a.first_sync);
	ck_assert_uint_eq(f.sys.updates, 2);
	struct ntp_sys_status st;
	ntp_sys_status(&f.sys, &st);
	ck_assert(st.synced);
	ck_assert_int_eq(st.peer, 0);
	ck_assert_int_eq(st.last_update, T0 + 67 * SEC);
}
END_TEST

/* Four servers, one of them 2 s ahead, polled together at start: the
 * one ahead answers first. Nothing is selected while the three others
 * have requests out, unanswered; once they answer, the majority leaves
 * the one ahead out. A server that never answers is waited for only
 * until NTP_SYS_FIRST_TRIES of its requests went out. */
START_TEST(first_answers_waited_for)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 4);
	for (int i = 0; i < 3; i++)
		ntpsrc_on_transmit(&f.src[i], T0);
	gps(&f, 3, 0, 2 * SEC);
	ck_assert(ntp_sys_waiting(&f.sys, f.list, 4, T0 + 3 * SEC));
	select_at(&f, 4, T0 + 3 * SEC, &a);
	ck_assert(!a.update);
	ck_assert_int_eq(f.sys.sel.peer, -1);
	ck_assert_int_eq(f.sys.state[3], SRCSEL_UNFIT);

	for (int i = 0; i < 3; i++)
		gps(&f, i, 1000, 1 * MS);
	ck_assert(!ntp_sys_waiting(&f.sys, f.list, 4, T0 + 3 * SEC));
	select_at(&f, 4, T0 + 3 * SEC + 1000, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(f.sys.state[3], SRCSEL_FALSETICKER);
	ck_assert_int_ne(f.sys.sel.peer, 3);
	ck_assert_int_eq(a.disc.offset_est, 1 * MS);

	/* A dead server: waited for through its first NTP_SYS_FIRST_TRIES
	 * requests, not after. */
	init(&f, 2);
	gps(&f, 0, 0, 1 * MS);
	for (int k = 1; k <= NTP_SYS_FIRST_TRIES; k++) {
		ntpsrc_on_transmit(&f.src[1], T0 + k * SEC);
		select_at(&f, 2, T0 + 3 * SEC, &a);
		ck_assert(!a.update);
	}
	ntpsrc_on_transmit(&f.src[1], T0 + 3 * SEC);
	ck_assert(!ntp_sys_waiting(&f.sys, f.list, 2, T0 + 3 * SEC));
	select_at(&f, 2, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_SINGLE);

	/* Once updated, a source that has not answered is not waited for. */
	init(&f, 2);
	gps(&f, 0, 0, 1 * MS);
	ntpsrc_on_transmit(&f.src[1], T0);
	f.sys.updates = 1;
	ck_assert(!ntp_sys_waiting(&f.sys, f.list, 2, T0 + 3 * SEC));
}
END_TEST

/* Four servers polled together; the loop happens to read the one 2 s
 * ahead first each time, so it holds four samples (fit) while the three
 * others hold three (unfit for the MAXDISP of their empty stages). It is
 * not followed alone: the others are still filling. Once they hold four,
 * the majority leaves it out. A source that stops answering, or whose
 * own samples are too far to be fit, is not waited for. */
START_TEST(filling_sources_waited_for)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 4);
	for (int k = 0; k < 3; k++) {
		answer(&f, 3, T0 + k * SEC, 2 * SEC, 1, GPS, 0);
		for (int i = 0; i < 3; i++)
			answer(&f, i, T0 + k * SEC + 1000, 1 * MS, 1, GPS, 0);
	}
	answer(&f, 3, T0 + 3 * SEC, 2 * SEC, 1, GPS, 0);
	ck_assert(ntpsrc_fit(&f.src[3], T0 + 3 * SEC, OUR_ADDR));
	ck_assert_int_eq(ntpsrc_unfit(&f.src[0], T0 + 3 * SEC, OUR_ADDR), NTPSRC_UNFIT_DIST);
	ck_assert(ntpsrc_filling(&f.src[0], T0 + 3 * SEC, NTP_SYS_FIRST_TRIES));
	ck_assert(!ntpsrc_filling(&f.src[3], T0 + 3 * SEC, NTP_SYS_FIRST_TRIES));
	ck_assert(ntp_sys_waiting(&f.sys, f.list, 4, T0 + 3 * SEC));
	select_at(&f, 4, T0 + 3 * SEC, &a);
	ck_assert(!a.update);
	ck_assert_int_eq(f.sys.sel.peer, -1);

	for (int i = 0; i < 3; i++)
		answer(&f, i, T0 + 3 * SEC + 1000, 1 * MS, 1, GPS, 0);
	ck_assert(!ntp_sys_waiting(&f.sys, f.list, 4, T0 + 3 * SEC + 1000));
	select_at(&f, 4, T0 + 3 * SEC + 1000, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(f.sys.state[3], SRCSEL_FALSETICKER);
	ck_assert_int_ne(f.sys.sel.peer, 3);

	/* Three samples, then two requests unanswered: no longer waited for. */
	init(&f, 2);
	gps(&f, 0, 0, 1 * MS);
	for (int k = 0; k < 3; k++)
		answer(&f, 1, T0 + k * SEC, 1 * MS, 1, GPS, 0);
	ntpsrc_on_transmit(&f.src[1], T0 + 3 * SEC);
	ntpsrc_on_transmit(&f.src[1], T0 + 4 * SEC);
	ck_assert(ntp_sys_waiting(&f.sys, f.list, 2, T0 + 4 * SEC));
	ntpsrc_on_transmit(&f.src[1], T0 + 5 * SEC);
	ck_assert(!ntp_sys_waiting(&f.sys, f.list, 2, T0 + 5 * SEC));
	select_at(&f, 2, T0 + 5 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.peer, 0);

	/* One sample of a server with a root dispersion of 2 s: it will never
	 * be fit, and is not waited for. */
	init(&f, 2);
	gps(&f, 0, 0, 1 * MS);
	answer(&f, 1, T0 + 3 * SEC, 1 * MS, 2, ADDR_A, 2 * SEC);
	ck_assert_int_eq(ntpsrc_unfit(&f.src[1], T0 + 3 * SEC, OUR_ADDR), NTPSRC_UNFIT_DIST);
	ck_assert(!ntpsrc_filling(&f.src[1], T0 + 3 * SEC, NTP_SYS_FIRST_TRIES));
	select_at(&f, 2, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_SINGLE);
}
END_TEST

/* The "GPS box plus two servers" site: A at stratum 1, B and C at stratum
 * 2 with A's address as refid. With A as system peer, B and C are no loop
 * (their refid is not OUR address): all three survive, every new sample
 * of A updates. */
START_TEST(hierarchy_no_loop)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 3);
	gps(&f, 0, 0, 1 * MS);
	fill(&f, 1, 0, 1 * MS, 2, ADDR_A, 0);
	fill(&f, 2, 0, 1 * MS, 2, ADDR_A, 0);
	select_at(&f, 3, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(f.sys.sel.peer, 0);
	ck_assert_uint_eq(f.sys.served.refid, ADDR_A);
	ck_assert_int_eq(f.sys.state[1], SRCSEL_SURVIVOR);
	ck_assert_int_eq(f.sys.state[2], SRCSEL_SURVIVOR);
	for (int k = 1; k <= 5; k++) {
		int64_t t = T0 + 3 * SEC + k * 64 * SEC;
		for (int i = 0; i < 3; i++)
			answer(&f, i, t + i * 100000, 1 * MS, i == 0 ? 1 : 2,
			       i == 0 ? GPS : ADDR_A, 0);
		select_at(&f, 3, t + 300000, &a);
		ck_assert_msg(a.update, "poll %d updates", k);
		ck_assert_int_eq(f.sys.state[1], SRCSEL_SURVIVOR);
		ck_assert_int_eq(f.sys.state[2], SRCSEL_SURVIVOR);
	}
	ck_assert_uint_eq(f.sys.updates, 6);
	/* A real loop: B follows us (its refid is our own address). */
	fill(&f, 1, 400 * SEC, 1 * MS, 3, OUR_ADDR, 0);
	select_at(&f, 3, T0 + 403 * SEC, &a);
	ck_assert_int_eq(ntpsrc_unfit(&f.src[1], T0 + 403 * SEC, OUR_ADDR), NTPSRC_UNFIT_LOOP);
	ck_assert_int_eq(f.sys.state[1], SRCSEL_UNFIT);
}
END_TEST

/* NTPsec's ntpd in orphan mode on 127.0.0.1 announces refid 127.0.0.1,
 * which is also our own address towards it: followed, not a loop. */
START_TEST(orphan_parent_followed)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 1);
	f.list[0].local_refid = NTP_REFID(127, 0, 0, 1);
	fill(&f, 0, 0, -3 * MS, 8, NTP_REFID(127, 0, 0, 1), 0);
	select_at(&f, 1, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(a.disc.offset_est, -3 * MS);
	ck_assert_int_eq(f.sys.served.stratum, 9);
	ck_assert_uint_eq(f.sys.served.refid, ADDR_A);
}
END_TEST

/* Two servers polled together answer 0.1 ms apart: one measurement, one
 * update. The second sample is newer but too close to the first update.
 * (The second server misses its first requests, so that the first update
 * does not wait for it: ntp_sys_waiting.) */
START_TEST(epoch_one_update_per_poll)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 2);
	for (int k = 0; k <= NTP_SYS_FIRST_TRIES; k++)
		ntpsrc_on_transmit(&f.src[1], T0 - 3 * SEC + k * SEC);
	gps(&f, 0, 0, 1 * MS);
	select_at(&f, 2, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	fill(&f, 1, 100000, 1 * MS, 1, NTP_REFID('P', 'P', 'S', 0), 0);
	/* The peer's sample is no newer: nothing. */
	select_at(&f, 2, T0 + 3 * SEC + 200000, &a);
	ck_assert(!a.update);
	answer(&f, 0, T0 + 3 * SEC + 300000, 1 * MS, 1, GPS, 0);
	/* Newer, but 0.3 ms after the last update: minpoll 6 wants 1 s. */
	select_at(&f, 2, T0 + 3 * SEC + 300000, &a);
	ck_assert(!a.update);
	answer(&f, 0, T0 + 4 * SEC, 1 * MS, 1, GPS, 0);
	select_at(&f, 2, T0 + 4 * SEC, &a);
	ck_assert(a.update);
	ck_assert_uint_eq(f.sys.updates, 2);
}
END_TEST

/* A first update 0.5 s off steps (makestep 0.1 3). What is served right
 * after it no longer holds the 0.5 s: only the peer's dispersion. The
 * step then moves every time kept. */
START_TEST(served_after_step)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 1);
	gps(&f, 0, 0, 500 * MS);
	select_at(&f, 1, T0 + 3 * SEC, &a);
	ck_assert(a.update && a.disc.step);
	ck_assert_int_eq(a.disc.step_ns, 500 * MS);
	ck_assert_int_eq(f.sys.served.root_disp, 1 + FILL4_DISP);
	ntp_sys_stepped(&f.sys, f.list, 1, a.disc.step_ns);
	ck_assert_int_eq(f.sys.served.ref_time, T0 + 3 * SEC + 500 * MS);
	ck_assert_int_eq(f.sys.last_update, T0 + 3 * SEC + 500 * MS);
	ck_assert_int_eq(f.src[0].offset, 0);
	ck_assert_int_eq(f.src[0].update_t, T0 + 3 * SEC + 500 * MS);
}
END_TEST

/* Every fit source goes away: synchronised until the served root
 * distance, aged by PHI, passes maxdistance; then lost, said to the
 * kernel, and a source back synchronises again. */
START_TEST(lost_within_maxdistance)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 1);
	f.sys.cfg.maxdistance = INT64_C(961510314);
	gps(&f, 0, 0, 0);
	/* Served root distance: 30 / 2 ms + root disp (1 + eps + max(0, ...))
	 * = 952510314 ns; maxdistance is 9 ms (600 s of PHI) beyond it. */
	select_at(&f, 1, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	/* The source stops answering: after 8 polls its reach is 0. */
	int64_t t = T0 + 3 * SEC;
	for (int k = 0; k < 8; k++)
		ntpsrc_on_transmit(&f.src[0], t += 64 * SEC);
	ck_assert_int_eq(f.src[0].reach, 0);
	ntp_sys_tick(&f.sys, f.list, 1, T0 + 3 * SEC + 600 * SEC, &a);
	ck_assert(!a.lost);
	ck_assert(f.sys.synced);
	t = T0 + 3 * SEC + 600 * SEC + 1000;
	ntp_sys_tick(&f.sys, f.list, 1, t, &a);
	ck_assert(a.lost);
	ck_assert_int_eq(a.lost_distance, 15 * MS + 1 + FILL4_DISP + ntp_exch_phi(600 * SEC + 1000));
	ck_assert_int_eq(a.lost_distance, INT64_C(961510315));
	ck_assert(a.tell_kernel && !a.kernel_synced);
	ck_assert(!f.sys.synced);
	ntp_sys_tick(&f.sys, f.list, 1, t + SEC, &a);
	ck_assert(!a.lost); /* said once */
	struct ntp_sys_status st;
	ntp_sys_status(&f.sys, &st);
	ck_assert(!st.synced);
	ck_assert_int_eq(st.peer, -1);
	gps(&f, 0, 40000 * SEC, 0);
	select_at(&f, 1, T0 + 40003 * SEC, &a);
	ck_assert(a.update && a.first_sync);
}
END_TEST

/* Updates stop although the source still looks selectable (its filter
 * keeps choosing a sample already used): after NTP_SYS_STALL_POLLS polls
 * of the system peer without an update, we say we are not synchronised. */
START_TEST(stall_is_loss)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 1);
	f.sys.cfg.maxdistance = 100 * SEC;
	gps(&f, 0, 0, 0);
	select_at(&f, 1, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ntp_sys_tick(&f.sys, f.list, 1, T0 + 3 * SEC + 16 * 64 * SEC, &a);
	ck_assert(!a.lost);
	ntp_sys_tick(&f.sys, f.list, 1, T0 + 3 * SEC + 16 * 64 * SEC + 1, &a);
	ck_assert(a.lost);
}
END_TEST

/* prefer: the prefer peer, surviving, is followed alone even when another
 * has the smaller distance. */
START_TEST(prefer_followed_alone)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 2);
	f.src[1].par.prefer = true;
	gps(&f, 0, 0, 1 * MS);
	fill(&f, 1, 0, 3 * MS, 2, ADDR_A, 0);
	select_at(&f, 2, T0 + 3 * SEC, &a);
	ck_assert(a.update);
	ck_assert_int_eq(f.sys.sel.peer, 1);
	ck_assert_int_eq(a.disc.offset_est, 3 * MS);
	ck_assert_int_eq(f.sys.served.stratum, 3);
}
END_TEST

/* The clock jumped 100 s forward under us (a resumed machine): the times
 * kept move with it, the sources' samples (of which timescale, nobody
 * knows) are dropped, every source bursts now, and the next update may
 * step although makestep's first updates are spent. */
START_TEST(jump_resynchronises)
{
	struct fixture f;
	struct ntp_sys_actions a;
	init(&f, 1);
	gps(&f, 0, 0, 0);
	select_at(&f, 1, T0 + 3 * SEC, &a);
	f.sys.disc.updates = 3; /* makestep 0.1 3: no step by the count any more */
	ntp_sys_jumped(&f.sys, f.list, 1, 100 * SEC, T0 + 104 * SEC);
	ck_assert_int_eq(f.sys.last_update, T0 + 103 * SEC);
	ck_assert_int_eq(f.sys.served.ref_time, T0 + 103 * SEC);
	ck_assert_int_eq(f.src[0].offset, 0);
	ck_assert(!f.src[0].have_output);
	ck_assert_int_eq(f.src[0].burst_left, NTPSRC_BURST_COUNT);
	ck_assert_int_eq(ntpsrc_next_poll(&f.src[0]), T0 + 104 * SEC);
	/* The server, not having jumped, is now 100 s behind us. */
	gps(&f, 0, 110 * SEC, -100 * SEC);
	select_at(&f, 1, T0 + 113 * SEC, &a);
	ck_assert(a.update && a.disc.step);
	ck_assert_int_eq(a.disc.step_ns, -100 * SEC);
}
END_TEST

static Suite *sys_suite(void)
{
	Suite *s = suite_create("ntp_sys");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lone_fit_source_followed);
	tcase_add_test(tc, first_answers_waited_for);
	tcase_add_test(tc, filling_sources_waited_for);
	tcase_add_test(tc, hierarchy_no_loop);
	tcase_add_test(tc, orphan_parent_followed);
	tcase_add_test(tc, epoch_one_update_per_poll);
	tcase_add_test(tc, served_after_step);
	tcase_add_test(tc, lost_within_maxdistance);
	tcase_add_test(tc, stall_is_loss);
	tcase_add_test(tc, prefer_followed_alone);
	tcase_add_test(tc, jump_resynchronises);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(sys_suite());
}
