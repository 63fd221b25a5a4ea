#!/usr/bin/env python3
"""
tsync query --nts against chronyd's NTS server (RFC 8915). chronyd -x
(never touches the clock) serves NTS at local stratum 8 with a self-signed
certificate made by certtool; `tsync query --nts` completes NTS-KE with it,
takes the NTP port chronyd names, and every sample it takes is
authenticated (text and JSON say so) with an offset within 1 ms of 0 (both
read the host's clock). With another certificate as the trusted one the
handshake fails and says so; chronyd counted NTS-KE sessions and
authenticated packets (`chronyc serverstats`). Then tsyncd's own NTS
client, `server 127.0.0.1 port 9 nts ntsport K`, synchronises a sim clock
0.3 s behind to chronyd within 1 ms, on the NTP port NTS-KE named.
"""
import json
import os
import random

from tsynctest import (Tsyncd, check, find_tool, info, main, nts_certificate,
                       parse_query_text, parse_seconds, port_free, run, start_chronyd, tmpdir,
                       tsync, wait_synchronised)

TOL = 0.001


def test():
    chronyd, chronyc = find_tool("chronyd"), find_tool("chronyc")
    d = tmpdir()
    cert, key = nts_certificate(d)
    os.chmod(key, 0o644)  # chronyd reads it as root here, but keep its rules simple
    rng = random.SystemRandom()
    keport = next(p for p in (rng.randint(30000, 39999) for _ in range(50))
                  if port_free("127.0.0.1", p))
    rundir = os.path.join(d, "run")
    os.mkdir(rundir, 0o700)
    sock = os.path.join(rundir, "chronyd.sock")
    p, port, _ = start_chronyd(chronyd, d, rng, extra=(
        "ntsserverkey %s\nntsservercert %s\nntsport %d\nntsprocesses 0\nntsdumpdir %s\n"
        "bindcmdaddress %s\n" % (key, cert, keport, d, sock)))
    info("chronyd: NTP on %d, NTS-KE on %d" % (port, keport))

    r = tsync("query", "--nts", "--ntstrustedcerts", cert, "-c", "4", "-i", "0.1", "-t", "5",
              "127.0.0.1:%d" % keport)
    check(r.code == 0, "tsync query --nts exits 0 (%r)" % r.err)
    f, _ = parse_query_text(r.out)
    info("tsync query --nts: %s" % f)
    check(f["server"] == "127.0.0.1:%d" % port,
          "the NTP server and port are chronyd's, as NTS-KE named them (%s)" % f["server"])
    check(f["nts"].startswith("yes"), "every sample authenticated by NTS (%s)" % f["nts"])
    check(abs(parse_seconds(f["offset"])) < TOL, "offset %s within 1 ms of 0" % f["offset"])
    check(f["stratum"] == "8", "stratum 8 (%s)" % f["stratum"])

    r = tsync("query", "--nts", "--ntstrustedcerts", cert, "--json", "-t", "5",
              "127.0.0.1:%d" % keport)
    check(r.code == 0, "tsync query --nts --json exits 0 (%r)" % r.err)
    j = json.loads(r.out)
    check(j["nts"] is True and j["valid"] == 4 and j["address"] == "127.0.0.1:%d" % port,
          "JSON: nts true, 4 valid samples from port %d (%s)" % (port, j))

    other = os.path.join(d, "other")
    os.mkdir(other)
    other_cert, _ = nts_certificate(other)
    r = tsync("query", "--nts", "--ntstrustedcerts", other_cert, "127.0.0.1:%d" % keport)
    want = "tsync: 127.0.0.1 port %d: NTS-KE: the server's certificate does not verify" % keport
    check(r.code == 1 and want in r.err, "a certificate that does not verify: exit 1 saying "
          "%r (%d, %r)" % (want, r.code, r.err))

    r = run([chronyc, "-h", sock, "-n", "serverstats"])
    info("chronyc serverstats:\n%s" % r.out)
    stats = dict((k.strip(), v.strip()) for k, v in
                 (l.split(":", 1) for l in r.out.splitlines() if ":" in l))
    check(int(stats.get("NTS-KE connections accepted", "0")) >= 3,
          "chronyd accepted our NTS-KE connections (%s)" % stats)
    check(int(stats.get("Authenticated NTP packets", "0")) >= 8,
          "and answered our requests as authenticated (%s)" % stats)
    tsyncd_client(d, cert, port, keport)
    p.kill()


def tsyncd_client(d, cert, port, keport):
    """tsyncd with `server 127.0.0.1 port 9 nts ntsport K` (port 9: the NTP
    port must come from NTS-KE) on a sim clock 0.3 s behind: it completes
    NTS-KE, polls chronyd's NTP port, selects it and comes within 1 ms of
    it (measured from outside with tsync query), every reply authenticated
    and no NAK or refusal counted."""
    ctl = os.path.join(d, "tsyncd.sock")
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "makestep 0.1 3",
                "control %s" % ctl, "ntstrustedcerts %s" % cert,
                "server 127.0.0.1 port 9 nts ntsport %d iburst minpoll -2 maxpoll -2" % keport])
    t.wait_line(r"^tsyncd: 127\.0\.0\.1 port %d: NTS-KE: 8 cookies$" % keport, 0)
    upstream = "127.0.0.1:%d" % port
    wait_synchronised(t, ctl, upstream, TOL)
    srcs = t.counters()["source"]
    info("tsyncd's sources: %s" % srcs)
    check([s["address"] for s in srcs] == [upstream],
          "the NTS source is chronyd's NTP port, from NTS-KE")
    nts = srcs[0]
    check(nts["nts_ke_ok"] == 1 and nts["nts_ke_fail"] == 0 and nts["nts_naks"] == 0 and
          nts["nts_uid"] == 0 and nts["nts_auth"] == 0 and nts["replies"] >= 1,
          "one NTS-KE, no NAK, no reply refused (%s)" % nts)
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")


if __name__ == "__main__":
    main(test)
