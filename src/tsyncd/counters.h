/*
 * tsyncd's counter tables: one per group (server, access, control, source,
 * berkeley, nts), read by the SIGUSR1 log lines, the control socket's STATS and
 * the metrics endpoint. A new counter is one row in counters.c.
 */
#ifndef TSYNCD_COUNTERS_H
#define TSYNCD_COUNTERS_H

#include "berkeley.h"
#include "client.h"
#include "control.h"
#include "metrics.h"
#include "ntske.h"
#include "server.h"
#include "tsync/ctl_proto.h"

/* The roles whose counters are read; ctl, brk and met may be NULL (no control
 * socket; no Berkeley group). */
struct counters_ctx {
	const struct server *srv;
	const struct client *cl;
	const struct control *ctl;
	const struct berkeley *brk;
	const struct metrics *met; /* NULL or not open: no metrics endpoint */
	const struct ntske *ke;    /* NULL or no listener: no NTS server */
};

/* Every group with its instances at this moment, in log order. */
struct counters_snap {
	struct ctl_stats_view view[CTL_STATS_GROUPS_MAX];
	int n;
	struct ctr_instance inst[6 + CLIENT_MAX_PEERS];
};

void counters_collect(const struct counters_ctx *cx, struct counters_snap *snap);
/* One "stats GROUP [LABEL] name=value ..." line per instance; the
 * server's last. */
void counters_log(const struct counters_ctx *cx);
/* The control socket's STATS (a control_handler; ctx is a counters_ctx). */
int counters_ctl(void *ctx, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap);

#endif
