/*
 * The control socket's commands that change tsyncd's course (makestep,
 * burst, online, offline): arguments checked, the client role told, the
 * outcome logged and returned. control.c lets only root, tsyncd's own
 * user and the controlgroup reach them.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "runctl.h"

static bool no_client(const struct client *cl)
{
	return cl->cfg == NULL || cl->cfg->n_servers == 0 || cl->stopping;
}

static int on_makestep(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	struct client *cl = ctx;
	int64_t done;
	int err;

	(void)req;
	if (len != 0)
		return -CTL_ERR_PAYLOAD;
	if (no_client(cl))
		return -CTL_ERR_UNAVAILABLE;
	if ((err = client_makestep(cl, &done)) < 0) {
		log_warn("makestep: %s", strerror(-err));
		return -CTL_ERR_INTERNAL;
	}
	log_info("makestep: %s", done == 0 ? "no slew left to step" : "stepped what was left");
	return ctl_i64_encode(done, out, cap) < 0 ? -CTL_ERR_INTERNAL : 8;
}

static int on_burst(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	struct client *cl = ctx;
	int n;

	(void)req;
	if (len != 0)
		return -CTL_ERR_PAYLOAD;
	if (no_client(cl))
		return -CTL_ERR_UNAVAILABLE;
	n = client_burst(cl);
	log_info("burst: %d source(s)", n);
	return ctl_u16_encode((uint16_t)n, out, cap) < 0 ? -CTL_ERR_INTERNAL : 2;
}

static int set_online(struct client *cl, const uint8_t *req, size_t len, uint8_t *out,
		      size_t cap, bool online)
{
	char addr[CTL_STR_MAX + 1];
	int n;

	if (ctl_str_decode(req, len, addr) < 0)
		return -CTL_ERR_PAYLOAD;
	if (no_client(cl))
		return -CTL_ERR_UNAVAILABLE;
	if ((n = client_set_online(cl, addr, online)) < 0)
		return -CTL_ERR_NO_SOURCE;
	return ctl_u16_encode((uint16_t)n, out, cap) < 0 ? -CTL_ERR_INTERNAL : 2;
}

static int on_online(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	return set_online(ctx, req, len, out, cap, true);
}

static int on_offline(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	return set_online(ctx, req, len, out, cap, false);
}

int runctl_register(struct control *ctl, struct client *cl)
{
	int err = control_register_admin(ctl, CTL_CMD_MAKESTEP, on_makestep, cl);

	if (err == 0)
		err = control_register_admin(ctl, CTL_CMD_BURST, on_burst, cl);
	if (err == 0)
		err = control_register_admin(ctl, CTL_CMD_ONLINE, on_online, cl);
	if (err == 0)
		err = control_register_admin(ctl, CTL_CMD_OFFLINE, on_offline, cl);
	return err;
}
