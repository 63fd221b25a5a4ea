#!/usr/bin/env python3
"""
tsync query against tsyncd on loopback: a sim clock 1.5 s ahead at stratum 8
is measured as +1.5 s (within 1 ms, and within half the round trip), in the
text, --json and --cristian outputs, over IPv4 and IPv6, t0 being the
kernel's transmit timestamp of each request; a clock 2.25 s
behind is measured as -2.25 s; one running 1000 ppm fast gains 1000 ppm of
the time between two queries; the daemon counts every request it answered.
"""
import json
import re
import time

from tsynctest import (check, check_close, info, main, parse_iso_ns, parse_query_text,
                       parse_query_exchanges,
                       parse_seconds, load_json, tsync, Tsyncd, DROP_KEYS)

TOL = 0.001
JSON_KEYS = {"server", "address", "stratum", "refid", "leap", "precision", "precision_log2",
             "root_delay", "root_dispersion", "offset", "delay", "dispersion", "sent", "valid",
             "key", "nts",
             "t0", "t0_source", "kernel_stamped", "t1", "t2", "t3"}
CRISTIAN_KEYS = {"server_time", "round_trip", "client_time", "synchronised_time", "offset",
                 "ntp_offset", "error"}


def check_text(r, hp, want_offset, stratum, n):
    check(r.code == 0, "tsync query %s exits 0 (got %s, stderr %r)" % (hp, r.code, r.err))
    f, cr = parse_query_text(r.out)
    for k in ("server", "stratum", "refid", "leap", "precision", "root delay", "root disp",
              "offset", "delay", "dispersion", "samples"):
        check(k in f, "text output has a %r line" % k)
    check(f["server"] == hp, "server line is %s (got %r)" % (hp, f["server"]))
    check(f["stratum"] == str(stratum), "stratum %d (got %r)" % (stratum, f["stratum"]))
    check(f["refid"] == "127.127.1.1", "refid 127.127.1.1 (got %r)" % f["refid"])
    check(f["leap"] == "none", "leap none (got %r)" % f["leap"])
    check(re.match(r"^-\d+ \(.+\)$", f["precision"]) is not None,
          "precision looks like '-24 (60 ns)' (got %r)" % f["precision"])
    check(f["root delay"] == "0.000000000 s", "root delay 0 (got %r)" % f["root delay"])
    check(f["root disp"] == "0.000000000 s", "root disp 0 (got %r)" % f["root disp"])
    check(re.match(r"^[+-]\d+\.\d{9} s$", f["offset"]) is not None,
          "offset is signed with 9 decimals (got %r)" % f["offset"])
    off = parse_seconds(f["offset"])
    delay = parse_seconds(f["delay"])
    disp = parse_seconds(f["dispersion"])
    check_close(off, want_offset, TOL, "offset to %s" % hp)
    check(0 <= delay < 0.05, "delay %.9f s is in [0, 50 ms)" % delay)
    # Both clocks are the host's clock (one shifted): the error is at most
    # half the round trip, plus rounding.
    check(abs(off - want_offset) <= delay / 2 + 20e-6,
          "|offset error| %.9f <= delay/2 %.9f (+20 us)" % (abs(off - want_offset), delay / 2))
    check(disp >= 0, "dispersion %.9f >= 0" % disp)
    check(f["samples"] == "%d of %d" % (n, n), "samples %d of %d (got %r)" % (n, n, f["samples"]))
    return f, cr, off


def check_json(r, host, port, want_offset, stratum, n):
    check(r.code == 0, "tsync query --json exits 0 (got %s, stderr %r)" % (r.code, r.err))
    j = load_json(r.out)
    check(isinstance(j, dict), "--json prints one JSON object")
    base = set(j) - {"cristian"}
    check(base == JSON_KEYS, "JSON members are the spec's (missing %s, extra %s)" %
          (sorted(JSON_KEYS - base), sorted(base - JSON_KEYS)))
    addr = ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)
    check(j["server"] == host and j["address"] == addr,
          "server %s address %s (got %r %r)" % (host, addr, j["server"], j["address"]))
    check(j["stratum"] == stratum and j["refid"] == "127.127.1.1" and j["leap"] == "none",
          "stratum %d, refid 127.127.1.1, leap none (got %r %r %r)" %
          (stratum, j["stratum"], j["refid"], j["leap"]))
    p = j["precision_log2"]
    check(isinstance(p, int) and -32 <= p < 0,
          "precision_log2 is a negative integer (got %r)" % p)
    check(2.0 ** p <= j["precision"] < 2.0 ** p + 1e-9,
          "precision %r s is 2^%d s, to the nanosecond above" % (j["precision"], p))
    check(j["key"] is None, "no key: null (got %r)" % j["key"])
    check(j["root_delay"] == 0 and j["root_dispersion"] == 0, "root delay/dispersion 0")
    check(j["sent"] == n and j["valid"] == n, "sent %d valid %d (got %r %r)" %
          (n, n, j["sent"], j["valid"]))
    # Loopback stamps every datagram sent, before its reply can come.
    check(j["t0_source"] == "kernel" and j["kernel_stamped"] == n,
          "t0 is the kernel's transmit stamp, for all %d samples (got %r, %r)" %
          (n, j["t0_source"], j["kernel_stamped"]))
    for k in ("offset", "delay", "dispersion", "root_delay", "root_dispersion"):
        check(isinstance(j[k], (int, float)) and not isinstance(j[k], bool),
              "%s is a number" % k)
    if want_offset is not None:
        check_close(j["offset"], want_offset, TOL, "JSON offset")
    t = [parse_iso_ns(j["t%d" % i]) for i in range(4)]
    # The offset and delay are those of the four timestamps shown.
    off_ns = ((t[1] - t[0]) + (t[2] - t[3])) / 2
    delay_ns = (t[3] - t[0]) - (t[2] - t[1])
    check(abs(off_ns / 1e9 - j["offset"]) <= 5e-9,
          "offset %.9f = ((t1-t0)+(t2-t3))/2 = %.9f" % (j["offset"], off_ns / 1e9))
    check(abs(delay_ns / 1e9 - j["delay"]) <= 5e-9,
          "delay %.9f = (t3-t0)-(t2-t1) = %.9f" % (j["delay"], delay_ns / 1e9))
    check(t[0] <= t[3] and t[1] <= t[2], "t0 <= t3 and t1 <= t2")
    return j, t


def check_cristian_json(j, t):
    c = j.get("cristian")
    check(isinstance(c, dict), "--json --cristian has a cristian object")
    check(set(c) == CRISTIAN_KEYS, "cristian members are the spec's (got %s)" % sorted(c))
    st, ct, sy = (parse_iso_ns(c[k]) for k in ("server_time", "client_time",
                                               "synchronised_time"))
    rt = c["round_trip"]
    check(abs(c["ntp_offset"] - j["offset"]) <= 1e-9, "cristian ntp_offset = offset")
    check(ct == t[3], "client_time is t3 (the reply's arrival)")
    check(st == t[2], "server_time is t2 (the server's transmit time)")
    check(abs(rt - (t[3] - t[0]) / 1e9) <= 5e-9,
          "round_trip %.9f is t3 - t0 (Cristian does not subtract the server's time)" % rt)
    check(abs((sy - st) / 1e9 - rt / 2) <= 5e-9,
          "synchronised_time = server_time + round_trip/2")
    check(abs((sy - ct) / 1e9 - c["offset"]) <= 5e-9,
          "cristian offset = synchronised_time - client_time")
    check(abs(c["offset"] - c["ntp_offset"] - c["error"]) <= 5e-9,
          "error = cristian offset - ntp offset")
    # Exact, not timed: Cristian takes the server's hold time t2 - t1 as
    # part of the path, so he errs by half of it, however loaded we are.
    check(abs(c["error"] - (t[2] - t[1]) / 2e9) <= 5e-9,
          "Cristian error %.9f s is half the server's hold time t2 - t1" % c["error"])


def parse_bound(v):
    check(v.startswith("+-"), "a bound is printed +-X s (got %r)" % v)
    return parse_seconds(v[2:])


def check_cristian_text(f, cr):
    """Cristian's steps: t0..t3, the round trip and half of it, the bound
    +-RTT/2 and the range it gives, and the difference from NTP's offset,
    which is exactly half the server's hold time t2 - t1."""
    for k in ("t0 request sent", "t1 server received", "t2 server replied", "t3 reply received",
              "round trip t3-t0", "half round trip", "server time t2", "synchronised time",
              "cristian offset", "error bound", "true offset within", "ntp offset",
              "cristian - ntp", "server hold t2-t1", "why they differ"):
        check(k in cr, "--cristian prints %r" % k)
    t = [parse_iso_ns(cr[k]) for k in ("t0 request sent", "t1 server received",
                                        "t2 server replied", "t3 reply received")]
    st, sy = parse_iso_ns(cr["server time t2"]), parse_iso_ns(cr["synchronised time"])
    co, no, diff = (parse_seconds(cr[k]) for k in ("cristian offset", "ntp offset",
                                                   "cristian - ntp"))
    rt, half = parse_seconds(cr["round trip t3-t0"]), parse_seconds(cr["half round trip"])
    check(st == t[2], "server time is t2")
    check(abs(rt - (t[3] - t[0]) / 1e9) <= 1e-9, "round trip %.9f is t3 - t0" % rt)
    check(abs(half - rt / 2) <= 1e-9, "half round trip is RTT/2")
    check(abs((sy - st) / 1e9 - half) <= 1e-9, "synchronised time = t2 + RTT/2")
    check(abs((sy - t[3]) / 1e9 - co) <= 1e-9, "cristian offset = synchronised time - t3")
    check(parse_bound(cr["error bound"]) == half, "the error bound is +-RTT/2")
    check(no == parse_seconds(f["offset"]), "ntp offset line equals the offset line")
    check(abs(co - no - diff) <= 2e-9, "cristian - ntp is the difference of the two offsets")
    hold = parse_seconds(cr["server hold t2-t1"])
    check(abs(hold - (t[2] - t[1]) / 1e9) <= 1e-9, "server hold is t2 - t1")
    check(abs(diff - hold / 2) <= 2e-9,
          "Cristian differs from NTP by %.9f s: half the hold time %.9f" % (diff, hold))
    lo, hi = (parse_seconds(x.strip()) for x in cr["true offset within"].split(".."))
    check(abs(lo - (co - half)) <= 2e-9 and abs(hi - (co + half)) <= 2e-9,
          "the range is cristian offset +- RTT/2")
    # Both clocks are the host's (one shifted by 1.5 s): the truth is in the range.
    check(lo - TOL <= 1.5 <= hi + TOL, "1.5 s is in [%.9f, %.9f]" % (lo, hi))


def check_verbose(r, n):
    """--verbose lists every exchange; the kept one has the smallest delay
    and is the one the fields show."""
    ex = parse_query_exchanges(r.out)
    check([i for i, _ in ex] == list(range(1, n + 1)), "--verbose lists exchanges 1..%d" % n)
    delays = [parse_seconds(re.search(r"delay (\S+ s)", t).group(1)) for _, t in ex]
    kept = [i for i, t in ex if t.endswith("(kept)")]
    check(len(kept) == 1, "exactly one exchange is marked kept (%r)" % kept)
    check(delays[kept[0] - 1] == min(delays), "the kept one has the smallest delay %r" % delays)
    f, _ = parse_query_text(r.out)
    check(parse_seconds(f["delay"]) == min(delays), "the delay line is the kept exchange's")


def check_status_csv(d):
    """tsync status --csv: a header and one row, for a plot; --csv with
    --json, or for sources, is refused."""
    r = tsync("-s", d.socket, "status", "--csv")
    lines = r.out.splitlines()
    check(r.code == 0 and len(lines) == 2, "status --csv: a header and a row (%r)" % r.out)
    head, row = lines[0].split(","), lines[1].split(",")
    check(head == ["time", "synchronised", "stratum", "reference", "offset", "frequency_ppm",
                   "root_delay", "root_dispersion", "poll", "sources"],
          "status --csv header (got %r)" % head)
    f = dict(zip(head, row))
    parse_iso_ns(f["time"])
    check(f["stratum"] == "8" and f["reference"] == "127.127.1.1" and f["sources"] == "0" and
          f["offset"] == "+0.000000000", "status --csv row: stratum 8, its refid, no source (%r)" % f)
    for args in (["status", "--csv", "--json"], ["sources", "--csv"]):
        r = tsync("-s", d.socket, *args)
        check(r.code == 2 and "--csv is for status and berkeley" in r.err,
              "tsync %s: refused, exit 2 (%s, %r)" % (" ".join(args), r.code, r.err))


def test():
    d = Tsyncd(["listen 127.0.0.1 port 0", "listen ::1 port 0", "stratum 8",
                "clock sim offset 1.5"])
    check_status_csv(d)
    p4, p6 = d.port("127.0.0.1"), d.port("::1")
    check(d.serving_line == "tsyncd: serving stratum 8, refid 127.127.1.1, clock sim",
          "serving line (got %r)" % d.serving_line)
    sent = 0

    hp = "127.0.0.1:%d" % p4
    check_text(tsync("query", hp), hp, 1.5, 8, 4)
    sent += 4

    r = tsync("query", "-c", "1", hp)
    check_text(r, hp, 1.5, 8, 1)
    sent += 1

    r = tsync("query", "-c", "3", "-i", "0", "-t", "2", hp)
    check_text(r, hp, 1.5, 8, 3)
    sent += 3

    r = tsync("query", "--json", hp)
    check_json(r, "127.0.0.1", p4, 1.5, 8, 4)
    check("cristian" not in load_json(r.out), "no cristian member without --cristian")
    sent += 4

    r = tsync("query", "--cristian", hp)
    f, cr, _ = check_text(r, hp, 1.5, 8, 4)
    check_cristian_text(f, cr)
    sent += 4

    r = tsync("query", "--cristian", "--verbose", "-c", "5", "--min-transit", "0.00001", hp)
    f, cr, _ = check_text(r, hp, 1.5, 8, 5)
    check_cristian_text(f, cr)
    check_verbose(r, 5)
    tight = parse_bound(cr["tighter bound"])
    check(abs(tight - max(0, parse_seconds(cr["half round trip"]) - 0.00001)) <= 1e-9,
          "--min-transit 10 us: the tighter bound is RTT/2 - 10 us")
    sent += 5

    for args, want in ((["--json", "--verbose"], "--verbose is for the text output"),
                       (["--min-transit", "0.001"], "--min-transit goes with --cristian"),
                       (["--cristian", "--min-transit", "-1"], "bad value for --min-transit")):
        r = tsync("query", *(args + [hp]))
        # With --json the error is a JSON object on stdout too.
        out_ok = (json.loads(r.out)["error"]["message"].find(want) >= 0 if "--json" in args
                  else r.out == "")
        check(r.code == 2 and want in r.err and out_ok,
              "tsync query %s: exit 2, says '%s' (got %s, %r)" % (" ".join(args), want, r.code, r.err))

    r = tsync("query", "--json", "--cristian", hp)
    j, t = check_json(r, "127.0.0.1", p4, 1.5, 8, 4)
    check_cristian_json(j, t)
    sent += 4

    hp6 = "[::1]:%d" % p6
    check_text(tsync("query", hp6), hp6, 1.5, 8, 4)
    sent += 4
    r = tsync("query", "-6", "--json", hp6)
    check_json(r, "::1", p6, 1.5, 8, 4)
    sent += 4

    r = tsync("query", "-4", "-c", "2", "localhost:%d" % p4)
    check(r.code == 0, "tsync query -4 localhost:PORT exits 0 (stderr %r)" % r.err)
    f, _ = parse_query_text(r.out)
    check_close(parse_seconds(f["offset"]), 1.5, TOL, "offset via localhost")
    sent += 2

    # A clock behind: the offset is negative.
    n = Tsyncd(["listen 127.0.0.1 port 0", "stratum 3", "clock sim offset -2.25"],
               name="tsyncd-behind")
    hpn = "127.0.0.1:%d" % n.port()
    _, _, off = check_text(tsync("query", hpn), hpn, -2.25, 3, 4)
    check(tsync("query", hpn).out.count("offset      -2.2") == 1,
          "negative offset printed with a '-' sign")
    r = tsync("query", "--json", hpn)
    check_json(r, "127.0.0.1", n.port(), -2.25, 3, 4)
    code, st = n.terminate()
    check(code == 0, "tsyncd-behind exits 0 on SIGTERM")
    check(st is not None and st["received"] == 12 and st["replied"] == 12,
          "tsyncd-behind received=12 replied=12 (got %s)" % st)

    # A sim clock running fast by 1000 ppm: two measurements 2 s apart
    # differ by 1000 ppm of the time between them (to within the error
    # bounds of the two, half their round trips).
    f = Tsyncd(["listen 127.0.0.1 port 0", "stratum 4", "clock sim offset 0.5 drift 1000"],
               name="tsyncd-fast")
    hpf = "127.0.0.1:%d" % f.port()
    m = []
    for i in range(2):
        if i:
            time.sleep(2)
        r = tsync("query", "--json", "-i", "0.05", hpf)
        j, t = check_json(r, "127.0.0.1", f.port(), None, 4, 4)
        m.append((j["offset"], t[3], j["delay"]))
    gained = m[1][0] - m[0][0]
    want = (m[1][1] - m[0][1]) / 1e9 * 1000e-6
    check(abs(gained - want) <= (m[0][2] + m[1][2]) / 2 + 20e-6,
          "drift 1000 ppm: the offset grew by %.9f s over %.3f s (want %.9f, +/- %.9f)" %
          (gained, (m[1][1] - m[0][1]) / 1e9, want, (m[0][2] + m[1][2]) / 2 + 20e-6))
    # It started from 0.5 s and has drifted forward since: less than 0.05 s
    # (50 s at 1000 ppm), and by no less than the measurement's error bound.
    check(0.5 - m[0][2] / 2 - 20e-6 <= m[0][0] <= 0.55,
          "and it started from the 0.5 s offset (%.9f, delay %.9f)" % (m[0][0], m[0][2]))
    code, _ = f.terminate()
    check(code == 0, "tsyncd-fast exits 0")

    # Every request was answered; nothing was dropped.
    st = d.stats()
    check(st["received"] == sent, "received=%d (got %d)" % (sent, st["received"]))
    check(st["replied"] == sent, "replied=%d (got %d)" % (sent, st["replied"]))
    check(all(st[k] == 0 for k in DROP_KEYS + ["send_error"]), "no drops: %s" % st)
    check(st["unstamped"] == 0, "the kernel stamped every datagram's arrival: %s" % st)
    code, st2 = d.terminate()
    check(code == 0, "tsyncd exits 0 on SIGTERM")
    check(st2 == st, "nothing was counted since: the counters before SIGTERM are the same")
    info("done")


if __name__ == "__main__":
    main(test)
