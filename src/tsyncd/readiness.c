/*
 * systemd readiness and status for tsyncd: the control socket's status
 * struct summed up in one line for `systemctl status`, sent on change.
 */
#include "readiness.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static void status_synced(const struct ctl_status *st, char *buf, size_t cap)
{
	if (strcmp(st->reference, "local clock") == 0 || st->reference[0] == '\0') {
		snprintf(buf, cap, "serving the local clock at stratum %u, no upstream", st->stratum);
		return;
	}
	snprintf(buf, cap, "synchronised to %s at stratum %u (%s of %u sources), offset %+.6f s",
		 st->reference, st->stratum, ctl_selection_name(st->selection), st->n_sources,
		 (double)st->offset_ns / 1e9);
}

void readiness_status_text(const struct ctl_status *st, char *buf, size_t cap)
{
	if (st->synchronised)
		status_synced(st, buf, cap);
	else if (st->n_sources == 0)
		snprintf(buf, cap, "not synchronised, no sources");
	else if (st->last_update_ns == 0)
		snprintf(buf, cap, "not synchronised yet, polling %u sources", st->n_sources);
	else
		snprintf(buf, cap, "not synchronised (sources lost), %u sources, last offset %+.6f s",
			 st->n_sources, (double)st->offset_ns / 1e9);
}

static void send_msg(struct readiness *r, const char *msg)
{
	int err = notify_send(&r->notify, msg);

	if (err < 0)
		log_debug("cannot notify the service manager: %s", strerror(-err));
}

/* STATUS= when its text changed; prefix goes first in the same datagram. */
static void send_status(struct readiness *r, const char *prefix)
{
	struct ctl_status st = { 0 };
	char text[READINESS_STATUS_MAX], msg[READINESS_STATUS_MAX + 32];

	r->ops->status(r->ops_ctx, &st);
	readiness_status_text(&st, text, sizeof(text));
	if (prefix[0] == '\0' && strcmp(text, r->last) == 0)
		return;
	snprintf(r->last, sizeof(r->last), "%s", text);
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", prefix, text);
	send_msg(r, msg);
}

static void on_check(uv_timer_t *t)
{
	send_status(t->data, "");
}

int readiness_start(struct readiness *r, uv_loop_t *loop, const struct control_ops *ops,
		    void *ops_ctx)
{
	*r = (struct readiness){ .ops = ops, .ops_ctx = ops_ctx };
	int err = notify_open(&r->notify);

	if (err < 0) {
		log_error("NOTIFY_SOCKET: %s", strerror(-err));
		return err;
	}
	if (!notify_enabled(&r->notify))
		return 0;
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	r->timer_on = true;
	return 0;
}

void readiness_ready(struct readiness *r)
{
	if (!notify_enabled(&r->notify))
		return;
	send_status(r, "READY=1\n");
	r->ready = true;
	uv_timer_start(&r->timer, on_check, READINESS_CHECK_MS, READINESS_CHECK_MS);
}

void readiness_stop(struct readiness *r)
{
	if (r->ready)
		send_msg(r, "STOPPING=1\nSTATUS=shutting down");
	r->ready = false;
	if (r->timer_on)
		uv_close((uv_handle_t *)&r->timer, NULL);
	r->timer_on = false;
	notify_close(&r->notify);
}
