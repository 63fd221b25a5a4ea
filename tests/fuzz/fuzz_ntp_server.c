/*
 * Fuzz target: the server's reply builder, ntp_server_reply, with the
 * promises tsyncd's server role rests on checked on every input: never a
 * reply larger than its request, never one to mode 6/7, mode 4, origin =
 * the request's transmit, and nothing written when there is no reply.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_server.h"

/* Input: the server's own state, then the request datagram.
 *   u8 leap, u8 stratum, i8 precision, u8 flags (bit 0: dispersion ages),
 *   u32 refid, u64 ref_time, u64 root_delay, u64 root_disp, u64 t1
 *   (the four times taken modulo 2^62 ns: a clock's, through 2116),
 *   then the request: the rest of the input. */
#define TIME_MASK ((UINT64_C(1) << 62) - 1)

static void read_state(struct fuzz_in *in, struct ntp_server_state *st, int64_t *t1)
{
	st->leap = (uint8_t)(fuzz_uint(in, 1) & 3);
	st->stratum = (uint8_t)fuzz_uint(in, 1);
	st->precision = (int8_t)fuzz_uint(in, 1);
	st->disp_ages = fuzz_uint(in, 1) & 1;
	st->refid = (uint32_t)fuzz_uint(in, 4);
	st->ref_time = (int64_t)(fuzz_uint(in, 8) & TIME_MASK);
	st->root_delay = (int64_t)(fuzz_uint(in, 8) & TIME_MASK);
	st->root_disp = (int64_t)(fuzz_uint(in, 8) & TIME_MASK);
	*t1 = (int64_t)(fuzz_uint(in, 8) & TIME_MASK);
}

static void check_reply(const struct ntp_server_state *st, const uint8_t *req, size_t req_len,
			int64_t t1, const uint8_t *out, size_t out_len)
{
	struct ntp_pkt q, r;

	FUZZ_CHECK(out_len == NTP_PKT_LEN && out_len <= req_len);
	FUZZ_CHECK((req[0] & 7) == NTP_MODE_CLIENT);
	FUZZ_CHECK(ntp_pkt_decode(&q, req, req_len) == NTP_PKT_OK);
	FUZZ_CHECK(ntp_pkt_decode(&r, out, out_len) == NTP_PKT_OK);
	FUZZ_CHECK(r.mode == NTP_MODE_SERVER);
	FUZZ_CHECK(r.version == q.version && r.poll == q.poll);
	FUZZ_CHECK(r.org == fuzz_get64(req + 40));
	FUZZ_CHECK(r.rec == ntp_ts_from_ns(t1) && r.xmt == 0);
	FUZZ_CHECK(r.refid == st->refid && r.precision == st->precision);
	/* Never a Kiss-o'-Death by accident, never synchronised at 16. */
	FUZZ_CHECK(r.stratum >= 1 && r.stratum <= NTP_MAX_STRATUM);
	FUZZ_CHECK((r.leap == NTP_LEAP_UNSYNC) == (r.stratum == NTP_MAX_STRATUM));
	/* The dispersion only ever grows with age. */
	FUZZ_CHECK(r.root_disp >= ntp_short_from_ns(st->root_disp));
	FUZZ_CHECK(r.root_delay == ntp_short_from_ns(st->root_delay));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { .p = data, .len = size };
	struct ntp_server_state st = { 0 };
	uint8_t out[256], untouched[sizeof(out)];
	size_t req_len, out_len = 0;
	int64_t t1;

	read_state(&in, &st, &t1);
	/* The input's tail: libFuzzer's copy of it ends there, so that ASan
	 * sees any read past the request. */
	const uint8_t *req = fuzz_bytes(&in, size, &req_len);
	memset(out, 0xa5, sizeof(out));
	memcpy(untouched, out, sizeof(out));

	int res = ntp_server_reply(&st, req, req_len, t1, out, &out_len);
	FUZZ_CHECK(res >= 0 && res < NTP_SERVER_N_RESULTS);
	FUZZ_CHECK(ntp_server_result_name(res)[0] != '\0');
	if (req_len > 0 && ((req[0] & 7) == NTP_MODE_CONTROL || (req[0] & 7) == NTP_MODE_PRIVATE))
		FUZZ_CHECK(res == NTP_SERVER_DROP_CONTROL);
	if (res == NTP_SERVER_REPLY) {
		check_reply(&st, req, req_len, t1, out, out_len);
	} else if (res <= NTP_SERVER_DROP_MODE) {
		FUZZ_CHECK(memcmp(out, untouched, sizeof(out)) == 0);
		return 0;
	}
	/* Any answer (the results past the drops are answers too): no
	 * amplification, and nothing written past its end. */
	FUZZ_CHECK(out_len > 0 && out_len <= req_len && out_len <= sizeof(out));
	FUZZ_CHECK(memcmp(out + out_len, untouched + out_len, sizeof(out) - out_len) == 0);
	return 0;
}
