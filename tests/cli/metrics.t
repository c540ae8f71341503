#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check and audit --prometheus: the node_exporter textfile they write is
# valid (promtool check metrics), says what the report says, follows the
# output rules of every other file iolu writes, and never outlives a run
# that could not check. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
iolu=${IOLU:-$root/build/cli/iolu-san}
[ -x "$iolu" ] || iolu=$root/build/iolu
mkstate=$root/build/cli/mkstate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

for tool in "$iolu" "$mkstate"; do
	[ -x "$tool" ] || { echo "1..0 # SKIP $tool not built (make iolu)"; exit 0; }
done
command -v promtool >/dev/null ||
	{ echo "Bail out! promtool is needed (Debian's prometheus, make deps)"; exit 1; }

live() {
	echo --debugfs "$work/$1/debugfs" --kcore "$work/$1/kcore" --notes "$work/$1/no-notes"
}

# run ARGS...: iolu under umask 022; exit code in $rc, stderr in $err.
run() {
	err=$work/err.$((tap_n + 1))
	(umask 022; exec "$iolu" "$@") >/dev/null 2>"$err"
	rc=$?
}

expect() {
	if [ "$rc" = "$2" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "exit $rc, expected $2"
		tail -n 4 "$err" | tap_comment
	fi
}

# promtool_ok NAME FILE: promtool accepts FILE, lint included.
promtool_ok() {
	local why
	if why=$(promtool check metrics <"$2" 2>&1); then
		tap_ok "$1"
	else
		tap_not_ok "$1" "promtool check metrics refused it"
		printf '%s\n' "$why" | head -n 6 | tap_comment
	fi
}

# metric NAME FILE SERIES VALUE: the sample of SERIES in FILE is VALUE.
metric() {
	local got
	got=$(awk -v series="$3" '$1 == series { print $2 }' "$2")
	if [ "$got" = "$4" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$3 is '$got', expected $4"
	fi
}

"$mkstate" "$work/clean" && "$mkstate" --break refcount "$work/refcount" &&
	"$mkstate" --side incoming "$work/after" &&
	"$mkstate" --side incoming --break remap "$work/remap" ||
	echo "Bail out! mkstate failed"
"$iolu" snapshot $(live clean) "$work/before.snap" >/dev/null

start=$(date +%s)
run check --quiet --prometheus "$work/check.prom" $(live clean)
expect "check --prometheus: a ready state is exit 0" 0
promtool_ok "check --prometheus: promtool accepts the file" "$work/check.prom"
metric "check: ready is 1" "$work/check.prom" 'iolu_check_ready' 1
metric "check: no errors" "$work/check.prom" 'iolu_findings{command="check",severity="error"}' 0
metric "check: 2 preserved devices" "$work/check.prom" 'iolu_preserved_devices{command="check"}' 2
metric "check: 2 preserved domains" "$work/check.prom" 'iolu_preserved_domains{command="check"}' 2
metric "check: 1 preserved unit" "$work/check.prom" 'iolu_preserved_units{command="check"}' 1
# mkstate maps 4 pages of 4 KiB in each of its 2 domains.
metric "check: 32 KiB mapped" "$work/check.prom" 'iolu_mapped_bytes{command="check"}' 32768
stamp=$(awk '$1 == "iolu_last_run_timestamp_seconds{command=\"check\"}" { print $2 }' "$work/check.prom")
if [ -n "$stamp" ] && [ "$stamp" -ge "$start" ] && [ "$stamp" -le "$(date +%s)" ]; then
	tap_ok "check: the time of the run is stamped"
else
	tap_not_ok "check: the time of the run is stamped" "'$stamp' not in [$start, now]"
fi
tap_result "$([ "$(stat -c %a "$work/check.prom")" = 644 ] && echo 0 || echo 1)" \
	"check: the metrics are 0644 under umask 022 (no addresses in them)"
(umask 077; "$iolu" check --quiet --prometheus "$work/private.prom" $(live clean))
tap_result "$([ "$(stat -c %a "$work/private.prom")" = 600 ] && echo 0 || echo 1)" \
	"check: and follow a stricter umask"

run check --quiet --prometheus "$work/refcount.prom" $(live refcount)
expect "check --prometheus: a broken state is exit 1" 1
promtool_ok "check --prometheus: promtool accepts that file too" "$work/refcount.prom"
metric "check: ready is 0" "$work/refcount.prom" 'iolu_check_ready' 0
metric "check: one error" "$work/refcount.prom" 'iolu_findings{command="check",severity="error"}' 1
metric "check: counted under its rule" "$work/refcount.prom" \
	'iolu_rule_findings{command="check",rule="refcount-mismatch",severity="error"}' 1
metric "check: other rules are there, at 0" "$work/refcount.prom" \
	'iolu_rule_findings{command="check",rule="dma-target-unpreserved",severity="error"}' 0

run audit --quiet --before "$work/before.snap" $(live after) --prometheus "$work/audit.prom"
expect "audit --prometheus: continuity proven is exit 0" 0
promtool_ok "audit --prometheus: promtool accepts the file" "$work/audit.prom"
metric "audit: continuity is 1" "$work/audit.prom" 'iolu_audit_continuity' 1
metric "audit: 2 devices after the kexec" "$work/audit.prom" 'iolu_preserved_devices{command="audit"}' 2
run audit --quiet --before "$work/before.snap" $(live remap) --prometheus "$work/audit.prom"
expect "audit --prometheus: a remapped page is exit 1" 1
promtool_ok "audit --prometheus: promtool accepts that file too" "$work/audit.prom"
metric "audit: continuity is 0" "$work/audit.prom" 'iolu_audit_continuity' 0
metric "audit: the changed extent is counted under its rule" "$work/audit.prom" \
	'iolu_rule_findings{command="audit",rule="extent-changed",severity="error"}' 1

# A run that could not check leaves no file that says otherwise.
cp "$work/check.prom" "$work/stale.prom"
run check --quiet --prometheus "$work/stale.prom" --input "$work/nope.snap"
expect "check --prometheus: an unreadable input is exit 2" 2
tap_result "$([ -e "$work/stale.prom" ] && echo 1 || echo 0)" \
	"check: an earlier run's metrics are removed, not left saying ready"
ln -s /dev/null "$work/link.prom"
run check --quiet --prometheus "$work/link.prom" $(live clean)
expect "check --prometheus: a symbolic link is refused (exit 2)" 2
tap_result "$([ -L "$work/link.prom" ] && echo 0 || echo 1)" "check: the link is left alone"
run audit --quiet --before "$work/before.snap" $(live after) --prometheus "$work/before.snap"
expect "audit --prometheus: the input snapshot is refused (exit 2)" 2
run check --prometheus - $(live clean)
expect "check --prometheus -: standard output needs --quiet (exit 2)" 2
grep -q 'prometheus' "$err"
tap_result $? "check --prometheus -: says why"

echo "1..$tap_n"
