/*
 * Least privilege decided from the configuration alone: which capabilities
 * tsyncd keeps once its sockets are bound, and whether it switches user.
 * Pure; the system calls are src/tsyncd/privdrop.c's.
 */
#ifndef TSYNC_PRIV_H
#define TSYNC_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tsync/config.h"

enum priv_plan {
	PRIV_STAY,   /* no `user`: run as started, capabilities untouched */
	PRIV_SWITCH, /* root: switch to the user, keep only priv_caps_kept() */
	PRIV_TRIM,   /* already the user (systemd's User=): keep only priv_caps_kept() */
	PRIV_REFUSE, /* neither root nor the user, or the user is root */
};

/* The capabilities to keep, as a mask of 1 << CAP_*: CAP_SYS_TIME when
 * tsyncd adjusts the system clock, nothing otherwise. */
uint64_t priv_caps_kept(const struct tsyncd_config *cfg);

/* What to do when `user` was (user_given) or was not given, running with
 * effective uid euid, the user's uid being user_uid. */
enum priv_plan priv_plan(bool user_given, uid_t euid, uid_t user_uid);

#endif
