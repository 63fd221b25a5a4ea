/*
 * The UDP edge: a socket of our own under a uv_poll_t, so that recvmsg
 * hands us the kernel's receive timestamp, taken before any process
 * woke up. Datagrams land in the socket's own buffer: no allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tsync/ntp_ts.h"
#include "udp.h"

/* Datagrams read per wake-up, so that one busy socket cannot starve the
 * rest of the loop. */
#define READS_PER_WAKEUP 64

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

/* Read one datagram; false when there is none left. */
static bool read_one(struct udp_sock *s)
{
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = s->buf, .iov_len = sizeof(s->buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	int64_t t;
	ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR;
	if (rx_time(s, &msg, &t) == 0)
		s->on_recv(s, s->buf, (size_t)n, (struct sockaddr *)&from, t);
	return true;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *s = h->data;
	/* The owner may close the socket from on_recv: stop reading then. */
	for (int i = 0; status == 0 && !uv_is_closing((uv_handle_t *)h) && i < READS_PER_WAKEUP; i++)
		if (!read_one(s))
			break;
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
	int err = uv_poll_init_socket(loop, &s->poll, fd);
	if (err < 0)
		return err;
	s->polling = true;
	s->poll.data = s;
	return uv_poll_start(&s->poll, UV_READABLE, on_readable);
}

int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to)
{
	socklen_t tolen = to->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	return sendto(s->fd, data, len, MSG_DONTWAIT, to, tolen) < 0 ? -errno : 0;
}

/* The socket is closed only now: libuv must not be watching a closed fd. */
static void on_closed(uv_handle_t *h)
{
	struct udp_sock *s = h->data;
	close(s->fd);
	s->fd = -1;
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
