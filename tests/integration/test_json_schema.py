#!/usr/bin/env python3
"""
Every `--json` output of tsync against the documented schema
(doc/tsync.schema.json, tsync(1) JSON OUTPUT), checked with python3-jsonschema:
query (with and without --cristian), status, sources and berkeley of a stratum 1
server, of a Berkeley master that follows it over NTP and of its slave, stats,
makestep, burst, online and offline of the master, and the error object of each command that fails (no server, no daemon, a usage error),
with its non-zero exit status. The schema must reject documents that break it:
the old field names (offset_ns, refid_name), numbers where strings belong, an
error without its message.
"""
import copy
import json
import os
import time

from brktest import Node, group_port, random_group, wait_round
from tsynctest import Failure, Tsyncd, check, free_udp_port, info, main, tmpdir, tsync

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "doc",
                      "tsync.schema.json")
DEADLINE = 60.0
n_errors = 0

try:
    import jsonschema
except ImportError:
    jsonschema = None


def validator():
    if jsonschema is None:
        raise Failure("python3-jsonschema is missing (tools/deps.sh test installs it)")
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(v, doc, kind):
    """What is wrong with doc as the schema's kind ('status'...), and as
    any output of tsync; [] when it is right."""
    whole = [e.message for e in v.iter_errors(doc)]
    part = [e.message for e in v.evolve(schema={"$ref": "#/$defs/" + kind,
                                                "$defs": v.schema["$defs"]}).iter_errors(doc)]
    return part + whole


def valid(v, kind, doc, what):
    bad = errors(v, doc, kind)
    check(bad == [], "%s is a valid %s (%s)" % (what, kind, "; ".join(bad[:3]) or "ok"))
    return doc


def run_json(v, kind, args, what):
    """tsync ARGS (--json among them): exit 0, one line of one object."""
    r = tsync(*args)
    check(r.code == 0 and r.out.endswith("\n") and r.out.count("\n") == 1,
          "%s: exit 0, one line on stdout (%s, %r)" % (what, r.code, r.err))
    try:
        doc = json.loads(r.out)
    except ValueError as e:
        raise Failure("%s: not JSON (%s): %r" % (what, e, r.out))
    return valid(v, kind, doc, what)


def run_error(v, args, code, what):
    """tsync ARGS failing: the exit status, and the error on stdout."""
    global n_errors
    n_errors += 1
    r = tsync(*args, timeout=30)
    check(r.code == code, "%s: exit %d (got %s)" % (what, code, r.code))
    try:
        doc = json.loads(r.out)
    except ValueError as e:
        raise Failure("%s: stdout is not JSON (%s): %r" % (what, e, r.out))
    valid(v, "error", doc, what)
    msg = doc["error"]["message"]
    check(msg in r.err, "%s: the message is the one on stderr too (%r)" % (what, msg))
    return msg


def rejected(v, kind, doc, what):
    bad = errors(v, doc, kind)
    check(bad != [], "the schema rejects %s (%s)" % (what, bad[:1]))


def wait_synchronised(d):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        st = json.loads(tsync("-s", d.socket, "status", "--json").out)
        if st["synchronised"] and st["reference"]:
            return st
        time.sleep(0.5)
    raise Failure("%s: not synchronised within %g s" % (d.name, DEADLINE))


def wrong_documents(v, good):
    """Documents a renamed, mistyped or missing field makes wrong."""
    st = copy.deepcopy(good["status"])
    st["offset_ns"] = st.pop("offset")
    rejected(v, "status", st, "status with the old offset_ns")
    st = copy.deepcopy(good["status"])
    st["leap"] = 0
    rejected(v, "status", st, "status with leap as a number")
    st = copy.deepcopy(good["status"])
    st["last_update"] = "2026-12-04 18:00:00"
    rejected(v, "status", st, "status with a time not in ISO 8601 to the nanosecond")
    src = copy.deepcopy(good["sources"])
    src["sources"][0]["refid_name"] = src["sources"][0]["refid"]
    rejected(v, "sources", src, "a source with refid_name")
    src = copy.deepcopy(good["sources"])
    src["sources"][0]["refid"] = 2130706433
    rejected(v, "sources", src, "a source with refid as a number")
    q = copy.deepcopy(good["query"])
    q["offset"] = "%.9f" % q["offset"]
    rejected(v, "query", q, "a query with its offset as a string")
    q = copy.deepcopy(good["query"])
    q["address"] = "127.0.0.1"
    rejected(v, "query", q, "a query with an address without its port")
    st = copy.deepcopy(good["stats"])
    st["server"]["received"] = -1
    rejected(v, "stats", st, "a negative counter")
    st = copy.deepcopy(good["stats"])
    st["source"][0]["replies"] = 1.5
    rejected(v, "stats", st, "a counter that is not an integer")
    b = copy.deepcopy(good["berkeley"])
    b["members"][0]["rtt"] = b["members"][0].pop("delay")
    rejected(v, "berkeley", b, "a member with the old rtt")
    rejected(v, "control", {"command": "burst", "sources": -1}, "a burst of -1 sources")
    rejected(v, "control", {"command": "makestep", "sources": 1}, "makestep without its step")
    rejected(v, "control", {"command": "makestep", "step": "0.1"}, "a step as a string")
    rejected(v, "error", {"error": {}}, "an error without its message")
    rejected(v, "error", {"error": "refused"}, "an error as a bare string")
    rejected(v, "status", {}, "an empty object")


def test():
    v = validator()
    good = {}
    ntp = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0.25"], name="ntp")
    group, port = random_group(), group_port()
    master = Node("master", "master", 1.5, 0, group, port,
                  extra=["server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % ntp.port(),
                         "makestep 0.1 3"])
    slave = Node("slave", "slave", -2.0, 0, group, port)
    hp = "127.0.0.1:%d" % ntp.port()

    q = run_json(v, "query", ["query", "--json", "-c", "2", "-i", "0.05", hp], "query")
    check(q["address"] == hp and q["refid"] == "LOCL" and q["key"] is None,
          "query: address %s, refid LOCL, no key (%s %s %s)" %
          (hp, q["address"], q["refid"], q["key"]))
    good["query"] = q
    q = run_json(v, "query", ["query", "--json", "--cristian", "-c", "1", hp], "query --cristian")
    check("cristian" in q, "query --cristian has its cristian object")

    st = run_json(v, "status", ["-s", ntp.socket, "status", "--json"], "status of the server")
    check(st["reference"] == "local clock" and st["last_update"] is None,
          "status: local clock, never updated (%s, %s)" % (st["reference"], st["last_update"]))
    run_json(v, "sources", ["-s", ntp.socket, "sources", "--json"], "sources of the server")
    b = run_json(v, "berkeley", ["-s", ntp.socket, "berkeley", "--json"], "berkeley, no group")
    check(b["role"] == "none" and b["master"] is None and b["master_address"] is None,
          "berkeley of a node in no group: role none, master null (%s)" % b["role"])

    wait_synchronised(master)
    wait_round(master, 2)
    good["status"] = run_json(v, "status", ["-s", master.socket, "status", "--json"],
                              "status of the master")
    check(good["status"]["reference"] == hp and good["status"]["source_count"] == 1,
          "the master follows %s, its one source (%s)" % (hp, good["status"]["reference"]))
    good["sources"] = run_json(v, "sources", ["-s", master.socket, "sources", "--json"],
                               "sources of the master")
    check([s["address"] for s in good["sources"]["sources"]] == [hp],
          "the master's source is %s" % hp)
    good["berkeley"] = run_json(v, "berkeley", ["-s", master.socket, "berkeley", "--json"],
                                "berkeley of the master")
    check(len(good["berkeley"]["members"]) == 1 and
          good["berkeley"]["members"][0]["node"] == slave.node,
          "the master lists its slave %s" % slave.node)
    good["stats"] = run_json(v, "stats", ["-s", master.socket, "stats", "--json"],
                             "stats of the master")
    check([s["address"] for s in good["stats"]["source"]] == [hp] and
          good["stats"]["source"][0]["replies"] > 0 and "berkeley" in good["stats"],
          "the master's stats: its source %s with replies, its Berkeley group" % hp)
    b = run_json(v, "berkeley", ["-s", slave.socket, "berkeley", "--json"], "berkeley of a slave")
    check(b["master"] == master.node and b["master_address"] is not None,
          "the slave names its master and its address (%s %s)" %
          (b["master"], b["master_address"]))

    c = run_json(v, "control", ["-s", master.socket, "burst", "--json"], "burst")
    check(c == {"command": "burst", "sources": 1}, "burst: its one source polled (%s)" % c)
    c = run_json(v, "control", ["-s", master.socket, "offline", "--json", "all"], "offline all")
    check(c == {"command": "offline", "sources": 1}, "offline all: one source (%s)" % c)
    c = run_json(v, "control", ["-s", master.socket, "online", "--json", hp], "online " + hp)
    check(c == {"command": "online", "sources": 1}, "online %s: one source (%s)" % (hp, c))
    c = run_json(v, "control", ["-s", master.socket, "makestep", "--json"], "makestep")
    check(c["command"] == "makestep" and abs(c["step"]) < 0.1,
          "makestep: what was left of the slew, under 0.1 s (%s)" % c)

    missing = os.path.join(tmpdir(), "no.sock")
    closed = "127.0.0.1:%d" % free_udp_port()
    msg = run_error(v, ["query", "--json", "-c", "1", "-t", "0.2", closed], 1, "query, no server")
    check(msg == "%s: no valid reply in 1 tries" % closed, "query's reason (%r)" % msg)
    run_error(v, ["query", "--json", "-c", "0", hp], 2, "query -c 0")
    run_error(v, ["query", "--json", "--bogus", hp], 2, "query --bogus")
    for cmd in ("status", "sources", "berkeley", "stats", "makestep", "burst"):
        msg = run_error(v, ["-s", missing, cmd, "--json"], 1, "%s, no daemon" % cmd)
        check(msg.startswith("cannot connect to %s: " % missing), "%s's reason (%r)" % (cmd, msg))
        run_error(v, [cmd, "--json", "extra"], 2, "%s with an extra argument" % cmd)
    run_error(v, ["-s", missing, "offline", "--json", "all"], 1, "offline, no daemon")
    run_error(v, ["offline", "--json"], 2, "offline without its address")
    run_error(v, ["waitsync", "--json"], 2, "waitsync, which has no --json")
    run_error(v, ["--json"], 2, "no command")

    wrong_documents(v, good)
    info("every output of query, status, sources, berkeley, stats, makestep, burst, "
         "online and offline, and %d errors, match %s" %
         (n_errors, os.path.relpath(SCHEMA)))
    for x in (slave, master, ntp):
        x.terminate()


if __name__ == "__main__":
    main(test)
