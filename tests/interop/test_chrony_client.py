#!/usr/bin/env python3
"""
chrony as a client of tsyncd: a one-shot `chronyd -Q` (measures, never sets
the clock) against tsyncd on a sim clock 1.5 s ahead (IPv4 and IPv6) and
2.25 s behind prints "System clock wrong by X seconds (ignored)" with X the
sim offset within 1 ms (X > 0: the server is ahead of us); tsyncd answered
every chrony request and dropped none.
"""
import re

from tsynctest import check, check_close, find_tool, main, run, Tsyncd, DROP_KEYS

TOL = 0.001


def chrony_measure(chronyd, host, port):
    # Polling every 1/16 s and ignoring round trips over 0.5 ms (each sample
    # then errs by at most 0.25 ms) keeps a loaded machine's scheduling
    # delays out of chrony's estimate; it still needs 4 good samples.
    r = run([chronyd, "-Q", "-t", "20",
             "server %s port %d iburst minpoll -4 maxpoll -4 maxsamples 4 maxdelay 0.0005" %
             (host, port),
             "cmdport 0", "bindcmdaddress /"], timeout=60)
    text = r.out + r.err
    check(r.code == 0, "chronyd -Q against %s port %d exits 0%s" %
          (host, port, "" if r.code == 0 else " (got %s):\n%s" % (r.code, text)))
    m = re.search(r"System clock wrong by (-?\d+\.\d+) seconds \(ignored\)", text)
    check(m is not None, "chronyd prints %r" % (m.group(0) if m else
                                                 "System clock wrong by X seconds (ignored)\n" +
                                                 text))
    return float(m.group(1))


def test():
    chronyd = find_tool("chronyd")

    d = Tsyncd(["listen 127.0.0.1 port 0", "listen ::1 port 0", "stratum 8",
                "clock sim offset 1.5"])
    x = chrony_measure(chronyd, "127.0.0.1", d.port("127.0.0.1"))
    check_close(x, 1.5, TOL, "chrony's 'clock wrong by' for tsyncd 1.5 s ahead")
    x = chrony_measure(chronyd, "::1", d.port("::1"))
    check_close(x, 1.5, TOL, "chrony's 'clock wrong by' over IPv6")
    code, st = d.terminate()
    check(code == 0, "tsyncd exits 0")
    check(st["received"] >= 2 and st["replied"] == st["received"],
          "tsyncd answered every chrony request (%s)" % st)
    check(all(st[k] == 0 for k in DROP_KEYS), "and dropped none (%s)" % st)

    d = Tsyncd(["listen 127.0.0.1 port 0", "stratum 8", "clock sim offset -2.25"],
               name="tsyncd-behind")
    x = chrony_measure(chronyd, "127.0.0.1", d.port())
    check_close(x, -2.25, TOL, "chrony's 'clock wrong by' for tsyncd 2.25 s behind")
    code, _ = d.terminate()
    check(code == 0, "tsyncd-behind exits 0")


if __name__ == "__main__":
    main(test)
