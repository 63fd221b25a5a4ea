/*
 * The NTS-KE client: a blocking TCP connection with send and receive
 * timeouts, a GnuTLS session on it, the core's request and record parser.
 * The response is read into a bounded buffer and parsed as it grows.
 */
#include "ntske_client.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define RESPONSE_MAX (NTS_KE_MAX_COOKIES * (NTS_KE_COOKIE_MAX + 4) + 1024)

/* "NTS-KE: what" in err; returns rc. */
static int fail(char *err, size_t errlen, int rc, const char *what)
{
	snprintf(err, errlen, "NTS-KE: %s", what);
	return rc;
}

/* The connection and what may end it early: the caller's cancel fd
 * (readable: give up; -1: none) and the deadline of each wait. */
struct link {
	int fd, cancel;
	int timeout_ms;
	bool cancelled;
};

/* Wait until fd has events, up to ms: 1, 0 on timeout, -1 when cancelled
 * (errno ECANCELED) or on error. */
static int link_wait(struct link *l, short events, int ms)
{
	struct pollfd pf[2] = { { .fd = l->fd, .events = events },
				{ .fd = l->cancel, .events = POLLIN } };
	int n;
	do
		n = poll(pf, l->cancel >= 0 ? 2 : 1, ms);
	while (n < 0 && errno == EINTR);
	if (n > 0 && l->cancel >= 0 && pf[1].revents != 0) {
		l->cancelled = true;
		errno = ECANCELED;
		return -1;
	}
	return n > 0 ? 1 : n;
}

/* connect() under the deadline and the cancel fd: 0 or an errno. */
static int connect_one(struct link *l, const struct addrinfo *ai)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (connect(l->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return errno;
		int w = link_wait(l, POLLOUT, l->timeout_ms);
		if (w <= 0)
			return w == 0 ? ETIMEDOUT : errno;
		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			return errno;
		if (e != 0)
			return e;
	}
	int fl = fcntl(l->fd, F_GETFL);
	return fl < 0 || fcntl(l->fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? errno : 0;
}

/* A connected TCP socket to one of host's addresses (blocking once
 * connected, with both timeouts set) in l->fd, or a negative errno. */
static int dial(struct link *l, const char *host, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s", gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	struct timeval tv = { .tv_sec = l->timeout_ms / 1000, .tv_usec = l->timeout_ms % 1000 * 1000 };
	int one = 1;
	l->fd = -1;
	for (ai = res; ai != NULL && l->fd < 0 && !l->cancelled; ai = ai->ai_next) {
		l->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			       ai->ai_protocol);
		if (l->fd < 0)
			continue;
		setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(l->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/* Each TLS flight is a write of its own: without it the request
		 * waits for the server's delayed ACK (40 ms). */
		setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((rc = connect_one(l, ai)) != 0) {
			snprintf(err, errlen, "%s", strerror(rc));
			close(l->fd);
			l->fd = -1;
		}
	}
	freeaddrinfo(res);
	if (l->cancelled)
		snprintf(err, errlen, "NTS-KE: cancelled");
	return l->fd >= 0 ? 0 : l->cancelled ? -ECANCELED : -EHOSTUNREACH;
}

static int setup(gnutls_session_t s, gnutls_certificate_credentials_t cred, const char *host,
		 const char *cafile)
{
	static const gnutls_datum_t alpn = { (unsigned char *)NTS_KE_ALPN, sizeof(NTS_KE_ALPN) - 1 };
	int r = cafile != NULL ? gnutls_certificate_set_x509_trust_file(cred, cafile,
									 GNUTLS_X509_FMT_PEM)
			       : gnutls_certificate_set_x509_system_trust(cred);
	if (r < 0)
		return r;
	if (r == 0)
		return GNUTLS_E_NO_CERTIFICATE_FOUND;
	if ((r = gnutls_priority_set_direct(s, PRIORITY, NULL)) < 0 ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0 ||
	    (r = gnutls_alpn_set_protocols(s, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0)
		return r;
	/* SNI for a name only (RFC 6066): not for an address literal. */
	struct in6_addr any;
	if (inet_pton(AF_INET, host, &any) != 1 && inet_pton(AF_INET6, host, &any) != 1 &&
	    (r = gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host))) < 0)
		return r;
	gnutls_session_set_verify_cert(s, host, 0);
	return 0;
}

/* Send the request and read until a whole message. */
static int converse(gnutls_session_t s, uint8_t *buf, size_t cap, size_t *len,
		    struct nts_ke_msg *m)
{
	uint8_t req[64];
	size_t n = nts_ke_client_request(req, sizeof(req));
	ssize_t w;
	do
		w = gnutls_record_send(s, req, n);
	while (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED);
	if (w < 0)
		return (int)w;
	*len = 0;
	for (;;) {
		ssize_t r = gnutls_record_recv(s, buf + *len, cap - *len);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0)
			return (int)r;
		if (r == 0)
			return GNUTLS_E_PREMATURE_TERMINATION;
		*len += (size_t)r;
		int rc = nts_ke_parse(buf, *len, m);
		if (rc != NTS_KE_INCOMPLETE || *len == cap)
			return rc == NTS_KE_OK ? 0 : GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER;
	}
}

bool ntske_export_keys(void *session, uint8_t c2s[NTS_KEY_LEN], uint8_t s2c[NTS_KEY_LEN])
{
	static const char label[] = NTS_KE_EXPORTER_LABEL;
	uint8_t ctx[5];
	nts_ke_exporter_context(NTS_AEAD_AES_SIV_CMAC_256, false, ctx);
	if (gnutls_prf_rfc5705(session, sizeof(label) - 1, label, sizeof(ctx), (const char *)ctx,
			       NTS_KEY_LEN, (char *)c2s) < 0)
		return false;
	nts_ke_exporter_context(NTS_AEAD_AES_SIV_CMAC_256, true, ctx);
	return gnutls_prf_rfc5705(session, sizeof(label) - 1, label, sizeof(ctx),
				  (const char *)ctx, NTS_KEY_LEN, (char *)s2c) >= 0;
}

/* What the response must say for NTS to go on: NTPv4, our algorithm, a
 * cookie, no error. */
static int take(const uint8_t *buf, const struct nts_ke_msg *m, struct ntske_client_result *r,
		char *err, size_t errlen)
{
	if (m->error >= 0) {
		snprintf(err, errlen, "NTS-KE: the server sent error %d", m->error);
		return -EPROTO;
	}
	if (!m->next_ntpv4 || !m->aead_siv || m->n_cookies == 0)
		return fail(err, errlen, -EPROTO, "no NTPv4, AES-SIV-CMAC-256 or cookie");
	r->cookies.n = m->n_cookies;
	for (int i = 0; i < m->n_cookies; i++) {
		r->cookies.len[i] = m->cookie[i].len;
		memcpy(r->cookies.cookie[i], buf + m->cookie[i].off, m->cookie[i].len);
	}
	strcpy(r->server, m->has_server ? m->server : "");
	r->port = m->port > 0 ? (uint16_t)m->port : 0;
	return 0;
}

static int run_session(gnutls_session_t s, struct ntske_client_result *r, char *err,
		       size_t errlen)
{
	/* On the stack: tsyncd runs one NTS-KE per pool member in libuv's
	 * threads at once, so a static buffer would be shared between them. */
	uint8_t buf[RESPONSE_MAX];
	struct nts_ke_msg m;
	size_t len;
	int rc;
	do
		rc = gnutls_handshake(s);
	while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
	if (rc < 0) {
		if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
			return fail(err, errlen, -EPERM, "the server's certificate does not verify");
		snprintf(err, errlen, "NTS-KE: TLS handshake: %s", gnutls_strerror(rc));
		return -EPROTO;
	}
	if ((rc = converse(s, buf, sizeof(buf), &len, &m)) < 0)
		return fail(err, errlen, -EPROTO, gnutls_strerror(rc));
	if (!ntske_export_keys(s, r->c2s, r->s2c))
		return fail(err, errlen, -EPROTO, "cannot export the keys");
	rc = take(buf, &m, r, err, errlen);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	return rc;
}

/* RFC 8915 4.1.7: without a Server record, the NTP server is at the
 * NTS-KE server's own address, not at whatever the name resolves to
 * first (localhost may be ::1 for NTP and 127.0.0.1 for NTS-KE). */
static void peer_address(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, out, (socklen_t)cap, NULL, 0,
			NI_NUMERICHOST) != 0)
		out[0] = '\0';
}

/* GnuTLS's transport: every read waits on the socket and the cancel fd. */
static ssize_t link_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct link *l = p;
	int w = link_wait(l, POLLIN, l->timeout_ms);
	if (w <= 0) {
		if (w == 0)
			errno = ETIMEDOUT;
		return -1;
	}
	return recv(l->fd, data, len, 0);
}

static int link_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct link *l = p;
	return link_wait(l, POLLIN, ms == GNUTLS_INDEFINITE_TIMEOUT || ms > (unsigned)l->timeout_ms
				    ? l->timeout_ms : (int)ms);
}

static ssize_t link_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	const struct link *l = p;
	return send(l->fd, data, len, MSG_NOSIGNAL);
}

static void set_link(gnutls_session_t s, struct link *l)
{
	gnutls_transport_set_ptr(s, l);
	gnutls_transport_set_pull_function(s, link_pull);
	gnutls_transport_set_pull_timeout_function(s, link_pull_timeout);
	gnutls_transport_set_push_function(s, link_push);
}

int ntske_client_fetch(const char *host, uint16_t port, const char *cafile, int timeout_ms,
		       struct ntske_client_result *r, char *err, size_t errlen)
{
	return ntske_client_fetch_at(host, host, port, cafile, timeout_ms, -1, r, err, errlen);
}

int ntske_client_fetch_at(const char *host, const char *addr, uint16_t port, const char *cafile,
			  int timeout_ms, int cancel, struct ntske_client_result *r, char *err,
			  size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	struct link l = { .fd = -1, .cancel = cancel, .timeout_ms = timeout_ms };
	memset(r, 0, sizeof(*r));
	int rc = dial(&l, addr, port, err, errlen);
	if (rc < 0)
		return rc;
	int fd = l.fd;
	rc = gnutls_certificate_allocate_credentials(&cred);
	if (rc < 0) {
		close(fd);
		return fail(err, errlen, -ENOMEM, gnutls_strerror(rc));
	}
	rc = gnutls_init(&s, GNUTLS_CLIENT);
	if (rc == 0 && (rc = setup(s, cred, host, cafile)) < 0)
		gnutls_deinit(s);
	if (rc < 0) {
		gnutls_certificate_free_credentials(cred);
		close(fd);
		snprintf(err, errlen, "NTS-KE: trusted certificates %s: %s",
			 cafile != NULL ? cafile : "(the system's)", gnutls_strerror(rc));
		return -EINVAL;
	}
	set_link(s, &l);
	gnutls_handshake_set_timeout(s, (unsigned)timeout_ms);
	rc = run_session(s, r, err, errlen);
	if (l.cancelled)
		rc = fail(err, errlen, -ECANCELED, "cancelled");
	if (rc == 0 && r->server[0] == '\0')
		peer_address(fd, r->server, sizeof(r->server));
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	return rc;
}
