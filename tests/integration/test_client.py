#!/usr/bin/env python3
"""
The NTP client converging, sim clocks only. Three tsyncd servers on
loopback at the host's time (sim, offset 0) and a fourth 2 s ahead; a
tsyncd client whose sim clock starts 0.250 s ahead and runs 50 ppm fast,
polling all four every 2^-2 s. Within the stated number of polls the
client's true offset (measured from outside with tsync query against the
client's own server port) is under 100 us and its frequency error (its
correction plus its native 50 ppm) under 1 ppm; the +2 s server is a
falseticker and never selected; the client serves stratum upstream + 1
with the system peer's address as refid; `tsync status` and `tsync
sources` say the same, in text and JSON.
"""
import os
import re
import time

from tsynctest import (Tsyncd, check, info, load_json, main, parse_query_text, parse_seconds,
                       tmpdir, tsync)

POLL = -2                 # 2^-2 s between requests
DEADLINE = 120.0          # s: 480 polls of each server
MAX_OFFSET = 100e-6       # s
MAX_FREQ_ERROR = 1.0      # ppm
DRIFT = 50.0              # ppm, the client's native frequency error
UPSTREAM_STRATUM = 2


def start_servers():
    good = [Tsyncd(["listen 127.0.0.1 port 0", "stratum %d" % UPSTREAM_STRATUM,
                    "clock sim offset 0", "control none"], name="server%d" % i)
            for i in range(3)]
    bad = Tsyncd(["listen 127.0.0.1 port 0", "stratum %d" % UPSTREAM_STRATUM,
                  "clock sim offset 2", "control none"], name="server-ahead")
    return good, bad


def start_client(servers, ctl):
    conf = ["listen 127.0.0.1 port 0", "clock sim offset 0.25 drift %g" % DRIFT,
            "makestep 0.1 3", "control %s" % ctl]
    for s in servers:
        conf.append("server 127.0.0.1 port %d minpoll %d maxpoll %d iburst" %
                    (s.port(), POLL, POLL))
    return Tsyncd(conf, name="client")


def true_offset(port):
    """The client's clock minus the host's, from outside: the query reads
    the host clock (readonly) and takes the minimum-delay sample."""
    r = tsync("query", "-c", "4", "-i", "0.05", "127.0.0.1:%d" % port)
    check(r.code == 0, "tsync query of the client's server exits 0 (%r)" % r.err)
    f, _ = parse_query_text(r.out)
    return parse_seconds(f["offset"]), f


def status(ctl):
    r = tsync("--socket", ctl, "status", "--json")
    check(r.code == 0, "tsync status --json exits 0 (%r)" % r.err)
    return load_json(r.out)


def sources(ctl):
    r = tsync("--socket", ctl, "sources", "--json")
    check(r.code == 0, "tsync sources --json exits 0 (%r)" % r.err)
    return {s["address"]: s for s in load_json(r.out)["sources"]}


def wait_converged(client, ctl, port):
    t0 = time.monotonic()
    while time.monotonic() - t0 < DEADLINE:
        time.sleep(1.0)
        st = status(ctl)
        if not st["synchronised"]:
            continue
        off, _ = true_offset(port)
        ferr = st["frequency_ppm"] + DRIFT
        info("%.0f s: true offset %+.6f s, frequency error %+.3f ppm" %
             (time.monotonic() - t0, off, ferr))
        if abs(off) < MAX_OFFSET and abs(ferr) < MAX_FREQ_ERROR:
            return time.monotonic() - t0, off, ferr
    check(False, "converged within %g s" % DEADLINE)


def test():
    good, bad = start_servers()
    ctl = os.path.join(tmpdir(), "ctl.sock")
    client = start_client(good + [bad], ctl)
    port = client.port()

    elapsed, off, ferr = wait_converged(client, ctl, port)
    polls = int(elapsed / 2 ** POLL) + 1
    check(abs(off) < MAX_OFFSET, "true offset %+.6f s under %g s" % (off, MAX_OFFSET))
    check(abs(ferr) < MAX_FREQ_ERROR,
          "frequency error %+.3f ppm under %g ppm" % (ferr, MAX_FREQ_ERROR))
    check(polls <= DEADLINE / 2 ** POLL,
          "converged after %.0f s, about %d polls (bound %d)" %
          (elapsed, polls, DEADLINE / 2 ** POLL))

    st = status(ctl)
    check(st["synchronised"] and st["stratum"] == UPSTREAM_STRATUM + 1,
          "status: synchronised at stratum %d" % (UPSTREAM_STRATUM + 1))
    check(st["selection"] == "majority", "status: a majority agrees (%s)" % st["selection"])
    check(st["source_count"] == 4, "status: 4 sources (%s)" % st["source_count"])
    bad_addr = "127.0.0.1:%d" % bad.port()
    good_addrs = ["127.0.0.1:%d" % s.port() for s in good]
    check(st["reference"] in good_addrs, "reference %s is one of the three" % st["reference"])

    src = sources(ctl)
    check(sorted(src) == sorted(good_addrs + [bad_addr]), "sources lists the four servers")
    check(src[bad_addr]["state"] == "falseticker",
          "%s is a falseticker (%s)" % (bad_addr, src[bad_addr]["state"]))
    check(abs(src[bad_addr]["offset"] - 2.0) < 0.01,
          "its offset is about +2 s (%.9f s)" % src[bad_addr]["offset"])
    states = sorted(src[a]["state"] for a in good_addrs)
    check(states.count("selected") == 1 and states.count("candidate") == 2,
          "one of the three selected, two candidates (%s)" % states)
    # A poll whose reply a stalled machine delays past the next poll counts
    # as missed for the next 8 polls (2 s): wait for a full register.
    t0 = time.monotonic()
    while (any(src[a]["reach"] != 255 for a in good_addrs) and
           time.monotonic() - t0 < 30):
        time.sleep(0.5)
        src = sources(ctl)
    for a in good_addrs:
        check(src[a]["reach"] == 255 and src[a]["poll_log2"] == POLL and
              src[a]["poll"] == 2.0 ** POLL,
              "%s: reach 377, poll %d" % (a, POLL))

    check(not re.search(r"selected %s " % re.escape(bad_addr), client.text()),
          "the +2 s server was never selected")
    check(re.search(r"stepped the clock by -0\.2", client.text()) is not None,
          "the first update stepped the clock back by about 0.25 s")

    _, f = true_offset(port)
    check(f["stratum"] == str(UPSTREAM_STRATUM + 1),
          "the client serves stratum %d (%s)" % (UPSTREAM_STRATUM + 1, f["stratum"]))
    check(f["refid"] == "127.0.0.1", "it names its system peer 127.0.0.1 (%s)" % f["refid"])
    check(f["leap"] == "none", "leap none (%s)" % f["leap"])

    r = tsync("--socket", ctl, "sources")
    check(r.code == 0 and r.out.count("falseticker") == 1 and bad_addr in r.out,
          "tsync sources (text) shows the falseticker")
    r = tsync("--socket", ctl, "status")
    check(r.code == 0 and "127.0.0.1" in r.out, "tsync status (text) names the reference")

    code, _ = client.terminate()
    check(code == 0, "the client exits 0 on SIGTERM")


main(test)
