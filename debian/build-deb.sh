#!/bin/sh
# npm run deb: bundle the programs, build the source package and the .deb,
# put them in build/.
# esbuild is not in Debian, so dist/ is made here with node_modules
# (installed with npm ci when missing) before dpkg-buildpackage, whose
# debian/rules only packages it.
set -eu
cd "$(dirname "$0")/.."

# --ignore-scripts: see scripts/setup.sh.
[ -x node_modules/.bin/esbuild ] || npm ci --ignore-scripts --no-audit --no-fund
# The installed program runs Debian's node, whatever PATH holds.
KEXEC_REBOOT_NODE=/usr/bin/node npm run build

# Source and binary: the source package (native, with the bundles in dist/)
# is what a Debian build from source starts from.
dpkg-buildpackage -us -uc

# dpkg-buildpackage writes to the parent directory; move this build's
# files to build/.
version=$(dpkg-parsechangelog -S Version)
mkdir -p build
printf '*\n' >build/.gitignore
for f in ../kexec-reboot_"$version"[._]*; do
	mv -f "$f" build/
done
echo "$(pwd)/build/kexec-reboot_${version}_all.deb"
