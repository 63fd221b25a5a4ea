#!/usr/bin/env python3
"""
Symmetric-key authentication against chrony, both ways, with the same keys
file (chrony's format). chronyd -x serving with `keyfile`: `tsync query
--key` succeeds for AES128, AES256, SHA1, SHA256 and SHA512 keys, and
fails (exit 1) with a wrong secret or a key chrony lacks (chrony drops such
requests); a tsyncd client (sim clock 0.3 s behind) with `key 1` (AES128)
synchronises to chronyd, while one with a wrong AES128 secret gets no
usable reply and leaves its clock alone. `chronyd -Q` with `key 1` (AES128),
`key 2` (SHA1) and `key 3` (SHA256, which chrony sends as NTPv3 with the
whole digest) measures tsyncd; with a wrong secret it gets no sample, and
tsyncd answers it with crypto-NAKs only.
"""
import os
import random
import re
import time

from tsynctest import (Tsyncd, check, find_tool, info, load_json, main, parse_query_text,
                       parse_seconds, run, start_chronyd, tmpdir, tsync)

KEYS = ("1 AES128 HEX:7ea62ae64d190114d46d5a082f948ec1\n"
        "2 SHA1 HEX:933f62be1d604e68a81b557f18cfa200483f5b70\n"
        "3 SHA256 ASCII:averylongsecretpassphrase\n"
        "4 AES256 HEX:37ddcbc67bb902bcb8e995977fab4d2b5642f5b32ebceee421921d97e5cbfe39\n"
        "5 SHA512 HEX:00112233445566778899aabbccddeeff\n")
WRONG = "1 AES128 HEX:7ea62ae64d190114d46d5a082f948ec2\n9 AES128 HEX:%s\n" % ("11" * 16)
DEADLINE = 90.0


def keyfile(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def query(path, key, port):
    r = tsync("query", "-c", "2", "-t", "1", "--key", key, "--keyfile", path,
              "127.0.0.1:%d" % port)
    return r, (parse_query_text(r.out)[0] if r.code == 0 else {})


def tsync_json(ctl, what):
    r = tsync("--socket", ctl, what, "--json")
    check(r.code == 0, "tsync %s --json exits 0 (%r)" % (what, r.err))
    return load_json(r.out)


def true_offset(port):
    r = tsync("query", "-c", "2", "-i", "0.05", "127.0.0.1:%d" % port)
    check(r.code == 0, "tsync query of tsyncd exits 0 (%r)" % r.err)
    return parse_seconds(parse_query_text(r.out)[0]["offset"])


def client(path, cport, key):
    ctl = os.path.join(tmpdir(), "ctl.sock")
    return Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset -0.3", "stratum 10",
                   "makestep 0.1 3", "control " + ctl, "keyfile " + path,
                   "server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst key %s" % (cport, key)]), ctl


def tsyncd_client(keys, wrong, cport):
    upstream = "127.0.0.1:%d" % cport
    t, ctl = client(keys, cport, 1)
    t0, off = time.monotonic(), None
    while time.monotonic() - t0 < DEADLINE:
        time.sleep(1.0)
        st = tsync_json(ctl, "status")
        if st["synchronised"] and st["reference"] == upstream:
            off = true_offset(t.port())
            if abs(off) < 1e-3:
                break
    check(off is not None and abs(off) < 1e-3,
          "a tsyncd client with key 1 (AES128) synchronises to chronyd: offset %s" % off)
    src = tsync_json(ctl, "sources")["sources"][0]
    check(src["key"] == 1 and src["auth_rejected"] == 0 and src["state"] == "selected",
          "chronyd is its selected source, key 1, no reply refused (%s)" % src)
    t.terminate()

    t, ctl = client(wrong, cport, 1)
    time.sleep(8.0)
    src = tsync_json(ctl, "sources")["sources"][0]
    st = tsync_json(ctl, "status")
    off = true_offset(t.port())
    info("wrong key: %s; offset %+.6f" % (src, off))
    check(src["reach"] == 0 and st["reference"] != upstream,
          "with a wrong AES128 secret it never hears chronyd (reach %d, reference %s)" %
          (src["reach"], st["reference"]))
    check(abs(off + 0.3) < 1e-3, "and its clock stays 0.3 s behind (%+.6f s)" % off)
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")


def chronyd_q(chronyd, path, port, key, timeout):
    r = run([chronyd, "-Q", "-u", "root", "-t", str(timeout), "keyfile " + path,
             "server 127.0.0.1 port %d iburst minpoll -4 maxpoll -4 maxsamples 4 key %d" %
             (port, key), "cmdport 0", "bindcmdaddress /"], timeout=60)
    return re.search(r"System clock wrong by (-?\d+\.\d+) seconds \(ignored\)", r.out + r.err), r


def chrony_client(chronyd, keys, wrong):
    t = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 1.5", "stratum 3",
                "keyfile " + keys])
    for key in (1, 2, 3):
        before = t.stats()
        m, r = chronyd_q(chronyd, keys, t.port(), key, 20)
        after = t.stats()
        check(m is not None and abs(float(m.group(1)) - 1.5) < 1e-3,
              "chronyd -Q with key %d measures tsyncd 1.5 s ahead (%s)" %
              (key, m.group(0) if m else r.out + r.err))
        signed = after["auth_reply"] - before["auth_reply"]
        check(signed >= 1 and after["received"] - before["received"] == signed,
              "tsyncd signed its reply to every one of its %d requests" % signed)
    before = t.stats()
    m, r = chronyd_q(chronyd, wrong, t.port(), 1, 8)
    after = t.stats()
    naks = after["nak_bad_mac"] - before["nak_bad_mac"]
    check(m is None, "chronyd -Q with a wrong secret gets no sample")
    check(naks >= 1 and after["received"] - before["received"] == naks and
          after["auth_reply"] == before["auth_reply"],
          "tsyncd answered its %d requests with crypto-NAKs only" % naks)
    code, _ = t.terminate()
    check(code == 0, "tsyncd exits 0")


def test():
    chronyd = find_tool("chronyd")
    d = tmpdir()
    keys = keyfile(d, "keys", KEYS)
    wrong = keyfile(d, "wrong", WRONG)
    _, cport, _ = start_chronyd(chronyd, d, random.SystemRandom(), "keyfile %s\n" % keys)
    for key in ("1", "4", "2", "3", "5"):
        r, f = query(keys, key, cport)
        check(r.code == 0 and f.get("key") == key + " (every sample's MAC verified)" and
              f["stratum"] == "8", "tsync query --key %s against chronyd: a verified reply (%r)" %
              (key, r.err))
    for key, what in (("1", "a wrong AES128 secret"), ("9", "a key chronyd lacks")):
        r, _ = query(wrong, key, cport)
        check(r.code == 1 and "no valid reply in 2 tries" in r.err,
              "tsync query with %s fails: %r" % (what, r.err))
    tsyncd_client(keys, wrong, cport)
    chrony_client(chronyd, keys, wrong)


if __name__ == "__main__":
    main(test)
