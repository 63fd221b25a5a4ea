/*
 * Whether tsyncd may trust a file or directory it was told to use, judged
 * from its stat fields alone: its type, its owner and who may write (or
 * read) it. Pure; opening and fstat are src/io/fileio.c's.
 */
#ifndef TSYNC_FSPERM_H
#define TSYNC_FSPERM_H

#include <stdbool.h>
#include <sys/types.h>

/* No `user` directive: only root and the effective uid are trusted. */
#define FSPERM_NO_USER ((uid_t)-1)

enum fsperm_verdict {
	FSPERM_OK,
	FSPERM_NOT_REGULAR, /* must be a regular file and is not */
	FSPERM_NOT_DIR,     /* must be a directory and is not */
	FSPERM_OWNER,       /* owned by neither root, tsyncd's euid nor its `user` */
	FSPERM_WRITABLE,    /* a directory that group or others may write */
	FSPERM_READABLE,    /* a secret that group or others may read */
};

/* Whether owner is root, euid (tsyncd as started) or user (its `user`,
 * or FSPERM_NO_USER). */
bool fsperm_owner_trusted(uid_t owner, uid_t euid, uid_t user);

/* The directory that holds the control socket: one that another user could
 * write in could hold a socket of theirs (chronyd refuses it too). */
enum fsperm_verdict fsperm_check_dir(mode_t mode, uid_t owner, uid_t euid, uid_t user);

/* A file of secrets (the keys file): regular, mode 0600 or stricter, owned
 * by a trusted user. Checked in that order. */
enum fsperm_verdict fsperm_check_secret(mode_t mode, uid_t owner, uid_t euid, uid_t user);

/* What a file of this mode is, as a noun: "a FIFO", "a directory", ... */
const char *fsperm_type_name(mode_t mode);

#endif
