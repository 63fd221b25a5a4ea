/*
 * Reading the daemon's keys file: refused unless only its owner may read
 * it and that owner is root or the user tsyncd runs as; then parsed by
 * the pure keys module. Every role that needs keys loads them here.
 */
#ifndef TSYNC_KEYFILE_H
#define TSYNC_KEYFILE_H

#include <stddef.h>

#include "tsync/keys.h"

#define KEYFILE_MAX (64 * 1024)

/* Read and parse path into ring. Returns 0, or a negative errno with a
 * one-line message in err (-EACCES: mode or owner refused; -ELOOP: a
 * symbolic link; -EINVAL: not a regular file, or a bad line,
 * "FILE:LINE: message"). The owner may be root, tsyncd's euid or the
 * user given to fileio_trust_user(). */
int keyfile_load(const char *path, struct keys_ring *ring, char *err, size_t errlen);

#endif
