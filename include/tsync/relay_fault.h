/*
 * The lab relay's faults, pure: one direction's delay, jitter, loss and
 * duplication parsed from "delay=20,jitter=1,loss=5,dup=1", and the fate
 * of each datagram drawn from a seeded generator, so a lab is replayable.
 */
#ifndef TSYNC_RELAY_FAULT_H
#define TSYNC_RELAY_FAULT_H

#include <stddef.h>
#include <stdint.h>

#define RELAY_PPM 1000000u

/* One direction's faults: times in ns, rates in parts per million. */
struct relay_dir {
	int64_t delay;    /* added to every copy */
	int64_t jitter;   /* each copy's delay moves by up to +-jitter, never below 0 */
	uint32_t loss;    /* chance a datagram is dropped */
	uint32_t dup;     /* chance a datagram that passes is sent twice */
};

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
struct relay_rng {
	uint64_t state;
};

/* Parse a comma-separated list of delay=MS, jitter=MS (0 to 60000),
 * loss=PERCENT, dup=PERCENT (0 to 100) into *out, which keeps what the
 * spec does not name. Returns 0, or -EINVAL with the reason in err and
 * *out untouched. */
int relay_dir_parse(const char *spec, struct relay_dir *out, char *err, size_t errlen);

void relay_rng_seed(struct relay_rng *r, uint64_t seed);
uint64_t relay_rng_next(struct relay_rng *r);

/* The fate of one datagram: how many copies go out (0, 1 or 2) and the
 * delay of each in delays[]. The draws are always the same three or four
 * per datagram, so one direction's fates do not depend on its settings'
 * rates, only on the seed and the datagram's rank. */
int relay_fate(const struct relay_dir *d, struct relay_rng *r, int64_t delays[2]);

#endif
