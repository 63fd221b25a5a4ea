/*
 * tsync's JSON writer: members are written as they come, a comma before
 * each but the first of its container, so that a renderer is a list of
 * calls in the order of the documented schema.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "print.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_ts.h"

/* The length of the valid UTF-8 sequence at s (2 to 4), or 0: no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] > 0xf4 ? 0 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void json_quote(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		int n = *s >= 0x80 ? utf8_len(s) : 1;

		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
		} else if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else {
			fwrite(s, 1, (size_t)n, f);
			s += n;
		}
	}
	fputc('"', f);
}

/* The comma and the name before a member. */
static void key(struct json *j, const char *k)
{
	if (j->depth > 0 && j->more[j->depth - 1])
		fputc(',', j->f);
	if (j->depth > 0)
		j->more[j->depth - 1] = true;
	if (k != NULL) {
		json_quote(j->f, k);
		fputc(':', j->f);
	}
}

static void push(struct json *j, const char *k, char open, char close)
{
	key(j, k);
	assert(j->depth < JSON_DEPTH_MAX);
	fputc(open, j->f);
	j->more[j->depth] = false;
	j->close[j->depth++] = close;
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	push(j, NULL, '{', '}');
}

void json_end(struct json *j)
{
	assert(j->depth > 0);
	fputc(j->close[--j->depth], j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_object(struct json *j, const char *k)
{
	push(j, k, '{', '}');
}

void json_array(struct json *j, const char *k)
{
	push(j, k, '[', ']');
}

void json_string(struct json *j, const char *k, const char *s)
{
	if (s == NULL) {
		json_null(j, k);
		return;
	}
	key(j, k);
	json_quote(j->f, s);
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	fputs("null", j->f);
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}

void json_int(struct json *j, const char *k, int64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, const char *k, uint64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRIu64, v);
}

void json_id_or_null(struct json *j, const char *k, uint64_t id)
{
	if (id == 0)
		json_null(j, k);
	else
		json_uint(j, k, id);
}

/* The fewest digits that read back as v: 1e-05, not 1.0000000000000001e-05. */
void json_double(struct json *j, const char *k, double v)
{
	char b[32];

	if (!isfinite(v))
		v = 0.0;
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(b, sizeof(b), "%.*g", digits, v);
		if (strtod(b, NULL) == v)
			break;
	}
	key(j, k);
	fputs(b, j->f);
}

void json_secs(struct json *j, const char *k, int64_t ns)
{
	char b[NTP_SECS_STRLEN];

	key(j, k);
	fputs(ntp_secs_format(ns, false, b), j->f);
}

void json_time(struct json *j, const char *k, int64_t unix_ns, bool never)
{
	char b[NTP_TS_STRLEN];

	if (never && unix_ns == 0)
		json_null(j, k);
	else
		json_string(j, k, ntp_ts_format(unix_ns, b, sizeof(b)));
}

void json_refid(struct json *j, const char *k, uint32_t refid, uint8_t stratum)
{
	char b[16];

	json_string(j, k, refid == 0 ? NULL : ntp_refid_format(refid, stratum, b));
}

void json_leap(struct json *j, const char *k, uint8_t leap)
{
	json_string(j, k, print_leap_name(leap));
}
