/*
 * Fuzz target: the leap-second list parser, leap_file_parse, and the
 * RFC 3339 time parser of `clock sim start`, leap_parse_utc. Input: the
 * text of a list; its first line (up to 40 bytes) is also tried as a time.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/leap.h"

#define FILE_NAME "fuzz.list"
#define ERR_MAX 512
#define NS INT64_C(1000000000)
#define YEAR_2201 INT64_C(7289654400) /* Unix s of 2201-01-01 */

/* "fuzz.list:N: text" or "fuzz.list: text", printable. */
static void check_message(const char *err, const uint8_t *data, size_t size)
{
	const char *msg;

	if (strncmp(err, FILE_NAME ": ", strlen(FILE_NAME) + 2) == 0)
		msg = err + strlen(FILE_NAME) + 2;
	else
		msg = fuzz_check_err_line(err, FILE_NAME, fuzz_count_lines(data, size));
	FUZZ_CHECK(*msg != '\0');
	for (const char *c = err; *c != '\0'; c++)
		FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
}

/* A list taken: every leap at the first midnight of a month, one second
 * each, in order, and found again by leap_file_at. */
static void check_table(const struct leap_table *t)
{
	FUZZ_CHECK(t->n >= 1 && t->n <= LEAP_FILE_MAX);
	for (int i = 0; i < t->n; i++) {
		FUZZ_CHECK(t->at[i] >= 0 && t->at[i] % LEAP_DAY_S == 0);
		FUZZ_CHECK(leap_last_day_of_month(t->at[i] * NS - 1));
		if (i == 0)
			continue;
		FUZZ_CHECK(t->at[i] > t->at[i - 1]);
		int step = t->tai[i] - t->tai[i - 1];
		FUZZ_CHECK(step == 1 || step == -1);
		FUZZ_CHECK(leap_file_at(t, t->at[i] * NS) == step);
	}
}

static void check_time(const uint8_t *data, size_t size)
{
	char s[41];
	size_t n = 0;
	int64_t t;

	while (n < size && n < sizeof(s) - 1 && data[n] != '\n')
		n++;
	memcpy(s, data, n);
	s[n] = '\0';
	if (leap_parse_utc(s, &t))
		FUZZ_CHECK(t >= 0 && t < YEAR_2201 * NS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct leap_table t;
	char err[ERR_MAX], small[24];

	check_time(data, size);
	int rc = leap_file_parse((const char *)data, size, FILE_NAME, &t, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(err[0] == '\0');
		check_table(&t);
		return 0;
	}
	FUZZ_CHECK(rc == -22 && t.n == 0);
	check_message(err, data, size);
	/* A short buffer gets the same message, cut, and still terminated. */
	FUZZ_CHECK(leap_file_parse((const char *)data, size, FILE_NAME, &t, small, sizeof(small)) ==
		   rc);
	FUZZ_CHECK(strlen(small) < sizeof(small) && strncmp(small, err, strlen(small)) == 0);
	return 0;
}
