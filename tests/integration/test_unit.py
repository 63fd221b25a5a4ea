#!/usr/bin/env python3
"""
The systemd unit and sysusers.d entry in contrib/: systemd-analyze verify
accepts the unit as installed (ExecStart at the built tsyncd) without a
word, and flags a broken copy; the unit keeps the promises README.md makes
(unprivileged user, two capabilities, the runtime and state directories,
the conflicts); systemd-sysusers makes the user in an empty root.
"""
import os

from tsynctest import check, find_tool, main, run, tmpdir, tsyncd_path

CONTRIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib")


def unit_text():
    with open(os.path.join(CONTRIB, "tsyncd.service.in")) as f:
        return f.read().replace("@sbindir@", os.path.dirname(os.path.abspath(tsyncd_path())))


def verify(analyze, text, name):
    path = os.path.join(tmpdir(), name)
    with open(path, "w") as f:
        f.write(text)
    # --man=no: the man pages are not installed where man(1) looks.
    return run([analyze, "verify", "--man=no", path])


def settings(text):
    kv = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            kv.setdefault(k, []).append(v)
    return kv


def test():
    analyze = find_tool("systemd-analyze")
    text = unit_text()
    r = verify(analyze, text, "tsyncd.service")
    check(r.code == 0 and r.out == "" and r.err == "",
          "systemd-analyze verify: no complaint (exit %s, %r)" % (r.code, r.err))
    r = verify(analyze, text.replace("NoNewPrivileges=", "NoNewPrivilege="), "tsyncd.service")
    check("Unknown key" in r.err, "... and it does flag a misspelt key (%r)" % r.err.strip())

    kv = settings(text)
    want = {
        "ExecStart": [os.path.abspath(tsyncd_path()) + " -n"],
        "User": ["_tsyncd"], "Group": ["_tsyncd"],
        "AmbientCapabilities": ["CAP_SYS_TIME CAP_NET_BIND_SERVICE"],
        "CapabilityBoundingSet": ["CAP_SYS_TIME CAP_NET_BIND_SERVICE"],
        "NoNewPrivileges": ["yes"], "ProtectSystem": ["strict"], "PrivateTmp": ["yes"],
        "RuntimeDirectory": ["tsyncd"], "RuntimeDirectoryMode": ["0750"],
        "StateDirectory": ["tsyncd"],
        "Conflicts": ["systemd-timesyncd.service chrony.service ntpsec.service ntp.service "
                      "openntpd.service"],
    }
    got = {k: kv.get(k) for k in want}
    check(got == want, "the unit's user, capabilities, directories and conflicts (got %s)" % got)
    check("ProtectClock" not in kv and "DynamicUser" not in kv,
          "no ProtectClock= (it would forbid adjusting the clock), no DynamicUser=")
    for doc in kv["Documentation"][0].split():
        page = doc.replace("man:", "").replace("(", ".").rstrip(")")
        check(os.path.exists(os.path.join(CONTRIB, "..", "man", page)),
              "Documentation %s is a man page of ours" % doc)

    sysusers = find_tool("systemd-sysusers")
    root = tmpdir()
    os.mkdir(os.path.join(root, "etc"))
    for f in ("passwd", "group", "shadow", "gshadow"):
        open(os.path.join(root, "etc", f), "w").close()
    r = run([sysusers, "--root=" + root, os.path.join(CONTRIB, "tsyncd.sysusers")])
    with open(os.path.join(root, "etc", "passwd")) as f:
        passwd = [l.split(":") for l in f.read().splitlines()]
    check(r.code == 0 and len(passwd) == 1 and passwd[0][0] == "_tsyncd" and
          passwd[0][5] == "/var/lib/tsyncd" and int(passwd[0][2]) != 0,
          "systemd-sysusers makes the user _tsyncd, home /var/lib/tsyncd, not root (%s)" % passwd)


if __name__ == "__main__":
    main(test)
