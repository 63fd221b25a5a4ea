#!/usr/bin/env python3
"""
An NTP exchange through tsync-relay with 20 ms added on the way out and
2 ms on the way back: `tsync query`'s offset of a server whose sim clock is
1.5 s ahead errs by (20 - 2) / 2 = 9 ms (within 1 ms), as the four
timestamps cannot tell asymmetry from offset; Cristian's printed range,
offset +- RTT/2, holds the truth; and the same query with 11 ms each way
errs by less than 1 ms.
"""
import os

from tsynctest import (LoggedProcess, Tsyncd, check, info, main, parse_query_text,
                       parse_seconds, relay_path, tsync)

TRUTH = 1.5


def relay(server_port, out_ms, back_ms):
    rt = ["-P", "10"] if os.geteuid() == 0 else []  # see test_relay.py
    p = LoggedProcess("tsync-relay", [relay_path()] + rt + ["--seed", "3",
                                      "--out", "delay=%g" % out_ms, "--back", "delay=%g" % back_ms,
                                      "127.0.0.1:0", "127.0.0.1:%d" % server_port])
    _, m = p.wait_line(r"tsync-relay: listening on 127\.0\.0\.1:(\d+), forwarding to")
    return p, "127.0.0.1:%s" % m.group(1)


def query(hp):
    r = tsync("query", "--cristian", "-c", "8", "-i", "0.05", hp)
    check(r.code == 0, "tsync query through the relay exits 0 (%s, %r)" % (r.code, r.err))
    f, cr = parse_query_text(r.out)
    off = parse_seconds(f["offset"])
    co = parse_seconds(cr["cristian offset"])
    lo, hi = (parse_seconds(x.strip()) for x in cr["true offset within"].split(".."))
    rt = parse_seconds(cr["round trip t3-t0"])
    info("ntp offset %+.6f s (error %+.3f ms), cristian %+.6f s in [%.6f, %.6f], "
         "round trip %.3f ms" % (off, (off - TRUTH) * 1e3, co, lo, hi, rt * 1e3))
    return off, lo, hi, rt


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "stratum 8", "clock sim offset %g" % TRUTH])
    p, hp = relay(d.port(), 20, 2)
    off, lo, hi, rt = query(hp)
    check(abs((off - TRUTH) - 0.009) <= 0.001,
          "20 ms out, 2 ms back: the NTP offset errs by %.3f ms, (20 - 2)/2 = 9 ms within 1 ms" %
          ((off - TRUTH) * 1e3))
    check(rt >= 0.022, "the round trip %.3f ms holds both delays" % (rt * 1e3))
    check(lo <= TRUTH <= hi, "Cristian's range [%.6f, %.6f] holds the truth %.1f" %
          (lo, hi, TRUTH))
    p.kill()
    p, hp = relay(d.port(), 11, 11)
    off, lo, hi, _ = query(hp)
    check(abs(off - TRUTH) <= 0.001, "11 ms each way: the NTP offset errs by %.3f ms (< 1 ms)" %
          ((off - TRUTH) * 1e3))
    check(lo <= TRUTH <= hi, "Cristian's range [%.6f, %.6f] holds the truth" % (lo, hi))
    p.kill()


if __name__ == "__main__":
    main(test)
