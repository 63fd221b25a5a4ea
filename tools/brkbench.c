/*
 * brkbench: N Berkeley slaves on one libuv loop against a real tsyncd
 * master, for tools/brkbench.sh. Each slave is tsyncd's own Berkeley role
 * (src/tsyncd/berkeley.c) with a sim clock of its own; the bench reads
 * their true offsets, the master's CPU and RSS, and its round lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "berkeley.h"
#include "clktimer.h"
#include "log.h"

#define MAX_SLAVES BRK_MAX_MEMBERS
#define MAX_ROUNDS 10000
#define CONF_MAX (64 * 1024)
#define NS_PER_US 1000
#define NS_PER_MS 1000000
#define ONE_MS (1000 * NS_PER_US)

struct opts {
	const char *conf;     /* tsyncd.conf of the slaves */
	const char *log;      /* the master's log: its round lines */
	long pid;             /* the master */
	int slaves, rounds, warmup;
	int64_t max_offset;   /* ns: initial offsets uniform in +-max_offset */
	double max_drift;     /* ppm: drifts uniform in +-max_drift */
	uint64_t seed;
	bool verbose;
};

struct slave {
	struct berkeley b;
	struct clk *clock;
	struct clktimer timer; /* ends its slews, as tsyncd's does */
	uint64_t applied;     /* adjustments applied up to the last round's start */
};

/* The master's CPU time: schedstat's nanoseconds, stat's clock ticks. */
struct cpu {
	int64_t sched_ns;
	long long ticks;
};

/* What is known at the start of round k (1 = the first POLL heard): the
 * slaves' state after rounds 1..k-1. */
struct round_rec {
	uint64_t id;
	int64_t spread;       /* max - min of the slaves' true offsets, ns */
	int applied;          /* adjustments applied in round k-1 */
};

struct bench {
	struct opts o;
	struct tsyncd_config cfg;
	uv_loop_t loop;
	uv_check_t check;
	uv_timer_t deadline;
	uv_signal_t sigint, sigterm;
	struct slave *slave;
	int started;          /* slaves started (and to be stopped) */
	struct round_rec *rec; /* [1..rounds seen] */
	int k;                /* rounds seen */
	struct cpu cpu0, cpu1;
	int status;           /* exit status; -1 while running */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: brkbench -c SLAVE.CONF -p MASTER_PID [-l MASTER_LOG] [-n SLAVES]\n"
		   "                [-r ROUNDS] [-w WARMUP] [-o OFFSET_MS] [-d DRIFT_PPM] [-s SEED] [-v]\n"
		   "  -c FILE     tsyncd.conf of the slaves: their berkeley and keyfile lines\n"
		   "  -p PID      the master tsyncd: its CPU time and RSS from /proc\n"
		   "  -l FILE     the master's log: round durations from its round lines\n"
		   "  -n SLAVES   slaves, 1-%d (default 200)\n"
		   "  -r ROUNDS   rounds measured (default 20)\n"
		   "  -w WARMUP   rounds before those (default 3)\n"
		   "  -o MS       initial offsets uniform in +-MS (default 100)\n"
		   "  -d PPM      drifts uniform in +-PPM (default 50)\n"
		   "  -s SEED     of the offsets and drifts (default 1)\n"
		   "  -v          one line per round on stderr\n"
		   "Prints one line of key=value (see BENCHMARKS.md).\n", MAX_SLAVES);
}

static int64_t host_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: offsets and drifts repeatable from the seed. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1]. */
static double unit_random(uint64_t *state)
{
	return (double)(next_random(state) >> 11) / (double)(UINT64_C(1) << 52) - 1.0;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Returns -1 to go on, or the exit status. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	long v = 0;
	int c;
	*o = (struct opts){ .slaves = 200, .rounds = 20, .warmup = 3, .max_offset = 100 * NS_PER_MS,
			    .max_drift = 50, .seed = 1 };
	while ((c = getopt(argc, argv, "c:l:p:n:r:w:o:d:s:vh")) != -1) {
		bool ok = true;
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'l': o->log = optarg; break;
		case 'p': ok = parse_long(optarg, 1, 4194304, &o->pid); break;
		case 'n': ok = parse_long(optarg, 1, MAX_SLAVES, &v); o->slaves = (int)v; break;
		case 'r': ok = parse_long(optarg, 1, MAX_ROUNDS / 2, &v); o->rounds = (int)v; break;
		case 'w': ok = parse_long(optarg, 0, MAX_ROUNDS / 2, &v); o->warmup = (int)v; break;
		case 'o': ok = parse_long(optarg, 0, 100000, &v); o->max_offset = v * NS_PER_MS; break;
		case 'd': ok = parse_long(optarg, 0, 500, &v); o->max_drift = (double)v; break;
		case 's': ok = parse_long(optarg, 0, 1L << 30, &v); o->seed = (uint64_t)v; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "brkbench: bad value '%s' for -%c\n", optarg, c);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o->conf == NULL || o->pid == 0) {
		fprintf(stderr, "brkbench: -c and -p are required, and nothing else\n");
		usage(stderr);
		return 2;
	}
	return -1;
}

/* The slaves' configuration, parsed as tsyncd parses its own. */
static int load_conf(const char *path, struct tsyncd_config *cfg)
{
	char err[256];
	char *text = malloc(CONF_MAX);
	FILE *f = fopen(path, "r");
	size_t len = text != NULL && f != NULL ? fread(text, 1, CONF_MAX, f) : 0;
	int rc = text == NULL || f == NULL || ferror(f) ? -1 : 0;
	if (f != NULL)
		fclose(f);
	cfg_init(cfg);
	if (rc == 0 && (rc = cfg_parse(cfg, text, len, path, err, sizeof(err))) < 0)
		fprintf(stderr, "brkbench: %s\n", err);
	else if (rc < 0)
		fprintf(stderr, "brkbench: cannot read %s: %s\n", path, strerror(errno));
	free(text);
	if (rc < 0)
		return rc;
	cfg_finish(cfg);
	if (cfg->berkeley.role != CFG_BRK_SLAVE) {
		fprintf(stderr, "brkbench: %s: want 'berkeley slave'\n", path);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ /proc */

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static bool read_cpu(long pid, struct cpu *c)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	long long ns;
	snprintf(path, sizeof(path), "/proc/%ld/schedstat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0 || sscanf(buf, "%lld", &ns) != 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return false;
	/* utime and stime, fields 14 and 15, counted from the name's ')'. */
	char *p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return false;
	*c = (struct cpu){ .sched_ns = ns, .ticks = (long long)(ut + st) };
	return true;
}

/* A "Key:   N kB" line of /proc/PID/status, or -1. */
static long status_kb(const char *pid, const char *key)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		size_t n = strlen(key);
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			return strtol(line + n + 1, NULL, 10);
	}
	return -1;
}

/* ------------------------------------------------------------ rounds */

/* The slaves' true offsets (sim clock minus host) at one host instant. */
static int64_t spread_now(const struct bench *bn)
{
	int64_t host = host_ns(), lo = INT64_MAX, hi = INT64_MIN;
	for (int i = 0; i < bn->o.slaves; i++) {
		int64_t t;
		if (clk_from_host(bn->slave[i].clock, host, &t) < 0)
			continue;
		lo = t - host < lo ? t - host : lo;
		hi = t - host > hi ? t - host : hi;
	}
	return hi - lo;
}

static int applied_since(struct bench *bn)
{
	int n = 0;
	for (int i = 0; i < bn->o.slaves; i++) {
		struct slave *s = &bn->slave[i];
		n += (int)(s->b.node->count.applied - s->applied);
		s->applied = s->b.node->count.applied;
	}
	return n;
}

static void finish(struct bench *bn, int status)
{
	if (bn->status >= 0)
		return;
	bn->status = status;
	uv_check_stop(&bn->check);
	uv_timer_stop(&bn->deadline);
	uv_signal_stop(&bn->sigint);
	uv_signal_stop(&bn->sigterm);
	for (int i = 0; i < bn->started; i++) {
		berkeley_stop(&bn->slave[i].b);
		clktimer_stop(&bn->slave[i].timer);
	}
}

static void arm_deadline(struct bench *bn);

/* A round begins when slave 0 answers a POLL of a new round id. */
static void new_round(struct bench *bn, uint64_t id)
{
	struct round_rec *r = &bn->rec[++bn->k];
	r->id = id;
	r->spread = spread_now(bn);
	r->applied = applied_since(bn);
	if (bn->o.verbose)
		fprintf(stderr, "brkbench: round %d id %016" PRIx64 " spread %.3f us, %d applied "
			"in the round before\n", bn->k, id, (double)r->spread / NS_PER_US, r->applied);
	if ((bn->k == bn->o.warmup + 1 && !read_cpu(bn->o.pid, &bn->cpu0)) ||
	    (bn->k == bn->o.warmup + bn->o.rounds + 1 && !read_cpu(bn->o.pid, &bn->cpu1))) {
		fprintf(stderr, "brkbench: cannot read the CPU time of pid %ld\n", bn->o.pid);
		finish(bn, 1);
		return;
	}
	if (bn->k == bn->o.warmup + bn->o.rounds + 1)
		finish(bn, 0);
	else
		arm_deadline(bn);
}

static void on_check(uv_check_t *h)
{
	struct bench *bn = h->data;
	uint64_t id = bn->slave[0].b.node->answered;
	if (id != 0 && (bn->k == 0 || id != bn->rec[bn->k].id))
		new_round(bn, id);
}

static void on_deadline(uv_timer_t *t)
{
	struct bench *bn = t->data;
	fprintf(stderr, "brkbench: no new round for 5 intervals after round %d\n", bn->k);
	finish(bn, 1);
}

static void arm_deadline(struct bench *bn)
{
	uv_timer_start(&bn->deadline, on_deadline, (uint64_t)(5 * bn->cfg.berkeley.interval / NS_PER_MS), 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	fprintf(stderr, "brkbench: stopped by signal %d\n", signum);
	finish(h->data, 1);
}

/* ------------------------------------------------------------ report */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool measured(const struct bench *bn, uint64_t id)
{
	for (int k = bn->o.warmup + 1; k <= bn->o.warmup + bn->o.rounds; k++)
		if (bn->rec[k].id == id)
			return true;
	return false;
}

/* Median and max of v[0..n), in ms. */
static void print_ms(const char *key, int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_i64);
	printf(" %s_median=%.3f %s_max=%.3f", key, n ? (double)v[n / 2] / NS_PER_MS : 0.0, key,
	       n ? (double)v[n - 1] / NS_PER_MS : 0.0);
}

/* The master's "all N adjustments acknowledged S s after the first poll,
 * A s after they were sent" lines of the measured rounds: median and max
 * of both, and the fewest slaves. */
static void report_durations(const struct bench *bn)
{
	char line[512], idhex[17];
	static int64_t round_ns[MAX_ROUNDS], ack_ns[MAX_ROUNDS];
	int n = 0, fewest = INT32_MAX, slaves;
	unsigned long long number, sec, frac, asec, afrac;
	FILE *f = fopen(bn->o.log, "r");
	if (f == NULL) {
		fprintf(stderr, "brkbench: cannot read %s: %s\n", bn->o.log, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL && n < MAX_ROUNDS) {
		if (sscanf(line, "tsyncd: berkeley: round %llu id %16[0-9a-f]: all %d adjustments "
			   "acknowledged %llu.%9llu s after the first poll, %llu.%9llu s", &number,
			   idhex, &slaves, &sec, &frac, &asec, &afrac) != 7 ||
		    !measured(bn, strtoull(idhex, NULL, 16)))
			continue;
		round_ns[n] = (int64_t)(sec * 1000000000 + frac);
		ack_ns[n++] = (int64_t)(asec * 1000000000 + afrac);
		fewest = slaves < fewest ? slaves : fewest;
	}
	fclose(f);
	printf(" acked_rounds=%d acked_min=%d", n, n ? fewest : 0);
	print_ms("round_ms", round_ns, n);
	print_ms("acks_ms", ack_ns, n);
}

static void report(const struct bench *bn)
{
	const struct opts *o = &bn->o;
	int first = o->warmup + 1, last = o->warmup + o->rounds + 1, to_1ms = -1, applied_min = INT32_MAX;
	int64_t worst = 0;
	for (int k = 1; k <= last && to_1ms < 0; k++)
		if (bn->rec[k].spread < ONE_MS)
			to_1ms = k - 1; /* rounds done before round k */
	for (int k = first + 1; k <= last; k++) {
		worst = bn->rec[k].spread > worst ? bn->rec[k].spread : worst;
		applied_min = bn->rec[k].applied < applied_min ? bn->rec[k].applied : applied_min;
	}
	double per = (double)o->rounds * o->slaves;
	double tick_us = 1e6 / (double)sysconf(_SC_CLK_TCK);
	char pid[24];
	snprintf(pid, sizeof(pid), "%ld", o->pid);
	printf("slaves=%d rounds=%d interval_s=%.3f spread0_us=%.1f rounds_to_1ms=%d "
	       "spread_final_us=%.1f spread_max_us=%.1f applied_min=%d "
	       "master_cpu_us_per_slave_round=%.2f master_stat_us_per_slave_round=%.2f "
	       "master_rss_kb=%ld master_hwm_kb=%ld bench_rss_kb=%ld",
	       o->slaves, o->rounds, (double)bn->cfg.berkeley.interval / 1e9,
	       (double)bn->rec[1].spread / NS_PER_US, to_1ms,
	       (double)bn->rec[last].spread / NS_PER_US, (double)worst / NS_PER_US, applied_min,
	       (double)(bn->cpu1.sched_ns - bn->cpu0.sched_ns) / NS_PER_US / per,
	       (double)(bn->cpu1.ticks - bn->cpu0.ticks) * tick_us / per,
	       status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM"), status_kb("self", "VmRSS"));
	if (o->log != NULL)
		report_durations(bn);
	printf("\n");
}

/* ------------------------------------------------------------ setup */

/* Two sockets a slave, each with one membership of the group (Linux
 * allows igmp_max_memberships, 20, per socket; sockets are bounded by the
 * descriptor limit): raise the soft limit as far as the hard one allows. */
static int raise_fd_limit(int slaves)
{
	struct rlimit rl;
	rlim_t want = 2 * (rlim_t)slaves + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
		fprintf(stderr, "brkbench: %d slaves need %llu descriptors; the hard limit is %llu\n",
			slaves, (unsigned long long)want, (unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static int start_slaves(struct bench *bn)
{
	uint64_t rng = bn->o.seed;
	for (int i = 0; i < bn->o.slaves; i++) {
		struct slave *s = &bn->slave[i];
		int64_t off = (int64_t)(unit_random(&rng) * (double)bn->o.max_offset);
		double drift = unit_random(&rng) * bn->o.max_drift;
		int err = clk_sim_new(&s->clock, off, drift);
		if (err == 0) {
			bn->started++;
			err = clktimer_start(&s->timer, &bn->loop, s->clock);
		}
		if (err == 0)
			err = berkeley_start(&s->b, &bn->loop, s->clock, &bn->cfg);
		if (err < 0) {
			fprintf(stderr, "brkbench: slave %d: %s%s\n", i, strerror(-err),
				err == -EMFILE ? " (two descriptors a slave: raise ulimit -n)" : "");
			return err;
		}
	}
	return 0;
}

static int run(struct bench *bn)
{
	uv_check_init(&bn->loop, &bn->check);
	uv_timer_init(&bn->loop, &bn->deadline);
	uv_signal_init(&bn->loop, &bn->sigint);
	uv_signal_init(&bn->loop, &bn->sigterm);
	bn->check.data = bn->deadline.data = bn->sigint.data = bn->sigterm.data = bn;
	if (start_slaves(bn) < 0) {
		finish(bn, 1);
	} else {
		uv_check_start(&bn->check, on_check);
		uv_signal_start(&bn->sigint, on_signal, SIGINT);
		uv_signal_start(&bn->sigterm, on_signal, SIGTERM);
		uv_update_time(&bn->loop); /* starting the slaves took a while */
		arm_deadline(bn);
	}
	uv_run(&bn->loop, UV_RUN_DEFAULT);
	if (bn->status == 0)
		report(bn);
	uv_close((uv_handle_t *)&bn->check, NULL);
	uv_close((uv_handle_t *)&bn->deadline, NULL);
	uv_close((uv_handle_t *)&bn->sigint, NULL);
	uv_close((uv_handle_t *)&bn->sigterm, NULL);
	uv_run(&bn->loop, UV_RUN_DEFAULT);
	return bn->status;
}

int main(int argc, char **argv)
{
	static struct bench bn;
	int rc = parse_opts(argc, argv, &bn.o);
	if (rc >= 0)
		return rc;
	log_open("brkbench", false, LOG_LVL_WARN);
	if (load_conf(bn.o.conf, &bn.cfg) < 0 || raise_fd_limit(bn.o.slaves) < 0)
		return 1;
	bn.slave = calloc((size_t)bn.o.slaves, sizeof(*bn.slave));
	bn.rec = calloc(MAX_ROUNDS + 2, sizeof(*bn.rec));
	if (bn.slave == NULL || bn.rec == NULL || uv_loop_init(&bn.loop) < 0) {
		fprintf(stderr, "brkbench: out of memory\n");
		return 1;
	}
	bn.status = -1;
	rc = run(&bn);
	if (uv_loop_close(&bn.loop) != 0) {
		fprintf(stderr, "brkbench: handles left open at exit\n");
		rc = 1;
	}
	for (int i = 0; i < bn.started; i++)
		clk_destroy(bn.slave[i].clock);
	free(bn.slave);
	free(bn.rec);
	log_close();
	return rc;
}
