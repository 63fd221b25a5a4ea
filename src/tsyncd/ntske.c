/*
 * The NTS-KE server: one TCP listener per listen address, each connection
 * a GnuTLS session driven by the loop through memory (pull from what was
 * read, push into writes), one request read (bounded), one response,
 * closed. Records and cookies are the core's (nts_ke, nts_cookie); this
 * file is TLS, sockets, deadlines and the cookie key file.
 */
#include "ntske.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fileio.h"
#include "log.h"
#include "ntske_client.h"
#include "tsync/nts_ke.h"
#include "tsync/nts_ntp.h"
#include "udp.h"

/* A whole TLS record (16 KiB and its overhead) fits: a client that sends
 * more than that before the handshake consumes it is not TLS. */
#define IN_MAX (16384 + 2048)
/* What a connection may queue for sending: its handshake and response. */
#define OUT_MAX (64 * 1024)
#define DEADLINE_MS 5000 /* a whole exchange, from accept to close */
#define ROTATE_CHECK_MS 60000
#define KEYFILE_NAME "ntskeys"
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"

enum conn_state { HANDSHAKE, REQUEST, CLOSING };

struct ntske_listener {
	uv_tcp_t tcp;
	struct ntske *ke;
};

struct ntske_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct ntske *ke;
	struct ntske_conn *next, **prev;
	gnutls_session_t tls;
	enum conn_state state;
	bool closing;
	int handles_open;
	size_t queued; /* bytes in writes not yet done */
	uv_shutdown_t shutdown;
	uint8_t in[IN_MAX];
	size_t in_len, in_pos;
	uint8_t req[NTS_KE_REQUEST_MAX];
	size_t req_len;
};

struct out_req {
	uv_write_t w;
	struct ntske_conn *c;
	size_t len;
	uint8_t data[];
};

/* --------------------------------------------------------- cookie keys */

static int new_key(struct ntske *ke, int64_t now)
{
	struct nts_cookie_key k = { .created = now };
	struct nts_cookie_ring *r = &ke->srv->nts_ring;
	if (getrandom(k.key, sizeof(k.key), 0) != (ssize_t)sizeof(k.key) ||
	    getrandom(&k.id, sizeof(k.id), 0) != (ssize_t)sizeof(k.id))
		return -EIO;
	if (r->n > 0)
		k.id = r->k[0].id + 1; /* never one still in the ring */
	nts_cookie_ring_push(r, &k);
	memset(&k, 0, sizeof(k));
	ke->stats.rotations++;
	return 0;
}

static void save_keys(struct ntske *ke)
{
	char text[NTS_COOKIE_KEYS * 128];
	if (ke->keyfile[0] == '\0')
		return;
	size_t n = nts_cookie_ring_format(&ke->srv->nts_ring, text, sizeof(text));
	int rc = fileio_replace(ke->keyfile, text, n, 0600);
	memset(text, 0, sizeof(text));
	if (rc < 0)
		log_warn("cannot write NTS cookie keys to %s: %s (cookies will not survive a restart)",
			 ke->keyfile, strerror(-rc));
}

/* The keys a restart keeps, when the file is there and well formed; a
 * missing file is a first start, a bad one is replaced with new keys. */
static void load_keys(struct ntske *ke)
{
	char text[NTS_COOKIE_KEYS * 128 + 1], why[FILEIO_WHY_MAX], err[96];
	struct stat st;
	size_t len;
	int fd = fileio_open_regular(ke->keyfile, &st, why);
	if (fd < 0) {
		if (fd != -ENOENT)
			log_warn("NTS cookie keys %s: %s: making new ones", ke->keyfile, why);
		return;
	}
	int rc = fileio_read_all(fd, text, sizeof(text), &len);
	close(fd);
	if (rc == 0 && nts_cookie_ring_parse(&ke->srv->nts_ring, text, len, err, sizeof(err)) < 0) {
		log_warn("NTS cookie keys %s:%s: making new ones", ke->keyfile, err);
		ke->srv->nts_ring.n = 0;
	} else if (rc < 0) {
		log_warn("NTS cookie keys %s: %s: making new ones", ke->keyfile, strerror(-rc));
	}
	memset(text, 0, sizeof(text));
}

static int rotate_if_due(struct ntske *ke)
{
	int64_t now;
	int rc = clk_read(ke->clock, &now);
	if (rc < 0)
		return rc;
	now /= 1000000000;
	if (!nts_cookie_ring_due(&ke->srv->nts_ring, now, ke->rotate))
		return 0;
	if ((rc = new_key(ke, now)) < 0) {
		log_error("cannot make an NTS cookie key: %s", strerror(-rc));
		return rc;
	}
	log_info("NTS cookie key %u in use", ke->srv->nts_ring.k[0].id);
	save_keys(ke);
	return 0;
}

static void on_rotate_timer(uv_timer_t *t)
{
	rotate_if_due(t->data);
}

/* ---------------------------------------------------------- connection */

static void on_conn_closed(uv_handle_t *h)
{
	struct ntske_conn *c = h->data;
	if (--c->handles_open == 0)
		free(c);
}

static void conn_close(struct ntske_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	*c->prev = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->ke->stats.open--;
	/* Nothing calls GnuTLS on a closing connection: its session goes now,
	 * before the credentials it uses may. */
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* The client is gone (its end, a reset): a failed handshake before its
 * end, a request cut short after; once answered, nothing more to count. */
static void count_gone(struct ntske_conn *c)
{
	if (c->closing)
		return;
	if (c->state == HANDSHAKE)
		c->ke->stats.tls_fail++;
	else if (c->state == REQUEST)
		c->ke->stats.closed_early++;
}

static void on_write(uv_write_t *w, int status)
{
	struct out_req *o = (struct out_req *)w;
	struct ntske_conn *c = o->c;
	c->queued -= o->len;
	free(o);
	if (status < 0) {
		count_gone(c);
		conn_close(c);
	}
}

/* GnuTLS's output: queued as one write each, bounded per connection. */
static ssize_t tls_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct ntske_conn *c = p;
	if (c->closing || c->queued + len > OUT_MAX) {
		gnutls_transport_set_errno(c->tls, EIO);
		return -1;
	}
	struct out_req *o = malloc(sizeof(*o) + len);
	if (o == NULL) {
		gnutls_transport_set_errno(c->tls, ENOMEM);
		return -1;
	}
	o->c = c;
	o->len = len;
	memcpy(o->data, data, len);
	uv_buf_t b = uv_buf_init((char *)o->data, (unsigned)len);
	if (uv_write(&o->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
		free(o);
		gnutls_transport_set_errno(c->tls, EIO);
		return -1;
	}
	c->queued += len;
	return (ssize_t)len;
}

/* GnuTLS's input: what the socket gave and it has not taken yet. */
static ssize_t tls_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct ntske_conn *c = p;
	size_t left = c->in_len - c->in_pos;
	if (left == 0) {
		gnutls_transport_set_errno(c->tls, EAGAIN);
		return -1;
	}
	size_t n = len < left ? len : left;
	memcpy(data, c->in + c->in_pos, n);
	c->in_pos += n;
	return (ssize_t)n;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status; /* the client's EOF or the deadline closes it */
}

/* Eight cookies for the keys, or the verdict that says why none. */
static int make_cookies(struct ntske_conn *c, int verdict, uint8_t *cookies)
{
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], nonce[NTS_NONCE_LEN * NTS_KE_MAX_COOKIES];
	if (verdict != NTS_KE_SERVE)
		return verdict;
	if (c->ke->srv->nts_ring.n == 0 || !ntske_export_keys(c->tls, c2s, s2c) ||
	    getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		return -1;
	for (int i = 0; i < NTS_KE_MAX_COOKIES; i++)
		nts_cookie_seal(&c->ke->srv->nts_ring, c2s, s2c, nonce + i * NTS_NONCE_LEN,
				cookies + i * NTS_COOKIE_LEN);
	memset(c2s, 0, sizeof(c2s));
	memset(s2c, 0, sizeof(s2c));
	return verdict;
}

/* Answer the request (parsed as rc), close our side, and wait for the
 * client's end or the deadline. */
static void respond(struct ntske_conn *c, int rc, const struct nts_ke_msg *m)
{
	static uint8_t cookies[NTS_KE_MAX_COOKIES * NTS_COOKIE_LEN];
	uint8_t out[NTS_KE_RESPONSE_MAX];
	int verdict = make_cookies(c, nts_ke_server_verdict(rc, m), cookies);
	if (verdict < 0) {
		log_warn("NTS-KE: cannot export keys or make cookies");
		c->ke->stats.error++;
		conn_close(c);
		return;
	}
	uint16_t port = c->ke->ntp_port != NTP_PORT ? c->ke->ntp_port : 0;
	size_t n = nts_ke_server_response_to(verdict, c->ke->ntp_server, cookies, NTS_COOKIE_LEN,
					     NTS_KE_MAX_COOKIES, port, out, sizeof(out));
	memset(cookies, 0, sizeof(cookies));
	log_debug("NTS-KE: request %s: verdict %d", nts_ke_parse_name(rc), verdict);
	c->state = CLOSING;
	if (n == 0 || gnutls_record_send(c->tls, out, n) != (ssize_t)n) {
		c->ke->stats.error++;
		conn_close(c);
		return;
	}
	if (verdict == NTS_KE_SERVE)
		c->ke->stats.served++;
	else
		c->ke->stats.refused++;
	gnutls_bye(c->tls, GNUTLS_SHUT_WR);
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
		conn_close(c);
}

static bool handshake_done(struct ntske_conn *c)
{
	gnutls_datum_t alpn;
	if (gnutls_protocol_get_version(c->tls) != GNUTLS_TLS1_3 ||
	    gnutls_alpn_get_selected_protocol(c->tls, &alpn) < 0 ||
	    alpn.size != strlen(NTS_KE_ALPN) || memcmp(alpn.data, NTS_KE_ALPN, alpn.size) != 0)
		return false;
	c->state = REQUEST;
	return true;
}

/* Read request bytes until a whole message, an error, or the bound. */
static void read_request(struct ntske_conn *c)
{
	struct nts_ke_msg m;
	for (;;) {
		ssize_t r = gnutls_record_recv(c->tls, c->req + c->req_len,
					       sizeof(c->req) - c->req_len);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return;
		if (r <= 0) {
			c->ke->stats.closed_early++;
			conn_close(c);
			return;
		}
		c->req_len += (size_t)r;
		int rc = nts_ke_parse(c->req, c->req_len, &m);
		if (rc == NTS_KE_INCOMPLETE && c->req_len < sizeof(c->req))
			continue;
		/* Full and still no End of Message: a bad request, not more buffering. */
		respond(c, rc == NTS_KE_INCOMPLETE ? NTS_KE_BAD : rc, &m);
		return;
	}
}

static void drive(struct ntske_conn *c)
{
	if (c->state == HANDSHAKE) {
		int r = gnutls_handshake(c->tls);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			return;
		if (r < 0 || !handshake_done(c)) {
			log_debug("NTS-KE: handshake failed: %s", r < 0 ? gnutls_strerror(r) : "not TLS 1.3 with ntske/1");
			c->ke->stats.tls_fail++;
			/* The client learns why (protocol_version,
			 * no_application_protocol, ...): the alert is written
			 * before the close. */
			if (r < 0)
				gnutls_alert_send_appropriate(c->tls, r);
			else
				gnutls_alert_send(c->tls, GNUTLS_AL_FATAL, GNUTLS_A_NO_APPLICATION_PROTOCOL);
			conn_close(c);
			return;
		}
	}
	if (c->state == REQUEST)
		read_request(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct ntske_conn *c = h->data;
	(void)suggested;
	if (c->in_pos > 0) { /* what GnuTLS took is gone */
		memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
		c->in_len -= c->in_pos;
		c->in_pos = 0;
	}
	*buf = uv_buf_init((char *)c->in + c->in_len, (unsigned)(sizeof(c->in) - c->in_len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct ntske_conn *c = s->data;
	(void)buf;
	if (c->closing)
		return;
	if (n < 0) {
		/* A client that leaves mid-handshake (one that refused our
		 * certificate) failed it; one that leaves after, left early;
		 * UV_ENOBUFS (a full input buffer, no TLS record is that long)
		 * counts as the same. */
		count_gone(c);
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	if (c->state == CLOSING) {
		c->in_len = c->in_pos = 0; /* a close_notify or junk: read to the end */
		return;
	}
	drive(c);
}

/* Before the response: a handshake or request not done in time; after
 * it: a client that neither read it to the end nor left. Either way the
 * slot is freed and counted. */
static void on_deadline(uv_timer_t *t)
{
	struct ntske_conn *c = t->data;
	c->ke->stats.timeout++;
	conn_close(c);
}

static int tls_session(struct ntske *ke, struct ntske_conn *c)
{
	static const gnutls_datum_t alpn = { (unsigned char *)NTS_KE_ALPN, sizeof(NTS_KE_ALPN) - 1 };
	int r = gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS);
	if (r < 0)
		return r;
	if ((r = gnutls_priority_set(c->tls, ke->prio)) < 0 ||
	    (r = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, ke->cred)) < 0 ||
	    (r = gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0)
		return r;
	gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_ptr(c->tls, c);
	gnutls_transport_set_push_function(c->tls, tls_push);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	return 0;
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

/* A connection past the bound is closed at once, unread: the bound is
 * what keeps half-open handshakes from starving anyone of memory. */
static void refuse(uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof(*t));
	if (t == NULL || uv_tcp_init(server->loop, t) < 0) {
		free(t);
		return;
	}
	if (uv_accept(server, (uv_stream_t *)t) < 0 || uv_tcp_close_reset(t, free_handle) < 0)
		uv_close((uv_handle_t *)t, free_handle);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct ntske *ke = ((struct ntske_listener *)server->data)->ke;
	if (status < 0) {
		ke->stats.error++; /* the accept failed: EMFILE, say */
		return;
	}
	if (ke->stats.open >= (uint64_t)ke->max_active) {
		ke->stats.busy++;
		refuse(server);
		return;
	}
	struct ntske_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ke->stats.error++;
		refuse(server);
		return;
	}
	c->ke = ke;
	uv_tcp_init(ke->loop, &c->tcp);
	uv_timer_init(ke->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles_open = 2;
	c->next = ke->conns;
	if (c->next != NULL)
		c->next->prev = &c->next;
	c->prev = &ke->conns;
	ke->conns = c;
	ke->stats.open++;
	ke->stats.accepted++;
	/* No Nagle: GnuTLS writes each flight and the close_notify apart, and
	 * a write held for the client's delayed ACK costs 40 ms an exchange. */
	if (tls_session(ke, c) < 0 || uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_tcp_nodelay(&c->tcp, 1) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
		ke->stats.error++;
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_deadline, DEADLINE_MS, 0);
}

/* ------------------------------------------------------------ start/stop */

/* The listen address of l, at the NTS-KE port. */
static void to_sockaddr(const struct cfg_listen *l, int port, struct sockaddr_storage *ss)
{
	struct cfg_listen at = *l;

	at.port = (uint16_t)port;
	server_sockaddr(&at, ss);
}

static int listen_on(struct ntske *ke, const struct cfg_listen *l, int port)
{
	struct sockaddr_storage ss;
	char name[ADDR_STRLEN];
	int n = sizeof(ss);
	struct ntske_listener *lis = calloc(1, sizeof(*lis));
	if (lis == NULL)
		return -ENOMEM;
	lis->ke = ke;
	uv_tcp_init(ke->loop, &lis->tcp);
	lis->tcp.data = lis;
	ke->lis[ke->n_lis++] = lis; /* closed by ntske_stop either way */
	to_sockaddr(l, port, &ss);
	int err = uv_tcp_bind(&lis->tcp, (struct sockaddr *)&ss,
			      l->family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	if (err == 0)
		err = uv_listen((uv_stream_t *)&lis->tcp, 128, on_connection);
	if (err < 0) {
		log_error("NTS-KE cannot listen on %s: %s",
			  addr_format((struct sockaddr *)&ss, name, sizeof(name)), uv_strerror(err));
		return err;
	}
	uv_tcp_getsockname(&lis->tcp, (struct sockaddr *)&ss, &n);
	log_info("nts-ke listening on %s", addr_format((struct sockaddr *)&ss, name, sizeof(name)));
	return 0;
}

static int load_tls(struct ntske *ke, const struct tsyncd_config *cfg)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	int r = gnutls_certificate_allocate_credentials(&cred);
	if (r < 0)
		goto fail;
	ke->cred = cred;
	r = gnutls_certificate_set_x509_key_file(cred, cfg->ntsservercert, cfg->ntsserverkey,
						 GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		log_error("%s, %s: cannot load the NTS certificate and key: %s", cfg->ntsservercert,
			  cfg->ntsserverkey, gnutls_strerror(r));
		return -EINVAL;
	}
	if ((r = gnutls_priority_init(&prio, PRIORITY, NULL)) < 0)
		goto fail;
	ke->prio = prio;
	return 0;
fail:
	log_error("NTS: GnuTLS: %s", gnutls_strerror(r));
	return -EIO;
}

static int start_keys(struct ntske *ke, const struct tsyncd_config *cfg)
{
	ke->rotate = cfg->ntsrotate;
	if (cfg->ntsdumpdir[0] != '\0') {
		snprintf(ke->keyfile, sizeof(ke->keyfile), "%s/%s", cfg->ntsdumpdir, KEYFILE_NAME);
		load_keys(ke);
	} else {
		log_info("no ntsdumpdir: NTS cookies will not survive a restart");
	}
	int rc = rotate_if_due(ke);
	if (rc < 0)
		return rc;
	uv_timer_init(ke->loop, &ke->rotate_timer);
	ke->rotate_timer.data = ke;
	ke->timer_on = true;
	uv_timer_start(&ke->rotate_timer, on_rotate_timer, ROTATE_CHECK_MS, ROTATE_CHECK_MS);
	return 0;
}

/* `ntsntpserver HOST [port N]`: clients are sent to HOST (and N, else
 * our own NTP port) instead of to us. */
static void set_ntp_server(struct ntske *ke, const struct tsyncd_config *cfg)
{
	snprintf(ke->ntp_server, sizeof(ke->ntp_server), "%s", cfg->ntsntpserver);
	if (cfg->ntsntpport != 0)
		ke->ntp_port = (uint16_t)cfg->ntsntpport;
	if (ke->ntp_server[0] != '\0')
		log_info("NTS-KE: clients are sent to the NTP server %s port %u", ke->ntp_server,
			 ke->ntp_port);
}

int ntske_start(struct ntske *ke, uv_loop_t *loop, struct clk *clock, struct server *srv,
		const struct tsyncd_config *cfg)
{
	*ke = (struct ntske){ .loop = loop, .clock = clock, .srv = srv,
			      .max_active = cfg->maxntsconnections };
	if (cfg->ntsservercert[0] == '\0')
		return 0;
	int rc = load_tls(ke, cfg);
	if (rc == 0)
		rc = start_keys(ke, cfg);
	for (int i = 0; rc == 0 && i < cfg->n_listen; i++)
		rc = listen_on(ke, &cfg->listen[i], cfg->ntsport);
	if (rc < 0)
		return rc;
	ke->ntp_port = server_ntp_port(srv);
	set_ntp_server(ke, cfg);
	srv->nts_on = true;
	return 0;
}

static void free_listener(uv_handle_t *h)
{
	free(h->data);
}

void ntske_stop(struct ntske *ke)
{
	while (ke->conns != NULL)
		conn_close(ke->conns);
	for (int i = 0; i < ke->n_lis; i++)
		uv_close((uv_handle_t *)&ke->lis[i]->tcp, free_listener);
	ke->n_lis = 0;
	if (ke->timer_on)
		uv_close((uv_handle_t *)&ke->rotate_timer, NULL);
	ke->timer_on = false;
	if (ke->cred != NULL)
		gnutls_certificate_free_credentials(ke->cred);
	if (ke->prio != NULL)
		gnutls_priority_deinit(ke->prio);
	ke->cred = ke->prio = NULL;
	if (ke->srv != NULL) /* NULL: the start failed before ntske_start */
		ke->srv->nts_on = false;
}

