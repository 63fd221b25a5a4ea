/*
 * tsyncd.conf: one directive a line, '#' starts a comment. Parsing is pure:
 * it takes the file's text and fills a struct; reading the file is the
 * daemon's job. Every error names the file, the line and the directive.
 */
#ifndef TSYNC_CONFIG_H
#define TSYNC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_LISTEN 16
#define CFG_DEFAULT_FILE "/etc/tsyncd.conf"
/* A Unix socket's path, its NUL included (sizeof sockaddr_un.sun_path). */
#define CFG_SOCKET_PATH_MAX 108

enum cfg_clock { CFG_CLOCK_SYSTEM, CFG_CLOCK_READONLY, CFG_CLOCK_SIM };

struct cfg_listen {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t port;    /* 0: any free port (tests) */
};

struct tsyncd_config {
	struct cfg_listen listen[CFG_MAX_LISTEN];
	int n_listen;      /* 0: the default, 0.0.0.0 and :: on port 123 */
	int stratum;       /* local stratum 1..15; 0 when not configured */
	enum cfg_clock clock;
	int64_t sim_offset; /* ns */
	double sim_drift_ppm;
	char control[CFG_SOCKET_PATH_MAX]; /* the control socket; "": none */
};

void cfg_init(struct tsyncd_config *cfg);

/* Parse text[0..len) read from the file named filename into cfg (which
 * cfg_init set up). Returns 0, or -EINVAL with a one-line message in
 * err: "FILE:LINE: DIRECTIVE: what is wrong". */
int cfg_parse(struct tsyncd_config *cfg, const char *text, size_t len,
	      const char *filename, char *err, size_t errlen);

/* Fill in the defaults that depend on the whole file (the listen
 * addresses when none was given). */
void cfg_finish(struct tsyncd_config *cfg);

#endif
