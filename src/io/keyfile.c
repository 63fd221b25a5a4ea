/*
 * The keys file from disk: opened without following a link or blocking
 * on a FIFO, checked for type, mode and owner, read whole into a buffer
 * that is wiped after parsing.
 */
#include "keyfile.h"
#include "fileio.h"
#include "tsync/fsperm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A secret others can read is no secret: mode 0600 (or stricter), and an
 * owner who may hold it anyway. */
static int check_owner(const char *path, const struct stat *st, char *err, size_t errlen)
{
	switch (fsperm_check_secret(st->st_mode, st->st_uid, geteuid(), fileio_trusted_user())) {
	case FSPERM_OK:
		break;
	case FSPERM_READABLE:
		snprintf(err, errlen, "keyfile %s: readable by others; refused (chmod 600 it)",
			 path);
		return -EACCES;
	case FSPERM_OWNER:
		snprintf(err, errlen, "keyfile %s: owned by uid %u, neither root nor tsyncd's "
			 "uid %u; refused", path, (unsigned)st->st_uid, (unsigned)geteuid());
		return -EACCES;
	default: /* fileio_open_regular kept a regular file only */
		snprintf(err, errlen, "keyfile %s: not a regular file", path);
		return -EINVAL;
	}
	if (st->st_size > KEYFILE_MAX) {
		snprintf(err, errlen, "keyfile %s: longer than %d bytes", path, KEYFILE_MAX);
		return -EFBIG;
	}
	return 0;
}

static int fail_errno(int rc, const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "keyfile %s: %s", path, strerror(-rc));
	return rc;
}

int keyfile_load(const char *path, struct keys_ring *ring, char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0;
	char *buf = NULL, why[FILEIO_WHY_MAX];
	int fd = fileio_open_regular(path, &st, why);
	if (fd < 0) {
		snprintf(err, errlen, "keyfile %s: %s", path, why);
		return fd;
	}
	int rc = check_owner(path, &st, err, errlen);
	/* One byte more than allowed: a file that grew past the limit since
	 * fstat is refused, not cut. */
	if (rc == 0 && (buf = malloc(KEYFILE_MAX + 1)) == NULL)
		rc = fail_errno(-ENOMEM, path, err, errlen);
	if (rc == 0 && (rc = fileio_read_all(fd, buf, KEYFILE_MAX + 1, &len)) < 0)
		fail_errno(rc, path, err, errlen);
	close(fd);
	if (rc == 0)
		rc = keys_parse(ring, buf, len, path, err, errlen);
	if (buf != NULL) {
		explicit_bzero(buf, KEYFILE_MAX + 1); /* a memset before free may be dropped */
		free(buf);
	}
	return rc;
}
