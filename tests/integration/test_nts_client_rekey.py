#!/usr/bin/env python3
"""
Re-keying after an NTS NAK (RFC 8915 5.7): a tsyncd client synchronised
over NTS to a tsyncd server; the server is restarted on the same ports
with a NEW cookie key (a fresh ntsdumpdir) while the client is offline
(`tsync offline`, so that no poll falls in the gap). Back online, the
client's next request carries a cookie the new key cannot open: the
server answers with an NTS NAK (counted there as nak_cookie 1), the client
counts exactly one NAK, drops its cookies, does a second NTS-KE (ke_ok 2,
ke_fail 0) and keeps synchronising: replies are taken again, nothing is
refused, and its clock stays within 2 ms of the server's.
"""
import os
import time

from tsynctest import (Tsyncd, check, info, main, nts_certificate, nts_counters, tmpdir,
                       true_offset, tsync, wait_for, wait_synchronised)

TOL = 0.002


def nts_server(name, cert, key, dump, port=0, keport=0):
    os.makedirs(dump, exist_ok=True)
    t = Tsyncd(["listen 127.0.0.1 port %d" % port, "stratum 1", "clock sim",
                "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
                "ntsdumpdir %s" % dump], name=name)
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on 127\.0\.0\.1:(\d+)$")
    return t, int(m.group(1))


def source(c):
    return c.counters()["source"][0]


def test():
    d = tmpdir()
    cert, key = nts_certificate(d)
    s, keport = nts_server("server", cert, key, os.path.join(d, "dump1"))
    port = s.port()
    upstream = "127.0.0.1:%d" % port
    ctl = os.path.join(d, "client.sock")
    c = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "makestep 0.1 3",
                "control %s" % ctl, "ntstrustedcerts %s" % cert,
                "server 127.0.0.1 nts ntsport %d iburst minpoll -2 maxpoll -2" % keport],
               name="client")
    wait_synchronised(c, ctl, upstream, TOL)

    r = tsync("--socket", ctl, "offline", upstream)
    check(r.code == 0, "tsync offline %s (%s)" % (upstream, r.err))
    time.sleep(0.5)  # a request already out gets its answer
    code, _ = s.terminate()
    check(code == 0, "the first server exits 0")
    before = source(c)
    info("before the restart: %s" % before)
    s, keport2 = nts_server("server-rekeyed", cert, key, os.path.join(d, "dump2"), port, keport)
    check(keport2 == keport, "the new server's NTS-KE on the same port")
    r = tsync("--socket", ctl, "online", upstream)
    check(r.code == 0, "tsync online %s (%s)" % (upstream, r.err))

    c.wait_line(r"^tsyncd: warning: 127\.0\.0\.1: NTS NAK: new keys asked for$")
    # The NAK is a reply too (a KoD): four samples more after it.
    after = wait_for("four samples after the NAK",
                     lambda: (lambda x: x if x["replies"] >= before["replies"] + 5 else None)(
                         source(c)))
    info("after: %s" % after)
    check(after["nts_naks"] == 1 and after["nts_ke_ok"] == 2 and after["nts_ke_fail"] == 0,
          "one NAK, a second NTS-KE, none failed (naks %d, ke_ok %d, ke_fail %d)" %
          (after["nts_naks"], after["nts_ke_ok"], after["nts_ke_fail"]))
    check(after["kod"] == before["kod"] + 1, "the NAK is the one KoD (%d)" % after["kod"])
    check(after["nts_auth"] == 0 and after["nts_uid"] == 0 and after["nts_malformed"] == 0 and
          after["nts_not_nts"] == 0, "no reply refused (%s)" % after)
    n = nts_counters(s)
    check(n["nts_nak_cookie"] == 1 and n["nts_nak_auth"] == 0 and n["served"] == 1 and
          n["nts_reply"] >= 4, "the new server: one NAK for an old cookie, one NTS-KE, "
          "replies with its own cookies (%s)" % n)
    off = true_offset(c)
    check(off is not None and abs(off) < TOL, "the client still within 2 ms (%s)" % off)
    for t in (c, s):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)


if __name__ == "__main__":
    main(test)
