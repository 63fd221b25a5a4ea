#!/usr/bin/env python3
"""
A control socket that holds (issue 12), tsyncd started with SIGPIPE at its
default as a shell or an init script would (subprocess's restore_signals):
clients that send STATUS and hang up without reading (100 while tsyncd is
stopped, so that every reply meets EPIPE; then 1,000 at full speed) cost
nothing but a count; 16 idle connections of another user, renewed as the
issue's attacker renewed them, do not lock `tsync status` out (when every
slot is taken, the oldest connection of the user who holds the most is
evicted); one user's connections never evict another's;
`tsyncd -n 2>&1 | head -1` survives its reader; the socket's mode is 0660
whatever the umask. tsyncd must end every case alive and exit 0.
"""
import os
import pwd
import signal
import stat
import subprocess
import sys
import time

from test_control import CTL_KEYS, connect, ctl_stats, header, read_to_eof
from tsynctest import (Failure, LoggedProcess, Tsyncd, check, find_tool, info, main, register,
                       run, slow, tmpdir, tsync, tsyncd_path, vg_check, vg_wrap)

SIGPIPE_BIT = 1 << (signal.SIGPIPE - 1)
MAX_CONNS = 16
NOBODY = pwd.getpwnam("nobody")


def sig_ignored(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("SigIgn:"):
                return int(line.split()[1], 16)
    raise Failure("no SigIgn line for pid %s" % pid)


def status_ok(path):
    r = tsync("-s", path, "status")
    if r.code != 0:
        info("tsync status: exit %s, %r" % (r.code, r.err))
    return r.code == 0 and "synchronised" in r.out


def wait_counters(d, before, within=20, **moved):
    """Poll the counters until they moved exactly by moved (the replies to
    clients that left are sent as tsyncd gets to them), then check it."""
    want = dict(before)
    for k, v in moved.items():
        want[k] += v
    deadline = time.monotonic() + slow(within)
    while True:
        got = ctl_stats(d)
        if got == want or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(got == want, "control counters moved exactly by %s (got %s)" %
          (moved, {k: got[k] - before[k] for k in CTL_KEYS if got[k] != before[k]}))
    return got


def send_and_leave(path):
    """STATUS, then close without reading the reply. Returns False if tsyncd
    had closed the connection before the request went out."""
    s = connect(path)
    try:
        s.sendall(header())
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False
    finally:
        s.close()


def signals_at_start(d):
    r = run(["grep", "^SigIgn:", "/proc/self/status"])
    mask = int(r.out.split()[1], 16)
    check(mask & SIGPIPE_BIT == 0, "programs the tests start have SIGPIPE at its default "
          "(SigIgn %016x)" % mask)
    mask = sig_ignored(d.proc.pid)
    check(mask & SIGPIPE_BIT, "tsyncd ignores SIGPIPE itself (SigIgn %016x)" % mask)


def hung_up_while_stopped(d, before):
    """100 clients send and leave while tsyncd is stopped: once it runs
    again every reply meets a closed peer (EPIPE), counted `gone`; all 100,
    more than the 16 slots, are read and answered, none evicted."""
    d.proc.send_signal(signal.SIGSTOP)
    try:
        sent = sum(send_and_leave(d.socket) for _ in range(100))
    finally:
        d.proc.send_signal(signal.SIGCONT)
    check(sent == 100, "100 requests sent while tsyncd was stopped (%d)" % sent)
    after = wait_counters(d, before, accepted=100, replied=100, gone=100)
    check(d.alive() and status_ok(d.socket), "tsyncd is alive and answers tsync status")
    return ctl_stats(d)


# Clients that send STATUS and leave without reading, COUNT of them, 4 at
# a time; the connect blocks while tsyncd's backlog is full, as tsync's does.
HANG_UPS = r"""
import socket, struct, sys, threading
path, left, errors = sys.argv[1], [int(sys.argv[2])], []
lock = threading.Lock()
def client():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.sendall(struct.pack("!IBBBBI", 0x54535943, 1, 1, 0, 0, 0))
        except (BrokenPipeError, ConnectionResetError):
            pass  # evicted before it spoke
        except OSError as e:
            errors.append(e)
        s.close()
threads = [threading.Thread(target=client) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done left %d errors %s" % (left[0], errors[:3]), flush=True)
"""


def as_nobody(name, script, *args):
    """A python script run as nobody (group root, so that the socket's mode
    0660 lets it in): another user than the tsync the test runs as root."""
    return LoggedProcess(name, [find_tool("setpriv"), "--reuid=%d" % NOBODY.pw_uid, "--regid=0",
                                "--clear-groups", "--", sys.executable, "-c", script] +
                         [str(a) for a in args])


def thousand_hang_ups(d, before):
    """1,000 clients of another user send and leave, while tsync status
    keeps being answered."""
    p = as_nobody("hang-ups", HANG_UPS, d.socket, 1000)
    n_status, failed = 0, 0
    while p.alive() or n_status < 5:
        n_status += 1
        failed += not status_ok(d.socket)
    _, m = p.wait_line(r"^done ", timeout=60)
    check(p.lines[-1] == "done left 0 errors []", "1,000 clients connected and sent (%s)" %
          p.lines[-1])
    check(failed == 0, "tsync status answered %d times of %d during 1,000 hang-ups" %
          (n_status - failed, n_status))
    want = 1000 + n_status
    deadline = time.monotonic() + slow(20)
    while True:
        got = ctl_stats(d)
        done = got["replied"] + got["evicted"] - before["replied"] - before["evicted"]
        if done >= want or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    moved = {k: got[k] - before[k] for k in CTL_KEYS}
    info("1,000 hang-ups and %d tsync status: %s" % (n_status, moved))
    check(moved["accepted"] == want and moved["replied"] + moved["evicted"] == want,
          "each of the %d connections answered or evicted (%s)" % (want, moved))
    check(sum(moved[k] for k in CTL_KEYS if k not in ("accepted", "replied", "evicted",
                                                     "gone")) == 0,
          "no error, time-out or I/O error counted")
    check(moved["gone"] <= 1000, "at most the 1,000 left before their reply (%d gone)" %
          moved["gone"])
    check(d.alive(), "tsyncd is alive")
    return got


def stopped(d, fn):
    """Run fn while tsyncd is stopped: the connections it makes wait in the
    backlog, and tsyncd takes them all in one go, in order, when it goes
    on. No deadline runs meanwhile, however slow the machine."""
    d.proc.send_signal(signal.SIGSTOP)
    try:
        return fn()
    finally:
        d.proc.send_signal(signal.SIGCONT)


def evicts_oldest(d, before):
    """17 idle connections of one user: the 17th evicts the first; the
    other 16 time out."""
    socks = stopped(d, lambda: [connect(d.socket) for _ in range(MAX_CONNS + 1)])
    check(read_to_eof(socks[0]) == b"", "a 17th connection closes the oldest")
    # The counters are read through the control socket too: only once
    # tsyncd has closed the 16 others at their deadline, so that the read
    # takes a free slot and evicts none of them.
    for s in socks[1:]:
        check(read_to_eof(s) == b"", "an idle connection is closed at its deadline")
    got = wait_counters(d, before, accepted=MAX_CONNS + 1, evicted=1, timeout=MAX_CONNS)
    for s in socks:
        s.close()
    return got
# The attacker, as another user: 16 idle connections, each renewed
# 2.5 s after it was made (before tsyncd's 3 s deadline) or as soon as
# tsyncd closes it, for SECONDS; then it prints how many it made.
ATTACKER = r"""
import select, socket, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return (s, time.monotonic())
socks = [conn() for _ in range(16)]
made = 16
print("ready", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    ready, _, _ = select.select([s for s, _ in socks], [], [], 0.05)
    now = time.monotonic()
    for i, (s, t0) in enumerate(socks):
        if s in ready or now - t0 >= 2.5:
            s.close()
            socks[i] = conn()
            made += 1
print("made %d" % made, flush=True)
"""


def connect_as(uid, path):
    """A connection whose peer credentials say uid (the test runs as root;
    the socket's group, root's, lets it in)."""
    os.seteuid(uid)
    try:
        return connect(path)
    finally:
        os.seteuid(0)


def fair_eviction(d, before):
    """One user's connections never evict another's while that user holds
    more: root's idle connection, the oldest, outlives nobody's 16, and a
    second of root's evicts nobody's next oldest."""
    def make():
        mine = connect(d.socket)
        theirs = [connect_as(NOBODY.pw_uid, d.socket) for _ in range(MAX_CONNS)]
        later = connect(d.socket)
        for s in (mine, later):
            s.sendall(header())
        return mine, theirs, later
    mine, theirs, later = stopped(d, make)
    for s in (mine, later):
        check(len(read_to_eof(s)) > 12, "root's connections are kept: answered")
    for i in (0, 1):
        check(read_to_eof(theirs[i]) == b"", "nobody's connection %d is evicted" % i)
    got = wait_counters(d, before, accepted=MAX_CONNS + 2, evicted=2, replied=2,
                        timeout=MAX_CONNS - 2)
    for s in theirs:
        s.close()
    return got


def idle_attack(d, before):
    a = as_nobody("attacker", ATTACKER, d.socket, 6)
    a.wait_line("^ready$")
    answered = 0
    for _ in range(20):  # over 4 s: past the 3 s deadline and the renewals
        answered += status_ok(d.socket)
        time.sleep(0.2)
    _, m = a.wait_line(r"^made (\d+)$", timeout=20)
    check(answered == 20, "16 idle connections of another user, renewed: tsync status "
          "answered %d of 20" % answered)
    got = ctl_stats(d)
    moved = {k: got[k] - before[k] for k in CTL_KEYS}
    info("idle attack (%s connections made): %s" % (m.group(1), moved))
    check(moved["evicted"] >= 1, "the attacker's connections were evicted to let tsync in (%d)"
          % moved["evicted"])
    check(moved["replied"] == 20, "20 replies, to tsync (%d)" % moved["replied"])
    check(d.alive(), "tsyncd is alive")


def head_one():
    """tsyncd -n 2>&1 | head -1: head leaves after the first line; every
    later log line meets EPIPE, and tsyncd carries on."""
    d = tmpdir()
    sock = os.path.join(d, "t.sock")
    conf = os.path.join(d, "t.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol %s\n" % sock)
    args, vg_log = vg_wrap([tsyncd_path(), "-n", "-d", "-f", conf], "tsyncd-head")
    daemon = register(subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT))
    head = register(subprocess.Popen(["head", "-1"], stdin=daemon.stdout,
                                     stdout=subprocess.PIPE, text=True))
    daemon.stdout.close()  # head holds the only reader
    line = head.communicate(timeout=slow(20))[0]
    check(line.startswith("tsyncd: listening on 127.0.0.1:"), "head -1 read %r" % line)
    deadline = time.monotonic() + slow(20)
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(sig_ignored(daemon.pid) & SIGPIPE_BIT, "tsyncd ignores SIGPIPE")
    for _ in range(3):
        daemon.send_signal(signal.SIGUSR1)  # stats lines, to a pipe with no reader
        check(status_ok(sock), "tsync status answered after head left")
    check(daemon.poll() is None, "tsyncd is alive after writing to a pipe with no reader")
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=slow(20))
    vg_check(vg_log, code)
    check(code == 0 and not os.path.exists(sock), "SIGTERM: exit 0 (%s), the socket removed"
          % code)


def mode_under_umask():
    for mask, dir_mode in ((0o000, 0o755), (0o077, 0o700)):
        old = os.umask(mask)
        try:
            base = tmpdir()
            path = os.path.join(base, "run", "t.sock")
            d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "control " + path],
                       name="tsyncd-umask-%03o" % mask)
        finally:
            os.umask(old)
        st = os.stat(path)
        check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
              "umask %03o: the socket is bound mode 0660 (%o)" % (mask, stat.S_IMODE(st.st_mode)))
        got = stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)
        check(got == dir_mode, "umask %03o: the directory it made is %o (%o)" %
              (mask, dir_mode, got))
        code, _ = d.terminate()
        check(code == 0, "exit 0")


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim"], name="tsyncd")
    signals_at_start(d)
    counters = ctl_stats(d)
    counters = hung_up_while_stopped(d, counters)
    counters = thousand_hang_ups(d, counters)
    counters = evicts_oldest(d, counters)
    counters = fair_eviction(d, counters)
    idle_attack(d, counters)
    code, _ = d.terminate()
    check(code == 0 and not os.path.exists(d.socket), "SIGTERM: exit 0, the socket removed")
    head_one()
    mode_under_umask()


if __name__ == "__main__":
    main(test)
