#!/usr/bin/env bash
# Berkeley at scale on loopback: one tsyncd master (HMAC-SHA-256, 1 s
# rounds, clock sim) against tools/brkbench's slaves (tsyncd's own
# Berkeley role, N on one loop, a sim clock each), for several group
# sizes. Prints a table; kills what it started. See BENCHMARKS.md.
set -euo pipefail

usage() {
	cat <<EOF
usage: tools/brkbench.sh [-n "SIZES"] [-r ROUNDS] [-w WARMUP] [-i SECONDS] [-S SECONDS] [-o MS] [-d PPM] [-v]
  -n SIZES    group sizes, slaves (default "50 200 400"; at most 512)
  -r ROUNDS   rounds measured per size (default 20)
  -w WARMUP   rounds before those (default 3)
  -i SECONDS  the master's round interval (default 1)
  -S SECONDS  berkeley step: the most of a correction slewed (at maxslew), the rest stepped (default 0.001)
  -o MS       the slaves' initial offsets, uniform in +-MS (default 100)
  -d PPM      their drifts, uniform in +-PPM (default 50)
  -v          brkbench's line per round, on stderr
Environment: BUILD (default build/), TSYNCD, TSYNC, BRKBENCH.
EOF
}

sizes="50 200 400" rounds=20 warmup=3 interval=1 step=0.001 offset=100 drift=50 verbose=
while getopts "n:r:w:i:S:o:d:vh" opt; do
	case $opt in
	n) sizes=$OPTARG ;;
	r) rounds=$OPTARG ;;
	w) warmup=$OPTARG ;;
	i) interval=$OPTARG ;;
	S) step=$OPTARG ;;
	o) offset=$OPTARG ;;
	d) drift=$OPTARG ;;
	v) verbose=-v ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ] || ! [[ "$sizes" =~ ^[0-9\ ]+$ && $rounds =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ ]]; then
	usage >&2
	exit 2
fi

. "$(dirname "$0")/benchlib.sh"
BRKBENCH=${BRKBENCH:-$BUILD/tools/brkbench}
need "$TSYNCD" "$TSYNC" "$BRKBENCH"

# brkbench raises its own descriptor limit (two sockets a slave) as far
# as the hard limit allows, and says so if that is not enough.
# The master on CPU 0 and the slaves on CPU 1, as bench.sh does.
pin_master= pin_slaves=
if [ "$(nproc)" -ge 2 ]; then
	pin_master="taskset -c 0" pin_slaves="taskset -c 1"
fi

umask 077
printf '1 hmac-sha256 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$work/keys"
group="239.255.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"

# group_conf ROLE: the lines master and slaves share.
group_conf() {
	printf 'keyfile %s\nberkeley %s\nberkeley group %s port %s interface lo\n' \
		"$work/keys" "$1" "$group" "$port"
	printf 'berkeley interval %s\nberkeley step %s\nberkeley key 1\n' "$interval" "$step"
}

# wait_log FILE PATTERN: until the file has a line matching.
wait_log() {
	for _ in $(seq 200); do
		grep -q "$2" "$1" && return
		kill -0 "$mpid" 2>/dev/null || break
		sleep 0.05
	done
	echo "brkbench.sh: no '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}

# stat_of LINE KEY: a key=value of a stats line.
stat_of() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# One group size: the master, the bench, the master's view and counters.
run_size() {
	local n=$1 d=$work/n$1 out members stats rss0
	mkdir -p "$d"
	port=$(free_port)
	{
		printf 'listen 127.0.0.1 port 0\ncontrol %s/ctl.sock\nclock sim offset 0.005 drift 0\n' "$d"
		group_conf master
	} >"$d/master.conf"
	{
		printf 'clock sim\n'
		group_conf slave
	} >"$d/slave.conf"
	run_bg mpid $pin_master "$TSYNCD" -n -f "$d/master.conf" 2>"$d/master.log"
	wait_log "$d/master.log" "tsyncd: serving"
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$mpid/status")
	echo "brkbench.sh: $n slaves, $warmup + $rounds rounds of ${interval} s" >&2
	out=$($pin_slaves "$BRKBENCH" -c "$d/slave.conf" -p "$mpid" -l "$d/master.log" -n "$n" \
		-r "$rounds" -w "$warmup" -o "$offset" -d "$drift" $verbose)
	echo "  $out" >&2
	# The master's own view, over the control socket: every slave a member?
	members=$("$TSYNC" berkeley --json -s "$d/ctl.sock" |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)["members"]))')
	# Its Berkeley counters, as name=value words for stat_of.
	stats=$("$TSYNC" stats --json -s "$d/ctl.sock" | python3 -c 'import json, sys
print(" ".join("%s=%d" % kv for kv in json.load(sys.stdin)["berkeley"].items()))')
	kill "$mpid"
	wait "$mpid" 2>/dev/null || true
	printf '%s rss_start_kb=%s members=%s resends=%s drop_rtt=%s drop_full=%s\n' "$out" "$rss0" \
		"$members" "$(stat_of "$stats" resends)" "$(stat_of "$stats" rtt)" \
		"$(stat_of "$stats" full)" >>"$work/results"
}

for n in $sizes; do
	run_size "$n"
done

# The table: one column a size.
kv() { # LINE KEY
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}
row() { # TITLE KEY [KEY2: shown as KEY / KEY2]
	local line v
	printf '| %s |' "$1"
	while read -r line; do
		v=$(kv "$line" "$2")
		[ $# -gt 2 ] && v="$v / $(kv "$line" "$3")"
		printf ' %s |' "$v"
	done <"$work/results"
	printf '\n'
}
printf '| slaves |'
while read -r line; do printf ' %s |' "$(kv "$line" slaves)"; done <"$work/results"
printf '\n| --- |'
while read -r _; do printf ' ---: |'; done <"$work/results"
printf '\n'
row "round, first POLL to last ACK: median / max ms" round_ms_median round_ms_max
row "of which ADJUSTs sent to last ACK: median / max ms" acks_ms_median acks_ms_max
row "rounds with every ADJUST acknowledged / measured" acked_rounds rounds
row "master CPU µs per slave per round (schedstat / stat)" master_cpu_us_per_slave_round master_stat_us_per_slave_round
row "master RSS kB: alone / with the group" rss_start_kb master_rss_kb
row "initial spread of the slaves µs" spread0_us
row "rounds to a spread < 1 ms" rounds_to_1ms
row "spread after the last round µs" spread_final_us
row "largest spread after a measured round µs" spread_max_us
row "fewest slaves adjusted in a measured round" applied_min
row "members in tsync berkeley" members
row "ADJUSTs resent / readings over maxrtt" resends drop_rtt
row "brkbench RSS kB" bench_rss_kb
