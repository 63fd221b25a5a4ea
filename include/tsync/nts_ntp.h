/*
 * NTS extension fields for NTPv4 (RFC 8915 §5): Unique Identifier, NTS
 * Cookie, Cookie Placeholder and Authenticator-and-Encrypted fields, found
 * in a packet with every length checked; the server's sealed reply or NTS
 * NAK, and the client's request and reply check. Pure: random bytes and
 * timestamps come from the caller.
 */
#ifndef TSYNC_NTS_NTP_H
#define TSYNC_NTS_NTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/nts_cookie.h"
#include "tsync/nts_ke.h"
#include "tsync/ntp_pkt.h"

#define NTS_EF_UID 0x0104
#define NTS_EF_COOKIE 0x0204
#define NTS_EF_PLACEHOLDER 0x0304
#define NTS_EF_AUTH 0x0404
#define NTS_UID_MIN 32  /* RFC 8915 §5.3: at least 32 octets */
#define NTS_UID_MAX 256 /* what this implementation echoes, at most */
#define NTS_EF_HDR 4
/* The most cookies a reply carries (and a client keeps). */
#define NTS_MAX_COOKIES 8
/* Random bytes nts_server_seal takes: a nonce for the reply and one for
 * each cookie. */
#define NTS_SERVER_RANDOM (NTS_NONCE_LEN * (1 + NTS_MAX_COOKIES))
/* The largest NTS reply the server builds: that fits a send batch's slot. */
#define NTS_REPLY_MAX 1024

/* The NTS fields of one packet, as pointers into it. */
struct nts_ntp_fields {
	int n_nts;             /* NTS fields seen: 0 means not an NTS packet */
	const uint8_t *uid;
	size_t uid_len;
	const uint8_t *cookie; /* the unencrypted cookie's body */
	size_t cookie_len;
	int n_placeholders;    /* those as long as the cookie field */
	size_t auth_off;       /* where the authenticator starts: the AAD's length */
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *ct;     /* SIV || ciphertext */
	size_t ct_len;
};

enum nts_ntp_parse_result {
	NTS_NTP_OK = 0,
	NTS_NTP_NONE,      /* no NTS field: an ordinary packet */
	NTS_NTP_MALFORMED, /* a length, a field twice, a field after the
			    * authenticator, a MAC, a short nonce or SIV */
};

/* Find the NTS fields of pkt[0..len), which ntp_pkt_decode turned into *p.
 * Returns an enum nts_ntp_parse_result. */
int nts_ntp_parse(const uint8_t *pkt, size_t len, const struct ntp_pkt *p,
		  struct nts_ntp_fields *f);

/* What the server makes of an NTS request. Each has a counter. */
enum nts_server_result {
	NTS_SERVER_NOT_NTS = 0,  /* no NTS field: answer as ever */
	NTS_SERVER_REPLY,        /* authenticated: sealed reply with cookies */
	NTS_SERVER_MALFORMED,    /* dropped: nts_ntp_parse refused it, or it
				  * lacks the UID, cookie or authenticator */
	NTS_SERVER_NAK_COOKIE,   /* NTS NAK: a cookie we cannot open */
	NTS_SERVER_NAK_AUTH,     /* NTS NAK: the authenticator fails */
	NTS_SERVER_N_RESULTS
};

/* Turn the plain reply out[0..NTP_PKT_LEN) that ntp_server_reply built for
 * the request req[0..req_len) (decoded as *p) into an NTS reply: the UID
 * echoed, then the authenticator (nonce from rnd) over the header stamped
 * with xmt and the UID, encrypting 1 + placeholders fresh cookies (nonces
 * from rnd too), as many as fit within the request's length and cap; or
 * into an NTS NAK (KoD "NTSN" with the UID only). rnd holds
 * NTS_SERVER_RANDOM bytes. *out_len is set for REPLY and the NAKs.
 * Returns an enum nts_server_result. */
int nts_server_seal(const struct nts_cookie_ring *ring, const uint8_t *req, size_t req_len,
		    const struct ntp_pkt *p, ntp_ts_t xmt, const uint8_t *rnd, uint8_t *out,
		    size_t cap, size_t *out_len);

/* True for a reply nts_server_seal made: it was stamped when sealed, and
 * stamping it again would break its authenticator. */
bool nts_server_is_sealed(const uint8_t *reply, size_t len);

const char *nts_server_result_name(int result);

/* The client's request: header (encoded from *hdr), UID, cookie,
 * n_placeholders placeholders as long as the cookie, authenticator with
 * nonce over all of them under c2s. Returns the length, 0 when cap is too
 * small or uid_len is not a multiple of 4 within NTS_UID_MIN..MAX. */
size_t nts_client_request(const struct ntp_pkt *hdr, const uint8_t *uid, size_t uid_len,
			  const uint8_t *cookie, size_t cookie_len, int n_placeholders,
			  const uint8_t c2s[NTS_KEY_LEN], const uint8_t nonce[NTS_NONCE_LEN],
			  uint8_t *out, size_t cap);

enum nts_client_result {
	NTS_CLIENT_OK = 0,
	NTS_CLIENT_NOT_NTS,   /* no NTS field at all: unauthenticated */
	NTS_CLIENT_MALFORMED, /* nts_ntp_parse refused it */
	NTS_CLIENT_UID,       /* no Unique Identifier, or not ours */
	NTS_CLIENT_NAK,       /* an NTS NAK for our request: cookies are bad */
	NTS_CLIENT_AUTH,      /* no authenticator, or it fails under s2c */
	NTS_CLIENT_N_RESULTS
};

/* New cookies found in an authenticated reply. */
struct nts_new_cookies {
	int n;
	uint16_t len[NTS_MAX_COOKIES];
	uint8_t cookie[NTS_MAX_COOKIES][NTS_KE_COOKIE_MAX];
};

/* Check a reply (decoded as *p) to our request with uid: the UID must be
 * ours, the authenticator must verify under s2c; the encrypted cookies go
 * to *c. A KoD "NTSN" with our UID and no authenticator is a NAK.
 * Returns an enum nts_client_result. */
int nts_client_check(const uint8_t *pkt, size_t len, const struct ntp_pkt *p,
		     const uint8_t *uid, size_t uid_len, const uint8_t s2c[NTS_KEY_LEN],
		     struct nts_new_cookies *c);

const char *nts_client_result_name(int result);

#endif
