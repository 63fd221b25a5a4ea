#!/usr/bin/env python3
"""
`tsync stats`: the counters of a running tsyncd as data. After three NTP
requests and one short datagram the server group says exactly so in the
JSON and in the text, and the SIGUSR1 log line built from the same table
is, word for word, the JSON's names and values in the same order. With
--json a failure is a JSON error object on stdout, exit 1.
"""
import json
import os
import re
import signal
import socket

from tsynctest import Tsyncd, check, main, tmpdir, tsync


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "stratum 3", "clock sim"], name="counted")
    r = tsync("query", "-c", "3", "-i", "0", "127.0.0.1:%d" % d.port())
    check(r.code == 0, "three NTP requests answered")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"\x23" * 20, ("127.0.0.1", d.port()))
    s.close()
    groups = d.counters()
    check(list(groups) == ["control", "source", "access", "server"],
          "groups in order, none for roles not run (%s)" % list(groups))
    check(groups["source"] == [], "no sources: an empty array")
    srv = groups["server"]
    check(srv["received"] == 4 and srv["replied"] == 3 and srv["short"] == 1 and
          sum(srv.values()) == 8, "server: received 4, replied 3, short 1, nothing else (%s)" % srv)
    check(all(isinstance(v, int) for g in ("control", "access", "server")
              for v in groups[g].values()), "counters are JSON integers")

    r = tsync("-s", d.socket, "stats")
    check(r.code == 0, "tsync stats exits 0")
    text = r.out.split("server:\n", 1)
    check(len(text) == 2, "a 'server:' heading (%r)" % r.out)
    want = "".join("  %-20s %d\n" % kv for kv in srv.items())
    check(text[1] == want, "the text lists the same counters (%r)" % text[1])

    before = d.line_count()
    d.proc.send_signal(signal.SIGUSR1)
    line = "tsyncd: stats server " + " ".join("%s=%d" % kv for kv in srv.items())
    d.wait_line("^" + re.escape(line) + "$", before)
    check(True, "SIGUSR1 logs the same names and values, in order: %s" % line)

    missing = os.path.join(tmpdir(), "none.sock")
    r = tsync("-s", missing, "stats", "--json")
    err = json.loads(r.out) if r.out.startswith("{") else None
    check(r.code == 1 and err is not None and list(err) == ["error"] and
          "cannot connect to %s" % missing in err["error"]["message"],
          "--json failure: an error object on stdout, exit 1 (%s %r)" % (r.code, r.out))
    r = tsync("-s", d.socket, "stats", "extra")
    check(r.code == 2 and "unexpected argument" in r.err, "a stray argument: usage, exit 2")
    code, _ = d.terminate()
    check(code == 0, "exit 0")


main(test)
