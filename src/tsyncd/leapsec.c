/*
 * Leap seconds on the loop: reads the list, remakes the pure decision
 * every second and at each selection, serves its indicator, and at the
 * instant applies what the leapmode says (tsync/leap.h decides it all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "leapsec.h"
#include "log.h"

#define LIST_MAX_BYTES (256 * 1024)
#define TICK_MS 1000
/* A vote older than this is stale: its sources are no longer selected. */
#define VOTE_MAX_AGE_NS (INT64_C(3600) * LEAP_NS_PER_S)

static const char *leap_word(int leap)
{
	return leap > 0 ? "insert" : leap < 0 ? "delete" : "none";
}

/* "2026-12-31" for the day that a leap at `at` ends. */
static const char *day_name(int64_t at, char *buf, size_t len)
{
	time_t t = (time_t)(at / LEAP_NS_PER_S - 1);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

static int read_list(struct leapsec *ls, const char *path)
{
	char err[512];
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("leapfile %s: %s", path, strerror(errno));
		return -errno;
	}
	char *buf = malloc(LIST_MAX_BYTES);
	int rc = buf == NULL ? -ENOMEM : fileio_read_all(fd, buf, LIST_MAX_BYTES, &len);
	close(fd);
	if (rc == 0)
		rc = leap_file_parse(buf, len, path, &ls->table, err, sizeof(err));
	free(buf);
	if (rc == -EINVAL)
		log_error("leapfile %s", err);
	else if (rc < 0)
		log_error("leapfile %s: %s", path, strerror(-rc));
	return rc;
}

/* The list, if there is one and it has not expired at now. */
static const struct leap_table *usable_list(struct leapsec *ls, int64_t now)
{
	char day[16];

	if (!ls->have_file)
		return NULL;
	if (!leap_file_expired(&ls->table, now))
		return &ls->table;
	if (!ls->expired)
		log_warn("leapfile %s expired on %s: not used", ls->cfg->leapfile,
			 day_name((ls->table.expires + 1) * LEAP_NS_PER_S, day, sizeof(day)));
	ls->expired = true;
	return NULL;
}

static void serve(struct leapsec *ls, uint8_t li)
{
	if (ls->srv->state.leap != NTP_LEAP_UNSYNC)
		ls->srv->state.leap = li;
}

static void on_instant(uv_timer_t *t);

static void arm(struct leapsec *ls, const struct leap_actions *a, int64_t now)
{
	int64_t wait = a->at - now;

	ls->leap_mono = (int64_t)uv_hrtime() + wait;
	uv_timer_start(&ls->instant, on_instant, wait <= 0 ? 0 : (uint64_t)(wait / 1000000 + 1), 0);
}

static void log_decision(struct leapsec *ls, const struct leap_decision *d, bool have_vote)
{
	char day[16];

	bool disagree = d->disagree && have_vote;

	if (disagree && !ls->disagree_logged)
		log_warn("the sources announce leap %s, the leap-second list %s: following the list",
			 leap_word(d->vote), leap_word(d->file));
	ls->disagree_logged = disagree;
	if (ls->st.armed == ls->logged_leap)
		return;
	ls->logged_leap = ls->st.armed;
	if (ls->st.armed == 0)
		log_info("leap second: none at the end of today");
	else
		log_info("leap second: %s at the end of %s (from %s), leapmode %s",
			 leap_word(ls->st.armed), day_name(d->at, day, sizeof(day)),
			 d->from_file ? "the leap-second list" : "the sources' majority",
			 leap_mode_name(ls->st.mode));
}

static void decide(struct leapsec *ls)
{
	struct leap_decision d;
	struct leap_actions a;
	int64_t now = 0;
	int64_t mono = (int64_t)uv_hrtime();
	bool have_vote = ls->vote_mono != 0 && mono - ls->vote_mono < VOTE_MAX_AGE_NS;

	/* A leap whose instant has come is passed first: after it the day,
	 * and so the decision, may be another. */
	leapsec_poll(ls, mono);
	/* Passing, not yet passed: a deleted second already reads as the
	 * next day, which would disarm it. */
	if (ls->leap_mono != 0 && mono >= ls->leap_mono - LEAPSEC_GUARD_NS)
		return;
	if (clk_read(ls->clock, &now) < 0)
		return;
	leap_decide(usable_list(ls, now), have_vote ? ls->vote : NTP_LEAP_NONE, now, &d);
	leap_update(&ls->st, &d, &a);
	log_decision(ls, &d, have_vote);
	if (a.tell_clock) {
		int err = clk_set_leap(ls->clock, a.clock_leap);
		if (err < 0 && !ls->refused_logged)
			log_warn("cannot tell the %s clock of the leap second: %s", clk_name(ls->clock),
				 strerror(-err));
		ls->refused_logged = err < 0;
		ls->kernel_told = err == 0 && a.clock_leap != 0;
	}
	/* Served as it will be done: a clock that refused the leap will not
	 * pass it. */
	serve(ls, ls->st.mode == LEAP_MODE_SYSTEM && a.armed && !ls->kernel_told ? NTP_LEAP_NONE
										  : a.serve);
	if (a.armed)
		arm(ls, &a, now);
	else {
		ls->leap_mono = 0;
		uv_timer_stop(&ls->instant);
	}
}

static void pass(struct leapsec *ls)
{
	struct leap_pass p;
	struct clk_status st = { 0 };
	int err = 0;

	if (!leap_passed(&ls->st, &p))
		return;
	ls->leap_mono = 0;
	uv_timer_stop(&ls->instant);
	if (p.tell_clock)
		err = clk_set_leap(ls->clock, 0);
	if (p.step_ns != 0)
		err = clk_step(ls->clock, p.step_ns);
	if (p.slew_ns != 0 && (err = clk_status(ls->clock, &st)) == 0 &&
	    (err = clk_slew_at(ls->clock, st.slew_remaining + p.slew_ns, ls->cfg->maxslew_ppm)) == 0)
		ls->slew_left = p.slew_ns;
	else if (p.slew_ns != 0)
		p.slew_ns = 0; /* not slewed: the discipline must see the second */
	/* A clock that was not told, or refused the step, did not leap: the
	 * servers moved against it, as in ignore mode. */
	if ((p.clock_ns != 0 && p.step_ns != 0 && err < 0) ||
	    (p.clock_ns != 0 && p.step_ns == 0 && !ls->kernel_told)) {
		p.clock_ns = 0;
		p.shift_ns = p.leap * LEAP_NS_PER_S;
	}
	ls->passed++;
	serve(ls, NTP_LEAP_NONE);
	log_info("leap second %s (leapmode %s)%s%s", p.leap > 0 ? "inserted" : "deleted",
		 leap_mode_name(ls->st.mode), err < 0 ? ": " : "", err < 0 ? strerror(-err) : "");
	if (ls->on_pass != NULL)
		ls->on_pass(ls->arg, &p);
}

/* When to pass the armed leap without seeing it: at the instant, or in
 * system mode once the kernel has surely made its step. */
static int64_t due(const struct leapsec *ls)
{
	return ls->leap_mono + (ls->st.mode == LEAP_MODE_SYSTEM ? LEAPSEC_GUARD_NS : 0);
}

bool leapsec_poll(struct leapsec *ls, int64_t mono)
{
	if (ls == NULL || !ls->running || ls->leap_mono == 0 || mono < due(ls))
		return false;
	pass(ls);
	return true;
}

bool leapsec_explains(struct leapsec *ls, int64_t mono, int64_t jump)
{
	if (ls == NULL || !ls->running || ls->leap_mono == 0 || ls->st.mode != LEAP_MODE_SYSTEM ||
	    !ls->kernel_told || mono < ls->leap_mono - LEAPSEC_GUARD_NS)
		return false;
	int64_t step = -ls->st.armed * LEAP_NS_PER_S;
	if (jump < step - LEAPSEC_GUARD_NS || jump > step + LEAPSEC_GUARD_NS)
		return false;
	pass(ls);
	return true;
}

/* libuv's timers count from the loop's cached time: early by as much as
 * it is stale, so the instant is checked and the timer set again. */
static void on_instant(uv_timer_t *t)
{
	struct leapsec *ls = t->data;
	int64_t mono = (int64_t)uv_hrtime();

	if (leapsec_poll(ls, mono) || ls->leap_mono == 0)
		return;
	uv_timer_start(&ls->instant, on_instant, (uint64_t)((due(ls) - mono) / 1000000 + 1), 0);
}

static void on_tick(uv_timer_t *t)
{
	decide(t->data);
}

int leapsec_start(struct leapsec *ls, uv_loop_t *loop, struct clk *clock, struct server *srv,
		  const struct tsyncd_config *cfg)
{
	char day[16];

	*ls = (struct leapsec){ .clock = clock, .srv = srv, .cfg = cfg };
	leap_init(&ls->st, cfg->leapmode);
	if (cfg->leapfile[0] != '\0') {
		int err = read_list(ls, cfg->leapfile);
		if (err < 0)
			return err;
		ls->have_file = true;
		log_info("leapfile %s: %d entries, expires %s, %s", cfg->leapfile, ls->table.n,
			 day_name((ls->table.expires + 1) * LEAP_NS_PER_S, day, sizeof(day)),
			 ls->table.hashed ? "SHA-1 hash verified" : "no hash to verify");
	}
	uv_timer_init(loop, &ls->tick);
	uv_timer_init(loop, &ls->instant);
	ls->tick.data = ls->instant.data = ls;
	ls->running = true;
	uv_timer_start(&ls->tick, on_tick, 0, TICK_MS);
	return 0;
}

void leapsec_stop(struct leapsec *ls)
{
	if (!ls->running)
		return;
	ls->running = false;
	/* The kernel would still pass a leap it was told of, at midnight,
	 * with no daemon left to check that the servers still announce it. */
	if (ls->kernel_told && ls->leap_mono != 0) {
		int err = clk_set_leap(ls->clock, 0);
		if (err < 0)
			log_warn("leap second: could not withdraw it from the clock: %s",
				 strerror(-err));
		else
			log_info("leap second: withdrawn from the clock at exit");
		ls->kernel_told = false;
	}
	uv_close((uv_handle_t *)&ls->tick, NULL);
	uv_close((uv_handle_t *)&ls->instant, NULL);
}

void leapsec_on_vote(struct leapsec *ls, uint8_t vote)
{
	if (ls == NULL || !ls->running)
		return;
	ls->vote = vote;
	ls->vote_mono = (int64_t)uv_hrtime();
	decide(ls);
}

bool leapsec_straddles(const struct leapsec *ls, int64_t a, int64_t b)
{
	if (ls == NULL || ls->leap_mono == 0)
		return false;
	return a <= ls->leap_mono + LEAPSEC_GUARD_NS && b >= ls->leap_mono - LEAPSEC_GUARD_NS;
}

int64_t leapsec_slew_share(struct leapsec *ls, int64_t remaining)
{
	return ls == NULL ? 0 : leap_slew_share(&ls->slew_left, remaining);
}
