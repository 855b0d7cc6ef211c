#!/bin/sh
# Installs what building, testing and the demo need on a Debian machine,
# then the npm dependencies. Safe to run again: it installs only what is missing.
# Needs root for apt-get; without root it only checks and runs npm ci.
set -eu
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
needs='node:nodejs npm:npm mmdebstrap:mmdebstrap qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs
dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian fakeroot:fakeroot hyperfine:hyperfine'

missing=''
for pair in $needs; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing; run as root to install them" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Not npm ci: the registry here lacks some platform-specific optional packages
# (rollup's), which npm ci refuses as a lockfile mismatch; npm install skips them.
npm install --no-audit --no-fund
