/*
 * NTS Key Establishment records (RFC 8915 §4): parse a message received
 * over TLS with every length checked, build the server's response. Pure:
 * the TLS session, the exported keys and the cookies come from the caller.
 */
#ifndef TSYNC_NTS_KE_H
#define TSYNC_NTS_KE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTS_KE_PORT 4460
#define NTS_KE_ALPN "ntske/1"
#define NTS_KE_EXPORTER_LABEL "EXPORTER-network-time-security"
#define NTS_PROTO_NTPV4 0
#define NTS_AEAD_AES_SIV_CMAC_256 15
/* The longest request read: a client's is a few dozen bytes; anything
 * that needs more is refused (bad request), never buffered. */
#define NTS_KE_REQUEST_MAX 1024
/* A response of eight cookies of NTS_KE_COOKIE_MAX bytes fits. */
#define NTS_KE_RESPONSE_MAX 4096
#define NTS_KE_COOKIE_MAX 256
#define NTS_KE_MAX_COOKIES 8
#define NTS_KE_SERVER_MAX 255
#define NTS_KE_CRITICAL 0x8000

enum nts_ke_type {
	NTS_KE_END = 0,
	NTS_KE_NEXT_PROTO = 1,
	NTS_KE_ERROR = 2,
	NTS_KE_WARNING = 3,
	NTS_KE_AEAD = 4,
	NTS_KE_NEW_COOKIE = 5,
	NTS_KE_SERVER = 6,
	NTS_KE_PORT_REC = 7,
};

/* Error record codes (RFC 8915 §4.1.3). */
enum nts_ke_error_code {
	NTS_KE_ERR_UNRECOGNIZED_CRITICAL = 0,
	NTS_KE_ERR_BAD_REQUEST = 1,
	NTS_KE_ERR_INTERNAL = 2,
};

/* A cookie as found in buf: offset and length. */
struct nts_ke_span {
	uint16_t off, len;
};

/* What one message says. Lists are kept as the flags the protocol needs:
 * whether NTPv4 and AES-SIV-CMAC-256 were named, and the first named. */
struct nts_ke_msg {
	bool has_next_proto, next_ntpv4;
	int n_next_proto;
	uint16_t first_next_proto;
	bool has_aead, aead_siv;
	int n_aead;
	uint16_t first_aead;
	int error;   /* Error record's code, -1: none */
	int warning; /* Warning record's code, -1: none */
	int n_cookies; /* New Cookie records kept (at most NTS_KE_MAX_COOKIES) */
	struct nts_ke_span cookie[NTS_KE_MAX_COOKIES];
	bool has_server;
	char server[NTS_KE_SERVER_MAX + 1];
	int port; /* Port record's, -1: none */
	uint16_t critical_type; /* NTS_KE_UNKNOWN_CRITICAL: the record's type */
};

enum nts_ke_parse_result {
	NTS_KE_OK = 0,             /* a whole message, End of Message last */
	NTS_KE_INCOMPLETE = 1,     /* no End of Message yet: read more */
	NTS_KE_BAD = -1,           /* a length, a duplicate, bytes after the end */
	NTS_KE_UNKNOWN_CRITICAL = -2, /* a critical record of a type not known */
};

/* Parse buf[0..len). *m is filled as far as parsed. Returns an enum
 * nts_ke_parse_result. Unknown records without the critical bit are
 * skipped, as the RFC says. */
int nts_ke_parse(const uint8_t *buf, size_t len, struct nts_ke_msg *m);

/* Append one record to out (at *off, capacity cap). Returns false,
 * writing nothing, when it does not fit or body_len > 65535. */
bool nts_ke_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, bool critical,
		const uint8_t *body, size_t body_len);
bool nts_ke_put_u16(uint8_t *out, size_t cap, size_t *off, uint16_t type, bool critical,
		    uint16_t value);

/* What the server does with a parsed request. */
enum nts_ke_verdict {
	NTS_KE_SERVE = 0,      /* NTPv4 and AES-SIV-CMAC-256: keys and cookies */
	NTS_KE_NO_PROTO,       /* no protocol in common: empty Next Protocol */
	NTS_KE_NO_AEAD,        /* NTPv4 but no algorithm in common: empty AEAD */
	NTS_KE_REFUSE_BAD,     /* Error record "bad request" */
	NTS_KE_REFUSE_CRITICAL, /* Error record "unrecognized critical record" */
};

/* The server's decision for a request whose parse returned rc. */
int nts_ke_server_verdict(int rc, const struct nts_ke_msg *req);

/* The server's response for a verdict: Next Protocol, AEAD, the NTPv4
 * port when ntp_port != 0 (the server's own when it is not 123), the
 * cookies (n of cookie_len bytes each, only for NTS_KE_SERVE), End of
 * Message. Returns its length, or 0 when out is too small. */
size_t nts_ke_server_response(int verdict, const uint8_t *cookies, size_t cookie_len, int n,
			      uint16_t ntp_port, uint8_t *out, size_t cap);

/* The same with an NTPv4 Server Negotiation record (RFC 8915 §4.1.7)
 * naming server after the AEAD record, for NTS_KE_SERVE; NULL or "": none
 * (the client then polls the NTS-KE server's address). server is a host
 * name or address of at most NTS_KE_SERVER_MAX printable ASCII bytes. */
size_t nts_ke_server_response_to(int verdict, const char *server, const uint8_t *cookies,
				 size_t cookie_len, int n, uint16_t ntp_port, uint8_t *out,
				 size_t cap);

/* A client's request: NTPv4 and AES-SIV-CMAC-256, End of Message. */
size_t nts_ke_client_request(uint8_t *out, size_t cap);

/* The exporter context of RFC 8915 §5.1: protocol, algorithm, and 0 for
 * the client-to-server key, 1 for server-to-client. */
void nts_ke_exporter_context(uint16_t aead, bool s2c, uint8_t ctx[5]);

const char *nts_ke_parse_name(int rc);

#endif
