/*
 * `tsync query`: a one-shot measurement of any NTP server, and what it
 * found, for the printers in output.c.
 */
#ifndef TSYNC_QUERY_H
#define TSYNC_QUERY_H

#include <stdbool.h>

#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"

#define QUERY_MAX_EXCH 100 /* -c's largest */

/* What became of one request of a query (--verbose lists them all). */
enum query_fate {
	QUERY_NO_REPLY,  /* none came within -t */
	QUERY_SAMPLE,    /* a valid reply: t0..t3 and its sample */
	QUERY_REFUSED,   /* a reply that is not a sample: see reject */
};

struct query_exch {
	enum query_fate fate;
	int reject; /* enum ntp_exch_result, for QUERY_REFUSED */
	int64_t t0, t1, t2, t3;
	struct ntp_sample sample;
};

/* The best (minimum-delay) valid exchange of a query. */
struct query_result {
	const char *name; /* the host as given */
	char server[64]; /* address:port as queried */
	char host[64];   /* the address alone */
	unsigned port;
	struct ntp_pkt reply;
	int64_t t0, t1, t2, t3;
	bool t0_kernel;  /* t0 is the kernel's transmit stamp, not a reading */
	struct ntp_sample sample;
	int sent, valid;
	int kernel_t0;   /* valid samples whose t0 was the kernel's */
	uint32_t key_id; /* replies verified under this key; 0: no key */
	struct query_exch exch[QUERY_MAX_EXCH]; /* every request, in order */
	int kept;            /* the index in exch of the best one */
	int64_t min_transit; /* --min-transit, ns: the tighter Cristian bound; -1 none */
	bool verbose;        /* --verbose: print every exchange */
	bool nts;        /* every sample authenticated by NTS (--nts) */
};

int query_main(int argc, char **argv);

void output_text(const struct query_result *r, bool cristian);
void output_json(const struct query_result *r, bool cristian);

#endif
