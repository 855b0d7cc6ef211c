#!/bin/sh
# npm run test:all: the unit tests, the package tests, then the VM suite,
# each stage timed with the load average at its start and end, so that a CI
# run says where its time went. Stops at the first stage that fails. The
# last line adds up every stage's "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
summary=''
load() { cut -d' ' -f1-3 /proc/loadavg; }

stage() {
	name=$1
	shift
	start=$(date +%s) load_before=$(load)
	echo "== stage $name: $* (load average $load_before)"
	"$@" 2>&1 | tee "$log/$name"
	rc=$(cat "$log/rc" 2>/dev/null || echo 0)
	seconds=$(($(date +%s) - start))
	line="$name: $((seconds / 60)) min $((seconds % 60)) s, load average $load_before at the start, $(load) at the end"
	summary="$summary$line
"
	echo "== stage $line"
}
# The exit status of the command before tee, kept where stage() reads it.
run() { "$@"; echo $? >"$log/rc"; }

fail() {
	printf '%s' "$summary"
	echo "stage $1 failed" >&2
	exit 1
}
stage unit run npm test
[ "$rc" = 0 ] || fail unit
# The VM suite's root trees (about 8 minutes from nothing, mostly dpkg and
# initramfs work) are built beside the package tests, which use trees of
# their own; the VM stage waits for them.
node test/vm/run.mjs --prepare >"$log/vm-prepare" 2>&1 &
prepare=$!
stage package run bash test/package/run.sh
[ "$rc" = 0 ] || { wait "$prepare"; fail package; }
echo "== VM root trees, built beside the package tests:"
wait "$prepare"
prepared=$?
cat "$log/vm-prepare"
[ "$prepared" = 0 ] || fail vm-prepare
stage vm run node test/vm/run.mjs
[ "$rc" = 0 ] || fail vm

echo "== stage times"
printf '%s' "$summary"
# vitest: "Tests  531 passed | 1 skipped (532)"; the others: "N passed, M failed".
passed=0
for f in "$log"/unit "$log"/package "$log"/vm; do
	p=$(sed 's/\x1b\[[0-9;]*m//g' "$f" | sed -n 's/^ *Tests *\([0-9]*\) passed.*/\1/p; s/^\([0-9]*\) passed, [0-9]* failed.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
done
# Every stage passed to get here.
echo "$passed passed, 0 failed"
