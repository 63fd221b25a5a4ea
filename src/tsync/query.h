/*
 * `tsync query`: a one-shot measurement of any NTP server, and what it
 * found, for the printers in output.c.
 */
#ifndef TSYNC_QUERY_H
#define TSYNC_QUERY_H

#include <stdbool.h>

#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"

/* The best (minimum-delay) valid exchange of a query. */
struct query_result {
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
	bool nts;        /* every sample authenticated by NTS (--nts) */
};

int query_main(int argc, char **argv);

void output_text(const struct query_result *r, bool cristian);
void output_json(const struct query_result *r, bool cristian);

#endif
