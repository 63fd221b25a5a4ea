/*
 * tsyncd's status as the server role knows it: unsynchronised, or
 * synchronised to the local clock at its configured stratum.
 */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "server.h"

static void server_status(void *ctx, struct ctl_status *st)
{
	const struct server *srv = ctx;
	const struct ntp_server_state *ns = &srv->state;
	struct clk_status cs;

	st->synchronised = ns->leap != NTP_LEAP_UNSYNC;
	st->leap = ns->leap;
	st->stratum = ns->stratum;
	st->refid = ns->refid;
	if (srv->local_stratum != 0)
		strcpy(st->reference, "local clock");
	st->root_delay_ns = ns->root_delay;
	st->root_disp_ns = ns->root_disp;
	/* No measurement has ever updated the clock: last update stays 0. */
	if (clk_status(srv->clock, &cs) == 0)
		st->freq_ppm = cs.freq_ppm;
	st->selection = CTL_SEL_NONE;
	snprintf(st->clock, sizeof(st->clock), "%s", clk_name(srv->clock));
}

static int no_sources(void *ctx, struct ctl_source *out, int max)
{
	return 0;
}

const struct control_ops report_server_ops = {
	.status = server_status,
	.sources = no_sources,
};
