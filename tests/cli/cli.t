#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The iolu commands (check, snapshot, show, audit) run for real against
# fake live kernels: mkstate writes a synthetic preserved state into a
# debugfs tree and a kcore file, which iolu reads with --debugfs/--kcore,
# exactly as it reads /sys/kernel/debug and /proc/kcore. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# The sanitized build when there is one: a memory error fails the test.
# IOLU=build/guest/iolu runs the same tests on the static guest build.
iolu=${IOLU:-$root/build/cli/iolu-san}
[ -x "$iolu" ] || iolu=$root/build/iolu
mkstate=$root/build/cli/mkstate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

# The options that make iolu read fake kernel DIR.
live() {
	echo --debugfs "$1/debugfs" --kcore "$1/kcore" --notes "$1/no-notes"
}

# run NAME: run iolu with the remaining arguments; output in $out/$err,
# exit code in $rc.
run() {
	out=$work/out.$((tap_n + 1))
	err=$work/err.$((tap_n + 1))
	timeout 120 "$iolu" "$@" >"$out" 2>"$err"
	rc=$?
}

# expect NAME CODE: the last run exited with CODE.
expect() {
	if [ "$rc" = "$2" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "exit $rc, expected $2"
		tail -n 8 "$out" "$err" | tap_comment
	fi
}

# expect_grep NAME FILE PATTERN: FILE holds a line matching PATTERN.
expect_grep() {
	if grep -qE -- "$3" "$2"; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "no line matching: $3"
		tail -n 8 "$2" | tap_comment
	fi
}

# expect_json NAME FILTER: jq FILTER is true on the last run's output.
expect_json() {
	if jq -e "$2" "$out" >/dev/null 2>&1; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "jq filter false or output not JSON: $2"
		head -c 1500 "$out" | tap_comment
	fi
}

for tool in "$iolu" "$mkstate"; do
	[ -x "$tool" ] || { echo "1..0 # SKIP $tool not built (make iolu)"; exit 0; }
done
command -v jq >/dev/null || { echo "Bail out! jq is needed"; exit 1; }

mk() {
	local dir=$work/$1
	shift
	"$mkstate" "$@" "$dir" || echo "Bail out! mkstate $* failed"
}
mk clean
mk wide --devices 600 --per-domain 1
mk after --side incoming
mk refcount --break refcount
mk unpreserved --break unpreserved
mk domain-id --break domain-id
mk remap --side incoming --break remap
mk dropped --side incoming --break drop-device
mk hostile --side incoming --break compatible
mk empty
mk shared --devices 600 --per-domain 3
printf 'none\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/status"
printf '0x0\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/header_phys"

# --- help and usage ---
for cmd in check snapshot show audit; do
	run "$cmd" --help
	expect "$cmd --help exits 0" 0
	expect_grep "$cmd --help documents the exit status" "$out" '^Exit status: 0 '
done
run check --list-rules
expect "check --list-rules exits 0" 0
expect_grep "check --list-rules names each rule with its severity" "$out" '^refcount-mismatch +error +'
run check --bogus
expect "an unknown option is exit 2" 2
expect_grep "an unknown option is named" "$err" "invalid option '--bogus'"
run check --input
expect "a missing option value is exit 2" 2
expect_grep "a missing option value is named" "$err" "option '--input' needs a value"
run audit
expect "audit without --before is exit 2" 2
expect_grep "audit says --before is required" "$err" -- '--before FILE is required'
run snapshot
expect "snapshot without FILE is exit 2" 2
run show --extents lots
expect "show --extents with no count is exit 2" 2
run check --side sideways
expect "a bad --side is exit 2" 2

# --- check on a live (fake) kernel ---
run check $(live "$work/clean")
expect "check: a clean state is ready (exit 0)" 0
expect_grep "check: the text says ready" "$out" '^verdict: ready '
run check --json $(live "$work/clean")
expect "check --json: exit 0" 0
expect_json "check --json: ready, no findings" '.ready == true and (.findings | length) == 0'
expect_json "check --json: the source and its counts" \
	'.source.kind == "live" and .source.side == "outgoing" and .source.devices == 2 and .source.domains == 2 and .source.units == 1'
run check --json $(live "$work/refcount")
expect "check: a refcount mismatch is not ready (exit 1)" 1
expect_json "check --json: the finding names rule, object and address" \
	'.ready == false and ([.findings[] | select(.rule == "refcount-mismatch" and .severity == "error" and .object.kind == "domain" and .object.index == 0 and (.phys | startswith("0x")) and (.message | length) > 0)] | length) == 1'
run check --json $(live "$work/unpreserved")
expect "check: an unpreserved page table page is not ready" 1
expect_json "check: it is reported as pgtable-unpreserved" \
	'[.findings[].rule] | index("pgtable-unpreserved") != null'
run check $(live "$work/domain-id")
expect "check: a context entry with another domain ID is not ready" 1
expect_grep "check: hw-domain-id-mismatch in the text" "$out" 'hw-domain-id-mismatch'
run check $(live "$work/empty")
expect "check: nothing preserved is not ready (exit 1)" 1
expect_grep "check: says nothing is preserved" "$out" 'no IOMMU state is preserved'
run check --debugfs "$work/nowhere" --kcore "$work/clean/kcore"
expect "check: an unreadable debugfs is exit 2" 2
expect_grep "check: the error names the path" "$err" "$work/nowhere"
run check --json --debugfs "$work/nowhere" --kcore "$work/clean/kcore"
expect "check --json: an unreadable debugfs is exit 2" 2
expect_json "check --json: says why it could not check" \
	'.ready == false and .verdict == "could not check" and (.error | contains("nowhere"))'
if [ "$(grep -c nowhere "$err")" = 1 ]; then
	tap_ok "check --json: the error is printed once on stderr"
else
	tap_not_ok "check --json: the error is printed once on stderr"
fi

run check $(live "$work/wide")
expect "check: 600 devices on 3 units, one per domain, are ready" 0
run check $(live "$work/shared")
expect "check: 3 devices per domain are not ready (the next kernel restores a domain for one)" 1
expect_grep "check: names a shared domain" "$out" 'domain-shared: domain 199 '
run show $(live "$work/shared") --extents 0
expect_grep "show: the third unit" "$out" '^unit 2: intel-vtd, segment 2'
expect_grep "show: a shared domain is shown once" "$out" '^    domain 199 \(shown above\)$'
if [ "$(grep -c '^  device ' "$out")" = 600 ]; then
	tap_ok "show: every device listed once"
else
	tap_not_ok "show: every device listed once" "$(grep -c '^  device ' "$out") device lines"
fi

# --- snapshot and check --snapshot ---
run check --snapshot "$work/before.snap" $(live "$work/clean")
expect "check --snapshot: exit 0" 0
[ -s "$work/before.snap" ]
tap_result $? "check --snapshot wrote the file"
run snapshot --side incoming $(live "$work/after") "$work/after.snap"
expect "snapshot of the incoming side: exit 0" 0
expect_grep "snapshot: says what it wrote" "$out" "^wrote $work/after.snap: snapshot version"
run check --input "$work/before.snap"
expect "check --input: the saved state is ready too" 0
run snapshot $(live "$work/clean") "$work/no-such-dir/x.snap"
expect "snapshot into a missing directory is exit 2" 2
expect_grep "snapshot: the error names the file" "$err" "no-such-dir/x.snap"

# --- show ---
run show "$work/before.snap"
expect "show FILE: exit 0" 0
expect_grep "show: the tree has the unit" "$out" '^unit 0: intel-vtd'
expect_grep "show: its device" "$out" '^  device 0000:00:03\.0: index 0'
expect_grep "show: the device's domain" "$out" '^    domain 0: vtd-second-stage, 4 levels'
expect_grep "show: the domain's extents" "$out" '^      0x0000000000100000-0x0000000000100fff -> 0x[0-9a-f]+ rw 4 KiB'
run show --json "$work/before.snap"
expect "show --json: exit 0" 0
expect_json "show --json: 2 devices, 2 domains with extents" \
	'(.state.devices | length) == 2 and (.state.domains | map(.page_table.extents | length) | add) >= 2'
run show $(live "$work/clean")
expect "show of the live kernel: exit 0" 0
run show "$work/nope.snap"
expect "show of a missing file is exit 2" 2
expect_grep "show: the error names the missing file" "$err" "$work/nope.snap"
head -c 200 "$work/before.snap" >"$work/truncated.snap"
run show "$work/truncated.snap"
expect "show of a truncated snapshot is exit 2" 2
expect_grep "show: a truncated file is named" "$err" "truncated.snap"
cp "$work/before.snap" "$work/corrupt.snap"
size=$(stat -c %s "$work/corrupt.snap")
printf '\xa5' | dd of="$work/corrupt.snap" bs=1 seek=$((size / 2)) conv=notrunc status=none
run show "$work/corrupt.snap"
expect "show of a corrupt snapshot is exit 2" 2
printf 'not a snapshot at all\n' >"$work/text.snap"
run check --input "$work/text.snap"
expect "check --input of a text file is exit 2" 2

# --- audit ---
run audit --before "$work/before.snap" --after "$work/after.snap"
expect "audit: identical states prove continuity (exit 0)" 0
expect_grep "audit: the verdict says so" "$out" '^verdict: continuity proven'
run audit --before "$work/before.snap" $(live "$work/after")
expect "audit: against the live incoming state too" 0
run audit --json --before "$work/before.snap" $(live "$work/after")
expect_json "audit --json: continuity true" '.continuity == true and .after.side == "incoming"'
run audit --json --before "$work/before.snap" $(live "$work/remap")
expect "audit: a remapped page breaks continuity (exit 1)" 1
expect_json "audit: reported as extent-changed" \
	'.continuity == false and ([.findings[] | select(.stage == "compare") | .rule] | index("extent-changed") != null)'
# The incoming side has no map of its own: the snapshot's map judges it,
# so the page the remapped IOVA now reaches is not preserved.
expect_json "audit: the new target is judged by the snapshot's preserved-memory map" \
	'[.findings[] | select(.stage == "after") | .rule] | (index("dma-target-unpreserved") != null and index("kho-map-absent") != null)'
run audit --before "$work/before.snap" $(live "$work/remap") --html "$work/remap.html"
expect_grep "audit: the text sums up each device" "$out" \
	'^  0000:00:03\.0 token 0x1000: domain 0, 2 extents, 16 KiB mapped, 2 findings$'
domain0=$(awk '/<h3>Domain 0</,/<\/section>/' "$work/remap.html")
if grep -q 'extent-changed' <<<"$domain0" && grep -q '<td>0x100000</td>' <<<"$domain0"; then
	tap_ok "html: the domain's section has its finding and its extents"
else
	tap_not_ok "html: the domain's section has its finding and its extents"
	tap_comment <<<"$domain0"
fi
run audit --json --before "$work/before.snap" $(live "$work/dropped")
expect "audit: a missing device breaks continuity" 1
expect_json "audit: reported as device-vanished" '[.findings[].rule] | index("device-vanished") != null'
run audit --before "$work/before.snap" $(live "$work/empty") --side outgoing
expect "audit: no state after kexec is exit 1" 1
run audit --before "$work/nope.snap"
expect "audit: a missing before snapshot is exit 2" 2
run audit --json --before "$work/nope.snap"
expect_json "audit --json: says why it could not audit" \
	'.continuity == false and .verdict == "could not audit" and (.error | contains("nope.snap"))'
run snapshot $(live "$work/empty") "$work/empty.snap"
if [ "$rc" = 0 ]; then
	run audit --before "$work/empty.snap" --after "$work/after.snap"
	expect "audit: a before snapshot without state is exit 2" 2
else
	tap_ok "audit: a snapshot of no state is refused when taken # SKIP snapshot refused it"
fi

# --- HTML ---
hostile_name='be<i>fore&"x'\''.snap'
cp "$work/before.snap" "$work/$hostile_name"
mkdir "$work/html"
run audit --before "$work/$hostile_name" $(live "$work/hostile") --html "$work/html/report.html"
expect "audit --html of a hostile state: exit 1 (compatible mismatch)" 1
page=$work/html/report.html
expect_grep "html: a complete page" "$page" '^<!DOCTYPE html>'
expect_grep "html: it ends" "$page" '</body></html>$'
if grep -qiE '<(script|link|img|iframe)|src=|href=|url\(' "$page"; then
	tap_not_ok "html: no scripts or external assets"
else
	tap_ok "html: no scripts or external assets"
fi
expect_grep "html: the hostile file name is escaped" "$page" 'be&lt;i&gt;fore&amp;&quot;x&#39;\.snap'
if grep -q '<i>\|<b>' "$page"; then
	tap_not_ok "html: no markup from the input survives"
else
	tap_ok "html: no markup from the input survives"
fi
expect_grep "html: the hostile compatible string is shown escaped" "$page" '&lt;b&gt;&amp;&quot;&#39;'
expect_grep "html: a section per device" "$page" '<h2>Device 0000:00:03\.0'
leftovers=$(ls "$work/html" | grep -v '^report.html$')
tap_result "$([ -z "$leftovers" ] && echo 0 || echo 1)" "html: written atomically, no temporary left"
run audit --before "$work/before.snap" --after "$work/after.snap" --html "$work/no-such-dir/r.html"
expect "audit --html into a missing directory is exit 2" 2
expect_grep "audit: the error names the HTML path" "$err" "no-such-dir/r.html"

# --- the man page ---
if command -v groff >/dev/null; then
	warnings=$(groff -man -ww -z "$root/docs/iolu.1" 2>&1)
	tap_result "$([ -z "$warnings" ] && echo 0 || echo 1)" "iolu.1 renders without warnings"
	[ -z "$warnings" ] || echo "$warnings" | tap_comment
else
	tap_ok "iolu.1 renders without warnings # SKIP groff not installed"
fi
for cmd in check snapshot show audit trace; do
	expect_grep "iolu.1 documents iolu $cmd" "$root/docs/iolu.1" "^\.S[SH] iolu $cmd"
done

echo "1..$tap_n"
