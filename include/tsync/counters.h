/*
 * Counters as data: a descriptor table per group says each counter's name,
 * help text and where its value lives, so that the log line, the control
 * socket's STATS and the metrics endpoint read the same rows. A few rows
 * are gauges (marked so): levels, such as connections open now.
 */
#ifndef TSYNC_COUNTERS_H
#define TSYNC_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parts of an instance a row may read: a group whose counters live in
 * two structs (tsyncd's Berkeley role and its node) names both. */
#define CTR_PARTS 2

struct ctr_desc {
	const char *name; /* snake_case, unique in its group */
	const char *help; /* one line, for the metrics endpoint */
	int part;         /* which of the instance's parts holds it */
	size_t offset;    /* of a uint64_t in that part, when get is NULL */
	uint64_t (*get)(const void *part); /* a sum or a field behind a pointer */
	/* A level that goes down as well as up (connections open now), not a
	 * count since the start: a Prometheus gauge, without _total. */
	bool gauge;
};

struct ctr_group {
	const char *name; /* "server", "source", ... */
	const char *help; /* what one instance is */
	const char *label; /* the instances' label ("address"); NULL: one instance */
	const struct ctr_desc *rows;
	int n_rows;
};

/* One instance of a group: its parts, and its label's value. */
struct ctr_instance {
	const void *part[CTR_PARTS];
	const char *label; /* "" for a group without a label */
};

#define CTR_ROW(struct_, field, help_) \
	{ .name = #field, .help = help_, .offset = offsetof(struct_, field) }
#define CTR_N(rows) ((int)(sizeof(rows) / sizeof((rows)[0])))

uint64_t ctr_read(const struct ctr_desc *d, const struct ctr_instance *in);
/* "name=value name=value ..." of every row into out (always terminated);
 * returns the length it needed, as snprintf. */
int ctr_format(const struct ctr_group *g, const struct ctr_instance *in, char *out, size_t cap);

#endif
