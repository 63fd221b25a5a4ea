/*
 * Unit tests of NTS (RFC 8915): the AEAD against nettle's published
 * AES-SIV-CMAC vector, cookies against an independent AES-SIV (Python's
 * cryptography), NTS-KE records byte by byte, and the NTP extension
 * fields through a whole client-server exchange, tampered every way.
 */
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "tsync/ntp_exch.h"
#include "tsync/ntp_server.h"
#include "tsync/nts_ntp.h"

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	ck_assert_msg(strlen(s) % 2 == 0, "odd hex string %s", s);
	for (; s[2 * n]; n++) {
		unsigned v;
		sscanf(s + 2 * n, "%2x", &v);
		out[n] = (uint8_t)v;
	}
	return n;
}

/* ---------------------------------------------------------------- AEAD */

START_TEST(aead_vector)
{
	/* nettle's testsuite, "single AAD, length < 16" (siv-cmac-test.c). */
	uint8_t key[32], nonce[16], ad[40], pt[14], want[30], ct[30], back[14];
	unhex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f", key);
	unhex("09f911029d74e35bd84156c5635688c0", nonce);
	size_t ad_len = unhex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa9988"
			      "7766554433221100", ad);
	unhex("112233445566778899aabbccddee", pt);
	unhex("15f8388214bdc94e3ec4c7c369863746cd72d3174b20a1e4a0894fb7cd78", want);
	nts_aead_seal(key, nonce, 16, ad, ad_len, pt, sizeof(pt), ct);
	ck_assert_mem_eq(ct, want, sizeof(want));
	ck_assert(nts_aead_open(key, nonce, 16, ad, ad_len, ct, sizeof(ct), back));
	ck_assert_mem_eq(back, pt, sizeof(pt));
	ct[29] ^= 1;
	ck_assert(!nts_aead_open(key, nonce, 16, ad, ad_len, ct, sizeof(ct), back));
	ck_assert(!nts_aead_open(key, nonce, 16, ad, ad_len, ct, 15, back));
}
END_TEST

/* ------------------------------------------------------------- cookies */

static struct nts_cookie_ring ring_of(uint32_t id, uint8_t first)
{
	struct nts_cookie_ring r = { .n = 0 };
	struct nts_cookie_key k = { .id = id, .created = 1000 };
	for (int i = 0; i < NTS_KEY_LEN; i++)
		k.key[i] = (uint8_t)(first + i);
	nts_cookie_ring_push(&r, &k);
	return r;
}

START_TEST(cookie_vector)
{
	/* Key 00..1f, id 42, nonce a0..af, C2S 0x11 x32, S2C 0x22 x32: the
	 * bytes from Python's cryptography AESSIV(key).encrypt(c2s + s2c,
	 * [id, nonce]). */
	struct nts_cookie_ring r = ring_of(42, 0);
	uint8_t c2s[32], s2c[32], nonce[16], cookie[NTS_COOKIE_LEN], want[NTS_COOKIE_LEN];
	memset(c2s, 0x11, 32);
	memset(s2c, 0x22, 32);
	for (int i = 0; i < 16; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	ck_assert_uint_eq(unhex("0000002aa0a1a2a3a4a5a6a7a8a9aaabacadaeaf12c24ce4aadc9732ede7b972"
				"98e45488b5493c4ea0c50dcb746c7bc08a5f767eb6db1166aa2e2611c52de358"
				"c229138ea33fefb09570328c3cba4c1c4914d173ba96b999acf866c2a70c57ac"
				"e9d8f24d", want), NTS_COOKIE_LEN);
	nts_cookie_seal(&r, c2s, s2c, nonce, cookie);
	ck_assert_mem_eq(cookie, want, NTS_COOKIE_LEN);

	uint8_t a[32], b[32];
	ck_assert_int_eq(nts_cookie_open(&r, cookie, NTS_COOKIE_LEN, a, b), NTS_COOKIE_OK);
	ck_assert_mem_eq(a, c2s, 32);
	ck_assert_mem_eq(b, s2c, 32);
	ck_assert_int_eq(nts_cookie_open(&r, cookie, NTS_COOKIE_LEN - 1, a, b), NTS_COOKIE_LENGTH);
	cookie[50] ^= 0x80;
	ck_assert_int_eq(nts_cookie_open(&r, cookie, NTS_COOKIE_LEN, a, b), NTS_COOKIE_FORGED);
	cookie[50] ^= 0x80;
	cookie[3] = 43; /* another key's id: the id is authenticated too */
	ck_assert_int_eq(nts_cookie_open(&r, cookie, NTS_COOKIE_LEN, a, b), NTS_COOKIE_OLD_KEY);
}
END_TEST

START_TEST(cookie_rotation)
{
	struct nts_cookie_ring r = ring_of(1, 0);
	uint8_t c2s[32] = { 1 }, s2c[32] = { 2 }, nonce[16] = { 3 }, old[NTS_COOKIE_LEN], a[32], b[32];
	nts_cookie_seal(&r, c2s, s2c, nonce, old);
	ck_assert(!nts_cookie_ring_due(&r, 1000 + 3599, 3600));
	ck_assert(nts_cookie_ring_due(&r, 1000 + 3600, 3600));
	ck_assert(!nts_cookie_ring_due(&r, 1 << 30, 0));
	for (uint32_t id = 2; id <= 3; id++) {
		struct nts_cookie_ring next = ring_of(id, (uint8_t)(id * 50));
		nts_cookie_ring_push(&r, &next.k[0]);
		/* Still opens under the two keys after it. */
		ck_assert_int_eq(nts_cookie_open(&r, old, sizeof(old), a, b), NTS_COOKIE_OK);
	}
	ck_assert_int_eq(r.n, 3);
	ck_assert_uint_eq(r.k[0].id, 3);
	struct nts_cookie_ring next = ring_of(4, 7);
	nts_cookie_ring_push(&r, &next.k[0]);
	ck_assert_int_eq(r.n, 3);
	ck_assert_uint_eq(r.k[2].id, 2);
	ck_assert_int_eq(nts_cookie_open(&r, old, sizeof(old), a, b), NTS_COOKIE_OLD_KEY);
}
END_TEST

START_TEST(cookie_file)
{
	struct nts_cookie_ring r = ring_of(7, 0), back;
	struct nts_cookie_ring two = ring_of(8, 0x80);
	two.k[0].created = 2000;
	nts_cookie_ring_push(&r, &two.k[0]);
	char text[512], err[80];
	size_t n = nts_cookie_ring_format(&r, text, sizeof(text));
	ck_assert_str_eq(text,
			 "8 808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f 2000\n"
			 "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1000\n");
	ck_assert_int_eq(nts_cookie_ring_parse(&back, text, n, err, sizeof(err)), 0);
	ck_assert_int_eq(back.n, 2);
	ck_assert_mem_eq(&back.k[0], &r.k[0], sizeof(r.k[0]));
	ck_assert_mem_eq(&back.k[1], &r.k[1], sizeof(r.k[1]));
	ck_assert_uint_eq(nts_cookie_ring_format(&r, text, 100), 0);
	/* The keys read back have their schedules: a cookie sealed under
	 * either key before the restart opens after it. */
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], nonce[NTS_NONCE_LEN] = { 9 };
	uint8_t cookie[NTS_COOKIE_LEN], c2s_back[NTS_KEY_LEN], s2c_back[NTS_KEY_LEN];
	memset(c2s, 0x11, sizeof(c2s));
	memset(s2c, 0x22, sizeof(s2c));
	for (int i = 0; i < 2; i++) {
		struct nts_cookie_ring one = ring_of(r.k[i].id, (uint8_t)(i == 0 ? 0x80 : 0));
		nts_cookie_seal(&one, c2s, s2c, nonce, cookie);
		ck_assert_int_eq(nts_cookie_open(&back, cookie, sizeof(cookie), c2s_back, s2c_back),
				 NTS_COOKIE_OK);
		ck_assert_mem_eq(c2s_back, c2s, sizeof(c2s));
		ck_assert_mem_eq(s2c_back, s2c, sizeof(s2c));
	}

	static const char *const bad[] = {
		"7 0001 1000\n",                 /* short key */
		"7 zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1000\n",
		"x 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1000\n",
		"4294967296 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1\n",
		"7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		"7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1 x\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		back.n = 99;
		ck_assert_int_lt(nts_cookie_ring_parse(&back, bad[i], strlen(bad[i]), err, sizeof(err)), 0);
		ck_assert_str_eq(err, "1: not \"ID HEX64 CREATED\"");
		ck_assert_int_eq(back.n, 99); /* nothing changed */
	}
}
END_TEST

/* -------------------------------------------------------------- NTS-KE */

START_TEST(ke_client_request)
{
	uint8_t buf[64], want[16];
	size_t n = nts_ke_client_request(buf, sizeof(buf));
	ck_assert_uint_eq(n, unhex("80010002000080040002000f80000000", want));
	ck_assert_mem_eq(buf, want, n);
	struct nts_ke_msg m;
	ck_assert_int_eq(nts_ke_parse(buf, n, &m), NTS_KE_OK);
	ck_assert(m.has_next_proto && m.next_ntpv4 && m.has_aead && m.aead_siv);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_SERVE);
	/* Every prefix is incomplete, never an error. */
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(nts_ke_parse(buf, i, &m), NTS_KE_INCOMPLETE);
	ck_assert_uint_eq(nts_ke_client_request(buf, 15), 0);
}
END_TEST

static int parse_hex(const char *hex, struct nts_ke_msg *m)
{
	uint8_t buf[600];
	size_t n = unhex(hex, buf);
	return nts_ke_parse(buf, n, m);
}

START_TEST(ke_bad_records)
{
	struct nts_ke_msg m;
	/* An AEAD list of odd length. */
	ck_assert_int_eq(parse_hex("8001000200008004000300000f80000000", &m), NTS_KE_BAD);
	/* Next Protocol twice. */
	ck_assert_int_eq(parse_hex("80010002000080010002000080040002000f80000000", &m), NTS_KE_BAD);
	/* End of Message with a body. */
	ck_assert_int_eq(parse_hex("800000020000", &m), NTS_KE_BAD);
	/* A byte after End of Message. */
	ck_assert_int_eq(parse_hex("8000000000", &m), NTS_KE_BAD);
	/* An Error record of 3 bytes; a Port of 1. */
	ck_assert_int_eq(parse_hex("80020003000000", &m), NTS_KE_BAD);
	ck_assert_int_eq(parse_hex("8007000101", &m), NTS_KE_BAD);
	/* A server name with a space, an empty one. */
	ck_assert_int_eq(parse_hex("80060003612062", &m), NTS_KE_BAD);
	ck_assert_int_eq(parse_hex("80060000", &m), NTS_KE_BAD);
	/* An empty cookie, and one of 257 bytes (its header is enough). */
	ck_assert_int_eq(parse_hex("00050000", &m), NTS_KE_BAD);
	ck_assert_int_eq(parse_hex("00050101", &m), NTS_KE_INCOMPLETE);
	/* An unknown critical record (type 0x1234); the same not critical is skipped. */
	ck_assert_int_eq(parse_hex("923400020000", &m), NTS_KE_UNKNOWN_CRITICAL);
	ck_assert_uint_eq(m.critical_type, 0x1234);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_UNKNOWN_CRITICAL, &m), NTS_KE_REFUSE_CRITICAL);
	ck_assert_int_eq(parse_hex("12340002000080010002000080040002000f80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_SERVE);
	/* A declared length beyond what came: still incomplete. */
	ck_assert_int_eq(parse_hex("8001ffff00", &m), NTS_KE_INCOMPLETE);
}
END_TEST

START_TEST(ke_verdicts)
{
	struct nts_ke_msg m;
	/* No Next Protocol at all. */
	ck_assert_int_eq(parse_hex("80040002000f80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_REFUSE_BAD);
	/* NTPv4 without an AEAD record. */
	ck_assert_int_eq(parse_hex("80010002000080000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_REFUSE_BAD);
	/* Only protocol 0x8000, and only AEAD 16. */
	ck_assert_int_eq(parse_hex("80010002800080040002000f80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_NO_PROTO);
	ck_assert_int_eq(parse_hex("800100020000800400020010" "80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_NO_AEAD);
	/* AEAD 16 then 15: 15 chosen; an Error record from a client: bad. */
	ck_assert_int_eq(parse_hex("8001000200008004000400100" "00f80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_SERVE);
	ck_assert_int_eq(parse_hex("80010002000080040002000f800200020001" "80000000", &m), NTS_KE_OK);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_OK, &m), NTS_KE_REFUSE_BAD);
	ck_assert_int_eq(nts_ke_server_verdict(NTS_KE_BAD, &m), NTS_KE_REFUSE_BAD);
}
END_TEST

START_TEST(ke_responses)
{
	uint8_t out[128], want[128], cookies[6] = { 1, 2, 3, 4, 5, 6 };
	size_t n = nts_ke_server_response(NTS_KE_SERVE, cookies, 3, 2, 1123, out, sizeof(out));
	ck_assert_uint_eq(n, unhex("80010002000080040002000f800700020463"
				   "00050003010203" "00050003040506" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	struct nts_ke_msg m;
	ck_assert_int_eq(nts_ke_parse(out, n, &m), NTS_KE_OK);
	ck_assert_int_eq(m.n_cookies, 2);
	ck_assert_int_eq(m.port, 1123);
	ck_assert_uint_eq(m.cookie[1].len, 3);
	ck_assert_mem_eq(out + m.cookie[1].off, cookies + 3, 3);

	n = nts_ke_server_response(NTS_KE_SERVE, cookies, 3, 2, 0, out, sizeof(out));
	ck_assert_uint_eq(n, 36 - 6);
	n = nts_ke_server_response(NTS_KE_NO_PROTO, cookies, 3, 2, 123, out, sizeof(out));
	ck_assert_uint_eq(n, unhex("8001000080000000", want));
	ck_assert_mem_eq(out, want, n);
	n = nts_ke_server_response(NTS_KE_NO_AEAD, cookies, 3, 2, 0, out, sizeof(out));
	ck_assert_uint_eq(n, unhex("80010002000080040000" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	n = nts_ke_server_response(NTS_KE_REFUSE_BAD, cookies, 3, 2, 0, out, sizeof(out));
	ck_assert_uint_eq(n, unhex("800200020001" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	n = nts_ke_server_response(NTS_KE_REFUSE_CRITICAL, cookies, 3, 2, 0, out, sizeof(out));
	ck_assert_uint_eq(n, unhex("800200020000" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	/* Too small for the last record: nothing. */
	ck_assert_uint_eq(nts_ke_server_response(NTS_KE_SERVE, cookies, 3, 2, 1123, out, 35), 0);

	/* A Server record after the AEAD, before the Port; none refused. */
	n = nts_ke_server_response_to(NTS_KE_SERVE, "ntp.example", cookies, 3, 1, 1123, out,
				      sizeof(out));
	ck_assert_uint_eq(n, unhex("80010002000080040002000f" "8006000b6e74702e6578616d706c65"
				   "800700020463" "00050003010203" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	ck_assert_int_eq(nts_ke_parse(out, n, &m), NTS_KE_OK);
	ck_assert(m.has_server);
	ck_assert_str_eq(m.server, "ntp.example");
	ck_assert_int_eq(m.port, 1123);
	ck_assert_uint_eq(nts_ke_server_response_to(NTS_KE_SERVE, "", cookies, 3, 1, 0, out,
						    sizeof(out)), 12 + 7 + 4);
	n = nts_ke_server_response_to(NTS_KE_NO_AEAD, "ntp.example", cookies, 3, 1, 0, out,
				      sizeof(out));
	ck_assert_uint_eq(n, unhex("80010002000080040000" "80000000", want));
	ck_assert_mem_eq(out, want, n);
	ck_assert_uint_eq(nts_ke_server_response_to(NTS_KE_SERVE, "ntp.example", cookies, 3, 1,
						    0, out, 26), 0);

	uint8_t ctx[5];
	nts_ke_exporter_context(NTS_AEAD_AES_SIV_CMAC_256, true, ctx);
	ck_assert_mem_eq(ctx, "\x00\x00\x00\x0f\x01", 5);
}
END_TEST

/* ---------------------------------------------------------- NTS in NTP */

#define SEC INT64_C(1000000000)
#define T1 (INT64_C(1700000000) * SEC)

struct exch {
	struct nts_cookie_ring ring;
	uint8_t c2s[32], s2c[32], uid[32], cookie[NTS_COOKIE_LEN];
	uint8_t req[1200], reply[1200];
	size_t req_len, reply_len;
	uint8_t rnd[NTS_SERVER_RANDOM];
	struct ntp_server_state st;
	struct ntp_pkt p;
};

static void setup(struct exch *e, int placeholders)
{
	memset(e, 0, sizeof(*e));
	e->ring = ring_of(9, 0x40);
	memset(e->c2s, 0xc2, 32);
	memset(e->s2c, 0x5c, 32);
	for (int i = 0; i < 32; i++)
		e->uid[i] = (uint8_t)(0x80 + i);
	for (size_t i = 0; i < sizeof(e->rnd); i++)
		e->rnd[i] = (uint8_t)(i * 7);
	uint8_t nonce[16] = { 0xee };
	nts_cookie_seal(&e->ring, e->c2s, e->s2c, nonce, e->cookie);
	struct ntp_pkt hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .xmt = 0x1122334455667788ULL };
	e->req_len = nts_client_request(&hdr, e->uid, 32, e->cookie, NTS_COOKIE_LEN, placeholders,
					e->c2s, nonce, e->req, sizeof(e->req));
	e->st = (struct ntp_server_state){ .leap = 0, .stratum = 2, .precision = -20,
					   .refid = 0x7f000001 };
}

/* The server's whole path, as tsyncd's: ntp_server_answer, then
 * nts_server_seal with the request it decoded (the same as a decode of
 * its own). */
static int serve(struct exch *e, size_t cap)
{
	struct ntp_pkt p, again;
	size_t plain;
	ck_assert_int_eq(ntp_server_answer(&e->st, e->req, e->req_len, T1, e->reply, &plain, &p),
			 NTP_SERVER_REPLY);
	ck_assert_uint_eq(plain, NTP_PKT_LEN);
	ck_assert_int_eq(ntp_pkt_decode(&again, e->req, e->req_len), NTP_PKT_OK);
	ck_assert(p.xmt == again.xmt && p.version == again.version && p.mode == again.mode);
	ck_assert_uint_eq(p.ext_len, e->req_len - NTP_PKT_LEN);
	ck_assert_uint_eq(p.mac_len, again.mac_len);
	e->reply_len = 0;
	return nts_server_seal(&e->ring, e->req, e->req_len, &p, ntp_ts_from_ns(T1 + 1000),
			       e->rnd, e->reply, cap, &e->reply_len);
}

static int check(struct exch *e, struct nts_new_cookies *c)
{
	ck_assert_int_eq(ntp_pkt_decode(&e->p, e->reply, e->reply_len), NTP_PKT_OK);
	return nts_client_check(e->reply, e->reply_len, &e->p, e->uid, 32, e->s2c, c);
}

START_TEST(ntp_exchange)
{
	static struct exch e;
	struct nts_new_cookies c;
	for (int ph = 0; ph < NTS_MAX_COOKIES; ph++) {
		setup(&e, ph);
		/* 48 + UID 36 + cookie 104 + placeholders + authenticator 40 */
		ck_assert_uint_eq(e.req_len, 48 + 36 + 104 * (size_t)(1 + ph) + 40);
		ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
		/* As long as the request: never longer. */
		ck_assert_uint_eq(e.reply_len, e.req_len);
		ck_assert_int_eq(check(&e, &c), NTS_CLIENT_OK);
		ck_assert_int_eq(c.n, 1 + ph);
		ck_assert_uint_eq(e.p.xmt, ntp_ts_from_ns(T1 + 1000));
		ck_assert_uint_eq(e.p.org, 0x1122334455667788ULL);
		ck_assert_uint_eq(e.p.stratum, 2);
		uint8_t a[32], b[32];
		for (int i = 0; i < c.n; i++) {
			ck_assert_uint_eq(c.len[i], NTS_COOKIE_LEN);
			ck_assert_int_eq(nts_cookie_open(&e.ring, c.cookie[i], c.len[i], a, b),
					 NTS_COOKIE_OK);
			ck_assert_mem_eq(a, e.c2s, 32);
			ck_assert_mem_eq(b, e.s2c, 32);
		}
		ck_assert(nts_server_is_sealed(e.reply, e.reply_len));
	}
	/* A slot too small for all: as many cookies as fit. */
	setup(&e, 7);
	ck_assert_int_eq(serve(&e, 48 + 36 + 40 + 104 * 3 + 50), NTS_SERVER_REPLY);
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_OK);
	ck_assert_int_eq(c.n, 3);
}
END_TEST

static void assert_nak(struct exch *e)
{
	struct nts_new_cookies c;
	ck_assert_uint_eq(e->reply_len, 48 + 36);
	ck_assert_int_eq(e->reply[1], 0);
	ck_assert_mem_eq(e->reply + 12, "NTSN", 4);
	ck_assert_int_eq(e->reply[0] >> 6, NTP_LEAP_UNSYNC);
	ck_assert_int_eq(check(e, &c), NTS_CLIENT_NAK);
	ck_assert_int_eq(c.n, 0);
}

START_TEST(ntp_naks)
{
	static struct exch e;
	/* A tampered cookie (a byte of its ciphertext). */
	setup(&e, 1);
	e.req[48 + 36 + 4 + 60] ^= 1;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_COOKIE);
	assert_nak(&e);
	/* A cookie under a key rotated out. */
	setup(&e, 0);
	for (uint32_t id = 10; id < 13; id++) {
		struct nts_cookie_ring r = ring_of(id, (uint8_t)id);
		nts_cookie_ring_push(&e.ring, &r.k[0]);
	}
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_COOKIE);
	assert_nak(&e);
	/* A header byte changed after authentication (the poll). */
	setup(&e, 0);
	e.req[2] ^= 1;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_AUTH);
	assert_nak(&e);
	/* The authenticator's SIV. */
	setup(&e, 0);
	e.req[e.req_len - 1] ^= 1;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_AUTH);
	assert_nak(&e);
}
END_TEST

START_TEST(ntp_client_refuses)
{
	static struct exch e;
	struct nts_new_cookies c;
	/* A reply for another request (its UID differs). */
	setup(&e, 0);
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
	e.uid[5] ^= 1;
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_UID);
	/* A reply changed on the way (root delay). */
	setup(&e, 0);
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
	e.reply[5] ^= 1;
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_AUTH);
	/* A NAK spoofed without our UID. */
	setup(&e, 0);
	e.req[48 + 4] ^= 1; /* the UID the server echoes */
	e.req[2] ^= 1;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_AUTH);
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_UID);
	/* A plain reply: not NTS at all. */
	setup(&e, 0);
	e.reply_len = 48;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
	e.reply_len = 48;
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_NOT_NTS);
	/* The authenticator removed: the UID alone authenticates nothing. */
	setup(&e, 0);
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
	e.reply_len = 48 + 36;
	ck_assert_int_eq(check(&e, &c), NTS_CLIENT_AUTH);
}
END_TEST

/* Requests that are dropped, not NAKed: the fields are malformed. */
START_TEST(ntp_malformed)
{
	static struct exch e;
	struct ntp_pkt p;
	struct nts_ntp_fields f;
	setup(&e, 0);
	ck_assert_int_eq(ntp_pkt_decode(&p, e.req, 48), NTP_PKT_OK);
	ck_assert_int_eq(nts_ntp_parse(e.req, 48, &p, &f), NTS_NTP_NONE);
	/* A second UID field in place of the cookie's first 36 bytes. */
	memcpy(e.req + 84, e.req + 48, 4);
	e.req[84 + 3] = 104;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_MALFORMED);
	ck_assert_uint_eq(e.reply_len, 0);
	/* A field after the authenticator. */
	setup(&e, 0);
	memcpy(e.req + e.req_len, "\x00\x01\x00\x1c", 4); /* 28: longer than a MAC */
	memset(e.req + e.req_len + 4, 0, 24);
	e.req_len += 28;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_MALFORMED);
	/* A nonce of 15 bytes; a ciphertext longer than its field. */
	setup(&e, 0);
	e.req[e.req_len - 40 + 5] = 15;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_MALFORMED);
	setup(&e, 0);
	e.req[e.req_len - 40 + 7] = 20;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_MALFORMED);
	/* No cookie: the cookie field's type made unknown. */
	setup(&e, 0);
	e.req[84] = 0x7f;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_MALFORMED);
	/* A UID of 28 bytes. */
	setup(&e, 0);
	struct ntp_pkt hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .xmt = 1 };
	ck_assert_uint_eq(nts_client_request(&hdr, e.uid, 28, e.cookie, NTS_COOKIE_LEN, 0, e.c2s,
					     e.rnd, e.req, sizeof(e.req)), 0);
}
END_TEST

/* The one reply rule with NTS: a sample with cookies, a refusal that
 * changes nothing, or a KoD that says the cookies are bad. */
START_TEST(exch_accept_nts)
{
	static struct exch e;
	struct nts_new_cookies c;
	struct ntp_exch_verdict v;
	struct ntp_pkt r;
	struct ntp_exch_nts nts = { .uid = e.uid, .uid_len = 32, .s2c = e.s2c, .cookies = &c };
	setup(&e, 2);
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_REPLY);
	ck_assert_int_eq(ntp_exch_accept(e.reply, e.reply_len, NULL, &nts, true,
					 0x1122334455667788ULL, 0, &r, &v), NTP_ACCEPT_SAMPLE);
	ck_assert_int_eq(v.nts, NTS_CLIENT_OK);
	ck_assert_int_eq(c.n, 3);
	/* Not waiting: stray, though authentic. */
	ck_assert_int_eq(ntp_exch_accept(e.reply, e.reply_len, NULL, &nts, false,
					 0x1122334455667788ULL, 0, &r, &v), NTP_ACCEPT_STRAY);
	/* Another request's UID: refused before the origin is even looked at. */
	e.uid[0] ^= 1;
	ck_assert_int_eq(ntp_exch_accept(e.reply, e.reply_len, NULL, &nts, true,
					 0x1122334455667788ULL, 0, &r, &v), NTP_ACCEPT_AUTH);
	ck_assert_int_eq(v.nts, NTS_CLIENT_UID);
	ck_assert_int_eq(v.exch, NTP_EXCH_OK); /* not reached */
	e.uid[0] ^= 1;
	/* A plain reply where NTS was asked for. */
	ck_assert_int_eq(ntp_exch_accept(e.reply, 48, NULL, &nts, true, 0x1122334455667788ULL, 0,
					 &r, &v), NTP_ACCEPT_AUTH);
	ck_assert_int_eq(v.nts, NTS_CLIENT_NOT_NTS);
	/* A NAK for our request. */
	setup(&e, 0);
	e.req[2] ^= 1;
	ck_assert_int_eq(serve(&e, sizeof(e.reply)), NTS_SERVER_NAK_AUTH);
	ck_assert_int_eq(ntp_exch_accept(e.reply, e.reply_len, NULL, &nts, true,
					 0x1122334455667788ULL, 0, &r, &v), NTP_ACCEPT_KOD);
	ck_assert_int_eq(v.nts, NTS_CLIENT_NAK);
	ck_assert_int_eq(v.exch, NTP_EXCH_KOD);
	ck_assert_int_eq(ntp_kiss_code(r.refid), NTP_KISS_OTHER);
}
END_TEST

START_TEST(sealed_detection)
{
	uint8_t b[200] = { 0x24 }; /* v4 mode 4 */
	ck_assert(!nts_server_is_sealed(b, 48));
	ck_assert(!nts_server_is_sealed(b, 72)); /* a v4 MAC at most */
	ck_assert(nts_server_is_sealed(b, 84));
	b[0] = 0x1c; /* v3: long MACs exist */
	ck_assert(!nts_server_is_sealed(b, 84));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nts");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, aead_vector);
	tcase_add_test(tc, cookie_vector);
	tcase_add_test(tc, cookie_rotation);
	tcase_add_test(tc, cookie_file);
	tcase_add_test(tc, ke_client_request);
	tcase_add_test(tc, ke_bad_records);
	tcase_add_test(tc, ke_verdicts);
	tcase_add_test(tc, ke_responses);
	tcase_add_test(tc, ntp_exchange);
	tcase_add_test(tc, ntp_naks);
	tcase_add_test(tc, ntp_client_refuses);
	tcase_add_test(tc, ntp_malformed);
	tcase_add_test(tc, sealed_detection);
	tcase_add_test(tc, exch_accept_nts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
