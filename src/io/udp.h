/*
 * A UDP socket on the libuv loop whose datagrams carry the kernel's
 * receive timestamp (SO_TIMESTAMPNS), turned into the socket's clock's
 * time through the clock interface; sends go out at once, unallocated.
 */
#ifndef TSYNC_UDP_H
#define TSYNC_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "tsync/clock.h"

#define UDP_MAX_DATAGRAM 65536
#define ADDR_STRLEN 64

struct udp_sock;

/* A datagram of len bytes from `from`, received at rx_time (Unix ns on
 * the socket's clock). len may be 0: an empty datagram is a datagram. */
typedef void (*udp_recv_fn)(struct udp_sock *s, const uint8_t *data, size_t len,
			    const struct sockaddr *from, int64_t rx_time);
typedef void (*udp_close_fn)(struct udp_sock *s);

struct udp_sock {
	uv_poll_t poll;
	int fd;           /* -1 when not open */
	bool polling;     /* poll is initialised and must be closed */
	struct clk *clock;
	udp_recv_fn on_recv;
	udp_close_fn on_close;
	void *data;       /* the owner's */
	uint64_t no_timestamp; /* datagrams the kernel did not stamp */
	uint8_t buf[UDP_MAX_DATAGRAM];
};

/* Bind to addr (v6only: an AF_INET6 socket takes no IPv4) and start
 * receiving. On failure too, s must be given to udp_close. */
int udp_open(struct udp_sock *s, uv_loop_t *loop, const struct sockaddr *addr, bool v6only,
	     struct clk *clock, udp_recv_fn on_recv, void *data);
/* The same for a socket the caller made and bound itself (with options of
 * its own, such as SO_REUSEADDR and multicast membership); s owns fd from
 * here on, also on failure. */
int udp_adopt(struct udp_sock *s, uv_loop_t *loop, int fd, struct clk *clock,
	      udp_recv_fn on_recv, void *data);
/* Send now, or fail with a negative errno (never queues). */
int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to);
/* Stop and close; on_close (may be NULL) runs once the loop has let go
 * of the socket, so that the owner may free s there. */
void udp_close(struct udp_sock *s, udp_close_fn on_close);
/* The address the socket is bound to, as "1.2.3.4:123" or "[::1]:123". */
int udp_local_name(struct udp_sock *s, char *buf, size_t len);

/* The kernel's receive timestamp in a received message's control data,
 * as Unix ns of the host's clock; false when there is none. */
bool udp_rx_timestamp(const struct msghdr *msg, int64_t *host_ns);

/* "1.2.3.4:123" or "[::1]:123". */
char *addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Same address and port. */
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
