/*
 * The UDP edge: the kernel's receive timestamp read from crafted control
 * buffers, a crafted receive batch handed out datagram by datagram, and
 * real loopback sockets for the recvmmsg and sendmmsg paths.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsync/clock.h"
#include "udp.h"
#include "unit.h"

#define CONTROL_LEN (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec)))

struct control {
	union {
		char buf[CONTROL_LEN];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
};

static void init_control(struct control *c, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->msg.msg_control = c->u.buf;
	c->msg.msg_controllen = len;
}

static struct cmsghdr *add(struct control *c, struct cmsghdr *prev, int level, int type,
			   const void *data, size_t len)
{
	struct cmsghdr *h = prev == NULL ? CMSG_FIRSTHDR(&c->msg) : CMSG_NXTHDR(&c->msg, prev);
	ck_assert_ptr_nonnull(h);
	h->cmsg_level = level;
	h->cmsg_type = type;
	h->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(h), data, len);
	return h;
}

START_TEST(timestamp_alone)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1795851600, .tv_nsec = 123456789 };
	int64_t ns = 0;
	init_control(&c, CMSG_SPACE(sizeof(ts)));
	add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(1795851600123456789));
}
END_TEST

START_TEST(timestamp_after_another_message)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 2 };
	int ttl = 64;
	int64_t ns = 0;
	init_control(&c, CONTROL_LEN);
	struct cmsghdr *h = add(&c, NULL, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	add(&c, h, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(1000000002));
}
END_TEST

START_TEST(no_timestamp)
{
	struct control c;
	int ttl = 64;
	int64_t ns = 42;
	init_control(&c, 0);
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	init_control(&c, CMSG_SPACE(sizeof(ttl)));
	add(&c, NULL, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, 42);
}
END_TEST

START_TEST(truncated_timestamp)
{
	struct control c;
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 2 };
	int64_t ns = 42;
	init_control(&c, CMSG_SPACE(sizeof(ts)));
	struct cmsghdr *h = add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	h->cmsg_len = CMSG_LEN(sizeof(ts) - 1);
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, 42);
}
END_TEST


/* What on_recv saw. */
#define MAX_SEEN 128
struct seen {
	int n;
	size_t len[MAX_SEEN];
	uint8_t first[MAX_SEEN];
	int64_t t[MAX_SEEN];
	struct sockaddr_storage from[MAX_SEEN];
	bool close_at_first;
};

static void on_recv(struct udp_sock *s, const uint8_t *data, size_t len,
		    const struct sockaddr *from, int64_t t)
{
	struct seen *w = s->data;
	ck_assert_int_lt(w->n, MAX_SEEN);
	w->len[w->n] = len;
	w->first[w->n] = len > 0 ? data[0] : 0;
	w->t[w->n] = t;
	memcpy(&w->from[w->n], from, from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								 : sizeof(struct sockaddr_in));
	w->n++;
	if (w->close_at_first)
		udp_close(s, NULL);
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* One crafted received message: data, sender and control buffer. */
struct crafted {
	uint8_t data[4];
	struct sockaddr_in from;
	struct iovec iov;
	struct control c;
};

static void craft(struct crafted *m, struct mmsghdr *h, uint8_t tag, uint16_t port, size_t control_len)
{
	memset(m->data, tag, sizeof(m->data));
	m->from = loopback(port);
	m->iov = (struct iovec){ .iov_base = m->data, .iov_len = sizeof(m->data) };
	init_control(&m->c, control_len);
	m->c.msg.msg_name = &m->from;
	m->c.msg.msg_namelen = sizeof(m->from);
	m->c.msg.msg_iov = &m->iov;
	m->c.msg.msg_iovlen = 1;
	*h = (struct mmsghdr){ .msg_len = (unsigned)(sizeof(m->data) - tag % 2) };
}

/* A batch of three: stamped, unstamped (the clock's time instead, and
 * counted), and stamped after another control message. The sim clock
 * is 1.5 s ahead of the host's: each stamp comes out 1.5 s later. */
START_TEST(deliver_crafted_batch)
{
	struct crafted m[3];
	struct mmsghdr h[3];
	struct seen w = { 0 };
	struct clk *clock;
	struct udp_sock s = { .fd = -1, .on_recv = on_recv, .data = &w };
	struct timespec a = { .tv_sec = 1795851600, .tv_nsec = 5 }, b = { .tv_sec = 1795851601 };
	int ttl = 64;
	int64_t before, after;
	ck_assert_int_eq(clk_sim_new(&clock, INT64_C(1500000000), 0), 0);
	s.clock = clock;
	craft(&m[0], &h[0], 1, 1001, CMSG_SPACE(sizeof(a)));
	add(&m[0].c, NULL, SOL_SOCKET, SCM_TIMESTAMPNS, &a, sizeof(a));
	craft(&m[1], &h[1], 2, 1002, 0);
	craft(&m[2], &h[2], 3, 1003, CONTROL_LEN);
	add(&m[2].c, add(&m[2].c, NULL, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), SOL_SOCKET,
	    SCM_TIMESTAMPNS, &b, sizeof(b));
	for (int k = 0; k < 3; k++)
		h[k].msg_hdr = m[k].c.msg;
	clk_read(clock, &before);
	udp_deliver(&s, h, 3);
	clk_read(clock, &after);
	ck_assert_int_eq(w.n, 3);
	ck_assert_int_eq(w.t[0], INT64_C(1795851601500000005));
	ck_assert_int_ge(w.t[1], before);
	ck_assert_int_le(w.t[1], after);
	ck_assert_int_eq(w.t[2], INT64_C(1795851602500000000));
	ck_assert_uint_eq(s.no_timestamp, 1);
	for (int k = 0; k < 3; k++) {
		ck_assert_uint_eq(w.len[k], 4 - (k + 1) % 2);
		ck_assert_uint_eq(w.first[k], k + 1);
		ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&w.from[k])->sin_port), 1001 + k);
	}
	clk_destroy(clock);
}
END_TEST

/* Turn the loop until cond holds, or give up after about 5 s. */
#define RUN_UNTIL(loop, cond) \
	for (int i_ = 0; i_ < 5000 && !(cond); i_++) { \
		uv_run(loop, UV_RUN_NOWAIT); \
		usleep(1000); \
	}

struct pair {
	uv_loop_t loop;
	struct clk *clock;
	struct udp_sock s;
	struct sockaddr_in addr; /* of s */
	int peer;                /* a plain socket on 127.0.0.1 */
	struct sockaddr_in peer_addr;
};

static void bound_name(int fd, struct sockaddr_in *a)
{
	socklen_t n = sizeof(*a);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)a, &n), 0);
}

static void open_pair(struct pair *p, struct seen *w)
{
	struct sockaddr_in any = loopback(0);
	ck_assert_int_eq(uv_loop_init(&p->loop), 0);
	ck_assert_int_eq(clk_readonly_new(&p->clock), 0);
	ck_assert_int_eq(udp_open(&p->s, &p->loop, (struct sockaddr *)&any, false, p->clock, on_recv, w), 0);
	bound_name(p->s.fd, &p->addr);
	p->peer = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(p->peer, 0);
	ck_assert_int_eq(bind(p->peer, (struct sockaddr *)&any, sizeof(any)), 0);
	bound_name(p->peer, &p->peer_addr);
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(p->peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void close_pair(struct pair *p)
{
	if (p->s.fd >= 0)
		udp_close(&p->s, NULL);
	uv_run(&p->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&p->loop), 0);
	clk_destroy(p->clock);
	close(p->peer);
}

static void peer_send(struct pair *p, const void *data, size_t len)
{
	ck_assert_int_eq(sendto(p->peer, data, len, 0, (struct sockaddr *)&p->addr, sizeof(p->addr)),
			 (ssize_t)len);
}

/* More datagrams than one batch, and one of the largest size: all come
 * out in order, whole, from the peer, stamped by the kernel within the
 * time they were sent. */
START_TEST(receive_batches)
{
	static uint8_t big[65507];
	struct pair p;
	struct seen w = { 0 };
	int64_t t0, t1;
	enum { N = 3 * UDP_BATCH + 5 };
	open_pair(&p, &w);
	clk_read(p.clock, &t0);
	for (int k = 0; k < N; k++) {
		uint8_t d[48] = { (uint8_t)k };
		peer_send(&p, d, (size_t)(k % 48) + 1);
	}
	big[0] = 0xbb;
	peer_send(&p, big, sizeof(big));
	clk_read(p.clock, &t1);
	RUN_UNTIL(&p.loop, w.n == N + 1);
	ck_assert_int_eq(w.n, N + 1);
	for (int k = 0; k <= N; k++) {
		ck_assert_uint_eq(w.len[k], k < N ? (size_t)(k % 48) + 1 : sizeof(big));
		ck_assert_uint_eq(w.first[k], k < N ? k : 0xbb);
		ck_assert(addr_equal((struct sockaddr *)&w.from[k], (struct sockaddr *)&p.peer_addr));
		ck_assert_int_ge(w.t[k], k == 0 ? t0 : w.t[k - 1]);
		ck_assert_int_le(w.t[k], t1);
	}
	ck_assert_uint_eq(p.s.no_timestamp, 0);
	close_pair(&p);
}
END_TEST

/* An owner that closes the socket from on_recv is given no more. */
START_TEST(close_from_callback)
{
	struct pair p;
	struct seen w = { .close_at_first = true };
	open_pair(&p, &w);
	for (int k = 0; k < 3; k++)
		peer_send(&p, "x", 1);
	RUN_UNTIL(&p.loop, p.s.fd < 0);
	ck_assert_int_eq(p.s.fd, -1);
	ck_assert_int_eq(w.n, 1);
	close_pair(&p);
}
END_TEST

/* What the send hooks saw, batch by batch. */
struct hooks {
	int batches, stamped, sent, failed;
	int size[16];
	int64_t t[16];
};

static void stamp(struct udp_sock *s, const struct iovec *out, int n, int64_t t, int64_t step)
{
	struct hooks *h = s->data;
	ck_assert_int_ge(step, 0);
	for (int k = 0; k < n; k++) {
		int64_t tk = t + k * step;
		memcpy((uint8_t *)out[k].iov_base + 4, &tk, sizeof(tk));
	}
	ck_assert_int_lt(h->batches, 16);
	h->size[h->batches] = n;
	h->t[h->batches++] = t;
	h->stamped += n;
}

static void count(struct udp_sock *s, int sent, int failed)
{
	struct hooks *h = s->data;
	h->sent += sent;
	h->failed += failed;
}

static void commit_tagged(struct udp_sock *s, uint32_t tag, const struct sockaddr_in *to)
{
	uint8_t *d = udp_batch_next(s);
	memcpy(d, &tag, sizeof(tag));
	udp_batch_commit(s, 12, (const struct sockaddr *)to);
}

/* A batch and a bit: the datagram after a full batch sends the batch,
 * the rest go on udp_flush. The stamping hook sees each chunk of
 * UDP_STAMP_CHUNK once, just before it goes; the peer gets every
 * datagram in order, stamped by the hook with its chunk's t + k * step.
 * Across chunks the stamps need not grow: a step measured on a slow
 * chunk may overshoot the next chunk's reading. */
START_TEST(send_batches)
{
	struct pair p;
	struct hooks h = { 0 };
	enum { N = UDP_BATCH + 5, FULL = UDP_BATCH / UDP_STAMP_CHUNK };
	open_pair(&p, NULL);
	p.s.data = &h;
	p.s.before_send = stamp;
	p.s.after_send = count;
	for (uint32_t k = 0; k < N; k++)
		commit_tagged(&p.s, k, &p.peer_addr);
	ck_assert_int_eq(h.batches, FULL);
	ck_assert_int_eq(h.sent, UDP_BATCH);
	ck_assert_int_eq(udp_batch_len(&p.s), N - UDP_BATCH);
	ck_assert_int_eq(udp_flush(&p.s), 0);
	ck_assert_int_eq(udp_batch_len(&p.s), 0);
	ck_assert_int_eq(udp_flush(&p.s), 0); /* nothing to send: no hook */
	ck_assert_int_eq(h.batches, FULL + 1);
	for (int b = 0; b < FULL; b++)
		ck_assert_int_eq(h.size[b], UDP_STAMP_CHUNK);
	ck_assert_int_eq(h.size[FULL], N - UDP_BATCH);
	ck_assert_int_eq(h.sent, N);
	ck_assert_int_eq(h.failed, 0);
	int64_t prev = 0;
	for (uint32_t k = 0; k < N; k++) {
		uint8_t d[64];
		uint32_t tag;
		int64_t tk;
		ck_assert_int_eq(recv(p.peer, d, sizeof(d), 0), 12);
		memcpy(&tag, d, sizeof(tag));
		memcpy(&tk, d + 4, sizeof(tk));
		ck_assert_uint_eq(tag, k);
		/* Chunks are read from the clock in order; within one, the
		 * stamps grow from the chunk's reading by steps. */
		ck_assert_int_ge(tk, k % UDP_STAMP_CHUNK == 0 ? h.t[k / UDP_STAMP_CHUNK] : prev);
		if (k % UDP_STAMP_CHUNK == 0 && k > 0)
			ck_assert_int_gt(h.t[k / UDP_STAMP_CHUNK], h.t[k / UDP_STAMP_CHUNK - 1]);
		prev = tk;
	}
	close_pair(&p);
}
END_TEST

/* A datagram the kernel refuses (port 0) is skipped and counted; those
 * after it still go, and udp_flush reports the error. */
START_TEST(send_failure_skipped)
{
	struct pair p;
	struct hooks h = { 0 };
	struct sockaddr_in nowhere = loopback(0);
	uint8_t d[64];
	open_pair(&p, NULL);
	p.s.data = &h;
	p.s.after_send = count;
	commit_tagged(&p.s, 1, &p.peer_addr);
	commit_tagged(&p.s, 2, &nowhere);
	commit_tagged(&p.s, 3, &p.peer_addr);
	ck_assert_int_eq(udp_flush(&p.s), -EINVAL);
	ck_assert_int_eq(h.sent, 2);
	ck_assert_int_eq(h.failed, 1);
	ck_assert_int_eq(h.batches, 0); /* no before_send hook set */
	ck_assert_int_eq(recv(p.peer, d, sizeof(d), 0), 12);
	ck_assert_uint_eq(d[0], 1);
	ck_assert_int_eq(recv(p.peer, d, sizeof(d), 0), 12);
	ck_assert_uint_eq(d[0], 3);
	close_pair(&p);
}
END_TEST

/* The server's path: replies built in the batch from on_recv go out
 * when the received batch has been delivered, without a udp_flush. */
static void echo(struct udp_sock *s, const uint8_t *data, size_t len,
		 const struct sockaddr *from, int64_t t)
{
	uint8_t *out = udp_batch_next(s);
	memcpy(out, data, len);
	udp_batch_commit(s, len, from);
}

START_TEST(replies_flushed_after_delivery)
{
	struct pair p;
	struct hooks h = { 0 };
	uint8_t d[8];
	open_pair(&p, NULL);
	p.s.on_recv = echo;
	p.s.data = &h;
	p.s.after_send = count;
	for (int k = 0; k < 5; k++) {
		d[0] = (uint8_t)k;
		peer_send(&p, d, 1);
	}
	RUN_UNTIL(&p.loop, h.sent == 5);
	ck_assert_int_eq(h.sent, 5);
	ck_assert_int_eq(udp_batch_len(&p.s), 0);
	for (int k = 0; k < 5; k++) {
		ck_assert_int_eq(recv(p.peer, d, sizeof(d), 0), 1);
		ck_assert_uint_eq(d[0], k);
	}
	close_pair(&p);
}
END_TEST

static Suite *udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("rx_timestamp");
	tcase_add_test(tc, timestamp_alone);
	tcase_add_test(tc, timestamp_after_another_message);
	tcase_add_test(tc, no_timestamp);
	tcase_add_test(tc, truncated_timestamp);
	suite_add_tcase(s, tc);
	tc = tcase_create("batch");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, deliver_crafted_batch);
	tcase_add_test(tc, receive_batches);
	tcase_add_test(tc, close_from_callback);
	tcase_add_test(tc, send_batches);
	tcase_add_test(tc, send_failure_skipped);
	tcase_add_test(tc, replies_flushed_after_delivery);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(udp_suite());
}
