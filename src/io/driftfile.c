/*
 * The drift file on disk. Reading tolerates its absence (a first start);
 * writing goes through a temp file in the same directory, so that a crash
 * leaves the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftfile.h"
#include "fileio.h"
#include "log.h"
#include "tsync/discipline.h"

/* Longer than any pair of numbers the file may hold: the rest is
 * garbage. */
#define DRIFT_TEXT_MAX 64

int driftfile_read(const char *path, double *ppm, double *skew_ppm)
{
	char text[DRIFT_TEXT_MAX];
	const char *why;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		int err = -errno;
		log_error("driftfile %s: %s", path, strerror(-err));
		return err;
	}
	size_t len = 0;
	int err = fileio_read_all(fd, text, sizeof(text) - 1, &len);
	close(fd);
	if (err == -EFBIG) {
		log_error("driftfile %s: too long for a frequency and its skew", path);
		return -EINVAL;
	}
	if (err < 0) {
		log_error("driftfile %s: %s", path, strerror(-err));
		return err;
	}
	text[len] = '\0';
	if (drift_parse(text, ppm, skew_ppm, &why) < 0) {
		log_error("driftfile %s: %s", path, why);
		return -EINVAL;
	}
	return 1;
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

/* Write text into a new temp file next to path, fsync'd, and return its
 * name in tmp. */
static int write_temp(const char *path, const char *text, char *tmp, size_t tmplen)
{
	if (snprintf(tmp, tmplen, "%s.XXXXXX", path) >= (int)tmplen)
		return -ENAMETOOLONG;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (err == 0)
		err = fileio_write_all(fd, text, strlen(text));
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

int driftfile_write(const char *path, double ppm, double skew_ppm)
{
	char text[DRIFT_TEXT_MAX], tmp[4096];
	int err = drift_format(text, sizeof(text), ppm, skew_ppm);
	if (err >= 0)
		err = write_temp(path, text, tmp, sizeof(tmp));
	if (err >= 0 && rename(tmp, path) < 0) {
		err = -errno;
		unlink(tmp);
	}
	if (err >= 0)
		err = sync_dir_of(path);
	if (err < 0)
		log_error("driftfile %s: cannot write: %s", path, strerror(-err));
	return err < 0 ? err : 0;
}
