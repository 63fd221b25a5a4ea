/*
 * NTS cookies (RFC 8915 §6): the client's two keys sealed under a server
 * key with AES-SIV-CMAC-256, so that the server keeps no state per
 * client. The server keys rotate; each cookie names its key by id. Also
 * the AEAD itself, as NTS uses it for packets.
 */
#ifndef TSYNC_NTS_COOKIE_H
#define TSYNC_NTS_COOKIE_H

#include <nettle/siv-cmac.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_KEY_LEN 32   /* AEAD_AES_SIV_CMAC_256: two AES-128 keys */
#define NTS_TAG_LEN 16   /* the SIV */
#define NTS_NONCE_LEN 16 /* the nonces this implementation sends */
/* key id, nonce, SIV, C2S and S2C encrypted */
#define NTS_COOKIE_LEN (4 + NTS_NONCE_LEN + NTS_TAG_LEN + 2 * NTS_KEY_LEN)
#define NTS_COOKIE_KEYS 3 /* the current key and the two before it */

/* AEAD_AES_SIV_CMAC_256 of RFC 5297 as RFC 8915 uses it: one associated
 * data, a nonce, out = SIV || ciphertext (pt_len + NTS_TAG_LEN bytes).
 * out may not overlap pt. */
void nts_aead_seal(const uint8_t key[NTS_KEY_LEN], const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
/* Open ct[0..ct_len) into out (ct_len - NTS_TAG_LEN bytes); false when
 * ct_len < NTS_TAG_LEN or the SIV does not verify. */
bool nts_aead_open(const uint8_t key[NTS_KEY_LEN], const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);

struct nts_cookie_key {
	uint32_t id;
	uint8_t key[NTS_KEY_LEN];
	int64_t created; /* Unix s: when to rotate */
};

/* k[0] is the key new cookies are sealed with; older ones still open.
 * ctx[i] is k[i]'s AES-SIV key schedule, made as the key joins the ring
 * (push, parse): the server opens and seals a cookie with each NTS
 * reply, and setting up the keys each time cost a twentieth of it. */
struct nts_cookie_ring {
	struct nts_cookie_key k[NTS_COOKIE_KEYS];
	struct siv_cmac_aes128_ctx ctx[NTS_COOKIE_KEYS];
	int n;
};

/* Make k the current key; the oldest one drops out when the ring is full. */
void nts_cookie_ring_push(struct nts_cookie_ring *r, const struct nts_cookie_key *k);

/* True when the current key is older than rotate seconds at now (or there
 * is none); rotate 0: never. */
bool nts_cookie_ring_due(const struct nts_cookie_ring *r, int64_t now, int64_t rotate);

/* The ring as a text file, one "ID HEX64 CREATED" line a key, current
 * first; returns the length, 0 when cap is too small. */
size_t nts_cookie_ring_format(const struct nts_cookie_ring *r, char *out, size_t cap);
/* Parse such a file. Returns 0, or -EINVAL with "LINE: what" in err. */
int nts_cookie_ring_parse(struct nts_cookie_ring *r, const char *text, size_t len, char *err,
			  size_t errlen);

/* Seal c2s and s2c under the ring's current key with a fresh nonce into
 * out[NTS_COOKIE_LEN]. The ring must have a key. */
void nts_cookie_seal(const struct nts_cookie_ring *r, const uint8_t c2s[NTS_KEY_LEN],
		     const uint8_t s2c[NTS_KEY_LEN], const uint8_t nonce[NTS_NONCE_LEN],
		     uint8_t out[NTS_COOKIE_LEN]);

enum nts_cookie_result {
	NTS_COOKIE_OK = 0,
	NTS_COOKIE_LENGTH,  /* not NTS_COOKIE_LEN bytes: not ours */
	NTS_COOKIE_OLD_KEY, /* its key id is no longer (or never was) in the ring */
	NTS_COOKIE_FORGED,  /* the SIV does not verify */
};

/* Open a cookie. Returns an enum nts_cookie_result; the keys are written
 * only on NTS_COOKIE_OK. */
int nts_cookie_open(const struct nts_cookie_ring *r, const uint8_t *cookie, size_t len,
		    uint8_t c2s[NTS_KEY_LEN], uint8_t s2c[NTS_KEY_LEN]);

#endif
