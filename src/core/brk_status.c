/*
 * The Berkeley snapshot: copied out of a brk_node and carried by the
 * control socket. Pure; tsync renders it (src/tsync/render.c).
 */
#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
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
