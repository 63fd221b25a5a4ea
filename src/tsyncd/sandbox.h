/*
 * tsyncd's seccomp filter (`seccomp on`): once started and privileges
 * dropped, only the system calls of its steady state are allowed, and any
 * other kills the process.
 */
#ifndef TSYNCD_SANDBOX_H
#define TSYNCD_SANDBOX_H

#include "tsync/config.h"

/* Load the filter on every thread. Returns 0 or a negative errno, logged. */
int sandbox_start(const struct tsyncd_config *cfg);

#endif
