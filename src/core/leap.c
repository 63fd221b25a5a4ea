/*
 * Leap seconds, pure: the sources' majority, tzdata's leap-seconds.list,
 * the calendar arithmetic a leap needs, and the small state machine that
 * arms a leap for the end of the day and says how each leapmode passes it.
 */
#include <errno.h>
#include <nettle/sha1.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tsync/leap.h"
#include "tsync/ntp_pkt.h"

#define NTP_SECONDS_MAX UINT32_MAX /* era 0 only: the list ends in 2036 */
#define LINE_MAX_LEN 1024
#define HASH_WORDS 5

static const char *const mode_names[LEAP_MODE_N] = {
	[LEAP_MODE_SYSTEM] = "system",
	[LEAP_MODE_STEP] = "step",
	[LEAP_MODE_SLEW] = "slew",
	[LEAP_MODE_IGNORE] = "ignore",
};

const char *leap_mode_name(enum leap_mode m)
{
	return (unsigned)m < LEAP_MODE_N ? mode_names[m] : "?";
}

bool leap_mode_parse(const char *s, enum leap_mode *m)
{
	for (int i = 0; i < LEAP_MODE_N; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*m = (enum leap_mode)i;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- vote */

uint8_t leap_vote(const uint8_t *leaps, int n)
{
	int ins = 0, del = 0;

	for (int i = 0; i < n; i++) {
		ins += leaps[i] == NTP_LEAP_INSERT;
		del += leaps[i] == NTP_LEAP_DELETE;
	}
	/* More than half: one server of three cannot make a leap alone. */
	if (2 * ins > n)
		return NTP_LEAP_INSERT;
	if (2 * del > n)
		return NTP_LEAP_DELETE;
	return NTP_LEAP_NONE;
}

uint8_t leap_vote_selected(const struct srcsel_cand *c, int n, int n_reachable)
{
	uint8_t leaps[SRCSEL_MAX_CAND];
	int k = 0;

	for (int i = 0; i < n && i < SRCSEL_MAX_CAND; i++)
		if (c[i].state == SRCSEL_SURVIVOR || c[i].state == SRCSEL_SYSPEER)
			leaps[k++] = c[i].leap;
	/* The sources that answer but were not kept count as "no leap". */
	for (; k < n_reachable && k < SRCSEL_MAX_CAND; k++)
		leaps[k] = NTP_LEAP_NONE;
	return leap_vote(leaps, k);
}

/* ---------------------------------------------------------------- calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil arithmetic). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The day of the month of a day count since 1970-01-01. */
static int day_of_month(int64_t z)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	return (int)(doy - (153 * mp + 2) / 5 + 1);
}

int64_t leap_day_end(int64_t now)
{
	return (floor_div(now, LEAP_DAY_S * LEAP_NS_PER_S) + 1) * LEAP_DAY_S * LEAP_NS_PER_S;
}

bool leap_last_day_of_month(int64_t now)
{
	return day_of_month(floor_div(now, LEAP_DAY_S * LEAP_NS_PER_S) + 1) == 1;
}

static bool digits(const char **s, int n, long lo, long hi, long *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return false;
		*v = *v * 10 + (**s - '0');
	}
	return *v >= lo && *v <= hi;
}

static bool expect(const char **s, const char *any)
{
	if (**s == '\0' || strchr(any, **s) == NULL)
		return false;
	(*s)++;
	return true;
}

static int days_in_month(long y, long m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap_year = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap_year ? 29 : days[m - 1];
}

/* ".frac" to ns, up to 9 digits. */
static bool fraction(const char **s, int64_t *ns)
{
	int n = 0;
	int64_t scale = LEAP_NS_PER_S;

	*ns = 0;
	if (**s != '.')
		return true;
	for ((*s)++; **s >= '0' && **s <= '9'; (*s)++, n++) {
		if (n == 9)
			return false;
		scale /= 10;
		*ns += (**s - '0') * scale;
	}
	return n > 0;
}

bool leap_parse_utc(const char *s, int64_t *ns)
{
	long y, mo, d, h, mi, sec;
	int64_t frac;

	if (!digits(&s, 4, 1970, 2200, &y) || !expect(&s, "-") || !digits(&s, 2, 1, 12, &mo) ||
	    !expect(&s, "-") || !digits(&s, 2, 1, 31, &d) || !expect(&s, "Tt") ||
	    !digits(&s, 2, 0, 23, &h) || !expect(&s, ":") || !digits(&s, 2, 0, 59, &mi) ||
	    !expect(&s, ":") || !digits(&s, 2, 0, 59, &sec) || !fraction(&s, &frac))
		return false;
	if (d > days_in_month(y, mo))
		return false;
	if (strcmp(s, "Z") != 0 && strcmp(s, "z") != 0 && strcmp(s, "+00:00") != 0)
		return false;
	int64_t days = days_from_civil(y, (int)mo, (int)d);
	*ns = ((days * 24 + h) * 60 + mi) * 60 * LEAP_NS_PER_S + sec * LEAP_NS_PER_S + frac;
	return true;
}

/* ---------------------------------------------------------------- the list */

struct lparse {
	struct leap_table *t;
	const char *name;
	unsigned long lineno;
	char *err;
	size_t errlen;
	struct sha1_ctx sha;
	uint32_t hash[HASH_WORDS];
	unsigned long hash_line, expires_line, updated_line;
};

static int lfail(struct lparse *p, bool with_line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lfail(struct lparse *p, bool with_line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -EINVAL;
	n = with_line ? snprintf(p->err, p->errlen, "%s:%lu: ", p->name, p->lineno)
		      : snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blank(const char *s, const char *end)
{
	while (s < end && blank(*s))
		s++;
	return s;
}

/* An unsigned decimal of at most max at s; *s moves past it. */
static bool number(const char **s, const char *end, uint64_t max, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		*v = *v * 10 + (uint64_t)(*p - '0');
		if (*v > max)
			return false;
	}
	if (p == *s)
		return false;
	*s = p;
	return true;
}

/* The hash covers the digits only, as ntpd and the list's README say. */
static void hash_digits(struct lparse *p, const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s >= '0' && *s <= '9')
			sha1_update(&p->sha, 1, (const uint8_t *)s);
}

/* "#$ N" or "#@ N": one NTP time, nothing else. */
static int time_line(struct lparse *p, const char *s, const char *end, unsigned long *line,
		     int64_t *out, const char *what)
{
	uint64_t v;

	if (*line)
		return lfail(p, true, "%s given twice (first on line %lu)", what, *line);
	*line = p->lineno;
	s = skip_blank(s, end);
	const char *start = s;
	if (!number(&s, end, NTP_SECONDS_MAX, &v) || skip_blank(s, end) != end)
		return lfail(p, true, "%s is not one number of NTP seconds", what);
	hash_digits(p, start, s);
	*out = (int64_t)v - LEAP_NTP_UNIX_S;
	return 0;
}

static bool hex_word(const char **s, const char *end, uint32_t *v)
{
	const char *p = *s;

	*v = 0;
	/* Leading zeros are left out in some copies: 1 to 8 digits. */
	for (; p < end && p - *s < 9; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
		      : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
		      : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
		if (d < 0)
			break;
		*v = *v << 4 | (uint32_t)d;
	}
	if (p == *s || p - *s > 8)
		return false;
	*s = p;
	return true;
}

static int hash_line(struct lparse *p, const char *s, const char *end)
{
	if (p->hash_line)
		return lfail(p, true, "hash (#h) given twice (first on line %lu)", p->hash_line);
	p->hash_line = p->lineno;
	for (int i = 0; i < HASH_WORDS; i++) {
		s = skip_blank(s, end);
		if (!hex_word(&s, end, &p->hash[i]))
			return lfail(p, true, "hash (#h) is not five hexadecimal words");
	}
	if (skip_blank(s, end) != end)
		return lfail(p, true, "hash (#h) is not five hexadecimal words");
	return 0;
}

/* A leap falls at a midnight that begins a month, and moves TAI - UTC by
 * one second either way. */
static int add_entry(struct lparse *p, int64_t at, int tai)
{
	struct leap_table *t = p->t;
	int64_t day = at / LEAP_DAY_S;

	if (t->n == LEAP_FILE_MAX)
		return lfail(p, true, "more than %d entries", LEAP_FILE_MAX);
	if (at % LEAP_DAY_S != 0 || day_of_month(day) != 1)
		return lfail(p, true, "not the first second of a month");
	if (t->n > 0 && at <= t->at[t->n - 1])
		return lfail(p, true, "not later than the entry before");
	if (t->n > 0 && tai - t->tai[t->n - 1] != 1 && tai - t->tai[t->n - 1] != -1)
		return lfail(p, true, "TAI-UTC changes by %d s, not by 1", tai - t->tai[t->n - 1]);
	t->at[t->n] = at;
	t->tai[t->n] = tai;
	t->n++;
	return 0;
}

static int data_line(struct lparse *p, const char *s, const char *end)
{
	const char *hash = memchr(s, '#', (size_t)(end - s));
	const char *stop = hash != NULL ? hash : end;
	uint64_t ntp, tai;

	s = skip_blank(s, stop);
	const char *start = s;
	if (!number(&s, stop, NTP_SECONDS_MAX, &ntp) || s == stop || !blank(*s))
		return lfail(p, true, "expected NTP seconds and TAI-UTC");
	s = skip_blank(s, stop);
	if (!number(&s, stop, 1000, &tai) || skip_blank(s, stop) != stop)
		return lfail(p, true, "expected NTP seconds and TAI-UTC");
	hash_digits(p, start, stop);
	int64_t at = (int64_t)ntp - LEAP_NTP_UNIX_S;
	if (at < 0)
		return lfail(p, true, "before 1970");
	return add_entry(p, at, (int)tai);
}

static int one_line(struct lparse *p, const char *s, const char *end)
{
	if (end - s > LINE_MAX_LEN)
		return lfail(p, true, "line longer than %d bytes", LINE_MAX_LEN);
	if (memchr(s, '\0', (size_t)(end - s)) != NULL)
		return lfail(p, true, "NUL byte in the line");
	if (end - s >= 2 && s[0] == '#' && s[1] == '$')
		return time_line(p, s + 2, end, &p->updated_line, &p->t->updated, "update (#$)");
	if (end - s >= 2 && s[0] == '#' && s[1] == '@')
		return time_line(p, s + 2, end, &p->expires_line, &p->t->expires, "expiry (#@)");
	if (end - s >= 2 && s[0] == '#' && s[1] == 'h')
		return hash_line(p, s + 2, end);
	if (s < end && s[0] == '#')
		return 0;
	if (skip_blank(s, end) == end)
		return 0;
	return data_line(p, s, end);
}

static int check_whole(struct lparse *p)
{
	uint8_t d[SHA1_DIGEST_SIZE];

	if (p->t->n == 0)
		return lfail(p, false, "no leap seconds listed");
	if (!p->expires_line)
		return lfail(p, false, "no expiry line (#@)");
	if (!p->hash_line)
		return 0;
	sha1_digest(&p->sha, sizeof(d), d);
	for (int i = 0; i < HASH_WORDS; i++) {
		uint32_t w = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 |
			     (uint32_t)d[4 * i + 2] << 8 | d[4 * i + 3];
		if (w != p->hash[i]) {
			p->lineno = p->hash_line;
			return lfail(p, true, "hash (#h) does not match the data");
		}
	}
	p->t->hashed = true;
	return 0;
}

int leap_file_parse(const char *text, size_t len, const char *name, struct leap_table *t,
		    char *err, size_t errlen)
{
	struct lparse p = { .t = t, .name = name, .err = err, .errlen = errlen };
	size_t pos = 0;

	memset(t, 0, sizeof(*t));
	if (errlen > 0)
		err[0] = '\0';
	sha1_init(&p.sha);
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		const char *end = nl != NULL ? nl : text + len;
		pos = (size_t)(end - text) + (nl != NULL);
		if (end > s && end[-1] == '\r')
			end--;
		p.lineno++;
		if (one_line(&p, s, end) < 0) {
			memset(t, 0, sizeof(*t));
			return -EINVAL;
		}
	}
	if (check_whole(&p) < 0) {
		memset(t, 0, sizeof(*t));
		return -EINVAL;
	}
	return 0;
}

bool leap_file_expired(const struct leap_table *t, int64_t now)
{
	return floor_div(now, LEAP_NS_PER_S) >= t->expires;
}

int leap_file_at(const struct leap_table *t, int64_t at)
{
	if (at % LEAP_NS_PER_S != 0)
		return 0;
	for (int i = 1; i < t->n; i++)
		if (t->at[i] == at / LEAP_NS_PER_S)
			return t->tai[i] - t->tai[i - 1];
	return 0;
}

/* ---------------------------------------------------------------- decision */

static int leap_of(uint8_t li)
{
	return li == NTP_LEAP_INSERT ? 1 : li == NTP_LEAP_DELETE ? -1 : 0;
}

void leap_decide(const struct leap_table *file, uint8_t vote, int64_t now,
		 struct leap_decision *out)
{
	*out = (struct leap_decision){ .at = leap_day_end(now) };
	if (!leap_last_day_of_month(now))
		return;
	out->vote = leap_of(vote);
	out->leap = out->vote;
	if (file == NULL || leap_file_expired(file, now))
		return;
	out->from_file = true;
	out->file = leap_file_at(file, out->at);
	out->leap = out->file;
	out->disagree = out->vote != out->file;
}

/* ---------------------------------------------------------------- state */

void leap_init(struct leap_state *s, enum leap_mode mode)
{
	*s = (struct leap_state){ .mode = mode };
}

uint8_t leap_serve(const struct leap_state *s)
{
	if (s->mode != LEAP_MODE_SYSTEM && s->mode != LEAP_MODE_STEP)
		return NTP_LEAP_NONE;
	return s->armed > 0 ? NTP_LEAP_INSERT : s->armed < 0 ? NTP_LEAP_DELETE : NTP_LEAP_NONE;
}

void leap_update(struct leap_state *s, const struct leap_decision *d, struct leap_actions *a)
{
	/* The inserted second reads as the last one again: the leap just
	 * passed must not be armed a second time. */
	int leap = d->at <= s->done_at ? 0 : d->leap;

	s->armed = leap;
	s->at = leap != 0 ? d->at : 0;
	/* A deleted second is 23:59:59: the clock leaps as it begins. */
	*a = (struct leap_actions){ .serve = leap_serve(s), .armed = leap != 0,
				    .at = leap < 0 ? s->at - LEAP_NS_PER_S : s->at };
	if (s->mode == LEAP_MODE_SYSTEM && s->told != leap) {
		a->tell_clock = true;
		a->clock_leap = leap;
		s->told = leap;
	}
}

bool leap_passed(struct leap_state *s, struct leap_pass *p)
{
	if (s->armed == 0)
		return false;
	int64_t second = s->armed * LEAP_NS_PER_S;

	*p = (struct leap_pass){ .leap = s->armed };
	switch (s->mode) {
	case LEAP_MODE_SYSTEM:
		p->clock_ns = -second;
		p->tell_clock = s->told != 0;
		s->told = 0;
		break;
	case LEAP_MODE_STEP:
		p->clock_ns = -second;
		p->step_ns = -second;
		break;
	case LEAP_MODE_SLEW:
		p->slew_ns = -second;
		p->shift_ns = second;
		break;
	default:
		p->shift_ns = second;
		break;
	}
	s->done_at = s->at;
	s->armed = 0;
	s->at = 0;
	return true;
}

int64_t leap_slew_share(int64_t *leap_left, int64_t remaining)
{
	int64_t l = *leap_left;

	if (l == 0 || (l < 0) != (remaining < 0) || remaining == 0)
		l = 0;
	else if (l < 0 ? remaining > l : remaining < l)
		l = remaining;
	*leap_left = l;
	return l;
}
