#!/usr/bin/env bash
# tsyncd against chronyd under load, side by side on loopback: each server
# pinned to CPU 0, tools/loadgen to CPU 1, runs alternating (A B A B ...).
# Prints medians and the ratio tsyncd/chronyd. See BENCHMARKS.md.
set -euo pipefail

usage() {
	cat <<EOF
usage: tools/bench.sh [-n RUNS] [-d SECONDS] [-r RATE] [-w WINDOW] [-s SOCKETS] [-B TSYNCD] [-R] [-L] [-M]
  -n RUNS     runs per server and mode (default 5)
  -d SECONDS  length of each run (default 4)
  -r RATE     requests/s of the fixed-rate runs (default 50000)
  -w WINDOW   requests in flight at most (default 64)
  -s SOCKETS  client sockets (default 16)
  -B TSYNCD   also bench this tsyncd binary, as "before" (e.g. a build of main)
  -R          also bench tools/reflector, a do-nothing echo: the floor; adds
              the ratios of tsyncd and chronyd to it
  -L          also bench tsyncd with allow/deny rules and the rate limiter on,
              as "limited" (ratelimit interval -19 burst 255: 2^-19 s between
              requests, generous enough never to limit loadgen's one address,
              so that the cost of the check is measured, not its drops); adds
              the ratios limited/tsyncd
  -M          also bench tsyncd with its metrics endpoint on and scraped
              with curl every second throughout, as "metrics"; adds the
              ratios metrics/tsyncd
Environment: BUILD (default build/), TSYNCD, LOADGEN, TSYNC, CHRONYD, REFLECTOR.
EOF
}

runs=5 duration=4 rate=50000 window=64 sockets=16 before= floor= limited= metrics=
while getopts "n:d:r:w:s:B:RLMh" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	d) duration=$OPTARG ;;
	r) rate=$OPTARG ;;
	w) window=$OPTARG ;;
	s) sockets=$OPTARG ;;
	B) before=$OPTARG ;;
	R) floor=1 ;;
	L) limited=1 ;;
	M) metrics=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ] || ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
	usage >&2
	exit 2
fi

. "$(dirname "$0")/benchlib.sh"
need "$TSYNCD" "$TSYNC" "$LOADGEN" "$CHRONYD" ${before:+"$before"} ${floor:+"$REFLECTOR"}
[ "$(nproc)" -ge 2 ] || { echo "bench.sh: needs 2 CPUs (server on 0, load on 1)" >&2; exit 1; }
# Check the load options once, before starting anything (loadgen exits 2).
"$LOADGEN" -d "$duration" -r "$rate" -w "$window" -s "$sockets" -h >/dev/null
results=$work/results

declare -A pid port
servers=(tsyncd chronyd)
port[tsyncd]=$(free_port)
start_tsyncd 'pid[tsyncd]' tsyncd "${port[tsyncd]}" 0
port[chronyd]=$(free_port)
start_chronyd 'pid[chronyd]' chronyd "${port[chronyd]}" 0
if [ -n "$before" ]; then
	servers+=(before)
	port[before]=$(free_port)
	TSYNCD_BIN=$before start_tsyncd 'pid[before]' before "${port[before]}" 0
fi
if [ -n "$floor" ]; then
	servers+=(reflector)
	port[reflector]=$(free_port)
	start_reflector 'pid[reflector]' "${port[reflector]}" 0
fi
if [ -n "$limited" ]; then
	servers+=(limited)
	port[limited]=$(free_port)
	TSYNCD_EXTRA='allow 127.0.0.0/8\ndeny 127.0.0.2 kod\ndeny 10.0.0.0/8\nratelimit interval -19 burst 255\n' \
		start_tsyncd 'pid[limited]' limited "${port[limited]}" 0
fi

if [ -n "$metrics" ]; then
	servers+=(metrics)
	port[metrics]=$(free_port)
	mport=$(free_port)
	TSYNCD_EXTRA="metrics 127.0.0.1 port $mport\n" \
		start_tsyncd 'pid[metrics]' metrics "${port[metrics]}" 0
	# A scraper far busier than Prometheus's default 15 s; its failures
	# are counted and reported.
	(
		fails=0
		while sleep 1; do
			curl -s -f -o /dev/null "http://127.0.0.1:$mport/metrics" || fails=$((fails + 1))
			echo "$fails" >"$work/scrape_failures"
		done
	) &
	started+=($!) # killed on exit by benchlib.sh's cleanup
fi

# load SERVER MODE [loadgen flags]: one run, its figures into $results.
load() {
	local s=$1 mode=$2 out
	shift 2
	out=$(taskset -c 1 "$LOADGEN" -d "$duration" -w "$window" -s "$sockets" -p "${pid[$s]}" "$@" \
		"127.0.0.1:${port[$s]}")
	echo "  $s $mode: $out" >&2
	tr ' ' '\n' <<<"$out" | sed -n "s/^\(replies_per_s\|loss_pct\|p99_us\|cpu_us_per_reply\)=/$s $mode.\1 /p" >>"$results"
}

echo "tools/bench.sh: $runs runs x ${duration} s per server and mode; servers on CPU 0, loadgen on CPU 1" >&2
# Other work on the machine shows in the load average: say what it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
	echo "run $i/$runs" >&2
	for s in "${servers[@]}"; do
		load "$s" closed
		load "$s" fixed -r "$rate"
	done
done
for s in "${servers[@]}"; do
	echo "$s rss_kb $(awk '/^VmRSS:/ { print $2 }' "/proc/${pid[$s]}/status")" >>"$results"
done

# Medians per server; the ratio is the median of the ratios of runs done
# side by side, which cancels drifts of the machine's load between runs.
summary() {
	local metric=$1 label=$2 s line
	line=$(printf '%-30s' "$label")
	for s in "${servers[@]}"; do
		line+=$(printf ' %12s' "$(awk -v s="$s" -v m="$metric" '$1 == s && $2 == m { print $3 }' "$results" | median)")
	done
	for s in "${servers[@]}"; do
		[ "$s" = chronyd ] && continue
		line+=$(printf ' %15s' "$(ratio "$s" "$metric")")
	done
	if [ -n "$floor" ]; then
		line+=$(printf ' %17s' "$(ratio tsyncd "$metric" reflector)" "$(ratio chronyd "$metric" reflector)")
	fi
	[ -z "$limited" ] || line+=$(printf ' %15s' "$(ratio limited "$metric" tsyncd)")
	[ -z "$metrics" ] || line+=$(printf ' %15s' "$(ratio metrics "$metric" tsyncd)")
	echo "$line"
}

header=$(printf '%-30s' "median of $runs runs")
for s in "${servers[@]}"; do header+=$(printf ' %12s' "$s"); done
for s in "${servers[@]}"; do [ "$s" = chronyd ] || header+=$(printf ' %15s' "$s/chronyd"); done
[ -z "$floor" ] || header+=$(printf ' %17s' tsyncd/reflector chronyd/reflector)
[ -z "$limited" ] || header+=$(printf ' %15s' limited/tsyncd)
[ -z "$metrics" ] || header+=$(printf ' %15s' metrics/tsyncd)
echo "$header"
summary closed.replies_per_s "closed loop: replies/s"
summary closed.loss_pct "closed loop: loss %"
summary closed.p99_us "closed loop: p99 latency us"
summary closed.cpu_us_per_reply "closed loop: server CPU us/reply"
summary fixed.cpu_us_per_reply "$rate/s: server CPU us/reply"
summary fixed.loss_pct "$rate/s: loss %"
summary fixed.p99_us "$rate/s: p99 latency us"
summary rss_kb "RSS kB after the runs"
[ -z "$metrics" ] || echo "metrics: scrapes failed: $(cat "$work/scrape_failures" 2>/dev/null || echo 0)"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (the benchmark itself adds 2)"
