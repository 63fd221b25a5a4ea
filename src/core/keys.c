/*
 * The keys file parser: "ID TYPE KEY" lines in, a key ring out, for NTP
 * MACs and Berkeley messages alike. Pure, so that every error can be
 * tested; reading the file and checking who may read it is the daemon's.
 */
#include "tsync/keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_WORDS 3

static int fail(char *err, size_t errlen, const char *file, unsigned long line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *file, unsigned long line,
		const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%lu: ", file, line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* volatile: a plain memset before free or return may be optimised away */
static void wipe(void *mem, size_t n)
{
	volatile uint8_t *p = mem;
	for (size_t i = 0; i < n; i++)
		p[i] = 0;
}

int keys_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* False unless s is an even number of hex digits, at most max bytes. */
static bool parse_hex(const char *s, size_t max, struct keys_key *k)
{
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = keys_hex_value(s[i]), lo = keys_hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		k->secret[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	k->len = (uint8_t)(n / 2);
	return true;
}

static bool parse_id(const char *s, uint32_t *id)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v == 0 || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

static int split(char *s, char *w[LINE_MAX_WORDS + 1])
{
	char *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(s, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save))
		if (n <= LINE_MAX_WORDS)
			w[n++] = tok;
		else
			n++;
	return n;
}

/* The types by name; a cipher's key has exactly its key size. */
static const struct {
	const char *name;
	uint8_t type;
	uint8_t cipher_len; /* 0: a hash, any length from KEYS_SECRET_MIN */
} types[] = {
	{ "hmac-sha256", KEYS_HMAC_SHA256, 0 },
	{ "AES128", KEYS_AES128, 16 },
	{ "AES256", KEYS_AES256, 32 },
	{ "SHA1", KEYS_SHA1, 0 },
	{ "SHA256", KEYS_SHA256, 0 },
	{ "SHA512", KEYS_SHA512, 0 },
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))

static int type_index(const char *name)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcasecmp(name, types[i].name) == 0)
			return (int)i;
	return -1;
}

const char *keys_type_name(int type)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (types[i].type == type)
			return types[i].name;
	return "unknown";
}

struct kctx {
	struct keys_ring *ring;
	const char *file;
	char *err;
	size_t errlen;
	unsigned long line;
};

#define FAIL(c, ...) fail((c)->err, (c)->errlen, (c)->file, (c)->line, __VA_ARGS__)

/* Berkeley's form: bare hex, 128 bits at least. */
static int berkeley_secret(struct kctx *c, const char *s, struct keys_key *k)
{
	if (!parse_hex(s, KEYS_SECRET_MAX, k) || k->len < KEYS_SECRET_MIN)
		return FAIL(c, "key is not %d..%d hex digits", 2 * KEYS_SECRET_MIN,
			    2 * KEYS_SECRET_MAX);
	return 0;
}

/* chrony's form: "HEX:digits", or ASCII with an optional "ASCII:". */
static int chrony_secret(struct kctx *c, const char *s, int t, struct keys_key *k)
{
	if (strncmp(s, "HEX:", 4) == 0) {
		if (!parse_hex(s + 4, KEYS_SECRET_MAX, k))
			return FAIL(c, "HEX: key is not an even number of hex digits, at most %d",
				    2 * KEYS_SECRET_MAX);
	} else {
		if (strncmp(s, "ASCII:", 6) == 0)
			s += 6;
		if (strlen(s) > KEYS_SECRET_MAX)
			return FAIL(c, "key longer than %d bytes", KEYS_SECRET_MAX);
		k->len = (uint8_t)strlen(s);
		memcpy(k->secret, s, k->len);
	}
	if (types[t].cipher_len != 0 && k->len != types[t].cipher_len)
		return FAIL(c, "%s key must be %d bytes, not %d", types[t].name,
			    types[t].cipher_len, k->len);
	if (k->len < KEYS_SECRET_MIN)
		return FAIL(c, "key shorter than %d bytes (128 bits)", KEYS_SECRET_MIN);
	return 0;
}

/* A word of the file quoted in a message: printable, and short enough
 * that the message stays one line (found by fuzz_brk_keys). */
#define SHOWN_MAX 24

static const char *shown(char buf[SHOWN_MAX + 4], const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0' && n < SHOWN_MAX; n++)
		buf[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
	strcpy(buf + n, s[n] != '\0' ? "..." : "");
	return buf;
}

static int parse_type(struct kctx *c, const char *s, struct keys_key *k)
{
	char b[SHOWN_MAX + 4];
	int t = type_index(s);
	if (strcasecmp(s, "MD5") == 0)
		return FAIL(c, "MD5 is refused (RFC 8573 deprecates it): use AES128");
	if (t < 0)
		return FAIL(c, "unknown key type \"%s\" (AES128, AES256, SHA1, SHA256, SHA512, "
			    "hmac-sha256)", shown(b, s));
	k->type = types[t].type;
	return t;
}

static int parse_line(struct kctx *c, char *s)
{
	char *w[LINE_MAX_WORDS + 1];
	struct keys_key k = { 0 };
	int n = split(s, w), t, rc;
	if (n == 0)
		return 0;
	if (n != LINE_MAX_WORDS)
		return FAIL(c, "want \"ID TYPE KEY\"");
	if (!parse_id(w[0], &k.id))
		return FAIL(c, "key id is not a number 1..4294967295");
	if ((t = parse_type(c, w[1], &k)) < 0)
		return t;
	rc = k.type == KEYS_HMAC_SHA256 ? berkeley_secret(c, w[2], &k)
					: chrony_secret(c, w[2], t, &k);
	if (rc == 0 && keys_find(c->ring, k.id) != NULL)
		rc = FAIL(c, "key %u given twice", k.id);
	if (rc == 0 && c->ring->n == KEYS_MAX)
		rc = FAIL(c, "more than %d keys", KEYS_MAX);
	if (rc == 0)
		c->ring->key[c->ring->n++] = k;
	wipe(&k, sizeof(k));
	return rc;
}

/* One line without its end; copied so that it can be cut into words. */
static int take_line(struct kctx *c, const char *s, size_t n)
{
	char buf[KEYS_LINE_MAX + 1];
	const char *hash = memchr(s, '#', n);
	if (hash != NULL)
		n = (size_t)(hash - s);
	if (memchr(s, '\0', n) != NULL)
		return FAIL(c, "NUL byte in the line");
	if (n > KEYS_LINE_MAX)
		return FAIL(c, "line longer than %d bytes", KEYS_LINE_MAX);
	memcpy(buf, s, n);
	buf[n] = '\0';
	int rc = parse_line(c, buf);
	memset(buf, 0, sizeof(buf));
	return rc;
}

int keys_parse(struct keys_ring *ring, const char *text, size_t len, const char *filename,
	       char *err, size_t errlen)
{
	struct kctx c = { .ring = ring, .file = filename, .err = err, .errlen = errlen };
	size_t pos = 0;
	memset(ring, 0, sizeof(*ring));
	if (errlen > 0)
		err[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		c.line++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (take_line(&c, text + pos, n) < 0) {
			keys_wipe(ring);
			return -EINVAL;
		}
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	return 0;
}

const struct keys_key *keys_find(const struct keys_ring *ring, uint32_t id)
{
	for (int i = 0; i < ring->n; i++)
		if (ring->key[i].id == id)
			return &ring->key[i];
	return NULL;
}

void keys_wipe(struct keys_ring *ring)
{
	wipe(ring, sizeof(*ring));
}
