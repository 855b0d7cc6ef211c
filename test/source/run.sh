#!/bin/bash
# npm run test:source: the source package "npm run deb" makes, built as
# Debian builds it, offline, in clean Debian 12 and 13 trees; lintian on it;
# autopkgtest of what it built. Needs root (mmdebstrap, chroot, unshare).
#
#   test/source/run.sh [RELEASE...]      (default: bookworm trixie)
#
# Once: "npm run deb" (the source package and the .deb made with npm's
# esbuild), twice, for the tarballs to be compared; the upstream tarballs'
# contents; the PE test fixtures against test/fixtures/pe/generate.mjs (see
# debian/source/lintian-overrides). Then for each release:
# 1. a build tree: mmdebstrap --variant=buildd, the .dsc's Build-Depends
#    installed from Debian by apt-get build-dep, and lintian (cached under
#    .cache/source, keyed by the release and Build-Depends);
# 2. dpkg-source -x and dpkg-buildpackage there, as an unprivileged user, in
#    a network namespace of its own (no interface but lo, checked);
# 3. its .deb against npm run deb's: the same files, links and modes, the
#    same control fields but the version-independent ones; the bundles
#    compared byte for byte, which must agree where Debian's esbuild is of
#    npm's minor version (0.25 in Debian 13 and in package-lock.json);
# 4. lintian -I --pedantic, the release's, on the .dsc and both .debs: a
#    tag --pedantic shows (E, W, P) not overridden fails; info tags are
#    listed;
# 5. autopkgtest (debian/tests) of the .deb built there, with
#    autopkgtest-virt-unshare on a tarball of the release.
# One line per check, each step timed, then "N passed, M failed". Results
# (build logs, lintian output, autopkgtest logs, the .debs) are kept in
# .cache/source/RELEASE.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KEXEC_REBOOT_SOURCE_CACHE:-$repo/.cache/source}
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(bookworm trixie)

if [ "$(id -u)" != 0 ]; then
	echo "test/source/run.sh needs root (mmdebstrap, chroot, unshare)" >&2
	exit 2
fi

# command -> Debian package that provides it
needs='mmdebstrap:mmdebstrap autopkgtest:autopkgtest newuidmap:uidmap sbsign:sbsigntool sbattach:sbsigntool
sbverify:sbsigntool openssl:openssl dpkg-buildpackage:dpkg-dev dh:debhelper esbuild:esbuild'
missing=''
for pair in $needs; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
	echo "test/source/run.sh: installing$missing"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 ||
		{ echo "test/source/run.sh: could not install$missing" >&2; exit 2; }
fi
# autopkgtest-virt-unshare maps the testbed's users to root's subordinate ids.
if ! grep -q '^root:' /etc/subuid || ! grep -q '^root:' /etc/subgid; then
	echo "test/source/run.sh: giving root subordinate ids 100000-165535 (/etc/subuid, /etc/subgid) for autopkgtest-virt-unshare"
	usermod --add-subuids 100000-165535 --add-subgids 100000-165535 root || exit 2
fi

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# check NAME COMMAND...: one line for the outcome of COMMAND; its output when it failed.
check() {
	local name=$1 check_out
	shift
	check_out=$(mktemp)
	if "$@" >"$check_out" 2>&1; then pass "$name"; else
		fail "$name"
		sed 's/^/    # /' "$check_out" | head -40
	fi
	rm -f "$check_out"
}
# timed NAME COMMAND...: COMMAND, and how long it took.
times=''
timed() {
	local name=$1 start=$SECONDS rc
	shift
	"$@"
	rc=$?
	times="$times$name: $((SECONDS - start)) s
"
	echo "# $name: $((SECONDS - start)) s"
	return $rc
}

mkdir -p "$cache"
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

version=$(cd "$repo" && dpkg-parsechangelog -S Version)
upstream=${version%-*}
build=$repo/build
dsc=$build/kexec-reboot_$version.dsc
npm_deb=$build/kexec-reboot_${version}_all.deb
sources=("$dsc" "$build/kexec-reboot_$upstream.orig.tar.xz" "$build/kexec-reboot_$upstream.orig-node-modules.tar.xz"
	"$build/kexec-reboot_$version.debian.tar.xz")

# --- npm run deb, twice: the same sources make the same tarballs.
npm_run_deb() { (cd "$repo" && npm run --silent deb) >"$work/npm-run-deb.log" 2>&1 || { tail -n 30 "$work/npm-run-deb.log"; return 1; }; }
echo "# npm run deb"
if ! timed "npm run deb" npm_run_deb; then
	fail "npm run deb"
	echo "$passed passed, $failed failed"
	exit 1
fi
pass "npm run deb: $(tail -n 1 "$work/npm-run-deb.log")"
(cd "$build" && sha256sum "${sources[@]##*/}") >"$work/first.sha256"
timed "npm run deb again" npm_run_deb
check "the same tarballs from the same sources" bash -c "cd '$build' && sha256sum -c --quiet '$work/first.sha256'"

# --- what the source package holds
check "3.0 (quilt), with the node-modules component" bash -c \
	"grep -qx 'Format: 3.0 (quilt)' '$dsc' && grep -q ' kexec-reboot_$upstream.orig-node-modules.tar.xz\$' '$dsc'"
check "the upstream tarball: no dist/, node_modules/, debian/ or build/" bash -c \
	"! tar -tJf '${sources[1]}' | grep -E '^kexec-reboot-$upstream/(dist|node_modules|debian|build)/'"
check "the upstream tarball: every file git lists outside debian/" bash -c \
	"diff <(cd '$repo' && git ls-files | grep -v '^debian/' | sort) <(tar -tJf '${sources[1]}' | sed 's|^kexec-reboot-$upstream/||' | grep -v '/\$' | grep . | sort)"
# name version of each package under node_modules/ in DIR, by its path there.
packages_in() {
	(cd "$1" && node -e '
		const fs = require("fs"), path = require("path");
		const walk = (dir) => {
			for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
				const p = path.join(dir, e.name);
				if (!e.isDirectory()) continue;
				const manifest = path.join(p, "package.json");
				if (fs.existsSync(manifest)) {
					const { name, version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
					if (name && p.endsWith("node_modules/" + name)) console.log(p, version);
				}
				walk(p);
			}
		};
		walk("node_modules");')
}
lock_packages() {
	(cd "$repo" && node -e '
		const lock = require("./package-lock.json");
		for (const [where, e] of Object.entries(lock.packages)) if (where && !e.dev && !e.devOptional) console.log(where, e.version);')
}
mkdir -p "$work/nm" && tar -C "$work/nm" -xJf "${sources[2]}"
check "the component: package-lock.json's production packages, at its versions" \
	diff <(lock_packages | sort) <(packages_in "$work/nm" | sort)
check "the component: no minified files or source maps" bash -c \
	"! tar -tJf '${sources[2]}' | grep -E '\\.min\\.[cm]?js\$|\\.map\$'"

# --- the PE fixtures are what generate.mjs makes (debian/source/lintian-overrides)
pe_fixtures() {
	local pe=$repo/test/fixtures/pe gen=$work/pe
	mkdir -p "$gen" && cp "$pe/generate.mjs" "$gen/" && node "$gen/generate.mjs" >/dev/null 2>&1 || { echo "generate.mjs failed"; return 1; }
	cmp "$gen/tiny.efi" "$pe/tiny.efi" && cmp "$gen/tiny-stripped.efi" "$pe/tiny-stripped.efi" || return
	cp "$pe/tiny-signed.efi" "$gen/signed.efi" && sbattach --remove "$gen/signed.efi" && cmp "$gen/signed.efi" "$pe/tiny-stripped.efi" || return
	sbverify --list "$pe/tiny-signed.efi" 2>/dev/null | grep -q 'issuer: */CN=kexec-reboot test signer/O=kexec-reboot tests'
}
check "PE fixtures: generate.mjs makes tiny.efi and tiny-stripped.efi as shipped; tiny-signed.efi is the test signer's signature on them" pe_fixtures

npm_esbuild=$(node -p "require('$repo/node_modules/esbuild/package.json').version")
build_depends=$(awk '/^Build-Depends:/ { sub(/^Build-Depends: */, ""); printf "%s", $0; on = 1; next }
	on && /^ / { printf "%s", $0; next } { on = 0 }' "$dsc")

# in_tree DIR [--net] COMMAND...: COMMAND in the tree DIR, with its own /proc
# and the host's /dev, in a network namespace of its own unless --net.
in_tree() {
	local dir=$1 net=--net
	shift
	if [ "$1" = --net ]; then net=; shift; fi
	unshare $net --mount --pid --fork --mount-proc="$dir/proc" \
		bash -c 'mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' "$dir" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LANG=C.UTF-8 "$@"
}

# build_tree RELEASE: the cached build tree's tarball in $tarball, made first
# if missing.
build_tree() {
	local release=$1 key
	key=$(printf '%s\n' "$release" "$build_depends" lintian v1 | sha256sum | cut -c1-16)
	tarball=$cache/build-$release-$key.tar
	if [ ! -s "$tarball" ]; then
		mmdebstrap --quiet --variant=buildd --format=tar --include=lintian \
			--customize-hook="copy-in $dsc /tmp" \
			--customize-hook="chroot \"\$1\" apt-get build-dep --yes --quiet /tmp/${dsc##*/} >&2" \
			--customize-hook="rm \"\$1/tmp/${dsc##*/}\"" \
			"$release" "$tarball.tmp" >"$cache/build-$release.log" 2>&1 ||
			{ tail -n 20 "$cache/build-$release.log"; return 1; }
		mv "$tarball.tmp" "$tarball"
		find "$cache" -maxdepth 1 -name "build-$release-*.tar" ! -path "$tarball" -delete
	fi
}

# testbed RELEASE: the cached autopkgtest testbed tarball in $testbed_tar,
# made first if missing.
testbed() {
	testbed_tar=$cache/testbed-$1-v1.tar
	if [ ! -s "$testbed_tar" ]; then
		mmdebstrap --quiet --variant=apt --format=tar "$1" "$testbed_tar.tmp" >"$cache/testbed-$1.log" 2>&1 ||
			{ tail -n 20 "$cache/testbed-$1.log"; return 1; }
		mv "$testbed_tar.tmp" "$testbed_tar"
	fi
}

# deb_files DEB: each path with its type and mode, and a link's target.
deb_files() { dpkg-deb -c "$1" | awk '{ print $1, $6, $7, $8 }'; }
# npm_esbuild_at VERSION: npm's esbuild of VERSION, in $cache/esbuild-VERSION.
npm_esbuild_at() {
	[ -e "$cache/esbuild-$1/node_modules/esbuild/package.json" ] ||
		npm install --prefix "$cache/esbuild-$1" --no-save --ignore-scripts --no-audit --no-fund "esbuild@$1" >/dev/null
}
# deb_control DEB: the control fields that do not change with the build.
deb_control() { dpkg-deb -f "$1" | grep -v '^Installed-Size:'; }

run_release() {
	local release=$1 out=$cache/$1 tarball tree deb testbed_tar debian_esbuild
	rm -rf "$out" && mkdir -p "$out"
	echo "# $release"
	timed "$release: build tree" build_tree "$release" || { fail "$release: build tree"; return; }
	tree=$work/$release
	mkdir -p "$tree" && tar -C "$tree" -xf "$tarball" || { fail "$release: unpack the build tree"; return; }
	mkdir -p "$tree/build" && cp "${sources[@]}" "$tree/build/" && chown -R 65534:65534 "$tree/build"
	debian_esbuild=$(chroot "$tree" dpkg-query -W -f '${Version}' esbuild)
	echo "# $release: Build-Depends from Debian: $(chroot "$tree" dpkg-query -W -f '${Package} ${Version}, ' debhelper esbuild nodejs)"

	# No network: lo is the namespace's only interface (and down); the
	# host's, seen from the same tree without --net, has more.
	interfaces() { in_tree "$tree" "$@" awk 'NR > 2 { sub(/:$/, "", $1); printf "%s ", $1 }' /proc/net/dev; }
	check "$release: the build's network namespace has lo only: $(interfaces)" test "$(interfaces)" = "lo "
	check "$release: (the tree with the host's network sees more: $(interfaces --net))" test "$(interfaces --net)" != "lo "
	offline_build() {
		in_tree "$tree" setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
			"cd /build && dpkg-source -x ${dsc##*/} src && cd src && dpkg-buildpackage -us -uc -b" >"$out/build.log" 2>&1
	}
	if timed "$release: offline dpkg-buildpackage" offline_build; then
		pass "$release: dpkg-source -x, dpkg-buildpackage -b, offline, as an unprivileged user"
	else
		fail "$release: dpkg-buildpackage, offline (log: $out/build.log)"
		tail -n 30 "$out/build.log" | sed 's/^/    # /'
		return
	fi
	deb=$out/kexec-reboot_${version}_all.deb
	cp "$tree/build/kexec-reboot_${version}_all.deb" "$deb"
	check "$release: the build ran its test (the bundle starts without node:child_process)" \
		grep -qF "! grep '^NativeModule child_process\$' debian/loaded-modules" "$out/build.log"
	check "$release: the bundle requires node:child_process only in commander's lazy getter" bash -c "
		dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/lib/kexec-reboot/kexec-reboot.cjs >'$work/$release.cjs' &&
		[ \"\$(grep -c 'node:child_process' '$work/$release.cjs')\" = 1 ] &&
		grep -q 'get: () => require(\"node:child_process\").spawn' '$work/$release.cjs'"

	# --- the .deb against npm run deb's
	check "$release: the same files as npm run deb's .deb" diff <(deb_files "$npm_deb") <(deb_files "$deb")
	check "$release: the same control fields" diff <(deb_control "$npm_deb") <(deb_control "$deb")

	# The bundles: npm run deb's are made with npm's esbuild. Where Debian's
	# is another version, the source package is bundled once more, here,
	# with npm's esbuild of Debian's version: the same bytes as this build's
	# say that the version is the whole difference.
	local f diffs=0 at=${debian_esbuild%%[-+]*} ref
	mkdir -p "$work/$release-npm" "$work/$release-debian"
	dpkg-deb -x "$npm_deb" "$work/$release-npm" && dpkg-deb -x "$deb" "$work/$release-debian"
	: >"$out/bundles.diff"
	for f in kexec-reboot.cjs lib/bootloader.cjs lib/run-program.cjs; do
		if ! diff -u "$work/$release-npm/usr/lib/kexec-reboot/$f" "$work/$release-debian/usr/lib/kexec-reboot/$f" >"$work/diff"; then
			echo "# $release: $f differs from npm run deb's: $(grep -c '^-[^-]' "$work/diff") lines there, $(grep -c '^+[^+]' "$work/diff") here (esbuild $npm_esbuild there, $at here; $out/bundles.diff)"
			cat "$work/diff" >>"$out/bundles.diff"
			diffs=$((diffs + 1))
		fi
	done
	if [ "$at" = "$npm_esbuild" ]; then
		check "$release: esbuild $at on both sides: the bundles byte for byte npm run deb's" test "$diffs" = 0
	else
		[ "$diffs" != 0 ] || echo "# $release: the bundles byte for byte npm run deb's"
		ref=$work/$release-ref
		bundle_with_npm_esbuild() {
			npm_esbuild_at "$at" &&
				dpkg-source -x "$dsc" "$ref" >/dev/null &&
				(cd "$ref" && cp -a node-modules node_modules &&
					KEXEC_REBOOT_ESBUILD="$cache/esbuild-$at/node_modules/esbuild" KEXEC_REBOOT_NODE=/usr/bin/node node scripts/build.mjs) || return
			for f in kexec-reboot.cjs lib/bootloader.cjs lib/run-program.cjs; do
				cmp "$ref/dist/$f" "$work/$release-debian/usr/lib/kexec-reboot/$f" || return
			done
		}
		check "$release: the source package bundled with npm's esbuild $at: byte for byte this build's bundles" bundle_with_npm_esbuild
	fi

	# --- lintian, the release's own
	mkdir -p "$tree/build/npm" && cp "$npm_deb" "$tree/build/npm/"
	# lint FILE NAME: lintian -I --pedantic: a tag shown by --pedantic (E, W,
	# P, X) and not overridden fails; info tags (I) are listed. N: and O:
	# lines are the overrides and their reasons. (Not --fail-on: Debian 12's
	# lintian counts overridden tags there once --show-overrides shows them.)
	lint() {
		in_tree "$tree" setpriv --reuid=65534 --regid=65534 --clear-groups \
			lintian -I --pedantic --show-overrides "/build/$1" >"$out/lintian-$2.txt" 2>&1
		local rc=$?
		grep -v '^N: ' "$out/lintian-$2.txt"
		[ "$rc" = 0 ] && ! grep -qE '^[EWPX]: ' "$out/lintian-$2.txt"
	}
	# The info tags, which --pedantic alone does not show.
	info_tags() { grep -h '^I: ' "$out/lintian-$1.txt" | sed "s/^/# $release: lintian ($1): /"; }
	local lintian_version
	lintian_version=$(chroot "$tree" dpkg-query -W -f '${Version}' lintian)
	timed "$release: lintian" check "$release: lintian $lintian_version -I --pedantic: the .dsc" lint "kexec-reboot_$version.dsc" dsc
	check "$release: lintian $lintian_version -I --pedantic: the .deb built here" lint "kexec-reboot_${version}_all.deb" deb
	check "$release: lintian $lintian_version -I --pedantic: npm run deb's .deb" lint "npm/kexec-reboot_${version}_all.deb" npm-deb
	info_tags dsc; info_tags deb; info_tags npm-deb
	rm -rf "$tree"

	# --- autopkgtest of the .deb built here
	timed "$release: testbed" testbed "$release" || { fail "$release: testbed"; return; }
	run_autopkgtest() {
		autopkgtest --output-dir "$out/autopkgtest" --setup-commands 'apt-get update -q' \
			"$deb" "$dsc" -- unshare --release "$release" --tarball "$testbed_tar" >"$out/autopkgtest.log" 2>&1
	}
	timed "$release: autopkgtest" run_autopkgtest
	local rc=$? name result
	if [ ! -s "$out/autopkgtest/summary" ]; then
		fail "$release: autopkgtest ran (exit status $rc, log: $out/autopkgtest.log)"
		tail -n 20 "$out/autopkgtest.log" | sed 's/^/    # /'
		return
	fi
	while read -r name result _; do
		if [ "$result" = PASS ]; then pass "$release: autopkgtest $name"; else
			fail "$release: autopkgtest $name: $result"
			grep -h '^not ok' "$out/autopkgtest/$name-stdout" 2>/dev/null | sed 's/^/    # /'
		fi
	done <"$out/autopkgtest/summary"
	check "$release: autopkgtest exit status 0" test "$rc" = 0
}

for release in "${releases[@]}"; do
	run_release "$release"
done

echo "# times"
printf '%s' "$times" | sed 's/^/#   /'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
