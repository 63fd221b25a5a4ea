/*
 * Every file tsyncd reads or writes whole (config, keys, drift) goes
 * through here: opened without blocking or following a symbolic link,
 * read through EINTR into a bounded buffer, replaced atomically.
 */
#ifndef TSYNC_FILEIO_H
#define TSYNC_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Room for any reason fileio_open_regular gives. */
#define FILEIO_WHY_MAX 96

/* Trust uid, the user tsyncd switches to (`user`), as the owner of the
 * files and directories it checks, besides root and its effective uid. */
void fileio_trust_user(uid_t uid);
/* That uid, or FSPERM_NO_USER. */
uid_t fileio_trusted_user(void);

/* Open path read-only, non-blocking (a FIFO must not hang the start) and
 * without following a symbolic link in its last component, then keep it
 * only if fstat says it is a regular file. Returns the descriptor with *st
 * filled, or a negative errno with the reason in words in why: -ELOOP for
 * a symbolic link, -EINVAL for a FIFO, directory or other non-regular
 * file, else strerror's. */
int fileio_open_regular(const char *path, struct stat *st, char why[FILEIO_WHY_MAX]);

/* Read fd to its end into buf[0..cap). Returns 0 with *len bytes read,
 * -EFBIG if the data fills cap (a file that may not fit is refused, not
 * cut), or a negative errno. */
int fileio_read_all(int fd, char *buf, size_t cap, size_t *len);

/* Write all of buf[0..len). Returns 0 or a negative errno. */
int fileio_write_all(int fd, const char *buf, size_t len);

/* Replace path with buf[0..len), mode: a new file beside it, made with
 * O_CREAT|O_EXCL|O_NOFOLLOW under a random name (nothing planted there is
 * followed or reused), written, fsync'd, renamed over path (which replaces
 * a symbolic link at path, never writes through it), then the directory
 * fsync'd. Returns 0 or a negative errno; path is unchanged on failure. */
int fileio_replace(const char *path, const char *buf, size_t len, mode_t mode);

#endif
