/*
 * tsync-relay, the lab relay: forwards UDP from clients to one target and
 * the answers back, with each direction's delay, jitter, loss and
 * duplication (the faults themselves are src/core/relay_fault.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "tsync/hostport.h"
#include "tsync/relay_fault.h"

#define RELAY_MAX_SESSIONS 256
#define RELAY_MAX_QUEUED 100000 /* datagrams held at once, at most */
#define RELAY_ADDRLEN 64

enum { DIR_OUT, DIR_BACK };
static const char *const dir_name[] = { "out", "back" };

struct relay_stats {
	uint64_t received, forwarded, dropped, duplicated, failed;
	int64_t late_sum, late_max; /* how late copies went out, ns: the machine's load */
};

struct relay;

/* One client: the socket that talks to the target for it. */
struct session {
	struct relay *r;
	uv_udp_t up;
	struct sockaddr_storage client;
	struct session *next;
};

/* A datagram waiting for its time. */
struct held {
	struct held *next;
	int64_t due; /* CLOCK_MONOTONIC ns */
	uv_udp_t *via;
	struct sockaddr_storage to;
	int dir;
	size_t len;
	uint8_t data[];
};

struct relay {
	uv_loop_t loop;
	uv_udp_t listen;
	uv_poll_t tpoll;
	int tfd;
	uv_signal_t sig[3];
	struct sockaddr_storage target;
	struct relay_dir dir[2];
	struct relay_rng rng[2];
	struct relay_stats stats[2];
	struct session *sessions;
	int nsessions;
	struct held *queue; /* by due time */
	size_t queued;
	bool verbose;
	/* --berkeley: one member bridged to its group (listen is then the
	 * member's face to the master, target the member's own group). */
	bool berkeley;
	uv_udp_t group_sock;  /* joined to the group: the master's POLLs */
	uv_udp_t member_side; /* to and from the member and its group */
	struct sockaddr_storage master, member;
	bool have_master, have_member;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Every line starts with the wall-clock time, so a lab's logs line up. */
static void say(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[16];
	va_list ap;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%06ld tsync-relay: ", when, ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *addr_str(const struct sockaddr_storage *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;
		uv_ip6_name(s6, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%d", ip, port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)a;
		uv_ip4_name(s4, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%d", ip, port);
	}
	return buf;
}

static void addr_copy(struct sockaddr_storage *dst, const struct sockaddr *a)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, a, a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						: sizeof(struct sockaddr_in));
}

static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (a->ss_family == AF_INET6)
		return memcmp(a, b, sizeof(struct sockaddr_in6)) == 0;
	const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

/* The timer fires when the first held datagram is due (absolute time, to
 * the nanosecond: libuv's own timers count whole milliseconds). */
static void arm_timer(struct relay *r)
{
	struct itimerspec its = { 0 };
	if (r->queue != NULL) {
		int64_t due = r->queue->due > 0 ? r->queue->due : 1;
		its.it_value.tv_sec = due / 1000000000;
		its.it_value.tv_nsec = due % 1000000000;
	}
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void send_held(struct relay *r, struct held *h, int64_t now)
{
	struct relay_stats *st = &r->stats[h->dir];
	st->late_sum += now - h->due;
	if (now - h->due > st->late_max)
		st->late_max = now - h->due;
	uv_buf_t buf = uv_buf_init((char *)h->data, (unsigned)h->len);
	int rc = uv_udp_try_send(h->via, &buf, 1, (const struct sockaddr *)&h->to);
	if (rc < 0) {
		r->stats[h->dir].failed++;
		if (r->verbose)
			say("%s: send failed: %s", dir_name[h->dir], uv_strerror(rc));
	} else {
		r->stats[h->dir].forwarded++;
	}
}

static void on_timerfd(uv_poll_t *p, int status, int events)
{
	struct relay *r = p->data;
	uint64_t expirations;
	if (read(r->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		say("timer: %s", strerror(errno));
	int64_t now = mono_ns();
	while (r->queue != NULL && r->queue->due <= now) {
		struct held *h = r->queue;
		r->queue = h->next;
		r->queued--;
		send_held(r, h, now);
		free(h);
	}
	arm_timer(r);
}

static void enqueue(struct relay *r, struct held *h)
{
	struct held **pp = &r->queue;
	while (*pp != NULL && (*pp)->due <= h->due)
		pp = &(*pp)->next;
	h->next = *pp;
	*pp = h;
	r->queued++;
	if (r->queue == h)
		arm_timer(r);
}

static int hold(struct relay *r, int dir, uv_udp_t *via, const struct sockaddr *to,
		const uv_buf_t *buf, size_t len, int64_t due)
{
	if (r->queued >= RELAY_MAX_QUEUED)
		return -ENOBUFS;
	struct held *h = malloc(sizeof(*h) + len);
	if (h == NULL)
		return -ENOMEM;
	h->due = due;
	h->via = via;
	h->dir = dir;
	h->len = len;
	addr_copy(&h->to, to);
	memcpy(h->data, buf->base, len);
	enqueue(r, h);
	return 0;
}

/* One datagram in: its fate from the direction's generator, then held. */
static void relay_datagram(struct relay *r, int dir, uv_udp_t *via, const struct sockaddr *to,
			   const uv_buf_t *buf, size_t len)
{
	int64_t now = mono_ns(), delays[2];
	struct relay_stats *st = &r->stats[dir];
	int copies = relay_fate(&r->dir[dir], &r->rng[dir], delays);
	st->received++;
	if (copies == 0)
		st->dropped++;
	if (copies == 2)
		st->duplicated++;
	if (r->verbose)
		say("%s #%" PRIu64 ": %zu bytes, %s", dir_name[dir], st->received, len,
		    copies == 0 ? "dropped" : copies == 2 ? "sent twice" : "passed");
	for (int i = 0; i < copies; i++) {
		int rc = hold(r, dir, via, to, buf, len, now + delays[i]);
		if (rc < 0) {
			st->failed++;
			say("%s: cannot hold a datagram: %s", dir_name[dir], strerror(-rc));
		} else if (r->verbose) {
			say("%s #%" PRIu64 ": copy %d delayed %.3f ms", dir_name[dir], st->received,
			    i + 1, delays[i] / 1e6);
		}
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[65536];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(slab, sizeof(slab));
}

static void on_back(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		    unsigned flags)
{
	struct session *s = u->data;
	if (n < 0 || from == NULL || !addr_same(&s->r->target, from))
		return;
	relay_datagram(s->r, DIR_BACK, &s->r->listen, (struct sockaddr *)&s->client, buf, (size_t)n);
}

static struct session *session_new(struct relay *r, const struct sockaddr *client)
{
	char a[RELAY_ADDRLEN];
	struct sockaddr_storage any = { .ss_family = r->target.ss_family };
	struct session *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->r = r;
	addr_copy(&s->client, client);
	uv_udp_init(&r->loop, &s->up);
	s->up.data = s;
	int rc = uv_udp_bind(&s->up, (struct sockaddr *)&any, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&s->up, on_alloc, on_back);
	if (rc < 0)
		say("cannot open a socket for %s: %s", addr_str(&s->client, a, sizeof(a)), uv_strerror(rc));
	s->next = r->sessions;
	r->sessions = s;
	r->nsessions++;
	if (r->verbose)
		say("new client %s", addr_str(&s->client, a, sizeof(a)));
	return rc == 0 ? s : NULL;
}

static struct session *session_of(struct relay *r, const struct sockaddr *client)
{
	for (struct session *s = r->sessions; s != NULL; s = s->next)
		if (addr_same(&s->client, client))
			return s;
	if (r->nsessions >= RELAY_MAX_SESSIONS)
		return NULL;
	return session_new(r, client);
}

static void on_out(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		   unsigned flags)
{
	struct relay *r = u->data;
	if (n < 0 || from == NULL)
		return;
	struct session *s = session_of(r, from);
	if (s == NULL) {
		r->stats[DIR_OUT].failed++;
		return;
	}
	relay_datagram(r, DIR_OUT, &s->up, (struct sockaddr *)&r->target, buf, (size_t)n);
}

/* ---------------------------------------------------------- --berkeley
 * A Berkeley member on a group address of its own: the master's POLLs are
 * multicast on to it, its REPLYs and ACKs go to the master from a socket
 * of ours, the master's ADJUSTs back to it; out is master to member, back
 * member to master. Each side sees the other at one of our addresses, so
 * answers (sent to where what they answer came from) pass through us. */

static void remember(struct sockaddr_storage *slot, bool *have, const struct sockaddr *a)
{
	addr_copy(slot, a);
	*have = true;
}

static void on_group_poll(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
			  const struct sockaddr *from, unsigned flags)
{
	struct relay *r = u->data;
	if (n < 0 || from == NULL)
		return;
	remember(&r->master, &r->have_master, from);
	relay_datagram(r, DIR_OUT, &r->member_side, (struct sockaddr *)&r->target, buf, (size_t)n);
}

static void on_from_member(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
			   const struct sockaddr *from, unsigned flags)
{
	struct relay *r = u->data;
	if (n < 0 || from == NULL)
		return;
	remember(&r->member, &r->have_member, from);
	if (r->have_master)
		relay_datagram(r, DIR_BACK, &r->listen, (struct sockaddr *)&r->master, buf, (size_t)n);
}

static void on_from_master(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
			   const struct sockaddr *from, unsigned flags)
{
	struct relay *r = u->data;
	if (n < 0 || from == NULL || !r->have_member)
		return;
	relay_datagram(r, DIR_OUT, &r->member_side, (struct sockaddr *)&r->member, buf, (size_t)n);
}

/* group: the group's address and port, joined on loopback as the members
 * join it (`interface lo`); the member's group gets our multicasts. */
static int bridge_start(struct relay *r, const struct sockaddr_storage *group)
{
	struct sockaddr_in lo;
	char gname[INET6_ADDRSTRLEN];
	uv_ip4_addr("127.0.0.1", 0, &lo);
	uv_ip4_name((const struct sockaddr_in *)group, gname, sizeof(gname));
	uv_udp_init(&r->loop, &r->group_sock);
	uv_udp_init(&r->loop, &r->member_side);
	r->group_sock.data = r->member_side.data = r;
	int rc = uv_udp_bind(&r->group_sock, (const struct sockaddr *)group, UV_UDP_REUSEADDR);
	if (rc == 0)
		rc = uv_udp_set_membership(&r->group_sock, gname, "127.0.0.1", UV_JOIN_GROUP);
	if (rc == 0)
		rc = uv_udp_bind(&r->member_side, (const struct sockaddr *)&lo, 0);
	if (rc == 0)
		rc = uv_udp_set_multicast_interface(&r->member_side, "127.0.0.1");
	if (rc == 0)
		rc = uv_udp_bind(&r->listen, (const struct sockaddr *)&lo, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&r->group_sock, on_alloc, on_group_poll);
	if (rc == 0)
		rc = uv_udp_recv_start(&r->member_side, on_alloc, on_from_member);
	if (rc == 0)
		rc = uv_udp_recv_start(&r->listen, on_alloc, on_from_master);
	if (rc < 0)
		fprintf(stderr, "tsync-relay: cannot bridge the group %s: %s\n", gname, uv_strerror(rc));
	return rc;
}

static void print_stats(const struct relay *r)
{
	for (int d = DIR_OUT; d <= DIR_BACK; d++) {
		const struct relay_stats *s = &r->stats[d];
		uint64_t sent = s->forwarded + s->failed;
		say("%-4s received %" PRIu64 ", forwarded %" PRIu64 ", dropped %" PRIu64
		    ", duplicated %" PRIu64 ", failed %" PRIu64 "; late by %.3f ms on average, "
		    "%.3f ms at most",
		    dir_name[d], s->received, s->forwarded, s->dropped, s->duplicated, s->failed,
		    sent > 0 ? (double)s->late_sum / (double)sent / 1e6 : 0.0, s->late_max / 1e6);
	}
}

static void close_all(struct relay *r)
{
	uv_close((uv_handle_t *)&r->listen, NULL);
	uv_close((uv_handle_t *)&r->tpoll, NULL);
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&r->sig[i], NULL);
	for (struct session *s = r->sessions; s != NULL; s = s->next)
		uv_close((uv_handle_t *)&s->up, NULL);
	if (r->berkeley) {
		uv_close((uv_handle_t *)&r->group_sock, NULL);
		uv_close((uv_handle_t *)&r->member_side, NULL);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct relay *r = h->data;
	print_stats(r);
	if (signum != SIGUSR1) {
		say("stopping on signal %d", signum);
		close_all(r);
	}
}

static void free_all(struct relay *r)
{
	while (r->sessions != NULL) {
		struct session *s = r->sessions;
		r->sessions = s->next;
		free(s);
	}
	while (r->queue != NULL) {
		struct held *h = r->queue;
		r->queue = h->next;
		free(h);
	}
	close(r->tfd);
}

/* HOST:PORT to an address; port 0 is allowed where allow0 (listen). */
static int resolve(const char *arg, bool allow0, struct sockaddr_storage *out)
{
	char host[256], copy[300];
	uint16_t port = 0;
	size_t n = strlen(arg);
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV }, *res;
	snprintf(copy, sizeof(copy), "%s", arg);
	if (allow0 && n > 2 && n < sizeof(copy) && strcmp(copy + n - 2, ":0") == 0)
		copy[n - 2] = '\0'; /* hostport_split wants 1..65535; no port is 0 here */
	if (hostport_split(copy, 0, host, sizeof(host), &port) < 0 || (port == 0 && !allow0))
		return -EINVAL;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -EHOSTUNREACH;
	memset(out, 0, sizeof(*out));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (out->ss_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)out)->sin_port = htons(port);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync-relay [-v] [-P PRIORITY] [-s SEED] [--out SPEC] [--back SPEC] [--both SPEC]\n"
		   "                   LISTEN_HOST:PORT TARGET_HOST:PORT\n"
		   "       tsync-relay --berkeley [options] GROUP:PORT MEMBER_GROUP:PORT\n"
		   "SPEC: delay=MS,jitter=MS,loss=PERCENT,dup=PERCENT (any of them)\n"
		   "see tsync-relay(1)\n");
}

struct relay_opts {
	const char *listen, *target;
	uint64_t seed;
	bool seeded, verbose, berkeley;
	int priority; /* -P: SCHED_FIFO priority; 0: the normal scheduler */
};

/* -P: on a loaded machine a normal process may wake milliseconds after
 * its timer; a real-time one wakes at once, so the delays hold (as
 * chronyd -P does for its own timing). */
static int set_priority(int priority)
{
	struct sched_param sp = { .sched_priority = priority };
	if (priority == 0)
		return 0;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
		fprintf(stderr, "tsync-relay: -P %d: %s\n", priority, strerror(errno));
		return -1;
	}
	return 0;
}

static int parse_spec(struct relay *r, int c, const char *spec)
{
	char err[160];
	for (int d = DIR_OUT; d <= DIR_BACK; d++) {
		if ((c == 'o' && d != DIR_OUT) || (c == 'b' && d != DIR_BACK))
			continue;
		if (relay_dir_parse(spec, &r->dir[d], err, sizeof(err)) < 0) {
			fprintf(stderr, "tsync-relay: --%s '%s': %s\n",
				c == 'o' ? "out" : c == 'b' ? "back" : "both", spec, err);
			return -1;
		}
	}
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct relay *r, struct relay_opts *o)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "back", required_argument, NULL, 'b' },
		{ "both", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "priority", required_argument, NULL, 'P' },
		{ "berkeley", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;
	while ((c = getopt_long(argc, argv, "s:P:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': case 'b': case 'B':
			if (parse_spec(r, c, optarg) < 0)
				return 2;
			break;
		case 's':
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-') {
				fprintf(stderr, "tsync-relay: bad seed '%s' (0 to 2^64-1)\n", optarg);
				return 2;
			}
			o->seeded = true;
			break;
		case 'v': o->verbose = true; break;
		case 'k': o->berkeley = true; break;
		case 'P':
			o->priority = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || o->priority < 1 || o->priority > 99) {
				fprintf(stderr, "tsync-relay: bad priority '%s' (1 to 99)\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "tsync-relay: give a listen address and a target\n");
		usage(stderr);
		return 2;
	}
	o->listen = argv[optind];
	o->target = argv[optind + 1];
	return -1;
}

static void describe(const struct relay *r, const struct relay_opts *o)
{
	char a[RELAY_ADDRLEN], b[RELAY_ADDRLEN];
	struct sockaddr_storage me;
	int len = sizeof(me);
	uv_udp_getsockname(&r->listen, (struct sockaddr *)&me, &len);
	if (r->berkeley) {
		char g[RELAY_ADDRLEN];
		len = sizeof(me);
		uv_udp_getsockname(&r->group_sock, (struct sockaddr *)&me, &len);
		addr_str(&me, g, sizeof(g));
		len = sizeof(me);
		uv_udp_getsockname(&r->listen, (struct sockaddr *)&me, &len);
		say("bridging the group %s to a member on %s (the master sees it at %s), seed %" PRIu64,
		    g, addr_str(&r->target, b, sizeof(b)), addr_str(&me, a, sizeof(a)), o->seed);
	} else {
		say("listening on %s, forwarding to %s, seed %" PRIu64, addr_str(&me, a, sizeof(a)),
		    addr_str(&r->target, b, sizeof(b)), o->seed);
	}
	for (int d = DIR_OUT; d <= DIR_BACK; d++) {
		const struct relay_dir *x = &r->dir[d];
		say("%-4s delay %.3f ms, jitter +-%.3f ms, loss %.4g %%, duplication %.4g %%",
		    dir_name[d], x->delay / 1e6, x->jitter / 1e6, x->loss / 1e4, x->dup / 1e4);
	}
}

static int start(struct relay *r, const struct relay_opts *o)
{
	struct sockaddr_storage me;
	if (resolve(o->listen, !o->berkeley, &me) < 0 || resolve(o->target, false, &r->target) < 0 ||
	    (o->berkeley && (me.ss_family != AF_INET || r->target.ss_family != AF_INET))) {
		fprintf(stderr, "tsync-relay: bad address '%s' or '%s' (HOST:PORT, numeric or a name)\n",
			o->listen, o->target);
		return -EINVAL;
	}
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->tfd < 0) {
		fprintf(stderr, "tsync-relay: timerfd_create: %s\n", strerror(errno));
		return -EINVAL;
	}
	uv_loop_init(&r->loop);
	uv_udp_init(&r->loop, &r->listen);
	r->listen.data = r;
	uv_poll_init(&r->loop, &r->tpoll, r->tfd);
	r->tpoll.data = r;
	uv_poll_start(&r->tpoll, UV_READABLE, on_timerfd);
	static const int signums[3] = { SIGINT, SIGTERM, SIGUSR1 };
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&r->loop, &r->sig[i]);
		r->sig[i].data = r;
		uv_signal_start(&r->sig[i], on_signal, signums[i]);
	}
	if (o->berkeley) {
		r->berkeley = true;
		return bridge_start(r, &me);
	}
	int rc = uv_udp_bind(&r->listen, (struct sockaddr *)&me, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&r->listen, on_alloc, on_out);
	if (rc < 0)
		fprintf(stderr, "tsync-relay: cannot listen on %s: %s\n", o->listen, uv_strerror(rc));
	return rc;
}

int main(int argc, char **argv)
{
	static struct relay r; /* large; one per process */
	struct relay_opts o = { 0 };
	int rc = parse_args(argc, argv, &r, &o);
	if (rc >= 0)
		return rc;
	if (!o.seeded && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
		o.seed = (uint64_t)time(NULL);
	/* Each direction its own stream: a drop out never shifts the fates back. */
	relay_rng_seed(&r.rng[DIR_OUT], o.seed);
	relay_rng_seed(&r.rng[DIR_BACK], o.seed ^ 0x5bd1e9955bd1e995u);
	r.verbose = o.verbose;
	if (set_priority(o.priority) < 0)
		return 1;
	rc = start(&r, &o);
	if (rc == -EINVAL)
		return 2;
	if (rc < 0) {
		close_all(&r);
		uv_run(&r.loop, UV_RUN_DEFAULT);
		free_all(&r);
		uv_loop_close(&r.loop);
		return 1;
	}
	describe(&r, &o);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	free_all(&r);
	return uv_loop_close(&r.loop) == 0 ? 0 : 1;
}
