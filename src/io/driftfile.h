/*
 * The drift file on disk: the frequency correction and its standard
 * error kept across restarts, read at start and written atomically (temp
 * file, fsync, rename). The text is drift_parse's (tsync/discipline.h).
 */
#ifndef TSYNC_DRIFTFILE_H
#define TSYNC_DRIFTFILE_H

/* Read path into *ppm and *skew_ppm (DISC_DRIFT_SKEW_PPM for a file of
 * one number). Returns 1 when read, 0 when the file does not exist (no
 * frequency known: not an error), or a negative errno on a read error,
 * -ELOOP for a symbolic link, -EINVAL for a FIFO or other file that is
 * not a regular one or for garbage, logged as an error naming the path. */
int driftfile_read(const char *path, double *ppm, double *skew_ppm);

/* Replace path with the text of ppm and skew_ppm: a temp file in the
 * same directory, written, fsync'd and renamed over path. Returns 0 or a
 * negative errno (logged, naming the path); path is unchanged on failure. */
int driftfile_write(const char *path, double ppm, double skew_ppm);

#endif
