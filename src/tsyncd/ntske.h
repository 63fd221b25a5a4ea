/*
 * tsyncd's NTS-KE server (RFC 8915 §4): TLS 1.3 over TCP on the libuv
 * loop with GnuTLS, ALPN "ntske/1", keys exported for each client and
 * sealed into eight cookies under the server's rotating cookie keys
 * (kept in the NTS dump folder), bounded in connections and time.
 */
#ifndef TSYNCD_NTSKE_H
#define TSYNCD_NTSKE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "tsync/clock.h"
#include "tsync/config.h"
#include "server.h"

/* Each outcome of a connection, counted; open is a level (a gauge). */
struct ntske_stats {
	uint64_t open;      /* connections open now, at most maxntsconnections */
	uint64_t accepted;
	uint64_t busy;      /* refused: maxntsconnections already open */
	uint64_t tls_fail;  /* handshake failed: not TLS 1.3, no ntske/1, any alert,
			     * the client gone before its end */
	uint64_t timeout;   /* closed at the deadline: not done, or the client not
			     * gone after its response */
	uint64_t served;    /* keys and cookies sent */
	uint64_t refused;   /* answered with an Error record, or nothing in common */
	uint64_t closed_early; /* the client left before its request was whole */
	uint64_t rotations; /* cookie keys made */
	uint64_t error;     /* accepts, keys, cookies or writes of ours that failed */
};

struct ntske_conn;
struct ntske_listener;

struct ntske {
	uv_loop_t *loop;
	struct clk *clock;
	struct server *srv; /* its nts_ring holds the cookie keys */
	void *cred;         /* gnutls_certificate_credentials_t */
	void *prio;         /* gnutls_priority_t */
	struct ntske_listener *lis[CFG_MAX_LISTEN];
	int n_lis;
	struct ntske_conn *conns; /* open ones, for shutdown */
	int max_active;
	uv_timer_t rotate_timer;
	bool timer_on;
	char keyfile[CFG_PATH_MAX + 16]; /* "": in memory only */
	int64_t rotate; /* s */
	uint16_t ntp_port;
	char ntp_server[256]; /* `ntsntpserver`: the Server record's; "": none */
	struct ntske_stats stats;
};

/* With ntsservercert in cfg: read the certificate and key (before the
 * privilege drop), load or make the cookie keys, listen on ntsport of each
 * listen address and turn NTS on in srv. Without it: nothing, 0. Returns
 * 0 or a negative errno, having logged why. */
int ntske_start(struct ntske *ke, uv_loop_t *loop, struct clk *clock, struct server *srv,
		const struct tsyncd_config *cfg);
void ntske_stop(struct ntske *ke);

#endif
