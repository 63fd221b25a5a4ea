#!/usr/bin/env python3
"""
tsync-relay --berkeley puts one member of a Berkeley group behind a lossy,
slow link: the member joins a group address of its own, the relay passes
the master's POLLs and ADJUSTs to it and its REPLYs and ACKs to the
master, dropping 30 % each way and delaying each by 2 ms, and counts
them. A master, two slaves and the lossy member (no MAC: the relay moves
the POLLs to the member's group address, which a MAC would cover) come
within 1 ms of each other; the master reads the lossy member at the
relay's address and sets it in the average; ADJUSTs whose ACK was lost are
resent; the relay dropped datagrams both ways.
"""
import os
import re
import signal

from brktest import Node, check_spread, group_port, random_group, wait_round
from tsynctest import LoggedProcess, check, info, main, relay_path

ROUNDS = 16


def relay_counts(p):
    start = p.line_count()
    p.proc.send_signal(signal.SIGUSR1)
    got = {}
    for d in ("out", "back"):
        _, m = p.wait_line(r"tsync-relay: %s +received (\d+), forwarded (\d+), dropped (\d+)" % d,
                           start)
        got[d] = tuple(int(x) for x in m.groups())
    return got


def test():
    group, own, port = random_group(), random_group(), group_port()
    while own == group:
        own = random_group()
    rt = ["-P", "10"] if os.geteuid() == 0 else []  # see test_relay.py
    relay = LoggedProcess("tsync-relay", [relay_path()] + rt +
                          ["--berkeley", "--seed", "11", "--both", "loss=30,delay=2",
                           "%s:%d" % (group, port), "%s:%d" % (own, port)])
    _, m = relay.wait_line(r"tsync-relay: bridging the group .* \(the master sees it at "
                           r"127\.0\.0\.1:(\d+)")
    seen_at = "127.0.0.1:%s" % m.group(1)
    slaves = [Node("slave1", "slave", 0.3, 20, group, port),
              Node("slave2", "slave", -0.2, -30, group, port),
              Node("lossy", "slave", 0.5, 40, own, port)]
    master = Node("master", "master", 0.0, 0, group, port)
    nodes = [master] + slaves
    for r in range(1, ROUNDS + 1):
        wait_round(master, r)
    offs = check_spread(nodes, "after %d rounds, one member behind a lossy link" % ROUNDS)
    info("true offsets %s" % ["%+.6f" % o for o in offs])
    states = re.findall(r"berkeley: round \d+ member %s %s offset \S+ s rtt \S+ s adjust \S+ s "
                        r"(in|out) (\w+)" % (slaves[2].node, re.escape(seen_at)),
                        master.text())
    info("the lossy member, round by round: %s" % " ".join("%s/%s" % s for s in states))
    check(sum(1 for s in states if s[0] == "in") >= ROUNDS // 2,
          "the master read the lossy member, at the relay's address, and averaged it in "
          "%d of %d rounds" % (sum(1 for s in states if s[0] == "in"), ROUNDS))
    resends = master.bstats()["resends"]
    check(resends > 0, "ADJUSTs lost or unacknowledged on the way were resent (%d)" % resends)
    c = relay_counts(relay)
    info("relay out (received, forwarded, dropped) %r, back %r" % (c["out"], c["back"]))
    check(c["out"][2] > 0 and c["back"][2] > 0, "the relay dropped datagrams both ways")
    check(c["out"][0] >= 3 * ROUNDS, "the relay passed the master's POLLs (%d)" % c["out"][0])


if __name__ == "__main__":
    main(test)
