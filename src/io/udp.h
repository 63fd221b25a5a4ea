/*
 * A UDP socket on the libuv loop whose datagrams carry the kernel's
 * receive timestamp (SO_TIMESTAMPNS), turned into the socket's clock's
 * time through the clock interface. Datagrams are read in batches
 * (recvmmsg); sends go out at once (udp_send) or in a batch built in
 * place (udp_batch_*, one sendmmsg), never allocated per datagram. A
 * client's socket may also ask for the kernel's transmit timestamps.
 */
#ifndef TSYNC_UDP_H
#define TSYNC_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "tsync/clock.h"

#define UDP_MAX_DATAGRAM 65536 /* the longest datagram received whole, at most */
#define UDP_BATCH 32           /* datagrams per recvmmsg and per sendmmsg, at most */
#define UDP_BATCH_MAX_LEN 1024 /* the longest datagram of a send batch */

/* How many datagrams a socket reads (and sends) per system call, and the
 * longest it reads whole; a longer one is dropped and counted as
 * truncated. The receive slots are reserved up front (count x datagram
 * bytes, resident as far as datagrams reach), the send slots too (count x
 * UDP_BATCH_MAX_LEN, resident once used). */
struct udp_batch {
	int count;       /* 1..UDP_BATCH */
	size_t datagram; /* 1..UDP_MAX_DATAGRAM */
};
/* A server reads any request whole, up to the largest UDP datagram, 32 at
 * a time. */
#define UDP_BATCH_SERVER (&(const struct udp_batch){ UDP_BATCH, UDP_MAX_DATAGRAM })
/* A client of one server gets a reply per request: 48 bytes, a MAC, room
 * for extension fields. */
#define UDP_BATCH_CLIENT (&(const struct udp_batch){ 4, 2048 })
/* A batch with a before_send hook goes out in chunks of this many, each
 * stamped just before its own sendmmsg: the k-th datagram of a chunk is
 * stamped t + k * step, so the larger the chunk, the more of each stamp
 * is estimate rather than clock. 8 keeps that under 7 steps (about 10 us
 * on loopback) at one system call per 8 datagrams instead of per 32. */
#define UDP_STAMP_CHUNK 8
#define ADDR_STRLEN 64

struct udp_sock;
struct udp_bufs;

/* A datagram of len bytes from `from`, received at rx_time (Unix ns on
 * the socket's clock). len may be 0: an empty datagram is a datagram. */
typedef void (*udp_recv_fn)(struct udp_sock *s, const uint8_t *data, size_t len,
			    const struct sockaddr *from, int64_t rx_time);
typedef void (*udp_close_fn)(struct udp_sock *s);
/* Called just before a chunk of the send batch goes out, so that the
 * owner can stamp its datagrams out[0..n) as late as possible: t is the
 * socket's clock now, and the k-th datagram is expected to leave at about
 * t + k * step (step: the kernel's time per datagram, measured on earlier
 * chunks; 0 until measured). */
typedef void (*udp_stamp_fn)(struct udp_sock *s, const struct iovec *out, int n, int64_t t,
			     int64_t step);
/* Called after a send batch: how many datagrams went out, how many not. */
typedef void (*udp_sent_fn)(struct udp_sock *s, int sent, int failed);
/* The kernel's transmit timestamp of the datagram that went out with
 * `key` (see tx_key), as the socket's clock's time. */
typedef void (*udp_tx_stamp_fn)(struct udp_sock *s, uint32_t key, int64_t tx_time);

struct udp_sock {
	uv_poll_t poll;
	int fd;           /* -1 when not open */
	bool polling;     /* poll is initialised and must be closed */
	struct clk *clock;
	udp_recv_fn on_recv;
	udp_close_fn on_close;
	void *data;       /* the owner's */
	/* The owner's hooks on the send batch; NULL for none. Set them after
	 * udp_open or udp_adopt, which clear the struct. */
	udp_stamp_fn before_send;
	udp_sent_fn after_send;
	uint64_t no_timestamp; /* datagrams the kernel did not stamp */
	uint64_t truncated;    /* datagrams longer than the batch's datagram, dropped */
	int64_t tx_step;       /* ns per datagram of a send chunk, smoothed */
	struct udp_bufs *bufs; /* batches, allocated once by udp_open/udp_adopt */
	/* Transmit timestamps, once udp_tx_timestamps has turned them on. */
	udp_tx_stamp_fn on_tx_stamp;
	uint32_t tx_key;         /* the key of the next datagram sent */
	uint64_t tx_stamps;      /* transmit stamps read */
	uint64_t errqueue_other; /* error queue messages that were none */
};

/* Bind to addr (v6only: an AF_INET6 socket takes no IPv4) and start
 * receiving, in batches of the size *batch says (-EINVAL out of range).
 * On failure too, s must be given to udp_close. */
int udp_open(struct udp_sock *s, uv_loop_t *loop, const struct sockaddr *addr, bool v6only,
	     const struct udp_batch *batch, struct clk *clock, udp_recv_fn on_recv, void *data);
/* The same for a socket the caller made and bound itself (with options of
 * its own, such as SO_REUSEADDR and multicast membership); s owns fd from
 * here on, also on failure. */
int udp_adopt(struct udp_sock *s, uv_loop_t *loop, int fd, const struct udp_batch *batch,
	      struct clk *clock, udp_recv_fn on_recv, void *data);
/* Send now, or fail with a negative errno (never queues). */
int udp_send(struct udp_sock *s, const void *data, size_t len, const struct sockaddr *to);

/* The send batch. Build the next datagram in place in the buffer of
 * UDP_BATCH_MAX_LEN bytes that udp_batch_next returns (sending the batch
 * first if it is full), then queue it with udp_batch_commit, or don't.
 * A batch built while the socket delivers received datagrams goes out
 * once they are all delivered; any other, on udp_flush. */
uint8_t *udp_batch_next(struct udp_sock *s);
void udp_batch_commit(struct udp_sock *s, size_t len, const struct sockaddr *to);
/* Send the batch now: one sendmmsg, or, with a before_send hook, one per
 * UDP_STAMP_CHUNK datagrams, each after its before_send; then after_send.
 * Returns 0, or the negative errno of the last datagram not sent. */
int udp_flush(struct udp_sock *s);
/* Datagrams queued and not yet sent. */
int udp_batch_len(const struct udp_sock *s);

/* Hand n received messages to on_recv, each stamped with its kernel
 * receive time (or the clock's time if it has none, counted): the read
 * path after recvmmsg, public for tests. Stops if the owner closes s. */
void udp_deliver(struct udp_sock *s, struct mmsghdr *msgs, int n);
/* Stop and close, dropping an unsent batch; on_close (may be NULL) runs
 * once the loop has let go of the socket, so that the owner may free s
 * there. */
void udp_close(struct udp_sock *s, udp_close_fn on_close);
/* The address the socket is bound to, as "1.2.3.4:123" or "[::1]:123". */
int udp_local_name(struct udp_sock *s, char *buf, size_t len);

/* The kernel's receive timestamp in a received message's control data
 * (SCM_TIMESTAMPNS, or SCM_TIMESTAMPING's software stamp), as Unix ns
 * of the host's clock; false when there is none. */
bool udp_rx_timestamp(const struct msghdr *msg, int64_t *host_ns);

/* Ask the kernel for the software transmit timestamp of each datagram
 * sent from now on (SO_TIMESTAMPING): read from the socket's error queue
 * as soon as it is there, and always before the datagrams received with
 * it, it goes to on_tx_stamp with the datagram's key. Keys count the
 * datagrams sent, from 0 (SOF_TIMESTAMPING_OPT_ID): tx_key before a send
 * is that datagram's key. Receive stamps are unchanged. */
int udp_tx_timestamps(struct udp_sock *s, udp_tx_stamp_fn on_tx_stamp);
/* The transmit timestamp in a message read from the error queue: the
 * datagram's key and the host's clock, Unix ns; false when the message
 * is no transmit timestamp. */
bool udp_tx_timestamp(const struct msghdr *msg, uint32_t *key, int64_t *host_ns);
/* Hand the stamp in a message of the error queue to on_tx_stamp (or
 * count the message): the error queue's read path, public for tests. */
void udp_deliver_tx_stamp(struct udp_sock *s, const struct msghdr *msg);

/* A client's request and the kernel's stamp of it. The clock is read
 * just before the send (user); the kernel's stamp, which comes later,
 * counts only if it is of the same datagram (key) and within
 * UDP_TX_MAX_LAG after that reading: a stamp converted across a step
 * of the clock is not. The request's time is then the reading plus the
 * lag, so that a step of the local timescale in between, applied by the
 * owner to its reading, moves both. */
#define UDP_TX_MAX_LAG 10000000 /* ns */
struct udp_tx_req {
	uint32_t key;
	int64_t user;  /* the clock just before the send */
	int64_t lag;   /* kernel stamp - user, once stamped */
	bool stamped;
};
void udp_tx_req_sent(struct udp_tx_req *r, uint32_t key, int64_t user);
/* A transmit stamp read from the socket: true if it is the request's. */
bool udp_tx_req_stamp(struct udp_tx_req *r, uint32_t key, int64_t tx_time);
/* The request's send time, given the owner's reading t0 (user, shifted
 * by any step since): t0 + lag when stamped, else t0. */
int64_t udp_tx_req_time(const struct udp_tx_req *r, int64_t t0);

/* "1.2.3.4:123" or "[::1]:123". */
char *addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Same address and port. */
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
