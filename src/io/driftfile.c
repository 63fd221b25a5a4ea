/*
 * The drift file on disk. Reading tolerates its absence (a first start);
 * writing goes through a temp file in the same directory, so that a crash
 * leaves the old file or the new one, never half of one (src/io/fileio.c
 * does both without following a link or blocking on a FIFO).
 */
#include <errno.h>
#include <stdio.h>
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
	char text[DRIFT_TEXT_MAX], refused[FILEIO_WHY_MAX];
	const char *why;
	struct stat st;
	/* Not blocking on a FIFO, not following a link someone planted. */
	int fd = fileio_open_regular(path, &st, refused);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		log_error("driftfile %s: %s", path, refused);
		return fd;
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

int driftfile_write(const char *path, double ppm, double skew_ppm)
{
	char text[DRIFT_TEXT_MAX];
	int err = drift_format(text, sizeof(text), ppm, skew_ppm);
	if (err >= 0)
		err = fileio_replace(path, text, strlen(text), 0644);
	if (err < 0)
		log_error("driftfile %s: cannot write: %s", path, strerror(-err));
	return err < 0 ? err : 0;
}
