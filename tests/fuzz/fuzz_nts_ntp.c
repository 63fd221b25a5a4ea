/*
 * Fuzz target: the NTS extension fields of NTPv4 both ways. The input is
 * a datagram, taken first as a request to the server's path
 * (ntp_server_reply then nts_server_seal, as src/tsyncd/server.c) and
 * then as a reply to the client's check (nts_client_check, and through
 * ntp_exch_accept, the one reply rule) with the keys
 * and UID of nts_fixed.h, which the seeds are made with.
 */
#include "fuzz.h"
#include "nts_fixed.h"
#include "tsync/ntp_exch.h"
#include "tsync/ntp_server.h"

static struct nts_cookie_ring ring;

/* A reply the server sent answers its request: the client that sent it
 * (whose keys are in the request's cookie) accepts it. */
static void check_reply(const uint8_t *req, size_t req_len, int res, const uint8_t *out,
			size_t out_len)
{
	struct ntp_pkt q, r;
	struct nts_ntp_fields f;
	struct nts_new_cookies c;
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN];

	FUZZ_CHECK(out_len <= req_len && out_len <= NTS_REPLY_MAX);
	FUZZ_CHECK(ntp_pkt_decode(&q, req, req_len) == NTP_PKT_OK);
	FUZZ_CHECK(nts_ntp_parse(req, req_len, &q, &f) == NTS_NTP_OK);
	FUZZ_CHECK(ntp_pkt_decode(&r, out, out_len) == NTP_PKT_OK);
	FUZZ_CHECK(r.org == q.xmt && r.mode == NTP_MODE_SERVER);
	FUZZ_CHECK(nts_server_is_sealed(out, out_len));
	if (res != NTS_SERVER_REPLY) {
		FUZZ_CHECK(r.stratum == 0 && out_len == NTP_PKT_LEN + NTS_EF_HDR + f.uid_len);
		FUZZ_CHECK(nts_client_check(out, out_len, &r, f.uid, f.uid_len, s2c, &c) ==
			   NTS_CLIENT_NAK);
		return;
	}
	FUZZ_CHECK(nts_cookie_open(&ring, f.cookie, f.cookie_len, c2s, s2c) == NTS_COOKIE_OK);
	FUZZ_CHECK(nts_client_check(out, out_len, &r, f.uid, f.uid_len, s2c, &c) == NTS_CLIENT_OK);
	FUZZ_CHECK(c.n >= 1 && c.n <= 1 + f.n_placeholders);
	for (int i = 0; i < c.n; i++) {
		uint8_t a[NTS_KEY_LEN], b[NTS_KEY_LEN];
		FUZZ_CHECK(nts_cookie_open(&ring, c.cookie[i], c.len[i], a, b) == NTS_COOKIE_OK);
		FUZZ_CHECK(memcmp(a, c2s, NTS_KEY_LEN) == 0 && memcmp(b, s2c, NTS_KEY_LEN) == 0);
	}
}

static void as_request(const uint8_t *data, size_t size)
{
	static const struct ntp_server_state st = { .stratum = 2, .precision = -20 };
	uint8_t out[NTS_REPLY_MAX], rnd[NTS_SERVER_RANDOM];
	size_t len = 0;
	struct ntp_pkt p;

	if (ntp_server_reply(&st, data, size, INT64_C(1700000000000000000), out, &len) !=
	    NTP_SERVER_REPLY)
		return;
	FUZZ_CHECK(ntp_pkt_decode(&p, data, size) == NTP_PKT_OK);
	memset(rnd, 0x42, sizeof(rnd));
	size_t out_len = 0;
	int res = nts_server_seal(&ring, data, size, &p, 0x0123456789abcdefULL, rnd, out,
				  sizeof(out), &out_len);
	FUZZ_CHECK(res >= 0 && res < NTS_SERVER_N_RESULTS);
	if (res == NTS_SERVER_NOT_NTS || res == NTS_SERVER_MALFORMED)
		FUZZ_CHECK(out_len == 0);
	else
		check_reply(data, size, res, out, out_len);
}

static void as_reply(const uint8_t *data, size_t size)
{
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], uid[NTS_UID_MIN];
	struct nts_new_cookies c;
	struct ntp_pkt p;

	if (ntp_pkt_decode(&p, data, size) != NTP_PKT_OK)
		return;
	fuzz_nts_client(c2s, s2c, uid);
	int res = nts_client_check(data, size, &p, uid, sizeof(uid), s2c, &c);
	FUZZ_CHECK(res >= 0 && res < NTS_CLIENT_N_RESULTS);
	/* The one reply rule agrees: only an authentic reply (or a NAK for
	 * our request) gets past its NTS check. */
	struct ntp_exch_nts nts = { .uid = uid, .uid_len = sizeof(uid), .s2c = s2c, .cookies = &c };
	struct ntp_exch_verdict v;
	struct ntp_pkt r;
	int verdict = ntp_exch_accept(data, size, NULL, &nts, true, p.org, 0, &r, &v);
	FUZZ_CHECK(v.nts == res);
	if (res != NTS_CLIENT_OK && res != NTS_CLIENT_NAK)
		FUZZ_CHECK(verdict == NTP_ACCEPT_AUTH);
	if (verdict == NTP_ACCEPT_SAMPLE)
		FUZZ_CHECK(res == NTS_CLIENT_OK);
	FUZZ_CHECK(c.n >= 0 && c.n <= NTS_MAX_COOKIES);
	FUZZ_CHECK(res == NTS_CLIENT_OK || c.n == 0);
	for (int i = 0; i < c.n; i++)
		FUZZ_CHECK(c.len[i] >= 1 && c.len[i] <= NTS_KE_COOKIE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ring.n == 0)
		fuzz_nts_ring(&ring);
	as_request(data, size);
	as_reply(data, size);
	return 0;
}
