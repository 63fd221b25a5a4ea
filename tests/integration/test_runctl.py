#!/usr/bin/env python3
"""
The control socket's commands that change tsyncd's course, each against
sim clocks on loopback:
- makestep: a client 0.4 s ahead, slewing at `maxslew 1000` (400 s to
  go), steps what is left at once: the step tsync prints is the one the
  daemon logs, to the nanosecond, and the client's true offset (measured
  from outside) falls from ~0.4 s to under 5 ms; refused, and counted, to
  a user neither root nor in the controlgroup, who may still read stats;
- burst: two sources polled every 16 s get exactly six more requests each;
- offline/online ADDR|all, run as a member of the `controlgroup`: an
  offline source gets no request (its server counts none), others go on;
  online polls it again; an unknown address is refused and counted.
"""
import json
import os
import re
import time

from privtest import NOBODY
from tsynctest import (Tsyncd, check, find_tool, info, main, parse_query_text, parse_seconds,
                       run, slow, tsync, tsync_path, wait_for)

NOGROUP = 65534


def as_user(gid, *args):
    """tsync run as nobody with only group gid."""
    return run([find_tool("setpriv"), "--reuid=%d" % NOBODY.pw_uid, "--regid=%d" % gid,
                "--clear-groups", "--", tsync_path()] + [str(a) for a in args])


def true_offset(port):
    """The daemon's clock minus the host's, through its own server port;
    None while it serves as unsynchronised."""
    r = tsync("query", "-c", "4", "-i", "0.05", "127.0.0.1:%d" % port)
    if r.code != 0 and "unsync" in r.err:
        return None
    check(r.code == 0, "tsync query of the daemon's server exits 0 (%r)" % r.err)
    return parse_seconds(parse_query_text(r.out)[0]["offset"])


def server(name):
    return Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0"], name=name)


def client(name, servers, poll, extra=()):
    conf = ["listen 127.0.0.1 port 0"] + list(extra)
    conf += ["server 127.0.0.1 port %d minpoll %d maxpoll %d%s" %
             (s.port(), poll, poll, " iburst" if poll < 0 else "") for s in servers]
    return Tsyncd(conf, name=name)


def makestep(a):
    c = client("stepper", [a], -2, ["clock sim offset 0.4", "maxslew 1000"])
    before = wait_for("the client synchronises and serves", lambda: true_offset(c.port()))
    check(abs(before - 0.4) < 0.01, "before makestep it is %+.6f s off, slewing at 1000 ppm"
          % before)
    r = as_user(0, "-s", c.socket, "makestep")
    check(r.code == 1 and "not allowed" in r.err,
          "makestep by nobody (group root, not the controlgroup): refused (%s %r)" %
          (r.code, r.err))
    r = as_user(0, "-s", c.socket, "stats", "--json")
    check(r.code == 0 and '"control":' in r.out, "nobody may still read the counters")
    r = tsync("-s", c.socket, "makestep")
    m = re.fullmatch(r"makestep: stepped ([+-]\d+\.\d{9}) s\n", r.out)
    check(r.code == 0 and m is not None, "makestep by root steps (%s %r)" % (r.code, r.out))
    step = m.group(1)
    check(("tsyncd: stepped the clock by %s s" % step) in c.lines,
          "the daemon logged the same step, %s s, to the nanosecond" % step)
    after = true_offset(c.port())
    check(after is not None, "it serves as synchronised right after the step")
    info("true offset %+.6f s, stepped %s s, then %+.6f s" % (before, step, after))
    check(abs(after) < 0.005, "after makestep the client is within 5 ms (%+.6f s)" % after)
    check(abs(before + float(step) - after) < 0.005,
          "the step was what was left of the slew (%+.6f %s -> %+.6f)" % (before, step, after))
    ctl = c.counters()["control"]
    check(ctl["denied"] == 1, "one command denied, counted (%d)" % ctl["denied"])
    code, _ = c.terminate()
    check(code == 0, "the stepper exits 0")


def burst(a, b):
    c = client("burster", [a, b], 4, ["clock sim offset 0"])
    txs = lambda: [s["tx"] for s in c.counters()["source"]]
    wait_for("each source got its first request", lambda: txs() == [1, 1], 10)
    r = tsync("-s", c.socket, "burst")
    check(r.code == 0 and r.out == "burst: 2 source(s) polled\n", "burst: 2 sources (%r)" % r.out)
    # Six requests 2 s apart: the last 10 s after the first; the next
    # regular poll only 16 s after it.
    wait_for("a burst of six to each source", lambda: txs() == [7, 7], 20)
    time.sleep(2)
    check(txs() == [7, 7], "exactly six more requests each (%s)" % txs())
    code, _ = c.terminate()
    check(code == 0, "the burster exits 0")


def sources_json(d):
    r = tsync("-s", d.socket, "sources", "--json")
    check(r.code == 0, "tsync sources --json exits 0 (%r)" % r.err)
    return json.loads(r.out)["sources"]


def online_offline(a, b):
    c = client("switcher", [a, b], -2, ["clock sim offset 0", "controlgroup nogroup"])
    addr_a = "127.0.0.1:%d" % a.port()
    tx = lambda: {s["address"]: s["tx"] for s in c.counters()["source"]}
    wait_for("both sources polled", lambda: min(tx().values()) >= 4, 10)
    r = as_user(NOGROUP, "-s", c.socket, "offline", addr_a)
    check(r.code == 0 and r.out == "offline: 1 source(s)\n",
          "offline ADDR by a member of the controlgroup (%s %r %r)" % (r.code, r.out, r.err))
    t1, ra = tx(), a.stats()["received"]
    time.sleep(slow(1.5))
    t2 = tx()
    check(t2[addr_a] == t1[addr_a] and a.stats()["received"] == ra,
          "offline: no request to %s (tx %d, its server received %d)" % (addr_a, t2[addr_a], ra))
    other = [k for k in t2 if k != addr_a][0]
    check(t2[other] >= t1[other] + 3, "the other source is still polled (%d -> %d)" %
          (t1[other], t2[other]))
    states = {s["address"]: s["state"] for s in sources_json(c)}
    check(states[addr_a] == "offline" and states[other] != "offline",
          "sources says %s is offline, and only it (%s)" % (addr_a, states))
    r = as_user(NOGROUP, "-s", c.socket, "offline", "192.0.2.9:123")
    check(r.code == 1 and "no such source" in r.err, "an unknown address is refused (%r)" % r.err)
    r = as_user(NOGROUP, "-s", c.socket, "online", addr_a)
    check(r.code == 0 and r.out == "online: 1 source(s)\n", "online ADDR (%r)" % r.out)
    wait_for("polled again", lambda: tx()[addr_a] >= t2[addr_a] + 2, 10)
    states = {s["address"]: s["state"] for s in sources_json(c)}
    check(states[addr_a] != "offline", "online: no longer offline (%s)" % states[addr_a])
    r = as_user(NOGROUP, "-s", c.socket, "offline", "all")
    check(r.code == 0 and r.out == "offline: 2 source(s)\n", "offline all (%r)" % r.out)
    t3 = tx()
    time.sleep(slow(1.5))
    check(tx() == t3, "offline all: no request at all (%s, then %s)" % (t3, tx()))
    r = as_user(NOGROUP, "-s", c.socket, "online", "all")
    check(r.code == 0 and r.out == "online: 2 source(s)\n", "online all (%r)" % r.out)
    wait_for("both polled again", lambda: all(tx()[k] >= t3[k] + 2 for k in t3), 10)
    ctl = c.counters()["control"]
    check(ctl["no_source"] == 1 and ctl["denied"] == 0,
          "counted: one unknown source, nothing denied (%s)" % ctl)
    code, _ = c.terminate()
    check(code == 0, "the switcher exits 0")


def test():
    a, b = server("A"), server("B")
    makestep(a)
    online_offline(a, b)
    burst(a, b)


main(test)
