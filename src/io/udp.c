/*
 * The UDP edge: a socket of our own under a uv_poll_t, so that recvmmsg
 * hands us the kernel's receive timestamps, taken before any process
 * woke up, and sendmmsg sends a batch of replies with one system call.
 * Batches live in buffers allocated once per socket.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/ntp_ts.h"
#include "udp.h"

/* Batches read per wake-up, so that one busy socket cannot starve the
 * rest of the loop. */
#define BATCHES_PER_WAKEUP 4
/* The first measure of the kernel's time per datagram is trusted up to
 * this; chunks shorter than MIN_STEP_CHUNK are not measured at all. */
#define MAX_TX_STEP_NS 20000
#define MIN_STEP_CHUNK 4

union control {
	char buf[CMSG_SPACE(sizeof(struct timespec))];
	struct cmsghdr align;
};

/* Each message's header points at its own buffers once and for all; only
 * the lengths that the kernel overwrites are reset after use. */
struct udp_bufs {
	struct mmsghdr rx[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH];
	struct sockaddr_storage rx_from[UDP_BATCH];
	union control rx_control[UDP_BATCH];
	int tx_n;
	struct mmsghdr tx[UDP_BATCH];
	struct iovec tx_iov[UDP_BATCH];
	struct sockaddr_storage tx_to[UDP_BATCH];
	uint8_t tx_data[UDP_BATCH][UDP_BATCH_MAX_LEN];
	/* Last, and touched only as far as datagrams reach: the pages of
	 * slots that only ever see 48 bytes are never made resident. */
	uint8_t rx_data[UDP_BATCH][UDP_MAX_DATAGRAM];
};

bool udp_rx_timestamp(const struct msghdr *msg, int64_t *host_ns)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts)); /* CMSG_DATA may be unaligned */
			*host_ns = ntp_ns_from_timespec(&ts);
			return true;
		}
	}
	return false;
}

/* The datagram's arrival on the socket's clock: the kernel's stamp if it
 * gave one, else the clock now. */
static int rx_time(struct udp_sock *s, const struct msghdr *msg, int64_t *t)
{
	int64_t host_ns;
	if (udp_rx_timestamp(msg, &host_ns))
		return clk_from_host(s->clock, host_ns, t);
	s->no_timestamp++;
	return clk_read(s->clock, t);
}

static bool closing(struct udp_sock *s)
{
	return s->polling && uv_is_closing((uv_handle_t *)&s->poll);
}

void udp_deliver(struct udp_sock *s, struct mmsghdr *msgs, int n)
{
	int64_t t;
	/* The owner may close the socket from on_recv: stop delivering then. */
	for (int k = 0; k < n && !closing(s); k++) {
		struct msghdr *m = &msgs[k].msg_hdr;
		if (rx_time(s, m, &t) == 0)
			s->on_recv(s, m->msg_iov[0].iov_base, msgs[k].msg_len, m->msg_name, t);
	}
}

static void reset_rx(struct udp_bufs *b, int n)
{
	for (int k = 0; k < n; k++) {
		b->rx[k].msg_hdr.msg_namelen = sizeof(b->rx_from[k]);
		b->rx[k].msg_hdr.msg_controllen = sizeof(b->rx_control[k]);
	}
}

/* A batch that comes back short has emptied the socket: no further read
 * just to learn that. Replies built meanwhile go out batch by batch. */
static void on_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *s = h->data;
	for (int i = 0; status == 0 && i < BATCHES_PER_WAKEUP; i++) {
		int n = recvmmsg(s->fd, s->bufs->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		udp_deliver(s, s->bufs->rx, n);
		reset_rx(s->bufs, n);
		if (closing(s))
			return;
		udp_flush(s);
		if (n < UDP_BATCH)
			break;
	}
}

static void init_bufs(struct udp_bufs *b)
{
	for (int k = 0; k < UDP_BATCH; k++) {
		b->rx_iov[k] = (struct iovec){ .iov_base = b->rx_data[k], .iov_len = UDP_MAX_DATAGRAM };
		b->rx[k].msg_hdr = (struct msghdr){
			.msg_name = &b->rx_from[k], .msg_iov = &b->rx_iov[k], .msg_iovlen = 1,
			.msg_control = b->rx_control[k].buf,
		};
		b->tx_iov[k].iov_base = b->tx_data[k];
		b->tx[k].msg_hdr = (struct msghdr){
			.msg_name = &b->tx_to[k], .msg_iov = &b->tx_iov[k], .msg_iovlen = 1,
		};
	}
	reset_rx(b, UDP_BATCH);
	b->tx_n = 0;
}

static int make_socket(const struct sockaddr *addr, bool v6only)
{
	const int on = 1;
	int fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	if ((v6only && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    bind(fd, addr, len) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int udp_open(struct udp_sock *s, uv_loop_t *loop, const struct sockaddr *addr, bool v6only,
	     struct clk *clock, udp_recv_fn on_recv, void *data)
{
	*s = (struct udp_sock){ .fd = -1 };
	int fd = make_socket(addr, v6only);
	if (fd < 0)
		return fd;
	return udp_adopt(s, loop, fd, clock, on_recv, data);
}

int udp_adopt(struct udp_sock *s, uv_loop_t *loop, int fd, struct clk *clock,
	      udp_recv_fn on_recv, void *data)
{
	const int on = 1;
	*s = (struct udp_sock){ .fd = fd, .clock = clock, .on_recv = on_recv, .data = data };
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		return -errno;
	/* malloc, not calloc: the receive slots stay untouched until used. */
	s->bufs = malloc(sizeof(*s->bufs));
	if (s->bufs == NULL)
		return -ENOMEM;
	init_bufs(s->bufs);
	int err = uv_poll_init_socket(loop, &s->poll, fd);
	if (err < 0)
		return err;
	s->polling = true;
	s->poll.data = s;
	return uv_poll_start(&s->poll, UV_READABLE, on_readable);
}

static socklen_t addr_len(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to)
{
	return sendto(s->fd, data, len, MSG_DONTWAIT, to, addr_len(to)) < 0 ? -errno : 0;
}

uint8_t *udp_batch_next(struct udp_sock *s)
{
	if (s->bufs->tx_n == UDP_BATCH)
		udp_flush(s);
	return s->bufs->tx_data[s->bufs->tx_n];
}

void udp_batch_commit(struct udp_sock *s, size_t len, const struct sockaddr *to)
{
	struct udp_bufs *b = s->bufs;
	int k = b->tx_n++;
	assert(k < UDP_BATCH && len <= UDP_BATCH_MAX_LEN);
	b->tx_iov[k].iov_len = len;
	b->tx[k].msg_hdr.msg_namelen = addr_len(to);
	memcpy(&b->tx_to[k], to, addr_len(to));
}

int udp_batch_len(const struct udp_sock *s)
{
	return s->bufs != NULL ? s->bufs->tx_n : 0;
}

/* sendmmsg stops at the first datagram it cannot send: skip that one
 * and go on with the rest of tx[from..to). Returns how many failed;
 * *err is the last error. */
static int send_range(struct udp_sock *s, int from, int to, int *err)
{
	int failed = 0;
	for (int i = from; i < to;) {
		int r = sendmmsg(s->fd, s->bufs->tx + i, (unsigned)(to - i), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			i += r;
			continue;
		}
		*err = r < 0 ? -errno : -EIO;
		failed++;
		i++;
	}
	return failed;
}

/* The kernel's time per datagram, smoothed over chunks. A chunk slower
 * than twice the estimate was interrupted: it moves the estimate as if
 * it had taken twice, no more. */
static void measure_step(struct udp_sock *s, int n, int64_t t0)
{
	int64_t t1;
	if (n < MIN_STEP_CHUNK || clk_read(s->clock, &t1) < 0)
		return;
	int64_t step = (t1 - t0) / n;
	if (step < 0)
		return;
	if (s->tx_step == 0) {
		s->tx_step = step < MAX_TX_STEP_NS ? step : MAX_TX_STEP_NS;
		return;
	}
	if (step > 2 * s->tx_step)
		step = 2 * s->tx_step;
	s->tx_step += (step - s->tx_step) / 8;
}

/* With a stamping hook, the batch goes out in chunks of UDP_STAMP_CHUNK,
 * each stamped just before its own sendmmsg. */
static int send_stamped(struct udp_sock *s, int n, int *err)
{
	int failed = 0;
	for (int i = 0; i < n; i += UDP_STAMP_CHUNK) {
		int m = n - i < UDP_STAMP_CHUNK ? n - i : UDP_STAMP_CHUNK;
		int64_t t;
		if (clk_read(s->clock, &t) < 0) {
			failed += send_range(s, i, i + m, err);
			continue;
		}
		s->before_send(s, s->bufs->tx_iov + i, m, t, s->tx_step);
		failed += send_range(s, i, i + m, err);
		measure_step(s, m, t);
	}
	return failed;
}

int udp_flush(struct udp_sock *s)
{
	int n = s->bufs->tx_n, err = 0;
	if (n == 0)
		return 0;
	int failed = s->before_send != NULL ? send_stamped(s, n, &err) : send_range(s, 0, n, &err);
	s->bufs->tx_n = 0;
	if (s->after_send != NULL)
		s->after_send(s, n - failed, failed);
	return err;
}

/* The socket is closed only now: libuv must not be watching a closed fd. */
static void on_closed(uv_handle_t *h)
{
	struct udp_sock *s = h->data;
	close(s->fd);
	s->fd = -1;
	free(s->bufs);
	s->bufs = NULL;
	if (s->on_close != NULL)
		s->on_close(s);
}

void udp_close(struct udp_sock *s, udp_close_fn on_close)
{
	s->on_close = on_close;
	if (s->polling) {
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, on_closed);
		return;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->bufs);
	s->bufs = NULL;
	if (on_close != NULL)
		on_close(s);
}

int udp_local_name(struct udp_sock *s, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &n) < 0)
		return -errno;
	addr_format((struct sockaddr *)&ss, buf, len);
	return 0;
}

char *addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(a, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		uv_ip4_name(a, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
	return buf;
}

bool addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}
