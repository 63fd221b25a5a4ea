/*
 * The metrics endpoint on libuv: accept (the allow list first), read one
 * request head into a fixed buffer, let the pure http_req judge it, send
 * one response and close. A deadline and a fixed number of slots keep slow
 * or hostile clients from holding the loop or each other's turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/http_req.h"
#include "tsync/metrics.h"

#include "counters.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "server.h"
#include "udp.h"

#define METRICS_BACKLOG 32

struct metrics_conn {
	struct metrics *m;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	int handles;    /* open handles; freed when none is left */
	bool timed, closing, answered;
	int slot;
	uint64_t serial;
	char *out;      /* the response while it is written */
	size_t in_len;
	char in[HTTP_REQ_MAX];
};

static void on_closed(uv_handle_t *h)
{
	struct metrics_conn *c = h->data;

	if (--c->handles == 0) {
		free(c->out);
		free(c);
	}
}

static void conn_close(struct metrics_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->slot >= 0)
		c->m->conns[c->slot] = NULL;
	c->slot = -1;
	c->handles = c->timed ? 2 : 1;
	uv_close((uv_handle_t *)&c->tcp, on_closed);
	if (c->timed)
		uv_close((uv_handle_t *)&c->timer, on_closed);
}

/* The exposition, in a buffer grown until it fits; NULL when it cannot. */
static char *render(const struct metrics *m, size_t *len)
{
	static struct counters_snap snap;
	static struct ctl_source src[CTL_SOURCES_MAX];
	static struct brk_status brk;
	struct ctl_status st = { .selection = CTL_SEL_NONE };
	const struct counters_ctx *cx = m->cx;
	struct metrics_input in = { .status = &st, .src = src };

	report_ops.status((void *)cx->cl, &st);
	memset(src, 0, sizeof(src));
	in.n_src = report_ops.sources((void *)cx->cl, src, CTL_SOURCES_MAX);
	if (cx->brk != NULL && cx->brk->enabled) {
		berkeley_status(cx->brk, &brk);
		in.brk = &brk;
	}
	counters_collect(cx, &snap);
	in.views = snap.view;
	in.n_views = snap.n;
	for (size_t cap = 64 * 1024; cap <= METRICS_BODY_MAX; cap *= 2) {
		char *buf = malloc(cap);
		int n = buf == NULL ? -ENOMEM : metrics_render(&in, buf, cap);
		if (n >= 0) {
			*len = (size_t)n;
			return buf;
		}
		free(buf);
		if (n != -ENOSPC)
			break;
	}
	return NULL;
}

static void on_written(uv_write_t *w, int status)
{
	struct metrics_conn *c = w->data;

	if (status < 0 && status != UV_ECANCELED)
		c->m->stats.io_error++;
	conn_close(c);
}

static void respond(struct metrics_conn *c, const struct http_req *r)
{
	char head[256], *body = NULL;
	size_t body_len = 0;
	enum http_verdict v = r->verdict;

	uv_read_stop((uv_stream_t *)&c->tcp);
	c->answered = true;
	if (v == HTTP_OK && (body = render(c->m, &body_len)) == NULL) {
		log_warn("metrics: cannot render the exposition");
		v = (enum http_verdict)500;
	}
	if (v != HTTP_OK)
		body_len = strlen(http_error_body(v));
	int hl = http_response_head(v, body_len, head, sizeof(head));
	size_t sent_body = r->head ? 0 : body_len;
	c->out = malloc((size_t)hl + sent_body);
	if (hl < 0 || c->out == NULL) {
		free(body);
		c->m->stats.io_error++;
		conn_close(c);
		return;
	}
	memcpy(c->out, head, (size_t)hl);
	memcpy(c->out + hl, v == HTTP_OK ? body : http_error_body(v), sent_body);
	free(body);
	if (v == HTTP_OK)
		c->m->stats.served++;
	else
		c->m->stats.rejected++;
	uv_buf_t b = uv_buf_init(c->out, (unsigned)((size_t)hl + sent_body));
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
		c->m->stats.io_error++;
		conn_close(c);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct metrics_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->in + c->in_len, (unsigned)(sizeof(c->in) - c->in_len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct metrics_conn *c = s->data;

	(void)buf;
	if (n == 0 || c->answered)
		return;
	if (n < 0) {
		if (n == UV_EOF)
			c->m->stats.closed++;
		else
			c->m->stats.io_error++;
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	struct http_req r = http_req_judge(c->in, c->in_len);
	if (r.verdict != HTTP_MORE)
		respond(c, &r);
}

static void on_deadline(uv_timer_t *t)
{
	struct metrics_conn *c = t->data;

	c->m->stats.timeout++;
	conn_close(c);
}

/* A free slot, or the oldest connection's, closed. */
static int take_slot(struct metrics *m)
{
	int oldest = 0;

	for (int i = 0; i < METRICS_MAX_CONNS; i++) {
		if (m->conns[i] == NULL)
			return i;
		if (m->conns[i]->serial < m->conns[oldest]->serial)
			oldest = i;
	}
	m->stats.evicted++;
	conn_close(m->conns[oldest]);
	return oldest;
}

/* metricsallow's rules; with none, loopback only. */
static bool allowed(const struct metrics *m, const uv_tcp_t *tcp)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	size_t alen;

	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) < 0)
		return false;
	const uint8_t *a = server_access_addr_bytes((struct sockaddr *)&ss, &alen);
	acl_unmap(&a, &alen);
	if (m->acl.n == 0)
		return (alen == 4 && a[0] == 127) ||
		       (alen == 16 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	return acl_check(&m->acl, a, alen) == ACL_ALLOW;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct metrics *m = server->data;
	struct metrics_conn *c;

	if (status < 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		m->stats.io_error++;
		return;
	}
	*c = (struct metrics_conn){ .m = m, .slot = -1 };
	uv_tcp_init(m->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 || !allowed(m, &c->tcp)) {
		m->stats.refused++;
		conn_close(c);
		return;
	}
	c->slot = take_slot(m);
	c->serial = m->next_serial++;
	m->conns[c->slot] = c;
	m->stats.accepted++;
	c->timed = true;
	uv_timer_init(m->loop, &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, on_deadline, METRICS_DEADLINE_MS, 0);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int metrics_start(struct metrics *m, uv_loop_t *loop, const struct tsyncd_config *cfg,
		  const struct counters_ctx *cx)
{
	struct sockaddr_storage ss;
	char name[ADDR_STRLEN];
	int err;

	*m = (struct metrics){ .loop = loop, .cx = cx, .acl = cfg->metrics_acl };
	if (!cfg->metrics_on)
		return 0;
	server_sockaddr(&cfg->metrics, &ss);
	uv_tcp_init(loop, &m->tcp);
	m->tcp.data = m;
	m->open = true;
	if ((err = uv_tcp_bind(&m->tcp, (struct sockaddr *)&ss, 0)) == 0)
		err = uv_listen((uv_stream_t *)&m->tcp, METRICS_BACKLOG, on_connection);
	if (err < 0) {
		log_error("metrics: cannot listen on %s: %s",
			  addr_format((struct sockaddr *)&ss, name, sizeof(name)), uv_strerror(err));
		return err;
	}
	int len = sizeof(ss);
	uv_tcp_getsockname(&m->tcp, (struct sockaddr *)&ss, &len);
	log_info("metrics on http://%s/metrics", addr_format((struct sockaddr *)&ss, name,
							     sizeof(name)));
	return 0;
}

void metrics_stop(struct metrics *m)
{
	for (int i = 0; i < METRICS_MAX_CONNS; i++) {
		if (m->conns[i] != NULL)
			conn_close(m->conns[i]);
	}
	if (m->open)
		uv_close((uv_handle_t *)&m->tcp, NULL);
	m->open = false;
}
