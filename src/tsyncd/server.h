/*
 * tsyncd's server role: NTP sockets on the loop, each request answered
 * through the pure ntp_server_reply, every outcome counted.
 */
#ifndef TSYNCD_SERVER_H
#define TSYNCD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "tsync/clock.h"
#include "tsync/config.h"
#include "tsync/ntp_server.h"
#include "tsync/nts_ntp.h"
#include "server_access.h"

struct server_stats {
	uint64_t received;
	uint64_t replied;
	uint64_t send_error;
	uint64_t result[NTP_SERVER_N_RESULTS]; /* by enum ntp_server_result */
};

struct listener;

/* NTS replies per getrandom: one system call cost as much as a sixth of
 * an NTS reply (BENCHMARKS.md). */
#define SERVER_NTS_RANDOM_REPLIES 32

struct server {
	uv_loop_t *loop;
	struct clk *clock;
	struct ntp_server_state state;
	int local_stratum; /* 0: none */
	bool upstream;     /* state comes from the client role, not local */
	struct listener *listeners[CFG_MAX_LISTEN];
	int n_listeners;
	struct server_stats stats;
	struct server_access access; /* allow/deny, rate limit, their counters */
	struct keys_ring keys;  /* the keys file's, when there is one (state.keys) */
	/* NTS (RFC 8915): on once ntske_start has keys in nts_ring, which it
	 * rotates; every NTS request's outcome counted. */
	bool nts_on;
	struct nts_cookie_ring nts_ring;
	uint64_t nts[NTS_SERVER_N_RESULTS]; /* by enum nts_server_result */
	/* Nonces for NTS replies, drawn from the kernel for many replies at
	 * a time; each byte used once, then wiped. */
	uint8_t nts_rnd[NTS_SERVER_RANDOM * SERVER_NTS_RANDOM_REPLIES];
	size_t nts_rnd_pos, nts_rnd_len;
};

/* Load the keys file if cfg names one (the client role takes its keys
 * from here too), then open every listen address of cfg. Returns 0 or a
 * negative errno, having logged what failed. */
int server_start(struct server *srv, uv_loop_t *loop, struct clk *clock,
		 const struct tsyncd_config *cfg);
/* The port the first NTP socket is bound to (0: none), which NTS-KE
 * tells its clients. */
uint16_t server_ntp_port(const struct server *srv);
/* Close every socket; the loop then ends by itself. */
void server_stop(struct server *srv);
/* A listen line's address and port as a socket address. */
void server_sockaddr(const struct cfg_listen *l, struct sockaddr_storage *ss);
/* Requests received without a kernel timestamp, on every socket. */
uint64_t server_unstamped(const struct server *srv);
/* Serve what the client role learnt from upstream: stratum, refid, root
 * delay and dispersion, leap, reference time. */
void server_set_upstream(struct server *srv, const struct ntp_server_state *st);
/* Every source lost: serve the local stratum again, or unsynchronised. */
void server_lost_upstream(struct server *srv);

#endif
