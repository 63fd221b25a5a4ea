/*
 * The Prometheus text exposition (format 0.0.4) of tsyncd's state: the
 * system's and each source's figures, every counter of the counter tables
 * (as NAME_total, a gauge row as NAME) and the Berkeley group's. Pure:
 * structs in, text out.
 */
#ifndef TSYNC_METRICS_H
#define TSYNC_METRICS_H

#include <stddef.h>

#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

/* Every metric's name starts so. */
#define METRICS_PREFIX "tsync_"

struct metrics_input {
	const struct ctl_status *status;
	const struct ctl_source *src;
	int n_src;
	const struct brk_status *brk; /* NULL: in no Berkeley group */
	const struct ctl_stats_view *views; /* the counter groups */
	int n_views;
};

/* The whole exposition into out; returns its length, or -ENOSPC when cap
 * is too small (out then holds a prefix). */
int metrics_render(const struct metrics_input *in, char *out, size_t cap);

#endif
