/*
 * Fuzz target: the control protocol (ctl_proto, and the Berkeley snapshot
 * it carries): framing of requests and replies as the bytes trickle in,
 * and every payload decoder, whose accepted input must encode back to
 * exactly the same bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "render.h"
#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

/* Input: u8 what (modulo 7), then the bytes:
 *   0 a request read from a connection, 1 a reply read by tsync,
 *   2 a STATUS payload, 3 a SOURCES payload, 4 a BERKELEY payload,
 *   5 a STATS payload, 6 an ONLINE/OFFLINE argument. */
enum what { REQUEST, REPLY, STATUS, SOURCES, BERKELEY, STATS, ARG, N_WHAT };

/* However the bytes are split into reads: more is wanted until the
 * message is whole or wrong, and then the verdict stays. */
static void check_framing(const uint8_t *b, size_t len, bool is_reply)
{
	size_t max = is_reply ? CTL_REPLY_PAYLOAD_MAX : CTL_REQUEST_PAYLOAD_MAX;
	enum ctl_frame first = CTL_FRAME_MORE;

	for (size_t k = 0; k <= len; k++) {
		struct ctl_header h;
		enum ctl_code code;
		enum ctl_frame f = ctl_frame_check(b, k, is_reply, max, &h, &code);

		FUZZ_CHECK((unsigned)code < CTL_N_CODES && ctl_code_name(code) != NULL);
		if (first != CTL_FRAME_MORE)
			FUZZ_CHECK(f == first);
		first = f;
		if (f == CTL_FRAME_ERROR)
			FUZZ_CHECK(code != CTL_OK);
		if (f != CTL_FRAME_COMPLETE)
			continue;
		FUZZ_CHECK(code == CTL_OK && k >= CTL_HDR_LEN && h.length <= max &&
			   k - CTL_HDR_LEN >= h.length);
		FUZZ_CHECK(h.magic == CTL_MAGIC && h.version == CTL_VERSION);
		FUZZ_CHECK(h.flags == (is_reply ? CTL_FLAG_REPLY : 0));
		uint8_t again[CTL_HDR_LEN];
		ctl_header_encode(&h, again);
		FUZZ_CHECK(memcmp(again, b, CTL_HDR_LEN) == 0);
		(void)ctl_command_name(h.command);
	}
}

static void check_status(const uint8_t *b, size_t len)
{
	struct ctl_status st;
	uint8_t out[CTL_STATUS_WIRE_MAX];

	if (ctl_status_decode(b, len, &st) != 0)
		return;
	FUZZ_CHECK(strlen(st.reference) <= CTL_STR_MAX && strlen(st.clock) <= CTL_STR_MAX);
	FUZZ_CHECK(ctl_selection_name(st.selection)[0] != '?');
	FUZZ_CHECK(ctl_status_encode(&st, out, sizeof(out)) == (int)len);
	FUZZ_CHECK(memcmp(out, b, len) == 0);
}

static void check_sources(const uint8_t *b, size_t len)
{
	static struct ctl_source src[CTL_SOURCES_MAX];
	static uint8_t out[CTL_SOURCES_WIRE_MAX];
	int n;

	if (ctl_sources_decode(b, len, src, CTL_SOURCES_MAX, &n) != 0)
		return;
	FUZZ_CHECK(n >= 0 && n <= CTL_SOURCES_MAX);
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(ctl_source_state_name(src[i].state)[0] != '?');
	FUZZ_CHECK(ctl_sources_encode(src, n, out, sizeof(out)) == (int)len);
	FUZZ_CHECK(memcmp(out, b, len) == 0);
}

/* tsync prints what it decoded, as text and as JSON (its renderers). */
static void check_berkeley(const uint8_t *b, size_t len)
{
	static struct brk_status st;
	static uint8_t out[BRK_STATUS_WIRE_MAX];
	FILE *sink = fuzz_devnull();

	if (brk_status_decode(b, len, &st) != 0)
		return;
	FUZZ_CHECK(st.n_members >= 0 && st.n_members <= BRK_MAX_MEMBERS);
	FUZZ_CHECK(brk_status_encode(&st, out, sizeof(out)) == (int)len);
	FUZZ_CHECK(memcmp(out, b, len) == 0);
	render_berkeley_text(sink, &st);
	render_berkeley_json(sink, &st);
	FUZZ_CHECK(!ferror(sink));
}

/* What tsync stats prints from: every count and string within bounds. */
static void check_stats(const uint8_t *b, size_t len)
{
	static struct ctl_stats st;

	if (ctl_stats_decode(b, len, &st) != 0)
		return;
	FUZZ_CHECK(st.n_groups >= 0 && st.n_groups <= CTL_STATS_GROUPS_MAX);
	for (int i = 0; i < st.n_groups; i++) {
		const struct ctl_stats_group *g = &st.group[i];
		FUZZ_CHECK(g->name[0] != '\0' && strlen(g->name) <= CTL_STR_MAX);
		FUZZ_CHECK(g->n_names >= 0 && g->n_names <= CTL_STATS_NAMES_MAX);
		FUZZ_CHECK(g->n_instances >= 0 && g->n_instances <= CTL_STATS_INSTANCES_MAX);
		for (int k = 0; k < g->n_names; k++)
			FUZZ_CHECK(g->names[k][0] != '\0' && strlen(g->names[k]) <= CTL_STR_MAX);
	}
}

static void check_arg(const uint8_t *b, size_t len)
{
	char s[CTL_STR_MAX + 1];
	uint8_t out[CTL_STR_MAX + 1];

	if (ctl_str_decode(b, len, s) != 0)
		return;
	FUZZ_CHECK(ctl_str_encode(s, out, sizeof(out)) == (int)len);
	FUZZ_CHECK(memcmp(out, b, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *b = data + 1;
	size_t len = size - 1;

	switch (data[0] % N_WHAT) {
	case REQUEST: check_framing(b, len, false); break;
	case REPLY: check_framing(b, len, true); break;
	case STATUS: check_status(b, len); break;
	case SOURCES: check_sources(b, len); break;
	case STATS: check_stats(b, len); break;
	case ARG: check_arg(b, len); break;
	default: check_berkeley(b, len); break;
	}
	return 0;
}
