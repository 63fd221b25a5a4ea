/*
 * NTS-KE records (RFC 8915 §4): a message is a list of type-length-value
 * records ended by End of Message. Every length is checked before it is
 * read; a record seen twice where the RFC allows one is a bad request.
 */
#include "tsync/nts_ke.h"

#include <string.h>

#define HDR 4

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* A list of 16-bit ids: Next Protocol and AEAD. */
static int take_list(const uint8_t *body, size_t len, bool *seen, int *n, uint16_t *first,
		     uint16_t want, bool *has_want)
{
	if (*seen || len % 2 != 0)
		return NTS_KE_BAD;
	*seen = true;
	*n = (int)(len / 2);
	for (size_t i = 0; i < len; i += 2) {
		uint16_t id = get16(body + i);
		if (i == 0)
			*first = id;
		if (id == want)
			*has_want = true;
	}
	return NTS_KE_OK;
}

static int take_u16(const uint8_t *body, size_t len, int *v)
{
	if (len != 2 || *v >= 0)
		return NTS_KE_BAD;
	*v = get16(body);
	return NTS_KE_OK;
}

/* NTPv4 Server Negotiation: an ASCII host name or address, no NUL. */
static int take_server(const uint8_t *body, size_t len, struct nts_ke_msg *m)
{
	if (m->has_server || len == 0 || len > NTS_KE_SERVER_MAX)
		return NTS_KE_BAD;
	for (size_t i = 0; i < len; i++)
		if (body[i] <= 0x20 || body[i] >= 0x7f)
			return NTS_KE_BAD;
	memcpy(m->server, body, len);
	m->server[len] = '\0';
	m->has_server = true;
	return NTS_KE_OK;
}

static int take_cookie(size_t off, size_t len, struct nts_ke_msg *m)
{
	if (len == 0 || len > NTS_KE_COOKIE_MAX)
		return NTS_KE_BAD;
	if (m->n_cookies < NTS_KE_MAX_COOKIES)
		m->cookie[m->n_cookies++] = (struct nts_ke_span){ (uint16_t)off, (uint16_t)len };
	return NTS_KE_OK;
}

static int take_record(const uint8_t *buf, size_t off, uint16_t type, bool critical, size_t len,
		       struct nts_ke_msg *m)
{
	const uint8_t *body = buf + off;
	switch (type) {
	case NTS_KE_END:
		return len == 0 ? NTS_KE_OK : NTS_KE_BAD;
	case NTS_KE_NEXT_PROTO:
		return take_list(body, len, &m->has_next_proto, &m->n_next_proto,
				 &m->first_next_proto, NTS_PROTO_NTPV4, &m->next_ntpv4);
	case NTS_KE_AEAD:
		return take_list(body, len, &m->has_aead, &m->n_aead, &m->first_aead,
				 NTS_AEAD_AES_SIV_CMAC_256, &m->aead_siv);
	case NTS_KE_ERROR:
		return take_u16(body, len, &m->error);
	case NTS_KE_WARNING:
		return take_u16(body, len, &m->warning);
	case NTS_KE_NEW_COOKIE:
		return take_cookie(off, len, m);
	case NTS_KE_SERVER:
		return take_server(body, len, m);
	case NTS_KE_PORT_REC:
		return take_u16(body, len, &m->port);
	default:
		if (!critical)
			return NTS_KE_OK;
		m->critical_type = type;
		return NTS_KE_UNKNOWN_CRITICAL;
	}
}

int nts_ke_parse(const uint8_t *buf, size_t len, struct nts_ke_msg *m)
{
	*m = (struct nts_ke_msg){ .error = -1, .warning = -1, .port = -1 };
	size_t off = 0;
	while (len - off >= HDR) {
		uint16_t t = get16(buf + off);
		size_t blen = get16(buf + off + 2);
		if (blen > len - off - HDR)
			return NTS_KE_INCOMPLETE;
		uint16_t type = t & (uint16_t)~NTS_KE_CRITICAL;
		int rc = take_record(buf, off + HDR, type, (t & NTS_KE_CRITICAL) != 0, blen, m);
		if (rc != NTS_KE_OK)
			return rc;
		off += HDR + blen;
		if (type == NTS_KE_END)
			return off == len ? NTS_KE_OK : NTS_KE_BAD;
	}
	return NTS_KE_INCOMPLETE;
}

bool nts_ke_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, bool critical,
		const uint8_t *body, size_t body_len)
{
	if (body_len > UINT16_MAX || *off > cap || cap - *off < HDR + body_len)
		return false;
	put16(out + *off, (uint16_t)(type | (critical ? NTS_KE_CRITICAL : 0)));
	put16(out + *off + 2, (uint16_t)body_len);
	if (body_len > 0)
		memcpy(out + *off + HDR, body, body_len);
	*off += HDR + body_len;
	return true;
}

bool nts_ke_put_u16(uint8_t *out, size_t cap, size_t *off, uint16_t type, bool critical,
		    uint16_t value)
{
	uint8_t b[2];
	put16(b, value);
	return nts_ke_put(out, cap, off, type, critical, b, sizeof(b));
}

int nts_ke_server_verdict(int rc, const struct nts_ke_msg *req)
{
	if (rc == NTS_KE_UNKNOWN_CRITICAL)
		return NTS_KE_REFUSE_CRITICAL;
	/* A client sends neither Error, Warning nor New Cookie records, and
	 * Next Protocol exactly once (§4.1.2). */
	if (rc != NTS_KE_OK || !req->has_next_proto || req->error >= 0 || req->warning >= 0 ||
	    req->n_cookies > 0)
		return NTS_KE_REFUSE_BAD;
	if (!req->next_ntpv4)
		return NTS_KE_NO_PROTO;
	/* With NTPv4 offered, the AEAD record must be there (§4.1.5). */
	if (!req->has_aead)
		return NTS_KE_REFUSE_BAD;
	return req->aead_siv ? NTS_KE_SERVE : NTS_KE_NO_AEAD;
}

static bool put_refusal(int verdict, uint8_t *out, size_t cap, size_t *off)
{
	uint16_t code = verdict == NTS_KE_REFUSE_CRITICAL ? NTS_KE_ERR_UNRECOGNIZED_CRITICAL
							   : NTS_KE_ERR_BAD_REQUEST;
	return nts_ke_put_u16(out, cap, off, NTS_KE_ERROR, true, code);
}

static bool put_negotiation(int verdict, const char *server, uint16_t ntp_port, uint8_t *out,
			    size_t cap, size_t *off)
{
	if (verdict == NTS_KE_NO_PROTO)
		return nts_ke_put(out, cap, off, NTS_KE_NEXT_PROTO, true, NULL, 0);
	if (!nts_ke_put_u16(out, cap, off, NTS_KE_NEXT_PROTO, true, NTS_PROTO_NTPV4))
		return false;
	if (verdict == NTS_KE_NO_AEAD)
		return nts_ke_put(out, cap, off, NTS_KE_AEAD, true, NULL, 0);
	if (!nts_ke_put_u16(out, cap, off, NTS_KE_AEAD, true, NTS_AEAD_AES_SIV_CMAC_256))
		return false;
	if (server != NULL && server[0] != '\0' &&
	    !nts_ke_put(out, cap, off, NTS_KE_SERVER, true, (const uint8_t *)server, strlen(server)))
		return false;
	return ntp_port == 0 || nts_ke_put_u16(out, cap, off, NTS_KE_PORT_REC, true, ntp_port);
}

size_t nts_ke_server_response(int verdict, const uint8_t *cookies, size_t cookie_len, int n,
			      uint16_t ntp_port, uint8_t *out, size_t cap)
{
	return nts_ke_server_response_to(verdict, NULL, cookies, cookie_len, n, ntp_port, out, cap);
}

size_t nts_ke_server_response_to(int verdict, const char *server, const uint8_t *cookies,
				 size_t cookie_len, int n, uint16_t ntp_port, uint8_t *out,
				 size_t cap)
{
	size_t off = 0;
	bool ok;
	if (verdict == NTS_KE_REFUSE_BAD || verdict == NTS_KE_REFUSE_CRITICAL)
		ok = put_refusal(verdict, out, cap, &off);
	else
		ok = put_negotiation(verdict, server, ntp_port, out, cap, &off);
	for (int i = 0; ok && verdict == NTS_KE_SERVE && i < n; i++)
		ok = nts_ke_put(out, cap, &off, NTS_KE_NEW_COOKIE, false,
				cookies + (size_t)i * cookie_len, cookie_len);
	if (!ok || !nts_ke_put(out, cap, &off, NTS_KE_END, true, NULL, 0))
		return 0;
	return off;
}

size_t nts_ke_client_request(uint8_t *out, size_t cap)
{
	size_t off = 0;
	if (!nts_ke_put_u16(out, cap, &off, NTS_KE_NEXT_PROTO, true, NTS_PROTO_NTPV4) ||
	    !nts_ke_put_u16(out, cap, &off, NTS_KE_AEAD, true, NTS_AEAD_AES_SIV_CMAC_256) ||
	    !nts_ke_put(out, cap, &off, NTS_KE_END, true, NULL, 0))
		return 0;
	return off;
}

void nts_ke_exporter_context(uint16_t aead, bool s2c, uint8_t ctx[5])
{
	put16(ctx, NTS_PROTO_NTPV4);
	put16(ctx + 2, aead);
	ctx[4] = s2c ? 1 : 0;
}

const char *nts_ke_parse_name(int rc)
{
	switch (rc) {
	case NTS_KE_OK: return "ok";
	case NTS_KE_INCOMPLETE: return "incomplete";
	case NTS_KE_BAD: return "bad_record";
	case NTS_KE_UNKNOWN_CRITICAL: return "unknown_critical";
	default: return "unknown";
	}
}
