/*
 * Resolving the names of server and pool lines without blocking the loop
 * (uv_getaddrinfo in libuv's threads), and doing what ntp_names decides:
 * start polling an address, stop polling a bad one, resolve again now or
 * later. The policy itself is pure, in src/core/ntp_names.c.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "log.h"

#define NS_PER_MS 1000000LL

static void resolve(struct resolver *r);
static void apply(struct resolver *r, const struct names_actions *act);

static int64_t mono_now(void)
{
	return (int64_t)uv_hrtime();
}

static int free_slots(const struct client *cl)
{
	return CLIENT_MAX_PEERS - cl->n_peers;
}

/* An address as ntp_names compares it: family, port, address and, for
 * IPv6, its scope (a link-local server's interface). */
static void encode(const struct sockaddr *sa, struct names_addr *a)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	bool v4 = sa->sa_family == AF_INET;

	a->b[0] = v4 ? 4 : 6;
	memcpy(a->b + 1, v4 ? &s4->sin_port : &s6->sin6_port, 2);
	memcpy(a->b + 3, v4 ? (const void *)&s4->sin_addr : (const void *)&s6->sin6_addr,
	       v4 ? 4 : 16);
	if (!v4)
		memcpy(a->b + 19, &s6->sin6_scope_id, 4);
	a->len = v4 ? 7 : 23;
}

static socklen_t decode(const struct names_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->b[0] == 4) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_port, a->b + 1, 2);
		memcpy(&s4->sin_addr, a->b + 3, 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_port, a->b + 1, 2);
	memcpy(&s6->sin6_addr, a->b + 3, 16);
	memcpy(&s6->sin6_scope_id, a->b + 19, 4);
	return sizeof(*s6);
}

static struct peer *peer_of(struct resolver *r, const struct names_addr *a)
{
	struct client *cl = r->cl;
	struct names_addr pa;

	for (int i = 0; i < cl->n_peers; i++) {
		encode((const struct sockaddr *)&cl->peers[i]->line_addr, &pa);
		if (cl->peers[i]->res == r && pa.len == a->len && memcmp(pa.b, a->b, a->len) == 0)
			return cl->peers[i];
	}
	return NULL;
}

static void on_timer(uv_timer_t *t)
{
	struct resolver *r = t->data;
	struct names_actions act;

	names_tick(&r->names, free_slots(r->cl), mono_now(), &act);
	apply(r, &act);
}

/* Stops first: a replacement takes the slot of the source it replaces. */
static void apply(struct resolver *r, const struct names_actions *act)
{
	struct sockaddr_storage ss;
	struct peer *p;

	for (int i = 0; i < act->n_stop; i++)
		if ((p = peer_of(r, &r->names.addr[act->stop[i]])) != NULL) {
			log_info("%s (%s): no longer polled", p->name, r->conf->host);
			client_remove_peer(r->cl, p);
		}
	for (int i = 0; i < act->n_start; i++) {
		socklen_t len = decode(&r->names.addr[act->start[i]], &ss);

		client_add_peer(r->cl, r->conf, r, (struct sockaddr *)&ss, len);
	}
	if (act->resolve) {
		if (r->names.want != 0)
			log_info("%s: resolving the name again", r->conf->host);
		resolve(r);
	} else if (act->resolve_at != 0) {
		int64_t wait = act->resolve_at - mono_now();

		uv_timer_start(&r->timer, on_timer,
			       wait <= 0 ? 0 : (uint64_t)((wait + NS_PER_MS - 1) / NS_PER_MS), 0);
	}
}

static void failed(struct resolver *r, int err)
{
	struct names_actions act;

	log_warn("%s: %s; trying again in %d s", r->conf->host, uv_strerror(err),
		 (int)(NAMES_RETRY_NS / 1000000000));
	names_resolve_failed(&r->names, mono_now(), &act);
	apply(r, &act);
}

/* An address another line's source already polls is not this name's. */
static bool held_elsewhere(const struct resolver *r, const struct sockaddr *sa)
{
	const struct client *cl = r->cl;

	for (int i = 0; i < cl->n_peers; i++)
		if (cl->peers[i]->res != r &&
		    (addr_equal((const struct sockaddr *)&cl->peers[i]->addr, sa) ||
		     addr_equal((const struct sockaddr *)&cl->peers[i]->line_addr, sa)))
			return true;
	return false;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct resolver *r = req->data;
	struct names_addr a[NAMES_MAX_ADDRS];
	struct names_actions act;
	int n = 0, held = 0;

	r->busy = false;
	if (r->cl->stopping) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status < 0) {
		failed(r, status);
		return;
	}
	for (struct addrinfo *ai = res; ai != NULL && n < NAMES_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (held_elsewhere(r, ai->ai_addr))
			held++;
		else
			encode(ai->ai_addr, &a[n++]);
	}
	uv_freeaddrinfo(res);
	if (n == 0 && held > 0) {
		/* Every address is another line's source already: nothing to
		 * add, and nothing to warn about. */
		log_debug("%s: every address is polled for another line", r->conf->host);
		names_resolve_failed(&r->names, mono_now(), &act);
		apply(r, &act);
		return;
	}
	if (n == 0) {
		failed(r, UV_EAI_NONAME);
		return;
	}
	names_resolved(&r->names, a, n, free_slots(r->cl), mono_now(), &act);
	apply(r, &act);
}

static void resolve(struct resolver *r)
{
	char port[8];
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };

	snprintf(port, sizeof(port), "%u", r->conf->port);
	r->req.data = r;
	int err = uv_getaddrinfo(r->cl->loop, &r->req, on_resolved, r->conf->host, port, &hints);
	if (err < 0) {
		failed(r, err);
		return;
	}
	r->busy = true;
}

static bool is_numeric(const char *host)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

void resolver_start(struct resolver *r, struct client *cl, const struct cfg_server *conf)
{
	struct names_actions act;

	*r = (struct resolver){ .cl = cl, .conf = conf };
	uv_timer_init(cl->loop, &r->timer);
	r->timer.data = r;
	names_start(&r->names, conf->pool, is_numeric(conf->host), conf->minpoll, mono_now(), &act);
	apply(r, &act);
}

void resolver_stop(struct resolver *r)
{
	if (r->busy)
		uv_cancel((uv_req_t *)&r->req);
	uv_close((uv_handle_t *)&r->timer, NULL);
}

static void replace(struct peer *p, enum names_bad why)
{
	struct resolver *r = p->res;
	struct names_actions act;
	struct names_addr a;

	encode((const struct sockaddr *)&p->line_addr, &a);
	if (!names_bad(&r->names, &a, free_slots(r->cl), mono_now(), &act))
		return;
	if (why == NAMES_DEAD)
		log_warn("%s (%s): no reply to %d requests: trying another address", p->name,
			 r->conf->host, NAMES_DEAD_POLLS);
	else
		log_warn("%s (%s): a falseticker %d updates in a row: trying another address",
			 p->name, r->conf->host, NAMES_BAD_SELECTIONS);
	apply(r, &act);
}

void resolver_check(struct client *cl)
{
	struct peer *snap[CLIENT_MAX_PEERS];
	int n = cl->n_peers;

	/* Replacing changes cl->peers: walk a copy, skipping what closed. */
	memcpy(snap, cl->peers, sizeof(snap[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		enum names_bad why = names_health_bad(&snap[i]->health);

		if (why != NAMES_OK && snap[i]->closing == 0 && snap[i]->res != NULL)
			replace(snap[i], why);
	}
}
