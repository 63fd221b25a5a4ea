/*
 * Fuzz target: the Berkeley group's datagrams and one node's state machine.
 * Each datagram of the input goes through what src/tsyncd/berkeley.c does
 * (brk_msg_decode, then brk_auth_check: the key id, a member's own key,
 * brk_msg_verify) into brk_node_recv, between
 * timer events; the node's own messages must encode and decode back.
 */
#include <string.h>
#include <sys/socket.h>

#include <nettle/hmac.h>

#include "fuzz.h"
#include "render.h"
#include "tsync/brk_auth.h"
#include "tsync/brk_msg.h"
#include "tsync/brk_node.h"
#include "tsync/brk_status.h"

/* Input: a header, then steps until the input ends.
 *   header: u8 role (0..3, enum brk_role), u8 priority, u8 flags (bit 0: a
 *           key, else auth none; bit 1: an NTP source steers our clock),
 *           u64 our node id (made odd, as tsyncd makes it nonzero)
 *   step:   u8 op, u16 milliseconds that pass, u16 random number
 *   op:     bits 0-1: 0 the timer (at its wake time when that comes
 *           first), 1 a datagram to the group, 2 a unicast datagram,
 *           3 NTP synchronisation toggles; bit 2: the datagram's last 32
 *           bytes are replaced by its true MAC (zeros for auth none);
 *           bits 3-4: which of four peers sent it
 *   datagram: u8 length, then that many bytes */
#define MAX_STEPS 128
#define NS_PER_MS INT64_C(1000000)
#define KEY_ID 7
/* Our clock stays within what tsyncd's clocks read: 1970..2116. */
#define CLOCK_LIMIT (INT64_C(1) << 62)
/* A timer run at its wake time must move the wake time on within this many
 * runs; more is a busy loop in tsyncd. */
#define MAX_RUNS_AT_ONCE 8

static const struct brk_key test_key = {
	.id = KEY_ID, .len = 32,
	.secret = "0123456789abcdef0123456789abcdef",
};

/* Node 2 has a key of its own, which we do not hold: it is never heard,
 * and nobody may speak for it. */
static const struct brk_member_key member_rows[] = { { 2, KEY_ID + 1 } };

struct sim {
	struct brk_node nd;
	const struct brk_key *key;
	struct brk_keyring ring;
	struct brk_auth auth;
	int64_t now, mono;
};

static struct brk_addr peer_addr(unsigned i)
{
	struct brk_addr a = { .family = AF_INET, .port = 525 };

	a.addr[0] = 127;
	a.addr[3] = (uint8_t)(i + 1);
	return a;
}

static void init_sim(struct sim *s, struct fuzz_in *in)
{
	unsigned role = (unsigned)fuzz_uint(in, 1) & 3;
	uint8_t priority = (uint8_t)fuzz_uint(in, 1);
	unsigned flags = (unsigned)fuzz_uint(in, 1);
	uint64_t id = fuzz_uint(in, 8) | 1;
	struct brk_params p = {
		.role = (enum brk_role)role, .priority = priority,
		.interval = 1000 * NS_PER_MS, .tolerance = 50 * NS_PER_MS,
		.maxrtt = 50 * NS_PER_MS, .step = 128 * NS_PER_MS, .misses = 3, .election = 3,
		.key_id = flags & 1 ? KEY_ID : 0,
	};

	memset(s, 0, sizeof(*s));
	s->key = flags & 1 ? &test_key : NULL;
	s->ring.key[0] = test_key;
	s->ring.n = 1;
	s->auth = (struct brk_auth){ .ring = &s->ring, .group_key = flags & 1 ? KEY_ID : 0,
				     .none = !(flags & 1), .member = member_rows, .n_member = 1 };
	s->now = INT64_C(1764288000) * 1000000000; /* 2025-11-28 */
	s->mono = INT64_C(1000) * 1000000000;
	brk_node_init(&s->nd, &p, id, s->mono);
	brk_node_set_ntp_synced(&s->nd, flags & 2);
}

/* A message the node sends must go out and come back as it was. */
static void check_send(const struct sim *s, const struct brk_action *a)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg m;
	int n = brk_msg_encode(&a->msg, s->key, NULL, buf, sizeof(buf));

	FUZZ_CHECK(n > 0 && (size_t)n == brk_msg_len(a->msg.type));
	FUZZ_CHECK(a->to_group == (a->msg.type == BRK_POLL));
	FUZZ_CHECK(brk_msg_decode(buf, (size_t)n, &m) == BRK_MSG_OK);
	FUZZ_CHECK(brk_msg_verify(buf, (size_t)n, s->key, NULL));
	FUZZ_CHECK(m.type == a->msg.type && m.node == s->nd.id && m.seq == a->msg.seq &&
		   m.round == a->msg.round && m.key_id == a->msg.key_id);
}

static void run_actions(struct sim *s, const struct brk_actions *out)
{
	FUZZ_CHECK(out->n >= 0 && out->n <= BRK_MAX_ACTIONS);
	for (int i = 0; i < out->n; i++) {
		const struct brk_action *a = &out->a[i];

		if (a->kind == BRK_ACT_SEND)
			check_send(s, a);
		/* An adjustment that would take the clock out of its range is
		 * refused by the clock; this one refuses it too. */
		if (a->kind == BRK_ACT_APPLY && a->adjust >= -s->now &&
		    a->adjust < CLOCK_LIMIT - s->now)
			s->now += a->adjust;
	}
	const struct brk_node *nd = &s->nd;
	FUZZ_CHECK(nd->n_members >= 0 && nd->n_members <= BRK_MAX_MEMBERS);
	FUZZ_CHECK(nd->n_pending >= 0 && nd->n_pending <= nd->n_members);
	FUZZ_CHECK(nd->polls_done >= 0 && nd->polls_done <= BRK_POLLS);
}

static void run_timer(struct sim *s, uint64_t rand)
{
	struct brk_actions out;
	int runs = 0;

	do {
		FUZZ_CHECK(++runs <= MAX_RUNS_AT_ONCE);
		brk_node_timer(&s->nd, s->now, s->mono, rand++, &out);
		run_actions(s, &out);
	} while (brk_node_next_wake(&s->nd) <= s->mono);
}

/* Replace the trailing MAC by the true one, as a group member would. */
static void sign(const struct sim *s, uint8_t *d, size_t len)
{
	uint8_t *mac = d + len - BRK_MAC_LEN;

	if (s->key == NULL) {
		memset(mac, 0, BRK_MAC_LEN);
		return;
	}
	struct hmac_sha256_ctx ctx;
	hmac_sha256_set_key(&ctx, s->key->len, s->key->secret);
	hmac_sha256_update(&ctx, len - BRK_MAC_LEN, d);
	hmac_sha256_digest(&ctx, BRK_MAC_LEN, mac);
}

/* Decoding inverts encoding: the same message encodes to the same bytes
 * (the key id and the MAC aside, which the key decides). */
static void check_round_trip(const uint8_t *d, size_t len, const struct brk_msg *m, bool authentic,
			     const struct brk_key *key)
{
	uint8_t buf[BRK_MSG_MAX];
	struct brk_msg plain = *m;

	FUZZ_CHECK(len == brk_msg_len(m->type));
	if (authentic) {
		FUZZ_CHECK(brk_msg_encode(m, key, NULL, buf, sizeof(buf)) == (int)len);
		FUZZ_CHECK(memcmp(buf, d, len) == 0);
	}
	plain.key_id = 0;
	FUZZ_CHECK(brk_msg_encode(&plain, NULL, NULL, buf, sizeof(buf)) == (int)len);
	FUZZ_CHECK(memcmp(buf, d, 8) == 0);
	FUZZ_CHECK(memcmp(buf + 12, d + 12, len - 12 - BRK_MAC_LEN) == 0);
}

/* berkeley.c's authentic(): framing, then brk_auth_check. */
static bool authentic(const struct sim *s, const uint8_t *d, size_t len, struct brk_msg *m)
{
	if (brk_msg_decode(d, len, m) != BRK_MSG_OK)
		return false;
	bool ok = brk_auth_check(&s->auth, d, len, m, NULL) == BRK_AUTH_OK;
	FUZZ_CHECK(!ok || m->node != 2);
	check_round_trip(d, len, m, ok, s->key);
	FUZZ_CHECK(brk_type_name(m->type)[0] != '?');
	return ok;
}

static void datagram(struct sim *s, struct fuzz_in *in, unsigned op, uint64_t rand)
{
	uint8_t d[256];
	size_t len;
	const uint8_t *src = fuzz_bytes(in, (size_t)fuzz_uint(in, 1), &len);
	struct brk_addr from = peer_addr(op >> 3 & 3);
	struct brk_actions out;
	struct brk_msg m;

	memcpy(d, src, len);
	if (op & 4 && len >= BRK_HDR_LEN + BRK_MAC_LEN)
		sign(s, d, len);
	if (!authentic(s, d, len, &m))
		return;
	brk_node_recv(&s->nd, &m, &from, (op & 3) == 1, s->now, s->now, s->mono, rand, &out);
	run_actions(s, &out);
}

/* What `tsync berkeley` shows of the node must cross the control socket. */
static void check_status(const struct brk_node *nd)
{
	static struct brk_status st, back;
	static uint8_t wire[BRK_STATUS_WIRE_MAX];
	FILE *sink = fuzz_devnull();

	brk_status_fill(nd, &st);
	int n = brk_status_encode(&st, wire, sizeof(wire));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(brk_status_decode(wire, (size_t)n, &back) == 0);
	FUZZ_CHECK(brk_status_encode(&back, wire, sizeof(wire)) == n);
	render_berkeley_text(sink, &st);
	render_berkeley_json(sink, &st);
	FUZZ_CHECK(!ferror(sink));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { .p = data, .len = size };
	static struct sim s;

	init_sim(&s, &in);
	for (int i = 0; i < MAX_STEPS && fuzz_more(&in); i++) {
		unsigned op = (unsigned)fuzz_uint(&in, 1);
		int64_t dt = (int64_t)fuzz_uint(&in, 2) * NS_PER_MS;
		uint64_t rand = fuzz_uint(&in, 2);
		int64_t wake = brk_node_next_wake(&s.nd);

		if ((op & 3) == 0 && wake > s.mono && wake - s.mono < dt)
			dt = wake - s.mono;
		s.mono += dt;
		s.now += dt;
		if ((op & 3) == 0)
			run_timer(&s, rand);
		else if ((op & 3) == 3)
			brk_node_set_ntp_synced(&s.nd, !s.nd.ntp_synced);
		else
			datagram(&s, &in, op, rand);
	}
	check_status(&s.nd);
	return 0;
}
