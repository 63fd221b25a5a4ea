/*
 * The Berkeley role on libuv, kept thin: datagrams are checked (framing,
 * key, MAC) and handed to the pure brk_node with their timestamps; its
 * actions become datagrams, clock changes and log lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "berkeley.h"
#include "tsync/ctl_proto.h"
#include "tsync/ntp_ts.h"
#include "keyfile.h"
#include "log.h"
#include "mcast.h"

#define NS_PER_MS 1000000
/* A master's unicast socket takes a REPLY from every slave at once after
 * each POLL, and a 92-byte datagram costs about 830 bytes of buffer on
 * Linux: asked for 1 kB a member, the kernel doubles it, room for about
 * 2.5 REPLYs a member. The default (208 kB) holds 256. */
#define MASTER_RCVBUF (BRK_MAX_MEMBERS * 1024)

/* ---------------------------------------------------------- small helpers */

static uint64_t random64(void)
{
	uint64_t v = 0;
	/* getrandom of 8 bytes does not fail short once the pool is ready. */
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = uv_hrtime() * 0x9e3779b97f4a7c15u;
	return v;
}

static int64_t mono_ns(void)
{
	return (int64_t)uv_hrtime();
}

static const char *secs(char buf[NTP_SECS_STRLEN], int64_t ns)
{
	return ntp_secs_format(ns, true, buf);
}

static void to_brk_addr(const struct sockaddr *sa, struct brk_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = sa->sa_family;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		memcpy(a->addr, &s6->sin6_addr, 16);
		a->port = ntohs(s6->sin6_port);
		a->scope = s6->sin6_scope_id;
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;
		memcpy(a->addr, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	}
}

static void from_brk_addr(const struct brk_addr *a, struct sockaddr_storage *ss)
{
	mcast_group_addr(ss, a->family, a->addr, a->port, a->scope);
}

/* Our clock minus the host's, at one instant: what tests read as truth. */
static int64_t clock_offset(const struct berkeley *b)
{
	int64_t host = 0, ours = 0;
	if (clk_read(b->host, &host) < 0 || clk_from_host(b->clock, host, &ours) < 0)
		return 0;
	return ours - host;
}

/* ------------------------------------------------------------ the actions */

static void send_action(struct berkeley *b, const struct brk_action *a)
{
	uint8_t buf[BRK_MSG_MAX];
	struct sockaddr_storage to;
	int len = brk_msg_encode(&a->msg, b->key, &b->bind, buf, sizeof(buf));
	if (len < 0) {
		b->stats.send_error++;
		return;
	}
	if (a->to_group)
		to = b->group_addr;
	else
		from_brk_addr(&a->to, &to);
	if (udp_send(&b->uni, buf, (size_t)len, (struct sockaddr *)&to) < 0)
		b->stats.send_error++;
}

/* Step what cannot be slewed within the round, then slew the rest at
 * maxslew: the slew replaces the one under way, whose remainder the
 * node counted in (brk_split). */
static void apply_action(struct berkeley *b, const struct brk_action *a)
{
	char s1[32], s2[32], s3[32];
	int err = a->step_ns != 0 ? clk_step(b->clock, a->step_ns) : 0;
	if (err == 0)
		err = clk_slew_at(b->clock, a->slew_ns, b->maxslew_ppm);
	if (err == 0 && a->set_freq)
		err = clk_set_freq(b->clock, a->freq_ppm);
	if (err < 0) {
		b->stats.clock_error++;
		log_warn("berkeley: cannot adjust the %s clock by %s s: %s", clk_name(b->clock),
			 secs(s1, a->adjust), strerror(-err));
		return;
	}
	if (a->set_freq)
		log_info("berkeley: frequency correction %+.3f ppm, learnt from the adjustments",
			 a->freq_ppm);
	if (a->node_id == b->node->id)
		log_info("berkeley: master adjusted itself by %s s (%s) in round %016" PRIx64
			 "; clock offset %s s, slewing %s s", secs(s1, a->adjust),
			 a->step ? "step" : "slew", b->node->last.round, secs(s2, clock_offset(b)),
			 secs(s3, a->slew_ns));
	else
		log_info("berkeley: adjusted by %s s (%s) in round %016" PRIx64 " from master %016"
			 PRIx64 "; clock offset %s s, slewing %s s", secs(s1, a->adjust),
			 a->step ? "step" : "slew", a->msg.round, a->node_id,
			 secs(s2, clock_offset(b)), secs(s3, a->slew_ns));
}

/* What the clock still has to slew now, and at t (earlier, on its time
 * scale): the slew ran at its rate in between. */
static void pending(struct berkeley *b, int64_t t, int64_t now, int64_t *at_t, int64_t *at_now)
{
	struct clk_status st;
	*at_t = *at_now = 0;
	if (clk_status(b->clock, &st) < 0 || st.slew_remaining == 0)
		return;
	*at_now = st.slew_remaining;
	*at_t = st.slew_remaining + (int64_t)(st.slew_ppm * 1e-6 * (double)(now - t));
}

static void set_pending(struct berkeley *b, int64_t rx, int64_t now)
{
	int64_t at_rx, at_now;
	pending(b, rx, now, &at_rx, &at_now);
	brk_node_set_pending(b->node, at_rx, at_now);
}

static void log_round(struct berkeley *b)
{
	const struct brk_round_summary *r = &b->node->last;
	char s1[32], s2[32], s3[32], addr[BRK_ADDR_STRLEN];
	char held[64] = "";
	if (!b->node->ntp_synced && r->target != r->avg.avg)
		snprintf(held, sizeof(held), ", held to %s s by maxdrift", secs(s2, r->target));
	log_info("berkeley: round %" PRIu64 " id %016" PRIx64 ": average %s s of %d/%d clocks%s%s%s",
		 r->number, r->round, secs(s1, r->avg.avg), r->avg.n_in, r->n_sampled + 1,
		 r->avg.master_in ? " (master in)" : " (master out)",
		 b->node->ntp_synced ? ", master follows NTP" : "", held);
	for (int i = 0; i < b->node->n_members; i++) {
		const struct brk_member *m = &b->node->member[i];
		log_info("berkeley: round %" PRIu64 " member %016" PRIx64 " %s offset %s s rtt %s s "
			 "adjust %s s %s %s", r->number, m->node,
			 brk_addr_format(&m->addr, addr, sizeof(addr)), secs(s1, m->offset),
			 secs(s2, m->rtt), secs(s3, m->adjust), m->in_set ? "in" : "out",
			 brk_member_state_name(m->state));
	}
}

/* The round's end: how long a round of this group takes, polls to ACKs. */
static void log_acked(const struct berkeley *b)
{
	const struct brk_round_summary *r = &b->node->last;
	char s1[32], s2[32];
	log_info("berkeley: round %" PRIu64 " id %016" PRIx64 ": all %d adjustments acknowledged "
		 "%s s after the first poll, %s s after they were sent", r->number, r->round,
		 r->n_sampled, secs(s1, r->acked_after) + 1,
		 secs(s2, r->acked_after - r->adjusted_after) + 1);
}

static void run_actions(struct berkeley *b)
{
	for (int i = 0; i < b->acts->n; i++) {
		const struct brk_action *a = &b->acts->a[i];
		switch (a->kind) {
		case BRK_ACT_SEND: send_action(b, a); break;
		case BRK_ACT_APPLY: apply_action(b, a); break;
		case BRK_ACT_ROUND: log_round(b); break;
		case BRK_ACT_STATE:
			log_info("berkeley: now %s", brk_state_name(b->node->state));
			break;
		case BRK_ACT_DROPPED:
			log_info("berkeley: member %016" PRIx64 " dropped after %d missed rounds",
				 a->node_id, b->node->p.misses);
			break;
		case BRK_ACT_GAVE_UP:
			log_info("berkeley: member %016" PRIx64 " never acknowledged its adjustment",
				 a->node_id);
			break;
		case BRK_ACT_ALL_ACKED: log_acked(b); break;
		}
	}
	b->acts->n = 0;
}

/* -------------------------------------------------------- timer and input */

static void on_timer(uv_timer_t *t);

static void arm_timer(struct berkeley *b)
{
	int64_t next = brk_node_next_wake(b->node);
	if (next == BRK_NEVER) {
		uv_timer_stop(&b->timer);
		return;
	}
	int64_t left = next - mono_ns();
	uint64_t ms = left <= 0 ? 0 : (uint64_t)((left + NS_PER_MS - 1) / NS_PER_MS);
	uv_timer_start(&b->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct berkeley *b = t->data;
	int64_t now;
	if (clk_read(b->clock, &now) < 0) {
		b->stats.clock_error++;
		arm_timer(b);
		return;
	}
	set_pending(b, now, now);
	brk_node_timer(b->node, now, mono_ns(), random64(), b->acts);
	run_actions(b);
	arm_timer(b);
}

/* Framing and authentication (brk_auth: the group key, or the sender's
 * own); false (counted) when m must be dropped. */
static bool authentic(struct berkeley *b, const uint8_t *data, size_t len, struct brk_msg *m)
{
	enum brk_msg_err e = brk_msg_decode(data, len, m);
	if (e != BRK_MSG_OK) {
		b->stats.malformed++;
		log_debug("berkeley: dropped %zu bytes: %s", len, brk_msg_err_name(e));
		return false;
	}
	switch (brk_auth_check(&b->auth, data, len, m, &b->bind)) {
	case BRK_AUTH_OK: return true;
	case BRK_AUTH_UNKNOWN_KEY:
		b->stats.unknown_key++;
		log_debug("berkeley: dropped a %s under key %" PRIu32, brk_type_name(m->type), m->key_id);
		return false;
	case BRK_AUTH_BAD_MAC:
		b->stats.bad_mac++;
		log_debug("berkeley: dropped a %s with a bad MAC", brk_type_name(m->type));
		return false;
	case BRK_AUTH_IMPOSTOR: break;
	}
	b->stats.impostor++;
	log_debug("berkeley: dropped a %s of node %016" PRIx64 " under key %" PRIu32 ", not its own",
		  brk_type_name(m->type), m->node, m->key_id);
	return false;
}

static void on_datagram(struct udp_sock *s, const uint8_t *data, size_t len,
			const struct sockaddr *from, int64_t rx)
{
	struct berkeley *b = s->data;
	struct brk_msg m;
	struct brk_addr addr;
	int64_t now;
	b->stats.received++;
	if (!authentic(b, data, len, &m))
		return;
	if (clk_read(b->clock, &now) < 0) {
		b->stats.clock_error++;
		return;
	}
	to_brk_addr(from, &addr);
	set_pending(b, rx, now);
	brk_node_recv(b->node, &m, &addr, s == &b->group, rx, now, mono_ns(), random64(), b->acts);
	run_actions(b);
	arm_timer(b);
}

/* -------------------------------------------------------------- the keys */

/* One key of ours, of type hmac-sha256; what for, in the messages. */
static int check_one(const struct brk_keyring *keys, const struct tsyncd_config *cfg, uint32_t id,
		     const char *what, const struct brk_key **key)
{
	*key = brk_keys_find(keys, id);
	if (*key == NULL) {
		log_error("berkeley: key %" PRIu32 " is not in %s (%s key)", id, cfg->keyfile, what);
		return -ENOKEY;
	}
	if ((*key)->type != KEYS_HMAC_SHA256) {
		log_error("berkeley: key %" PRIu32 " in %s is %s, not hmac-sha256", id, cfg->keyfile,
			  keys_type_name((*key)->type));
		return -ENOKEY;
	}
	return 0;
}

/* The other members' keys we hold must be hmac-sha256; one we do not
 * hold only means that member is not heard (said at start: unheard). */
static int check_members(const struct brk_keyring *keys, const struct tsyncd_config *cfg)
{
	const struct cfg_berkeley *c = &cfg->berkeley;
	const struct brk_key *k;
	int err = 0;
	for (int i = 0; i < c->n_members; i++) {
		const struct cfg_brk_member *m = &c->member[i];
		if (m->node != c->node && brk_keys_find(keys, m->key_id) != NULL &&
		    check_one(keys, cfg, m->key_id, "a member's", &k) < 0)
			err = -ENOKEY;
	}
	return err;
}

static void log_unheard(const struct berkeley *b, const struct tsyncd_config *cfg)
{
	const struct cfg_berkeley *c = &cfg->berkeley;
	for (int i = 0; i < c->n_members; i++)
		if (brk_keys_find(&b->keys, c->member[i].key_id) == NULL)
			log_info("berkeley: key %" PRIu32 " of member %016" PRIx64 " is not in %s: "
				 "that member is not heard", c->member[i].key_id, c->member[i].node,
				 cfg->keyfile);
}

int berkeley_check_key(const struct brk_keyring *keys, const struct tsyncd_config *cfg,
		       const struct brk_key **key)
{
	const struct cfg_berkeley *c = &cfg->berkeley;
	const struct brk_key *group = NULL;
	int err = 0;
	*key = NULL;
	if (c->key_id != 0 && check_one(keys, cfg, c->key_id, "the group's", &group) < 0)
		err = -ENOKEY;
	for (int i = 0; i < c->n_members; i++)
		if (c->node != 0 && c->member[i].node == c->node &&
		    check_one(keys, cfg, c->member[i].key_id, "our own", key) < 0)
			err = -ENOKEY;
	if (check_members(keys, cfg) < 0)
		err = -ENOKEY;
	if (*key == NULL)
		*key = group; /* we sign with our own key, else the group's */
	return err;
}

/* Berkeley takes its hmac-sha256 keys from the daemon's keys file: the
 * group's, our own, and the other members' we hold. */
static int load_key(struct berkeley *b, const struct tsyncd_config *cfg)
{
	char err[256];
	int rc = keyfile_load(cfg->keyfile, &b->keys, err, sizeof(err));
	if (rc < 0) {
		log_error("berkeley: %s", err);
		return rc;
	}
	return berkeley_check_key(&b->keys, cfg, &b->key);
}

_Static_assert(CFG_BRK_MEMBER_KEYS <= BRK_MAX_MEMBER_KEYS, "member keys: config vs auth");

/* Who may speak for whom (brk_auth), from the configuration. */
static void set_auth(struct berkeley *b, const struct cfg_berkeley *c)
{
	for (int i = 0; i < c->n_members; i++)
		b->member_keys[i] = (struct brk_member_key){ c->member[i].node, c->member[i].key_id };
	b->auth = (struct brk_auth){
		.ring = &b->keys, .group_key = c->key_id, .none = c->auth_none != 0,
		.member = b->member_keys, .n_member = c->n_members,
	};
}

/* ------------------------------------------------------------ start, stop */

static void params_from(const struct cfg_berkeley *c, uint32_t key_id, double maxslew_ppm,
			struct brk_params *p)
{
	static const enum brk_role roles[] = {
		[CFG_BRK_NONE] = BRK_ROLE_NONE, [CFG_BRK_MASTER] = BRK_ROLE_MASTER,
		[CFG_BRK_SLAVE] = BRK_ROLE_SLAVE, [CFG_BRK_CANDIDATE] = BRK_ROLE_CANDIDATE,
	};
	*p = (struct brk_params){
		.role = roles[c->role], .priority = (uint8_t)c->priority,
		.interval = c->interval, .tolerance = c->tolerance, .maxrtt = c->maxrtt,
		.step = brk_slew_max(c->interval, c->step, maxslew_ppm), .misses = c->misses,
		.election = c->election, .key_id = key_id,
		.group_id = c->group_id, .freq = c->frequency, .maxdrift_ppm = c->maxdrift_ppm,
	};
}

/* Room for a full group's burst of REPLYs, past net.core.rmem_max if we
 * may (CAP_NET_ADMIN), else up to it, and said so. */
static void size_rcvbuf(int fd)
{
	int want = MASTER_RCVBUF, got = 0;
	socklen_t len = sizeof(got);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got < 2 * want)
		log_info("berkeley: receive buffer %d kB, capped by net.core.rmem_max: room for "
			 "about %d REPLYs at once", got / 1024, got / 830);
}

/* A master reads a REPLY from every slave in a burst: full batches, but
 * of messages of at most BRK_MSG_MAX bytes, not of 64 kB datagrams. A
 * longer datagram is dropped by the socket and counted as malformed. */
#define BRK_BATCH (&(const struct udp_batch){ UDP_BATCH, 1024 })

static int open_sockets(struct berkeley *b, const struct cfg_berkeley *c)
{
	unsigned ifindex;
	char name[ADDR_STRLEN];
	int err = mcast_ifindex(c->interface, &ifindex);
	if (err < 0) {
		log_error("berkeley: interface %s: %s", c->interface, strerror(-err));
		return err;
	}
	mcast_group_addr(&b->group_addr, c->group_family, c->group, c->port, ifindex);
	memcpy(b->bind.addr, c->group, c->group_family == AF_INET6 ? 16 : 4);
	b->bind.port = c->port;
	int fd = mcast_open_member(&b->group_addr, ifindex);
	if (fd < 0 || (b->open_socks++, err = udp_adopt(&b->group, b->loop, fd, BRK_BATCH,
							b->clock, on_datagram, b)) < 0) {
		log_error("berkeley: cannot join group %s: %s",
			  addr_format((struct sockaddr *)&b->group_addr, name, sizeof(name)),
			  strerror(fd < 0 ? -fd : -err));
		return fd < 0 ? fd : err;
	}
	fd = mcast_open_sender(c->group_family, c->interface, ifindex, c->ttl);
	if (fd >= 0 && c->role != CFG_BRK_SLAVE)
		size_rcvbuf(fd);
	if (fd < 0 || (b->open_socks++, err = udp_adopt(&b->uni, b->loop, fd, BRK_BATCH,
							b->clock, on_datagram, b)) < 0) {
		log_error("berkeley: cannot open the sending socket: %s", strerror(fd < 0 ? -fd : -err));
		return fd < 0 ? fd : err;
	}
	return 0;
}

static void log_start(struct berkeley *b, const struct tsyncd_config *cfg)
{
	char group[ADDR_STRLEN], uni[ADDR_STRLEN], iv[32];
	const struct cfg_berkeley *c = &cfg->berkeley;
	udp_local_name(&b->uni, uni, sizeof(uni));
	log_info("berkeley: %s, priority %d, node %016" PRIx64 ", group %s%s%s, from %s, "
		 "interval %s s, %s", brk_role_name(b->node->p.role), c->priority, b->node->id,
		 addr_format((struct sockaddr *)&b->group_addr, group, sizeof(group)),
		 c->interface[0] ? " on " : "", c->interface, uni, secs(iv, c->interval) + 1,
		 b->key ? "HMAC-SHA-256" : "auth none");
	if (b->key == NULL)
		log_warn("berkeley: auth none: anyone who can reach the group can move this clock");
}

/* Our first message counter: the host's time in ns, above every counter
 * a node of the same id (`berkeley node`) sent before it restarted,
 * unless the host's clock went back by more than the restart took. */
static uint64_t seq_start(const struct berkeley *b)
{
	int64_t host = 0;
	return clk_read(b->host, &host) == 0 && host > 0 ? (uint64_t)host : 0;
}

/* A daemon that is also an NTP client lets NTP alone steer its clock as
 * master: the group's average then moves the slaves only. */
static void follow_ntp(struct berkeley *b, const struct tsyncd_config *cfg)
{
	if (cfg->n_servers == 0)
		return;
	brk_node_set_ntp_synced(b->node, true);
	if (cfg->berkeley.role == CFG_BRK_SLAVE)
		log_warn("berkeley: a slave that is also an NTP client: NTP and the group's "
			 "master will both move its clock");
	else
		log_info("berkeley: the clock follows NTP; as master, the group's average "
			 "moves the slaves only");
}

int berkeley_start(struct berkeley *b, uv_loop_t *loop, struct clk *clock,
		   const struct tsyncd_config *cfg)
{
	struct brk_params p;
	int err;
	memset(b, 0, sizeof(*b));
	if (cfg->berkeley.role == CFG_BRK_NONE)
		return 0;
	/* Sized for a full group: allocated only by a daemon in one. */
	b->node = calloc(1, sizeof(*b->node));
	b->acts = malloc(sizeof(*b->acts));
	if (b->node == NULL || b->acts == NULL) {
		free(b->node);
		free(b->acts);
		log_error("berkeley: out of memory");
		return -ENOMEM;
	}
	b->acts->n = 0;
	b->enabled = true;
	b->loop = loop;
	b->clock = clock;
	uv_timer_init(loop, &b->timer);
	b->timer.data = b;
	b->timer_open = true;
	if ((err = clk_readonly_new(&b->host)) < 0 ||
	    (!cfg->berkeley.auth_none && (err = load_key(b, cfg)) < 0) ||
	    (err = open_sockets(b, &cfg->berkeley)) < 0)
		return err;
	b->maxslew_ppm = cfg->maxslew_ppm;
	set_auth(b, &cfg->berkeley);
	params_from(&cfg->berkeley, b->key ? b->key->id : 0, cfg->maxslew_ppm, &p);
	p.seq_start = seq_start(b);
	brk_node_init(b->node, &p, cfg->berkeley.node ? cfg->berkeley.node : random64() | 1,
		      mono_ns());
	struct clk_status cst;
	if (clk_status(b->clock, &cst) == 0)
		brk_node_set_freq(b->node, cst.freq_ppm); /* learnt from there on */
	log_start(b, cfg);
	log_unheard(b, cfg);
	follow_ntp(b, cfg);
	arm_timer(b);
	return 0;
}

void berkeley_stop(struct berkeley *b)
{
	if (!b->enabled)
		return;
	if (b->timer_open)
		uv_close((uv_handle_t *)&b->timer, NULL);
	b->timer_open = false;
	if (b->open_socks > 0)
		udp_close(&b->group, NULL);
	if (b->open_socks > 1)
		udp_close(&b->uni, NULL);
	b->open_socks = 0;
	if (b->host != NULL)
		clk_destroy(b->host);
	b->host = NULL;
	brk_keys_wipe(&b->keys);
	b->key = NULL;
	free(b->node);
	free(b->acts);
	b->node = NULL;
	b->acts = NULL;
	b->enabled = false;
}

void berkeley_log_clock(const struct berkeley *b)
{
	char s1[32], s2[32];
	if (!b->enabled)
		return;
	struct clk_status st = { 0 };
	(void)clk_status(b->clock, &st); /* on failure: nothing said to be pending */
	log_info("berkeley clock offset=%s state=%s master=%016" PRIx64 " node=%016" PRIx64
		 " slewing=%s", secs(s1, clock_offset(b)), brk_state_name(b->node->state),
		 b->node->state == BRK_ST_MASTER ? b->node->id : b->node->master, b->node->id,
		 secs(s2, st.slew_remaining));
}

void berkeley_status(const struct berkeley *b, struct brk_status *st)
{
	brk_status_fill(b->node, st);
}

int berkeley_ctl(void *ctx, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap)
{
	static struct brk_status st; /* 40 kB for a full group: kept off the stack */
	const struct berkeley *b = ctx;
	(void)req;
	if (req_len != 0)
		return -CTL_ERR_PAYLOAD;
	if (b->enabled)
		berkeley_status(b, &st);
	else
		memset(&st, 0, sizeof(st));
	int n = brk_status_encode(&st, reply, cap);
	return n < 0 ? -CTL_ERR_INTERNAL : n;
}

void berkeley_set_ntp_synced(struct berkeley *b, bool synced)
{
	if (b->enabled)
		brk_node_set_ntp_synced(b->node, synced);
}
