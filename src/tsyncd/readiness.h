/*
 * tsyncd under a service manager (Type=notify): READY=1 once the sockets
 * are bound, STATUS= lines saying what it follows and how far off it is,
 * STOPPING=1 at shutdown. Nothing at all without $NOTIFY_SOCKET.
 */
#ifndef TSYNCD_READINESS_H
#define TSYNCD_READINESS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "control.h"
#include "notify.h"

/* How often the status is looked at; it is sent only when its text
 * changed, and the offset in it changes only at a clock update (at most
 * once per poll), so the manager is not flooded. */
#define READINESS_CHECK_MS 1000
#define READINESS_STATUS_MAX 200

struct readiness {
	struct notify notify;
	uv_timer_t timer;
	bool timer_on;      /* initialised, not yet closed */
	bool ready;         /* READY=1 sent */
	const struct control_ops *ops;
	void *ops_ctx;
	char last[READINESS_STATUS_MAX]; /* the STATUS= text sent last */
};

/* Open the notification socket (before the privilege drop and the
 * seccomp filter). The status comes from ops->status(ops_ctx). Returns 0,
 * or a negative errno, logged. */
int readiness_start(struct readiness *r, uv_loop_t *loop, const struct control_ops *ops,
		    void *ops_ctx);
/* Every socket is bound and privileges are dropped: READY=1 and a STATUS=. */
void readiness_ready(struct readiness *r);
/* STOPPING=1 if READY=1 was sent; close the timer and the socket. */
void readiness_stop(struct readiness *r);

/* The one-line status of st, as sent after STATUS=. */
void readiness_status_text(const struct ctl_status *st, char *buf, size_t cap);

#endif
