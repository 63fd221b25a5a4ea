/*
 * Unit tests of tsync's renderers: the text and JSON of status, sources
 * and berkeley exactly, the JSON writer's forms (seconds, times, refids,
 * null), and strings that are not clean ASCII still giving valid JSON.
 */
#include "unit.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "render.h"
#include "tsync/ntp_pkt.h"

static char *out;
static size_t out_len;
static FILE *f;

static void start(void)
{
	free(out);
	out = NULL;
	f = open_memstream(&out, &out_len);
	ck_assert_ptr_nonnull(f);
}

static const char *done(void)
{
	fclose(f);
	return out;
}

static void teardown(void)
{
	free(out);
	out = NULL;
}

static const struct ctl_status synced = {
	.synchronised = true, .leap = 0, .stratum = 3, .poll = -4,
	.refid = NTP_REFID(192, 0, 2, 1), .reference = "192.0.2.1:123",
	.offset_ns = -1234567, .freq_ppm = -12.5, .root_delay_ns = 2000000,
	.root_disp_ns = 15000, .last_update_ns = 1796407200123456789LL, .n_sources = 3,
	.selection = CTL_SEL_MAJORITY, .clock = "sim",
};

START_TEST(status_json)
{
	start();
	render_status_json(f, &synced);
	ck_assert_str_eq(done(),
		"{\"synchronised\":true,\"leap\":\"none\",\"stratum\":3,\"refid\":\"192.0.2.1\","
		"\"reference\":\"192.0.2.1:123\",\"offset\":-0.001234567,\"frequency_ppm\":-12.5,"
		"\"root_delay\":0.002000000,\"root_dispersion\":0.000015000,"
		"\"last_update\":\"2026-12-04T18:00:00.123456789Z\",\"poll\":0.062500000,"
		"\"poll_log2\":-4,\"source_count\":3,\"selection\":\"majority\",\"clock\":\"sim\"}\n");
}
END_TEST

/* Nothing known is null, not a zero that looks like a value. */
START_TEST(status_json_unsynchronised)
{
	struct ctl_status st = { .leap = 3, .stratum = 16, .clock = "readonly" };
	start();
	render_status_json(f, &st);
	ck_assert_str_eq(done(),
		"{\"synchronised\":false,\"leap\":\"unsynchronised\",\"stratum\":16,\"refid\":null,"
		"\"reference\":null,\"offset\":0.000000000,\"frequency_ppm\":0,"
		"\"root_delay\":0.000000000,\"root_dispersion\":0.000000000,\"last_update\":null,"
		"\"poll\":1.000000000,\"poll_log2\":0,\"source_count\":0,\"selection\":\"none\","
		"\"clock\":\"readonly\"}\n");
}
END_TEST

START_TEST(status_text)
{
	start();
	render_status_text(f, &synced);
	ck_assert_str_eq(done(),
		"synchronised     yes\n"
		"leap             none\n"
		"stratum          3\n"
		"reference        192.0.2.1 (192.0.2.1:123)\n"
		"offset           -0.001234567 s\n"
		"frequency        -12.500000 ppm\n"
		"root delay       0.002000000 s\n"
		"root dispersion  0.000015000 s\n"
		"last update      2026-12-04T18:00:00.123456789Z\n"
		"poll             -4 (1/16 s)\n"
		"sources          3\n"
		"selection        majority\n"
		"clock            sim\n");
}
END_TEST

static const struct ctl_source two[2] = {
	{ .address = "192.0.2.1:123", .state = CTL_SRC_SELECTED, .stratum = 2, .poll = 6,
	  .reach = 0xfe, .refid = NTP_REFID(10, 0, 0, 1), .offset_ns = 1500000012,
	  .delay_ns = 250000, .jitter_ns = 12, .key_id = 7, .auth_rejected = 2 },
	{ .address = "[2001:db8::1]:123", .state = CTL_SRC_UNREACHABLE, .stratum = 1,
	  .poll = 10, .refid = NTP_REFID('G', 'P', 'S', 0), .offset_ns = -3 },
};

START_TEST(sources_json)
{
	start();
	render_sources_json(f, two, 2);
	ck_assert_str_eq(done(),
		"{\"sources\":[{\"address\":\"192.0.2.1:123\",\"state\":\"selected\",\"stratum\":2,"
		"\"poll\":64.000000000,\"poll_log2\":6,\"reach\":254,\"refid\":\"10.0.0.1\","
		"\"offset\":1.500000012,\"delay\":0.000250000,\"jitter\":0.000000012,\"key\":7,"
		"\"auth_rejected\":2},"
		"{\"address\":\"[2001:db8::1]:123\",\"state\":\"unreachable\",\"stratum\":1,"
		"\"poll\":1024.000000000,\"poll_log2\":10,\"reach\":0,\"refid\":\"GPS\","
		"\"offset\":-0.000000003,\"delay\":0.000000000,\"jitter\":0.000000000,\"key\":null,"
		"\"auth_rejected\":0}]}\n");
	start();
	render_sources_json(f, two, 0);
	ck_assert_str_eq(done(), "{\"sources\":[]}\n");
}
END_TEST

START_TEST(sources_text)
{
	start();
	render_sources_text(f, two, 1);
	ck_assert_str_eq(done(),
		"STATE        ST POLL    REACH        OFFSET/s        DELAY/s       JITTER/s "
		"REFID           ADDRESS\n"
		"selected      2    6 11111110    +1.500000012    0.000250000    0.000000012 "
		"10.0.0.1        192.0.2.1:123\n");
	start();
	render_sources_text(f, two, 0);
	ck_assert_str_eq(done(), "no sources\n");
}
END_TEST

static struct brk_status master(void)
{
	struct brk_status st = { .role = BRK_ROLE_MASTER, .state = BRK_ST_MASTER, .node = 0xab,
				 .priority = 7, .master = 0xab, .round = 0x1234, .rounds = 3,
				 .average = 2, .n_in = 2, .n_members = 1 };
	st.member[0] = (struct brk_status_member){ .node = 0xcd, .offset = -1500000, .rtt = 25000,
						   .adjust = 1500000, .state = BRK_MB_ACKED,
						   .in_set = true,
						   .addr = { .family = AF_INET, .port = 525 } };
	inet_pton(AF_INET, "10.0.0.2", st.member[0].addr.addr);
	st.count.drop[BRK_DROP_REPLAY] = 5;
	st.count.applied = 9;
	return st;
}

START_TEST(berkeley_text)
{
	struct brk_status st = master();
	start();
	render_berkeley_text(f, &st);
	ck_assert_str_eq(done(),
		"role         master, priority 7\n"
		"state        master\n"
		"node         00000000000000ab\n"
		"master       00000000000000ab -\n"
		"round        0000000000001234 (3 run as master)\n"
		"average      +0.000000002 s of 2 clocks\n"
		"last applied +0.000000000 s\n"
		"members      1 (offset: the master's clock minus the member's; adjust: added to "
		"the member's)\n"
		"  00000000000000cd 10.0.0.2:525           offset +0.001500000 s rtt 0.000025000 s "
		"adjust +0.001500000 s acked missed 0\n");
}
END_TEST

START_TEST(berkeley_json)
{
	struct brk_status st = master();
	start();
	render_berkeley_json(f, &st);
	const char *s = done();
	ck_assert_ptr_nonnull(strstr(s,
		"{\"role\":\"master\",\"state\":\"master\",\"priority\":7,\"node\":\"00000000000000ab\","
		"\"master\":\"00000000000000ab\",\"master_address\":null,\"round\":\"0000000000001234\","
		"\"rounds\":3,\"average\":0.000000002,\"in_set_count\":2,\"last_applied\":0.000000000,"
		"\"ntp_synchronised\":false,"
		"\"members\":[{\"node\":\"00000000000000cd\",\"address\":\"10.0.0.2:525\","
		"\"offset\":0.001500000,\"delay\":0.000025000,\"adjust\":0.001500000,"
		"\"state\":\"acked\",\"in_set\":true,\"missed\":0}],"
		"\"counters\":{\"polls_sent\":0,"));
	ck_assert_ptr_nonnull(strstr(s, ",\"applied\":9,"));
	ck_assert_ptr_nonnull(strstr(s, ",\"drop_replay\":5,"));
	ck_assert_ptr_null(strstr(s, "+"));
	ck_assert_int_eq(s[strlen(s) - 2], '}');
	ck_assert_int_eq(s[strlen(s) - 1], '\n');
}
END_TEST

/* A member offset of INT64_MIN, which a daemon may send, has no
 * negation: it is shown saturated, in text, JSON and CSV alike, with no
 * undefined behaviour (the fuzz target under UBSan found it). */
START_TEST(berkeley_offset_int64_min)
{
	struct brk_status st = master();
	st.member[0].offset = INT64_MIN;
	start();
	render_berkeley_text(f, &st);
	ck_assert_ptr_nonnull(strstr(done(), " offset +9223372036.854775807 s "));
	start();
	render_berkeley_json(f, &st);
	ck_assert_ptr_nonnull(strstr(done(), "\"offset\":9223372036.854775807,"));
	start();
	render_berkeley_csv(f, &st);
	ck_assert_ptr_nonnull(strstr(done(), ",member,+9223372036.854775807,"));
}
END_TEST

/* A slave knows its master's address; a node in no group, no master. */
START_TEST(berkeley_json_slave)
{
	struct brk_status st = { .role = BRK_ROLE_SLAVE, .state = BRK_ST_SLAVE, .node = 1,
				 .master = 0x99, .ntp_synced = true, .last_applied = -7,
				 .master_addr = { .family = AF_INET6, .port = 525, .scope = 2 } };
	st.master_addr.addr[0] = 0xfe;
	st.master_addr.addr[1] = 0x80;
	st.master_addr.addr[15] = 1;
	start();
	render_berkeley_json(f, &st);
	const char *s = done();
	ck_assert_ptr_nonnull(strstr(s, "\"master\":\"0000000000000099\","
					"\"master_address\":\"[fe80::1%2]:525\","));
	ck_assert_ptr_nonnull(strstr(s, "\"last_applied\":-0.000000007,\"ntp_synchronised\":true,"
					"\"members\":[],"));
	struct brk_status none = { .role = BRK_ROLE_NONE };
	start();
	render_berkeley_json(f, &none);
	ck_assert_ptr_nonnull(strstr(done(), "\"master\":null,\"master_address\":null,"));
}
END_TEST

static const char *quoted(const char *s)
{
	start();
	json_quote(f, s);
	return done();
}

/* Whatever a host name or a path holds, the string stays valid JSON. */
START_TEST(quote)
{
	ck_assert_str_eq(quoted("plain"), "\"plain\"");
	ck_assert_str_eq(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(quoted("\t\n\x01\x7f"), "\"\\u0009\\u000a\\u0001\\u007f\"");
	ck_assert_str_eq(quoted("/tmp/\xc3\xbc/s\xe2\x82\xac\xf0\x9f\x95\x90"),
			 "\"/tmp/\xc3\xbc/s\xe2\x82\xac\xf0\x9f\x95\x90\"");
	/* A lone continuation, a cut sequence, an overlong '/', a surrogate,
	 * past U+10FFFF. */
	ck_assert_str_eq(quoted("a\x80z"), "\"a\\ufffdz\"");
	ck_assert_str_eq(quoted("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

/* Nested containers get their commas; never is null, a time a string. */
START_TEST(writer)
{
	struct json j;
	start();
	json_begin(&j, f);
	json_array(&j, "a");
	json_int(&j, NULL, -1);
	json_object(&j, NULL);
	json_end(&j);
	json_uint(&j, NULL, UINT64_MAX);
	json_end(&j);
	json_time(&j, "never", 0, true);
	json_time(&j, "epoch", 0, false);
	json_secs(&j, "s", INT64_MIN);
	json_refid(&j, "kod", NTP_REFID('R', 'A', 'T', 'E'), 0);
	json_leap(&j, "leap", 2);
	json_string(&j, "n", NULL);
	json_bool(&j, "b", false);
	json_double(&j, "ppm", 1e-5);
	json_double(&j, "third", 1.0 / 3);
	json_end(&j);
	ck_assert_str_eq(done(),
		"{\"a\":[-1,{},18446744073709551615],\"never\":null,"
		"\"epoch\":\"1970-01-01T00:00:00.000000000Z\",\"s\":-9223372036.854775808,"
		"\"kod\":\"RATE\",\"leap\":\"delete\",\"n\":null,\"b\":false,\"ppm\":1e-05,"
		"\"third\":0.3333333333333333}\n");
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, status_json);
	tcase_add_test(tc, status_json_unsynchronised);
	tcase_add_test(tc, status_text);
	tcase_add_test(tc, sources_json);
	tcase_add_test(tc, sources_text);
	tcase_add_test(tc, berkeley_text);
	tcase_add_test(tc, berkeley_json);
	tcase_add_test(tc, berkeley_offset_int64_min);
	tcase_add_test(tc, berkeley_json_slave);
	tcase_add_test(tc, quote);
	tcase_add_test(tc, writer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(render_suite());
}
