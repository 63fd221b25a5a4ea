/*
 * tsyncd's seccomp filter: an allow-list of the system calls its steady
 * state makes, loaded on every thread once start-up is done. Anything else
 * kills the whole process: a missing entry shows at once as a SIGSYS death
 * rather than as an error path nobody tests.
 */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

/* The event loop, its sockets (NTP, client, Berkeley, control), the log,
 * the drift file, memory and threads, signals and shutdown; and the name
 * lookups of the resolver threads (nsswitch files, nscd's socket, netlink,
 * DNS over UDP, modules loaded). Taken from strace -f of a daemon serving,
 * following an upstream by name, a Berkeley master, answering the control
 * socket, SIGUSR1, the drift file and SIGTERM, after its "serving" line and
 * for every resolver thread; then widened to the calls' variants glibc may
 * pick (epoll_pwait, ppoll, renameat2, ...). NTS (ntske.c) added none: strace
 * -f of an NTS-KE server through chronyd's handshake and NTS exchanges, a
 * wrong ALPN, a TLS 1.2 client and junk showed only accept4, read, write,
 * getrandom, shutdown and close (GnuTLS reads its configuration and the
 * certificate at start, before the filter); the NTS client's NTS-KE, in a
 * pool thread under the filter, only adds a TCP socket and connect, and
 * reads the trusted certificates with openat, all listed (tried with
 * `server localhost nts` and `seccomp on`); and an eventfd per NTS
 * server, made on the loop, that tsyncd's stop writes to end an NTS-KE
 * still running (eventfd2). */
static const char *const steady[] = {
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
	"read", "readv", "write", "writev", "close", "ioctl", "fcntl",
	"recvmmsg", "sendmmsg", "recvmsg", "sendmsg", "recvfrom", "sendto",
	"bind", "connect", "accept4", "shutdown", "getsockname", "getpeername",
	"getsockopt", "setsockopt",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "clock_nanosleep", "nanosleep",
	"clock_adjtime", "adjtimex", /* reading the kernel's status; changing it needs a capability */
	"capget", "getrandom", "eventfd2",
	"openat", "open", "newfstatat", "fstat", "stat", "lseek", "pread64", "fsync", "fdatasync",
	"fchmod", "rename", "renameat", "renameat2", "unlink", "unlinkat", "access", "faccessat",
	"faccessat2", "uname", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
	"futex", "sched_yield", "set_robust_list", "rseq", "restart_syscall",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill",
	"exit", "exit_group",
};

/* Only when tsyncd is the system clock's keeper (`clock system`). */
static const char *const clock_set[] = { "clock_settime", "settimeofday" };

/* The sanitizers' runtime at exit (measured with SCMP_ACT_LOG): LeakSanitizer
 * clones a tracer that lists /proc/self/task, ptraces every thread and is
 * waited for. Only in -fsanitize=address builds. */
static const char *const sanitizer[] = {
	"clone", "wait4", "ptrace", "prctl", "getppid", "getdents", "getdents64",
};

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Names unknown on this architecture (e.g. open, epoll_wait on arm64)
 * are skipped: glibc does not use them there. */
static int allow(scmp_filter_ctx f, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			log_error("seccomp: cannot allow %s: %s", names[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

#define ALLOW(f, list) allow(f, list, sizeof(list) / sizeof(list[0]))

/* New sockets of the families tsyncd uses only: UDP and Unix ones, and
 * the resolver's netlink query of the host's addresses. */
static int allow_sockets(scmp_filter_ctx f)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
					  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
		if (rc < 0) {
			log_error("seccomp: cannot allow socket: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int build(scmp_filter_ctx f, const struct tsyncd_config *cfg)
{
	int rc;

	/* Threads made before the filter (the resolver's) get it too. */
	if ((rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		log_error("seccomp: cannot ask for every thread: %s", strerror(-rc));
		return rc;
	}
	if ((rc = ALLOW(f, steady)) < 0 || (rc = allow_sockets(f)) < 0)
		return rc;
	if (cfg->clock == CFG_CLOCK_SYSTEM && (rc = ALLOW(f, clock_set)) < 0)
		return rc;
	if (SANITIZED && (rc = ALLOW(f, sanitizer)) < 0)
		return rc;
	if ((rc = seccomp_load(f)) < 0)
		log_error("seccomp: cannot load the filter: %s", strerror(-rc));
	return rc;
}

int sandbox_start(const struct tsyncd_config *cfg)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (f == NULL) {
		log_error("seccomp: cannot make a filter");
		return -ENOMEM;
	}
	int rc = build(f, cfg);
	seccomp_release(f);
	if (rc == 0)
		log_info("seccomp filter on: any other system call kills tsyncd");
	return rc;
}
