"""
Helpers for the Berkeley tests: a group of tsyncd daemons on loopback
multicast, each with its own sim clock, on a random group and port so that
suites running at once never hear each other; their true clock offsets
(the sim clock minus the host's, from the SIGUSR1 "berkeley clock" line);
and the wire format, to play a master or an attacker from Python.
Standard library only.
"""
import hashlib
import hmac
import os
import random
import re
import signal
import socket
import struct
import subprocess
import time

from tsynctest import Failure, Tsyncd, check, free_udp_port, tmpdir, tsyncd_path, with_env

MAGIC = 0xC0424552
VERSION = 2
POLL, REPLY, ADJUST, ACK = 1, 2, 3, 4
HDR = struct.Struct(">IBBBBIQQQQQQ")  # ... key id, group, node, to, seq, round, nonce
MAC_LEN = 32
RX_CLOCK = re.compile(r"^tsyncd: berkeley clock offset=([+-]\d+\.\d{9}) state=(\w+) "
                      r"master=([0-9a-f]{16}) node=([0-9a-f]{16}) slewing=([+-]\d+\.\d{9})$")
RX_START = re.compile(r"^tsyncd: berkeley: (\w+), priority (\d+), node ([0-9a-f]{16}), "
                      r"group (\S+) on (\S+), from \[?([0-9a-f.:]+)\]?:(\d+), ")
RX_ROUND = re.compile(r"^tsyncd: berkeley: round (\d+) id ([0-9a-f]{16}): average "
                      r"([+-]\d+\.\d{9}) s of (\d+)/(\d+) clocks")


def random_group():
    rng = random.SystemRandom()
    return "239.255.%d.%d" % (rng.randint(10, 250), rng.randint(1, 254))


def keyfile(secret_hex, key_id=1, mode=0o600):
    d = tmpdir()
    path = os.path.join(d, "tsync.keys")
    with open(path, "w") as f:
        f.write("# test key\n%d hmac-sha256 %s\n" % (key_id, secret_hex))
    os.chmod(path, mode)
    return path


class Node(Tsyncd):
    """One tsyncd in the group. role: master, slave or candidate."""

    def __init__(self, name, role, offset, drift, group, port, interval=0.5,
                 priority=None, extra=(), auth=None, env=None, iface="lo", maxrtt=0.2,
                 step=0):
        conf = ["listen 127.0.0.1 port 0",
                "clock sim offset %r drift %r" % (offset, drift),
                "berkeley %s%s" % (role, "" if priority is None else " priority %d" % priority),
                "berkeley group %s port %d interface %s" % (group, port, iface),
                "berkeley interval %g" % interval,
                "berkeley maxrtt %g" % maxrtt]
        conf += [] if step is None else ["berkeley step %g" % step]
        conf += list(auth or ["berkeley auth none"]) + list(extra)
        with_env(env or {}, lambda: Tsyncd.__init__(self, conf, name=name))
        _, m = self.wait_line(RX_START.pattern)
        self.node = m.group(3)
        self.uni = (m.group(6), int(m.group(7)))
        self.offset0 = offset

    def clock(self, timeout=20):
        """SIGUSR1; (true offset in s, state, master id) from the line it logs."""
        n = sum(1 for l in self.lines if RX_CLOCK.match(l))
        self.proc.send_signal(signal.SIGUSR1)
        return self.nth_clock(n, timeout)

    def nth_clock(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            found = [RX_CLOCK.match(l) for l in self.lines if RX_CLOCK.match(l)]
            if len(found) > n:
                m = found[n]
                return float(m.group(1)), m.group(2), m.group(3)
            if time.monotonic() > deadline or not self.alive():
                raise Failure("%s: no berkeley clock line (%s)" % (self.name, self.status()))
            time.sleep(0.02)

    def bstats(self):
        """The Berkeley group's counters, from `tsync stats --json`."""
        return self.counters()["berkeley"]

    def rounds(self, start=0):
        """[(number, id, average, n_in, n_clocks, line index)] logged from start."""
        out = []
        for i, l in enumerate(self.lines[start:], start):
            m = RX_ROUND.match(l)
            if m:
                out.append((int(m.group(1)), m.group(2), float(m.group(3)), int(m.group(4)),
                            int(m.group(5)), i))
        return out


def true_offsets(nodes):
    """Every node's true offset, read as nearly at once as can be: all the
    signals first, then all the lines."""
    counts = [sum(1 for l in n.lines if RX_CLOCK.match(l)) for n in nodes]
    for n in nodes:
        n.proc.send_signal(signal.SIGUSR1)
    return [n.nth_clock(c)[0] for n, c in zip(nodes, counts)]


def true_and_slewing(nodes):
    """[(true offset, what is still being slewed)] for every node, read as
    true_offsets does: the clock's destination is their sum."""
    counts = [sum(1 for l in n.lines if RX_CLOCK.match(l)) for n in nodes]
    for n in nodes:
        n.proc.send_signal(signal.SIGUSR1)
    out = []
    for n, c in zip(nodes, counts):
        n.nth_clock(c)
        m = [RX_CLOCK.match(l) for l in n.lines if RX_CLOCK.match(l)][c]
        out.append((float(m.group(1)), float(m.group(5))))
    return out


def spread(offs):
    return max(offs) - min(offs)


def wait_applied(slaves, round_id, timeout=20):
    """Each slave has logged applying round_id's adjustment."""
    for s in slaves:
        s.wait_line(r"^tsyncd: berkeley: adjusted by [+-]\d+\.\d{9} s \(\w+\) in round %s "
                    % round_id, 0, timeout)


def wait_round(master, number, timeout=30):
    _, m = master.wait_line(r"^tsyncd: berkeley: round %d id ([0-9a-f]{16}): average "
                            r"[+-]\d+\.\d{9} s of (\d+)/(\d+) clocks" % number, 0, timeout)
    return m.group(1), int(m.group(2)), int(m.group(3))


# ------------------------------------------------------------ the wire

def bind(group, port):
    """The group's address and port, which every MAC covers."""
    return socket.inet_aton(group) + bytes(12) + struct.pack(">H", port)


def encode(mtype, node, seq, rnd, body, key=None, key_id=0, priority=100, to=0, nonce=0,
           group_id=0, bound=bytes(18)):
    msg = HDR.pack(MAGIC, VERSION, mtype, priority, 0, key_id, group_id, node, to, seq, rnd,
                   nonce) + body
    mac = hmac.new(key, bound + msg, hashlib.sha256).digest() if key else b"\0" * MAC_LEN
    return msg + mac


def poll_body(t0_ns, interval_ms=500):
    return struct.pack(">qI", t0_ns, interval_ms) + b"\0" * 28


def adjust_body(adjust_ns, t0_ns=0):
    """An ADJUST's body: the adjustment and the t0 of the reading it comes from."""
    return struct.pack(">qq", adjust_ns, t0_ns)


def decode(data):
    if len(data) < HDR.size + MAC_LEN:
        return None
    f = HDR.unpack(data[:HDR.size])
    d = {"magic": f[0], "version": f[1], "type": f[2], "priority": f[3], "key_id": f[5],
         "group": f[6], "node": f[7], "to": f[8], "seq": f[9], "round": f[10], "nonce": f[11],
         "len": len(data)}
    body = data[HDR.size:-MAC_LEN]
    if d["type"] == REPLY:
        d["t0"], d["t1"], d["t2"], d["p1"], d["p2"] = struct.unpack(">qqqqq", body)
    elif d["type"] in (ADJUST, ACK):
        d["adjust"], = struct.unpack_from(">q", body)
    return d


def verify(data, key, bound=bytes(18)):
    return hmac.compare_digest(hmac.new(key, bound + data[:-MAC_LEN], hashlib.sha256).digest(),
                               data[-MAC_LEN:])


def group_sender():
    """A socket that sends to loopback multicast groups, bound to 127.0.0.1."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


def group_listener(group, port):
    """A socket that hears the group on loopback, as a member's group socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(group) + socket.inet_aton("127.0.0.1"))
    return s


def recv(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recvfrom(2048)
    except socket.timeout:
        return None, None


def group_port():
    return free_udp_port()


def check_spread(nodes, what, limit=1e-3):
    """The spread of the nodes' true offsets is under limit; the offsets."""
    offs = true_offsets(nodes)
    check(spread(offs) < limit, "%s: the spread of the true offsets is %.6f ms < %g ms" %
          (what, spread(offs) * 1e3, limit * 1e3))
    return offs


def stop(nodes):
    for n in nodes:
        n.terminate()


def round_members(master, number, n, timeout=20):
    """The n member lines that follow round `number`'s line (they are
    logged just after it, and may not all be read yet)."""
    lines, i = [], 0
    for _ in range(n):
        i, _ = master.wait_line(r"^tsyncd: berkeley: round %d member " % number, i, timeout)
        lines.append(master.lines[i])
        i += 1
    return lines


# ------------------------------------------------ recording and replaying

class Recorder:
    """Every Berkeley datagram on loopback, as an eavesdropper records it
    (an AF_PACKET socket on lo: root): [(src, dst, payload)] in order."""

    def __init__(self):
        import threading
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.1)
        self.packets = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                frame, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue  # loopback shows each datagram going out and coming in
            ip = frame[14:]
            ihl = (ip[0] & 15) * 4
            if ip[9] != 17 or len(ip) < ihl + 8 + 4:
                continue
            sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
            payload = ip[ihl + 8:]
            if struct.unpack(">I", payload[:4])[0] != MAGIC:
                continue
            src = (socket.inet_ntoa(ip[12:16]), sport)
            dst = (socket.inet_ntoa(ip[16:20]), dport)
            self.packets.append((src, dst, bytes(payload)))

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()
        return list(self.packets)


def send_spoofed(payload, src, dst):
    """One UDP datagram from src (address, port) to dst, whoever holds src:
    a replay as an attacker sends it (a raw socket: root)."""
    udp = struct.pack(">HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 1, 17, 0,
                     socket.inet_aton(src[0]), socket.inet_aton(dst[0]))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        s.sendto(ip + udp, (dst[0], 0))
    finally:
        s.close()


def replay(packets, redirect=None, pace=0.002):
    """Send recorded packets again, from their sources; redirect maps a
    recorded destination to another (a member that restarted elsewhere)."""
    for src, dst, payload in packets:
        send_spoofed(payload, src, (redirect or {}).get(dst, dst))
        time.sleep(pace)


# ------------------------------------------------ a lossy link, from outside

CLONE_NEWNET = 0x40000000


def _setns(fd):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class LossyMaster:
    """A network namespace of its own for one member (the master), and a
    relay the test runs between it and the group (root: ip netns, setns):
    the master's POLLs are sent on into the group from the relay's port,
    so the slaves answer the relay, which passes each REPLY and ACK to the
    master, from a socket of the same port in the namespace, unless it
    drops it (a share `loss` of them), and each ADJUST back. The group's
    address and port are the same on both sides, as every MAC requires;
    tsyncd knows nothing of it."""

    def __init__(self, group, port, loss, seed=None):
        import threading
        self.name = "brkloss%d" % os.getpid()
        self.group, self.port, self.loss = group, port, loss
        self.rng = random.Random(seed)
        self.dropped = {REPLY: 0, ACK: 0}
        self.passed = 0
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"],
                       check=True)
        self.root_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.ns_fd = os.open("/run/netns/%s" % self.name, os.O_RDONLY)
        self.out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the group's side
        self.out.bind(("127.0.0.1", 0))
        self.out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            socket.inet_aton("127.0.0.1"))
        self.inner = self._in_ns(lambda: group_listener(group, port))  # the master's POLLs
        self.by_slave = {}   # slave (addr, port) -> its socket in the namespace
        self.by_sock = {}    # that socket -> the slave
        self.master = None   # the master's unicast address, from its POLLs
        self.lock = threading.Lock()
        self.running = True
        self.wrapper = os.path.join(tmpdir(), "tsyncd-in-%s" % self.name)
        with open(self.wrapper, "w") as f:
            f.write("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n" % (self.name, tsyncd_path()))
        os.chmod(self.wrapper, 0o755)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _in_ns(self, make):
        _setns(self.ns_fd)
        try:
            return make()
        finally:
            _setns(self.root_fd)

    def _slave_sock(self, slave):
        s = self.by_slave.get(slave)
        if s is None:
            def make():
                t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                t.bind(("127.0.0.1", slave[1]))
                return t
            s = self._in_ns(make)
            self.by_slave[slave], self.by_sock[s] = s, slave
        return s

    def _run(self):
        import select
        while self.running:
            socks = [self.inner, self.out] + list(self.by_sock)
            ready, _, _ = select.select(socks, [], [], 0.1)
            for s in ready:
                data, src = s.recvfrom(2048)
                if s is self.inner:
                    self.master = src
                    self.out.sendto(data, (self.group, self.port))
                elif s is self.out:
                    self._to_master(data, src)
                else:
                    self.out.sendto(data, self.by_sock[s])  # an ADJUST, to its slave
                self.passed += 1

    def _to_master(self, data, src):
        mtype = data[5] if len(data) > 5 else 0
        if mtype in self.dropped and self.rng.random() < self.loss:
            with self.lock:
                self.dropped[mtype] += 1
            return
        if self.master is not None:
            self._slave_sock(src).sendto(data, self.master)

    def close(self):
        self.running = False
        self.thread.join()
        for s in [self.inner, self.out] + list(self.by_sock):
            s.close()
        os.close(self.ns_fd)
        os.close(self.root_fd)
        subprocess.run(["ip", "netns", "del", self.name], check=False)
