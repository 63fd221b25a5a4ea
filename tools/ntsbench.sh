#!/usr/bin/env bash
# The cost of NTS on the server, tsyncd against chronyd side by side on
# loopback: tools/ntsbench (NTS-KE handshakes, then NTS requests, then
# plain ones) against each server in turn, servers pinned to CPU 0 and
# ntsbench to CPU 1, runs alternating. Prints medians and the ratio
# tsyncd/chronyd. See BENCHMARKS.md.
set -euo pipefail

usage() {
	cat <<EOF
usage: tools/ntsbench.sh [-n RUNS] [-d SECONDS] [-B TSYNCD]
  -n RUNS     runs per server (default 5)
  -d SECONDS  length of each of the three phases of a run (default 3)
  -B TSYNCD   also bench this tsyncd binary, as "before"
Environment: BUILD (default build/), TSYNCD, TSYNC, CHRONYD, NTSBENCH.
EOF
}

runs=5 duration=3 before=
while getopts "n:d:B:h" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	d) duration=$OPTARG ;;
	B) before=$OPTARG ;;
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
NTSBENCH=${NTSBENCH:-$BUILD/tools/ntsbench}
need "$TSYNCD" "$TSYNC" "$NTSBENCH" "$CHRONYD" ${before:+"$before"}
[ "$(nproc)" -ge 2 ] || { echo "ntsbench.sh: needs 2 CPUs (server on 0, load on 1)" >&2; exit 1; }
command -v certtool >/dev/null || { echo "ntsbench.sh: needs certtool (gnutls-bin)" >&2; exit 1; }

# A self-signed certificate for 127.0.0.1, which both servers serve and
# ntsbench trusts.
cert=$work/cert.pem key=$work/key.pem
printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\nexpiration_days = 2\ntls_www_server\nsigning_key\n' >"$work/cert.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$key" 2>/dev/null
certtool --generate-self-signed --load-privkey "$key" --template "$work/cert.tmpl" --outfile "$cert" 2>/dev/null
results=$work/results

declare -A pid port keport
servers=(tsyncd chronyd)
start_nts_tsyncd() {
	local name=$1 bin=$2
	port[$name]=$(free_port)
	keport[$name]=$(free_port)
	mkdir -p "$work/$name.d"
	TSYNCD_BIN=$bin TSYNCD_EXTRA="ntsservercert $cert\nntsserverkey $key\nntsport ${keport[$name]}\nntsdumpdir $work/$name.d\n" \
		start_tsyncd "pid[$name]" "$name" "${port[$name]}" 0
}
start_nts_tsyncd tsyncd "$TSYNCD"
port[chronyd]=$(free_port)
keport[chronyd]=$(free_port)
mkdir -p "$work/chronyd.nts"
# ntsprocesses 0: chronyd's NTS-KE in its main process, whose CPU is the
# one measured (by default it forks a helper for it).
start_chronyd 'pid[chronyd]' chronyd "${port[chronyd]}" 0 \
	"ntsservercert $cert\nntsserverkey $key\nntsport ${keport[chronyd]}\nntsdumpdir $work/chronyd.nts\nntsprocesses 0\n"
if [ -n "$before" ]; then
	servers+=(before)
	start_nts_tsyncd before "$before"
fi

# One run of ntsbench against SERVER: its figures into $results.
bench() {
	local s=$1 out
	out=$(taskset -c 1 "$NTSBENCH" 127.0.0.1 "${keport[$s]}" "$cert" "${pid[$s]}" "$duration")
	echo "$out" | sed "s/^/  $s: /" >&2
	awk -v s="$s" '
		/^nts-ke:/ { sub("/s,", "", $7); print s, "ke_per_s", $7; print s, "ke_cpu_us", $10 }
		/^nts ntp:/ { sub("/s,", "", $11); print s, "nts_per_s", $11; print s, "nts_cpu_us", $14 }
		/^plain ntp:/ { print s, "plain_cpu_us", $14 }' <<<"$out" >>"$results"
}

echo "tools/ntsbench.sh: $runs runs x 3 x ${duration} s per server; servers on CPU 0, ntsbench on CPU 1" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
	echo "run $i/$runs" >&2
	for s in "${servers[@]}"; do
		bench "$s"
	done
done

summary() {
	local metric=$1 label=$2 s line
	line=$(printf '%-34s' "$label")
	for s in "${servers[@]}"; do
		line+=$(printf ' %12s' "$(awk -v s="$s" -v m="$metric" '$1 == s && $2 == m { print $3 }' "$results" | median)")
	done
	for s in "${servers[@]}"; do
		[ "$s" = chronyd ] || line+=$(printf ' %15s' "$(ratio "$s" "$metric")")
	done
	[ -z "$before" ] || line+=$(printf ' %15s' "$(ratio tsyncd "$metric" before)")
	echo "$line"
}

header=$(printf '%-34s' "median of $runs runs")
for s in "${servers[@]}"; do header+=$(printf ' %12s' "$s"); done
for s in "${servers[@]}"; do [ "$s" = chronyd ] || header+=$(printf ' %15s' "$s/chronyd"); done
[ -z "$before" ] || header+=$(printf ' %15s' tsyncd/before)
echo "$header"
summary ke_per_s "NTS-KE handshakes/s"
summary ke_cpu_us "NTS-KE server CPU us/handshake"
summary nts_per_s "NTS requests/s"
summary nts_cpu_us "NTS server CPU us/reply"
summary plain_cpu_us "plain server CPU us/reply"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (the benchmark itself adds 1 to 2)"
