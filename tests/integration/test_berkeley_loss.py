#!/usr/bin/env python3
"""
Loss, from outside the daemon: the master runs in a network namespace of
its own behind a relay this test runs (brktest.LossyMaster), which drops
30% of the REPLY and ACK datagrams on their way to it. A group of a master
and 4 slaves still converges under 1 ms within 6 rounds. The drops (the
relay's count), the ADJUSTs resent for lost ACKs and the slaves'
re-acknowledged duplicates are counted; no slave applies any adjustment
twice. The relay is a Python thread on a loaded machine: a reading it
held up (a long round trip) is dropped by the master's `maxrtt 0.001`, so
that its asymmetry cannot pass for an offset.
"""
import re

from brktest import (ACK, REPLY, LossyMaster, Node, check_spread, group_port, random_group,
                     stop, wait_round)
from tsynctest import check, info, main


def test():
    group, port = random_group(), group_port()
    link = LossyMaster(group, port, 0.3)
    try:
        run(link, group, port)
    finally:
        link.close()


def run(link, group, port):
    slaves = [Node("slave%d" % i, "slave", off, drift, group, port)
              for i, (off, drift) in enumerate([(-3.0, -50), (5.0, 70), (1.0, 0), (-0.5, 30)])]
    master = Node("master", "master", 2.0, -20, group, port, env={"TSYNCD": link.wrapper},
                  maxrtt=0.001)
    nodes = [master] + slaves
    for r in range(1, 7):
        wait_round(master, r)
    check_spread(nodes, "after 6 rounds with 30% of REPLYs and ACKs lost")
    # Keep going until an ACK has been lost and its ADJUST resent.
    ms = master.bstats()
    r = 7
    while ms["resends"] == 0 and r < 40:
        wait_round(master, r)
        ms = master.bstats()
        r += 1
    info("master: %s; the relay dropped %s, passed %d" % (ms, link.dropped, link.passed))
    check(link.dropped[REPLY] > 0 and link.dropped[ACK] > 0,
          "the relay dropped %d REPLYs and %d ACKs" % (link.dropped[REPLY], link.dropped[ACK]))
    check(ms["resends"] > 0, "lost ACKs made the master resend %d ADJUSTs" % ms["resends"])
    dups = sum(s.bstats()["duplicate"] for s in slaves)
    check(dups > 0, "the slaves acknowledged %d resent ADJUSTs again" % dups)
    for s in slaves:
        ids = re.findall(r"adjusted by \S+ s \(\w+\) in round (\w+)", s.text())
        check(len(ids) == len(set(ids)), "%s applied each round's adjustment once (%d)" %
              (s.name, len(ids)))
    check_spread(nodes, "at the end")
    stop(nodes)


if __name__ == "__main__":
    main(test)
