#!/usr/bin/env python3
"""
tsyncd's command line and configuration checking: -t on good files prints
"FILE: configuration OK" and exits 0; on bad files prints exactly one line
"tsyncd: FILE:LINE: DIRECTIVE: message" and exits 1; -V, -h, bad flags,
a missing -f file; a bad config stops a real start too.
"""
import os
import re

from tsynctest import check, main, run, tmpdir, tsyncd_path

BAD = [
    # (lines, line number of the error, directive)
    (["listen 127.0.0.1 port 0", "", "frobnicate 1"], 3, "frobnicate"),
    (["stratum 0"], 1, "stratum"),
    (["stratum 16"], 1, "stratum"),
    (["stratum eight"], 1, "stratum"),
    (["stratum"], 1, "stratum"),
    (["stratum 8 9"], 1, "stratum"),
    (["stratum 8", "# a comment", "stratum 9"], 3, "stratum"),
    (["listen localhost"], 1, "listen"),
    (["listen 127.0.0.1 port 65536"], 1, "listen"),
    (["listen 127.0.0.1 port -1"], 1, "listen"),
    (["listen 127.0.0.1 port"], 1, "listen"),
    (["listen 127.0.0.1 prot 5"], 1, "listen"),
    (["listen [::1]"], 1, "listen"),
    (["listen"], 1, "listen"),
    (["clock bogus"], 1, "clock"),
    (["clock"], 1, "clock"),
    (["clock system offset 1"], 1, "clock"),
    (["clock readonly drift 1"], 1, "clock"),
    (["clock sim drift 2000"], 1, "clock"),
    (["clock sim offset 2000000000"], 1, "clock"),
    (["clock sim offset abc"], 1, "clock"),
    (["clock sim offset"], 1, "clock"),
    (["clock sim", "clock readonly"], 2, "clock"),
    (["listen 127.0.0.1 port %d" % (1000 + i) for i in range(17)], 17, "listen"),
]

GOOD = [
    [],
    ["# only a comment", "", "   "],
    ["listen 127.0.0.1 port 0", "listen ::1 port 0", "stratum 15",
     "clock sim offset -1.5 drift 10  # trailing comment"],
    ["\tlisten\t127.0.0.1\tport 123", "stratum 1", "clock readonly"],
    ["clock system"],
    ["clock sim offset 1000000000 drift -1000", "stratum 8"],
    ["listen 127.0.0.1 port %d" % (1000 + i) for i in range(16)],
]


def write(d, name, lines):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    return path


def test():
    d = tmpdir()
    tsyncd = tsyncd_path()

    r = run([tsyncd, "-V"])
    check(r.code == 0 and r.out.strip() == "tsyncd 0.1.0",
          "tsyncd -V prints 'tsyncd 0.1.0' (got %s %r)" % (r.code, r.out))
    r = run([tsyncd, "-h"])
    check(r.code == 0, "tsyncd -h exits 0")
    for bad in (["-z"], ["--bogus"], ["-f"], ["-n", "extra-argument"]):
        r = run([tsyncd] + bad)
        check(r.code == 2, "tsyncd %s exits 2 (got %s, %r)" % (" ".join(bad), r.code, r.err))
        check("usage" in r.err.lower(), "tsyncd %s prints the usage on stderr" % " ".join(bad))

    for i, lines in enumerate(GOOD):
        path = write(d, "good%d.conf" % i, lines)
        r = run([tsyncd, "-t", "-f", path])
        check(r.code == 0, "good config %d accepted (got %s, %r)" % (i, r.code, r.err))
        check(r.out == "%s: configuration OK\n" % path,
              "-t prints '%s: configuration OK' (got %r)" % (path, r.out))

    for i, (lines, line, directive) in enumerate(BAD):
        path = write(d, "bad%d.conf" % i, lines)
        r = run([tsyncd, "-t", "-f", path])
        what = "bad config %d (%r)" % (i, lines[line - 1])
        check(r.code == 1, "%s exits 1 (got %s)" % (what, r.code))
        want = r"^tsyncd: %s:%d: %s: \S.*\n$" % (re.escape(path), line, re.escape(directive))
        check(re.match(want, r.err) is not None,
              "%s: stderr is 'tsyncd: %s:%d: %s: ...' (got %r)" %
              (what, path, line, directive, r.err))
        check(r.out == "", "%s: nothing on stdout" % what)

    # Without -t, a bad config stops the daemon before it serves.
    path = write(d, "bad-run.conf", ["listen 127.0.0.1 port 0", "stratum 99"])
    r = run([tsyncd, "-n", "-f", path], timeout=30)
    check(r.code == 1, "tsyncd -n with a bad config exits 1 (got %s)" % r.code)
    check(re.search(r"^tsyncd: %s:2: stratum: " % re.escape(path), r.err, re.M) is not None,
          "and names file, line 2 and directive (got %r)" % r.err)
    check("listening" not in r.err, "and never listens")

    missing = os.path.join(d, "does-not-exist.conf")
    r = run([tsyncd, "-t", "-f", missing])
    check(r.code == 1, "a missing -f file exits 1 (got %s)" % r.code)
    check(r.err.startswith("tsyncd: ") and missing in r.err,
          "and the message names the file (got %r)" % r.err)


if __name__ == "__main__":
    main(test)
