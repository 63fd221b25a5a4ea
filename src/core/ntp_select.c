/*
 * Source selection of RFC 5905 §11.2: Marzullo's intersection as NTP
 * adapts it, clustering, the system peer and the weighted combination of
 * the survivors' offsets, in integer nanoseconds (double only for RMS).
 */
#include "tsync/ntp_select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/ntp_exch.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_source.h"

/* One end or the middle of a correctness interval. The type order is the
 * order of equal values in an ascending scan: intervals that merely touch
 * still count as overlapping. */
enum { EP_LOW = 0, EP_MID = 1, EP_HIGH = 2 };

struct endpoint {
	int64_t val;
	int type;
};

static int endpoint_cmp(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;
	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return x->type - y->type;
}

/* Survivor rank (A.5.5.1 metric): stratum, then root distance, then index. */
static bool ranks_before(const struct srcsel_cand *c, int a, int b)
{
	if (c[a].stratum != c[b].stratum)
		return c[a].stratum < c[b].stratum;
	if (c[a].root_dist != c[b].root_dist)
		return c[a].root_dist < c[b].root_dist;
	return a < b;
}

/* Insertion sort: a handful of sources, and qsort takes no context. */
static void rank_sort(const struct srcsel_cand *c, int *surv, int ns)
{
	for (int k = 1; k < ns; k++) {
		int v = surv[k], j = k;
		for (; j > 0 && ranks_before(c, v, surv[j - 1]); j--)
			surv[j] = surv[j - 1];
		surv[j] = v;
	}
}

static bool fit_index(const struct srcsel_cand *c, int i)
{
	return i < SRCSEL_MAX_CAND && c[i].fit;
}

/* Scan one way through the sorted endpoints (dir +1 up from the lowest,
 * -1 down from the highest) until need intervals overlap; returns that
 * value and adds the midpoints passed on the way to *mids. */
static int64_t scan(const struct endpoint *ep, int nep, int dir, int need, int *mids)
{
	int c = 0;
	for (int k = 0; k < nep; k++) {
		const struct endpoint *e = &ep[dir > 0 ? k : nep - 1 - k];
		int open = dir > 0 ? EP_LOW : EP_HIGH;
		if (e->type == EP_MID)
			(*mids)++;
		else
			c += e->type == open ? 1 : -1;
		if (c >= need)
			return e->val;
	}
	return dir > 0 ? INT64_MAX : INT64_MIN;
}

/* RFC 5905 §11.2.1 steps 4-8: the smallest f < m/2 for which [low, high]
 * lies in m - f intervals and at most f midpoints lie outside it. */
static bool intersect(const struct endpoint *ep, int m, int64_t *low, int64_t *high)
{
	for (int f = 0; 2 * f < m; f++) {
		int mids = 0;
		*low = scan(ep, 3 * m, +1, m - f, &mids);
		*high = scan(ep, 3 * m, -1, m - f, &mids);
		if (mids <= f && *low < *high)
			return true;
	}
	return false;
}

static int build_endpoints(const struct srcsel_cand *c, int n, struct endpoint *ep)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (!fit_index(c, i))
			continue;
		ep[3 * m] = (struct endpoint){ c[i].offset - c[i].root_dist, EP_LOW };
		ep[3 * m + 1] = (struct endpoint){ c[i].offset, EP_MID };
		ep[3 * m + 2] = (struct endpoint){ c[i].offset + c[i].root_dist, EP_HIGH };
		m++;
	}
	qsort(ep, (size_t)(3 * m), sizeof(*ep), endpoint_cmp);
	return m;
}

/* Mark fit candidates truechimer (SURVIVOR for now) or falseticker and
 * list the truechimers' indices in rank order. */
static int classify(struct srcsel_cand *c, int n, int64_t low, int64_t high, int *surv)
{
	int ns = 0;
	for (int i = 0; i < n; i++) {
		if (!fit_index(c, i))
			continue;
		bool meets = c[i].offset - c[i].root_dist <= high &&
			     c[i].offset + c[i].root_dist >= low;
		c[i].state = meets ? SRCSEL_SURVIVOR : SRCSEL_FALSETICKER;
		if (meets)
			surv[ns++] = i;
	}
	rank_sort(c, surv, ns);
	return ns;
}

/* Selection jitter of survivor k: RMS of its offset's differences to the
 * other survivors', over ns - 1. */
static double sel_jitter_of(const struct srcsel_cand *c, const int *surv, int ns, int k)
{
	double sum = 0;
	for (int j = 0; j < ns; j++) {
		double d = (double)(c[surv[j]].offset - c[surv[k]].offset);
		sum += d * d;
	}
	return sqrt(sum / (ns - 1));
}

/* RFC 5905 §11.2.2: drop the survivor with the largest selection jitter
 * while more than NMIN remain and it is not below the smallest peer
 * jitter. On a tie the lower-ranked one goes. The prefer peer is never
 * dropped: it is the one the operator trusts (ntpd, chrony). Returns the
 * survivors left. */
static int cluster(struct srcsel_cand *c, int *surv, int ns)
{
	while (ns > SRCSEL_NMIN) {
		double max = -1;
		int64_t min_peer = INT64_MAX;
		int worst = 0;
		for (int k = 0; k < ns; k++) {
			double sj = sel_jitter_of(c, surv, ns, k);
			if (sj >= max && !c[surv[k]].prefer) {
				max = sj;
				worst = k;
			}
			if (c[surv[k]].jitter < min_peer)
				min_peer = c[surv[k]].jitter;
		}
		if (max < (double)min_peer)
			break;
		c[surv[worst]].state = SRCSEL_OUTLIER;
		memmove(&surv[worst], &surv[worst + 1], sizeof(*surv) * (size_t)(ns - worst - 1));
		ns--;
	}
	return ns;
}

/* The prefer peer; else the last system peer while it survives at the
 * stratum of the best survivor, so that the system does not hop between
 * equally good servers at each update (RFC 5905 A.5.5.4, the clock hop);
 * else the best survivor. */
static int pick_peer(const struct srcsel_cand *c, const int *surv, int ns)
{
	for (int k = 0; k < ns; k++)
		if (c[surv[k]].prefer)
			return surv[k];
	for (int k = 0; k < ns; k++)
		if (c[surv[k]].was_peer && c[surv[k]].stratum == c[surv[0]].stratum)
			return surv[k];
	return surv[0];
}

/* RFC 5905 A.5.5.5, weights 1 / root distance. Sums are taken about the
 * system peer's offset so that a large common offset (a clock years off)
 * keeps its nanoseconds in the double arithmetic. */
static void combine(const struct srcsel_cand *c, const int *surv, int ns, int peer,
		    struct srcsel_result *out)
{
	double y = 0, z = 0, w = 0;
	for (int k = 0; k < ns; k++) {
		const struct srcsel_cand *p = &c[surv[k]];
		double x = (double)(p->root_dist > 0 ? p->root_dist : 1);
		double d = (double)(p->offset - c[peer].offset);
		y += 1 / x;
		z += d / x;
		w += d * d / x;
	}
	double pj = (double)c[peer].jitter;
	double sj = sqrt(w / y);
	if (c[peer].prefer) { /* the prefer peer is used alone */
		out->offset = c[peer].offset;
		out->sel_jitter = 0;
		out->jitter = c[peer].jitter;
		return;
	}
	out->offset = c[peer].offset + llround(z / y);
	out->sel_jitter = llround(sj);
	out->jitter = llround(sqrt(pj * pj + sj * sj));
}

static void result_reset(struct srcsel_cand *c, int n, struct srcsel_result *out)
{
	memset(out, 0, sizeof(*out));
	out->peer = -1;
	for (int i = 0; i < n; i++) {
		c[i].state = SRCSEL_UNFIT;
		if (fit_index(c, i))
			out->n_fit++;
	}
}

bool srcsel_run(struct srcsel_cand *c, int n, struct srcsel_result *out)
{
	struct endpoint ep[3 * SRCSEL_MAX_CAND];
	int surv[SRCSEL_MAX_CAND];
	result_reset(c, n, out);
	if (out->n_fit == 0) {
		out->status = SRCSEL_NONE_FIT;
		return false;
	}
	int m = build_endpoints(c, n, ep);
	if (!intersect(ep, m, &out->low, &out->high)) {
		for (int i = 0; i < n; i++)
			if (fit_index(c, i))
				c[i].state = SRCSEL_FALSETICKER;
		out->n_falsetickers = m;
		out->status = SRCSEL_NO_MAJORITY;
		out->low = out->high = 0;
		return false;
	}
	int ns = classify(c, n, out->low, out->high, surv);
	out->n_truechimers = ns;
	out->n_falsetickers = m - ns;
	ns = cluster(c, surv, ns);
	out->n_survivors = ns;
	out->peer = pick_peer(c, surv, ns);
	c[out->peer].state = SRCSEL_SYSPEER;
	combine(c, surv, ns, out->peer, out);
	out->status = m == 1 ? SRCSEL_SINGLE : SRCSEL_MAJORITY;
	return true;
}

bool srcsel_system(const struct srcsel_cand *c, const struct srcsel_result *r, int64_t now,
		   struct srcsel_sys *out)
{
	if (r->peer < 0)
		return false;
	const struct srcsel_cand *p = &c[r->peer];
	int64_t off = p->offset < 0 ? -p->offset : p->offset;
	int64_t d = p->disp + ntp_exch_phi(now - p->t) + off;
	out->leap = p->leap;
	out->stratum = p->stratum + 1 < NTP_MAX_STRATUM ? (uint8_t)(p->stratum + 1) : NTP_MAX_STRATUM;
	out->refid = p->addr_refid;
	out->root_delay = p->root_delay + p->delay;
	out->root_disp = p->root_disp + r->jitter + (d > NTPSRC_MINDISP ? d : NTPSRC_MINDISP);
	return true;
}

bool srcsel_sync_lost(const struct srcsel_sys *sys, int64_t last_update, int64_t now,
		      bool have_peer, int64_t maxdist, int64_t holdover)
{
	if (have_peer)
		return false;
	int64_t age = now - last_update;
	if (holdover > 0 && age > holdover)
		return true;
	return sys->root_delay / 2 + sys->root_disp + ntp_exch_phi(age) > maxdist;
}

const char *srcsel_state_name(enum srcsel_state st)
{
	switch (st) {
	case SRCSEL_UNFIT: return "unfit";
	case SRCSEL_FALSETICKER: return "falseticker";
	case SRCSEL_OUTLIER: return "outlier";
	case SRCSEL_SURVIVOR: return "candidate";
	case SRCSEL_SYSPEER: return "syspeer";
	default: return "unknown";
	}
}

const char *srcsel_status_name(enum srcsel_status st)
{
	switch (st) {
	case SRCSEL_MAJORITY: return "majority";
	case SRCSEL_SINGLE: return "single";
	case SRCSEL_NONE_FIT: return "none_fit";
	case SRCSEL_NO_MAJORITY: return "no_majority";
	default: return "unknown";
	}
}
