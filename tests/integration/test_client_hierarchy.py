#!/usr/bin/env python3
"""
The usual "GPS box plus two servers" site, sim clocks only: tsyncd A
serves stratum 1 from its local clock; tsyncds B and C follow A and serve
stratum 2 with A's address as refid; a client of all three, its clock
10 ms off and 10 ppm fast. B and C are no loop (their refid is A's
address, not the client's own): the client selects A with B and C as
candidates, comes within 100 us of the truth, and keeps updating while it
says it is synchronised.
"""
from clienttest import POLL, client, keeps_updating, sources, status, wait_within
from tsynctest import Tsyncd, check, main


def test():
    a = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0"], name="A")
    follow = "server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" % (a.port(), POLL, POLL)
    b, c = (Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0", follow], name=n)
            for n in ("B", "C"))
    for d in (b, c):
        d.wait_line(r"^tsyncd: synchronised to 127\.0\.0\.1:%d" % a.port(), timeout=60)
    cl = client([("127.0.0.1", d.port()) for d in (a, b, c)])
    wait_within(cl)
    keeps_updating(cl)
    st = status(cl)
    check(st["stratum"] == 2 and st["reference"] == "127.0.0.1:%d" % a.port(),
          "the client follows A at stratum 2 (%s, %s)" % (st["stratum"], st["reference"]))
    check(st["selection"] == "majority", "a majority of three agrees (%s)" % st["selection"])
    src = sources(cl)
    for d in (b, c):
        s = src["127.0.0.1:%d" % d.port()]
        check(s["state"] == "candidate" and s["stratum"] == 2,
              "%s is a stratum-2 candidate, not a loop (%s)" % (d.name, s["state"]))
    check("loop" not in cl.text(), "nothing said of a loop")
    for d in (cl, b, c, a):
        code, _ = d.terminate()
        check(code == 0, "%s exits 0" % d.name)


main(test)
