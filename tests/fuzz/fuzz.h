/*
 * What every libFuzzer target of tests/fuzz shares: the entry point's
 * prototype, a cursor that takes fixed-width fields off the input, and
 * FUZZ_CHECK, an invariant that aborts (so libFuzzer keeps the input).
 */
#ifndef TSYNC_FUZZ_H
#define TSYNC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): it must hold in every build, NDEBUG or not. */
#define FUZZ_CHECK(cond)                                                           \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
				__LINE__, #cond);                                  \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* Where a target prints what it decoded (tsync's renderers): output that
 * only has to be written whole, not kept. */
static inline FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (f == NULL)
		f = fopen("/dev/null", "w");
	FUZZ_CHECK(f != NULL);
	return f;
}

/* Input taken front to back; past its end every field reads as zero, so
 * that a short input is still a whole (if dull) scenario. */
struct fuzz_in {
	const uint8_t *p;
	size_t len, pos;
};

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->pos < in->len;
}

static inline uint64_t fuzz_uint(struct fuzz_in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | (in->pos < in->len ? in->p[in->pos++] : 0);
	return v;
}

/* Up to want bytes, in place; *got says how many there were. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t want, size_t *got)
{
	const uint8_t *b = in->p + in->pos;
	size_t left = in->len - in->pos;

	*got = want < left ? want : left;
	in->pos += *got;
	return b;
}

/* Big-endian 64 bits of a buffer (the NTP and Berkeley wire order). */
static inline uint64_t fuzz_get64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Lines in a text: one more than its newlines. */
static inline unsigned long fuzz_count_lines(const uint8_t *data, size_t size)
{
	unsigned long n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* An error message of a parser of text: one printable line that starts
 * "FILE:LINE: " with LINE in 1..max_line. Returns what follows. */
static inline const char *fuzz_check_err_line(const char *err, const char *file,
					      unsigned long max_line)
{
	size_t flen = strlen(file);
	char *end;

	FUZZ_CHECK(strncmp(err, file, flen) == 0 && err[flen] == ':');
	unsigned long line = strtoul(err + flen + 1, &end, 10);
	FUZZ_CHECK(end > err + flen + 1 && line >= 1 && line <= max_line);
	FUZZ_CHECK(strncmp(end, ": ", 2) == 0 && end[2] != '\0');
	for (const char *c = err; *c != '\0'; c++)
		FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
	return end + 2;
}

#endif
