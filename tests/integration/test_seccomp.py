#!/usr/bin/env python3
"""
tsyncd under its seccomp filter (`seccomp on`, whose default action kills
the process). One filtered daemon does all its steady state: serves NTP,
resolves `localhost` and follows an upstream tsyncd with a sim clock,
runs a Berkeley group as master with a slave, answers `tsync status`,
`sources` and `berkeley`, logs stats on SIGUSR1, writes its drift file and
exits 0 on SIGTERM: never killed by SIGSYS. /proc shows the filter on every
thread (Seccomp 2, one filter); a second run, started as root with `user
nobody`, does the same with both the drop and the filter.
"""
import os
import re

from brktest import Node, group_port, random_group, wait_round
from privtest import NOBODY, proc_status, wait_updates
from tsynctest import Tsyncd, check, main, tmpdir, tsync



def check_filtered(t):
    pid = t.proc.pid
    tids = sorted(os.listdir("/proc/%d/task" % pid))
    check(len(tids) > 1, "%s: the resolver's threads exist (%d tasks)" % (t.name, len(tids)))
    for tid in tids:
        st = proc_status(pid, tid)
        check(st["Seccomp"] == "2" and st["Seccomp_filters"] == "1" and
              st["NoNewPrivs"] == "1",
              "%s task %s: seccomp filter mode, one filter, no_new_privs (%s %s)" %
              (t.name, tid, st["Seccomp"], st["Seccomp_filters"]))


def control(t):
    r = tsync("-s", t.socket, "status")
    check(r.code == 0 and re.search(r"^selection +single$", r.out, re.M),
          "%s: tsync status answers, upstream selected" % t.name)
    r = tsync("-s", t.socket, "sources")
    check(r.code == 0 and re.search(r"^selected ", r.out, re.M), "%s: tsync sources" % t.name)
    r = tsync("-s", t.socket, "berkeley")
    check(r.code == 0 and re.search(r"^state +master$", r.out, re.M),
          "%s: tsync berkeley says master" % t.name)


def one_run(extra, name):
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    d = tmpdir()
    os.chown(d, NOBODY.pw_uid, NOBODY.pw_gid)  # the drift file's directory
    drift = os.path.join(d, "drift")
    group, port = random_group(), group_port()
    conf = ["seccomp on", "driftfile " + drift,
            "server localhost port %d minpoll -2 maxpoll -2 iburst" % up.port()] + extra
    t = Node(name, "master", 0.001, 20, group, port, extra=conf)
    t.wait_line(r"^tsyncd: seccomp filter on")
    slave = Node("slave", "slave", -0.3, 0, group, port)
    check_filtered(t)
    wait_round(t, 2)
    wait_updates(t)
    r = tsync("query", "127.0.0.1:%d" % t.port())
    check(r.code == 0, "%s answers an NTP query, synchronised" % name)
    control(t)
    code, stats = t.terminate()
    check(code == 0, "%s: SIGTERM: exits 0, not killed (%s)" % (name, t.status()))
    check(stats["replied"] >= 1, "%s: its last stats count the query" % name)
    check(any(l.startswith("tsyncd: berkeley stats ") for l in t.lines),
          "%s: the SIGUSR1 reports ran to the end" % name)
    with open(drift) as f:
        text = f.read()
    check(re.fullmatch(r"[+-]?\d+\.\d+\n?", text) is not None,
          "%s: the drift file was written (%r)" % (name, text))
    slave.terminate()
    up.terminate()


def test():
    one_run([], "filtered")
    one_run(["user nobody"], "dropped+filtered")


main(test)
