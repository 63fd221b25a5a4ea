#!/usr/bin/env python3
"""
The usual "GPS box plus two servers" site, sim clocks only: tsyncd A, on
a loopback address of its own (127.x.y.z), serves stratum 1 from its
local clock; tsyncds B and C on 127.0.0.1 follow A and serve stratum 2
with A's address as refid; a client of all three, its clock 2 s off (stepped
at the first update by makestep's default) and 10 ppm fast. B and C are no loop (their refid is A's address, our system
peer's, not the client's own address towards them, 127.0.0.1): the client
selects A with B and C as candidates, comes within 100 us of the truth,
and keeps updating while it says it is synchronised.
"""
import re

from clienttest import POLL, client, keeps_updating, sources, status, wait_within
from tsynctest import Tsyncd, check, main, random_loopback_address


def test():
    addr = random_loopback_address()
    a = Tsyncd(["listen %s port 0" % addr, "stratum 1", "clock sim offset 0"], name="A")
    follow = "server %s port %d minpoll %d maxpoll %d iburst" % (addr, a.port(), POLL, POLL)
    b, c = (Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0", follow], name=n)
            for n in ("B", "C"))
    for d in (b, c):
        d.wait_line(r"^tsyncd: synchronised to %s:%d" % (re.escape(addr), a.port()),
                    timeout=60)
    cl = client([(addr, a.port())] + [("127.0.0.1", d.port()) for d in (b, c)])
    wait_within(cl)
    keeps_updating(cl)
    st = status(cl)
    check(st["stratum"] == 2 and st["reference"] == "%s:%d" % (addr, a.port()),
          "the client follows A at stratum 2 (%s, %s)" % (st["stratum"], st["reference"]))
    check(st["selection"] == "majority", "a majority of three agrees (%s)" % st["selection"])
    src = sources(cl)
    for d in (b, c):
        s = src["127.0.0.1:%d" % d.port()]
        check(s["state"] == "candidate" and s["stratum"] == 2 and s["refid"] == addr,
              "%s is a stratum-2 candidate with refid %s, not a loop (%s, %s)" %
              (d.name, addr, s["state"], s["refid"]))
    check("loop" not in cl.text(), "nothing said of a loop")
    for d in (cl, b, c, a):
        code, _ = d.terminate()
        check(code == 0, "%s exits 0" % d.name)


main(test)
