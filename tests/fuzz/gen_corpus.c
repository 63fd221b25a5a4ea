/*
 * The fuzz targets' seed corpus, made by the real encoders (ntp_pkt,
 * ntp_server, brk_msg, ctl_proto, brk_status) in each target's input
 * layout: fuzz_corpus_gen DIR writes DIR/TARGET/NAME (see README.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tsync/brk_msg.h"
#include "tsync/brk_node.h"
#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_server.h"
#include "nts_fixed.h"

#define NS INT64_C(1000000000)
#define MS INT64_C(1000000)
/* fuzz_berkeley's clock and key (keep in step with it). */
#define BRK_START (INT64_C(1764288000) * NS)
#define BRK_KEY_ID 7

static const char *out_dir;

/* One seed being built. */
struct seed {
	uint8_t b[4096];
	size_t n;
};

static void put(struct seed *s, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct seed *s, const void *p, size_t n)
{
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void save(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void save_seed(const char *target, const char *name, const struct seed *s)
{
	save(target, name, s->b, s->n);
}

/* ------------------------------------------------------------------ NTP */

/* A client request sent at t0, as tsync query makes it. */
static void ntp_request(int64_t t0, uint8_t version, uint8_t out[NTP_PKT_LEN])
{
	struct ntp_pkt q = { .version = version, .mode = NTP_MODE_CLIENT, .poll = 6,
			     .precision = -20, .xmt = ntp_ts_from_ns(t0) };
	ntp_pkt_encode(&q, out);
}

/* The reply the real server builds to that request: held 20 us. */
static void ntp_reply(const struct ntp_server_state *st, const uint8_t *req, size_t len,
		      int64_t t1, uint8_t out[NTP_PKT_LEN])
{
	size_t n;
	if (ntp_server_reply(st, req, len, t1, out, &n) != NTP_SERVER_REPLY) {
		fprintf(stderr, "no reply to a good request\n");
		exit(1);
	}
	ntp_pkt_set_xmt(out, ntp_ts_from_ns(t1 + 20000));
}

static const struct ntp_server_state server_state = {
	.leap = NTP_LEAP_NONE, .stratum = 2, .precision = -24,
	.refid = NTP_REFID(192, 0, 2, 1), .ref_time = INT64_C(1764287000) * NS,
	.root_delay = 2 * MS, .root_disp = 5 * MS, .disp_ages = true,
};

/* One step of fuzz_ntp_client: flags, dt, rtt, the reply. */
static void client_step(struct seed *s, unsigned flags, uint16_t dt, int16_t rtt,
			const uint8_t *pkt, size_t len)
{
	put(s, flags, 1);
	put(s, dt, 2);
	put(s, (uint16_t)rtt, 2);
	put(s, len, 1);
	put_bytes(s, pkt, len);
}

/* A reply to a request sent at t0 by our clock, from a server whose clock
 * is off by off ns, with a trailer appended. */
static size_t answer(int64_t t0, int64_t off, const struct ntp_server_state *st,
		     const uint8_t *trailer, size_t tlen, uint8_t *out)
{
	uint8_t req[NTP_PKT_LEN];
	ntp_request(t0, 4, req);
	ntp_reply(st, req, sizeof(req), t0 + 500000 + off, out);
	if (tlen > 0)
		memcpy(out + NTP_PKT_LEN, trailer, tlen);
	return NTP_PKT_LEN + tlen;
}

static void client_seeds(void)
{
	static const uint8_t mac20[20] = { 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t mac24[24] = { 0, 0, 0, 2, 0x01, 0x02, 0x03 };
	static const uint8_t ext_mac[16 + 24] = { 0x01, 0x04, 0x00, 0x10, [16] = 0, 0, 0, 3 };
	const unsigned waiting = 4, matches = 8, synced = 16;
	uint8_t pkt[NTP_PKT_LEN + 64];
	struct seed s;

	const struct { const char *name; uint32_t start; const uint8_t *tr; size_t tlen; } one[] = {
		{ "reply", 1764288000u, NULL, 0 },
		{ "reply_mac20", 1764288000u, mac20, sizeof(mac20) },
		{ "reply_mac24", 1764288000u, mac24, sizeof(mac24) },
		{ "reply_ext_mac", 1764288000u, ext_mac, sizeof(ext_mac) },
		{ "reply_era_2036", 2085978490u, NULL, 0 }, /* 6 s before the NTP era ends */
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		int64_t t0 = (int64_t)one[i].start * NS;
		s.n = 0;
		put(&s, one[i].start, 4);
		put(&s, NTP_REFID(10, 0, 0, 1), 4);
		size_t n = answer(t0, 0, &server_state, one[i].tr, one[i].tlen, pkt);
		client_step(&s, waiting | matches, 0, 100, pkt, n);
		save_seed("ntp_client", one[i].name, &s);
	}

	/* Three servers, eight rounds: the filters fill, selection runs. */
	s.n = 0;
	put(&s, 1764288000u, 4);
	put(&s, NTP_REFID(10, 0, 0, 1), 4);
	int64_t t = INT64_C(1764288000) * NS;
	for (int round = 0; round < 8; round++) {
		for (unsigned src = 0; src < 3; src++) {
			t += 100 * MS;
			int64_t off = (int64_t)src * 3 * MS + round * 100000;
			size_t n = answer(t, off, &server_state, NULL, 0, pkt);
			client_step(&s, src | waiting | matches | (round > 4 ? synced : 0), 1,
				    (int16_t)(100 + round), pkt, n);
		}
	}
	save_seed("ntp_client", "three_servers", &s);

	/* Kiss-o'-Death RATE, then DENY; and an unsynchronised server. */
	const struct { const char *name; uint32_t refid; uint8_t stratum, leap; } kod[] = {
		{ "kod_rate", NTP_REFID('R', 'A', 'T', 'E'), 0, NTP_LEAP_UNSYNC },
		{ "kod_deny", NTP_REFID('D', 'E', 'N', 'Y'), 0, NTP_LEAP_UNSYNC },
		{ "unsync", NTP_REFID('I', 'N', 'I', 'T'), 16, NTP_LEAP_UNSYNC },
	};
	for (size_t i = 0; i < sizeof(kod) / sizeof(kod[0]); i++) {
		int64_t t0 = INT64_C(1764288000) * NS;
		size_t n = answer(t0, 0, &server_state, NULL, 0, pkt);
		pkt[0] = (uint8_t)(kod[i].leap << 6 | 4 << 3 | NTP_MODE_SERVER);
		pkt[1] = kod[i].stratum;
		for (int k = 0; k < 4; k++)
			pkt[12 + k] = (uint8_t)(kod[i].refid >> (24 - 8 * k));
		s.n = 0;
		put(&s, 1764288000u, 4);
		put(&s, 0, 4);
		client_step(&s, waiting | matches, 0, 100, pkt, n);
		client_step(&s, waiting | matches, 640, 100, pkt, n);
		save_seed("ntp_client", kod[i].name, &s);
	}
}

/* fuzz_ntp_server's 40 bytes of server state. */
static void server_state_bytes(struct seed *s, const struct ntp_server_state *st, int64_t t1)
{
	put(s, st->leap, 1);
	put(s, st->stratum, 1);
	put(s, (uint8_t)st->precision, 1);
	put(s, st->disp_ages, 1);
	put(s, st->refid, 4);
	put(s, (uint64_t)st->ref_time, 8);
	put(s, (uint64_t)st->root_delay, 8);
	put(s, (uint64_t)st->root_disp, 8);
	put(s, (uint64_t)t1, 8);
}

static void server_seeds(void)
{
	static const uint8_t mac20[20] = { 0, 0, 0, 1, 0x11 };
	static const uint8_t ext[16] = { 0x01, 0x04, 0x00, 0x10 };
	static const uint8_t mode6[12] = { 0x16, 0x02, 0x00, 0x01 }; /* ntpq readvar */
	static const uint8_t mode7[8] = { 0x17, 0x00, 0x03, 0x2a };  /* ntpdc monlist */
	const int64_t t1 = INT64_C(1764288000) * NS + 123456789;
	struct ntp_server_state unsync = { .leap = NTP_LEAP_UNSYNC, .stratum = 16,
					   .precision = -20 };
	uint8_t req[NTP_PKT_LEN + 64];
	struct seed s;

	const struct { const char *name; uint8_t version; const uint8_t *tr; size_t tlen; } reqs[] = {
		{ "request", 4, NULL, 0 },
		{ "request_v3", 3, NULL, 0 },
		{ "request_mac", 4, mac20, sizeof(mac20) },
		{ "request_ext", 4, ext, sizeof(ext) },
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ntp_request(t1 - MS, reqs[i].version, req);
		if (reqs[i].tlen > 0)
			memcpy(req + NTP_PKT_LEN, reqs[i].tr, reqs[i].tlen);
		s.n = 0;
		server_state_bytes(&s, &server_state, t1);
		put_bytes(&s, req, NTP_PKT_LEN + reqs[i].tlen);
		save_seed("ntp_server", reqs[i].name, &s);
	}
	ntp_request(t1 - MS, 4, req);
	s.n = 0;
	server_state_bytes(&s, &unsync, t1);
	put_bytes(&s, req, NTP_PKT_LEN);
	save_seed("ntp_server", "request_unsync_server", &s);
	const struct { const char *name; const uint8_t *p; size_t n; } other[] = {
		{ "mode6", mode6, sizeof(mode6) }, { "mode7", mode7, sizeof(mode7) },
	};
	for (size_t i = 0; i < 2; i++) {
		s.n = 0;
		server_state_bytes(&s, &server_state, t1);
		put_bytes(&s, other[i].p, other[i].n);
		save_seed("ntp_server", other[i].name, &s);
	}
	/* A server's reply sent back to it. */
	uint8_t reply[NTP_PKT_LEN];
	ntp_request(t1 - MS, 4, req);
	ntp_reply(&server_state, req, NTP_PKT_LEN, t1, reply);
	s.n = 0;
	server_state_bytes(&s, &server_state, t1);
	put_bytes(&s, reply, NTP_PKT_LEN);
	save_seed("ntp_server", "reply", &s);
}

/* ------------------------------------------------------------- Berkeley */

static const struct brk_key brk_key = {
	.id = BRK_KEY_ID, .len = 32, .secret = "0123456789abcdef0123456789abcdef",
};

static void brk_header(struct seed *s, unsigned role, uint8_t prio, bool keyed, uint64_t id)
{
	s->n = 0;
	put(s, role, 1);
	put(s, prio, 1);
	put(s, keyed ? 1 : 0, 1);
	put(s, id, 8);
}

static void brk_timer(struct seed *s, uint16_t dt, uint16_t rand)
{
	put(s, 0, 1);
	put(s, dt, 2);
	put(s, rand, 2);
}

/* A datagram step: op 1 (group) or 2 (unicast), from peer `peer`. */
static void brk_datagram(struct seed *s, unsigned op, unsigned peer, uint16_t dt,
			 struct brk_msg m, bool keyed)
{
	uint8_t d[BRK_MSG_MAX];
	m.key_id = keyed ? BRK_KEY_ID : 0;
	int n = brk_msg_encode(&m, keyed ? &brk_key : NULL, NULL, d, sizeof(d));
	if (n < 0) {
		fprintf(stderr, "brk_msg_encode: %d\n", n);
		exit(1);
	}
	put(s, op | peer << 3, 1);
	put(s, dt, 2);
	put(s, 0, 2);
	put(s, (uint64_t)n, 1);
	put_bytes(s, d, (size_t)n);
}

/* A slave answers a master's POLL, applies its ADJUST once, ACKs twice. */
static void brk_slave_seed(const char *name, bool keyed)
{
	struct seed s;
	uint64_t master = 0x1111, round = 0xabcdef;
	brk_header(&s, BRK_ROLE_SLAVE, 100, keyed, 0x2222);
	struct brk_msg poll = { .type = BRK_POLL, .priority = 100, .node = master, .seq = 1,
				.round = round, .t0 = BRK_START, .interval_ms = 1000 };
	brk_datagram(&s, 1, 0, 1, poll, keyed);
	struct brk_msg adj = { .type = BRK_ADJUST, .priority = 100, .node = master, .seq = 2,
			       .round = round, .adjust = -1500000 };
	brk_datagram(&s, 2, 0, 400, adj, keyed);
	adj.seq = 3;
	brk_datagram(&s, 2, 0, 50, adj, keyed);
	struct brk_msg other = poll;
	other.node = 0x0999;
	other.priority = 200;
	other.seq = 1;
	other.round = 0x77;
	brk_datagram(&s, 1, 1, 1000, other, keyed);
	brk_timer(&s, 65535, 1);
	save_seed("berkeley", name, &s);
}

/* A master's round: three polls, two slaves' REPLYs, the ADJUSTs, ACKs. */
static void brk_master_seed(const char *name, bool keyed)
{
	struct seed s;
	const uint16_t round = 0x0101;
	const int64_t t0 = BRK_START;
	brk_header(&s, BRK_ROLE_MASTER, 100, keyed, 0x1111);
	brk_timer(&s, 0, round);
	/* rx - t0 = 1 ms and no hold time: offset d exactly, rtt 1 ms. */
	const int64_t d[2] = { 2 * MS, 4 * MS };
	for (unsigned k = 0; k < 2; k++) {
		int64_t t1 = t0 + (int64_t)(k + 1) * MS + d[k] - (int64_t)(k + 1) * MS / 2;
		struct brk_msg r = { .type = BRK_REPLY, .priority = 100, .node = 0x2000 + k,
				     .seq = 1, .round = round, .t0 = t0, .t1 = t1, .t2 = t1 };
		brk_datagram(&s, 2, k + 1, 1, r, keyed);
	}
	for (int i = 0; i < 3; i++)
		brk_timer(&s, 65535, 0); /* polls 2 and 3, then the ADJUSTs */
	/* The average of 0, 2 and 4 ms is 2 ms: adjustments 0 and -2 ms. */
	for (unsigned k = 0; k < 2; k++) {
		struct brk_msg a = { .type = BRK_ACK, .priority = 100, .node = 0x2000 + k,
				     .seq = 2, .round = round, .adjust = 2 * MS - d[k] };
		brk_datagram(&s, 2, k + 1, 1, a, keyed);
	}
	brk_timer(&s, 65535, 0x0202);
	save_seed("berkeley", name, &s);
}

static void berkeley_seeds(void)
{
	brk_slave_seed("slave_none", false);
	brk_slave_seed("slave_keyed", true);
	brk_master_seed("master_none", false);
	brk_master_seed("master_keyed", true);
	/* A candidate that hears nothing: election, then master. */
	struct seed s;
	brk_header(&s, BRK_ROLE_CANDIDATE, 50, true, 0x3333);
	for (int i = 0; i < 6; i++)
		brk_timer(&s, 65535, (uint16_t)(0x100 + i));
	save_seed("berkeley", "candidate_elected", &s);
}

/* --------------------------------------------------------------- config */

static void text_seed(const char *target, const char *name, const char *text)
{
	save(target, name, text, strlen(text));
}

static void config_seeds(void)
{
	text_seed("config", "empty", "");
	text_seed("config", "demo",
		  "# tsyncd.conf: the loopback demonstration\n"
		  "listen 127.0.0.1 port 40123\nlisten ::1 port 40123\nstratum 8\n"
		  "clock sim offset 1.5 drift 20\ncontrol /tmp/tsyncd-demo.sock\n");
	text_seed("config", "client",
		  "server 127.0.0.1 port 12345 minpoll -6 maxpoll 4 iburst prefer\n"
		  "pool pool.ntp.org iburst\nmakestep 0.5 -1\nmaxslew 200\n"
		  "driftfile /var/lib/tsyncd/drift\nclock readonly\r\n");
	text_seed("config", "berkeley_master",
		  "listen 127.0.0.1 port 0\nclock sim offset -3 drift 40\nkeyfile /etc/tsync.keys\n"
		  "berkeley master priority 200\n"
		  "berkeley group 239.255.5.25 port 5525 interface lo ttl 2\n"
		  "berkeley interval 2\nberkeley key 1\nberkeley tolerance 0.05\n"
		  "berkeley maxrtt 0.02\nberkeley step 0.128\nberkeley misses 3\n"
		  "berkeley election 3\n");
	text_seed("config", "berkeley_slave_v6",
		  "berkeley slave\nberkeley group ff02::101 port 525\nberkeley auth none\n"
		  "clock sim offset 5 drift -20 jump after 10 by -0.5\ncontrol none\n");
	text_seed("config", "bad_stratum", "stratum 8\n# a comment\nstratum 9\n");
	text_seed("config", "bad_clock", "\tlisten\t127.0.0.1\tport 123\nclock system offset 1\n");
	text_seed("config", "bad_berkeley", "berkeley interval 2\n");
}

static void keys_seeds(void)
{
	text_seed("brk_keys", "two_keys",
		  "# id  type         secret (32 to 128 hex digits)\n"
		  "1     hmac-sha256  00112233445566778899aabbccddeeff\n"
		  "4294967295 hmac-sha256 "
		  "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\r\n");
	text_seed("brk_keys", "bad_type", "7 hmac-md5 00112233445566778899aabbccddeeff\n");
	text_seed("brk_keys", "twice",
		  "7 hmac-sha256 00112233445566778899aabbccddeeff\n"
		  "7 hmac-sha256 ffeeddccbbaa99887766554433221100\n");
}

/* ---------------------------------------------------- control protocol */

static void ctl_seed(const char *name, uint8_t what, const uint8_t *p, size_t n)
{
	struct seed s = { .n = 0 };
	put(&s, what, 1);
	put_bytes(&s, p, n);
	save_seed("ctl_proto", name, &s);
}

static void ctl_seeds(void)
{
	static uint8_t buf[CTL_HDR_LEN + BRK_STATUS_WIRE_MAX];
	static struct brk_node nd;
	static struct brk_status bst;
	uint8_t req[CTL_HDR_LEN];

	for (uint8_t c = CTL_CMD_STATUS; c <= CTL_CMD_BERKELEY; c++) {
		char name[32];
		ctl_request_encode(c, req);
		snprintf(name, sizeof(name), "request_%s", ctl_command_name(c));
		ctl_seed(name, 0, req, sizeof(req));
	}
	struct ctl_status st = {
		.synchronised = true, .leap = 0, .stratum = 3, .poll = 6,
		.refid = NTP_REFID(192, 0, 2, 1), .reference = "192.0.2.1:123",
		.offset_ns = -12345, .freq_ppm = -12.5, .root_delay_ns = 2 * MS,
		.root_disp_ns = 5 * MS, .last_update_ns = BRK_START, .n_sources = 2,
		.selection = CTL_SEL_MAJORITY, .clock = "sim",
	};
	int n = ctl_status_encode(&st, buf + CTL_HDR_LEN, sizeof(buf) - CTL_HDR_LEN);
	ctl_seed("status_payload", 2, buf + CTL_HDR_LEN, (size_t)n);
	ctl_reply_header(CTL_CMD_STATUS, CTL_OK, (uint32_t)n, buf);
	ctl_seed("status_reply", 1, buf, CTL_HDR_LEN + (size_t)n);
	struct ctl_source src[2] = {
		{ .address = "192.0.2.1:123", .state = CTL_SRC_SELECTED, .stratum = 2, .poll = 6,
		  .reach = 0xff, .refid = NTP_REFID(10, 0, 0, 1), .offset_ns = -12345,
		  .delay_ns = 300000, .jitter_ns = 20000 },
		{ .address = "[2001:db8::1]:123", .state = CTL_SRC_FALSETICKER, .stratum = 1,
		  .poll = 10, .reach = 0x7, .refid = NTP_REFID('G', 'P', 'S', 0),
		  .offset_ns = 2 * NS, .delay_ns = 1000000, .jitter_ns = 500000 },
	};
	n = ctl_sources_encode(src, 2, buf, sizeof(buf));
	ctl_seed("sources_payload", 3, buf, (size_t)n);
	ctl_reply_header(CTL_CMD_SOURCES, CTL_ERR_PAYLOAD, 0, buf);
	ctl_seed("error_reply", 1, buf, CTL_HDR_LEN);

	struct brk_params p = { .role = BRK_ROLE_MASTER, .priority = 7, .interval = NS,
				.tolerance = MS, .maxrtt = 10 * MS, .step = MS, .misses = 3,
				.election = 3 };
	brk_node_init(&nd, &p, 0xab, 0);
	nd.round = 0x1234;
	nd.n_members = 2;
	for (int i = 0; i < 2; i++)
		nd.member[i] = (struct brk_member){
			.node = 0xcd + (uint64_t)i, .offset = -1500000 * (i + 1), .rtt = 25000,
			.adjust = 1500000, .state = BRK_MB_ACKED, .in_set = true,
			.addr = { .family = AF_INET, .port = 525, .addr = { 10, 0, 0, (uint8_t)(2 + i) } } };
	brk_status_fill(&nd, &bst);
	n = brk_status_encode(&bst, buf, sizeof(buf));
	ctl_seed("berkeley_payload", 4, buf, (size_t)n);
}

/* ----------------------------------------------------------------- NTS */

static void nts_ke_seeds(void)
{
	uint8_t b[1024], cookies[8 * NTS_COOKIE_LEN];
	size_t n = nts_ke_client_request(b, sizeof(b));
	save("nts_ke", "client_request", b, n);
	memset(cookies, 0x5a, sizeof(cookies));
	static const char *const names[] = { "response_serve", "response_no_proto",
		"response_no_aead", "response_bad_request", "response_critical" };
	for (int v = NTS_KE_SERVE; v <= NTS_KE_REFUSE_CRITICAL; v++) {
		n = nts_ke_server_response(v, cookies, NTS_COOKIE_LEN, 8, 1123, b, sizeof(b));
		save("nts_ke", names[v], b, n);
	}
	/* An unknown critical record before a whole request; a server name. */
	static const uint8_t crit[] = { 0x92, 0x34, 0, 2, 0, 0, 0x80, 1, 0, 2, 0, 0,
					0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0 };
	save("nts_ke", "unknown_critical", crit, sizeof(crit));
	static const uint8_t named[] = { 0x80, 6, 0, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's',
					 't', 0x80, 0, 0, 0 };
	save("nts_ke", "server_name", named, sizeof(named));
}

static size_t nts_request(int placeholders, uint8_t *out, size_t cap)
{
	struct nts_cookie_ring ring;
	uint8_t c2s[NTS_KEY_LEN], s2c[NTS_KEY_LEN], uid[NTS_UID_MIN], cookie[NTS_COOKIE_LEN];
	uint8_t nonce[NTS_NONCE_LEN] = { 1, 2, 3 };
	fuzz_nts_ring(&ring);
	fuzz_nts_client(c2s, s2c, uid);
	nts_cookie_seal(&ring, c2s, s2c, nonce, cookie);
	struct ntp_pkt hdr = { .version = 4, .mode = NTP_MODE_CLIENT, .poll = 6,
			       .xmt = 0x1122334455667788ULL };
	return nts_client_request(&hdr, uid, sizeof(uid), cookie, sizeof(cookie), placeholders,
				  c2s, nonce, out, cap);
}

static void nts_ntp_seeds(void)
{
	uint8_t req[1024], out[NTS_REPLY_MAX], rnd[NTS_SERVER_RANDOM];
	struct nts_cookie_ring ring;
	struct ntp_pkt p;
	size_t n, len = 0;
	char name[32];
	fuzz_nts_ring(&ring);
	memset(rnd, 0x17, sizeof(rnd));
	for (int ph = 0; ph < 8; ph += 3) {
		n = nts_request(ph, req, sizeof(req));
		snprintf(name, sizeof(name), "request_%d_placeholders", ph);
		save("nts_ntp", name, req, n);
	}
	n = nts_request(1, req, sizeof(req));
	ntp_server_reply(&server_state, req, n, NS, out, &len);
	ntp_pkt_decode(&p, req, n);
	nts_server_seal(&ring, req, n, &p, 0x0123456789abcdefULL, rnd, out, sizeof(out), &len);
	save("nts_ntp", "reply_2_cookies", out, len);
	req[2] ^= 1; /* the authenticator no longer holds: a NAK */
	ntp_server_reply(&server_state, req, n, NS, out, &len);
	nts_server_seal(&ring, req, n, &p, 0x0123456789abcdefULL, rnd, out, sizeof(out), &len);
	save("nts_ntp", "request_tampered", req, n);
	save("nts_ntp", "nak", out, len);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	client_seeds();
	server_seeds();
	berkeley_seeds();
	config_seeds();
	keys_seeds();
	ctl_seeds();
	nts_ke_seeds();
	nts_ntp_seeds();
	return 0;
}
