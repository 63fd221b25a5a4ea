#!/usr/bin/env python3
"""
The NTS-KE Server record (RFC 8915 4.1.7) end to end: tsyncd A serves
NTS-KE on 127.0.0.1 and names, with `ntsntpserver ADDR port P`, tsyncd B
(another loopback address) as the NTP server; both share one cookie key
(ntsdumpdir). A tsyncd client with `server 127.0.0.1 port 9 nts` does its
NTS-KE with A, logs the NTP server it was given, polls B (never A's NTP
port, never port 9), synchronises its sim clock to B's, every reply
authenticated. A's NTS-KE served once and answered no NTP request; B
answered the NTS requests and served no NTS-KE.
Then with B on ::1: NTS-KE over IPv4 names an IPv6 NTP server, the
client's socket is reopened for IPv6 and it synchronises to [::1].
Then a client that polls B already (a plain `server` line) and has
`server 127.0.0.1 nts` too: the NTS source is not moved onto B's address
(no two sources poll one address), it is left unpolled with a warning
(B gets no NTS request), and the client synchronises to its plain source.
"""
import os
import re
import time

from tsynctest import (Tsyncd, check, info, main, nts_certificate, nts_counters,
                       random_loopback_address, tmpdir, tsync, wait_synchronised)

TOL = 0.002  # s: the client's true offset from B once synchronised


def nts_server(name, host, cert, key, dumpdir, extra=()):
    t = Tsyncd(["listen %s port 0" % host, "stratum 1", "clock sim", "ntsservercert %s" % cert,
                "ntsserverkey %s" % key, "ntsport 0", "ntsdumpdir %s" % dumpdir,
                "ntsrotate 0"] + list(extra), name=name)
    shown = "[%s]" % host if ":" in host else host
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on %s:(\d+)$" % re.escape(shown))
    return t, int(m.group(1))


def pair(d, cert, key, b_host):
    """B serving NTP on b_host, A serving NTS-KE on 127.0.0.1 naming B:
    (a, its NTS-KE port, b)."""
    dump = os.path.join(d, "dump-" + b_host)
    os.mkdir(dump)
    b, _ = nts_server("tsyncd-B", b_host, cert, key, dump)
    a, a_ke = nts_server("tsyncd-A", "127.0.0.1", cert, key, dump,
                         ["ntsntpserver %s port %d" % (b_host, b.port())])
    return a, a_ke, b


def client(d, name, lines):
    ctl = os.path.join(d, name + ".sock")
    c = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "makestep 0.1 3",
                "control %s" % ctl] + lines, name=name)
    return c, ctl


def ipv6(d, cert, key):
    a, a_ke, b = pair(d, cert, key, "::1")
    upstream = "[::1]:%d" % b.port()
    c, ctl = client(d, "client-v6", ["ntstrustedcerts %s" % cert,
                                     "server 127.0.0.1 nts ntsport %d iburst minpoll -2 "
                                     "maxpoll -2" % a_ke])
    c.wait_line(r"^tsyncd: 127\.0\.0\.1:123: NTS-KE: NTP server ::1 port %d: polling %s$" %
                (b.port(), re.escape(upstream)))
    wait_synchronised(c, ctl, upstream, TOL)
    s = c.counters()["source"][0]
    check(s["address"] == upstream and s["nts_ke_ok"] == 1 and s["nts_auth"] == 0 and
          s["replies"] >= 4, "polled over IPv6 after NTS-KE over IPv4 (%s)" % s)
    for t in (c, a, b):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)


def taken(d, cert, key):
    a, a_ke, b = pair(d, cert, key, random_loopback_address())
    b_host = b.addrs[0][0]
    upstream = "%s:%d" % (b_host, b.port())
    c, ctl = client(d, "client-dup", ["ntstrustedcerts %s" % cert,
                                      "server %s port %d iburst minpoll -2 maxpoll -2" %
                                      (b_host, b.port()),
                                      "server 127.0.0.1 nts ntsport %d iburst minpoll -2 "
                                      "maxpoll -2" % a_ke])
    c.wait_line(r"^tsyncd: warning: 127\.0\.0\.1:123: NTS-KE: NTP server %s \(%s\) is "
                r"another source's already: not polled twice$" % (re.escape(b_host),
                                                                  re.escape(upstream)))
    wait_synchronised(c, ctl, upstream, TOL)
    srcs = {x["address"]: x for x in c.counters()["source"]}
    check(sorted(srcs) == sorted([upstream, "127.0.0.1:123"]),
          "one source on B, the NTS one left on its own address (%s)" % sorted(srcs))
    time.sleep(3.0)  # twelve polls: were cookies spent, eight would need a new NTS-KE
    parked = {x["address"]: x for x in c.counters()["source"]}["127.0.0.1:123"]
    check(parked["nts_ke_ok"] == 1 and parked["replies"] == 0 and parked["foreign"] == 0,
          "the NTS source keeps its one NTS-KE's keys, spends no cookie, gets no reply (%s)" % parked)
    nb = nts_counters(b)
    check(nb["nts_reply"] == 0 and nb["nts_nak_cookie"] == 0 and nb["nts_nak_auth"] == 0 and
          nb["nts_malformed"] == 0, "B got no NTS request: only the plain source polls it "
          "(%s)" % nb)
    for t in (c, a, b):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)


def test():
    d = tmpdir()
    cert, key = nts_certificate(d)
    dump = os.path.join(d, "dump")
    os.mkdir(dump)
    b_host = random_loopback_address()
    b, _ = nts_server("tsyncd-B", b_host, cert, key, dump)
    b_port = b.port()
    a, a_ke = nts_server("tsyncd-A", "127.0.0.1", cert, key, dump,
                         ["ntsntpserver %s port %d" % (b_host, b_port)])
    a.wait_line(r"^tsyncd: NTS-KE: clients are sent to the NTP server %s port %d$" %
                (re.escape(b_host), b_port))

    ctl = os.path.join(d, "client.sock")
    c = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "makestep 0.1 3",
                "control %s" % ctl, "ntstrustedcerts %s" % cert,
                "server 127.0.0.1 port 9 nts ntsport %d iburst minpoll -2 maxpoll -2" % a_ke],
               name="client")
    upstream = "%s:%d" % (b_host, b_port)
    c.wait_line(r"^tsyncd: 127\.0\.0\.1 port %d: NTS-KE: 8 cookies$" % a_ke)
    c.wait_line(r"^tsyncd: 127\.0\.0\.1:9: NTS-KE: NTP server %s port %d: polling %s$" %
                (re.escape(b_host), b_port, re.escape(upstream)))
    wait_synchronised(c, ctl, upstream, TOL)

    srcs = c.counters()["source"]
    info("client's sources: %s" % srcs)
    check([s["address"] for s in srcs] == [upstream], "the one source is B, from the Server "
          "record (%s)" % [s["address"] for s in srcs])
    s = srcs[0]
    check(s["nts_ke_ok"] == 1 and s["nts_ke_fail"] == 0 and s["nts_naks"] == 0 and
          s["nts_uid"] == 0 and s["nts_auth"] == 0 and s["nts_malformed"] == 0 and
          s["foreign"] == 0 and s["replies"] >= 4 and s["replies"] <= s["tx"],
          "one NTS-KE, every reply authenticated and none refused (%s)" % s)
    r = tsync("--socket", ctl, "sources", "--json")
    check(r.code == 0 and upstream in r.out, "tsync sources --json shows B (%s)" % r.out)

    na, nb = nts_counters(a), nts_counters(b)
    info("A: %s\nB: %s" % (na, nb))
    check(na["served"] == 1 and na["nts_reply"] == 0,
          "A served one NTS-KE and no NTP request (%s)" % na)
    check(nb["served"] == 0 and nb["nts_reply"] >= s["replies"] and nb["nts_nak_cookie"] == 0 and
          nb["nts_nak_auth"] == 0, "B answered every NTS request with A's cookies, no NAK (%s)" %
          nb)
    for t in (c, a, b):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)
    ipv6(d, cert, key)
    taken(d, cert, key)


if __name__ == "__main__":
    main(test)
