/*
 * A snapshot of a Berkeley node for `tsync berkeley`: role, state, master,
 * round and each member's offset, round trip, last adjustment and state,
 * copied out of the state machine, and its form on the control socket.
 * tsync renders it as text and JSON (src/tsync/render.c).
 */
#ifndef TSYNC_BRK_STATUS_H
#define TSYNC_BRK_STATUS_H

#include <stddef.h>

#include "tsync/brk_node.h"

#define BRK_ADDR_STRLEN 64
/* On the control socket: a fixed part and one fixed-size entry a member. */
#define BRK_STATUS_WIRE_FIXED 272
#define BRK_STATUS_WIRE_MEMBER 60
#define BRK_STATUS_WIRE_MAX (BRK_STATUS_WIRE_FIXED + BRK_MAX_MEMBERS * BRK_STATUS_WIRE_MEMBER)

struct brk_status_member {
	uint64_t node;
	struct brk_addr addr;
	int64_t offset, rtt, adjust; /* ns */
	enum brk_member_state state;
	bool in_set;
	int missed;
};

struct brk_status {
	enum brk_role role;
	enum brk_state state;
	uint64_t node;
	uint8_t priority;
	uint64_t master;           /* ours when we are master; 0: none known */
	struct brk_addr master_addr; /* a slave's master; family 0 otherwise */
	uint64_t round;            /* current round id (master) or last answered */
	uint64_t rounds;           /* rounds run as master */
	int64_t average;           /* last round's average, ns */
	int n_in;                  /* clocks in the last round's set */
	int64_t last_applied;      /* last adjustment to our own clock, ns */
	bool ntp_synced;
	int n_members;
	struct brk_status_member member[BRK_MAX_MEMBERS];
	struct brk_counters count;
};

void brk_status_fill(const struct brk_node *nd, struct brk_status *st);
/* The snapshot as the control socket carries it (big-endian, every field
 * of fixed width; see tsync-berkeley(7)). encode returns the length or
 * -ENOSPC; decode returns 0 or -EBADMSG and takes exactly one snapshot. */
int brk_status_encode(const struct brk_status *st, uint8_t *out, size_t cap);
int brk_status_decode(const uint8_t *in, size_t len, struct brk_status *st);
/* "1.2.3.4:525" or "[fe80::1%2]:525"; "-" for no address. */
char *brk_addr_format(const struct brk_addr *a, char *buf, size_t len);

#endif
