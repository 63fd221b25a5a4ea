#!/usr/bin/env python3
"""
The Prometheus endpoint (`metrics`). A tsyncd that serves NTP, follows
three servers and is a Berkeley master with one slave is scraped with
curl: `promtool check metrics` passes; every counter of `tsync stats
--json` is a metric NAME_total, the server's with the same value; the
system, source and Berkeley figures say what the daemon says. Hostile
HTTP (slowloris on every slot, a 1 MB header, garbage, other methods,
versions and paths) gets a 4xx or a closed connection, each counted, and
never holds up NTP or a real scrape. `metricsallow` keeps others out.
"""
import os
import re
import socket
import subprocess
import threading
import time

from brktest import Node, group_port, random_group, wait_round
from tsynctest import (Tsyncd, check, find_tool, info, main, run, slow, tmpdir, tsync)

MAX_CONNS = 8
DEADLINE = 5.0


def metrics_port(d):
    _, m = d.wait_line(r"^tsyncd: metrics on http://127\.0\.0\.1:(\d+)/metrics$")
    return int(m.group(1))


def scrape(port):
    r = run([find_tool("curl"), "-s", "-S", "-f", "--max-time", "10",
             "http://127.0.0.1:%d/metrics" % port])
    check(r.code == 0, "curl scrapes /metrics (%s %r)" % (r.code, r.err))
    return r.out


def samples(text):
    """{series: value} of the exposition, series with its labels."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def promtool(text):
    path = os.path.join(tmpdir(), "metrics.txt")
    with open(path, "w") as f:
        f.write(text)
    with open(path) as f:
        p = subprocess.run([find_tool("promtool"), "check", "metrics"], stdin=f,
                           capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "promtool check metrics passes (%d %r %r)" %
          (p.returncode, p.stdout[-500:], p.stderr[-500:]))


def raw(port, data, timeout=10):
    """Send data, read to the end: the response bytes ("" when closed or
    reset without one)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    got = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return got.decode(errors="replace")


def ntp_answers(d):
    t = time.monotonic()
    r = tsync("query", "-c", "1", "-t", "2", "127.0.0.1:%d" % d.port())
    return r.code == 0, time.monotonic() - t


def every_counter(d, m):
    groups = d.counters()
    missing = []
    for g, v in groups.items():
        labelled = isinstance(v, list)  # the source group: an address each
        for inst in (v if labelled else [v]):
            label = '{address="%s"}' % inst["address"] if labelled else ""
            for k, n in inst.items():
                if not (labelled and k == "address") and \
                        "tsync_%s_%s_total%s" % (g, k, label) not in m:
                    missing.append((g, k))
    check(missing == [], "every counter of tsync stats is a metric NAME_total (missing %s)" %
          missing)
    srv = {k: v for k, v in groups["server"].items()}
    check(all(m["tsync_server_%s_total" % k] == v for k, v in srv.items()),
          "the server's counters have the same values in both")
    return sum(len(v) if isinstance(v, dict) else sum(len(i) - 1 for i in v)
               for v in groups.values())


def figures(m, sources):
    check(m["tsync_system_synchronised"] == 1 and m["tsync_system_stratum"] == 2 and
          m["tsync_system_leap_indicator"] == 0, "synchronised, stratum 2, no leap")
    check(abs(m["tsync_system_offset_seconds"]) < 0.01, "the system offset is in seconds")
    for a in sources:
        check(m['tsync_source_reach{address="%s"}' % a] > 0, "%s is reached" % a)
        check(abs(m['tsync_source_offset_seconds{address="%s"}' % a]) < 0.01,
              "its offset in seconds")
    sel = [k for k, v in m.items() if k.startswith("tsync_source_state{") and
           'state="selected"' in k and v == 1]
    check(len(sel) == 1, "one source is selected (%s)" % sel)
    check(m['tsync_berkeley_state{state="master"}'] == 1 and m["tsync_berkeley_members"] == 1,
          "a Berkeley master with one member")


def slowloris(d, port):
    """Every slot held by clients that send a byte a second: NTP is
    answered at once, a real scrape evicts the oldest and is served, and
    the deadline closes the others."""
    stop = threading.Event()
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(MAX_CONNS)]

    def drip():
        while not stop.is_set():
            for s in socks:
                try:
                    s.send(b"X")
                except OSError:
                    pass
            stop.wait(0.5)
    t = threading.Thread(target=drip)
    for s in socks:
        s.send(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
    t.start()
    try:
        time.sleep(1)
        ok, took = ntp_answers(d)
        check(ok and took < slow(2), "NTP answered while every slot is held (%.3f s)" % took)
        check("tsync_server_received_total" in scrape(port), "a scrape is served meanwhile")
        t0 = time.monotonic()
        closed = 0
        for s in socks:
            s.settimeout(slow(DEADLINE + 5))
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
            closed += 1
        took = time.monotonic() - t0
        check(closed == MAX_CONNS and took < slow(DEADLINE + 2),
              "the slow clients are closed by the deadline (%.2f s)" % took)
    finally:
        stop.set()
        t.join()
        for s in socks:
            s.close()


def hostile(d, port):
    before = d.counters()["metrics"]
    answers = {
        "garbage": raw(port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n"),
        "post": raw(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        "path": raw(port, b"GET /admin HTTP/1.1\r\n\r\n"),
        "version": raw(port, b"GET /metrics HTTP/3.0\r\n\r\n"),
    }
    want = {"garbage": 400, "post": 405, "path": 404, "version": 505}
    for k, code in want.items():
        check(answers[k].startswith("HTTP/1.1 %d " % code), "%s: %d (%r)" %
              (k, code, answers[k][:40]))
    t0 = time.monotonic()
    big = raw(port, b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    took = time.monotonic() - t0
    check((big == "" or big.startswith("HTTP/1.1 431 ")) and took < slow(DEADLINE + 2),
          "a 1 MB header: 431 or closed, in %.2f s (%r)" % (took, big[:40]))
    ok, took = ntp_answers(d)
    check(ok and took < slow(2), "NTP still answered (%.3f s)" % took)
    after = d.counters()["metrics"]
    check(after["rejected"] - before["rejected"] == 5,
          "five requests rejected, counted (%d)" % (after["rejected"] - before["rejected"]))


def allow_list():
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "metrics 127.0.0.1 port 0",
                "metricsallow 192.0.2.0/24", "metricsallow 2001:db8::/32"], name="outsider")
    port = metrics_port(d)
    r = run([find_tool("curl"), "-s", "--max-time", "10", "http://127.0.0.1:%d/metrics" % port])
    check(r.code != 0 and r.out == "", "metricsallow without loopback: curl gets nothing (%s)" %
          r.code)
    c = d.counters()["metrics"]
    check(c["refused"] == 1 and c["served"] == 0, "refused, counted (%s)" % c)
    d.terminate()


def test():
    ups = [Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0",
                   "control none"], name="up%d" % i) for i in range(3)]
    group, gport = random_group(), group_port()
    servers = ["server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % u.port() for u in ups]
    d = Node("master", "master", 0.0, 0, group, gport,
             extra=servers + ["metrics 127.0.0.1 port 0"])
    slave = Node("slave", "slave", 0.001, 0, group, gport)
    port = metrics_port(d)
    wait_round(d, 3)
    deadline = time.monotonic() + slow(30)
    while "synchronised" not in tsync("-s", d.socket, "status").out.split("\n")[0] and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    text = scrape(port)
    promtool(text)
    m = samples(text)
    n = every_counter(d, m)
    info("%d counters, %d series" % (n, len(m)))
    figures(m, ["127.0.0.1:%d" % u.port() for u in ups])
    head = run([find_tool("curl"), "-s", "-I", "http://127.0.0.1:%d/metrics" % port])
    check(head.code == 0 and head.out.startswith("HTTP/1.1 200 OK") and
          "text/plain; version=0.0.4" in head.out, "HEAD: 200 with the exposition's type")
    hostile(d, port)
    slowloris(d, port)
    c = d.counters()["metrics"]
    check(c["evicted"] >= 1 and c["timeout"] >= MAX_CONNS - 1 and c["io_error"] == 0,
          "evictions and deadlines counted, no I/O error (%s)" % c)
    allow_list()
    code, _ = d.terminate()
    check(code == 0, "the master exits 0")
    slave.terminate()


main(test)
