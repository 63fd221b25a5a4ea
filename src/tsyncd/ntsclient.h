/*
 * The NTS state of one polled server (`server HOST nts`): NTS-KE in
 * libuv's thread pool (the loop never blocks on TLS), the keys and cookies
 * it gave, the request's unique identifier, re-keying when the cookies run
 * out or a NAK comes. client.c builds requests and checks replies with it.
 */
#ifndef TSYNCD_NTSCLIENT_H
#define TSYNCD_NTSCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "ntske_client.h"
#include "tsync/ntp_exch.h"

struct ntsclient;

/* Called on the loop once an NTS-KE ends: ok, the NTP server's address
 * (that of its Server record, resolved, else the NTS-KE server's own;
 * port 0) and the NTP port it named (0: none). ntp is NULL unless ok. */
typedef void (*ntsclient_ke_fn)(void *arg, bool ok, const struct sockaddr *ntp, uint16_t port);

struct ntsclient_stats {
	uint64_t ke_ok, ke_fail; /* NTS-KE exchanges */
	uint64_t naks;           /* NTS NAKs: cookies dropped, keys renewed */
	uint64_t no_cookie;      /* polls skipped for want of a cookie */
};

/* host: the name whose certificate the NTS-KE server must show (and the
 * TLS server name), at: the address host resolved to that NTS-KE dials
 * (its port is not used; NULL: host's own resolution), keport, cafile
 * (NULL: the system's store). Starts the first NTS-KE at once. */
struct ntsclient *ntsclient_new(uv_loop_t *loop, const char *host, const struct sockaddr *at,
				uint16_t keport, const char *cafile, ntsclient_ke_fn on_ke,
				void *arg);
/* Freed now, or when an NTS-KE still running ends. */
void ntsclient_free(struct ntsclient *n);

/* The request to send (buf[0..cap)) for the header *hdr, or 0 when no
 * cookie is left (an NTS-KE is then started, if none runs). */
size_t ntsclient_request(struct ntsclient *n, const struct ntp_pkt *hdr, uint8_t *buf, size_t cap);
/* What ntp_exch_accept checks a reply to the last request with. */
const struct ntp_exch_nts *ntsclient_check(struct ntsclient *n);
/* After ntp_exch_accept: an authenticated sample's cookies are kept; a NAK
 * drops every cookie and starts an NTS-KE. */
void ntsclient_after(struct ntsclient *n, int verdict, const struct ntp_exch_verdict *v);

const struct ntsclient_stats *ntsclient_stats(const struct ntsclient *n);
int ntsclient_cookies(const struct ntsclient *n);
/* The NTP server the last NTS-KE named: its Server record's name or
 * address, else the NTS-KE server's address. */
const char *ntsclient_ntp_server(const struct ntsclient *n);

#endif
