#!/usr/bin/env python3
"""
Fast slewing. A tsyncd client whose sim clock starts 0.25 s ahead follows
three tsyncd servers on loopback (sim clocks at the host's time) with the
default `makestep 1 3`: 0.25 s is under the step threshold, so the offset
is slewed away, at up to the default maxslew of 83,333 ppm (3 s for
0.25 s), not adjtime's 500 ppm (500 s). Asserted: the clock is never
stepped, and its true offset (measured from outside with tsync query
against the client's own server port) is under 100 us within 15 s of its
start, from then on to the end of the test (3 s more at least).
"""
import os
import re
import time

from tsynctest import Tsyncd, check, info, main, parse_query_text, parse_seconds, slow, tmpdir, tsync

POLL = -2            # 2^-2 s between requests
START_OFFSET = 0.25  # s, the client's clock ahead of the truth
BOUND = 100e-6       # s
WITHIN = 15.0        # s from the client's start
HOLD = 3.0           # s it must then stay within the bound


def true_offset(port):
    """The client's clock minus the host's: the minimum-delay sample of
    four queries (tsync query reads the host clock, readonly). None while
    the client serves as unsynchronised, before its first update."""
    r = tsync("query", "-c", "4", "-i", "0.05", "127.0.0.1:%d" % port)
    if r.code != 0 and "unsync" in r.err:
        return None
    if r.code != 0:
        check(False, "tsync query of the client's server exits 0 (%r)" % r.err)
    f, _ = parse_query_text(r.out)
    return parse_seconds(f["offset"])


def test():
    servers = [Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset 0",
                       "control none"], name="server%d" % i) for i in range(3)]
    ctl = os.path.join(tmpdir(), "ctl.sock")
    conf = ["listen 127.0.0.1 port 0", "clock sim offset %g" % START_OFFSET,
            "control %s" % ctl]  # makestep and maxslew at their defaults
    conf += ["server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" % (s.port(), POLL, POLL)
             for s in servers]
    client = Tsyncd(conf, name="client")
    t0 = time.monotonic()
    port = client.port()

    # Measure until WITHIN + HOLD s: the time to the bound is that of the
    # first measurement from which on every one is within it.
    samples = []  # (s since the start, true offset or None)
    end = t0 + slow(WITHIN + HOLD)
    while time.monotonic() < end:
        off = true_offset(port)
        samples.append((time.monotonic() - t0, off))
        if off is not None and abs(off) >= BOUND:
            info("%.2f s: true offset %s s" % (samples[-1][0], samples[-1][1]))
        time.sleep(0.1)
    settled = None
    for i, (t, off) in enumerate(samples):
        if all(o is not None and abs(o) < BOUND for _, o in samples[i:]):
            settled = t
            break
    check(settled is not None, "the true offset came under %g s and stayed" % BOUND)
    info("time to %g us: %.2f s" % (BOUND * 1e6, settled))
    worst = max(abs(o) for t, o in samples if t >= settled)
    check(settled <= slow(WITHIN), "under %g s from %.2f s on, within %g s (worst %+.6f s)" %
          (BOUND, settled, WITHIN, worst))
    check(samples[-1][0] - settled >= HOLD, "measured for %g s more" % HOLD)
    last = [abs(o) for t, o in samples if t >= samples[-1][0] - HOLD]
    info("worst over the last %g s: %.6f s" % (HOLD, max(last)))
    log = client.text()
    check(re.search(r"stepped the clock", log) is None, "the clock was never stepped")
    check(re.search(r"jumped", log) is None, "no slew was taken for a clock jump")
    code, _ = client.terminate()
    check(code == 0, "the client exits 0 on SIGTERM")


main(test)
