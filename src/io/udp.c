/*
 * The UDP edge: libuv hands us datagrams into the socket's own buffer
 * (no allocation per packet), we read the clock first, then call up.
 */
#include <stdio.h>
#include <string.h>

#include "udp.h"

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct udp_sock *s = h->data;
	*buf = uv_buf_init((char *)s->buf, sizeof(s->buf));
}

static void on_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct udp_sock *s = h->data;
	int64_t rx_time = 0;

	/* nread 0 with no address only means "nothing more to read". */
	if (nread < 0 || from == NULL)
		return;
	if (clk_read(s->clock, &rx_time) < 0)
		return;
	s->on_recv(s, (const uint8_t *)buf->base, (size_t)nread, from, rx_time);
}

int udp_open(struct udp_sock *s, uv_loop_t *loop, const struct sockaddr *addr, unsigned flags,
	     struct clk *clock, udp_recv_fn on_recv, void *data)
{
	int err = uv_udp_init(loop, &s->handle);
	if (err < 0)
		return err;
	s->handle.data = s;
	s->clock = clock;
	s->on_recv = on_recv;
	s->data = data;
	err = uv_udp_bind(&s->handle, addr, flags);
	if (err == 0)
		err = uv_udp_recv_start(&s->handle, on_alloc, on_read);
	return err;
}

int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
	int n = uv_udp_try_send(&s->handle, &b, 1, to);
	return n < 0 ? n : 0;
}

void udp_close(struct udp_sock *s, uv_close_cb on_close)
{
	uv_udp_recv_stop(&s->handle);
	uv_close((uv_handle_t *)&s->handle, on_close);
}

int udp_local_name(struct udp_sock *s, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	int n = sizeof(ss);
	int err = uv_udp_getsockname(&s->handle, (struct sockaddr *)&ss, &n);
	if (err == 0)
		addr_format((struct sockaddr *)&ss, buf, len);
	return err;
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
