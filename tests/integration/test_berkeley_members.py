#!/usr/bin/env python3
"""
Members are who they say, against an insider who holds the group key and
speaks the protocol from this script:

1. Sybils: one socket answers every POLL for 5 node ids at +10 s (before,
   the 5 fakes and one more made the largest set and moved the group
   +50 s). The master takes one node id per address and port a round; the
   group stays where it was, and the others are counted (address).
2. A full membership: 520 fake members (one a port) answer every POLL and
   never acknowledge, filling the master's 512 places; a real slave that
   joins afterwards is served within a few rounds, room made for it by
   evicting silent members (counted: evicted).
3. An insider that reports +0.04 s every round (inside the tolerance): at
   the default `berkeley maxdrift 100` the group moves at most 100 ppm
   (before: 8 ms a round); the rounds held back are counted (bounded).
"""
import os
import select
import socket
import struct
import threading
import time

from brktest import (ACK, ADJUST, POLL, REPLY, Node, bind, decode, encode, group_listener,
                     group_port, keyfile, random_group, spread, stop, true_offsets, verify,
                     wait_applied, wait_round)
from tsynctest import check, info, main, no_valgrind

KEY = os.urandom(32)


class Insider(threading.Thread):
    """Fake members with the key: each of `ids` answers every POLL through
    socks[i % len(socks)] as a clock `ahead` s ahead of the host's; ACKs
    the ADJUSTs if ack."""

    def __init__(self, group, port, ids, n_socks, ahead, ack=True):
        threading.Thread.__init__(self, daemon=True)
        self.group, self.port, self.ids, self.ahead, self.ack = group, port, ids, ahead, ack
        self.bound = bind(group, port)
        self.listen = group_listener(group, port)
        self.socks = []
        for _ in range(n_socks):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            self.socks.append(s)
        self.seq = 0
        self.running = True
        self.replies = 0
        self.start()

    def _reply(self, poll, src, node, sock):
        self.seq += 1
        t = time.time_ns() + int(self.ahead * 1e9)
        body = struct.pack(">qqqqq", poll["t0"], t, t, 0, 0)
        sock.sendto(encode(REPLY, node, self.seq, poll["round"], body, KEY, 1, 100,
                           to=poll["node"], nonce=os.urandom(8)[0] | 1 << 8, bound=self.bound),
                    src)
        self.replies += 1

    def _ack(self, data, src, sock):
        a = decode(data)
        if a is None or a["type"] != ADJUST or not verify(data, KEY, self.bound):
            return
        self.seq += 1
        sock.sendto(encode(ACK, a["to"], self.seq, a["round"], struct.pack(">q", a["adjust"]),
                           KEY, 1, 100, to=a["node"], nonce=a["nonce"], bound=self.bound), src)

    def run(self):
        while self.running:
            ready, _, _ = select.select([self.listen] + self.socks, [], [], 0.1)
            for s in ready:
                data, src = s.recvfrom(2048)
                if s is self.listen:
                    p = decode(data)
                    if p is None or p["type"] != POLL:
                        continue
                    p["t0"] = struct.unpack(">q", data[60:68])[0]
                    for i, node in enumerate(self.ids):
                        self._reply(p, src, node, self.socks[i % len(self.socks)])
                elif self.ack:
                    self._ack(data, src, s)

    def stop(self):
        self.running = False
        self.join()
        for s in [self.listen] + self.socks:
            s.close()


def keyed(path):
    return ["keyfile %s" % path, "berkeley key 1"]


def still_led(master, slaves):
    check(master.clock()[1] == "master" and master.bstats()["stepdowns"] == 0 and
          all(s.clock()[1:] == ("slave", master.node) for s in slaves),
          "the master stands and every slave follows it")


def sybils(auth):
    group, port = random_group(), group_port()
    master = Node("master", "master", 0.0, 0, group, port, interval=1, auth=auth)
    slaves = [Node("s%d" % i, "slave", off, 0, group, port, interval=1, auth=auth)
              for i, off in enumerate([0.2, -0.1])]
    nodes = [master] + slaves
    rid, _, _ = wait_round(master, 2)
    wait_applied(slaves, rid)
    before = true_offsets(nodes)
    fake = Insider(group, port, [0x5000 + i for i in range(5)], 1, 10.0)
    for r in range(3, 8):
        wait_round(master, r)
    after = true_offsets(nodes)
    fake.stop()
    moved = max(abs(a - b) for a, b in zip(before, after))
    info("sybils: %d REPLYs sent; the group moved %.6f ms" % (fake.replies, moved * 1e3))
    st = master.bstats()
    check(moved < 1e-3 and spread(after) < 1e-3, "5 ids from one address moved no clock "
          "(%.6f ms, spread %.6f ms)" % (moved * 1e3, spread(after) * 1e3))
    check(st["address"] > 0, "the other ids were counted (address=%d)" % st["address"])
    still_led(master, slaves)
    stop(nodes)


def full(auth):
    group, port = random_group(), group_port()
    master = Node("master", "master", 0.0, 0, group, port, interval=1, auth=auth)
    fake = Insider(group, port, [0x6000 + i for i in range(520)], 520, 0.0, ack=False)
    r = 1
    while True:
        _, _, n = wait_round(master, r)
        if n >= 513 or r > 10:
            break
        r += 1
    check(n == 513, "520 fakes filled the membership (round %d read %d clocks)" % (r, n))
    slave = Node("real", "slave", 3.0, 0, group, port, interval=1, auth=auth)
    served = None
    deadline = time.monotonic() + 30
    while served is None and time.monotonic() < deadline:
        if any("adjusted by" in l for l in slave.lines):
            served = True
        time.sleep(0.1)
    fake.stop()
    st = master.bstats()
    info("full: master counters evicted=%d full=%d" % (st["evicted"], st["full"]))
    check(served is True, "the real slave that joined a full membership was served")
    check(st["evicted"] > 0, "room was made by evicting silent members (%d)" % st["evicted"])
    offs = true_offsets([master, slave])
    check(abs(offs[1] - offs[0]) < 1e-3, "and brought to the master (%.6f ms)" %
          ((offs[1] - offs[0]) * 1e3))
    stop([master, slave])


def insider(auth):
    group, port = random_group(), group_port()
    extra = ["berkeley tolerance 0.5"]
    master = Node("master", "master", 0.0, 0, group, port, interval=1, auth=auth, extra=extra)
    slaves = [Node("s%d" % i, "slave", off, 0, group, port, interval=1, auth=auth, extra=extra)
              for i, off in enumerate([0.1, -0.05, 0.02])]
    nodes = [master] + slaves
    rid, _, _ = wait_round(master, 2)
    wait_applied(slaves, rid)
    before = true_offsets(nodes)
    t0 = time.monotonic()
    liar = Insider(group, port, [0x7000], 1, 0.04)
    for r in range(3, 13):
        wait_round(master, r)
    after = true_offsets(nodes)
    took = time.monotonic() - t0
    liar.stop()
    drag = sum(after) / len(after) - sum(before) / len(before)
    bound = 100e-6 * (took + 1)
    st = master.bstats()
    info("insider: the group moved %.6f ms in %.1f s (bound %.6f ms), bounded=%d" %
         (drag * 1e3, took, bound * 1e3, st["bounded"]))
    check(abs(drag) <= bound, "an insider at +0.04 s a round dragged the group %.6f ms "
          "<= 100 ppm x %.1f s" % (drag * 1e3, took + 1))
    check(spread(after) < 1e-3, "the group stayed together (%.6f ms)" % (spread(after) * 1e3))
    check(st["bounded"] > 0, "the rounds held back were counted (%d)" % st["bounded"])
    still_led(master, slaves)
    stop(nodes)


def test():
    no_valgrind("the fakes' timing")
    auth = keyed(keyfile(KEY.hex()))
    sybils(auth)
    full(auth)
    insider(auth)


if __name__ == "__main__":
    main(test)
