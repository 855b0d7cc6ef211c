#!/bin/bash
# Install, remove and purge the kexec-reboot .deb in throwaway Debian 12 and
# 13 root trees and check what each step leaves. Needs root (mmdebstrap,
# chroot, unshare). Prints one line per check and "N passed, M failed".
#
#   test/package/run.sh [CASE...]      (default: every case below)
#
# The .deb is build/kexec-reboot_<version>_all.deb, made with "npm run deb"
# when it is missing, older than a file it is made from, or
# KEXEC_REBOOT_TEST_BUILD=1. Root trees are cached
# as tarballs under .cache/package-test (see rootfs.sh).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# CASE: release init debconf-LOAD_KEXEC what-to-do-with-/etc/default/kexec
declare -A cases=(
  [bookworm-systemd]="bookworm systemd true keep"
  [bookworm-systemd-noload]="bookworm systemd false keep"
  [bookworm-sysvinit]="bookworm sysvinit true keep"
  [trixie-systemd]="trixie systemd true create"
  [trixie-sysvinit]="trixie sysvinit true keep"
)
order=(bookworm-systemd bookworm-systemd-noload bookworm-sysvinit trixie-systemd trixie-sysvinit)

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# check NAME COMMAND...: one line for the outcome of COMMAND.
check() {
  local name=$1; shift
  if "$@" >"$work/check.out" 2>&1; then pass "$name"; else
    fail "$name"; sed 's/^/    # /' "$work/check.out" | head -20
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "test/package/run.sh needs root (mmdebstrap, chroot, unshare)" >&2
  exit 2
fi

version=$(cd "$repo" && dpkg-parsechangelog -S Version)
deb=$repo/build/kexec-reboot_${version}_all.deb
# A .deb older than any file it is built from would test yesterday's code.
newer_source() {
  (cd "$repo" && git ls-files src debian system man etc scripts package.json package-lock.json |
    while IFS= read -r f; do [ "$f" -nt "$deb" ] && { echo "$f"; break; }; done)
}
if [ ! -s "$deb" ] || [ "${KEXEC_REBOOT_TEST_BUILD:-0}" = 1 ] || [ -n "$(newer_source)" ]; then
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
# path with its type and content checksum, less the places dpkg, apt and
# debhelper keep their own records.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp \
      -o -path ./run -o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache \
      -o -path ./var/lib/systemd/deb-systemd-helper-enabled \
      -o -path ./var/lib/systemd/deb-systemd-helper-masked \) -prune -o -print0 |
    sort -z | while IFS= read -r -d '' p; do
      if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"
      elif [ -f "$p" ]; then echo "$p $(sha256sum <"$p" | cut -c1-16)"
      else echo "$p/"; fi
    done)
}
ours() { in_root dpkg-divert --list | grep ' by kexec-reboot$' || :; }
no_diversions() { [ -z "$(ours)" ]; }
file_has() { grep -q -- "$2" "$root$1"; }
absent() { [ ! -e "$root$1" ] && [ ! -L "$root$1" ]; }
rc_links() { (cd "$root/etc" && ls -d rc?.d/[SK][0-9][0-9]"$1" 2>/dev/null) || :; }
same() { diff -u "$1" "$2"; }

run_case() {
  local name=$1 release init load_kexec default_kexec tarball
  read -r release init load_kexec default_kexec <<<"${cases[$name]}"
  echo "# $name: Debian $release, $init, kexec-tools LOAD_KEXEC=$load_kexec, /etc/default/kexec: $default_kexec"
  tarball=$("$here/rootfs.sh" "$release" "$init" "$load_kexec") || { fail "$name: build root tree"; return; }
  root=$work/$name
  mkdir -p "$root" && tar -C "$root" -xf "$tarball" || { fail "$name: unpack root tree"; return; }
  cp "$deb" "$root/tmp/kexec-reboot.deb"

  if [ "$default_kexec" = create ]; then
    rm -f "$root/etc/default/kexec"
  else
    echo '# a line the admin wrote' >>"$root/etc/default/kexec"
  fi
  local kt_cold=/usr/sbin/coldreboot
  [ "$release" = bookworm ] && kt_cold=/sbin/coldreboot
  local had_initscripts=no
  [ -e "$root/etc/init.d/kexec-load" ] && had_initscripts=yes
  snapshot >"$work/$name.before"
  rc_links kexec-load >"$work/$name.rc-before"
  [ -e "$root/etc/default/kexec" ] && sha256sum <"$root/etc/default/kexec" >"$work/$name.default-before"

  # --- install
  check "$name: dpkg -i" in_root dpkg -i /tmp/kexec-reboot.deb
  check "$name: dpkg -i again (upgrade path)" in_root dpkg -i /tmp/kexec-reboot.deb
  check "$name: 5 diversions by kexec-reboot" test "$(ours | wc -l)" = 5
  for p in /etc/init.d/kexec-load /etc/init.d/kexec /sbin/coldreboot /usr/sbin/coldreboot \
      /usr/share/man/man8/coldreboot.8.gz; do
    check "$name: $p diverted" bash -c "ours | grep -q '^diversion of $p to '" 
  done
  check "$name: kexec-tools' coldreboot moved to coldreboot.kexec-tools" \
    file_has /usr/sbin/coldreboot.kexec-tools NOKEXECFILE
  check "$name: coldreboot is ours" test "$(readlink -f "$root/usr/sbin/coldreboot")" = "$root/usr/lib/kexec-reboot/coldreboot.cjs"
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
  else
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
  check "$name: coldreboot --help" in_root coldreboot --help
  # Reinstalling kexec-tools takes the upgrade path with our diversions in
  # place: its files must land at the diverted names. (Not where we made
  # /etc/default/kexec: kexec-tools' postinst edits it, so purge would
  # rightly keep it.)
  if [ "$default_kexec" = keep ]; then
    check "$name: reinstall kexec-tools while diverted" bash -c 'in_root sh -c "dpkg -i /root/debs/kexec-tools_*.deb"'
    check "$name: after that, coldreboot is still ours" test "$(readlink -f "$root/usr/sbin/coldreboot")" = "$root/usr/lib/kexec-reboot/coldreboot.cjs"
    check "$name: after that, still no /etc/init.d/kexec-load" absent /etc/init.d/kexec-load
    if [ "$had_initscripts" = yes ]; then
      check "$name: after that, kexec-tools' conffiles at the diverted place" \
        file_has /etc/kexec-reboot/diverted/kexec-load 'Provides:.*kexec-load'
    fi
  fi
  hook_checks "$name"

  # --- remove
  check "$name: dpkg -r" in_root dpkg -r kexec-reboot
  check "$name: no diversions left" no_diversions
  check "$name: kexec-tools' coldreboot back at $kt_cold" file_has "$kt_cold" NOKEXECFILE
  check "$name: no coldreboot.kexec-tools" absent /usr/sbin/coldreboot.kexec-tools
  check "$name: kexec-tools' coldreboot.8.gz back" test -s "$root/usr/share/man/man8/coldreboot.8.gz"
  if [ "$had_initscripts" = yes ]; then
    check "$name: kexec-tools' init scripts back" file_has /etc/init.d/kexec-load 'Provides:.*kexec-load'
  fi
  check "$name: kexec-load rc links as before" bash -c "rc_links kexec-load | diff '$work/$name.rc-before' -"
  check "$name: /etc/kexec-reboot gone" absent /etc/kexec-reboot
  check "$name: /run/kexec-reboot gone" absent /run/kexec-reboot
  check "$name: /usr/sbin/kexec-reboot gone" absent /usr/sbin/kexec-reboot
  check "$name: dpkg -V kexec-tools clean" in_root dpkg -V kexec-tools

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
  snapshot >"$work/$name.after"
  check "$name: tree after purge same as before install" same "$work/$name.before" "$work/$name.after"

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
  hook_case() { # LOADED COLD VERB EXPECTED-CALLS
    echo "$1" >"$root/sys/kernel/kexec_loaded"
    rm -f "$root/tmp/kexec-calls" "$root/run/kexec-reboot/coldreboot"
    [ "$2" = cold ] && : >"$root/run/kexec-reboot/coldreboot"
    in_root env KEXEC_REBOOT_KEXEC=/tmp/fake-kexec "$hook" "$3" || return 1
    [ "$(cat "$root/tmp/kexec-calls" 2>/dev/null)" = "$4" ]
  }
  check "$name: hook: reboot with a kernel loaded runs kexec -e, exits 0 when it returns" hook_case 1 warm reboot -e
  check "$name: hook: poweroff does not kexec" hook_case 1 warm poweroff ""
  check "$name: hook: cold flag set, no kexec" hook_case 1 cold reboot ""
  check "$name: hook: nothing loaded, no kexec" hook_case 0 warm reboot ""
  check "$name: kexec-reboot-exec stop runs the hook" bash -c \
    "echo 1 >'$root/sys/kernel/kexec_loaded'; rm -f '$root/tmp/kexec-calls' '$root/run/kexec-reboot/coldreboot';
     in_root env KEXEC_REBOOT_KEXEC=/tmp/fake-kexec /etc/init.d/kexec-reboot-exec stop &&
     [ \"\$(cat '$root/tmp/kexec-calls')\" = -e ]"
  rm -rf "$root/sys/kernel" "$root/run/kexec-reboot" "$root/tmp/fake-kexec" "$root/tmp/kexec-calls"
}

export -f ours in_root rc_links absent
export root work

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${order[@]}")
for name in "${selected[@]}"; do
  if [ -z "${cases[$name]:-}" ]; then fail "unknown case $name"; continue; fi
  root=$work/$name
  export root
  run_case "$name"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
