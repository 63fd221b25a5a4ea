/*
 * NTS-protected NTPv4 (RFC 8915 §5): the four NTS extension fields found
 * and checked, the server's sealed reply (fresh cookies encrypted under
 * the client's S2C key) or NTS NAK, and the client's request and check.
 * ntp_pkt_decode has already walked the fields' lengths; this reads them.
 */
#include "tsync/nts_ntp.h"

#include <string.h>

/* Plaintext of an authenticator, at most: eight cookie fields fit. */
#define PT_MAX NTS_REPLY_MAX
#define AUTH_HDR 4 /* nonce length, ciphertext length */
#define V4_MAC_MAX 24

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int parse_auth(const uint8_t *body, size_t blen, struct nts_ntp_fields *f)
{
	if (blen < AUTH_HDR)
		return NTS_NTP_MALFORMED;
	size_t nl = get16(body), cl = get16(body + 2);
	if (nl < NTS_NONCE_LEN || cl < NTS_TAG_LEN || AUTH_HDR + pad4(nl) + pad4(cl) > blen)
		return NTS_NTP_MALFORMED;
	f->nonce = body + AUTH_HDR;
	f->nonce_len = nl;
	f->ct = body + AUTH_HDR + pad4(nl);
	f->ct_len = cl;
	return NTS_NTP_OK;
}

/* One field of the packet; ph_len keeps the placeholders' lengths until
 * the cookie's is known. */
static int take_field(const uint8_t *pkt, size_t off, struct nts_ntp_fields *f, size_t *ph_len,
		      int *n_ph)
{
	uint16_t type = get16(pkt + off);
	size_t blen = get16(pkt + off + 2) - NTS_EF_HDR;
	const uint8_t *body = pkt + off + NTS_EF_HDR;

	if (f->auth_off != 0)
		return NTS_NTP_MALFORMED; /* nothing may follow the authenticator */
	switch (type) {
	case NTS_EF_UID:
		if (f->uid != NULL || blen < NTS_UID_MIN || blen > NTS_UID_MAX)
			return NTS_NTP_MALFORMED;
		f->uid = body;
		f->uid_len = blen;
		break;
	case NTS_EF_COOKIE:
		if (f->cookie != NULL)
			return NTS_NTP_MALFORMED;
		f->cookie = body;
		f->cookie_len = blen;
		break;
	case NTS_EF_PLACEHOLDER:
		if (*n_ph < NTS_MAX_COOKIES)
			ph_len[(*n_ph)++] = blen;
		break;
	case NTS_EF_AUTH:
		f->auth_off = off;
		if (parse_auth(body, blen, f) != NTS_NTP_OK)
			return NTS_NTP_MALFORMED;
		break;
	default:
		return NTS_NTP_OK; /* not ours: skipped, as RFC 7822 says */
	}
	f->n_nts++;
	return NTS_NTP_OK;
}

int nts_ntp_parse(const uint8_t *pkt, size_t len, const struct ntp_pkt *p,
		  struct nts_ntp_fields *f)
{
	size_t ph_len[NTS_MAX_COOKIES];
	int n_ph = 0;
	*f = (struct nts_ntp_fields){ .n_nts = 0 };
	size_t off = NTP_PKT_LEN, end = NTP_PKT_LEN + (size_t)p->ext_len;
	if (end > len)
		return NTS_NTP_MALFORMED;
	while (off < end) {
		/* ntp_pkt_decode checked: at least 16, a multiple of 4, within. */
		size_t elen = get16(pkt + off + 2);
		if (elen < NTS_EF_HDR || elen > end - off)
			return NTS_NTP_MALFORMED;
		if (take_field(pkt, off, f, ph_len, &n_ph) != NTS_NTP_OK)
			return NTS_NTP_MALFORMED;
		off += elen;
	}
	if (f->n_nts == 0)
		return NTS_NTP_NONE;
	if (p->mac_len != 0)
		return NTS_NTP_MALFORMED;
	for (int i = 0; i < n_ph; i++)
		if (f->cookie != NULL && ph_len[i] == f->cookie_len)
			f->n_placeholders++;
	return NTS_NTP_OK;
}

/* ------------------------------------------------------------- server */

static size_t put_field(uint8_t *out, uint16_t type, const uint8_t *body, size_t blen)
{
	size_t elen = NTS_EF_HDR + pad4(blen);
	put16(out, type);
	put16(out + 2, (uint16_t)elen);
	if (body != NULL)
		memcpy(out + NTS_EF_HDR, body, blen);
	else
		memset(out + NTS_EF_HDR, 0, blen);
	memset(out + NTS_EF_HDR + blen, 0, elen - NTS_EF_HDR - blen);
	return elen;
}

/* The authenticator at out: nonce, then pt sealed under key with
 * aad[0..aad_len). Returns the field's length. */
static size_t put_auth(uint8_t *out, const uint8_t key[NTS_KEY_LEN], const uint8_t *nonce,
		       const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len)
{
	size_t ct_len = pt_len + NTS_TAG_LEN;
	size_t elen = NTS_EF_HDR + AUTH_HDR + NTS_NONCE_LEN + pad4(ct_len);
	put16(out, NTS_EF_AUTH);
	put16(out + 2, (uint16_t)elen);
	put16(out + 4, NTS_NONCE_LEN);
	put16(out + 6, (uint16_t)ct_len);
	memcpy(out + 8, nonce, NTS_NONCE_LEN);
	nts_aead_seal(key, nonce, NTS_NONCE_LEN, aad, aad_len, pt, pt_len, out + 8 + NTS_NONCE_LEN);
	memset(out + 8 + NTS_NONCE_LEN + ct_len, 0, pad4(ct_len) - ct_len);
	return elen;
}

static size_t reply_len(size_t uid_len, int n)
{
	size_t cookie_ef = NTS_EF_HDR + NTS_COOKIE_LEN;
	return NTP_PKT_LEN + NTS_EF_HDR + uid_len + NTS_EF_HDR + AUTH_HDR + NTS_NONCE_LEN +
	       NTS_TAG_LEN + (size_t)n * cookie_ef;
}

/* KoD "NTSN" (RFC 8915 §5.7) with the request's UID and nothing else. */
static size_t put_nak(const struct nts_ntp_fields *f, ntp_ts_t xmt, uint8_t *out)
{
	out[0] = (uint8_t)((NTP_LEAP_UNSYNC << 6) | (out[0] & 0x3f));
	out[1] = 0; /* stratum 0: a kiss */
	out[12] = 'N', out[13] = 'T', out[14] = 'S', out[15] = 'N';
	ntp_pkt_set_xmt(out, xmt);
	return NTP_PKT_LEN + put_field(out + NTP_PKT_LEN, NTS_EF_UID, f->uid, f->uid_len);
}

static size_t put_reply(const struct nts_cookie_ring *ring, const struct nts_ntp_fields *f,
			const uint8_t c2s[NTS_KEY_LEN], const uint8_t s2c[NTS_KEY_LEN], int n,
			ntp_ts_t xmt, const uint8_t *rnd, uint8_t *out)
{
	uint8_t pt[NTS_MAX_COOKIES * (NTS_EF_HDR + NTS_COOKIE_LEN)];
	size_t pt_len = 0;
	for (int i = 0; i < n; i++) {
		uint8_t cookie[NTS_COOKIE_LEN];
		nts_cookie_seal(ring, c2s, s2c, rnd + NTS_NONCE_LEN * (size_t)(1 + i), cookie);
		pt_len += put_field(pt + pt_len, NTS_EF_COOKIE, cookie, sizeof(cookie));
	}
	ntp_pkt_set_xmt(out, xmt);
	size_t off = NTP_PKT_LEN + put_field(out + NTP_PKT_LEN, NTS_EF_UID, f->uid, f->uid_len);
	off += put_auth(out + off, s2c, rnd, out, off, pt, pt_len);
	memset(pt, 0, sizeof(pt));
	return off;
}

/* The request's authenticator under c2s, its plaintext read and dropped:
 * nothing in it changes the reply. */
static bool request_authentic(const uint8_t *req, const struct nts_ntp_fields *f,
			      const uint8_t c2s[NTS_KEY_LEN])
{
	uint8_t pt[PT_MAX];
	if (f->ct_len - NTS_TAG_LEN > sizeof(pt))
		return false;
	bool ok = nts_aead_open(c2s, f->nonce, f->nonce_len, req, f->auth_off, f->ct, f->ct_len, pt);
	memset(pt, 0, f->ct_len - NTS_TAG_LEN);
	return ok;
}

int nts_server_seal(const struct nts_cookie_ring *ring, const uint8_t *req, size_t req_len,
		    const struct ntp_pkt *p, ntp_ts_t xmt, const uint8_t *rnd, uint8_t *out,
		    size_t cap, size_t *out_len)
{
	struct nts_ntp_fields f;
	int rc = nts_ntp_parse(req, req_len, p, &f);
	if (rc == NTS_NTP_NONE)
		return NTS_SERVER_NOT_NTS;
	if (rc != NTS_NTP_OK || f.uid == NULL || f.cookie == NULL || f.auth_off == 0 ||
	    NTP_PKT_LEN + NTS_EF_HDR + f.uid_len > cap)
		return NTS_SERVER_MALFORMED;
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];
	int result = NTS_SERVER_REPLY;
	if (nts_cookie_open(ring, f.cookie, f.cookie_len, c2s, s2c) != NTS_COOKIE_OK)
		result = NTS_SERVER_NAK_COOKIE;
	else if (!request_authentic(req, &f, c2s))
		result = NTS_SERVER_NAK_AUTH;
	if (result != NTS_SERVER_REPLY) {
		*out_len = put_nak(&f, xmt, out);
		return result;
	}
	/* No amplification: the reply is never longer than the request. */
	size_t limit = req_len < cap ? req_len : cap;
	int n = 1 + f.n_placeholders;
	while (n > 1 && reply_len(f.uid_len, n) > limit)
		n--;
	if (reply_len(f.uid_len, n) > limit) {
		*out_len = put_nak(&f, xmt, out);
		return NTS_SERVER_NAK_COOKIE; /* a cookie this short is not ours */
	}
	*out_len = put_reply(ring, &f, c2s, s2c, n, xmt, rnd, out);
	memset(c2s, 0, sizeof(c2s));
	memset(s2c, 0, sizeof(s2c));
	return NTS_SERVER_REPLY;
}

bool nts_server_is_sealed(const uint8_t *reply, size_t len)
{
	/* A v4 reply carries at most a 24-byte MAC; only NTS adds fields. */
	return len > NTP_PKT_LEN + V4_MAC_MAX && ((reply[0] >> 3) & 7) == NTP_VERSION;
}

const char *nts_server_result_name(int result)
{
	switch (result) {
	case NTS_SERVER_NOT_NTS: return "not_nts";
	case NTS_SERVER_REPLY: return "nts_reply";
	case NTS_SERVER_MALFORMED: return "nts_malformed";
	case NTS_SERVER_NAK_COOKIE: return "nts_nak_cookie";
	case NTS_SERVER_NAK_AUTH: return "nts_nak_auth";
	default: return "unknown";
	}
}

/* ------------------------------------------------------------- client */

size_t nts_client_request(const struct ntp_pkt *hdr, const uint8_t *uid, size_t uid_len,
			  const uint8_t *cookie, size_t cookie_len, int n_placeholders,
			  const uint8_t c2s[NTS_KEY_LEN], const uint8_t nonce[NTS_NONCE_LEN],
			  uint8_t *out, size_t cap)
{
	if (uid_len % 4 != 0 || uid_len < NTS_UID_MIN || uid_len > NTS_UID_MAX ||
	    cookie_len == 0 || cookie_len > NTS_KE_COOKIE_MAX || n_placeholders < 0 ||
	    n_placeholders >= NTS_MAX_COOKIES)
		return 0;
	size_t cookie_ef = NTS_EF_HDR + pad4(cookie_len);
	size_t total = NTP_PKT_LEN + NTS_EF_HDR + uid_len + cookie_ef * (size_t)(1 + n_placeholders) +
		       NTS_EF_HDR + AUTH_HDR + NTS_NONCE_LEN + NTS_TAG_LEN;
	if (total > cap)
		return 0;
	ntp_pkt_encode(hdr, out);
	size_t off = NTP_PKT_LEN;
	off += put_field(out + off, NTS_EF_UID, uid, uid_len);
	off += put_field(out + off, NTS_EF_COOKIE, cookie, cookie_len);
	for (int i = 0; i < n_placeholders; i++)
		off += put_field(out + off, NTS_EF_PLACEHOLDER, NULL, pad4(cookie_len));
	static const uint8_t none[1];
	off += put_auth(out + off, c2s, nonce, out, off, none, 0);
	return off;
}

/* The encrypted fields: whole fields only; cookies kept. */
static int take_cookies(const uint8_t *pt, size_t len, struct nts_new_cookies *c)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < NTS_EF_HDR)
			return NTS_CLIENT_MALFORMED;
		size_t elen = get16(pt + off + 2);
		if (elen < NTS_EF_HDR || elen % 4 != 0 || elen > len - off)
			return NTS_CLIENT_MALFORMED;
		size_t blen = elen - NTS_EF_HDR;
		if (get16(pt + off) == NTS_EF_COOKIE && blen > 0 && blen <= NTS_KE_COOKIE_MAX &&
		    c->n < NTS_MAX_COOKIES) {
			memcpy(c->cookie[c->n], pt + off + NTS_EF_HDR, blen);
			c->len[c->n++] = (uint16_t)blen;
		}
		off += elen;
	}
	return NTS_CLIENT_OK;
}

int nts_client_check(const uint8_t *pkt, size_t len, const struct ntp_pkt *p,
		     const uint8_t *uid, size_t uid_len, const uint8_t s2c[NTS_KEY_LEN],
		     struct nts_new_cookies *c)
{
	struct nts_ntp_fields f;
	c->n = 0;
	int rc = nts_ntp_parse(pkt, len, p, &f);
	if (rc == NTS_NTP_NONE)
		return NTS_CLIENT_NOT_NTS;
	if (rc != NTS_NTP_OK)
		return NTS_CLIENT_MALFORMED;
	if (f.uid == NULL || f.uid_len != uid_len || memcmp(f.uid, uid, uid_len) != 0)
		return NTS_CLIENT_UID;
	if (p->stratum == 0 && p->refid == NTP_REFID('N', 'T', 'S', 'N') && f.auth_off == 0)
		return NTS_CLIENT_NAK;
	uint8_t pt[PT_MAX];
	if (f.auth_off == 0 || f.ct_len - NTS_TAG_LEN > sizeof(pt))
		return NTS_CLIENT_AUTH;
	if (!nts_aead_open(s2c, f.nonce, f.nonce_len, pkt, f.auth_off, f.ct, f.ct_len, pt))
		return NTS_CLIENT_AUTH;
	return take_cookies(pt, f.ct_len - NTS_TAG_LEN, c);
}

const char *nts_client_result_name(int result)
{
	switch (result) {
	case NTS_CLIENT_OK: return "ok";
	case NTS_CLIENT_NOT_NTS: return "not_nts";
	case NTS_CLIENT_MALFORMED: return "nts_malformed";
	case NTS_CLIENT_UID: return "nts_uid";
	case NTS_CLIENT_NAK: return "nts_nak";
	case NTS_CLIENT_AUTH: return "nts_auth";
	default: return "unknown";
	}
}
