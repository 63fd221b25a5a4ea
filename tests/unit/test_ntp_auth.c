/*
 * Unit tests of NTP MACs and of the server's authenticated answers:
 * AES-CMAC against RFC 4493's vectors, the SHA digests against Python's
 * hashlib, and the server's signed replies and crypto-NAKs byte by byte.
 */
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "tsync/ntp_auth.h"
#include "tsync/ntp_server.h"

#define SEC INT64_C(1000000000)
#define T1 (INT64_C(1700000000) * SEC)

static struct keys_ring ring;

static void load(void)
{
	static const char text[] =
		"1 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n" /* RFC 4493's key */
		"2 AES256 HEX:603deb1015ca71be2b73aef0857d7781"
		"1f352c073b6108d72d9810a30914dff4\n"              /* SP 800-38B's */
		"3 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n"
		"4 SHA256 ASCII:averylongsecretpassphrase\n"
		"5 SHA512 HEX:00112233445566778899aabbccddeeff\n"
		"6 hmac-sha256 00112233445566778899aabbccddeeff\n";
	char err[128];
	ck_assert_int_eq(keys_parse(&ring, text, sizeof(text) - 1, "k", err, sizeof(err)), 0);
}

static void unhex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* The digest ntp_auth_sign appends after msg[0..len), as hex. */
static void assert_mac(uint32_t id, const char *msg_hex, const char *want_hex)
{
	uint8_t buf[160] = { 0 }, want[NTP_AUTH_V3_DIGEST_MAX];
	size_t len = strlen(msg_hex) / 2, dlen = strlen(want_hex) / 2;
	unhex(msg_hex, buf);
	unhex(want_hex, want);
	const struct keys_key *k = keys_find(&ring, id);
	ck_assert_uint_eq(ntp_auth_digest_len_v(k, (buf[0] >> 3) & 7), dlen);
	ck_assert_uint_eq(ntp_auth_sign(k, buf, len, sizeof(buf)), len + 4 + dlen);
	ck_assert_uint_eq(buf[len + 3], id); /* key id, big-endian */
	ck_assert_uint_eq(buf[len], 0);
	ck_assert_mem_eq(buf + len + 4, want, dlen);
}

#define M16 "6bc1bee22e409f96e93d7e117393172a"
#define M40 M16 "ae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411"
#define M64 M40 "e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

/* RFC 4493 §4, examples 1-4 (AES-128), and SP 800-38B's AES-256 ones. */
START_TEST(cmac_vectors)
{
	load();
	assert_mac(1, "", "bb1d6929e95937287fa37d129b756746");
	assert_mac(1, M16, "070a16b46b4d4144f79bdd9dd04a287c");
	assert_mac(1, M40, "dfa66747de9ae63030ca32611497c827");
	assert_mac(1, M64, "51f0bebf7e3b9d92fc49741779363cfe");
	assert_mac(2, "", "028962f61b7bf89efc6b551f4667d983");
	assert_mac(2, M16, "28a7023f452e8f82bd4bf28d8c37c35c");
}
END_TEST

/* H(key || 48 bytes 00..2f): a version 0 packet, so the whole digest.
 * Computed independently:
 *   python3 -c "import hashlib; d = bytes(range(48)); \
 *     print(hashlib.sha1(bytes.fromhex('933F62BE1D604E68A81B557F18CFA200483F5B70') + d).hexdigest()); \
 *     print(hashlib.sha256(b'averylongsecretpassphrase' + d).hexdigest()); \
 *     print(hashlib.sha512(bytes.fromhex('00112233445566778899aabbccddeeff') + d).hexdigest())"
 * and V4: the same with its first byte 0x23 (version 4, mode 3), d =
 * bytes([0x23]) + bytes(range(1, 48)): the digest is cut to 20 bytes. */
#define P48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	    "202122232425262728292a2b2c2d2e2f"
#define V4 "230102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	   "202122232425262728292a2b2c2d2e2f"
START_TEST(hash_vectors)
{
	load();
	assert_mac(3, P48, "c165775b5e02ad4a220b50c71b3b879741583b2a");
	assert_mac(4, P48, "084d570839c63ec43225585d94626dfb9adbdead7d231e04372c84427636a61b");
	assert_mac(5, P48, "8e4f8aaa224f933e6ea522cf43f66880758a1d8114b6d3d2d16e9a03f7bf40da"
			   "6615964d9a1b882782f76095498c6819704edeb32180639fb16d5ff623259c0a");
	assert_mac(3, V4, "1c728f9a3923e30f8b5e5421d82a324ff065c643");
	assert_mac(4, V4, "03372ebb6a9bfeb3fb6733686b076ef559d47bb6");
	assert_mac(5, V4, "4c6504c910f768e76e162f2a19769d49a582751c");
	ck_assert_uint_eq(ntp_auth_digest_len(keys_find(&ring, 6)), 0); /* Berkeley's */
	uint8_t buf[100] = { 0 };
	ck_assert_uint_eq(ntp_auth_sign(keys_find(&ring, 6), buf, 48, sizeof(buf)), 0);
	ck_assert_uint_eq(ntp_auth_sign(keys_find(&ring, 3), buf, 48, 48 + 23), 0); /* no room */
}
END_TEST

/* A client request of len bytes (header, optional extension field), signed
 * with key id when id != 0. Returns the length. */
static size_t request_v(uint8_t *buf, uint32_t id, size_t ext, int version)
{
	struct ntp_pkt p = { .version = (uint8_t)version, .mode = NTP_MODE_CLIENT,
			     .xmt = UINT64_C(0x1234) };
	memset(buf, 0, 200);
	ntp_pkt_encode(&p, buf);
	if (ext != 0) {
		buf[NTP_PKT_LEN + 1] = 0x04;
		buf[NTP_PKT_LEN + 3] = (uint8_t)ext;
	}
	size_t len = NTP_PKT_LEN + ext;
	return id != 0 ? ntp_auth_sign(keys_find(&ring, id), buf, len, 200) : len;
}

static size_t request(uint8_t *buf, uint32_t id, size_t ext)
{
	return request_v(buf, id, ext, 4);
}

static int check(const uint8_t *buf, size_t len, const struct keys_key **k)
{
	struct ntp_pkt p;
	ck_assert_int_eq(ntp_pkt_decode(&p, buf, len), NTP_PKT_OK);
	return ntp_auth_check(&ring, buf, &p, k);
}

START_TEST(verify)
{
	uint8_t buf[200];
	const struct keys_key *k = NULL;
	struct ntp_pkt p;
	load();
	for (uint32_t id = 1; id <= 5; id++) {
		size_t len = request(buf, id, 0);
		ck_assert_int_eq(check(buf, len, &k), NTP_AUTH_OK);
		ck_assert_uint_eq(k->id, id);
		buf[47] ^= 1; /* the header is covered */
		ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_BAD_MAC);
		buf[47] ^= 1;
		buf[len - 1] ^= 0x80; /* so is the digest's last byte */
		ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_BAD_MAC);
	}
	size_t len = request(buf, 1, 28); /* an extension field is covered too */
	ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_OK);
	buf[NTP_PKT_LEN + 20] ^= 1;
	ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_BAD_MAC);
	ck_assert_int_eq(check(buf, request(buf, 0, 0), NULL), NTP_AUTH_NONE);
	ck_assert_int_eq(check(buf, request(buf, 0, 0) + 4, NULL), NTP_AUTH_NAK);
	len = request(buf, 3, 0);
	buf[NTP_PKT_LEN + 3] = 9; /* a key id not in the ring */
	ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_UNKNOWN_KEY);
	buf[NTP_PKT_LEN + 3] = 6; /* Berkeley's key is no NTP key */
	ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_UNKNOWN_KEY);
	buf[NTP_PKT_LEN + 3] = 1; /* an AES key's MAC is 20 bytes, not 24 */
	ck_assert_int_eq(check(buf, len, NULL), NTP_AUTH_BAD_MAC);
	ck_assert_int_eq(ntp_pkt_decode(&p, buf, len), NTP_PKT_OK);
	ck_assert_int_eq(ntp_auth_check(NULL, buf, &p, NULL), NTP_AUTH_UNKNOWN_KEY);
	/* A client expecting key 4 refuses a valid MAC under key 3. */
	len = request(buf, 3, 0);
	ck_assert_int_eq(ntp_pkt_decode(&p, buf, len), NTP_PKT_OK);
	ck_assert_int_eq(ntp_auth_check_key(keys_find(&ring, 4), buf, &p), NTP_AUTH_UNKNOWN_KEY);
	ck_assert_int_eq(ntp_auth_check_key(keys_find(&ring, 3), buf, &p), NTP_AUTH_OK);
	ck_assert_uint_eq(ntp_auth_key_id(buf, &p), 3);
	ck_assert_str_eq(ntp_auth_result_name(NTP_AUTH_NAK), "crypto-NAK");
}
END_TEST

/* --- the server --- */

static const struct ntp_server_state *server(void)
{
	static struct ntp_server_state st = { .leap = 0, .stratum = 2, .precision = -20 };
	st.keys = &ring;
	return &st;
}

struct answer {
	int result;
	size_t len;
	uint8_t out[NTP_SERVER_REPLY_MAX + 8];
};

static struct answer serve(const uint8_t *req, size_t len)
{
	struct answer a;
	memset(a.out, 0xa5, sizeof(a.out));
	a.result = ntp_server_reply(server(), req, len, T1, a.out, &a.len);
	return a;
}

/* The reply to a request signed with key id is signed with it once
 * stamped: the MAC as long as the request's, never longer, covering t2. */
static void assert_signed_reply(const uint8_t *req, size_t len, uint32_t id, size_t want_len)
{
	struct ntp_pkt p;
	struct answer a = serve(req, len);
	ck_assert_int_eq(a.result, NTP_SERVER_AUTH_REPLY);
	ck_assert(ntp_server_sends(a.result));
	ck_assert_uint_eq(a.len, want_len);
	ck_assert_uint_le(a.len, len);
	ck_assert_uint_eq(a.out[a.len], 0xa5);
	ntp_server_stamp(server(), a.out, a.len, UINT64_C(0xe8fe6f8000000001));
	ck_assert_int_eq(ntp_pkt_decode(&p, a.out, a.len), NTP_PKT_OK);
	ck_assert_uint_eq(p.mode, NTP_MODE_SERVER);
	ck_assert_uint_eq(p.org, UINT64_C(0x1234));
	ck_assert_uint_eq(p.xmt, UINT64_C(0xe8fe6f8000000001));
	ck_assert_int_eq(ntp_auth_check_key(keys_find(&ring, id), a.out, &p), NTP_AUTH_OK);
	ntp_pkt_set_xmt(a.out, 2); /* a later t2 without a new MAC fails */
	ck_assert_int_eq(ntp_auth_check_key(keys_find(&ring, id), a.out, &p), NTP_AUTH_BAD_MAC);
}

/* NTPv4: a 16- or 20-byte digest, extension fields not echoed; NTPv3
 * (chrony's clients with SHA256 and SHA512 keys): the whole digest. */
START_TEST(server_signs)
{
	static const size_t v4_len[6] = { 0, 68, 68, 72, 72, 72 };
	static const size_t v3_len[6] = { 0, 68, 68, 72, 84, 116 };
	uint8_t req[200];
	load();
	for (uint32_t id = 1; id <= 5; id++) {
		assert_signed_reply(req, request(req, id, 0), id, v4_len[id]);
		assert_signed_reply(req, request(req, id, 28), id, v4_len[id]);
		size_t len = request_v(req, id, 0, 3);
		ck_assert_uint_eq(len, v3_len[id]);
		assert_signed_reply(req, len, id, v3_len[id]);
	}
}
END_TEST

static void assert_nak(const uint8_t *req, size_t len, int result)
{
	struct answer a = serve(req, len);
	struct ntp_pkt p;
	ck_assert_int_eq(a.result, result);
	ck_assert(ntp_server_sends(a.result));
	ck_assert_uint_eq(a.len, NTP_PKT_LEN + 4);
	ck_assert_mem_eq(a.out + NTP_PKT_LEN, "\0\0\0\0", 4);
	ck_assert_uint_eq(a.out[a.len], 0xa5);
	ntp_server_stamp(server(), a.out, a.len, 7); /* a NAK is not signed */
	ck_assert_mem_eq(a.out + NTP_PKT_LEN, "\0\0\0\0", 4);
	ck_assert_int_eq(ntp_pkt_decode(&p, a.out, a.len), NTP_PKT_OK);
	ck_assert_uint_eq(p.mac_len, 4);
	ck_assert_uint_eq(p.xmt, 7);
}

START_TEST(server_naks)
{
	uint8_t req[200];
	load();
	size_t len = request(req, 3, 0);
	req[NTP_PKT_LEN + 3] = 42;
	assert_nak(req, len, NTP_SERVER_NAK_UNKNOWN_KEY);
	req[NTP_PKT_LEN + 3] = 6; /* Berkeley's key */
	assert_nak(req, len, NTP_SERVER_NAK_UNKNOWN_KEY);
	len = request(req, 1, 0);
	req[len - 1] ^= 1;
	assert_nak(req, len, NTP_SERVER_NAK_BAD_MAC);
	len = request(req, 1, 28);
	req[10] ^= 1;
	assert_nak(req, len, NTP_SERVER_NAK_BAD_MAC);
	assert_nak(req, request(req, 0, 0) + 4, NTP_SERVER_NAK_BAD_MAC); /* a lone key id */
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_NAK_BAD_MAC), "nak_bad_mac");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_NAK_UNKNOWN_KEY), "nak_unknown_key");
	ck_assert_str_eq(ntp_server_result_name(NTP_SERVER_AUTH_REPLY), "auth_reply");
}
END_TEST

/* A MAC cut short is no MAC at all: the datagram is malformed and dropped;
 * a request with no MAC gets today's plain reply from a server with keys. */
START_TEST(server_truncated_and_plain)
{
	uint8_t req[200];
	load();
	size_t len = request(req, 1, 0);
	for (size_t cut = 1; cut < 20; cut++) {
		if (len - cut == NTP_PKT_LEN + 4)
			continue; /* a lone key id: the NAK case above */
		struct answer a = serve(req, len - cut);
		ck_assert_int_eq(a.result, NTP_SERVER_DROP_TRAILER);
		ck_assert(!ntp_server_sends(a.result));
		ck_assert_uint_eq(a.out[0], 0xa5);
	}
	struct answer a = serve(req, request(req, 0, 0));
	ck_assert_int_eq(a.result, NTP_SERVER_REPLY);
	ck_assert_uint_eq(a.len, NTP_PKT_LEN);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("ntp_auth");
	TCase *tc = tcase_create("mac");
	tcase_add_test(tc, cmac_vectors);
	tcase_add_test(tc, hash_vectors);
	tcase_add_test(tc, verify);
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_add_test(tc, server_signs);
	tcase_add_test(tc, server_naks);
	tcase_add_test(tc, server_truncated_and_plain);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(auth_suite());
}
