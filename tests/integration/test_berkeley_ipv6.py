#!/usr/bin/env python3
"""
An IPv6 Berkeley group. Linux does not route IPv6 multicast on the
host's loopback, so the script re-runs itself in a network namespace of
its own (unshare -n; root, as CI is) with a veth pair: a master and three
slaves join ff02::/16 on v0 and answer to each other's link-local
addresses; they converge under 1 ms within 3 rounds. The namespace and
its links go away with the process.
"""
import os
import random
import re
import subprocess
import sys
import time

from brktest import Node, check_spread, group_port, round_members, stop, wait_applied, wait_round
from tsynctest import check, find_tool, main

INNER = "TSYNC_BERKELEY_NETNS"


def setup_links(ip):
    for cmd in (["link", "set", "lo", "up"], ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                ["link", "set", "v0", "up"], ["link", "set", "v1", "up"]):
        subprocess.run([ip] + cmd, check=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = subprocess.run([ip, "-6", "addr", "show", "dev", "v0"], capture_output=True,
                             text=True).stdout
        if "scope link" in out and "tentative" not in out:
            return
        time.sleep(0.1)
    check(False, "v0 has a link-local address")


def test():
    setup_links(find_tool("ip"))
    group = "ff02::%x:%x" % (random.randint(1, 0xffff), random.randint(1, 0xffff))
    port = group_port()
    slaves = [Node("slave%d" % i, "slave", off, drift, group, port, iface="v0")
              for i, (off, drift) in enumerate([(-4.0, 50), (2.5, -70), (4.5, 20)])]
    master = Node("master", "master", -1.0, 0, group, port, iface="v0")
    check(re.search(r"group \[%s\]:%d on v0, from \[::\]:\d+" % (group, port),
                    master.text()) is not None, "the master is on the IPv6 group %s" % group)
    for r in (1, 2, 3):
        rid, _, n = wait_round(master, r)
        check(n == 4, "round %d read all 4 clocks over IPv6" % r)
        wait_applied(slaves, rid)
    for l in round_members(master, 3, 3):
        check(re.search(r" \[fe80::[0-9a-f:]+%\d+\]:\d+ ", l) is not None,
              "a member answers from a scoped link-local address: %s" % l.split()[5])
    check_spread([master] + slaves, "IPv6, after 3 rounds")
    stop([master] + slaves)


if __name__ == "__main__":
    if os.environ.get(INNER) != "1":
        os.environ[INNER] = "1"
        unshare = find_tool("unshare")
        os.execv(unshare, [unshare, "-n", sys.executable] + sys.argv)
    main(test)
