#!/usr/bin/env python3
"""
Stopping tsyncd while an NTS-KE of its client runs in libuv's threads:
the NTS-KE server here accepts the TCP connection and never answers, so
the NTS-KE would wait for its 10 s deadline. SIGTERM must end tsyncd
within 2 s, exit 0 (the stop cancels the NTS-KE through its eventfd),
under the seccomp filter (eventfd2 is on its list) and without it.
"""
import signal
import socket
import threading
import time

from tsynctest import Tsyncd, check, info, main, no_valgrind, nts_certificate, tmpdir

BOUND = 2.0  # s


class Mute:
    """A TCP server that accepts and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            self.accepted.set()


def once(seccomp):
    d = tmpdir()
    cert, _ = nts_certificate(d)
    mute = Mute()
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "ntstrustedcerts %s" % cert,
                "seccomp %s" % ("on" if seccomp else "off"),
                "server 127.0.0.1 nts ntsport %d iburst" % mute.port],
               name="seccomp-%s" % ("on" if seccomp else "off"))
    t.wait_line(r"^tsyncd: polling 127\.0\.0\.1:123 \(127\.0\.0\.1\) .*with NTS$")
    check(mute.accepted.wait(20), "the NTS-KE connected")
    time.sleep(0.3)  # well into its wait for the server's first word
    t0 = time.monotonic()
    t.proc.send_signal(signal.SIGTERM)
    code = t.wait_exit(20)
    took = time.monotonic() - t0
    info("seccomp %s: SIGTERM to exit: %.3f s" % (seccomp, took))
    check(code == 0, "tsyncd exits 0 (%s)" % t.status())
    check(took < BOUND, "stopped within %.0f s of SIGTERM with an NTS-KE running (%.3f s)" %
          (BOUND, took))
    check(not any("NTS-KE: 8 cookies" in l for l in t.lines), "no NTS-KE completed")
    mute.sock.close()


def test():
    no_valgrind("valgrind 3.19 does not implement seccomp(2): `seccomp on` cannot start; "
                "and the bound is on time")
    once(False)
    once(True)


if __name__ == "__main__":
    main(test)
