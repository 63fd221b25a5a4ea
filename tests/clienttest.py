"""
What the client-topology tests share (test_client_hierarchy, _rootdisp,
_deny, and the interop orphan test): a client's true offset measured from
outside, its status, and the check that it keeps updating while it says
it is synchronised; plus a small scripted NTP server for replies no
tsyncd would send.
"""
import socket
import struct
import threading
import time

from tsynctest import (Tsyncd, check, info, load_json, ntp_ts_now, parse_iso_ns,
                       parse_query_text, parse_seconds, slow, tsync)

MAX_OFFSET = 100e-6  # s: the client's clock against the truth
POLL = -2            # 2^-2 s between requests


def client(servers, name="client", offset=2.0, drift=10.0, extra=()):
    """A tsyncd client, its sim clock `offset` s off and `drift` ppm fast,
    of every (host, port) in servers; makestep left at its default (1 s:
    the first update steps). These tests are about which sources are
    followed, not about slewing a large offset away."""
    conf = ["listen 127.0.0.1 port 0", "clock sim offset %g drift %g" % (offset, drift)]
    conf += ["server %s port %d minpoll %d maxpoll %d iburst" % (h, p, POLL, POLL)
             for h, p in servers]
    return Tsyncd(conf + list(extra), name=name)


def status(d):
    r = tsync("--socket", d.socket, "status", "--json")
    check(r.code == 0, "tsync status --json on %s exits 0 (%r)" % (d.name, r.err))
    return load_json(r.out)


def sources(d):
    r = tsync("--socket", d.socket, "sources", "--json")
    check(r.code == 0, "tsync sources --json on %s exits 0 (%r)" % (d.name, r.err))
    return {s["address"]: s for s in load_json(r.out)["sources"]}


def true_offset(d):
    """d's clock minus the host's (the truth), from outside: tsync query
    of d's server port reads the host clock and keeps the minimum-delay
    sample of 8 (on a loaded machine a few are late). None while d serves
    as unsynchronised."""
    r = tsync("query", "-c", "8", "-i", "0.02", "127.0.0.1:%d" % d.port())
    if r.code != 0:
        return None
    f, _ = parse_query_text(r.out)
    return parse_seconds(f["offset"])


def wait_within(d, deadline=120.0, settled=5):
    """Until d says synchronised and is within MAX_OFFSET of the truth at
    `settled` measurements in a row, a second apart (done slewing);
    returns the seconds it took."""
    deadline = slow(deadline)
    t0 = time.monotonic()
    off, run = None, 0
    while time.monotonic() - t0 < deadline:
        time.sleep(1.0)
        if not status(d)["synchronised"]:
            run = 0
            continue
        off = true_offset(d)
        info("%s: %.0f s: true offset %s s" % (d.name, time.monotonic() - t0, off))
        run = run + 1 if off is not None and abs(off) < MAX_OFFSET else 0
        if run == settled:
            return time.monotonic() - t0
    check(False, "%s within %g s of the truth in %g s (last %s)" % (d.name, MAX_OFFSET,
                                                                  deadline, off))


def update_ns(st):
    """The status's last update in Unix ns, 0 for never."""
    return parse_iso_ns(st["last_update"]) if st["last_update"] else 0


def keeps_updating(d, rounds=3, spacing=3.0):
    """d keeps updating its clock (its last update moves on), says it is
    synchronised, and stays within MAX_OFFSET, `rounds` times."""
    last = update_ns(status(d))
    for k in range(rounds):
        time.sleep(spacing)
        st = status(d)
        check(st["synchronised"], "%s still says synchronised (%s)" % (d.name, st["selection"]))
        check(update_ns(st) > last, "%s updated again (last update %d > %d)" %
              (d.name, update_ns(st), last))
        last = update_ns(st)
        off = true_offset(d)
        check(off is not None and abs(off) < MAX_OFFSET,
              "%s within %g s of the truth: %s s" % (d.name, MAX_OFFSET, off))
    info("%s kept updating, %d times %g s apart" % (d.name, rounds, spacing))


class ScriptedServer:
    """A loopback NTP server answering every client request with what
    `make(request_xmt, rec)` returns (48 bytes, or None for silence), in a
    thread, stamped with the host clock (the truth)."""

    def __init__(self, make):
        self.make = make
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            rec = ntp_ts_now()
            if len(data) < 48 or data[0] & 7 != 3:
                continue
            self.requests += 1
            out = self.make(data[40:48], rec)
            if out is not None:
                self.sock.sendto(out, addr)

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def reply(org, rec, stratum=1, leap=0, refid=b"GPS\0", root_delay=0, root_disp=0):
    """A mode-4 reply to a request whose transmit was org (8 bytes)."""
    xmt = ntp_ts_now()
    ref = xmt - (1 << 32)
    return struct.pack("!BBbbII4sQ", (leap << 6) | (4 << 3) | 4, stratum, 6, -20,
                       root_delay, root_disp, refid, ref) + org + struct.pack("!QQ", rec, xmt)
