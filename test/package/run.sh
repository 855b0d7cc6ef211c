#!/bin/bash
# Install, remove and purge the kexec-reboot .deb in throwaway Debian 12 and
# 13 root trees and check what each step leaves. Needs root (mmdebstrap,
# chroot, unshare). Prints one line per check and "N passed, M failed".
#
#   test/package/run.sh [CASE...]      (default: every case below)
#
# The .deb is build/kexec-reboot_<version>_all.deb, made with "npm run deb"
# when it is missing, older than a file it is made from, or
# KEXEC_REBOOT_TEST_BUILD=1; KEXEC_REBOOT_TEST_DEB=FILE tests FILE instead
# (an older release, say, to see a check fail). Root trees are cached
# as tarballs under .cache/package-test (see rootfs.sh).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# CASE: release init debconf-LOAD_KEXEC what-to-do-with-/etc/default/kexec
#       flow [locale for dpkg -r]
# flow: lifecycle (install, reinstall, hook, remove, purge), molly-after or
# molly-first (beside molly-guard, installed after or before us), upgrade
# (from the released 0.1.0-1), dpkg-root (dpkg --root, scripts chrootless).
declare -A cases=(
  [bookworm-systemd]="bookworm systemd true keep lifecycle"
  [bookworm-systemd-noload]="bookworm systemd false keep lifecycle"
  [bookworm-sysvinit]="bookworm sysvinit true keep lifecycle de_DE.UTF-8"
  [trixie-systemd]="trixie systemd true create lifecycle"
  [trixie-sysvinit]="trixie sysvinit true keep lifecycle"
  [bookworm-molly-after]="bookworm systemd true keep molly-after"
  [bookworm-molly-first]="bookworm systemd true keep molly-first"
  [trixie-molly-after]="trixie systemd true keep molly-after"
  [trixie-molly-first]="trixie systemd true keep molly-first"
  [bookworm-upgrade]="bookworm systemd true keep upgrade"
  [trixie-upgrade]="trixie sysvinit true keep upgrade"
  [trixie-dpkg-root]="trixie systemd true create dpkg-root"
)
order=(bookworm-systemd bookworm-systemd-noload bookworm-sysvinit trixie-systemd trixie-sysvinit
  bookworm-molly-after bookworm-molly-first trixie-molly-after trixie-molly-first
  bookworm-upgrade trixie-upgrade trixie-dpkg-root source-package)

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# check NAME COMMAND...: one line for the outcome of COMMAND; fails as it did.
check() {
  local name=$1 out=$root.check.out; shift
  if "$@" >"$out" 2>&1; then pass "$name"; else
    fail "$name"; sed 's/^/    # /' "$out" | head -20
    return 1
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "test/package/run.sh needs root (mmdebstrap, chroot, unshare)" >&2
  exit 2
fi

version=$(cd "$repo" && dpkg-parsechangelog -S Version)
deb=$repo/build/kexec-reboot_${version}_all.deb
# The version users have installed, as released, for the upgrade cases.
released_deb=$here/fixtures/kexec-reboot_0.1.0-1_all.deb
# A .deb older than any file it is built from would test yesterday's code.
newer_source() {
  (cd "$repo" && git ls-files src debian system man etc scripts package.json package-lock.json |
    while IFS= read -r f; do [ "$f" -nt "$deb" ] && { echo "$f"; break; }; done)
}
if [ -n "${KEXEC_REBOOT_TEST_DEB:-}" ]; then
  deb=$(realpath "$KEXEC_REBOOT_TEST_DEB")
elif [ ! -s "$deb" ] || [ "${KEXEC_REBOOT_TEST_BUILD:-0}" = 1 ] || [ -n "$(newer_source)" ]; then
  (cd "$repo" && npm run --silent deb) >&2 || { echo "building the .deb failed" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/kexec-reboot-package-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# in_root CMD...: run CMD in the tree, with its own /proc and the host's
# /dev in a private mount namespace that ends with the command.
in_root() {
  unshare --mount --pid --fork --mount-proc="$root/proc" \
    bash -c 'mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' "$root" \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
# What a tree holds, to compare before install and after purge: every
# path with its type and link target or content checksum, less the places
# dpkg, apt and debhelper keep their own records. One find and one batched
# sha256sum: a shell loop forking per file took 95 s for a 9,000-path tree,
# this takes about 1 s.
snapshot() {
  local skip=(\( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run -o -path ./var/lib/dpkg
    -o -path ./var/log -o -path ./var/cache -o -path ./var/lib/systemd/deb-systemd-helper-enabled
    -o -path ./var/lib/systemd/deb-systemd-helper-masked \) -prune -o)
  (cd "$root" && {
    find . -xdev "${skip[@]}" ! -type f -printf '%p %y %l\n'
    find . -xdev "${skip[@]}" -type f -print0 | xargs -0 -r sha256sum |
      sed -E 's/^(.{16})[0-9a-f]* [ *](.*)$/\2 \1/'
  } | LC_ALL=C sort)
}
ours() { in_root dpkg-divert --list | grep ' by kexec-reboot$' || :; }
no_diversions() { [ -z "$(ours)" ]; }
file_has() { grep -q -- "$2" "$root$1"; }
absent() { [ ! -e "$root$1" ] && [ ! -L "$root$1" ]; }
rc_links() { (cd "$root/etc" && ls -d rc?.d/[SK][0-9][0-9]"$1" 2>/dev/null) || :; }
same() { diff -u "$1" "$2"; }

# The case's settings and a fresh tree at $root, with the .debs in /tmp.
prepare_case() {
  local name=$1 tarball
  read -r release init load_kexec default_kexec flow remove_locale <<<"${cases[$name]}"
  echo "# $name: Debian $release, $init, kexec-tools LOAD_KEXEC=$load_kexec, /etc/default/kexec: $default_kexec, $flow"
  tarball=$("$here/rootfs.sh" "$release" "$init" "$load_kexec") || { fail "$name: build root tree"; return 1; }
  mkdir -p "$root" && tar -C "$root" -xf "$tarball" || { fail "$name: unpack root tree"; return 1; }
  cp "$deb" "$root/tmp/kexec-reboot.deb"
  cp "$released_deb" "$root/tmp/kexec-reboot-released.deb"
  if [ "$default_kexec" = create ]; then
    rm -f "$root/etc/default/kexec"
  else
    echo '# a line the admin wrote' >>"$root/etc/default/kexec"
  fi
  # Debian 12's kexec-tools ships /sbin/coldreboot, Debian 13's
  # /usr/sbin/coldreboot: one file on these merged-/usr systems.
  kt_cold=/usr/sbin/coldreboot
  [ "$release" = bookworm ] && kt_cold=/sbin/coldreboot
  had_initscripts=no
  [ -e "$root/etc/init.d/kexec-load" ] && had_initscripts=yes
  snapshot >"$work/$name.before"
}

# kexec-tools' coldreboot, where kexec-tools put it and as it shipped it.
kexec_tools_coldreboot_checks() {
  local name=$1
  check "$name: kexec-tools' coldreboot at $kt_cold" file_has "$kt_cold" NOKEXECFILE
  check "$name: no coldreboot.kexec-tools" absent /usr/sbin/coldreboot.kexec-tools
  check "$name: dpkg -V kexec-tools clean" in_root dpkg -V kexec-tools
}

# COMMAND is found on root's PATH and can be run.
resolvable() { in_root sh -c "p=\$(command -v $1) && test -x \"\$p\" && echo \"\$p\""; }

# The case's tree after purge must be as it was before install.
same_as_before() {
  local name=$1
  snapshot >"$work/$name.after"
  check "$name: tree after purge same as before install" same "$work/$name.before" "$work/$name.after"
}

# The reboot history in the tree: boot-complete records this boot, writes
# node-exporter's file where its directory is (made here, removed again
# after the package, so that purge can be compared with the tree before).
history_checks() {
  local name=$1
  mkdir -p "$root/var/lib/prometheus/node-exporter"
  check "$name: mark-boot marks this boot" bash -c \
    "in_root /usr/lib/kexec-reboot/mark-boot && ls '$root/var/lib/kexec-reboot/boots/' | grep -qx \"\$(cat /proc/sys/kernel/random/boot_id)\""
  check "$name: boot-complete" in_root kexec-reboot boot-complete
  check "$name: history lists this boot" bash -c "in_root kexec-reboot history --json | grep -q '\"ended\": \"unrecorded\"'"
  check "$name: metrics written" file_has /var/lib/prometheus/node-exporter/kexec_reboot.prom 'kexec_reboot_reboots_total{ended="unrecorded"} 1'
}

run_lifecycle() {
  local name=$1
  rc_links kexec-load >"$work/$name.rc-before"
  [ -e "$root/etc/default/kexec" ] && sha256sum <"$root/etc/default/kexec" >"$work/$name.default-before"

  # --- install
  check "$name: dpkg -i" in_root dpkg -i /tmp/kexec-reboot.deb
  check "$name: dpkg -i again (upgrade path)" in_root dpkg -i /tmp/kexec-reboot.deb
  check "$name: 2 diversions by kexec-reboot" test "$(ours | wc -l)" = 2
  for p in /etc/init.d/kexec-load /etc/init.d/kexec; do
    check "$name: $p diverted" bash -c "ours | grep -q '^diversion of $p to '"
  done
  kexec_tools_coldreboot_checks "$name"
  check "$name: coldreboot is kexec-tools' and runs" bash -c "[ \"\$(resolvable coldreboot)\" = /usr/sbin/coldreboot ] && grep -q NOKEXECFILE '$root/usr/sbin/coldreboot'"
  check "$name: kexec-reboot is ours" test -x "$root/usr/sbin/kexec-reboot"
  check "$name: /usr/sbin/kexec still there" test -x "$root/usr/sbin/kexec"
  check "$name: system-shutdown hook installed" test -x "$root/usr/lib/systemd/system-shutdown/kexec-reboot"
  check "$name: init scripts installed" test -x "$root/etc/init.d/kexec-reboot-load" -a -x "$root/etc/init.d/kexec-reboot-exec"
  check "$name: no /etc/init.d/kexec-load, no kexec-load rc links" \
    bash -c "[ ! -e '$root/etc/init.d/kexec-load' ] && [ ! -e '$root/etc/init.d/kexec' ] && [ -z \"\$(rc_links kexec-load)\$(rc_links kexec)\" ]"
  if [ "$had_initscripts" = yes ]; then
    check "$name: kexec-tools' init scripts kept in /etc/kexec-reboot/diverted" \
      file_has /etc/kexec-reboot/diverted/kexec-load 'Provides:.*kexec-load'
  fi
  if [ "$init" = systemd ]; then
    check "$name: kexec-reboot.service enabled" \
      test -L "$root/etc/systemd/system/multi-user.target.wants/kexec-reboot.service"
    check "$name: init scripts masked for systemd" bash -c \
      "[ \"\$(readlink '$root/lib/systemd/system/kexec-reboot-load.service')\" = /dev/null ] && [ \"\$(readlink '$root/lib/systemd/system/kexec-reboot-exec.service')\" = /dev/null ]"
    check "$name: systemd-analyze verify kexec-reboot.service" \
      in_root systemd-analyze verify --man=no /lib/systemd/system/kexec-reboot.service
    check "$name: kexec-reboot-boot.service enabled" \
      test -L "$root/etc/systemd/system/multi-user.target.wants/kexec-reboot-boot.service"
    check "$name: systemd-analyze verify kexec-reboot-boot.service" \
      in_root systemd-analyze verify --man=no /lib/systemd/system/kexec-reboot-boot.service
    check "$name: kexec-reboot-mark.service enabled (sysinit.target)" \
      test -L "$root/etc/systemd/system/sysinit.target.wants/kexec-reboot-mark.service"
    check "$name: systemd-analyze verify kexec-reboot-mark.service" \
      in_root systemd-analyze verify --man=no /lib/systemd/system/kexec-reboot-mark.service
    check "$name: kexec-reboot-preload.service not started at every boot (its path unit starts it)" \
      absent /etc/systemd/system/multi-user.target.wants/kexec-reboot-preload.service
  else
    check "$name: kexec-reboot-boot starts in runlevel 2" test -n "$(cd "$root/etc/rc2.d" && ls S*kexec-reboot-boot 2>/dev/null)"
    check "$name: rc6.d links for kexec-reboot-load and -exec" \
      test -n "$(rc_links kexec-reboot-load)" -a -n "$(rc_links kexec-reboot-exec)"
    check "$name: kexec-reboot-load stops before umountfs, -exec after umountroot, before reboot" \
      bash -c "cd '$root/etc/rc6.d' && l=\$(ls K*kexec-reboot-load | cut -c2-3) && e=\$(ls K*kexec-reboot-exec | cut -c2-3) &&
        f=\$(ls K*umountfs | cut -c2-3) && r=\$(ls K*umountroot | cut -c2-3) && b=\$(ls K*reboot | grep -v kexec | cut -c2-3) &&
        echo \"load=\$l umountfs=\$f umountroot=\$r exec=\$e reboot=\$b\" && [ \$l -lt \$f ] && [ \$e -gt \$r ] && [ \$e -lt \$b ]"
  fi
  if [ "$default_kexec" = create ]; then
    check "$name: /etc/default/kexec created from the template" \
      cmp "$root/etc/default/kexec" "$repo/etc/default/kexec"
  else
    check "$name: /etc/default/kexec kept as it was" \
      bash -c "sha256sum <'$root/etc/default/kexec' | diff - '$work/$name.default-before'"
  fi
  check "$name: node is the release's own ($(in_root node --version 2>&1))" \
    bash -c "case $release:\$(in_root node --version) in bookworm:v18.*|trixie:v20.*) ;; *) exit 1;; esac"
  check "$name: kexec-reboot status" in_root kexec-reboot status
  # Debian 12's kexec-tools writes its debconf answer into /etc/default/kexec;
  # Debian 13's has none, and a missing LOAD_KEXEC means true.
  local want_load=$load_kexec
  [ "$release" = trixie ] && want_load=true
  check "$name: kexec-reboot config --json reads LOAD_KEXEC=$want_load" bash -c \
    "[ \"\$(in_root kexec-reboot config --json | in_root node -e 'process.stdout.write(String(JSON.parse(require(\"fs\").readFileSync(0, \"utf8\")).values.LOAD_KEXEC.value))')\" = $want_load ]"
  # Reinstalling kexec-tools takes the upgrade path with our diversions in
  # place: its files must land at the diverted names. (Not where we made
  # /etc/default/kexec: kexec-tools' postinst edits it, so purge would
  # rightly keep it.)
  if [ "$default_kexec" = keep ]; then
    check "$name: reinstall kexec-tools while diverted" bash -c 'in_root sh -c "dpkg -i /root/debs/kexec-tools_*.deb"'
    check "$name: after that, coldreboot is still kexec-tools'" file_has "$kt_cold" NOKEXECFILE
    check "$name: after that, still no /etc/init.d/kexec-load" absent /etc/init.d/kexec-load
    if [ "$had_initscripts" = yes ]; then
      check "$name: after that, kexec-tools' conffiles at the diverted place" \
        file_has /etc/kexec-reboot/diverted/kexec-load 'Provides:.*kexec-load'
    fi
  fi
  hook_checks "$name"
  prerm_unload_checks "$name"
  history_checks "$name"

  # --- remove, on a translated system where one is asked for: dpkg-divert's
  # list is then in that language.
  if [ -n "${remove_locale:-}" ]; then
    cp -a "$root/usr/lib/locale/C.utf8" "$root/usr/lib/locale/${remove_locale%.UTF-8}.utf8"
    check "$name: dpkg-divert speaks ${remove_locale%%_*} under LC_ALL=$remove_locale" bash -c \
      "! in_root env LC_ALL=$remove_locale dpkg-divert --list | grep -q '^diversion of '"
  fi
  check "$name: dpkg -r${remove_locale:+ under LC_ALL=$remove_locale}" in_root env ${remove_locale:+LC_ALL=$remove_locale} dpkg -r kexec-reboot
  [ -n "${remove_locale:-}" ] && rm -rf "$root/usr/lib/locale/${remove_locale%.UTF-8}.utf8"
  check "$name: no diversions left" no_diversions
  kexec_tools_coldreboot_checks "$name"
  check "$name: kexec-tools' coldreboot.8.gz in place" test -s "$root/usr/share/man/man8/coldreboot.8.gz"
  if [ "$had_initscripts" = yes ]; then
    check "$name: kexec-tools' init scripts back" file_has /etc/init.d/kexec-load 'Provides:.*kexec-load'
  fi
  check "$name: kexec-load rc links as before" bash -c "rc_links kexec-load | diff '$work/$name.rc-before' -"
  check "$name: /etc/kexec-reboot gone" absent /etc/kexec-reboot
  check "$name: /run/kexec-reboot gone" absent /run/kexec-reboot
  check "$name: /usr/sbin/kexec-reboot gone" absent /usr/sbin/kexec-reboot
  check "$name: the metrics file went with the package" absent /var/lib/prometheus/node-exporter/kexec_reboot.prom
  rmdir "$root/var/lib/prometheus/node-exporter" "$root/var/lib/prometheus"

  # --- purge
  check "$name: dpkg -P" in_root dpkg -P kexec-reboot
  check "$name: dpkg forgot kexec-reboot" bash -c "! chroot '$root' dpkg-query -W kexec-reboot"
  if [ "$default_kexec" = create ]; then
    check "$name: /etc/default/kexec made by us removed" absent /etc/default/kexec
    # kexec-tools' postinst would make it again; the snapshot had none.
  else
    check "$name: /etc/default/kexec still kept" \
      bash -c "sha256sum <'$root/etc/default/kexec' | diff - '$work/$name.default-before'"
  fi
  same_as_before "$name"
}

# molly-guard guards coldreboot and reboot: each runs kexec-tools' or the
# init system's own program after molly-guard's checks.
molly_guard_checks() {
  local name=$1 cmd
  for cmd in coldreboot reboot; do
    check "$name: $cmd resolvable and executable: $(resolvable $cmd 2>&1)" resolvable $cmd
    check "$name: $cmd goes through molly-guard" bash -c \
      "in_root $cmd --molly-guard-do-nothing </dev/null 2>/dev/null | grep -q '^molly-guard: would run: '"
  done
  check "$name: behind molly-guard, coldreboot is kexec-tools'" bash -c \
    "exec=\$(in_root coldreboot --molly-guard-do-nothing </dev/null 2>/dev/null | sed -n 's/^molly-guard: would run: \([^ ]*\).*/\1/p') &&
     echo \"runs \$exec\" && grep -q NOKEXECFILE '$root'\"\$exec\""
  check "$name: no diversion by kexec-reboot of coldreboot" bash -c "! ours | grep -q coldreboot"
  check "$name: kexec-reboot status" in_root kexec-reboot status
}

install_molly_guard() { in_root sh -c 'dpkg -i /root/debs/molly-guard_*.deb'; }

run_molly() {
  local name=$1
  if [ "$flow" = molly-first ]; then
    check "$name: dpkg -i molly-guard" install_molly_guard
    check "$name: dpkg -i kexec-reboot" in_root dpkg -i /tmp/kexec-reboot.deb
  else
    check "$name: dpkg -i kexec-reboot" in_root dpkg -i /tmp/kexec-reboot.deb
    check "$name: dpkg -i molly-guard" install_molly_guard
  fi
  check "$name: both installed" bash -c \
    "[ \"\$(in_root dpkg-query -W -f '\${Status}|' kexec-reboot molly-guard)\" = 'install ok installed|install ok installed|' ]"
  molly_guard_checks "$name"
  # Purge in the order they came, so both orders of removal are run too.
  if [ "$flow" = molly-first ]; then
    check "$name: dpkg -P molly-guard" in_root dpkg -P molly-guard
    check "$name: dpkg -P kexec-reboot" in_root dpkg -P kexec-reboot
  else
    check "$name: dpkg -P kexec-reboot" in_root dpkg -P kexec-reboot
    check "$name: coldreboot still guarded" bash -c "in_root coldreboot --molly-guard-do-nothing </dev/null 2>/dev/null | grep -q 'would run'"
    check "$name: dpkg -P molly-guard" in_root dpkg -P molly-guard
  fi
  check "$name: no diversion left by anyone but the base system" bash -c \
    "! in_root dpkg-divert --list | grep -E ' by (kexec-reboot|molly-guard)$'"
  kexec_tools_coldreboot_checks "$name"
  check "$name: reboot resolvable and executable: $(resolvable reboot 2>&1)" resolvable reboot
  same_as_before "$name"
}

run_upgrade() {
  local name=$1
  # Without the old version in place, what follows would test a fresh install.
  check "$name: dpkg -i 0.1.0-1" in_root dpkg -i /tmp/kexec-reboot-released.deb || return
  check "$name: 0.1.0-1 diverted kexec-tools' coldreboot" bash -c "ours | grep -q '^diversion of /usr/sbin/coldreboot '"
  check "$name: upgrade to $version" in_root dpkg -i /tmp/kexec-reboot.deb
  check "$name: only the init scripts' diversions are left" bash -c \
    "[ \"\$(ours | sed 's/^diversion of \([^ ]*\) .*/\1/' | sort | tr '\n' ' ')\" = '/etc/init.d/kexec /etc/init.d/kexec-load ' ]"
  kexec_tools_coldreboot_checks "$name"
  check "$name: coldreboot is kexec-tools'" bash -c "[ \"\$(resolvable coldreboot)\" = /usr/sbin/coldreboot ] && grep -q NOKEXECFILE '$root/usr/sbin/coldreboot'"
  check "$name: kexec-tools' coldreboot.8.gz back" bash -c "zcat '$root/usr/share/man/man8/coldreboot.8.gz' | grep -q 'bypassing kexec-tools default'"
  check "$name: molly-guard installs after the upgrade" install_molly_guard
  molly_guard_checks "$name"
  check "$name: dpkg -P molly-guard" in_root dpkg -P molly-guard
  check "$name: dpkg -P kexec-reboot" in_root dpkg -P kexec-reboot
  check "$name: no diversions left" no_diversions
  kexec_tools_coldreboot_checks "$name"
  same_as_before "$name"
}

# dpkg --root with the maintainer scripts run outside the tree they install
# into (as mmdebstrap and cross-bootstrapping do): they must act on
# $DPKG_ROOT only. The tree is set up inside the case's tree, which must stay
# as it was.
run_dpkg_root() {
  local name=$1 target=/target
  mkdir -p "$root$target" && tar -C "$root$target" -xf "$("$here/rootfs.sh" "$release" "$init" "$load_kexec")"
  rm -f "$root$target/etc/default/kexec"
  # What the case's tree holds outside the target.
  outer_snapshot() { snapshot | grep -v "^\./${target#/}\([/ ]\|$\)" || :; }
  outer_snapshot >"$work/$name.outer-before"
  check "$name: dpkg --root --force-script-chrootless -i" in_root dpkg --root="$target" --force-script-chrootless -i /tmp/kexec-reboot.deb
  check "$name: diversions made in the target" bash -c \
    "[ \"\$(in_root dpkg-divert --root=$target --list | grep -c ' by kexec-reboot$')\" = 2 ]"
  check "$name: /etc/default/kexec created in the target" cmp "$root$target/etc/default/kexec" "$repo/etc/default/kexec"
  check "$name: unit enabled in the target" test -L "$root$target/etc/systemd/system/multi-user.target.wants/kexec-reboot.service"
  outer_snapshot >"$work/$name.outer-installed"
  check "$name: the tree outside the target untouched by install" same "$work/$name.outer-before" "$work/$name.outer-installed"
  check "$name: dpkg --root --force-script-chrootless -P" in_root dpkg --root="$target" --force-script-chrootless -P kexec-reboot
  check "$name: no diversions left in the target" bash -c "! in_root dpkg-divert --root=$target --list | grep -q ' by kexec-reboot$'"
  check "$name: /etc/default/kexec made by us removed from the target" absent "$target/etc/default/kexec"
  outer_snapshot >"$work/$name.outer-purged"
  check "$name: the tree outside the target untouched by purge" same "$work/$name.outer-before" "$work/$name.outer-purged"
}

# The source package, as "npm run deb" made it, unpacks and builds the same
# binary package.
run_source_package() {
  local name=source-package dsc=$repo/build/kexec-reboot_${version}.dsc
  echo "# $name: dpkg-source -x and dpkg-buildpackage -b from $(basename "$dsc")"
  check "$name: dpkg-source -x" bash -c "cd '$work' && dpkg-source -x '$dsc' src"
  check "$name: dpkg-buildpackage -b from the unpacked source" bash -c "cd '$work/src' && dpkg-buildpackage -us -uc -b"
  check "$name: same files as the .deb under test" bash -c \
    "diff <(dpkg-deb -c '$deb' | awk '{print \$1, \$6, \$7, \$8}') <(dpkg-deb -c '$work/kexec-reboot_${version}_all.deb' | awk '{print \$1, \$6, \$7, \$8}')"
  rm -rf "$work/src" "$work"/kexec-reboot_"$version"_*
}

run_case() {
  local name=$1
  if [ "$name" = source-package ]; then run_source_package; return; fi
  prepare_case "$name" || return
  case $flow in
    lifecycle) run_lifecycle "$name" ;;
    molly-after|molly-first) run_molly "$name" ;;
    upgrade) run_upgrade "$name" ;;
    dpkg-root) run_dpkg_root "$name" ;;
  esac
  rm -rf "$root"
}

# The system-shutdown hook, with a fake kexec and a fake kexec_loaded (the
# tree's /sys is a plain directory here).
hook_checks() {
  local name=$1 hook=/usr/lib/systemd/system-shutdown/kexec-reboot
  cat >"$root/tmp/fake-kexec" <<'EOF'
#!/bin/sh
echo "$*" >>/tmp/kexec-calls
exit 1
EOF
  chmod 755 "$root/tmp/fake-kexec"
  mkdir -p "$root/sys/kernel" "$root/run/kexec-reboot"
  hook_case() { # LOADED VERB EXPECTED-CALLS
    echo "$1" >"$root/sys/kernel/kexec_loaded"
    rm -f "$root/tmp/kexec-calls"
    in_root env KEXEC_REBOOT_KEXEC=/tmp/fake-kexec "$hook" "$2" || return 1
    [ "$(cat "$root/tmp/kexec-calls" 2>/dev/null)" = "$3" ]
  }
  check "$name: hook: reboot with a kernel loaded runs kexec -e, exits 0 when it returns" hook_case 1 reboot -e
  check "$name: hook: poweroff does not kexec" hook_case 1 poweroff ""
  check "$name: hook: nothing loaded, no kexec" hook_case 0 reboot ""
  refused_case() { # FILE LOADED VERB EXPECTED-CALLS: FILE (/no-kexec-reboot, the hook's marker) present
    local rc=0
    echo "the shutdown hook's reason" >"$root$1"
    hook_case "$2" "$3" "$4" || rc=1
    rm -f "$root$1"
    return $rc
  }
  # The fake kexec fails every call: both unloads are tried, nothing is started.
  check "$name: hook: /no-kexec-reboot on a reboot unloads (kexec -s -u, then -u), no kexec -e" refused_case /no-kexec-reboot 1 reboot $'-s -u\n-u'
  check "$name: hook: /no-kexec-reboot before systemd's own kexec unloads" refused_case /no-kexec-reboot 1 kexec $'-s -u\n-u'
  check "$name: hook: /run/kexec-reboot/no-kexec unloads, no kexec -e" refused_case /run/kexec-reboot/no-kexec 1 reboot $'-s -u\n-u'
  check "$name: hook: /no-kexec-reboot on a poweroff, nothing" refused_case /no-kexec-reboot 1 poweroff ""
  exec_stop() { # RUNLEVEL-OR-EMPTY EXPECTED-CALLS
    echo 1 >"$root/sys/kernel/kexec_loaded"
    rm -f "$root/tmp/kexec-calls"
    in_root env KEXEC_REBOOT_KEXEC=/tmp/fake-kexec ${1:+RUNLEVEL=$1} /etc/init.d/kexec-reboot-exec stop || return 1
    [ "$(cat "$root/tmp/kexec-calls" 2>/dev/null)" = "$2" ]
  }
  check "$name: kexec-reboot-exec stop in runlevel 6 runs the hook" exec_stop 6 -e
  check "$name: kexec-reboot-exec stop by hand, outside runlevel 6, starts no kernel" exec_stop "" ""
  exec_stop_refused() { # sysvinit's path to the same hook, with /no-kexec-reboot
    local rc=0
    touch "$root/no-kexec-reboot"
    exec_stop 6 $'-s -u\n-u' || rc=1
    rm -f "$root/no-kexec-reboot"
    return $rc
  }
  check "$name: kexec-reboot-exec stop in runlevel 6 with /no-kexec-reboot unloads, no kexec -e" exec_stop_refused
  check "$name: kexec-reboot-exec stop in runlevel 0 starts no kernel" exec_stop 0 ""
  rm -rf "$root/sys/kernel" "$root/run/kexec-reboot" "$root/tmp/fake-kexec" "$root/tmp/kexec-calls"
}

# Removing the package unloads a kernel it loaded ahead of time, and only
# that: a fake kexec records the calls, a fake kexec_loaded says what is
# loaded, and the load record says whose it is.
prerm_unload_checks() {
  local name=$1
  cat >"$root/tmp/fake-kexec" <<'EOF'
#!/bin/sh
echo "$*" >>/tmp/kexec-calls
case "$*" in -u|"-s -u") echo 0 >/sys/kernel/kexec_loaded ;; esac
exit 0
EOF
  chmod 755 "$root/tmp/fake-kexec"
  mkdir -p "$root/sys/kernel"
  unload_case() { # RECORD(ours|ours-file|none) EXPECTED-CALLS
    echo 1 >"$root/sys/kernel/kexec_loaded"
    rm -f "$root/tmp/kexec-calls"
    mkdir -p "$root/run/kexec-reboot"
    case $1 in
      ours) echo '{"loadedAt":"2026-12-02T00:00:00.000Z"}' >"$root/run/kexec-reboot/loaded.json" ;;
      ours-file) echo '{"loadedAt":"2026-12-02T00:00:00.000Z","syscall":"kexec_file_load"}' >"$root/run/kexec-reboot/loaded.json" ;;
      none) rm -f "$root/run/kexec-reboot/loaded.json" ;;
    esac
    in_root env KEXEC_REBOOT_KEXEC=/tmp/fake-kexec sh -c "dpkg -r kexec-reboot >/dev/null && dpkg -i /tmp/kexec-reboot.deb >/dev/null" || return 1
    echo "kexec calls: $(cat "$root/tmp/kexec-calls" 2>/dev/null)"
    [ "$(cat "$root/tmp/kexec-calls" 2>/dev/null)" = "$2" ]
  }
  check "$name: dpkg -r unloads the kernel kexec-reboot loaded" unload_case ours -u
  check "$name: dpkg -r unloads a kernel loaded with kexec_file_load with kexec -s -u" unload_case ours-file "-s -u"
  mkdir -p "$root/sys/kernel/security"
  echo 'none [integrity] confidentiality' >"$root/sys/kernel/security/lockdown"
  check "$name: dpkg -r under lockdown unloads with kexec -s -u (kexec -u is refused there)" unload_case ours "-s -u"
  rm -f "$root/sys/kernel/security/lockdown"
  check "$name: dpkg -r leaves a kernel loaded by hand" unload_case none ""
  rm -rf "$root/sys/kernel" "$root/run/kexec-reboot" "$root/tmp/fake-kexec" "$root/tmp/kexec-calls"
}

export -f ours in_root rc_links absent resolvable
export root work

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${order[@]}")
jobs=${KEXEC_REBOOT_TEST_JOBS:-2}

# Every tree first, one at a time: cases run side by side must not build the
# same tarball twice.
for name in "${selected[@]}"; do
  [ -n "${cases[$name]:-}" ] || continue
  read -r release init load_kexec _ <<<"${cases[$name]}"
  "$here/rootfs.sh" "$release" "$init" "$load_kexec" >/dev/null || { echo "building the $release $init tree failed" >&2; exit 1; }
done

# Each case in its own tree and log, $jobs at a time; the logs are printed
# in order and counted at the end.
run_logged() {
  local name=$1
  root=$work/$name
  export root
  if [ -z "${cases[$name]:-}" ] && [ "$name" != source-package ]; then fail "unknown case $name"; return; fi
  run_case "$name"
}
for name in "${selected[@]}"; do
  run_logged "$name" >"$work/$name.log" 2>&1 &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
for name in "${selected[@]}"; do cat "$work/$name.log"; done
logs=("${selected[@]/#/$work/}")
logs=("${logs[@]/%/.log}")
passed=$(cat "${logs[@]}" | grep -c '^ok - ')
failed=$(cat "${logs[@]}" | grep -c '^not ok - ')
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
