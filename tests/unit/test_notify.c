/*
 * sd_notify's datagram protocol: $NOTIFY_SOCKET as a path or an abstract
 * name reaches a socket bound there with the exact bytes; bad names are
 * refused and no variable means nothing is sent.
 */
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

/* A datagram socket bound to name (a path, or "\0..." of len bytes). */
static int bind_at(const char *name, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sa.sun_path, name, len);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void send_and_receive(int rx, const char *msg)
{
	struct notify n;
	char buf[256];

	ck_assert_int_eq(notify_open(&n), 0);
	ck_assert(notify_enabled(&n));
	ck_assert_int_eq(notify_send(&n, msg), 0);
	ssize_t got = recv(rx, buf, sizeof(buf), 0);
	ck_assert_int_eq(got, (ssize_t)strlen(msg));
	ck_assert_int_eq(memcmp(buf, msg, strlen(msg)), 0);
	notify_close(&n);
	ck_assert(!notify_enabled(&n));
}

START_TEST(to_a_path)
{
	char dir[] = "/tmp/tsync-notify-XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	int rx = bind_at(path, strlen(path) + 1);
	setenv("NOTIFY_SOCKET", path, 1);
	send_and_receive(rx, "READY=1\nSTATUS=serving the local clock at stratum 8, no upstream");
	close(rx);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(to_an_abstract_name)
{
	char name[64], env[64];

	/* The name's bytes only: no NUL after it counts. */
	int len = snprintf(name, sizeof(name), "%ctsync-unit-%d", '\0', (int)getpid());
	snprintf(env, sizeof(env), "@%s", name + 1);
	int rx = bind_at(name, (size_t)len);
	setenv("NOTIFY_SOCKET", env, 1);
	send_and_receive(rx, "STOPPING=1");
	close(rx);
}
END_TEST

START_TEST(refused_names)
{
	static const char *const bad[] = { "relative/path", "@", "/", "x" };
	char too_long[200];
	struct notify n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		ck_assert_int_eq(notify_open(&n), -EINVAL);
		ck_assert(!notify_enabled(&n));
	}
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[0] = '/';
	too_long[sizeof(too_long) - 1] = '\0';
	setenv("NOTIFY_SOCKET", too_long, 1);
	ck_assert_int_eq(notify_open(&n), -EINVAL);
}
END_TEST

START_TEST(none_is_silent)
{
	struct notify n;

	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_open(&n), 0);
	ck_assert(!notify_enabled(&n));
	ck_assert_int_eq(notify_send(&n, "READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(notify_open(&n), 0);
	ck_assert(!notify_enabled(&n));
	notify_close(&n);
}
END_TEST

START_TEST(nobody_listening)
{
	struct notify n;

	setenv("NOTIFY_SOCKET", "/tmp/tsync-notify-nobody-listens-here", 1);
	ck_assert_int_eq(notify_open(&n), 0);
	ck_assert_int_eq(notify_send(&n, "READY=1"), -ENOENT);
	notify_close(&n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, to_a_path);
	tcase_add_test(tc, to_an_abstract_name);
	tcase_add_test(tc, refused_names);
	tcase_add_test(tc, none_is_silent);
	tcase_add_test(tc, nobody_listening);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
