/*
 * The drift file on disk, in a temp directory: missing is no error,
 * garbage is one naming the path, and writes replace the file whole.
 */
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftfile.h"

struct tmp {
	char dir[64];
	char path[128];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/tsync-drift-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/drift", t->dir);
}

/* Remove the directory and whatever is in it (no subdirectories). */
static void tmp_remove(struct tmp *t)
{
	char name[512];
	struct dirent *e;
	DIR *d = opendir(t->dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/%s", t->dir, e->d_name);
		ck_assert_int_eq(unlink(name), 0);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(t->dir), 0);
}

static int entries(const char *dir)
{
	int n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void get(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run driftfile_read with stderr (where the log goes) captured in err. */
static int read_logged(const char *path, double *ppm, double *skew, char *err, size_t size)
{
	char name[] = "/tmp/tsync-drift-log-XXXXXX";
	int fd = mkstemp(name), saved = dup(2);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	int r = driftfile_read(path, ppm, skew);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	get(name, err, size);
	unlink(name);
	return r;
}

START_TEST(missing_is_unknown)
{
	struct tmp t;
	double ppm = 42, skew = 43;
	char err[256];
	tmp_make(&t);
	ck_assert_int_eq(read_logged(t.path, &ppm, &skew, err, sizeof(err)), 0);
	ck_assert(ppm == 42 && skew == 43);
	ck_assert_str_eq(err, "");
	tmp_remove(&t);
}
END_TEST

START_TEST(write_then_read)
{
	struct tmp t;
	double ppm = 0, skew = 0;
	char text[64];
	struct stat st;
	tmp_make(&t);
	ck_assert_int_eq(driftfile_write(t.path, -49.872, 0.014), 0);
	get(t.path, text, sizeof(text));
	ck_assert_str_eq(text, "-49.872 0.014\n");
	ck_assert_int_eq(stat(t.path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(driftfile_read(t.path, &ppm, &skew), 1);
	ck_assert(ppm == -49.872 && skew == 0.014);
	/* Replaced whole, and no temp file left beside it. */
	ck_assert_int_eq(driftfile_write(t.path, 3.25, 1.5), 0);
	ck_assert_int_eq(driftfile_read(t.path, &ppm, &skew), 1);
	ck_assert(ppm == 3.25 && skew == 1.5);
	ck_assert_int_eq(entries(t.dir), 1);
	/* A file of the old format, one number, reads with a skew of 2 ppm. */
	put(t.path, "-12.5\n");
	ck_assert_int_eq(driftfile_read(t.path, &ppm, &skew), 1);
	ck_assert(ppm == -12.5 && skew == 2.0);
	tmp_remove(&t);
}
END_TEST

START_TEST(garbage_names_the_path)
{
	static const char *const bad[][2] = {
		{ "-49.8x72\n", "trailing garbage" },
		{ "", "empty" },
		{ "drift\n", "not a number" },
		{ "1000\n", "outside -500..500 ppm" },
		{ "-49.872 zero\n", "skew not a number" },
		{ "-49.872 0\n", "skew outside 0..500 ppm" },
		{ "-49.872 0.014 1\n", "trailing garbage" },
		{ "0000000000000000000000000000000000000000000000000000000000000001\n",
		  "too long for a frequency and its skew" },
	};
	struct tmp t;
	char err[256], want[256];
	tmp_make(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double ppm = 42, skew = 43;
		put(t.path, bad[i][0]);
		ck_assert_int_eq(read_logged(t.path, &ppm, &skew, err, sizeof(err)), -EINVAL);
		ck_assert(ppm == 42 && skew == 43);
		snprintf(want, sizeof(want), "driftfile %s: %s", t.path, bad[i][1]);
		ck_assert_ptr_nonnull(strstr(err, want));
	}
	tmp_remove(&t);
}
END_TEST

START_TEST(unreadable_and_unwritable)
{
	struct tmp t;
	double ppm = 42, skew = 43;
	char err[256], path[160];
	tmp_make(&t);
	/* A directory reads as an error, not as "missing". */
	ck_assert_int_eq(read_logged(t.dir, &ppm, &skew, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, t.dir));
	ck_assert_ptr_nonnull(strstr(err, ": a directory, not a regular file; refused"));
	/* A directory that does not exist cannot take the file. */
	snprintf(path, sizeof(path), "%s/no/drift", t.dir);
	ck_assert_int_eq(driftfile_write(path, 1.0, 2.0), -ENOENT);
	ck_assert_int_eq(entries(t.dir), 0);
	tmp_remove(&t);
}
END_TEST

static Suite *driftfile_suite(void)
{
	Suite *s = suite_create("driftfile");
	TCase *tc = tcase_create("files");
	tcase_add_test(tc, missing_is_unknown);
	tcase_add_test(tc, write_then_read);
	tcase_add_test(tc, garbage_names_the_path);
	tcase_add_test(tc, unreadable_and_unwritable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(driftfile_suite());
}
