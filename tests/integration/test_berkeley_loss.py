#!/usr/bin/env python3
"""
Loss: the master drops 30% of the REPLY and ACK datagrams it receives (the
TSYNCD_BERKELEY_DROP test hook of tsyncd(8), standing in for a lossy
network: netem is not available on every machine), and the group of a
master and 4 slaves still converges under 1 ms within 6 rounds. The drops,
the ADJUSTs resent for lost ACKs and the slaves' re-acknowledged
duplicates are counted; no slave applies any adjustment twice.
"""
import re

from brktest import Node, check_spread, group_port, random_group, stop, wait_round
from tsynctest import check, info, main


def test():
    group, port = random_group(), group_port()
    slaves = [Node("slave%d" % i, "slave", off, drift, group, port)
              for i, (off, drift) in enumerate([(-3.0, -50), (5.0, 70), (1.0, 0), (-0.5, 30)])]
    master = Node("master", "master", 2.0, -20, group, port,
                  env={"TSYNCD_BERKELEY_DROP": "30"})
    check(any("test hook: dropping 30%" in l for l in master.lines), "the hook says so")
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
    info("master: %s" % ms)
    check(ms["hook_dropped"] > 0, "the master dropped %d datagrams" % ms["hook_dropped"])
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
