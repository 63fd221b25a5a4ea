#!/usr/bin/env python3
"""
The first selection, when the falseticker answers first. A tsyncd client
(sim clock 0.25 s ahead) polls four tsyncd servers together with iburst:
three at the host's time behind tsync-relay, 100 ms each way, and a
fourth 2 s ahead, direct. Each round, the one ahead's reply comes 200 ms
before the others', so it holds four samples (the number that makes a
source fit) while the three hold three. A lone fit source is followed;
the client must not take this one for one: it waits for the three that
are still filling their filters, then the majority leaves the +2 s
server out. Its first update steps the clock back by about 0.25 s, and
the +2 s server is never selected.
"""
import os
import re
import time

from tsynctest import (LoggedProcess, Tsyncd, check, info, load_json, main, relay_path,
                       tmpdir, tsync)

DELAY_MS = 100      # each way, on the three good servers' paths
POLL = 0            # 1 s between the burst's requests
DEADLINE = 60.0


def relay(name, server_port):
    p = LoggedProcess(name, [relay_path(), "--out", "delay=%d" % DELAY_MS,
                             "--back", "delay=%d" % DELAY_MS,
                             "127.0.0.1:0", "127.0.0.1:%d" % server_port])
    _, m = p.wait_line(r"tsync-relay: listening on 127\.0\.0\.1:(\d+), forwarding to")
    return int(m.group(1))


def server(name, offset):
    return Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset %g" % offset,
                   "control none"], name=name)


def test():
    good = [server("server%d" % i, 0) for i in range(3)]
    bad = server("server-ahead", 2)
    ports = [relay("relay%d" % i, s.port()) for i, s in enumerate(good)]
    ctl = os.path.join(tmpdir(), "ctl.sock")
    conf = ["listen 127.0.0.1 port 0", "clock sim offset 0.25", "makestep 0.1 3",
            "control %s" % ctl]
    for port in [bad.port()] + ports:
        conf.append("server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" %
                    (port, POLL, POLL))
    client = Tsyncd(conf, name="client")
    client.wait_line(r"synchronised to ", timeout=DEADLINE)

    bad_addr = "127.0.0.1:%d" % bad.port()
    good_addrs = ["127.0.0.1:%d" % p for p in ports]
    check(not re.search(r"selected %s " % re.escape(bad_addr), client.text()),
          "the +2 s server, first to be fit, was not selected")
    m = re.search(r"selected (\S+) \((\w+), (\d+) of (\d+) fit sources agree\)", client.text())
    check(m is not None and m.group(1) in good_addrs and m.group(2) == "majority" and
          m.group(3) == "3" and m.group(4) == "4",
          "the first selection: a good server, 3 of 4 fit sources agree (%s)" %
          (m.group(0) if m else None))
    m = re.search(r"stepped the clock by (\S+)", client.text())
    check(m is not None and abs(float(m.group(1).rstrip("s")) + 0.25) < 0.01,
          "the first update stepped the clock back by about 0.25 s (%s)" %
          (m.group(1) if m else None))

    r = tsync("--socket", ctl, "sources", "--json")
    check(r.code == 0, "tsync sources --json exits 0 (%r)" % r.err)
    src = {s["address"]: s for s in load_json(r.out)["sources"]}
    t0 = time.monotonic()
    while src[bad_addr]["state"] != "falseticker" and time.monotonic() - t0 < DEADLINE:
        time.sleep(0.5)
        src = {s["address"]: s
               for s in load_json(tsync("--socket", ctl, "sources", "--json").out)["sources"]}
    check(src[bad_addr]["state"] == "falseticker",
          "%s is a falseticker (%s)" % (bad_addr, src[bad_addr]["state"]))
    info("states: %s" % sorted(s["state"] for s in src.values()))


if __name__ == "__main__":
    main(test)
