#!/usr/bin/env python3
"""
The Berkeley role under valgrind: a keyed master and slave, both under
valgrind, run rounds (POLL, REPLY, ADJUST, ACK, a step and slews), the
slave drops a malformed datagram and a forged ADJUST, `tsync berkeley`
(also under valgrind) reads the master's snapshot, and SIGTERM ends both
with every libuv handle closed, no memory error and no leak.
"""
import os
import random
import sys

from brktest import (ADJUST, Node, adjust_body, encode, group_port, group_sender, keyfile,
                     random_group)
from tsynctest import check, find_tool, main, run, tmpdir, tsync_path, tsyncd_path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_valgrind import VALGRIND_ARGS, check_clean  # noqa: E402


class Ground(Node):
    """A Node whose tsyncd runs under valgrind, through a wrapper script
    given as $TSYNCD while it starts."""

    def __init__(self, valgrind, name, *args, **kw):
        wrapper = os.path.join(tmpdir(), "tsyncd-valgrind")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec %s %s %s \"$@\"\n" %
                    (valgrind, " ".join(VALGRIND_ARGS), tsyncd_path()))
        os.chmod(wrapper, 0o755)
        Node.__init__(self, name, *args, env={"TSYNCD": wrapper}, **kw)

    def wait_ready(self, timeout=120):
        return Node.wait_ready(self, timeout)


def test():
    valgrind = find_tool("valgrind")
    secret = bytes(random.SystemRandom().getrandbits(8) for _ in range(32))
    path = keyfile(secret.hex())
    auth = ["keyfile %s" % path, "berkeley key 1"]
    group, port = random_group(), group_port()
    nodes = []
    for name, role, off in (("slave", "slave", 2.0), ("master", "master", -1.0)):
        nodes.append(Ground(valgrind, name, role, off, 5, group, port, interval=1, auth=auth,
                            maxrtt=2, step=None))
    slave, master = nodes
    slave.wait_line(r"berkeley: adjusted by \S+ s \(step\)", 0, 120)
    slave.wait_line(r"berkeley: adjusted by \S+ s \(slew\)", 0, 120)
    s = group_sender()
    s.sendto(b"\xc0BER" + bytes(40), slave.uni)
    s.sendto(encode(ADJUST, 7, 1, 1, adjust_body(10**9), secret[::-1], 1,
                    to=int(slave.node, 16)),
             slave.uni)
    st = slave.bstats()
    check(st["malformed"] >= 1 and st["bad_mac"] >= 1, "the slave dropped and counted both")
    r = run([valgrind] + VALGRIND_ARGS + [tsync_path(), "-s", master.socket, "berkeley"],
            timeout=120)
    check(r.code == 0 and "state        master" in r.out, "tsync berkeley under valgrind")
    check_clean(r.err, "tsync berkeley")
    for n in nodes:
        code, _ = n.terminate(timeout=120)
        check(code == 0, "%s under valgrind exits 0 after SIGTERM" % n.name)
        check("handles left open" not in n.text(), "%s closed every libuv handle" % n.name)
        check_clean(n.text(), "tsyncd as Berkeley %s" % n.name)


if __name__ == "__main__":
    main(test)
