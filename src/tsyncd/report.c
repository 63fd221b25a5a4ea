/*
 * tsyncd's status and sources for the control socket, read off the client
 * and server roles' state. Nothing here decides anything.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "report.h"
#include "server.h"

static enum ctl_selection selection(const struct client *cl)
{
	if (!cl->sys.synced)
		return CTL_SEL_NONE;
	switch (cl->sys.sel.status) {
	case SRCSEL_MAJORITY: return CTL_SEL_MAJORITY;
	case SRCSEL_SINGLE: return CTL_SEL_SINGLE;
	default: return CTL_SEL_NONE;
	}
}

static void client_part(const struct client *cl, struct ctl_status *st)
{
	struct ntp_sys_status ss;

	st->n_sources = (uint16_t)cl->n_peers;
	st->selection = selection(cl);
	ntp_sys_status(&cl->sys, &ss);
	if (cl->cfg != NULL && cl->cfg->n_servers > 0)
		st->synchronised = ss.synced; /* a client is synchronised while it updates */
	/* Kept after every source is lost: how long ago the last update was
	 * is then what the user asks (0: never). */
	st->offset_ns = ss.offset;
	st->last_update_ns = ss.last_update;
	if (!ss.synced)
		return;
	snprintf(st->reference, sizeof(st->reference), "%s", cl->peer_name);
	if (ss.peer >= 0 && ss.peer < cl->n_peers)
		st->poll = cl->peers[ss.peer]->src.poll;
}

static void status(void *ctx, struct ctl_status *st)
{
	const struct client *cl = ctx;
	const struct server *srv = cl->srv;
	const struct ntp_server_state *ns = &srv->state;
	struct clk_status cs;

	st->synchronised = ns->leap != NTP_LEAP_UNSYNC;
	st->leap = ns->leap;
	st->stratum = ns->stratum;
	st->refid = ns->refid;
	if (srv->local_stratum != 0 && !srv->upstream)
		strcpy(st->reference, "local clock");
	st->root_delay_ns = ns->root_delay;
	st->root_disp_ns = ns->root_disp;
	if (clk_status(srv->clock, &cs) == 0)
		st->freq_ppm = cs.freq_ppm;
	snprintf(st->clock, sizeof(st->clock), "%s", clk_name(srv->clock));
	client_part(cl, st);
}

static enum ctl_source_state source_state(const struct client *cl, int i)
{
	const struct peer *p = cl->peers[i];

	if (p->src.stop != NTPSRC_NEW)
		return CTL_SRC_STOPPED;
	if (p->offline)
		return CTL_SRC_OFFLINE;
	if (p->src.reach == 0)
		return CTL_SRC_UNREACHABLE;
	switch (cl->sys.state[i]) {
	case SRCSEL_SYSPEER: return CTL_SRC_SELECTED;
	case SRCSEL_SURVIVOR:
	case SRCSEL_OUTLIER: return CTL_SRC_CANDIDATE;
	case SRCSEL_FALSETICKER: return CTL_SRC_FALSETICKER;
	default: return CTL_SRC_NOT_FIT;
	}
}

static uint64_t auth_rejected(const struct peer *p)
{
	uint64_t n = 0;
	for (size_t i = 0; i < sizeof(p->auth_rejected) / sizeof(p->auth_rejected[0]); i++)
		n += p->auth_rejected[i];
	return n;
}

static int sources(void *ctx, struct ctl_source *out, int max)
{
	const struct client *cl = ctx;
	int n = cl->n_peers < max ? cl->n_peers : max;

	for (int i = 0; i < n; i++) {
		const struct peer *p = cl->peers[i];

		out[i] = (struct ctl_source){
			.state = source_state(cl, i), .stratum = p->src.stratum, .poll = p->src.poll,
			.reach = p->src.reach, .refid = p->src.refid, .offset_ns = p->last_offset,
			.delay_ns = p->src.delay, .jitter_ns = p->src.jitter,
			.key_id = p->key != NULL ? p->key->id : 0, .auth_rejected = auth_rejected(p),
		};
		snprintf(out[i].address, sizeof(out[i].address), "%s", p->name);
	}
	return n;
}

const struct control_ops report_ops = {
	.status = status,
	.sources = sources,
};
