/*
 * A Berkeley group member as a pure state machine: the master's rounds
 * (polls, minimum-delay readings, the fault-tolerant average, ADJUSTs
 * resent with backoff, missed rounds), the slave's answers and its
 * once-only adjustments, replay counters and the election.
 */
#include "tsync/brk_node.h"
#include "tsync/clock.h"

#include <string.h>
#include <sys/socket.h>

/* Timestamps past this (the year 2116) are refused: their differences
 * then cannot overflow. */
#define TS_LIMIT ((int64_t)1 << 62)

bool brk_better_master(uint8_t prio_a, uint64_t id_a, uint8_t prio_b, uint64_t id_b)
{
	if (prio_a != prio_b)
		return prio_a > prio_b;
	return id_a < id_b;
}

static bool addr_same(const struct brk_addr *a, const struct brk_addr *b)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, n) == 0;
}

static struct brk_action *push(struct brk_actions *out, enum brk_action_kind kind)
{
	/* BRK_MAX_ACTIONS covers a round's worst case; past it is a bug. */
	if (out->n == BRK_MAX_ACTIONS)
		return NULL;
	struct brk_action *a = &out->a[out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static struct brk_action *send_msg(struct brk_node *nd, struct brk_actions *out, uint8_t type,
				   uint64_t round)
{
	struct brk_action *a = push(out, BRK_ACT_SEND);
	if (a == NULL)
		return NULL;
	a->msg = (struct brk_msg){
		.type = type, .priority = nd->p.priority, .key_id = nd->p.key_id,
		.group = nd->p.group_id, .node = nd->id, .seq = ++nd->seq, .round = round,
	};
	return a;
}

static void set_state(struct brk_node *nd, enum brk_state st, struct brk_actions *out)
{
	nd->state = st;
	push(out, BRK_ACT_STATE);
}

/* No round in progress; a master's first is due at mono. */
static void no_round(struct brk_node *nd, int64_t mono)
{
	nd->round_start = mono - nd->p.interval;
	nd->polls_done = BRK_POLLS;
	nd->adjusted = true;
}

void brk_node_init(struct brk_node *nd, const struct brk_params *p, uint64_t id, int64_t mono)
{
	memset(nd, 0, sizeof(*nd));
	nd->p = *p;
	nd->id = id;
	nd->seq = p->seq_start;
	nd->last_poll = mono;
	nd->state = p->role == BRK_ROLE_MASTER ? BRK_ST_MASTER : BRK_ST_SLAVE;
	no_round(nd, mono);
}

void brk_node_set_ntp_synced(struct brk_node *nd, bool synced)
{
	nd->ntp_synced = synced;
}

void brk_node_set_pending(struct brk_node *nd, int64_t at_rx, int64_t at_now)
{
	nd->pend_rx = at_rx;
	nd->pend_now = at_now;
}

void brk_split(int64_t pending, int64_t adjust, int64_t slew_max, int64_t *step, int64_t *slew)
{
	/* Both are below 2^62 (timestamps are range-checked), so is their sum. */
	int64_t total = pending + adjust;
	*slew = total > slew_max ? slew_max : total < -slew_max ? -slew_max : total;
	*step = total - *slew;
}

int64_t brk_slew_max(int64_t interval, int64_t step, double maxslew_ppm)
{
	double ns = interval - interval / 4 >= CLK_SLEW_MIN_NS
			    ? maxslew_ppm * 1e-6 * (double)(interval / 2)
			    : BRK_SLEW_SHORT_PPM * 1e-6 * (double)CLK_SLEW_MIN_NS;
	int64_t m = (int64_t)ns;
	return m < step ? m : step;
}

void brk_node_set_freq(struct brk_node *nd, double ppm)
{
	nd->freq_ppm = ppm;
}

static double clamp_ppm(double ppm)
{
	return ppm > BRK_FREQ_MAX ? BRK_FREQ_MAX : ppm < -BRK_FREQ_MAX ? -BRK_FREQ_MAX : ppm;
}

bool brk_learn_freq(struct brk_node *nd, int64_t adjust, bool stepped, int64_t read,
		    int64_t mono)
{
	int64_t dt = read - nd->freq_last;
	bool had = nd->freq_have;
	nd->freq_last = read;
	nd->freq_lag = mono - read;
	nd->freq_have = true;
	nd->freq_step = 0;
	if (!nd->p.freq || nd->ntp_synced || !had || stepped || dt < nd->p.interval / 2 ||
	    dt > 3 * nd->p.interval)
		return false;
	/* Readings are of destinations, so an adjustment is what the clock
	 * drifted from the group between two readings. */
	double ppm = (double)adjust / (double)dt * 1e6;
	if (ppm > BRK_FREQ_MAX || ppm < -BRK_FREQ_MAX)
		return false;
	double was = nd->freq_ppm;
	nd->freq_ppm = clamp_ppm(nd->freq_ppm + (nd->freq_n == 0 ? ppm : ppm / 2));
	nd->freq_step = nd->freq_ppm - was;
	nd->freq_n++;
	return true;
}

/* What the old frequency drifted between the reading and the adjustment
 * that changes it (about 3I/10): the adjustment made of that reading does
 * not hold it, so it is added when the frequency changes. */
static int64_t freq_lag_fix(const struct brk_node *nd)
{
	return (int64_t)(nd->freq_step * (double)nd->freq_lag / 1e6);
}

/* The APPLY of adjust to our clock, with what it is still slewing, and
 * the frequency it teaches. */
static void push_apply(struct brk_node *nd, int64_t adjust, uint64_t from, int64_t read,
		       int64_t mono, struct brk_actions *out)
{
	struct brk_action *a = push(out, BRK_ACT_APPLY);
	if (a == NULL)
		return;
	a->adjust = adjust;
	int64_t st, sl;
	brk_split(nd->pend_now, adjust, nd->p.step, &st, &sl);
	a->set_freq = brk_learn_freq(nd, adjust, st != 0, read, mono);
	a->freq_ppm = nd->freq_ppm;
	brk_split(nd->pend_now, adjust + (a->set_freq ? freq_lag_fix(nd) : 0), nd->p.step,
		  &a->step_ns, &a->slew_ns);
	a->step = a->step_ns != 0;
	a->node_id = from;
}

/* ---------------------------------------------------------------- slave */

/* The replay check for a master's message, remembering its counter; the
 * master's slot, or NULL for a replay. A new master takes a free slot or
 * the least recently heard one, never the one we follow: recorded POLLs
 * of many masters cannot push it out. */
static struct brk_master_seen *master_fresh(struct brk_node *nd, const struct brk_msg *m,
					    int64_t mono)
{
	struct brk_master_seen *slot = NULL;
	for (int i = 0; i < BRK_MAX_MASTERS; i++) {
		struct brk_master_seen *s = &nd->seen[i];
		if (s->node == m->node) {
			if (m->seq <= s->last_seq)
				return NULL;
			s->last_seq = m->seq;
			s->heard = mono;
			return s;
		}
		if (s->node != 0 && s->node == nd->master)
			continue;
		if (slot == NULL || s->node == 0 || (slot->node != 0 && s->heard < slot->heard))
			slot = s;
	}
	*slot = (struct brk_master_seen){ .node = m->node, .last_seq = m->seq, .heard = mono };
	return slot;
}

static bool master_silent(const struct brk_node *nd, int64_t mono)
{
	return nd->master == 0 || mono - nd->last_poll > nd->p.election * nd->p.interval;
}

/* Whether a POLL from m->node may be answered: from our master, or from a
 * better one than ours (than us, as master), or any while ours is silent. */
static bool may_answer(const struct brk_node *nd, uint8_t prio, uint64_t node, int64_t mono)
{
	if (nd->state == BRK_ST_MASTER)
		return brk_better_master(prio, node, nd->p.priority, nd->id);
	return node == nd->master || master_silent(nd, mono) ||
	       brk_better_master(prio, node, nd->master_priority, nd->master);
}

static void recv_poll(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *from,
		      struct brk_master_seen *slot, int64_t rx, int64_t now, int64_t mono,
		      uint64_t rand, struct brk_actions *out)
{
	if (!may_answer(nd, m->priority, m->node, mono)) {
		nd->count.drop[BRK_DROP_NOT_MASTER]++;
		return;
	}
	bool ours = nd->state == BRK_ST_SLAVE && m->node == nd->master;
	if (!ours) {
		/* Answered, not followed: a recording gets no further. While
		 * electing, wait an interval for its proof. */
		nd->count.challenges++;
		if (nd->state == BRK_ST_ELECTING && nd->elect_at < mono + nd->p.interval)
			nd->elect_at = mono + nd->p.interval;
	} else {
		nd->master_addr = *from;
		nd->answered = m->round;
	}
	slot->addr = *from;
	slot->priority = m->priority;
	if (m->round != slot->round) {
		slot->round = m->round;
		slot->nonce = rand != 0 ? rand : 1;
		slot->applied = false;
		slot->n_polls = 0;
	}
	if (slot->n_polls < BRK_POLLS) {
		slot->poll_t0[slot->n_polls] = m->t0;
		slot->poll_mono[slot->n_polls++] = mono;
	}
	struct brk_action *a = send_msg(nd, out, BRK_REPLY, m->round);
	if (a == NULL)
		return;
	a->to = *from;
	a->msg.to = m->node;
	a->msg.nonce = slot->nonce;
	a->msg.t0 = m->t0;
	a->msg.t1 = rx;
	a->msg.t2 = now;
	a->msg.p1 = nd->pend_rx;
	a->msg.p2 = nd->pend_now;
}

static void send_ack(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *to,
		     struct brk_actions *out)
{
	struct brk_action *a = send_msg(nd, out, BRK_ACK, m->round);
	if (a != NULL) {
		a->to = *to;
		a->msg.to = m->node;
		a->msg.nonce = m->nonce;
		a->msg.adjust = m->adjust;
	}
}

/* A master proved alive by its ADJUST: follow it, stepping down if we lead. */
static void take_master(struct brk_node *nd, const struct brk_msg *m,
			const struct brk_master_seen *slot, struct brk_actions *out)
{
	if (nd->state == BRK_ST_MASTER) {
		nd->count.stepdowns++;
		nd->n_members = 0;
		nd->n_pending = 0;
	}
	nd->master = m->node;
	nd->master_priority = slot->priority;
	if (nd->state != BRK_ST_SLAVE)
		set_state(nd, BRK_ST_SLAVE, out);
}

/* When we answered the POLL whose reading an ADJUST comes from; unknown:
 * 3I/10 before now, the middle of the polls. */
static int64_t reading_mono(const struct brk_node *nd, const struct brk_master_seen *slot,
			    int64_t t0, int64_t mono)
{
	for (int i = 0; i < slot->n_polls; i++)
		if (slot->poll_t0[i] == t0)
			return slot->poll_mono[i];
	return mono - 3 * (nd->p.interval / 10);
}

static bool adjust_fresh(const struct brk_master_seen *slot, const struct brk_msg *m,
			 const struct brk_addr *from)
{
	return slot->round != 0 && m->round == slot->round && m->nonce == slot->nonce &&
	       addr_same(from, &slot->addr);
}

static void recv_adjust(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *from,
			struct brk_master_seen *slot, int64_t mono, struct brk_actions *out)
{
	if (!adjust_fresh(slot, m, from)) {
		nd->count.drop[BRK_DROP_STALE]++;
		return;
	}
	if (slot->applied) {
		if (m->adjust != slot->applied_adjust) {
			nd->count.drop[BRK_DROP_WRONG_ROUND]++;
			return;
		}
		/* Our ACK was lost: acknowledge again, never apply twice. */
		nd->count.drop[BRK_DROP_DUPLICATE]++;
		send_ack(nd, m, from, out);
		return;
	}
	if (m->node != nd->master || nd->state != BRK_ST_SLAVE) {
		/* A live master, but no better than the live one we follow. */
		if (nd->state == BRK_ST_SLAVE && !may_answer(nd, slot->priority, m->node, mono)) {
			nd->count.drop[BRK_DROP_NOT_MASTER]++;
			return;
		}
		take_master(nd, m, slot, out);
	}
	nd->last_poll = mono;
	nd->master_addr = *from;
	nd->answered = m->round;
	nd->applied = true;
	nd->applied_adjust = m->adjust;
	slot->applied = true;
	slot->applied_adjust = m->adjust;
	nd->last_applied = m->adjust;
	nd->count.applied++;
	push_apply(nd, m->adjust, m->node, reading_mono(nd, slot, m->t0, mono), mono, out);
	if (out->n > 0 && out->a[out->n - 1].kind == BRK_ACT_APPLY)
		out->a[out->n - 1].msg = *m;
	send_ack(nd, m, from, out);
}

/* --------------------------------------------------------------- master */

static struct brk_member *find_member(struct brk_node *nd, uint64_t node)
{
	for (int i = 0; i < nd->n_members; i++)
		if (nd->member[i].node == node)
			return &nd->member[i];
	return NULL;
}

static struct brk_member *member_at(struct brk_node *nd, const struct brk_addr *a)
{
	for (int i = 0; i < nd->n_members; i++)
		if (addr_same(&nd->member[i].addr, a))
			return &nd->member[i];
	return NULL;
}

/* Room for a new member when full: the one that missed the most rounds
 * in a row, else one that never acknowledged its last ADJUST; NULL when
 * every member answers and acknowledges. */
static struct brk_member *evictable(struct brk_node *nd)
{
	struct brk_member *v = NULL;
	for (int i = 0; i < nd->n_members; i++) {
		struct brk_member *mb = &nd->member[i];
		if (mb->state == BRK_MB_SAMPLED)
			continue;
		if (mb->missed > 0 && (v == NULL || mb->missed > v->missed))
			v = mb;
		else if (v == NULL && mb->state == BRK_MB_UNACKED)
			v = mb;
	}
	return v;
}

/* A new member from `from`: one node id per address and port (a member
 * that restarted there replaces its old id, unless that one answered this
 * round); a full membership makes room by evicting a silent member. */
static struct brk_member *add_member(struct brk_node *nd, uint64_t node,
				     const struct brk_addr *from, enum brk_drop *why)
{
	struct brk_member *mb = member_at(nd, from);
	if (mb != NULL && mb->state == BRK_MB_SAMPLED) {
		*why = BRK_DROP_ADDRESS;
		return NULL;
	}
	if (mb == NULL && nd->n_members == BRK_MAX_MEMBERS) {
		if ((mb = evictable(nd)) == NULL) {
			*why = BRK_DROP_FULL;
			return NULL;
		}
		nd->count.evicted++;
	}
	if (mb != NULL && mb->state == BRK_MB_PENDING)
		nd->n_pending--; /* cannot happen in the REPLY phase; kept exact */
	if (mb == NULL)
		mb = &nd->member[nd->n_members++];
	*mb = (struct brk_member){ .node = node, .addr = *from, .resend_at = BRK_NEVER };
	return mb;
}

/* Which of the round's POLLs sent t0; -1: none. */
static int t0_of_round(const struct brk_node *nd, int64_t t0)
{
	for (int i = 0; i < nd->polls_done; i++)
		if (nd->poll_t0[i] == t0)
			return i;
	return -1;
}

static bool in_range(int64_t t)
{
	return t >= 0 && t < TS_LIMIT;
}

static bool pend_in_range(int64_t p)
{
	return p > -TS_LIMIT && p < TS_LIMIT;
}

/* Which check a REPLY fails, or BRK_DROP_N when it is good. */
static enum brk_drop reply_check(const struct brk_node *nd, const struct brk_member *mb,
				 const struct brk_msg *m, int64_t rx)
{
	if (mb != NULL && m->seq <= mb->last_seq)
		return BRK_DROP_REPLAY;
	if (m->round != nd->round || nd->adjusted || t0_of_round(nd, m->t0) < 0)
		return BRK_DROP_WRONG_ROUND;
	if (!in_range(m->t1) || !in_range(m->t2) || !in_range(rx) ||
	    !pend_in_range(m->p1) || !pend_in_range(m->p2))
		return BRK_DROP_RANGE;
	return BRK_DROP_N;
}

static void recv_reply(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *from,
		       int64_t rx)
{
	struct brk_member *mb = find_member(nd, m->node);
	enum brk_drop why = reply_check(nd, mb, m, rx);
	if (why == BRK_DROP_N && mb == NULL)
		mb = add_member(nd, m->node, from, &why);
	if (why != BRK_DROP_N) {
		nd->count.drop[why]++;
		return;
	}
	mb->last_seq = m->seq;
	mb->addr = *from;
	mb->nonce = m->nonce;
	int64_t rtt = (rx - m->t0) - (m->t2 - m->t1);
	if (rtt < 0 || rtt > nd->p.maxrtt) {
		nd->count.drop[BRK_DROP_RTT]++;
		return;
	}
	nd->count.replies++;
	if (mb->state == BRK_MB_SAMPLED && rtt >= mb->rtt)
		return;
	mb->state = BRK_MB_SAMPLED;
	mb->rtt = rtt;
	mb->read_poll = t0_of_round(nd, m->t0);
	/* Between destinations: each clock's reading plus what it still has
	 * to slew then, so that a correction under way is not made twice. */
	int64_t p0 = nd->poll_pend[t0_of_round(nd, m->t0)];
	mb->offset = (((m->t1 + m->p1) - (m->t0 + p0)) + ((m->t2 + m->p2) - (rx + nd->pend_rx))) / 2;
}

static void recv_ack(struct brk_node *nd, const struct brk_msg *m, int64_t mono,
		     struct brk_actions *out)
{
	struct brk_member *mb = find_member(nd, m->node);
	if (mb == NULL || m->round != nd->round) {
		nd->count.drop[BRK_DROP_WRONG_ROUND]++;
		return;
	}
	if (m->seq <= mb->last_seq) {
		nd->count.drop[BRK_DROP_REPLAY]++;
		return;
	}
	mb->last_seq = m->seq;
	if (m->adjust != mb->adjust ||
	    (mb->state != BRK_MB_PENDING && mb->state != BRK_MB_ACKED)) {
		nd->count.drop[BRK_DROP_WRONG_ROUND]++;
		return;
	}
	if (mb->state == BRK_MB_ACKED) {
		nd->count.drop[BRK_DROP_DUPLICATE]++; /* the ACK of a resend */
		return;
	}
	mb->state = BRK_MB_ACKED;
	mb->resend_at = BRK_NEVER;
	nd->count.acks++;
	/* A count, not a scan of the members: a round has up to BRK_MAX_MEMBERS ACKs. */
	if (--nd->n_pending == 0) {
		nd->last.acked_after = mono - nd->first_poll;
		push(out, BRK_ACT_ALL_ACKED);
	}
}

void brk_node_recv(struct brk_node *nd, const struct brk_msg *m, const struct brk_addr *from,
		   bool via_group, int64_t rx, int64_t now, int64_t mono, uint64_t rand,
		   struct brk_actions *out)
{
	out->n = 0;
	if (m->node == nd->id)
		return; /* our own POLL, looped back by the group */
	if (m->node == 0) {
		nd->count.drop[BRK_DROP_UNEXPECTED]++; /* 0 means "no node" here */
		return;
	}
	if (m->group != nd->p.group_id) {
		nd->count.drop[BRK_DROP_GROUP]++;
		return;
	}
	if (m->type == BRK_POLL ? m->to != 0 : m->to != nd->id) {
		nd->count.drop[BRK_DROP_RECIPIENT]++;
		return;
	}
	bool from_master = m->type == BRK_POLL || m->type == BRK_ADJUST;
	bool for_master = m->type == BRK_REPLY || m->type == BRK_ACK;
	/* POLLs come only through the group, the rest only unicast. */
	if (via_group != (m->type == BRK_POLL) || (for_master && nd->state != BRK_ST_MASTER)) {
		nd->count.drop[BRK_DROP_UNEXPECTED]++;
		return;
	}
	struct brk_master_seen *slot = NULL;
	if (from_master && (slot = master_fresh(nd, m, mono)) == NULL) {
		nd->count.drop[BRK_DROP_REPLAY]++;
		return;
	}
	switch (m->type) {
	case BRK_POLL: recv_poll(nd, m, from, slot, rx, now, mono, rand, out); break;
	case BRK_ADJUST: recv_adjust(nd, m, from, slot, mono, out); break;
	case BRK_REPLY: recv_reply(nd, m, from, rx); break;
	case BRK_ACK: recv_ack(nd, m, mono, out); break;
	default: nd->count.drop[BRK_DROP_UNEXPECTED]++; break;
	}
}

/* ---------------------------------------------------------- master timer */

static int64_t poll_due(const struct brk_node *nd, int k)
{
	return nd->round_start + k * (nd->p.interval / 10);
}

static int64_t adjust_due(const struct brk_node *nd)
{
	return nd->round_start + 4 * (nd->p.interval / 10);
}

static void begin_round(struct brk_node *nd, int64_t mono, uint64_t rand, struct brk_actions *out)
{
	/* Keep the cadence, unless we fell more than a round behind. */
	int64_t next = nd->round_start + nd->p.interval;
	nd->round_start = mono - next < nd->p.interval ? next : mono;
	nd->round = rand != 0 ? rand : 1;
	nd->polls_done = 0;
	nd->adjusted = false;
	nd->n_pending = 0;
	for (int i = 0; i < nd->n_members; i++) {
		struct brk_member *mb = &nd->member[i];
		if (mb->state == BRK_MB_PENDING) {
			mb->state = BRK_MB_UNACKED;
			struct brk_action *a = push(out, BRK_ACT_GAVE_UP);
			if (a != NULL)
				a->node_id = mb->node;
		}
		if (mb->state != BRK_MB_UNACKED)
			mb->state = BRK_MB_IDLE;
		mb->resend_at = BRK_NEVER;
	}
}

static void send_poll(struct brk_node *nd, int64_t now, int64_t mono, struct brk_actions *out)
{
	struct brk_action *a = send_msg(nd, out, BRK_POLL, nd->round);
	if (a == NULL)
		return;
	if (nd->polls_done == 0)
		nd->first_poll = mono;
	a->to_group = true;
	a->msg.t0 = now;
	a->msg.interval_ms = (uint32_t)(nd->p.interval / 1000000);
	nd->poll_pend[nd->polls_done] = nd->pend_now;
	nd->poll_mono[nd->polls_done] = mono;
	nd->poll_t0[nd->polls_done++] = now;
	nd->count.polls_sent++;
}

static void send_adjust(struct brk_node *nd, struct brk_member *mb, struct brk_actions *out)
{
	struct brk_action *a = send_msg(nd, out, BRK_ADJUST, nd->round);
	if (a != NULL) {
		a->to = mb->addr;
		a->msg.to = mb->node;
		a->msg.nonce = mb->nonce;
		a->msg.adjust = mb->adjust;
		a->msg.t0 = nd->poll_t0[mb->read_poll];
	}
}

/* Members without a reading this round: one more miss, and out at the limit. */
static void count_misses(struct brk_node *nd, struct brk_actions *out)
{
	int kept = 0;
	for (int i = 0; i < nd->n_members; i++) {
		struct brk_member *mb = &nd->member[i];
		if (mb->state != BRK_MB_SAMPLED) {
			mb->state = BRK_MB_MISSED;
			mb->in_set = false;
			if (++mb->missed >= nd->p.misses) {
				struct brk_action *a = push(out, BRK_ACT_DROPPED);
				if (a != NULL)
					a->node_id = mb->node;
				continue;
			}
		} else {
			mb->missed = 0;
		}
		nd->member[kept++] = *mb;
	}
	nd->n_members = kept;
}

/* The average, held to maxdrift since the last one: a free-running
 * group moves no faster, whatever a member within the tolerance says. The
 * first average of a master (the group not yet together) is not held. */
static int64_t bounded_target(struct brk_node *nd, int64_t avg, int64_t mono)
{
	int64_t since = nd->last_average;
	nd->last_average = mono;
	if (nd->p.maxdrift_ppm <= 0 || since == 0)
		return avg;
	double lim = nd->p.maxdrift_ppm * (double)(mono - since) / 1e6;
	if ((double)avg > lim || (double)avg < -lim) {
		nd->count.bounded++;
		return avg > 0 ? (int64_t)lim : -(int64_t)lim;
	}
	return avg;
}

/* When the master's reading of the group was taken: the mean time of the
 * POLLs whose readings made the average. */
static int64_t master_reading(const struct brk_node *nd, struct brk_member *const *sampled, int n,
			      int64_t mono)
{
	int64_t sum = 0;
	if (n == 0)
		return mono - 3 * (nd->p.interval / 10);
	for (int i = 0; i < n; i++)
		sum += nd->poll_mono[sampled[i]->read_poll] - nd->first_poll;
	return nd->first_poll + sum / n;
}

static void take_average(struct brk_node *nd, int64_t mono, struct brk_actions *out)
{
	int64_t off[BRK_MAX_MEMBERS] = { 0 };
	bool in[BRK_MAX_MEMBERS];
	struct brk_member *sampled[BRK_MAX_MEMBERS];
	struct brk_avg avg;
	int n = 0;
	nd->adjusted = true;
	count_misses(nd, out);
	for (int i = 0; i < nd->n_members; i++)
		if (nd->member[i].state == BRK_MB_SAMPLED) {
			sampled[n] = &nd->member[i];
			off[n++] = nd->member[i].offset;
		}
	if (brk_ft_average(off, (size_t)n, nd->p.tolerance, in, &avg) < 0)
		return; /* offsets were range-checked on receipt: cannot happen */
	/* A master that follows NTP is the group's reference: the slaves come
	 * to its clock, however many of them agree elsewhere. */
	int64_t target = nd->ntp_synced ? 0 : bounded_target(nd, avg.avg, mono);
	for (int i = 0; i < n; i++) {
		struct brk_member *mb = sampled[i];
		mb->in_set = in[i];
		mb->adjust = target - mb->offset; /* a slave ahead gets a negative one */
		mb->state = BRK_MB_PENDING;
		mb->resends = 0;
		mb->resend_at = mono + nd->p.interval / 20;
		send_adjust(nd, mb, out);
		nd->count.adjusts_sent++;
	}
	nd->n_pending = n;
	nd->count.rounds++;
	nd->last = (struct brk_round_summary){
		.round = nd->round, .number = nd->count.rounds, .avg = avg,
		.n_sampled = n, .self_applied = !nd->ntp_synced && target != 0,
		.adjusted_after = mono - nd->first_poll, .target = target,
	};
	push(out, BRK_ACT_ROUND);
	if (nd->last.self_applied) {
		nd->last_applied = target;
		push_apply(nd, target, nd->id, master_reading(nd, sampled, n, mono), mono, out);
	}
}

static void resend_due(struct brk_node *nd, int64_t mono, struct brk_actions *out)
{
	for (int i = 0; i < nd->n_members; i++) {
		struct brk_member *mb = &nd->member[i];
		if (mb->state != BRK_MB_PENDING || mb->resend_at > mono)
			continue;
		if (mb->resends == BRK_RESENDS) {
			mb->resend_at = BRK_NEVER; /* given up on at the next round */
			continue;
		}
		mb->resends++;
		mb->resend_at = mono + (nd->p.interval / 20 << mb->resends);
		send_adjust(nd, mb, out);
		nd->count.resends++;
	}
}

static void master_timer(struct brk_node *nd, int64_t now, int64_t mono, uint64_t rand,
			 struct brk_actions *out)
{
	if (mono >= nd->round_start + nd->p.interval)
		begin_round(nd, mono, rand, out);
	if (nd->polls_done < BRK_POLLS && mono >= poll_due(nd, nd->polls_done))
		send_poll(nd, now, mono, out);
	if (!nd->adjusted && nd->polls_done == BRK_POLLS && mono >= adjust_due(nd))
		take_average(nd, mono, out);
	resend_due(nd, mono, out);
}

/* --------------------------------------------------------------- election */

static bool may_lead(const struct brk_node *nd)
{
	return nd->p.role == BRK_ROLE_MASTER || nd->p.role == BRK_ROLE_CANDIDATE;
}

static int64_t election_due(const struct brk_node *nd)
{
	return nd->last_poll + nd->p.election * nd->p.interval;
}

void brk_node_timer(struct brk_node *nd, int64_t now, int64_t mono, uint64_t rand,
		    struct brk_actions *out)
{
	out->n = 0;
	if (nd->state == BRK_ST_SLAVE && may_lead(nd) && mono >= election_due(nd)) {
		/* A random delay, so that candidates rarely claim at once;
		 * when they do, the worse one steps down on the other's POLL. */
		nd->elect_at = mono + (int64_t)(rand % (uint64_t)(nd->p.interval / 2 + 1));
		nd->count.elections++;
		set_state(nd, BRK_ST_ELECTING, out);
		return;
	}
	if (nd->state == BRK_ST_ELECTING && mono >= nd->elect_at) {
		nd->master = 0;
		nd->n_members = 0;
		nd->n_pending = 0;
		no_round(nd, mono);
		set_state(nd, BRK_ST_MASTER, out);
	}
	if (nd->state == BRK_ST_MASTER)
		master_timer(nd, now, mono, rand, out);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t brk_node_next_wake(const struct brk_node *nd)
{
	int64_t t = BRK_NEVER;
	switch (nd->state) {
	case BRK_ST_SLAVE:
		return may_lead(nd) ? election_due(nd) : BRK_NEVER;
	case BRK_ST_ELECTING:
		return nd->elect_at;
	case BRK_ST_MASTER:
		break;
	}
	t = nd->round_start + nd->p.interval;
	if (nd->polls_done < BRK_POLLS)
		t = min64(t, poll_due(nd, nd->polls_done));
	else if (!nd->adjusted)
		t = min64(t, adjust_due(nd));
	for (int i = 0; i < nd->n_members; i++)
		if (nd->member[i].state == BRK_MB_PENDING)
			t = min64(t, nd->member[i].resend_at);
	return t;
}

const char *brk_drop_name(enum brk_drop d)
{
	static const char *const names[] = {
		[BRK_DROP_REPLAY] = "replay", [BRK_DROP_NOT_MASTER] = "not_master",
		[BRK_DROP_WRONG_ROUND] = "wrong_round", [BRK_DROP_DUPLICATE] = "duplicate",
		[BRK_DROP_RTT] = "rtt", [BRK_DROP_UNEXPECTED] = "unexpected",
		[BRK_DROP_FULL] = "full", [BRK_DROP_RANGE] = "range", [BRK_DROP_GROUP] = "group",
		[BRK_DROP_RECIPIENT] = "recipient", [BRK_DROP_STALE] = "stale",
		[BRK_DROP_ADDRESS] = "address",
	};
	return d < BRK_DROP_N ? names[d] : "?";
}

const char *brk_state_name(enum brk_state s)
{
	switch (s) {
	case BRK_ST_SLAVE: return "slave";
	case BRK_ST_ELECTING: return "electing";
	case BRK_ST_MASTER: return "master";
	}
	return "?";
}

const char *brk_role_name(enum brk_role r)
{
	static const char *const names[] = { "none", "master", "slave", "candidate" };
	return r <= BRK_ROLE_CANDIDATE ? names[r] : "?";
}

const char *brk_member_state_name(enum brk_member_state s)
{
	static const char *const names[] = { "idle", "sampled", "pending", "acked", "unacked",
					     "missed" };
	return s <= BRK_MB_MISSED ? names[s] : "?";
}
