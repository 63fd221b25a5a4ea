#!/usr/bin/env python3
"""
A Berkeley group of the largest size: a keyed tsyncd master and 512
slaves (tools/brkbench: tsyncd's own Berkeley role, 512 on one loop, a sim
clock each, offsets up to +-100 ms). Every slave is read and adjusted each
round and acknowledges; `tsync berkeley --json` lists all 512 (a reply
of 30 kB); a 513th slave is refused as "full" and never adjusted; the
slaves' true offsets end within 1 ms of each other.
"""
import os

from brktest import Node, group_port, keyfile, random_group
from tsynctest import (Failure, LoggedProcess, check, info, load_json, main, no_valgrind, program,
                       tsync)

SLAVES = 512  # BRK_MAX_MEMBERS
INTERVAL = 0.5


def slave_conf(group, port, keys):
    path = os.path.join(os.path.dirname(keys), "slaves.conf")
    with open(path, "w") as f:
        f.write("clock sim\nkeyfile %s\nberkeley slave\n"
                "berkeley group %s port %d interface lo\nberkeley interval %g\n"
                "berkeley step 0.001\nberkeley maxrtt 0.2\nberkeley key 1\n"
                % (keys, group, port, INTERVAL))
    return path


def bench_result(bench):
    _, m = bench.wait_line(r"^slaves=", 0, 120)
    code = bench.proc.wait(timeout=60)
    check(code == 0, "brkbench exits 0 (%s)" % code)
    return {k: v for k, v in (kv.split("=") for kv in m.string.split())}


def members_of(master):
    r = tsync("-s", master.socket, "berkeley", "--json")
    check(r.code == 0, "tsync berkeley --json exits 0 (%d bytes)" % len(r.out))
    return load_json(r.out)["members"]


def test():
    no_valgrind("512 slaves answered every 0.5 s is a load test: a master under valgrind "
                "cannot keep up")
    group, port = random_group(), group_port()
    keys = keyfile(os.urandom(32).hex())
    auth = ["keyfile %s" % keys, "berkeley key 1"]
    master = Node("master", "master", 0.003, 0, group, port, interval=INTERVAL, auth=auth)
    # meson's MALLOC_PERTURB_ fills every heap allocation of 512 slaves,
    # which bench_rss_kb would report as theirs.
    os.environ.pop("MALLOC_PERTURB_", None)
    bench = LoggedProcess("brkbench", [program("BRKBENCH", "brkbench"), "-c",
                                       slave_conf(group, port, keys), "-p", str(master.proc.pid),
                                       "-n", str(SLAVES), "-w", "3", "-r", "20"])
    # Rounds that read every slave, and in which every slave acknowledged.
    i, m = master.wait_line(r"^tsyncd: berkeley: round (\d+) id \w+: average \S+ s of "
                            r"%d/%d clocks" % (SLAVES + 1, SLAVES + 1), 0, 120)
    master.wait_line(r"^tsyncd: berkeley: round %s id \w+: all %d adjustments acknowledged "
                     % (m.group(1), SLAVES), i, 60)
    check(True, "round %s read %d clocks; all %d slaves acknowledged" %
          (m.group(1), SLAVES + 1, SLAVES))
    members = members_of(master)
    check(len(members) == SLAVES and len({x["node"] for x in members}) == SLAVES,
          "the master lists %d distinct members (%d)" % (SLAVES, len(members)))
    check(all(0 < x["delay"] < 0.2 for x in members), "each with its round trip")
    # One more slave: the group is full.
    extra = Node("extra", "slave", -0.05, 0, group, port, interval=INTERVAL, auth=auth)
    for _ in range(200):
        full = master.bstats()["full"]
        if full > 0:
            break
        master.wait_line(r"^tsyncd: berkeley: round \d+ id", len(master.lines), 20)
    check(full > 0, "the master refused the 513th slave as full (%d)" % full)
    check(extra.node not in {x["node"] for x in members_of(master)},
          "the 513th slave is not a member")
    r = bench_result(bench)
    info("brkbench: %s" % " ".join("%s=%s" % kv for kv in sorted(r.items())))
    check(int(r["applied_min"]) == SLAVES, "every slave was adjusted in every measured round")
    check(float(r["spread_final_us"]) < 1000, "the slaves' true offsets end %s us apart, < 1 ms"
          % r["spread_final_us"])
    check(not any("adjusted by" in l for l in extra.lines), "the 513th slave was never adjusted")
    extra.terminate()
    master.terminate()


main(test)
