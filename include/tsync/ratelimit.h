/*
 * Per-client rate limiting for the NTP server: a token bucket per address
 * (kept as its theoretical arrival time), in a fixed table allocated once,
 * so that memory is bounded whatever the number of sources. Pure: the
 * caller passes the address bytes and a monotonic time.
 */
#ifndef TSYNC_RATELIMIT_H
#define TSYNC_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Entries per hash bucket: a newcomer evicts one of these at most. */
#define RL_WAYS 8

#define RL_INTERVAL_MIN (-19)
#define RL_INTERVAL_MAX 12
#define RL_BURST_MIN 1
#define RL_BURST_MAX 255
#define RL_LEAK_MIN 0
#define RL_LEAK_MAX 16
#define RL_TABLE_MIN RL_WAYS
#define RL_TABLE_MAX (1L << 24)

/* chrony's figures: 8 s between requests on average, 8 in a burst, one
 * dropped request in 4 answered (here with a KoD RATE). */
#define RL_INTERVAL_DEFAULT 3
#define RL_BURST_DEFAULT 8
#define RL_LEAK_DEFAULT 2
#define RL_TABLE_DEFAULT 16384
#define RL_V6PREFIX_DEFAULT 64

struct rl_params {
	int interval;     /* log2 s between requests, on average */
	int burst;        /* requests that may come back to back */
	int leak;         /* one drop in 2^leak is answered with a KoD RATE */
	long table;       /* entries; a power of two, RL_TABLE_MIN..RL_TABLE_MAX */
	int v6prefix;     /* IPv6 addresses count by this prefix, 0..128 */
};

enum rl_verdict {
	RL_PASS = 0, /* within the limit: serve */
	RL_DROP,     /* over the limit: no answer */
	RL_KOD,      /* over the limit, and this drop is answered with a KoD RATE */
};

struct rl_entry;

struct rl_table {
	struct rl_entry *entry;
	uint32_t bucket_mask;  /* buckets - 1 */
	int64_t period;        /* ns between requests, on average */
	int interval;          /* the same, log2 s */
	int64_t tolerance;     /* ns a client may run ahead: (burst - 1) periods */
	uint32_t leak_mask;    /* 2^leak - 1 */
	int v6prefix;
	uint64_t key[2];       /* of the bucket hash */
	uint64_t evicted;      /* entries replaced by a newcomer */
};

/* Allocate the table of p->table entries (the only allocation) with the
 * hash keyed by key[2] (random, so that a sender cannot aim at one bucket).
 * Returns 0, -EINVAL for parameters out of range, or -ENOMEM. */
int rl_init(struct rl_table *t, const struct rl_params *p, const uint64_t key[2]);
void rl_free(struct rl_table *t);

/* One request from addr[0..len) (4 bytes IPv4, 16 bytes IPv6) at now
 * (monotonic ns, never going back): an enum rl_verdict. */
int rl_check(struct rl_table *t, const uint8_t *addr, size_t len, int64_t now);

/* Bytes of the table, the same from rl_init to rl_free. */
size_t rl_table_bytes(const struct rl_table *t);

/* Entries in use (for tests and status: a scan of the table). */
size_t rl_entries_used(const struct rl_table *t);

#endif
