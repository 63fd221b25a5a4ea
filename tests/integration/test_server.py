#!/usr/bin/env python3
"""
tsyncd's replies on the wire and its life cycle: every header field of a
mode 4 reply (version and poll copied, origin = our transmit, receive and
transmit on the sim clock, reference time, stratum/refid/leap for stratum 8,
stratum 1 and unsynchronised); SIGUSR1 logs the stats line and keeps going;
SIGTERM and SIGINT shut down cleanly (exit 0, stats line last), also when
sent the moment the "serving" line appears; -d logs drops.
"""
import os
import select
import signal
import subprocess
import time

from tsynctest import (VALGRIND, check, main, Tsyncd, udp_socket, exchange, request, decode,
                       ntp_ts_to_unix, register, slow, tmpdir, tsyncd_path, vg_check, vg_wrap)

LOCL = 0x4C4F434C
REFID_LOCAL = (127 << 24) | (127 << 16) | (1 << 8) | 1


def ask(d, host, **kw):
    s = udp_socket(host)
    try:
        req = request(**kw)
        t0 = time.time()
        data, others = exchange(s, (host, d.port(host)), req, timeout=5)
        t3 = time.time()
        check(data is not None, "%s answers a v%d request on %s" %
              (d.name, kw.get("version", 4), host))
        check(others == [], "no other datagram came back")
        return req, decode(data), t0, t3
    finally:
        s.close()


def check_reply(req, r, t0, t3, offset, version, poll, stratum, refid, leap):
    check(r["len"] == 48, "reply is 48 bytes (got %d)" % r["len"])
    check(r["mode"] == 4, "mode 4 (got %d)" % r["mode"])
    check(r["version"] == version, "version %d copied (got %d)" % (version, r["version"]))
    check(r["poll"] == poll, "poll %d copied (got %d)" % (poll, r["poll"]))
    check(r["leap"] == leap, "leap %d (got %d)" % (leap, r["leap"]))
    check(r["stratum"] == stratum, "stratum %d (got %d)" % (stratum, r["stratum"]))
    check(r["refid"] == refid, "refid %08x (got %08x)" % (refid, r["refid"]))
    check(r["root_delay"] == 0 and r["root_disp"] == 0, "root delay and dispersion 0")
    check(r["org"].to_bytes(8, "big") == req[40:48], "origin = the request's transmit")
    rec, xmt = ntp_ts_to_unix(r["rec"]), ntp_ts_to_unix(r["xmt"])
    check(r["rec"] <= r["xmt"], "receive <= transmit")
    # The sim clock is the host clock + offset: t0 <= t1 - offset <= t2 - offset <= t3.
    check(t0 - 1e-4 <= rec - offset <= t3 + 1e-4,
          "receive time - offset %.6f within [t0, t3] = [%.6f, %.6f]" % (rec - offset, t0, t3))
    check(t0 - 1e-4 <= xmt - offset <= t3 + 1e-4, "transmit time - offset within [t0, t3]")
    check(-32 <= r["precision"] < 0, "precision %d is plausible" % r["precision"])
    if leap != 3:
        # Local stratum: reference time = t1 rounded down to the second.
        check(r["ref"] == (r["rec"] >> 32) << 32,
              "reference time is t1 rounded down to the second (ref %x rec %x)" %
              (r["ref"], r["rec"]))


def start_and_signal(conf, sig, deadline=20.0):
    """Start tsyncd and send sig the instant its "serving" line is read (in
    this thread, with no helper thread in between, to be quick). Returns
    (status, log text); status is what became of the process."""
    deadline = slow(deadline)
    args, vg_log = vg_wrap([tsyncd_path(), "-n", "-f", conf], "tsyncd-signal")
    p = register(subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    fd, buf, sent = p.stderr.fileno(), b"", False
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not select.select([fd], [], [], max(0, end - time.monotonic()))[0]:
            break
        chunk = os.read(fd, 65536)
        buf += chunk
        if not sent and b"tsyncd: serving " in buf:
            os.kill(p.pid, sig)
            sent = True
        if not chunk or (sent and b"tsyncd: stats " in buf):
            break
    if sig == signal.SIGUSR1 and p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        p.kill()
        code = "hung"
    buf += p.stderr.read()
    p.stderr.close()
    if code != "hung":
        vg_check(vg_log, code)
    return code, buf.decode(errors="replace")


def signal_right_after_start(rounds=10 if VALGRIND else 100):
    """The "serving" line tells that tsyncd is ready (tests and scripts wait
    for it): from then on SIGUSR1 and SIGTERM must be handled, not kill it.
    Under valgrind a start takes seconds: 10 rounds, not 100."""
    d = tmpdir()
    conf = os.path.join(d, "tsyncd.conf")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nstratum 8\nclock sim\ncontrol %s/tsyncd.sock\n" % d)
    bad = []
    for i in range(rounds):
        sig = signal.SIGUSR1 if i % 2 == 0 else signal.SIGTERM
        code, log = start_and_signal(conf, sig)
        if code != 0 or "tsyncd: stats " not in log:
            bad.append((sig.name, code, log))
    check(bad == [], "%d rounds of SIGUSR1/SIGTERM sent the moment 'serving' is logged: each "
          "logs the stats line and exits 0 on SIGTERM (%d failed, e.g. %s)" %
          (rounds, len(bad), bad[:2]))


def test():
    signal_right_after_start()

    d = Tsyncd(["listen 127.0.0.1 port 0", "listen ::1 port 0", "stratum 8",
                "clock sim offset 1.5"])
    st = d.stats()
    check(all(v == 0 for v in st.values()), "fresh stats are all zero: %s" % st)
    check(d.alive(), "tsyncd is still running after SIGUSR1")

    n = 0
    for host in ("127.0.0.1", "::1"):
        for version, poll in ((4, 6), (3, 10), (2, -3), (1, 0)):
            req, r, t0, t3 = ask(d, host, version=version, poll=poll)
            check_reply(req, r, t0, t3, 1.5, version, poll, 8, REFID_LOCAL, 0)
            n += 1
    # Requests with a MAC (20 or 24 bytes) or a lone key id get a
    # crypto-NAK: this daemon has no keys (test_auth.py has them).
    s = udp_socket("127.0.0.1")
    for extra in (4, 20, 24):
        req = request() + b"\0\0\0\1" + b"\xab" * (extra - 4)
        data, _ = exchange(s, ("127.0.0.1", d.port("127.0.0.1")), req, timeout=5)
        check(data is not None and len(data) == 52 and data[48:] == bytes(4),
              "a request with a %d-byte MAC gets a crypto-NAK (48 + 4 zero bytes)" % extra)
        n += 1
    s.close()

    st = d.stats()
    check(st["received"] == n and st["replied"] == n and st["nak_bad_mac"] == 1 and
          st["nak_unknown_key"] == 2 and st["auth_reply"] == 0,
          "received=%d replied=%d nak_bad_mac=1 nak_unknown_key=2 (got %s)" % (n, n, st))
    st2 = d.stats()
    check(st2 == st, "a second read of the counters gives the same")

    code, final = d.terminate(signal.SIGTERM)
    check(code == 0, "SIGTERM: exit 0 (got %s)" % code)
    check(final == st, "the counters just before SIGTERM are the same (%s)" % final)
    check(d.lines[-1].startswith("tsyncd: stats server "),
          "the stats line is the last line (got %r)" % d.lines[-1])

    # Stratum 1: refid LOCL. SIGINT also shuts down cleanly.
    d1 = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset -0.75"],
                name="tsyncd-s1")
    check(d1.serving_line == "tsyncd: serving stratum 1, refid LOCL, clock sim",
          "stratum 1 serving line (got %r)" % d1.serving_line)
    req, r, t0, t3 = ask(d1, "127.0.0.1")
    check_reply(req, r, t0, t3, -0.75, 4, 6, 1, LOCL, 0)
    code, final = d1.terminate(signal.SIGINT)
    check(code == 0, "SIGINT: exit 0 (got %s)" % code)
    check(final is not None and final["received"] == 1 and final["replied"] == 1,
          "SIGINT: stats line received=1 replied=1 (got %s)" % final)

    # Unsynchronised, with debug logging of drops.
    du = Tsyncd(["listen 127.0.0.1 port 0", "clock readonly"], name="tsyncd-unsync",
                extra_args=["-d"])
    check(du.serving_line.startswith("tsyncd: serving unsynchronised (leap 3, stratum 16)"),
          "unsynchronised serving line (got %r)" % du.serving_line)
    check(du.serving_line.endswith("clock readonly"), "clock readonly in the serving line")
    req, r, t0, t3 = ask(du, "127.0.0.1")
    check_reply(req, r, t0, t3, 0.0, 4, 6, 16, 0, 3)
    before = du.line_count()
    s = udp_socket("127.0.0.1")
    s.sendto(b"\x23" * 10, ("127.0.0.1", du.port()))
    s.close()
    du.wait_line(r"^tsyncd: debug: ", before, timeout=20)
    check(True, "-d logs a debug line for a dropped short datagram")
    st = du.stats()
    check(st["received"] == 2 and st["replied"] == 1 and st["short"] == 1,
          "received=2 replied=1 short=1 (got %s)" % st)
    code, _ = du.terminate()
    check(code == 0, "exit 0")
    check(not any(l.startswith("tsyncd: debug: ") for l in d.lines),
          "without -d there are no debug lines")


if __name__ == "__main__":
    main(test)
