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
# Absolute: some tests run in a directory of their own.
iolu=$(realpath -m "$iolu")
mkstate=$root/build/cli/mkstate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

# The options that make iolu read fake kernel DIR.
live() {
	echo --debugfs "$1/debugfs" --kcore "$1/kcore" --notes "$1/no-notes"
}

# run NAME: run iolu with the remaining arguments; output in $out/$err,
# exit code in $rc (124 when it ran longer than $limit seconds).
limit=120
run() {
	out=$work/out.$((tap_n + 1))
	err=$work/err.$((tap_n + 1))
	timeout "$limit" "$iolu" "$@" >"$out" 2>"$err"
	rc=$?
}

# expect_no_grep NAME FILE PATTERN: no line of FILE matches PATTERN.
expect_no_grep() {
	if grep -qE -- "$3" "$2"; then
		tap_not_ok "$1" "a line matches: $3"
		grep -E -- "$3" "$2" | head -n 4 | tap_comment
	else
		tap_ok "$1"
	fi
}

# expect_printable NAME FILE: FILE is printable ASCII, tabs and newlines:
# nothing in it can drive a terminal.
expect_printable() {
	if LC_ALL=C grep -q $'[^\t -~]' "$2"; then
		tap_not_ok "$1" "raw control or non-ASCII bytes"
		LC_ALL=C grep -n $'[^\t -~]' "$2" | head -n 3 | od -c | head -n 6 | tap_comment
	else
		tap_ok "$1"
	fi
}

# expect_utf8 NAME FILE: FILE is valid UTF-8.
expect_utf8() {
	if iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>&1; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "not valid UTF-8"
	fi
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

# expect_json NAME FILTER: jq FILTER is true on the last run's output
# (jq -e passes an empty input: that is no JSON object).
expect_json() {
	if [ -s "$out" ] && jq -e "$2" "$out" >/dev/null 2>&1; then
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
mk terminal --break terminal
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
run check --json=yes
expect "a value given to a flag is exit 2" 2
expect_grep "a value given to a flag is named" "$err" "option '--json' takes no value"
run show -jx
expect "an unknown short option in a bundle is exit 2" 2
expect_grep "the unknown short option is named" "$err" "invalid option '-x'"
# trace parses before it needs root or BPF: its usage errors are the others'.
run trace --bogus
expect "trace: an unknown option is exit 2" 2
expect_grep "trace: an unknown option is named, with the help hint" "$err" \
	"^iolu trace: invalid option '--bogus'$"
expect_grep "trace: the help hint names the command" "$err" "^Try 'iolu trace --help'\.$"
run trace --op core,bogus
expect "trace: a bad --op is exit 2" 2
expect_grep "trace: a bad --op names the word" "$err" "unknown operation or class at 'bogus'"
run trace --duration
expect "trace: a missing value is exit 2" 2
expect_grep "trace: a missing value is named" "$err" "option '--duration' needs a value"
run trace --help
expect "trace --help exits 0" 0
expect_grep "trace --help documents the exit status" "$out" '^Exit status: 0 '
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
expect "check: 3 devices per domain under one domain ID are ready (the next kernel restores each domain once for all three)" 0
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
expect "snapshot: nothing preserved is exit 1" 1
[ ! -e "$work/empty.snap" ]
tap_result $? "snapshot: nothing preserved writes no file (audit could not use it)"
expect_grep "snapshot: says nothing is preserved" "$err" '^iolu snapshot: nothing preserved: no snapshot written$'
run check --snapshot "$work/empty-check.snap" $(live "$work/empty")
expect "check --snapshot: nothing preserved is exit 1" 1
[ ! -e "$work/empty-check.snap" ]
tap_result $? "check --snapshot: nothing preserved writes no snapshot"

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

# --- outputs: only regular files are replaced, - is standard output ---
printf 'keep\n' >"$work/target"
ln -s "$work/target" "$work/link.snap"
run check --snapshot "$work/link.snap" $(live "$work/clean")
expect "check --snapshot to a symlink is exit 2" 2
[ -L "$work/link.snap" ] && [ "$(cat "$work/target")" = keep ]
tap_result $? "check --snapshot: the symlink and its target are left alone"
expect_grep "check --snapshot: says why" "$err" \
	"^iolu check: --snapshot: $work/link.snap: a symbolic link, not a regular file: not replacing it"
ln -s "$work/target" "$work/stdout-link"
run audit --before "$work/before.snap" --after "$work/after.snap" --html "$work/stdout-link"
expect "audit --html to a symlink (like /dev/stdout) is exit 2" 2
[ -L "$work/stdout-link" ] && [ "$(cat "$work/target")" = keep ]
tap_result $? "audit --html: the symlink and its target are left alone"
mkfifo "$work/out.fifo"
limit=10
run audit --before "$work/before.snap" --after "$work/after.snap" --html "$work/out.fifo"
limit=120
expect "audit --html to a FIFO is exit 2, at once" 2
[ -p "$work/out.fifo" ]
tap_result $? "audit --html: the FIFO is still a FIFO"
mkdir "$work/a-dir.snap"
run snapshot $(live "$work/clean") "$work/a-dir.snap"
expect "snapshot onto a directory is exit 2" 2
expect_grep "snapshot: the directory is named" "$err" 'a-dir.snap: a directory, not a regular file'
mkdir "$work/dash"
# In a directory of its own: a build that writes a file named - leaves it there.
cd "$work/dash" || exit 1
run audit --before "$work/before.snap" --after "$work/after.snap" --quiet --html -
expect "audit --quiet --html -: exit 0" 0
expect_grep "audit --html -: the page is on standard output" "$out" '^<!DOCTYPE html>'
run audit --before "$work/before.snap" --after "$work/after.snap" --html -
expect "audit --html - with the report on standard output too is exit 2" 2
expect_grep "audit --html -: says to add --quiet" "$err" 'add --quiet'
run snapshot $(live "$work/clean") -
expect "snapshot -: exit 0" 0
cd "$root" || exit 1
[ ! -e "$work/dash/-" ]
tap_result $? "audit --html - and snapshot -: no file named -"
cp "$out" "$work/piped.snap"
run check --input "$work/piped.snap"
expect "snapshot -: what went to standard output is a snapshot that checks" 0

# --- exit 2 has one shape, and leaves no earlier output behind ---
run check --json --snapshot "$work/no-such-dir/c.snap" $(live "$work/clean")
expect "check: a snapshot that cannot be saved is exit 2" 2
expect_json "check --json: a failed save is could not check, not ready" \
	'.ready == false and .verdict == "could not check" and (.error | contains("no-such-dir/c.snap"))'
run check --snapshot "$work/no-such-dir/c.snap" $(live "$work/clean")
expect_no_grep "check: no ready verdict before a failed save" "$out" 'ready \('
expect_grep "check: the text verdict is could not check" "$out" '^verdict: could not check$'
run audit --json --before "$work/before.snap" --after "$work/after.snap" --html "$work/no-such-dir/r.html"
expect "audit: a page that cannot be written is exit 2" 2
expect_json "audit --json: a failed page is could not audit" \
	'.continuity == false and .verdict == "could not audit" and (.error | contains("no-such-dir/r.html"))'
run audit --before "$work/before.snap" --after "$work/after.snap" --html "$work/stale.html"
expect "audit --html: a green page first" 0
run audit --before "$work/nope.snap" --html "$work/stale.html"
expect "audit: then a failed audit to the same page is exit 2" 2
[ ! -e "$work/stale.html" ]
tap_result $? "audit: the failed audit leaves no earlier page behind"
run check --snapshot "$work/stale.snap" $(live "$work/clean")
run check --snapshot "$work/stale.snap" --debugfs "$work/nowhere" --kcore "$work/clean/kcore"
expect "check: a failed check with --snapshot is exit 2" 2
[ ! -e "$work/stale.snap" ]
tap_result $? "check: the failed check leaves no earlier snapshot behind"

# --- what the input says cannot drive the terminal or break JSON ---
run check $(live "$work/terminal")
expect "check: a hostile compatible string is not ready" 1
expect_printable "check: text output holds no control bytes" "$out"
expect_grep "check: the compatible is shown escaped" "$out" \
	'compatible is "\\x1b\]0;pwn\\x07\\x0a\\xc2\\x9b2J\\xff"'
run check --json $(live "$work/terminal")
expect_utf8 "check --json: valid UTF-8" "$out"
expect_json "check --json: a byte that is no UTF-8 is U+FFFD" \
	'[.findings[] | select(.rule == "compatible-mismatch") | .message] | .[0] | contains("2J\ufffd")'
run show $(live "$work/terminal")
expect_printable "show: text output holds no control bytes" "$out"
run audit --before "$work/before.snap" $(live "$work/terminal") --side outgoing --html "$work/terminal.html"
expect_printable "audit: text output holds no control bytes" "$out"
expect_utf8 "audit --html: valid UTF-8" "$work/terminal.html"
if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' "$work/terminal.html"; then
	tap_not_ok "audit --html: no control bytes"
else
	tap_ok "audit --html: no control bytes"
fi
cp -r "$work/clean" "$work/status"
printf 'error \033]0;pwn\007\377\n' >"$work/status/debugfs/iommu/liveupdate/outgoing/status"
run check --json $(live "$work/status")
expect "check: a status the kernel rejected is exit 2" 2
expect_printable "check: the status is escaped on standard error" "$err"
expect_grep "check: the escaped status is shown" "$err" 'error \\x1b\]0;pwn\\x07\\xff'
expect_utf8 "check --json: the error is valid UTF-8" "$out"
# A crafted snapshot: its metadata's kernel release is rewritten (same
# length, checksums recomputed) to hold escapes and a line of its own.
python3 - "$work/before.snap" "$work/crafted.snap" <<'PY'
import re, struct, sys, zlib
data = bytearray(open(sys.argv[1], "rb").read())
for i in range(struct.unpack_from("<I", data, 24)[0]):
    entry = 48 + 32 * i
    kind, = struct.unpack_from("<I", data, entry)
    offset, length = struct.unpack_from("<QQ", data, entry + 8)
    if kind != 1:
        continue
    meta = bytes(data[offset:offset + length])
    release = re.search(rb"\nrelease=([^\n]*)\n", meta)
    hostile = (b"\x1b[2J\x1b]0;pwn\x07\rverdict: ready\xff" * 8)[:len(release.group(1))]
    start = offset + release.start(1)
    data[start:start + len(hostile)] = hostile
    struct.pack_into("<I", data, entry + 24, zlib.crc32(data[offset:offset + length]))
struct.pack_into("<I", data, 32, 0)
struct.pack_into("<I", data, 32, zlib.crc32(data))
open(sys.argv[2], "wb").write(data)
PY
run show "$work/crafted.snap"
expect "show: a crafted snapshot still reads" 0
expect_printable "show: its metadata is escaped" "$out"
expect_grep "show: the escaped release is shown" "$out" '^  kernel \\x1b\[2J'
run show --json "$work/crafted.snap"
expect_utf8 "show --json: its metadata is valid UTF-8" "$out"

# Bytes after the last section: once with the header's size left alone,
# once with it and the whole-file CRC made to agree.
size=$(stat -c %s "$work/before.snap")
{ cat "$work/before.snap"; printf 'trailing'; } >"$work/extended.snap"
python3 - "$work/extended.snap" "$work/trailing.snap" <<'PY'
import struct, sys, zlib
data = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", data, 16, len(data))
struct.pack_into("<I", data, 32, 0)
struct.pack_into("<I", data, 32, zlib.crc32(data))
open(sys.argv[2], "wb").write(data)
PY
run check --input "$work/extended.snap"
expect "check: a snapshot longer than its header says is refused (exit 2)" 2
expect_grep "check: the error names the header's size field" "$err" \
	"but its header \(offset 16\) says $size: truncated or extended"
run audit --before "$work/trailing.snap" $(live "$work/after")
expect "audit: a snapshot with trailing data is refused (exit 2)" 2
expect_grep "audit: the error names where the trailing data starts" "$err" \
	"8 bytes of trailing data at offset $size, after the last section"

# --- inputs that are not regular files fail at once ---
mkfifo "$work/fifo"
limit=10
run show "$work/fifo"
expect "show of a FIFO is exit 2, at once" 2
expect_grep "show: the FIFO is named" "$err" "$work/fifo: a FIFO, not a regular file"
run check --input "$work/fifo"
expect "check --input of a FIFO is exit 2, at once" 2
run check --debugfs "$work/clean/debugfs" --kcore "$work/fifo"
expect "check --kcore of a FIFO is exit 2, at once" 2
run check --debugfs "$work/clean/debugfs" --kcore "$work/clean/kcore" --notes "$work/fifo"
expect "check --notes of a FIFO is exit 2, at once" 2
cp -r "$work/clean" "$work/fifo-status"
rm "$work/fifo-status/debugfs/iommu/liveupdate/outgoing/status"
mkfifo "$work/fifo-status/debugfs/iommu/liveupdate/outgoing/status"
run check $(live "$work/fifo-status")
expect "check with a debugfs file that is a FIFO is exit 2, at once" 2
limit=120
run show "$work"
expect "show of a directory is exit 2" 2
expect_grep "show: a directory is called one, not truncated" "$err" "$work: a directory, not a regular file"

# --- a kernel without the series: which reason holds ---
mkdir -p "$work/unmounted/debugfs"
run check $(live "$work/unmounted")
expect "check: debugfs not mounted is exit 2" 2
expect_grep "check: says debugfs is not mounted" "$err" 'debugfs is not mounted there'
run check --debugfs "$work/nowhere"
expect_grep "check: a missing debugfs directory is not mounted either" "$err" 'nowhere: debugfs is not mounted there'
mkdir -p "$work/no-iommu-debugfs/debugfs/kho/out"
run check $(live "$work/no-iommu-debugfs")
expect "check: no iommu directory in debugfs is exit 2" 2
expect_grep "check: says CONFIG_IOMMU_DEBUGFS is off" "$err" 'iommu: no such directory: the kernel is built without CONFIG_IOMMU_DEBUGFS'
mkdir -p "$work/no-series/debugfs/kho/out" "$work/no-series/debugfs/iommu/intel"
run check $(live "$work/no-series")
expect "check: no series is exit 2" 2
expect_grep "check: says the series is absent" "$err" 'iommu/liveupdate: no such directory: the running kernel does not have the IOMMU live update series'
run check --debugfs "$work/empty/debugfs" --kcore "$work/nowhere/kcore"
expect "check: nothing preserved needs no kcore (exit 1)" 1
expect_grep "check: and says nothing is preserved" "$out" '^verdict: not ready: no IOMMU state is preserved'

# --- outputs never overwrite inputs; reports are private ---
cp "$work/before.snap" "$work/before.copy"
run audit --before "$work/before.snap" --after "$work/after.snap" --html "$work/before.snap"
expect "audit --html onto --before is exit 2" 2
cmp -s "$work/before.snap" "$work/before.copy"
tap_result $? "audit --html: the before snapshot is intact"
ln "$work/before.snap" "$work/hardlink.snap"
run audit --before "$work/hardlink.snap" --after "$work/after.snap" --html "$work/before.snap"
expect "audit --html onto a hard link of --before is exit 2" 2
expect_grep "audit --html: says it is the same file" "$err" 'the same file as the input'
run check --input "$work/before.snap" --snapshot "$work/before.snap"
expect "check --snapshot onto --input is exit 2" 2
cmp -s "$work/before.snap" "$work/before.copy"
tap_result $? "check --snapshot: the input is intact"
run check --input "$work/before.snap" --snapshot "$work/before.snap"
run audit --before "$work/not-yet.snap" --after "$work/after.snap" --html "$work/not-yet.snap"
expect "audit --html onto a --before that does not exist yet is exit 2" 2
expect_grep "audit: refused as the same path" "$err" 'not-yet.snap: the same file as the input'
(umask 022 && "$iolu" audit --before "$work/before.snap" --after "$work/after.snap" \
	--html "$work/mode.html" >/dev/null 2>&1)
mode=$(stat -c %a "$work/mode.html" 2>/dev/null)
tap_unless "$([ "$mode" = 600 ] || echo "mode $mode")" "audit --html: the page is 0600 under umask 022"
(umask 077 && "$iolu" snapshot $(live "$work/clean") "$work/mode.snap" >/dev/null 2>&1)
mode=$(stat -c %a "$work/mode.snap" 2>/dev/null)
tap_unless "$([ "$mode" = 600 ] || echo "mode $mode")" "snapshot: the file is 0600 under umask 077"

# --- messages ---
run show "$work/nope.snap"
tap_unless "$([ "$(grep -o nope.snap "$err" | wc -l)" = 1 ] || cat "$err")" "show: the path is named once"
expect_grep "show: one shape, iolu CMD: what: where: why" "$err" \
	"^iolu show: cannot read the snapshot: $work/nope.snap: No such file or directory$"
printf 'hello\n' >"$work/not-elf"
run check --debugfs "$work/clean/debugfs" --kcore "$work/not-elf"
expect "check: a kcore that is not ELF is exit 2" 2
expect_grep "check: says it is not ELF" "$err" 'not-elf: not an ELF file$'
expect_no_grep "check: no errno-0 message" "$err" 'no error|Success'
run check --list-rules --json
expect "check --list-rules --json: exit 0" 0
expect_json "check --list-rules --json: the rules as JSON" \
	'[.rules[] | select(.rule == "refcount-mismatch" and .severity == "error" and (.meaning | length) > 0)] | length == 1'
run check --json --list-rules
expect_json "check --json --list-rules: the same, whatever the order" '(.rules | length) > 10'
run check --json --bogus
expect "check --json with a bad option is exit 2" 2
expect_json "check --json: bad usage is could not check too" \
	'.ready == false and .verdict == "could not check" and (.error | contains("--bogus"))'
run audit --json
expect_json "audit --json: bad usage is could not audit too" \
	'.continuity == false and .verdict == "could not audit" and (.error | contains("--before FILE is required"))'
run show --json --extents lots
expect_json "show --json: bad usage is could not show too" '.verdict == "could not show"'
run show --json "$work/nope.snap"
expect "show --json of a missing file is exit 2" 2
expect_json "show --json: an error object" \
	'.verdict == "could not show" and (.error | contains("nope.snap"))'

# --- version, --quiet, -v ---
run --version
expect "--version: exit 0" 0
expect_grep "--version: prints the version" "$out" '^iolu [0-9]+\.[0-9]+\.[0-9]+'
version=$(sed -n 's/^iolu //p' "$out")
run -V
expect_grep "-V: the same" "$out" "^iolu $version\$"
run --bogus check
expect "an unknown option before the command is exit 2" 2
expect_grep "the unknown option before the command is named" "$err" "^iolu: invalid option '--bogus'"
run -v
expect "-v without a command is exit 2" 2
expect_grep "-v without a command prints the usage" "$err" '^usage: iolu \[-v\] COMMAND'
run bogus --version
expect "an unknown command is exit 2, whatever follows it" 2
expect_grep "the unknown command is named" "$err" "^iolu: unknown command 'bogus'"
run -v check --list-rules
expect "-v before a command passes the command its options" 0
run check --json $(live "$work/clean")
expect_json "check --json: the version of iolu" ".iolu_version == \"$version\""
run audit --json --before "$work/before.snap" --after "$work/after.snap"
expect_json "audit --json: the version of iolu, and of what wrote the snapshot" \
	".iolu_version == \"$version\" and .before.written_by == \"$version\""
expect_grep "audit --html: the page names the version" "$work/mode.html" "Written by iolu $version\\."
run check --json --debugfs "$work/nowhere"
expect_json "check --json: a failure names the version too" ".iolu_version == \"$version\""
run check --quiet $(live "$work/clean")
expect "check --quiet: ready is exit 0" 0
tap_result "$([ -s "$out" ] && echo 1 || echo 0)" "check --quiet: nothing on standard output"
run check --quiet --json $(live "$work/refcount")
expect "check --quiet: not ready is exit 1" 1
tap_result "$([ -s "$out" ] && echo 1 || echo 0)" "check --quiet --json: nothing on standard output"
run check --quiet --debugfs "$work/nowhere"
expect "check --quiet: could not check is exit 2" 2
tap_result "$([ -s "$out" ] || [ ! -s "$err" ] && echo 1 || echo 0)" "check --quiet: the error still on standard error, nothing on standard output"
run audit --quiet --before "$work/before.snap" $(live "$work/remap")
expect "audit --quiet: not proven is exit 1" 1
tap_result "$([ -s "$out" ] && echo 1 || echo 0)" "audit --quiet: nothing on standard output"
run -v check $(live "$work/clean")
expect "-v check: exit 0" 0
expect_grep "-v: the library says what it read" "$err" "^iolu: debug: $work/clean/kcore: 1 segment with a physical address"
run check -v --input "$work/before.snap"
expect_grep "check -v: the same after the command" "$err" "^iolu: debug: $work/before.snap: snapshot version 3"
run check $(live "$work/clean")
tap_result "$([ -s "$err" ] && echo 1 || echo 0)" "without -v: nothing on standard error"

# --- hostile input: memory and output stay bounded ---
# Every domain shares one table of 4096 extents that never merge, and the
# incoming side swaps them: snapshots under 1 MB that once made audit
# --json hold 12 GiB and print 1.5 GB. The plain build runs under a 256 MiB
# address-space limit (ASan's shadow memory could not), which bounds its
# peak RSS too; /usr/bin/time's count is shown.
mk hostile-before --devices 4000 --per-domain 1 --pages 4096 --break shared-table
mk hostile-after --devices 4000 --per-domain 1 --pages 4096 --side incoming --break shared-table
run snapshot $(live "$work/hostile-before") "$work/hostile-before.snap"
run snapshot --side incoming $(live "$work/hostile-after") "$work/hostile-after.snap"
plain=$root/build/iolu
bounded() {
	out=$work/out.$((tap_n + 1))
	err=$work/err.$((tap_n + 1))
	(
		ulimit -v 262144
		if [ -x /usr/bin/time ]; then
			exec /usr/bin/time -f %M -o "$work/rss" timeout "$limit" "$plain" "$@"
		fi
		exec timeout "$limit" "$plain" "$@"
	) >"$out" 2>"$err"
	rc=$?
	[ -s "$work/rss" ] && echo "peak RSS $(tail -n 1 "$work/rss") KiB: iolu $1 $2" | tap_comment
	rm -f "$work/rss"
}
# expect_smaller NAME FILE BYTES
expect_smaller() {
	local size
	size=$(stat -c %s "$2")
	if [ "$size" -lt "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$size bytes, the bound is $3"
	fi
}
hostile_pair=(--before "$work/hostile-before.snap" --after "$work/hostile-after.snap")
bounded audit --json "${hostile_pair[@]}"
expect "audit --json: a hostile pair fits in 256 MiB (exit 1)" 1
expect_smaller "audit --json: its output stays under 16 MB" "$out" 16000000
expect_json "audit --json: at most 1000 findings printed, the rest counted" \
	'(.findings | length) == 1000 and .counts.not_printed == (.counts.errors + .counts.warnings + .counts.info - 1000)'
expect_json "audit --json: at most 20000 extents printed, the rest counted" \
	'([.state_after.domains[].page_table | select(.extents) | .extents | length] | add) == 20000 and ([.state_after.domains[].page_table.extents_not_printed // 0] | add) > 0'
bounded audit --quiet --html "$work/hostile.html" "${hostile_pair[@]}"
expect "audit --html: the same pair fits in 256 MiB (exit 1)" 1
expect_smaller "audit --html: the page stays under 16 MB" "$work/hostile.html" 16000000
expect_grep "audit --html: says how many findings it left out" "$work/hostile.html" \
	'^<p>\.\.\. and [0-9]+ more findings not printed\.</p>$'
bounded show --json --extents 100000 "$work/hostile-after.snap"
expect "show --json: the hostile state fits in 256 MiB (exit 0)" 0
expect_smaller "show --json: its output stays under 16 MB" "$out" 16000000
bounded show --extents 100000 "$work/hostile-after.snap"
expect_smaller "show: --extents cannot multiply through shared tables" "$out" 16000000
expect_grep "show: says the report's limit is reached" "$out" \
	"more extents \(the report's limit of 20000 is reached\)$"

# --- LUO: sessions, files, memfds (snapshots of the fixture builder, the
# fuzz seeds that make-corpus writes) ---
seeds=$root/tests/fuzz/corpus/fuzz_snapshot
run show "$seeds/luo.snap"
expect "show: a snapshot with LUO's state (exit 0)" 0
expect_grep "show: the LUO view and where it came from" "$out" '^LUO sessions \(serialized\): 1$'
expect_grep "show: the session" "$out" '^  session "fixture-vm"$'
expect_grep "show: each memfd with its token, size, seals and folios" "$out" \
	'^    memfd token 0x3e8 \(memfd-v2\): 12 KiB, seals 0x7, 3 folios$'
expect_grep "show: the iommufd with its HW pagetables" "$out" \
	'^    iommufd token 0x7 \(iommufd-v1\): 2 HW pagetables, 2 mappings$'
run show "$work/before.snap"
expect_grep "show: a snapshot without LUO's state says so" "$out" \
	'^LUO sessions: not read \(the snapshot source carries no LUO state\)$'
run show --json "$seeds/luo.snap"
expect_json "show --json: sessions, files, memfd seals" \
	'.luo.present and .luo.origin == "serialized" and .luo.sessions[0].name == "fixture-vm" and ([.luo.sessions[0].files[] | select(.kind == "memfd")] | length) == 2 and .luo.sessions[0].files[0].memfd.seals == "0x7"'
run check --input "$seeds/luo.snap"
expect "check: every DMA target is a page of its session's memfds (exit 0)" 0
run check --json --input "$seeds/luo-foreign.snap"
expect "check: a DMA target no memfd of the session holds is not ready (exit 1)" 1
expect_json "check --json: dma-target-foreign on the domain, an error" \
	'[.findings[] | select(.rule == "dma-target-foreign")] | length == 1 and .[0].object.kind == "domain" and .[0].severity == "error"'
run audit --before "$seeds/luo.snap" --after "$seeds/luo.snap"
expect "audit: the same memfd pages on both sides (exit 0)" 0
expect_grep "audit: IOVA range -> memfd (session, token) offset, the same" "$out" \
	'^  domain 101 IOVA 0x101000 \+4 KiB -> memfd \("fixture-vm", token 0x3e9\) offset 0x1000, page 0x[0-9a-f]+ -> 0x[0-9a-f]+: same$'
run audit --json --before "$seeds/luo.snap" --after "$seeds/luo-moved.snap"
expect "audit: an IOVA that moved to another memfd is not proven (exit 1)" 1
expect_json "audit --json: memfd-continuity-broken, and the range marked" \
	'([.findings[] | select(.rule == "memfd-continuity-broken")] | length) == 1 and ([.memfd_continuity.ranges[] | select(.same | not)] | length) == 1 and .memfd_continuity.before_view and .memfd_continuity.after_view'
run audit --before "$seeds/luo.snap" --after "$seeds/luo-moved.snap" --html "$work/luo.html"
expect_grep "audit --html: the memfd continuity table marks the moved range" "$work/luo.html" \
	'<td class="fail">different</td>'
run audit --before "$work/before.snap" --after "$work/after.snap"
expect_grep "audit: without LUO's state, memfd continuity is not claimed" "$out" \
	'^memfd continuity: not stated, no LUO view before kexec$'

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
