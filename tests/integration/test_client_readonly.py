#!/usr/bin/env python3
"""
A client that measures only (issue 11): a tsyncd with `clock readonly`
follows a server whose sim clock is 0.5 s ahead of the host's. It logs
that it measures only, `tsync status` reports the offset it measures
(+0.5 s, update after update: nothing applied, nothing pretended), and
the drift file, though configured and present, is neither read nor
written: its old content is still there after SIGTERM.
"""
import os
import re
import time

from tsynctest import Tsyncd, check, info, load_json, main, tmpdir, tsync

AHEAD = 0.5          # s: the server's clock ahead of the host's
TOLERANCE = 0.0005   # s: loopback delay and scheduling (before: 1.8 ms off by the 8th)
UPDATES = 8          # distinct updates to look at
DEADLINE = 60.0      # s
OLD_DRIFT = "123.456\n"


def status(ctl):
    r = tsync("--socket", ctl, "status", "--json")
    check(r.code == 0, "tsync status --json exits 0 (%r)" % r.err)
    return load_json(r.out)


def test():
    srv = Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset %g" % AHEAD,
                  "control none"], name="server")
    d = tmpdir()
    drift = os.path.join(d, "drift")
    with open(drift, "w") as f:
        f.write(OLD_DRIFT)
    ctl = os.path.join(d, "client.sock")
    client = Tsyncd(["listen 127.0.0.1 port 0", "clock readonly", "driftfile " + drift,
                     "control " + ctl,
                     "server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % srv.port()],
                    name="client")
    client.wait_line(r"the readonly clock cannot be adjusted: measuring only")
    seen = {}
    deadline = time.monotonic() + DEADLINE
    while len(seen) < UPDATES and time.monotonic() < deadline:
        st = status(ctl)
        if st["last_update"] and st["last_update"] not in seen:
            seen[st["last_update"]] = st["offset"]
        time.sleep(0.2)
    offsets = list(seen.values())
    info("offsets reported at %d updates: %s" % (len(offsets), offsets))
    check(len(offsets) >= UPDATES, "%d updates within %g s" % (UPDATES, DEADLINE))
    check(all(abs(o - AHEAD) < TOLERANCE for o in offsets),
          "every offset reported is the %+g s measured" % AHEAD)
    text = client.text()
    check("stepped the clock" not in text and
          re.search(r"cannot (step|slew|set the frequency of) ", text) is None,
          "no adjustment was tried")
    code, _ = client.terminate()
    check(code == 0, "the client exits 0 (%s)" % client.status())
    with open(drift) as f:
        check(f.read() == OLD_DRIFT, "the drift file was left as it was")
    check(os.listdir(d).count("drift") == 1 and
          not any(n.startswith("drift.") for n in os.listdir(d)),
          "no temp drift file beside it")
    srv.terminate()


main(test)
