#!/usr/bin/env python3
"""
Authentication and replay on a real slave, with this script as its master
(it holds the group key, so it can speak the protocol): a valid POLL is
answered and a valid ADJUST applied, once. Then an ADJUST with a bad MAC,
the same ADJUST replayed, an ADJUST resent with a fresh counter, an ADJUST
from a node that is not the master, and from the master's id at another
address, an ADJUST for a round not answered, and POLLs under the wrong
key and under an unknown key id: none changes the slave's sim clock (drift
0, so its offset is exact to the nanosecond) and each is counted. Also:
a keys file others can read is refused; `auth none` warns; a daemon in
no group says so to `tsync berkeley`.
"""
import os
import random
import time

from brktest import (ACK, ADJUST, POLL, REPLY, Node, adjust_body, bind, decode, encode,
                     group_port, group_sender, keyfile, poll_body, random_group, recv, verify)
from tsynctest import Tsyncd, check, load_json, main, run, tmpdir, tsync, tsyncd_path

KEY = bytes(random.SystemRandom().getrandbits(8) for _ in range(32))
WRONG = bytes(b ^ 0x55 for b in KEY)
MASTER = 0x1111222233334444
MALLORY = 0x0000000000000005  # a better id than the master's


class FakeMaster:
    def __init__(self, group, port, slave):
        self.group, self.port, self.slave = (group, port), port, slave
        self.bound = bind(group, port)
        self.sock = group_sender()
        self.seq = 1000
        self.nonce = 0

    def poll(self, rnd, key=KEY, key_id=1, node=MASTER):
        self.seq += 1
        t0 = time.time_ns()
        self.sock.sendto(encode(POLL, node, self.seq, rnd, poll_body(t0), key, key_id, 200,
                                bound=self.bound), self.group)
        return t0

    def adjust(self, rnd, adj, key=KEY, node=MASTER, sock=None, seq=None, nonce=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        data = encode(ADJUST, node, seq, rnd, adjust_body(adj), key, 1, 200,
                      to=int(self.slave.node, 16), bound=self.bound,
                      nonce=self.nonce if nonce is None else nonce)
        (sock or self.sock).sendto(data, self.slave.uni)
        return data


def clock_is(slave, want, what):
    off, state, master = slave.clock()
    check(abs(off - want) < 1e-9, "%s: the slave's clock offset is %.9f s (%.9f)" %
          (what, want, off))


def counted(slave, key, before, what):
    """The counter went up by one. The datagram and the signal race to the
    daemon's loop, so ask again until it shows (or too long has passed)."""
    deadline = time.monotonic() + 10
    while True:
        now = slave.bstats()
        if now[key] != before[key] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(now[key] == before[key] + 1, "%s: counted as %s (%d)" % (what, key, now[key]))
    return now


def attacks():
    path = keyfile(KEY.hex())
    group, port = random_group(), group_port()
    slave = Node("slave", "slave", 2.0, 0, group, port,
                 auth=["keyfile %s" % path, "berkeley key 1"])
    fm = FakeMaster(group, port, slave)
    clock_is(slave, 2.0, "at start")

    # A valid round: POLL answered with a valid REPLY, ADJUST applied and ACKed.
    rnd = 0xA1A1A1A1A1A1A1A1
    t0 = fm.poll(rnd)
    data, src = recv(fm.sock, 10)
    check(data is not None, "the slave answers a valid POLL")
    r = decode(data)
    check(r["type"] == REPLY and r["round"] == rnd and r["t0"] == t0 and r["len"] == 132 and
          r["to"] == MASTER and r["nonce"] != 0,
          "a 132-byte REPLY to the master with the round and t0 echoed, and a nonce")
    fm.nonce = r["nonce"]
    check(verify(data, KEY, fm.bound) and r["key_id"] == 1,
          "the REPLY's MAC is right under key 1 and the group's address and port")
    check(not verify(data, KEY), "and wrong without the group's address and port")
    check(abs(r["t1"] / 1e9 - (t0 / 1e9 + 2.0)) < 0.05, "t1 is on the slave's clock (+2 s)")
    good = fm.adjust(rnd, -500000000)
    data, _ = recv(fm.sock, 10)
    a = decode(data)
    check(a["type"] == ACK and a["adjust"] == -500000000 and a["len"] == 100 and
          a["nonce"] == fm.nonce and verify(data, KEY, fm.bound), "a valid ADJUST is acknowledged")
    clock_is(slave, 1.5, "a valid ADJUST of -0.5 s is applied")
    st = slave.bstats()

    fm.sock.sendto(good, slave.uni)
    st = counted(slave, "replay", st, "the same ADJUST replayed")
    clock_is(slave, 1.5, "after the replay")

    fm.adjust(rnd, -500000000)  # a resend: fresh counter, same round
    data, _ = recv(fm.sock, 10)
    check(data is not None and decode(data)["type"] == ACK, "a resent ADJUST is ACKed again")
    st = counted(slave, "duplicate", st, "the resent ADJUST")
    clock_is(slave, 1.5, "the resend is not applied twice")

    fm.adjust(rnd, 3000000000, key=WRONG)
    st = counted(slave, "bad_mac", st, "an ADJUST with a bad MAC")
    clock_is(slave, 1.5, "after the bad MAC")

    mallory = group_sender()
    fm.adjust(rnd, 3000000000, node=MALLORY, sock=mallory, seq=5000)
    st = counted(slave, "stale", st, "a valid ADJUST from a node that is not the master")
    fm.adjust(rnd, 3000000000, sock=mallory)
    st = counted(slave, "stale", st, "the master's id from another address")
    clock_is(slave, 1.5, "after the ADJUSTs from others")

    fm.adjust(rnd + 1, 3000000000)
    st = counted(slave, "stale", st, "an ADJUST for a round not answered")
    fm.adjust(rnd, 3000000000, nonce=fm.nonce ^ 1)
    st = counted(slave, "stale", st, "an ADJUST that does not echo the slave's nonce")
    clock_is(slave, 1.5, "after the wrong round and nonce")

    fm.poll(rnd + 2, key=WRONG)
    data, _ = recv(fm.sock, 1.5)
    check(data is None, "a POLL under the wrong key is not answered")
    st = counted(slave, "bad_mac", st, "a POLL under the wrong key")
    fm.poll(rnd + 3, key_id=2)
    data, _ = recv(fm.sock, 1.5)
    check(data is None, "a POLL under an unknown key id is not answered")
    st = counted(slave, "unknown_key", st, "a POLL under key 2")
    fm.poll(rnd + 4, key=None, key_id=0)
    data, _ = recv(fm.sock, 1.5)
    st = counted(slave, "unknown_key", st, "an unauthenticated POLL")
    fm.adjust(rnd, 3000000000)  # the round we answered is still the last one
    st = counted(slave, "wrong_round", st, "a second, different ADJUST for the answered round")
    clock_is(slave, 1.5, "after every attack")
    ntp = bytes([0x23]) + bytes(47)
    fm.sock.sendto(ntp, slave.uni)
    st = counted(slave, "malformed", st, "an NTP packet")
    check(st["applied"] == 1, "one adjustment applied in all")
    code, _ = slave.terminate()
    check(code == 0, "the slave exits 0")


def refusals():
    path = keyfile(KEY.hex(), mode=0o644)
    conf = os.path.join(tmpdir(), "t.conf")
    with open(conf, "w") as f:
        # control none: never the system's default socket, which a daemon
        # of a test running beside this one may hold.
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol none\nkeyfile %s\nberkeley slave\n"
                "berkeley group 239.255.9.9 port %d interface lo\nberkeley key 1\n"
                % (path, group_port()))
    r = run([tsyncd_path(), "-n", "-f", conf], timeout=30)
    check(r.code == 1, "a keys file readable by others: tsyncd exits 1")
    check("keyfile %s: readable by others; refused (chmod 600 it)" % path in r.err,
          "and says why")
    os.chmod(path, 0o600)
    with open(conf) as f:
        text = f.read().replace("berkeley key 1", "berkeley key 7")
    with open(conf, "w") as f:
        f.write(text)
    r = run([tsyncd_path(), "-n", "-f", conf], timeout=30)
    check(r.code == 1 and "berkeley: key 7 is not in %s" % path in r.err,
          "a key id not in the file: exit 1, named")
    group, port = random_group(), group_port()
    n = Node("open", "slave", 0.0, 0, group, port)
    check(any("warning: berkeley: auth none" in l for l in n.lines), "auth none logs a warning")
    n.terminate()
    plain = Tsyncd(["listen 127.0.0.1 port 0", "clock sim"], name="plain")
    r = tsync("-s", plain.socket, "berkeley", "--json")
    check(r.code == 0 and load_json(r.out)["role"] == "none",
          "tsync berkeley on a daemon in no group: role none")
    plain.terminate()


def test():
    attacks()
    refusals()


if __name__ == "__main__":
    main(test)
