/*
 * Whole-file reads and writes on a descriptor, retried through EINTR and
 * short transfers, for every file tsyncd reads or writes whole.
 */
#include "fileio.h"

#include <errno.h>
#include <unistd.h>

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
