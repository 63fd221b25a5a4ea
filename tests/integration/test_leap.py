#!/usr/bin/env python3
"""
A leap second through three servers and a client, sim clocks only.
Usage: test_leap.py SCENARIO, one of
  insert-MODE   (MODE: system, step, slew, ignore) three stratum-1 servers
                whose sim clocks read 2026-12-31T23:59:46Z together, each
                told of an inserted second by its leapfile (a test list),
                leapmode system; a client (clock sim start, no leapfile)
                follows them with leapmode MODE (its clock in step with
                theirs at the start; in the last two scenarios it starts
                with `clock sim start` and steps).
  delete-MODE   the same on 2026-06-30 with a deleted second.
  minority      one server of three announces the insertion: the client
                neither serves nor passes it.
  listonly      the servers announce nothing (one has an expired list), the
                client's own leapfile does: it serves and arms the leap, and
                says it follows the list.
Checked: the leap indicator each serves before and after the leap, the
log lines, and the client's clock within 1 ms of the servers' after the
leap (slew mode: slewing at its clock's rate; within 1 ms once the rate
would finish in under a minute).
"""
import os
import sys
import time

from tsynctest import (Failure, Tsyncd, check, decode, exchange, info, main, no_valgrind,
                       request, udp_socket)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
LISTS = {1: os.path.join(DATA, "leap-insert-2026-12.list"),
         -1: os.path.join(DATA, "leap-delete-2026-06.list")}
INSTANT = {1: 1798761600, -1: 1782864000}  # Unix s: 2027-01-01, 2026-07-01
LEAD = 14.0       # s of sim time from the servers' start to the leap
POLL = -2
NTP_UNIX = 2208988800


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + \
        (".%03dZ" % int((t - int(t)) * 1000))


def ntp_to_ns(ts):
    return ((ts >> 32) - NTP_UNIX) * 10**9 + (((ts & 0xffffffff) * 10**9) >> 32)


def measure(port, n=5, with_delay=False):
    """(offset of the daemon's clock from the host's, in s, and the leap
    indicator it serves), from the exchange of least delay; with_delay:
    and that delay, in s."""
    s = udp_socket("127.0.0.1")
    best = None
    try:
        for _ in range(n):
            t0 = time.time_ns()
            data, _ = exchange(s, ("127.0.0.1", port), request(), timeout=1.0)
            t3 = time.time_ns()
            if data is None:
                continue
            r = decode(data)
            t1, t2 = ntp_to_ns(r["rec"]), ntp_to_ns(r["xmt"])
            delay = (t3 - t0) - (t2 - t1)
            off = ((t1 - t0) + (t2 - t3)) / 2
            if best is None or delay < best[0]:
                best = (delay, off / 1e9, r["leap"])
            time.sleep(0.02)
    finally:
        s.close()
    if best is None:
        raise Failure("127.0.0.1:%d does not answer" % port)
    return (best[1], best[2], best[0] / 1e9) if with_delay else (best[1], best[2])


class Lab:
    def __init__(self, leap, server_lists, mode, client_list=None, use_start=False):
        self.leap, self.mode = leap, mode
        self.instant = INSTANT[leap]
        # Every server the same offset from the host: they agree exactly.
        self.offset = (self.instant - LEAD) - time.time()
        self.servers = [Tsyncd(["listen 127.0.0.1 port 0", "stratum 1",
                                "clock sim offset %.9f" % self.offset, "control none"] +
                               (["leapfile " + l] if l else []), name="server%d" % i)
                        for i, l in enumerate(server_lists)]
        # With `start` the client begins some ms off and steps at once;
        # with the servers' offset it begins in step, and makestep (the
        # jump detector's threshold too) can stay far above the ms that a
        # loaded machine may stall between two clock reads. In ignore mode
        # the leap is an ordinary offset, and stepped.
        clock = ("clock sim start " + rfc3339(time.time() + self.offset) if use_start
                 else "clock sim offset %.9f" % self.offset)
        makestep = ("makestep 0.5 -1" if mode == "ignore" else
                    "makestep 0.001 3" if use_start else "makestep 0.1 3")
        conf = ["listen 127.0.0.1 port 0", clock, "leapmode " + mode, "control none", makestep]
        if client_list:
            conf.append("leapfile " + client_list)
        for s in self.servers:
            conf.append("server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" %
                        (s.port(), POLL, POLL))
        self.client = Tsyncd(conf, name="client-" + mode)

    def sim_now(self):
        """The servers' time (Unix s), leap excepted."""
        return time.time() + self.offset

    def wait_sim(self, t):
        left = t - self.sim_now()
        if left > 0:
            time.sleep(left)

    def diff(self, i=0):
        """Client minus server i, s."""
        return self.diff_bounded(i)[0]

    def diff_bounded(self, i=0, tries=1):
        """(client minus server i, the error bound of that measurement), s:
        each offset from the host is known to half its exchange's delay,
        which a loaded machine stretches to milliseconds now and then. Of
        `tries` measurements, the one of least bound."""
        best = None
        for _ in range(tries):
            c, _, dc = measure(self.client.port(), with_delay=True)
            s, _, ds = measure(self.servers[i].port(), with_delay=True)
            if best is None or (dc + ds) / 2 < best[1]:
                best = (c - s, (dc + ds) / 2)
        return best

    def wait_synced(self):
        self.client.wait_line(r"synchronised to ", timeout=10)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            d = self.diff()
            if abs(d) < 0.5e-3:
                info("client synchronised: %+.6f s from server0 at sim %s" %
                     (d, rfc3339(self.sim_now())))
                return
            time.sleep(0.25)
        raise Failure("client not within 0.5 ms of the servers before the leap")

    def lines_after(self, d, start, pattern):
        return [l for l in d.lines[start:] if pattern in l]


def served(port):
    return measure(port, 2)[1]


def check_served(lab, want_client, want_servers, when):
    li = served(lab.client.port())
    check(li == want_client, "%s: the client serves leap %d (%d)" % (when, want_client, li))
    for i, s in enumerate(lab.servers):
        li = served(s.port())
        check(li == want_servers[i], "%s: server%d serves leap %d (%d)" %
              (when, i, want_servers[i], li))


def full_leap(leap, mode):
    word = "insert" if leap > 0 else "delete"
    lab = Lab(leap, [LISTS[leap]] * 3, mode)
    lab.wait_synced()
    before = len(lab.client.lines)
    lab.wait_sim(lab.instant - 3)
    li = 1 if leap > 0 else 2
    check_served(lab, li if mode in ("system", "step") else 0, [li] * 3, "3 s before")
    host_before = measure(lab.servers[0].port())[0]
    lab.client.wait_line(r"leap second: %s at the end of .* \(from the sources' majority\), "
                         r"leapmode %s" % (word, mode), timeout=5)
    lab.wait_sim(lab.instant + 2)
    done = "inserted" if leap > 0 else "deleted"
    for i, s in enumerate(lab.servers):
        s.wait_line(r"leap second %s \(leapmode system\)" % done, timeout=5)
    lab.client.wait_line(r"leap second %s \(leapmode %s\)" % (done, mode), timeout=5)
    check_served(lab, 0, [0] * 3, "2 s after")
    moved = measure(lab.servers[0].port())[0] - host_before
    check(abs(moved + leap) < 1e-3, "server0's clock moved by %+d s against the host's "
          "(%+.6f s)" % (-leap, moved))
    if mode == "slew":
        check_slew(lab, leap)
    elif mode == "ignore":
        wait_close(lab, 30.0)  # the second stepped as any offset, then slewed to the ms
    else:
        wait_close(lab, 3.0)
    if mode == "ignore":
        for line in lab.lines_after(lab.client, before, "stepped the clock"):
            info("ignore mode: %s" % line)
    else:
        steps = lab.lines_after(lab.client, before, "stepped the clock")
        check(not steps, "no step by the discipline around the leap (%s)" % steps)
    jumps = lab.lines_after(lab.client, before, "jumped")
    check(not jumps, "no clock jump detected (%s)" % jumps)


def wait_close(lab, within):
    """The client within 1 ms of each server, within `within` s of sim time."""
    deadline = time.monotonic() + within
    while True:
        diffs = [lab.diff(i) for i in range(3)]
        if all(abs(d) < 1e-3 for d in diffs) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    for i, d in enumerate(diffs):
        check(abs(d) < 1e-3, "after the leap the client is within 1 ms of server%d (%+.6f s)" %
              (i, d))
    # And stays there: no slew left after a false start, which at 500 ppm
    # would move it 1.5 ms in these 3 s. What a loaded machine adds to the
    # client's settling is well under that, but may take it past 1 ms.
    time.sleep(3)
    for i in range(3):
        d, bound = lab.diff_bounded(i, tries=3)
        check(abs(d - diffs[i]) - bound < 1e-3 and abs(d) - bound < 2e-3,
              "3 s later the client moved under 1 ms from server%d (%+.6f s, then %+.6f s, "
              "measured to +-%.6f s)" % (i, diffs[i], d, bound))


def check_slew(lab, leap):
    """The second is slewed away at the clock's rate: 500 ppm before the
    fast slewing of issue 11 item 1 (2000 s for a second), up to 83,333
    ppm after it (12 s). The slew's progress is measured; its end awaited
    when the rate finishes it within a minute."""
    d0 = lab.diff()
    t0 = time.monotonic()
    # Two seconds after the leap, at up to 83,333 ppm: up to 0.17 s slewed.
    check((d0 > 0) == (leap > 0) and 0.5 < abs(d0) < 1.001,
          "just after the leap the client is %+d s off, less what it has slewed (%+.6f s)" %
          (leap, d0))
    time.sleep(4)
    d1 = lab.diff()
    rate = abs(d0 - d1) / (time.monotonic() - t0) * 1e6
    info("slewing the leap at %.0f ppm: %+.6f s then %+.6f s" % (rate, d0, d1))
    check(abs(d1) < abs(d0) and (d0 > 0) == (d1 > 0), "the offset shrinks without a step")
    check(rate > 450, "the slew runs at the clock's rate, at least 450 ppm (%.0f)" % rate)
    if abs(d1) / (rate * 1e-6) > 60:
        info("at %.0f ppm the slew ends in %.0f s: its end is not awaited" %
             (rate, abs(d1) / (rate * 1e-6)))
        return
    wait_close(lab, abs(d1) / (rate * 1e-6) * 1.5 + 10)


def minority():
    lab = Lab(1, [LISTS[1], None, None], "system", use_start=True)
    lab.wait_synced()
    lab.wait_sim(lab.instant - 3)
    check_served(lab, 0, [1, 0, 0], "3 s before")
    armed = lab.lines_after(lab.client, 0, "leap second: insert")
    check(not armed, "the client arms no leap (%s)" % armed)
    lab.wait_sim(lab.instant + 3)
    # Not 1 ms: while server0's filter holds samples from both sides of its
    # one-second jump, its jitter is huge but its interval still meets the
    # others', and RFC 5905 combining weighs it by 1 / root distance: under
    # load that moved the client by up to 0.98 ms (2 runs of 10). A leap
    # passed would be a second.
    for k in range(2):
        for i in (1, 2):
            d = lab.diff(i)
            check(abs(d) < 5e-3, "%s after midnight the client is within 5 ms of server%d, "
                  "which did not leap (%+.6f s)" % ("3 s" if k == 0 else "6 s", i, d))
        time.sleep(3)
    check(not lab.lines_after(lab.client, 0, "leap second inserted"), "the client passed no leap")


def listonly():
    # server0's list is tzdata's, which expired on 2026-06-28: not used.
    lab = Lab(1, [os.path.join(DATA, "leap-seconds.list"), None, None], "system",
              client_list=LISTS[1], use_start=True)
    lab.servers[0].wait_line(r"leapfile .*leap-seconds.list expired on 2026-06-28: not used",
                             timeout=5)
    lab.client.wait_line(r"leapfile .*: 29 entries, expires 2027-12-24, SHA-1 hash verified",
                         timeout=5)
    lab.wait_synced()
    lab.wait_sim(lab.instant - 3)
    check_served(lab, 1, [0, 0, 0], "3 s before")
    lab.client.wait_line(r"the sources announce leap none, the leap-second list insert: "
                         r"following the list", timeout=5)
    lab.client.wait_line(r"leap second: insert at the end of 2026-12-31 \(from the "
                         r"leap-second list\), leapmode system", timeout=5)
    # A leap the kernel was told of is withdrawn when the daemon stops,
    # before midnight: no daemon would be left to check it.
    code, _ = lab.client.terminate()
    check(code == 0, "the client exits 0 on SIGTERM (%s)" % code)
    check("leap second: withdrawn from the clock at exit" in lab.client.text(),
          "it withdraws the leap from its clock at exit")


def test():
    no_valgrind("the leap comes 14 s of sim time after the start, and the offsets are "
                "checked to 1 ms: valgrind's slowdown would fail both")
    what = sys.argv[1]
    if what == "minority":
        return minority()
    if what == "listonly":
        return listonly()
    kind, mode = what.split("-")
    full_leap(1 if kind == "insert" else -1, mode)


main(test)
