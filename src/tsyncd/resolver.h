/*
 * The names of `server` and `pool` lines, resolved on the loop
 * (uv_getaddrinfo), and ntp_names' decisions applied to the client: which
 * addresses it polls, which bad sources it replaces, when a name is
 * resolved again.
 */
#ifndef TSYNCD_RESOLVER_H
#define TSYNCD_RESOLVER_H

#include <stdbool.h>
#include <uv.h>

#include "tsync/config.h"
#include "tsync/ntp_names.h"

struct client;

/* A server or pool line and the addresses its name gave. */
struct resolver {
	struct client *cl;
	const struct cfg_server *conf;
	struct names names;
	uv_getaddrinfo_t req;
	uv_timer_t timer; /* the next resolution */
	bool busy;        /* req is out */
};

/* Resolve conf's name and poll what ntp_names picks of it. */
void resolver_start(struct resolver *r, struct client *cl, const struct cfg_server *conf);
void resolver_stop(struct resolver *r);
/* Replace the client's sources that went bad (names_health_bad) with
 * other addresses of their names; called about once a second. */
void resolver_check(struct client *cl);

#endif
