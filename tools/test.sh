#!/usr/bin/env bash
# Set up and run every test suite: unit, integration and interop.
#   tools/test.sh           a warnings-as-errors build in build/
#   tools/test.sh --asan    the same under AddressSanitizer and UBSan
#   tools/test.sh --valgrind  the integration suite with every tsyncd and
#                           tsync under valgrind (meson test --setup valgrind)
# The interop suite binds 127.x.y.z:123 for ntpdig, so run it as root.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
opts=(--werror)
if [ "${1:-}" = --asan ]; then
	dir=build-asan
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

tools/deps.sh test
if [ -d "$dir" ]; then
	meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
	meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir"
if [ "${1:-}" = --valgrind ]; then
	exec meson test -C "$dir" --setup valgrind --suite integration --print-errorlogs --num-processes 2
fi
meson test -C "$dir" --print-errorlogs --num-processes 2
