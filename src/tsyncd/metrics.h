/*
 * tsyncd's Prometheus endpoint (`metrics ADDRESS [port N]`): a TCP socket
 * on the loop answering GET /metrics with the exposition of tsync/metrics.h.
 * Bounded: a few connections, a small request, a deadline; every refusal
 * counted. Reads the roles' state only when scraped: no cost per packet.
 */
#ifndef TSYNCD_METRICS_H
#define TSYNCD_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "tsync/acl.h"
#include "tsync/config.h"

/* Connections in service; one more evicts the oldest. */
#define METRICS_MAX_CONNS 8
/* From accept to the last byte of the response. */
#define METRICS_DEADLINE_MS 5000
/* The largest exposition served (a full Berkeley group's is ~150 kB). */
#define METRICS_BODY_MAX (4u << 20)

struct metrics_stats {
	uint64_t accepted; /* connections taken */
	uint64_t refused;  /* connections from an address metricsallow does not allow */
	uint64_t evicted;  /* closed to make room for a new one */
	uint64_t served;   /* 200 responses */
	uint64_t rejected; /* 4xx and 5xx responses */
	uint64_t timeout;  /* closed at the deadline */
	uint64_t closed;   /* the client left before a whole request */
	uint64_t io_error; /* accept, read or write failed */
};

struct counters_ctx;
struct metrics_conn;

struct metrics {
	uv_loop_t *loop;
	uv_tcp_t tcp;
	bool open;
	struct acl acl;      /* metricsallow; none: loopback only */
	const struct counters_ctx *cx;
	struct metrics_conn *conns[METRICS_MAX_CONNS];
	uint64_t next_serial;
	struct metrics_stats stats;
};

/* Listen as cfg says (nothing when it has no metrics line). Returns 0 or
 * a negative errno, logged; metrics_stop closes what was opened. */
int metrics_start(struct metrics *m, uv_loop_t *loop, const struct tsyncd_config *cfg,
		  const struct counters_ctx *cx);
void metrics_stop(struct metrics *m);

#endif
