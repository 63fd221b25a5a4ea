/*
 * Unit tests of the metrics endpoint's pure parts: the exposition of a
 * known state, line for line, and the HTTP request judge on good,
 * partial, oversized and hostile heads.
 */
#include "unit.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tsync/http_req.h"
#include "tsync/metrics.h"

static char out[1 << 16];

static const struct ctr_desc rows[] = {
	{ "received", "NTP requests received", 0, 0, NULL, false },
	{ "open", "connections open now", 0, 0, NULL, true },
};
static const struct ctr_group srv = { "server", "", NULL, rows, 2 };
static const struct ctr_group src_grp = { "source", "", "address", rows, 1 };

static void render_known(const struct brk_status *brk)
{
	static uint64_t n1 = 42, n2 = 7;
	static struct ctr_instance one = { .part = { &n1 }, .label = "" };
	static struct ctr_instance two = { .part = { &n2 }, .label = "a\"b\\" };
	struct ctl_stats_view views[2] = { { &srv, &one, 1 }, { &src_grp, &two, 1 } };
	struct ctl_status st = {
		.synchronised = true, .leap = 1, .stratum = 2, .poll = -2, .offset_ns = -1500000001,
		.freq_ppm = -12.5, .root_delay_ns = 250000, .root_disp_ns = 1000000000,
	};
	struct ctl_source src = { .address = "192.0.2.1:123", .state = CTL_SRC_CANDIDATE,
				  .stratum = 1, .poll = 6, .reach = 0377, .offset_ns = 1,
				  .delay_ns = 2000, .jitter_ns = 999999999 };
	struct metrics_input in = { .status = &st, .src = &src, .n_src = 1, .brk = brk,
				    .views = views, .n_views = 2 };

	ck_assert_int_gt(metrics_render(&in, out, sizeof(out)), 0);
}

static void has_line(const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	ck_assert_msg(strstr(out, want) != NULL, "missing line: %s", line);
}

START_TEST(system_figures_in_base_units)
{
	render_known(NULL);
	ck_assert(strncmp(out, "# HELP tsync_system_offset_seconds ", 35) == 0);
	has_line("# TYPE tsync_system_offset_seconds gauge");
	has_line("tsync_system_offset_seconds -1.500000001");
	has_line("tsync_system_frequency_ratio -1.25e-05");
	has_line("tsync_system_root_delay_seconds 0.000250000");
	has_line("tsync_system_root_dispersion_seconds 1.000000000");
	has_line("tsync_system_stratum 2");
	has_line("tsync_system_leap_indicator 1");
	has_line("tsync_system_synchronised 1");
	has_line("tsync_system_poll_interval_seconds 0.25");
	ck_assert(strstr(out, "berkeley") == NULL);
}
END_TEST

START_TEST(source_figures)
{
	render_known(NULL);
	has_line("tsync_source_offset_seconds{address=\"192.0.2.1:123\"} 0.000000001");
	has_line("tsync_source_delay_seconds{address=\"192.0.2.1:123\"} 0.000002000");
	has_line("tsync_source_jitter_seconds{address=\"192.0.2.1:123\"} 0.999999999");
	has_line("tsync_source_reach{address=\"192.0.2.1:123\"} 255");
	has_line("tsync_source_stratum{address=\"192.0.2.1:123\"} 1");
	has_line("tsync_source_poll_interval_seconds{address=\"192.0.2.1:123\"} 64");
	has_line("tsync_source_state{address=\"192.0.2.1:123\",state=\"candidate\"} 1");
	has_line("tsync_source_state{address=\"192.0.2.1:123\",state=\"selected\"} 0");
}
END_TEST

START_TEST(counters_as_total_with_escaped_labels)
{
	render_known(NULL);
	has_line("# HELP tsync_server_received_total NTP requests received");
	has_line("# TYPE tsync_server_received_total counter");
	has_line("tsync_server_received_total 42");
	has_line("tsync_source_received_total{address=\"a\\\"b\\\\\"} 7");
}
END_TEST

START_TEST(gauge_rows_keep_their_name)
{
	render_known(NULL);
	has_line("# HELP tsync_server_open connections open now");
	has_line("# TYPE tsync_server_open gauge");
	has_line("tsync_server_open 42");
	ck_assert(strstr(out, "tsync_server_open_total") == NULL);
}
END_TEST

START_TEST(berkeley_figures)
{
	static struct brk_status b;

	memset(&b, 0, sizeof(b));
	b.state = BRK_ST_MASTER;
	b.n_members = 1;
	b.n_in = 2;
	b.average = -250000;
	b.round = 17;
	b.member[0].node = 0xabc;
	b.member[0].offset = 3000000;
	b.member[0].rtt = 400000;
	render_known(&b);
	has_line("tsync_berkeley_state{state=\"master\"} 1");
	has_line("tsync_berkeley_state{state=\"slave\"} 0");
	has_line("tsync_berkeley_members 1");
	has_line("tsync_berkeley_average_clocks 2");
	has_line("tsync_berkeley_average_seconds -0.000250000");
	ck_assert(strstr(out, "tsync_berkeley_round ") == NULL); /* an id, not a figure */
	has_line("tsync_berkeley_member_offset_seconds{node=\"0000000000000abc\",address=\"-\"} "
		 "0.003000000");
}
END_TEST

START_TEST(too_small_is_enospc)
{
	struct ctl_status st = { .stratum = 16 };
	struct metrics_input in = { .status = &st };
	int n = metrics_render(&in, out, sizeof(out));

	ck_assert_int_gt(n, 0);
	for (size_t cap = 0; cap <= (size_t)n; cap += 97)
		ck_assert_int_eq(metrics_render(&in, out, cap), -ENOSPC);
	ck_assert_int_eq(metrics_render(&in, out, (size_t)n), -ENOSPC); /* no room for NUL */
	ck_assert_int_eq(metrics_render(&in, out, (size_t)n + 1), n);
}
END_TEST

static enum http_verdict judge(const char *s)
{
	return http_req_judge(s, strlen(s)).verdict;
}

START_TEST(http_good_requests)
{
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), HTTP_OK);
	ck_assert_int_eq(judge("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), HTTP_OK);
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\n\n"), HTTP_OK);
	const char *head = "HEAD /metrics HTTP/1.1\r\n\r\n";
	struct http_req r = http_req_judge(head, strlen(head));
	ck_assert_int_eq(r.verdict, HTTP_OK);
	ck_assert(r.head);
	ck_assert_int_eq(judge("GET / HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	ck_assert_int_eq(judge("GET /metricsx HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
}
END_TEST

START_TEST(http_partial_then_whole)
{
	const char *req = "GET /metrics HTTP/1.1\r\nUser-Agent: curl\r\n\r\n";
	size_t n = strlen(req);

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(http_req_judge(req, i).verdict, HTTP_MORE);
	ck_assert_int_eq(http_req_judge(req, n).verdict, HTTP_OK);
}
END_TEST

START_TEST(http_hostile)
{
	static char big[HTTP_REQ_MAX + 10];

	ck_assert_int_eq(judge("garbage\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("GET /metrics\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("GET  /metrics HTTP/1.1\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("G(T /metrics HTTP/1.1\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("GET /met rics HTTP/1.1\r\n"), HTTP_BAD);
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1x\r\n"), HTTP_BAD);
	ck_assert_int_eq(http_req_judge("GET /\0 HTTP/1.1\r\n\r\n", 19).verdict, HTTP_BAD);
	ck_assert_int_eq(judge("GET /metrics HTTP/2.0\r\n"), HTTP_VERSION);
	ck_assert_int_eq(judge("POST /metrics HTTP/1.1\r\n"), HTTP_METHOD);
	/* Judged on the first line, before the headers end. */
	ck_assert_int_eq(judge("DELETE /metrics HTTP/1.1\r\nHost: x\r\n"), HTTP_METHOD);
	/* No line end in HTTP_REQ_MAX bytes; a first line, then endless headers. */
	memset(big, 'A', sizeof(big));
	ck_assert_int_eq(http_req_judge(big, HTTP_REQ_MAX - 1).verdict, HTTP_MORE);
	ck_assert_int_eq(http_req_judge(big, HTTP_REQ_MAX).verdict, HTTP_TOO_LARGE);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	ck_assert_int_eq(http_req_judge(big, HTTP_REQ_MAX - 1).verdict, HTTP_MORE);
	ck_assert_int_eq(http_req_judge(big, HTTP_REQ_MAX).verdict, HTTP_TOO_LARGE);
}
END_TEST

START_TEST(http_response_heads)
{
	char h[256];
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			 "Content-Length: 12\r\nConnection: close\r\n\r\n";

	ck_assert_int_eq(http_response_head(HTTP_OK, 12, h, sizeof(h)), (int)strlen(ok));
	ck_assert_str_eq(h, ok);
	ck_assert_int_gt(http_response_head(HTTP_METHOD, 3, h, sizeof(h)), 0);
	ck_assert(strstr(h, "HTTP/1.1 405 Method Not Allowed\r\n") == h);
	ck_assert(strstr(h, "\r\nAllow: GET, HEAD\r\n") != NULL);
	ck_assert_int_eq(http_response_head(HTTP_OK, 12, h, 20), -ENOSPC);
	ck_assert_str_eq(http_error_body(HTTP_TOO_LARGE), "431 request header fields too large\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, system_figures_in_base_units);
	tcase_add_test(tc, source_figures);
	tcase_add_test(tc, counters_as_total_with_escaped_labels);
	tcase_add_test(tc, gauge_rows_keep_their_name);
	tcase_add_test(tc, berkeley_figures);
	tcase_add_test(tc, too_small_is_enospc);
	tcase_add_test(tc, http_good_requests);
	tcase_add_test(tc, http_partial_then_whole);
	tcase_add_test(tc, http_hostile);
	tcase_add_test(tc, http_response_heads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
