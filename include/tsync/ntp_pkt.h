/*
 * The NTPv4 packet header (RFC 5905 §7.3): decode from and encode to the
 * 48 bytes on the wire. Extension fields (RFC 7822) and a trailing MAC are
 * walked and measured, not interpreted.
 */
#ifndef TSYNC_NTP_PKT_H
#define TSYNC_NTP_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "tsync/ntp_ts.h"

#define NTP_PKT_LEN 48
#define NTP_PORT 123
#define NTP_VERSION 4
#define NTP_MAX_STRATUM 16 /* 16 means unsynchronised */

enum ntp_mode {
	NTP_MODE_RESERVED = 0,
	NTP_MODE_SYM_ACTIVE = 1,
	NTP_MODE_SYM_PASSIVE = 2,
	NTP_MODE_CLIENT = 3,
	NTP_MODE_SERVER = 4,
	NTP_MODE_BROADCAST = 5,
	NTP_MODE_CONTROL = 6,
	NTP_MODE_PRIVATE = 7,
};

enum ntp_leap {
	NTP_LEAP_NONE = 0,
	NTP_LEAP_INSERT = 1,
	NTP_LEAP_DELETE = 2,
	NTP_LEAP_UNSYNC = 3,
};

struct ntp_pkt {
	uint8_t leap;     /* enum ntp_leap */
	uint8_t version;  /* 1..4 after a successful decode */
	uint8_t mode;     /* enum ntp_mode */
	uint8_t stratum;
	int8_t poll;      /* log2 seconds */
	int8_t precision; /* log2 seconds */
	uint32_t root_delay; /* short format */
	uint32_t root_disp;  /* short format */
	uint32_t refid;      /* host order: "RATE" is 0x52415445 */
	ntp_ts_t ref;
	ntp_ts_t org;
	ntp_ts_t rec;
	ntp_ts_t xmt;
	/* What follows the header, measured by ntp_pkt_decode. */
	uint16_t ext_len; /* bytes of extension fields */
	uint16_t mac_len; /* bytes of key id + digest (4: crypto-NAK; up to 68 before v4) */
};

/* Why a datagram is not a well-formed NTP packet. */
enum ntp_pkt_err {
	NTP_PKT_OK = 0,
	NTP_PKT_SHORT = -1,       /* fewer than 48 bytes */
	NTP_PKT_BAD_VERSION = -2, /* version 0 or above 4 */
	NTP_PKT_BAD_TRAILER = -3, /* extension fields / MAC truncated or malformed */
};

/* Decode buf[0..len). Returns NTP_PKT_OK or a negative enum ntp_pkt_err;
 * *p is filled only on success. */
int ntp_pkt_decode(struct ntp_pkt *p, const uint8_t *buf, size_t len);

/* Encode the 48-byte header (extension and MAC lengths are ignored). */
void ntp_pkt_encode(const struct ntp_pkt *p, uint8_t buf[NTP_PKT_LEN]);

/* Overwrite only the transmit timestamp of an encoded packet, so that it
 * can be taken as late as possible. */
void ntp_pkt_set_xmt(uint8_t buf[NTP_PKT_LEN], ntp_ts_t xmt);

/* Short name of a decode error, for logs and counters. */
const char *ntp_pkt_err_name(int err);

/* Render a reference id for display: four printable ASCII characters
 * for stratum 0 and 1 (kiss codes, reference clocks), a dotted quad
 * otherwise. buf must hold 16 bytes. */
char *ntp_refid_format(uint32_t refid, uint8_t stratum, char *buf);

#define NTP_REFID(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

#endif
