/*
 * The lab relay's fault model (tsync-relay(1)): parse one direction's
 * settings and decide each datagram's fate. No I/O, no clock: the relay
 * passes the generator in, so a seed replays a lab datagram for datagram.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/relay_fault.h"

struct relay_key {
	const char *name;
	double max;  /* the largest value accepted */
	double unit; /* ns per ms, or ppm per percent */
};

static const struct relay_key relay_keys[] = {
	{ "delay", 60000, 1e6 },
	{ "jitter", 60000, 1e6 },
	{ "loss", 100, 1e4 },
	{ "dup", 100, 1e4 },
};

static bool parse_value(const char *s, size_t len, double max, double *out)
{
	char buf[32], *end;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	double v = strtod(buf, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

static void set_field(struct relay_dir *d, int key, double v)
{
	int64_t n = llround(v);
	switch (key) {
	case 0: d->delay = n; break;
	case 1: d->jitter = n; break;
	case 2: d->loss = (uint32_t)n; break;
	default: d->dup = (uint32_t)n; break;
	}
}

/* One "name=value" of len bytes into *d. */
static int parse_item(const char *s, size_t len, struct relay_dir *d, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq != NULL ? (size_t)(eq - s) : len;
	for (size_t k = 0; k < sizeof(relay_keys) / sizeof(relay_keys[0]); k++) {
		const struct relay_key *rk = &relay_keys[k];
		double v;
		if (strlen(rk->name) != nlen || strncmp(s, rk->name, nlen) != 0)
			continue;
		if (eq == NULL || !parse_value(eq + 1, len - nlen - 1, rk->max, &v)) {
			snprintf(err, errlen, "bad value for %s: '%.*s' (a number from 0 to %g%s)",
				 rk->name, (int)len, s, rk->max, k < 2 ? " ms" : " %");
			return -EINVAL;
		}
		set_field(d, (int)k, v * rk->unit);
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%.*s' (delay, jitter, loss or dup)", (int)nlen, s);
	return -EINVAL;
}

int relay_dir_parse(const char *spec, struct relay_dir *out, char *err, size_t errlen)
{
	struct relay_dir d = *out;
	const char *s = spec;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		int rc = parse_item(s, len, &d, err, errlen);
		if (rc < 0)
			return rc;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	*out = d;
	return 0;
}

void relay_rng_seed(struct relay_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t relay_rng_next(struct relay_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A draw in [0, RELAY_PPM): a chance in parts per million. */
static uint32_t draw_ppm(struct relay_rng *r)
{
	return (uint32_t)(relay_rng_next(r) % RELAY_PPM);
}

/* The delay plus a jitter uniform in [-jitter, +jitter], at least 0. */
static int64_t draw_delay(const struct relay_dir *d, struct relay_rng *r)
{
	uint64_t x = relay_rng_next(r);
	if (d->jitter <= 0)
		return d->delay;
	int64_t j = (int64_t)(x % (2 * (uint64_t)d->jitter + 1)) - d->jitter;
	return d->delay + j > 0 ? d->delay + j : 0;
}

int relay_fate(const struct relay_dir *d, struct relay_rng *r, int64_t delays[2])
{
	uint32_t lost = draw_ppm(r), dup = draw_ppm(r);
	delays[0] = draw_delay(d, r);
	delays[1] = draw_delay(d, r);
	if (lost < d->loss)
		return 0;
	return dup < d->dup ? 2 : 1;
}
