/*
 * tsyncd's Berkeley role: the group's sockets and timer on the loop, the
 * keys, and the clock changes the pure brk_node decides. Counts every
 * datagram it drops and why. A library of its own: tools/brkbench runs
 * hundreds of these on one loop.
 */
#ifndef TSYNCD_BERKELEY_H
#define TSYNCD_BERKELEY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "tsync/brk_auth.h"
#include "tsync/brk_node.h"
#include "tsync/brk_status.h"
#include "tsync/clock.h"
#include "tsync/config.h"
#include "udp.h"

struct berkeley_stats {
	uint64_t received;
	uint64_t malformed;   /* framing: length, magic, version, type, reserved */
	uint64_t unknown_key; /* a key id we do not use */
	uint64_t bad_mac;
	uint64_t impostor;    /* a node with a key of its own under another key, or a
				 member's key for another node (brk_auth) */
	uint64_t send_error;
	uint64_t clock_error;
};

struct berkeley {
	bool enabled;
	uv_loop_t *loop;
	struct clk *clock;
	struct clk *host;        /* readonly: the offset of our clock, for logs */
	struct udp_sock group;   /* bound to the group: POLLs */
	struct udp_sock uni;     /* a free port: everything else, and sends */
	uv_timer_t timer;
	bool timer_open;
	int open_socks;
	struct sockaddr_storage group_addr;
	struct brk_keyring keys;
	const struct brk_key *key; /* what we sign with: our own member key, else
				      the group's; NULL: auth none */
	struct brk_auth auth;     /* whose key speaks for whom */
	struct brk_member_key member_keys[BRK_MAX_MEMBER_KEYS];
	struct brk_node *node;    /* allocated while enabled (58 kB) */
	struct brk_actions *acts; /* allocated while enabled (70 kB) */
	double maxslew_ppm;      /* the rate of every slew */
	struct brk_bind bind;    /* the group's address and port, under each MAC */
	struct berkeley_stats stats;
};

/* Start the role if cfg has one (else do nothing and return 0). Returns 0
 * or a negative errno, having logged why; b must then be stopped too. */
int berkeley_start(struct berkeley *b, uv_loop_t *loop, struct clk *clock,
		   const struct tsyncd_config *cfg);
/* The group's key (berkeley key ID) and our own member key in keys, and
 * every key of these and of the members' we hold of type hmac-sha256: 0,
 * or -ENOKEY logged; *key is the one we sign with. Also what `tsyncd -t`
 * checks. */
int berkeley_check_key(const struct brk_keyring *keys, const struct tsyncd_config *cfg,
		       const struct brk_key **key);
/* Close the sockets and the timer; the loop then ends by itself. */
void berkeley_stop(struct berkeley *b);
/* State and our clock's offset from the host's, one line (its counters
 * are counters.c's rows). */
void berkeley_log_clock(const struct berkeley *b);
/* The snapshot `tsync berkeley` prints. */
void berkeley_status(const struct berkeley *b, struct brk_status *st);
/* The control socket's BERKELEY command (a control_handler; ctx is the
 * struct berkeley): the snapshot in its wire form, role "none" when the
 * daemon is in no group. */
int berkeley_ctl(void *ctx, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap);
/* For the NTP client on a master: while synced, the master's clock follows
 * NTP and the group's average moves the slaves only. */
void berkeley_set_ntp_synced(struct berkeley *b, bool synced);

#endif
