/*
 * Reading the daemon's keys file: refused unless only its owner may read
 * it and that owner is root or the user tsyncd runs as; then parsed by
 * the pure keys module. Every role that needs keys loads them here.
 */
#ifndef TSYNC_KEYFILE_H
#define TSYNC_KEYFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "tsync/keys.h"

#define KEYFILE_MAX (64 * 1024)

/* Read and parse path into ring. Returns 0, or a negative errno with a
 * one-line message in err (-EACCES: mode or owner refused; -EINVAL: a
 * bad line, "FILE:LINE: message"). */
int keyfile_load(const char *path, struct keys_ring *ring, char *err, size_t errlen);

/* Let uid own the keys file too: the user tsyncd runs as once it has
 * switched (`user`), while the file is still read as root. */
void keyfile_allow_owner(uid_t uid);

#endif
