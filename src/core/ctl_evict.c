/*
 * The control socket's eviction rule (tsync/ctl_evict.h): count each
 * user's connections, take the oldest of the busiest. n is at most the
 * daemon's 16 slots, so counting by a double loop costs nothing.
 */
#include "tsync/ctl_evict.h"

static int held_by(const struct ctl_evict_conn *conns, int n, uid_t uid)
{
	int held = 0;

	for (int i = 0; i < n; i++)
		held += conns[i].uid == uid;
	return held;
}

int ctl_evict_pick(const struct ctl_evict_conn *conns, int n)
{
	int pick = 0, most = held_by(conns, n, conns[0].uid);

	for (int i = 1; i < n; i++) {
		int held = held_by(conns, n, conns[i].uid);

		if (held > most || (held == most && conns[i].serial < conns[pick].serial)) {
			pick = i;
			most = held;
		}
	}
	return pick;
}
