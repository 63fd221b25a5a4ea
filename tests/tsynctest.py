"""
Shared helpers for the integration and interop tests: run tsyncd on
loopback with a temporary config, read its log, ask it for its counters,
run tsync, and always clean up every process the test started.
Standard library only. Programs come from $TSYNCD and $TSYNC.
"""
import atexit
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900 to 1970
STATS_KEYS = ["received", "replied", "short", "version", "trailer", "control", "mode",
              "send_error", "unstamped", "denied", "ratelimited", "kod_deny", "kod_rate",
              "auth_reply", "nak_unknown_key", "nak_bad_mac"]
DROP_KEYS = ["short", "version", "trailer", "control", "mode", "denied", "ratelimited"]

# TSYNCTEST_VALGRIND=1 (meson test --setup valgrind) runs every tsyncd and
# tsync a test starts under valgrind, and every deadline the helpers wait
# for is multiplied by SLOWDOWN (TSYNCTEST_SLOWDOWN, default 10 under
# valgrind): valgrind runs the programs 20-50 times slower.
VALGRIND = os.environ.get("TSYNCTEST_VALGRIND", "") not in ("", "0")
SLOWDOWN = float(os.environ.get("TSYNCTEST_SLOWDOWN", "10" if VALGRIND else "1"))
VALGRIND_ARGS = ["--error-exitcode=99", "--leak-check=full",
                 "--errors-for-leak-kinds=definite,indirect",
                 "--show-leak-kinds=definite,indirect", "--track-fds=no", "-q",
                 "--vgdb=no"]  # its pipes in /tmp outlive a switch to `user`
START_DEADLINE = 20.0  # seconds for a daemon to say it is listening (times SLOWDOWN)


def no_valgrind(reason):
    """A test that cannot run under valgrind says why, first thing; it then
    runs its programs natively (the valgrind setup still runs it)."""
    global VALGRIND, SLOWDOWN
    if VALGRIND:
        print("info not under valgrind: %s" % reason, flush=True)
    VALGRIND, SLOWDOWN = False, 1.0


def slow(seconds):
    """A deadline for something the programs do, stretched under valgrind."""
    return seconds * SLOWDOWN


class Failure(Exception):
    pass


# ---------------------------------------------------------------- checks

_checks = 0


def check(cond, what):
    """Assert one thing and say what was checked."""
    global _checks
    _checks += 1
    if not cond:
        raise Failure(what)
    print("ok   %s" % what, flush=True)


def check_close(value, want, tol, what):
    check(abs(value - want) <= tol,
          "%s: %.9f is within %g of %.9f" % (what, value, tol, want))


def info(msg):
    print("info %s" % msg, flush=True)


def main(fn):
    """Run a test function; print PASS/FAIL; exit 0/1. Cleans up always.
    Under valgrind, every program still running is then ended by SIGTERM
    and must exit 0 with an empty valgrind report."""
    code = 1
    try:
        fn()
        valgrind_finish()
        print("PASS (%d checks)" % _checks, flush=True)
        code = 0
    except Failure as e:
        print("FAIL %s" % e, flush=True)
        _dump_logs()
    except Exception:
        traceback.print_exc()
        print("FAIL (exception)", flush=True)
        _dump_logs()
    finally:
        cleanup()
    sys.stdout.flush()
    os._exit(code)


# ------------------------------------------------------- process cleanup

_procs = []      # every Popen started through this module
_tmpdirs = []
_daemons = []    # for log dumps on failure


def register(p):
    """Have cleanup() kill and reap this Popen if it is still running."""
    _procs.append(p)
    return p


_register = register


def cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("warn process %d did not die" % p.pid, flush=True)
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    _tmpdirs.clear()


def _on_signal(signum, frame):
    # meson sends SIGTERM on timeout: kill our children before going.
    print("FAIL killed by signal %d (timeout?)" % signum, flush=True)
    _dump_logs()
    cleanup()
    os._exit(1)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def _dump_logs():
    for f in sorted(_vg_logs):
        text = _read(f)
        if text:
            print("---- valgrind report %s" % f)
            for line in text.splitlines():
                print("  | " + line)
    for d in _daemons:
        print("---- log of %s (pid %s, %s)" % (d.name, d.proc.pid, d.status()))
        for line in d.lines:
            print("  | " + line)
    sys.stdout.flush()


def tmpdir():
    d = tempfile.mkdtemp(prefix="tsynctest-")
    os.chmod(d, 0o755)
    _tmpdirs.append(d)
    return d


def program(env_name, default_name):
    p = os.environ.get(env_name)
    if p:
        return p
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in ("build", "build-h4"):
        f = os.path.join(here, "..", cand, "src", default_name)
        if os.access(f, os.X_OK):
            return os.path.abspath(f)
    raise Failure("$%s is not set and %s was not found" % (env_name, default_name))


def tsyncd_path():
    return program("TSYNCD", "tsyncd")


def tsync_path():
    return program("TSYNC", "tsync")


def relay_path():
    return program("TSYNC_RELAY", "tsync-relay")


def find_tool(name):
    """Third-party tools: missing is a failure, not a skip."""
    p = shutil.which(name)
    if p is None:
        for d in ("/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
            if os.access(os.path.join(d, name), os.X_OK):
                p = os.path.join(d, name)
                break
    check(p is not None, "%s is installed (%s)" % (name, p))
    return p


# --------------------------------------------------------------- valgrind

_vg_logs = {}    # valgrind log file -> what it is a report of
_vg_dir = None


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _is_ours(path):
    try:
        return os.path.samefile(path, tsyncd_path()) or os.path.samefile(path, tsync_path())
    except (OSError, Failure):
        return False


def vg_wrap(args, name):
    """args under valgrind if the run asks for it and args[0] is tsyncd or
    tsync; returns (args, report file or None). The report goes to its own
    file, so the program's stdout and stderr stay what the test reads."""
    if not VALGRIND or not args or not _is_ours(args[0]):
        return list(args), None
    global _vg_dir
    if _vg_dir is None:
        _vg_dir = tempfile.mkdtemp(prefix="tsynctest-vg-")
        _tmpdirs.append(_vg_dir)
    log = os.path.join(_vg_dir, "%s-%d.vg" % (re.sub(r"[^\w.-]", "_", name), len(_vg_logs)))
    _vg_logs[log] = "%s (%s)" % (name, " ".join(str(a) for a in args))
    return ["valgrind", "--log-file=" + log] + VALGRIND_ARGS + list(args), log


def vg_check(log, code, clean_exit=True):
    """The report of a finished program must be empty (with -q valgrind
    writes only errors and definite or indirect leaks); an exit status of 99
    is valgrind's own. clean_exit: the program ended by itself or by
    SIGTERM, so its leak check ran."""
    if log is None:
        return
    text = _read(log)
    what = _vg_logs.get(log, log)
    if text.strip() or code == 99:
        raise Failure("valgrind: %s (exit %s) has errors or leaks:\n%s" % (what, code, text))
    print("ok   valgrind: %s: no errors%s" % (what, ", no leaks" if clean_exit else
                                              " (killed: no leak check)"), flush=True)
    _vg_logs[log] = None  # checked


def valgrind_finish():
    """End every valgrinded daemon still running by SIGTERM: it must exit 0
    with a clean report. Then every report of a program that ended must be
    clean too (a test that forgot one still fails)."""
    for d in _daemons:
        if d.vg_log is None or _vg_logs.get(d.vg_log) is None:
            continue
        if d.proc.poll() is None:
            d.proc.send_signal(signal.SIGCONT)
            d.proc.send_signal(signal.SIGTERM)
            code = d.wait_exit(timeout=12)
            if code != 0:
                raise Failure("valgrind: %s exited %s after SIGTERM" % (d.name, code))
        d.vg_done()
    for log, what in list(_vg_logs.items()):
        if what is not None:
            vg_check(log, None, clean_exit=False)


# --------------------------------------------------------- running things

class Result:
    def __init__(self, args, code, out, err, elapsed):
        self.args, self.code, self.out, self.err, self.elapsed = args, code, out, err, elapsed

    def __str__(self):
        return "$ %s\nexit %s after %.2f s\nstdout:\n%sstderr:\n%s" % (
            " ".join(self.args), self.code, self.elapsed, self.out, self.err)


def run(args, timeout=60, env=None):
    """Run a command to completion (killed at timeout); return a Result."""
    t0 = time.monotonic()
    shown = [str(a) for a in args]
    args, log = vg_wrap(shown, os.path.basename(shown[0]) if shown else "?")
    timeout = slow(timeout) if log else timeout
    p = _register(subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env))
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        r = Result(shown, None, out, err, time.monotonic() - t0)
        raise Failure("command did not finish within %g s:\n%s" % (timeout, r))
    r = Result(shown, p.returncode, out, err, time.monotonic() - t0)
    print("ran  %s -> exit %d in %.2f s" % (" ".join(shown), r.code, r.elapsed), flush=True)
    vg_check(log, r.code, clean_exit=r.code >= 0)
    return r


class LoggedProcess:
    """A long-running process whose stdout+stderr lines are collected by a thread."""

    def __init__(self, name, args, cwd=None):
        self.name = name
        self.args = [str(a) for a in args]
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        args, self.vg_log = vg_wrap(self.args, name)
        self.proc = _register(subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                               text=True, cwd=cwd))
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        _daemons.append(self)

    def _reader(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_line(self, pattern, start=0, timeout=START_DEADLINE):
        """Wait for a log line matching pattern at index >= start.
        Returns (index, match) or raises Failure."""
        timeout = slow(timeout) if self.vg_log else timeout
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return i, m
                    i += 1
                if self.eof:
                    self.proc.wait(timeout=10)
                    raise Failure("%s ended (%s) without a line matching %r" %
                                  (self.name, self.status(), pattern))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("%s: no line matching %r within %g s" %
                                  (self.name, pattern, timeout))
                self.cond.wait(left)

    def line_count(self):
        with self.cond:
            return len(self.lines)

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def wait_exit(self, timeout=20):
        timeout = slow(timeout) if self.vg_log else timeout
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("%s did not exit within %g s" % (self.name, timeout))
        self.thread.join(timeout=5)
        self.vg_done()
        return code

    def vg_done(self):
        """Under valgrind, check the report of this process once it ended."""
        code = self.proc.poll()
        if self.vg_log is None or code is None or _vg_logs.get(self.vg_log) is None:
            return
        vg_check(self.vg_log, code, clean_exit=code >= 0)

    def status(self):
        code = self.proc.poll()
        if code is None:
            return "still running"
        if code < 0:
            return "killed by %s" % signal.Signals(-code).name
        return "exited with status %d" % code

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """SIGKILL: no leak check, but the errors found so far must be none."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.thread.join(timeout=5)
        self.vg_done()


# ----------------------------------------------------------------- tsyncd

def server_counters(groups):
    """The server's and the access groups' counters of `tsync stats --json`
    as one dict, checked against STATS_KEYS."""
    st = dict(groups["server"])
    st.update(groups["access"])
    missing = [k for k in STATS_KEYS if k not in st]
    if missing:
        raise Failure("tsync stats --json lacks %s: %s" % (missing, st))
    return st


class Tsyncd(LoggedProcess):
    """tsyncd -n -f CONF in the foreground. `config` is a list of lines;
    with listen lines using port 0, the real ports are read from the log.
    Without a control line, the control socket is self.socket."""

    def __init__(self, config, name="tsyncd", extra_args=(), wait=True):
        self.dir = tmpdir()
        self.conf = os.path.join(self.dir, "tsyncd.conf")
        # The control socket goes in the test's directory, never /run.
        self.socket = os.path.join(self.dir, "tsyncd.sock")
        if not any(l.split()[:1] == ["control"] for l in config):
            config = list(config) + ["control " + self.socket]
        with open(self.conf, "w") as f:
            f.write("# written by tsynctest.py\n" + "\n".join(config) + "\n")
        self.n_listen = sum(1 for l in config if l.split()[:1] == ["listen"])
        self.ctl_path = self.control_path(config)
        self.stats_reads = 0
        self.addrs = []  # (host, port) in log order
        LoggedProcess.__init__(self, name, [tsyncd_path(), "-n", "-f", self.conf] +
                               list(extra_args))
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=START_DEADLINE):
        i = 0
        for _ in range(self.n_listen):  # no listen line: no socket, no line
            i, m = self.wait_line(r"^tsyncd: listening on (\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d+)$",
                                  i, timeout)
            host = m.group(2) or m.group(3)
            self.addrs.append((host, int(m.group(4))))
            i += 1
        self.ready_index, m = self.wait_line(r"^tsyncd: serving ", 0, timeout)
        self.serving_line = self.lines[self.ready_index]
        info("%s listening on %s" % (self.name, self.addrs))
        return self.addrs

    def port(self, host=None):
        for h, p in self.addrs:
            if host is None or h == host:
                return p
        raise Failure("%s is not listening on %s" % (self.name, host))

    def control_path(self, config):
        for l in config:
            w = l.split()
            if w[:1] == ["control"]:
                return None if w[1:] == ["none"] else w[1]
        return self.socket

    def counters(self, timeout=60):
        """Every counter group, read as any user would: `tsync stats
        --json` on the control socket. Each read is itself a control
        request: self.stats_reads says how many the harness made."""
        if self.ctl_path is None:
            raise Failure("%s has no control socket to read counters from" % self.name)
        self.stats_reads += 1
        r = tsync("--socket", self.ctl_path, "stats", "--json", timeout=slow(timeout))
        if r.code != 0:
            raise Failure("%s: tsync stats --json exited %s: %s%s (%s)" %
                          (self.name, r.code, r.out, r.err, self.status()))
        try:
            return json.loads(r.out)
        except ValueError as e:
            raise Failure("tsync stats --json: not JSON (%s): %r" % (e, r.out))

    def stats(self, timeout=60):
        """The server's counters (server and access groups), through
        `tsync stats --json`."""
        return server_counters(self.counters(timeout))

    def source(self, address=None):
        """The counters of the source at address (default: the first)."""
        srcs = self.counters()["source"]
        for s in srcs:
            if address is None or s["address"] == address:
                return s
        raise Failure("%s: no source %s in %s" % (self.name, address, srcs))

    def terminate(self, sig=signal.SIGTERM, timeout=20):
        """Clean shutdown: returns (exit code, the server's counters read
        just before the signal, or None when they could not be)."""
        st = None
        if self.alive() and self.ctl_path is not None:
            try:
                st = self.stats()
            except Failure as e:
                info("%s: no counters before the end: %s" % (self.name, e))
        self.proc.send_signal(sig)
        code = self.wait_exit(timeout)
        return code, st


def with_env(env, fn):
    """fn() with the variables of env set in os.environ (which the programs
    started inherit), then os.environ as it was."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return fn()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def tsync(*args, timeout=60):
    return run([tsync_path()] + [str(a) for a in args], timeout=timeout)


def hostport(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


# ------------------------------------------------------------- NTP on the wire

def ntp_ts_now():
    t = time.time() + NTP_EPOCH_OFFSET
    sec = int(t)
    return (sec << 32) | int((t - sec) * 2**32)


def ntp_ts_to_unix(ts):
    return (ts >> 32) - NTP_EPOCH_OFFSET + (ts & 0xffffffff) / 2**32


def request(version=4, mode=3, xmt=None, poll=6, leap=0):
    """A 48-byte client request; xmt (64-bit int) defaults to now."""
    if xmt is None:
        xmt = ntp_ts_now()
    return struct.pack("!BBbb", (leap << 6) | (version << 3) | mode, 0, poll, 0x20 - 0x40) + \
        b"\0" * 36 + struct.pack("!Q", xmt)


def decode(b):
    if len(b) < 48:
        return None
    f = struct.unpack("!BBbbIII QQQQ".replace(" ", ""), b[:48])
    return {"leap": f[0] >> 6, "version": (f[0] >> 3) & 7, "mode": f[0] & 7,
            "stratum": f[1], "poll": f[2], "precision": f[3], "root_delay": f[4],
            "root_disp": f[5], "refid": f[6], "ref": f[7], "org": f[8], "rec": f[9],
            "xmt": f[10], "len": len(b)}


def udp_socket(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    return s


def exchange(sock, addr, pkt, timeout=2.0):
    """Send pkt and wait for the reply whose origin equals pkt's transmit.
    Returns (reply_bytes, others) where others are any other datagrams seen."""
    want = pkt[40:48]
    sock.sendto(pkt, addr)
    others = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, others
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return None, others
        data, _ = sock.recvfrom(70000)
        if len(data) >= 48 and data[24:32] == want:
            return data, others
        others.append(data)


def drain(sock):
    """Drop every datagram waiting on sock (requests a scripted server let
    queue while the test looked elsewhere); sock is left blocking."""
    sock.setblocking(False)
    try:
        while True:
            sock.recvfrom(70000)
    except BlockingIOError:
        pass
    sock.setblocking(True)


def source_counters(d):
    """The counters of tsyncd's first source, from `tsync stats --json`."""
    return d.source()


def wait_for(what, cond, timeout=60):
    """cond()'s first true value, asked every 0.25 s for up to timeout
    seconds (stretched under valgrind); a failed check named what after."""
    deadline = time.monotonic() + slow(timeout)
    while True:
        v = cond()
        if v:
            return v
        check(time.monotonic() < deadline, "%s within %d s" % (what, timeout))
        time.sleep(0.25)


def wait_answering(host, port, timeout=START_DEADLINE, want_sync=False):
    """Probe a server until it answers a client request (a readiness check
    for third-party daemons). Returns the decoded reply."""
    timeout = slow(timeout)
    deadline = time.monotonic() + timeout
    s = udp_socket(host)
    try:
        while time.monotonic() < deadline:
            data, _ = exchange(s, (host, port), request(), timeout=0.5)
            if data is not None:
                d = decode(data)
                if not want_sync or (d["leap"] != 3 and 0 < d["stratum"] < 16):
                    return d
            time.sleep(0.2)
    finally:
        s.close()
    raise Failure("%s:%d did not answer%s within %g s" %
                  (host, port, " as synchronised" if want_sync else "", timeout))


def free_udp_port(host="127.0.0.1"):
    s = udp_socket(host)
    port = s.getsockname()[1]
    s.close()
    return port


def random_loopback_address(rng=None):
    """An address in 127.0.0.0/8 unlikely to be used by anything else."""
    rng = rng or random.SystemRandom()
    return "127.%d.%d.%d" % (rng.randint(64, 250), rng.randint(1, 254), rng.randint(2, 254))


def port_free(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# ---------------------------------------------------------- tsync output

def parse_query_text(out):
    """tsync query text output -> (fields, cristian_fields)."""
    fields, cristian, cur = {}, {}, None
    cur = fields
    for line in out.splitlines():
        if not line.strip():
            continue
        if line.startswith("cristian"):
            cur = cristian
            continue
        if line.startswith("exchanges"):  # --verbose: see parse_query_exchanges
            cur = {}
            continue
        if cur is not fields and cur is not cristian:
            continue
        m = re.match(r"^\s*(\S+(?: \S+)*) {2,}(\S.*?)\s*$", line)
        if not m:
            raise Failure("cannot parse tsync output line %r" % line)
        cur[m.group(1)] = m.group(2)
    return fields, cristian


def parse_query_exchanges(out):
    """tsync query --verbose -> [(number, text after it)] of its exchanges."""
    return [(int(m.group(1)), m.group(2)) for m in
            re.finditer(r"^  exchange (\d+) +(\S.*)$", out, re.M)]


def parse_seconds(v):
    m = re.match(r"^([+-]?\d+\.\d+) s$", v)
    if not m:
        raise Failure("not a seconds value: %r" % v)
    return float(m.group(1))


def parse_iso_ns(s):
    """'2026-11-28T07:50:01.123456789Z' -> Unix nanoseconds (exact)."""
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$", s)
    if not m:
        raise Failure("not an ISO 8601 UTC time: %r" % s)
    import calendar
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "").ljust(9, "0")
    return calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) * 10**9 + int(frac)


def load_json(text):
    try:
        return json.loads(text)
    except ValueError as e:
        raise Failure("output is not JSON (%s): %r" % (e, text))


# ------------------------------------------------------------- third parties

def start_chronyd(chronyd, d, rng, extra=""):
    """chronyd -x (never touches the clock) serving at local stratum 8 on
    127.0.0.1, on a free port outside the ephemeral range (other tests take
    theirs with port 0); retried on a collision. `extra`: more config lines.
    Returns (process, port, config path)."""
    for attempt in range(5):
        port = rng.randint(20000, 29999)
        if not port_free("127.0.0.1", port):
            continue
        conf = os.path.join(d, "chrony.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n"
                    "cmdport 0\nbindcmdaddress /\npidfile %s/chronyd.pid\n"
                    "driftfile %s/chrony.drift\n%s" % (port, d, d, extra))
        p = LoggedProcess("chronyd", [chronyd, "-x", "-d", "-u", "root", "-f", conf])
        try:
            wait_answering("127.0.0.1", port, timeout=20, want_sync=True)
        except Failure as e:
            info("chronyd on port %d: %s; log:\n%s" % (port, e, p.text()))
            p.kill()
            continue
        if "Could not open NTP socket" in p.text():
            p.kill()
            continue
        info("chronyd serving on 127.0.0.1:%d" % port)
        return p, port, conf
    raise Failure("could not start chronyd on a free port in 5 tries")


def chronyd_nts_client(chronyd, d, server_line, cert, rows, deadline):
    """chronyd -x (never touches the clock) with server_line (an `nts`
    server), trusting cert, logging its measurements; waits until it logged
    rows of them. Returns (process, its command socket, the rows)."""
    logdir = os.path.join(d, "chrony-log")
    os.mkdir(logdir)
    # chronyd wants its command socket in a folder only its user may enter.
    rundir = os.path.join(d, "chrony-run")
    os.mkdir(rundir, 0o700)
    sock = os.path.join(rundir, "chronyd.sock")
    conf = os.path.join(d, "chrony.conf")
    with open(conf, "w") as f:
        f.write("%s\nntstrustedcerts %s\ncmdport 0\nbindcmdaddress %s\nport 0\n"
                "pidfile %s/chronyd.pid\nlogdir %s\nlog measurements\n" %
                (server_line, cert, sock, d, logdir))
    c = LoggedProcess("chronyd", [chronyd, "-x", "-d", "-u", "root", "-f", conf])
    path = os.path.join(logdir, "measurements.log")
    end = time.monotonic() + deadline
    got = []
    while time.monotonic() < end and len(got) < rows:
        time.sleep(0.5)
        got = chrony_measurements(path)
    check(len(got) >= rows, "chronyd logged %d NTS measurements in %g s" % (len(got), deadline))
    return c, sock, got


# ------------------------------------------------------------------ NTS

def nts_certificate(d, names=()):
    """A self-signed ECDSA certificate for localhost, 127.0.0.1 and the
    DNS names in names, made with certtool in d. Returns (cert path, key
    path)."""
    certtool = find_tool("certtool")
    key, cert, tmpl = (os.path.join(d, n) for n in ("key.pem", "cert.pem", "cert.tmpl"))
    with open(tmpl, "w") as f:
        f.write('cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
                + "".join('dns_name = "%s"\n' % n for n in names) +
                "expiration_days = 2\ntls_www_server\nsigning_key\n")
    r = run([certtool, "--generate-privkey", "--key-type=ecdsa", "--outfile", key])
    check(r.code == 0, "certtool makes a key (%s)" % r.err)
    r = run([certtool, "--generate-self-signed", "--load-privkey", key, "--template", tmpl,
             "--outfile", cert])
    check(r.code == 0, "certtool makes a self-signed certificate (%s)" % r.err)
    os.chmod(key, 0o600)
    return cert, key


def true_offset(t, samples=4):
    """tsyncd t's offset from this machine's clock as its own server says
    (tsync query of its first listen address), or None without answer."""
    r = tsync("query", "-c", str(samples), "-i", "0.05", hostport(*t.addrs[0]))
    return parse_seconds(parse_query_text(r.out)[0]["offset"]) if r.code == 0 else None


def wait_synchronised(t, ctl, upstream, tol, timeout=90):
    """Until tsync status (on ctl) says t follows upstream and t's true
    offset is within tol; returns that offset."""
    deadline = time.monotonic() + slow(timeout)
    while True:
        time.sleep(0.5)
        r = tsync("--socket", ctl, "status", "--json")
        st = json.loads(r.out) if r.code == 0 else {}
        if st.get("synchronised") and st.get("reference") == upstream:
            off = true_offset(t)
            if off is not None and abs(off) < tol:
                info("%s synchronised to %s; true offset %+.6f s" % (t.name, upstream, off))
                return off
        check(time.monotonic() < deadline, "%s synchronised to %s within %g s, within %g s "
              "(%s)" % (t.name, upstream, tol, timeout, st))


def chronyc_csv(chronyc_path, sock, *cmd):
    """chronyc -c CMD on chronyd's socket sock: its output, checked."""
    r = run([chronyc_path, "-h", sock, "-n", "-c"] + list(cmd), timeout=20)
    check(r.code == 0, "chronyc %s exits 0 (%s)" % (" ".join(cmd), r.err))
    return r.out


def chrony_measurements(path):
    """The rows of chronyd's measurements.log, each split in fields."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.split() for l in f if re.match(r"\d{4}-\d\d-\d\d ", l)]


def nts_counters(d, counters=None):
    """The NTS server's counters (`tsync stats --json`, group nts), named
    as the tests know them: NTS-KE's without their ke_ prefix (open, the
    connections open now, is a gauge), the NTS requests' with an nts_
    prefix."""
    c = (counters or d.counters())["nts"]
    return {(k[3:] if k.startswith("ke_") else "nts_" + k): v for k, v in c.items()}


def tcp_sockets(d, listening=False):
    """How many TCP sockets the process d holds now (listening: only its
    listeners)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = [l.split() for l in f.readlines()[1:]]
        except OSError:
            continue
        inodes |= {r[9] for r in rows if not listening or r[3] == "0A"}
    n = 0
    fd_dir = "/proc/%d/fd" % d.proc.pid
    for fd in os.listdir(fd_dir):
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue  # closed meanwhile
        n += link.startswith("socket:[") and link[8:-1] in inodes
    return n
