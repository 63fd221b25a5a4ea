#!/usr/bin/env python3
"""
tsyncd under systemd, without systemd: the test plays the service
manager. It binds the datagram socket of $NOTIFY_SOCKET (a path, and an
abstract name) and checks that READY=1 comes once the sockets answer
(after the switch to `user nobody` when there is one), that STATUS= says
what tsyncd follows and how far off it is, changes as it synchronises,
comes at most about once a second, and that SIGTERM brings STOPPING=1.
It also plays journald: with $JOURNAL_STREAM naming the "DEV:INO" of
tsyncd's stderr, each line carries its priority as <N> (a warning <4>);
without it, or naming another file, no line does.
Run as root (as CI does), for the `user nobody` case.
"""
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

from privtest import NOBODY, proc_status
from tsynctest import (Tsyncd, check, free_udp_port, info, main, no_valgrind, register, slow,
                       tmpdir, tsync, tsyncd_path, with_env)

POLL = -3
RX_SYNCED = (r"^STATUS=synchronised to 127\.0\.0\.1:%d at stratum 2 \(single of 1 sources\), "
             r"offset [-+]\d+\.\d{6} s$")


class Manager:
    """The service manager's end of $NOTIFY_SOCKET."""

    def __init__(self, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "tsynctest-notify-%d-%d" % (os.getpid(), random.SystemRandom().randint(0, 1 << 30))
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.env = os.path.join(tmpdir(), "notify")
            self.sock.bind(self.env)
            os.chmod(self.env, 0o777)  # for a daemon that became nobody

    def recv(self, timeout=20):
        """The next message, as a list of KEY=VALUE lines; a failure if none."""
        self.sock.settimeout(slow(timeout))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            check(False, "a notification within %g s" % slow(timeout))
        return data.decode().split("\n")

    def recv_until(self, pattern, timeout=60):
        deadline = time.monotonic() + slow(timeout)
        while True:
            msg = self.recv(max(deadline - time.monotonic(), 0.1))
            if any(re.match(pattern, l) for l in msg):
                return msg


def berkeley_conf(d):
    """A daemon that warns at start (auth none) and serves the local clock."""
    rng = random.SystemRandom()
    return ["listen 127.0.0.1 port 0", "stratum 8", "clock sim", "control %s/ctl.sock" % d,
            "berkeley slave", "berkeley group 239.255.%d.%d port %d interface lo" %
            (rng.randint(10, 250), rng.randint(1, 254), free_udp_port()),
            "berkeley auth none"]


def journal_stream():
    """tsyncd with stderr a pipe whose DEV:INO is in $JOURNAL_STREAM, and
    the manager's socket: READY, a status answered, SIGTERM, STOPPING, and
    every line prefixed with its priority."""
    d, mgr = tmpdir(), Manager()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("\n".join(berkeley_conf(d)) + "\n")
    r, w = os.pipe()
    st = os.fstat(w)
    env = dict(os.environ, NOTIFY_SOCKET=mgr.env, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
    p = register(subprocess.Popen([tsyncd_path(), "-n", "-f", conf], stdin=subprocess.DEVNULL,
                                  stdout=w, stderr=w, env=env))
    os.close(w)
    out = []
    reader = threading.Thread(target=lambda: out.extend(os.fdopen(r, errors="replace")),
                              daemon=True)
    reader.start()
    msg = mgr.recv()
    check(msg == ["READY=1", "STATUS=serving the local clock at stratum 8, no upstream"],
          "the first notification is READY=1 with the status (%r)" % msg)
    res = tsync("-s", os.path.join(d, "ctl.sock"), "status")
    check(res.code == 0, "at READY=1 the control socket answers")
    p.send_signal(signal.SIGTERM)
    msg = mgr.recv()
    check(msg == ["STOPPING=1", "STATUS=shutting down"], "SIGTERM: STOPPING=1 (%r)" % msg)
    check(p.wait(timeout=slow(20)) == 0, "and tsyncd exits 0")
    reader.join(timeout=10)
    lines = [l.rstrip("\n") for l in out]
    info("journal stream: %d lines, e.g. %r" % (len(lines), lines[:2]))
    check(any(re.match(r"^<4>tsyncd: warning: berkeley: auth none: ", l) for l in lines),
          "the auth-none warning comes with <4>")
    check(any(re.match(r"^<6>tsyncd: serving stratum 8, ", l) for l in lines),
          "the serving line comes with <6>")
    check(lines and all(re.match(r"^<[3467]>tsyncd: ", l) for l in lines),
          "every line carries a priority")


def plain_stderr():
    """No $JOURNAL_STREAM, or one naming another file: no prefix."""
    other = os.path.join(tmpdir(), "other")
    open(other, "w").close()
    st = os.stat(other)
    for name, env in (("no JOURNAL_STREAM", {}),
                      ("JOURNAL_STREAM of another file",
                       {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})):
        saved = os.environ.pop("JOURNAL_STREAM", None)
        try:
            t = with_env(env, lambda: Tsyncd(berkeley_conf(tmpdir()), name="plain"))
        finally:
            if saved is not None:
                os.environ["JOURNAL_STREAM"] = saved
        code, _ = t.terminate()
        check(code == 0 and any(re.match(r"^tsyncd: warning: berkeley: auth none: ", l)
                                for l in t.lines),
              "%s: the warning has no prefix" % name)
        check(not any(l.startswith("<") for l in t.lines), "%s: no line has one" % name)


def following():
    """A client of a stratum 1 upstream, told through an abstract socket:
    STATUS= from not synchronised to synchronised, on change only, at most
    about once a second; then STOPPING=1."""
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    port = up.port()
    mgr = Manager(abstract=True)
    cl = with_env({"NOTIFY_SOCKET": mgr.env}, lambda: Tsyncd(
        ["listen 127.0.0.1 port 0", "clock sim offset 0.2", "makestep 0.1 -1",
         "server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" % (port, POLL, POLL)],
        name="client", wait=False))
    msg = mgr.recv()
    check(msg[0] == "READY=1" and re.match(r"^STATUS=not synchronised", msg[1]) is not None,
          "READY=1 first, not synchronised yet (%r)" % msg)
    msg = mgr.recv_until(RX_SYNCED % port)
    info("status: %r" % msg)
    # Updates come 8 times a second; the status is looked at once a second.
    t0, seen = time.monotonic(), []
    mgr.sock.settimeout(0.2)
    while time.monotonic() - t0 < 5:
        try:
            seen.append(mgr.sock.recv(4096).decode())
        except socket.timeout:
            pass
    check(len(seen) <= 6, "at most about one STATUS= a second (%d in 5 s)" % len(seen))
    check(all(a != b for a, b in zip(seen, seen[1:])), "each differs from the one before")
    check(all(re.match(RX_SYNCED % port, m) for m in seen), "and each says synchronised")
    cl.proc.send_signal(signal.SIGTERM)
    msg = mgr.recv_until(r"^STOPPING=1$")
    check(cl.wait_exit() == 0, "SIGTERM: STOPPING=1, exit 0")


def after_privdrop():
    """With `user nobody`, READY=1 comes once tsyncd is nobody; under the
    seccomp filter, the status and STOPPING=1 still get out."""
    mgr = Manager()
    t = with_env({"NOTIFY_SOCKET": mgr.env},
                 lambda: Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "stratum 9",
                                 "user nobody", "seccomp on"], name="nobody", wait=False))
    msg = mgr.recv()
    uid = proc_status(t.proc.pid)["Uid"].split()
    check(msg[0] == "READY=1" and uid == [str(NOBODY.pw_uid)] * 4,
          "READY=1 once the daemon is nobody (uids %s)" % uid)
    t.wait_line(r"^tsyncd: seccomp filter on")
    code, _ = t.terminate()
    msg = mgr.recv()
    check(code == 0 and msg[0] == "STOPPING=1",
          "under seccomp, nobody's STOPPING=1 reaches the manager (%s, %r)" % (code, msg))


def test():
    check(os.geteuid() == 0, "running as root (as CI does), for `user nobody`")
    journal_stream()
    plain_stderr()
    following()
    no_valgrind("the seccomp filter, which valgrind 3.19 cannot run")
    after_privdrop()


if __name__ == "__main__":
    main(test)
