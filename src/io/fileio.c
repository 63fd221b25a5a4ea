/*
 * Whole-file reads and writes for every file tsyncd reads or writes whole:
 * opened so that a FIFO or a planted symbolic link cannot hang or fool it,
 * retried through EINTR and short transfers, replaced atomically.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/fsperm.h"

/* The `user` tsyncd switches to: set once at start, before any file is
 * opened, and the same for every check (as the process's euid is). */
static uid_t trusted_user = FSPERM_NO_USER;

void fileio_trust_user(uid_t uid)
{
	trusted_user = uid;
}

uid_t fileio_trusted_user(void)
{
	return trusted_user;
}

/* O_NOFOLLOW says ELOOP for a symbolic link, and for a path with too many
 * links on the way: tell the two apart for the message. */
static void say_why(const char *path, int err, char why[FILEIO_WHY_MAX])
{
	struct stat st;

	if (err == -ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(why, FILEIO_WHY_MAX, "a symbolic link, not followed; refused");
	else
		snprintf(why, FILEIO_WHY_MAX, "%s", strerror(-err));
}

int fileio_open_regular(const char *path, struct stat *st, char why[FILEIO_WHY_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		int err = -errno;
		say_why(path, err, why);
		return err;
	}
	if (fstat(fd, st) < 0) {
		int err = -errno;
		close(fd);
		say_why(path, err, why);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(why, FILEIO_WHY_MAX, "%s, not a regular file; refused",
			 fsperm_type_name(st->st_mode));
		return -EINVAL;
	}
	return fd;
}

int fileio_read_all(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	return -EFBIG;
}

int fileio_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the rename durable: fsync the directory that holds path. */
static int sync_dir_of(const char *path)
{
	char copy[4096];
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Write buf into a new temp file next to path, fsync'd, and return its
 * name in tmp. mkostemp opens with O_CREAT|O_EXCL: a name someone made
 * first, a symbolic link included, is never opened. */
static int write_temp(const char *path, const char *buf, size_t len, mode_t mode, char *tmp,
		      size_t tmplen)
{
	if (snprintf(tmp, tmplen, "%s.XXXXXX", path) >= (int)tmplen)
		return -ENAMETOOLONG;
	int fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int err = fchmod(fd, mode) < 0 ? -errno : 0;
	if (err == 0)
		err = fileio_write_all(fd, buf, len);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

int fileio_replace(const char *path, const char *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	int err = write_temp(path, buf, len, mode, tmp, sizeof(tmp));

	if (err == 0 && rename(tmp, path) < 0) {
		err = -errno;
		unlink(tmp);
	}
	return err < 0 ? err : sync_dir_of(path);
}
