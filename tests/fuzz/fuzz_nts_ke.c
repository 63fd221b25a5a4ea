/*
 * Fuzz target: the NTS-KE record parser (nts_ke_parse) as tsyncd's NTS-KE
 * server runs it on the bytes a TLS client sends, its verdict and the
 * response built for it, which must parse back as what was meant.
 * Input: the bytes of one message.
 */
#include "fuzz.h"
#include "tsync/nts_ke.h"

static void check_msg(const uint8_t *data, size_t size, const struct nts_ke_msg *m)
{
	FUZZ_CHECK(m->n_cookies >= 0 && m->n_cookies <= NTS_KE_MAX_COOKIES);
	for (int i = 0; i < m->n_cookies; i++) {
		FUZZ_CHECK(m->cookie[i].len >= 1 && m->cookie[i].len <= NTS_KE_COOKIE_MAX);
		FUZZ_CHECK((size_t)m->cookie[i].off + m->cookie[i].len <= size);
	}
	FUZZ_CHECK(m->port >= -1 && m->port <= 65535);
	FUZZ_CHECK(!m->has_server || (strlen(m->server) >= 1 && strlen(m->server) <= 255));
	(void)data;
}

/* The response to a verdict parses back with the same negotiation. */
static void check_response(int verdict)
{
	uint8_t cookies[3 * 100], out[NTS_KE_RESPONSE_MAX];
	struct nts_ke_msg r;
	memset(cookies, 0xab, sizeof(cookies));
	size_t n = nts_ke_server_response(verdict, cookies, 100, 3, 1123, out, sizeof(out));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(nts_ke_parse(out, n, &r) == NTS_KE_OK);
	if (verdict == NTS_KE_REFUSE_BAD || verdict == NTS_KE_REFUSE_CRITICAL) {
		FUZZ_CHECK(r.error >= 0 && r.n_cookies == 0);
		return;
	}
	FUZZ_CHECK(r.error < 0 && r.has_next_proto);
	FUZZ_CHECK(r.n_cookies == (verdict == NTS_KE_SERVE ? 3 : 0));
	FUZZ_CHECK(r.aead_siv == (verdict == NTS_KE_SERVE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nts_ke_msg m;
	int rc = nts_ke_parse(data, size, &m);
	FUZZ_CHECK(rc == NTS_KE_OK || rc == NTS_KE_INCOMPLETE || rc == NTS_KE_BAD ||
		   rc == NTS_KE_UNKNOWN_CRITICAL);
	check_msg(data, size, &m);
	/* A message ends at its End of Message: every shorter prefix of a
	 * whole one is only incomplete, never an error. */
	if (rc == NTS_KE_OK && size > 0) {
		struct nts_ke_msg p;
		FUZZ_CHECK(nts_ke_parse(data, size - 1, &p) == NTS_KE_INCOMPLETE);
	}
	int verdict = nts_ke_server_verdict(rc, &m);
	FUZZ_CHECK(verdict != NTS_KE_SERVE || (rc == NTS_KE_OK && m.next_ntpv4 && m.aead_siv));
	check_response(verdict);
	return 0;
}
