/*
 * Which control connection makes room when every slot is taken: the
 * oldest of the user who holds the most, so that one user's idle
 * connections cost no one else a slot. Pure; src/io/control.c applies it.
 */
#ifndef TSYNC_CTL_EVICT_H
#define TSYNC_CTL_EVICT_H

#include <stdint.h>
#include <sys/types.h>

struct ctl_evict_conn {
	uid_t uid;       /* the client's user (SO_PEERCRED) */
	uint64_t serial; /* order of acceptance: the lowest is the oldest */
};

/* The index, in conns[0..n), n >= 1, of the connection to evict: the
 * oldest of those whose user holds the most connections (users that hold
 * equally many are one pool: the oldest of them all). */
int ctl_evict_pick(const struct ctl_evict_conn *conns, int n);

#endif
