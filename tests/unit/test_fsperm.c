/*
 * Unit tests of the rules for files and directories tsyncd trusts
 * (tsync/fsperm.h): owners, the control directory's mode, the keys file's
 * type and mode, and the names of file types in messages.
 */
#include "unit.h"
#include <sys/stat.h>

#include "tsync/fsperm.h"

#define NOBODY 65534
#define TSYNCD 999 /* the `user` */

START_TEST(owners)
{
	ck_assert(fsperm_owner_trusted(0, 0, FSPERM_NO_USER));
	ck_assert(fsperm_owner_trusted(0, 1000, FSPERM_NO_USER));
	ck_assert(fsperm_owner_trusted(1000, 1000, FSPERM_NO_USER));
	ck_assert(!fsperm_owner_trusted(NOBODY, 0, FSPERM_NO_USER));
	ck_assert(!fsperm_owner_trusted(1001, 1000, FSPERM_NO_USER));
	/* Started as root with `user`: that user's files too, no one else's. */
	ck_assert(fsperm_owner_trusted(TSYNCD, 0, TSYNCD));
	ck_assert(!fsperm_owner_trusted(NOBODY, 0, TSYNCD));
	/* FSPERM_NO_USER is (uid_t)-1: a file of that owner is not trusted
	 * for want of a user. */
	ck_assert(!fsperm_owner_trusted((uid_t)-1, 0, FSPERM_NO_USER));
}
END_TEST

START_TEST(control_dir)
{
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0755, 0, 0, FSPERM_NO_USER), FSPERM_OK);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0750, TSYNCD, 0, TSYNCD), FSPERM_OK);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0700, 1000, 1000, FSPERM_NO_USER), FSPERM_OK);
	/* Setgid and a group that may read and enter: still the owner's. */
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 02750, 0, 0, FSPERM_NO_USER), FSPERM_OK);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0755, NOBODY, 0, FSPERM_NO_USER), FSPERM_OWNER);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0700, NOBODY, 0, TSYNCD), FSPERM_OWNER);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0775, 0, 0, FSPERM_NO_USER), FSPERM_WRITABLE);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0757, 0, 0, FSPERM_NO_USER), FSPERM_WRITABLE);
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0722, 0, 0, FSPERM_NO_USER), FSPERM_WRITABLE);
	/* /tmp: sticky does not make it safe for a socket. */
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 01777, 0, 0, FSPERM_NO_USER), FSPERM_WRITABLE);
	/* The owner is judged first: another user's 0777 is their directory. */
	ck_assert_int_eq(fsperm_check_dir(S_IFDIR | 0777, NOBODY, 0, FSPERM_NO_USER), FSPERM_OWNER);
	ck_assert_int_eq(fsperm_check_dir(S_IFREG | 0755, 0, 0, FSPERM_NO_USER), FSPERM_NOT_DIR);
	ck_assert_int_eq(fsperm_check_dir(S_IFLNK | 0777, 0, 0, FSPERM_NO_USER), FSPERM_NOT_DIR);
}
END_TEST

START_TEST(secret_file)
{
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0600, 0, 0, FSPERM_NO_USER), FSPERM_OK);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0400, TSYNCD, 0, TSYNCD), FSPERM_OK);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0000, 1000, 1000, FSPERM_NO_USER),
			 FSPERM_OK);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0640, 0, 0, FSPERM_NO_USER), FSPERM_READABLE);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0604, 0, 0, FSPERM_NO_USER), FSPERM_READABLE);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0610, 0, 0, FSPERM_NO_USER), FSPERM_READABLE);
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0600, NOBODY, 0, TSYNCD), FSPERM_OWNER);
	/* Type, then mode, then owner: the first fault is the one named. */
	ck_assert_int_eq(fsperm_check_secret(S_IFREG | 0644, NOBODY, 0, FSPERM_NO_USER),
			 FSPERM_READABLE);
	ck_assert_int_eq(fsperm_check_secret(S_IFIFO | 0600, 0, 0, FSPERM_NO_USER),
			 FSPERM_NOT_REGULAR);
	ck_assert_int_eq(fsperm_check_secret(S_IFDIR | 0700, 0, 0, FSPERM_NO_USER),
			 FSPERM_NOT_REGULAR);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(fsperm_type_name(S_IFREG | 0644), "a regular file");
	ck_assert_str_eq(fsperm_type_name(S_IFDIR | 0755), "a directory");
	ck_assert_str_eq(fsperm_type_name(S_IFIFO | 0600), "a FIFO");
	ck_assert_str_eq(fsperm_type_name(S_IFSOCK | 0660), "a socket");
	ck_assert_str_eq(fsperm_type_name(S_IFCHR | 0666), "a character device");
	ck_assert_str_eq(fsperm_type_name(S_IFBLK | 0660), "a block device");
	ck_assert_str_eq(fsperm_type_name(S_IFLNK | 0777), "a symbolic link");
	ck_assert_str_eq(fsperm_type_name(0644), "a file of unknown type");
}
END_TEST

static Suite *fsperm_suite(void)
{
	Suite *s = suite_create("fsperm");
	TCase *tc = tcase_create("fsperm");
	tcase_add_test(tc, owners);
	tcase_add_test(tc, control_dir);
	tcase_add_test(tc, secret_file);
	tcase_add_test(tc, type_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(fsperm_suite());
}
