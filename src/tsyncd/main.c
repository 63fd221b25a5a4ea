/*
 * tsyncd: flags, configuration, the clock, daemonising, signals, and the
 * loop that runs the roles. Everything it decides about time is elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berkeley.h"
#include "cfgcheck.h"
#include "client.h"
#include "clktimer.h"
#include "control.h"
#include "counters.h"
#include "fileio.h"
#include "keyfile.h"
#include "leapsec.h"
#include "log.h"
#include "ntske.h"
#include "privdrop.h"
#include "readiness.h"
#include "report.h"
#include "runctl.h"
#include "sandbox.h"
#include "server.h"
#include "tsync/config.h"

#define CONFIG_MAX_BYTES (1 << 20)

struct options {
	const char *config_file;
	bool config_given;
	bool foreground;
	bool debug;
	bool check_only;
	bool timestamps; /* -T */
};

struct daemon {
	uv_loop_t loop;
	uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
	struct clk *clock;
	struct clktimer clock_timer; /* ends the clock's slews */
	struct server server;
	struct ntske ntske; /* NTS-KE, when ntsservercert is given */
	struct berkeley berkeley;
	struct client client;
	struct leapsec leap;
	struct control control;
	bool control_on;
	struct metrics metrics;       /* the Prometheus endpoint */
	struct counters_ctx counters; /* every role's counters, for logs, STATS, metrics */
	struct privdrop priv;
	struct readiness readiness; /* systemd's Type=notify */
	int ready_fd; /* to the parent while it waits for us to start; -1 */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tsyncd [-n] [-d] [-t] [-T] [-f FILE]\n"
		   "       tsyncd -h | -V\n"
		   "  -n       stay in the foreground, log to stderr\n"
		   "  -d       log debug messages\n"
		   "  -t       check the configuration and exit\n"
		   "  -T       time of day before each line logged to stderr\n"
		   "  -f FILE  configuration file (default " CFG_DEFAULT_FILE ")\n"
		   "  -h       this help\n"
		   "  -V       print the version\n");
}

/* Returns -1 to go on, or the exit status. */
static int parse_flags(int argc, char **argv, struct options *o)
{
	int c;
	*o = (struct options){ .config_file = CFG_DEFAULT_FILE };
	argv[0] = "tsyncd"; /* getopt's messages name the program, not its path */
	while ((c = getopt(argc, argv, "ndtTf:hV")) != -1) {
		switch (c) {
		case 'n': o->foreground = true; break;
		case 'd': o->debug = true; break;
		case 't': o->check_only = true; break;
		case 'T': o->timestamps = true; break;
		case 'f': o->config_file = optarg; o->config_given = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tsyncd %s\n", TSYNC_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tsyncd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Read the whole file into a new buffer. */
/* The configuration: a regular file, which a symbolic link may name (its
 * owner chose it), never a FIFO or a device, opened without blocking. */
static int read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		close(fd);
		return err;
	}
	char *buf = malloc(CONFIG_MAX_BYTES);
	int err = buf == NULL ? -ENOMEM : fileio_read_all(fd, buf, CONFIG_MAX_BYTES, len);
	close(fd);
	if (err < 0) {
		free(buf);
		return err;
	}
	*text = buf;
	return 0;
}

static int load_config(const struct options *o, struct tsyncd_config *cfg)
{
	char *text = NULL, err[512];
	size_t len = 0;
	cfg_init(cfg);
	int rc = read_file(o->config_file, &text, &len);
	if (rc == -ENOENT && !o->config_given && !o->check_only) {
		cfg_finish(cfg); /* no file at the default place: defaults */
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "tsyncd: %s: %s\n", o->config_file,
			rc == -EINVAL ? "not a regular file; refused" : strerror(-rc));
		return rc;
	}
	rc = cfg_parse(cfg, text, len, o->config_file, err, sizeof(err));
	free(text);
	if (rc < 0) {
		fprintf(stderr, "tsyncd: %s\n", err);
		return rc;
	}
	cfg_finish(cfg);
	return 0;
}

static int make_sim_clock(const struct tsyncd_config *cfg, struct clk **clock)
{
	int err = cfg->sim_start_set ? clk_sim_new_at(clock, cfg->sim_start, cfg->sim_drift_ppm)
				     : clk_sim_new(clock, cfg->sim_offset, cfg->sim_drift_ppm);

	if (err == 0 && cfg->sim_jump_by != 0)
		err = clk_sim_schedule_jump(*clock, cfg->sim_jump_after, cfg->sim_jump_by);
	return err;
}

/* A tick or frequency another program left in the kernel goes on moving
 * the clock until our first change: say so. */
static void log_kernel_state(struct clk *clock)
{
	struct clk_status st;

	if (clk_status(clock, &st) < 0)
		return;
	if (st.tick != CLK_TICK_NOMINAL)
		log_warn("the kernel's tick is %d, not %d (%+d ppm), left by another program%s",
			 st.tick, CLK_TICK_NOMINAL, (st.tick - CLK_TICK_NOMINAL) * 100,
			 st.can_adjust ? ": reset at the first adjustment" : "");
	if (st.freq_ppm != 0)
		log_info("the kernel's frequency is %+.3f ppm at start", st.freq_ppm);
}

static int make_clock(const struct tsyncd_config *cfg, struct clk **clock)
{
	switch (cfg->clock) {
	case CFG_CLOCK_SIM: return make_sim_clock(cfg, clock);
	case CFG_CLOCK_READONLY: return clk_readonly_new(clock);
	default: return clk_system_new(clock);
	}
}

static void log_serving(const struct server *srv)
{
	char refid[16];
	const struct ntp_server_state *st = &srv->state;
	if (st->leap == NTP_LEAP_UNSYNC)
		log_info("serving unsynchronised (leap 3, stratum 16), clock %s", clk_name(srv->clock));
	else
		log_info("serving stratum %u, refid %s, clock %s", st->stratum,
			 ntp_refid_format(st->refid, st->stratum, refid), clk_name(srv->clock));
}

/* -t: the file parsed; now what it names. */
static int check_config(const struct options *o, const struct tsyncd_config *cfg)
{
	log_open("tsyncd", false, LOG_LVL_INFO);
	int bad = cfgcheck_run(cfg);
	log_close();
	if (bad > 0)
		return 1;
	printf("%s: configuration OK\n", o->config_file);
	return 0;
}

/* Close every handle; uv_run then returns. */
static void shut_down(struct daemon *d)
{
	client_stop(&d->client);
	leapsec_stop(&d->leap);
	ntske_stop(&d->ntske);
	server_stop(&d->server);
	berkeley_stop(&d->berkeley);
	control_stop(&d->control);
	metrics_stop(&d->metrics);
	readiness_stop(&d->readiness);
	clktimer_stop(&d->clock_timer);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	uv_close((uv_handle_t *)&d->sig_usr1, NULL);
}

static void log_stats(const struct daemon *d)
{
	berkeley_log_clock(&d->berkeley);
	counters_log(&d->counters);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (signum == SIGUSR1) {
		log_stats(d);
		return;
	}
	log_info("shutting down on signal %d", signum);
	log_stats(d);
	shut_down(d);
}

static void watch_signal(struct daemon *d, uv_signal_t *h, int signum)
{
	uv_signal_init(&d->loop, h);
	h->data = d;
	uv_signal_start(h, on_signal, signum);
}

/* A reader gone from our stderr (tsyncd -n | head), a control client
 * that hangs up: an EPIPE to count or ignore, never death by SIGPIPE.
 * Set before anything is written; inherited by nothing (no exec). */
static void ignore_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

/* Started with stdin, stdout or stderr closed (by a careless supervisor),
 * the first files and sockets we open would take those numbers, and log
 * lines written to stderr would land in the drift file or on the wire.
 * /dev/null holds them instead. Returns 0, or -errno. */
static int hold_stdio(void)
{
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fd > STDERR_FILENO) {
			close(fd);
			return 0;
		}
		/* The three must stay open across exec-less forks: no CLOEXEC. */
		fcntl(fd, F_SETFD, 0);
	}
}

/* Detach from the terminal: fork, new session, stdio to /dev/null. The
 * parent waits until the child reports its sockets bound (one byte on
 * *ready_fd) and exits 0, or 1 if the child fails first, so that whoever
 * started tsyncd learns of a failure to start. */
static int daemonise(int *ready_fd)
{
	int fds[2];
	char ok;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		_exit(read(fds[0], &ok, 1) == 1 ? 0 : 1);
	}
	close(fds[0]);
	*ready_fd = fds[1];
	if (setsid() < 0)
		return -errno;
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -errno;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return chdir("/") < 0 ? -errno : 0;
}

static void notify_ready(struct daemon *d)
{
	if (d->ready_fd < 0)
		return;
	if (write(d->ready_fd, "", 1) != 1)
		log_warn("cannot tell the parent process we are ready: %s", strerror(errno));
	close(d->ready_fd);
	d->ready_fd = -1;
}

/* The control socket, answered from the server's state for now. */
static int start_control(struct daemon *d, const struct tsyncd_config *cfg)
{
	if (cfg->control[0] == '\0')
		return 0;
	d->control_on = true;
	d->counters.ctl = &d->control;
	int err = control_start(&d->control, &d->loop, cfg->control, &report_ops, &d->client);
	if (err < 0) {
		log_error("cannot open the control socket %s: %s", cfg->control, strerror(-err));
		return err;
	}
	log_info("control socket %s", cfg->control);
	return 0;
}

/* Every privileged socket is bound and every file read: give up what is
 * not needed, then start the client. Its sockets take free ports, and the
 * threads that resolve its names are made only now, so that none of them
 * keeps a capability the main thread gave up; the seccomp filter, which
 * forbids making threads, comes last. */
static int least_privilege_then_client(struct daemon *d, const struct tsyncd_config *cfg)
{
	int err = privdrop_apply(&d->priv, cfg);
	if (err == 0)
		err = client_start(&d->client, &d->loop, d->clock, &d->server, cfg);
	d->client.leap = &d->leap;
	d->leap.on_pass = client_leap_passed;
	d->leap.arg = &d->client;
	return err == 0 && cfg->seccomp ? sandbox_start(cfg) : err;
}

static int run(struct daemon *d, const struct tsyncd_config *cfg)
{
	/* Signals are watched before anyone can learn that we serve, so that
	 * a SIGTERM or SIGUSR1 sent on the "serving" line is never fatal. */
	watch_signal(d, &d->sig_term, SIGTERM);
	watch_signal(d, &d->sig_int, SIGINT);
	watch_signal(d, &d->sig_hup, SIGHUP); /* as chronyd: the same clean end */
	watch_signal(d, &d->sig_usr1, SIGUSR1);
	int err = clktimer_start(&d->clock_timer, &d->loop, d->clock);
	if (err == 0)
		err = readiness_start(&d->readiness, &d->loop, &report_ops, &d->client);
	if (err == 0)
		err = server_start(&d->server, &d->loop, d->clock, cfg);
	if (err == 0) /* its certificate and key are read now, before privileges go */
		err = ntske_start(&d->ntske, &d->loop, d->clock, &d->server, cfg);
	if (err == 0) /* the list is read now, before privileges go */
		err = leapsec_start(&d->leap, &d->loop, d->clock, &d->server, cfg);
	if (err == 0)
		err = start_control(d, cfg);
	if (err == 0)
		err = berkeley_start(&d->berkeley, &d->loop, d->clock, cfg);
	if (err == 0 && d->control_on)
		err = control_register(&d->control, CTL_CMD_BERKELEY, berkeley_ctl, &d->berkeley);
	if (err == 0 && d->control_on)
		err = control_register(&d->control, CTL_CMD_STATS, counters_ctl, &d->counters);
	if (err == 0 && d->control_on)
		err = runctl_register(&d->control, &d->client);
	if (err == 0)
		err = metrics_start(&d->metrics, &d->loop, cfg, &d->counters);
	if (err == 0 && d->control_on && d->priv.ctl_group)
		control_set_admin_group(&d->control, d->priv.ctl_gid);
	if (err == 0)
		err = least_privilege_then_client(d, cfg);
	if (err < 0) {
		shut_down(d);
		uv_run(&d->loop, UV_RUN_DEFAULT); /* let the closes finish */
		return err;
	}
	log_serving(&d->server);
	notify_ready(d);
	readiness_ready(&d->readiness);
	return uv_run(&d->loop, UV_RUN_DEFAULT) < 0 ? -EIO : 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct tsyncd_config cfg;
	struct daemon d = { .ready_fd = -1 };
	d.counters = (struct counters_ctx){ .srv = &d.server, .cl = &d.client,
					    .brk = &d.berkeley, .met = &d.metrics, .ke = &d.ntske };
	ignore_sigpipe();
	if (hold_stdio() < 0)
		return 1; /* no /dev/null, and nowhere safe to say so */
	int rc = parse_flags(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (load_config(&o, &cfg) < 0)
		return 1;
	if (o.check_only)
		return check_config(&o, &cfg);
	log_open("tsyncd", !o.foreground, o.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	log_timestamps(o.timestamps);
	if (!o.foreground && (rc = daemonise(&d.ready_fd)) < 0) {
		log_error("cannot daemonise: %s", strerror(-rc));
		return 1;
	}
	if (privdrop_prepare(&d.priv, &cfg) < 0)
		return 1;
	if (d.priv.plan == PRIV_SWITCH)
		fileio_trust_user(d.priv.uid);
	rc = make_clock(&cfg, &d.clock);
	if (rc < 0) {
		log_error("cannot open the %s clock: %s", cfg.clock == CFG_CLOCK_SIM ? "sim" : "system",
			  strerror(-rc));
		return 1;
	}
	if (cfg.clock != CFG_CLOCK_SIM)
		log_kernel_state(d.clock);
	uv_loop_init(&d.loop);
	rc = run(&d, &cfg);
	if (uv_loop_close(&d.loop) != 0)
		log_error("handles left open at exit");
	clk_destroy(d.clock);
	log_close();
	return rc < 0 ? 1 : 0;
}
