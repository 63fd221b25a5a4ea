/*
 * Whole-file reads and writes on a descriptor, through EINTR: the config,
 * keys and drift files are all read whole into a bounded buffer.
 */
#ifndef TSYNC_FILEIO_H
#define TSYNC_FILEIO_H

#include <stddef.h>

/* Read fd to its end into buf[0..cap). Returns 0 with *len bytes read,
 * -EFBIG if the data fills cap (a file that may not fit is refused, not
 * cut), or a negative errno. */
int fileio_read_all(int fd, char *buf, size_t cap, size_t *len);

/* Write all of buf[0..len). Returns 0 or a negative errno. */
int fileio_write_all(int fd, const char *buf, size_t len);

#endif
