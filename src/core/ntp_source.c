/*
 * One upstream server: the poll state machine (reach, bursts, poll
 * adaption, back-off, Kiss-o'-Death) and the RFC 5905 §10 clock filter,
 * in integer nanoseconds of the local clock. Events in, next transmit out.
 */
#include "tsync/ntp_source.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "tsync/ntp_pkt.h"
#include "tsync/ntp_select.h"

#define NS_PER_S INT64_C(1000000000)

/* 2^poll seconds in ns; exact for every exponent we accept. */
static int64_t poll_ns(int8_t poll)
{
	return poll >= 0 ? NS_PER_S << poll : NS_PER_S >> -poll;
}

static int8_t poll_ceiling(const struct ntpsrc *s)
{
	return s->poll_floor > s->par.maxpoll ? s->poll_floor : s->par.maxpoll;
}

static int64_t burst_spacing(const struct ntpsrc *s)
{
	int64_t min = poll_ns(s->par.minpoll);
	return min < NTPSRC_BURST_SPACING_MAX ? min : NTPSRC_BURST_SPACING_MAX;
}

/* The poll changed: outside a burst, the next request follows from it. */
static void poll_changed(struct ntpsrc *s)
{
	if (s->burst_left == 0 && s->n_tx > 0)
		s->next_tx = s->last_tx + poll_ns(s->poll);
}

static void poll_step(struct ntpsrc *s, int dir)
{
	int p = s->poll + dir;
	if (p < s->poll_floor)
		p = s->poll_floor;
	if (p > poll_ceiling(s))
		p = poll_ceiling(s);
	s->poll = (int8_t)p;
	poll_changed(s);
}

void ntpsrc_params_default(struct ntpsrc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->minpoll = NTPSRC_MINPOLL_DEFAULT;
	p->maxpoll = NTPSRC_MAXPOLL_DEFAULT;
	p->precision = -20;
}

int ntpsrc_init(struct ntpsrc *s, const struct ntpsrc_params *p)
{
	if (p->minpoll < NTPSRC_POLL_MIN || p->maxpoll > NTPSRC_POLL_MAX ||
	    p->minpoll > p->maxpoll)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->par = *p;
	s->poll = s->poll_floor = p->minpoll;
	s->stratum = NTP_MAX_STRATUM;
	s->leap = NTP_LEAP_UNSYNC;
	s->next_tx = INT64_MAX;
	s->update_t = INT64_MIN;
	return 0;
}

static bool stopped(const struct ntpsrc *s)
{
	return s->stop == NTPSRC_STOPPED_DENY || s->stop == NTPSRC_STOPPED_RSTR;
}

void ntpsrc_start(struct ntpsrc *s, int64_t now)
{
	if (stopped(s))
		return;
	s->started = true;
	s->next_tx = now;
	s->burst_left = s->par.iburst ? NTPSRC_BURST_COUNT : 0;
}

void ntpsrc_burst(struct ntpsrc *s, int64_t now)
{
	if (stopped(s) || !s->started)
		return;
	s->burst_left = NTPSRC_BURST_COUNT;
	s->next_tx = now;
}

int64_t ntpsrc_next_poll(const struct ntpsrc *s)
{
	return s->started && !stopped(s) ? s->next_tx : INT64_MAX;
}

/* --- clock filter --- */

/* A stage's dispersion aged to now, capped at MAXDISP; an invalid stage
 * is worth MAXDISP. */
static int64_t stage_disp(const struct ntpsrc_stage *f, int64_t now)
{
	if (!f->valid)
		return NTPSRC_MAXDISP;
	int64_t d = f->disp + ntp_exch_phi(now - f->t);
	return d < NTPSRC_MAXDISP ? d : NTPSRC_MAXDISP;
}

/* Stage indices ordered by delay, valid ones first; on equal delays the
 * newer stage first. Insertion sort: eight elements. Returns the number
 * of valid stages. */
static int sort_stages(const struct ntpsrc *s, int idx[NTPSRC_NSTAGE])
{
	int n = 0, m = 0;
	for (int i = 0; i < NTPSRC_NSTAGE; i++)
		if (s->f[i].valid)
			n++;
	for (int i = 0; i < NTPSRC_NSTAGE; i++) {
		if (!s->f[i].valid) {
			idx[n + m++] = i;
			continue;
		}
		int k = i - m; /* valid stages placed so far */
		while (k > 0 && s->f[idx[k - 1]].delay > s->f[i].delay) {
			idx[k] = idx[k - 1];
			k--;
		}
		idx[k] = i;
	}
	return n;
}

/* RMS of the other valid stages' offsets about the chosen one's, over
 * n - 1 (RFC 5905 §10); in double, whose 53 bits are ample for a
 * nanosecond RMS. */
static int64_t filter_jitter(const struct ntpsrc *s, const int idx[], int n)
{
	if (n < 2)
		return 0;
	double sum = 0;
	for (int k = 1; k < n; k++) {
		double d = (double)(s->f[idx[k]].offset - s->f[idx[0]].offset);
		sum += d * d;
	}
	return llround(sqrt(sum / (n - 1)));
}

/* Recompute offset, delay, disp and jitter as of now. Peer dispersion is
 * sum(disp_k / 2^(k+1)) over the sorted stages, done as one exact sum over
 * 256 rounded up, so that it never claims less than it has. */
static void filter_compute(struct ntpsrc *s, int64_t now, int idx[NTPSRC_NSTAGE])
{
	int n = sort_stages(s, idx);
	int64_t sum = 0;
	for (int k = 0; k < NTPSRC_NSTAGE; k++)
		sum += stage_disp(&s->f[idx[k]], now) << (NTPSRC_NSTAGE - 1 - k);
	s->disp = (sum + 255) >> NTPSRC_NSTAGE;
	s->n_valid = n;
	s->filter_t = now;
	s->have_output = n > 0;
	if (n == 0)
		return;
	int64_t floor = ntp_precision_to_ns(s->par.precision);
	int64_t jit = filter_jitter(s, idx, n);
	s->offset = s->f[idx[0]].offset;
	s->delay = s->f[idx[0]].delay;
	s->jitter = jit > floor ? jit : floor;
}

static void filter_shift(struct ntpsrc *s, const struct ntpsrc_stage *st)
{
	memmove(&s->f[1], &s->f[0], sizeof(s->f[0]) * (NTPSRC_NSTAGE - 1));
	s->f[0] = *st;
}

/* Poll adaption on an update; prev_* are the filter's output before it. */
static void adapt_poll(struct ntpsrc *s, int64_t prev_offset, int64_t prev_jitter,
		       bool sys_synced)
{
	int64_t jump = s->offset - prev_offset;
	if (jump < 0)
		jump = -jump;
	/* A jitter over a quarter of the int64 range (offsets decades apart)
	 * is larger than any jump can be: no gate, and no overflow. */
	if (prev_jitter <= INT64_MAX / NTPSRC_POLL_GATE && jump > NTPSRC_POLL_GATE * prev_jitter) {
		s->good_updates = 0;
		poll_step(s, -1);
		return;
	}
	if (!sys_synced)
		return;
	if (++s->good_updates >= NTPSRC_POLL_GOOD) {
		s->good_updates = 0;
		poll_step(s, +1);
	}
}

static void store_server(struct ntpsrc *s, const struct ntpsrc_reply *r)
{
	s->stratum = r->stratum;
	s->leap = r->leap;
	s->refid = r->refid;
	s->root_delay = r->root_delay;
	s->root_disp = r->root_disp;
}

/* Reach bit and miss accounting of a reply. A reply to a source that was
 * unreachable resets the poll to its floor, to re-acquire quickly. */
static void note_reply(struct ntpsrc *s)
{
	if (s->reach == 0) {
		s->good_updates = 0;
		s->poll = s->poll_floor;
		poll_changed(s);
	}
	s->reach |= 1;
	s->missed = 0;
	s->awaiting = false;
	s->n_replies++;
}

int ntpsrc_on_reply(struct ntpsrc *s, const struct ntpsrc_reply *r, bool sys_synced)
{
	if (!s->started || stopped(s))
		return NTPSRC_IGNORED;
	note_reply(s);
	store_server(s, r);
	struct ntpsrc_stage st = {
		.offset = r->sample.offset - r->slew_left, .delay = r->sample.delay,
		.disp = r->sample.disp, .t = r->t3, .valid = true,
	};
	filter_shift(s, &st);
	bool had = s->have_output;
	int64_t prev_offset = s->offset, prev_jitter = s->jitter;
	int idx[NTPSRC_NSTAGE];
	filter_compute(s, r->t3, idx);
	int64_t chosen_t = s->f[idx[0]].t;
	/* RFC 5905 A.5.2: never use a sample older than the last one used,
	 * except before the first synchronisation. */
	if (chosen_t <= s->update_t && sys_synced)
		return NTPSRC_NO_UPDATE;
	s->update_t = chosen_t;
	s->n_updates++;
	if (had)
		adapt_poll(s, prev_offset, prev_jitter, sys_synced);
	return NTPSRC_UPDATE;
}

/* The floor a KoD RATE raised comes back down, one step per quiet spell. */
static void rate_decay(struct ntpsrc *s)
{
	if (s->poll_floor <= s->par.minpoll || ++s->rate_quiet < NTPSRC_RATE_HOLD_POLLS)
		return;
	s->rate_quiet = 0;
	s->poll_floor--;
}

void ntpsrc_on_transmit(struct ntpsrc *s, int64_t now)
{
	if (!s->started || stopped(s))
		return;
	if (s->awaiting)
		s->missed++;
	s->awaiting = true;
	s->reach <<= 1;
	s->last_tx = now;
	s->n_tx++;
	if (s->burst_left > 0)
		s->burst_left--;
	if (s->reach == 0 && s->missed >= NTPSRC_UNREACH_POLLS && s->poll < s->par.maxpoll)
		s->poll++;
	rate_decay(s);
	if (s->reach != 0 && (s->reach & 0x7) == 0) {
		struct ntpsrc_stage dummy = { .valid = false };
		int idx[NTPSRC_NSTAGE];
		filter_shift(s, &dummy);
		filter_compute(s, now, idx);
	}
	s->next_tx = now + (s->burst_left > 0 ? burst_spacing(s) : poll_ns(s->poll));
}

void ntpsrc_on_kod(struct ntpsrc *s, enum ntp_kiss code, int64_t now)
{
	(void)now;
	if (!s->started || stopped(s))
		return;
	s->n_kod++;
	s->awaiting = false;
	switch (code) {
	case NTP_KISS_DENY:
		s->stop = NTPSRC_STOPPED_DENY;
		s->reach = 0;
		break;
	case NTP_KISS_RSTR:
		s->stop = NTPSRC_STOPPED_RSTR;
		s->reach = 0;
		break;
	case NTP_KISS_RATE: {
		int p = (s->poll > s->poll_floor ? s->poll : s->poll_floor) + 1;
		s->poll = s->poll_floor = (int8_t)(p < NTPSRC_POLL_MAX ? p : NTPSRC_POLL_MAX);
		s->burst_left = 0;
		s->rate_quiet = 0;
		poll_changed(s);
		break;
	}
	default:
		break;
	}
}

static int64_t shift_time(int64_t t, int64_t delta)
{
	return t == INT64_MAX || t == INT64_MIN ? t : t + delta;
}

void ntpsrc_on_step(struct ntpsrc *s, int64_t delta_ns)
{
	for (int i = 0; i < NTPSRC_NSTAGE; i++) {
		if (!s->f[i].valid)
			continue;
		s->f[i].t += delta_ns;
		s->f[i].offset -= delta_ns;
	}
	if (s->have_output)
		s->offset -= delta_ns;
	s->last_tx += delta_ns;
	s->filter_t += delta_ns;
	s->next_tx = shift_time(s->next_tx, delta_ns);
	s->update_t = shift_time(s->update_t, delta_ns);
}

static void drop_samples(struct ntpsrc *s, int64_t filter_t)
{
	int idx[NTPSRC_NSTAGE];
	for (int i = 0; i < NTPSRC_NSTAGE; i++)
		s->f[i] = (struct ntpsrc_stage){ .valid = false };
	filter_compute(s, filter_t, idx);
	s->offset = s->jitter = s->delay = 0;
}

void ntpsrc_on_jump(struct ntpsrc *s, int64_t delta_ns)
{
	int64_t filter_t = s->filter_t + delta_ns;
	ntpsrc_on_step(s, delta_ns);
	drop_samples(s, filter_t);
}

void ntpsrc_forget(struct ntpsrc *s)
{
	drop_samples(s, s->filter_t);
	s->reach = 0;
	s->missed = 0;
	s->awaiting = false;
	s->good_updates = 0;
}

void ntpsrc_clock_changed(struct ntpsrc *s, int64_t t, int64_t phase_ns, double dfreq_ppm)
{
	int idx[NTPSRC_NSTAGE];
	if (phase_ns == 0 && dfreq_ppm == 0)
		return;
	for (int i = 0; i < NTPSRC_NSTAGE; i++) {
		if (!s->f[i].valid)
			continue;
		double drift = dfreq_ppm * 1e-6 * (double)(t - s->f[i].t);
		s->f[i].offset += llround(drift) - phase_ns;
	}
	/* The output as of when it was computed: only the offsets moved. */
	if (s->have_output)
		filter_compute(s, s->filter_t, idx);
}

void ntpsrc_set_poll(struct ntpsrc *s, int8_t poll)
{
	s->poll = poll;
	poll_step(s, 0);
}

/* --- what selection needs --- */

int64_t ntpsrc_disp(const struct ntpsrc *s, int64_t now)
{
	return s->disp + ntp_exch_phi(now - s->filter_t);
}

int64_t ntpsrc_root_dist(const struct ntpsrc *s, int64_t now)
{
	if (!s->have_output)
		return NTPSRC_MAXDISP;
	int64_t d = s->root_delay + s->delay;
	if (d < NTPSRC_MINDISP)
		d = NTPSRC_MINDISP;
	/* Half rounded up: a distance is a bound and may not shrink. */
	return (d + 1) / 2 + s->root_disp + ntpsrc_disp(s, now) + s->jitter;
}

int ntpsrc_unfit(const struct ntpsrc *s, int64_t now, uint32_t our_refid)
{
	if (stopped(s))
		return NTPSRC_UNFIT_STOPPED;
	if (s->reach == 0)
		return NTPSRC_UNFIT_UNREACH;
	if (!s->have_output)
		return NTPSRC_UNFIT_NODATA;
	if (s->leap == NTP_LEAP_UNSYNC || s->stratum >= NTP_MAX_STRATUM)
		return NTPSRC_UNFIT_STRATUM;
	if (ntpsrc_root_dist(s, now) >= NTPSRC_MAXDIST + ntp_exch_phi(poll_ns(s->poll)))
		return NTPSRC_UNFIT_DIST;
	if (our_refid != 0 && s->stratum > 1 && s->refid == our_refid &&
	    s->refid != NTPSRC_REFID_LOOPBACK)
		return NTPSRC_UNFIT_LOOP;
	return NTPSRC_FIT;
}

bool ntpsrc_fit(const struct ntpsrc *s, int64_t now, uint32_t our_refid)
{
	return ntpsrc_unfit(s, now, our_refid) == NTPSRC_FIT;
}

/* What the empty stages add to the peer dispersion: MAXDISP at sorted
 * positions n_valid..NSTAGE-1, weighed 2^-(k+1) as in filter_compute. */
static int64_t empty_stages_disp(int n_valid)
{
	return (NTPSRC_MAXDISP * ((INT64_C(1) << (NTPSRC_NSTAGE - n_valid)) - 1)) >>
	       NTPSRC_NSTAGE;
}

bool ntpsrc_filling(const struct ntpsrc *s, int64_t now, int misses)
{
	if (stopped(s) || s->reach == 0 || s->missed >= misses || s->n_valid >= NTPSRC_NSTAGE)
		return false;
	switch (ntpsrc_unfit(s, now, 0)) {
	case NTPSRC_UNFIT_NODATA:
		return true;
	case NTPSRC_UNFIT_DIST:
		return ntpsrc_root_dist(s, now) - empty_stages_disp(s->n_valid) <
		       NTPSRC_MAXDIST + ntp_exch_phi(poll_ns(s->poll));
	default:
		return false;
	}
}

enum ntpsrc_state ntpsrc_state(const struct ntpsrc *s)
{
	if (stopped(s))
		return s->stop;
	if (!s->started)
		return NTPSRC_NEW;
	return s->reach ? NTPSRC_REACHABLE : NTPSRC_UNREACHABLE;
}

/* memset leaves state SRCSEL_UNFIT (0) until srcsel_run sets it. */
void ntpsrc_candidate(const struct ntpsrc *s, int64_t now, uint32_t our_refid,
		      struct srcsel_cand *out)
{
	memset(out, 0, sizeof(*out));
	out->offset = s->offset;
	out->root_dist = ntpsrc_root_dist(s, now);
	out->jitter = s->jitter;
	out->stratum = s->stratum;
	out->prefer = s->par.prefer;
	out->fit = ntpsrc_fit(s, now, our_refid);
	out->leap = s->leap;
	out->addr_refid = s->addr_refid;
	out->delay = s->delay;
	out->disp = s->disp;
	out->t = s->filter_t;
	out->root_delay = s->root_delay;
	out->root_disp = s->root_disp;
}

const char *ntpsrc_state_name(enum ntpsrc_state st)
{
	switch (st) {
	case NTPSRC_NEW: return "new";
	case NTPSRC_UNREACHABLE: return "unreachable";
	case NTPSRC_REACHABLE: return "reachable";
	case NTPSRC_STOPPED_DENY: return "stopped_deny";
	case NTPSRC_STOPPED_RSTR: return "stopped_rstr";
	default: return "unknown";
	}
}

const char *ntpsrc_unfit_name(int reason)
{
	switch (reason) {
	case NTPSRC_FIT: return "fit";
	case NTPSRC_UNFIT_STOPPED: return "stopped";
	case NTPSRC_UNFIT_UNREACH: return "unreachable";
	case NTPSRC_UNFIT_NODATA: return "no_data";
	case NTPSRC_UNFIT_STRATUM: return "stratum";
	case NTPSRC_UNFIT_DIST: return "distance";
	case NTPSRC_UNFIT_LOOP: return "loop";
	default: return "unknown";
	}
}
