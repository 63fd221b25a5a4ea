/*
 * NTP MACs: AES-CMAC (RFC 4493, as RFC 8573 asks) and the legacy
 * H(key || packet) digests that chrony and ntpd compute for SHA1, SHA256
 * and SHA512 keys. Digests come from nettle; nothing here has I/O.
 */
#include "tsync/ntp_auth.h"

#include <nettle/cmac.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <string.h>

#define HASH_MAX 64 /* SHA-512 */

static uint32_t get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

size_t ntp_auth_digest_len_v(const struct keys_key *k, int version)
{
	switch (k->type) {
	case KEYS_AES128:
	case KEYS_AES256: return 16;
	case KEYS_SHA1: return SHA1_DIGEST_SIZE;
	case KEYS_SHA256: return version < 4 ? SHA256_DIGEST_SIZE : NTP_AUTH_DIGEST_MAX;
	case KEYS_SHA512: return version < 4 ? SHA512_DIGEST_SIZE : NTP_AUTH_DIGEST_MAX;
	default: return 0;
	}
}

size_t ntp_auth_digest_len(const struct keys_key *k)
{
	return ntp_auth_digest_len_v(k, NTP_VERSION);
}

static int version_of(const uint8_t *pkt)
{
	return (pkt[0] >> 3) & 7;
}

/* The contexts hold the key schedule: wiped before the stack is reused. */
static void cmac(const struct keys_key *k, const uint8_t *d, size_t n, uint8_t out[16])
{
	if (k->type == KEYS_AES128) {
		struct cmac_aes128_ctx c;
		cmac_aes128_set_key(&c, k->secret);
		cmac_aes128_update(&c, n, d);
		cmac_aes128_digest(&c, 16, out);
		memset(&c, 0, sizeof(c));
	} else {
		struct cmac_aes256_ctx c;
		cmac_aes256_set_key(&c, k->secret);
		cmac_aes256_update(&c, n, d);
		cmac_aes256_digest(&c, 16, out);
		memset(&c, 0, sizeof(c));
	}
}

/* H(key || data), the whole hash; the caller truncates. */
static void hash(const struct keys_key *k, const uint8_t *d, size_t n, uint8_t out[HASH_MAX])
{
	union {
		struct sha1_ctx s1;
		struct sha256_ctx s256;
		struct sha512_ctx s512;
	} c;
	switch (k->type) {
	case KEYS_SHA1:
		sha1_init(&c.s1);
		sha1_update(&c.s1, k->len, k->secret);
		sha1_update(&c.s1, n, d);
		sha1_digest(&c.s1, SHA1_DIGEST_SIZE, out);
		break;
	case KEYS_SHA256:
		sha256_init(&c.s256);
		sha256_update(&c.s256, k->len, k->secret);
		sha256_update(&c.s256, n, d);
		sha256_digest(&c.s256, SHA256_DIGEST_SIZE, out);
		break;
	default:
		sha512_init(&c.s512);
		sha512_update(&c.s512, k->len, k->secret);
		sha512_update(&c.s512, n, d);
		sha512_digest(&c.s512, SHA512_DIGEST_SIZE, out);
	}
	memset(&c, 0, sizeof(c));
}

/* k's digest of the packet d[0..n), cut to its length on the wire. */
static size_t digest(const struct keys_key *k, const uint8_t *d, size_t n,
		     uint8_t out[NTP_AUTH_V3_DIGEST_MAX])
{
	uint8_t full[HASH_MAX];
	size_t len = ntp_auth_digest_len_v(k, version_of(d));
	if (len == 16)
		cmac(k, d, n, out);
	else if (len != 0) {
		hash(k, d, n, full);
		memcpy(out, full, len);
		memset(full, 0, sizeof(full));
	}
	return len;
}

size_t ntp_auth_sign(const struct keys_key *k, uint8_t *pkt, size_t len, size_t cap)
{
	size_t dlen = ntp_auth_digest_len_v(k, version_of(pkt));
	if (dlen == 0 || cap < len || cap - len < 4 + dlen)
		return 0;
	put32(pkt + len, k->id);
	digest(k, pkt, len, pkt + len + 4);
	return len + 4 + dlen;
}

/* No early exit: the time taken says nothing of where a forgery differs. */
static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

uint32_t ntp_auth_key_id(const uint8_t *pkt, const struct ntp_pkt *p)
{
	return p->mac_len >= 4 ? get32(pkt + NTP_PKT_LEN + p->ext_len) : 0;
}

/* k is the key the MAC names: does its digest match? */
static int verify(const struct keys_key *k, const uint8_t *pkt, const struct ntp_pkt *p)
{
	uint8_t want[NTP_AUTH_V3_DIGEST_MAX];
	size_t signed_len = NTP_PKT_LEN + (size_t)p->ext_len;
	size_t dlen = digest(k, pkt, signed_len, want);
	bool ok = dlen != 0 && p->mac_len == 4 + dlen && equal_ct(want, pkt + signed_len + 4, dlen);
	memset(want, 0, sizeof(want));
	return ok ? NTP_AUTH_OK : NTP_AUTH_BAD_MAC;
}

static int no_mac(const struct ntp_pkt *p)
{
	if (p->mac_len == 0)
		return NTP_AUTH_NONE;
	return p->mac_len == NTP_AUTH_NAK_LEN ? NTP_AUTH_NAK : -1;
}

int ntp_auth_check(const struct keys_ring *ring, const uint8_t *pkt, const struct ntp_pkt *p,
		   const struct keys_key **key)
{
	int res = no_mac(p);
	if (res >= 0)
		return res;
	const struct keys_key *k = ring != NULL ? keys_find(ring, ntp_auth_key_id(pkt, p)) : NULL;
	if (k == NULL || ntp_auth_digest_len(k) == 0)
		return NTP_AUTH_UNKNOWN_KEY;
	res = verify(k, pkt, p);
	if (res == NTP_AUTH_OK && key != NULL)
		*key = k;
	return res;
}

int ntp_auth_check_key(const struct keys_key *k, const uint8_t *pkt, const struct ntp_pkt *p)
{
	int res = no_mac(p);
	if (res >= 0)
		return res;
	if (ntp_auth_key_id(pkt, p) != k->id)
		return NTP_AUTH_UNKNOWN_KEY;
	return verify(k, pkt, p);
}

const char *ntp_auth_result_name(int result)
{
	switch (result) {
	case NTP_AUTH_NONE: return "none";
	case NTP_AUTH_OK: return "ok";
	case NTP_AUTH_NAK: return "crypto-NAK";
	case NTP_AUTH_UNKNOWN_KEY: return "unknown key";
	case NTP_AUTH_BAD_MAC: return "bad MAC";
	default: return "unknown";
	}
}
