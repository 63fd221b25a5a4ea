/*
 * The UDP edge: a socket of our own under a uv_poll_t, so that recvmmsg
 * hands us the kernel's receive timestamps, taken before any process
 * woke up, and sendmmsg sends a batch of replies with one system call.
 * Batches live in buffers allocated once per socket.
 */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "tsync/ntp_ts.h"
#include "udp.h"

/* Batches read per wake-up, so that one busy socket cannot starve the
 * rest of the loop. */
#define BATCHES_PER_WAKEUP 4
/* The first measure of the kernel's time per datagram is trusted up to
 * this; chunks shorter than MIN_STEP_CHUNK are not measured at all. */
#define MAX_TX_STEP_NS 20000
#define MIN_STEP_CHUNK 4
/* Error queue messages read per wake-up; the rest wake us again. */
#define ERRQUEUE_PER_WAKEUP 16

/* A socket with transmit stamps on gets its receive stamp twice. */
union control {
	char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct scm_timestamping))];
	struct cmsghdr align;
};

/* An error queue message: the stamp and the extended error that names
 * the datagram, with the offender's address after it. */
union errqueue_control {
	char buf[CMSG_SPACE(sizeof(struct scm_timestamping)) +
		 CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
	struct cmsghdr align;
};

/* A datagram's slot: its address and control data beside its bytes, so
 * that a short datagram touches one page, not one in each of three arrays. */
struct rx_slot {
	struct sockaddr_storage from;
	union control control;
	_Alignas(16) uint8_t data[];
};
struct tx_slot {
	struct sockaddr_storage to;
	uint8_t data[UDP_BATCH_MAX_LEN];
};

/* Each message's header points at its own slot once and for all; only
 * the lengths that the kernel overwrites are reset after use. The arrays,
 * n of each, follow the struct in the same mapping. */
struct udp_bufs {
	int n;         /* datagrams per batch */
	size_t rx_len; /* the longest datagram received whole */
	size_t size;   /* of the whole mapping */
	int tx_n;
	struct mmsghdr *rx, *tx;
	struct iovec *rx_iov, *tx_iov;
	struct tx_slot *tx_slot;
	/* Last, and touched only as far as datagrams reach: the pages of
	 * slots that only ever see 48 bytes are never made resident. */
	uint8_t *rx_slots; /* n x rx_stride */
	size_t rx_stride;
};

static struct rx_slot *rx_slot(const struct udp_bufs *b, int k)
{
	return (struct rx_slot *)(b->rx_slots + (size_t)k * b->rx_stride);
}

/* SCM_TIMESTAMPNS, or the software stamp (the first of three) of
 * SCM_TIMESTAMPING, which is zero when the kernel took none. */
static bool cmsg_timestamp(const struct cmsghdr *c, int64_t *host_ns)
{
	struct timespec ts;
	if (c->cmsg_level != SOL_SOCKET)
		return false;
	if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(ts)))
		memcpy(&ts, CMSG_DATA(c), sizeof(ts)); /* CMSG_DATA may be unaligned */
	else if (c->cmsg_type == SCM_TIMESTAMPING &&
		 c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping)))
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
	else
		return false;
	if (ts.tv_sec == 0 && ts.tv_nsec == 0)
		return false;
	*host_ns = ntp_ns_from_timespec(&ts);
	return true;
}

bool udp_rx_timestamp(const struct msghdr *msg, int64_t *host_ns)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c))
		if (cmsg_timestamp(c, host_ns))
			return true;
	return false;
}

/* The extended error of a transmit stamp: which datagram it is of. */
static bool cmsg_tx_key(const struct cmsghdr *c, uint32_t *key)
{
	struct sock_extended_err ee;
	if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
	      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
	    c->cmsg_len < CMSG_LEN(sizeof(ee)))
		return false;
	memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	if (ee.ee_errno != ENOMSG || ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
	    ee.ee_info != SCM_TSTAMP_SND)
		return false;
	*key = ee.ee_data;
	return true;
}

bool udp_tx_timestamp(const struct msghdr *msg, uint32_t *key, int64_t *host_ns)
{
	bool have_key = false, have_time = false;
	uint32_t k = 0;
	int64_t t = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING)
			have_time = cmsg_timestamp(c, &t);
		else if (!have_key)
			have_key = cmsg_tx_key(c, &k);
	}
	if (!have_key || !have_time)
		return false;
	*key = k;
	*host_ns = t;
	return true;
}

void udp_tx_req_sent(struct udp_tx_req *r, uint32_t key, int64_t user)
{
	*r = (struct udp_tx_req){ .key = key, .user = user };
}

bool udp_tx_req_stamp(struct udp_tx_req *r, uint32_t key, int64_t tx_time)
{
	int64_t lag = tx_time - r->user;
	if (key != r->key || lag < 0 || lag > UDP_TX_MAX_LAG)
		return false;
	r->lag = lag;
	r->stamped = true;
	return true;
}

int64_t udp_tx_req_time(const struct udp_tx_req *r, int64_t t0)
{
	return r->stamped ? t0 + r->lag : t0;
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
		/* Longer than the socket reads whole: only its head is here. */
		if (m->msg_flags & MSG_TRUNC)
			s->truncated++;
		else if (rx_time(s, m, &t) == 0)
			s->on_recv(s, m->msg_iov[0].iov_base, msgs[k].msg_len, m->msg_name, t);
	}
}

static void reset_rx(struct udp_bufs *b, int n)
{
	for (int k = 0; k < n; k++) {
		b->rx[k].msg_hdr.msg_flags = 0;
		b->rx[k].msg_hdr.msg_namelen = sizeof(rx_slot(b, k)->from);
		b->rx[k].msg_hdr.msg_controllen = sizeof(rx_slot(b, k)->control);
	}
}

/* A stamp whose key was never given out means that the kernel counted
 * a datagram that we counted as not sent (a send that failed late, one
 * dropped by a firewall, takes a key): count from its key on. */
void udp_deliver_tx_stamp(struct udp_sock *s, const struct msghdr *m)
{
	uint32_t key;
	int64_t host_ns, t;
	if (!udp_tx_timestamp(m, &key, &host_ns)) {
		s->errqueue_other++;
		return;
	}
	s->tx_stamps++;
	if ((int32_t)(key - s->tx_key) >= 0)
		s->tx_key = key + 1;
	if (clk_from_host(s->clock, host_ns, &t) == 0)
		s->on_tx_stamp(s, key, t);
}

/* Transmit stamps wait in the error queue; with SO_SELECT_ERR_QUEUE it
 * wakes the poll as UV_PRIORITIZED. */
static void read_errqueue(struct udp_sock *s)
{
	union errqueue_control control;
	uint8_t data[64]; /* OPT_TSONLY: the datagram does not come back */
	for (int i = 0; i < ERRQUEUE_PER_WAKEUP && !closing(s); i++) {
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				    .msg_controllen = sizeof(control.buf) };
		ssize_t n = recvmsg(s->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		udp_deliver_tx_stamp(s, &m);
	}
}

/* A batch that comes back short has emptied the socket: no further read
 * just to learn that. Replies built meanwhile go out batch by batch. The
 * error queue is read first: the stamp of a request is there before its
 * reply can be delivered. */
static void on_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *s = h->data;
	if (s->on_tx_stamp != NULL && status == 0) {
		read_errqueue(s);
		if (closing(s) || !(events & UV_READABLE))
			return;
	}
	for (int i = 0; status == 0 && i < BATCHES_PER_WAKEUP; i++) {
		int n = recvmmsg(s->fd, s->bufs->rx, (unsigned)s->bufs->n, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		udp_deliver(s, s->bufs->rx, n);
		reset_rx(s->bufs, n);
		if (closing(s))
			return;
		udp_flush(s);
		if (n < s->bufs->n)
			break;
	}
}

/* The next size bytes from *off, aligned for any type; base NULL only
 * measures. */
static void *carve(uint8_t *base, size_t *off, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	size_t at = (*off + align - 1) / align * align;

	*off = at + size;
	return base != NULL ? base + at : NULL;
}

/* Where the n of each array go after the struct; returns the total size. */
static size_t layout(struct udp_bufs *b, uint8_t *base, int n, size_t rx_len)
{
	size_t k = (size_t)n, off = sizeof(*b);

	b->rx = carve(base, &off, k * sizeof(*b->rx));
	b->tx = carve(base, &off, k * sizeof(*b->tx));
	b->rx_iov = carve(base, &off, k * sizeof(*b->rx_iov));
	b->tx_iov = carve(base, &off, k * sizeof(*b->tx_iov));
	b->tx_slot = carve(base, &off, k * sizeof(*b->tx_slot));
	b->rx_stride = (sizeof(struct rx_slot) + rx_len + 15) / 16 * 16;
	b->rx_slots = carve(base, &off, k * b->rx_stride);
	return off;
}

/* Pages of their own, not the heap's: a page no datagram reaches is never
 * made resident (the heap may hand out pages other allocations touched, and
 * a malloc debugger may fill them all), and closing gives them back. */
static struct udp_bufs *alloc_bufs(int n, size_t rx_len)
{
	struct udp_bufs probe;
	size_t size = layout(&probe, NULL, n, rx_len);
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	struct udp_bufs *b = base;
	layout(b, base, n, rx_len);
	b->n = n;
	b->rx_len = rx_len;
	b->size = size;
	return b;
}

static void free_bufs(struct udp_sock *s)
{
	if (s->bufs != NULL)
		munmap(s->bufs, s->bufs->size);
	s->bufs = NULL;
}

static void init_bufs(struct udp_bufs *b)
{
	for (int k = 0; k < b->n; k++) {
		struct rx_slot *r = rx_slot(b, k);
		b->rx_iov[k] = (struct iovec){ .iov_base = r->data, .iov_len = b->rx_len };
		b->rx[k].msg_hdr = (struct msghdr){
			.msg_name = &r->from, .msg_iov = &b->rx_iov[k], .msg_iovlen = 1,
			.msg_control = r->control.buf,
		};
		b->tx_iov[k].iov_base = b->tx_slot[k].data;
		b->tx[k].msg_hdr = (struct msghdr){
			.msg_name = &b->tx_slot[k].to, .msg_iov = &b->tx_iov[k], .msg_iovlen = 1,
		};
	}
	reset_rx(b, b->n);
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
	     const struct udp_batch *batch, struct clk *clock, udp_recv_fn on_recv, void *data)
{
	*s = (struct udp_sock){ .fd = -1 };
	int fd = make_socket(addr, v6only);
	if (fd < 0)
		return fd;
	return udp_adopt(s, loop, fd, batch, clock, on_recv, data);
}

int udp_adopt(struct udp_sock *s, uv_loop_t *loop, int fd, const struct udp_batch *batch,
	      struct clk *clock, udp_recv_fn on_recv, void *data)
{
	const int on = 1;
	*s = (struct udp_sock){ .fd = fd, .clock = clock, .on_recv = on_recv, .data = data };
	if (batch->count < 1 || batch->count > UDP_BATCH || batch->datagram < 1 ||
	    batch->datagram > UDP_MAX_DATAGRAM)
		return -EINVAL;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		return -errno;
	s->bufs = alloc_bufs(batch->count, batch->datagram);
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
	if (sendto(s->fd, data, len, MSG_DONTWAIT, to, addr_len(to)) < 0)
		return -errno;
	s->tx_key++;
	return 0;
}

int udp_tx_timestamps(struct udp_sock *s, udp_tx_stamp_fn on_tx_stamp)
{
	const int on = 1;
	const int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
			  SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY |
			  SOF_TIMESTAMPING_OPT_ID;
	if (!s->polling)
		return -EBADF;
	/* Without SO_SELECT_ERR_QUEUE a stamp would wake the poll with
	 * POLLERR alone, which libuv takes for a bad descriptor. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SELECT_ERR_QUEUE, &on, sizeof(on)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
		return -errno;
	s->tx_key = 0; /* OPT_ID counts from here */
	s->on_tx_stamp = on_tx_stamp;
	return uv_poll_start(&s->poll, UV_READABLE | UV_PRIORITIZED, on_readable);
}

uint8_t *udp_batch_next(struct udp_sock *s)
{
	if (s->bufs->tx_n == s->bufs->n)
		udp_flush(s);
	return s->bufs->tx_slot[s->bufs->tx_n].data;
}

void udp_batch_commit(struct udp_sock *s, size_t len, const struct sockaddr *to)
{
	struct udp_bufs *b = s->bufs;
	int k = b->tx_n++;
	assert(k < b->n && len <= UDP_BATCH_MAX_LEN);
	b->tx_iov[k].iov_len = len;
	b->tx[k].msg_hdr.msg_namelen = addr_len(to);
	memcpy(&b->tx_slot[k].to, to, addr_len(to));
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
			s->tx_key += (uint32_t)r;
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
	free_bufs(s);
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
	free_bufs(s);
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
