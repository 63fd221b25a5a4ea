/*
 * NTS cookies: key id (4), nonce (16), then AES-SIV-CMAC-256 of C2S || S2C
 * under the server key the id names, with the id as associated data so
 * that a cookie cannot be moved to another key. The AEAD is nettle's.
 */
#include "tsync/nts_cookie.h"

#include <errno.h>
#include <inttypes.h>
#include <nettle/siv-cmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/keys.h"

_Static_assert(SIV_CMAC_AES128_KEY_SIZE == NTS_KEY_LEN, "AES-SIV-CMAC-256 key");
_Static_assert(SIV_DIGEST_SIZE == NTS_TAG_LEN, "SIV length");

void nts_aead_seal(const uint8_t key[NTS_KEY_LEN], const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	struct siv_cmac_aes128_ctx ctx;
	siv_cmac_aes128_set_key(&ctx, key);
	siv_cmac_aes128_encrypt_message(&ctx, nonce_len, nonce, ad_len, ad, pt_len + NTS_TAG_LEN,
					out, pt);
	memset(&ctx, 0, sizeof(ctx));
}

bool nts_aead_open(const uint8_t key[NTS_KEY_LEN], const uint8_t *nonce, size_t nonce_len,
		   const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	if (ct_len < NTS_TAG_LEN || nonce_len < SIV_MIN_NONCE_SIZE)
		return false;
	struct siv_cmac_aes128_ctx ctx;
	siv_cmac_aes128_set_key(&ctx, key);
	int ok = siv_cmac_aes128_decrypt_message(&ctx, nonce_len, nonce, ad_len, ad,
						 ct_len - NTS_TAG_LEN, out, ct);
	memset(&ctx, 0, sizeof(ctx));
	return ok != 0;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

void nts_cookie_ring_push(struct nts_cookie_ring *r, const struct nts_cookie_key *k)
{
	int keep = r->n < NTS_COOKIE_KEYS ? r->n : NTS_COOKIE_KEYS - 1;
	memmove(&r->k[1], &r->k[0], (size_t)keep * sizeof(r->k[0]));
	memmove(&r->ctx[1], &r->ctx[0], (size_t)keep * sizeof(r->ctx[0]));
	r->k[0] = *k;
	siv_cmac_aes128_set_key(&r->ctx[0], k->key);
	r->n = keep + 1;
}

bool nts_cookie_ring_due(const struct nts_cookie_ring *r, int64_t now, int64_t rotate)
{
	if (r->n == 0)
		return true;
	return rotate > 0 && now - r->k[0].created >= rotate;
}

size_t nts_cookie_ring_format(const struct nts_cookie_ring *r, char *out, size_t cap)
{
	size_t off = 0;
	for (int i = 0; i < r->n; i++) {
		char hex[2 * NTS_KEY_LEN + 1];
		for (int j = 0; j < NTS_KEY_LEN; j++)
			snprintf(hex + 2 * j, 3, "%02x", r->k[i].key[j]);
		int n = snprintf(out + off, cap - off, "%" PRIu32 " %s %" PRId64 "\n", r->k[i].id,
				 hex, r->k[i].created);
		if (n < 0 || (size_t)n >= cap - off)
			return 0;
		off += (size_t)n;
	}
	return off;
}

static bool parse_hex_key(const char *s, uint8_t key[NTS_KEY_LEN])
{
	if (strlen(s) != 2 * NTS_KEY_LEN)
		return false;
	for (int i = 0; i < NTS_KEY_LEN; i++) {
		int hi = keys_hex_value(s[2 * i]), lo = keys_hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "ID HEX CREATED": three words, all checked. */
static bool parse_line(char *line, struct nts_cookie_key *k)
{
	char *save, *w[4];
	int n = 0;
	for (char *t = strtok_r(line, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save))
		if (n < 4)
			w[n++] = t;
		else
			return false;
	if (n != 3 || w[0][0] < '0' || w[0][0] > '9' || (w[2][0] < '0' || w[2][0] > '9'))
		return false;
	char *end;
	errno = 0;
	unsigned long long id = strtoull(w[0], &end, 10);
	if (*end != '\0' || errno != 0 || id > UINT32_MAX)
		return false;
	long long created = strtoll(w[2], &end, 10);
	if (*end != '\0' || errno != 0)
		return false;
	k->id = (uint32_t)id;
	k->created = created;
	return parse_hex_key(w[1], k->key);
}

int nts_cookie_ring_parse(struct nts_cookie_ring *r, const char *text, size_t len, char *err,
			  size_t errlen)
{
	struct nts_cookie_ring out = { .n = 0 };
	size_t off = 0;
	for (int lineno = 1; off < len; lineno++) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		char line[160];
		if (n >= sizeof(line) || out.n == NTS_COOKIE_KEYS || memchr(text + off, '\0', n)) {
			snprintf(err, errlen, "%d: too long, or more than %d keys", lineno,
				 NTS_COOKIE_KEYS);
			return -EINVAL;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (!parse_line(line, &out.k[out.n])) {
			snprintf(err, errlen, "%d: not \"ID HEX64 CREATED\"", lineno);
			return -EINVAL;
		}
		siv_cmac_aes128_set_key(&out.ctx[out.n], out.k[out.n].key);
		out.n++;
		off += n + 1;
	}
	*r = out;
	memset(&out, 0, sizeof(out));
	return 0;
}

void nts_cookie_seal(const struct nts_cookie_ring *r, const uint8_t c2s[NTS_KEY_LEN],
		     const uint8_t s2c[NTS_KEY_LEN], const uint8_t nonce[NTS_NONCE_LEN],
		     uint8_t out[NTS_COOKIE_LEN])
{
	uint8_t pt[2 * NTS_KEY_LEN];
	memcpy(pt, c2s, NTS_KEY_LEN);
	memcpy(pt + NTS_KEY_LEN, s2c, NTS_KEY_LEN);
	put32(out, r->k[0].id);
	memcpy(out + 4, nonce, NTS_NONCE_LEN);
	siv_cmac_aes128_encrypt_message(&r->ctx[0], NTS_NONCE_LEN, nonce, 4, out,
					sizeof(pt) + NTS_TAG_LEN, out + 4 + NTS_NONCE_LEN, pt);
	memset(pt, 0, sizeof(pt));
}

int nts_cookie_open(const struct nts_cookie_ring *r, const uint8_t *cookie, size_t len,
		    uint8_t c2s[NTS_KEY_LEN], uint8_t s2c[NTS_KEY_LEN])
{
	if (len != NTS_COOKIE_LEN)
		return NTS_COOKIE_LENGTH;
	uint32_t id = get32(cookie);
	const struct siv_cmac_aes128_ctx *ctx = NULL;
	for (int i = 0; i < r->n && ctx == NULL; i++)
		if (r->k[i].id == id)
			ctx = &r->ctx[i];
	if (ctx == NULL)
		return NTS_COOKIE_OLD_KEY;
	uint8_t pt[2 * NTS_KEY_LEN];
	if (!siv_cmac_aes128_decrypt_message(ctx, NTS_NONCE_LEN, cookie + 4, 4, cookie, sizeof(pt),
					     pt, cookie + 4 + NTS_NONCE_LEN))
		return NTS_COOKIE_FORGED;
	memcpy(c2s, pt, NTS_KEY_LEN);
	memcpy(s2c, pt + NTS_KEY_LEN, NTS_KEY_LEN);
	memset(pt, 0, sizeof(pt));
	return NTS_COOKIE_OK;
}
