#!/usr/bin/env python3
"""
What tsyncd's client does with bad and unfriendly replies, from a scripted
server in this test. Each request gets the next answer of a script: a
truncated datagram, a reply with a wrong origin, a mode 3 answer, a reply
from another port, a valid reply then a copy of it, an unsynchronised
reply, a zero transmit timestamp, a zero receive timestamp, a reference
time after the transmit time, stratum 16 and 200 with leap 0,
versions 0 and 5, a MAC cut short and an oversize datagram, a KoD RATE (the interval between requests must grow) and a KoD DENY
(no request may follow). The source's counters must move exactly, the
clock must not change, and the daemon must keep serving.
"""
import struct
import time

from tsynctest import (Tsyncd, check, decode, drain, info, main, ntp_ts_now,
                       parse_query_text, parse_seconds, source_counters, tsync, udp_socket)

POLL = -3  # 1/8 s


def reply(req, leap=0, stratum=2, mode=4, org=None, refid=0x7f000001, ahead=5.0, xmt=None,
          version=4, rec=None, ref=None):
    t = ntp_ts_now() + int(ahead * 2**32)
    org = req["xmt"] if org is None else org
    xmt = t if xmt is None else xmt
    rec = t if rec is None else rec
    ref = t if ref is None else ref
    return struct.pack("!BBbbIII", (leap << 6) | (version << 3) | mode, stratum, POLL, -20, 0, 0,
                       refid) + struct.pack("!QQQQ", ref, org, rec, xmt)


def kod(req, code):
    return reply(req, stratum=0, refid=struct.unpack("!I", code)[0])


def test():
    srv, other = udp_socket("127.0.0.1"), udp_socket("127.0.0.1")
    port = srv.getsockname()[1]
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0", "stratum 10",
                "server 127.0.0.1 port %d minpoll %d maxpoll %d" % (port, POLL, POLL)])
    srv.settimeout(20)

    def next_request():
        data, addr = srv.recvfrom(1000)
        return decode(data), addr, time.monotonic()

    script = [
        lambda q, a: srv.sendto(b"\x24" * 20, a),                    # malformed
        lambda q, a: srv.sendto(reply(q, org=q["xmt"] ^ 1), a),      # bogus
        lambda q, a: srv.sendto(reply(q, mode=3), a),                # mode
        lambda q, a: other.sendto(reply(q), a),                      # foreign
        lambda q, a: [srv.sendto(r, a) for r in [reply(q)] * 2],     # good, then a copy
        lambda q, a: srv.sendto(reply(q, leap=3, stratum=16), a),    # unsync
        # RFC 5905's other checks on a reply, each in its own exchange:
        lambda q, a: srv.sendto(reply(q, xmt=0), a),                 # zero transmit
        lambda q, a: srv.sendto(reply(q, rec=0), a),                 # zero receive
        lambda q, a: srv.sendto(reply(q, ref=ntp_ts_now() + (60 << 32)), a),  # reftime > xmt
        lambda q, a: srv.sendto(reply(q, stratum=16), a),            # stratum 16, leap 0
        lambda q, a: srv.sendto(reply(q, stratum=200), a),           # stratum > 16
        lambda q, a: srv.sendto(reply(q, version=0), a),             # bad version
        lambda q, a: srv.sendto(reply(q, version=5), a),
        lambda q, a: srv.sendto(reply(q) + b"\0\0\0\1" + b"\x55" * 10, a),  # MAC cut short
        lambda q, a: srv.sendto(reply(q) + b"\0" * 1400, a),         # oversize
    ]
    for step in script:
        q, a, _ = next_request()
        check(q is not None and q["mode"] == 3 and q["version"] == 4,
              "a mode 3 version 4 request (%s)" % q)
        step(q, a)
    time.sleep(0.3)
    c = source_counters(d)
    info("counters: %s" % c)
    # t0_user 0: the reply taken had the kernel's transmit stamp of its request.
    for k, want in [("malformed", 5), ("bogus", 1), ("mode", 1), ("foreign", 1),
                    ("replies", 1), ("duplicate", 1), ("unsync", 3), ("kod", 0),
                    ("zero_xmt", 1), ("zero_rec", 1), ("reftime", 1), ("t0_user", 0)]:
        check(c[k] == want, "%s %d (got %d)" % (k, want, c[k]))

    # KoD RATE: the interval must grow past 2^POLL. Requests queued while
    # we looked at the counters are stale: drop them first.
    drain(srv)
    srv.settimeout(20)
    q, a, t_a = next_request()
    srv.sendto(kod(q, b"RATE"), a)
    q, a, t_b = next_request()
    check(t_b - t_a > 1.5 * 2 ** POLL, "after RATE the next request waits %.3f s > %.3f s" %
          (t_b - t_a, 1.5 * 2 ** POLL))
    srv.sendto(kod(q, b"DENY"), a)
    srv.settimeout(3.0)
    try:
        srv.recvfrom(1000)
        got = True
    except OSError:
        got = False
    check(not got, "after DENY no request comes in 3 s")
    c = source_counters(d)
    check(c["kod"] == 2, "kod 2 (got %d)" % c["kod"])

    r = tsync("query", "127.0.0.1:%d" % d.port())
    f, _ = parse_query_text(r.out)
    off = parse_seconds(f["offset"])
    check(r.code == 0 and abs(off) < 0.01,
          "the clock did not move: still %+.6f s from the host's" % off)
    check(f["stratum"] == "10",
          "and tsyncd still serves its local stratum 10 (%s): it never synchronised" %
          f["stratum"])
    code, _ = d.terminate()
    check(code == 0, "tsyncd exits 0")


main(test)
