#!/usr/bin/env python3
"""
tsyncd under its seccomp filter (`seccomp on`, whose default action kills
the process). One filtered daemon does all its steady state: serves NTP,
resolves `localhost` and follows an upstream tsyncd with a sim clock,
runs a Berkeley group as master with a slave, answers `tsync status`,
`sources` and `berkeley`, logs stats on SIGUSR1, writes its drift file and
exits 0 on SIGTERM: never killed by SIGSYS. /proc shows the filter on every
thread (Seccomp 2, one filter); a second run, started as root with `user
nobody`, does the same with both the drop and the filter. Last, a name
resolved through DNS wholly under the filter: in a mount namespace whose
resolv.conf names a toy DNS server on loopback, which fails the first
lookup, so that tsyncd's retry 30 s later runs filtered from start to end.
"""
import os
import re
import signal

from brktest import Node, group_port, random_group, wait_round
from dnstest import ToyDns, in_namespace
from privtest import NOBODY, proc_status, wait_updates
from tsynctest import (LoggedProcess, Tsyncd, check, main, no_valgrind, tmpdir, tsync,
                       tsyncd_path)



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
    check(any(l.startswith("tsyncd: stats berkeley ") for l in t.lines) and
          any(l.startswith("tsyncd: stats server ") for l in t.lines),
          "%s: the SIGUSR1 reports ran to the end" % name)
    with open(drift) as f:
        text = f.read()
    check(re.fullmatch(r"[+-]?\d+\.\d+ \d+\.\d+\n?", text) is not None,
          "%s: the drift file was written (%r)" % (name, text))
    slave.terminate()
    up.terminate()


def dns_retry():
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    dns = ToyDns(failing=True)
    resolv = dns.resolv_conf()
    d = tmpdir()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim offset 0.001\ncontrol none\n"
                "seccomp on\nuser nobody\n"
                "server tsync-seccomp.test port %d minpoll -2 maxpoll -2 iburst\n" % up.port())
    t = LoggedProcess("resolving", in_namespace([(resolv, "/etc/resolv.conf")],
                                                 [tsyncd_path(), "-n", "-f", conf]))
    t.wait_line(r"^tsyncd: seccomp filter on")
    t.wait_line(r"^tsyncd: warning: tsync-seccomp\.test: .*; trying again in 30 s$")
    check(dns.answered and all(failed for _, failed in dns.answered),
          "the first lookup failed at the toy DNS server (%d questions)" % len(dns.answered))
    dns.failing = False
    _, m = t.wait_line(r"^tsyncd: polling 127\.0\.0\.1:(\d+) \(tsync-seccomp\.test\)",
                       timeout=90)
    check(int(m.group(1)) == up.port(), "the retry, filtered, resolved the name over DNS")
    check((1, False) in dns.answered, "the toy server answered its A question")
    t.wait_line(r"^tsyncd: synchronised to 127\.0\.0\.1:%d" % up.port(), timeout=60)
    st = proc_status(t.proc.pid)
    check(st["Seccomp"] == "2", "the filter is still on")
    t.proc.send_signal(signal.SIGTERM)
    code = t.wait_exit()
    check(code == 0, "SIGTERM: it exits 0, not killed (%s)" % t.status())
    up.terminate()


def test():
    no_valgrind("valgrind 3.19 does not implement seccomp(2): `seccomp on` cannot start")
    one_run([], "filtered")
    one_run(["user nobody"], "dropped+filtered")
    dns_retry()


main(test)
