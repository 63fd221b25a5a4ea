#!/usr/bin/env python3
"""
Bad input to tsyncd: truncated datagrams (0 bytes included), every wrong
version and mode, real mode 6 (ntpq readvar) and mode 7 (ntpdc monlist)
queries, malformed trailers, the largest IPv4 and IPv6 datagrams and 1000
seeded random datagrams. After each category tsyncd still answers a valid
request; nothing comes back for a bad datagram and no reply is larger than
its request; the counters of the stats line moved by exactly what was sent.
"""
import random
import select
import socket
import struct
import time

from tsynctest import (check, info, main, Tsyncd, udp_socket, request, DROP_KEYS,
                       STATS_KEYS)

# Kernel receive buffers hold ~200 KB; a valid request after each chunk
# (whose reply proves everything before it was read) keeps them from
# overflowing, so the counts are exact.
CHUNK_BYTES = 100000
CHUNK_COUNT = 16
MAC_LENS = (0, 4, 20, 24)
V3_MAC_LENS = (36, 68)  # before v4, a whole SHA-256 or SHA-512 digest
ANSWERED = ("replied", "nak_unknown_key", "nak_bad_mac")  # a NAK is a reply too


def classify(b):
    """The spec's drop reasons, in the order tsyncd applies them: control
    (mode 6/7 by the first byte alone, whatever the length or version, so
    that a 12-byte ntpq query counts as control), short, version, trailer
    (RFC 7822 extension fields, then a MAC of 0/4/20/24 bytes, or 36/68
    before version 4; fields are only walked in version 4), mode. A request with a MAC is answered with
    a crypto-NAK (this daemon has no keys file): a lone key id is a bad MAC,
    any other an unknown key."""
    if len(b) >= 1 and b[0] & 7 in (6, 7):
        return "control"
    if len(b) < 48:
        return "short"
    version, mode = (b[0] >> 3) & 7, b[0] & 7
    if version < 1 or version > 4:
        return "version"
    rest, off = len(b) - 48, 0
    if version == 4:
        while rest - off > 24:
            ext = (b[48 + off + 2] << 8) | b[48 + off + 3]
            if ext < 16 or ext % 4 or ext > rest - off:
                return "trailer"
            off += ext
    if rest - off not in MAC_LENS + (V3_MAC_LENS if version < 4 else ()):
        return "trailer"
    if mode != 3:
        return "mode"
    return {0: "replied", 4: "nak_bad_mac"}.get(rest - off, "nak_unknown_key")


class Sender:
    def __init__(self, d, host, rng):
        self.d, self.host, self.rng = d, host, rng
        self.addr = (host, d.port(host))
        self.sock = udp_socket(host)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        self.sent = {}  # transmit field -> request length, for valid requests

    def barrier(self):
        """A valid request; wait for its reply. Returns other datagrams seen."""
        xmt = self.rng.getrandbits(64)
        req = request(xmt=xmt)
        self.sock.sendto(req, self.addr)
        others = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.sock], [], [], deadline - time.monotonic())
            if not r:
                break
            data = self.sock.recv(70000)
            if len(data) == 48 and data[24:32] == req[40:48]:
                return others
            others.append(data)
        raise ValueError("no reply to the barrier request within 10 s")

    def send_all(self, datagrams):
        """Send datagrams in chunks, each followed by a barrier. Returns the
        datagrams that came back (other than barrier replies)."""
        back, chunk, size = [], 0, 0
        for b in datagrams:
            if chunk and (chunk >= CHUNK_COUNT or size + len(b) + 1024 > CHUNK_BYTES):
                back += self.barrier_counted()
                chunk, size = 0, 0
            n = self.sock.sendto(b, self.addr)
            assert n == len(b)
            chunk += 1
            size += len(b) + 1024
        back += self.barrier_counted()
        # Anything late (there should be nothing).
        while select.select([self.sock], [], [], 0.1)[0]:
            back.append(self.sock.recv(70000))
        return back

    def barrier_counted(self):
        self.barriers += 1
        try:
            return self.barrier()
        except ValueError as e:
            check(False, "tsyncd answers a valid request between chunks: %s" % e)


def delta(a, b):
    return {k: b[k] - a[k] for k in STATS_KEYS}


def run_category(d, snd, name, datagrams, want_class=None):
    """Send a category; check replies and counters against classify()."""
    classes = [classify(b) for b in datagrams]
    if want_class is not None:
        check(all(c == want_class for c in classes),
              "%s: the test data are all %s by the spec's rules (%s)" % (name, want_class, classes))
    expect = {k: 0 for k in STATS_KEYS}
    for c in classes:
        expect[c] += 1
        expect["replied"] += c in ANSWERED[1:]
    expect["received"] = len(datagrams)
    before = d.stats()
    snd.barriers = 0
    back = snd.send_all(datagrams)
    after = d.stats()
    got = delta(before, after)
    want = dict(expect)
    want["received"] += snd.barriers
    want["replied"] += snd.barriers
    check(d.alive(), "%s: tsyncd still running" % name)
    check(snd.barriers >= 1, "%s: tsyncd answered the valid request after each of %d chunks" %
          (name, snd.barriers))
    valid = {b[40:48]: len(b) for b, c in zip(datagrams, classes) if c in ANSWERED}
    stray = [len(r) for r in back if len(r) < 32 or r[24:32] not in valid]
    check(stray == [], "%s: nothing came back but replies to valid requests (strays: %s bytes)" %
          (name, stray))
    big = [(len(r), valid[r[24:32]]) for r in back if len(r) > valid[r[24:32]]]
    check(big == [], "%s: no reply is larger than its request (reply, request bytes: %s)" %
          (name, big))
    check(len(back) == expect["replied"], "%s: %d replies came back (want %d)" %
          (name, len(back), expect["replied"]))
    check(got == want, "%s: %d datagrams moved the counters by exactly %s (got %s)" %
          (name, len(datagrams), want, got))
    drops = sum(after[k] for k in DROP_KEYS)
    check(drops + after["replied"] + after["send_error"] == after["received"],
          "%s: drops %d + replied %d + send errors = received %d" %
          (name, drops, after["replied"], after["received"]))


def hdr(version, mode, rng, length=48, leap=0):
    b = bytearray(rng.randbytes(length))
    if length:
        b[0] = (leap << 6) | (version << 3) | mode
    return bytes(b)


def ntpq_readvar(version=2, names=b""):
    """An ntpq mode 6 READVAR request: 12-byte header + data padded to 4."""
    data = names + b"\0" * (-len(names) % 4)
    return struct.pack("!BBHHHHH", (version << 3) | 6, 2, 1, 0, 0, 0, len(names)) + data


def ntpdc_monlist(length):
    """An ntpdc/scanner mode 7 MON_GETLIST_1 request (version 2, impl 3, req 42)."""
    return (struct.pack("!BBBB", (2 << 3) | 7, 0, 3, 42) + b"\0" * 188)[:length]


def v4_ext(rng, ext_lens, mac=0):
    b = bytearray(request(xmt=rng.getrandbits(64)))
    for n in ext_lens:
        b += struct.pack("!HH", 0x0104, n) + rng.randbytes(n - 4)
    b += rng.randbytes(mac)
    return bytes(b)


def random_datagram(rng):
    r = rng.random()
    if r < 0.5:
        n = rng.randint(0, 120)
    elif r < 0.85:
        n = rng.randint(0, 1500)
    else:
        n = rng.randint(0, 65507)
    b = bytearray(rng.randbytes(n))
    if rng.random() < 0.5:
        b[256:] = bytes(max(0, n - 256))
    if n and rng.random() < 0.3:
        b[0] = (rng.randint(0, 3) << 6) | (rng.randint(1, 4) << 3) | 3
    if rng.random() < 0.15:
        b = bytearray(v4_ext(rng, [rng.choice((16, 20, 28, 64))], rng.choice(MAC_LENS)))
        if rng.random() < 0.5:
            b[0] = (rng.randint(0, 7) << 3) | rng.randint(0, 7)
    return bytes(b)


def test():
    rng = random.Random(20261128)
    d = Tsyncd(["listen 127.0.0.1 port 0", "listen ::1 port 0", "stratum 8",
                "clock sim offset 1.5"])
    snd = Sender(d, "127.0.0.1", rng)

    short = [b"", b"\x23", request()[:47], request()[:47], bytes(20), hdr(4, 3, rng, 2),
             hdr(4, 3, rng, 47), hdr(4, 5, rng, 30)]
    run_category(d, snd, "short (0, 1, 2, 20, 30, 47 bytes)", short, "short")

    versions = [hdr(v, m, rng) for v in (0, 5, 6, 7) for m in range(6)] + [bytes(48)]
    run_category(d, snd, "version 0/5/6/7 in modes 0-5", versions, "version")

    modes = [hdr(v, m, rng) for v in (1, 2, 3, 4) for m in (0, 1, 2, 4, 5)]
    run_category(d, snd, "modes 0/1/2/4/5 in versions 1-4", modes, "mode")

    control = [hdr(v, m, rng) for v in range(8) for m in (6, 7)] + \
        [hdr(v, m, rng, 47) for v in (2, 4) for m in (6, 7)] + \
        [hdr(4, 6, rng) + b"\0", hdr(2, 7, rng) + bytes(13), hdr(4, 6, rng, 1)]
    run_category(d, snd, "modes 6/7 in every version, short or long", control, "control")

    real = [ntpq_readvar(2), ntpq_readvar(4), ntpq_readvar(2, b"version,stratum"),
            ntpq_readvar(2, b"x" * 36), ntpdc_monlist(8), ntpdc_monlist(48)]
    real += [ntpdc_monlist(192)]
    run_category(d, snd, "real ntpq readvar (12, 12, 28, 48 bytes) and ntpdc monlist "
                 "(8, 48, 192 bytes) queries", real, "control")

    trailer = [request() + b"\0", request() + b"\0\0", request() + b"\0" * 3,
               request() + b"\0" * 8, request() + b"\0" * 28,
               v4_ext(rng, [16]), v4_ext(rng, [28])[:-1], v4_ext(rng, [28], 1),
               v4_ext(rng, [28], 8), v4_ext(rng, [16]) + bytes(30),
               request() + struct.pack("!HH", 1, 12) + bytes(24),
               request() + struct.pack("!HH", 1, 18) + bytes(24),
               request() + struct.pack("!HH", 1, 64) + bytes(24),
               request(version=3) + bytes(16), request(version=1) + bytes(28),
               request(version=4, mode=3)[:48] + bytes(25)]
    run_category(d, snd, "malformed extension fields / MACs", trailer, "trailer")

    good_trailers = [v4_ext(rng, [28]), v4_ext(rng, [16, 28], 24), v4_ext(rng, [1000], 4),
                     v4_ext(rng, [16, 28]), v4_ext(rng, [16, 16], 4), request(version=3) + bytes(24),
                     request(version=2) + bytes(4), request(version=3) + bytes(36),
                     request(version=1) + bytes(68)]
    run_category(d, snd, "well-formed extension fields and MACs are answered", good_trailers)

    sizes = [b"\x23", hdr(4, 3, rng, 65507), request() + bytes(65507 - 48),
             hdr(3, 3, rng, 65507), hdr(4, 6, rng, 65507), bytes(65507)]
    run_category(d, snd, "1-byte and 65507-byte datagrams", sizes)

    rnd = [random_datagram(rng) for _ in range(1000)]
    counts = {}
    for b in rnd:
        counts[classify(b)] = counts.get(classify(b), 0) + 1
    info("random datagrams by expected class: %s" % counts)
    run_category(d, snd, "1000 seeded random datagrams", rnd)

    snd6 = Sender(d, "::1", rng)
    v6 = [b"", b"\x23", hdr(4, 3, rng, 65527), hdr(2, 7, rng), hdr(6, 3, rng), hdr(4, 5, rng)]
    run_category(d, snd6, "IPv6: 0, 1, 65527 bytes, mode 7, version 6, mode 5", v6)

    code, st = d.terminate()
    check(code == 0, "tsyncd exits 0 on SIGTERM after all that")
    check(st is not None and st["send_error"] == 0, "no send errors (%s)" % st)


if __name__ == "__main__":
    main(test)
