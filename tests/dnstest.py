"""
A toy DNS server for tests that resolve names through DNS: on a random
loopback address, port 53 (root, as CI), answering every A question with
self.records (SERVFAIL while self.failing) and every other one with no
record. A process sees it through a resolv.conf bind-mounted in a mount
namespace of its own (in_namespace).
"""
import os
import socket
import struct
import threading

from tsynctest import random_loopback_address, tmpdir


class ToyDns:
    def __init__(self, records=("127.0.0.1",), failing=False):
        self.addr = random_loopback_address()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.addr, 53))
        self.records = list(records)
        self.failing = failing
        self.answered = []  # (qtype, failed)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            q, peer = self.sock.recvfrom(512)
            i = 12
            while i < len(q) and q[i]:
                i += q[i] + 1
            if len(q) < i + 5:
                continue
            qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
            fail = self.failing
            records = list(self.records) if qtype == 1 and not fail else []
            ans = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) +
                           socket.inet_aton(r) for r in records)
            hdr = struct.pack("!HHHHHH", struct.unpack("!H", q[:2])[0],
                              0x8182 if fail else 0x8180, 1, len(records), 0, 0)
            self.sock.sendto(hdr + q[12:i + 5] + ans, peer)
            self.answered.append((qtype, fail))

    def resolv_conf(self):
        path = os.path.join(tmpdir(), "resolv.conf")
        with open(path, "w") as f:
            f.write("nameserver %s\noptions attempts:1\n" % self.addr)
        return path


def in_namespace(files, args):
    """args run in a mount namespace of their own in which each (file,
    target) of files is bind-mounted over target (/etc/hosts,
    /etc/resolv.conf): what the process resolves is the test's, the
    machine's files are untouched."""
    script = "".join('mount --bind "$%d" "$%d" && ' % (2 * i + 1, 2 * i + 2)
                     for i in range(len(files)))
    n = 2 * len(files)
    flat = [x for pair in files for x in pair]
    return (["unshare", "--mount", "--propagation", "private", "sh", "-c",
             script + 'shift %d && exec "$@"' % n, "sh"] + flat + list(args))
