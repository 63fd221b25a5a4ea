/*
 * One server's NTS client state. NTS-KE runs in the thread pool on a copy
 * of what it needs and writes only n->got, n->rc and n->err, which the
 * loop reads once the work is done: no lock. Cookies are used newest
 * first, each once.
 */
#include "ntsclient.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"

#define KE_TIMEOUT_MS 10000

struct ntsclient {
	uv_loop_t *loop;
	uv_work_t work;
	bool busy;     /* an NTS-KE in the pool */
	bool orphaned; /* freed while busy: free when it ends */
	int cancel;    /* an eventfd: written, it ends the NTS-KE running (stop) */
	ntsclient_ke_fn on_ke;
	void *arg;
	char host[256];
	char at[64]; /* the address NTS-KE dials, numeric; "": host */
	char where[256 + 64 + 4];
	uint16_t keport;
	char cafile[256]; /* "": the system's */
	struct ntske_client_result ke, got;
	struct sockaddr_storage ntp; /* got.server resolved, in the pool */
	int rc;
	char err[400];
	uint8_t uid[NTS_UID_MIN];
	struct nts_new_cookies fresh;
	struct ntp_exch_nts check;
	struct ntsclient_stats stats;
};

/* The NTP server the NTS-KE named (a name, or the NTS-KE server's own
 * address), resolved here in the pool so that the loop never blocks on
 * DNS: its first address. */
static int resolve_ntp(struct ntsclient *n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	int rc = getaddrinfo(n->got.server, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(n->err, sizeof(n->err), "NTS-KE: NTP server %s: %s", n->got.server,
			 gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	memset(&n->ntp, 0, sizeof(n->ntp));
	memcpy(&n->ntp, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void ke_work(uv_work_t *w)
{
	struct ntsclient *n = w->data;
	n->rc = ntske_client_fetch_at(n->host, n->at[0] ? n->at : n->host, n->keport,
				      n->cafile[0] ? n->cafile : NULL, KE_TIMEOUT_MS, n->cancel,
				      &n->got, n->err, sizeof(n->err));
	if (n->rc == 0)
		n->rc = resolve_ntp(n);
}

/* "host", or "host (address)" when they differ, for the log. */
static const char *where(struct ntsclient *n)
{
	if (n->at[0] == '\0' || strcmp(n->at, n->host) == 0)
		return n->host;
	snprintf(n->where, sizeof(n->where), "%s (%s)", n->host, n->at);
	return n->where;
}

static void release(struct ntsclient *n)
{
	if (n->cancel >= 0)
		close(n->cancel);
	memset(n, 0, sizeof(*n));
	free(n);
}

static void ke_done(uv_work_t *w, int status)
{
	struct ntsclient *n = w->data;
	n->busy = false;
	if (n->orphaned) {
		release(n);
		return;
	}
	bool ok = status == 0 && n->rc == 0;
	if (ok) {
		n->ke = n->got;
		n->stats.ke_ok++;
		log_info("%s port %u: NTS-KE: %d cookies", where(n), n->keport, n->ke.cookies.n);
	} else {
		n->stats.ke_fail++;
		log_warn("%s port %u: %s", where(n), n->keport,
			 status < 0 ? uv_strerror(status) : n->err);
	}
	memset(&n->got, 0, sizeof(n->got));
	n->on_ke(n->arg, ok, ok ? (const struct sockaddr *)&n->ntp : NULL, ok ? n->ke.port : 0);
}

static void start_ke(struct ntsclient *n)
{
	if (n->busy)
		return;
	n->work.data = n;
	if (uv_queue_work(n->loop, &n->work, ke_work, ke_done) == 0)
		n->busy = true;
}

struct ntsclient *ntsclient_new(uv_loop_t *loop, const char *host, const struct sockaddr *at,
				uint16_t keport, const char *cafile, ntsclient_ke_fn on_ke,
				void *arg)
{
	struct ntsclient *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->loop = loop;
	/* Without it stopping waits for the NTS-KE's deadline (10 s). */
	n->cancel = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->on_ke = on_ke;
	n->arg = arg;
	snprintf(n->host, sizeof(n->host), "%s", host);
	if (at == NULL || getnameinfo(at, at->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								    : sizeof(struct sockaddr_in),
				      n->at, sizeof(n->at), NULL, 0, NI_NUMERICHOST) != 0)
		n->at[0] = '\0';
	n->keport = keport;
	snprintf(n->cafile, sizeof(n->cafile), "%s", cafile != NULL ? cafile : "");
	n->check = (struct ntp_exch_nts){ .uid = n->uid, .uid_len = sizeof(n->uid),
					  .s2c = n->ke.s2c, .cookies = &n->fresh };
	start_ke(n);
	return n;
}

void ntsclient_free(struct ntsclient *n)
{
	if (n == NULL)
		return;
	if (n->busy) {
		uint64_t one = 1;
		n->orphaned = true;
		if (n->cancel >= 0 && write(n->cancel, &one, sizeof(one)) != sizeof(one))
			log_debug("%s: cannot cancel its NTS-KE: %s", n->host, strerror(errno));
		return;
	}
	release(n);
}

size_t ntsclient_request(struct ntsclient *n, const struct ntp_pkt *hdr, uint8_t *buf, size_t cap)
{
	uint8_t nonce[NTS_NONCE_LEN];
	/* Ask for one cookie more when few are left, so that lost replies
	 * do not run us dry. */
	int placeholders = n->ke.cookies.n <= NTS_MAX_COOKIES / 2 ? 1 : 0;
	if (n->ke.cookies.n == 0 || getrandom(n->uid, sizeof(n->uid), 0) != sizeof(n->uid) ||
	    getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
		n->stats.no_cookie++;
		start_ke(n);
		return 0;
	}
	int i = --n->ke.cookies.n;
	if (n->ke.cookies.n == 0)
		placeholders = 1;
	return nts_client_request(hdr, n->uid, sizeof(n->uid), n->ke.cookies.cookie[i],
				  n->ke.cookies.len[i], placeholders, n->ke.c2s, nonce, buf, cap);
}

const struct ntp_exch_nts *ntsclient_check(struct ntsclient *n)
{
	return &n->check;
}

void ntsclient_after(struct ntsclient *n, int verdict, const struct ntp_exch_verdict *v)
{
	if (verdict == NTP_ACCEPT_SAMPLE) {
		for (int i = 0; i < n->fresh.n && n->ke.cookies.n < NTS_MAX_COOKIES; i++) {
			int k = n->ke.cookies.n++;
			n->ke.cookies.len[k] = n->fresh.len[i];
			memcpy(n->ke.cookies.cookie[k], n->fresh.cookie[i], n->fresh.len[i]);
		}
	} else if (verdict == NTP_ACCEPT_KOD && v->nts == NTS_CLIENT_NAK) {
		n->stats.naks++;
		n->ke.cookies.n = 0;
		log_warn("%s: NTS NAK: new keys asked for", n->host);
		start_ke(n);
	}
	n->fresh.n = 0;
}

const struct ntsclient_stats *ntsclient_stats(const struct ntsclient *n)
{
	return &n->stats;
}

int ntsclient_cookies(const struct ntsclient *n)
{
	return n->ke.cookies.n;
}

const char *ntsclient_ntp_server(const struct ntsclient *n)
{
	return n->ke.server;
}
