#!/usr/bin/env python3
"""
allow/deny on the wire, from source addresses across 127.0.0.0/8: the most
specific prefix decides; a denied address gets nothing, a `deny ... kod`
address a KoD DENY (stratum 0, leap 3, refid DENY, our transmit as origin,
48 bytes) to client requests and nothing to mode 6/7; with only deny lines
the rest is answered, with an allow line the rest is denied; IPv6 rules on
::1. Each counter moves by exactly the datagrams sent.
"""
import random
import select
import time

from tsynctest import (check, info, main, Tsyncd, udp_socket, request, decode, exchange)

DENY = 0x44454E59  # "DENY"
QUIET = 1.0  # seconds to wait for an answer that must not come


def ask(server, src, mode=3, n=1):
    """n requests from src; returns the decoded answers to them."""
    s = udp_socket(src)
    try:
        xmts, got = set(), []
        for _ in range(n):
            pkt = request(mode=mode, xmt=random.getrandbits(64) | 1)
            xmts.add(int.from_bytes(pkt[40:48], "big"))
            s.sendto(pkt, server)
        deadline = time.monotonic() + QUIET
        while time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], deadline - time.monotonic())
            if r:
                got.append(decode(s.recv(2048)))
        check(all(g is not None and g["org"] in xmts for g in got),
              "%s: every answer echoes one of our transmit timestamps" % src)
        return got
    finally:
        s.close()


def delta(d, before):
    after = d.stats()
    return {k: after[k] - before[k] for k in after}, after


def is_kod_deny(g):
    return (g["len"] == 48 and g["stratum"] == 0 and g["leap"] == 3 and g["mode"] == 4
            and g["refid"] == DENY and g["version"] == 4 and g["poll"] == 6)


def most_specific():
    rng = random.SystemRandom()
    a, b, c = rng.randint(64, 250), rng.randint(1, 250), rng.randint(2, 250)
    other = a - 1
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim",
                "deny 127.%d.%d.%d kod" % (a, b, c),
                "allow 127.%d.%d.0/24" % (a, b),
                "deny 127.%d.0.0/16" % a,
                "allow 127.0.0.0/8"])
    server = ("127.0.0.1", d.port())
    d.wait_line(r"allow/deny rules: 4, clients no rule matches are denied")
    before = d.stats()
    src_ok = "127.%d.7.9" % other            # only in 127/8: allowed
    src_deny = "127.%d.%d.9" % (a, b + 1)    # in the /16: denied
    src_inner = "127.%d.%d.%d" % (a, b, c + 1)  # in the /24: allowed
    src_kod = "127.%d.%d.%d" % (a, b, c)     # the /32 with kod
    got = ask(server, src_ok, n=3)
    check(len(got) == 3 and all(g["stratum"] != 0 for g in got),
          "%s (allow 127.0.0.0/8) answered 3 of 3" % src_ok)
    got = ask(server, src_deny, n=5)
    check(got == [], "%s (deny 127.%d.0.0/16) got nothing for 5 requests" % (src_deny, a))
    got = ask(server, src_inner, n=2)
    check(len(got) == 2 and all(g["stratum"] != 0 for g in got),
          "%s (allow 127.%d.%d.0/24 inside the denied /16) answered 2 of 2" % (src_inner, a, b))
    got = ask(server, src_kod, n=4)
    check(len(got) == 4 and all(is_kod_deny(g) for g in got),
          "%s (deny ... kod) got 4 KoD DENY of 48 bytes, leap 3, stratum 0" % src_kod)
    got = ask(server, src_kod, mode=6) + ask(server, src_kod, mode=7)
    check(got == [], "%s: mode 6 and 7 get nothing, not even a KoD" % src_kod)
    got = ask(server, src_ok, mode=6)
    check(got == [], "%s: mode 6 from an allowed address gets nothing" % src_ok)
    moved, after = delta(d, before)
    want = dict((k, 0) for k in moved)
    want.update(received=3 + 5 + 2 + 4 + 2 + 1, replied=3 + 2 + 4, denied=5 + 2, kod_deny=4,
                control=1)
    check(moved == want, "counters moved by exactly %s (got %s)" % (want, moved))
    check(after["received"] == after["replied"] + after["denied"] + after["control"],
          "received = replied + denied + control")
    code, _ = d.terminate()
    check(code == 0, "tsyncd exits 0")


def defaults():
    rng = random.SystemRandom()
    a = rng.randint(64, 250)
    # Only deny lines: what they do not match is answered.
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "deny 127.%d.0.0/16" % a])
    server = ("127.0.0.1", d.port())
    d.wait_line(r"allow/deny rules: 1, clients no rule matches are allowed")
    before = d.stats()
    check(len(ask(server, "127.%d.1.1" % (a - 1))) == 1, "deny only: an unmatched address is answered")
    check(ask(server, "127.%d.1.1" % a) == [], "deny only: 127.%d.1.1 is not" % a)
    moved, _ = delta(d, before)
    check(moved["denied"] == 1 and moved["replied"] == 1, "deny only: denied 1, replied 1")
    d.terminate()
    # One allow line: what it does not match is denied.
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "allow 127.%d.0.0/16" % a])
    server = ("127.0.0.1", d.port())
    before = d.stats()
    check(len(ask(server, "127.%d.1.1" % a)) == 1, "allow: 127.%d.1.1 is answered" % a)
    check(ask(server, "127.%d.1.1" % (a - 1)) == [], "allow: an unmatched address is denied")
    moved, _ = delta(d, before)
    check(moved["denied"] == 1 and moved["replied"] == 1, "allow: denied 1, replied 1")
    d.terminate()


def ipv6():
    d = Tsyncd(["listen ::1 port 0", "listen 127.0.0.1 port 0", "clock sim",
                "deny ::1 kod", "deny 127.0.0.0/8", "allow ::/0"])
    before = d.stats()
    got = ask(("::1", d.port("::1")), "::1", n=2)
    check(len(got) == 2 and all(is_kod_deny(g) for g in got), "::1 (deny ::1 kod) got 2 KoD DENY")
    check(ask(("127.0.0.1", d.port("127.0.0.1")), "127.0.0.1") == [],
          "127.0.0.1 (deny 127.0.0.0/8, the allow is IPv6 only) got nothing")
    moved, _ = delta(d, before)
    check(moved["kod_deny"] == 2 and moved["denied"] == 1 and moved["replied"] == 2,
          "IPv6: kod_deny 2, denied 1, replied 2 (%s)" % moved)
    d.terminate()


def test():
    most_specific()
    defaults()
    ipv6()


if __name__ == "__main__":
    main(test)
