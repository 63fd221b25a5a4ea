#!/usr/bin/env bash
# Run one libFuzzer target for a bounded time on a copy of its seeds, in a
# temporary directory (the source tree is never written), and print its
# exec count as "execs=N". Fails on any crash, leak, UBSan report or
# timeout; the input that did it is kept in $TSYNC_FUZZ_ARTIFACTS.
#   run.sh TARGET SEED_DIR [DICT]
set -euo pipefail

exe=$1 seeds=$2 dict=${3:-}
secs=${TSYNC_FUZZ_SECONDS:-${TSYNC_FUZZ_DEFAULT_SECONDS:-20}}
name=$(basename "$exe")

work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/crash"
cp "$seeds"/* "$work/corpus/"

args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/crash/")
[ -n "$dict" ] && args+=(-dict="$dict")
rc=0
"$exe" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
grep -E '^(INFO: seed corpus|#[0-9]+ *(INITED|DONE))' "$work/log" || true
echo "$name: seeds=$(ls "$seeds" | wc -l) seconds=$secs execs=${execs:-0}"
if [ "$rc" -ne 0 ] || ls "$work/crash" | grep -q .; then
	tail -n 60 "$work/log"
	if [ -n "${TSYNC_FUZZ_ARTIFACTS:-}" ]; then
		mkdir -p "$TSYNC_FUZZ_ARTIFACTS"
		for f in "$work"/crash/*; do
			[ -e "$f" ] || continue
			cp "$f" "$TSYNC_FUZZ_ARTIFACTS/$name-$(basename "$f")"
			echo "kept $TSYNC_FUZZ_ARTIFACTS/$name-$(basename "$f"):"
			od -An -tx1 -v "$f" | head -n 20
		done
	fi
	echo "$name: FAILED (exit $rc)" >&2
	exit 1
fi
