# Sourced by bench.sh, ntsbench.sh and precision.sh: a scratch folder,
# free loopback ports, tsyncd and chronyd (-x: never touches the clock)
# started on loopback, and every process started here killed on exit, by
# its pid.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$root/build}
TSYNCD=${TSYNCD:-$BUILD/src/tsyncd}
TSYNC=${TSYNC:-$BUILD/src/tsync}
LOADGEN=${LOADGEN:-$BUILD/tools/loadgen}
REFLECTOR=${REFLECTOR:-$BUILD/tools/reflector}
CHRONYD=${CHRONYD:-$(command -v chronyd || echo /usr/sbin/chronyd)}

work=$(mktemp -d /tmp/tsync-bench.XXXXXX)
started=()

cleanup() {
	local p
	for p in "${started[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${started[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || { echo "$(basename "$0"): $f is missing (build first, or tools/deps.sh test)" >&2; exit 1; }
	done
}

# A UDP port on 127.0.0.1 that nothing listens on, outside the ephemeral
# range that the test suites take their ports from.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 10000))
		if [ -z "$(ss -Hlun "sport = :$p")" ]; then
			echo "$p"
			return
		fi
	done
	echo "$(basename "$0"): no free port" >&2
	exit 1
}

# Wait until an NTP server answers on 127.0.0.1:$1.
wait_answering() {
	for _ in $(seq 100); do
		"$TSYNC" query -c 1 -t 0.2 "127.0.0.1:$1" >/dev/null 2>&1 && return
		sleep 0.1
	done
	echo "$(basename "$0"): nothing answers on 127.0.0.1:$1" >&2
	exit 1
}

# run_bg VAR CMD...: start CMD in the background, its pid in VAR (taskset
# execs its command, so the pid is the server's own).
run_bg() {
	local var=$1
	shift
	"$@" &
	started+=($!)
	printf -v "$var" %s $!
}

# start_tsyncd VAR NAME PORT [CPU]: tsyncd serving the host clock read-only,
# with the lines of $TSYNCD_EXTRA (printf %b) added to its config.
start_tsyncd() {
	local var=$1 name=$2 port=$3 cpu=${4:-} bin=${TSYNCD_BIN:-$TSYNCD}
	printf 'listen 127.0.0.1 port %s\nclock readonly\nstratum 8\ncontrol none\n' "$port" >"$work/$name.conf"
	printf '%b' "${TSYNCD_EXTRA:-}" >>"$work/$name.conf"
	run_bg "$var" ${cpu:+taskset -c "$cpu"} "$bin" -n -f "$work/$name.conf" 2>"$work/$name.log"
	wait_answering "$port"
}

# start_reflector VAR PORT [CPU]: tools/reflector on 127.0.0.1:PORT.
start_reflector() {
	local var=$1 port=$2 cpu=${3:-}
	run_bg "$var" ${cpu:+taskset -c "$cpu"} "$REFLECTOR" 127.0.0.1 "$port"
	wait_answering "$port"
}

# start_chronyd VAR NAME PORT [CPU [EXTRA_CONFIG]]: chronyd -x in the
# foreground with folders of its own; no ratelimit directive, so no rate
# limit; no command port or socket, so it cannot clash with another.
start_chronyd() {
	local var=$1 name=$2 port=$3 cpu=${4:-} extra=${5:-}
	local d=$work/$name
	mkdir -p "$d"
	{
		[ "$port" = 0 ] || printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n' "$port"
		[ "$port" = 0 ] && echo "port 0"
		printf 'cmdport 0\nbindcmdaddress /\npidfile %s/chronyd.pid\ndriftfile %s/drift\n' "$d" "$d"
		printf '%b' "$extra"
	} >"$d/chrony.conf"
	run_bg "$var" ${cpu:+taskset -c "$cpu"} "$CHRONYD" -x -d -u root -f "$d/chrony.conf" 2>"$d/log" >&2
	[ "$port" = 0 ] || wait_answering "$port"
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio SERVER METRIC [BASE]: the median of SERVER/BASE (default chronyd)
# over the runs recorded in $results (lines "SERVER METRIC VALUE"), "-"
# where BASE's figure is 0 (no loss, say).
ratio() {
	local r
	r=$(awk -v s="$1" -v m="$2" -v base="${3:-chronyd}" '
		$1 == s && $2 == m { a[++na] = $3 } $1 == base && $2 == m { b[++nb] = $3 }
		END { for (i = 1; i <= na && i <= nb; i++) if (b[i] != 0) print a[i] / b[i] }' "$results" | median)
	if [ "$r" = nan ]; then echo -; else printf '%.3f' "$r"; fi
}
