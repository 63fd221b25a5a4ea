#!/bin/sh
# meson's install script for the default /etc/tsyncd.conf: install_data
# would overwrite a file the administrator has edited, so this installs it
# only where there is none yet.
# Usage (from meson): install-conf.sh SOURCE SYSCONFDIR
set -eu
src=$1
dir=${DESTDIR:-}$2
if [ -e "$dir/tsyncd.conf" ]; then
	echo "Keeping $dir/tsyncd.conf (the default is $src)" >&2
	exit 0
fi
if [ -n "${MESON_INSTALL_DRY_RUN:-}" ]; then
	echo "Would install $src to $dir/tsyncd.conf" >&2
	exit 0
fi
install -d -m 0755 "$dir"
install -m 0644 "$src" "$dir/tsyncd.conf"
echo "Installing $src to $dir/tsyncd.conf" >&2
