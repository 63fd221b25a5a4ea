#!/usr/bin/env python3
"""
Names of servers and pools (ntp_names, resolver.c), each client tsyncd in a
mount namespace of its own whose /etc/hosts or /etc/resolv.conf is the
test's (the machine's files are untouched):
- `server localhost` on Debian's /etc/hosts (::1 then 127.0.0.1), the
  upstream on 127.0.0.1 only: [::1] is dropped after 8 unanswered
  requests, 127.0.0.1 polled and followed, and it alone is listed;
- a server name whose only address is dead is resolved again (a toy DNS
  server), no sooner than 16 polls after the first resolution, and the new
  address is followed;
- a pool member that never answers, and one that is a falseticker, are each
  replaced by a fresh address of the pool's name.
"""
import os
import re
import signal
import time

from dnstest import ToyDns, in_namespace
from tsynctest import (LoggedProcess, Tsyncd, check, info, load_json, main, random_loopback_address,
                       tmpdir, tsync, tsyncd_path)

DEBIAN_HOSTS = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
POLL = "minpoll -4 maxpoll -4 iburst"
DEADLINE = 30


def upstream(addr, port=0, offset=0):
    return Tsyncd(["listen %s port %d" % (addr, port), "stratum 1",
                   "clock sim offset %g" % offset, "control none"], name="upstream-" + addr)


def client(name, lines, files):
    """tsyncd with a sim clock and a control socket, its name resolved
    through files [(file, /etc/...)] bind-mounted in its namespace."""
    d = tmpdir()
    ctl = os.path.join(d, "tsyncd.sock")
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(["listen 127.0.0.1 port 0", "clock sim offset 0.25",
                           "control " + ctl] + lines) + "\n")
    t = LoggedProcess(name, in_namespace(files, [tsyncd_path(), "-n", "-f", conf]))
    t.wait_line(r"^tsyncd: serving ")
    return t, ctl


def sources(ctl):
    r = tsync("-s", ctl, "sources", "--json")
    check(r.code == 0, "tsync sources --json exits 0 (%r)" % r.err)
    return {s["address"]: s["state"] for s in load_json(r.out)["sources"]}


def wait_sources(ctl, want, what):
    """Until tsync sources lists exactly the addresses of want."""
    deadline = time.monotonic() + DEADLINE
    got = None
    while time.monotonic() < deadline:
        got = sources(ctl)
        if sorted(got) == sorted(want):
            info("%s: %s" % (what, got))
            return got
        time.sleep(0.2)
    check(False, "%s: tsync sources lists %s (got %s)" % (what, sorted(want), got))


def stop(t):
    t.proc.send_signal(signal.SIGTERM)
    code = t.wait_exit()
    check(code == 0, "%s: SIGTERM: exits 0 (%s)" % (t.name, t.status()))


def ordered(t, patterns):
    """Each pattern matches a line after the previous one's."""
    i = 0
    for p in patterns:
        i, m = t.wait_line(p, i, DEADLINE)
        i += 1
    return i


def server_fallback():
    hosts = os.path.join(tmpdir(), "hosts")
    with open(hosts, "w") as f:
        f.write(DEBIAN_HOSTS)
    up = upstream("127.0.0.1")
    p = up.port()
    t, ctl = client("localhost", ["server localhost port %d %s" % (p, POLL)],
                    [(hosts, "/etc/hosts")])
    six, four = re.escape("[::1]:%d" % p), re.escape("127.0.0.1:%d" % p)
    ordered(t, [r"^tsyncd: polling %s \(localhost\) every 2\^-4\.\.2\^-4 s, iburst$" % six,
                r"^tsyncd: warning: %s \(localhost\): no reply to 8 requests: "
                r"trying another address$" % six,
                r"^tsyncd: %s \(localhost\): no longer polled$" % six,
                r"^tsyncd: polling %s \(localhost\) " % four,
                r"^tsyncd: synchronised to %s, " % four])
    got = wait_sources(ctl, ["127.0.0.1:%d" % p], "server localhost")
    check(got["127.0.0.1:%d" % p] == "selected", "127.0.0.1 is the selected source")
    check(not any(re.search(r"resolving the name again", l) for l in t.lines),
          "the next address needed no new resolution")
    stop(t)
    up.terminate()


def server_resolved_again():
    up = upstream(random_loopback_address())
    p = up.port()
    dead, live = random_loopback_address(), up.addrs[0][0]
    dns = ToyDns([dead])
    t, ctl = client("reresolve", ["server tsync-names.test port %d %s" % (p, POLL)],
                    [(dns.resolv_conf(), "/etc/resolv.conf")])
    t.wait_line(r"^tsyncd: polling %s:%d \(tsync-names\.test\)" % (re.escape(dead), p))
    t0 = time.monotonic()
    dns.records = [live]
    ordered(t, [r"^tsyncd: warning: %s:%d \(tsync-names\.test\): no reply to 8 requests: "
                r"trying another address$" % (re.escape(dead), p),
                r"^tsyncd: tsync-names\.test: resolving the name again$",
                r"^tsyncd: %s:%d \(tsync-names\.test\): no longer polled$" % (re.escape(dead), p),
                r"^tsyncd: polling %s:%d \(tsync-names\.test\)" % (re.escape(live), p),
                r"^tsyncd: synchronised to %s:%d, " % (re.escape(live), p)])
    info("replaced and synchronised %.1f s after the first address was polled" %
         (time.monotonic() - t0))
    asked = [q for q in dns.answered if q[0] == 1]
    check(len(asked) == 2, "the name was asked for twice (A questions: %d)" % len(asked))
    wait_sources(ctl, ["%s:%d" % (live, p)], "server resolved again")
    stop(t)
    up.terminate()


def pool_member_dead():
    a = upstream(random_loopback_address())
    p = a.port()
    b = upstream(random_loopback_address(), p)
    dead = random_loopback_address()
    addr_a, addr_b = a.addrs[0][0], b.addrs[0][0]
    dns = ToyDns([dead, addr_a])
    t, ctl = client("pool-dead", ["pool tsync-pool.test port %d %s" % (p, POLL)],
                    [(dns.resolv_conf(), "/etc/resolv.conf")])
    wait_sources(ctl, ["%s:%d" % (dead, p), "%s:%d" % (addr_a, p)], "the pool's first two")
    dns.records = [addr_a, addr_b]
    ordered(t, [r"^tsyncd: warning: %s:%d \(tsync-pool\.test\): no reply to 8 requests: "
                r"trying another address$" % (re.escape(dead), p),
                r"^tsyncd: tsync-pool\.test: resolving the name again$",
                r"^tsyncd: %s:%d \(tsync-pool\.test\): no longer polled$" % (re.escape(dead), p),
                r"^tsyncd: polling %s:%d \(tsync-pool\.test\)" % (re.escape(addr_b), p)])
    wait_sources(ctl, ["%s:%d" % (addr_a, p), "%s:%d" % (addr_b, p)], "the dead member replaced")
    stop(t)
    a.terminate()
    b.terminate()


def pool_member_falseticker():
    a = upstream(random_loopback_address())
    p = a.port()
    b = upstream(random_loopback_address(), p)
    c = upstream(random_loopback_address(), p)
    f = upstream(random_loopback_address(), p, offset=2)
    good = [u.addrs[0][0] for u in (a, b, c)]
    bad = f.addrs[0][0]
    dns = ToyDns([good[0], good[1], bad])
    t, ctl = client("pool-false", ["pool tsync-pool.test port %d %s" % (p, POLL)],
                    [(dns.resolv_conf(), "/etc/resolv.conf")])
    wait_sources(ctl, ["%s:%d" % (x, p) for x in (good[0], good[1], bad)], "the pool's first three")
    dns.records = good + [bad]
    ordered(t, [r"^tsyncd: warning: %s:%d \(tsync-pool\.test\): a falseticker 4 updates in a row: "
                r"trying another address$" % (re.escape(bad), p),
                r"^tsyncd: %s:%d \(tsync-pool\.test\): no longer polled$" % (re.escape(bad), p),
                r"^tsyncd: polling %s:%d \(tsync-pool\.test\)" % (re.escape(good[2]), p)])
    wait_sources(ctl, ["%s:%d" % (x, p) for x in good], "the falseticker replaced")
    stop(t)
    for u in (a, b, c, f):
        u.terminate()


def test():
    server_fallback()
    server_resolved_again()
    pool_member_dead()
    pool_member_falseticker()


main(test)
