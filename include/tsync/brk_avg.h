/*
 * The fault-tolerant average of Gusella and Zatti: of the clocks' offsets
 * from the master (the master's own being 0), the largest set that lies
 * within a tolerance of each other, and that set's mean. Pure arithmetic.
 */
#ifndef TSYNC_BRK_AVG_H
#define TSYNC_BRK_AVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slaves a master keeps. Each costs the master about 110 bytes in its
 * node and 140 in its action list (tools/brkbench measures 400). */
#define BRK_MAX_MEMBERS 512

struct brk_avg {
	int64_t avg;      /* the set's mean, ns from the master's clock */
	int n_in;         /* clocks in the set, the master's included */
	bool master_in;   /* the master's clock is in the set */
};

/* off[0..n) are the slaves' offsets (slave - master, ns; n at most
 * BRK_MAX_MEMBERS, each within +-2^62); the master counts as one more
 * clock at 0. in[i] tells whether slave i is in the set. Ties between
 * sets of the same size go to the one holding the master, then to the
 * one whose mean is nearest the master, then to the earlier (lower) one.
 * Returns 0, or -EINVAL for n or tolerance out of range. O(n log n):
 * a sort, then one pass of a sliding window with a running sum. */
int brk_ft_average(const int64_t *off, size_t n, int64_t tolerance, bool *in, struct brk_avg *r);

#endif
