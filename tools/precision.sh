#!/usr/bin/env bash
# How close the timestamps are to the truth on loopback, where the true
# offset is 0: chronyd clients (-x, polling every 1/16 s, logging their
# measurements) of tsyncd and of another chronyd, and `tsync query` of
# both, idle and under load (tools/loadgen, closed loop, so that queries
# land inside batches). Prints median, p95 and max |offset| and median
# delay of each.
set -euo pipefail

usage() {
	cat <<EOF
usage: tools/precision.sh [-d SECONDS] [-q QUERIES]
  -d SECONDS  how long the chronyd clients measure (default 30)
  -q QUERIES  tsync query runs against each server (default 200)
Environment: BUILD (default build/), TSYNCD, TSYNC, CHRONYD.
EOF
}

duration=30 queries=200
while getopts "d:q:h" opt; do
	case $opt in
	d) duration=$OPTARG ;;
	q) queries=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ] || ! [[ $duration =~ ^[1-9][0-9]*$ && $queries =~ ^[1-9][0-9]*$ ]]; then
	usage >&2
	exit 2
fi

. "$(dirname "$0")/benchlib.sh"
need "$TSYNCD" "$TSYNC" "$LOADGEN" "$CHRONYD"

tsyncd_port=$(free_port)
start_tsyncd tsyncd_pid tsyncd "$tsyncd_port" 0
chronyd_port=$(free_port)
start_chronyd chronyd_pid chronyd "$chronyd_port" 0

# A chronyd client of each server, both at once: the same machine noise
# for both. No server port of their own (port 0).
client_conf() {
	printf 'server 127.0.0.1 port %s iburst minpoll -4 maxpoll -4\nlogdir %s\nlog measurements\n' \
		"$1" "$work/$2"
}
start_chronyd client_a client-of-tsyncd 0 "" "$(client_conf "$tsyncd_port" client-of-tsyncd)"
start_chronyd client_b client-of-chronyd 0 "" "$(client_conf "$chronyd_port" client-of-chronyd)"
echo "tools/precision.sh: chronyd clients measuring for $duration s; $queries tsync queries of each server" >&2

# Meanwhile, one-shot queries (one request each, so every sample counts).
query_samples() {
	for _ in $(seq "$queries"); do
		"$TSYNC" query -c 1 -i 0.01 -t 1 --json "127.0.0.1:$1" |
			sed -n 's/.*"offset":\([-0-9.e]*\),"delay":\([-0-9.e]*\),.*/\1 \2/p'
		sleep 0.02
	done
}
query_samples "$chronyd_port" >"$work/query-of-chronyd"
query_samples "$tsyncd_port" >"$work/query-of-tsyncd"
sleep "$duration"
kill "$client_a" "$client_b"
wait "$client_a" "$client_b" 2>/dev/null || true

# The same queries while loadgen keeps the server busy.
loaded_samples() {
	local lg
	run_bg lg taskset -c 1 "$LOADGEN" -d 3600 "127.0.0.1:$1"
	sleep 0.5
	query_samples "$1"
	kill "$lg"
	wait "$lg" 2>/dev/null || true
}
loaded_samples "$chronyd_port" >"$work/loaded-chronyd"
loaded_samples "$tsyncd_port" >"$work/loaded-tsyncd"

# Offset (field 12) and peer delay (field 13) of each measurement; the
# first four are the iburst, taken before the client settled.
measurements() {
	awk '$1 ~ /^[0-9][0-9][0-9][0-9]-/ { print $12, $13 }' "$work/$1/measurements.log" | tail -n +5
}

# stats LABEL < "offset delay" lines in seconds
stats() {
	local f=$work/samples n
	awk '{ print $1 * 1e6, ($1 < 0 ? -$1 : $1) * 1e6, $2 * 1e6 }' >"$f"
	n=$(wc -l <"$f")
	if [ "$n" -eq 0 ]; then
		printf '%-28s %8d   (no samples)\n' "$1" 0
		return
	fi
	printf '%-28s %8d %+12.2f %12.2f %12.2f %12.2f\n' "$1" "$n" \
		"$(cut -d' ' -f1 "$f" | median)" \
		"$(cut -d' ' -f2 "$f" | sort -g | sed -n "$(((95 * (n - 1)) / 100 + 1))p")" \
		"$(cut -d' ' -f2 "$f" | sort -g | tail -n 1)" \
		"$(cut -d' ' -f3 "$f" | median)"
}

printf '%-28s %8s %12s %12s %12s %12s\n' "loopback, true offset 0" samples "median us" "p95 |off| us" \
	"max |off| us" "med delay us"
measurements client-of-tsyncd | stats "chronyd client -> tsyncd"
measurements client-of-chronyd | stats "chronyd client -> chronyd"
stats "tsync query -> chronyd" <"$work/query-of-chronyd"
stats "tsync query -> tsyncd" <"$work/query-of-tsyncd"
stats "tsync query -> chronyd, load" <"$work/loaded-chronyd"
stats "tsync query -> tsyncd, load" <"$work/loaded-tsyncd"
