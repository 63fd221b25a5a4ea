/*
 * Source selection (RFC 5905 §11.2): intersection of correctness
 * intervals to split truechimers from falsetickers, clustering, choice of
 * the system peer and combining of the survivors' offsets. Pure: an array
 * of candidates in, their states and the system's offset/jitter out.
 */
#ifndef TSYNC_NTP_SELECT_H
#define TSYNC_NTP_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#define SRCSEL_NMIN 3      /* clustering keeps at least this many survivors */
#define SRCSEL_MAX_CAND 64 /* candidates at index >= this are treated as unfit */

/* What selection made of one candidate. */
enum srcsel_state {
	SRCSEL_UNFIT = 0,    /* not fit: not considered */
	SRCSEL_FALSETICKER,  /* interval misses the intersection (or no majority) */
	SRCSEL_OUTLIER,      /* truechimer dropped by clustering */
	SRCSEL_SURVIVOR,     /* survivor, combined into the system offset */
	SRCSEL_SYSPEER,      /* survivor and the system peer */
};

/* Why there is (or is no) system peer. */
enum srcsel_status {
	SRCSEL_MAJORITY = 0, /* >= 2 fit candidates, a majority agrees */
	SRCSEL_SINGLE,       /* exactly one fit candidate: used, but no cross-check */
	SRCSEL_NONE_FIT,     /* no fit candidate: no selection */
	SRCSEL_NO_MAJORITY,  /* >= 2 fit candidates, no majority: no selection */
};

/* One source as selection sees it; ntpsrc_candidate fills one from a
 * struct ntpsrc. All times and durations in ns. */
struct srcsel_cand {
	/* inputs used by selection */
	int64_t offset;    /* peer offset theta */
	int64_t root_dist; /* lambda at now (ntpsrc_root_dist) */
	int64_t jitter;    /* peer jitter psi */
	uint8_t stratum;
	bool prefer;
	bool was_peer;     /* the system peer of the last selection */
	bool fit;
	/* inputs used only by srcsel_system, for the server role */
	uint8_t leap;        /* enum ntp_leap of the source */
	uint32_t addr_refid; /* refid to advertise with it as system peer */
	int64_t delay;       /* peer delay delta */
	int64_t disp;        /* peer dispersion epsilon, as of t */
	int64_t t;           /* local time of disp */
	int64_t root_delay;  /* the source's own root delay */
	int64_t root_disp;   /* the source's own root dispersion */
	/* output of srcsel_run */
	enum srcsel_state state;
};

struct srcsel_result {
	enum srcsel_status status;
	int peer;           /* index of the system peer, -1 if none */
	int n_fit;          /* fit candidates */
	int n_truechimers;  /* candidates whose interval meets the intersection */
	int n_survivors;    /* left after clustering */
	int n_falsetickers; /* fit candidates that are falsetickers */
	int64_t low, high;  /* the intersection interval (valid with a selection) */
	int64_t offset;     /* combined offset of the survivors (clock_combine) */
	int64_t sel_jitter; /* selection jitter of the survivors about the peer */
	int64_t jitter;     /* system jitter: sqrt(peer jitter^2 + sel_jitter^2) */
};

/* Run intersection, clustering, system peer choice and combining over
 * c[0..n) and set each c[i].state. Returns true when there is a system
 * peer (status SRCSEL_MAJORITY or SRCSEL_SINGLE), false otherwise, in
 * which case offset and jitter are 0.
 *  - Intersection (RFC 5905 §11.2.1, A.5.5.1): the smallest number f of
 *    falsetickers, f < n/2, for which an interval contained in n - f
 *    correctness intervals [offset - root_dist, offset + root_dist] also
 *    holds at least n - f midpoints. A fit candidate whose interval misses
 *    that intersection is a falseticker.
 *  - Clustering (§11.2.2, A.5.5.3): survivors are ranked by stratum, then
 *    root distance; the one with the largest selection jitter (RMS of its
 *    offset differences to the others) is dropped while more than
 *    SRCSEL_NMIN remain and that jitter is not below the smallest peer
 *    jitter among them; a prefer candidate is never dropped.
 *  - System peer (A.5.5.4): the prefer candidate if it survived, else the
 *    last system peer (was_peer) if it survived at the stratum of the first
 *    survivor in rank order (no clock hop), else that first survivor.
 *  - Combining (§11.2.3, A.5.5.5): offset = sum(offset_i / rd_i) /
 *    sum(1 / rd_i); sel_jitter = sqrt(sum((offset_i - offset_peer)^2 /
 *    rd_i) / sum(1 / rd_i)), over the survivors; but a prefer system peer
 *    is used alone (ntpd, chrony): its offset, sel_jitter 0, its jitter. */
bool srcsel_run(struct srcsel_cand *c, int n, struct srcsel_result *out);

/* What the server role advertises once synchronised to the system peer
 * (RFC 5905 A.5.5.7 clock_update). */
struct srcsel_sys {
	uint8_t leap;       /* the peer's */
	uint8_t stratum;    /* peer stratum + 1 (at most 16) */
	uint32_t refid;     /* the peer's addr_refid */
	int64_t root_delay; /* peer root delay + peer delay */
	int64_t root_disp;  /* peer root disp + sqrt(peer jitter^2 + sel_jitter^2)
			     * + max(peer disp + PHI * (now - t) + |peer offset|, MINDISP) */
};

/* Fill *out from the system peer r->peer of c at now. Returns false (and
 * leaves *out alone) when r has no system peer. */
bool srcsel_system(const struct srcsel_cand *c, const struct srcsel_result *r, int64_t now,
		   struct srcsel_sys *out);

/* Whether a system that served as synchronised from the values of sys,
 * last updated at last_update (Unix ns), must now serve as unsynchronised
 * (RFC 5905: a clock whose root distance passes MAXDIST is fit to
 * synchronise no one). Never while have_peer, a source selectable now;
 * else once its root distance aged by PHI, root_delay / 2 + root_disp +
 * PHI * (now - last_update), exceeds maxdist, or once holdover ns (0:
 * no such limit) have passed since last_update. */
bool srcsel_sync_lost(const struct srcsel_sys *sys, int64_t last_update, int64_t now,
		      bool have_peer, int64_t maxdist, int64_t holdover);

const char *srcsel_state_name(enum srcsel_state st);
const char *srcsel_status_name(enum srcsel_status st);

#endif
