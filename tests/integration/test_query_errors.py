#!/usr/bin/env python3
"""
tsync's failures: usage errors exit 2 with the usage on stderr; a port where
nothing listens and an unsynchronised server (not a valid sample) exit 1 with
"tsync: HOST: ..." on stderr, within the time the flags allow; -V and --help.
"""
import re

from tsynctest import check, main, tsync, tsync_path, run, Tsyncd, free_udp_port


def usage_error(args, why):
    r = tsync(*args, timeout=30)
    first = r.err.splitlines()[0] if r.err else ""
    check(r.code == 2, "%s: 'tsync %s' exits 2 (got %s; stderr %r)" %
          (why, " ".join(args), r.code, first if r.code == 2 else r.err))
    check("usage" in r.err.lower(), "%s: usage on stderr%s" %
          (why, "" if "usage" in r.err.lower() else " (got %r)" % r.err))
    check(r.out == "", "%s: nothing on stdout (got %r)" % (why, r.out))


def test():
    r = tsync("-V")
    check(r.code == 0 and r.out.strip() == "tsync 0.1.0",
          "tsync -V prints 'tsync 0.1.0' (got %s %r)" % (r.code, r.out))
    for h in ("-h", "--help"):
        r = tsync(h)
        check(r.code == 0 and "query" in r.out, "tsync %s exits 0 and mentions query" % h)

    usage_error([], "no command")
    usage_error(["frobnicate"], "unknown command")
    usage_error(["query"], "no host")
    usage_error(["query", "--bogus", "127.0.0.1"], "unknown option")
    usage_error(["query", "-x", "127.0.0.1"], "unknown short option")
    for c in ("0", "101", "abc", "-1", "4x", ""):
        usage_error(["query", "-c", c, "127.0.0.1"], "bad -c %r" % c)
    usage_error(["query", "127.0.0.1", "-c"], "-c without a value")
    for t in ("abc", "-1"):
        usage_error(["query", "-t", t, "127.0.0.1"], "bad -t %r" % t)
    usage_error(["query", "-i", "abc", "127.0.0.1"], "bad -i")
    for hp in ("127.0.0.1:99999", "127.0.0.1:abc", "127.0.0.1:", "[::1]:70000", "[::1"):
        usage_error(["query", hp], "bad port/host %r" % hp)
    usage_error(["query", "127.0.0.1", "127.0.0.2"], "two hosts")

    # Nothing listens: exit 1, the message names the host, within the
    # time the flags allow (2 tries x 1 s + pause + start-up slack).
    port = free_udp_port()
    hp = "127.0.0.1:%d" % port
    r = tsync("query", "-c", "2", "-t", "1", hp, timeout=30)
    check(r.code == 1, "query to a closed port exits 1 (got %s, stderr %r)" % (r.code, r.err))
    check(r.out == "", "nothing on stdout (got %r)" % r.out)
    check(r.err.startswith("tsync: %s: " % hp), "stderr starts 'tsync: %s: ' (got %r)" %
          (hp, r.err))
    check(r.elapsed < 10, "gave up in %.2f s (< 10 s)" % r.elapsed)

    # An unsynchronised server (no stratum) does not give a valid sample.
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 1.5"], name="tsyncd-unsync")
    check(d.serving_line.startswith("tsyncd: serving unsynchronised (leap 3, stratum 16)"),
          "unsynchronised serving line (got %r)" % d.serving_line)
    hp = "127.0.0.1:%d" % d.port()
    r = tsync("query", "-c", "2", "-i", "0", hp, timeout=30)
    check(r.code == 1, "query of an unsynchronised server exits 1 (got %s; out %r err %r)" %
          (r.code, r.out, r.err))
    check(r.err.startswith("tsync: %s: " % hp), "stderr names the host (got %r)" % r.err)
    check(re.search(r"no valid reply in 2 tries|unsynchroni[sz]ed", r.err) is not None,
          "stderr gives the reason (got %r)" % r.err)
    st = d.stats()
    check(st["received"] == 2 and st["replied"] == 2,
          "the server did answer both requests (got %s)" % st)

    r = run([tsync_path(), "query", "-c", "1", "-t", "1", "no-such-host.invalid"], timeout=60)
    check(r.code == 1, "unresolvable host exits 1 (got %s, %r)" % (r.code, r.err))
    check(r.err.startswith("tsync: no-such-host.invalid"), "message names the host (got %r)" %
          r.err)


if __name__ == "__main__":
    main(test)
