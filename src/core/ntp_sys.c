/*
 * The NTP client's system level, pure: selection over the sources, the
 * epoch rule that decides when the discipline runs, what is served while
 * synchronised and when synchronisation is lost. See ntp_sys.h.
 */
#include "tsync/ntp_sys.h"

#include <string.h>

#include "tsync/leap.h"
#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"

#define NS_PER_S INT64_C(1000000000)

void ntp_sys_init(struct ntp_sys *s, const struct ntp_sys_config *cfg,
		  const struct disc_config *dc, double freq_ppm, double skew_ppm)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->peer = -1;
	s->sel.peer = -1;
	s->last_peer_t = INT64_MIN;
	disc_init_measured(&s->disc, dc, freq_ppm, skew_ppm);
}

static int clamp_n(int n)
{
	return n < NTP_SYS_MAX_SOURCES ? n : NTP_SYS_MAX_SOURCES;
}

static void candidates(const struct ntp_sys *s, const struct ntp_sys_source *src, int n,
		       int64_t now, struct srcsel_cand *c)
{
	for (int i = 0; i < n; i++) {
		ntpsrc_candidate(src[i].src, now, src[i].local_refid, &c[i]);
		c[i].was_peer = s->state[i] == SRCSEL_SYSPEER;
	}
}

/* RFC 5905 clock_update: only a sample newer than the last one used.
 * Servers polled together answer within a millisecond: their samples are
 * one measurement, and updating the discipline with each, microseconds
 * apart, would make a frequency out of their noise. So updates are at
 * least half the shortest burst spacing apart. */
static bool new_epoch(const struct ntp_sys *s, const struct ntpsrc *peer, int64_t now)
{
	int8_t minpoll = peer->par.minpoll;
	int64_t spacing = minpoll >= 1 ? NTPSRC_BURST_SPACING_MAX
				       : NTPSRC_BURST_SPACING_MAX >> (1 - minpoll);

	if (peer->update_t <= s->last_peer_t)
		return false;
	return s->last_update == 0 || now - s->last_update >= spacing / 2;
}

/* The leap indicator we serve: more than half of the selected sources
 * must announce a leap (leap_vote_selected), so that one server of three
 * cannot make us pass one. leapsec may still override it (a leap-second
 * list, a leapmode that does not leap at the instant). */
static uint8_t serve_leap(const struct ntp_sys_source *src, const struct srcsel_cand *c, int n)
{
	int reachable = 0;

	for (int i = 0; i < n; i++)
		reachable += src[i].src->reach != 0;
	return leap_vote_selected(c, n, reachable);
}

/* What we serve after this update. A step removes the offset it steps:
 * the served root dispersion must not still hold it. */
static void serve(struct ntp_sys *s, const struct ntp_sys_source *src, struct srcsel_cand *c,
		  int n, int64_t now, const struct disc_actions *a)
{
	struct srcsel_sys sys;

	if (a->step)
		c[s->sel.peer].offset -= a->step_ns;
	srcsel_system(c, &s->sel, now, &sys);
	s->served = (struct ntp_sys_served){
		.leap = serve_leap(src, c, n), .stratum = sys.stratum, .refid = sys.refid,
		.ref_time = now, .root_delay = sys.root_delay, .root_disp = sys.root_disp,
	};
}

static void tell_kernel(const struct ntp_sys *s, bool synced, int64_t maxerror,
			struct ntp_sys_actions *out)
{
	out->tell_kernel = true;
	out->kernel_synced = synced;
	out->maxerror = maxerror;
	out->esterror = s->sel.jitter;
}

/* The sources' stored offsets are of the clock once our slew is done
 * (ntpsrc_reply.slew_left): the combined offset is too. Each of our
 * corrections moves them all at once (ntpsrc_clock_changed), so that
 * sources polled at other times are combined as of the same clock. */
static void update(struct ntp_sys *s, const struct ntp_sys_source *src, struct srcsel_cand *c,
		   int n, int64_t now, int64_t slew_left, struct ntp_sys_actions *out)
{
	struct disc_input in = { .offset = s->sel.offset, .jitter = s->sel.jitter, .now = now,
				 .slew_left = slew_left, .offset_settled = true };

	if (disc_update(&s->disc, &in, &out->disc) < 0)
		return;
	for (int i = 0; i < n && !s->disc.measure_only; i++)
		ntpsrc_clock_changed(src[i].src, out->disc.change_t, out->disc.phase_ns,
				     out->disc.dfreq_ppm);
	out->update = true;
	out->set_poll = true;
	out->poll = (int8_t)out->disc.poll;
	out->first_sync = !s->synced;
	s->synced = true;
	s->peer = s->sel.peer;
	s->last_offset = out->disc.offset_est;
	s->last_update = now;
	s->updates++;
	serve(s, src, c, n, now, &out->disc);
	out->serve = true;
	tell_kernel(s, true, s->served.root_delay / 2 + s->served.root_disp, out);
}

/* A lone fit source is followed, so at start the first server to be fit
 * would be, falseticker or not: one of four would step the clock a
 * quarter of the time. Until the first update, selection waits for each
 * started source that has not answered yet, until NTP_SYS_FIRST_TRIES of
 * its requests went out (a few seconds with iburst), and for each that
 * answers but is still filling its filter (four samples make a source
 * fit), until it misses NTP_SYS_FIRST_TRIES requests in a row. Servers
 * polled together are then selected among together, whichever of their
 * replies the loop happens to read first. */
bool ntp_sys_waiting(const struct ntp_sys *s, const struct ntp_sys_source *src, int n,
		     int64_t now)
{
	if (s->updates > 0)
		return false;
	n = clamp_n(n);
	for (int i = 0; i < n; i++) {
		const struct ntpsrc *p = src[i].src;
		if (ntpsrc_state(p) == NTPSRC_UNREACHABLE && p->n_replies == 0 &&
		    p->n_tx <= NTP_SYS_FIRST_TRIES)
			return true;
		if (ntpsrc_filling(p, now, NTP_SYS_FIRST_TRIES))
			return true;
	}
	return false;
}

void ntp_sys_select(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t now,
		    int64_t slew_left, struct ntp_sys_actions *out)
{
	struct srcsel_cand c[NTP_SYS_MAX_SOURCES];
	enum srcsel_status was = s->sel.status;

	memset(out, 0, sizeof(*out));
	n = clamp_n(n);
	if (ntp_sys_waiting(s, src, n, now))
		return;
	candidates(s, src, n, now, c);
	bool have = srcsel_run(c, n, &s->sel);
	out->no_majority = s->sel.status == SRCSEL_NO_MAJORITY && was != SRCSEL_NO_MAJORITY;
	for (int i = 0; i < n; i++)
		s->state[i] = c[i].state;
	if (!have)
		return;
	const struct ntpsrc *peer = src[s->sel.peer].src;
	if (!new_epoch(s, peer, now))
		return;
	s->last_peer_t = peer->update_t;
	update(s, src, c, n, now, slew_left, out);
}

static bool selectable_now(const struct ntp_sys *s, const struct ntp_sys_source *src, int n,
			   int64_t now)
{
	struct srcsel_cand c[NTP_SYS_MAX_SOURCES];
	struct srcsel_result r;

	candidates(s, src, n, now, c);
	return srcsel_run(c, n, &r);
}

/* Updates stopped although a source looks selectable: the freeze the
 * old "one fit source only while no other answers" rule caused, and
 * whatever else might cause it again. */
static bool stalled(const struct ntp_sys *s, const struct ntp_sys_source *src, int n,
		    int64_t now)
{
	if (s->peer < 0 || s->peer >= n)
		return false;
	int8_t poll = src[s->peer].src->poll;
	int64_t interval = poll >= 0 ? NS_PER_S << poll : NS_PER_S >> -poll;
	return now - s->last_update > NTP_SYS_STALL_POLLS * interval;
}

void ntp_sys_tick(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t now,
		  struct ntp_sys_actions *out)
{
	const struct ntp_sys_served *sv = &s->served;
	struct srcsel_sys sys = { .root_delay = sv->root_delay, .root_disp = sv->root_disp };

	memset(out, 0, sizeof(*out));
	n = clamp_n(n);
	if (!s->synced)
		return;
	bool have = selectable_now(s, src, n, now);
	if (!(have && stalled(s, src, n, now)) &&
	    !srcsel_sync_lost(&sys, sv->ref_time, now, have, s->cfg.maxdistance,
			      s->cfg.holdover))
		return;
	s->synced = false;
	out->lost = true;
	out->lost_distance = sv->root_delay / 2 + sv->root_disp + ntp_exch_phi(now - sv->ref_time);
	tell_kernel(s, false, out->lost_distance, out);
}

static int64_t shift(int64_t t, int64_t delta)
{
	return t == 0 || t == INT64_MIN ? t : t + delta;
}

/* The local times the system level keeps move with the timescale. */
static void shift_kept(struct ntp_sys *s, int64_t delta)
{
	s->last_peer_t = shift(s->last_peer_t, delta);
	s->last_update = shift(s->last_update, delta);
	s->served.ref_time = shift(s->served.ref_time, delta);
}

void ntp_sys_stepped(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t delta)
{
	n = clamp_n(n);
	for (int i = 0; i < n; i++)
		ntpsrc_on_step(src[i].src, delta);
	shift_kept(s, delta);
}

void ntp_sys_jumped(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t jump,
		    int64_t now)
{
	disc_clock_jumped(&s->disc, jump);
	n = clamp_n(n);
	/* Which clock moved, nobody knows: the samples are dropped, the
	 * times kept move as after a step. */
	for (int i = 0; i < n; i++)
		ntpsrc_on_jump(src[i].src, jump);
	shift_kept(s, jump);
	for (int i = 0; i < n; i++)
		ntpsrc_burst(src[i].src, now);
}

static int index_after_removal(int idx, int i)
{
	return idx == i ? -1 : idx > i ? idx - 1 : idx;
}

void ntp_sys_remove(struct ntp_sys *s, int i, int n)
{
	n = clamp_n(n);
	if (i < 0 || i >= n)
		return;
	memmove(&s->state[i], &s->state[i + 1], sizeof(s->state[0]) * (size_t)(n - i - 1));
	s->peer = index_after_removal(s->peer, i);
	s->sel.peer = index_after_removal(s->sel.peer, i);
}

void ntp_sys_status(const struct ntp_sys *s, struct ntp_sys_status *out)
{
	*out = (struct ntp_sys_status){
		.synced = s->synced, .peer = s->synced ? s->peer : -1, .offset = s->last_offset,
		.last_update = s->last_update, .updates = s->updates,
	};
}
