/*
 * The addresses of a `server` or `pool` name: which to poll, which to
 * replace, when to resolve the name again (see ntp_names.h). A server polls
 * one address and moves on to the next the resolver gave when it goes bad,
 * then resolves the name again; a pool keeps its count of addresses.
 */
#include "tsync/ntp_names.h"

#include <string.h>

#define NS_PER_S INT64_C(1000000000)

void names_on_request(struct names_health *h)
{
	if (h->unanswered < UINT32_MAX)
		h->unanswered++;
}

void names_on_reply(struct names_health *h)
{
	h->unanswered = 0;
}

void names_on_update(struct names_health *h, bool falseticker)
{
	if (!falseticker)
		h->falseticker = 0;
	else if (h->falseticker < UINT32_MAX)
		h->falseticker++;
}

/* The request just sent may still be answered: dead when the
 * NAMES_DEAD_POLLS before it were not. */
enum names_bad names_health_bad(const struct names_health *h)
{
	if (h->unanswered > NAMES_DEAD_POLLS)
		return NAMES_DEAD;
	if (h->falseticker >= NAMES_BAD_SELECTIONS)
		return NAMES_FALSETICKER;
	return NAMES_OK;
}

static int64_t resolve_interval(int8_t minpoll)
{
	int64_t base = NAMES_RESOLVE_POLLS * NS_PER_S;

	return minpoll >= 0 ? base << minpoll : base >> -minpoll;
}

static bool same_addr(const struct names_addr *a, const struct names_addr *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static int find(const struct names *n, const struct names_addr *a)
{
	for (int i = 0; i < n->n_addr; i++)
		if (same_addr(&n->addr[i], a))
			return i;
	return -1;
}

static int first(const struct names *n, enum names_state s)
{
	for (int i = 0; i < n->n_addr; i++)
		if (n->state[i] == s)
			return i;
	return -1;
}

static int count(const struct names *n, enum names_state s)
{
	int c = 0;

	for (int i = 0; i < n->n_addr; i++)
		c += n->state[i] == s;
	return c;
}

/* Resolve now, or when the last resolution is old enough. */
static void ask(struct names *n, int64_t now, struct names_actions *act)
{
	if (n->resolving)
		return;
	if (now < n->next_resolve) {
		act->resolve_at = n->next_resolve;
		return;
	}
	act->resolve = true;
	n->resolving = true;
	n->next_resolve = now + resolve_interval(n->minpoll);
}

/* Fresh addresses for the ones missing, each replacing a bad one while
 * there are (the daemon stops before it starts, so a replacement needs no
 * free slot); the name again when nothing fresh is left. */
static void next(struct names *n, int free_slots, int64_t now, struct names_actions *act)
{
	int i;

	while (count(n, NAMES_USED) < n->want && (i = first(n, NAMES_FREE)) >= 0) {
		int bad = first(n, NAMES_BAD);

		if (bad < 0 && free_slots == 0)
			break;
		n->state[i] = NAMES_USED;
		act->start[act->n_start++] = (uint8_t)i;
		if (bad >= 0) {
			n->state[bad] = NAMES_DROPPED;
			act->stop[act->n_stop++] = (uint8_t)bad;
		} else {
			free_slots--;
		}
	}
	if (n->want == 0 || (count(n, NAMES_USED) < n->want && first(n, NAMES_FREE) < 0))
		ask(n, now, act);
}

void names_start(struct names *n, bool pool, bool numeric, int8_t minpoll, int64_t now,
		 struct names_actions *act)
{
	*n = (struct names){ .pool = pool, .numeric = numeric, .minpoll = minpoll,
			     .next_resolve = now };
	*act = (struct names_actions){ 0 };
	ask(n, now, act);
}

static void add(struct names *n, const struct names_addr *a, enum names_state s)
{
	n->addr[n->n_addr] = *a;
	n->state[n->n_addr++] = (uint8_t)s;
}

/* The resolver's list in its order, each address keeping what became of
 * it; addresses still polled that it no longer gives stay known, last. */
static void merge(struct names *n, const struct names_addr *a, int count_new)
{
	struct names old = *n;
	int polled_gone = 0;

	for (int j = 0; j < old.n_addr; j++) {
		bool polled = old.state[j] == NAMES_USED || old.state[j] == NAMES_BAD;
		bool given = false;

		for (int i = 0; i < count_new && !given; i++)
			given = same_addr(&a[i], &old.addr[j]);
		polled_gone += polled && !given;
	}
	n->n_addr = 0;
	for (int i = 0; i < count_new && n->n_addr < NAMES_MAX_ADDRS - polled_gone; i++) {
		int j = find(&old, &a[i]);

		if (find(n, &a[i]) < 0)
			add(n, &a[i], j < 0 ? NAMES_FREE : (enum names_state)old.state[j]);
	}
	for (int j = 0; j < old.n_addr; j++)
		if ((old.state[j] == NAMES_USED || old.state[j] == NAMES_BAD) &&
		    find(n, &old.addr[j]) < 0)
			add(n, &old.addr[j], (enum names_state)old.state[j]);
}

/* Nothing fresh: the addresses replaced before are tried again, and the
 * bad ones are kept polled rather than leave the name with nothing. */
static void start_over(struct names *n)
{
	for (int i = 0; i < n->n_addr; i++)
		if (n->state[i] == NAMES_DROPPED)
			n->state[i] = NAMES_FREE;
	if (first(n, NAMES_FREE) >= 0)
		return;
	for (int i = 0; i < n->n_addr; i++)
		if (n->state[i] == NAMES_BAD)
			n->state[i] = NAMES_USED;
}

void names_resolved(struct names *n, const struct names_addr *a, int count_new, int free_slots,
		    int64_t now, struct names_actions *act)
{
	*act = (struct names_actions){ 0 };
	n->resolving = false;
	merge(n, a, count_new);
	if (n->want == 0) {
		int w = n->pool ? (n->n_addr < free_slots ? n->n_addr : free_slots) : 1;

		n->want = w > 0 ? w : 1;
	}
	if (first(n, NAMES_FREE) < 0 && count(n, NAMES_USED) < n->want)
		start_over(n);
	next(n, free_slots, now, act);
}

void names_resolve_failed(struct names *n, int64_t now, struct names_actions *act)
{
	*act = (struct names_actions){ .resolve_at = now + NAMES_RETRY_NS };
	n->resolving = false;
	n->next_resolve = now + NAMES_RETRY_NS;
}

bool names_bad(struct names *n, const struct names_addr *a, int free_slots, int64_t now,
	       struct names_actions *act)
{
	int i = find(n, a);

	*act = (struct names_actions){ 0 };
	if (n->numeric || i < 0 || n->state[i] != NAMES_USED)
		return false;
	n->state[i] = NAMES_BAD;
	next(n, free_slots, now, act);
	return true;
}

void names_tick(struct names *n, int free_slots, int64_t now, struct names_actions *act)
{
	*act = (struct names_actions){ 0 };
	next(n, free_slots, now, act);
}
