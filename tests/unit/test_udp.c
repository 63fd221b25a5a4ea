/*
 * The UDP edge: the kernel's receive and transmit timestamps read from
 * crafted control buffers, a request matched to its stamp, a crafted
 * receive batch handed out datagram by datagram, and real loopback
 * sockets for the recvmmsg, sendmmsg and error queue paths.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>

#include "tsync/clock.h"
#include "udp.h"
#include "unit.h"

#define CONTROL_LEN (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct timespec)))
#define CONTROL_MAX 512

struct control {
	union {
		char buf[CONTROL_MAX];
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

/* SO_TIMESTAMPING's receive stamp: the software stamp is the first of
 * three; a zero one means the kernel took none. */
START_TEST(timestamping_software_stamp)
{
	struct control c;
	struct scm_timestamping tss = { .ts = { { .tv_sec = 1795851600, .tv_nsec = 7 },
						{ 0 }, { .tv_sec = 99 } } };
	int64_t ns = 42;
	init_control(&c, CMSG_SPACE(sizeof(tss)));
	add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(1795851600000000007));
	tss.ts[0] = (struct timespec){ 0 };
	init_control(&c, CMSG_SPACE(sizeof(tss)));
	add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss));
	ns = 42;
	ck_assert(!udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, 42);
}
END_TEST

/* A socket with both options gets both messages; either will do, and a
 * short SCM_TIMESTAMPING is skipped for the SCM_TIMESTAMPNS after it. */
START_TEST(timestamping_and_timestampns)
{
	struct control c;
	struct scm_timestamping tss = { .ts = { { .tv_sec = 5 } } };
	struct timespec ts = { .tv_sec = 6 };
	int64_t ns = 0;
	init_control(&c, CMSG_SPACE(sizeof(tss)) + CMSG_SPACE(sizeof(ts)));
	struct cmsghdr *h = add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPING, &tss, sizeof(tss));
	add(&c, h, SOL_SOCKET, SCM_TIMESTAMPNS, &ts, sizeof(ts));
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(5000000000));
	h->cmsg_len = CMSG_LEN(sizeof(tss) - 1);
	ck_assert(udp_rx_timestamp(&c.msg, &ns));
	ck_assert_int_eq(ns, INT64_C(6000000000));
}
END_TEST

/* What the kernel puts in an error queue message of a transmit stamp:
 * SCM_TIMESTAMPING, then the extended error naming the datagram and
 * (unused) the offender's address. */
struct tx_msg {
	struct scm_timestamping tss;
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in6 offender;
	} err;
	int level, type;   /* of the error: SOL_IP/IP_RECVERR or the IPv6 pair */
	bool err_first;    /* the error before the stamp */
};

static struct tx_msg tx_msg(uint32_t key, time_t sec, long nsec)
{
	return (struct tx_msg){
		.tss = { .ts = { { .tv_sec = sec, .tv_nsec = nsec } } },
		.err = { .ee = { .ee_errno = ENOMSG, .ee_origin = SO_EE_ORIGIN_TIMESTAMPING,
				 .ee_info = SCM_TSTAMP_SND, .ee_data = key } },
		.level = SOL_IP, .type = IP_RECVERR,
	};
}

static void craft_tx(struct control *c, const struct tx_msg *m)
{
	init_control(c, CMSG_SPACE(sizeof(m->tss)) + CMSG_SPACE(sizeof(m->err)));
	if (m->err_first)
		add(c, add(c, NULL, m->level, m->type, &m->err, sizeof(m->err)), SOL_SOCKET,
		    SCM_TIMESTAMPING, &m->tss, sizeof(m->tss));
	else
		add(c, add(c, NULL, SOL_SOCKET, SCM_TIMESTAMPING, &m->tss, sizeof(m->tss)),
		    m->level, m->type, &m->err, sizeof(m->err));
}

START_TEST(tx_timestamp_ipv4_and_ipv6)
{
	struct control c;
	struct tx_msg m = tx_msg(7, 1795851600, 250);
	uint32_t key = 0;
	int64_t ns = 0;
	craft_tx(&c, &m);
	ck_assert(udp_tx_timestamp(&c.msg, &key, &ns));
	ck_assert_uint_eq(key, 7);
	ck_assert_int_eq(ns, INT64_C(1795851600000000250));
	m = tx_msg(UINT32_MAX, 1, 2);
	m.level = SOL_IPV6, m.type = IPV6_RECVERR, m.err_first = true;
	craft_tx(&c, &m);
	ck_assert(udp_tx_timestamp(&c.msg, &key, &ns));
	ck_assert_uint_eq(key, UINT32_MAX);
	ck_assert_int_eq(ns, INT64_C(1000000002));
}
END_TEST

/* Anything else on the error queue is no transmit stamp, and leaves the
 * outputs alone. */
START_TEST(tx_timestamp_rejected)
{
	struct control c;
	struct tx_msg m[6];
	for (int k = 0; k < 6; k++)
		m[k] = tx_msg(3, 10, 0);
	m[0].err.ee.ee_origin = SO_EE_ORIGIN_ICMP;      /* an ICMP error */
	m[1].err.ee.ee_info = SCM_TSTAMP_SCHED;         /* not the send's stamp */
	m[2].err.ee.ee_errno = ECONNREFUSED;
	m[3].tss.ts[0] = (struct timespec){ 0 };         /* a hardware stamp only */
	m[3].tss.ts[2] = (struct timespec){ .tv_sec = 10 };
	m[4].level = SOL_SOCKET;                        /* the error at the wrong level */
	m[5].type = IP_TTL;
	for (int k = 0; k < 6; k++) {
		uint32_t key = 42;
		int64_t ns = 42;
		craft_tx(&c, &m[k]);
		ck_assert_msg(!udp_tx_timestamp(&c.msg, &key, &ns), "message %d", k);
		ck_assert_uint_eq(key, 42);
		ck_assert_int_eq(ns, 42);
	}
	/* The stamp alone, the error alone, a short error. */
	struct tx_msg ok = tx_msg(3, 10, 0);
	uint32_t key = 42;
	int64_t ns = 42;
	init_control(&c, CMSG_SPACE(sizeof(ok.tss)));
	add(&c, NULL, SOL_SOCKET, SCM_TIMESTAMPING, &ok.tss, sizeof(ok.tss));
	ck_assert(!udp_tx_timestamp(&c.msg, &key, &ns));
	init_control(&c, CMSG_SPACE(sizeof(ok.err)));
	add(&c, NULL, SOL_IP, IP_RECVERR, &ok.err, sizeof(ok.err));
	ck_assert(!udp_tx_timestamp(&c.msg, &key, &ns));
	craft_tx(&c, &ok);
	CMSG_NXTHDR(&c.msg, CMSG_FIRSTHDR(&c.msg))->cmsg_len = CMSG_LEN(sizeof(ok.err.ee) - 1);
	ck_assert(!udp_tx_timestamp(&c.msg, &key, &ns));
	ck_assert_uint_eq(key, 42);
	ck_assert_int_eq(ns, 42);
}
END_TEST

/* A request takes the kernel's stamp of its own datagram only, and only
 * within UDP_TX_MAX_LAG after the clock was read for it. */
START_TEST(tx_req_matching)
{
	struct udp_tx_req r;
	const int64_t u = INT64_C(1795851600000000000);
	udp_tx_req_sent(&r, 5, u);
	ck_assert(!r.stamped);
	ck_assert_int_eq(udp_tx_req_time(&r, u), u); /* no stamp: the reading */
	ck_assert(!udp_tx_req_stamp(&r, 4, u + 2000));  /* the request before */
	ck_assert(!udp_tx_req_stamp(&r, 6, u + 2000));
	ck_assert(!udp_tx_req_stamp(&r, 5, u - 1));     /* before the reading */
	ck_assert(!udp_tx_req_stamp(&r, 5, u + UDP_TX_MAX_LAG + 1));
	ck_assert(!udp_tx_req_stamp(&r, 5, u - INT64_C(30000000000))); /* across a step */
	ck_assert(!r.stamped);
	ck_assert_int_eq(udp_tx_req_time(&r, u), u);
	ck_assert(udp_tx_req_stamp(&r, 5, u + 2600));
	ck_assert(r.stamped);
	ck_assert_int_eq(udp_tx_req_time(&r, u), u + 2600);
	/* The owner's reading moved by a step of 30 s: the stamp moves too. */
	ck_assert_int_eq(udp_tx_req_time(&r, u + INT64_C(30000000000)),
			 u + INT64_C(30000000000) + 2600);
	ck_assert(udp_tx_req_stamp(&r, 5, u + UDP_TX_MAX_LAG)); /* the edges count */
	ck_assert(udp_tx_req_stamp(&r, 5, u));
	ck_assert_int_eq(udp_tx_req_time(&r, u), u);
	/* The next request forgets the stamp. */
	udp_tx_req_sent(&r, 6, u + 1000);
	ck_assert(!r.stamped);
	ck_assert_int_eq(udp_tx_req_time(&r, u + 1000), u + 1000);
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

/* What on_recv and on_tx_stamp saw: seen first, for on_recv. */
#define MAX_STAMPS 8
struct txrx {
	struct seen seen;
	int n;
	uint32_t key[MAX_STAMPS];
	int64_t t[MAX_STAMPS];
	int seen_before[MAX_STAMPS]; /* datagrams received before the stamp */
};

static void on_stamp(struct udp_sock *s, uint32_t key, int64_t t)
{
	struct txrx *w = s->data;
	ck_assert_int_lt(w->n, MAX_STAMPS);
	w->key[w->n] = key;
	w->seen_before[w->n] = w->seen.n;
	w->t[w->n++] = t;
}

/* The error queue's read path, crafted: the stamp converted to the sim
 * clock (1.5 s ahead), other messages counted, and a key the socket
 * never gave out moves its count past it. */
START_TEST(deliver_crafted_tx_stamps)
{
	struct control c;
	struct txrx w = { 0 };
	struct clk *clock;
	struct udp_sock s = { .fd = -1, .on_tx_stamp = on_stamp, .data = &w, .tx_key = 3 };
	ck_assert_int_eq(clk_sim_new(&clock, INT64_C(1500000000), 0), 0);
	s.clock = clock;
	struct tx_msg m = tx_msg(2, 1795851600, 5);
	craft_tx(&c, &m);
	udp_deliver_tx_stamp(&s, &c.msg);
	ck_assert_int_eq(w.n, 1);
	ck_assert_uint_eq(w.key[0], 2);
	ck_assert_int_eq(w.t[0], INT64_C(1795851601500000005));
	ck_assert_uint_eq(s.tx_key, 3);
	m.err.ee.ee_origin = SO_EE_ORIGIN_ICMP;
	craft_tx(&c, &m);
	udp_deliver_tx_stamp(&s, &c.msg);
	ck_assert_int_eq(w.n, 1);
	ck_assert_uint_eq(s.errqueue_other, 1);
	m = tx_msg(4, 1795851600, 6); /* keys 3 and 4 went out as far as the kernel knows */
	craft_tx(&c, &m);
	udp_deliver_tx_stamp(&s, &c.msg);
	ck_assert_int_eq(w.n, 2);
	ck_assert_uint_eq(w.key[1], 4);
	ck_assert_uint_eq(s.tx_key, 5);
	ck_assert_uint_eq(s.tx_stamps, 2);
	clk_destroy(clock);
}
END_TEST

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

static void open_pair_batch(struct pair *p, struct seen *w, const struct udp_batch *batch)
{
	struct sockaddr_in any = loopback(0);
	ck_assert_int_eq(uv_loop_init(&p->loop), 0);
	ck_assert_int_eq(clk_readonly_new(&p->clock), 0);
	ck_assert_int_eq(udp_open(&p->s, &p->loop, (struct sockaddr *)&any, false, batch, p->clock,
				  on_recv, w), 0);
	bound_name(p->s.fd, &p->addr);
	p->peer = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(p->peer, 0);
	ck_assert_int_eq(bind(p->peer, (struct sockaddr *)&any, sizeof(any)), 0);
	bound_name(p->peer, &p->peer_addr);
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(p->peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void open_pair(struct pair *p, struct seen *w)
{
	open_pair_batch(p, w, UDP_BATCH_SERVER);
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
 * out in order, whole, from the peer, stamped by the kernel between
 * their sending and their delivery. */
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
	RUN_UNTIL(&p.loop, w.n == N + 1);
	/* Not before the loop: when no socket of the host wanted stamps, the
	 * kernel turns them on a moment after SO_TIMESTAMPNS, and stamps the
	 * datagrams that came meanwhile as they are read. */
	clk_read(p.clock, &t1);
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

/* A client's batch: 2 at a time, 64 bytes at most. Seven datagrams come
 * out in order, but the one of 65 bytes, dropped and counted whole. */
START_TEST(small_batch_truncates)
{
	struct pair p;
	struct seen w = { 0 };
	const size_t lens[] = { 48, 48, 65, 64, 1, 48, 48, 48 };
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	open_pair_batch(&p, &w, &(const struct udp_batch){ 2, 64 });
	for (int k = 0; k < N; k++) {
		uint8_t d[80] = { (uint8_t)k };
		peer_send(&p, d, lens[k]);
	}
	RUN_UNTIL(&p.loop, w.n == N - 1);
	ck_assert_int_eq(w.n, N - 1);
	for (int k = 0, j = 0; k < N; k++) {
		if (lens[k] > 64)
			continue;
		ck_assert_uint_eq(w.len[j], lens[k]);
		ck_assert_uint_eq(w.first[j++], k);
	}
	ck_assert_uint_eq(p.s.truncated, 1);
	close_pair(&p);
}
END_TEST

/* A batch out of range is refused before anything is allocated. */
START_TEST(batch_out_of_range)
{
	const struct udp_batch bad[] = { { 0, 64 }, { UDP_BATCH + 1, 64 }, { 1, 0 },
					 { 1, UDP_MAX_DATAGRAM + 1 } };
	struct sockaddr_in any = loopback(0);
	uv_loop_t loop;
	struct clk *clock;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(clk_readonly_new(&clock), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct udp_sock s;
		ck_assert_int_eq(udp_open(&s, &loop, (struct sockaddr *)&any, false, &bad[i], clock,
					  on_recv, NULL), -EINVAL);
		ck_assert_ptr_null(s.bufs);
		udp_close(&s, NULL);
		ck_assert_int_eq(s.fd, -1);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	clk_destroy(clock);
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

/* Transmit stamps of real sends, udp_send and a batch: keys 0, 1, ... in
 * order, each stamp taken inside its send. A reply that waits beside its
 * request's stamp is delivered after the stamp. */
START_TEST(tx_stamps_on_loopback)
{
	struct pair p;
	struct txrx w = { 0 };
	int64_t before[4], after[4];
	uint8_t d[8] = { 0 };
	open_pair(&p, &w.seen);
	p.s.data = &w;
	ck_assert_int_eq(udp_tx_timestamps(&p.s, on_stamp), 0);
	for (int k = 0; k < 2; k++) {
		ck_assert_uint_eq(p.s.tx_key, (unsigned)k);
		clk_read(p.clock, &before[k]);
		ck_assert_int_eq(udp_send(&p.s, d, 1, (struct sockaddr *)&p.peer_addr), 0);
		clk_read(p.clock, &after[k]);
	}
	clk_read(p.clock, &before[2]);
	commit_tagged(&p.s, 2, &p.peer_addr);
	commit_tagged(&p.s, 3, &p.peer_addr);
	ck_assert_int_eq(udp_flush(&p.s), 0);
	clk_read(p.clock, &after[3]);
	before[3] = before[2], after[2] = after[3];
	ck_assert_uint_eq(p.s.tx_key, 4);
	RUN_UNTIL(&p.loop, w.n == 4);
	ck_assert_int_eq(w.n, 4);
	for (int k = 0; k < 4; k++) {
		ck_assert_uint_eq(w.key[k], (unsigned)k);
		ck_assert_int_ge(w.t[k], before[k]);
		ck_assert_int_le(w.t[k], after[k]);
	}
	/* The request out and its reply back before the loop turns again. */
	ck_assert_int_eq(udp_send(&p.s, d, 1, (struct sockaddr *)&p.peer_addr), 0);
	for (int k = 0; k < 5; k++)
		ck_assert_int_ge(recv(p.peer, d, sizeof(d), 0), 1);
	peer_send(&p, d, 1);
	RUN_UNTIL(&p.loop, w.seen.n == 1);
	ck_assert_int_eq(w.seen.n, 1);
	ck_assert_int_eq(w.n, 5);
	ck_assert_uint_eq(w.key[4], 4);
	ck_assert_int_eq(w.seen_before[4], 0);
	ck_assert_int_le(w.t[4], w.seen.t[0]);
	ck_assert_uint_eq(p.s.tx_stamps, 5);
	ck_assert_uint_eq(p.s.errqueue_other, 0);
	ck_assert_uint_eq(p.s.no_timestamp, 0);
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
	tcase_add_test(tc, timestamping_software_stamp);
	tcase_add_test(tc, timestamping_and_timestampns);
	suite_add_tcase(s, tc);
	tc = tcase_create("tx_timestamp");
	tcase_add_test(tc, tx_timestamp_ipv4_and_ipv6);
	tcase_add_test(tc, tx_timestamp_rejected);
	tcase_add_test(tc, tx_req_matching);
	tcase_add_test(tc, deliver_crafted_tx_stamps);
	suite_add_tcase(s, tc);
	tc = tcase_create("batch");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, deliver_crafted_batch);
	tcase_add_test(tc, receive_batches);
	tcase_add_test(tc, small_batch_truncates);
	tcase_add_test(tc, batch_out_of_range);
	tcase_add_test(tc, close_from_callback);
	tcase_add_test(tc, send_batches);
	tcase_add_test(tc, send_failure_skipped);
	tcase_add_test(tc, replies_flushed_after_delivery);
	tcase_add_test(tc, tx_stamps_on_loopback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(udp_suite());
}
