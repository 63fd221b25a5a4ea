#!/usr/bin/env bash
# Set up and run every test suite: unit, integration and interop.
#   tools/test.sh           a warnings-as-errors build in build/
#   tools/test.sh --asan    the same under AddressSanitizer and UBSan
#   tools/test.sh --fuzz    the libFuzzer targets (clang) in build-fuzz, each
#                           for a bounded time (TSYNC_FUZZ_SECONDS, default 20)
#   tools/test.sh --valgrind  the integration suite with every tsyncd and
#                           tsync under valgrind (meson test --setup valgrind)
# The interop suite binds 127.x.y.z:123 for ntpdig, so run it as root;
# under sudo the build directory goes back to the checkout's owner. A
# build directory an earlier failed setup left half-made is set up afresh
# (tools/buildlib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/buildlib.sh

dir=build
opts=(--werror)
if [ "${1:-}" = --asan ]; then
	dir=build-asan
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

if [ "${1:-}" = --fuzz ]; then
	tools/deps.sh fuzz
	# clang warns where gcc does not (a GNU extension in
	# tests/unit/test_udp.c): this build is not -Werror, gcc's are.
	CC=clang buildlib_setup build-fuzz -Dfuzz=true
	meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2
	grep -ho 'fuzz_[a-z_]*: seeds=.*' build-fuzz/meson-logs/testlog.txt
	exit 0
fi

tools/deps.sh test
# Under sudo, the build directory goes back to whoever owns the checkout,
# so that their next tools/demo.sh (or ninja) can still write to it.
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$(stat -c %u .)" = "$SUDO_UID" ]; then
	trap 'chown -R "$SUDO_UID:$SUDO_GID" "$dir"' EXIT
fi
buildlib_setup "$dir" "${opts[@]}"
if [ "${1:-}" = --valgrind ]; then
	meson test -C "$dir" --setup valgrind --suite integration --print-errorlogs --num-processes 2
	exit
fi
meson test -C "$dir" --print-errorlogs --num-processes 2
