/*
 * Symmetric-key MACs in NTP packets (RFC 5905 §7.3, RFC 8573): a key id
 * and a digest after the header and any extension fields. Pure: bytes
 * and keys in, a verdict or the signed bytes out (digests from nettle).
 */
#ifndef TSYNC_NTP_AUTH_H
#define TSYNC_NTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/keys.h"
#include "tsync/ntp_pkt.h"

/* A key id and at most 20 bytes of digest: the longest MAC an NTPv4
 * packet may carry without being taken for an extension field (RFC 7822
 * §7.5); longer digests are truncated to 20 bytes, as chrony does. Older
 * versions carry the whole digest, up to SHA-512's 64 bytes. */
#define NTP_AUTH_DIGEST_MAX 20
#define NTP_AUTH_MAC_MAX (4 + NTP_AUTH_DIGEST_MAX)
#define NTP_AUTH_V3_DIGEST_MAX 64
#define NTP_AUTH_V3_MAC_MAX (4 + NTP_AUTH_V3_DIGEST_MAX)
#define NTP_AUTH_NAK_LEN 4 /* a crypto-NAK: key id 0 alone */

/* What the MAC of a packet says. */
enum ntp_auth_result {
	NTP_AUTH_NONE = 0,    /* no MAC */
	NTP_AUTH_OK,          /* a valid MAC under a key of the ring */
	NTP_AUTH_NAK,         /* a lone key id (RFC 5905's crypto-NAK) */
	NTP_AUTH_UNKNOWN_KEY, /* a key id not in the ring, or not an NTP key */
	NTP_AUTH_BAD_MAC,     /* a known key, but the digest (or its length) is wrong */
};

/* Bytes of digest key k puts in an NTPv4 packet: 16 for AES-CMAC, 20
 * for the (truncated) hashes; 0 if k is not an NTP key (hmac-sha256). */
size_t ntp_auth_digest_len(const struct keys_key *k);
/* The same in a packet of this version: before 4, the whole digest (32
 * bytes for SHA256, 64 for SHA512). */
size_t ntp_auth_digest_len_v(const struct keys_key *k, int version);

/* Append k's MAC of pkt[0..len) (key id, then digest, as long as the
 * packet's version asks: ntp_auth_digest_len_v) at pkt + len.
 * Returns the signed packet's length, or 0 if k is not an NTP key or
 * cap is too small. */
size_t ntp_auth_sign(const struct keys_key *k, uint8_t *pkt, size_t len, size_t cap);

/* Check the MAC of a decoded packet pkt (p from ntp_pkt_decode) against
 * the ring (NULL: no keys). On NTP_AUTH_OK, *key (if not NULL) is the
 * key that signed it. The digest is compared in constant time. */
int ntp_auth_check(const struct keys_ring *ring, const uint8_t *pkt, const struct ntp_pkt *p,
		   const struct keys_key **key);

/* The same for a client that expects key k and no other: a MAC under
 * any other key id is NTP_AUTH_UNKNOWN_KEY. */
int ntp_auth_check_key(const struct keys_key *k, const uint8_t *pkt, const struct ntp_pkt *p);

/* The key id of a decoded packet's MAC; 0 if it has none. */
uint32_t ntp_auth_key_id(const uint8_t *pkt, const struct ntp_pkt *p);

const char *ntp_auth_result_name(int result);

#endif
