#!/usr/bin/env python3
"""
tsync query against chronyd serving on loopback (chronyd -x: never touches
the clock; `local stratum 8`): offset within 1 ms of zero (both read the
host clock), stratum 8, refid 127.127.1.1, leap none, in text and JSON;
chronyd is stopped at the end and none of ours is left running.
"""
import os
import random
import signal

from tsynctest import (check, check_close, find_tool, info, load_json, main, parse_query_text,
                       start_chronyd,
                       parse_seconds, port_free, tmpdir, tsync, wait_answering, Failure,
                       LoggedProcess)

TOL = 0.001


def our_chronyds(conf):
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if conf.encode() in f.read():
                        pids.append(int(pid))
            except OSError:
                pass
    return pids


def test():
    chronyd = find_tool("chronyd")
    d = tmpdir()
    p, port, conf = start_chronyd(chronyd, d, random.SystemRandom())
    hp = "127.0.0.1:%d" % port

    r = tsync("query", hp)
    check(r.code == 0, "tsync query %s exits 0 (got %s, %r)" % (hp, r.code, r.err))
    f, _ = parse_query_text(r.out)
    check(f.get("stratum") == "8", "stratum 8 (got %r)" % f.get("stratum"))
    check(f.get("refid") == "127.127.1.1", "refid 127.127.1.1 (got %r)" % f.get("refid"))
    check(f.get("leap") == "none", "leap none (got %r)" % f.get("leap"))
    check(f.get("samples") == "4 of 4", "samples 4 of 4 (got %r)" % f.get("samples"))
    off, delay = parse_seconds(f["offset"]), parse_seconds(f["delay"])
    check_close(off, 0.0, TOL, "offset to chronyd")
    check(0 <= delay < 0.05, "delay %.9f s in [0, 50 ms)" % delay)

    r = tsync("query", "--json", "--cristian", "-c", "3", "-i", "0.1", hp)
    check(r.code == 0, "tsync query --json --cristian exits 0 (got %s, %r)" % (r.code, r.err))
    j = load_json(r.out)
    check(j["stratum"] == 8 and j["sent"] == 3 and j["valid"] == 3 and
          j["address"] == "127.0.0.1:%d" % port,
          "JSON: stratum 8, 3 sent, 3 valid, address 127.0.0.1:%d" % port)
    check_close(j["offset"], 0.0, TOL, "JSON offset to chronyd")
    c = j["cristian"]
    check(0 <= c["error"] <= c["round_trip"] / 2 + 2e-9,
          "Cristian error %.9f s is in [0, round trip / 2]: half chronyd's hold time" %
          c["error"])

    p.proc.send_signal(signal.SIGTERM)
    code = p.wait_exit(20)
    check(code == 0, "chronyd exits 0 on SIGTERM (got %s)" % code)
    check(our_chronyds(conf) == [], "no chronyd of ours is left running")


if __name__ == "__main__":
    main(test)
