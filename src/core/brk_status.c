/*
 * The Berkeley snapshot: copied out of a brk_node, printed as text for
 * people and as JSON for programs. Pure; the control socket carries it.
 */
#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert(BRK_STATUS_WIRE_MAX <= CTL_REPLY_PAYLOAD_MAX,
	       "a full group's snapshot must fit the control socket's reply");

void brk_status_fill(const struct brk_node *nd, struct brk_status *st)
{
	bool master = nd->state == BRK_ST_MASTER;
	memset(st, 0, sizeof(*st));
	st->role = nd->p.role;
	st->state = nd->state;
	st->node = nd->id;
	st->priority = nd->p.priority;
	st->master = master ? nd->id : nd->master;
	if (!master && nd->master != 0)
		st->master_addr = nd->master_addr;
	st->round = master ? nd->round : nd->answered;
	st->rounds = nd->count.rounds;
	st->average = nd->last.avg.avg;
	st->n_in = nd->last.avg.n_in;
	st->last_applied = nd->last_applied;
	st->ntp_synced = nd->ntp_synced;
	st->count = nd->count;
	st->n_members = master ? nd->n_members : 0;
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_member *mb = &nd->member[i];
		st->member[i] = (struct brk_status_member){
			.node = mb->node, .addr = mb->addr, .offset = mb->offset, .rtt = mb->rtt,
			.adjust = mb->adjust, .state = mb->state, .in_set = mb->in_set,
			.missed = mb->missed,
		};
	}
}

char *brk_addr_format(const struct brk_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (a->family == AF_INET) {
		inet_ntop(AF_INET, a->addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, a->port);
	} else if (a->family == AF_INET6) {
		inet_ntop(AF_INET6, a->addr, host, sizeof(host));
		if (a->scope != 0)
			snprintf(buf, len, "[%s%%%u]:%u", host, a->scope, a->port);
		else
			snprintf(buf, len, "[%s]:%u", host, a->port);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

/* An appending printf that remembers running out of room. */
struct out {
	char *buf;
	size_t len, pos;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->full = true;
	else
		o->pos += (size_t)n;
}

static int done(const struct out *o)
{
	return o->full ? -ENOSPC : (int)o->pos;
}

/* ns as seconds with nine decimals, exactly; JSON has no '+'. */
static const char *secs_sign(char buf[32], int64_t ns, const char *plus)
{
	uint64_t m = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	snprintf(buf, 32, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : plus, m / 1000000000u,
		 m % 1000000000u);
	return buf;
}

static const char *secs(char buf[32], int64_t ns)
{
	return secs_sign(buf, ns, "+");
}

static const char *jsecs(char buf[32], int64_t ns)
{
	return secs_sign(buf, ns, "");
}

int brk_status_text(const struct brk_status *st, char *buf, size_t len)
{
	struct out o = { buf, len, 0, len == 0 };
	char a[BRK_ADDR_STRLEN], s1[32], s2[32], s3[32];
	put(&o, "role         %s, priority %u\n", brk_role_name(st->role), st->priority);
	put(&o, "state        %s\n", brk_state_name(st->state));
	put(&o, "node         %016" PRIx64 "\n", st->node);
	put(&o, "master       %016" PRIx64 " %s\n", st->master, brk_addr_format(&st->master_addr, a, sizeof(a)));
	put(&o, "round        %016" PRIx64 " (%" PRIu64 " run as master)\n", st->round, st->rounds);
	put(&o, "average      %s s of %d clocks\n", secs(s1, st->average), st->n_in);
	put(&o, "last applied %s s%s\n", secs(s1, st->last_applied),
	    st->ntp_synced ? " (clock follows NTP)" : "");
	put(&o, "members      %d%s\n", st->n_members, st->n_members == 0 ? "" :
	    " (offset: the master's clock minus the member's; adjust: added to the member's)");
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_status_member *m = &st->member[i];
		/* The text follows tsync(1)'s one sign convention, reference minus
		 * this clock: the member's reading (its clock minus the master's)
		 * negated. */
		put(&o, "  %016" PRIx64 " %-22s offset %s s rtt %s s adjust %s s %s%s missed %d\n",
		    m->node, brk_addr_format(&m->addr, a, sizeof(a)), secs(s1, -m->offset),
		    jsecs(s2, m->rtt), secs(s3, m->adjust), brk_member_state_name(m->state),
		    m->in_set ? "" : " (outside the set)", m->missed);
	}
	return done(&o);
}

static void json_counters(struct out *o, const struct brk_counters *c)
{
	put(o, "\"counters\":{\"polls_sent\":%" PRIu64 ",\"replies\":%" PRIu64
	    ",\"adjusts_sent\":%" PRIu64 ",\"resends\":%" PRIu64 ",\"acks\":%" PRIu64
	    ",\"applied\":%" PRIu64 ",\"rounds\":%" PRIu64 ",\"elections\":%" PRIu64
	    ",\"stepdowns\":%" PRIu64 ",\"challenges\":%" PRIu64 ",\"bounded\":%" PRIu64
	    ",\"evicted\":%" PRIu64, c->polls_sent, c->replies, c->adjusts_sent, c->resends,
	    c->acks, c->applied, c->rounds, c->elections, c->stepdowns, c->challenges,
	    c->bounded, c->evicted);
	for (int d = 0; d < BRK_DROP_N; d++)
		put(o, ",\"drop_%s\":%" PRIu64, brk_drop_name((enum brk_drop)d), c->drop[d]);
	put(o, "}");
}

int brk_status_json(const struct brk_status *st, char *buf, size_t len)
{
	struct out o = { buf, len, 0, len == 0 };
	char a[BRK_ADDR_STRLEN], s1[32], s2[32], s3[32];
	put(&o, "{\"role\":\"%s\",\"state\":\"%s\",\"priority\":%u,\"node\":\"%016" PRIx64
	    "\",\"master\":\"%016" PRIx64 "\",\"master_address\":\"%s\",\"round\":\"%016" PRIx64
	    "\",\"rounds\":%" PRIu64 ",\"average\":%s,\"n_in\":%d,\"last_applied\":%s,"
	    "\"ntp_synced\":%s,\"members\":[",
	    brk_role_name(st->role), brk_state_name(st->state), st->priority, st->node, st->master,
	    brk_addr_format(&st->master_addr, a, sizeof(a)), st->round, st->rounds,
	    jsecs(s1, st->average), st->n_in, jsecs(s2, st->last_applied),
	    st->ntp_synced ? "true" : "false");
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_status_member *m = &st->member[i];
		put(&o, "%s{\"node\":\"%016" PRIx64 "\",\"address\":\"%s\",\"offset\":%s,"
		    "\"rtt\":%s,\"adjust\":%s,\"state\":\"%s\",\"in_set\":%s,\"missed\":%d}",
		    i ? "," : "", m->node, brk_addr_format(&m->addr, a, sizeof(a)),
		    jsecs(s1, m->offset), jsecs(s2, m->rtt), jsecs(s3, m->adjust),
		    brk_member_state_name(m->state), m->in_set ? "true" : "false", m->missed);
	}
	put(&o, "],");
	json_counters(&o, &st->count);
	put(&o, "}\n");
	return done(&o);
}

/* ------------------------------------------------------- on the wire */

/* A cursor over a buffer that remembers running past its end. */
struct wire {
	uint8_t *w;       /* writing; NULL when reading */
	const uint8_t *r; /* reading */
	size_t len, pos;
	bool bad;
};

static void w_uint(struct wire *c, uint64_t v, int bytes)
{
	if (c->pos + (size_t)bytes > c->len) {
		c->bad = true;
		return;
	}
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		c->w[c->pos + (size_t)i] = (uint8_t)v;
	c->pos += (size_t)bytes;
}

static uint64_t r_uint(struct wire *c, int bytes)
{
	uint64_t v = 0;
	if (c->pos + (size_t)bytes > c->len) {
		c->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | c->r[c->pos + (size_t)i];
	c->pos += (size_t)bytes;
	return v;
}

/* An address: family (0, 4 or 6), a zero byte, port, scope, 16 bytes;
 * no address (family 0) is 24 zero bytes, both ways, so that a snapshot
 * has one form on the wire. */
static void w_addr(struct wire *c, const struct brk_addr *a)
{
	int fam = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 6 : 0;
	w_uint(c, (uint64_t)fam, 1);
	w_uint(c, 0, 1);
	w_uint(c, fam ? a->port : 0, 2);
	w_uint(c, fam ? a->scope : 0, 4);
	for (int i = 0; i < 16; i++)
		w_uint(c, fam ? a->addr[i] : 0, 1);
}

static void r_addr(struct wire *c, struct brk_addr *a)
{
	uint64_t fam = r_uint(c, 1), any = r_uint(c, 1);
	c->bad |= any != 0 || (fam != 0 && fam != 4 && fam != 6);
	a->family = fam == 4 ? AF_INET : fam == 6 ? AF_INET6 : 0;
	a->port = (uint16_t)r_uint(c, 2);
	a->scope = (uint32_t)r_uint(c, 4);
	any = a->port | a->scope;
	for (int i = 0; i < 16; i++)
		any |= a->addr[i] = (uint8_t)r_uint(c, 1);
	c->bad |= fam == 0 && any != 0;
}

static uint64_t *counter(struct brk_counters *k, int i)
{
	uint64_t *rest[] = { &k->polls_sent, &k->replies, &k->adjusts_sent, &k->resends,
			     &k->acks, &k->applied, &k->rounds, &k->elections, &k->stepdowns,
			     &k->challenges, &k->bounded, &k->evicted };
	return i < BRK_DROP_N ? &k->drop[i] : rest[i - BRK_DROP_N];
}

#define N_COUNTERS (BRK_DROP_N + 12)

static void w_member(struct wire *c, const struct brk_status_member *m)
{
	w_uint(c, m->node, 8);
	w_addr(c, &m->addr);
	w_uint(c, (uint64_t)m->offset, 8);
	w_uint(c, (uint64_t)m->rtt, 8);
	w_uint(c, (uint64_t)m->adjust, 8);
	w_uint(c, m->state, 1);
	w_uint(c, m->in_set, 1);
	w_uint(c, (uint64_t)m->missed, 2);
}

static void r_member(struct wire *c, struct brk_status_member *m)
{
	m->node = r_uint(c, 8);
	r_addr(c, &m->addr);
	m->offset = (int64_t)r_uint(c, 8);
	m->rtt = (int64_t)r_uint(c, 8);
	m->adjust = (int64_t)r_uint(c, 8);
	uint64_t state = r_uint(c, 1), in = r_uint(c, 1);
	c->bad |= state > BRK_MB_MISSED || in > 1;
	m->state = (enum brk_member_state)state;
	m->in_set = in == 1;
	m->missed = (int)r_uint(c, 2);
}

int brk_status_encode(const struct brk_status *st, uint8_t *out, size_t cap)
{
	struct brk_counters k = st->count;
	struct wire c = { .w = out, .len = cap };
	w_uint(&c, st->role, 1);
	w_uint(&c, st->state, 1);
	w_uint(&c, st->priority, 1);
	w_uint(&c, st->ntp_synced ? 1 : 0, 1);
	w_uint(&c, st->node, 8);
	w_uint(&c, st->master, 8);
	w_addr(&c, &st->master_addr);
	w_uint(&c, st->round, 8);
	w_uint(&c, st->rounds, 8);
	w_uint(&c, (uint64_t)st->average, 8);
	w_uint(&c, (uint64_t)st->last_applied, 8);
	w_uint(&c, (uint64_t)st->n_in, 2);
	w_uint(&c, (uint64_t)st->n_members, 2);
	for (int i = 0; i < N_COUNTERS; i++)
		w_uint(&c, *counter(&k, i), 8);
	for (int i = 0; i < st->n_members && i < BRK_MAX_MEMBERS; i++)
		w_member(&c, &st->member[i]);
	return c.bad ? -ENOSPC : (int)c.pos;
}

int brk_status_decode(const uint8_t *in, size_t len, struct brk_status *st)
{
	struct wire c = { .r = in, .len = len };
	memset(st, 0, sizeof(*st));
	uint64_t role = r_uint(&c, 1), state = r_uint(&c, 1);
	st->priority = (uint8_t)r_uint(&c, 1);
	uint64_t flags = r_uint(&c, 1);
	c.bad |= role > BRK_ROLE_CANDIDATE || state > BRK_ST_MASTER || flags > 1;
	st->role = (enum brk_role)role;
	st->state = (enum brk_state)state;
	st->ntp_synced = flags == 1;
	st->node = r_uint(&c, 8);
	st->master = r_uint(&c, 8);
	r_addr(&c, &st->master_addr);
	st->round = r_uint(&c, 8);
	st->rounds = r_uint(&c, 8);
	st->average = (int64_t)r_uint(&c, 8);
	st->last_applied = (int64_t)r_uint(&c, 8);
	st->n_in = (int)r_uint(&c, 2);
	st->n_members = (int)r_uint(&c, 2);
	for (int i = 0; i < N_COUNTERS; i++)
		*counter(&st->count, i) = r_uint(&c, 8);
	c.bad |= st->n_members > BRK_MAX_MEMBERS;
	for (int i = 0; !c.bad && i < st->n_members; i++)
		r_member(&c, &st->member[i]);
	return c.bad || c.pos != len ? -EBADMSG : 0;
}
