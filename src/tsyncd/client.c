/*
 * The client role on libuv. Kept thin: when to poll, what a reply is
 * worth, which source to follow and how to move the clock are decided by
 * ntp_source, ntp_select and discipline; this file sends, receives,
 * applies their actions through the clock interface and logs.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "driftfile.h"
#include "log.h"
#include "nonce.h"

#define NS_PER_MS 1000000LL
#define RESOLVE_RETRY_MS 30000
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

/* The server role advertises what the selection found. */
static void serve_synced(struct client *cl, const struct srcsel_cand *c, int64_t now)
{
	struct srcsel_sys sys;

	if (!srcsel_system(c, &cl->sel, now, &sys))
		return;
	server_set_upstream(cl->srv, &(struct ntp_server_state){
		.leap = sys.leap, .stratum = sys.stratum, .refid = sys.refid,
		.ref_time = now, .root_delay = sys.root_delay, .root_disp = sys.root_disp,
		.precision = cl->clock->precision, .disp_ages = true,
	});
	cl->peer_refid = sys.refid;
}

static void adjust_failed(struct client *cl, const char *what, int err)
{
	if (cl->adjust_failed)
		return;
	cl->adjust_failed = true;
	log_warn("cannot %s the %s clock: %s; measuring only", what, clk_name(cl->clock),
		 strerror(-err));
}

/* The local timescale moved by delta: every local time kept moves too. */
static void shift_times(struct client *cl, int64_t delta)
{
	for (int i = 0; i < cl->n_peers; i++) {
		ntpsrc_on_step(&cl->peers[i]->src, delta);
		/* A request out at the step was stamped on the old timescale:
		 * its reply, stamped on the new one, must not make half the
		 * step look like offset and the whole step like negative delay. */
		cl->peers[i]->t0 += delta;
	}
	cl->last_peer_t += delta;
	if (cl->last_update != 0)
		cl->last_update += delta;
}

static void stepped(struct client *cl, int64_t delta)
{
	cl->steps_applied += delta;
	shift_times(cl, delta);
	log_info("stepped the clock by %+.9f s", (double)delta / 1e9);
}

/* A suspended machine wakes with its clock far from where the monotonic
 * clock says it should be: burst every source and allow a step, rather
 * than slew for hours. */
static void jumped(struct client *cl, int64_t jump, int64_t now)
{
	log_warn("the clock jumped by %+.3f s: resynchronising", (double)jump / 1e9);
	disc_clock_jumped(&cl->disc, jump);
	shift_times(cl, jump);
	for (int i = 0; i < cl->n_peers; i++) {
		ntpsrc_burst(&cl->peers[i]->src, now);
		schedule(cl->peers[i]);
	}
}

static void apply(struct client *cl, const struct disc_actions *a)
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
	if (a->slew && (err = clk_slew(cl->clock, a->slew_ns)) < 0)
		adjust_failed(cl, "slew", err);
}

static void discipline(struct client *cl, int64_t now)
{
	struct clk_status st = { 0 };
	struct disc_actions a;

	clk_status(cl->clock, &st);
	/* A leap being slewed away is not the discipline's to see or cancel:
	 * it is taken out of the offset and of the slew left alike. */
	int64_t leap_slew = leapsec_slew_share(cl->leap, st.slew_remaining);
	struct disc_input in = { .offset = cl->sel.offset - leap_slew, .jitter = cl->sel.jitter,
				 .now = now, .slew_left = st.slew_remaining - leap_slew };
	if (disc_update(&cl->disc, &in, &a) < 0)
		return;
	if (a.slew)
		a.slew_ns += leap_slew;
	apply(cl, &a);
	for (int i = 0; i < cl->n_peers; i++)
		ntpsrc_set_poll(&cl->peers[i]->src, (int8_t)a.poll);
	cl->last_offset = a.offset_est;
	cl->last_update = now;
	log_debug("update: offset %+.9f s jitter %.9f s freq %+.3f ppm state %d",
		  (double)a.offset_est / 1e9, (double)cl->sel.jitter / 1e9, cl->disc.freq_ppm,
		  a.state);
	if (!cl->synced)
		log_info("synchronised to %s, offset %+.9f s", cl->peer_name,
			 (double)a.offset_est / 1e9);
	cl->synced = true;
}

/* The kernel keeps its own idea of whether the clock is synchronised (and
 * then copies it to the RTC): tell it, with the error bounds we serve. */
static void tell_clock(struct client *cl)
{
	const struct ntp_server_state *st = &cl->srv->state;

	clk_set_sync(cl->clock, cl->disc.state == DISC_LOCKED, st->root_delay / 2 + st->root_disp,
		     cl->sel.jitter);
}

/* Log what changed in the selection: the system peer and falsetickers,
 * or that the fit sources have no majority at all. */
static void log_selection(struct client *cl, struct peer *p, enum srcsel_state now_state)
{
	if (cl->sel.status == SRCSEL_NO_MAJORITY || now_state == p->sel)
		return;
	if (now_state == SRCSEL_FALSETICKER)
		log_warn("%s is a falseticker", p->name);
	else if (now_state == SRCSEL_SYSPEER)
		log_info("selected %s (%s, %d of %d fit sources agree)", p->name,
			 srcsel_status_name(cl->sel.status), cl->sel.n_truechimers, cl->sel.n_fit);
}

/* One fit source is followed alone only when no other answers: while
 * others are still filling their filters, a lone fit source may be the
 * one that is wrong, and the first update is the one that steps. */
static bool enough_sources(const struct client *cl)
{
	int reachable = 0;

	if (cl->sel.status != SRCSEL_SINGLE)
		return true;
	for (int i = 0; i < cl->n_peers; i++)
		reachable += cl->peers[i]->src.reach != 0;
	return reachable <= 1;
}

/* Whether the system peer brings a new measurement for the discipline
 * (RFC 5905 clock_update: only a sample newer than the last one used).
 * Servers polled together answer within a millisecond: their samples are
 * one measurement, and updating the discipline with each, microseconds
 * apart, would make a frequency out of their noise. So updates are at
 * least half the shortest burst spacing apart. */
static bool new_epoch(const struct client *cl, const struct peer *sys, int64_t now)
{
	int8_t minpoll = sys->src.par.minpoll;
	int64_t spacing = minpoll >= 1 ? NTPSRC_BURST_SPACING_MAX
				       : NTPSRC_BURST_SPACING_MAX >> (1 - minpoll);

	if (sys->src.update_t <= cl->last_peer_t)
		return false;
	return cl->last_update == 0 || now - cl->last_update >= spacing / 2;
}

/* Selection over every peer, then the discipline if the system peer has
 * something new (RFC 5905 clock_select then clock_update). */
static void select_and_update(struct client *cl)
{
	struct srcsel_cand c[CLIENT_MAX_PEERS];
	int64_t now = now_ns(cl);
	uint32_t our_refid = cl->synced ? cl->peer_refid : 0; /* for the loop check */

	for (int i = 0; i < cl->n_peers; i++) {
		ntpsrc_candidate(&cl->peers[i]->src, now, our_refid, &c[i]);
		c[i].was_peer = cl->peers[i]->sel == SRCSEL_SYSPEER;
	}
	enum srcsel_status was = cl->sel.status;
	bool have = srcsel_run(c, cl->n_peers, &cl->sel);
	if (have && !enough_sources(cl)) {
		c[cl->sel.peer].state = SRCSEL_SURVIVOR; /* a candidate, not followed */
		cl->sel.peer = -1;
		have = false;
	}
	if (cl->sel.status == SRCSEL_NO_MAJORITY && was != SRCSEL_NO_MAJORITY)
		log_warn("no majority: the %d fit sources disagree", cl->sel.n_fit);
	for (int i = 0; i < cl->n_peers; i++) {
		log_selection(cl, cl->peers[i], c[i].state);
		cl->peers[i]->sel = c[i].state;
	}
	if (!have)
		return;
	struct peer *sys = cl->peers[cl->sel.peer];
	if (!new_epoch(cl, sys, now))
		return;
	cl->last_peer_t = sys->src.update_t;
	snprintf(cl->peer_name, sizeof(cl->peer_name), "%s", sys->name);
	discipline(cl, now);
	serve_synced(cl, c, now_ns(cl));
	leapsec_on_selection(cl->leap, c, cl->n_peers); /* the leap served: the majority's */
	tell_clock(cl);
}

/* ---------------------------------------------------------------- one peer */

static void send_request(struct peer *p)
{
	struct client *cl = p->cl;
	uint8_t buf[NTP_PKT_LEN + NTP_AUTH_MAC_MAX];
	size_t len = NTP_PKT_LEN;

	p->nonce = nonce_new();
	struct ntp_pkt req = { .version = NTP_VERSION, .mode = NTP_MODE_CLIENT, .xmt = p->nonce };
	ntp_pkt_encode(&req, buf);
	/* The nonce is the transmit timestamp, so the MAC can be made
	 * before t0 is read: signing costs no accuracy. */
	if (p->key != NULL)
		len = ntp_auth_sign(p->key, buf, NTP_PKT_LEN, sizeof(buf));
	p->t0 = now_ns(cl);
	p->t0_mono = cl->pair.mono;
	udp_tx_req_sent(&p->tx, p->sock.tx_key, p->t0);
	int err = udp_send(&p->sock, buf, len, (struct sockaddr *)&p->addr);
	if (err < 0)
		log_debug("%s: cannot send: %s", p->name, strerror(-err));
	p->waiting = true;
	ntpsrc_on_transmit(&p->src, p->t0);
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

	if (next == INT64_MAX) {
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
	p->last_offset = in.sample.offset;
	p->last_xmt = r->xmt;
	log_debug("%s: offset %+.9f delay %.9f", p->name, (double)in.sample.offset / 1e9,
		  (double)in.sample.delay / 1e9);
	if (ntpsrc_on_reply(&p->src, &in, cl->synced) == NTPSRC_UPDATE)
		select_and_update(cl);
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

/* With a key, only a reply signed with it is heard at all: a forged or
 * NAKed one neither answers the request out nor touches the clock. */
static bool authentic(struct peer *p, const uint8_t *data, const struct ntp_pkt *r)
{
	if (p->key == NULL)
		return true;
	int res = ntp_auth_check_key(p->key, data, r);
	if (res == NTP_AUTH_OK)
		return true;
	p->auth_rejected[res]++;
	log_debug("%s: reply refused: %s", p->name, ntp_auth_result_name(res));
	return false;
}

static void on_reply(struct udp_sock *s, const uint8_t *data, size_t len,
		     const struct sockaddr *from, int64_t t3)
{
	struct peer *p = s->data;
	struct ntp_pkt r;

	now_ns(p->cl); /* a jump since t0 went out is noticed before t0 is used */
	if (!addr_equal(from, (struct sockaddr *)&p->addr)) {
		p->foreign++;
		return;
	}
	if (ntp_pkt_decode(&r, data, len) != NTP_PKT_OK) {
		p->malformed++;
		return;
	}
	if (!authentic(p, data, &r))
		return;
	int res = ntp_exch_check(&r, p->waiting ? p->nonce : 0, p->last_xmt);
	if (!p->waiting && res == NTP_EXCH_OK)
		res = NTP_EXCH_BOGUS; /* an answer to a request already answered */
	p->rejected[res]++;
	/* Only a reply that echoes our nonce answers the request out. */
	if (res == NTP_EXCH_MODE || res == NTP_EXCH_ZERO_XMT || res == NTP_EXCH_DUPLICATE ||
	    res == NTP_EXCH_BOGUS)
		return;
	p->waiting = false;
	if (res == NTP_EXCH_KOD)
		kissed(p, &r, t3);
	else if (res == NTP_EXCH_OK)
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
	p->closing = 2;
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
	udp_close(&p->sock, on_sock_closed);
}

static bool known_addr(const struct client *cl, const struct sockaddr *sa)
{
	for (int i = 0; i < cl->n_peers; i++)
		if (addr_equal((const struct sockaddr *)&cl->peers[i]->addr, sa))
			return true;
	return false;
}

static int peer_open(struct peer *p, const struct cfg_server *conf)
{
	struct client *cl = p->cl;
	struct sockaddr_storage any = { .ss_family = p->addr.ss_family };
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
	err = udp_open(&p->sock, cl->loop, (struct sockaddr *)&any, false, UDP_BATCH_CLIENT,
		       cl->clock, on_reply, p);
	if (err < 0)
		return err;
	if ((err = udp_tx_timestamps(&p->sock, on_tx_stamp)) < 0)
		log_debug("%s: no transmit timestamps: %s", p->name, strerror(-err));
	ntpsrc_start(&p->src, now_ns(cl));
	schedule(p);
	return 0;
}

static void add_peer(struct client *cl, const struct cfg_server *conf, const struct sockaddr *sa,
		     socklen_t len)
{
	if (known_addr(cl, sa))
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
	p->key = conf->key_id != 0 ? keys_find(&cl->srv->keys, conf->key_id) : NULL;
	memcpy(&p->addr, sa, len);
	addr_format(sa, p->name, sizeof(p->name));
	int err = peer_open(p, conf);
	if (err < 0) {
		log_error("%s: cannot poll %s: %s", conf->host, p->name, strerror(-err));
		peer_close(p);
		return;
	}
	cl->peers[cl->n_peers++] = p;
	log_info("polling %s (%s) every 2^%d..2^%d s%s%s", p->name, conf->host, conf->minpoll,
		 conf->maxpoll, conf->iburst ? ", iburst" : "", p->key != NULL ? ", with a key" : "");
}

/* ---------------------------------------------------------------- resolving */

static void resolve(struct resolver *r);

static void on_retry(uv_timer_t *t)
{
	resolve(t->data);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct resolver *r = req->data;
	struct client *cl = r->cl;

	r->busy = false;
	if (cl->stopping) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status < 0) {
		log_warn("%s: %s; trying again in %d s", r->conf->host, uv_strerror(status),
			 RESOLVE_RETRY_MS / 1000);
		uv_timer_start(&r->retry, on_retry, RESOLVE_RETRY_MS, 0);
		return;
	}
	/* A server is its first address; a pool is every address. */
	for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
		add_peer(cl, r->conf, a->ai_addr, a->ai_addrlen);
		if (!r->conf->pool)
			break;
	}
	uv_freeaddrinfo(res);
}

static void resolve(struct resolver *r)
{
	char port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };

	snprintf(port, sizeof(port), "%u", r->conf->port);
	r->req.data = r;
	int err = uv_getaddrinfo(r->cl->loop, &r->req, on_resolved, r->conf->host, port, &hints);
	if (err < 0) {
		log_warn("%s: %s; trying again in %d s", r->conf->host, uv_strerror(err),
			 RESOLVE_RETRY_MS / 1000);
		uv_timer_start(&r->retry, on_retry, RESOLVE_RETRY_MS, 0);
		return;
	}
	r->busy = true;
}

/* ---------------------------------------------------------------- watch */

static void save_drift(struct client *cl)
{
	if (cl->cfg->driftfile[0] == '\0' || cl->disc.state == DISC_UNSET ||
	    cl->disc.state == DISC_STEPPED || cl->disc.state == DISC_FREQ)
		return;
	if (driftfile_write(cl->cfg->driftfile, cl->disc.freq_ppm) == 0)
		log_debug("saved frequency %+.3f ppm to %s", cl->disc.freq_ppm, cl->cfg->driftfile);
}

/* Whether a source would be selected now. Silent sources get no reply to
 * run the selection on, but their reach and dispersion still age. */
static bool selectable_now(struct client *cl, int64_t now)
{
	struct srcsel_cand c[CLIENT_MAX_PEERS];
	struct srcsel_result r;

	for (int i = 0; i < cl->n_peers; i++)
		ntpsrc_candidate(&cl->peers[i]->src, now, cl->peer_refid, &c[i]);
	return srcsel_run(c, cl->n_peers, &r);
}

/* Every source lost for too long (srcsel_sync_lost): serve as
 * unsynchronised, or from the local stratum, until a source is back. */
static void check_sync(struct client *cl, int64_t now)
{
	const struct ntp_server_state *st = &cl->srv->state;
	struct srcsel_sys sys = { .root_delay = st->root_delay, .root_disp = st->root_disp };

	if (!cl->synced || !cl->srv->upstream ||
	    !srcsel_sync_lost(&sys, st->ref_time, now, selectable_now(cl, now),
			      cl->cfg->maxdistance, cl->cfg->holdover))
		return;
	int64_t dist = sys.root_delay / 2 + sys.root_disp + ntp_exch_phi(now - st->ref_time);
	log_warn("no source selectable for %.3f s, root distance %.6f s: %s",
		 (double)(now - st->ref_time) / 1e9, (double)dist / 1e9,
		 cl->srv->local_stratum ? "serving the local stratum" : "serving unsynchronised");
	cl->synced = false;
	server_lost_upstream(cl->srv);
	clk_set_sync(cl->clock, false, dist, cl->sel.jitter);
}

static void on_watch(uv_timer_t *t)
{
	struct client *cl = t->data;
	int64_t now = now_ns(cl); /* a jump is noticed here if nothing else read the clock */

	check_sync(cl, now);
	if (++cl->watch_ticks % DRIFT_SAVE_TICKS == 0)
		save_drift(cl);
}

/* ---------------------------------------------------------------- start, stop */

static void start_discipline(struct client *cl)
{
	struct disc_config dc;
	double ppm = 0.0;
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
	if (cl->cfg->driftfile[0] != '\0' && driftfile_read(cl->cfg->driftfile, &ppm) == 1) {
		known = true;
		if (clk_set_freq(cl->clock, ppm) == 0)
			log_info("frequency %+.3f ppm from %s", ppm, cl->cfg->driftfile);
	}
	disc_init(&cl->disc, &dc, known ? ppm : 0.0, known);
}

/* A server's key must be in the keys file, and be an NTP key: found
 * now, not at the first reply. */
static int check_keys(const struct tsyncd_config *cfg, const struct keys_ring *keys)
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
	int err = check_keys(cfg, &srv->keys);
	*cl = (struct client){ .loop = loop, .clock = clock, .srv = srv,
			       .cfg = err < 0 ? NULL : cfg, .sel = { .peer = -1 } };
	if (err < 0 || cfg->n_servers == 0)
		return err;
	read_pair(cl, &cl->pair);
	start_discipline(cl);
	uv_timer_init(loop, &cl->watch);
	cl->watch.data = cl;
	uv_timer_start(&cl->watch, on_watch, WATCH_MS, WATCH_MS);
	for (int i = 0; i < cfg->n_servers; i++) {
		struct resolver *r = &cl->res[cl->n_res++];
		*r = (struct resolver){ .cl = cl, .conf = &cfg->server[i] };
		uv_timer_init(loop, &r->retry);
		r->retry.data = r;
		resolve(r);
	}
	return 0;
}

void client_stop(struct client *cl)
{
	if (cl->cfg == NULL || cl->cfg->n_servers == 0 || cl->stopping)
		return;
	cl->stopping = true;
	save_drift(cl);
	uv_close((uv_handle_t *)&cl->watch, NULL);
	for (int i = 0; i < cl->n_res; i++) {
		if (cl->res[i].busy)
			uv_cancel((uv_req_t *)&cl->res[i].req);
		uv_close((uv_handle_t *)&cl->res[i].retry, NULL);
	}
	for (int i = 0; i < cl->n_peers; i++)
		peer_close(cl->peers[i]);
	cl->n_peers = 0;
}

void client_leap_passed(void *arg, const struct leap_pass *p)
{
	struct client *cl = arg;

	cl->steps_applied += p->clock_ns;
	if (p->shift_ns != 0)
		shift_times(cl, p->shift_ns);
	/* Slewed away, the leap is kept out of the discipline's offsets;
	 * otherwise they now measure it. */
	if (p->shift_ns != 0 && p->slew_ns == 0)
		disc_offsets_moved(&cl->disc, -p->shift_ns);
}

void client_log_stats(const struct client *cl)
{
	for (int i = 0; i < cl->n_peers; i++) {
		const struct peer *p = cl->peers[i];
		log_info("source %s: tx %llu replies %llu updates %llu kod %llu mode %llu bogus %llu "
			 "duplicate %llu zero_xmt %llu unsync %llu malformed %llu foreign %llu t0_user %llu "
			 "reach %03o poll %d unauth %llu nak %llu wrong_key %llu bad_mac %llu leap_dropped %llu",
			 p->name, (unsigned long long)p->src.n_tx,
			 (unsigned long long)p->src.n_replies, (unsigned long long)p->src.n_updates,
			 (unsigned long long)p->src.n_kod,
			 (unsigned long long)p->rejected[NTP_EXCH_MODE],
			 (unsigned long long)p->rejected[NTP_EXCH_BOGUS],
			 (unsigned long long)p->rejected[NTP_EXCH_DUPLICATE],
			 (unsigned long long)p->rejected[NTP_EXCH_ZERO_XMT],
			 (unsigned long long)p->rejected[NTP_EXCH_UNSYNC],
			 (unsigned long long)(p->malformed + p->sock.truncated),
			 (unsigned long long)p->foreign,
			 (unsigned long long)p->t0_user, p->src.reach, p->src.poll,
			 (unsigned long long)p->auth_rejected[NTP_AUTH_NONE],
			 (unsigned long long)p->auth_rejected[NTP_AUTH_NAK],
			 (unsigned long long)p->auth_rejected[NTP_AUTH_UNKNOWN_KEY],
			 (unsigned long long)p->auth_rejected[NTP_AUTH_BAD_MAC],
			 (unsigned long long)p->leap_dropped);
	}
}
