/*
 * tsyncd's privilege drop (`user`, `controlgroup`): names looked up and the
 * bounding set cleared before any thread exists, then, once every socket
 * is bound, the switch to the user keeping only what priv_caps_kept() says.
 */
#ifndef TSYNCD_PRIVDROP_H
#define TSYNCD_PRIVDROP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tsync/config.h"
#include "tsync/priv.h"

#define PRIVDROP_MAX_GROUPS 64

struct privdrop {
	enum priv_plan plan;
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVDROP_MAX_GROUPS]; /* the user's supplementary groups */
	int n_groups;
	bool ctl_group;  /* controlgroup given */
	gid_t ctl_gid;
	uint64_t caps;   /* kept: priv_caps_kept() */
};

/* Before the loop and its threads: look up `user` and `controlgroup`,
 * decide the plan and, when switching from root, clear the bounding and
 * ambient sets and set no_new_privs (these hold for every thread made
 * later). Returns 0 or a negative errno, the reason logged. */
int privdrop_prepare(struct privdrop *pd, const struct tsyncd_config *cfg);

/* After every socket is bound and every file read: give the control
 * socket its group, switch user, keep only pd->caps and verify each step.
 * Returns 0 or a negative errno, the failed step logged. */
int privdrop_apply(const struct privdrop *pd, const struct tsyncd_config *cfg);

#endif
