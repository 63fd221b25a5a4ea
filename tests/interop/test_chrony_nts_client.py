#!/usr/bin/env python3
"""
chrony as an NTS client of tsyncd (RFC 8915). The test makes a self-signed
certificate with certtool; tsyncd serves NTS on a sim clock 1.5 s ahead;
chronyd -x (never touches the clock) with `server localhost ... nts` and
`ntstrustedcerts` completes NTS-KE, and its `authdata` shows mode NTS with
cookies, its `ntpdata` an authenticated source, and every measurement it
logs the sim offset (+1.5 s: chrony's "local clock slow" is positive) until
chronyd corrects its own notion of the time (-x moves no clock, but chronyd
keeps its correction), and about 0 after.
tsyncd counts the handshake served and only NTS replies, no NAK and no
malformed request.
"""
from tsynctest import (Tsyncd, check, check_close, chronyc_csv, chronyd_nts_client, find_tool,
                       info, main, nts_certificate, tmpdir)

OFFSET = 1.5
TOL = 0.002
DEADLINE = 60.0


def nts_tsyncd(d, cert, key, extra=()):
    """tsyncd serving NTS; returns it, its NTP port and its NTS-KE port."""
    t = Tsyncd(["listen 127.0.0.1 port 0", "stratum 8", "clock sim offset %g" % OFFSET,
                "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport 0",
                "ntsdumpdir %s" % d] + list(extra))
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on 127\.0\.0\.1:(\d+)$")
    return t, t.port(), int(m.group(1))


def test():
    chronyd, chronyc_path = find_tool("chronyd"), find_tool("chronyc")
    d = tmpdir()
    cert, key = nts_certificate(d)
    t, port, keport = nts_tsyncd(d, cert, key)
    info("tsyncd: NTP on %d, NTS-KE on %d" % (port, keport))

    c, sock, rows = chronyd_nts_client(
        chronyd, d, "server localhost port %d nts ntsport %d iburst minpoll -4 maxpoll -4" %
        (port, keport), cert, 6, DEADLINE)

    # authdata, CSV: name, mode, key id, AEAD, key bits, last KE ago, attempts,
    # NAKs, cookies, cookie length
    auth = chronyc_csv(chronyc_path, sock, "authdata").strip().splitlines()
    info("chronyc authdata: %s" % auth)
    fields = auth[0].split(",")
    check(fields[0] == "127.0.0.1" and fields[1] == "NTS",
          "chronyc authdata: 127.0.0.1 in mode NTS (%s)" % auth)
    check(fields[3] == "AES-SIV-CMAC-256" or fields[3] == "15",
          "with AEAD_AES_SIV_CMAC_256 (%s)" % fields[3])
    check(fields[7] == "0" and int(fields[8]) >= 1 and fields[9] == "100",
          "no NAK, cookies in hand, 100 bytes each as tsyncd makes them (%s)" % fields)
    ntpdata = chronyc_csv(chronyc_path, sock, "ntpdata")
    info("chronyc ntpdata: %s" % ntpdata.strip())
    check(",Yes," in ntpdata or ntpdata.split(",")[20:21] == ["Yes"],
          "chronyc ntpdata: the source is authenticated (%s)" % ntpdata.strip())
    sources = chronyc_csv(chronyc_path, sock, "sources")
    info("chronyc sources: %s" % sources.strip())
    check(sources.startswith("^,") and ",127.0.0.1," in sources,
          "chronyc sources lists tsyncd as a server (%s)" % sources.strip())
    c.kill()

    # Date Time IP L St 123 567 ABCD LP RP Score Offset ...
    offsets = [float(r[11]) for r in rows]
    info("chronyd's logged offsets: %s" % offsets)
    check_close(offsets[0], OFFSET, TOL, "chronyd's first logged offset of tsyncd")
    check(all(abs(o - OFFSET) < TOL or abs(o) < TOL for o in offsets),
          "every logged offset is the sim offset, or 0 once chronyd has corrected for it")
    check(all(r[4] == "8" for r in rows), "stratum 8 in every measurement")

    c = t.counters()
    nts, st = c["nts"], c["server"]
    info("tsyncd: nts %s; server %s" % (nts, st))
    check(nts["ke_served"] >= 1 and nts["ke_tls_fail"] == 0 and nts["ke_refused"] == 0,
          "tsyncd served NTS-KE to chronyd (%s)" % nts)
    check(nts["reply"] >= len(rows) and nts["reply"] == st["replied"],
          "every reply was an NTS reply (%s, replied %d)" % (nts, st["replied"]))
    check(nts["nak_cookie"] == 0 and nts["nak_auth"] == 0 and nts["malformed"] == 0,
          "no NAK and nothing malformed (%s)" % nts)
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")


if __name__ == "__main__":
    main(test)
