/*
 * NTPv4 header encode/decode. Every length is checked before it is read;
 * what follows the header (RFC 7822 extension fields, then an optional
 * MAC) is measured so that later layers can find it.
 */
#include "tsync/ntp_pkt.h"

#include <stdio.h>

/* A MAC is a 4-byte key id plus a 16- or 20-byte digest (MD5, SHA-1):
 * at most 24 bytes in NTPv4 (RFC 5905 §7.5 as updated by RFC 7822), so a
 * longer remainder must be an extension field. A lone key id is a
 * crypto-NAK. */
#define MAC_MAX_LEN 24
#define EXT_MIN_LEN 16

static uint32_t get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static uint64_t get64(const uint8_t *b)
{
	return ((uint64_t)get32(b) << 32) | get32(b + 4);
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static void put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

/* Before NTPv4 nothing but a MAC follows the header, so it may carry a
 * whole SHA-256 or SHA-512 digest (36 or 68 bytes with its key id), as
 * chrony's clients send with such keys. */
static bool is_mac_len(size_t n, int version)
{
	if (version < 4 && (n == 4 + 32 || n == 4 + 64))
		return true;
	return n == 0 || n == 4 || n == 20 || n == MAC_MAX_LEN;
}

/* Walk the extension fields of buf[0..len) (the bytes after the header).
 * Anything longer than a MAC must start with an extension field whose
 * length is a multiple of 4, at least 16, and within the datagram. */
static int measure_trailer(struct ntp_pkt *p, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	if (p->version == 4) {
		while (len - off > MAC_MAX_LEN) {
			size_t ext = ((size_t)buf[off + 2] << 8) | buf[off + 3];
			if (ext < EXT_MIN_LEN || ext % 4 != 0 || ext > len - off)
				return NTP_PKT_BAD_TRAILER;
			off += ext;
		}
	}
	if (!is_mac_len(len - off, p->version))
		return NTP_PKT_BAD_TRAILER;
	p->ext_len = (uint16_t)off;
	p->mac_len = (uint16_t)(len - off);
	return NTP_PKT_OK;
}

int ntp_pkt_decode(struct ntp_pkt *p, const uint8_t *buf, size_t len)
{
	if (len < NTP_PKT_LEN)
		return NTP_PKT_SHORT;
	struct ntp_pkt q = {
		.leap = buf[0] >> 6,
		.version = (buf[0] >> 3) & 7,
		.mode = buf[0] & 7,
		.stratum = buf[1],
		.poll = (int8_t)buf[2],
		.precision = (int8_t)buf[3],
		.root_delay = get32(buf + 4),
		.root_disp = get32(buf + 8),
		.refid = get32(buf + 12),
		.ref = get64(buf + 16),
		.org = get64(buf + 24),
		.rec = get64(buf + 32),
		.xmt = get64(buf + 40),
	};
	if (q.version < 1 || q.version > 4)
		return NTP_PKT_BAD_VERSION;
	if (len - NTP_PKT_LEN > UINT16_MAX)
		return NTP_PKT_BAD_TRAILER;
	int err = measure_trailer(&q, buf + NTP_PKT_LEN, len - NTP_PKT_LEN);
	if (err != NTP_PKT_OK)
		return err;
	*p = q;
	return NTP_PKT_OK;
}

void ntp_pkt_encode(const struct ntp_pkt *p, uint8_t buf[NTP_PKT_LEN])
{
	buf[0] = (uint8_t)(((p->leap & 3) << 6) | ((p->version & 7) << 3) | (p->mode & 7));
	buf[1] = p->stratum;
	buf[2] = (uint8_t)p->poll;
	buf[3] = (uint8_t)p->precision;
	put32(buf + 4, p->root_delay);
	put32(buf + 8, p->root_disp);
	put32(buf + 12, p->refid);
	put64(buf + 16, p->ref);
	put64(buf + 24, p->org);
	put64(buf + 32, p->rec);
	put64(buf + 40, p->xmt);
}

void ntp_pkt_set_xmt(uint8_t buf[NTP_PKT_LEN], ntp_ts_t xmt)
{
	put64(buf + 40, xmt);
}

const char *ntp_pkt_err_name(int err)
{
	switch (err) {
	case NTP_PKT_OK: return "ok";
	case NTP_PKT_SHORT: return "short";
	case NTP_PKT_BAD_VERSION: return "version";
	case NTP_PKT_BAD_TRAILER: return "trailer";
	default: return "unknown";
	}
}

char *ntp_refid_format(uint32_t refid, uint8_t stratum, char *buf)
{
	if (stratum <= 1) {
		int n = 0;
		for (int shift = 24; shift >= 0; shift -= 8) {
			uint8_t c = (uint8_t)(refid >> shift);
			if (c == 0)
				break;
			buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		buf[n] = '\0';
		return buf;
	}
	snprintf(buf, 16, "%u.%u.%u.%u", refid >> 24, (refid >> 16) & 0xff, (refid >> 8) & 0xff,
		 refid & 0xff);
	return buf;
}
