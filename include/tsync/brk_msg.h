/*
 * The Berkeley group's datagrams (see tsync-berkeley(7)): a 36-byte header
 * with a magic that no NTP packet can carry, a body fixed by the type, and
 * an HMAC-SHA-256 over all of it. Big-endian; every length is exact.
 */
#ifndef TSYNC_BRK_MSG_H
#define TSYNC_BRK_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/brk_keys.h"

/* 0xC0 first: to NTP that is version 0, mode 0, which it drops. */
#define BRK_MAGIC 0xC0424552u
#define BRK_VERSION 2
#define BRK_PORT 525 /* IANA's "timed" */
#define BRK_HDR_LEN 60
#define BRK_MAC_LEN 32
#define BRK_MSG_MAX 132

enum brk_type { BRK_POLL = 1, BRK_REPLY = 2, BRK_ADJUST = 3, BRK_ACK = 4 };

struct brk_msg {
	uint8_t type;      /* enum brk_type */
	uint8_t priority;  /* the sender's */
	uint32_t key_id;   /* 0: unauthenticated (auth none) */
	uint64_t group;    /* the group id (`berkeley groupid`) */
	uint64_t node;     /* the sender's node id */
	uint64_t to;       /* the recipient's node id; 0 for a POLL */
	uint64_t seq;      /* the sender's message counter, strictly rising */
	uint64_t round;    /* the master's random round id */
	uint64_t nonce;    /* REPLY: the slave's fresh nonce; ADJUST, ACK: it echoed */
	int64_t t0;        /* POLL, REPLY: master's transmit time, Unix ns;
			      ADJUST: the t0 of the reading it comes from */
	int64_t t1, t2;    /* REPLY: slave's receive and transmit times */
	int64_t p1, p2;    /* REPLY: what the slave's clock still had to slew
			      at t1 and t2, ns (its destination: t + p) */
	uint32_t interval_ms; /* POLL: the master's round interval */
	int64_t adjust;    /* ADJUST, ACK: signed correction, ns */
};

enum brk_msg_err {
	BRK_MSG_OK = 0,
	BRK_MSG_LENGTH = -1,  /* shorter than a header, or not the type's size */
	BRK_MSG_MAGIC = -2,   /* not ours (NTP, or anything else) */
	BRK_MSG_VERSION = -3, /* ours, another version */
	BRK_MSG_TYPE = -4,    /* unknown type */
	BRK_MSG_RESERVED = -5, /* a reserved field is not zero */
};

/* What binds a message to its group besides the group id: the group's
 * address (IPv4 in the first 4 bytes, the rest 0) and port, under the MAC
 * though not on the wire. */
struct brk_bind {
	uint8_t addr[16];
	uint16_t port;
};

/* Bytes on the wire of a message of this type; 0 for an unknown type. */
size_t brk_msg_len(uint8_t type);
/* Encode m and append its MAC under key (NULL: auth none, key id 0 and a
 * zero MAC) over bind and the message (bind NULL: all zero). Returns the
 * length, or -EINVAL (unknown type, or key and key id disagree) or
 * -ENOSPC. */
int brk_msg_encode(const struct brk_msg *m, const struct brk_key *key, const struct brk_bind *bind,
		   uint8_t *buf, size_t cap);
/* Check the framing and fill m; the MAC is checked by brk_msg_verify. */
enum brk_msg_err brk_msg_decode(const uint8_t *buf, size_t len, struct brk_msg *m);
/* The MAC of a decoded message under key and bind (key NULL: it must be
 * all zero), in constant time. */
bool brk_msg_verify(const uint8_t *buf, size_t len, const struct brk_key *key,
		    const struct brk_bind *bind);
const char *brk_msg_err_name(enum brk_msg_err e);
const char *brk_type_name(uint8_t type);

#endif
