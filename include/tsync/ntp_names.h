/*
 * Which addresses of a `server` or `pool` name tsyncd polls, as chrony
 * replaces bad sources: when a source counts as dead or a falseticker,
 * which resolved address to try next, and when to resolve the name again.
 * Pure: addresses are byte strings, times int64 ns of a monotonic clock;
 * the daemon resolves, polls and applies the actions.
 */
#ifndef TSYNC_NTP_NAMES_H
#define TSYNC_NTP_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#define NAMES_MAX_ADDRS 16
#define NAMES_ADDR_LEN 23 /* family, port, an IPv6 address and its scope */
/* A source is replaced after this many requests in a row go unanswered
 * (chrony: a reach register of 8 bits all 0) ... */
#define NAMES_DEAD_POLLS 8
/* ... or when this many of its updates in a row find it a falseticker
 * (chrony's BAD_HANDLE_THRESHOLD). */
#define NAMES_BAD_SELECTIONS 4
/* A name is resolved again at most once per this many of its minpoll
 * intervals (at minpoll 6: 1024 s; chrony waits 1792 s between
 * replacements); trying the next address already known costs nothing. */
#define NAMES_RESOLVE_POLLS 16
/* A resolution that failed is tried again after this. */
#define NAMES_RETRY_NS (INT64_C(30) * 1000000000)

/* An address as the daemon encodes it (its family, port and address). */
struct names_addr {
	uint8_t len;
	uint8_t b[NAMES_ADDR_LEN];
};

/* One source's health, as its name judges it. */
struct names_health {
	uint32_t unanswered; /* requests since the last reply, or since it started */
	uint32_t falseticker; /* its updates in a row that found it a falseticker */
};

enum names_bad { NAMES_OK, NAMES_DEAD, NAMES_FALSETICKER };

/* What became of an address of the name. */
enum names_state {
	NAMES_FREE,    /* known, not polled */
	NAMES_USED,    /* polled */
	NAMES_BAD,     /* polled, to be replaced when a fresh address comes */
	NAMES_DROPPED, /* was bad and was replaced: taken again only when the
			* name offers nothing else */
};

struct names {
	bool pool;     /* a pool keeps as many addresses as its first resolution
			* gave; a server one */
	bool numeric;  /* an address, not a name: nothing to replace */
	int8_t minpoll;
	int want;      /* addresses to poll; 0 until the first resolution */
	int n_addr;
	struct names_addr addr[NAMES_MAX_ADDRS];
	uint8_t state[NAMES_MAX_ADDRS]; /* enum names_state */
	bool resolving;
	int64_t next_resolve; /* the earliest the name may be resolved again */
};

/* What the daemon is to do; indices are into names.addr and hold until
 * the next call. */
struct names_actions {
	int n_start, n_stop;
	uint8_t start[NAMES_MAX_ADDRS]; /* poll these */
	uint8_t stop[NAMES_MAX_ADDRS];  /* stop polling these */
	bool resolve;       /* resolve the name now */
	int64_t resolve_at; /* else resolve it then (0: no need) */
};

/* A source's events: a request went out, a reply came, an update of the
 * source ran the selection. */
void names_on_request(struct names_health *h);
void names_on_reply(struct names_health *h);
void names_on_update(struct names_health *h, bool falseticker);
enum names_bad names_health_bad(const struct names_health *h);

/* The name of a server or pool line; numeric when it is an address.
 * The first resolution is asked now. */
void names_start(struct names *n, bool pool, bool numeric, int8_t minpoll, int64_t now,
		 struct names_actions *act);

/* The resolver gave a[0..count) (count >= 1), in its order of preference;
 * free_slots more sources may be polled. */
void names_resolved(struct names *n, const struct names_addr *a, int count, int free_slots,
		    int64_t now, struct names_actions *act);
void names_resolve_failed(struct names *n, int64_t now, struct names_actions *act);

/* A source of the name went bad (names_health_bad). Returns false when it
 * is not this name's to replace (a numeric address, or not its own): the
 * daemon keeps polling it. */
bool names_bad(struct names *n, const struct names_addr *a, int free_slots, int64_t now,
	       struct names_actions *act);

/* resolve_at came. */
void names_tick(struct names *n, int free_slots, int64_t now, struct names_actions *act);

#endif
