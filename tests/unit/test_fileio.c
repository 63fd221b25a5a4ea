/*
 * The whole-file edge (src/io/fileio.c) on a temp directory: what
 * fileio_open_regular keeps and refuses, in which words, without hanging
 * on a FIFO; fileio_replace never writes through a link at the path.
 */
#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"

static char dir[64], path[128], other[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tsync-fileio-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
}

static void teardown(void)
{
	unlink(path);
	unlink(other);
	rmdir(path);
	rmdir(dir);
}

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void get(const char *p, char *buf, size_t size)
{
	struct stat st;
	char why[FILEIO_WHY_MAX];
	size_t len = 0;
	int fd = fileio_open_regular(p, &st, why);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fileio_read_all(fd, buf, size - 1, &len), 0);
	buf[len] = '\0';
	close(fd);
}

static void refused(const char *p, int err, const char *why_want)
{
	struct stat st;
	char why[FILEIO_WHY_MAX];
	ck_assert_int_eq(fileio_open_regular(p, &st, why), err);
	ck_assert_str_eq(why, why_want);
}

START_TEST(regular_is_kept)
{
	struct stat st;
	char why[FILEIO_WHY_MAX], text[16];
	put(path, "12.5\n");
	int fd = fileio_open_regular(path, &st, why);
	ck_assert_int_ge(fd, 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 5);
	/* Opened non-blocking: a regular file reads whole all the same. */
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	get(path, text, sizeof(text));
	ck_assert_str_eq(text, "12.5\n");
}
END_TEST

START_TEST(others_refused)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* A FIFO with no writer: refused at once (the check's 4 s timeout
	 * fails a hang). */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	refused(path, -EINVAL, "a FIFO, not a regular file; refused");
	unlink(path);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	refused(path, -EINVAL, "a directory, not a regular file; refused");
	rmdir(path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	refused(path, -ENXIO, "No such device or address");
	close(s);
	unlink(path);
	refused(path, -ENOENT, "No such file or directory");
	refused("/dev/null", -EINVAL, "a character device, not a regular file; refused");
}
END_TEST

START_TEST(symlink_refused)
{
	put(other, "12.5\n");
	ck_assert_int_eq(symlink(other, path), 0);
	refused(path, -ELOOP, "a symbolic link, not followed; refused");
	unlink(path);
	/* A dangling one too: it is not followed to make a file either. */
	ck_assert_int_eq(symlink("/nonexistent/x", path), 0);
	refused(path, -ELOOP, "a symbolic link, not followed; refused");
	/* A link earlier in the path is the administrator's to make. */
	char via[160];
	snprintf(via, sizeof(via), "%s/link/other", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(symlink(dir, path), 0);
	char text[16];
	get(via, text, sizeof(text));
	ck_assert_str_eq(text, "12.5\n");
}
END_TEST

START_TEST(replace_not_through_a_link)
{
	struct stat st;
	char text[16];
	put(other, "decoy\n");
	ck_assert_int_eq(symlink(other, path), 0);
	ck_assert_int_eq(fileio_replace(path, "3.25\n", 5, 0644), 0);
	/* The link is replaced by a file of its own; its target untouched. */
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	get(path, text, sizeof(text));
	ck_assert_str_eq(text, "3.25\n");
	get(other, text, sizeof(text));
	ck_assert_str_eq(text, "decoy\n");
	/* A FIFO at the path is replaced too, without blocking. */
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(fileio_replace(path, "1\n", 2, 0600), 0);
	get(path, text, sizeof(text));
	ck_assert_str_eq(text, "1\n");
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(replace_fails_cleanly)
{
	char deep[160];
	snprintf(deep, sizeof(deep), "%s/no/f", dir);
	ck_assert_int_eq(fileio_replace(deep, "1\n", 2, 0644), -ENOENT);
	/* A directory at the path: rename refuses, the temp file is gone. */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(fileio_replace(path, "1\n", 2, 0644), -EISDIR);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(dir), 0); /* empty: no temp file left */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
}
END_TEST

START_TEST(read_bounded)
{
	struct stat st;
	char why[FILEIO_WHY_MAX], buf[8];
	size_t len = 99;
	put(path, "12345678");
	int fd = fileio_open_regular(path, &st, why);
	ck_assert_int_eq(fileio_read_all(fd, buf, sizeof(buf), &len), -EFBIG);
	close(fd);
	put(path, "1234567");
	fd = fileio_open_regular(path, &st, why);
	ck_assert_int_eq(fileio_read_all(fd, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 7);
	close(fd);
}
END_TEST

static Suite *fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, regular_is_kept);
	tcase_add_test(tc, others_refused);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, replace_not_through_a_link);
	tcase_add_test(tc, replace_fails_cleanly);
	tcase_add_test(tc, read_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(fileio_suite());
}
