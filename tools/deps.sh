#!/usr/bin/env bash
# Install what tsync needs from Debian: `deps.sh build` for building and
# the demo, `deps.sh test` adds the test tools and the third-party NTP
# software of the interop suite, `deps.sh fuzz` clang for tests/fuzz. Those daemons must never run as services
# here, so they are installed with service starts refused.
set -euo pipefail

build_pkgs=(gcc libc6-dev meson ninja-build pkg-config libuv1-dev nettle-dev libseccomp-dev)
# util-linux (taskset) and iproute2 (ss) for tools/bench.sh and tools/precision.sh.
# libbsd0, libcap2 and libssl3: what ntpsec's ntpd needs, which tests/interop/test_ntpd_orphan.py
# fetches with `apt-get download ntpsec` and runs unpacked (it conflicts with chrony); util-linux
# gives it setpriv.
test_pkgs=(check python3 chrony ntpsec-ntpdig mandoc valgrind iproute2 procps util-linux systemd
	libbsd0 libcap2 libssl3)
# clang and its runtimes (libFuzzer, ASan, UBSan) for the fuzz targets.
fuzz_pkgs=(clang libclang-rt-14-dev)

case "${1:-build}" in
build) pkgs=("${build_pkgs[@]}") ;;
test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
fuzz) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)

# policy-rc.d exit 101 tells invoke-rc.d not to start what is installed.
policy=/usr/sbin/policy-rc.d
made_policy=false
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
	made_policy=true
fi
trap '$made_policy && "${sudo[@]}" rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Where systemd runs, keep chrony from starting at the next boot too.
if [[ " ${missing[*]} " == *" chrony "* ]] && [ -d /run/systemd/system ]; then
	"${sudo[@]}" systemctl disable --now chrony.service >/dev/null 2>&1 || true
fi
