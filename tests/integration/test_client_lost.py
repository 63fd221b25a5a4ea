#!/usr/bin/env python3
"""
Every source lost: two tsyncd clients of one tsyncd server (poll 1/8 s,
`holdover 2`) serve stratum 9 while synchronised; the server is stopped;
once its source is unselectable and 2 s have passed since the last update,
the first client serves leap 3 / stratum 16 (and `tsync status` says
"synchronised no"), the second, with `stratum 12`, its local stratum 12
again. Neither clock moves meanwhile. The server comes back on the same
port: both serve stratum 9 again.
"""
import re
import time

from tsynctest import (Tsyncd, check, decode, exchange, info, main, ntp_ts_to_unix, request,
                       tsync, udp_socket)

POLL = -3
HOLDOVER = 2
LOST = r"^tsyncd: warning: no source selectable for (\d+\.\d+) s, root distance (\d+\.\d+) s: "


def server(port=0):
    return Tsyncd(["listen 127.0.0.1 port %d" % port, "stratum 8", "clock sim offset 0.3"],
                  name="server")


def client(name, port, extra=()):
    return Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.2", "makestep 0.1 -1",
                   "holdover %d" % HOLDOVER,
                   "server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" % (port, POLL, POLL)]
                  + list(extra), name=name)


def served(d):
    """(leap, stratum) of d's reply to one request."""
    s = udp_socket("127.0.0.1")
    try:
        data, _ = exchange(s, ("127.0.0.1", d.port()), request(), timeout=10)
    finally:
        s.close()
    check(data is not None, "%s answers" % d.name)
    r = decode(data)
    return r["leap"], r["stratum"]


def status(d):
    r = tsync("-s", d.socket, "status")
    check(r.code == 0, "tsync status on %s exits 0" % d.name)
    return dict(re.findall(r"^(\S+(?: \S+)*?) {2,}(.*)$", r.out, re.M))


def offset(d):
    """d's clock against the host's, from one exchange (tsync query would
    refuse an unsynchronised server)."""
    s = udp_socket("127.0.0.1")
    try:
        t0 = time.time()
        data, _ = exchange(s, ("127.0.0.1", d.port()), request(), timeout=10)
        t3 = time.time()
    finally:
        s.close()
    if data is None:
        return None
    r = decode(data)
    return (ntp_ts_to_unix(r["rec"]) + ntp_ts_to_unix(r["xmt"]) - t0 - t3) / 2


def test():
    srv = server()
    port = srv.port()
    a = client("client", port)
    b = client("client-local", port, ["stratum 12"])
    for c in (a, b):
        c.wait_line(r"^tsyncd: synchronised to 127\.0\.0\.1:%d" % port, timeout=60)
        check(served(c) == (0, 9), "%s serves leap 0, stratum 9 from its server" % c.name)
    check(status(a).get("synchronised") == "yes", "tsync status: synchronised yes")

    code, _ = srv.terminate()
    check(code == 0, "the server stops")
    for c, want in ((a, (3, 16)), (b, (0, 12))):
        i, m = c.wait_line(LOST, timeout=60)
        info("%s: %s" % (c.name, c.lines[i]))
        check(float(m.group(1)) > HOLDOVER, "%s waited the holdover: %s s > %d s" %
              (c.name, m.group(1), HOLDOVER))
        check(served(c) == want, "%s now serves leap %d, stratum %d" % ((c.name,) + want))
    st = status(a)
    check(st.get("synchronised") == "no" and st.get("stratum") == "16",
          "tsync status on the first: synchronised no, stratum 16 (%s)" % st)
    check(st.get("last update", "never") != "never",
          "and it still says when its last update was (%s)" % st.get("last update"))
    check(status(b).get("reference") == "127.127.1.1 (local clock)",
          "tsync status on the second: reference local clock")
    for c in (a, b):
        off = offset(c)
        check(off is not None and abs(off - 0.3) < 0.05,
              "%s's clock stayed where the server had put it, +0.3 s (%+.6f s from the host's)" %
              (c.name, off))

    for c in (a, b):
        n = sum(1 for l in c.lines if l.startswith("tsyncd: synchronised to"))
        check(n == 1, "%s logged one synchronisation so far" % c.name)
    srv = server(port)
    for c in (a, b):
        c.wait_line(r"^tsyncd: synchronised to 127\.0\.0\.1:%d" % port,
                    start=[i for i, l in enumerate(c.lines)
                           if re.search(LOST, l)][0], timeout=60)
        check(served(c) == (0, 9), "%s serves stratum 9 again with its server back" % c.name)
    check(status(a).get("synchronised") == "yes", "tsync status: synchronised yes again")
    for d in (a, b, srv):
        code, _ = d.terminate()
        check(code == 0, "%s exits 0" % d.name)


main(test)
