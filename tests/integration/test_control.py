#!/usr/bin/env python3
"""
tsyncd's control socket and `tsync status` / `tsync sources`: the text and
JSON of an unsynchronised and a local-stratum daemon, the socket's mode and
life cycle (made, stale one replaced, live one kept, removed at exit), and
bad input: bad magic, oversized, unknown version/command, bad flags, a
payload where none belongs, truncated requests, a silent client, 50
clients at once. Each gets an error reply or is closed, every counter
moves exactly, and the daemon keeps answering NTP and `tsync status`.
"""
import json
import os
import re
import signal
import socket
import stat
import struct
import threading
import time

from tsynctest import (Failure, LoggedProcess, Tsyncd, check, decode, exchange, info,
                       load_json, main, parse_query_text, request, tmpdir, tsync, tsyncd_path,
                       udp_socket)

MAGIC = 0x54535943
HDR = struct.Struct("!IBBBBI")
STATUS, SOURCES = 1, 2
OK, E_MAGIC, E_VERSION, E_COMMAND, E_LENGTH, E_PAYLOAD, E_FLAGS = range(7)
PAYLOAD_MAX = 244
DEADLINE = 3.0   # tsyncd's per-connection deadline, seconds
MAX_CONNS = 16
CTL_KEYS = ["accepted", "evicted", "replied", "magic", "version", "command", "length",
            "payload", "flags", "internal", "denied", "no_source", "unavailable", "timeout",
            "truncated", "gone", "io_error"]


def header(command=STATUS, version=1, flags=0, code=0, length=0, magic=MAGIC):
    return HDR.pack(magic, version, command, flags, code, length)


def ctl_stats(d):
    """The control counters from `tsync stats --json`, less the harness's
    own reads: each earlier one was accepted and replied to, and this one
    is accepted (its reply is counted after the snapshot)."""
    got = d.counters()["control"]
    if list(got) != CTL_KEYS:
        raise Failure("control counters %s, expected %s" % (list(got), CTL_KEYS))
    got["accepted"] -= d.stats_reads
    got["replied"] -= d.stats_reads - 1
    return got


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(DEADLINE * 4)
    s.connect(path)
    return s


def read_to_eof(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def converse(path, data, shut_wr=False):
    """Send data, read until the daemon closes; return (reply bytes, seconds)."""
    s = connect(path)
    t0 = time.monotonic()
    try:
        if data:
            s.sendall(data)
        if shut_wr:
            s.shutdown(socket.SHUT_WR)
        return read_to_eof(s), time.monotonic() - t0
    finally:
        s.close()


def check_error_reply(reply, command, code, what):
    check(len(reply) == HDR.size, "%s: a bare %d-byte reply header, then the connection is "
          "closed (got %r)" % (what, HDR.size, reply))
    magic, version, cmd, flags, got, length = HDR.unpack(reply)
    check((magic, version, cmd, flags, got, length) == (MAGIC, 1, command, 1, code, 0),
          "%s: reply says error %d for command %d (got %r)" %
          (what, code, command, (hex(magic), version, cmd, flags, got, length)))


def expect_counters(d, before, **moved):
    after = ctl_stats(d)
    want = dict(before)
    for k, v in moved.items():
        want[k] += v
    check(after == want, "control counters moved exactly by %s (got %s)" %
          (moved, {k: after[k] - before[k] for k in CTL_KEYS if after[k] != before[k]}))
    return after


def run_status(sock, *extra):
    r = tsync("-s", sock, "status", *extra)
    check(r.code == 0 and r.err == "", "tsync status %s exits 0, nothing on stderr (%s)" %
          (" ".join(extra), r.err.strip()))
    return r.out


def check_unsync_daemon(d):
    st = os.stat(d.socket)
    check(stat.S_ISSOCK(st.st_mode), "the control socket exists")
    check(stat.S_IMODE(st.st_mode) == 0o660, "its mode is 0660 (got %o)" % stat.S_IMODE(st.st_mode))
    fields, _ = parse_query_text(run_status(d.socket))
    want = {"synchronised": "no", "leap": "unsynchronised", "stratum": "16",
            "reference": "none", "offset": "+0.000000000 s", "frequency": "+0.000000 ppm",
            "root delay": "0.000000000 s", "root dispersion": "0.000000000 s",
            "last update": "never", "poll": "0 (1 s)", "sources": "0", "selection": "none",
            "clock": "sim"}
    check(fields == want, "status text of an unsynchronised sim daemon (got %s)" % fields)
    # --socket after the command, as --socket=PATH.
    r = tsync("status", "--json", "--socket=" + d.socket)
    check(r.code == 0, "tsync status --json --socket=PATH exits 0")
    j = load_json(r.out)
    want = {"synchronised": False, "leap": "unsynchronised", "stratum": 16,
            "refid": None, "reference": None, "offset": 0, "frequency_ppm": 0,
            "root_delay": 0, "root_dispersion": 0, "last_update": None, "poll": 1,
            "poll_log2": 0, "source_count": 0, "selection": "none", "clock": "sim"}
    check(j == want, "status JSON of an unsynchronised sim daemon (got %s)" % j)
    r = tsync("sources", "-s", d.socket)
    check((r.code, r.out, r.err) == (0, "no sources\n", ""), "tsync sources: 'no sources' (%r)" %
          r.out)
    r = tsync("--socket", d.socket, "sources", "--json")
    check(r.code == 0 and load_json(r.out) == {"sources": []}, "sources JSON: an empty list")


def check_local_stratum():
    d = Tsyncd(["listen 127.0.0.1 port 0", "stratum 8", "clock readonly"], name="tsyncd-local")
    fields, _ = parse_query_text(run_status(d.socket))
    check((fields["synchronised"], fields["leap"], fields["stratum"], fields["reference"],
           fields["clock"]) == ("yes", "none", "8", "127.127.1.1 (local clock)", "readonly"),
          "status of a stratum 8 readonly daemon (got %s)" % fields)
    j = load_json(run_status(d.socket, "--json"))
    check((j["synchronised"], j["leap"], j["stratum"], j["refid"], j["reference"], j["clock"],
           j["source_count"]) ==
          (True, "none", 8, "127.127.1.1", "local clock", "readonly", 0),
          "status JSON of a stratum 8 readonly daemon (got %s)" % j)
    code, _ = d.terminate()
    check(code == 0, "it exits 0")


def bad_requests(d, before):
    cases = [
        ("bad magic", b"NTP!" + bytes(8), 0, E_MAGIC, "magic"),
        ("bad first byte", b"\x00", 0, E_MAGIC, "magic"),
        ("oversized", header(length=PAYLOAD_MAX + 1), STATUS, E_LENGTH, "length"),
        ("length 2^32-1", header(command=SOURCES, length=0xFFFFFFFF), SOURCES, E_LENGTH, "length"),
        ("unknown command 9", header(command=9), 9, E_COMMAND, "command"),
        ("command 0", header(command=0), 0, E_COMMAND, "command"),
        ("command 255", header(command=255), 255, E_COMMAND, "command"),
        ("version 2", header(version=2), STATUS, E_VERSION, "version"),
        ("version 0 with a payload", header(version=0, length=4) + b"abcd", STATUS, E_VERSION,
         "version"),
        ("reply flag", header(flags=1), STATUS, E_FLAGS, "flags"),
        ("non-zero code", header(code=3), STATUS, E_FLAGS, "flags"),
        ("status with a payload", header(length=3) + b"xyz", STATUS, E_PAYLOAD, "payload"),
        ("sources with a payload", header(command=SOURCES, length=PAYLOAD_MAX) +
         bytes(PAYLOAD_MAX), SOURCES, E_PAYLOAD, "payload"),
    ]
    moved = {}
    for what, data, command, code, key in cases:
        reply, took = converse(d.socket, data)
        check_error_reply(reply, command, code, what)
        check(took < DEADLINE, "%s: answered at once (%.2f s)" % (what, took))
        moved[key] = moved.get(key, 0) + 1
    # Truncated requests: the client hangs up first; no reply, counted.
    for what, data in (("7 bytes of a header", header()[:7]),
                       ("a header and half its payload", header(length=10) + b"12345")):
        reply, _ = converse(d.socket, data, shut_wr=True)
        check(reply == b"", "%s, then end-of-file: closed without a reply (got %r)" %
              (what, reply))
    moved["truncated"] = 2
    # A request dribbled one byte at a time is still one request.
    s = connect(d.socket)
    for b in header(command=SOURCES):
        s.sendall(bytes([b]))
        time.sleep(0.02)
    reply = read_to_eof(s)
    s.close()
    check(reply == HDR.pack(MAGIC, 1, SOURCES, 1, OK, 2) + b"\0\0",
          "a request sent byte by byte gets the sources reply (0 sources): %r" % reply)
    moved["replied"] = 1
    moved["accepted"] = len(cases) + 3
    return expect_counters(d, before, **moved)


def silent_client(d, before):
    """A client that says nothing is dropped at the deadline; meanwhile
    the daemon answers NTP and tsync at once."""
    s = connect(d.socket)
    t0 = time.monotonic()
    half = header()[:6]
    s2 = connect(d.socket)
    s2.sendall(half)  # half a header, and then nothing
    ntp = udp_socket("127.0.0.1")
    data, _ = exchange(ntp, ("127.0.0.1", d.port()), request(), timeout=2)
    ntp.close()
    check(data is not None and decode(data)["mode"] == 4,
          "while two clients stall, tsyncd answers NTP")
    run_status(d.socket)
    check(time.monotonic() - t0 < DEADLINE, "... and tsync status, before their deadline")
    got = [read_to_eof(s), read_to_eof(s2)]
    took = time.monotonic() - t0
    s.close()
    s2.close()
    check(got == [b"", b""], "both are closed without a reply")
    check(DEADLINE - 0.3 <= took <= DEADLINE + 5, "after the %g s deadline (%.2f s)" %
          (DEADLINE, took))
    return expect_counters(d, before, accepted=3, replied=1, timeout=2)


def open_many(path, n, data):
    """n connections, each sending data; a send that fails because tsyncd
    closed the connection (over its limit) shows as end-of-file later."""
    socks = []
    for _ in range(n):
        s = connect(path)
        try:
            if data:
                s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        socks.append(s)
    return socks


def fifty_silent(d, before):
    """50 silent clients at once: each new one past 16 evicts the oldest, so
    34 are closed at once and the last 16 time out."""
    t0 = time.monotonic()
    socks = open_many(d.socket, 50, b"")
    results = [None] * 50

    def reader(i):
        results[i] = (read_to_eof(socks[i]), time.monotonic() - t0)
    threads = [threading.Thread(target=reader, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE * 4)
    for s in socks:
        s.close()
    check(all(r is not None and r[0] == b"" for r in results),
          "each of 50 silent clients is closed without a reply")
    early = sum(1 for r in results if r[1] < DEADLINE - 0.3)
    check(early == 50 - MAX_CONNS, "%d closed at once, the rest at the deadline (got %d)" %
          (50 - MAX_CONNS, early))
    return expect_counters(d, before, accepted=50, evicted=50 - MAX_CONNS,
                           timeout=MAX_CONNS)


def fifty_requests(d, before):
    """50 clients each send a status request at once: each gets the whole
    reply or is evicted (a request already sent is read before its
    connection is evicted), and the counters add up to 50 exactly."""
    socks = open_many(d.socket, 50, header())
    replies = [read_to_eof(s) for s in socks]
    for s in socks:
        s.close()
    ok = [r for r in replies if r]
    closed = len(replies) - len(ok)
    good = all(len(r) > HDR.size and HDR.unpack(r[:HDR.size])[:6] ==
               (MAGIC, 1, STATUS, 1, OK, len(r) - HDR.size) for r in ok)
    check(good, "every reply of the 50 is a whole status reply")
    check(len(ok) >= MAX_CONNS, "at least %d were answered (%d, %d closed)" %
          (MAX_CONNS, len(ok), closed))
    info("50 concurrent status requests: %d answered, %d evicted" % (len(ok), closed))
    return expect_counters(d, before, accepted=50, replied=len(ok), evicted=closed)


def still_serving(d):
    ntp = udp_socket("127.0.0.1")
    data, _ = exchange(ntp, ("127.0.0.1", d.port()), request(), timeout=5)
    ntp.close()
    check(data is not None and decode(data)["stratum"] == 16, "tsyncd still answers NTP")
    fields, _ = parse_query_text(run_status(d.socket))
    check(fields["stratum"] == "16", "and tsync status")


def client_errors(d):
    missing = os.path.join(tmpdir(), "no", "such.sock")
    for cmd in ("status", "sources"):
        r = tsync("-s", missing, cmd)
        check(r.code == 1 and r.out == "" and r.err ==
              "tsync: cannot connect to %s: No such file or directory\n" % missing,
              "%s on a missing socket: exit 1 and the reason (%s, %r)" % (cmd, r.code, r.err))
    plain = os.path.join(d.dir, "tsyncd.conf")
    r = tsync("status", "--socket", plain)
    check(r.code == 1 and r.err == "tsync: cannot connect to %s: Connection refused\n" % plain,
          "a path that is no socket: exit 1 (%r)" % r.err)
    for args in (["status", "--bogus"], ["sources", "extra"], ["-s"], ["status", "-s"],
                 ["--socket"], ["-x", "status"]):
        r = tsync(*args)
        check(r.code == 2 and "usage" in r.err, "tsync %s: usage error, exit 2" % " ".join(args))


def fake_daemon(path, answer):
    """A one-connection server on path: reads the 12-byte request, sends
    answer (bytes, or None to say nothing until the client leaves)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        c.settimeout(30)
        got = b""
        while len(got) < HDR.size:
            chunk = c.recv(64)
            if not chunk:
                break
            got += chunk
        if answer is not None:
            c.sendall(answer)
        else:
            c.recv(1)  # until the client gives up
        c.close()
        srv.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def client_against_bad_daemons():
    """tsync facing a daemon that errs: each case exits 1 with its reason."""
    base = tmpdir()
    status = struct.pack("!BBBbI", 0, 3, 16, 0, 0) + b"\0" + bytes(40) + \
        struct.pack("!HB", 0, 0) + b"\x03sim"
    cases = [
        ("an error reply", ["status"], HDR.pack(MAGIC, 1, STATUS, 1, E_COMMAND, 0),
         "tsync: tsyncd refused the status request: unknown command\n"),
        ("a reply of another protocol", ["sources"], b"HTTP/1.0 400\r\n\r\n",
         "tsync: %s: malformed reply: not a tsync control message\n"),
        ("a reply to another command", ["status"], HDR.pack(MAGIC, 1, SOURCES, 1, OK, 0),
         "tsync: %s: reply to command 2, not 1\n"),
        ("a reply without the reply flag", ["status"], HDR.pack(MAGIC, 1, STATUS, 0, OK, 0),
         "tsync: %s: malformed reply: bad flags\n"),
        ("a status payload one byte short", ["status"],
         HDR.pack(MAGIC, 1, STATUS, 1, OK, len(status) - 1) + status[:-1],
         "tsync: %s: malformed status reply\n"),
        ("a sources count past its payload", ["sources", "--json"],
         HDR.pack(MAGIC, 1, SOURCES, 1, OK, 2) + b"\0\1",
         "tsync: %s: malformed sources reply\n"),
        ("a reply cut short", ["status"], HDR.pack(MAGIC, 1, STATUS, 1, OK, 10) + b"abc",
         "tsync: %s: reply cut short after 15 bytes\n"),
        ("no reply, the connection closed", ["sources"], b"",
         "tsync: %s: tsyncd closed the connection without a reply (too many clients?)\n"),
        ("no reply at all", ["status"], None, "tsync: %s: no reply within 5 s\n"),
    ]
    # The same payload, whole, is a good reply: the cases differ in one thing.
    path = os.path.join(base, "good.sock")
    t = fake_daemon(path, HDR.pack(MAGIC, 1, STATUS, 1, OK, len(status)) + status)
    r = tsync("-s", path, "status", "--json")
    t.join(10)
    check(r.code == 0 and load_json(r.out)["clock"] == "sim", "the fake daemon's good reply is "
          "read (%s, %r)" % (r.code, r.err))
    for i, (what, args, answer, msg) in enumerate(cases):
        path = os.path.join(base, "fake%d.sock" % i)
        t = fake_daemon(path, answer)
        r = tsync("-s", path, *args)
        t.join(10)
        want = msg % path if "%s" in msg else msg
        # With --json the same reason is a JSON object on stdout too.
        out = "" if "--json" not in args else \
            json.dumps({"error": {"message": want[len("tsync: "):-1]}}, separators=(",", ":")) + "\n"
        check((r.code, r.out, r.err) == (1, out, want),
              "%s: exit 1, %r (got %s, %r, %r)" % (what, want.strip(), r.code, r.out, r.err))


def socket_life_cycle():
    base = tmpdir()
    path = os.path.join(base, "run", "ctl.sock")
    # A stale socket, left by a process that died: bound, never unlinked.
    os.mkdir(os.path.join(base, "run"), 0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "control " + path], name="tsyncd-stale")
    d.wait_line(r"^tsyncd: control socket " + re.escape(path) + "$")
    check(stat.S_ISSOCK(os.stat(path).st_mode), "tsyncd replaces a stale socket")
    run_status(path)
    # A second daemon on the same socket does not take it over.
    second = LoggedProcess("tsyncd-second", [tsyncd_path(), "-n", "-f", d.conf])
    code = second.wait_exit()
    check(code == 1 and "tsyncd: error: cannot open the control socket %s: Address already in use"
          % path in second.text(), "a second daemon on a live socket exits 1 (%s)" % code)
    run_status(path)
    code, _ = d.terminate()
    check(code == 0 and not os.path.exists(path), "SIGTERM: exit 0, the socket is removed")
    # A directory that does not exist is made, one level.
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "control %s/new/t.sock" % base],
               name="tsyncd-mkdir")
    st = os.stat(base + "/new")
    check(stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755,
          "the socket's directory is made, mode 0755")
    d.terminate()
    # A file that is not a socket is never removed.
    with open(base + "/file", "w") as f:
        f.write("keep me\n")
    conf = base + "/file.conf"
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol %s/file\n" % base)
    p = LoggedProcess("tsyncd-file", [tsyncd_path(), "-n", "-f", conf])
    check(p.wait_exit() == 1 and "cannot open the control socket %s/file: File exists" % base
          in p.text() and open(base + "/file").read() == "keep me\n",
          "a regular file in the way: exit 1, the file untouched")
    # control none: no socket, no control counters.
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "control none"], name="tsyncd-none")
    code, _ = d.terminate()
    check(code == 0 and "control socket" not in d.text() and "stats control" not in d.text() and
          any(l.startswith("tsyncd: stats server ") for l in d.lines),
          "control none: no socket line, no control counters in the final stats")


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 1.5"], name="tsyncd-unsync")
    check_unsync_daemon(d)
    counters = ctl_stats(d)
    check(counters["accepted"] == 4 and counters["replied"] == 4 and
          sum(counters.values()) == 8, "4 tsync commands: 4 accepted, 4 replied, nothing else")
    counters = bad_requests(d, counters)
    counters = silent_client(d, counters)
    counters = fifty_silent(d, counters)
    counters = fifty_requests(d, counters)
    still_serving(d)
    client_errors(d)
    client_against_bad_daemons()
    code, stats = d.terminate()
    check(code == 0 and not os.path.exists(d.socket), "SIGTERM: exit 0, the socket is removed")
    check_local_stratum()
    socket_life_cycle()


if __name__ == "__main__":
    main(test)
