/*
 * The tsyncd.conf parser: the file's text in, a struct tsyncd_config or one
 * error line out. Pure (no I/O, no globals, no locale) so that every error
 * path can be unit-tested and fuzzed; the daemon reads the file. Each
 * directive is a row of one table, its values rows of option tables.
 */
#include "tsync/config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
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
/* No directive takes more words than this ("server H port N minpoll N
 * maxpoll N iburst prefer key N nts ntsport N": 15, key and nts apart). */
#define MAX_WORDS 16
/* A word quoted back in a message is cut to this, so that the message
 * stays one short line. */
#define SHOW_MAX 40
#define MAX_DIRECTIVES 64

#define PORT_MAX 65535
#define NS_PER_S 1000000000LL
#define MS (NS_PER_S / 1000)
/* ppm are read to 1e-9 ppm, exactly, as seconds are read to the ns. */
#define PPM_UNITS NS_PER_S

struct line {
	char *word[MAX_WORDS + 1]; /* one more, to name the first extra word */
	int n; /* words on the line, counting those not kept */
};

/* allow and deny: the rule is checked against the list once whole. */
struct access_line {
	struct acl_rule rule;
	bool kod;
	const char *word; /* as written, for messages */
};

struct parser {
	struct tsyncd_config *cfg;
	const char *file;
	char *err;
	size_t errlen;
	unsigned long lineno;
	const char *name; /* the directive, as the message names it */
	char name_buf[SHOW_MAX];
	unsigned long given[MAX_DIRECTIVES]; /* where each once-only row was; 0: not yet */
	struct access_line access;
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

/* ------------------------------------------------------------- numbers */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A whole word in base 10 and within lo..hi. strtoll alone would accept
 * leading blanks of any kind and trailing junk. */
static enum num_result parse_int(const char *s, long long lo, long long hi, long long *v)
{
	char *end;
	const char *d = (s[0] == '-' || s[0] == '+') ? s + 1 : s;

	if (!is_digit(d[0]))
		return NUM_BAD;
	errno = 0;
	*v = strtoll(s, &end, 10);
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

/* ------------------------------------------------------ option tables */

struct opt;
typedef int opt_parse_fn(struct parser *p, const struct opt *o, void *obj,
			 const char *const *val);

enum opt_kind {
	OPT_END,     /* ends a table */
	OPT_INT,     /* base 10 in lo..hi, into a field of 1, 2, 4 or 8 bytes */
	OPT_SECONDS, /* decimal seconds, exact to the ns, lo..hi ns, into an int64_t */
	OPT_PPM,     /* decimal ppm, exact to 1e-9 ppm, lo..hi in 1e-9 ppm, into a double */
	OPT_FLAG,    /* the word alone: its bool becomes true */
	OPT_ONOFF,   /* on or off, into a bool */
	OPT_ENUM,    /* one of words[], its index into an enum */
	OPT_PATH,    /* a file's path, into a char array */
	OPT_ABSPATH, /* the same, absolute: the daemon runs from / */
	OPT_SOCKET,  /* an absolute path, or none for "" */
	OPT_NAME,    /* a user or group name, as useradd(8) takes it */
	OPT_WORD,    /* one word of any kind (an interface name) */
	OPT_HOST,    /* a host name or address, resolved later by the daemon */
	OPT_CUSTOM,  /* parse() takes n_values words */
};

/* One value of a directive: a positional argument, or an option by name. */
struct opt {
	const char *name;   /* the option's word; an argument's name in messages, or NULL */
	enum opt_kind kind;
	size_t off, size;   /* where it goes: offsetof and sizeof its field */
	long long lo, hi;   /* the range, in the field's units (ns, 1e-9 ppm) */
	const char *range;  /* OPT_SECONDS, OPT_PPM: the range as messages show it */
	bool pow2;          /* OPT_INT: a power of two too */
	const char *const *words; /* OPT_ENUM: the words, in the order of their values */
	const char *missing; /* an argument: the message when it is absent */
	int n_values;       /* OPT_CUSTOM: the words it takes */
	opt_parse_fn *parse;
};

/* The one place that says a number is wrong. */
static int number_error(struct parser *p, const struct opt *o, enum num_result r,
			const char *val)
{
	const char *name = o->name ? o->name : "", *sp = o->name ? " " : "";
	char b[SHOW_MAX], range[48];

	if (r == NUM_BAD)
		return fail(p, "%s%s'%s' is not a number", name, sp, show(b, val));
	if (o->range == NULL)
		snprintf(range, sizeof(range), "%lld..%lld", o->lo, o->hi);
	return fail(p, "%s%s%s is out of range %s", name, sp, show(b, val),
		    o->range ? o->range : range);
}

static int int_value(struct parser *p, const struct opt *o, const char *val, long long *v)
{
	enum num_result r = parse_int(val, o->lo, o->hi, v);
	char b[SHOW_MAX];

	if (r != NUM_OK)
		return number_error(p, o, r, val);
	if (o->pow2 && (*v & (*v - 1)) != 0)
		return fail(p, "%s %s is not a power of two", o->name, show(b, val));
	return 0;
}

/* Seconds to the ns, ppm to 1e-9 ppm. */
static int fixed_value(struct parser *p, const struct opt *o, const char *val, int64_t *v)
{
	long long limit = o->hi > -o->lo ? o->hi : -o->lo;
	enum num_result r = parse_fixed(val, 9, limit, v);

	if (r == NUM_OK && (*v < o->lo || *v > o->hi))
		r = NUM_RANGE;
	return r == NUM_OK ? 0 : number_error(p, o, r, val);
}

/* The low bytes of v into a field of 1, 2, 4 or 8 bytes, signed or not. */
static void store_int(void *field, size_t size, long long v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	uint64_t u64 = (uint64_t)v;

	assert(size == 1 || size == 2 || size == 4 || size == 8);
	memcpy(field, size == 1 ? (void *)&u8 : size == 2 ? (void *)&u16 :
		      size == 4 ? (void *)&u32 : (void *)&u64, size);
}

static bool is_name_char(const char *c, const char *start)
{
	return is_digit(*c) || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
	       *c == '_' || *c == '.' || (*c == '-' && c != start) || (*c == '$' && c[1] == '\0');
}

/* A host name or address as one word of printable characters. */
static bool valid_host(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static int string_value(struct parser *p, const struct opt *o, const char *val, char *field)
{
	size_t max = o->size - 1;
	char b[SHOW_MAX];

	if (o->kind == OPT_SOCKET && strcmp(val, "none") == 0)
		val = "";
	else if ((o->kind == OPT_ABSPATH || o->kind == OPT_SOCKET) && val[0] != '/')
		return fail(p, "'%s' is not an absolute path", show(b, val));
	if (o->kind == OPT_HOST && (strlen(val) > max || !valid_host(val)))
		return fail(p, "'%s' is not a host name or address", show(b, val));
	if (o->kind == OPT_WORD && strlen(val) > max)
		return fail(p, "%s name '%s' is longer than %zu bytes", o->name, show(b, val), max);
	if (strlen(val) > max)
		return fail(p, "%s longer than %zu bytes", o->kind == OPT_NAME ? "name" : "path", max);
	for (const char *c = val; o->kind == OPT_NAME && *c != '\0'; c++)
		if (!is_name_char(c, val))
			return fail(p, "'%s' is not a user or group name", show(b, val));
	strcpy(field, val);
	return 0;
}

/* "system, readonly or sim" */
static void list_words(char *buf, size_t len, const char *const *w)
{
	buf[0] = '\0';
	for (size_t i = 0; w[i] != NULL; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i == 0 ? "" : w[i + 1] ? ", " : " or ", w[i]);
}

static int enum_value(struct parser *p, const struct opt *o, const char *val, long long *v)
{
	char b[SHOW_MAX], words[128];

	for (*v = 0; o->words[*v] != NULL; ++*v)
		if (strcmp(val, o->words[*v]) == 0)
			return 0;
	list_words(words, sizeof(words), o->words);
	return fail(p, "unknown %s '%s' (%s)", o->name, show(b, val), words);
}

/* One value of any kind; val[0] (val[0..n_values) for OPT_CUSTOM) is
 * there, but for OPT_FLAG. */
static int opt_value(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	void *field = (char *)obj + o->off;
	char b[SHOW_MAX];
	long long v = 1;
	int64_t fixed;
	double ppm;
	int rc = 0;

	switch (o->kind) {
	case OPT_INT: rc = int_value(p, o, val[0], &v); break;
	case OPT_ENUM: rc = enum_value(p, o, val[0], &v); break;
	case OPT_FLAG: break;
	case OPT_ONOFF:
		if (strcmp(val[0], "on") != 0 && strcmp(val[0], "off") != 0)
			return fail(p, "'%s' is not on or off", show(b, val[0]));
		v = strcmp(val[0], "on") == 0;
		break;
	case OPT_SECONDS:
		if ((rc = fixed_value(p, o, val[0], &fixed)) == 0)
			memcpy(field, &fixed, sizeof(fixed));
		return rc;
	case OPT_PPM:
		if ((rc = fixed_value(p, o, val[0], &fixed)) == 0) {
			ppm = (double)fixed / PPM_UNITS;
			memcpy(field, &ppm, sizeof(ppm));
		}
		return rc;
	case OPT_CUSTOM: return o->parse(p, o, obj, val);
	default: return string_value(p, o, val[0], field);
	}
	if (rc == 0)
		store_int(field, o->size, v);
	return rc;
}

static int opt_words(const struct opt *o)
{
	return o->kind == OPT_FLAG ? 0 : o->kind == OPT_CUSTOM ? o->n_values : 1;
}

/* Each row of a directive's tables in one line of the file. */
#define AT(type, member) .off = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define INT(type, member, lo_, hi_) .kind = OPT_INT, AT(type, member), .lo = (lo_), .hi = (hi_)
#define SECONDS(type, member, lo_, hi_, range_) \
	.kind = OPT_SECONDS, AT(type, member), .lo = (lo_), .hi = (hi_), .range = (range_)
#define PPM(type, member, lo_, hi_, range_) \
	.kind = OPT_PPM, AT(type, member), .lo = (lo_), .hi = (hi_), .range = (range_)
#define FLAG(type, member) .kind = OPT_FLAG, AT(type, member)
#define ONOFF(type, member) .kind = OPT_ONOFF, AT(type, member)
#define ENUM(type, member, words_) .kind = OPT_ENUM, AT(type, member), .words = (words_)
#define STRING(kind_, type, member) .kind = (kind_), AT(type, member)
#define CUSTOM(fn, n) .kind = OPT_CUSTOM, .parse = (fn), .n_values = (n)
/* A table of one argument, and the end of a table. */
#define ARG(...) .args = (const struct opt[]){ { __VA_ARGS__ }, { .kind = OPT_END } }
#define END { .kind = OPT_END }

/* ------------------------------------------------------------ directives */

struct directive;
typedef void *begin_fn(struct parser *p, const struct directive *d);
typedef int end_fn(struct parser *p, const struct directive *d, void *obj, unsigned seen);

struct directive {
	const char *name;       /* "stratum", or "berkeley interval": a setting of a family */
	const char *once;       /* NULL: may be repeated; "": once; else once, named so */
	const struct opt *args; /* the arguments, in order, each required */
	const struct opt *opts; /* then options by name, in any order, each at most once */
	int tag;                /* for begin and end: pool or server, the role, ... */
	begin_fn *begin;        /* the struct the rows point into; NULL: the config */
	end_fn *end;            /* what needs the whole line; seen: a bit an option given */
};

static bool parse_addr(const char *s, int *family, uint8_t addr[16])
{
	if (inet_pton(AF_INET, s, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		*family = AF_INET6;
	else
		return false;
	return true;
}

static int addr_value(struct parser *p, const char *s, int *family, uint8_t addr[16])
{
	char b[SHOW_MAX];

	if (!parse_addr(s, family, addr))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 address", show(b, s));
	return 0;
}

/* ---- listen */

static void *listen_begin(struct parser *p, const struct directive *d)
{
	struct tsyncd_config *cfg = p->cfg;

	if (cfg->n_listen == CFG_MAX_LISTEN) {
		fail(p, "more than %d listen addresses", CFG_MAX_LISTEN);
		return NULL;
	}
	cfg->listen[cfg->n_listen] = (struct cfg_listen){ .port = NTP_PORT };
	return &cfg->listen[cfg->n_listen];
}

static int listen_addr(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	struct cfg_listen *ls = obj;

	return addr_value(p, val[0], &ls->family, ls->addr);
}

static int listen_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	p->cfg->n_listen++;
	return 0;
}

/* ---- server and pool */

static void *server_begin(struct parser *p, const struct directive *d)
{
	struct tsyncd_config *cfg = p->cfg;

	if (cfg->n_servers == CFG_MAX_SERVERS) {
		fail(p, "more than %d servers and pools", CFG_MAX_SERVERS);
		return NULL;
	}
	cfg->server[cfg->n_servers] = (struct cfg_server){
		.port = NTP_PORT, .pool = d->tag, .line = p->lineno,
		.minpoll = CFG_MINPOLL_DEFAULT, .maxpoll = CFG_MAXPOLL_DEFAULT };
	return &cfg->server[cfg->n_servers];
}

static unsigned opt_bit(const struct directive *d, const char *name)
{
	for (const struct opt *o = d->opts; o->kind != OPT_END; o++)
		if (strcmp(o->name, name) == 0)
			return 1u << (o - d->opts);
	return 0;
}

/* minpoll and maxpoll: one given alone drags the default of the other
 * along; both given must be in order. */
static int server_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	struct cfg_server *sv = obj;
	bool min = seen & opt_bit(d, "minpoll"), max = seen & opt_bit(d, "maxpoll");

	if (min && !max && sv->maxpoll < sv->minpoll)
		sv->maxpoll = sv->minpoll;
	if (max && !min && sv->minpoll > sv->maxpoll)
		sv->minpoll = sv->maxpoll;
	if (sv->minpoll > sv->maxpoll)
		return fail(p, "minpoll %d is above maxpoll %d", sv->minpoll, sv->maxpoll);
	if (sv->nts && sv->key_id != 0)
		return fail(p, "nts and key do not go together");
	if (!sv->nts && (seen & opt_bit(d, "ntsport")))
		return fail(p, "ntsport needs nts");
	p->cfg->n_servers++;
	return 0;
}

/* ---- clock */

#define SIM_OFFSET_MAX (1000000000LL * NS_PER_S)

/* "jump AFTER BY": the sim clock jumps by BY seconds AFTER seconds from
 * the start, as a machine suspended and resumed would see. */
static int clock_jump(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	struct tsyncd_config *cfg = obj;
	char b[SHOW_MAX];

	if (val[1] == NULL)
		return fail(p, "jump needs a delay and a size in seconds");
	if (parse_fixed(val[0], 9, SIM_OFFSET_MAX, &cfg->sim_jump_after) != NUM_OK ||
	    cfg->sim_jump_after <= 0)
		return fail(p, "jump delay '%s' is not a number of seconds above 0", show(b, val[0]));
	if (parse_fixed(val[1], 9, SIM_OFFSET_MAX, &cfg->sim_jump_by) != NUM_OK ||
	    cfg->sim_jump_by == 0)
		return fail(p, "jump size '%s' is not a number of seconds, -1e9..1e9 but 0",
			    show(b, val[1]));
	return 0;
}

/* "start TIME": the sim clock reads TIME (RFC 3339, UTC) when it is
 * made; an offset says the same another way. */
static int clock_start(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	struct tsyncd_config *cfg = obj;
	char b[SHOW_MAX];

	if (!leap_parse_utc(val[0], &cfg->sim_start))
		return fail(p, "start '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ (1970..2200)",
			    show(b, val[0]));
	cfg->sim_start_set = true;
	return 0;
}

/* Every option of the clock directive is the sim clock's. */
static int clock_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	if (p->cfg->clock != CFG_CLOCK_SIM && seen != 0)
		return fail(p, "%s only applies to the sim clock",
			    d->opts[__builtin_ctz(seen)].name);
	if ((seen & opt_bit(d, "start")) && (seen & opt_bit(d, "offset")))
		return fail(p, "start and offset both set the time: give one");
	return 0;
}

/* ---- allow, deny, ratelimit */

static void *access_begin(struct parser *p, const struct directive *d)
{
	memset(&p->access, 0, sizeof(p->access));
	p->access.rule.line = p->lineno;
	return &p->access;
}

/* "ADDR", "ADDR/LEN" or "all". */
static int access_prefix(struct parser *p, const struct opt *o, void *obj,
			 const char *const *val)
{
	struct acl_rule *r = &((struct access_line *)obj)->rule;
	const char *word = val[0], *slash = strchr(word, '/');
	size_t n = slash ? (size_t)(slash - word) : strlen(word);
	struct opt bits = { .name = "prefix length", .kind = OPT_INT };
	char b[SHOW_MAX], a[INET6_ADDRSTRLEN];
	long long v;
	int family, rc;

	((struct access_line *)obj)->word = word;
	if (strcmp(word, "all") == 0)
		return 0;
	if (n >= sizeof(a))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 address", show(b, word));
	memcpy(a, word, n);
	a[n] = '\0';
	if ((rc = addr_value(p, a, &family, r->addr)) < 0)
		return rc;
	r->len = family == AF_INET ? 4 : 16;
	r->prefix = (uint8_t)(r->len * 8);
	if (slash == NULL)
		return 0;
	bits.hi = r->prefix;
	if ((rc = int_value(p, &bits, slash + 1, &v)) < 0)
		return rc;
	r->prefix = (uint8_t)v;
	return 0;
}

/* Add a's rule to acl; what is wrong is said as the rules' kind. */
static int add_rule(struct parser *p, struct acl *acl, const struct access_line *a,
		    const char *kind)
{
	const struct acl_rule *clash;
	char b[SHOW_MAX];

	switch (acl_add(acl, &a->rule, &clash)) {
	case -EINVAL:
		return fail(p, "'%s' has bits set past its prefix length", show(b, a->word));
	case -EEXIST:
		return fail(p, "'%s' is the prefix of line %lu", show(b, a->word), clash->line);
	case -ENOSPC:
		return fail(p, "more than %d %s rules", ACL_MAX_RULES, kind);
	default:
		return 0;
	}
}

static int access_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	struct access_line *a = obj;

	a->rule.action = (uint8_t)(a->kod ? ACL_DENY_KOD : d->tag);
	return add_rule(p, &p->cfg->acl, a, "allow and deny");
}

/* ---- metrics, metricsallow */

static void *metrics_begin(struct parser *p, const struct directive *d)
{
	p->cfg->metrics = (struct cfg_listen){ .port = CFG_METRICS_PORT };
	return &p->cfg->metrics;
}

static int metrics_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	p->cfg->metrics_on = true;
	return 0;
}

static int metricsallow_end(struct parser *p, const struct directive *d, void *obj,
			    unsigned seen)
{
	struct access_line *a = obj;

	a->rule.action = ACL_ALLOW;
	return add_rule(p, &p->cfg->metrics_acl, a, "metricsallow");
}

static int ratelimit_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	p->cfg->ratelimit_on = true;
	return 0;
}

static void ratelimit_defaults(struct rl_params *r)
{
	*r = (struct rl_params){ .interval = RL_INTERVAL_DEFAULT, .burst = RL_BURST_DEFAULT,
				 .leak = RL_LEAK_DEFAULT, .table = RL_TABLE_DEFAULT,
				 .v6prefix = RL_V6PREFIX_DEFAULT };
}

/* ---- Berkeley mode (issue 4) */

#define BRK_DEFAULT_GROUP "239.255.5.25" /* IPv4 local scope (RFC 2365) */
#define BRK_DEFAULT_PORT 525
#define BRK_PRIORITY_DEFAULT 100
#define BRK_AUTH_ONLY "only 'auth none' is known (keys: berkeley key ID)"

static void berkeley_defaults(struct cfg_berkeley *b)
{
	b->priority = BRK_PRIORITY_DEFAULT;
	b->group_family = AF_INET;
	inet_pton(AF_INET, BRK_DEFAULT_GROUP, b->group);
	b->port = BRK_DEFAULT_PORT;
	b->ttl = 1;
	b->interval = 10000 * MS;
	b->tolerance = 50 * MS;
	b->maxrtt = 50 * MS;
	b->step = 1000000 * NS_PER_S; /* no bound but maxslew's */
	b->misses = 3;
	b->election = 3;
	b->frequency = 1;
	b->maxdrift_ppm = 100;
}

static int brk_role_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	p->cfg->berkeley.role = (enum cfg_brk_role)d->tag;
	return 0;
}

static bool is_multicast(int family, const uint8_t *a)
{
	return family == AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff;
}

static int brk_group_addr(struct parser *p, const struct opt *o, void *obj,
			  const char *const *val)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;
	uint8_t addr[16] = { 0 };
	char sb[SHOW_MAX];
	int family;

	if (!parse_addr(val[0], &family, addr) || !is_multicast(family, addr))
		return fail(p, "'%s' is not a numeric IPv4 or IPv6 multicast address",
			    show(sb, val[0]));
	b->group_family = family;
	memcpy(b->group, addr, sizeof(b->group));
	return 0;
}

static int brk_auth(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	if (strcmp(val[0], "none") != 0)
		return fail(p, "%s", BRK_AUTH_ONLY);
	p->cfg->berkeley.auth_none = 1;
	return 0;
}

/* Node ids as the logs print them: 1 to 16 hex digits, not 0. */
static int node_value(struct parser *p, const char *s, uint64_t *node)
{
	char b[SHOW_MAX];
	size_t n = strlen(s);

	if (n == 0 || n > 16 || strspn(s, "0123456789abcdefABCDEF") != n)
		return fail(p, "node id '%s' is not 1 to 16 hex digits", show(b, s));
	*node = strtoull(s, NULL, 16);
	if (*node == 0)
		return fail(p, "node id 0 is no node");
	return 0;
}

static int brk_node_id(struct parser *p, const struct opt *o, void *obj, const char *const *val)
{
	return node_value(p, val[0], &p->cfg->berkeley.node);
}

static void *brk_member_begin(struct parser *p, const struct directive *d)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;

	if (b->n_members == CFG_BRK_MEMBER_KEYS) {
		fail(p, "more than %d members with keys", CFG_BRK_MEMBER_KEYS);
		return NULL;
	}
	b->member[b->n_members] = (struct cfg_brk_member){ .line = p->lineno };
	return &b->member[b->n_members];
}

static int brk_member_node(struct parser *p, const struct opt *o, void *obj,
			   const char *const *val)
{
	return node_value(p, val[0], &((struct cfg_brk_member *)obj)->node);
}

/* A key speaks for one node, and a node has one key. */
static int brk_member_end(struct parser *p, const struct directive *d, void *obj, unsigned seen)
{
	struct cfg_berkeley *b = &p->cfg->berkeley;
	const struct cfg_brk_member *m = obj;

	if (seen == 0)
		return fail(p, "missing 'key ID': the key node %016" PRIx64 " signs with", m->node);
	for (int i = 0; i < b->n_members; i++) {
		const struct cfg_brk_member *o = &b->member[i];

		if (o->node == m->node)
			return fail(p, "node %016" PRIx64 " already has a key on line %lu", m->node,
				    o->line);
		if (o->key_id == m->key_id)
			return fail(p, "key %" PRIu32 " is node %016" PRIx64 "'s on line %lu: a "
				    "member's key is its alone", m->key_id, o->node, o->line);
	}
	b->n_members++;
	return 0;
}

/* ----------------------------------------------------------- the tables
 *
 * How to add a directive: one row in directives[] below, for instance
 *
 *   { "leapfile", ONCE, ARG(STRING(OPT_ABSPATH, CONF, leapfile), .missing = "missing path") },
 *
 * Its name; ONCE when a second line of it is an error ("already given on
 * line N"); its arguments in .args, rows of struct opt in order (ARG(...)
 * for one); its options in .opts, a table of { "word", KIND(...) } rows
 * ended by END. A row says what the value is (enum opt_kind), its range
 * and where it goes (the struct and field); the engine below gives every
 * "missing value", "not a number", "out of range", "unknown option",
 * "given twice" and "extra argument" message, and counts the words the
 * directive may take. A value no kind fits is CUSTOM(function, words).
 * begin (the struct the rows point into, when not the config: the next
 * server) and end (checks that need the whole line; commits) are for
 * directives that add to a list. Document it in man/tsyncd.conf.5 and
 * test its messages in tests/unit/test_config.c.
 *
 * How to add an option: one row in the directive's .opts table, e.g.
 * { "start", CUSTOM(clock_start, 1) } in clock_opts.
 */

#define CONF struct tsyncd_config
#define ONCE .once = ""
#define HOST_MISSING "missing host name or address"
#define ACCESS_MISSING "missing address (ADDR, ADDR/LEN or all)"
#define MAKESTEP_MISSING "needs a threshold in seconds and a limit of updates"

static const char *const clock_words[] = {
	[CFG_CLOCK_SYSTEM] = "system", [CFG_CLOCK_READONLY] = "readonly",
	[CFG_CLOCK_SIM] = "sim", NULL,
};

static const struct opt clock_opts[] = {
	{ "offset", SECONDS(CONF, sim_offset, -SIM_OFFSET_MAX, SIM_OFFSET_MAX, "-1e9..1e9 s") },
	{ "drift", PPM(CONF, sim_drift_ppm, -1000 * PPM_UNITS, 1000 * PPM_UNITS, "-1000..1000 ppm") },
	{ "jump", CUSTOM(clock_jump, 2) },
	{ "start", CUSTOM(clock_start, 1) },
	END
};

static const char *const leapmode_words[] = {
	[LEAP_MODE_SYSTEM] = "system", [LEAP_MODE_STEP] = "step",
	[LEAP_MODE_SLEW] = "slew", [LEAP_MODE_IGNORE] = "ignore", NULL,
};

static const struct opt listen_opts[] = {
	{ "port", INT(struct cfg_listen, port, 0, PORT_MAX) },
	END
};

static const struct opt server_opts[] = {
	{ "port", INT(struct cfg_server, port, 1, PORT_MAX) },
	{ "minpoll", INT(struct cfg_server, minpoll, CFG_POLL_MIN, CFG_POLL_MAX) },
	{ "maxpoll", INT(struct cfg_server, maxpoll, CFG_POLL_MIN, CFG_POLL_MAX) },
	{ "iburst", FLAG(struct cfg_server, iburst) },
	{ "prefer", FLAG(struct cfg_server, prefer) },
	{ "key", INT(struct cfg_server, key_id, 1, UINT32_MAX) },
	{ "nts", FLAG(struct cfg_server, nts) },
	{ "ntsport", INT(struct cfg_server, ntsport, 1, PORT_MAX) },
	END
};

static const struct opt ntsntpserver_opts[] = {
	{ "port", INT(CONF, ntsntpport, 1, PORT_MAX) },
	END
};

static const struct opt makestep_args[] = {
	{ "threshold", SECONDS(CONF, makestep_threshold, 0, 1000000 * NS_PER_S, "0..1e6 s"),
	  .missing = MAKESTEP_MISSING },
	{ "limit", INT(CONF, makestep_limit, -1, INT32_MAX), .missing = MAKESTEP_MISSING },
	END
};

static const struct opt deny_opts[] = {
	{ "kod", FLAG(struct access_line, kod) },
	END
};

static const struct opt ratelimit_opts[] = {
	{ "interval", INT(CONF, ratelimit.interval, RL_INTERVAL_MIN, RL_INTERVAL_MAX) },
	{ "burst", INT(CONF, ratelimit.burst, RL_BURST_MIN, RL_BURST_MAX) },
	{ "leak", INT(CONF, ratelimit.leak, RL_LEAK_MIN, RL_LEAK_MAX) },
	{ "table", INT(CONF, ratelimit.table, RL_TABLE_MIN, RL_TABLE_MAX), .pow2 = true },
	{ "ipv6prefix", INT(CONF, ratelimit.v6prefix, 0, 128) },
	END
};

static const struct opt brk_role_opts[] = {
	{ "priority", INT(CONF, berkeley.priority, 0, 255) },
	END
};

static const struct opt brk_group_opts[] = {
	{ "port", INT(CONF, berkeley.port, 1, PORT_MAX) },
	{ "ttl", INT(CONF, berkeley.ttl, 1, 255) },
	{ "interface", STRING(OPT_WORD, CONF, berkeley.interface) },
	END
};

static const struct opt brk_member_opts[] = {
	{ "key", INT(struct cfg_brk_member, key_id, 1, UINT32_MAX) },
	END
};

/* "berkeley ROLE [priority N]": one of three, once. */
#define BRK_ROLE(word, role) \
	{ "berkeley " word, .once = "role", .opts = brk_role_opts, .tag = (role), \
	  .end = brk_role_end }
/* "berkeley SETTING VALUE", once. */
#define BRK(setting, ...) \
	{ "berkeley " setting, .once = setting, ARG(.name = setting, __VA_ARGS__) }

static const struct directive directives[] = {
	{ "listen", ARG(CUSTOM(listen_addr, 1), .missing = "missing address"),
	  .opts = listen_opts, .begin = listen_begin, .end = listen_end },
	{ "stratum", ONCE, ARG(INT(CONF, stratum, 1, 15)) },
	{ "clock", ONCE, ARG(.name = "clock", ENUM(CONF, clock, clock_words),
			     .missing = "missing clock type (system, readonly or sim)"),
	  .opts = clock_opts, .end = clock_end },
	{ "control", ONCE, ARG(STRING(OPT_SOCKET, CONF, control),
			       .missing = "missing socket path (or none)") },
	{ "server", ARG(STRING(OPT_HOST, struct cfg_server, host), .missing = HOST_MISSING),
	  .opts = server_opts, .begin = server_begin, .end = server_end },
	{ "pool", ARG(STRING(OPT_HOST, struct cfg_server, host), .missing = HOST_MISSING),
	  .opts = server_opts, .tag = true, .begin = server_begin, .end = server_end },
	{ "makestep", ONCE, .args = makestep_args },
	{ "maxslew", ONCE, ARG(PPM(CONF, maxslew_ppm, 1, 83333333LL * (PPM_UNITS / 1000), "(0..83333.333] ppm"),
			       .missing = "missing rate in ppm") },
	{ "maxdistance", ONCE, ARG(SECONDS(CONF, maxdistance, 1, CFG_MAXDISTANCE_MAX, "(0..16] s"),
				   .missing = "missing seconds") },
	{ "holdover", ONCE, ARG(SECONDS(CONF, holdover, 0, CFG_HOLDOVER_MAX, "0..1e7 s"),
				.missing = "missing seconds") },
	{ "driftfile", ONCE, ARG(STRING(OPT_ABSPATH, CONF, driftfile), .missing = "missing path") },
	{ "leapfile", ONCE, ARG(STRING(OPT_ABSPATH, CONF, leapfile), .missing = "missing path") },
	{ "leapmode", ONCE, ARG(.name = "mode", ENUM(CONF, leapmode, leapmode_words),
				.missing = "missing mode (system, step, slew or ignore)") },
	{ "keyfile", ONCE, ARG(STRING(OPT_PATH, CONF, keyfile), .missing = "missing path") },
	{ "allow", ARG(CUSTOM(access_prefix, 1), .missing = ACCESS_MISSING), .tag = ACL_ALLOW,
	  .begin = access_begin, .end = access_end },
	{ "deny", ARG(CUSTOM(access_prefix, 1), .missing = ACCESS_MISSING), .opts = deny_opts,
	  .tag = ACL_DENY, .begin = access_begin, .end = access_end },
	{ "ratelimit", ONCE, .opts = ratelimit_opts, .end = ratelimit_end },
	{ "user", ONCE, ARG(STRING(OPT_NAME, CONF, user), .missing = "missing name") },
	{ "controlgroup", ONCE, ARG(STRING(OPT_NAME, CONF, controlgroup), .missing = "missing name") },
	{ "seccomp", ONCE, ARG(ONOFF(CONF, seccomp), .missing = "missing on or off") },
	{ "metrics", ONCE, ARG(CUSTOM(listen_addr, 1), .missing = "missing address"),
	  .opts = listen_opts, .begin = metrics_begin, .end = metrics_end },
	{ "metricsallow", ARG(CUSTOM(access_prefix, 1), .missing = ACCESS_MISSING),
	  .begin = access_begin, .end = metricsallow_end },
	{ "ntsservercert", ONCE, ARG(STRING(OPT_ABSPATH, CONF, ntsservercert), .missing = "missing path") },
	{ "ntsserverkey", ONCE, ARG(STRING(OPT_ABSPATH, CONF, ntsserverkey), .missing = "missing path") },
	{ "ntsport", ONCE, ARG(INT(CONF, ntsport, 0, PORT_MAX)) },
	{ "maxntsconnections", ONCE, ARG(INT(CONF, maxntsconnections, 1, 10000)) },
	{ "ntsdumpdir", ONCE, ARG(STRING(OPT_ABSPATH, CONF, ntsdumpdir), .missing = "missing path") },
	{ "ntsrotate", ONCE, ARG(INT(CONF, ntsrotate, 0, INT32_MAX), .missing = "missing seconds") },
	{ "ntstrustedcerts", ONCE, ARG(STRING(OPT_ABSPATH, CONF, ntstrustedcerts), .missing = "missing path") },
	{ "ntsntpserver", ONCE, ARG(STRING(OPT_HOST, CONF, ntsntpserver), .missing = HOST_MISSING),
	  .opts = ntsntpserver_opts },
	/* "berkeley" alone lists the first four of these. */
	BRK_ROLE("master", CFG_BRK_MASTER),
	BRK_ROLE("slave", CFG_BRK_SLAVE),
	BRK_ROLE("candidate", CFG_BRK_CANDIDATE),
	{ "berkeley group", .once = "group",
	  ARG(CUSTOM(brk_group_addr, 1), .missing = "missing group address"),
	  .opts = brk_group_opts },
	BRK("interval", SECONDS(CONF, berkeley.interval, 100 * MS, 86400 * NS_PER_S, "0.1..86400 s")),
	BRK("tolerance", SECONDS(CONF, berkeley.tolerance, 0, 1000000 * NS_PER_S, "0..1e6 s")),
	BRK("maxrtt", SECONDS(CONF, berkeley.maxrtt, 1 * MS, 10 * NS_PER_S, "0.001..10 s")),
	BRK("step", SECONDS(CONF, berkeley.step, 0, 1000000 * NS_PER_S, "0..1e6 s")),
	BRK("misses", INT(CONF, berkeley.misses, 1, 1000)),
	BRK("election", INT(CONF, berkeley.election, 1, 1000)),
	BRK("key", INT(CONF, berkeley.key_id, 1, UINT32_MAX)),
	BRK("groupid", INT(CONF, berkeley.group_id, 0, UINT32_MAX)),
	BRK("frequency", ONOFF(CONF, berkeley.frequency)),
	BRK("maxdrift", PPM(CONF, berkeley.maxdrift_ppm, 0, 100000 * PPM_UNITS, "0..100000 ppm")),
	{ "berkeley auth", .once = "auth", ARG(CUSTOM(brk_auth, 1), .missing = BRK_AUTH_ONLY) },
	{ "berkeley node", .once = "node", ARG(CUSTOM(brk_node_id, 1), .missing = "missing node id") },
	{ "berkeley member", ARG(CUSTOM(brk_member_node, 1), .missing = "missing node id"),
	  .opts = brk_member_opts, .begin = brk_member_begin, .end = brk_member_end },
};

#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))
_Static_assert(N_DIRECTIVES <= MAX_DIRECTIVES, "raise MAX_DIRECTIVES");

/* ----------------------------------------------------------- the engine */

#define MAX_VALUES 2 /* the most words one value takes (jump AFTER BY) */

static size_t first_word_len(const char *name)
{
	return strcspn(name, " ");
}

static bool same_family(const struct directive *a, const struct directive *b)
{
	size_t n = first_word_len(a->name);

	return n == first_word_len(b->name) && strncmp(a->name, b->name, n) == 0;
}

/* Where a once-only row keeps the line it was given on: the first row of
 * its family given once under the same name (the three roles share one). */
static size_t slot(const struct directive *d)
{
	size_t i = 0;

	while (!(same_family(d, &directives[i]) && directives[i].once != NULL &&
		 strcmp(d->once, directives[i].once) == 0))
		i++;
	return i;
}

static unsigned long given_at(const struct parser *p, const char *name)
{
	for (size_t i = 0; i < N_DIRECTIVES; i++)
		if (strcmp(directives[i].name, name) == 0)
			return p->given[slot(&directives[i])];
	return 0;
}

static int once(struct parser *p, const struct directive *d)
{
	unsigned long *at = &p->given[slot(d)];

	if (*at != 0 && d->once[0] != '\0')
		return fail(p, "%s already given on line %lu", d->once, *at);
	if (*at != 0)
		return fail(p, "already given on line %lu", *at);
	*at = p->lineno;
	return 0;
}

/* The row named by the line's first word, or for a family
 * ("berkeley interval") by its first two. */
static const struct directive *find_directive(const struct line *l, bool *family)
{
	*family = false;
	for (size_t i = 0; i < N_DIRECTIVES; i++) {
		const char *name = directives[i].name;
		size_t n = first_word_len(name);

		if (strncmp(name, l->word[0], n) != 0 || l->word[0][n] != '\0')
			continue;
		if (name[n] == '\0')
			return &directives[i];
		*family = true;
		if (l->n > 1 && strcmp(name + n + 1, l->word[1]) == 0)
			return &directives[i];
	}
	return NULL;
}

static int unknown_setting(struct parser *p, const struct line *l)
{
	char b[SHOW_MAX], some[96] = "";
	int listed = 0;

	if (l->n > 1)
		return fail(p, "unknown setting '%s'", show(b, l->word[1]));
	for (size_t i = 0; i < N_DIRECTIVES && listed < 4; i++) {
		const char *name = directives[i].name;
		size_t n = first_word_len(name);

		if (strncmp(name, l->word[0], n) == 0 && l->word[0][n] == '\0' && name[n] != '\0') {
			snprintf(some + strlen(some), sizeof(some) - strlen(some), "%s, ",
				 name + n + 1);
			listed++;
		}
	}
	return fail(p, "missing argument (%s...)", some);
}

static int max_words(const struct directive *d)
{
	int n = d->name[first_word_len(d->name)] != '\0' ? 2 : 1;

	for (const struct opt *o = d->args; o != NULL && o->kind != OPT_END; o++)
		n += opt_words(o);
	for (const struct opt *o = d->opts; o != NULL && o->kind != OPT_END; o++)
		n += 1 + opt_words(o);
	return n;
}

/* The n words from word i, NULL past the line's end. */
static void take(const struct line *l, int i, int n, const char *val[MAX_VALUES])
{
	assert(n <= MAX_VALUES);
	for (int k = 0; k < MAX_VALUES; k++)
		val[k] = k < n && i + k < l->n ? l->word[i + k] : NULL;
}

static int missing(struct parser *p, const struct opt *o)
{
	if (o->missing != NULL)
		return fail(p, "%s", o->missing);
	if (o->name != NULL)
		return fail(p, "missing value after %s", o->name);
	return fail(p, "missing argument");
}

/* The arguments from word *i on. */
static int parse_args(struct parser *p, const struct opt *args, const struct line *l, int *i,
		      void *obj)
{
	const char *val[MAX_VALUES];
	int rc;

	for (const struct opt *o = args; o != NULL && o->kind != OPT_END; o++) {
		take(l, *i, opt_words(o), val);
		if (val[0] == NULL)
			return missing(p, o);
		if ((rc = opt_value(p, o, obj, val)) < 0)
			return rc;
		*i += opt_words(o);
	}
	return 0;
}

static const struct opt *find_opt(const struct opt *opts, const char *word)
{
	for (const struct opt *o = opts; o != NULL && o->kind != OPT_END; o++)
		if (strcmp(o->name, word) == 0)
			return o;
	return NULL;
}

/* The options from word i to the end, each at most once; *seen gets a
 * bit an option, by its row. */
static int parse_opts(struct parser *p, const struct opt *opts, const struct line *l, int i,
		      void *obj, unsigned *seen)
{
	const char *val[MAX_VALUES];
	char b[SHOW_MAX];
	int rc;

	while (i < l->n) {
		const struct opt *o = find_opt(opts, l->word[i]);

		if (o == NULL)
			return fail(p, "unknown option '%s'", show(b, l->word[i]));
		if (*seen & (1u << (o - opts)))
			return fail(p, "%s given twice", o->name);
		*seen |= 1u << (o - opts);
		take(l, i + 1, opt_words(o), val);
		if (opt_words(o) > 0 && val[0] == NULL)
			return missing(p, o);
		if ((rc = opt_value(p, o, obj, val)) < 0)
			return rc;
		i += 1 + opt_words(o);
	}
	return 0;
}

static int run_directive(struct parser *p, const struct directive *d, const struct line *l)
{
	int i = d->name[first_word_len(d->name)] != '\0' ? 2 : 1;
	int max = max_words(d), rc;
	unsigned seen = 0;
	char b[SHOW_MAX];
	void *obj;

	assert(max <= MAX_WORDS);
	if (l->n > max)
		return fail(p, "extra argument '%s'", show(b, l->word[max]));
	if (d->once != NULL && (rc = once(p, d)) < 0)
		return rc;
	obj = d->begin ? d->begin(p, d) : p->cfg;
	if (obj == NULL)
		return -EINVAL;
	if ((rc = parse_args(p, d->args, l, &i, obj)) < 0 ||
	    (rc = parse_opts(p, d->opts, l, i, obj, &seen)) < 0)
		return rc;
	return d->end ? d->end(p, d, obj, seen) : 0;
}

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

/* One line, its end (LF or CRLF) already cut off. */
static int parse_line(struct parser *p, const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);
	size_t end = hash ? (size_t)(hash - s) : len;
	size_t start = 0, name_end;
	const struct directive *d;
	char buf[CFG_LINE_MAX + 1];
	struct line l;
	bool family;

	while (start < end && is_blank(s[start]))
		start++;
	while (end > start && is_blank(s[end - 1]))
		end--;
	name_end = start;
	while (name_end < end && !is_blank(s[name_end]))
		name_end++;
	/* Messages name the directive as written. */
	p->name = start < end ? show_n(p->name_buf, s + start, name_end - start) : "comment";
	if (memchr(s, '\0', len))
		return fail(p, "NUL byte in the line");
	if (start == end)
		return 0;
	if (end - start > CFG_LINE_MAX)
		return fail(p, "line longer than %d bytes", CFG_LINE_MAX);
	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	split(buf, &l);
	if ((d = find_directive(&l, &family)) == NULL)
		return family ? unknown_setting(p, &l) : fail(p, "unknown directive");
	return run_directive(p, d, &l);
}

/* ------------------------------------------------ checks of the whole file */

/* A server's key must come from a keys file, given anywhere in the file. */
static int server_keys_check(struct parser *p)
{
	for (int i = 0; i < p->cfg->n_servers; i++) {
		const struct cfg_server *sv = &p->cfg->server[i];

		if (sv->key_id != 0 && !given_at(p, "keyfile")) {
			p->lineno = sv->line;
			p->name = sv->pool ? "pool" : "server";
			return fail(p, "key %u needs a keyfile", sv->key_id);
		}
	}
	return 0;
}

/* Our own row of member keys: `berkeley node` with a `berkeley member`
 * line for it (a node that then needs no group key). */
static const struct cfg_brk_member *own_member(const struct cfg_berkeley *b)
{
	for (int i = 0; i < b->n_members && b->node != 0; i++)
		if (b->member[i].node == b->node)
			return &b->member[i];
	return NULL;
}

/* Member keys are keys: a keyfile, no auth none, none the group key. */
static int members_check(struct parser *p, unsigned long auth)
{
	const struct cfg_berkeley *b = &p->cfg->berkeley;

	for (int i = 0; i < b->n_members; i++) {
		const struct cfg_brk_member *m = &b->member[i];

		p->lineno = m->line;
		if (auth)
			return fail(p, "member keys and auth none (line %lu)", auth);
		if (!given_at(p, "keyfile"))
			return fail(p, "key %" PRIu32 " needs a keyfile", m->key_id);
		if (m->key_id == b->key_id)
			return fail(p, "key %" PRIu32 " is the group's (berkeley key): a member's "
				    "key is its alone", m->key_id);
	}
	return 0;
}

/* Berkeley settings need a role, and a role a key (the group's, or its
 * own member key) or an explicit `auth none`. Errors name the line they
 * concern. */
static int berkeley_check(struct parser *p)
{
	const struct cfg_berkeley *b = &p->cfg->berkeley;
	unsigned long role = given_at(p, "berkeley master");
	unsigned long key = given_at(p, "berkeley key"), auth = given_at(p, "berkeley auth");

	p->name = "berkeley";
	for (size_t i = 0; i < N_DIRECTIVES && role == 0; i++) {
		const struct directive *d = &directives[i];

		if (p->given[i] && strncmp(d->name, "berkeley ", 9) == 0) {
			p->lineno = p->given[i];
			return fail(p, "%s given without a role (berkeley master, slave or candidate)",
				    d->once);
		}
	}
	if (role == 0 && b->n_members > 0) {
		p->lineno = b->member[0].line;
		return fail(p, "member given without a role (berkeley master, slave or candidate)");
	}
	if (role == 0)
		return 0;
	p->lineno = role;
	if (key && auth)
		return fail(p, "both a key (line %lu) and auth none (line %lu)", key, auth);
	if (!key && !auth && own_member(b) == NULL)
		return fail(p, "no key: give 'berkeley key ID' and 'keyfile PATH', or 'berkeley auth none'");
	if (key && !given_at(p, "keyfile")) {
		p->lineno = key;
		return fail(p, "key %u needs a keyfile", b->key_id);
	}
	return members_check(p, auth);
}

/* An NTS-KE server needs its certificate and its key, and addresses to
 * listen on; its other settings need it. */
static int nts_check(struct parser *p)
{
	unsigned long cert = given_at(p, "ntsservercert"), key = given_at(p, "ntsserverkey");
	static const char *const needs[] = { "ntsport", "maxntsconnections", "ntsdumpdir",
					     "ntsrotate", "ntsntpserver" };

	if (cert == 0 && key == 0) {
		for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
			if ((p->lineno = given_at(p, needs[i])) != 0) {
				p->name = needs[i];
				return fail(p, "needs ntsservercert and ntsserverkey");
			}
		return 0;
	}
	p->lineno = cert != 0 ? cert : key;
	p->name = cert != 0 ? "ntsservercert" : "ntsserverkey";
	if (cert == 0 || key == 0)
		return fail(p, "needs %s too", cert != 0 ? "ntsserverkey" : "ntsservercert");
	if (p->cfg->n_listen == 0)
		return fail(p, "needs a listen line: NTS-KE listens on its addresses");
	return 0;
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
	cfg->ntsport = CFG_NTSPORT_DEFAULT;
	cfg->maxntsconnections = CFG_MAXNTSCONNECTIONS_DEFAULT;
	cfg->ntsrotate = CFG_NTSROTATE_DEFAULT;
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
	if (server_keys_check(&p) < 0 || nts_check(&p) < 0)
		return -EINVAL;
	return berkeley_check(&p);
}

/* No `listen` line serves no one, as chrony, ntpd-rs and OpenNTPD: a
 * client-only host must not answer the world on port 123 by default. */
void cfg_finish(struct tsyncd_config *cfg)
{
	(void)cfg;
}
