/*
 * The rows of tsyncd's counter groups: where each counter lives in its
 * role's structs. Everything that shows counters goes through these.
 */
#include <stddef.h>

#include "counters.h"
#include "log.h"
#include "ntsclient.h"

#define ROW(type, name_, field, help_) \
	{ .name = name_, .help = help_, .part = 0, .offset = offsetof(type, field) }
#define ROW1(type, name_, field, help_) \
	{ .name = name_, .help = help_, .part = 1, .offset = offsetof(type, field) }
#define GET(name_, fn, help_) { .name = name_, .help = help_, .get = fn }

static uint64_t unstamped(const void *srv)
{
	return server_unstamped(srv);
}

#define SRV(name, field, help) ROW(struct server, name, field, help)
static const struct ctr_desc server_rows[] = {
	SRV("received", stats.received, "NTP requests received"),
	SRV("replied", stats.replied, "NTP replies sent"),
	SRV("short", stats.result[NTP_SERVER_DROP_SHORT], "requests dropped: under 48 bytes"),
	SRV("version", stats.result[NTP_SERVER_DROP_VERSION],
	    "requests dropped: version 0 or above 4"),
	SRV("trailer", stats.result[NTP_SERVER_DROP_TRAILER],
	    "requests dropped: malformed extension fields or MAC"),
	SRV("control", stats.result[NTP_SERVER_DROP_CONTROL],
	    "requests dropped: mode 6 or 7, never answered"),
	SRV("mode", stats.result[NTP_SERVER_DROP_MODE], "requests dropped: a mode other than 3"),
	SRV("send_error", stats.send_error, "replies the kernel did not send"),
	GET("unstamped", unstamped, "requests without a kernel receive timestamp"),
	SRV("auth_reply", stats.result[NTP_SERVER_AUTH_REPLY], "replies signed with a key"),
	SRV("nak_unknown_key", stats.result[NTP_SERVER_NAK_UNKNOWN_KEY],
	    "crypto-NAKs sent for a key id not in the keys"),
	SRV("nak_bad_mac", stats.result[NTP_SERVER_NAK_BAD_MAC],
	    "crypto-NAKs sent for a wrong MAC"),
};

static const struct ctr_desc access_rows[] = {
	SRV("denied", access.count[NTP_ACCESS_DENIED], "requests denied by the allow list"),
	SRV("ratelimited", access.count[NTP_ACCESS_RATELIMITED],
	    "requests over the rate limit, dropped"),
	SRV("kod_deny", access.count[NTP_ACCESS_KOD_DENY], "requests denied with a KoD DENY"),
	SRV("kod_rate", access.count[NTP_ACCESS_KOD_RATE],
	    "requests over the rate limit, answered with a KoD RATE"),
	SRV("ratelimit_evicted", access.rl.evicted,
	    "rate limit entries replaced by a newcomer"),
};

#define CTL(name, field, help) ROW(struct control_stats, name, field, help)
static const struct ctr_desc control_rows[] = {
	CTL("accepted", accepted, "control connections taken into service"),
	CTL("evicted", evicted, "control connections closed to make room for a new one"),
	CTL("replied", replied, "control requests answered"),
	CTL("magic", error[CTL_ERR_MAGIC], "control requests refused: not the protocol"),
	CTL("version", error[CTL_ERR_VERSION], "control requests refused: unknown version"),
	CTL("command", error[CTL_ERR_COMMAND], "control requests refused: unknown command"),
	CTL("length", error[CTL_ERR_LENGTH], "control requests refused: too long"),
	CTL("payload", error[CTL_ERR_PAYLOAD], "control requests refused: malformed arguments"),
	CTL("flags", error[CTL_ERR_FLAGS], "control requests refused: bad flags"),
	CTL("internal", error[CTL_ERR_INTERNAL], "control requests the daemon could not answer"),
	CTL("denied", error[CTL_ERR_DENIED],
	    "control commands refused: not root nor the controlgroup"),
	CTL("no_source", error[CTL_ERR_NO_SOURCE], "control commands naming no source"),
	CTL("unavailable", error[CTL_ERR_UNAVAILABLE],
	    "control commands for a role the daemon does not run"),
	CTL("timeout", timeout, "control connections past their deadline"),
	CTL("truncated", truncated, "control clients gone in the middle of a request"),
	CTL("gone", gone, "control clients gone before their reply"),
	CTL("io_error", io_error, "control socket reads or writes that failed"),
};

static uint64_t peer_malformed(const void *p)
{
	const struct peer *peer = p;

	return peer->malformed + peer->sock.truncated;
}

/* An NTS source's NTS-KE figures; 0 for a source without NTS. */
static const struct ntsclient_stats *peer_nts(const void *p)
{
	static const struct ntsclient_stats none;
	const struct peer *peer = p;

	return peer->nts != NULL ? ntsclient_stats(peer->nts) : &none;
}

static uint64_t peer_nts_ke_ok(const void *p)
{
	return peer_nts(p)->ke_ok;
}

static uint64_t peer_nts_ke_fail(const void *p)
{
	return peer_nts(p)->ke_fail;
}

static uint64_t peer_nts_naks(const void *p)
{
	return peer_nts(p)->naks;
}

static uint64_t peer_nts_no_cookie(const void *p)
{
	return peer_nts(p)->no_cookie;
}

#define PEER(name, field, help) ROW(struct peer, name, field, help)
static const struct ctr_desc source_rows[] = {
	PEER("tx", src.n_tx, "requests sent"),
	PEER("replies", src.n_replies, "replies taken"),
	PEER("updates", src.n_updates, "samples that reached the filter"),
	PEER("kod", src.n_kod, "Kiss-o'-Death replies"),
	PEER("mode", rejected[NTP_EXCH_MODE], "replies refused: not mode 4"),
	PEER("bogus", rejected[NTP_EXCH_BOGUS], "replies refused: not our request's"),
	PEER("duplicate", rejected[NTP_EXCH_DUPLICATE], "replies refused: a duplicate"),
	PEER("zero_xmt", rejected[NTP_EXCH_ZERO_XMT], "replies refused: transmit time zero"),
	PEER("unsync", rejected[NTP_EXCH_UNSYNC], "replies refused: the server is unsynchronised"),
	PEER("zero_rec", rejected[NTP_EXCH_ZERO_REC], "replies refused: receive time zero"),
	PEER("reftime", rejected[NTP_EXCH_REFTIME],
	    "replies refused: reference time after transmit time"),
	GET("malformed", peer_malformed, "datagrams that are no NTP packet"),
	PEER("foreign", foreign, "datagrams from another address"),
	PEER("t0_user", t0_user, "replies taken without the kernel's transmit timestamp"),
	PEER("unauth", auth_rejected[NTP_AUTH_NONE], "replies refused: no MAC"),
	PEER("nak", auth_rejected[NTP_AUTH_NAK], "replies refused: a crypto-NAK"),
	PEER("wrong_key", auth_rejected[NTP_AUTH_UNKNOWN_KEY], "replies refused: another key id"),
	PEER("bad_mac", auth_rejected[NTP_AUTH_BAD_MAC], "replies refused: a bad digest"),
	PEER("leap_dropped", leap_dropped, "replies whose exchange spanned a leap second"),
	GET("nts_ke_ok", peer_nts_ke_ok, "NTS-KE exchanges that gave keys and cookies"),
	GET("nts_ke_fail", peer_nts_ke_fail, "NTS-KE exchanges that failed"),
	GET("nts_naks", peer_nts_naks, "NTS NAKs: cookies dropped, keys renewed"),
	GET("nts_no_cookie", peer_nts_no_cookie, "polls skipped for want of an NTS cookie"),
	PEER("nts_uid", nts_rejected[NTS_CLIENT_UID], "replies refused: not our unique identifier"),
	PEER("nts_auth", nts_rejected[NTS_CLIENT_AUTH], "replies refused: NTS authenticator"),
	PEER("nts_malformed", nts_rejected[NTS_CLIENT_MALFORMED],
	     "replies refused: malformed NTS fields"),
	PEER("nts_not_nts", nts_rejected[NTS_CLIENT_NOT_NTS],
	     "replies refused: no NTS fields from an NTS source"),
};

/* Datagrams too long for the sockets' batches count as received and
 * malformed. */
static uint64_t brk_truncated(const struct berkeley *b)
{
	return b->group.truncated + b->uni.truncated;
}

static uint64_t brk_received(const void *b)
{
	return ((const struct berkeley *)b)->stats.received + brk_truncated(b);
}

static uint64_t brk_malformed(const void *b)
{
	return ((const struct berkeley *)b)->stats.malformed + brk_truncated(b);
}

#define BRK(name, field, help) ROW(struct berkeley, name, field, help)
#define NODE(name, field, help) ROW1(struct brk_counters, name, field, help)
#define DROP(name, d, help) NODE(name, drop[d], "Berkeley messages dropped: " help)
static const struct ctr_desc berkeley_rows[] = {
	GET("received", brk_received, "Berkeley datagrams received"),
	GET("malformed", brk_malformed, "Berkeley datagrams malformed"),
	BRK("unknown_key", stats.unknown_key, "Berkeley datagrams with a key id we do not use"),
	BRK("bad_mac", stats.bad_mac, "Berkeley datagrams with a bad MAC"),
	BRK("send_error", stats.send_error, "Berkeley datagrams the kernel did not send"),
	BRK("clock_error", stats.clock_error, "clock reads or changes that failed"),
	NODE("polls", polls_sent, "POLLs sent as master"),
	NODE("replies", replies, "REPLYs sent as slave"),
	NODE("adjusts", adjusts_sent, "ADJUSTs sent as master"),
	NODE("resends", resends, "ADJUSTs sent again for want of an ACK"),
	NODE("acks", acks, "ACKs received as master"),
	NODE("applied", applied, "adjustments applied as slave"),
	NODE("rounds", rounds, "rounds run as master"),
	NODE("elections", elections, "elections started"),
	NODE("stepdowns", stepdowns, "times this master stepped down for a better one"),
	NODE("challenges", challenges, "POLLs of a master not yet followed, answered"),
	NODE("bounded", bounded, "rounds whose average maxdrift held back"),
	NODE("evicted", evicted, "members dropped to make room for a new one"),
	BRK("impostor", stats.impostor,
	    "Berkeley messages refused: not under the key of the node they claim"),
	DROP("replay", BRK_DROP_REPLAY, "counter not above the last"),
	DROP("not_master", BRK_DROP_NOT_MASTER, "from a node we do not follow"),
	DROP("wrong_round", BRK_DROP_WRONG_ROUND, "for another round"),
	DROP("duplicate", BRK_DROP_DUPLICATE, "an ADJUST already applied"),
	DROP("rtt", BRK_DROP_RTT, "a reading whose round trip is too long"),
	DROP("unexpected", BRK_DROP_UNEXPECTED, "a message our state does not take"),
	DROP("full", BRK_DROP_FULL, "a new member with the membership full"),
	DROP("range", BRK_DROP_RANGE, "timestamps out of range"),
	DROP("group", BRK_DROP_GROUP, "another group id"),
	DROP("recipient", BRK_DROP_RECIPIENT, "addressed to another node"),
	DROP("stale", BRK_DROP_STALE, "an ADJUST not echoing our nonce"),
	DROP("address", BRK_DROP_ADDRESS, "a second node id from one address"),
};

/* The NTS server: NTS-protected requests (struct server) and NTS-KE
 * connections (struct ntske_stats). */
#define NTSR(name, r, help) SRV(name, nts[r], help)
#define KE(name, field, help) ROW1(struct ntske_stats, name, field, help)
#define KE_GAUGE(name_, field, help_) \
	{ .name = name_, .help = help_, .part = 1, .offset = offsetof(struct ntske_stats, field), \
	  .gauge = true }
static const struct ctr_desc nts_rows[] = {
	NTSR("reply", NTS_SERVER_REPLY, "NTS requests answered with fresh cookies"),
	NTSR("malformed", NTS_SERVER_MALFORMED, "NTS requests dropped: malformed NTS fields"),
	NTSR("nak_cookie", NTS_SERVER_NAK_COOKIE, "NTS NAKs sent: a cookie we cannot open"),
	NTSR("nak_auth", NTS_SERVER_NAK_AUTH, "NTS NAKs sent: the authenticator fails"),
	KE_GAUGE("ke_open", open, "NTS-KE connections open now (at most maxntsconnections)"),
	KE("ke_accepted", accepted, "NTS-KE connections taken into service"),
	KE("ke_busy", busy, "NTS-KE connections refused: maxntsconnections open"),
	KE("ke_tls_fail", tls_fail, "NTS-KE handshakes failed (not TLS 1.3, no ntske/1, alerts)"),
	KE("ke_timeout", timeout,
	   "NTS-KE connections closed at their deadline (not done, or not gone after the response)"),
	KE("ke_served", served, "NTS-KE exchanges that sent keys and cookies"),
	KE("ke_refused", refused, "NTS-KE requests answered with an error"),
	KE("ke_closed_early", closed_early, "NTS-KE clients gone before a whole request"),
	KE("ke_rotations", rotations, "cookie keys made"),
	KE("ke_error", error, "NTS-KE accepts, key exports, cookies or writes of ours that failed"),
};

#define MET(name, field, help) ROW(struct metrics_stats, name, field, help)
static const struct ctr_desc metrics_rows[] = {
	MET("accepted", accepted, "metrics connections taken into service"),
	MET("refused", refused, "metrics connections from an address not allowed"),
	MET("evicted", evicted, "metrics connections closed to make room for a new one"),
	MET("served", served, "metrics scrapes answered 200"),
	MET("rejected", rejected, "metrics requests answered with an error (4xx, 5xx)"),
	MET("timeout", timeout, "metrics connections closed at their deadline"),
	MET("closed", closed, "metrics clients gone before a whole request"),
	MET("io_error", io_error, "metrics socket accepts, reads or writes that failed"),
};

#define GROUP(name_, help_, label_, rows_) \
	{ .name = name_, .help = help_, .label = label_, .rows = rows_, .n_rows = CTR_N(rows_) }
static const struct ctr_group control_group =
	GROUP("control", "the control socket", NULL, control_rows);
static const struct ctr_group source_group =
	GROUP("source", "an upstream server", "address", source_rows);
static const struct ctr_group berkeley_group =
	GROUP("berkeley", "the Berkeley group", NULL, berkeley_rows);
static const struct ctr_group metrics_group =
	GROUP("metrics", "the metrics endpoint", NULL, metrics_rows);
static const struct ctr_group nts_group =
	GROUP("nts", "the NTS server and its NTS-KE", NULL, nts_rows);
static const struct ctr_group access_group =
	GROUP("access", "allow lists and the rate limit", NULL, access_rows);
static const struct ctr_group server_group =
	GROUP("server", "the NTP server", NULL, server_rows);

static void add_view(struct counters_snap *s, const struct ctr_group *g, int first, int n)
{
	s->view[s->n++] = (struct ctl_stats_view){ .group = g, .inst = &s->inst[first], .n_inst = n };
}

void counters_collect(const struct counters_ctx *cx, struct counters_snap *s)
{
	int k = 0;

	s->n = 0;
	if (cx->ctl != NULL) {
		s->inst[k] = (struct ctr_instance){ .part = { control_stats(cx->ctl) }, .label = "" };
		add_view(s, &control_group, k++, 1);
	}
	int first = k;
	for (int i = 0; i < cx->cl->n_peers; i++)
		s->inst[k++] = (struct ctr_instance){ .part = { cx->cl->peers[i] },
						      .label = cx->cl->peers[i]->name };
	add_view(s, &source_group, first, k - first);
	if (cx->brk != NULL && cx->brk->enabled) {
		s->inst[k] = (struct ctr_instance){ .part = { cx->brk, &cx->brk->node->count },
						    .label = "" };
		add_view(s, &berkeley_group, k++, 1);
	}
	if (cx->met != NULL && cx->met->open) {
		s->inst[k] = (struct ctr_instance){ .part = { &cx->met->stats }, .label = "" };
		add_view(s, &metrics_group, k++, 1);
	}
	if (cx->ke != NULL && cx->ke->n_lis > 0) {
		s->inst[k] = (struct ctr_instance){ .part = { cx->srv, &cx->ke->stats }, .label = "" };
		add_view(s, &nts_group, k++, 1);
	}
	s->inst[k] = (struct ctr_instance){ .part = { cx->srv }, .label = "" };
	add_view(s, &access_group, k, 1);
	add_view(s, &server_group, k, 1);
}

void counters_log(const struct counters_ctx *cx)
{
	static struct counters_snap s;
	char line[1024];

	counters_collect(cx, &s);
	for (int i = 0; i < s.n; i++) {
		const struct ctl_stats_view *v = &s.view[i];
		for (int k = 0; k < v->n_inst; k++) {
			ctr_format(v->group, &v->inst[k], line, sizeof(line));
			log_info("stats %s%s%s %s", v->group->name, v->inst[k].label[0] ? " " : "",
				 v->inst[k].label, line);
		}
	}
}

int counters_ctl(void *ctx, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap)
{
	static struct counters_snap s;
	int n;

	(void)req;
	if (req_len != 0)
		return -CTL_ERR_PAYLOAD;
	counters_collect(ctx, &s);
	n = ctl_stats_encode(s.view, s.n, reply, cap);
	return n < 0 ? -CTL_ERR_INTERNAL : n;
}
