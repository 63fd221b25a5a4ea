/*
 * The rules for files and directories tsyncd trusts (tsync/fsperm.h): a
 * few bit tests, kept apart so that each rule has an exact unit test.
 */
#include <sys/stat.h>

#include "tsync/fsperm.h"

bool fsperm_owner_trusted(uid_t owner, uid_t euid, uid_t user)
{
	return owner == 0 || owner == euid || (user != FSPERM_NO_USER && owner == user);
}

enum fsperm_verdict fsperm_check_dir(mode_t mode, uid_t owner, uid_t euid, uid_t user)
{
	if (!S_ISDIR(mode))
		return FSPERM_NOT_DIR;
	if (!fsperm_owner_trusted(owner, euid, user))
		return FSPERM_OWNER;
	/* The sticky bit does not help: others could still make the socket's
	 * name before tsyncd does, and answer in its place. */
	if ((mode & (S_IWGRP | S_IWOTH)) != 0)
		return FSPERM_WRITABLE;
	return FSPERM_OK;
}

enum fsperm_verdict fsperm_check_secret(mode_t mode, uid_t owner, uid_t euid, uid_t user)
{
	if (!S_ISREG(mode))
		return FSPERM_NOT_REGULAR;
	if ((mode & 077) != 0)
		return FSPERM_READABLE;
	if (!fsperm_owner_trusted(owner, euid, user))
		return FSPERM_OWNER;
	return FSPERM_OK;
}

const char *fsperm_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFLNK: return "a symbolic link";
	default: return "a file of unknown type";
	}
}
