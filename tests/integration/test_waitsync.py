#!/usr/bin/env python3
"""
`tsync waitsync` against sim-clock clients on loopback: it waits until the
client is synchronised and its offset plus error bound is within
--max-offset, then exits 0 saying so; it gives up at --timeout with exit 1
when the client cannot synchronise (its server never answers) or stays
too far off, and with exit 3 when no tsyncd answers; bad arguments exit 2.
"""
import os
import re
import time

from tsynctest import Tsyncd, check, free_udp_port, main, run, slow, tmpdir, tsync, tsync_path

POLL = -3
BOUND = 0.02
RX_DONE = r"^synchronised to 127\.0\.0\.1:%d, stratum 2, off by up to (\d+\.\d{6}) s\n$"


def client(port, name="client"):
    return Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0.3 drift 20", "makestep 0.1 -1",
                   "server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" % (port, POLL, POLL)],
                  name=name)


def synchronises():
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    port = up.port()
    cl = client(port)
    # Started at once: the client steps 0.3 s first, so the bound is met
    # only from the update after the step.
    # The bound counts the upstream's root dispersion (10 ms for a local
    # stratum) besides the offset.
    r = tsync("-s", cl.socket, "waitsync", "--timeout", slow(60), "--max-offset", BOUND,
              timeout=slow(90))
    m = re.match(RX_DONE % port, r.out)
    check(r.code == 0 and m is not None, "waitsync exits 0 once synchronised (%s, %r, %r)" %
          (r.code, r.out, r.err))
    check(0.01 <= float(m.group(1)) <= BOUND, "within the bound: 0.01 s <= %s s <= %g s" %
          (m.group(1), BOUND))
    st = tsync("-s", cl.socket, "status")
    check(re.search(r"^synchronised +yes$", st.out, re.M) is not None,
          "tsync status agrees: synchronised yes")
    # Synchronised, but a bound no real clock meets: it times out, exit 1.
    t0 = time.monotonic()
    r = tsync("-s", cl.socket, "waitsync", "--timeout", 2, "--max-offset", 1e-9, timeout=30)
    took = time.monotonic() - t0
    rx = r"synchronised, but off by up to \d+\.\d+ s, more than 1e-09 s"
    check(r.code == 1 and len(re.findall("^tsync waitsync: " + rx + "$", r.err, re.M)) == 1 and
          re.search("^tsync waitsync: gave up after 2 s: " + rx + "$", r.err, re.M),
          "a bound of 1 ns: exit 1 after the timeout, said once (%s, %r)" % (r.code, r.err))
    check(2 <= took < 2 + slow(10), "it waited the 2 s timeout (%.2f s)" % took)
    # No --max-offset: synchronised is enough.
    r = tsync("-s", cl.socket, "waitsync", timeout=30)
    check(r.code == 0 and re.match(RX_DONE % port, r.out), "no bound: exit 0 at once")


def cannot_sync():
    """The client's server never answers (a free port nobody serves)."""
    cl = client(free_udp_port(), name="lonely")
    t0 = time.monotonic()
    r = tsync("-s", cl.socket, "waitsync", "--timeout", 3, "--max-offset", 0.1, timeout=30)
    took = time.monotonic() - t0
    check(r.code == 1 and r.out == "", "a client that cannot sync: exit 1 (%s)" % r.code)
    check(r.err == "tsync waitsync: not synchronised (1 sources)\n"
          "tsync waitsync: gave up after 3 s: not synchronised (1 sources)\n",
          "it says why once, and why it gave up (%r)" % r.err)
    check(3 <= took < 3 + slow(10), "after its 3 s timeout (%.2f s)" % took)


def unreachable():
    path = os.path.join(tmpdir(), "nobody-here.sock")
    t0 = time.monotonic()
    r = tsync("-s", path, "waitsync", "--timeout", 1.5, timeout=30)
    took = time.monotonic() - t0
    why = "cannot connect to %s: No such file or directory" % path
    check(r.code == 3 and r.err == "tsync waitsync: %s\ntsync waitsync: gave up after 1.5 s: %s\n"
          % (why, why), "no tsyncd: exit 3, said once (%s, %r)" % (r.code, r.err))
    check(1.5 <= took < 1.5 + slow(8), "after its 1.5 s timeout (%.2f s)" % took)


def usage():
    for args in (["--timeout", "-1"], ["--timeout", "abc"], ["--timeout", "nan"],
                 ["--max-offset", "1e10"], ["--max-offset"], ["extra"], ["--bogus"]):
        r = run([tsync_path(), "waitsync"] + args, timeout=30)
        check(r.code == 2 and r.err.startswith("tsync waitsync: ") and r.out == "",
              "waitsync %s: exit 2 with a message (%s, %r)" % (" ".join(args), r.code, r.err))
    r = run([tsync_path(), "waitsync", "--help"], timeout=30)
    check(r.code == 0 and r.out.startswith("usage: tsync [-s PATH] waitsync"), "--help: usage, 0")


def test():
    usage()
    unreachable()
    cannot_sync()
    synchronises()


if __name__ == "__main__":
    main(test)
