/*
 * Fuzz target: NTP MAC verification (ntp_auth) against a ring holding a
 * key of every NTP type. The input is a packet: whatever it carries, a
 * verdict is one of five and agrees with the trailer; and the input's
 * header signed by each key verifies, and stops verifying once one byte
 * the MAC covers (or of the digest) is changed.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/keys.h"
#include "tsync/ntp_auth.h"

/* One key of each NTP type, and Berkeley's, which NTP must never take. */
static const char keys_text[] =
	"1 AES128 HEX:000102030405060708090A0B0C0D0E0F\n"
	"2 AES256 HEX:000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n"
	"3 SHA1 ASCII:sha1-key-for-fuzz\n"
	"4 SHA256 HEX:F00DF00DF00DF00DF00DF00DF00DF00D\n"
	"5 SHA512 a-sha512-key-of-ascii\n"
	"6 hmac-sha256 00112233445566778899aabbccddeeff\n";

static struct keys_ring ring;

static void load_ring(void)
{
	char err[256];

	if (ring.n == 0)
		FUZZ_CHECK(keys_parse(&ring, keys_text, sizeof(keys_text) - 1, "fuzz.keys", err,
				      sizeof(err)) == 0);
}

/* What the packet's own MAC says. */
static void check_verdict(const uint8_t *data, size_t size)
{
	const struct keys_key *key = NULL;
	struct ntp_pkt p;

	if (ntp_pkt_decode(&p, data, size) != NTP_PKT_OK)
		return;
	int r = ntp_auth_check(&ring, data, &p, &key);
	uint32_t id = ntp_auth_key_id(data, &p);
	FUZZ_CHECK(r >= NTP_AUTH_NONE && r <= NTP_AUTH_BAD_MAC);
	FUZZ_CHECK((r == NTP_AUTH_NONE) == (p.mac_len == 0));
	if (r == NTP_AUTH_NAK) /* a lone key id, whatever it is */
		FUZZ_CHECK(p.mac_len == NTP_AUTH_NAK_LEN);
	if (r == NTP_AUTH_OK) {
		FUZZ_CHECK(key != NULL && key->id == id && ntp_auth_digest_len(key) > 0);
		FUZZ_CHECK(ntp_auth_check_key(key, data, &p) == NTP_AUTH_OK);
	}
	if (r == NTP_AUTH_UNKNOWN_KEY)
		FUZZ_CHECK(keys_find(&ring, id) == NULL || ntp_auth_digest_len(keys_find(&ring, id)) == 0);
}

/* The input's first 48 bytes, signed by k, must verify; changing the
 * byte at `at` (header or digest) must not. */
static void check_sign(const struct keys_key *k, const uint8_t *hdr, size_t at, uint8_t flip)
{
	uint8_t buf[NTP_PKT_LEN + NTP_AUTH_V3_MAC_MAX];
	struct ntp_pkt p;

	memcpy(buf, hdr, NTP_PKT_LEN);
	size_t n = ntp_auth_sign(k, buf, NTP_PKT_LEN, sizeof(buf));
	if (n == 0) {
		FUZZ_CHECK(ntp_auth_digest_len(k) == 0);
		return;
	}
	if (ntp_pkt_decode(&p, buf, n) != NTP_PKT_OK)
		return; /* a header no version allows a MAC in */
	FUZZ_CHECK(n == NTP_PKT_LEN + 4 + ntp_auth_digest_len_v(k, p.version));
	FUZZ_CHECK(ntp_auth_check_key(k, buf, &p) == NTP_AUTH_OK);
	FUZZ_CHECK(ntp_auth_key_id(buf, &p) == k->id);
	at %= n;
	if (at >= NTP_PKT_LEN && at < NTP_PKT_LEN + 4)
		return; /* the key id: another key's verdict, tested above */
	buf[at] ^= flip | 1;
	if (ntp_pkt_decode(&p, buf, n) != NTP_PKT_OK)
		return; /* the change broke the header, not the MAC */
	FUZZ_CHECK(ntp_auth_check_key(k, buf, &p) == NTP_AUTH_BAD_MAC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_ring();
	check_verdict(data, size);
	if (size < NTP_PKT_LEN + 2)
		return 0;
	for (int i = 0; i < ring.n; i++)
		check_sign(&ring.key[i], data, data[NTP_PKT_LEN], data[NTP_PKT_LEN + 1]);
	return 0;
}
