#!/usr/bin/env python3
"""
tsyncd's NTS server (RFC 8915) against hostile clients, on loopback with a
certificate made by certtool. NTS-KE over Python's TLS 1.3: a good request
gets NTPv4, AES-SIV-CMAC-256, the NTP port and eight 100-byte cookies; an
unknown critical record, a malformed record, an oversized request, an
NTS-KE record of 65535 bytes and a record after End of Message each get
exactly the Error record the RFC names; a truncated request, a wrong or
missing ALPN, TLS 1.2, bytes that are not TLS, a TLS record of 65535
bytes, and clients gone before, during or after their ClientHello end the
connection; half a ClientHello, half a record and a client that never
reads its response (sending 4 MB more, none of it buffered) are closed at
the deadline. 1,000 half-open connections are bounded (reset past
maxntsconnections, reaped at the deadline), each counted exactly once and
seen so from the client's side too, while NTP is still answered, and
NTS-KE works again after. NTP: a tampered cookie and a forged
authenticator (also replayed) get an NTS NAK (KoD NTSN, the UID alone, 84
bytes); a request with two UIDs is dropped. Every outcome moves its own
counter and nothing else, read with `tsync stats --json` (the open gauge
checked against /proc); the metrics endpoint and the SIGUSR1 line say the
same. A missing certificate, or a key that is not the certificate's, stops
tsyncd naming both files; a malformed cookie key file is replaced with a
new key. tsync query --nts takes four authenticated samples at the sim
offset, and refuses a certificate it does not trust.
"""
import errno
import os
import resource
import select
import signal
import socket
import ssl
import struct
import time
import urllib.request

from tsynctest import (Tsyncd, check, decode, exchange, info, main, nts_certificate,
                       nts_counters, parse_query_text, parse_seconds, request, run, slow,
                       tcp_sockets, tmpdir, tsync, tsyncd_path, udp_socket)

GOOD = bytes.fromhex("80010002000080040002000f80000000")
ERR_CRITICAL = bytes.fromhex("800200020000" "80000000")
ERR_BAD = bytes.fromhex("800200020001" "80000000")
HALF_OPEN = 1000
MAXCONN = 50
WAVE = 64  # connections made at once: under the listen backlog of 128


def records(data):
    out, off = [], 0
    while off + 4 <= len(data):
        t, n = struct.unpack("!HH", data[off:off + 4])
        out.append((t & 0x7fff, bool(t & 0x8000), data[off + 4:off + 4 + n]))
        off += 4 + n
    check(off == len(data), "the response is whole records (%d of %d bytes)" % (off, len(data)))
    return out


def tls_context(cert, alpn=("ntske/1",), tls12=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cert)
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(list(alpn))
    return ctx


def ke(port, cert, payload, close=False, **kw):
    """One NTS-KE exchange: the response's bytes, None when closed after
    sending, or the ssl error of the handshake (or of an alert after it)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=slow(10))
    try:
        s = tls_context(cert, **kw).wrap_socket(raw, server_hostname="localhost")
    except (ssl.SSLError, ConnectionError) as e:
        raw.close()
        return e
    with s:
        s.sendall(payload)
        if close:
            return None
        data = b""
        while True:
            try:
                b = s.recv(65536)
            except (ssl.SSLZeroReturnError, ConnectionResetError):
                break
            except ssl.SSLError as e:
                return e
            if not b:
                break
            data += b
        return data


def moved(before, after, **want):
    """Only the named counters moved, each by its amount (open, a gauge,
    and rotations, which the clock drives, aside)."""
    keys = [k for k in after if k not in ("open", "rotations")]
    diff = {k: after[k] - before.get(k, 0) for k in keys if after[k] != before.get(k, 0)}
    check(diff == want, "counters moved %s (want %s)" % (diff, want))


def good_ke(port, cert, ntp_port):
    data = ke(port, cert, GOOD)
    check(isinstance(data, bytes), "a good request gets a response (%s)" %
          (len(data) if isinstance(data, bytes) else repr(data)))
    r = records(data)
    check(r[:3] == [(1, True, b"\0\0"), (4, True, b"\0\x0f"),
                    (7, True, struct.pack("!H", ntp_port))],
          "NTPv4, AEAD_AES_SIV_CMAC_256 and the NTP port %d (%s)" % (ntp_port, r[:3]))
    cookies = [b for t, c, b in r[3:-1]]
    check(all(t == 5 and not c for t, c, _ in r[3:-1]) and len(cookies) == 8 and
          all(len(b) == 100 for b in cookies), "then eight 100-byte cookies")
    check(r[-1] == (0, True, b""), "and End of Message")
    return cookies


def ef(t, body):
    return struct.pack("!HH", t, 4 + len(body)) + body


def nts_request(cookie, uid=None, extra=b""):
    """A request with a UID, the cookie and an authenticator we cannot
    compute (no C2S key): only its lengths are right."""
    req = request()
    uid = uid or os.urandom(32)
    auth = struct.pack("!HH", 16, 16) + os.urandom(32)
    return req + ef(0x0104, uid) + extra + ef(0x0204, cookie) + ef(0x0404, auth), uid


def nak_of(s, addr, pkt, uid, what):
    r, _ = exchange(s, addr, pkt, timeout=slow(5))
    check(r is not None, "%s: answered" % what)
    f = decode(r)
    check(len(r) == 84 and f["stratum"] == 0 and r[12:16] == b"NTSN" and f["leap"] == 3 and
          f["org"] == decode(pkt)["xmt"] and r[48:] == ef(0x0104, uid),
          "%s: an NTS NAK with the UID alone (%d bytes, stratum %d, %r)" %
          (what, len(r), f["stratum"], r[12:16]))


def ntp_side(d, port, cookie):
    s, addr = udp_socket("127.0.0.1"), ("127.0.0.1", port)
    before = nts_counters(d)
    bad = bytearray(cookie)
    bad[50] ^= 1
    pkt, uid = nts_request(bytes(bad))
    nak_of(s, addr, pkt, uid, "a tampered cookie")
    pkt, uid = nts_request(cookie)
    nak_of(s, addr, pkt, uid, "a good cookie under a forged authenticator")
    nak_of(s, addr, pkt, uid, "the same request replayed")
    two, _ = nts_request(cookie, extra=ef(0x0104, os.urandom(32)))
    r, _ = exchange(s, addr, two, timeout=1.0)
    check(r is None, "a request with two UIDs gets no answer")
    r, _ = exchange(s, addr, request(), timeout=slow(5))
    check(r is not None and len(r) == 48, "a plain request still gets a plain reply")
    moved(before, nts_counters(d), nts_nak_cookie=1, nts_nak_auth=2, nts_malformed=1)


def ke_side(d, keport, cert):
    cases = [
        ("an unknown critical record", bytes.fromhex("92340000") + GOOD, {}, ERR_CRITICAL,
         "refused"),
        ("an AEAD record of odd length", bytes.fromhex("80010002000080040001" "0f80000000"), {},
         ERR_BAD, "refused"),
        ("a 1100-byte request", b"".join(ef(0x1234, b"x" * 363) for _ in range(3)) + GOOD, {},
         ERR_BAD, "refused"),
    ]
    for what, payload, kw, want, counter in cases:
        before = nts_counters(d)
        data = ke(keport, cert, payload, **kw)
        check(data == want, "%s gets %s (%r)" % (what, want.hex(), data))
        moved(before, nts_counters(d), accepted=1, **{counter: 1})
    for what, kw, alert in (("a wrong ALPN", {"alpn": ("http/1.1",)}, "no application protocol"),
                            ("TLS 1.2", {"tls12": True}, "handshake failure")):
        before = nts_counters(d)
        e = ke(keport, cert, GOOD, **kw)
        check(isinstance(e, ssl.SSLError) and alert in str(e),
              "%s: the handshake fails with the alert %s (%r)" % (what, alert, e))
        moved(before, nts_counters(d), accepted=1, tls_fail=1)
    before = nts_counters(d)
    ke(keport, cert, GOOD[:5], close=True)
    wait_counter(d, "closed_early", before["closed_early"] + 1)
    moved(before, nts_counters(d), accepted=1, closed_early=1)
    before = nts_counters(d)
    with socket.create_connection(("127.0.0.1", keport)) as raw:
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        raw.settimeout(slow(10))
        check(raw.recv(100) is not None, "bytes that are not TLS: the connection ends")
    wait_counter(d, "tls_fail", before["tls_fail"] + 1)
    moved(before, nts_counters(d), accepted=1, tls_fail=1)


def client_hello(cert):
    """The bytes of a real TLS 1.3 ClientHello with ALPN ntske/1."""
    out = ssl.MemoryBIO()
    obj = tls_context(cert).wrap_bio(ssl.MemoryBIO(), out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def raw_conn(keport):
    return socket.create_connection(("127.0.0.1", keport), timeout=slow(10))


def vanish(c, reset=False):
    if reset:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def tls_conn(keport, cert, **kw):
    return tls_context(cert, **kw).wrap_socket(raw_conn(keport), server_hostname="localhost")


def outcome(d, what, act, **want):
    """act() against tsyncd; then, once tsyncd holds nothing, exactly the
    counters want moved, accepted among them."""
    before = nts_counters(d)
    act()
    deadline = time.monotonic() + slow(20)
    while True:
        after = nts_counters(d)
        done = after["accepted"] > before["accepted"] and after["open"] == 0
        if done and all(after[k] - before[k] >= v for k, v in want.items()):
            break
        check(time.monotonic() < deadline, "%s: counted (%s)" % (what, after))
        time.sleep(0.1)
    info("%s: %s" % (what, {k: after[k] - before[k] for k in want}))
    moved(before, after, accepted=1, **want)


def attacks(d, port, keport, cert):
    """Clients that break NTS-KE on purpose, each refused and counted by
    exactly one counter, tsyncd answering NTP and NTS-KE after them."""
    hello = client_hello(cert)
    check(hello[0] == 0x16 and len(hello) > 100, "a ClientHello of %d bytes" % len(hello))

    def gone_at_once():
        vanish(raw_conn(keport))

    def half_hello():
        c = raw_conn(keport)
        c.sendall(hello[:len(hello) // 2])
        vanish(c)

    def reset_after_server_hello():
        c = raw_conn(keport)
        c.sendall(hello)
        check(len(c.recv(65536)) > 0, "tsyncd answers a ClientHello")
        vanish(c, reset=True)

    def no_alpn():
        e = ke(keport, cert, GOOD, alpn=())
        check(isinstance(e, ssl.SSLError) and "no application protocol" in str(e),
              "no ALPN: the alert no_application_protocol (%r)" % e)

    def tls_record_65535():
        c = raw_conn(keport)
        c.sendall(b"\x16\x03\x01\xff\xff" + b"\0" * 100)
        try:
            check(c.recv(100) is not None, "a TLS record of 65535 bytes: the connection ends")
        except ConnectionResetError:
            pass
        c.close()

    def ke_record_65535():
        data = ke(keport, cert, bytes.fromhex("8001ffff") + b"\0" * 65535)
        check(data == ERR_BAD, "an NTS-KE record of 65535 bytes gets %s (%r)" %
              (ERR_BAD.hex(), data[:64] if isinstance(data, bytes) else data))

    def after_end():
        data = ke(keport, cert, GOOD + bytes.fromhex("80010002" "0000"))
        check(data == ERR_BAD, "a record after End of Message gets %s (%r)" %
              (ERR_BAD.hex(), data))

    for what, act, want in (
            ("a client gone before its ClientHello", gone_at_once, {"tls_fail": 1}),
            ("a client gone in the middle of its ClientHello", half_hello, {"tls_fail": 1}),
            ("a client that resets after the ServerHello", reset_after_server_hello,
             {"tls_fail": 1}),
            ("a client without ALPN", no_alpn, {"tls_fail": 1}),
            ("a TLS record of 65535 bytes", tls_record_65535, {"tls_fail": 1}),
            ("an NTS-KE record of 65535 bytes", ke_record_65535, {"refused": 1}),
            ("a record after End of Message", after_end, {"refused": 1})):
        outcome(d, what, act, **want)
    deadlines(d, keport, cert, hello)
    r, _ = exchange(udp_socket("127.0.0.1"), ("127.0.0.1", port), request(), timeout=slow(5))
    check(r is not None and len(r) == 48, "NTP is still answered")
    good_ke(keport, cert, port)


def rss_kb(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        return int([l.split()[1] for l in f if l.startswith("VmRSS:")][0])


def deadlines(d, keport, cert, hello):
    """Clients that stay and do nothing more, all at once: half a
    ClientHello, half an NTS-KE record, and one that sends its request and
    then 4 MB more without ever reading the response. Each is closed at
    the 5-second deadline and counted there (the last also served); tsyncd
    buffers none of the 4 MB."""
    before, rss = nts_counters(d), rss_kb(d)
    stuck = raw_conn(keport)
    stuck.sendall(hello[:len(hello) // 2])
    half = tls_conn(keport, cert)
    half.sendall(bytes.fromhex("8001ffff") + b"\0" * 10)
    mute = tls_conn(keport, cert)
    mute.sendall(GOOD)
    sent = 0
    try:
        for _ in range(256):
            mute.sendall(b"\0" * 16384)
            sent += 16384
    except (ConnectionError, ssl.SSLError, socket.timeout) as e:
        check(False, "tsyncd reads what a client sends after its request (%d sent: %r)" %
              (sent, e))
    # 4 MB sent, under 2 MB of growth allowed: what valgrind's memcheck
    # adds for three handshakes (freed blocks it holds back) fits, 4 MB
    # buffered would not.
    check(rss_kb(d) - rss < 2048, "tsyncd's memory grew by %d kB for 4 MB sent" %
          (rss_kb(d) - rss))
    after = wait_open(d, 0, timeout=30)
    moved(before, after, accepted=3, timeout=3, served=1)
    for c in (stuck, half, mute):
        c.close()


def wait_counter(d, name, want, timeout=20):
    deadline = time.monotonic() + slow(timeout)
    while nts_counters(d)[name] < want:
        check(time.monotonic() < deadline, "%s reaches %d" % (name, want))
        time.sleep(0.2)


def held(d):
    """TCP connections tsyncd holds beyond its listeners, counted in /proc
    from outside: the cross-check of the open gauge."""
    return tcp_sockets(d) - tcp_sockets(d, listening=True)


def wait_open(d, want, timeout=20):
    """Wait for the open gauge to read want; the counters then."""
    deadline = time.monotonic() + slow(timeout)
    while True:
        c = nts_counters(d)
        if c["open"] == want:
            return c
        check(time.monotonic() < deadline, "ke_open reaches %d (%s)" % (want, c))
        time.sleep(0.1)


def connect_wave(n, keport, reset):
    """n connections opened at once, returned once the kernel has made
    every one (the client's side: writable); those already reset by
    tsyncd join the set reset (reading SO_ERROR clears it)."""
    wave = []
    for _ in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", keport))
        wave.append(c)
    deadline = time.monotonic() + slow(20)
    pending = list(wave)
    while pending:
        check(time.monotonic() < deadline, "%d connections made" % n)
        _, w, _ = select.select([], pending, [], 0.5)
        for c in w:
            err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            check(err in (0, errno.ECONNRESET), "a connection is made (%s)" % os.strerror(err))
            if err != 0:
                reset.add(c)
            pending.remove(c)
    return wave


def client_view(conns, reset):
    """How each of our connections ended, as its client sees it: reset
    (tsyncd's refusal past maxntsconnections), closed (its deadline), or
    still open."""
    seen = {"reset": 0, "closed": 0, "open": 0}
    for c in conns:
        if c in reset:
            seen["reset"] += 1
            continue
        try:
            b = c.recv(1)
            seen["closed" if b == b"" else "open"] += 1
        except ConnectionResetError:
            seen["reset"] += 1
        except BlockingIOError:
            seen["open"] += 1
    return seen


def half_open(d, port, keport, cert):
    """1,000 connections that never start TLS, made in waves of WAVE, each
    smaller than tsyncd's listen backlog (128), every one made before the
    next wave: all of them reach tsyncd, each exactly once. (One burst of
    1,000 overflows the backlog: the kernel drops SYNs and answers with
    SYN cookies, and then makes connections from later segments of the
    same client, even a second time after tsyncd reset the first: tsyncd
    once counted 1,002 connections for 1,000 sockets; nstat shows
    TcpExtSyncookiesRecv twice TcpExtSyncookiesSent in such a run.)"""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    before = nts_counters(d)
    conns, was_reset = [], set()
    while len(conns) < HALF_OPEN:
        conns += connect_wave(min(WAVE, HALF_OPEN - len(conns)), keport, was_reset)
        deadline = time.monotonic() + slow(20)
        while True:
            c = nts_counters(d)
            seen = c["accepted"] - before["accepted"] + c["busy"] - before["busy"]
            if seen == len(conns):
                break
            check(seen < len(conns) and time.monotonic() < deadline,
                  "tsyncd sees each of %d connections once (%d)" % (len(conns), seen))
            time.sleep(0.05)
        check(c["open"] <= MAXCONN and held(d) <= MAXCONN,
              "never more than %d held (open %d, %d in /proc)" % (MAXCONN, c["open"], held(d)))
        if len(conns) == WAVE:
            check(c["accepted"] - before["accepted"] == MAXCONN and c["open"] == MAXCONN and
                  c["busy"] - before["busy"] == WAVE - MAXCONN,
                  "the first wave: %d taken, %d reset as busy (%s)" % (MAXCONN, WAVE - MAXCONN, c))
    s = udp_socket("127.0.0.1")
    answered = 0
    for _ in range(10):
        r, _ = exchange(s, ("127.0.0.1", port), request(), timeout=slow(2))
        answered += r is not None
    check(answered == 10, "NTP answered %d of 10 requests with %d NTS-KE connections held" %
          (answered, HALF_OPEN))
    # The connections taken are closed at their deadline, every one.
    after = wait_open(d, 0, timeout=30)
    check(held(d) == 0, "tsyncd holds no connection in /proc either (%d)" % held(d))
    taken = after["accepted"] - before["accepted"]
    reset = after["busy"] - before["busy"]
    info("after %d half-open connections: %s" % (HALF_OPEN, after))
    check(taken + reset == HALF_OPEN, "each of %d connections counted once: %d taken, %d reset" %
          (HALF_OPEN, taken, reset))
    moved(before, after, accepted=taken, busy=reset, timeout=taken)
    view = client_view(conns, was_reset)
    check(view == {"reset": reset, "closed": taken, "open": 0},
          "our side agrees: %d reset, %d closed at the deadline (%s)" % (reset, taken, view))
    for c in conns:
        c.close()
    time.sleep(1.0)
    moved(after, nts_counters(d))
    good_ke(keport, cert, port)


def three_views(d, mport):
    """The nts group reads the same in `tsync stats --json`, the metrics
    endpoint (ke_open a gauge, the others counters NAME_total) and the
    SIGUSR1 log line, with nothing moving meanwhile."""
    wait_open(d, 0)
    c = d.counters()["nts"]
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=slow(10)) as r:
        text = r.read().decode()
    lines = text.splitlines()
    for k, v in c.items():
        name, kind = ("tsync_nts_" + k, "gauge") if k == "ke_open" else \
            ("tsync_nts_%s_total" % k, "counter")
        check("# TYPE %s %s" % (name, kind) in lines and "%s %d" % (name, v) in lines,
              "metrics: %s, a %s, is %d" % (name, kind, v))
    start = d.line_count()
    d.proc.send_signal(signal.SIGUSR1)
    _, m = d.wait_line(r"^tsyncd: stats nts (.*)$", start)
    logged = dict(kv.split("=") for kv in m.group(1).split())
    check(logged == {k: str(v) for k, v in c.items()},
          "the SIGUSR1 line says the same (%s)" % m.group(1))


def refusals(d, cert, key):
    """Certificates that cannot serve stop tsyncd at start, naming both
    files; a cookie key file that is not one is replaced."""
    other = os.path.join(d, "other")
    os.mkdir(other)
    _, other_key = nts_certificate(other)
    for what, c, k in (("a missing certificate", os.path.join(d, "none.pem"), key),
                       ("a key that is not the certificate's", cert, other_key)):
        conf = os.path.join(d, "refused.conf")
        with open(conf, "w") as f:
            f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol none\nntsservercert %s\n"
                    "ntsserverkey %s\nntsport 0\n" % (c, k))
        r = run([tsyncd_path(), "-n", "-f", conf], timeout=30)
        want = "%s, %s: cannot load the NTS certificate and key" % (c, k)
        check(r.code == 1 and want in r.err, "%s: tsyncd exits 1 saying %r (%d, %r)" %
              (what, want, r.code, r.err))
    junk = os.path.join(d, "junk")
    os.mkdir(junk)
    with open(os.path.join(junk, "ntskeys"), "w") as f:
        f.write("1 00 3\n")
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "ntsservercert %s" % cert,
                "ntsserverkey %s" % key, "ntsport 0", "ntsdumpdir %s" % junk], name="tsyncd-junk")
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on 127\.0\.0\.1:(\d+)$")
    t.wait_line(r'^tsyncd: warning: NTS cookie keys %s/ntskeys:1: not "ID HEX64 CREATED": '
                r'making new ones$' % junk, 0)
    good_ke(int(m.group(1)), cert, t.port())
    with open(os.path.join(junk, "ntskeys")) as f:
        check(len(f.read().split()) == 3, "the cookie key file holds a new key")
    code, _ = t.terminate()
    check(code == 0, "tsyncd-junk exits 0")


def query_side(d, keport, cert):
    """tsync query --nts: four authenticated samples at the sim offset, the
    server's NTS counters moving by four replies and one handshake; a
    certificate not trusted: exit 1, nothing asked over NTP."""
    before = nts_counters(d)
    r = tsync("query", "--nts", "--ntstrustedcerts", cert, "-i", "0.05", "-t", "5",
              "127.0.0.1:%d" % keport)
    check(r.code == 0, "tsync query --nts exits 0 (%r)" % r.err)
    f, _ = parse_query_text(r.out)
    check(f["nts"].startswith("yes") and f["samples"] == "4 of 4",
          "four samples, every one authenticated (%s, %s)" % (f["nts"], f["samples"]))
    check(abs(parse_seconds(f["offset"]) - 0.5) < 0.005,
          "at the sim offset, 0.5 s (%s)" % f["offset"])
    moved(before, nts_counters(d), accepted=1, served=1, nts_reply=4)
    before = nts_counters(d)
    r = tsync("query", "--nts", "127.0.0.1:%d" % keport)
    check(r.code == 1 and "NTS-KE: the server's certificate does not verify" in r.err,
          "a self-signed certificate not in the system's store: exit 1 saying so (%r)" % r.err)
    moved(before, nts_counters(d), accepted=1, tls_fail=1)


def test():
    d = tmpdir()
    cert, key = nts_certificate(d)
    t = Tsyncd(["listen 127.0.0.1 port 0", "stratum 3", "clock sim offset 0.5",
                "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport 0",
                "maxntsconnections %d" % MAXCONN, "ntsdumpdir %s" % d,
                "metrics 127.0.0.1 port 0"])
    _, m = t.wait_line(r"^tsyncd: nts-ke listening on 127\.0\.0\.1:(\d+)$")
    keport, port = int(m.group(1)), t.port()
    _, m = t.wait_line(r"^tsyncd: metrics on http://127\.0\.0\.1:(\d+)/metrics$")
    mport = int(m.group(1))
    before = nts_counters(t)
    cookies = good_ke(keport, cert, port)
    moved(before, nts_counters(t), accepted=1, served=1)
    ntp_side(t, port, cookies[0])
    ke_side(t, keport, cert)
    query_side(t, keport, cert)
    attacks(t, port, keport, cert)
    half_open(t, port, keport, cert)
    three_views(t, mport)
    check(os.stat(os.path.join(d, "ntskeys")).st_mode & 0o777 == 0o600,
          "the cookie key file is 0600")
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")
    refusals(d, cert, key)


if __name__ == "__main__":
    main(test)
