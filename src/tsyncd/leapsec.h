/*
 * tsyncd's leap seconds on the loop: the leap-second list read at start,
 * the decision of tsync/leap.h remade each second and at each selection,
 * the leap indicator served, and the clock told or moved at the instant.
 */
#ifndef TSYNCD_LEAPSEC_H
#define TSYNCD_LEAPSEC_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "server.h"
#include "tsync/clock.h"
#include "tsync/config.h"
#include "tsync/leap.h"
#include "tsync/ntp_select.h"

struct leapsec {
	struct clk *clock;
	struct server *srv;
	const struct tsyncd_config *cfg;
	struct leap_table table;
	bool have_file;        /* table holds a valid list */
	bool expired;          /* ... which has expired: not used (logged once) */
	struct leap_state st;
	uint8_t vote;          /* the sources' majority at the last selection */
	int64_t vote_mono;     /* when (uv_hrtime ns); 0: never */
	int64_t leap_mono;     /* uv_hrtime ns of the armed leap; 0: none */
	int64_t slew_left;     /* the leap's part of the clock's slew (slew mode) */
	int logged_leap;       /* the armed leap last logged */
	bool disagree_logged, refused_logged;
	bool kernel_told;      /* the clock took the armed leap (system mode) */
	uv_timer_t tick, instant;
	bool running;
	uint64_t passed;       /* leaps passed */
	/* The client's bookkeeping as the leap passes (NULL: none). */
	void (*on_pass)(void *arg, const struct leap_pass *p);
	void *arg;
};

/* Read the list cfg names, if any (a malformed or unreadable one is an
 * error, logged; an expired one is logged and not used), and start the
 * once-a-second decision. Returns 0 or a negative errno. */
int leapsec_start(struct leapsec *ls, uv_loop_t *loop, struct clk *clock, struct server *srv,
		  const struct tsyncd_config *cfg);
void leapsec_stop(struct leapsec *ls);
/* After the client's selection: the selected sources' majority vote
 * (ntp_sys's served leap), then decide. */
void leapsec_on_vote(struct leapsec *ls, uint8_t vote);
/* Pass the armed leap if its instant has come by mono (uv_hrtime ns):
 * the client calls it with every clock reading, so that nothing is
 * measured across an unaccounted leap. Returns whether it passed now. */
bool leapsec_poll(struct leapsec *ls, int64_t mono);
/* Whether a jump of the clock seen at mono is the kernel's leap (system
 * mode): the armed leap's second within LEAPSEC_GUARD_NS, from its
 * instant on. If so the leap is passed now. The kernel acts a tick into
 * the second, so in system mode leapsec_poll passes the leap only
 * LEAPSEC_GUARD_NS after the instant; a reading in between sees the
 * step first. */
bool leapsec_explains(struct leapsec *ls, int64_t mono, int64_t jump);
/* Whether an exchange sent at mono a and answered at mono b may span the
 * sources' leap (ours within LEAPSEC_GUARD_NS): its sample is dropped. */
#define LEAPSEC_GUARD_NS (20 * INT64_C(1000000))
bool leapsec_straddles(const struct leapsec *ls, int64_t a, int64_t b);
/* Slew mode: the part of the remaining slew that is the leap's, which the
 * discipline must neither see nor cancel (tsync/leap.h leap_slew_share). */
int64_t leapsec_slew_share(struct leapsec *ls, int64_t remaining);

#endif
