/*
 * Encode and decode the Berkeley group's datagrams, and their MAC
 * (HMAC-SHA-256 from nettle). Pure: bytes and keys in, bytes or a
 * verdict out. Lengths are exact per type, so nothing is ever guessed.
 */
#include "tsync/brk_msg.h"

#include <errno.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

/* Header fields. */
#define OFF_MAGIC 0
#define OFF_VERSION 4
#define OFF_TYPE 5
#define OFF_PRIORITY 6
#define OFF_RESERVED 7
#define OFF_KEY 8
#define OFF_GROUP 12
#define OFF_NODE 20
#define OFF_TO 28
#define OFF_SEQ 36
#define OFF_ROUND 44
#define OFF_NONCE 52
#define BIND_LEN 18
/* Bodies start at BRK_HDR_LEN. */
#define BODY_POLL 40 /* t0, interval, 28 zero bytes: a REPLY is no larger */
#define BODY_REPLY 40
#define BODY_ADJUST 16 /* the adjustment, the t0 of the reading it comes from */
#define BODY_ACK 8
#define POLL_PAD 28

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

size_t brk_msg_len(uint8_t type)
{
	static const size_t body[] = {
		[BRK_POLL] = BODY_POLL, [BRK_REPLY] = BODY_REPLY,
		[BRK_ADJUST] = BODY_ADJUST, [BRK_ACK] = BODY_ACK,
	};
	if (type < BRK_POLL || type > BRK_ACK)
		return 0;
	return BRK_HDR_LEN + body[type] + BRK_MAC_LEN;
}

static void mac(const uint8_t *buf, size_t n, const struct brk_key *key,
		const struct brk_bind *bind, uint8_t out[BRK_MAC_LEN])
{
	struct hmac_sha256_ctx ctx;
	uint8_t pre[BIND_LEN] = { 0 };
	if (bind != NULL) {
		memcpy(pre, bind->addr, 16);
		pre[16] = (uint8_t)(bind->port >> 8);
		pre[17] = (uint8_t)bind->port;
	}
	hmac_sha256_set_key(&ctx, key->len, key->secret);
	hmac_sha256_update(&ctx, BIND_LEN, pre);
	hmac_sha256_update(&ctx, n, buf);
	hmac_sha256_digest(&ctx, BRK_MAC_LEN, out);
	memset(&ctx, 0, sizeof(ctx)); /* it holds the key's pads */
}

static void encode_body(const struct brk_msg *m, uint8_t *b)
{
	switch (m->type) {
	case BRK_POLL:
		put64(b, (uint64_t)m->t0);
		put32(b + 8, m->interval_ms);
		memset(b + 12, 0, POLL_PAD);
		break;
	case BRK_REPLY:
		put64(b, (uint64_t)m->t0);
		put64(b + 8, (uint64_t)m->t1);
		put64(b + 16, (uint64_t)m->t2);
		put64(b + 24, (uint64_t)m->p1);
		put64(b + 32, (uint64_t)m->p2);
		break;
	case BRK_ADJUST:
		put64(b, (uint64_t)m->adjust);
		put64(b + 8, (uint64_t)m->t0);
		break;
	default: /* ACK */
		put64(b, (uint64_t)m->adjust);
		break;
	}
}

int brk_msg_encode(const struct brk_msg *m, const struct brk_key *key, const struct brk_bind *bind,
		   uint8_t *buf, size_t cap)
{
	size_t len = brk_msg_len(m->type);
	if (len == 0 || (key ? key->id != m->key_id : m->key_id != 0))
		return -EINVAL;
	if (cap < len)
		return -ENOSPC;
	put32(buf + OFF_MAGIC, BRK_MAGIC);
	buf[OFF_VERSION] = BRK_VERSION;
	buf[OFF_TYPE] = m->type;
	buf[OFF_PRIORITY] = m->priority;
	buf[OFF_RESERVED] = 0;
	put32(buf + OFF_KEY, m->key_id);
	put64(buf + OFF_GROUP, m->group);
	put64(buf + OFF_NODE, m->node);
	put64(buf + OFF_TO, m->to);
	put64(buf + OFF_SEQ, m->seq);
	put64(buf + OFF_ROUND, m->round);
	put64(buf + OFF_NONCE, m->nonce);
	encode_body(m, buf + BRK_HDR_LEN);
	if (key != NULL)
		mac(buf, len - BRK_MAC_LEN, key, bind, buf + len - BRK_MAC_LEN);
	else
		memset(buf + len - BRK_MAC_LEN, 0, BRK_MAC_LEN);
	return (int)len;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static enum brk_msg_err decode_body(const uint8_t *b, struct brk_msg *m)
{
	switch (m->type) {
	case BRK_POLL:
		m->t0 = (int64_t)get64(b);
		m->interval_ms = get32(b + 8);
		return all_zero(b + 12, POLL_PAD) ? BRK_MSG_OK : BRK_MSG_RESERVED;
	case BRK_REPLY:
		m->t0 = (int64_t)get64(b);
		m->t1 = (int64_t)get64(b + 8);
		m->t2 = (int64_t)get64(b + 16);
		m->p1 = (int64_t)get64(b + 24);
		m->p2 = (int64_t)get64(b + 32);
		return BRK_MSG_OK;
	case BRK_ADJUST:
		m->adjust = (int64_t)get64(b);
		m->t0 = (int64_t)get64(b + 8);
		return BRK_MSG_OK;
	default:
		m->adjust = (int64_t)get64(b);
		return BRK_MSG_OK;
	}
}

enum brk_msg_err brk_msg_decode(const uint8_t *buf, size_t len, struct brk_msg *m)
{
	if (len < OFF_VERSION + 1)
		return BRK_MSG_LENGTH;
	if (get32(buf + OFF_MAGIC) != BRK_MAGIC)
		return BRK_MSG_MAGIC;
	if (buf[OFF_VERSION] != BRK_VERSION)
		return BRK_MSG_VERSION;
	if (len < BRK_HDR_LEN)
		return BRK_MSG_LENGTH;
	size_t want = brk_msg_len(buf[OFF_TYPE]);
	if (want == 0)
		return BRK_MSG_TYPE;
	if (len != want)
		return BRK_MSG_LENGTH;
	if (buf[OFF_RESERVED] != 0)
		return BRK_MSG_RESERVED;
	*m = (struct brk_msg){
		.type = buf[OFF_TYPE],
		.priority = buf[OFF_PRIORITY],
		.key_id = get32(buf + OFF_KEY),
		.group = get64(buf + OFF_GROUP),
		.node = get64(buf + OFF_NODE),
		.to = get64(buf + OFF_TO),
		.seq = get64(buf + OFF_SEQ),
		.round = get64(buf + OFF_ROUND),
		.nonce = get64(buf + OFF_NONCE),
	};
	return decode_body(buf + BRK_HDR_LEN, m);
}

bool brk_msg_verify(const uint8_t *buf, size_t len, const struct brk_key *key,
		    const struct brk_bind *bind)
{
	uint8_t want[BRK_MAC_LEN];
	if (len < BRK_HDR_LEN + BRK_MAC_LEN)
		return false;
	const uint8_t *got = buf + len - BRK_MAC_LEN;
	if (key == NULL)
		return get32(buf + OFF_KEY) == 0 && all_zero(got, BRK_MAC_LEN);
	if (get32(buf + OFF_KEY) != key->id)
		return false;
	mac(buf, len - BRK_MAC_LEN, key, bind, want);
	return memeql_sec(want, got, BRK_MAC_LEN) != 0;
}

const char *brk_msg_err_name(enum brk_msg_err e)
{
	switch (e) {
	case BRK_MSG_OK: return "ok";
	case BRK_MSG_LENGTH: return "bad length";
	case BRK_MSG_MAGIC: return "bad magic";
	case BRK_MSG_VERSION: return "unknown version";
	case BRK_MSG_TYPE: return "unknown type";
	case BRK_MSG_RESERVED: return "reserved field not zero";
	}
	return "?";
}

const char *brk_type_name(uint8_t type)
{
	static const char *const names[] = { "?", "POLL", "REPLY", "ADJUST", "ACK" };
	return type <= BRK_ACK ? names[type] : "?";
}
