/*
 * The keys file parser: "ID hmac-sha256 HEX" lines in, a key ring out.
 * Pure, so that every error can be tested; reading the file and checking
 * that nobody else may read it is the daemon's part.
 */
#include "tsync/brk_keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_WORDS 3
#define KEYS_LINE_MAX 512

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

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* False unless s is an even number of hex digits that fits. */
static bool parse_hex(const char *s, struct brk_key *k)
{
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 < BRK_KEY_MIN || n / 2 > BRK_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
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

struct kctx {
	struct brk_keyring *ring;
	const char *file;
	char *err;
	size_t errlen;
	unsigned long line;
};

static int parse_line(struct kctx *c, char *s)
{
	char *w[LINE_MAX_WORDS + 1];
	struct brk_key k = { 0 };
	int n = split(s, w);
	if (n == 0)
		return 0;
	if (n != LINE_MAX_WORDS)
		return fail(c->err, c->errlen, c->file, c->line, "want \"ID hmac-sha256 HEX\"");
	if (!parse_id(w[0], &k.id))
		return fail(c->err, c->errlen, c->file, c->line, "key id is not a number 1..4294967295");
	if (strcmp(w[1], "hmac-sha256") != 0)
		return fail(c->err, c->errlen, c->file, c->line, "unknown key type (hmac-sha256)");
	if (!parse_hex(w[2], &k))
		return fail(c->err, c->errlen, c->file, c->line,
			    "key is not %d..%d hex digits", 2 * BRK_KEY_MIN, 2 * BRK_KEY_MAX);
	if (brk_keys_find(c->ring, k.id) != NULL)
		return fail(c->err, c->errlen, c->file, c->line, "key %u given twice", k.id);
	if (c->ring->n == BRK_MAX_KEYS)
		return fail(c->err, c->errlen, c->file, c->line, "more than %d keys", BRK_MAX_KEYS);
	c->ring->key[c->ring->n++] = k;
	memset(&k, 0, sizeof(k));
	return 0;
}

/* One line without its end; copied so that it can be cut into words. */
static int take_line(struct kctx *c, const char *s, size_t n)
{
	char buf[KEYS_LINE_MAX + 1];
	const char *hash = memchr(s, '#', n);
	if (hash != NULL)
		n = (size_t)(hash - s);
	if (memchr(s, '\0', n) != NULL)
		return fail(c->err, c->errlen, c->file, c->line, "NUL byte in the line");
	if (n > KEYS_LINE_MAX)
		return fail(c->err, c->errlen, c->file, c->line, "line longer than %d bytes",
			    KEYS_LINE_MAX);
	memcpy(buf, s, n);
	buf[n] = '\0';
	int rc = parse_line(c, buf);
	memset(buf, 0, sizeof(buf));
	return rc;
}

int brk_keys_parse(struct brk_keyring *ring, const char *text, size_t len,
		   const char *filename, char *err, size_t errlen)
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
			brk_keys_wipe(ring);
			return -EINVAL;
		}
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	return 0;
}

const struct brk_key *brk_keys_find(const struct brk_keyring *ring, uint32_t id)
{
	for (int i = 0; i < ring->n; i++)
		if (ring->key[i].id == id)
			return &ring->key[i];
	return NULL;
}

void brk_keys_wipe(struct brk_keyring *ring)
{
	/* volatile: a plain memset before free may be optimised away */
	volatile uint8_t *p = (volatile uint8_t *)ring;
	for (size_t i = 0; i < sizeof(*ring); i++)
		p[i] = 0;
}
