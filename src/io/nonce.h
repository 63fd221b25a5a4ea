/*
 * Random 64-bit transmit timestamps for client requests: the reply must
 * echo it, so a spoofer off the path cannot guess it, and it tells an
 * observer nothing about our clock (chrony does the same).
 */
#ifndef TSYNC_NONCE_H
#define TSYNC_NONCE_H

#include "tsync/ntp_ts.h"

/* Never 0, which NTP reads as "no timestamp". */
ntp_ts_t nonce_new(void);

#endif
