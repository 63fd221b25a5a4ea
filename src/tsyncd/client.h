/*
 * tsyncd's client role: the upstream servers of the configuration polled
 * on the loop, their replies fed to the pure source, selection and
 * discipline modules, and the outcome applied to the clock and served.
 */
#ifndef TSYNCD_CLIENT_H
#define TSYNCD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "leapsec.h"
#include "ntsclient.h"
#include "resolver.h"
#include "server.h"
#include "tsync/clock.h"
#include "tsync/config.h"
#include "tsync/discipline.h"
#include "tsync/ntp_auth.h"
#include "tsync/ntp_exch.h"
#include "tsync/ntp_select.h"
#include "tsync/ntp_source.h"
#include "tsync/ntp_sys.h"
#include "udp.h"

#define CLIENT_MAX_PEERS CFG_MAX_SERVERS

/* One upstream server: its pure state and its socket and timer. */
struct peer {
	struct client *cl;
	struct ntpsrc src;
	struct udp_sock sock;
	uv_timer_t timer;
	struct sockaddr_storage addr;
	char name[ADDR_STRLEN];    /* "192.0.2.1:123" */
	/* The address the line's name gave (the resolver knows the peer by
	 * it): addr too, unless NTS-KE named another NTP server. */
	struct sockaddr_storage line_addr;
	ntp_ts_t nonce;            /* transmit timestamp of the request out */
	bool waiting;              /* that request is unanswered */
	int64_t t0;                /* the clock just before it went out */
	int64_t t0_mono;           /* and the monotonic clock (uv_hrtime) */
	uint64_t leap_dropped;     /* replies whose exchange spanned a leap */
	struct udp_tx_req tx;      /* and the kernel's stamp of it */
	ntp_ts_t last_xmt;         /* the server's, of the last reply taken */
	int64_t last_offset;       /* of the last sample, ns */
	int closing;               /* handles still to close before free */
	uint64_t rejected[NTP_EXCH_N_RESULTS];
	uint64_t malformed;        /* datagrams that are no NTP packet */
	uint64_t foreign;          /* datagrams from another address */
	uint64_t t0_user;          /* replies taken without the kernel's t0 */
	const struct keys_key *key; /* `key ID`: requests signed, replies checked; NULL: none */
	struct resolver *res;      /* the line whose name gave its address */
	struct names_health health; /* whether that name should replace it */
	/* Replies refused for their MAC, by enum ntp_auth_result: none, a
	 * crypto-NAK, another key id, a bad digest (OK stays 0). */
	uint64_t auth_rejected[NTP_AUTH_BAD_MAC + 1];
	bool offline;              /* `tsync offline`: not polled until online */
	struct ntsclient *nts;     /* `nts`: its NTS state; NULL: none */
	bool nts_parked;           /* NTS-KE named a server another source polls: its polls lost */
	bool reopening;            /* its socket closing, to reopen for another family */
	uint64_t nts_rejected[NTS_CLIENT_N_RESULTS]; /* replies NTS refused, by why */
};

struct client {
	uv_loop_t *loop;
	struct clk *clock;
	struct server *srv;
	const struct tsyncd_config *cfg;
	struct peer *peers[CLIENT_MAX_PEERS];
	int n_peers;
	struct resolver res[CFG_MAX_SERVERS];
	int n_res;
	struct ntp_sys_source list[CLIENT_MAX_PEERS]; /* the peers as ntp_sys sees them */
	struct ntp_sys sys;     /* selection, epochs, discipline, served, sync */
	bool stopping;
	char peer_name[ADDR_STRLEN]; /* the system peer of the last update */
	struct disc_clockpair pair; /* the last clock reading, for jumps */
	int64_t steps_applied;  /* sum of the steps the clock took, ns */
	uv_timer_t watch;       /* once a second: jumps; hourly: drift file */
	unsigned watch_ticks;
	bool adjust_failed;     /* logged once */
	struct leapsec *leap;   /* the daemon's leap seconds; NULL: none */
};

/* Start polling the configured servers (nothing when there are none).
 * Returns 0 or a negative errno, logged. */
int client_start(struct client *cl, uv_loop_t *loop, struct clk *clock, struct server *srv,
		 const struct tsyncd_config *cfg);
/* Each server's `key ID` is in keys and of an NTP type: 0, or -ENOKEY
 * logged. Checked at start, and by `tsyncd -t`. */
int client_check_keys(const struct tsyncd_config *cfg, const struct keys_ring *keys);
/* Close every handle and save the frequency; the loop then ends. */
void client_stop(struct client *cl);
/* leapsec's on_pass: the leap (already applied to the clock) is no jump,
 * and in slew and ignore modes the sources moved against our clock. */
void client_leap_passed(void *cl, const struct leap_pass *p);

/* Poll sa for the line conf of resolver r (resolver.c); refused and logged
 * when it is polled already or no slot is left. */
void client_add_peer(struct client *cl, const struct cfg_server *conf, struct resolver *r,
		     const struct sockaddr *sa, socklen_t len);
/* The control socket's commands (runctl.c): step what is left of the
 * slew in progress now, into *stepped (ns; 0: none left), 0 or a negative
 * errno; a burst to every source polled, how many; sources named by addr
 * (as `tsync sources` prints it, or "all") polled or not, how many
 * (-ENOENT: no such source). */
int client_makestep(struct client *cl, int64_t *stepped);
int client_burst(struct client *cl);
int client_set_online(struct client *cl, const char *addr, bool online);
/* Stop polling p and forget it. */
void client_remove_peer(struct client *cl, struct peer *p);

#endif
