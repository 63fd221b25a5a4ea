/*
 * Fuzz target: the metrics endpoint's HTTP request judge, fed the bytes
 * as they trickle in, as the daemon feeds it: more is wanted only while
 * the head may still be whole and within HTTP_REQ_MAX, a verdict is one of
 * the few it may be, 200 only for a GET or HEAD of /metrics, and every
 * verdict's response head fits the daemon's buffer.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/http_req.h"

static bool known(enum http_verdict v)
{
	return v == HTTP_MORE || v == HTTP_OK || v == HTTP_BAD || v == HTTP_NOT_FOUND ||
	       v == HTTP_METHOD || v == HTTP_TOO_LARGE || v == HTTP_VERSION;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	char head[256];

	if (size > HTTP_REQ_MAX)
		size = HTTP_REQ_MAX;
	for (size_t k = 0; k <= size; k++) {
		struct http_req r = http_req_judge(b, k);
		FUZZ_CHECK(known(r.verdict));
		if (r.verdict == HTTP_MORE) {
			FUZZ_CHECK(k < HTTP_REQ_MAX);
			continue;
		}
		if (r.verdict == HTTP_OK)
			FUZZ_CHECK(strncmp(b, r.head ? "HEAD /metrics" : "GET /metrics",
					   r.head ? 13 : 12) == 0);
		size_t body = r.verdict == HTTP_OK ? 1000000 : strlen(http_error_body(r.verdict));
		FUZZ_CHECK(http_response_head(r.verdict, body, head, sizeof(head)) > 0);
		break; /* the daemon answers and reads no further */
	}
	return 0;
}
