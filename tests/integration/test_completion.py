#!/usr/bin/env python3
"""
tsync's bash completion (contrib/tsync.bash-completion): it loads in a plain
bash and registers _tsync for tsync; it completes the commands (those of
`tsync --help`), a command from its start, each command's options, the
global options, and a socket path after -s and --socket=; meson installs it
as bash-completion/completions/tsync.
"""
import json
import os
import socket
import subprocess

from tsynctest import check, info, main, run, tmpdir, tsync, tsync_path

COMPLETION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib",
                          "tsync.bash-completion")


def complete(*words):
    """COMPREPLY for the command line `words`, the last word being
    completed, as bash computes it when Tab is pressed."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              'COMPREPLY=(); _tsync; printf "%s\\n" "${COMPREPLY[@]}"')
    r = run(["bash", "--norc", "--noprofile", "-c", script, "bash", COMPLETION, tsync_path()] +
            list(words), timeout=30)
    check(r.code == 0 and r.err == "", "completing %r: bash exits 0, quietly (%r)" %
          (" ".join(words), r.err))
    return [w for w in r.out.split("\n") if w]


def test():
    r = run(["bash", "--norc", "--noprofile", "-c", 'source "$1" && complete -p tsync', "bash",
             COMPLETION])
    check(r.code == 0 and r.out == "complete -F _tsync tsync\n",
          "it loads and registers _tsync for tsync (%r %r)" % (r.out, r.err))

    help_cmds = [l.split()[0] for l in tsync("--help").out.splitlines()
                 if l.startswith("  ") and l[2:3].isalpha()]
    cmds = complete("")
    check(cmds == help_cmds and {"query", "status", "sources", "berkeley", "waitsync"} <= set(cmds),
          "tsync <Tab>: the commands of --help (%s)" % cmds)
    check(sorted(complete("st")) == ["stats", "status"], "tsync st<Tab>: stats, status")
    check(complete("ma") == ["makestep"], "tsync ma<Tab>: makestep")
    check(complete("so") == ["sources"], "tsync so<Tab>: sources")
    got = complete("query", "--")
    check({"--json", "--cristian", "--key", "--keyfile"} <= set(got),
          "tsync query --<Tab>: its long options (%s)" % got)
    check(complete("-s", "/x", "berkeley", "--j") == ["--json"],
          "tsync -s PATH berkeley --j<Tab>: --json")
    got = complete("waitsync", "--")
    check({"--timeout", "--max-offset", "--socket"} <= set(got) and "--json" not in got,
          "tsync waitsync --<Tab>: its own options, no --json (%s)" % got)
    check(set(complete("-")) == {"-h", "--help", "-V", "--version", "-s", "--socket"},
          "tsync -<Tab>: the global options")
    check(complete("query", "-c", "") == [], "tsync query -c <Tab>: nothing (a number)")

    d = tmpdir()
    path = os.path.join(d, "ctl.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    check(complete("-s", os.path.join(d, "ct")) == [path], "tsync -s DIR/ct<Tab>: the socket")
    check(complete("status", "--socket", "=", os.path.join(d, "c")) == [path],
          "tsync status --socket=DIR/c<Tab>: the socket")
    check(complete("-s", "/run/tsyncd/t")[:1] == ["/run/tsyncd/tsyncd.sock"],
          "tsync -s /run/tsyncd/t<Tab>: the default socket")
    s.close()

    build = os.path.dirname(os.path.dirname(tsync_path()))
    r = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0, "meson introspect --installed (%r)" % r.stderr)
    dest = [v for k, v in json.loads(r.stdout).items()
            if os.path.basename(k) == "tsync.bash-completion"]
    check(len(dest) == 1 and dest[0].endswith("/bash-completion/completions/tsync"),
          "meson installs it as bash-completion/completions/tsync (%s)" % dest)
    info("installed at %s" % dest[0])


if __name__ == "__main__":
    main(test)
