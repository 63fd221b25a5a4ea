/*
 * The fault-tolerant average: sort the offsets, slide a window of width
 * `tolerance` over them, keep the fullest window. Pure, no allocation:
 * a group has at most BRK_MAX_MEMBERS slaves.
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

/* Mean of v[lo..hi], rounded toward zero; measured from v[lo] so that the
 * sum stays within the window's width times its count. */
static int64_t window_mean(const int64_t *v, size_t lo, size_t hi)
{
	int64_t sum = 0;
	for (size_t i = lo; i <= hi; i++)
		sum += v[i] - v[lo];
	return v[lo] + sum / (int64_t)(hi - lo + 1);
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
	for (size_t lo = 0, hi = 0; lo <= n; lo++) {
		if (hi < lo)
			hi = lo;
		while (hi + 1 <= n && v[hi + 1] - v[lo] <= tolerance)
			hi++;
		w = (struct window){ lo, hi, v[lo] <= 0 && v[hi] >= 0, window_mean(v, lo, hi) };
		if (lo == 0 || better(&w, &best))
			best = w;
	}
	r->avg = best.mean;
	r->n_in = (int)(best.hi - best.lo + 1);
	r->master_in = best.master_in;
	for (size_t i = 0; i < n; i++)
		in[i] = off[i] >= v[best.lo] && off[i] <= v[best.hi];
	return 0;
}
