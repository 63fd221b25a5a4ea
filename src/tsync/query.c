/*
 * `tsync query HOST[:PORT]`: N client requests, each with a random 64-bit
 * transmit timestamp as its nonce, the minimum-delay valid reply kept.
 * The clock is read through the readonly backend: a query never sets it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "keyfile.h"
#include "print.h"
#include "ntske_client.h"
#include "query.h"
#include "tsync/hostport.h"
#include "tsync/ntp_auth.h"
#include "nonce.h"
#include "udp.h"

struct query_opts {
	int count;
	double timeout, interval; /* seconds */
	bool json, cristian, verbose;
	int64_t min_transit; /* ns; -1: not given */
	int family;
	char host[256];
	uint16_t port;
	uint32_t key_id;       /* --key; 0: none */
	const char *keyfile;   /* --keyfile */
	bool nts;              /* --nts: host:port is the NTS-KE server */
	const char *ntscerts;  /* --ntstrustedcerts; NULL: the system's */
};

/* --nts: what NTS-KE gave, and the request out's identifier. */
struct query_nts {
	struct ntske_client_result ke;
	uint8_t uid[NTS_UID_MIN];
	struct nts_new_cookies fresh; /* from the last reply */
	struct ntp_exch_nts check;
	int last; /* enum nts_client_result of the last refusal */
};

struct query {
	const struct query_opts *o;
	uv_loop_t loop;
	uv_getaddrinfo_t gai;
	uv_timer_t timer;
	struct udp_sock *sock;
	struct clk *clock;
	struct sockaddr_storage server;
	ntp_ts_t nonce;    /* the transmit timestamp of the request in flight */
	int64_t t0;        /* the clock just before it went out */
	struct udp_tx_req tx; /* and the kernel's stamp of it */
	bool waiting;      /* a request is in flight */
	ntp_ts_t last_xmt; /* of the last reply taken, to spot duplicates */
	int last_reject;   /* why the last answer was not a sample */
	bool kod;
	struct query_result best;
	int status; /* exit status */
	struct keys_ring keys;
	const struct keys_key *key; /* --key: requests signed, replies verified */
	int last_auth;              /* why the last answer's MAC was refused */
	char host[256];             /* the NTP server: o->host, or as NTS-KE named it */
	uint16_t port;
	struct query_nts *nts;      /* --nts; NULL without */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync query [-v] [-c N] [-t SECONDS] [-i SECONDS] [--json] [--cristian]\n"
		   "                   [--min-transit SECONDS] [--key ID --keyfile FILE] [-4 | -6]\n"
		   "                   HOST[:PORT]\n"
		   "       tsync query --nts [--ntstrustedcerts FILE] [OPTION...] HOST[:KEPORT]\n");
}

static void send_next(struct query *q);

static void finish(struct query *q, int status)
{
	q->status = status;
	uv_close((uv_handle_t *)&q->timer, NULL);
	if (q->sock != NULL)
		udp_close(q->sock, NULL);
}

static void on_timer(uv_timer_t *t)
{
	struct query *q = t->data;
	q->waiting = false; /* a reply to the old request now fails its origin check */
	send_next(q);
}

static uint64_t ms(double seconds)
{
	return (uint64_t)llround(seconds * 1000.0);
}


/* An NTS request (RFC 8915 §5.7): a fresh UID, the last cookie in hand
 * (each reply brings one back), sealed under C2S. 0: no cookie left. */
static size_t nts_request(struct query *q, const struct ntp_pkt *req, uint8_t *buf, size_t cap)
{
	struct query_nts *n = q->nts;
	uint8_t nonce[NTS_NONCE_LEN];
	if (n->ke.cookies.n == 0 || getrandom(n->uid, sizeof(n->uid), 0) != sizeof(n->uid) ||
	    getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		return 0;
	int i = --n->ke.cookies.n;
	return nts_client_request(req, n->uid, sizeof(n->uid), n->ke.cookies.cookie[i],
				  n->ke.cookies.len[i], 0, n->ke.c2s, nonce, buf, cap);
}

static void send_next(struct query *q)
{
	uint8_t buf[NTS_REPLY_MAX];
	size_t len = NTP_PKT_LEN;
	char name[ADDR_STRLEN];
	if (q->kod || q->best.sent == q->o->count) {
		finish(q, q->best.valid > 0 ? 0 : 1);
		return;
	}
	q->nonce = nonce_new();
	struct ntp_pkt req = { .version = NTP_VERSION, .mode = NTP_MODE_CLIENT, .xmt = q->nonce };
	ntp_pkt_encode(&req, buf);
	if (q->key != NULL)
		len = ntp_auth_sign(q->key, buf, NTP_PKT_LEN, sizeof(buf));
	if (q->nts != NULL && (len = nts_request(q, &req, buf, sizeof(buf))) == 0) {
		print_err("tsync", "%s: no NTS cookie left", q->best.server);
		finish(q, q->best.valid > 0 ? 0 : 1);
		return;
	}
	clk_read(q->clock, &q->t0);
	udp_tx_req_sent(&q->tx, q->sock->tx_key, q->t0);
	int err = udp_send(q->sock, buf, len, (struct sockaddr *)&q->server);
	q->best.exch[q->best.sent].fate = QUERY_NO_REPLY;
	q->best.sent++;
	q->waiting = true;
	if (err < 0)
		print_err("tsync", "%s: %s",
			addr_format((struct sockaddr *)&q->server, name, sizeof(name)), strerror(-err));
	uv_timer_start(&q->timer, on_timer, ms(q->o->timeout), 0);
}

static void on_tx_stamp(struct udp_sock *s, uint32_t key, int64_t tx_time)
{
	struct query *q = s->data;
	if (q->waiting)
		udp_tx_req_stamp(&q->tx, key, tx_time);
}

/* A checked reply: keep it if it is the best so far. t0 is the kernel's
 * transmit stamp when it came, else the reading before the send. */
static void take_sample(struct query *q, const struct ntp_pkt *p, int64_t t3)
{
	struct query_result *b = &q->best;
	struct ntp_sample s;
	int64_t t0 = udp_tx_req_time(&q->tx, q->t0);
	int64_t t1 = ntp_ts_to_ns(p->rec, t3), t2 = ntp_ts_to_ns(p->xmt, t3);
	ntp_exch_sample(t0, t1, t2, t3, p->precision, q->clock->precision, &s);
	q->last_xmt = p->xmt;
	b->kernel_t0 += q->tx.stamped;
	b->exch[b->sent - 1] = (struct query_exch){ .fate = QUERY_SAMPLE, .t0 = t0, .t1 = t1,
						    .t2 = t2, .t3 = t3, .sample = s };
	if (b->valid++ > 0 && s.delay >= b->sample.delay)
		return;
	b->kept = b->sent - 1;
	b->reply = *p;
	b->t0 = t0, b->t1 = t1, b->t2 = t2, b->t3 = t3;
	b->t0_kernel = q->tx.stamped;
	b->sample = s;
}

/* The cookies an authenticated reply brought, for the next requests. */
static void nts_keep_cookies(struct query_nts *n)
{
	for (int i = 0; i < n->fresh.n && n->ke.cookies.n < NTS_MAX_COOKIES; i++) {
		int k = n->ke.cookies.n++;
		n->ke.cookies.len[k] = n->fresh.len[i];
		memcpy(n->ke.cookies.cookie[k], n->fresh.cookie[i], n->fresh.len[i]);
	}
}

static void on_reply(struct udp_sock *s, const uint8_t *data, size_t len,
		     const struct sockaddr *from, int64_t t3)
{
	struct query *q = s->data;
	struct ntp_pkt p;
	struct ntp_exch_verdict v;
	if (!q->waiting || !addr_equal(from, (struct sockaddr *)&q->server))
		return;
	/* The daemon's rule: the MAC first, then whether it answers us. */
	int verdict = ntp_exch_accept(data, len, q->key, q->nts != NULL ? &q->nts->check : NULL,
				      q->waiting, q->nonce, q->last_xmt, &p, &v);
	if (verdict == NTP_ACCEPT_AUTH) {
		q->last_auth = v.auth;
		if (q->nts != NULL)
			q->nts->last = v.nts;
	}
	if (verdict < NTP_ACCEPT_REFUSED)
		return;
	q->waiting = false;
	if (verdict == NTP_ACCEPT_SAMPLE) {
		take_sample(q, &p, t3);
		if (q->nts != NULL)
			nts_keep_cookies(q->nts);
	} else {
		q->last_reject = v.exch;
		q->best.exch[q->best.sent - 1].fate = QUERY_REFUSED;
		q->best.exch[q->best.sent - 1].reject = v.exch;
		if (verdict == NTP_ACCEPT_KOD) {
			char code[16];
			q->kod = true;
			print_err("tsync", "%s: kiss-o'-death %s", q->best.server,
				ntp_refid_format(p.refid, 0, code));
		}
	}
	uv_timer_start(&q->timer, on_timer, ms(q->o->interval), 0);
}

/* Without transmit stamps from the kernel, t0 is the clock read just
 * before each send: a few microseconds early. */
static int open_socket(struct query *q)
{
	struct sockaddr_storage any = { .ss_family = q->server.ss_family };
	q->sock = calloc(1, sizeof(*q->sock));
	if (q->sock == NULL)
		return -ENOMEM;
	int err = udp_open(q->sock, &q->loop, (struct sockaddr *)&any, false, UDP_BATCH_CLIENT, q->clock,
			   on_reply, q);
	if (err == 0)
		udp_tx_timestamps(q->sock, on_tx_stamp);
	return err;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct query *q = req->data;
	if (status < 0) {
		print_err("tsync", "%s: %s", q->host, uv_strerror(status));
		finish(q, 1);
		return;
	}
	memcpy(&q->server, res->ai_addr, res->ai_addrlen);
	uv_freeaddrinfo(res);
	addr_format((struct sockaddr *)&q->server, q->best.server, sizeof(q->best.server));
	uv_ip_name((struct sockaddr *)&q->server, q->best.host, sizeof(q->best.host));
	q->best.port = q->port;
	int err = open_socket(q);
	if (err < 0) {
		print_err("tsync", "cannot open a socket: %s", strerror(-err));
		finish(q, 1);
		return;
	}
	send_next(q);
}

static int resolve(struct query *q)
{
	char port[8];
	struct addrinfo hints = {
		.ai_family = q->o->family,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICSERV,
	};
	snprintf(port, sizeof(port), "%u", q->port);
	q->gai.data = q;
	return uv_getaddrinfo(&q->loop, &q->gai, on_resolved, q->host, port, &hints);
}

/* Why the last answer was refused for its MAC, in the user's words. */
static const char *auth_failure(int auth)
{
	switch (auth) {
	case NTP_AUTH_NONE: return "no MAC";
	case NTP_AUTH_NAK: return "crypto-NAK: the server refused our key or MAC";
	case NTP_AUTH_UNKNOWN_KEY: return "signed with another key";
	default: return "bad MAC";
	}
}

static void report_failure(const struct query *q)
{
	if (q->kod || q->best.sent == 0 || q->best.valid > 0)
		return;
	if (q->nts != NULL && q->nts->last != NTS_CLIENT_OK)
		print_err("tsync", "%s: no valid reply in %d tries (last reply: NTS %s)",
			  q->best.server, q->best.sent, nts_client_result_name(q->nts->last));
	else if (q->last_auth != NTP_AUTH_OK)
		print_err("tsync", "%s: no valid reply in %d tries (last reply: %s)",
			q->best.server, q->best.sent, auth_failure(q->last_auth));
	else if (q->last_reject != NTP_EXCH_OK)
		print_err("tsync", "%s: no valid reply in %d tries (last reply: %s)",
			q->best.server, q->best.sent, ntp_exch_result_name(q->last_reject));
	else
		print_err("tsync", "%s: no valid reply in %d tries", q->best.server,
			q->best.sent);
}

/* --key ID from --keyfile FILE, refused as tsyncd refuses it. */
static int load_key(struct query *q)
{
	char err[256];
	if (q->o->keyfile == NULL)
		return 0;
	if (keyfile_load(q->o->keyfile, &q->keys, err, sizeof(err)) < 0) {
		print_err("tsync", "%s", err);
		return -1;
	}
	q->key = keys_find(&q->keys, q->o->key_id);
	if (q->key == NULL || ntp_auth_digest_len(q->key) == 0) {
		print_err("tsync", "key %u %s %s", q->o->key_id,
			q->key == NULL ? "is not in" : "is not an NTP key type in", q->o->keyfile);
		return -1;
	}
	q->best.key_id = q->key->id;
	return 0;
}

/* --nts: NTS-KE first; the NTP server and port are those it names, else
 * the NTS-KE host and 123. */
static int nts_start(struct query *q, struct query_nts *n)
{
	char err[256];
	int ms_left = q->o->timeout < 5 ? 5000 : (int)(q->o->timeout * 1000);
	if (ntske_client_fetch(q->o->host, q->o->port, q->o->ntscerts, ms_left, &n->ke, err,
			       sizeof(err)) < 0) {
		print_err("tsync", "%s port %u: %s", q->o->host, q->o->port, err);
		return -1;
	}
	if (n->ke.server[0] != '\0')
		snprintf(q->host, sizeof(q->host), "%s", n->ke.server);
	q->port = n->ke.port != 0 ? n->ke.port : NTP_PORT;
	n->check = (struct ntp_exch_nts){ .uid = n->uid, .uid_len = sizeof(n->uid),
					  .s2c = n->ke.s2c, .cookies = &n->fresh };
	q->nts = n;
	q->best.nts = true;
	return 0;
}

static int run_query(const struct query_opts *o)
{
	static struct query_nts nts;
	struct query q = { .o = o, .last_auth = NTP_AUTH_OK, .best.name = o->host, .port = o->port };
	q.best.min_transit = o->min_transit;
	q.best.verbose = o->verbose;
	snprintf(q.host, sizeof(q.host), "%s", o->host);
	if (load_key(&q) < 0 || (o->nts && nts_start(&q, &nts) < 0)) {
		keys_wipe(&q.keys);
		return 1;
	}
	int err = clk_readonly_new(&q.clock);
	if (err < 0) {
		print_err("tsync", "cannot read the clock: %s", strerror(-err));
		return 1;
	}
	uv_loop_init(&q.loop);
	uv_timer_init(&q.loop, &q.timer);
	q.timer.data = &q;
	err = resolve(&q);
	if (err < 0) {
		print_err("tsync", "%s: %s", o->host, uv_strerror(err));
		finish(&q, 1);
	}
	uv_run(&q.loop, UV_RUN_DEFAULT);
	uv_loop_close(&q.loop);
	free(q.sock);
	clk_destroy(q.clock);
	keys_wipe(&q.keys);
	report_failure(&q);
	memset(&nts.ke, 0, sizeof(nts.ke));
	if (q.status == 0) {
		if (o->json)
			output_json(&q.best, o->cristian);
		else
			output_text(&q.best, o->cristian);
	}
	return q.status;
}

/* A decimal number in [lo, hi], or false. */
static bool parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int bad_value(char opt, const char *value)
{
	print_err("tsync query", "bad value for -%c: '%s'", opt, value);
	usage(stderr);
	return 2;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct query_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cristian", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "min-transit", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "keyfile", required_argument, NULL, 'K' },
		{ "nts", no_argument, NULL, 'N' },
		{ "ntstrustedcerts", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;
	*o = (struct query_opts){ .count = 4, .timeout = 1.0, .interval = 0.25, .family = AF_UNSPEC,
				  .min_transit = -1 };
	argv[0] = "tsync query"; /* how getopt's messages name us */
	opterr = 0; /* print_bad_option says it, in JSON too */
	while ((c = getopt_long(argc, argv, ":c:t:i:46vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_number(optarg, 1, 100, &v) || v != floor(v))
				return bad_value('c', optarg);
			o->count = (int)v;
			break;
		case 't':
			if (!parse_number(optarg, 0.001, 60, &o->timeout))
				return bad_value('t', optarg);
			break;
		case 'i':
			if (!parse_number(optarg, 0, 60, &o->interval))
				return bad_value('i', optarg);
			break;
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case 'j': o->json = true; break;
		case 'C': o->cristian = true; break;
		case 'v': o->verbose = true; break;
		case 'm':
			if (!parse_number(optarg, 0, 60, &v)) {
				print_err("tsync query", "bad value for --min-transit: '%s'", optarg);
				usage(stderr);
				return 2;
			}
			o->min_transit = llround(v * 1e9);
			break;
		case 'k':
			if (!parse_number(optarg, 1, 4294967295.0, &v) || v != floor(v)) {
				print_err("tsync query", "bad value for --key: '%s'", optarg);
				usage(stderr);
				return 2;
			}
			o->key_id = (uint32_t)v;
			break;
		case 'K': o->keyfile = optarg; break;
		case 'N': o->nts = true; break;
		case 'T': o->ntscerts = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			print_bad_option("tsync query", c, argv);
			usage(stderr);
			return 2;
		}
	}
	if ((o->verbose && o->json) || (o->min_transit >= 0 && (!o->cristian || o->json))) {
		print_err("tsync query", "%s", o->verbose && o->json ?
			"--verbose is for the text output, not --json" :
			"--min-transit goes with --cristian, in the text output");
		usage(stderr);
		return 2;
	}
	if ((o->key_id != 0) != (o->keyfile != NULL)) {
		print_err("tsync query", "--key and --keyfile go together");
		usage(stderr);
		return 2;
	}
	if (o->nts && o->key_id != 0) {
		print_err("tsync query", "--nts and --key do not go together");
		usage(stderr);
		return 2;
	}
	if (o->ntscerts != NULL && !o->nts) {
		print_err("tsync query", "--ntstrustedcerts needs --nts");
		usage(stderr);
		return 2;
	}
	if (optind != argc - 1) {
		print_err("tsync query", "%s", optind == argc ? "no server given" : "too many arguments");
		usage(stderr);
		return 2;
	}
	if (hostport_split(argv[optind], o->nts ? NTS_KE_PORT : NTP_PORT, o->host, sizeof(o->host),
			   &o->port) < 0) {
		print_err("tsync query", "bad server '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

int query_main(int argc, char **argv)
{
	struct query_opts o;
	int rc = parse_args(argc, argv, &o);
	return rc >= 0 ? rc : run_query(&o);
}
