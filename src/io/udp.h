/*
 * A UDP socket on the libuv loop that stamps each datagram with the clock
 * interface as soon as it is read, and sends without allocating.
 */
#ifndef TSYNC_UDP_H
#define TSYNC_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "tsync/clock.h"

#define UDP_MAX_DATAGRAM 65536
#define ADDR_STRLEN 64

struct udp_sock;

/* A datagram of len bytes from `from`, read at rx_time (Unix ns, from the
 * socket's clock). len may be 0: an empty datagram is still a datagram. */
typedef void (*udp_recv_fn)(struct udp_sock *s, const uint8_t *data, size_t len,
			    const struct sockaddr *from, int64_t rx_time);

struct udp_sock {
	uv_udp_t handle;
	struct clk *clock;
	udp_recv_fn on_recv;
	void *data; /* the owner's */
	uint8_t buf[UDP_MAX_DATAGRAM];
};

/* Bind to addr and start receiving. flags: libuv's uv_udp_bind flags. */
int udp_open(struct udp_sock *s, uv_loop_t *loop, const struct sockaddr *addr, unsigned flags,
	     struct clk *clock, udp_recv_fn on_recv, void *data);
/* Send now, or fail with a negative errno (never queues). */
int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to);
/* Stop and close; on_close runs when libuv has let go of the handle. */
void udp_close(struct udp_sock *s, uv_close_cb on_close);
/* The address the socket is bound to, as "1.2.3.4:123" or "[::1]:123". */
int udp_local_name(struct udp_sock *s, char *buf, size_t len);

/* "1.2.3.4:123" or "[::1]:123". */
char *addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Same address and port. */
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
