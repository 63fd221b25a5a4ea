#!/usr/bin/env python3
"""
Frequency-aware members: a master and 5 slaves with sim clocks up to
+-100 ppm apart in frequency learn their frequency errors from their
successive adjustments, so that the spread of their true offsets measured
just before each round (when the clocks have drifted for a whole interval
since the last adjustments landed) is under 200 us from round 5 on. A
second group alike but with `berkeley frequency off` runs beside it, for
comparison: its spread before each round is what the drifts make of an
interval, and must be larger.

The issue asks for a 30 s interval; that takes 5 minutes, so this test
runs 10 s rounds unless $BRK_FREQ_INTERVAL says otherwise (the figures
for 30 s are in the report of the change).
"""
import os
import threading
import time

from brktest import Node, group_port, random_group, spread, stop, true_offsets, wait_round
from tsynctest import check, info, main, no_valgrind

INTERVAL = float(os.environ.get("BRK_FREQ_INTERVAL", "10"))
ROUNDS = 9
OFFSETS = [0.1, -0.3, 0.4, 0.25, -0.1, 0.05]
DRIFTS = [-100, 100, -60, 40, 80, -20]


def group(tag, frequency):
    g, port = random_group(), group_port()
    extra = ["berkeley tolerance 0.5", "berkeley frequency %s" % frequency]
    slaves = [Node("%s%d" % (tag, i), "slave", OFFSETS[i], DRIFTS[i], g, port,
                   interval=INTERVAL, extra=extra, step=None) for i in range(1, 6)]
    master = Node(tag + "m", "master", OFFSETS[0], DRIFTS[0], g, port, interval=INTERVAL,
                  extra=extra, step=None)
    return [master] + slaves


def before_rounds(nodes, out):
    """The spread just before rounds 2..ROUNDS: 0.5 I after the average of
    the round before (taken at 0.4 I), 0.1 I before the next one's POLL."""
    master = nodes[0]
    for r in range(1, ROUNDS):
        _, m = master.wait_line(r"^tsyncd: berkeley: round %d id " % r, 0, 3 * INTERVAL + 30)
        seen = time.monotonic()
        time.sleep(max(0.0, seen + 0.5 * INTERVAL - time.monotonic()))
        out[r + 1] = spread(true_offsets(nodes))


def test():
    no_valgrind("twelve daemons under valgrind cannot keep the rounds' timing")
    fixed, free = group("f", "on"), group("n", "off")
    got = {"on": {}, "off": {}}
    threads = [threading.Thread(target=before_rounds, args=(nodes, got[k]))
               for nodes, k in ((fixed, "on"), (free, "off"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in range(2, ROUNDS + 1):
        info("before round %d: spread %.6f ms with frequency correction, %.6f ms without" %
             (r, got["on"].get(r, -1) * 1e3, got["off"].get(r, -1) * 1e3))
    check(len(got["on"]) == ROUNDS - 1 and len(got["off"]) == ROUNDS - 1,
          "measured before each round in both groups")
    worst = max(got["on"][r] for r in range(5, ROUNDS + 1))
    info("RESULT interval=%g worst_from_r5_us=%.1f without_us=%.1f" %
         (INTERVAL, worst * 1e6, min(got["off"][r] for r in range(5, ROUNDS + 1)) * 1e6))
    check(worst < 200e-6, "from round 5 on the spread before each round is at most %.1f us "
          "< 200 us" % (worst * 1e6))
    check(all(got["off"][r] > got["on"][r] for r in range(5, ROUNDS + 1)),
          "and without frequency correction it is larger before every one of those rounds")
    learnt = [l for n in fixed for l in n.lines if "frequency correction" in l]
    check(len(learnt) >= 6, "every member learnt its frequency (%d lines)" % len(learnt))
    check(not any("frequency correction" in l for n in free for l in n.lines),
          "with frequency off, none did")
    stop(fixed + free)


if __name__ == "__main__":
    main(test)
