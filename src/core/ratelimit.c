/*
 * The rate limiter's table: a bucket per client address, kept as the time
 * at which its bucket would be full again (GCRA), in a set-associative hash
 * allocated once. A newcomer replaces the entry of its bucket that owes
 * the least, so forgetting costs the least: see rl_check.
 */
#include "tsync/ratelimit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL

struct rl_entry {
	uint8_t addr[16]; /* the key: the address, IPv6 cut to its prefix */
	int64_t tat;      /* when the bucket is full again; ahead of now by what it owes */
	uint32_t drops;   /* over-limit requests, counting to the next KoD */
	uint8_t len;      /* 4 or 16; 0: a free entry */
};

static bool params_ok(const struct rl_params *p)
{
	return p->interval >= RL_INTERVAL_MIN && p->interval <= RL_INTERVAL_MAX &&
	       p->burst >= RL_BURST_MIN && p->burst <= RL_BURST_MAX &&
	       p->leak >= RL_LEAK_MIN && p->leak <= RL_LEAK_MAX &&
	       p->table >= RL_TABLE_MIN && p->table <= RL_TABLE_MAX &&
	       (p->table & (p->table - 1)) == 0 && p->v6prefix >= 0 && p->v6prefix <= 128;
}

/* 2^interval s in ns, rounded below 1 s: exact down to 2^-9 s. */
static int64_t period_ns(int interval)
{
	if (interval >= 0)
		return NS_PER_S << interval;
	return (NS_PER_S + (1LL << (-interval - 1))) >> -interval;
}

int rl_init(struct rl_table *t, const struct rl_params *p, const uint64_t key[2])
{
	memset(t, 0, sizeof(*t));
	if (!params_ok(p))
		return -EINVAL;
	t->entry = calloc((size_t)p->table, sizeof(*t->entry));
	if (t->entry == NULL)
		return -ENOMEM;
	t->bucket_mask = (uint32_t)(p->table / RL_WAYS - 1);
	t->period = period_ns(p->interval);
	t->interval = p->interval;
	t->tolerance = (int64_t)(p->burst - 1) * t->period;
	t->leak_mask = (uint32_t)((1UL << p->leak) - 1);
	t->v6prefix = p->v6prefix;
	t->key[0] = key[0];
	t->key[1] = key[1];
	return 0;
}

void rl_free(struct rl_table *t)
{
	free(t->entry);
	t->entry = NULL;
}

/* The key of an address: IPv6 cut to the configured prefix, as one
 * host's /64 is commonly all its own. */
static void make_key(const struct rl_table *t, const uint8_t *addr, size_t len, uint8_t k[16])
{
	memset(k, 0, 16);
	if (len == 4) {
		memcpy(k, addr, 4);
		return;
	}
	int bits = t->v6prefix;
	memcpy(k, addr, (size_t)bits / 8);
	if (bits % 8)
		k[bits / 8] = addr[bits / 8] & (uint8_t)(0xff << (8 - bits % 8));
}

/* A 64-bit finaliser (murmur3's): cheap, and keyed by a random secret it
 * keeps the bucket of an address unknown to whoever cannot see the table.
 * Not a cryptographic PRF. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static struct rl_entry *bucket_of(const struct rl_table *t, const uint8_t k[16], size_t len)
{
	uint64_t w0, w1;

	memcpy(&w0, k, 8);
	memcpy(&w1, k + 8, 8);
	uint64_t h = mix(mix(w0 ^ t->key[0]) ^ w1 ^ t->key[1] ^ len);
	return &t->entry[(h & t->bucket_mask) * RL_WAYS];
}

/* The entry of this key, or the one it replaces: a free one, else the one
 * whose bucket is fullest (earliest tat). A fresh entry has a full bucket,
 * so a client that keeps to the limit is answered whether it was forgotten
 * or not; and a client in debt (tat ahead of now by up to burst periods)
 * outlives newcomers, whose tat is at most one period ahead. */
static struct rl_entry *lookup(struct rl_table *t, const uint8_t k[16], size_t len, int64_t now)
{
	struct rl_entry *b = bucket_of(t, k, len), *victim = &b[0];

	for (int i = 0; i < RL_WAYS; i++) {
		if (b[i].len == len && memcmp(b[i].addr, k, 16) == 0)
			return &b[i];
		if (victim->len != 0 && (b[i].len == 0 || b[i].tat < victim->tat))
			victim = &b[i];
	}
	if (victim->len != 0)
		t->evicted++;
	memcpy(victim->addr, k, 16);
	victim->len = (uint8_t)len;
	victim->tat = now;
	victim->drops = 0;
	return victim;
}

int rl_check(struct rl_table *t, const uint8_t *addr, size_t len, int64_t now)
{
	uint8_t k[16];

	make_key(t, addr, len, k);
	struct rl_entry *e = lookup(t, k, len, now);
	/* Answered while the client is at most burst - 1 periods ahead of its
	 * average rate; each answer moves it one period further. */
	if (now >= e->tat - t->tolerance) {
		e->tat = (e->tat > now ? e->tat : now) + t->period;
		return RL_PASS;
	}
	e->drops++;
	return (e->drops & t->leak_mask) == 0 ? RL_KOD : RL_DROP;
}

size_t rl_table_bytes(const struct rl_table *t)
{
	return ((size_t)t->bucket_mask + 1) * RL_WAYS * sizeof(struct rl_entry);
}

size_t rl_entries_used(const struct rl_table *t)
{
	size_t n = 0, total = ((size_t)t->bucket_mask + 1) * RL_WAYS;

	for (size_t i = 0; i < total; i++)
		n += t->entry[i].len != 0;
	return n;
}
