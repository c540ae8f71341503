#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Peak memory of the real iolu on crafted snapshots of up to 64 MiB: every
# command stays under 256 MiB, whatever the snapshot holds. The peak is
# the child's ru_maxrss (getrusage after it exits), a bound on memory, not
# a timing. The plain build runs: ASan's shadow memory would be measured
# too. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
iolu=$root/build/iolu
mkstate=$root/build/cli/mkstate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

bound_kib=262144
max_snapshot=$((64 << 20))

live() {
	echo --debugfs "$1/debugfs" --kcore "$1/kcore" --notes "$1/no-notes"
}

# snapshot NAME SIDE MKSTATE-ARGS...: a fake live kernel, saved by iolu
# snapshot to $work/NAME.snap; the fake kernel is dropped.
snapshot() {
	local name=$1 side=$2
	shift 2
	"$mkstate" --side "$side" "$@" "$work/$name" >/dev/null &&
		"$iolu" snapshot --side "$side" $(live "$work/$name") "$work/$name.snap" >/dev/null
	local rc=$?
	rm -rf "${work:?}/$name"
	return $rc
}

# peak NAME EXPECTED-EXIT ARGS...: run iolu ARGS, output discarded; its
# exit code and peak RSS must be as expected.
peak() {
	local name=$1 want=$2 result rc kib
	shift 2
	result=$(python3 - "$iolu" "$@" <<'EOF'
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
	)
	read -r rc kib <<<"$result"
	if [ "$rc" != "$want" ]; then
		tap_not_ok "$name" "exit $rc, expected $want"
	elif [ "$kib" -gt "$bound_kib" ]; then
		tap_not_ok "$name" "peak RSS $kib KiB, the bound is $bound_kib KiB"
	else
		tap_ok "$name"
	fi
	echo "peak RSS $kib KiB" | tap_comment
}

# expect_size NAME FILE: FILE is a large snapshot, at most 64 MiB.
expect_size() {
	local size
	size=$(stat -c %s "$2" 2>/dev/null || echo 0)
	if [ "$size" -gt $((max_snapshot * 15 / 16)) ] && [ "$size" -le "$max_snapshot" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$size bytes, wanted 60 to 64 MiB"
	fi
}

# Four domains, each with a table of 2,000,000 extents that never merge
# (two data pages, alternating; the incoming side swaps them, so every
# extent differs): as many extents as one walk takes, 15,680 table pages.
snapshot split-before outgoing --devices 4 --per-domain 1 --pages 2000000 --break split-tables
snapshot split-after incoming --devices 4 --per-domain 1 --pages 2000000 --break split-tables
expect_size "a 64 MiB snapshot of four huge unmergeable tables" "$work/split-before.snap"
expect_size "its incoming twin, every extent different" "$work/split-after.snap"
pair=(--before "$work/split-before.snap" --after "$work/split-after.snap")
peak "check --json of it stays under 256 MiB (ready: exit 0)" 0 \
	check --json --input "$work/split-before.snap"
peak "show --json of it stays under 256 MiB" 0 show --json "$work/split-after.snap"
peak "audit --json of the pair stays under 256 MiB (exit 1)" 1 audit --json "${pair[@]}"
peak "audit --html of the pair stays under 256 MiB (exit 1)" 1 \
	audit --quiet --html "$work/report.html" "${pair[@]}"

# One table of 8,000,000 unmergeable extents: the walk stops at its limit
# (an error finding), with what it walked so far in memory.
snapshot huge outgoing --devices 1 --per-domain 1 --pages 8000000 --break shared-table
peak "check of one table past the walk's limit stays under 256 MiB (exit 1)" 1 \
	check --input "$work/huge.snap"
peak "audit --json of it against itself stays under 256 MiB (exit 1)" 1 \
	audit --json --before "$work/huge.snap" --after "$work/huge.snap"

echo "1..$tap_n"
