/*
 * The server key, client keys and unique identifier that the NTS fuzz
 * targets and gen_corpus.c share, so that seeds made with them reach the
 * authenticated paths.
 */
#ifndef TSYNC_FUZZ_NTS_FIXED_H
#define TSYNC_FUZZ_NTS_FIXED_H

#include <string.h>

#include "tsync/nts_ntp.h"

#define FUZZ_NTS_KEY_ID 77

static inline void fuzz_nts_ring(struct nts_cookie_ring *r)
{
	struct nts_cookie_key k = { .id = FUZZ_NTS_KEY_ID, .created = 0 };
	for (int i = 0; i < NTS_KEY_LEN; i++)
		k.key[i] = (uint8_t)(0x30 + i);
	r->n = 0;
	nts_cookie_ring_push(r, &k);
}

/* The client's side: keys, UID. */
static inline void fuzz_nts_client(uint8_t c2s[NTS_KEY_LEN], uint8_t s2c[NTS_KEY_LEN],
				   uint8_t uid[NTS_UID_MIN])
{
	memset(c2s, 0xc2, NTS_KEY_LEN);
	memset(s2c, 0x5c, NTS_KEY_LEN);
	for (int i = 0; i < NTS_UID_MIN; i++)
		uid[i] = (uint8_t)(0x80 + i);
}

#endif
