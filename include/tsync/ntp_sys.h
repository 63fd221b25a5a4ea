/*
 * The NTP client's system level (RFC 5905 §11-§12) as a state machine
 * with no I/O: selection over every source, measurement epochs, the
 * discipline's feed, what is served, and loss of synchronisation. Events
 * (a source's new filter output, a tick, a step, a jump) with local times
 * in, actions (apply these clock corrections, set this poll, serve this,
 * tell the kernel) out, as brk_node works.
 */
#ifndef TSYNC_NTP_SYS_H
#define TSYNC_NTP_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/discipline.h"
#include "tsync/ntp_select.h"
#include "tsync/ntp_source.h"

#define NTP_SYS_MAX_SOURCES 64 /* sources past this are ignored */

struct ntp_sys_config {
	int64_t maxdistance; /* ns: root distance past which we serve as unsynchronised */
	int64_t holdover;    /* ns without a selectable source before that too; 0: none */
};

/* One source as the caller hands it to every event: its pure state (the
 * caller feeds it replies) and the refid of OUR OWN local address used
 * towards it (RFC 5905 §7.3; 0 if unknown), for the loop check. */
struct ntp_sys_source {
	struct ntpsrc *src;
	uint32_t local_refid;
};

/* What the server role serves while we are synchronised. */
struct ntp_sys_served {
	uint8_t leap;       /* the ONE place the served leap is decided: ntp_sys.c serve_leap() */
	uint8_t stratum;
	uint32_t refid;
	int64_t ref_time;   /* local time of the last update */
	int64_t root_delay;
	int64_t root_disp;
};

/* A summary for status displays and sd_notify. */
struct ntp_sys_status {
	bool synced;        /* updates are being made */
	int peer;           /* index of the system peer, -1: none */
	int64_t offset;     /* offset estimated at the last update, ns */
	int64_t last_update; /* local time of it, 0: never */
	uint64_t updates;   /* updates made since start */
};

struct ntp_sys {
	struct ntp_sys_config cfg;
	struct disc disc;
	struct srcsel_result sel;                     /* the last selection */
	enum srcsel_state state[NTP_SYS_MAX_SOURCES]; /* what it made of each source */
	bool synced;        /* updated from a selection, not lost since */
	int peer;           /* system peer of the last update, -1 */
	int64_t last_peer_t; /* update time (ntpsrc update_t) of the sample last used */
	int64_t last_update; /* local time of the last update, 0: never */
	int64_t last_offset; /* offset estimated then */
	uint64_t updates;
	struct ntp_sys_served served;
};

struct ntp_sys_actions {
	bool update;              /* the discipline ran: apply disc (step, freq, slew) */
	struct disc_actions disc;
	bool first_sync;          /* this update (re)synchronised us: log it */
	bool set_poll;            /* set every source's poll to poll, re-arm its timer */
	int8_t poll;
	bool serve;               /* serve the system's `served` from now on (read it
				   * after applying disc: a step moves its times) */
	bool lost;                /* synchronisation lost: serve the local stratum or
				   * unsynchronised; lost_distance is the root distance */
	int64_t lost_distance;
	bool tell_kernel;         /* clk_set_sync(kernel_synced, maxerror, esterror) */
	bool kernel_synced;
	int64_t maxerror, esterror;
	bool no_majority;         /* the fit sources just stopped agreeing: log it */
};

/* Start: disc_init_measured(dc, freq_ppm, skew_ppm; skew < 0: no
 * frequency known) and nothing selected. */
void ntp_sys_init(struct ntp_sys *s, const struct ntp_sys_config *cfg,
		  const struct disc_config *dc, double freq_ppm, double skew_ppm);

/* Source i of n is gone (a dead server address or pool member replaced):
 * the sources after it move down one, and so do the indices kept. */
void ntp_sys_remove(struct ntp_sys *s, int i, int n);

/* A source's reply gave NTPSRC_UPDATE: select over src[0..n) at now
 * (local time) and, if the system peer brings a new measurement (RFC 5905
 * clock_update: a sample newer than the last used, and at least half the
 * shortest burst spacing after the last update, since servers polled
 * together answer within a millisecond and are one measurement), run the
 * discipline with slew_left (clk_status().slew_remaining). A lone fit
 * source is followed whatever unfit, stopped or unreachable sources do;
 * but before the first update nothing is selected while a started source
 * has not answered yet and fewer than NTP_SYS_FIRST_TRIES of its requests
 * went out, or answers and is still filling its filter (ntpsrc_filling,
 * until it misses NTP_SYS_FIRST_TRIES requests in a row): ntp_sys_waiting.
 * Else the first server to be fit would be followed alone, falseticker or
 * not. Served: srcsel_system of the selection, with the system peer's offset
 * less the step this update makes (the served root dispersion must not
 * hold an offset the step removes) and ref_time now. Fills *out. The
 * caller applies, in order and all of them: disc (then ntp_sys_stepped
 * after a step), poll, served, kernel. */
#define NTP_SYS_FIRST_TRIES 2
void ntp_sys_select(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t now,
		    int64_t slew_left, struct ntp_sys_actions *out);

/* True while ntp_sys_select waits for the first answers (see above). */
bool ntp_sys_waiting(const struct ntp_sys *s, const struct ntp_sys_source *src, int n,
		     int64_t now);

/* Once a second or so: synchronisation is lost once no source is
 * selectable and the served root distance, aged by PHI since the last
 * update, passes maxdistance (or holdover has passed): srcsel_sync_lost;
 * or, while a source is selectable, once no update came for
 * NTP_SYS_STALL_POLLS of the system peer's polls (updates stopped: we are
 * not synchronised, whatever selection says). Fills *out (lost,
 * lost_distance, tell_kernel), once per loss. */
#define NTP_SYS_STALL_POLLS 16 /* twice the filter: an old sample may be chosen for 8 */
void ntp_sys_tick(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t now,
		  struct ntp_sys_actions *out);

/* Our own step of delta ns was applied: every source's stored times and
 * offsets and ours move with it (ntpsrc_on_step). */
void ntp_sys_stepped(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t delta);

/* The clock jumped by jump ns under us (disc_jump_detect): the discipline
 * forgets its samples, the times kept move, every source bursts at now. */
void ntp_sys_jumped(struct ntp_sys *s, const struct ntp_sys_source *src, int n, int64_t jump,
		    int64_t now);

void ntp_sys_status(const struct ntp_sys *s, struct ntp_sys_status *out);

#endif
