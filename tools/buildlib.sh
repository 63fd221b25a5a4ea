# Sourced by tools/demo.sh, tools/berkeley-demo.sh and tools/test.sh: set up
# a meson build directory, or repair one an earlier failed run left behind,
# and build it, so that README's commands work every time, showing every
# error they meet.

# Run a command; with BUILDLIB_QUIET=1 its output is kept back and shown
# (on stderr) only if it fails.
buildlib_run() {
	local log
	if [ "${BUILDLIB_QUIET:-0}" != 1 ]; then
		"$@" && return 0
		echo "$0: failed: $*" >&2
		return 1
	fi
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	cat "$log" >&2
	rm -f "$log"
	echo "$0: failed: $*" >&2
	return 1
}

# A directory that meson completed has both of these; a `meson setup` that
# stopped (a missing dependency, say) leaves neither, and neither
# `--reconfigure` nor `--wipe` accepts that.
buildlib_complete() {
	[ -f "$1/build.ninja" ] && [ -f "$1/meson-private/coredata.dat" ]
}

# buildlib_setup DIR [meson setup options]: set DIR up (again, with these
# options) and build it.
buildlib_setup() {
	local dir=$1
	shift
	if buildlib_complete "$dir"; then
		buildlib_run meson setup --reconfigure "$dir" "$@"
	else
		if [ -e "$dir" ]; then
			if [ ! -d "$dir/meson-private" ] && [ -n "$(ls -A "$dir")" ]; then
				echo "$0: $dir is in the way: it is not a meson build directory; move it away" >&2
				return 1
			fi
			echo "$0: $dir was left half-made by an earlier meson setup: setting it up afresh" >&2
			rm -rf "$dir"
		fi
		buildlib_run meson setup "$dir" "$@"
	fi
	buildlib_run ninja -C "$dir"
}
