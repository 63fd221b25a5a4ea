/*
 * The client role on libuv. Kept thin: when to poll and what a reply is
 * worth are decided by ntp_source and ntp_exch_accept, which source to
 * follow, when and how to move the clock and what to serve by ntp_sys;
 * this file sends, receives, applies their actions through the clock
 * interface and the server role, and logs.
 */
#include <errno.h>
#include <math.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "driftfile.h"
#include "log.h"
#include "nonce.h"

#define NS_PER_MS 1000000LL
#define WATCH_MS 1000
#define DRIFT_SAVE_TICKS 3600 /* one an hour, at one tick a second */

static void schedule(struct peer *p);

/* The reference id that names a peer when we serve from it (RFC 5905
 * §7.3): its IPv4 address, or the first four octets of the MD5 digest of
 * its IPv6 address. */
static uint32_t addr_refid(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	struct md5_ctx ctx;
	uint8_t d[MD5_DIGEST_SIZE];

	md5_init(&ctx);
	md5_update(&ctx, 16, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	md5_digest(&ctx, sizeof(d), d);
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* The refid a server that followed us would show: that of our own
 * address towards p (the loop check, RFC 5905 fit()). The kernel's route
 * choice, read from a connected socket that sends nothing; 0 (no loop
 * check) if that fails. */
static uint32_t local_refid(const struct peer *p)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	uint32_t refid = 0;
	int fd = socket(p->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)&p->addr, sizeof(p->addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		refid = addr_refid((struct sockaddr *)&local);
	close(fd);
	return refid;
}

static void jumped(struct client *cl, int64_t jump, int64_t now);

static void read_pair(struct client *cl, struct disc_clockpair *p)
{
	p->real = 0;
	clk_read(cl->clock, &p->real);
	p->mono = (int64_t)uv_hrtime();
	p->steps = cl->steps_applied;
}

/* The clock now. Every local time the client keeps is read here, so that
 * a jump of the clock (a suspended machine resumed) is noticed before any
 * time on the new timescale is kept beside times on the old one. */
static int64_t now_ns(struct client *cl)
{
	struct disc_clockpair prev = cl->pair;
	int64_t jump;

	read_pair(cl, &cl->pair);
	if (leapsec_poll(cl->leap, cl->pair.mono))
		read_pair(cl, &cl->pair); /* after the leap, which is no jump */
	if (!disc_jump_detect(&prev, &cl->pair, cl->cfg->makestep_threshold, &jump))
		return cl->pair.real;
	if (leapsec_explains(cl->leap, cl->pair.mono, jump))
		cl->pair.steps = cl->steps_applied; /* the kernel's leap, a tick late */
	else
		jumped(cl, jump, cl->pair.real);
	return cl->pair.real;
}

/* ---------------------------------------------------------------- the clock */

static void adjust_failed(struct client *cl, const char *what, int err)
{
	if (cl->adjust_failed)
		return;
	cl->adjust_failed = true;
	disc_measure_only(&cl->sys.disc);
	log_warn("cannot %s the %s clock: %s; measuring only", what, clk_name(cl->clock),
		 strerror(-err));
}

/* The local timescale moved by delta: every local time kept moves too
 * (ntp_sys_stepped or ntp_sys_jumped move the system level's). */
static void shift_times(struct client *cl, int64_t delta)
{
	/* A request out at the step was stamped on the old timescale: its
	 * reply, stamped on the new one, must not make half the step look
	 * like offset and the whole step like negative delay. */
	for (int i = 0; i < cl->n_peers; i++)
		cl->peers[i]->t0 += delta;
}

static void stepped(struct client *cl, int64_t delta)
{
	cl->steps_applied += delta;
	shift_times(cl, delta);
	ntp_sys_stepped(&cl->sys, cl->list, cl->n_peers, delta);
	log_info("stepped the clock by %+.9f s", (double)delta / 1e9);
}

static void schedule_all(struct client *cl)
{
	for (int i = 0; i < cl->n_peers; i++)
		schedule(cl->peers[i]);
}

/* A suspended machine wakes with its clock far from where the monotonic
 * clock says it should be: burst every source and allow a step, rather
 * than slew for hours. */
static void jumped(struct client *cl, int64_t jump, int64_t now)
{
	log_warn("the clock jumped by %+.3f s: resynchronising", (double)jump / 1e9);
	shift_times(cl, jump);
	ntp_sys_jumped(&cl->sys, cl->list, cl->n_peers, jump, now);
	schedule_all(cl);
}

static void apply_disc(struct client *cl, const struct disc_actions *a)
{
	int err;

	if (a->step) {
		if ((err = clk_step(cl->clock, a->step_ns)) < 0)
			adjust_failed(cl, "step", err);
		else
			stepped(cl, a->step_ns);
	}
	if (a->set_freq && (err = clk_set_freq(cl->clock, a->freq_ppm)) < 0)
		adjust_failed(cl, "set the frequency of", err);
	if (a->slew && (err = clk_slew_at(cl->clock, a->slew_ns, a->slew_ppm)) < 0)
		adjust_failed(cl, "slew", err);
}

/* The server role serves what the system level decided. */
static void serve(struct client *cl)
{
	const struct ntp_sys_served *sv = &cl->sys.served;

	server_set_upstream(cl->srv, &(struct ntp_server_state){
		.leap = sv->leap, .stratum = sv->stratum, .refid = sv->refid,
		.ref_time = sv->ref_time, .root_delay = sv->root_delay, .root_disp = sv->root_disp,
		.precision = cl->clock->precision, .disp_ages = true,
	});
}

static void log_update(struct client *cl, const struct ntp_sys_actions *a)
{
	const struct disc_actions *d = &a->disc;

	log_debug("update: offset %+.9f s jitter %.9f s freq %+.3f ppm state %d",
		  (double)d->offset_est / 1e9, (double)cl->sys.sel.jitter / 1e9,
		  cl->sys.disc.freq_ppm, d->state);
	if (a->first_sync)
		log_info("synchronised to %s, offset %+.9f s", cl->peer_name,
			 (double)d->offset_est / 1e9);
}

/* Apply what the system level decided, in its order: the clock, the
 * polls (timers re-armed at once), what is served, the kernel. */
static void apply(struct client *cl, const struct ntp_sys_actions *a)
{
	if (a->update) {
		snprintf(cl->peer_name, sizeof(cl->peer_name), "%s", cl->peers[cl->sys.peer]->name);
		apply_disc(cl, &a->disc);
		log_update(cl, a);
	}
	if (a->set_poll) {
		for (int i = 0; i < cl->n_peers; i++)
			ntpsrc_set_poll(&cl->peers[i]->src, a->poll);
		schedule_all(cl);
	}
	if (a->serve)
		serve(cl);
	if (a->lost)
		server_lost_upstream(cl->srv);
	if (a->tell_kernel)
		clk_set_sync(cl->clock, a->kernel_synced, a->maxerror, a->esterror);
}

/* Log what changed in the selection: the system peer and falsetickers,
 * or that the fit sources have no majority at all. */
static void log_selection(struct client *cl, const enum srcsel_state *was)
{
	const struct srcsel_result *sel = &cl->sys.sel;

	if (sel->status == SRCSEL_NO_MAJORITY)
		return;
	for (int i = 0; i < cl->n_peers; i++) {
		enum srcsel_state now_state = cl->sys.state[i];
		if (now_state == was[i])
			continue;
		if (now_state == SRCSEL_FALSETICKER)
			log_warn("%s is a falseticker", cl->peers[i]->name);
		else if (now_state == SRCSEL_SYSPEER)
			log_info("selected %s (%s, %d of %d fit sources agree)", cl->peers[i]->name,
				 srcsel_status_name(sel->status), sel->n_truechimers, sel->n_fit);
	}
}

/* Selection over every peer, then the discipline if the system peer has
 * something new (RFC 5905 clock_select then clock_update): ntp_sys. */
static void select_and_update(struct client *cl)
{
	enum srcsel_state was[CLIENT_MAX_PEERS];
	struct ntp_sys_actions a;
	struct clk_status st = { 0 };
	int64_t now = now_ns(cl);

	memcpy(was, cl->sys.state, sizeof(was));
	clk_status(cl->clock, &st);
	/* A leap being slewed away is not the discipline's to see or cancel:
	 * it is taken out of the slew left it is given (the stored offsets,
	 * as once every slew is done, hold none of it), and added back to
	 * the slew it asks for. */
	int64_t leap_slew = leapsec_slew_share(cl->leap, st.slew_remaining);
	ntp_sys_select(&cl->sys, cl->list, cl->n_peers, now, st.slew_remaining - leap_slew, &a);
	if (a.update && a.disc.slew && leap_slew != 0) {
		a.disc.slew_ns += leap_slew;
		a.disc.slew_ppm = cl->cfg->maxslew_ppm; /* the leap's own rate */
	}
	if (a.no_majority)
		log_warn("no majority: the %d fit sources disagree", cl->sys.sel.n_fit);
	log_selection(cl, was);
	apply(cl, &a);
	if (a.serve) /* the leap served: the selected sources' majority, or the list's */
		leapsec_on_vote(cl->leap, cl->sys.served.leap);
}

/* ---------------------------------------------------------------- one peer */

static void send_request(struct peer *p)
{
	struct client *cl = p->cl;
	uint8_t buf[NTS_REPLY_MAX];
	size_t len = NTP_PKT_LEN;

	/* No socket for a moment, or none to poll: a poll lost, as without a
	 * cookie (none is spent), so that the first selection stops waiting
	 * for it. */
	if (p->reopening || p->nts_parked) {
		ntpsrc_on_transmit(&p->src, now_ns(cl));
		return;
	}
	p->nonce = nonce_new();
	struct ntp_pkt req = { .version = NTP_VERSION, .mode = NTP_MODE_CLIENT, .xmt = p->nonce };
	ntp_pkt_encode(&req, buf);
	/* The nonce is the transmit timestamp, so the MAC can be made
	 * before t0 is read: signing costs no accuracy. */
	if (p->key != NULL)
		len = ntp_auth_sign(p->key, buf, NTP_PKT_LEN, sizeof(buf));
	/* NTS the same way; with no cookie in hand the poll is skipped (and
	 * NTS-KE asked for), so that no unauthenticated request goes out. */
	if (p->nts != NULL && (len = ntsclient_request(p->nts, &req, buf, sizeof(buf))) == 0) {
		ntpsrc_on_transmit(&p->src, now_ns(cl)); /* a poll lost: the schedule moves on */
		return;
	}
	p->t0 = now_ns(cl);
	p->t0_mono = cl->pair.mono;
	udp_tx_req_sent(&p->tx, p->sock.tx_key, p->t0);
	int err = udp_send(&p->sock, buf, len, (struct sockaddr *)&p->addr);
	if (err < 0)
		log_debug("%s: cannot send: %s", p->name, strerror(-err));
	p->waiting = true;
	ntpsrc_on_transmit(&p->src, p->t0);
	names_on_request(&p->health);
}

static void on_poll(uv_timer_t *t)
{
	struct peer *p = t->data;

	send_request(p);
	schedule(p);
}

static void schedule(struct peer *p)
{
	int64_t now = now_ns(p->cl); /* first: a jump moves next_poll */
	int64_t next = ntpsrc_next_poll(&p->src);

	if (next == INT64_MAX || p->offline) {
		uv_timer_stop(&p->timer);
		return;
	}
	int64_t wait = next - now;
	uint64_t ms = wait <= 0 ? 0 : (uint64_t)((wait + NS_PER_MS - 1) / NS_PER_MS);
	uv_timer_start(&p->timer, on_poll, ms, 0);
}

/* t0 is the kernel's transmit stamp of the request when it came (it is
 * read before the reply), else the clock read before the send. */
static void on_tx_stamp(struct udp_sock *s, uint32_t key, int64_t tx_time)
{
	struct peer *p = s->data;

	if (p->waiting)
		udp_tx_req_stamp(&p->tx, key, tx_time);
}

/* Stored samples are kept as they will be once our slew in progress is
 * done (ntpsrc_reply.slew_left, and ntpsrc_clock_changed at each of our
 * corrections). The new sample's offset is of the clock at the middle of
 * its exchange, mid, while the slew left is read now: the offset is
 * brought to now at the slew's rate (up to maxslew, tens of microseconds
 * in a millisecond) before the slew left is taken off. */
static void settle_sample(struct client *cl, int64_t mid, struct ntpsrc_reply *in)
{
	struct clk_status st;
	int64_t now = now_ns(cl);

	in->slew_left = 0;
	if (cl->sys.disc.measure_only || clk_status(cl->clock, &st) < 0)
		return;
	in->sample.offset -= (int64_t)llround(st.slew_ppm * 1e-6 * (double)(now - mid));
	in->slew_left = st.slew_remaining;
}

static int peer_index(const struct client *cl, const struct peer *p)
{
	int i = 0;

	while (i < cl->n_peers && cl->peers[i] != p)
		i++;
	return i;
}

static void take_reply(struct peer *p, const struct ntp_pkt *r, int64_t t3)
{
	struct client *cl = p->cl;
	int64_t t0 = udp_tx_req_time(&p->tx, p->t0);
	int64_t t1 = ntp_ts_to_ns(r->rec, t3), t2 = ntp_ts_to_ns(r->xmt, t3);
	struct ntpsrc_reply in = {
		.stratum = r->stratum, .leap = r->leap, .refid = r->refid,
		.root_delay = ntp_short_to_ns(r->root_delay),
		.root_disp = ntp_short_to_ns(r->root_disp), .t3 = t3,
	};

	if (leapsec_straddles(cl->leap, p->t0_mono, cl->pair.mono)) {
		p->leap_dropped++; /* the server's clock may have leapt in between */
		return;
	}
	p->t0_user += !p->tx.stamped;
	ntp_exch_sample(t0, t1, t2, t3, r->precision, cl->clock->precision, &in.sample);
	settle_sample(cl, t0 + (t3 - t0) / 2, &in);
	p->last_offset = in.sample.offset;
	p->last_xmt = r->xmt;
	log_debug("%s: offset %+.9f delay %.9f", p->name, (double)in.sample.offset / 1e9,
		  (double)in.sample.delay / 1e9);
	int res = ntpsrc_on_reply(&p->src, &in, cl->sys.synced);
	schedule(p); /* the reply may have moved the poll: the timer follows at once */
	if (res != NTPSRC_UPDATE)
		return;
	select_and_update(cl);
	int i = peer_index(cl, p);
	names_on_update(&p->health, i < cl->n_peers && cl->sys.state[i] == SRCSEL_FALSETICKER);
}

static void kissed(struct peer *p, const struct ntp_pkt *r, int64_t now)
{
	char code[16];
	enum ntp_kiss kiss = ntp_kiss_code(r->refid);

	log_warn("%s: kiss-o'-death %s", p->name, ntp_refid_format(r->refid, 0, code));
	ntpsrc_on_kod(&p->src, kiss, now);
	if (kiss == NTP_KISS_DENY || kiss == NTP_KISS_RSTR)
		log_warn("%s: no longer polled", p->name);
	schedule(p);
}

/* Counts what ntp_exch_accept said of a datagram that is not a sample. */
static void count_refusal(struct peer *p, int verdict, const struct ntp_exch_verdict *v)
{
	if (verdict == NTP_ACCEPT_MALFORMED) {
		p->malformed++;
	} else if (verdict == NTP_ACCEPT_AUTH && v->nts != NTS_CLIENT_OK) {
		p->nts_rejected[v->nts]++;
		log_debug("%s: reply refused: %s", p->name, nts_client_result_name(v->nts));
	} else if (verdict == NTP_ACCEPT_AUTH) {
		p->auth_rejected[v->auth]++;
		log_debug("%s: reply refused: %s", p->name, ntp_auth_result_name(v->auth));
	} else {
		p->rejected[v->exch]++;
	}
}

static void on_reply(struct udp_sock *s, const uint8_t *data, size_t len,
		     const struct sockaddr *from, int64_t t3)
{
	struct peer *p = s->data;
	struct ntp_pkt r;
	struct ntp_exch_verdict v;

	now_ns(p->cl); /* a jump since t0 went out is noticed before t0 is used */
	if (!addr_equal(from, (struct sockaddr *)&p->addr)) {
		p->foreign++;
		return;
	}
	int verdict = ntp_exch_accept(data, len, p->key, p->nts != NULL ? ntsclient_check(p->nts) : NULL,
				      p->waiting, p->nonce, p->last_xmt, &r, &v);
	count_refusal(p, verdict, &v); /* rejected[NTP_EXCH_OK] counts the samples */
	if (p->nts != NULL)
		ntsclient_after(p->nts, verdict, &v);
	if (verdict < NTP_ACCEPT_REFUSED)
		return;
	p->waiting = false; /* the request is answered */
	names_on_reply(&p->health);
	if (verdict == NTP_ACCEPT_KOD)
		kissed(p, &r, t3);
	else if (verdict == NTP_ACCEPT_SAMPLE)
		take_reply(p, &r, t3);
}

static void peer_closed(struct peer *p)
{
	if (--p->closing == 0)
		free(p);
}

static void on_timer_closed(uv_handle_t *h)
{
	peer_closed(h->data);
}

static void on_sock_closed(struct udp_sock *s)
{
	peer_closed(s->data);
}

static void peer_close(struct peer *p)
{
	ntsclient_free(p->nts);
	p->nts = NULL;
	p->closing = 2;
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
	if (!p->reopening) /* else on_sock_reopen counts the socket closed */
		udp_close(&p->sock, on_sock_closed);
}

/* An address a source other than self (NULL: any) polls, or that a
 * line's name gave it (its NTS-KE then naming another NTP server). */
static bool known_addr(const struct client *cl, const struct sockaddr *sa,
		       const struct peer *self)
{
	for (int i = 0; i < cl->n_peers; i++)
		if (cl->peers[i] != self &&
		    (addr_equal((const struct sockaddr *)&cl->peers[i]->addr, sa) ||
		     addr_equal((const struct sockaddr *)&cl->peers[i]->line_addr, sa)))
			return true;
	return false;
}

/* The peer's socket, of its address's family. */
static int sock_open(struct peer *p)
{
	struct sockaddr_storage any = { .ss_family = p->addr.ss_family };
	int err = udp_open(&p->sock, p->cl->loop, (struct sockaddr *)&any, false, UDP_BATCH_CLIENT,
			   p->cl->clock, on_reply, p);
	if (err < 0)
		return err;
	if ((err = udp_tx_timestamps(&p->sock, on_tx_stamp)) < 0)
		log_debug("%s: no transmit timestamps: %s", p->name, strerror(-err));
	return 0;
}

static int peer_open(struct peer *p, const struct cfg_server *conf)
{
	struct client *cl = p->cl;
	struct ntpsrc_params par;

	ntpsrc_params_default(&par);
	par.minpoll = conf->minpoll;
	par.maxpoll = conf->maxpoll;
	par.iburst = conf->iburst;
	par.prefer = conf->prefer;
	par.precision = cl->clock->precision;
	int err = ntpsrc_init(&p->src, &par);
	if (err < 0)
		return err;
	p->src.addr_refid = addr_refid((struct sockaddr *)&p->addr);
	uv_timer_init(cl->loop, &p->timer);
	p->timer.data = p;
	if ((err = sock_open(p)) < 0)
		return err;
	ntpsrc_start(&p->src, now_ns(cl));
	schedule(p);
	return 0;
}

/* The old socket closed: one of the new address's family, or, when the
 * peer closed meanwhile, the peer's socket counted closed. */
static void on_sock_reopen(struct udp_sock *s)
{
	struct peer *p = s->data;
	int err;

	p->reopening = false;
	if (p->closing > 0) {
		peer_closed(p);
		return;
	}
	if ((err = sock_open(p)) < 0) {
		log_error("%s: cannot reopen its socket: %s", p->name, strerror(-err));
		p->nts_parked = true; /* not polled: nothing to send with */
	}
}

/* Poll p at to from now on: its name and refids follow, and its socket
 * when the family changes. */
static void peer_move(struct peer *p, const struct sockaddr_storage *to)
{
	struct client *cl = p->cl;
	int i = peer_index(cl, p);
	bool family = to->ss_family != p->addr.ss_family;

	p->addr = *to;
	addr_format((const struct sockaddr *)&p->addr, p->name, sizeof(p->name));
	p->src.addr_refid = addr_refid((const struct sockaddr *)&p->addr);
	p->waiting = false; /* a reply to the old address is no longer ours */
	ntpsrc_forget(&p->src); /* nor is what was measured of the old server */
	if (i < cl->n_peers)
		cl->list[i].local_refid = local_refid(p);
	if (family && !p->reopening) {
		p->reopening = true;
		udp_close(&p->sock, on_sock_reopen);
	}
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					       : ((const struct sockaddr_in *)ss)->sin_port);
}

/* NTS-KE done: poll the NTP server and port it named (RFC 8915 4.1.7,
 * 4.1.8; without a Port record the line's port), unless another source
 * polls that address already. */
static void nts_ke_done(void *arg, bool ok, const struct sockaddr *ntp, uint16_t port)
{
	struct peer *p = arg;
	struct sockaddr_storage to = { 0 };
	char name[ADDR_STRLEN];

	if (!ok)
		return;
	memcpy(&to, ntp, ntp->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in));
	set_port(&to, port != 0 ? port : get_port(&p->line_addr));
	addr_format((const struct sockaddr *)&to, name, sizeof(name));
	const char *named = ntsclient_ntp_server(p->nts);
	if (addr_equal((const struct sockaddr *)&to, (const struct sockaddr *)&p->addr)) {
		log_info("%s: NTS-KE: NTP server %s port %u", p->name, named, get_port(&to));
		return;
	}
	if (known_addr(p->cl, (const struct sockaddr *)&to, p)) {
		log_warn("%s: NTS-KE: NTP server %s (%s) is another source's already: not polled twice",
			 p->name, named, name);
		p->nts_parked = true;
		return;
	}
	log_info("%s: NTS-KE: NTP server %s port %u: polling %s", p->name, named, get_port(&to),
		 name);
	p->nts_parked = false;
	peer_move(p, &to);
}

void client_add_peer(struct client *cl, const struct cfg_server *conf, struct resolver *r,
		     const struct sockaddr *sa, socklen_t len)
{
	if (known_addr(cl, sa, NULL))
		return;
	if (cl->n_peers == CLIENT_MAX_PEERS) {
		log_warn("%s: more than %d servers, address ignored", conf->host, CLIENT_MAX_PEERS);
		return;
	}
	struct peer *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		log_error("%s: out of memory", conf->host);
		return;
	}
	p->cl = cl;
	p->res = r;
	p->key = conf->key_id != 0 ? keys_find(&cl->srv->keys, conf->key_id) : NULL;
	memcpy(&p->addr, sa, len);
	memcpy(&p->line_addr, sa, len);
	addr_format(sa, p->name, sizeof(p->name));
	if (conf->nts)
		p->nts = ntsclient_new(cl->loop, conf->host, sa,
				       conf->ntsport != 0 ? conf->ntsport : NTS_KE_PORT,
				       cl->cfg->ntstrustedcerts[0] != '\0' ? cl->cfg->ntstrustedcerts : NULL,
				       nts_ke_done, p);
	int err = peer_open(p, conf);
	if (err < 0) {
		log_error("%s: cannot poll %s: %s", conf->host, p->name, strerror(-err));
		peer_close(p);
		return;
	}
	cl->list[cl->n_peers] = (struct ntp_sys_source){ .src = &p->src,
							 .local_refid = local_refid(p) };
	cl->peers[cl->n_peers++] = p;
	log_info("polling %s (%s) every 2^%d..2^%d s%s%s", p->name, conf->host, conf->minpoll,
		 conf->maxpoll, conf->iburst ? ", iburst" : "",
		 p->key != NULL ? ", with a key" : p->nts != NULL ? ", with NTS" : "");
}

void client_remove_peer(struct client *cl, struct peer *p)
{
	int i = peer_index(cl, p);

	if (i == cl->n_peers)
		return;
	memmove(&cl->peers[i], &cl->peers[i + 1], sizeof(p) * (size_t)(cl->n_peers - i - 1));
	memmove(&cl->list[i], &cl->list[i + 1], sizeof(cl->list[0]) * (size_t)(cl->n_peers - i - 1));
	ntp_sys_remove(&cl->sys, i, cl->n_peers);
	cl->n_peers--;
	peer_close(p);
}

/* ---------------------------------------------------------------- watch */

static void save_drift(struct client *cl)
{
	double ppm, skew;

	if (cl->cfg->driftfile[0] == '\0' || !disc_freq_to_save(&cl->sys.disc, &ppm, &skew))
		return;
	if (driftfile_write(cl->cfg->driftfile, ppm, skew) == 0)
		log_debug("saved frequency %+.3f ppm (skew %.3f) to %s", ppm, skew,
			  cl->cfg->driftfile);
}

/* Every source lost for too long, or updates stalled (ntp_sys_tick):
 * serve as unsynchronised, or from the local stratum, until a source is
 * back. */
static void check_sync(struct client *cl, int64_t now)
{
	struct ntp_sys_actions a;

	ntp_sys_tick(&cl->sys, cl->list, cl->n_peers, now, &a);
	if (!a.lost)
		return;
	log_warn("no source selectable for %.3f s, root distance %.6f s: %s",
		 (double)(now - cl->sys.served.ref_time) / 1e9, (double)a.lost_distance / 1e9,
		 cl->srv->local_stratum ? "serving the local stratum" : "serving unsynchronised");
	apply(cl, &a);
}

static void on_watch(uv_timer_t *t)
{
	struct client *cl = t->data;
	int64_t now = now_ns(cl); /* a jump is noticed here if nothing else read the clock */

	check_sync(cl, now);
	resolver_check(cl);
	if (++cl->watch_ticks % DRIFT_SAVE_TICKS == 0)
		save_drift(cl);
}

/* ---------------------------------------------------------------- start, stop */

static void start_discipline(struct client *cl)
{
	struct disc_config dc;
	struct clk_status st = { 0 };
	double ppm = 0.0, skew = -1;
	bool known = false;

	disc_config_default(&dc);
	dc.step_threshold = cl->cfg->makestep_threshold;
	dc.step_limit = cl->cfg->makestep_limit;
	dc.maxslew_ppm = cl->cfg->maxslew_ppm;
	dc.minpoll = CFG_POLL_MAX;
	dc.maxpoll = CFG_POLL_MIN;
	for (int i = 0; i < cl->cfg->n_servers; i++) {
		const struct cfg_server *s = &cl->cfg->server[i];
		dc.minpoll = s->minpoll < dc.minpoll ? s->minpoll : dc.minpoll;
		dc.maxpoll = s->maxpoll > dc.maxpoll ? s->maxpoll : dc.maxpoll;
	}
	clk_status(cl->clock, &st);
	if (cl->cfg->driftfile[0] != '\0' && st.can_adjust &&
	    driftfile_read(cl->cfg->driftfile, &ppm, &skew) == 1 && clk_set_freq(cl->clock, ppm) == 0) {
		known = true;
		log_info("frequency %+.3f ppm (skew %.3f ppm) from %s", ppm, skew, cl->cfg->driftfile);
	}
	struct ntp_sys_config sc = { .maxdistance = cl->cfg->maxdistance,
				     .holdover = cl->cfg->holdover };
	ntp_sys_init(&cl->sys, &sc, &dc, known ? ppm : 0.0, known ? skew : -1);
	if (!st.can_adjust) {
		disc_measure_only(&cl->sys.disc);
		log_info("the %s clock cannot be adjusted: measuring only", clk_name(cl->clock));
	}
}

/* A server's key must be in the keys file, and be an NTP key: found
 * now, not at the first reply. */
int client_check_keys(const struct tsyncd_config *cfg, const struct keys_ring *keys)
{
	for (int i = 0; i < cfg->n_servers; i++) {
		const struct cfg_server *sv = &cfg->server[i];
		const struct keys_key *k = keys_find(keys, sv->key_id);
		const char *what = sv->pool ? "pool" : "server";
		if (sv->key_id == 0)
			continue;
		if (k == NULL) {
			log_error("%s:%lu: %s: key %u is not in %s", cfg->file, sv->line, what,
				  sv->key_id, cfg->keyfile);
			return -ENOKEY;
		}
		if (ntp_auth_digest_len(k) == 0) {
			log_error("%s:%lu: %s: key %u in %s is %s, not an NTP key type", cfg->file,
				  sv->line, what, sv->key_id, cfg->keyfile, keys_type_name(k->type));
			return -ENOKEY;
		}
	}
	return 0;
}

int client_start(struct client *cl, uv_loop_t *loop, struct clk *clock, struct server *srv,
		 const struct tsyncd_config *cfg)
{
	/* Checked first: a client that fails it has nothing to stop. */
	int err = client_check_keys(cfg, &srv->keys);
	*cl = (struct client){ .loop = loop, .clock = clock, .srv = srv,
			       .cfg = err < 0 ? NULL : cfg };
	if (err < 0 || cfg->n_servers == 0)
		return err;
	read_pair(cl, &cl->pair);
	start_discipline(cl);
	uv_timer_init(loop, &cl->watch);
	cl->watch.data = cl;
	uv_timer_start(&cl->watch, on_watch, WATCH_MS, WATCH_MS);
	for (int i = 0; i < cfg->n_servers; i++)
		resolver_start(&cl->res[cl->n_res++], cl, &cfg->server[i]);
	return 0;
}

void client_stop(struct client *cl)
{
	if (cl->cfg == NULL || cl->cfg->n_servers == 0 || cl->stopping)
		return;
	cl->stopping = true;
	save_drift(cl);
	uv_close((uv_handle_t *)&cl->watch, NULL);
	for (int i = 0; i < cl->n_res; i++)
		resolver_stop(&cl->res[i]);
	for (int i = 0; i < cl->n_peers; i++)
		peer_close(cl->peers[i]);
	cl->n_peers = 0;
}

void client_leap_passed(void *arg, const struct leap_pass *p)
{
	struct client *cl = arg;

	cl->steps_applied += p->clock_ns;
	if (p->shift_ns != 0) {
		shift_times(cl, p->shift_ns);
		ntp_sys_stepped(&cl->sys, cl->list, cl->n_peers, p->shift_ns);
	}
	/* The stored offsets are as once our slews are done: the leap's
	 * slew, just added, takes back the second they moved. */
	for (int i = 0; i < cl->n_peers && p->slew_ns != 0; i++)
		ntpsrc_clock_changed(&cl->peers[i]->src, cl->pair.real, p->slew_ns, 0);
	/* Slewed away, the leap is kept out of the discipline's offsets;
	 * otherwise they now measure it. */
	if (p->shift_ns != 0 && p->slew_ns == 0)
		disc_offsets_moved(&cl->sys.disc, -p->shift_ns);
}


int client_makestep(struct client *cl, int64_t *done)
{
	struct clk_status st = { 0 };
	int64_t left;
	int err;

	*done = 0;
	if ((err = clk_status(cl->clock, &st)) < 0)
		return err;
	if ((left = st.slew_remaining) == 0)
		return 0;
	/* Cancelled, the slew takes back what the stored offsets (as once it
	 * is done) had discounted; the step then moves them as any step. */
	if ((err = clk_slew_at(cl->clock, 0, cl->cfg->maxslew_ppm)) < 0)
		return err;
	for (int i = 0; i < cl->n_peers; i++)
		ntpsrc_clock_changed(&cl->peers[i]->src, cl->pair.real, -left, 0);
	if ((err = clk_step(cl->clock, left)) < 0)
		return err;
	stepped(cl, left);
	/* What is served moved with the step (its reference time): serve it
	 * now, not at the next update, or clients see a time ahead of ours. */
	if (cl->sys.synced)
		serve(cl);
	*done = left;
	return 0;
}

int client_burst(struct client *cl)
{
	int64_t now = now_ns(cl);
	int n = 0;

	for (int i = 0; i < cl->n_peers; i++) {
		struct peer *p = cl->peers[i];
		if (p->offline || ntpsrc_next_poll(&p->src) == INT64_MAX)
			continue;
		ntpsrc_burst(&p->src, now);
		schedule(p);
		n++;
	}
	return n;
}

int client_set_online(struct client *cl, const char *addr, bool online)
{
	bool all = strcmp(addr, "all") == 0;
	int n = 0;

	for (int i = 0; i < cl->n_peers; i++) {
		struct peer *p = cl->peers[i];
		if (!all && strcmp(p->name, addr) != 0)
			continue;
		if (p->offline == online)
			log_info("%s: %s", p->name, online ? "online" : "offline");
		p->offline = !online;
		schedule(p);
		n++;
	}
	return n > 0 || all ? n : -ENOENT;
}
