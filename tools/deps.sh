#!/usr/bin/env bash
# Install what tsync needs from Debian: `deps.sh build` for building and
# the demo (check too, since `meson setup build` builds the tests by
# default), `deps.sh test` adds the test tools and the third-party NTP
# software of the interop suite, `deps.sh fuzz` clang for tests/fuzz,
# `deps.sh deb` what debian/control's Build-Depends name, `deps.sh ci` the
# fresh-root step's tools (tools/fresh-root.sh) and lintian. Those daemons
# must never run as services here, so they are installed with service
# starts refused.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(gcc libc6-dev meson ninja-build pkg-config libuv1-dev nettle-dev libseccomp-dev check
	libgnutls28-dev)
# gnuplot (without X) draws the demos' plots (tools/berkeley-demo.sh --keep).
build_pkgs+=(gnuplot-nox)
# util-linux (taskset) and iproute2 (ss) for tools/bench.sh and tools/precision.sh.
# libbsd0, libcap2 and libssl3: what ntpsec's ntpd needs, which tests/interop/test_ntpd_orphan.py
# fetches with `apt-get download ntpsec` and runs unpacked (it conflicts with chrony); util-linux
# gives it setpriv.
test_pkgs=(check python3 chrony ntpsec-ntpdig mandoc valgrind iproute2 procps util-linux systemd
	libbsd0 libcap2 libssl3)
# python3-jsonschema: tests/integration/test_json_schema.py checks every --json
# output against doc/tsync.schema.json.
test_pkgs+=(python3-jsonschema)
# clang and its runtimes (libFuzzer, ASan, UBSan) for the fuzz targets.
fuzz_pkgs=(clang libclang-rt-14-dev)
# dpkg-buildpackage; the Build-Depends themselves come from debian/control.
deb_pkgs=(dpkg-dev)
# A Debian 12 root for tools/fresh-root.sh (which builds the package
# there), and the package's checker.
ci_pkgs=(mmdebstrap git lintian)
# gnutls-bin: certtool, which the NTS interop tests make their certificates with.
test_pkgs+=(gnutls-bin)
# mount (not essential: a minimal Debian lacks it) for the tests that
# hide a directory under a tmpfs in a mount namespace of their own.
test_pkgs+=(mount)
# curl and prometheus's promtool for tests/integration/test_metrics.py.
# prometheus is a service: installed with its start refused (policy-rc.d
# below), and disabled where systemd runs; the tests run promtool only.
test_pkgs+=(curl prometheus)

case "${1:-build}" in
build) pkgs=("${build_pkgs[@]}") ;;
test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
fuzz) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
deb) pkgs=("${deb_pkgs[@]}") ;;
ci) pkgs=("${ci_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|fuzz|deb|ci]" >&2; exit 2 ;;
esac
mode=${1:-build}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# deb: debian/control's Build-Depends, when dpkg-checkbuilddeps finds one unmet.
if [ "$mode" = deb ]; then
	if ! command -v dpkg-checkbuilddeps >/dev/null || ! dpkg-checkbuilddeps 2>/dev/null; then
		build_dep=true
	fi
fi
[ ${#missing[@]} -eq 0 ] && [ -z "${build_dep:-}" ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "$0: these packages are missing: ${missing[*]:-the Build-Depends of debian/control}" >&2
		echo "$0: install them as root (apt-get install), or install sudo" >&2
		exit 1
	fi
	sudo=(sudo)
fi

# policy-rc.d exit 101 tells invoke-rc.d not to start what is installed.
policy=/usr/sbin/policy-rc.d
made_policy=false
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
	made_policy=true
fi
trap '$made_policy && "${sudo[@]}" rm -f "$policy"' EXIT

# (sudo would drop DEBIAN_FRONTEND from the environment: env passes it.)
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q)
"${apt[@]}" update
if [ ${#missing[@]} -gt 0 ]; then
	"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
fi
if [ -n "${build_dep:-}" ]; then
	"${apt[@]}" build-dep -y --no-install-recommends ./
fi

# Where systemd runs, keep chrony from starting at the next boot too.
for svc in chrony prometheus; do
	if [[ " ${missing[*]} " == *" $svc "* ]] && [ -d /run/systemd/system ]; then
		"${sudo[@]}" systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
	fi
done
