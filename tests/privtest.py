"""
What the least-privilege tests share: a task's /proc status, and waiting
until a daemon's client has made enough updates to have a frequency (and
so a drift file) to save.
"""
import pwd
import time

from tsynctest import check, info

NOBODY = pwd.getpwnam("nobody")


def proc_status(pid, tid=None):
    """/proc/PID/status (or a thread's) as a dict of its fields."""
    path = "/proc/%d/status" % pid if tid is None else "/proc/%d/task/%s/status" % (pid, tid)
    with open(path) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def wait_updates(t, n=8, timeout=90):
    """`tsync stats` until the source counts n updates: past the
    discipline's first four, it has a frequency to save."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        srcs = t.counters()["source"]
        got = srcs[0]["updates"] if srcs else 0
        if got >= n:
            info("%s: %d updates" % (t.name, got))
            return
        time.sleep(0.5)
    check(False, "%s made %d updates within %d s" % (t.name, n, timeout))
