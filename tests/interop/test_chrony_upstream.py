#!/usr/bin/env python3
"""
tsyncd as a client of chrony, and as chrony's server. chronyd -x (never
touches the clock) serves at local stratum 8; a tsyncd with a sim clock
0.3 s behind and 20 ppm slow polls it and selects it, and its true offset
(measured from outside with tsync query) falls and stays under 1 ms; it then serves stratum 9 with
refid 127.0.0.1. A second chronyd -x, a client of that tsyncd logging its
measurements, sees stratum 9 and refid 127.0.0.1 too.
"""
import os
import random
import re
import time

from tsynctest import (LoggedProcess, Tsyncd, check, find_tool, info, load_json, main,
                       parse_query_text, parse_seconds, start_chronyd, tmpdir, tsync)

DEADLINE = 90.0
MAX_OFFSET = 1e-3


def true_offset(port):
    r = tsync("query", "-c", "4", "-i", "0.05", "127.0.0.1:%d" % port)
    check(r.code == 0, "tsync query of tsyncd exits 0 (%r)" % r.err)
    f, _ = parse_query_text(r.out)
    return parse_seconds(f["offset"]), f


def tsync_json(ctl, what):
    r = tsync("--socket", ctl, what, "--json")
    check(r.code == 0, "tsync %s --json exits 0 (%r)" % (what, r.err))
    return load_json(r.out)


def wait_synchronised(ctl, port, upstream):
    t0 = time.monotonic()
    while time.monotonic() - t0 < DEADLINE:
        time.sleep(1.0)
        st = tsync_json(ctl, "status")
        if not st["synchronised"] or st["reference"] != upstream:
            continue
        off, f = true_offset(port)
        info("%.0f s: true offset %+.6f s" % (time.monotonic() - t0, off))
        if abs(off) < MAX_OFFSET:
            return st, off, f
    check(False, "tsyncd synchronised to chronyd within %g s" % DEADLINE)


def chrony_measurements(chronyd, d, port):
    """A chronyd -x client of tsyncd; the (stratum, refid) of its logged
    measurements."""
    logdir = os.path.join(d, "client-log")
    os.mkdir(logdir)
    conf = os.path.join(d, "client.conf")
    with open(conf, "w") as f:
        f.write("server 127.0.0.1 port %d iburst minpoll -4 maxpoll -4\n"
                "cmdport 0\nbindcmdaddress /\nport 0\npidfile %s/client.pid\n"
                "logdir %s\nlog measurements\n" % (port, d, logdir))
    p = LoggedProcess("chronyd-client", [chronyd, "-x", "-d", "-u", "root", "-f", conf])
    path = os.path.join(logdir, "measurements.log")
    deadline = time.monotonic() + 30
    rows = []
    while time.monotonic() < deadline and len(rows) < 4:
        time.sleep(0.5)
        if os.path.exists(path):
            with open(path) as f:
                rows = [l.split() for l in f if re.match(r"\d{4}-\d\d-\d\d ", l)]
    p.kill()
    check(len(rows) >= 4, "chronyd logged %d measurements of tsyncd" % len(rows))
    # Date Time IP L St 123 567 ABCD LP RP Score Offset Peer-del Peer-disp
    # Root-del Root-disp Refid MTxRx
    return [(int(r[4]), r[16]) for r in rows]


def test():
    chronyd = find_tool("chronyd")
    d = tmpdir()
    _, cport, _ = start_chronyd(chronyd, d, random.SystemRandom())
    upstream = "127.0.0.1:%d" % cport
    ctl = os.path.join(d, "ctl.sock")
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3 drift -20",
                "makestep 0.1 3", "control %s" % ctl,
                "server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % cport])
    st, off, f = wait_synchronised(ctl, t.port(), upstream)
    check(abs(off) < MAX_OFFSET, "true offset %+.6f s under 1 ms" % off)
    # It stays there while the -20 ppm drift is corrected.
    worst = 0.0
    for _ in range(5):
        time.sleep(2.0)
        worst = max(worst, abs(true_offset(t.port())[0]))
    check(worst < MAX_OFFSET, "the offset stays under 1 ms for 10 s (worst %.6f s)" % worst)
    src = tsync_json(ctl, "sources")["sources"]
    check(len(src) == 1 and src[0]["address"] == upstream and src[0]["state"] == "selected",
          "chronyd is the selected source (%s)" % src)
    check(src[0]["stratum"] == 8, "its stratum is 8 (%s)" % src[0]["stratum"])
    check(st["stratum"] == 9 and st["selection"] == "single",
          "tsyncd: stratum 9, from a single source (%s, %s)" % (st["stratum"], st["selection"]))
    check(f["stratum"] == "9" and f["refid"] == "127.0.0.1" and f["leap"] == "none",
          "tsync query sees stratum 9, refid 127.0.0.1, leap none (%s %s %s)" %
          (f["stratum"], f["refid"], f["leap"]))

    seen = chrony_measurements(chronyd, d, t.port())
    info("chronyd's measurements of tsyncd: %s" % seen)
    check(all(s == 9 for s, _ in seen), "chronyd sees stratum 9 in every measurement")
    check(all(r == "7F000001" for _, r in seen), "and refid 7F000001 (127.0.0.1)")
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")


if __name__ == "__main__":
    main(test)
