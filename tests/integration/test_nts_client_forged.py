#!/usr/bin/env python3
"""
Forged and replayed replies against tsyncd's NTS client. The NTS server
names (ntsntpserver) a UDP proxy of this test's as its NTP server; the
proxy forwards each request and, before each genuine reply, sends the
client a forgery of it, in turn: the transmit time moved by 0.5 s (the
authenticator fails), a byte of the unique identifier flipped (not ours),
the last byte of the authenticator flipped, the NTS fields stripped (an
unauthenticated reply); every fifth reply has no forgery but is sent
twice (a replay). The client must refuse every forgery, each counted
under its NTS result (nts_auth, nts_uid, nts_not_nts), drop every replay
as a duplicate, take every genuine reply, and end within 2 ms of the
server: exact counts, read once the proxy has stopped forwarding.
"""
import json
import os
import select
import socket
import struct
import threading
import time

from tsynctest import (Tsyncd, check, info, main, nts_certificate, slow, tmpdir, true_offset,
                       tsync)

TOL = 0.002
ROUNDS = 4  # of the five kinds each, at least
KINDS = ("xmt", "uid", "auth", "strip", "dup")


def uid_offset(pkt):
    """The offset of the Unique Identifier's body in an NTS reply."""
    off = 48
    while off + 4 <= len(pkt):
        t, n = struct.unpack("!HH", pkt[off:off + 4])
        if t == 0x0104:
            return off + 4
        if n < 4:
            break
        off += n
    raise AssertionError("no UID in the reply")


def forge(kind, pkt):
    b = bytearray(pkt)
    if kind == "xmt":
        b[44] ^= 0x80  # half a second
    elif kind == "uid":
        b[uid_offset(pkt) + 5] ^= 1
    elif kind == "auth":
        b[-1] ^= 1
    elif kind == "strip":
        return bytes(b[:48])
    return bytes(b)


class Proxy:
    """Client -> server as is; server -> client with a forgery first."""

    def __init__(self):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.server = None
        self.client = None
        self.forwarding = True
        self.sent = {k: 0 for k in KINDS}
        self.genuine = 0
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop:
            r, _, _ = select.select([self.front, self.back], [], [], 0.1)
            if self.front in r:
                data, self.client = self.front.recvfrom(2048)
                if self.forwarding and self.server is not None:
                    self.back.sendto(data, self.server)
            if self.back in r:
                data, _ = self.back.recvfrom(2048)
                self.reply(data)

    def reply(self, data):
        kind = KINDS[self.genuine % len(KINDS)]
        if kind != "dup":
            self.front.sendto(forge(kind, data), self.client)
        self.front.sendto(data, self.client)
        if kind == "dup":
            self.front.sendto(data, self.client)
        self.sent[kind] += 1
        self.genuine += 1


def test():
    d = tmpdir()
    cert, key = nts_certificate(d)
    proxy = Proxy()
    s = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim",
                "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport 0",
                "ntsntpserver 127.0.0.1 port %d" % proxy.port], name="server")
    _, m = s.wait_line(r"^tsyncd: nts-ke listening on 127\.0\.0\.1:(\d+)$")
    keport = int(m.group(1))
    proxy.server = ("127.0.0.1", s.port())
    proxy.thread.start()
    ctl = os.path.join(d, "client.sock")
    c = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "makestep 0.1 3",
                "control %s" % ctl, "ntstrustedcerts %s" % cert,
                "server 127.0.0.1 nts ntsport %d iburst minpoll -2 maxpoll -2" % keport],
               name="client")
    upstream = "127.0.0.1:%d" % proxy.port
    deadline = time.monotonic() + slow(90)
    while True:
        time.sleep(0.5)
        r = tsync("--socket", ctl, "status", "--json")
        st = json.loads(r.out) if r.code == 0 else {}
        if (proxy.genuine >= ROUNDS * len(KINDS) and st.get("synchronised") and
                st.get("reference") == upstream):
            break
        check(time.monotonic() < deadline, "the client synchronised through the proxy and "
              "%d replies forged within 90 s (%d, %s)" % (ROUNDS * len(KINDS),
                                                          proxy.genuine, st))
    proxy.forwarding = False
    time.sleep(1.0)  # what is in flight lands
    sent, genuine = dict(proxy.sent), proxy.genuine
    src = c.counters()["source"]
    check([x["address"] for x in src] == [upstream], "the client polls the proxy, as NTS-KE "
          "named it (%s)" % [x["address"] for x in src])
    x = src[0]
    info("proxy sent %d genuine replies, %s; client: %s" % (genuine, sent, x))
    check(x["nts_auth"] == sent["xmt"] + sent["auth"],
          "every forged transmit time or authenticator refused as nts_auth (%d, want %d)" %
          (x["nts_auth"], sent["xmt"] + sent["auth"]))
    check(x["nts_uid"] == sent["uid"], "every flipped unique identifier refused as nts_uid "
          "(%d, want %d)" % (x["nts_uid"], sent["uid"]))
    check(x["nts_not_nts"] == sent["strip"], "every stripped reply refused as nts_not_nts "
          "(%d, want %d)" % (x["nts_not_nts"], sent["strip"]))
    check(x["duplicate"] == sent["dup"], "every replay dropped as a duplicate (%d, want %d)" %
          (x["duplicate"], sent["dup"]))
    check(x["replies"] == genuine and x["nts_malformed"] == 0 and x["bogus"] == 0 and
          x["foreign"] == 0 and x["nts_naks"] == 0 and x["nts_ke_ok"] == 1,
          "every genuine reply taken, nothing else refused, one NTS-KE (%s)" % x)
    off = true_offset(c)
    check(off is not None and abs(off) < TOL, "the client within 2 ms of the server: the "
          "forged half second never reached the clock (%s)" % off)
    proxy.stop = True
    proxy.thread.join()
    for t in (c, s):
        code, _ = t.terminate()
        check(code == 0, "%s exits 0" % t.name)


if __name__ == "__main__":
    main(test)
