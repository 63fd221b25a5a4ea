#!/usr/bin/env python3
"""
A clock that jumps under the client, as a virtual machine's does when it is
resumed after a suspension: two tsyncd clients, synchronised from one
server, whose sim clocks jump by +30 s and by -3600 s a few seconds after
the start. Each must log the jump once, step it away at once (though its
makestep limit is spent) and be back within 1 ms of true time within 5 s
of the jump, instead of slewing for hours.
"""
import re
import time

from tsynctest import (Tsyncd, check, info, main, parse_query_text, parse_seconds, tsync)

JUMP_AFTER = 4.0  # s after the client's start
BACK_WITHIN = 5.0  # s after the jump
MAX_OFFSET = 1e-3


def true_offset(port):
    r = tsync("query", "-c", "2", "-i", "0.05", "127.0.0.1:%d" % port)
    if r.code != 0:
        return None
    f, _ = parse_query_text(r.out)
    return parse_seconds(f["offset"])


def client(server_port, jump, name):
    return Tsyncd(["listen 127.0.0.1 port 0", "stratum 12",
                   "clock sim offset 0.05 jump %g %g" % (JUMP_AFTER, jump), "makestep 0.01 3",
                   "server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % server_port],
                  name=name)


def test():
    srv = Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset 0"], name="server")
    clients = [(client(srv.port(), j, "client%+d" % j), j) for j in (30, -3600)]
    start = time.monotonic()
    for c, jump in clients:
        _, m = c.wait_line(r"the clock jumped by ([-+]\d+\.\d+) s: resynchronising",
                           timeout=JUMP_AFTER + 30)
        check(abs(float(m.group(1)) - jump) < 0.1,
              "%s logged a jump of %s s (%+d s scheduled)" % (c.name, m.group(1), jump))
    deadline = start + JUMP_AFTER + BACK_WITHIN
    for c, jump in clients:
        off = None
        while time.monotonic() < deadline:
            off = true_offset(c.port())
            if off is not None and abs(off) < MAX_OFFSET:
                break
            time.sleep(0.2)
        info("%s: true offset %s s at %.1f s after the start" %
             (c.name, off, time.monotonic() - start))
        check(off is not None and abs(off) < MAX_OFFSET,
              "%s is back within 1 ms of true time within %g s of the jump" %
              (c.name, BACK_WITHIN))
        text = c.text()
        check(len(re.findall(r"the clock jumped by", text)) == 1,
              "%s logged the jump once" % c.name)
        steps = [float(x) for x in re.findall(r"stepped the clock by ([-+]\d+\.\d+) s", text)]
        check(any(abs(s + jump) < 0.1 for s in steps),
              "%s stepped it away (steps %s)" % (c.name, steps))
        code, _ = c.terminate()
        check(code == 0, "%s exits 0" % c.name)


main(test)
