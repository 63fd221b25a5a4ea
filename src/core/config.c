/*
 * The tsyncd.conf parser: the file's text in, a struct tsyncd_config or one
 * error line out. Pure (no I/O, no globals, no locale) so that every error
 * path can be unit-tested and fuzzed; the daemon reads the file.
 */
#include "tsync/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tsync/ctl_proto.h"
#include "tsync/ntp_pkt.h"

/* Longer directives are refused rather than cut: none comes near this, and
 * the bound lets a line be copied and split in a buffer on the stack.
 * Comments and indentation do not count. */
#define CFG_LINE_MAX 1024
/* No directive takes more words than this
 * ("server H port N minpoll N maxpoll N iburst prefer key N"). */
#define MAX_WORDS 12
/* A word quoted back in a message is cut to this, so that the message
 * stays one short line. */
#define SHOW_MAX 40

#define STRATUM_MIN 1
#define STRATUM_MAX 15
#define PORT_MAX 65535
#define NS_PER_S 1000000000LL
#define SIM_OFFSET_MAX_NS (1000000000LL * NS_PER_S)
/* Drift is parsed in units of 1e-9 ppm, exactly, then made a double. */
#define DRIFT_SCALE 9
#define DRIFT_MAX_UNITS (1000LL * 1000000000LL)
#define MAKESTEP_MAX_NS (1000000LL * NS_PER_S)
/* maxslew in units of 1e-3 ppm; the kernel corrects frequency by at most
 * 500 ppm. */
#define MAXSLEW_SCALE 3
#define MAXSLEW_MAX_UNITS 500000LL

struct line {
	char *word[MAX_WORDS + 1]; /* one more, to name the first extra word */
	int n; /* words on the line, counting those not kept */
};

/* Where each Berkeley directive was first given (0: not yet). */
enum brk_sub { BRK_SUB_ROLE, BRK_SUB_GROUP, BRK_SUB_INTERVAL, BRK_SUB_TOLERANCE,
	       BRK_SUB_MAXRTT, BRK_SUB_STEP, BRK_SUB_MISSES, BRK_SUB_ELECTION, BRK_SUB_KEY,
	       BRK_SUB_AUTH, BRK_SUB_N };
struct brk_lines {
	unsigned long sub[BRK_SUB_N];
	unsigned long keyfile;
};

struct parser {
	struct tsyncd_config *cfg;
	const char *file;
	char *err;
	size_t errlen;
	unsigned long lineno;
	const char *name; /* the directive, as the message names it */
	char name_buf[SHOW_MAX];
	unsigned long stratum_line; /* where each was first given; 0: not yet */
	unsigned long clock_line;
	struct brk_lines brk;
	unsigned long makestep_line, maxslew_line, driftfile_line;
	unsigned long control_line;
	unsigned long ratelimit_line;
	unsigned long user_line, controlgroup_line, seccomp_line;
	unsigned long maxdistance_line, holdover_line;
	unsigned long leapfile_line, leapmode_line;
};

struct directive {
	const char *name;
	int max_words; /* the name included; at most MAX_WORDS */
	int (*parse)(struct parser *p, const struct line *l);
};

enum num_result { NUM_OK, NUM_BAD, NUM_RANGE };

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%lu: %s: ", p->file, p->lineno, p->name);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A word as quoted in a message: the file may hold anything, the message
 * must stay one line of printable text. */
static const char *show_n(char buf[SHOW_MAX], const char *s, size_t len)
{
	size_t keep = len < SHOW_MAX ? len : SHOW_MAX - 4;

	for (size_t i = 0; i < keep; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(buf + keep, keep < len ? "..." : "");
	return buf;
}

static const char *show(char buf[SHOW_MAX], const char *s)
{
	return show_n(buf, s, strlen(s));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A whole word in base 10 and within lo..hi. strtol alone would accept
 * leading blanks of any kind and trailing junk. */
static enum num_result parse_int(const char *s, long lo, long hi, long *v)
{
	char *end;
	const char *d = (s[0] == '-' || s[0] == '+') ? s + 1 : s;

	if (!is_digit(d[0]))
		return NUM_BAD;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (*end != '\0')
		return NUM_BAD;
	if (errno == ERANGE || *v < lo || *v > hi)
		return NUM_RANGE;
	return NUM_OK;
}

/* A number in the form [+-]DIGITS[.DIGITS][e[+-]DIGITS], digits on at
 * least one side of the point; unlike strtod, no hex, inf, nan or blanks. */
struct decimal {
	bool neg;
	const char *ip, *fp; /* integer and fraction digits */
	size_t n_int, n_frac;
	long exp;
};

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

static bool scan_exponent(const char *s, long *exp)
{
	char *end;

	if (!is_digit(s[s[0] == '-' || s[0] == '+']))
		return false;
	errno = 0;
	*exp = strtol(s, &end, 10);
	/* Past +-100 the value is zero or out of any range here, so clamping
	 * an overflowing exponent loses nothing. */
	if (*exp > 100)
		*exp = 100;
	if (*exp < -100)
		*exp = -100;
	return *end == '\0';
}

static bool scan_decimal(const char *s, struct decimal *d)
{
	d->neg = s[0] == '-';
	if (s[0] == '-' || s[0] == '+')
		s++;
	d->ip = s;
	d->n_int = count_digits(s);
	s += d->n_int;
	d->fp = s;
	d->n_frac = 0;
	if (*s == '.') {
		d->fp = ++s;
		d->n_frac = count_digits(s);
		s += d->n_frac;
	}
	if (d->n_int + d->n_frac == 0)
		return false;
	d->exp = 0;
	if (*s == 'e' || *s == 'E')
		return scan_exponent(s + 1, &d->exp);
	return *s == '\0';
}

static int digit_at(const struct decimal *d, long i)
{
	if (i < (long)d->n_int)
		return d->ip[i] - '0';
	if (i < (long)(d->n_int + d->n_frac))
		return d->fp[i - (long)d->n_int] - '0';
	return 0;
}

/* d in units of 10^-scale, rounded half away from zero, exactly: a
 * double cannot hold 1e9 s to the nanosecond. False when |value| > limit. */
static bool decimal_scaled(const struct decimal *d, int scale, int64_t limit, int64_t *out)
{
	/* Digits before index pos are whole units; the one at pos rounds. */
	long pos = (long)d->n_int + d->exp + scale;
	int64_t v = 0;

	for (long i = 0; i < pos; i++) {
		int dig = digit_at(d, i);

		if (v > (limit - dig) / 10)
			return false;
		v = v * 10 + dig;
	}
	if (pos >= 0 && digit_at(d, pos) >= 5) {
		if (v == limit)
			return false;
		v++;
	}
	*out = d->neg ? -v : v;
	return true;
}

static enum num_result parse_fixed(const char *s, int scale, int64_t limit, int64_t *v)
{
	struct decimal d;

	if (!scan_decimal(s, &d))
		return NUM_BAD;
	return decimal_scaled(&d, scale, limit, v) ? NUM_OK : NUM_RANGE;
}

static int do_stratum(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	long v;

	if (p->stratum_line)
		return fail(p, "already given on line %lu", p->stratum_line);
	if (l->n < 2)
		return fail(p, "missing argument");
	switch (parse_int(l->word[1], STRATUM_MIN, STRATUM_MAX, &v)) {
	case NUM_BAD:
		return fail(p, "'%s' is not a number", show(b, l->word[1]));
	case NUM_RANGE:
		return fail(p, "%s is out of range %d..%d", show(b, l->word[1]),
			    STRATUM_MIN, STRATUM_MAX);
	case NUM_OK:
		break;
	}
	p->cfg->stratum = (int)v;
	p->stratum_line = p->lineno;
	return 0;
}

static bool parse_addr(const char *s, struct cfg_listen *ls)
{
	if (inet_pton(AF_INET, s, ls->addr) == 1)
		ls->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ls->addr) == 1)
		ls->family = AF_INET6;
	else
		return false;
	return true;
}

static int listen_port(struct parser *p, const struct line *l, struct cfg_listen *ls)
{
	char b[SHOW_MAX];
	long v;

	if (strcmp(l->word[2], "port") != 0)
		return fail(p, "unknown option '%s'", show(b, l->word[2]));
	if (l->n < 4)
		return fail(p, "missing value after port");
	switch (parse_int(l->word[3], 0, PORT_MAX, &v)) {
	case NUM_BAD:
		return fail(p, "port '%s' is not a number", show(b, l->word[3]));
	case NUM_RANGE:
		return fail(p, "port %s is out of range 0..%d", show(b, l->word[3]), PORT_MAX);
	case NUM_OK:
		break;
	}
	ls->port = (uint16_t)v;
	return 0;
}

static int do_listen(struct parser *p, const struct line *l)
{
	struct tsyncd_config *cfg = p->cfg;
	struct cfg_listen ls = { .port = NTP_PORT };
	char b[SHOW_MAX];
	int rc;

	if (cfg->n_listen == CFG_MAX_LISTEN)
		return fail(p, "more than %d listen addresses", CFG_MAX_LISTEN);
	if (l->n < 2)
		return fail(p, "missing address");
	if (!parse_addr(l->word[1], &ls))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 address", show(b, l->word[1]));
	if (l->n > 2 && (rc = listen_port(p, l, &ls)) < 0)
		return rc;
	cfg->listen[cfg->n_listen++] = ls;
	return 0;
}

static const char *const clock_names[] = {
	[CFG_CLOCK_SYSTEM] = "system",
	[CFG_CLOCK_READONLY] = "readonly",
	[CFG_CLOCK_SIM] = "sim",
};

static bool clock_type(const char *s, enum cfg_clock *type)
{
	for (size_t i = 0; i < sizeof(clock_names) / sizeof(clock_names[0]); i++) {
		if (strcmp(s, clock_names[i]) == 0) {
			*type = (enum cfg_clock)i;
			return true;
		}
	}
	return false;
}

/* The sim clock's settings, collected before any is stored. */
struct clock_opts {
	enum cfg_clock type;
	bool have_offset, have_drift, have_jump, have_start;
	int64_t start; /* Unix ns */
	int64_t offset;
	int64_t drift; /* 1e-9 ppm */
	int64_t jump_after, jump_by; /* ns */
};

static int clock_offset(struct parser *p, struct clock_opts *o, const char *val)
{
	char b[SHOW_MAX];

	switch (parse_fixed(val, 9, SIM_OFFSET_MAX_NS, &o->offset)) {
	case NUM_BAD:
		return fail(p, "offset '%s' is not a number", show(b, val));
	case NUM_RANGE:
		return fail(p, "offset %s is out of range -1e9..1e9 s", show(b, val));
	case NUM_OK:
		break;
	}
	o->have_offset = true;
	return 0;
}

static int clock_drift(struct parser *p, struct clock_opts *o, const char *val)
{
	char b[SHOW_MAX];

	switch (parse_fixed(val, DRIFT_SCALE, DRIFT_MAX_UNITS, &o->drift)) {
	case NUM_BAD:
		return fail(p, "drift '%s' is not a number", show(b, val));
	case NUM_RANGE:
		return fail(p, "drift %s is out of range -1000..1000 ppm", show(b, val));
	case NUM_OK:
		break;
	}
	o->have_drift = true;
	return 0;
}

/* "jump AFTER BY": the sim clock jumps by BY seconds AFTER seconds from
 * the start, as a machine suspended and resumed would see. */
static int clock_jump(struct parser *p, struct clock_opts *o, const char *after, const char *by)
{
	char b[SHOW_MAX];

	if (after == NULL || by == NULL)
		return fail(p, "jump needs a delay and a size in seconds");
	if (parse_fixed(after, 9, SIM_OFFSET_MAX_NS, &o->jump_after) != NUM_OK ||
	    o->jump_after <= 0)
		return fail(p, "jump delay '%s' is not a number of seconds above 0", show(b, after));
	if (parse_fixed(by, 9, SIM_OFFSET_MAX_NS, &o->jump_by) != NUM_OK || o->jump_by == 0)
		return fail(p, "jump size '%s' is not a number of seconds, -1e9..1e9 but 0",
			    show(b, by));
	o->have_jump = true;
	return 0;
}

/* "start TIME": the sim clock reads TIME (RFC 3339, UTC) when it is
 * made; an offset says the same another way. */
static int clock_start(struct parser *p, struct clock_opts *o, const char *val)
{
	char b[SHOW_MAX];

	if (o->have_start)
		return fail(p, "start given twice");
	if (val == NULL)
		return fail(p, "missing value after start");
	if (!leap_parse_utc(val, &o->start))
		return fail(p, "start '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ (1970..2200)",
			    show(b, val));
	o->have_start = true;
	return 2;
}

/* One option of the sim clock at word i; returns the words it took. */
static int clock_option(struct parser *p, struct clock_opts *o, const struct line *l, int i)
{
	const char *key = l->word[i];
	const char *val = i + 1 < l->n ? l->word[i + 1] : NULL;
	bool is_offset = strcmp(key, "offset") == 0, is_jump = strcmp(key, "jump") == 0;
	char b[SHOW_MAX];

	if (strcmp(key, "start") == 0 && o->type == CFG_CLOCK_SIM)
		return clock_start(p, o, val);
	if (strcmp(key, "start") == 0)
		return fail(p, "start only applies to the sim clock");
	if (!is_offset && !is_jump && strcmp(key, "drift") != 0)
		return fail(p, "unknown option '%s'", show(b, key));
	if (o->type != CFG_CLOCK_SIM)
		return fail(p, "%s only applies to the sim clock", key);
	if (is_jump ? o->have_jump : is_offset ? o->have_offset : o->have_drift)
		return fail(p, "%s given twice", key);
	if (is_jump)
		return clock_jump(p, o, val, i + 2 < l->n ? l->word[i + 2] : NULL) < 0 ? -EINVAL : 3;
	if (val == NULL)
		return fail(p, "missing value after %s", key);
	return (is_offset ? clock_offset(p, o, val) : clock_drift(p, o, val)) < 0 ? -EINVAL : 2;
}

static int do_clock(struct parser *p, const struct line *l)
{
	struct clock_opts o = { .type = CFG_CLOCK_SYSTEM };
	char b[SHOW_MAX];
	int rc;

	if (p->clock_line)
		return fail(p, "already given on line %lu", p->clock_line);
	if (l->n < 2)
		return fail(p, "missing clock type (system, readonly or sim)");
	if (!clock_type(l->word[1], &o.type))
		return fail(p, "unknown clock '%s' (system, readonly or sim)", show(b, l->word[1]));
	for (int i = 2; i < l->n; i += rc) {
		rc = clock_option(p, &o, l, i);
		if (rc < 0)
			return rc;
	}
	if (o.have_start && o.have_offset)
		return fail(p, "start and offset both set the time: give one");
	p->cfg->clock = o.type;
	p->cfg->sim_start_set = o.have_start;
	p->cfg->sim_start = o.start;
	p->cfg->sim_offset = o.offset;
	p->cfg->sim_drift_ppm = (double)o.drift / 1e9;
	p->cfg->sim_jump_after = o.jump_after;
	p->cfg->sim_jump_by = o.jump_by;
	p->clock_line = p->lineno;
	return 0;
}

/* Given once: a second time names the line of the first. */
static int once(struct parser *p, unsigned long *line)
{
	if (*line)
		return fail(p, "already given on line %lu", *line);
	*line = p->lineno;
	return 0;
}

static int int_arg(struct parser *p, const char *what, const char *val, long lo, long hi,
		   long *v)
{
	char b[SHOW_MAX];

	if (val == NULL)
		return fail(p, "missing value after %s", what);
	switch (parse_int(val, lo, hi, v)) {
	case NUM_BAD:
		return fail(p, "%s '%s' is not a number", what, show(b, val));
	case NUM_RANGE:
		return fail(p, "%s %s is out of range %ld..%ld", what, show(b, val), lo, hi);
	case NUM_OK:
		break;
	}
	return 0;
}

/* A host name or address as one word of printable characters; resolving
 * it is the daemon's job, later and without blocking. */
static bool valid_host(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

enum server_opt { OPT_PORT, OPT_MINPOLL, OPT_MAXPOLL, OPT_IBURST, OPT_PREFER, OPT_KEY,
		  N_SERVER_OPTS };

static const char *const server_opt_names[N_SERVER_OPTS] = {
	[OPT_PORT] = "port", [OPT_MINPOLL] = "minpoll", [OPT_MAXPOLL] = "maxpoll",
	[OPT_IBURST] = "iburst", [OPT_PREFER] = "prefer", [OPT_KEY] = "key",
};

static int server_value(struct parser *p, struct cfg_server *sv, enum server_opt k,
			const char *val)
{
	long v;
	int rc;

	if (k == OPT_PORT) {
		if ((rc = int_arg(p, "port", val, 1, PORT_MAX, &v)) < 0)
			return rc;
		sv->port = (uint16_t)v;
		return 0;
	}
	if (k == OPT_KEY) {
		if ((rc = int_arg(p, "key", val, 1, 4294967295L, &v)) < 0)
			return rc;
		sv->key_id = (uint32_t)v;
		return 0;
	}
	if ((rc = int_arg(p, server_opt_names[k], val, CFG_POLL_MIN, CFG_POLL_MAX, &v)) < 0)
		return rc;
	*(k == OPT_MINPOLL ? &sv->minpoll : &sv->maxpoll) = (int8_t)v;
	return 0;
}

/* One option after the host, each at most once. Returns the number of
 * words it took. */
static int server_option(struct parser *p, struct cfg_server *sv, const struct line *l, int i,
			 unsigned *seen)
{
	const char *key = l->word[i];
	char b[SHOW_MAX];
	int k, rc;

	for (k = 0; k < N_SERVER_OPTS && strcmp(key, server_opt_names[k]) != 0; k++)
		;
	if (k == N_SERVER_OPTS)
		return fail(p, "unknown option '%s'", show(b, key));
	if (*seen & (1u << k))
		return fail(p, "%s given twice", key);
	*seen |= 1u << k;
	if (k == OPT_IBURST || k == OPT_PREFER) {
		*(k == OPT_IBURST ? &sv->iburst : &sv->prefer) = true;
		return 1;
	}
	rc = server_value(p, sv, (enum server_opt)k, i + 1 < l->n ? l->word[i + 1] : NULL);
	return rc < 0 ? rc : 2;
}

/* minpoll and maxpoll: one given alone drags the default of the other
 * along; both given must be in order. */
static int server_polls(struct parser *p, struct cfg_server *sv, unsigned seen)
{
	bool min = seen & (1u << OPT_MINPOLL), max = seen & (1u << OPT_MAXPOLL);

	if (min && !max && sv->maxpoll < sv->minpoll)
		sv->maxpoll = sv->minpoll;
	if (max && !min && sv->minpoll > sv->maxpoll)
		sv->minpoll = sv->maxpoll;
	if (sv->minpoll > sv->maxpoll)
		return fail(p, "minpoll %d is above maxpoll %d", sv->minpoll, sv->maxpoll);
	return 0;
}

static int parse_server(struct parser *p, const struct line *l, bool pool)
{
	struct tsyncd_config *cfg = p->cfg;
	struct cfg_server sv = { .port = NTP_PORT, .pool = pool, .line = p->lineno,
				 .minpoll = CFG_MINPOLL_DEFAULT, .maxpoll = CFG_MAXPOLL_DEFAULT };
	unsigned seen = 0;
	char b[SHOW_MAX];

	if (cfg->n_servers == CFG_MAX_SERVERS)
		return fail(p, "more than %d servers and pools", CFG_MAX_SERVERS);
	if (l->n < 2)
		return fail(p, "missing host name or address");
	if (!valid_host(l->word[1]))
		return fail(p, "'%s' is not a host name or address", show(b, l->word[1]));
	strcpy(sv.host, l->word[1]);
	for (int i = 2; i < l->n;) {
		int n = server_option(p, &sv, l, i, &seen);

		if (n < 0)
			return n;
		i += n;
	}
	if (server_polls(p, &sv, seen) < 0)
		return -EINVAL;
	cfg->server[cfg->n_servers++] = sv;
	return 0;
}

static int do_server(struct parser *p, const struct line *l)
{
	return parse_server(p, l, false);
}

static int do_pool(struct parser *p, const struct line *l)
{
	return parse_server(p, l, true);
}

static int do_makestep(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	int64_t t;
	long limit;
	int rc;

	if ((rc = once(p, &p->makestep_line)) < 0)
		return rc;
	if (l->n < 3)
		return fail(p, "needs a threshold in seconds and a limit of updates");
	switch (parse_fixed(l->word[1], 9, MAKESTEP_MAX_NS, &t)) {
	case NUM_BAD:
		return fail(p, "threshold '%s' is not a number", show(b, l->word[1]));
	case NUM_RANGE:
		return fail(p, "threshold %s is out of range 0..1e6 s", show(b, l->word[1]));
	case NUM_OK:
		break;
	}
	if (t < 0)
		return fail(p, "threshold %s is negative", show(b, l->word[1]));
	if ((rc = int_arg(p, "limit", l->word[2], -1, INT32_MAX, &limit)) < 0)
		return rc;
	p->cfg->makestep_threshold = t;
	p->cfg->makestep_limit = (int)limit;
	return 0;
}

static int do_maxslew(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	int64_t v;
	int rc;

	if ((rc = once(p, &p->maxslew_line)) < 0)
		return rc;
	if (l->n < 2)
		return fail(p, "missing rate in ppm");
	switch (parse_fixed(l->word[1], MAXSLEW_SCALE, MAXSLEW_MAX_UNITS, &v)) {
	case NUM_BAD:
		return fail(p, "'%s' is not a number", show(b, l->word[1]));
	case NUM_RANGE:
		return fail(p, "%s is out of range (0..500] ppm", show(b, l->word[1]));
	case NUM_OK:
		break;
	}
	if (v <= 0)
		return fail(p, "%s is out of range (0..500] ppm", show(b, l->word[1]));
	p->cfg->maxslew_ppm = (double)v / 1e3;
	return 0;
}

/* SECONDS with up to 9 decimals in [min, max] ns, for maxdistance and
 * holdover; range names the range in the message. */
static int seconds_arg(struct parser *p, const struct line *l, int64_t min, int64_t max,
		       const char *range, int64_t *out)
{
	char b[SHOW_MAX];

	if (l->n < 2)
		return fail(p, "missing seconds");
	switch (parse_fixed(l->word[1], 9, max, out)) {
	case NUM_BAD:
		return fail(p, "'%s' is not a number", show(b, l->word[1]));
	case NUM_RANGE:
		return fail(p, "%s is out of range %s s", show(b, l->word[1]), range);
	case NUM_OK:
		break;
	}
	if (*out < min)
		return fail(p, "%s is out of range %s s", show(b, l->word[1]), range);
	return 0;
}

static int do_maxdistance(struct parser *p, const struct line *l)
{
	int rc;

	if ((rc = once(p, &p->maxdistance_line)) < 0)
		return rc;
	return seconds_arg(p, l, 1, CFG_MAXDISTANCE_MAX, "(0..16]", &p->cfg->maxdistance);
}

static int do_holdover(struct parser *p, const struct line *l)
{
	int rc;

	if ((rc = once(p, &p->holdover_line)) < 0)
		return rc;
	return seconds_arg(p, l, 0, CFG_HOLDOVER_MAX, "0..1e7", &p->cfg->holdover);
}

/* A file's path of at most CFG_PATH_MAX - 1 bytes, absolute: the daemon
 * runs from /, so a relative path would mean something else in the
 * foreground and as a daemon. */
static int path_arg(struct parser *p, const struct line *l, char out[CFG_PATH_MAX])
{
	char b[SHOW_MAX];

	if (l->n < 2)
		return fail(p, "missing path");
	if (l->word[1][0] != '/')
		return fail(p, "'%s' is not an absolute path", show(b, l->word[1]));
	if (strlen(l->word[1]) >= CFG_PATH_MAX)
		return fail(p, "path longer than %d bytes", CFG_PATH_MAX - 1);
	strcpy(out, l->word[1]);
	return 0;
}

static int do_driftfile(struct parser *p, const struct line *l)
{
	int rc;

	if ((rc = once(p, &p->driftfile_line)) < 0)
		return rc;
	return path_arg(p, l, p->cfg->driftfile);
}

/* A leap-second list (tzdata's leap-seconds.list), read at start. */
static int do_leapfile(struct parser *p, const struct line *l)
{
	int rc;

	if ((rc = once(p, &p->leapfile_line)) < 0)
		return rc;
	return path_arg(p, l, p->cfg->leapfile);
}

static int do_leapmode(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	int rc;

	if ((rc = once(p, &p->leapmode_line)) < 0)
		return rc;
	if (l->n < 2)
		return fail(p, "missing mode (system, step, slew or ignore)");
	if (!leap_mode_parse(l->word[1], &p->cfg->leapmode))
		return fail(p, "unknown mode '%s' (system, step, slew or ignore)", show(b, l->word[1]));
	return 0;
}

static int do_control(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	const char *path;

	if (p->control_line)
		return fail(p, "already given on line %lu", p->control_line);
	if (l->n < 2)
		return fail(p, "missing socket path (or none)");
	path = l->word[1];
	if (strcmp(path, "none") == 0)
		path = "";
	else if (path[0] != '/')
		return fail(p, "'%s' is not an absolute path", show(b, path));
	else if (strlen(path) >= CFG_SOCKET_PATH_MAX)
		return fail(p, "path longer than %d bytes", CFG_SOCKET_PATH_MAX - 1);
	strcpy(p->cfg->control, path);
	p->control_line = p->lineno;
	return 0;
}

/* ------------------------------------------------------ least privilege */

/* A user or group name as useradd(8) takes it: the daemon looks it up. */
static int name_arg(struct parser *p, const struct line *l, unsigned long *line, char *out)
{
	char b[SHOW_MAX];
	const char *s = l->word[1];
	int rc;

	if ((rc = once(p, line)) < 0)
		return rc;
	if (l->n < 2)
		return fail(p, "missing name");
	if (strlen(s) >= CFG_NAME_MAX)
		return fail(p, "name longer than %d bytes", CFG_NAME_MAX - 1);
	for (const char *c = s; *c != '\0'; c++)
		if (!(is_digit(*c) || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      *c == '_' || *c == '.' || (*c == '-' && c != s) || (*c == '$' && c[1] == '\0')))
			return fail(p, "'%s' is not a user or group name", show(b, s));
	strcpy(out, s);
	return 0;
}

static int do_user(struct parser *p, const struct line *l)
{
	return name_arg(p, l, &p->user_line, p->cfg->user);
}

static int do_controlgroup(struct parser *p, const struct line *l)
{
	return name_arg(p, l, &p->controlgroup_line, p->cfg->controlgroup);
}

static int do_seccomp(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];
	int rc;

	if ((rc = once(p, &p->seccomp_line)) < 0)
		return rc;
	if (l->n < 2)
		return fail(p, "missing on or off");
	if (strcmp(l->word[1], "on") != 0 && strcmp(l->word[1], "off") != 0)
		return fail(p, "'%s' is not on or off", show(b, l->word[1]));
	p->cfg->seccomp = strcmp(l->word[1], "on") == 0;
	return 0;
}

/* ------------------------------------------------ Berkeley mode (issue 4) */

#define BRK_DEFAULT_GROUP "239.255.5.25" /* IPv4 local scope (RFC 2365) */
#define BRK_DEFAULT_PORT 525
#define BRK_PRIORITY_DEFAULT 100
#define BRK_MS 1000000LL

static void berkeley_defaults(struct cfg_berkeley *b)
{
	b->priority = BRK_PRIORITY_DEFAULT;
	b->group_family = AF_INET;
	inet_pton(AF_INET, BRK_DEFAULT_GROUP, b->group);
	b->port = BRK_DEFAULT_PORT;
	b->ttl = 1;
	b->interval = 10000 * BRK_MS;
	b->tolerance = 50 * BRK_MS;
	b->maxrtt = 50 * BRK_MS;
	b->step = 128 * BRK_MS;
	b->misses = 3;
	b->election = 3;
}

/* Seconds, exact to the ns, within lo_ms..hi_ms milliseconds. */
static int brk_seconds(struct parser *p, const char *what, const char *val, int64_t lo_ms,
		       int64_t hi_ms, int64_t *ns)
{
	char b[SHOW_MAX];
	enum num_result r;

	if (val == NULL)
		return fail(p, "missing value after %s", what);
	r = parse_fixed(val, 9, hi_ms * BRK_MS, ns);
	if (r == NUM_BAD)
		return fail(p, "%s '%s' is not a number", what, show(b, val));
	if (r == NUM_RANGE || *ns < lo_ms * BRK_MS)
		return fail(p, "%s %s is out of range %g..%g s", what, show(b, val),
			    (double)lo_ms / 1e3, (double)hi_ms / 1e3);
	return 0;
}

static int brk_role(struct parser *p, const struct line *l, enum cfg_brk_role role)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;
	char sb[SHOW_MAX];
	long v = b->priority;
	int rc;

	if (l->n > 2 && strcmp(l->word[2], "priority") != 0)
		return fail(p, "unknown option '%s'", show(sb, l->word[2]));
	if (l->n > 4)
		return fail(p, "extra argument '%s'", show(sb, l->word[4]));
	if (l->n > 2 && (rc = int_arg(p, "priority", l->n > 3 ? l->word[3] : NULL, 0, 255, &v)) < 0)
		return rc;
	b->role = role;
	b->priority = (int)v;
	return 0;
}

static int brk_group_option(struct parser *p, struct cfg_berkeley *b, const char *key,
			    const char *val)
{
	char sb[SHOW_MAX];
	long v;
	int rc;

	if (strcmp(key, "interface") == 0) {
		if (val == NULL)
			return fail(p, "missing value after interface");
		if (strlen(val) >= CFG_IFNAME_MAX)
			return fail(p, "interface name '%s' is longer than %d bytes", show(sb, val),
				    CFG_IFNAME_MAX - 1);
		strcpy(b->interface, val);
		return 0;
	}
	if (strcmp(key, "port") != 0 && strcmp(key, "ttl") != 0)
		return fail(p, "unknown option '%s'", show(sb, key));
	if (strcmp(key, "port") == 0) {
		if ((rc = int_arg(p, "port", val, 1, PORT_MAX, &v)) < 0)
			return rc;
		b->port = (uint16_t)v;
		return 0;
	}
	if ((rc = int_arg(p, "ttl", val, 1, 255, &v)) < 0)
		return rc;
	b->ttl = (int)v;
	return 0;
}

static bool is_multicast(int family, const uint8_t *a)
{
	return family == AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff;
}

static int brk_group(struct parser *p, const struct line *l)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;
	struct cfg_listen ls;
	char sb[SHOW_MAX];
	int rc;

	if (l->n < 3)
		return fail(p, "missing group address");
	if (!parse_addr(l->word[2], &ls) || !is_multicast(ls.family, ls.addr))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 multicast address",
			    show(sb, l->word[2]));
	b->group_family = ls.family;
	memcpy(b->group, ls.addr, sizeof(b->group));
	for (int i = 3; i < l->n; i += 2)
		if ((rc = brk_group_option(p, b, l->word[i], i + 1 < l->n ? l->word[i + 1] : NULL)) < 0)
			return rc;
	return 0;
}

/* The one-value directives: "berkeley NAME VALUE". */
static int brk_value(struct parser *p, const struct line *l, enum brk_sub sub)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;
	const char *what = l->word[1], *val = l->n > 2 ? l->word[2] : NULL;
	char sb[SHOW_MAX];
	long v = 0; /* read below even when int_arg fails */
	int rc = 0;

	if (l->n > 3)
		return fail(p, "extra argument '%s'", show(sb, l->word[3]));
	switch (sub) {
	case BRK_SUB_INTERVAL: return brk_seconds(p, what, val, 100, 86400000, &b->interval);
	case BRK_SUB_TOLERANCE: return brk_seconds(p, what, val, 0, 1000000000, &b->tolerance);
	case BRK_SUB_MAXRTT: return brk_seconds(p, what, val, 1, 10000, &b->maxrtt);
	case BRK_SUB_STEP: return brk_seconds(p, what, val, 0, 1000000000, &b->step);
	case BRK_SUB_MISSES: rc = int_arg(p, what, val, 1, 1000, &v); b->misses = (int)v; break;
	case BRK_SUB_ELECTION: rc = int_arg(p, what, val, 1, 1000, &v); b->election = (int)v; break;
	case BRK_SUB_KEY: rc = int_arg(p, what, val, 1, 4294967295L, &v); b->key_id = (uint32_t)v; break;
	default:
		if (val == NULL || strcmp(val, "none") != 0)
			return fail(p, "only 'auth none' is known (keys: berkeley key ID)");
		b->auth_none = 1;
		break;
	}
	return rc;
}

static const char *const brk_sub_names[BRK_SUB_N] = {
	[BRK_SUB_GROUP] = "group", [BRK_SUB_INTERVAL] = "interval",
	[BRK_SUB_TOLERANCE] = "tolerance", [BRK_SUB_MAXRTT] = "maxrtt", [BRK_SUB_STEP] = "step",
	[BRK_SUB_MISSES] = "misses", [BRK_SUB_ELECTION] = "election", [BRK_SUB_KEY] = "key",
	[BRK_SUB_AUTH] = "auth",
};

static bool brk_role_word(const char *w, enum cfg_brk_role *role)
{
	static const char *const names[] = { [CFG_BRK_MASTER] = "master",
					     [CFG_BRK_SLAVE] = "slave",
					     [CFG_BRK_CANDIDATE] = "candidate" };
	for (int r = CFG_BRK_MASTER; r <= CFG_BRK_CANDIDATE; r++)
		if (strcmp(w, names[r]) == 0) {
			*role = (enum cfg_brk_role)r;
			return true;
		}
	return false;
}

static int do_berkeley(struct parser *p, const struct line *l)
{
	enum cfg_brk_role role = CFG_BRK_NONE;
	enum brk_sub sub = BRK_SUB_N;
	char sb[SHOW_MAX];
	int rc;

	if (l->n < 2)
		return fail(p, "missing argument (master, slave, candidate, group, ...)");
	if (brk_role_word(l->word[1], &role))
		sub = BRK_SUB_ROLE;
	for (int i = 1; i < BRK_SUB_N && sub == BRK_SUB_N; i++)
		if (strcmp(l->word[1], brk_sub_names[i]) == 0)
			sub = (enum brk_sub)i;
	if (sub == BRK_SUB_N)
		return fail(p, "unknown setting '%s'", show(sb, l->word[1]));
	if (p->brk.sub[sub])
		return fail(p, "%s already given on line %lu", sub == BRK_SUB_ROLE ? "role" :
			    brk_sub_names[sub], p->brk.sub[sub]);
	if (sub == BRK_SUB_ROLE)
		rc = brk_role(p, l, role);
	else if (sub == BRK_SUB_GROUP)
		rc = brk_group(p, l);
	else
		rc = brk_value(p, l, sub);
	if (rc == 0)
		p->brk.sub[sub] = p->lineno;
	return rc;
}

static int do_keyfile(struct parser *p, const struct line *l)
{
	if (p->brk.keyfile)
		return fail(p, "already given on line %lu", p->brk.keyfile);
	if (l->n < 2)
		return fail(p, "missing path");
	if (strlen(l->word[1]) >= CFG_PATH_MAX)
		return fail(p, "path longer than %d bytes", CFG_PATH_MAX - 1);
	strcpy(p->cfg->keyfile, l->word[1]);
	p->brk.keyfile = p->lineno;
	return 0;
}

/* What only the whole file tells: a role, and a key or an explicit
 * `auth none`. Errors name the line they concern. */
static int berkeley_check(struct parser *p)
{
	const struct cfg_berkeley *b = &p->cfg->berkeley;
	const unsigned long *at = p->brk.sub;

	p->name = "berkeley";
	for (int i = 1; i < BRK_SUB_N && !at[BRK_SUB_ROLE]; i++)
		if (at[i]) {
			p->lineno = at[i];
			return fail(p, "%s given without a role (berkeley master, slave or candidate)",
				    brk_sub_names[i]);
		}
	if (!at[BRK_SUB_ROLE])
		return 0;
	p->lineno = at[BRK_SUB_ROLE];
	if (at[BRK_SUB_KEY] && b->auth_none)
		return fail(p, "both a key (line %lu) and auth none (line %lu)", at[BRK_SUB_KEY],
			    at[BRK_SUB_AUTH]);
	if (!at[BRK_SUB_KEY] && !b->auth_none)
		return fail(p, "no key: give 'berkeley key ID' and 'keyfile PATH', or 'berkeley auth none'");
	if (at[BRK_SUB_KEY] && !p->brk.keyfile) {
		p->lineno = at[BRK_SUB_KEY];
		return fail(p, "key %u needs a keyfile", b->key_id);
	}
	return 0;
}

/* ------------------------------------------ access: allow, deny, ratelimit */

/* "ADDR", "ADDR/LEN" or "all" into r (its action left to the caller). */
static int access_prefix(struct parser *p, const char *word, struct acl_rule *r)
{
	char b[SHOW_MAX], a[INET6_ADDRSTRLEN];
	const char *slash = strchr(word, '/');
	size_t n = slash ? (size_t)(slash - word) : strlen(word);
	struct cfg_listen ls;
	long bits;
	int rc;

	memset(r, 0, sizeof(*r));
	r->line = p->lineno;
	if (strcmp(word, "all") == 0)
		return 0;
	if (n >= sizeof(a))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 address", show(b, word));
	memcpy(a, word, n);
	a[n] = '\0';
	if (!parse_addr(a, &ls))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 address", show(b, a));
	r->len = ls.family == AF_INET ? 4 : 16;
	memcpy(r->addr, ls.addr, r->len);
	r->prefix = (uint8_t)(r->len * 8);
	if (slash == NULL)
		return 0;
	if ((rc = int_arg(p, "prefix length", slash + 1, 0, r->len * 8, &bits)) < 0)
		return rc;
	r->prefix = (uint8_t)bits;
	return 0;
}

static int access_rule(struct parser *p, const struct line *l, int action)
{
	const struct acl_rule *clash;
	struct acl_rule r;
	char b[SHOW_MAX];
	int rc;

	if (l->n < 2)
		return fail(p, "missing address (ADDR, ADDR/LEN or all)");
	if ((rc = access_prefix(p, l->word[1], &r)) < 0)
		return rc;
	r.action = (uint8_t)action;
	switch (acl_add(&p->cfg->acl, &r, &clash)) {
	case -EINVAL:
		return fail(p, "'%s' has bits set past its prefix length", show(b, l->word[1]));
	case -EEXIST:
		return fail(p, "'%s' is the prefix of line %lu", show(b, l->word[1]), clash->line);
	case -ENOSPC:
		return fail(p, "more than %d allow and deny rules", ACL_MAX_RULES);
	default:
		return 0;
	}
}

static int do_allow(struct parser *p, const struct line *l)
{
	return access_rule(p, l, ACL_ALLOW);
}

static int do_deny(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX];

	if (l->n > 2 && strcmp(l->word[2], "kod") != 0)
		return fail(p, "unknown option '%s' (only kod)", show(b, l->word[2]));
	return access_rule(p, l, l->n > 2 ? ACL_DENY_KOD : ACL_DENY);
}

enum rl_opt { RL_OPT_INTERVAL, RL_OPT_BURST, RL_OPT_LEAK, RL_OPT_TABLE, RL_OPT_V6PREFIX,
	      N_RL_OPTS };

static const char *const rl_opt_names[N_RL_OPTS] = {
	[RL_OPT_INTERVAL] = "interval", [RL_OPT_BURST] = "burst", [RL_OPT_LEAK] = "leak",
	[RL_OPT_TABLE] = "table", [RL_OPT_V6PREFIX] = "ipv6prefix",
};

static int ratelimit_value(struct parser *p, struct rl_params *r, int k, const char *val)
{
	static const long lo[N_RL_OPTS] = { RL_INTERVAL_MIN, RL_BURST_MIN, RL_LEAK_MIN,
					    RL_TABLE_MIN, 0 };
	static const long hi[N_RL_OPTS] = { RL_INTERVAL_MAX, RL_BURST_MAX, RL_LEAK_MAX,
					    RL_TABLE_MAX, 128 };
	char b[SHOW_MAX];
	long v;
	int rc;

	if ((rc = int_arg(p, rl_opt_names[k], val, lo[k], hi[k], &v)) < 0)
		return rc;
	if (k == RL_OPT_TABLE && (v & (v - 1)) != 0)
		return fail(p, "table %s is not a power of two", show(b, val));
	switch (k) {
	case RL_OPT_INTERVAL: r->interval = (int)v; break;
	case RL_OPT_BURST: r->burst = (int)v; break;
	case RL_OPT_LEAK: r->leak = (int)v; break;
	case RL_OPT_TABLE: r->table = v; break;
	default: r->v6prefix = (int)v; break;
	}
	return 0;
}

/* A server's key must come from a keys file, given anywhere in the file. */
static int server_keys_check(struct parser *p)
{
	for (int i = 0; i < p->cfg->n_servers; i++) {
		const struct cfg_server *sv = &p->cfg->server[i];
		if (sv->key_id != 0 && !p->brk.keyfile) {
			p->lineno = sv->line;
			p->name = sv->pool ? "pool" : "server";
			return fail(p, "key %u needs a keyfile", sv->key_id);
		}
	}
	return 0;
}

static int do_ratelimit(struct parser *p, const struct line *l)
{
	struct rl_params r = p->cfg->ratelimit;
	unsigned seen = 0;
	char b[SHOW_MAX];
	int k, rc;

	if ((rc = once(p, &p->ratelimit_line)) < 0)
		return rc;
	for (int i = 1; i < l->n; i += 2) {
		for (k = 0; k < N_RL_OPTS && strcmp(l->word[i], rl_opt_names[k]) != 0; k++)
			;
		if (k == N_RL_OPTS)
			return fail(p, "unknown option '%s'", show(b, l->word[i]));
		if (seen & (1u << k))
			return fail(p, "%s given twice", rl_opt_names[k]);
		seen |= 1u << k;
		if ((rc = ratelimit_value(p, &r, k, i + 1 < l->n ? l->word[i + 1] : NULL)) < 0)
			return rc;
	}
	p->cfg->ratelimit = r;
	p->cfg->ratelimit_on = true;
	return 0;
}

static void ratelimit_defaults(struct rl_params *r)
{
	*r = (struct rl_params){ .interval = RL_INTERVAL_DEFAULT, .burst = RL_BURST_DEFAULT,
				 .leak = RL_LEAK_DEFAULT, .table = RL_TABLE_DEFAULT,
				 .v6prefix = RL_V6PREFIX_DEFAULT };
}

static const struct directive directives[] = {
	{ "allow", 2, do_allow },
	{ "deny", 3, do_deny },
	{ "ratelimit", 11, do_ratelimit },
	{ "berkeley", 9, do_berkeley },
	{ "keyfile", 2, do_keyfile },
	{ "clock", 9, do_clock },
	{ "control", 2, do_control },
	{ "driftfile", 2, do_driftfile },
	{ "leapfile", 2, do_leapfile },
	{ "leapmode", 2, do_leapmode },
	{ "listen", 4, do_listen },
	{ "holdover", 2, do_holdover },
	{ "makestep", 3, do_makestep },
	{ "maxdistance", 2, do_maxdistance },
	{ "maxslew", 2, do_maxslew },
	{ "pool", 12, do_pool },
	{ "server", 12, do_server },
	{ "stratum", 2, do_stratum },
	{ "user", 2, do_user },
	{ "controlgroup", 2, do_controlgroup },
	{ "seccomp", 2, do_seccomp },
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split buf, which holds no NUL but its last, into words in place. */
static void split(char *buf, struct line *l)
{
	char *s = buf;

	l->n = 0;
	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			return;
		if (l->n <= MAX_WORDS)
			l->word[l->n] = s;
		l->n++;
		while (*s != '\0' && !is_blank(*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int run_directive(struct parser *p, char *buf)
{
	struct line l;
	char b[SHOW_MAX];

	split(buf, &l);
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];

		if (strcmp(l.word[0], d->name) != 0)
			continue;
		p->name = d->name;
		if (l.n > d->max_words)
			return fail(p, "extra argument '%s'", show(b, l.word[d->max_words]));
		return d->parse(p, &l);
	}
	return fail(p, "unknown directive");
}

/* One line, its end (LF or CRLF) already cut off. */
static int parse_line(struct parser *p, const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);
	size_t end = hash ? (size_t)(hash - s) : len;
	size_t start = 0, name_end;
	char buf[CFG_LINE_MAX + 1];

	while (start < end && is_blank(s[start]))
		start++;
	while (end > start && is_blank(s[end - 1]))
		end--;
	name_end = start;
	while (name_end < end && !is_blank(s[name_end]))
		name_end++;
	/* Messages name the directive as written until it is known. */
	p->name = start < end ? show_n(p->name_buf, s + start, name_end - start) : "comment";
	if (memchr(s, '\0', len))
		return fail(p, "NUL byte in the line");
	if (start == end)
		return 0;
	if (end - start > CFG_LINE_MAX)
		return fail(p, "line longer than %d bytes", CFG_LINE_MAX);
	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	return run_directive(p, buf);
}

void cfg_init(struct tsyncd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->clock = CFG_CLOCK_SYSTEM;
	berkeley_defaults(&cfg->berkeley);
	cfg->makestep_threshold = CFG_MAKESTEP_THRESHOLD_DEFAULT;
	cfg->makestep_limit = CFG_MAKESTEP_LIMIT_DEFAULT;
	cfg->maxslew_ppm = CFG_MAXSLEW_DEFAULT;
	cfg->maxdistance = CFG_MAXDISTANCE_DEFAULT;
	strcpy(cfg->control, CTL_DEFAULT_SOCKET);
	ratelimit_defaults(&cfg->ratelimit);
}

int cfg_parse(struct tsyncd_config *cfg, const char *text, size_t len,
	      const char *filename, char *err, size_t errlen)
{
	struct parser p = { .cfg = cfg, .file = filename, .err = err, .errlen = errlen };
	size_t pos = 0;

	if (errlen > 0)
		err[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - text) + 1 : len;
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		int rc;

		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		p.lineno++;
		rc = parse_line(&p, text + pos, n);
		if (rc < 0)
			return rc;
		pos = next;
	}
	if (strlen(filename) < CFG_PATH_MAX)
		strcpy(cfg->file, filename);
	if (server_keys_check(&p) < 0)
		return -EINVAL;
	return berkeley_check(&p);
}

static void add_listen(struct tsyncd_config *cfg, int family, const char *addr)
{
	struct cfg_listen *ls = &cfg->listen[cfg->n_listen++];

	ls->family = family;
	ls->port = NTP_PORT;
	inet_pton(family, addr, ls->addr);
}

void cfg_finish(struct tsyncd_config *cfg)
{
	if (cfg->n_listen > 0)
		return;
	add_listen(cfg, AF_INET, "0.0.0.0");
	add_listen(cfg, AF_INET6, "::");
}
