#!/usr/bin/env python3
"""
Replay, as an eavesdropper on the group's link who holds no key records
and resends (from the original addresses and ports: raw sockets, root):

1. After a member restart: a master (priority 200), a candidate (100) and
   two slaves, under one key, are recorded for several rounds; the master
   dies, the candidate takes over, a slave restarts (new node id, new
   port). Then the whole recording is replayed, the dead master's POLLs to
   the group and its ADJUSTs to the surviving slave and to the restarted
   one's new port. The candidate stays master (a recorded POLL of a better
   master is answered but never followed: no ADJUST echoes its nonce), no
   clock moves beyond the group's spread, and the drops are counted.
2. Across groups sharing a key: group 1's recording replayed into group 2
   (same address, another port): every message fails its MAC, which binds
   the group's address and port; nothing moves, nothing topples.
"""
import os

from brktest import (Node, Recorder, group_port, keyfile, random_group, replay, spread, stop,
                     true_offsets, wait_round)
from tsynctest import check, info, main, no_valgrind

KEY = os.urandom(32).hex()


def counters(nodes, names):
    return [sum(n.bstats()[k] for k in names) for n in nodes]


def settled(master, slaves, n, start_round, timeout=30):
    """A round of master that read n clocks, from start_round on; the next."""
    r = start_round
    while True:
        _, _, got = wait_round(master, r, timeout)
        if got == n:
            return r
        r += 1
        check(r < start_round + 30, "a round of %s reads %d clocks" % (master.name, n))


def moved(before, after, what):
    worst = max(abs(a - b) for a, b in zip(before, after))
    check(worst < 1e-3 and spread(after) < 1e-3,
          "%s: no clock moved more than %.6f ms, spread %.6f ms" %
          (what, worst * 1e3, spread(after) * 1e3))


def after_restart(auth):
    group, port = random_group(), group_port()
    extra = ["berkeley election 3"]
    rec = Recorder()
    master = Node("master", "master", 0.0, 0, group, port, priority=200, auth=auth, extra=extra)
    cand = Node("cand", "candidate", 1.0, 0, group, port, priority=100, auth=auth, extra=extra)
    s1 = Node("s1", "slave", -1.0, 0, group, port, auth=auth, extra=extra)
    s2 = Node("s2", "slave", 2.0, 0, group, port, auth=auth, extra=extra)
    r = settled(master, [cand, s1, s2], 4, 2)
    wait_round(master, r + 2)
    old_s1 = s1.uni
    master.kill()
    s1.terminate()
    # This group's traffic only: the recorder hears every test's on lo.
    ours = {master.uni, cand.uni, s1.uni, s2.uni}
    packets = [p for p in rec.stop() if p[1][1] == port or p[0] in ours or p[1] in ours]
    info("recorded %d datagrams" % len(packets))
    check(len(packets) > 20, "the recording holds the rounds' traffic")
    cand.wait_line(r"berkeley: now master$", 0, 30)
    s1b = Node("s1b", "slave", 3.0, 0, group, port, auth=auth, extra=extra)
    r = settled(cand, [s1b, s2], 3, 1)
    wait_round(cand, r + 1)
    nodes = [cand, s2, s1b]
    before = true_offsets(nodes)
    names = ("replay", "stale", "challenges", "not_master", "wrong_round", "recipient")
    c0 = counters(nodes, names)
    sd0 = cand.bstats()["stepdowns"]
    replay(packets, redirect={old_s1: s1b.uni})
    for k in (1, 2):
        wait_round(cand, r + 1 + k)
    after = true_offsets(nodes)
    moved(before, after, "the recording replayed after a restart")
    st = cand.bstats()
    check(st["stepdowns"] == sd0 and cand.clock()[1] == "master",
          "the candidate is still master (%d stepdowns)" % st["stepdowns"])
    check(all(n.clock()[2] == cand.node for n in (s2, s1b)), "both slaves still follow it")
    c1 = counters(nodes, names)
    info("dropped or challenged (%s): %s -> %s" % ("+".join(names), c0, c1))
    check(all(b > a for a, b in zip(c0, c1)), "every member counted the replayed messages")
    check(cand.bstats()["challenges"] > 0, "the recorded POLLs of the better master were "
          "answered as challenges, and no more")
    stop(nodes)


def cross_group(auth):
    group = random_group()
    p1, p2 = group_port(), group_port()
    rec = Recorder()
    m1 = Node("g1m", "master", 0.0, 0, group, p1, priority=200, auth=auth)
    s1 = Node("g1s", "slave", -2.0, 0, group, p1, auth=auth)
    m2 = Node("g2m", "master", 0.5, 0, group, p2, priority=100, auth=auth)
    s2 = Node("g2s", "slave", 1.5, 0, group, p2, auth=auth)
    settled(m1, [s1], 2, 1)
    r = settled(m2, [s2], 2, 1)
    wait_round(m1, 4)
    packets = [p for p in rec.stop() if p[1][1] == p1 or p[0][1] in (m1.uni[1], s1.uni[1])]
    check(len(packets) > 10, "group 1's traffic recorded (%d datagrams)" % len(packets))
    r = settled(m2, [s2], 2, r + 1)
    before = true_offsets([m2, s2])
    bad0 = counters([m2, s2], ("bad_mac",))
    redirect = {(group, p1): (group, p2), s1.uni: s2.uni, m1.uni: m2.uni}
    replay(packets, redirect=redirect)
    wait_round(m2, r + 2)
    after = true_offsets([m2, s2])
    moved(before, after, "group 1's recording replayed into group 2")
    check(m2.clock()[1] == "master" and m2.bstats()["stepdowns"] == 0,
          "group 2's master stands")
    bad1 = counters([m2, s2], ("bad_mac",))
    check(all(b > a for a, b in zip(bad0, bad1)),
          "both members of group 2 counted bad MACs (%s -> %s)" % (bad0, bad1))
    stop([m1, s1, m2, s2])


def test():
    no_valgrind("five daemons under valgrind cannot keep 0.5 s rounds")
    path = keyfile(KEY)
    auth = ["keyfile %s" % path, "berkeley key 1"]
    after_restart(auth)
    cross_group(auth)


if __name__ == "__main__":
    main(test)
