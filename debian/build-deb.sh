#!/bin/sh
# npm run deb: the source package, in Debian's shape, and the .deb built from
# it, in build/; prints the .deb's path last.
#
# 3.0 (quilt), made of
# - kexec-reboot_<upstream>.orig.tar.xz: the repository's files as git lists
#   them (working tree contents, so uncommitted edits are in; a new file is
#   in once it is git added), without debian/;
# - kexec-reboot_<upstream>.orig-node-modules.tar.xz: the npm modules the
#   program bundles, package-lock.json's production dependencies, copied from
#   node_modules (npm ci made it from the same lockfile), less what
#   debian/copyright's Files-Excluded-node-modules names;
# - kexec-reboot_<version>.debian.tar.xz: debian/.
# Then dpkg-buildpackage builds both from that tree, as Debian would, except
# that esbuild is node_modules' (npm's, the version the release is made
# with) rather than Debian's: test/source/run.sh builds with Debian's, in
# clean chroots without network, and compares.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)

version=$(dpkg-parsechangelog -S Version)
upstream=${version%-*}
if [ "$upstream" = "$version" ]; then
	echo "build-deb.sh: debian/changelog's version $version has no Debian revision;" \
		"3.0 (quilt) needs one (say $version-1)" >&2
	exit 1
fi
package_json=$(node -p 'require("./package.json").version')
if [ "$package_json" != "$upstream" ]; then
	echo "build-deb.sh: package.json says $package_json, debian/changelog $version" >&2
	exit 1
fi
# Every file the tarballs hold gets this date: the same sources give the same
# tarballs.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -S Timestamp)
export SOURCE_DATE_EPOCH

# --ignore-scripts: see scripts/setup.sh.
[ -x node_modules/.bin/esbuild ] || npm ci --ignore-scripts --no-audit --no-fund

mkdir -p build
printf '*\n' >build/.gitignore
work=$(mktemp -d "$repo/build/.source.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/kexec-reboot-$upstream
orig=$work/kexec-reboot_$upstream.orig.tar.xz
component=$work/kexec-reboot_$upstream.orig-node-modules.tar.xz

# tar_xz DIR OUT NAME...: a tarball of NAME... under DIR that depends only on
# their contents and modes.
tar_xz() {
	dir=$1 out=$2
	shift 2
	tar -C "$dir" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
		--owner=0 --group=0 --numeric-owner --mode=go-w --format=gnu -cf - "$@" |
		xz -6 -T1 >"$out"
}

# The upstream tarball: git's files, not deleted, outside debian/.
mkdir -p "$tree"
git ls-files --cached -z | tr '\0' '\n' | grep -v '^debian/' | while IFS= read -r f; do
	if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
done >"$work/files"
tar -cf - -T "$work/files" | tar -C "$tree" -xf -
tar_xz "$work" "$orig" "kexec-reboot-$upstream"

# The component tarball: each production package from package-lock.json, at
# the version the lockfile says, as the path it has there; a nested
# node_modules of its own is copied as its own entry.
mkdir -p "$work/node_modules"
node -e '
const lock = require("./package-lock.json");
for (const [where, entry] of Object.entries(lock.packages)) {
  if (where !== "" && !entry.dev && !entry.devOptional) console.log(where, entry.version);
}' | while read -r where want; do
	have=$(node -p "require('./$where/package.json').version" 2>/dev/null || echo none)
	if [ "$have" != "$want" ]; then
		echo "build-deb.sh: $where is $have, package-lock.json says $want: run npm ci" >&2
		exit 1
	fi
	mkdir -p "$work/$where"
	(cd "$where" && tar --exclude=./node_modules -cf - .) | tar -C "$work/$where" -xf -
done
awk '/^Files-Excluded-node-modules:/ { on = 1; next } on && /^ / { print $1; next } { on = 0 }' debian/copyright |
	while IFS= read -r pattern; do
		if [ -z "$(find "$work/node_modules" -path "$work/node_modules/$pattern" -print -delete)" ]; then
			echo "build-deb.sh: debian/copyright's Files-Excluded-node-modules: $pattern matches nothing" >&2
			exit 1
		fi
	done
tar_xz "$work" "$component" node_modules
mkdir -p "$tree/node-modules"
tar -C "$tree/node-modules" --strip-components=1 -xf "$component"

# debian/, as git lists it (a build in the repository leaves files there).
git ls-files --cached debian | while IFS= read -r f; do
	if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
done >"$work/debian-files"
tar -cf - -T "$work/debian-files" | tar -C "$tree" -xf -

# The installed program runs Debian's node (debian/rules); the bundles are
# made with npm's esbuild.
(cd "$tree" && KEXEC_REBOOT_ESBUILD="$repo/node_modules/esbuild" dpkg-buildpackage -us -uc)

for f in "$work"/kexec-reboot_*; do
	mv -f "$f" build/
done
echo "$repo/build/kexec-reboot_${version}_all.deb"
