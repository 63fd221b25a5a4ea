/*
 * One node of a Berkeley group as a state machine with no I/O: events
 * (a decoded, authenticated datagram, a timer) with the clock's and the
 * monotonic time in, actions (send this message, apply this adjustment)
 * out. It keeps the master's rounds, the slave's answered round, the
 * replay counters and the election. See tsync-berkeley(7).
 */
#ifndef TSYNC_BRK_NODE_H
#define TSYNC_BRK_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/brk_avg.h"
#include "tsync/brk_msg.h"

/* Within a round of length I: polls at 0, I/10, 2I/10; the average and the
 * ADJUSTs at 4I/10; unacknowledged ADJUSTs resent after I/20, then I/10,
 * then I/5 (ending at 3I/4, before the next round). */
#define BRK_POLLS 3
#define BRK_RESENDS 3
#define BRK_MAX_MASTERS 8 /* masters whose counters a slave remembers */
#define BRK_MAX_ACTIONS (BRK_MAX_MEMBERS + 4)
#define BRK_NEVER INT64_MAX

enum brk_role { BRK_ROLE_NONE, BRK_ROLE_MASTER, BRK_ROLE_SLAVE, BRK_ROLE_CANDIDATE };
enum brk_state { BRK_ST_SLAVE, BRK_ST_ELECTING, BRK_ST_MASTER };

/* A peer's unicast address, as a value. */
struct brk_addr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order */
	uint16_t port;    /* host order */
	uint32_t scope;   /* IPv6 scope id */
};

struct brk_params {
	enum brk_role role;
	uint8_t priority;     /* higher wins an election */
	int64_t interval;     /* ns between rounds */
	int64_t tolerance;    /* ns: the fault-tolerant average's window */
	int64_t maxrtt;       /* ns: readings with a longer round trip are dropped */
	int64_t step;         /* ns: the most of a correction that is slewed (the
				 daemon's: what maxslew slews in half an interval,
				 at most `berkeley step`); the rest is stepped */
	int misses;           /* rounds a member may miss before it is dropped */
	int election;         /* intervals without a POLL before an election */
	uint32_t key_id;      /* 0: auth none */
	uint64_t group_id;    /* in every message, under the MAC */
	bool freq;            /* learn and correct our frequency (`berkeley frequency`) */
	double maxdrift_ppm;  /* how fast the average may move a free-running
				 master's clock (and so the group); 0: no bound */
	uint64_t seq_start;   /* our first message counter less one: a node
				 that keeps its id across restarts starts above
				 what it sent before (the daemon: the host's ns) */
};

/* The rate of the slews of rounds too short for a slew to end before
 * the next ADJUST (brk_slew_max), ppm: 50 ms of lateness leaves 50 us. */
#define BRK_SLEW_SHORT_PPM 1000.0

/* The frequency correction a node may set, ppm: the kernel's bound. */
#define BRK_FREQ_MAX 500.0

/* Why a message was not taken (counted; see brk_drop_name). */
enum brk_drop {
	BRK_DROP_REPLAY,      /* counter not above the last one from that node */
	BRK_DROP_NOT_MASTER,  /* ADJUST or POLL from a node we do not follow */
	BRK_DROP_WRONG_ROUND, /* ADJUST/REPLY/ACK for a round we did not answer/run */
	BRK_DROP_DUPLICATE,   /* an ADJUST already applied: ACKed again, not applied */
	BRK_DROP_RTT,         /* a reading whose round trip exceeds maxrtt or is negative */
	BRK_DROP_UNEXPECTED,  /* a message our state does not take (a REPLY to a slave) */
	BRK_DROP_FULL,        /* a new member when BRK_MAX_MEMBERS are known */
	BRK_DROP_RANGE,       /* timestamps out of range */
	BRK_DROP_GROUP,       /* another group id */
	BRK_DROP_RECIPIENT,   /* addressed to another node (or a POLL to one) */
	BRK_DROP_STALE,       /* an ADJUST that does not echo the nonce of our
				 REPLY to that master in that round, from where
				 we sent it: a recording, or for another */
	BRK_DROP_ADDRESS,     /* a second node id from a member's address and port
				 in the same round */
	BRK_DROP_N
};

enum brk_member_state { BRK_MB_IDLE, BRK_MB_SAMPLED, BRK_MB_PENDING, BRK_MB_ACKED,
			BRK_MB_UNACKED, BRK_MB_MISSED };

struct brk_member {
	uint64_t node;
	struct brk_addr addr;
	uint64_t last_seq;
	enum brk_member_state state;
	int missed;        /* rounds in a row without a reading */
	bool in_set;       /* in the last fault-tolerant set */
	int64_t offset;    /* best reading this round: slave - master, ns */
	int64_t rtt;       /* its round trip, ns */
	int64_t adjust;    /* last adjustment sent, ns */
	uint64_t nonce;    /* of its REPLYs this round, echoed in the ADJUST */
	int read_poll;     /* the POLL of its best reading this round */
	int resends;       /* of the current ADJUST */
	int64_t resend_at; /* monotonic ns; BRK_NEVER */
	uint64_t adjust_seq; /* round of the pending adjustment */
};

/* A master whose POLL we answered: its counter and the challenge our
 * REPLY put to it. Only its ADJUST echoing the nonce, for that round and
 * from that address, proves that it is alive; only then do we follow it. */
struct brk_master_seen {
	uint64_t node;
	uint64_t last_seq;
	int64_t heard;     /* monotonic ns of the last valid message */
	struct brk_addr addr; /* where its POLL came from */
	uint8_t priority;
	uint64_t round;    /* the round we answered */
	uint64_t nonce;    /* the nonce of our REPLYs in that round */
	bool applied;      /* its ADJUST of that round applied */
	int64_t applied_adjust;
	int n_polls;       /* its POLLs answered in that round: */
	int64_t poll_t0[BRK_POLLS], poll_mono[BRK_POLLS]; /* their t0, our mono */
};

enum brk_action_kind {
	BRK_ACT_SEND,     /* msg to the group (to_group) or to `to` */
	BRK_ACT_APPLY,    /* change our clock by `adjust`: step it by `step_ns`, then
			     slew `slew_ns` (what was still being slewed included) */
	BRK_ACT_ROUND,    /* a round's average was taken: see node->last */
	BRK_ACT_STATE,    /* our state changed to node->state */
	BRK_ACT_DROPPED,  /* member `node_id` was dropped after missed rounds */
	BRK_ACT_GAVE_UP,  /* member `node_id` never acknowledged its ADJUST */
	BRK_ACT_ALL_ACKED, /* every ADJUST of the round is acknowledged: node->last */
};

struct brk_action {
	enum brk_action_kind kind;
	struct brk_msg msg;
	bool to_group;
	struct brk_addr to;
	int64_t adjust;
	bool step;        /* step_ns != 0 */
	int64_t step_ns, slew_ns;
	bool set_freq;    /* APPLY: also set the clock's frequency to freq_ppm */
	double freq_ppm;
	uint64_t node_id;
};

struct brk_actions {
	struct brk_action a[BRK_MAX_ACTIONS];
	int n;
};

/* The last round's outcome, for logs and status. */
struct brk_round_summary {
	uint64_t round;
	uint64_t number;   /* rounds run as master since start */
	struct brk_avg avg;
	int n_sampled;
	bool self_applied; /* the master moved its own clock by avg */
	int64_t adjusted_after; /* ns from the first POLL to the ADJUSTs */
	int64_t target;    /* where the clocks were brought: avg, 0 (NTP), or
			      avg held back by maxdrift */
	int64_t acked_after; /* ns from the first POLL to the last ACK; 0 until all */
};

struct brk_counters {
	uint64_t drop[BRK_DROP_N];
	uint64_t polls_sent, replies, adjusts_sent, resends, acks, applied;
	uint64_t rounds, elections, stepdowns;
	uint64_t challenges; /* POLLs of a master we do not (yet) follow, answered:
				followed only once its ADJUST proves it alive */
	uint64_t bounded;    /* rounds whose average maxdrift held back */
	uint64_t evicted;    /* silent or unacknowledging members dropped to make
				room for a new one */
};

struct brk_node {
	struct brk_params p;
	uint64_t id;
	uint64_t seq;              /* our last message counter */
	enum brk_state state;
	/* As slave: whom we follow and what we answered. */
	uint64_t master;           /* 0: none */
	struct brk_addr master_addr;
	uint8_t master_priority;
	int64_t last_poll;         /* monotonic ns of the last proof that our
				      master is alive (its ADJUST echoing our nonce) */
	int64_t elect_at;          /* monotonic ns at which an election ends */
	uint64_t answered;         /* round id of the last POLL answered */
	bool applied;              /* ADJUST of `answered` applied */
	int64_t applied_adjust;
	int64_t last_applied;      /* last adjustment applied to our clock */
	struct brk_master_seen seen[BRK_MAX_MASTERS];
	/* As master: the round in progress. */
	uint64_t round;
	int64_t round_start;       /* monotonic ns */
	int polls_done;
	int64_t poll_t0[BRK_POLLS];
	int64_t first_poll;        /* monotonic ns of the round's first POLL */
	int64_t last_average;      /* monotonic ns of the last average; 0: none */
	int n_pending;             /* the round's ADJUSTs not yet acknowledged */
	bool adjusted;             /* the round's ADJUSTs went out */
	struct brk_member member[BRK_MAX_MEMBERS];
	int n_members;
	bool ntp_synced;           /* an NTP source steers our clock: never apply avg */
	/* What our clock still has to slew, at the event's arrival and now
	 * (brk_node_set_pending): readings are of the clock's destination. */
	int64_t pend_rx, pend_now;
	int64_t poll_pend[BRK_POLLS]; /* pend_now at each POLL's t0 */
	int64_t poll_mono[BRK_POLLS]; /* monotonic ns of each POLL */
	/* Frequency learnt from successive adjustments (brk_node_set_freq). */
	double freq_ppm;           /* the correction in force */
	int64_t freq_last;         /* monotonic ns of the reading behind the last
				      adjustment */
	int64_t freq_lag;          /* ns from that reading to the adjustment */
	bool freq_have;            /* freq_last is set */
	int freq_n;                /* estimates taken */
	double freq_step;          /* the change made at the last adjustment, ppm */
	struct brk_round_summary last;
	struct brk_counters count;
};

/* Start as the role says: a master polls at once, others listen. */
void brk_node_init(struct brk_node *nd, const struct brk_params *p, uint64_t id, int64_t mono);
/* A decoded message whose MAC was verified, from `from`; rx is its arrival
 * on our clock, now our clock's time, mono the monotonic time. */
void brk_node_recv(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *from,
		   bool via_group, int64_t rx, int64_t now, int64_t mono, uint64_t rand,
		   struct brk_actions *out);
/* Run what is due at mono (call it at brk_node_next_wake); now is our
 * clock's time, rand a fresh random number (round ids, election delays). */
void brk_node_timer(struct brk_node *nd, int64_t now, int64_t mono, uint64_t rand,
		    struct brk_actions *out);
/* Monotonic ns at which brk_node_timer must run next. */
int64_t brk_node_next_wake(const struct brk_node *nd);
/* The hook for an NTP client on the master: while synced, the master's
 * clock follows NTP alone and is the group's reference: every slave is
 * brought to it (adjustment = -offset), the average is only reported. */
void brk_node_set_ntp_synced(struct brk_node *nd, bool synced);
/* What the clock still has to slew (ns, signed) at the next event's
 * arrival (rx) and now; 0 and 0 for a clock that does not slew. A REPLY
 * carries them, so that the master reads where the slave's clock is
 * going, not where it is; a master adds its own likewise. */
void brk_node_set_pending(struct brk_node *nd, int64_t at_rx, int64_t at_now);
/* The clock's frequency correction in force (ppm) when the node starts,
 * from which it learns. */
void brk_node_set_freq(struct brk_node *nd, double ppm);
/* The frequency learnt from an adjustment of our clock by adjust (ns) at
 * mono, made of a reading taken at read (monotonic ns), the last one's at
 * nd->freq_last: the clock ran adjust/dt off the group, dt between the
 * readings; the first estimate is taken whole, later ones by half (the
 * APPLY then adds the change times mono - read, what the old frequency
 * drifted since the reading). false
 * (and nothing learnt) when off, following NTP, without a previous
 * adjustment, after a step, for an interval of less than half or more
 * than three rounds, or an estimate beyond BRK_FREQ_MAX. */
bool brk_learn_freq(struct brk_node *nd, int64_t adjust, bool stepped, int64_t read,
		    int64_t mono);
/* The most of a correction a member slews (the rest is stepped), for
 * rounds of `interval` ns, `berkeley step` and maxslew: what maxslew
 * slews in half an interval, when a slew of that (CLK_SLEW_MIN_NS at
 * least) ends a quarter of an interval before the next round's ADJUST;
 * in shorter rounds a slew still runs when the next ADJUST comes, so
 * that timer lateness times its rate would be left in flight: then only
 * what BRK_SLEW_SHORT_PPM slews in CLK_SLEW_MIN_NS (1 ms). At most step. */
int64_t brk_slew_max(int64_t interval, int64_t step, double maxslew_ppm);
/* A correction as applied: what is still being slewed plus adjust, of
 * which at most slew_max (>= 0) is slewed and the rest stepped. */
void brk_split(int64_t pending, int64_t adjust, int64_t slew_max, int64_t *step, int64_t *slew);
/* Whether a is a better master than b: higher priority, then lower id. */
bool brk_better_master(uint8_t prio_a, uint64_t id_a, uint8_t prio_b, uint64_t id_b);

const char *brk_drop_name(enum brk_drop d);
const char *brk_state_name(enum brk_state s);
const char *brk_role_name(enum brk_role r);
const char *brk_member_state_name(enum brk_member_state s);

#endif
