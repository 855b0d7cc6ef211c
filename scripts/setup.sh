#!/bin/sh
# Installs what building, testing and the demo need on a Debian machine,
# then the npm dependencies. Safe to run again: it installs only what is missing.
# Needs root for apt-get; without root it only checks and runs npm ci.
set -eu
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
# (esbuild: Debian's, which the package's Build-Depends name; npm run deb
# builds with node_modules' but dpkg-buildpackage checks Build-Depends.)
needs='node:nodejs npm:npm mmdebstrap:mmdebstrap qemu-system-x86_64:qemu-system-x86 mkfs.ext4:e2fsprogs
dpkg-buildpackage:dpkg-dev dh:debhelper esbuild:esbuild lintian:lintian fakeroot:fakeroot hyperfine:hyperfine
ansible-playbook:ansible-core ssh:openssh-client rsvg-convert:librsvg2-bin'

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

# promtool checks the metrics file in the unit tests. Debian ships it only in
# the prometheus package, whose install would start a Prometheus server on
# this machine: take the one program out of the package instead.
promtool=.cache/tools/promtool
if ! command -v promtool >/dev/null 2>&1 && [ ! -x "$promtool" ]; then
	echo "setup: extracting promtool from Debian's prometheus package"
	mkdir -p .cache/tools
	tmp=$(mktemp -d)
	(cd "$tmp" && { apt-get download -q prometheus 2>/dev/null || { apt-get update -q && apt-get download -q prometheus; }; } &&
		dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool)
	mv "$tmp/usr/bin/promtool" "$promtool"
	rm -rf "$tmp"
fi

# Exactly the lockfile's versions. npm ci refuses a lockfile that lacks any of
# rollup's platform packages, so package.json pins rollup (overrides) to a
# release the registry here was seen to serve for every platform.
# No dependency needs its install script: esbuild's checks its platform
# package's binary and links it over its JavaScript launcher, and the build
# finds the binary without that; skipping them all makes npm 9 (Debian 12)
# and npm 11 (which warns about them) do the same.
npm ci --ignore-scripts --no-audit --no-fund
