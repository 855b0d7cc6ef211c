#!/bin/bash
# Prints the path of a cached Debian root tarball for the package tests,
# building it with mmdebstrap first when it is not in the cache yet.
#   rootfs.sh RELEASE INIT LOAD_KEXEC
# RELEASE: bookworm or trixie; INIT: systemd or sysvinit; LOAD_KEXEC: the
# debconf answer kexec-tools gets (true/false; trixie's kexec-tools asks none).
# kexec-tools' .deb is kept in /root/debs, for the test to reinstall it, and
# so is molly-guard's (downloaded, not installed), for the coexistence cases.
# The cache key is every input that shapes the tree, so a changed list
# builds a new tarball instead of reusing a stale one.
set -euo pipefail

release=$1 init=$2 load_kexec=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KEXEC_REBOOT_TEST_CACHE:-$repo/.cache/package-test}

case $init in
  systemd) init_pkgs=systemd-sysv ;;
  sysvinit) init_pkgs=sysvinit-core,orphan-sysvinit-scripts ;;
  *) echo "rootfs.sh: unknown init $init" >&2; exit 2 ;;
esac
include="kexec-tools,nodejs,$init_pkgs,debconf,procps"
preseed="kexec-tools kexec-tools/load_kexec boolean $load_kexec"
key=$(printf '%s\n' "$release" "$include" "$preseed" "v3" | sha256sum | cut -c1-16)
name=$release-$init-load_$load_kexec
tarball="$cache/$name-$key.tar"

if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  mmdebstrap --quiet --variant=apt --format=tar --include="$include" \
    --essential-hook="echo '$preseed' | chroot \"\$1\" debconf-set-selections" \
    --customize-hook='mkdir -p "$1/root/debs" && cp "$1"/var/cache/apt/archives/kexec-tools_*.deb "$1/root/debs/"' \
    --customize-hook='chroot "$1" apt-get install --download-only --yes --quiet molly-guard >&2 && cp "$1"/var/cache/apt/archives/molly-guard_*.deb "$1/root/debs/"' \
    "$release" "$tarball.tmp" >&2
  mv "$tarball.tmp" "$tarball"
  # Tarballs of this tree made from older inputs are stale now.
  find "$cache" -maxdepth 1 -name "$name-*.tar" ! -path "$tarball" -delete
fi
echo "$tarball"
