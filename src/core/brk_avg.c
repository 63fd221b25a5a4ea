/*
 * The fault-tolerant average: sort the offsets, slide a window of width
 * `tolerance` over them with a running sum, keep the fullest window.
 * O(n log n), pure, no allocation: at most BRK_MAX_MEMBERS slaves.
 */
#include "tsync/brk_avg.h"

#include <errno.h>
#include <stdlib.h>

/* Offsets and tolerances past this are refused: sums then cannot overflow. */
#define OFF_LIMIT ((int64_t)1 << 62)

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A window's sum: up to BRK_MAX_MEMBERS + 1 offsets of up to 2^62 each,
 * which int64_t cannot hold. */
__extension__ typedef __int128 sum128;

/* Mean of the count values from lo whose sum is sum, rounded down: the
 * excess over count * lo is not negative, so the division truncates down. */
static int64_t window_mean(int64_t lo, sum128 sum, size_t count)
{
	sum128 excess = sum - (sum128)count * lo;
	return lo + (int64_t)(excess / (sum128)count);
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

struct window {
	size_t lo, hi;
	bool master_in;
	int64_t mean;
};

/* Whether w is a better set than best (see the tie rules in the header). */
static bool better(const struct window *w, const struct window *best)
{
	size_t nw = w->hi - w->lo, nb = best->hi - best->lo;
	if (nw != nb)
		return nw > nb;
	if (w->master_in != best->master_in)
		return w->master_in;
	return abs64(w->mean) < abs64(best->mean);
}

int brk_ft_average(const int64_t *off, size_t n, int64_t tolerance, bool *in, struct brk_avg *r)
{
	int64_t v[BRK_MAX_MEMBERS + 1];
	struct window best = { 0 }, w;
	if (n > BRK_MAX_MEMBERS || tolerance < 0 || tolerance >= OFF_LIMIT)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (off[i] <= -OFF_LIMIT || off[i] >= OFF_LIMIT)
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v[i] = off[i];
	v[n] = 0; /* the master */
	qsort(v, n + 1, sizeof(v[0]), cmp64);
	/* The window is v[lo..end); each value enters and leaves the sum once. */
	sum128 sum = 0;
	for (size_t lo = 0, end = 0; lo <= n; lo++) {
		if (end == lo)
			sum = v[end++];
		while (end <= n && v[end] - v[lo] <= tolerance)
			sum += v[end++];
		w = (struct window){ lo, end - 1, v[lo] <= 0 && v[end - 1] >= 0,
				     window_mean(v[lo], sum, end - lo) };
		if (lo == 0 || better(&w, &best))
			best = w;
		sum -= v[lo];
	}
	r->avg = best.mean;
	r->n_in = (int)(best.hi - best.lo + 1);
	r->master_in = best.master_in;
	for (size_t i = 0; i < n; i++)
		in[i] = off[i] >= v[best.lo] && off[i] <= v[best.hi];
	return 0;
}
