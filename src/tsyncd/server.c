/*
 * The server role on libuv. Kept thin: the decision and the reply are the
 * core's; this file builds replies in the socket's send batch, stamps
 * t2 through the clock as the batch leaves, and counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "keyfile.h"
#include "log.h"
#include "server.h"
#include "udp.h"

struct listener {
	struct server *srv;
	struct udp_sock sock;
};

/* NTS_SERVER_RANDOM fresh bytes from the pool, refilled when short;
 * NULL when the kernel gives none. The caller wipes them after use. */
static uint8_t *nts_random(struct server *srv)
{
	if (srv->nts_rnd_len - srv->nts_rnd_pos < NTS_SERVER_RANDOM) {
		/* Over 256 bytes, a signal may cut the read short: what came is
		 * used. */
		ssize_t n = getrandom(srv->nts_rnd, sizeof(srv->nts_rnd), 0);
		srv->nts_rnd_pos = 0;
		srv->nts_rnd_len = n > 0 ? (size_t)n : 0;
		if (srv->nts_rnd_len < NTS_SERVER_RANDOM)
			return NULL;
	}
	uint8_t *rnd = srv->nts_rnd + srv->nts_rnd_pos;
	srv->nts_rnd_pos += NTS_SERVER_RANDOM;
	return rnd;
}

/* An NTS request (RFC 8915), when NTS is on: the reply is sealed here,
 * and so stamped with a t2 read now, since its authenticator covers the
 * transmit timestamp (stamp_replies leaves sealed replies alone). p is
 * the request as ntp_server_answer decoded it: a request with no
 * extension field is not NTS and costs one test more. Returns false when
 * the request is to be dropped. */
static bool nts_answer(struct server *srv, const uint8_t *data, size_t len,
		       const struct ntp_pkt *p, uint8_t *reply, size_t *reply_len)
{
	uint8_t *rnd;
	int64_t t2;
	if (p->ext_len == 0)
		return true;
	if ((rnd = nts_random(srv)) == NULL || clk_read(srv->clock, &t2) < 0) {
		srv->nts[NTS_SERVER_MALFORMED]++;
		return false;
	}
	int res = nts_server_seal(&srv->nts_ring, data, len, p, ntp_ts_from_ns(t2), rnd, reply,
				  UDP_BATCH_MAX_LEN, reply_len);
	memset(rnd, 0, NTS_SERVER_RANDOM);
	srv->nts[res]++;
	return res != NTS_SERVER_MALFORMED;
}

/* Each reply is built in place in the socket's send batch, which goes
 * out once the batch of requests read with it has been answered. No
 * allocation and no logging on the way to a reply; a drop is logged
 * only when debug logging is on. */
static void on_request(struct udp_sock *s, const uint8_t *data, size_t len,
		       const struct sockaddr *from, int64_t t1)
{
	struct server *srv = ((struct listener *)s->data)->srv;
	size_t reply_len;

	srv->stats.received++;
	if (server_access_refuse(&srv->access, s, data, len, from, t1))
		return;
	/* A local clock has no upstream: its reference time is now. */
	if (srv->local_stratum != 0 && !srv->upstream)
		srv->state.ref_time = t1 - t1 % NTP_TS_NS_PER_S;
	uint8_t *reply = udp_batch_next(s);
	struct ntp_pkt p;
	int res = ntp_server_answer(&srv->state, data, len, t1, reply, &reply_len, &p);
	srv->stats.result[res]++;
	if (res == NTP_SERVER_REPLY && srv->nts_on &&
	    !nts_answer(srv, data, len, &p, reply, &reply_len))
		return;
	if (ntp_server_sends(res))
		udp_batch_commit(s, reply_len, from);
	else
		log_debug("dropped %zu bytes: %s", len, ntp_server_result_name(res));
}

/* t2, as late as it can be: read just before the sendmmsg of each chunk
 * of UDP_STAMP_CHUNK replies (udp.h). The k-th reply of a chunk leaves
 * after the kernel has sent the k before it, so it is stamped t2 + k *
 * step, step being the kernel's measured time per datagram: the first of
 * a chunk is exact, the others estimated to within the variation of that
 * step. Reading the clock once per batch instead would stamp the last of
 * 32 replies some 30 steps early, a one-sided error of tens of us in its
 * client's offset. A request also waits for the rest of its batch to be
 * answered, but that wait lies between t1 and t2, where the client
 * subtracts it: it costs delay, not accuracy. */
static void stamp_replies(struct udp_sock *s, const struct iovec *out, int n, int64_t t2,
			  int64_t step)
{
	const struct ntp_server_state *st = &((struct listener *)s->data)->srv->state;
	for (int k = 0; k < n; k++)
		if (!nts_server_is_sealed(out[k].iov_base, out[k].iov_len))
			ntp_server_stamp(st, out[k].iov_base, out[k].iov_len,
					 ntp_ts_from_ns(t2 + k * step));
}

static void count_sent(struct udp_sock *s, int sent, int failed)
{
	struct server *srv = ((struct listener *)s->data)->srv;
	srv->stats.replied += (uint64_t)sent;
	srv->stats.send_error += (uint64_t)failed;
}

/* What the server says with no upstream: its local stratum, else that it
 * is unsynchronised. */
static void local_state(struct server *srv)
{
	srv->state = (struct ntp_server_state){
		.precision = srv->clock->precision,
		.leap = NTP_LEAP_UNSYNC,
		.stratum = NTP_MAX_STRATUM,
	};
	if (srv->local_stratum == 0)
		return;
	srv->state.leap = NTP_LEAP_NONE;
	srv->state.stratum = (uint8_t)srv->local_stratum;
	/* Stratum 1 names its source in ASCII; higher strata name an
	 * address, and 127.127.1.1 is the traditional one of a local clock. */
	srv->state.refid = srv->local_stratum == 1 ? NTP_REFID('L', 'O', 'C', 'L')
						   : NTP_REFID(127, 127, 1, 1);
}

static void init_state(struct server *srv, const struct tsyncd_config *cfg)
{
	srv->local_stratum = cfg->stratum;
	local_state(srv);
}

void server_sockaddr(const struct cfg_listen *l, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->port);
		memcpy(&a->sin6_addr, l->addr, 16);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(l->port);
		memcpy(&a->sin_addr, l->addr, 4);
	}
}

static void free_listener(struct udp_sock *s)
{
	free(s->data);
}

static int open_listener(struct server *srv, const struct cfg_listen *l)
{
	struct sockaddr_storage ss;
	char name[ADDR_STRLEN];
	struct listener *lis = calloc(1, sizeof(*lis));
	if (lis == NULL)
		return -ENOMEM;
	lis->srv = srv;
	server_sockaddr(l, &ss);
	/* v6-only, so that "::" and "0.0.0.0" can both be bound on one port. */
	int err = udp_open(&lis->sock, srv->loop, (struct sockaddr *)&ss, l->family == AF_INET6,
			   UDP_BATCH_SERVER, srv->clock, on_request, lis);
	srv->listeners[srv->n_listeners++] = lis; /* closed by server_stop either way */
	lis->sock.before_send = stamp_replies;
	lis->sock.after_send = count_sent;
	if (err < 0) {
		log_error("cannot listen on %s: %s", addr_format((struct sockaddr *)&ss, name, sizeof(name)),
			  strerror(-err));
		return err;
	}
	udp_local_name(&lis->sock, name, sizeof(name));
	log_info("listening on %s", name);
	return 0;
}

int server_start(struct server *srv, uv_loop_t *loop, struct clk *clock,
		 const struct tsyncd_config *cfg)
{
	*srv = (struct server){ .loop = loop, .clock = clock };
	init_state(srv, cfg);
	int rc = server_access_init(&srv->access, cfg);
	if (rc < 0)
		return rc;
	if (cfg->keyfile[0] != '\0') {
		char err[256];
		rc = keyfile_load(cfg->keyfile, &srv->keys, err, sizeof(err));
		if (rc < 0) {
			log_error("%s", err);
			return rc;
		}
		srv->state.keys = &srv->keys;
	}
	if (cfg->n_listen == 0)
		log_info("no listen line: answering no NTP client");
	for (int i = 0; i < cfg->n_listen; i++) {
		int err = open_listener(srv, &cfg->listen[i]);
		if (err < 0)
			return err;
	}
	return 0;
}

uint16_t server_ntp_port(const struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);
	if (srv->n_listeners == 0 || srv->listeners[0]->sock.fd < 0 ||
	    getsockname(srv->listeners[0]->sock.fd, (struct sockaddr *)&ss, &n) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
}

void server_stop(struct server *srv)
{
	for (int i = 0; i < srv->n_listeners; i++)
		udp_close(&srv->listeners[i]->sock, free_listener);
	srv->n_listeners = 0;
	server_access_free(&srv->access);
	keys_wipe(&srv->keys);
	memset(&srv->nts_ring, 0, sizeof(srv->nts_ring));
	memset(srv->nts_rnd, 0, sizeof(srv->nts_rnd));
}

uint64_t server_unstamped(const struct server *srv)
{
	uint64_t n = 0;

	for (int i = 0; i < srv->n_listeners; i++)
		n += srv->listeners[i]->sock.no_timestamp;
	return n;
}

void server_set_upstream(struct server *srv, const struct ntp_server_state *st)
{
	srv->state = *st;
	srv->state.keys = srv->keys.n > 0 ? &srv->keys : NULL; /* not the upstream's */
	srv->upstream = true;
}

void server_lost_upstream(struct server *srv)
{
	srv->upstream = false;
	local_state(srv);
}
