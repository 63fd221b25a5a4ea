#!/usr/bin/env python3
"""
Least privilege (`user`, `controlgroup`), tsyncd started as root (as CI
and this suite run). With `user nobody` and a sim clock, every thread of
the daemon runs as nobody:nogroup with no capability left in any set and
no_new_privs; it still answers NTP, follows an upstream, answers `tsync
status`, and writes its drift file at exit. The control socket is
root:daemon 0660: a client in group daemon is let in, one outside it is
not. Started as nobody with ambient capabilities (as tsyncd.service does),
`user nobody` gives them up; started as nobody with none and `clock
system`, it warns and runs. Refusals: an unknown user, `user root`, and a start as a third user.
"""
import grp
import os
import re
import signal
import stat

from privtest import NOBODY, proc_status, wait_updates
from tsynctest import (LoggedProcess, Tsyncd, check, decode, exchange, info, main, request,
                       run, tmpdir, tsync, tsync_path, tsyncd_path, udp_socket)

CTL_GROUP = grp.getgrnam("daemon")
WANT_UID = "\t".join([str(NOBODY.pw_uid)] * 4)
WANT_GID = "\t".join([str(NOBODY.pw_gid)] * 4)


def check_task(pid, tid, what):
    st = proc_status(pid, tid)
    check(st["Uid"] == WANT_UID and st["Gid"] == WANT_GID,
          "%s: real, effective, saved and fs uid and gid are nobody's (%s / %s)" %
          (what, st["Uid"], st["Gid"]))
    check(st["Groups"].split() == [str(g) for g in os.getgrouplist("nobody", NOBODY.pw_gid)],
          "%s: supplementary groups are nobody's (%r)" % (what, st["Groups"]))
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        check(int(st[k], 16) == 0, "%s: %s is empty (%s)" % (what, k, st[k]))
    check(st["NoNewPrivs"] == "1", "%s: no_new_privs is set" % what)


def answers(port):
    """A server reply to a client request, synchronised or not."""
    reply = exchange(udp_socket("127.0.0.1"), ("127.0.0.1", port), request(), timeout=10)[0]
    return reply is not None and decode(reply)["mode"] == 4


def as_user(uid, gid, *args):
    return run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"] +
               list(args))


def start(upstream):
    d = tmpdir()
    os.chown(d, NOBODY.pw_uid, NOBODY.pw_gid)  # the drift file's directory: nobody's
    ctl = os.path.join(tmpdir(), "tsyncd.sock")
    drift = os.path.join(d, "drift")
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0.001 drift 20", "user nobody",
                "control " + ctl, "controlgroup daemon", "driftfile " + drift,
                "server localhost port %d minpoll -2 maxpoll -2 iburst" % upstream.port()],
               name="dropped")
    t.wait_line(r"^tsyncd: running as nobody \(uid %d\) with no capabilities$" % NOBODY.pw_uid)
    return t, ctl, drift


def check_process(t):
    pid = t.proc.pid
    tids = sorted(os.listdir("/proc/%d/task" % pid))
    info("threads %s" % tids)
    check(len(tids) > 1, "the resolver's threads exist (%d tasks)" % len(tids))
    for tid in tids:
        check_task(pid, tid, "task %s" % tid)


def check_control(ctl):
    st = os.stat(ctl)
    check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
          "the control socket is a socket of mode 0660 (%o)" % st.st_mode)
    check(st.st_uid == 0 and st.st_gid == CTL_GROUP.gr_gid,
          "it is owned by root and group daemon (%d:%d)" % (st.st_uid, st.st_gid))
    r = tsync("-s", ctl, "status")
    check(r.code == 0 and re.search(r"^clock +sim$", r.out, re.M), "root runs tsync status")
    r = as_user(NOBODY.pw_uid, CTL_GROUP.gr_gid, tsync_path(), "-s", ctl, "status")
    check(r.code == 0 and re.search(r"^clock +sim$", r.out, re.M),
          "a member of group daemon runs tsync status (%r)" % r.err)
    r = as_user(NOBODY.pw_uid, NOBODY.pw_gid, tsync_path(), "-s", ctl, "status")
    check(r.code != 0 and "ermission denied" in r.err,
          "a user outside group daemon is refused (%d %r)" % (r.code, r.err))


def dropped():
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    t, ctl, drift = start(up)
    check_process(t)
    check(answers(t.port()), "it answers an NTP request")
    check_control(ctl)
    wait_updates(t)
    code, stats = t.terminate()
    check(code == 0, "SIGTERM: it exits 0 (%s)" % t.status())
    check(stats["replied"] >= 1, "its stats count the query it answered")
    st = os.stat(drift)
    check(st.st_uid == NOBODY.pw_uid, "the drift file was written, by nobody")
    with open(drift) as f:
        text = f.read()
    check(re.fullmatch(r"[+-]?\d+\.\d+ \d+\.\d+\n?", text) is not None,
          "it holds a frequency and its skew (%r)" % text)
    up.terminate()


def refused(config, pattern, what, uid=None, gid=None):
    d = tmpdir()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(["listen 127.0.0.1 port 0", "clock readonly", "control none"] +
                          config) + "\n")
    args = [tsyncd_path(), "-n", "-f", conf]
    r = run(args) if uid is None else as_user(uid, gid, *args)
    check(r.code == 1 and re.search(pattern, r.err, re.M),
          "%s: exit 1 and says so (%d %r)" % (what, r.code, r.err))


def refusals():
    refused(["user tsync-no-such-user"], r"user tsync-no-such-user: no such user$",
            "an unknown user")
    refused(["user root"], r"user root: is root; name an unprivileged user$", "user root")
    refused(["user daemon"], r"user daemon: tsyncd must start as root or as that user$",
            "started as nobody with user daemon", NOBODY.pw_uid, NOBODY.pw_gid)
    refused(["user nobody", "driftfile /drift"],
            r"driftfile /drift: its directory / is not writable by the user: Permission denied",
            "a drift file in a directory nobody cannot write")
    refused(["controlgroup tsync-no-such-group"],
            r"controlgroup tsync-no-such-group: no such group$", "an unknown control group")


def as_systemd():
    """Started as nobody with CAP_SYS_TIME and CAP_NET_BIND_SERVICE ambient,
    as tsyncd.service starts it: `user nobody` gives up both (clock readonly)."""
    d = tmpdir()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock readonly\ncontrol none\nuser nobody\n")
    caps = "+sys_time,+net_bind_service"
    t = LoggedProcess("systemd-like", ["setpriv", "--reuid=%d" % NOBODY.pw_uid,
                                       "--regid=%d" % NOBODY.pw_gid, "--clear-groups",
                                       "--inh-caps=" + caps, "--ambient-caps=" + caps, "--",
                                       tsyncd_path(), "-n", "-f", conf])
    t.wait_line(r"^tsyncd: running as nobody \(uid %d\) with no capabilities$" % NOBODY.pw_uid)
    _, m = t.wait_line(r"^tsyncd: listening on 127\.0\.0\.1:(\d+)$")
    t.wait_line(r"^tsyncd: serving ")
    st = proc_status(t.proc.pid)
    check(st["Uid"] == WANT_UID, "started as nobody, it is still nobody")
    for k in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        check(int(st[k], 16) == 0, "it gave up the unit's capabilities: %s %s" % (k, st[k]))
    check(st["NoNewPrivs"] == "1", "no_new_privs is set")
    check(answers(int(m.group(1))), "it answers an NTP request")
    t.proc.send_signal(signal.SIGTERM)
    check(t.wait_exit() == 0, "SIGTERM: it exits 0")


def without_caps():
    """Started as nobody with no capability at all and `clock system` (so the
    kernel refuses any change of the clock): it warns, keeps nothing, runs."""
    d = tmpdir()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock system\ncontrol none\nuser nobody\n")
    t = LoggedProcess("no-caps", ["setpriv", "--reuid=%d" % NOBODY.pw_uid,
                                  "--regid=%d" % NOBODY.pw_gid, "--clear-groups", "--",
                                  tsyncd_path(), "-n", "-f", conf])
    t.wait_line(r"^tsyncd: warning: user: started without CAP_SYS_TIME: the clock cannot be "
                r"adjusted$")
    t.wait_line(r"^tsyncd: running as nobody \(uid %d\) with no capabilities$" % NOBODY.pw_uid)
    t.wait_line(r"^tsyncd: serving ")
    st = proc_status(t.proc.pid)
    check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
          "started without CAP_SYS_TIME, it warns and runs with none")
    t.proc.send_signal(signal.SIGTERM)
    check(t.wait_exit() == 0, "SIGTERM: it exits 0")


def test():
    dropped()
    as_systemd()
    without_caps()
    refusals()


main(test)
