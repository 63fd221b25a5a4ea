/*
 * loadgen: NTP load on a loopback server, for benchmarks. Many sockets, a
 * bounded window of requests in flight, every reply checked against the
 * random transmit timestamp it must echo; prints one line of key=value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tsync/hostport.h"
#include "tsync/ntp_pkt.h"
#include "udp.h"

#define MAX_SOCKETS 1024
#define MAX_WINDOW 4096
#define BATCH 32
/* Latency histogram: 100 ns buckets up to 100 ms, the last one open. */
#define HIST_NS 100
#define HIST_BUCKETS 1000000

struct opts {
	int sockets, window;
	double duration, timeout; /* s */
	double rate;              /* requests/s; 0: closed loop */
	long pid;                 /* server whose CPU time to read; 0: none */
	struct sockaddr_storage server;
};

/* A request slot: one request in flight at most. The slot's index is in
 * the low 16 bits of its nonce, the rest is random. */
struct slot {
	uint64_t nonce;
	int64_t sent_at; /* CLOCK_REALTIME ns, comparable with the kernel's receive stamp */
	bool busy;
};

struct sock {
	int fd;
	int n_free;
	int free[MAX_WINDOW]; /* slot indices; slot i belongs to socket i % sockets */
};

struct counts {
	uint64_t sent, replies, lost, invalid, late, send_fail, unstamped;
};

struct gen {
	struct opts o;
	struct sock *socks;
	struct slot slots[MAX_WINDOW];
	struct counts c;
	uint32_t *hist;
	uint64_t rng;
	int next_sock; /* where the next round of sends starts */
	uint8_t template[NTP_PKT_LEN];
};

static void usage(FILE *f)
{
	fprintf(f, "usage: loadgen [-s SOCKETS] [-w WINDOW] [-d SECONDS] [-t SECONDS] [-r RATE]\n"
		   "               [-p PID] HOST:PORT\n"
		   "  -s SOCKETS  client sockets, 1-%d (default 16)\n"
		   "  -w WINDOW   requests in flight at most, 1-%d (default 64)\n"
		   "  -d SECONDS  how long to send (default 5)\n"
		   "  -t SECONDS  a request unanswered this long is lost (default 0.5)\n"
		   "  -r RATE     fixed rate in requests/s (default: closed loop, as fast as replies come)\n"
		   "  -p PID      report this process's CPU time per reply (from /proc/PID/stat)\n"
		   "HOST is a numeric IPv4 or IPv6 address.\n",
		MAX_SOCKETS, MAX_WINDOW);
}

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* xorshift64*: fast, and random enough for nonces seeded by getrandom. */
static uint64_t next_random(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * UINT64_C(2685821657736338717);
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static bool parse_server(const char *arg, struct sockaddr_storage *ss)
{
	char host[256];
	uint16_t port;
	if (hostport_split(arg, NTP_PORT, host, sizeof(host), &port) < 0)
		return false;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return true;
	}
	return false;
}

/* Returns -1 to go on, or the exit status. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	double v;
	int c;
	*o = (struct opts){ .sockets = 16, .window = 64, .duration = 5, .timeout = 0.5 };
	while ((c = getopt(argc, argv, "s:w:d:t:r:p:h")) != -1) {
		bool ok = true;
		switch (c) {
		case 's': ok = parse_double(optarg, 1, MAX_SOCKETS, &v); o->sockets = (int)v; break;
		case 'w': ok = parse_double(optarg, 1, MAX_WINDOW, &v); o->window = (int)v; break;
		case 'd': ok = parse_double(optarg, 0.1, 3600, &o->duration); break;
		case 't': ok = parse_double(optarg, 0.001, 60, &o->timeout); break;
		case 'r': ok = parse_double(optarg, 1, 1e7, &o->rate); break;
		case 'p': ok = parse_double(optarg, 1, 4194304, &v); o->pid = (long)v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok || ((c == 's' || c == 'w' || c == 'p') && v != (long)v)) {
			fprintf(stderr, "loadgen: bad value '%s' for -%c\n", optarg, c);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !parse_server(argv[optind], &o->server)) {
		fprintf(stderr, "loadgen: expected one HOST:PORT with a numeric address\n");
		usage(stderr);
		return 2;
	}
	if (o->sockets > o->window)
		o->sockets = o->window; /* a socket without a slot would idle */
	return -1;
}

/* The server's user + system time in clock ticks, or -1. */
static long long cpu_ticks(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: count fields
	 * from its closing parenthesis. utime and stime are fields 14, 15. */
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

static int open_socket(const struct sockaddr_storage *server)
{
	const int on = 1;
	socklen_t len = server->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in);
	int fd = socket(server->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Connected: the kernel drops datagrams from anyone but the server. */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
	    connect(fd, (const struct sockaddr *)server, len) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int setup(struct gen *g, int ep)
{
	g->socks = calloc((size_t)g->o.sockets, sizeof(*g->socks));
	g->hist = calloc(HIST_BUCKETS, sizeof(*g->hist));
	if (g->socks == NULL || g->hist == NULL || getrandom(&g->rng, sizeof(g->rng), 0) != sizeof(g->rng))
		return -ENOMEM;
	g->rng |= 1; /* xorshift must not start at 0 */
	for (int i = 0; i < g->o.sockets; i++) {
		struct sock *s = &g->socks[i];
		s->fd = open_socket(&g->o.server);
		if (s->fd < 0)
			return s->fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) < 0)
			return -errno;
	}
	for (int i = g->o.window - 1; i >= 0; i--) {
		struct sock *s = &g->socks[i % g->o.sockets];
		s->free[s->n_free++] = i;
	}
	struct ntp_pkt req = { .version = NTP_VERSION, .mode = NTP_MODE_CLIENT };
	ntp_pkt_encode(&req, g->template);
	return 0;
}

/* Send up to max requests from socket s's free slots; returns how many. */
static int send_some(struct gen *g, struct sock *s, int max)
{
	uint8_t pkts[BATCH][NTP_PKT_LEN];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	int idx[BATCH];
	int n = max < s->n_free ? max : s->n_free;
	if (n > BATCH)
		n = BATCH;
	if (n <= 0)
		return 0;
	int64_t t = now_ns(CLOCK_REALTIME);
	for (int k = 0; k < n; k++) {
		int i = idx[k] = s->free[s->n_free - 1 - k];
		g->slots[i].nonce = (next_random(g) & ~UINT64_C(0xffff)) | (uint64_t)i;
		memcpy(pkts[k], g->template, NTP_PKT_LEN);
		ntp_pkt_set_xmt(pkts[k], g->slots[i].nonce);
		iov[k] = (struct iovec){ .iov_base = pkts[k], .iov_len = NTP_PKT_LEN };
		msgs[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
	}
	int sent = sendmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT);
	if (sent < 0) {
		g->c.send_fail++;
		return 0;
	}
	for (int k = 0; k < sent; k++) {
		g->slots[idx[k]].sent_at = t;
		g->slots[idx[k]].busy = true;
	}
	s->n_free -= sent;
	g->c.sent += (uint64_t)sent;
	return sent;
}

/* Send up to max requests, socket after socket from a rotating start. */
static void send_due(struct gen *g, uint64_t max)
{
	for (int j = 0; j < g->o.sockets && max > 0; j++) {
		struct sock *s = &g->socks[(g->next_sock + j) % g->o.sockets];
		int cap = max > BATCH ? BATCH : (int)max;
		max -= (uint64_t)send_some(g, s, cap);
	}
	g->next_sock = (g->next_sock + 1) % g->o.sockets;
}

static void record(struct gen *g, int64_t latency)
{
	int64_t b = latency / HIST_NS;
	if (b < 0)
		b = 0;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	g->hist[b]++;
}

static void release(struct gen *g, int i)
{
	struct sock *s = &g->socks[i % g->o.sockets];
	g->slots[i].busy = false;
	s->free[s->n_free++] = i;
}

/* One reply: mode 4, and its origin timestamp the nonce of a request in
 * flight on this very socket. */
static void take_reply(struct gen *g, int sock, const uint8_t *buf, size_t len, int64_t rx)
{
	struct ntp_pkt p;
	if (ntp_pkt_decode(&p, buf, len) != NTP_PKT_OK || p.mode != NTP_MODE_SERVER) {
		g->c.invalid++;
		return;
	}
	int i = (int)(p.org & 0xffff);
	if (i >= g->o.window || i % g->o.sockets != sock) {
		g->c.invalid++;
		return;
	}
	if (!g->slots[i].busy || g->slots[i].nonce != p.org) {
		g->c.late++; /* a reply to a request already given up, or a duplicate */
		return;
	}
	g->c.replies++;
	record(g, rx - g->slots[i].sent_at);
	release(g, i);
}

static int64_t rx_stamp(struct gen *g, struct msghdr *m, int64_t fallback)
{
	int64_t ns;
	if (udp_rx_timestamp(m, &ns))
		return ns;
	g->c.unstamped++;
	return fallback;
}

static void receive(struct gen *g, int sock)
{
	uint8_t bufs[BATCH][NTP_PKT_LEN + 16];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	int n;
	do {
		for (int k = 0; k < BATCH; k++) {
			iov[k] = (struct iovec){ .iov_base = bufs[k], .iov_len = sizeof(bufs[k]) };
			msgs[k] = (struct mmsghdr){ .msg_hdr = {
				.msg_iov = &iov[k], .msg_iovlen = 1,
				.msg_control = control[k].buf, .msg_controllen = sizeof(control[k].buf) } };
		}
		n = recvmmsg(g->socks[sock].fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		int64_t now = now_ns(CLOCK_REALTIME);
		for (int k = 0; k < n; k++)
			take_reply(g, sock, bufs[k], msgs[k].msg_len, rx_stamp(g, &msgs[k].msg_hdr, now));
	} while (n == BATCH);
}

/* Requests unanswered for longer than the timeout are lost. */
static void expire(struct gen *g, int64_t now)
{
	int64_t limit = (int64_t)(g->o.timeout * 1e9);
	for (int i = 0; i < g->o.window; i++) {
		if (g->slots[i].busy && now - g->slots[i].sent_at > limit) {
			g->c.lost++;
			release(g, i);
		}
	}
}

static int in_flight(const struct gen *g)
{
	int n = 0;
	for (int i = 0; i < g->o.sockets; i++)
		n += g->socks[i].n_free;
	return g->o.window - n;
}

/* Send while the duration lasts, then wait for the stragglers. A fixed
 * rate spins (epoll timeout 0) so that requests go out evenly, not in
 * bursts of a timer's tick. */
static void run(struct gen *g, int ep)
{
	struct epoll_event evs[MAX_SOCKETS];
	int64_t start = now_ns(CLOCK_MONOTONIC), last_expire = start;
	int64_t end = start + (int64_t)(g->o.duration * 1e9);
	int64_t drain_end = end + (int64_t)(g->o.timeout * 1e9) + 1000000;
	for (;;) {
		int64_t now = now_ns(CLOCK_MONOTONIC);
		bool sending = now < end;
		if (!sending && (in_flight(g) == 0 || now > drain_end))
			break;
		if (sending) {
			uint64_t due = g->o.rate == 0 ? UINT64_MAX
				: (uint64_t)(g->o.rate * (double)(now - start) / 1e9) + 1;
			if (due > g->c.sent)
				send_due(g, due - g->c.sent);
		}
		int n = epoll_wait(ep, evs, g->o.sockets, g->o.rate != 0 && sending ? 0 : 1);
		for (int k = 0; k < n; k++)
			receive(g, (int)evs[k].data.u32);
		if (now - last_expire > 10000000) {
			expire(g, now_ns(CLOCK_REALTIME));
			last_expire = now;
		}
	}
	expire(g, INT64_MAX); /* whatever is still out is lost */
}

static double percentile(const struct gen *g, double q)
{
	uint64_t want = (uint64_t)(q * (double)g->c.replies), seen = 0;
	if (g->c.replies == 0)
		return 0;
	for (int b = 0; b < HIST_BUCKETS; b++) {
		seen += g->hist[b];
		if (seen > want)
			return (b + 0.5) * HIST_NS / 1000.0;
	}
	return HIST_BUCKETS * (double)HIST_NS / 1000.0;
}

static void report(const struct gen *g, long long cpu)
{
	const struct counts *c = &g->c;
	double elapsed = g->o.duration;
	printf("mode=%s rate=%.0f sockets=%d window=%d duration=%.2f sent=%" PRIu64
	       " replies=%" PRIu64 " lost=%" PRIu64 " invalid=%" PRIu64 " late=%" PRIu64
	       " send_fail=%" PRIu64 " unstamped=%" PRIu64 " replies_per_s=%.0f loss_pct=%.4f"
	       " p50_us=%.1f p99_us=%.1f p999_us=%.1f",
	       g->o.rate == 0 ? "closed" : "fixed", g->o.rate, g->o.sockets, g->o.window, elapsed,
	       c->sent, c->replies, c->lost, c->invalid, c->late, c->send_fail, c->unstamped,
	       (double)c->replies / elapsed, c->sent ? 100.0 * (double)c->lost / (double)c->sent : 0.0,
	       percentile(g, 0.5), percentile(g, 0.99), percentile(g, 0.999));
	if (cpu >= 0) {
		double s = (double)cpu / (double)sysconf(_SC_CLK_TCK);
		printf(" server_cpu_s=%.2f cpu_us_per_reply=%.3f", s,
		       c->replies ? s * 1e6 / (double)c->replies : 0.0);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct gen g;
	int rc = parse_opts(argc, argv, &g.o);
	if (rc >= 0)
		return rc;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || (rc = setup(&g, ep)) < 0) {
		fprintf(stderr, "loadgen: %s\n", strerror(ep < 0 ? errno : -rc));
		return 1;
	}
	long long cpu0 = g.o.pid ? cpu_ticks(g.o.pid) : -1;
	if (g.o.pid && cpu0 < 0) {
		fprintf(stderr, "loadgen: cannot read /proc/%ld/stat\n", g.o.pid);
		return 1;
	}
	run(&g, ep);
	long long cpu1 = g.o.pid ? cpu_ticks(g.o.pid) : -1;
	report(&g, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1);
	return 0;
}
