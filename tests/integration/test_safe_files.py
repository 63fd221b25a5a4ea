#!/usr/bin/env python3
"""
SIGHUP and the files tsyncd is told to use (issue 12). SIGHUP ends tsyncd
as SIGTERM does: the final stats logged, the drift file written, the
control socket removed, exit 0. A drift file that is a symbolic link (to a
decoy) is refused with a clear error, not read, and replaced by a file of
its own at the end, the decoy untouched; one that is a FIFO does not hang
the start. A keys file that is a FIFO or a symbolic link stops tsyncd at
once with a clear error, and `tsync query --keyfile` too. A configuration
file that is a FIFO is refused at once. Started with stdin, stdout and
stderr closed, tsyncd holds them open on /dev/null, so that no file or
socket it opens takes their numbers and receives its log lines.
"""
import os
import re
import signal
import stat
import subprocess
import time

from privtest import wait_updates
from tsynctest import (LoggedProcess, Tsyncd, check, free_udp_port, main, tmpdir, tsync,
                       tsyncd_path)


def sighup_and_drift_link():
    up = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0", "control none"],
                name="upstream")
    d = tmpdir()
    decoy = os.path.join(d, "decoy")
    with open(decoy, "w") as f:
        f.write("123.456\n")
    drift = os.path.join(d, "drift")
    os.symlink(decoy, drift)
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0.001 drift 20",
                "driftfile " + drift,
                "server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % up.port()],
               name="client")
    line = "tsyncd: error: driftfile %s: a symbolic link, not followed; refused" % drift
    check(line in t.lines, "a drift file that is a symbolic link: %r" % line)
    check(not any("from " + drift in l for l in t.lines), "its target is not read as a frequency")
    wait_updates(t)
    t.proc.send_signal(signal.SIGHUP)
    code = t.wait_exit()
    check(code == 0, "SIGHUP: exit 0 (%s)" % t.status())
    check("tsyncd: shutting down on signal %d" % signal.SIGHUP in t.lines,
          "it says it shuts down on signal %d" % signal.SIGHUP)
    check(any(l.startswith("tsyncd: stats server ") for l in t.lines) and
          any(l.startswith("tsyncd: stats control ") for l in t.lines),
          "the final stats lines are logged")
    check(not os.path.exists(t.socket), "the control socket is removed")
    st = os.lstat(drift)
    with open(drift) as f:
        text = f.read()
    check(stat.S_ISREG(st.st_mode) and re.match(r"^[-+]?\d+\.\d+( \d+\.\d+)?\n$", text),
          "the drift file is written, a file of its own now (%r)" % text)
    with open(decoy) as f:
        check(f.read() == "123.456\n", "the link's target is untouched")
    code, _ = up.terminate()
    check(code == 0, "the upstream exits 0")


def drift_fifo():
    d = tmpdir()
    fifo = os.path.join(d, "drift")
    os.mkfifo(fifo, 0o600)
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "driftfile " + fifo,
                "server 127.0.0.1 port %d minpoll -2 maxpoll -2" % free_udp_port()],
               name="drift-fifo", wait=False)
    t.wait_ready(timeout=10)
    line = "tsyncd: error: driftfile %s: a FIFO, not a regular file; refused" % fifo
    check(line in t.lines, "a drift file that is a FIFO does not hang the start: %r" % line)
    code, _ = t.terminate()
    check(code == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode),
          "SIGTERM: exit 0, the FIFO left as it was (no frequency was learnt)")


def keys_refused():
    d = tmpdir()
    fifo = os.path.join(d, "keys.fifo")
    os.mkfifo(fifo, 0o600)
    real = os.path.join(d, "keys")
    with open(real, "w") as f:
        f.write("1 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n")
    os.chmod(real, 0o600)
    link = os.path.join(d, "keys.link")
    os.symlink(real, link)
    for path, why in ((fifo, "a FIFO, not a regular file; refused"),
                      (link, "a symbolic link, not followed; refused")):
        conf = os.path.join(d, "t.conf")
        with open(conf, "w") as f:
            f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol none\nkeyfile %s\n" % path)
        p = LoggedProcess("tsyncd-keys", [tsyncd_path(), "-n", "-f", conf])
        code = p.wait_exit(timeout=10)
        want = "keyfile %s: %s" % (path, why)
        check(code == 1 and any(l.endswith(want) for l in p.lines),
              "tsyncd: a keys file that is %s: exit 1 (%s) saying %r" % (why.split(",")[0],
                                                                         code, want))
        r = tsync("query", "--keyfile", path, "--key", "1", "127.0.0.1:%d" % free_udp_port(),
                  timeout=10)
        check((r.code, r.err) == (1, "tsync: %s\n" % want),
              "tsync query --keyfile: exit 1 with the same reason (%s, %r)" % (r.code, r.err))
    # The regular file behind the link is accepted: the refusal was the link.
    conf = os.path.join(d, "t.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol none\nkeyfile %s\n" % real)
    t = Tsyncd([l for l in open(conf).read().splitlines()], name="tsyncd-keys-ok")
    code, _ = t.terminate()
    check(code == 0, "the same keys as a regular file: served, exit 0")


def config_fifo():
    """A configuration file that is a FIFO: refused at once, not waited on."""
    d = tmpdir()
    fifo = os.path.join(d, "tsyncd.conf")
    os.mkfifo(fifo, 0o600)
    for args in (["-n", "-f", fifo], ["-t", "-f", fifo]):
        p = LoggedProcess("tsyncd-conf-fifo", [tsyncd_path()] + args)
        code = p.wait_exit(timeout=10)
        want = "tsyncd: %s: not a regular file; refused" % fifo
        check(code == 1 and want in p.lines,
              "tsyncd %s: a FIFO configuration: exit 1 (%s) saying %r" % (args[0], code, want))


def closed_stdio():
    d = tmpdir()
    conf = os.path.join(d, "t.conf")
    sock = os.path.join(d, "ctl.sock")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol %s\n" % sock)

    def close_stdio():
        for fd in (0, 1, 2):
            os.close(fd)
    p = subprocess.Popen([tsyncd_path(), "-n", "-f", conf], preexec_fn=close_stdio,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while tsync("--socket", sock, "status").code != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        check(tsync("--socket", sock, "status").code == 0,
              "started with fds 0-2 closed, tsyncd serves its control socket")
        targets = [os.readlink("/proc/%d/fd/%d" % (p.pid, fd)) for fd in (0, 1, 2)]
        check(targets == ["/dev/null"] * 3,
              "its fds 0-2 are /dev/null, not a socket or file of its own (%s)" % targets)
        p.send_signal(signal.SIGTERM)
        check(p.wait(timeout=20) == 0, "SIGTERM: exit 0")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test():
    closed_stdio()
    config_fifo()
    keys_refused()
    drift_fifo()
    sighup_and_drift_link()


if __name__ == "__main__":
    main(test)
