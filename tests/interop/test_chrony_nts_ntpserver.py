#!/usr/bin/env python3
"""
chrony's NTS client follows tsyncd's NTPv4 Server Negotiation record
(`ntsntpserver`, RFC 8915 4.1.7). tsyncd A serves NTS-KE on 127.0.0.1
and names tsyncd B (another loopback address, a sim clock 1.5 s ahead) as
the NTP server; both share the cookie key (ntsdumpdir). chronyd -x (never
touches the clock) with `server localhost port 9 nts ntsport K` completes
NTS-KE with A, then polls B: `chronyc sources` lists B's address, its
`authdata` mode NTS with no NAK, its measurements the sim offset of B;
A served the NTS-KE and no NTP request, B every NTS reply.
"""
import os
import re

from tsynctest import (Tsyncd, check, check_close, chronyc_csv, chronyd_nts_client, find_tool,
                       info, main, nts_certificate, random_loopback_address, tmpdir)

OFFSET = 1.5
TOL = 0.002
DEADLINE = 60.0


def nts_tsyncd(name, host, cert, key, dump, offset, extra=()):
    t = Tsyncd(["listen %s port 0" % host, "stratum 8", "clock sim offset %g" % offset,
                "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport 0",
                "ntsdumpdir %s" % dump, "ntsrotate 0"] + list(extra), name=name)
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on %s:(\d+)$" % re.escape(host))
    return t, int(m.group(1))


def test():
    chronyd, chronyc_path = find_tool("chronyd"), find_tool("chronyc")
    d = tmpdir()
    cert, key = nts_certificate(d)
    dump = os.path.join(d, "dump")
    os.mkdir(dump)
    b_host = random_loopback_address()
    b, _ = nts_tsyncd("tsyncd-B", b_host, cert, key, dump, OFFSET)
    b_port = b.port()
    a, a_ke = nts_tsyncd("tsyncd-A", "127.0.0.1", cert, key, dump, 0,
                         ["ntsntpserver %s port %d" % (b_host, b_port)])

    c, sock, rows = chronyd_nts_client(
        chronyd, d, "server localhost port 9 nts ntsport %d iburst minpoll -4 maxpoll -4" % a_ke,
        cert, 4, DEADLINE)

    sources = chronyc_csv(chronyc_path, sock, "sources")
    info("chronyc sources: %s" % sources.strip())
    check(",%s," % b_host in sources and ",127.0.0.1," not in sources,
          "chronyc sources lists B's address, from the Server record (%s)" % sources.strip())
    auth = chronyc_csv(chronyc_path, sock, "authdata").strip().splitlines()
    info("chronyc authdata: %s" % auth)
    fields = auth[0].split(",")
    check(fields[0] == b_host and fields[1] == "NTS" and fields[7] == "0",
          "chronyc authdata: B in mode NTS, no NAK (%s)" % fields)
    c.kill()
    check(all(r[2] == b_host for r in rows), "every measurement is of B (%s)" %
          sorted({r[2] for r in rows}))
    offsets = [float(r[11]) for r in rows]
    info("chronyd's logged offsets: %s" % offsets)
    check_close(offsets[0], OFFSET, TOL, "chronyd's first logged offset of B")

    na, nb = a.counters()["nts"], b.counters()["nts"]
    info("A: %s\nB: %s" % (na, nb))
    check(na["ke_served"] >= 1 and na["reply"] == 0, "A served NTS-KE, no NTP (%s)" % na)
    check(nb["ke_served"] == 0 and nb["reply"] >= len(rows) and nb["nak_cookie"] == 0 and
          nb["nak_auth"] == 0, "B answered with A's cookies, no NAK (%s)" % nb)
    for t in (a, b):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)


if __name__ == "__main__":
    main(test)
