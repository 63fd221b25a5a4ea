/*
 * One upstream NTP server as the client sees it (RFC 5905 §9-§10): the
 * poll state machine (reach register, iburst, poll adaption, back-off,
 * Kiss-o'-Death) and the 8-stage clock filter. Pure: events and local
 * timestamps (int64 ns of the local clock) in, "transmit at T" out.
 */
#ifndef TSYNC_NTP_SOURCE_H
#define TSYNC_NTP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/ntp_exch.h"

struct srcsel_cand;

#define NTPSRC_NSTAGE 8           /* clock filter stages */
#define NTPSRC_POLL_MIN (-6)      /* lowest poll exponent accepted (1/64 s) */
#define NTPSRC_POLL_MAX 17        /* highest, RFC MAXPOLL (36.4 h); also the KoD ceiling */
#define NTPSRC_MINPOLL_DEFAULT 6  /* 64 s */
#define NTPSRC_MAXPOLL_DEFAULT 10 /* 1024 s */
#define NTPSRC_BURST_COUNT 6      /* requests in an iburst: the filter needs 4
                                   * samples to fit, and 2 may be lost */
#define NTPSRC_BURST_SPACING_MAX (INT64_C(2) * 1000000000) /* 2 s */
#define NTPSRC_POLL_GOOD 4        /* good updates in a row before the poll grows */
#define NTPSRC_POLL_GATE 4        /* offset jump, in jitters, that shrinks the poll */
#define NTPSRC_UNREACH_POLLS 8    /* unanswered polls in a row before back-off */
#define NTPSRC_RATE_HOLD_POLLS 8  /* polls without a KoD RATE before its floor drops a step */
#define NTPSRC_MAXDISP (INT64_C(16) * 1000000000)  /* 16 s, RFC MAXDISP */
#define NTPSRC_MINDISP (INT64_C(10) * 1000000)     /* 10 ms, RFC MINDISP */
#define NTPSRC_MAXDIST (INT64_C(1500) * 1000000)   /* 1.5 s, fit() threshold */
#define NTPSRC_REFID_LOOPBACK UINT32_C(0x7f000001) /* 127.0.0.1: never a loop */

/* Configuration of one source; ntpsrc_params_default fills the defaults. */
struct ntpsrc_params {
	int8_t minpoll;   /* log2 s, NTPSRC_POLL_MIN..NTPSRC_POLL_MAX; default 6 */
	int8_t maxpoll;   /* log2 s, >= minpoll; default 10 */
	int8_t precision; /* log2 s of the LOCAL clock: floor of the jitter; default -20 */
	bool iburst;      /* burst of NTPSRC_BURST_COUNT requests at start */
	bool prefer;      /* the prefer peer of selection */
};

/* Why a source is not (or no longer) polled, or how it answers. */
enum ntpsrc_state {
	NTPSRC_NEW = 0,       /* not started */
	NTPSRC_UNREACHABLE,   /* started, reach register is 0 */
	NTPSRC_REACHABLE,     /* started, at least one of the last 8 polls answered */
	NTPSRC_STOPPED_DENY,  /* KoD DENY: never polled again */
	NTPSRC_STOPPED_RSTR,  /* KoD RSTR: never polled again */
};

/* Why ntpsrc_unfit says a source may not be selected (0: it may). */
enum ntpsrc_unfit {
	NTPSRC_FIT = 0,
	NTPSRC_UNFIT_STOPPED,  /* stopped by KoD DENY/RSTR */
	NTPSRC_UNFIT_UNREACH,  /* reach == 0 */
	NTPSRC_UNFIT_NODATA,   /* no valid sample in the filter */
	NTPSRC_UNFIT_STRATUM,  /* leap 3 or stratum >= 16 */
	NTPSRC_UNFIT_DIST,     /* root distance >= MAXDIST + PHI * 2^poll */
	NTPSRC_UNFIT_LOOP,     /* its refid is ours: it syncs to us */
};

/* What the server said besides the sample, and when we got it. */
struct ntpsrc_reply {
	struct ntp_sample sample; /* from ntp_exch_sample */
	uint8_t stratum;          /* 1..15 (ntp_exch_check refused the rest) */
	uint8_t leap;             /* enum ntp_leap */
	uint32_t refid;           /* host order */
	int64_t root_delay;       /* ns, the server's */
	int64_t root_disp;        /* ns, the server's */
	int64_t t3;               /* local receive time, ns */
	int64_t slew_left;        /* our slew still to apply at t3 (clk_status),
				   ns: the filter keeps sample.offset - slew_left,
				   the offset once it is done, so that samples
				   taken at any point of a slew compare */
};

/* One filter stage. valid is false for a stage never filled or filled
 * by a missed poll (RFC: a dummy sample of MAXDISP). offset is the offset
 * once every slew of ours is done, kept up to date with our slews and
 * frequency changes (ntpsrc_clock_changed). */
struct ntpsrc_stage {
	int64_t offset, delay, disp; /* disp as of time t */
	int64_t t;                   /* local time of the sample (t3) */
	bool valid;
};

/* The whole state. The caller allocates it; every field is readable
 * (the control socket shows them), only the functions below write it,
 * except addr_refid which the caller sets when it knows the address. */
struct ntpsrc {
	struct ntpsrc_params par;
	uint32_t addr_refid; /* the refid we advertise with this source as system
			      * peer: its IPv4 address, or the first 4 bytes of
			      * the MD5 of its IPv6 address (RFC 5905 §7.3) */

	/* poll state machine */
	bool started;
	enum ntpsrc_state stop;  /* NTPSRC_STOPPED_* once a KoD stops it, else NTPSRC_NEW */
	uint8_t reach;           /* shifted left at each transmit, bit 0 set on a reply */
	int8_t poll;             /* current log2 s interval */
	int8_t poll_floor;       /* lowest poll allowed: minpoll, raised by KoD RATE */
	int rate_quiet;          /* polls since the floor last moved, while above minpoll */
	int burst_left;          /* burst requests still to send */
	int good_updates;        /* updates in a row that fit the jitter */
	int missed;              /* transmits in a row that got no reply */
	bool awaiting;           /* a request is out and unanswered */
	int64_t last_tx;         /* local time of the last transmit */
	int64_t next_tx;         /* local time the next request is due */

	/* what the server says about itself (last valid reply) */
	uint8_t stratum, leap;
	uint32_t refid;
	int64_t root_delay, root_disp;

	/* clock filter (RFC 5905 §10); f[0] is the newest */
	struct ntpsrc_stage f[NTPSRC_NSTAGE];
	bool have_output;        /* offset..jitter below are meaningful */
	int64_t offset, delay;   /* of the chosen (minimum-delay) stage */
	int64_t disp;            /* peer dispersion epsilon, as of filter_t */
	int64_t jitter;          /* peer jitter psi (>= 2^precision) */
	int64_t filter_t;        /* local time offset..jitter were computed */
	int64_t update_t;        /* local time (t3) of the sample last used */
	int n_valid;             /* valid stages */
	uint64_t n_replies, n_updates, n_tx, n_kod;
};

/* Defaults: minpoll 6, maxpoll 10, precision -20, no iburst, no prefer. */
void ntpsrc_params_default(struct ntpsrc_params *p);

/* Initialise *s (not started). Returns 0, or -EINVAL if a poll bound is
 * outside NTPSRC_POLL_MIN..NTPSRC_POLL_MAX or minpoll > maxpoll. */
int ntpsrc_init(struct ntpsrc *s, const struct ntpsrc_params *p);

/* Start polling at now: the first request is due at now, and with
 * iburst NTPSRC_BURST_COUNT requests go out min(2 s, 2^minpoll) apart. */
void ntpsrc_start(struct ntpsrc *s, int64_t now);

/* Ask for a burst of NTPSRC_BURST_COUNT requests, the first one due now
 * (after a clock jump, or when the daemon wants a fast resync). Ignored
 * for a stopped source. */
void ntpsrc_burst(struct ntpsrc *s, int64_t now);

/* Local time the next request is due (may be <= now: send at once).
 * INT64_MAX when the source is not started or stopped by a KoD. In a
 * burst: last transmit + min(2 s, 2^minpoll); else last transmit + 2^poll.
 * No randomisation: the caller may add its own. */
int64_t ntpsrc_next_poll(const struct ntpsrc *s);

/* The caller transmitted a request at now. Shifts the reach register,
 * counts a miss if the previous request got no reply, and:
 *  - after NTPSRC_UNREACH_POLLS misses in a row (reach is then 0), each
 *    further unanswered poll doubles the interval, up to maxpoll;
 *  - if reach is not 0 but its three low bits are (this request and the
 *    two before it unanswered), shifts a dummy (invalid) stage into the
 *    filter, as RFC 5905 poll() does, so that a silent source's
 *    dispersion grows and it loses its stages one by one.
 * A floor a KoD RATE raised comes down one step (not below minpoll) after
 * every NTPSRC_RATE_HOLD_POLLS polls without another RATE: a spoofed RATE
 * slows a client for a while, not for good.
 * The next request is then due now + min(2 s, 2^minpoll) while a burst
 * lasts, now + 2^poll otherwise. */
void ntpsrc_on_transmit(struct ntpsrc *s, int64_t now);

/* Outcome of a reply. */
enum ntpsrc_reply_result {
	NTPSRC_NO_UPDATE = 0, /* counted (reach), but the filter chose a sample
			       * no newer than the last one used: nothing new */
	NTPSRC_UPDATE,        /* new filter output: run selection */
	NTPSRC_IGNORED,       /* source stopped or not started: nothing changed */
};

/* A valid reply (ntp_exch_check said OK) to our last request. Sets reach
 * bit 0, stores the server's stratum/leap/refid/root values, shifts the
 * sample into the filter and recomputes offset, delay, disp (peer
 * dispersion: sum of stage disp / 2^(i+1) over the stages sorted by delay,
 * each aged by PHI since its time; empty stages count MAXDISP) and jitter
 * (RMS of the valid stages' offsets minus the chosen one's, over n-1;
 * floored at 2^precision), as of r->t3.
 * The chosen stage is an update only if it is newer than the one last
 * used (RFC 5905 A.5.2), or at any time while sys_synced is false ("anything
 * goes before first synchronised"). No popcorn spike suppressor.
 * Poll adaption on an update: if |new offset - previous offset| exceeds
 * NTPSRC_POLL_GATE times the previous jitter, the poll drops one step
 * (not below the floor); otherwise, only while sys_synced, it counts a
 * good update and after NTPSRC_POLL_GOOD in a row the poll rises one step
 * (not above maxpoll). The first reply after the source was unreachable
 * (reach 0) puts the poll back to its floor, to re-acquire quickly.
 * Returns an enum ntpsrc_reply_result. */
int ntpsrc_on_reply(struct ntpsrc *s, const struct ntpsrc_reply *r, bool sys_synced);

/* A Kiss-o'-Death reply (ntp_exch_check said KOD; code from ntp_kiss_code).
 * RATE: the poll and its floor rise one step above the current poll (up
 * to NTPSRC_POLL_MAX, beyond maxpoll if need be) and any burst is
 * cancelled; the floor then decays (ntpsrc_on_transmit). DENY / RSTR: the
 * source stops for good and its reach is cleared. OTHER: ignored.
 * A KoD never sets a reach bit. */
void ntpsrc_on_kod(struct ntpsrc *s, enum ntp_kiss code, int64_t now);

/* The local clock was stepped by delta_ns (new reading = old + delta_ns).
 * Stored samples stay meaningful by shifting, not clearing: every stored
 * local time (stage times, last transmit, update time) moves by +delta_ns
 * so that ages and the poll schedule are unchanged, and every stored
 * offset (server minus ours) moves by -delta_ns. */
void ntpsrc_on_step(struct ntpsrc *s, int64_t delta_ns);

/* The local clock jumped by delta_ns and nothing of ours explains it (a
 * machine suspended and resumed: the clock or the monotonic clock moved,
 * nobody knows which). The stored samples cannot be shifted to the new
 * timescale: they are dropped (no output until the next reply), while the
 * stored local times (last transmit, next transmit, update time) move by
 * +delta_ns as for a step, so that the poll schedule holds. Reach, poll
 * and what the server said stay. */
void ntpsrc_on_jump(struct ntpsrc *s, int64_t delta_ns);

/* Another server behind this source (an NTS-KE named a new one): its
 * samples are dropped and its reach starts again, as for a new source,
 * so that nothing measured of the old server is taken for the new. The
 * poll schedule stays. */
void ntpsrc_forget(struct ntpsrc *s);

/* Our discipline changed the clock at local time t (disc_actions'
 * change_t, phase_ns, dfreq_ppm): the correction still to come grew by
 * phase_ns, and the frequency moved by dfreq_ppm. Every stored offset
 * moves as the clock will, -phase_ns, and by dfreq_ppm x (t - its time):
 * what the new frequency, taken as the right one, says the clock drifted
 * since that sample beyond what the old one corrected. The filter's
 * output follows. Samples of one source then compare with those of
 * another polled at another time. */
void ntpsrc_clock_changed(struct ntpsrc *s, int64_t t, int64_t phase_ns, double dfreq_ppm);

/* Force the poll exponent (e.g. from the discipline's time constant),
 * clamped to [floor, maxpoll]. */
void ntpsrc_set_poll(struct ntpsrc *s, int8_t poll);

/* Peer dispersion at now: disp + PHI * (now - filter_t). */
int64_t ntpsrc_disp(const struct ntpsrc *s, int64_t now);

/* Root distance at now (RFC 5905 A.5.5.2 root_dist):
 * max(MINDISP, root_delay + delay) / 2 + root_disp + disp
 * + PHI * (now - filter_t) + jitter. NTPSRC_MAXDISP without filter output. */
int64_t ntpsrc_root_dist(const struct ntpsrc *s, int64_t now);

/* RFC 5905 A.5.5.2 fit(): 0 (NTPSRC_FIT) or an enum ntpsrc_unfit saying
 * why not. our_refid: the refid of OUR OWN address towards this source
 * (what it would show as refid if it synchronised to us; 0 skips the
 * check). A loop is a source of stratum > 1 whose refid is our_refid,
 * except 127.0.0.1, which an orphan-mode ntpd announces of itself. */
int ntpsrc_unfit(const struct ntpsrc *s, int64_t now, uint32_t our_refid);
bool ntpsrc_fit(const struct ntpsrc *s, int64_t now, uint32_t our_refid);

/* Still filling its clock filter: the source answers (reach, fewer than
 * `misses` requests in a row unanswered), holds fewer than NTPSRC_NSTAGE
 * samples, and is unfit only for the MAXDISP its empty stages count: the
 * samples it holds would be fit. Such a source becomes fit within a few
 * polls; one whose own samples are too far (a root dispersion of
 * seconds) is not filling. */
bool ntpsrc_filling(const struct ntpsrc *s, int64_t now, int misses);

/* Reachability summary for display. */
enum ntpsrc_state ntpsrc_state(const struct ntpsrc *s);

/* Fill a selection candidate (ntp_select.h) from the source at now. */
void ntpsrc_candidate(const struct ntpsrc *s, int64_t now, uint32_t our_refid,
		      struct srcsel_cand *out);

const char *ntpsrc_state_name(enum ntpsrc_state st);
const char *ntpsrc_unfit_name(int reason);

#endif
