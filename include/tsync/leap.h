/*
 * Leap seconds, pure: the majority vote of the selected sources, the
 * leap-second list (tzdata's leap-seconds.list) with its expiry and
 * SHA-1 hash, what to do at the end of today, and how each leapmode
 * passes the leap. Times are Unix ns of our own clock unless named.
 */
#ifndef TSYNC_LEAP_H
#define TSYNC_LEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/ntp_select.h"

#define LEAP_NS_PER_S INT64_C(1000000000)
#define LEAP_DAY_S INT64_C(86400)
/* NTP era 0 seconds to Unix seconds. */
#define LEAP_NTP_UNIX_S INT64_C(2208988800)
#define LEAP_FILE_MAX 128 /* entries; the list had 28 in 2024 */

/* How the clock passes a leap second (leapmode). */
enum leap_mode {
	LEAP_MODE_SYSTEM = 0, /* the kernel inserts or deletes it (STA_INS, STA_DEL) */
	LEAP_MODE_STEP,       /* tsyncd steps the clock by -1 s or +1 s at the instant */
	LEAP_MODE_SLEW,       /* tsyncd slews the second away after the instant */
	LEAP_MODE_IGNORE,     /* nothing: corrected later as any offset */
	LEAP_MODE_N
};

const char *leap_mode_name(enum leap_mode m);
bool leap_mode_parse(const char *s, enum leap_mode *m);

/* ---------------------------------------------------------------- vote */

/* The leap announced (enum ntp_leap) by more than half of leaps[0..n):
 * NTP_LEAP_INSERT or NTP_LEAP_DELETE, else NTP_LEAP_NONE. */
uint8_t leap_vote(const uint8_t *leaps, int n);
/* The same over the candidates selection kept (SRCSEL_SURVIVOR and
 * SRCSEL_SYSPEER); NTP_LEAP_NONE when none was kept. n_reachable: the
 * sources that answer, kept or not; a leap needs more than half of them
 * too, so that the one source followed while the others are still
 * filling their filters cannot make a leap alone. */
uint8_t leap_vote_selected(const struct srcsel_cand *c, int n, int n_reachable);

/* ---------------------------------------------------------------- the list */

struct leap_table {
	int n;
	int64_t at[LEAP_FILE_MAX]; /* Unix s: the first second with tai[i] */
	int tai[LEAP_FILE_MAX];    /* TAI - UTC from at[i] on */
	int64_t updated;           /* Unix s of the #$ line; 0: none */
	int64_t expires;           /* Unix s of the #@ line */
	bool hashed;               /* a #h line was there, and it matched */
};

/* Parse text[0..len), tzdata's leap-seconds.list: data lines "NTPSECONDS
 * TAI-UTC [# comment]", "#$ NTPSECONDS" (last update), "#@ NTPSECONDS"
 * (expiry, required), "#h H H H H H" (SHA-1 of the digits of the #$, #@
 * and data lines, checked when present), any other '#' line a comment.
 * Each leap falls at a midnight UTC that begins a month and changes
 * TAI - UTC by exactly 1. Returns 0, or -EINVAL with "NAME:LINE: what"
 * (or "NAME: what" for the file as a whole) in err. */
int leap_file_parse(const char *text, size_t len, const char *name, struct leap_table *t,
		    char *err, size_t errlen);
/* Whether the list has expired at Unix ns now (now >= expiry). */
bool leap_file_expired(const struct leap_table *t, int64_t now);
/* The leap the list puts at Unix ns instant at: +1 inserted, -1 deleted,
 * 0 none. */
int leap_file_at(const struct leap_table *t, int64_t at);

/* ---------------------------------------------------------------- calendar */

/* Unix ns of the midnight UTC that ends the day holding now. */
int64_t leap_day_end(int64_t now);
/* Whether the day holding now is the last of its month: the only day
 * that may end with a leap second (the kernel's flag acts at the end of
 * the current day). */
bool leap_last_day_of_month(int64_t now);
/* "YYYY-MM-DDTHH:MM:SS[.frac]Z" (RFC 3339, UTC: Z or +00:00; 't' and 'z'
 * too), years 1970..2200, to Unix ns. Returns false on anything else. */
bool leap_parse_utc(const char *s, int64_t *ns);

/* ---------------------------------------------------------------- decision */

struct leap_decision {
	int leap;       /* +1 insert, -1 delete, 0 none, at `at` */
	int64_t at;     /* the end of today (Unix ns) */
	int vote;       /* what the sources' majority says for today */
	int file;       /* what the list says for `at` (when from_file) */
	bool from_file; /* a valid list decided */
	bool disagree;  /* the sources said otherwise: the list is followed */
};

/* What to do at the end of the day holding now: nothing unless it is the
 * last day of a month; then what a valid, unexpired list says (file may
 * be NULL), else the sources' vote (an enum ntp_leap, NTP_LEAP_NONE with
 * no sources). */
void leap_decide(const struct leap_table *file, uint8_t vote, int64_t now,
		 struct leap_decision *out);

/* ---------------------------------------------------------------- state */

struct leap_state {
	enum leap_mode mode;
	int armed;       /* the leap to pass at `at`: +1, -1, 0 none */
	int64_t at;
	int64_t done_at; /* the last leap passed: never armed again */
	int told;        /* what the clock was last told (system mode) */
};

/* What to do now. */
struct leap_actions {
	bool tell_clock; /* clk_set_leap(clock, clock_leap) */
	int clock_leap;
	uint8_t serve;   /* the leap indicator to serve (enum ntp_leap) */
	bool armed;      /* a leap is armed: wake at `at`, the instant the
			    clock leaps: midnight for an insertion, 23:59:59
			    for a deletion */
	int64_t at;
};

/* What passing the leap takes. */
struct leap_pass {
	int leap;          /* the leap passed, +1 or -1 */
	int64_t clock_ns;  /* how the clock moved at the instant, by the kernel
			      (system) or by our step: not a jump */
	int64_t step_ns;   /* clk_step(clock, step_ns) (step mode) */
	int64_t slew_ns;   /* add to the slew in progress (slew mode) */
	int64_t shift_ns;  /* the sources moved against our clock: stored
			      offsets and local times shift as by a step of
			      this size (slew and ignore modes) */
	bool tell_clock;   /* clk_set_leap(clock, 0): the kernel's flag off */
};

void leap_init(struct leap_state *s, enum leap_mode mode);
/* A new decision: arm, re-arm or disarm. The indicator served is the
 * armed leap in system and step modes, where the clock passes the leap
 * at the instant as a client expects; 0 in slew and ignore modes, where
 * it does not. */
void leap_update(struct leap_state *s, const struct leap_decision *d, struct leap_actions *a);
/* The instant s->at has come with a leap armed: fill *p, disarm, and
 * serve 0 again. Returns false (and fills nothing) with none armed. */
bool leap_passed(struct leap_state *s, struct leap_pass *p);
/* The leap indicator to serve now. */
uint8_t leap_serve(const struct leap_state *s);

/* The part of the clock's slew still to apply (remaining) that is the
 * leap's, in slew mode: the leap's slew is added to the discipline's, and
 * the discipline must neither see nor cancel it. *leap_left is what was
 * left of it at the last call; it never grows, and ends once the
 * remaining slew is the other way or gone. */
int64_t leap_slew_share(int64_t *leap_left, int64_t remaining);

#endif
