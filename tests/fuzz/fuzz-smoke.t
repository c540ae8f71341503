#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A bounded run of each libFuzzer harness over its checked-in seed corpus:
# a fixed number of inputs, a few seconds. `make fuzz` runs them for long.
# New inputs go to a temporary directory, never into the checked-in corpus.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

harnesses=(fuzz_snapshot fuzz_graph fuzz_kernel_image fuzz_boottrace)
echo "1..$(( ${#harnesses[@]} * 2 ))"

for harness in "${harnesses[@]}"; do
	corpus=$root/tests/fuzz/corpus/$harness
	seeds=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ "$seeds" -gt 0 ]; then
		tap_ok "$harness has a seed corpus ($seeds files)"
	else
		tap_not_ok "$harness has a seed corpus" "none in $corpus"
	fi
	mkdir -p "$work/$harness"
	"$build/fuzz/$harness" -runs=4000 -max_total_time=60 -seed=1 \
		-max_len=131072 "$work/$harness" "$corpus" \
		>"$work/$harness.log" 2>&1
	status=$?
	tap_result "$status" "$harness: 4000 runs without a crash, leak or hang"
	[ "$status" = 0 ] || tap_tail "$work/$harness.log" 30
done
