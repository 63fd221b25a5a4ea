#!/usr/bin/env python3
"""
ratelimit on the wire: one noisy address floods tsyncd while twenty polite
addresses across 127.0.0.0/8 each ask once every 2^interval s and a spray
of 50000 distinct source addresses (one request each) passes through a
table of 512. The noisy address gets at most burst + elapsed/period
answers, one KoD RATE (stratum 0, leap 3, refid RATE, our transmit as
origin, 48 bytes) per 2^leak drops exactly, its debt surviving the spray;
every polite request is answered; the counters move exactly (a barrier
request after each 100 sprayed keeps tsyncd's socket buffer from
overflowing on a loaded machine); tsyncd's RSS
grows by no more than the table and a fixed allowance.
"""
import os
import random
import select
import socket
import struct
import threading
import time

from tsynctest import (check, info, main, Tsyncd, udp_socket, request, decode, exchange,
                       random_loopback_address)

INTERVAL, BURST, LEAK, TABLE = -2, 4, 2, 512
PERIOD = 2.0 ** INTERVAL
ENTRY_BYTES = 32
SPRAY = 50000
POLITE = 20
RATE = 0x52415445  # "RATE"
IP_PKTINFO = 8  # Linux; the socket module does not name it
RSS_ALLOWANCE = 512 * 1024  # bytes of growth that are not the table's


def spray_source(i):
    """127.1.0.0 upwards: apart from random_loopback_address's 127.64+."""
    return "127.%d.%d.%d" % (1 + (i >> 16), (i >> 8) & 255, i & 255)


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for %d" % pid)


def drain(sock, replies, timeout):
    """Read replies until timeout s have passed; returns when the last
    came (monotonic), or None."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        left = deadline - time.monotonic()
        r, _, _ = select.select([sock], [], [], max(0.0, left))
        if r:
            replies.append(sock.recv(2048))
            last = time.monotonic()
        elif left <= 0:
            return last


class Noisy(threading.Thread):
    """Chunks of 16 requests, each with its own transmit timestamp, every
    10 ms: some 1600 a second, 400 times its rate, and no loss."""

    def __init__(self, addr, server, stop):
        threading.Thread.__init__(self, daemon=True)
        self.sock = udp_socket(addr)
        self.server, self.stop = server, stop
        self.sent, self.xmts, self.replies = 0, set(), []
        self.first = self.last = None  # first send, last reply
        self.rng = random.Random(os.getpid())

    def run(self):
        while not self.stop.is_set():
            for _ in range(16):
                xmt = self.rng.getrandbits(64) | 1
                self.xmts.add(xmt)
                if self.first is None:
                    self.first = time.monotonic()
                self.sock.sendto(request(xmt=xmt), self.server)
                self.sent += 1
            self.last = drain(self.sock, self.replies, 0.01) or self.last
        self.last = drain(self.sock, self.replies, 1.0) or self.last


class Polite(threading.Thread):
    """Every period, one request from each address, and its answer."""

    def __init__(self, addrs, server, stop):
        threading.Thread.__init__(self, daemon=True)
        self.socks = [udp_socket(a) for a in addrs]
        self.server, self.stop = server, stop
        self.sent, self.answered, self.kods, self.missing = 0, 0, 0, []

    def round(self):
        want = {}
        for s in self.socks:
            xmt = random.getrandbits(64) | 1
            s.sendto(request(xmt=xmt), self.server)
            want[s] = xmt
            self.sent += 1
        deadline = time.monotonic() + 5.0
        while want and time.monotonic() < deadline:
            r, _, _ = select.select(list(want), [], [], deadline - time.monotonic())
            for s in r:
                d = decode(s.recv(2048))
                if d and d["org"] == want[s]:
                    self.answered += d["stratum"] != 0
                    self.kods += d["stratum"] == 0
                    del want[s]
        self.missing += [s.getsockname()[0] for s in want]

    def run(self):
        start = time.monotonic()
        k = 0
        while not self.stop.is_set():
            self.round()
            k += 1
            time.sleep(max(0.0, start + k * PERIOD - time.monotonic()))


def barrier(server, k):
    """A request from a fresh address, 127.3.0.0 upwards, and its answer:
    tsyncd has read every datagram sent before it, so no more than a
    chunk is ever waiting in its socket's buffer, however loaded the
    machine."""
    s = udp_socket("127.3.%d.%d" % (k >> 8, k & 255))
    try:
        data, _ = exchange(s, server, request(), timeout=10)
        return data is not None
    finally:
        s.close()


def spray(server):
    """SPRAY addresses, one request each, from one socket (IP_PKTINFO sets
    the source), a barrier after each 100. Returns the barriers answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    pkt = request()
    t0 = time.monotonic()
    answered = 0
    for i in range(SPRAY):
        src = socket.inet_aton(spray_source(i))
        s.sendmsg([pkt], [(socket.IPPROTO_IP, IP_PKTINFO,
                           struct.pack("I4s4s", 0, src, b"\0\0\0\0"))], 0, server)
        if i % 100 == 99:
            answered += barrier(server, i // 100)
    s.close()
    info("sprayed %d addresses in %.2f s" % (SPRAY, time.monotonic() - t0))
    return answered


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim",
                "ratelimit interval %d burst %d leak %d table %d" % (INTERVAL, BURST, LEAK, TABLE)])
    server = ("127.0.0.1", d.port())
    d.wait_line(r"rate limit: interval %d burst %d leak %d, %d clients in %d bytes" %
                (INTERVAL, BURST, LEAK, TABLE, TABLE * ENTRY_BYTES))
    rng = random.SystemRandom()
    addrs = set()
    while len(addrs) < POLITE + 1:
        addrs.add(random_loopback_address(rng))
    addrs = sorted(addrs)
    before = d.stats()
    stop = threading.Event()
    noisy = Noisy(addrs[0], server, stop)
    polite = Polite(addrs[1:], server, stop)
    noisy.start()
    polite.start()
    time.sleep(2.0)
    rss0 = rss_bytes(d.proc.pid)
    barriers = spray(server)
    time.sleep(1.0)
    rss1 = rss_bytes(d.proc.pid)
    time.sleep(1.0)
    stop.set()
    noisy.join(30)
    polite.join(30)
    check(not noisy.is_alive() and not polite.is_alive(), "the clients finished")
    after = d.stats()
    got = {k: after[k] - before[k] for k in after}
    info("counters moved by %s" % got)

    # The noisy address: the arithmetic of the bucket, not timing. tsyncd's
    # rate limit runs on CLOCK_MONOTONIC, as time.monotonic does: it read
    # the first request after we sent it and the last before we got the
    # last reply, so its requests span at most `elapsed`.
    elapsed = noisy.last - noisy.first
    ok = [r for r in noisy.replies if decode(r)["stratum"] != 0]
    kod = [decode(r) for r in noisy.replies if decode(r)["stratum"] == 0]
    bound = BURST + int(elapsed / PERIOD)
    check(BURST <= len(ok) <= bound,
          "noisy: %d of %d requests answered in %.2f s: at least the burst %d, at most "
          "burst + elapsed/period = %d" % (len(ok), noisy.sent, elapsed, BURST, bound))
    drops = noisy.sent - len(ok)
    check(got["ratelimited"] + got["kod_rate"] == drops,
          "noisy: every other request counted over the limit (%d + %d = %d)" %
          (got["ratelimited"], got["kod_rate"], drops))
    check(got["kod_rate"] == drops >> LEAK,
          "noisy: exactly one drop in %d answered with a KoD (%d of %d), so never forgotten "
          "by the table in the spray" % (1 << LEAK, got["kod_rate"], drops))
    check(len(kod) == got["kod_rate"], "noisy: %d KoDs came back (%d counted)" %
          (len(kod), got["kod_rate"]))
    check(all(k["len"] == 48 and k["leap"] == 3 and k["mode"] == 4 and k["refid"] == RATE
              and k["org"] in noisy.xmts and k["version"] == 4 and k["poll"] == 6 for k in kod),
          "every KoD is 48 bytes, leap 3, mode 4, stratum 0, refid RATE, our transmit as origin, "
          "our poll 6 (above the interval %d)" % INTERVAL)

    # Polite addresses, one request per period each: all answered.
    check(polite.sent >= POLITE * 10, "polite: %d requests sent" % polite.sent)
    check(polite.answered == polite.sent and polite.kods == 0 and not polite.missing,
          "polite: all %d answered, none refused (answered %d, KoD %d, missing %s)" %
          (polite.sent, polite.answered, polite.kods, polite.missing[:5]))

    check(barriers == SPRAY // 100, "spray: all %d barriers answered (%d)" %
          (SPRAY // 100, barriers))

    # Every datagram reached tsyncd and is accounted for.
    total = noisy.sent + polite.sent + SPRAY + barriers
    check(got["received"] == total, "tsyncd received all %d datagrams (%d)" %
          (total, got["received"]))
    check(got["replied"] == len(ok) + len(kod) + polite.sent + SPRAY + barriers,
          "replied = noisy answers + KoDs + polite + one per sprayed address and barrier (%d)" %
          got["replied"])
    check(got["denied"] == 0 and got["kod_deny"] == 0, "nothing denied")

    # Memory: the table was allocated at start; the spray adds nothing.
    growth = rss1 - rss0
    check(growth <= TABLE * ENTRY_BYTES + RSS_ALLOWANCE,
          "RSS grew by %d bytes over the spray of %d addresses, within the table's %d + %d" %
          (growth, SPRAY, TABLE * ENTRY_BYTES, RSS_ALLOWANCE))
    code, _ = d.terminate()
    check(code == 0, "tsyncd exits 0")


if __name__ == "__main__":
    main(test)
