/*
 * tsyncd.conf: one directive a line, '#' starts a comment. Parsing is pure:
 * it takes the file's text and fills a struct; reading the file is the
 * daemon's job. Every error names the file, the line and the directive.
 */
#ifndef TSYNC_CONFIG_H
#define TSYNC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/acl.h"
#include "tsync/leap.h"
#include "tsync/ratelimit.h"

#define CFG_MAX_LISTEN 16
#define CFG_MAX_SERVERS 16
#define CFG_HOST_MAX 256   /* a DNS name is at most 253 characters */
#define CFG_PATH_MAX 256
/* Poll exponents, log2 s: RFC 5905's defaults and upper bound; below 4 (16 s)
 * is for tests and private networks, down to 2^-6 s. */
#define CFG_MINPOLL_DEFAULT 6
#define CFG_MAXPOLL_DEFAULT 10
#define CFG_POLL_MIN (-6)
#define CFG_POLL_MAX 17
/* makestep 1 3, as chrony's default configuration: step at most in the
 * first three updates, and only when more than a second off. */
#define CFG_MAKESTEP_THRESHOLD_DEFAULT 1000000000LL
#define CFG_MAKESTEP_LIMIT_DEFAULT 3
#define CFG_MAXSLEW_DEFAULT 83333.333
/* Losing every source: unsynchronised once the root distance passes 1.5 s
 * (NTPSRC_MAXDIST, past which a client finds us unfit anyway), with no
 * time limit (holdover 0). */
#define CFG_MAXDISTANCE_DEFAULT 1500000000LL
#define CFG_MAXDISTANCE_MAX (16LL * 1000000000LL)
#define CFG_HOLDOVER_MAX (10000000LL * 1000000000LL)
#define CFG_DEFAULT_FILE "/etc/tsyncd.conf"
/* A Unix socket's path, its NUL included (sizeof sockaddr_un.sun_path). */
#define CFG_SOCKET_PATH_MAX 108
/* A user or group name (useradd allows 32 bytes). */
#define CFG_NAME_MAX 33

enum cfg_clock { CFG_CLOCK_SYSTEM, CFG_CLOCK_READONLY, CFG_CLOCK_SIM };

/* The metrics endpoint's port when none is given. */
#define CFG_METRICS_PORT 9974

struct cfg_listen {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t port;    /* 0: any free port (tests) */
};

/* An upstream NTP server, or a pool name standing for every address it
 * resolves to. */
struct cfg_server {
	char host[CFG_HOST_MAX];
	uint16_t port;
	int8_t minpoll, maxpoll; /* log2 s */
	bool iburst, prefer, pool;
	uint32_t key_id;    /* `key ID`: replies must carry its MAC; 0: none */
	bool nts;           /* `nts`: NTS-KE, then NTS-protected requests */
	uint16_t ntsport;   /* `ntsport N`: the NTS-KE port; 0: 4460 */
	unsigned long line; /* where it was given, for errors found at start */
};

/* Berkeley mode (tsync-berkeley(7)); role 0 (none) when not configured. */
#define CFG_IFNAME_MAX 16

enum cfg_brk_role { CFG_BRK_NONE, CFG_BRK_MASTER, CFG_BRK_SLAVE, CFG_BRK_CANDIDATE };

/* `berkeley member NODE key ID`: NODE signs with key ID, and is heard
 * under no other. */
#define CFG_BRK_MEMBER_KEYS 512
struct cfg_brk_member {
	uint64_t node;
	uint32_t key_id;
	unsigned long line;
};

struct cfg_berkeley {
	enum cfg_brk_role role;
	int priority;          /* 0..255 */
	int group_family;      /* AF_INET or AF_INET6 */
	uint8_t group[16];     /* network order */
	uint16_t port;         /* 0: a free port (tests: then use ttl/interface) */
	int ttl;               /* multicast TTL / hop limit */
	char interface[CFG_IFNAME_MAX]; /* "": the kernel's choice */
	int64_t interval;      /* ns */
	int64_t tolerance;     /* ns */
	int64_t maxrtt;        /* ns */
	int64_t step;          /* ns: larger adjustments step, smaller slew */
	int misses;            /* rounds missed before a member is dropped */
	int election;          /* intervals without a POLL before an election */
	uint32_t key_id;       /* 0: none given */
	uint64_t group_id;     /* `berkeley groupid`, in every message; 0 default */
	int frequency;         /* `berkeley frequency on|off`: learn it (default on) */
	double maxdrift_ppm;   /* `berkeley maxdrift`: the average's speed bound; 0 none */
	int auth_none;         /* `berkeley auth none` given */
	uint64_t node;         /* `berkeley node`: our node id; 0: a random one */
	struct cfg_brk_member member[CFG_BRK_MEMBER_KEYS];
	int n_members;         /* rows of member keys */
};

struct tsyncd_config {
	struct cfg_listen listen[CFG_MAX_LISTEN];
	int n_listen;      /* 0: serve no one */
	int stratum;       /* local stratum 1..15; 0 when not configured */
	enum cfg_clock clock;
	int64_t sim_offset; /* ns */
	double sim_drift_ppm;
	int64_t sim_jump_after, sim_jump_by; /* ns; by 0: no jump */
	bool sim_start_set;  /* `start TIME`: the sim clock reads sim_start */
	int64_t sim_start;   /* Unix ns, UTC */
	struct cfg_server server[CFG_MAX_SERVERS];
	int n_servers;
	int64_t makestep_threshold; /* ns */
	int makestep_limit;         /* updates that may step; -1: always */
	double maxslew_ppm;
	int64_t maxdistance; /* ns: unsynchronised past this root distance */
	int64_t holdover;    /* ns since the last update with no source; 0: none */
	char driftfile[CFG_PATH_MAX]; /* "" when none */
	char leapfile[CFG_PATH_MAX];  /* leap-seconds.list; "" when none */
	enum leap_mode leapmode;      /* how the clock passes a leap */
	char control[CFG_SOCKET_PATH_MAX]; /* the control socket; "": none */
	/* Berkeley mode, and the keys file it (and later NTP) takes keys from. */
	struct cfg_berkeley berkeley;
	char keyfile[CFG_PATH_MAX]; /* "": none */
	/* Who the NTP server answers: allow/deny, and the rate limit per
	 * address (used only when ratelimit_on: a `ratelimit` line). */
	struct acl acl;
	struct rl_params ratelimit;
	bool ratelimit_on;
	char file[CFG_PATH_MAX];    /* the file parsed, for errors found at start */
	/* Least privilege: the user to run as once the sockets are bound, the
	 * control socket's group ("": none given) and the seccomp filter. */
	char user[CFG_NAME_MAX];
	char controlgroup[CFG_NAME_MAX];
	bool seccomp;
	/* The Prometheus endpoint (`metrics ADDRESS [port N]`; off unless
	 * given) and who may scrape it (`metricsallow`; none given: loopback). */
	bool metrics_on;
	struct cfg_listen metrics;
	struct acl metrics_acl;
	/* NTS (RFC 8915): the NTS-KE server's certificate chain and private
	 * key (both or neither: "" means no NTS), its TCP port (on each listen
	 * address), the concurrent NTS-KE connections it takes, the folder of
	 * its cookie key file ("": keys in memory only) and their rotation
	 * (s; 0: never). */
	char ntsservercert[CFG_PATH_MAX];
	char ntsserverkey[CFG_PATH_MAX];
	int ntsport;
	int maxntsconnections;
	char ntsdumpdir[CFG_PATH_MAX];
	int ntsrotate;
	/* `ntsntpserver HOST [port N]`: the NTP server the NTS-KE server names
	 * to its clients (Server and Port records), when NTP is served by
	 * another host or process sharing the cookie keys; "": this one. Port
	 * 0: this server's own NTP port. */
	char ntsntpserver[256];
	int ntsntpport;
	/* The certificates an NTS client trusts; "": the system's store. */
	char ntstrustedcerts[CFG_PATH_MAX];
};

#define CFG_NTSPORT_DEFAULT 4460
#define CFG_MAXNTSCONNECTIONS_DEFAULT 100
#define CFG_NTSROTATE_DEFAULT 604800 /* a week, as chrony */

void cfg_init(struct tsyncd_config *cfg);

/* Parse text[0..len) read from the file named filename into cfg (which
 * cfg_init set up). Returns 0, or -EINVAL with a one-line message in
 * err: "FILE:LINE: DIRECTIVE: what is wrong". */
int cfg_parse(struct tsyncd_config *cfg, const char *text, size_t len,
	      const char *filename, char *err, size_t errlen);

/* Fill in the defaults that depend on the whole file (none today: no
 * listen line means no NTP socket). */
void cfg_finish(struct tsyncd_config *cfg);

#endif
