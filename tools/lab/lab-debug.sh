#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lab-debug.sh [SUITE...]: every lab scenario with the debug lab kernel
# (lockdep, KASAN, atomic-sleep checks and kmemleak,
# kernel-patches/debug.config), or those of the SUITEs (tests/lab/*.t)
# given.
#
# Builds the debug kernel (cached like the lab kernel, in its own object
# directory), runs the lab's scenario suites with it, their output under
# build/lab-debug, then reads every console log for what the debug options
# report. The scenarios themselves ask kmemleak at their verdict. Exits
# non-zero when a suite failed or a console log has a report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suites=(tests/lab/lab.t tests/lab/iommu-lu.t tests/lab/topology.t tests/lab/chain.t
	tests/lab/trace.t tests/lab/kselftests.t)
[ $# -eq 0 ] || suites=("$@")
out=$IOLU_ROOT/build/lab-debug
# What lockdep, KASAN, the atomic-sleep check, kmemleak and the rest print
reports='BUG: KASAN|WARNING: possible|WARNING: inconsistent|BUG: sleeping function|BUG: Invalid wait context|BUG: workqueue lockup|kmemleak found leaks|cut here|BUG: unable|Oops: '

# no5lvl: QEMU's -cpu max gives the guest 5-level paging, and the KASAN
# kernel then reported a wild-memory-access in do_raw_spin_lock() from
# the first external interrupt during identify_cpu() (start_kernel(),
# before any code of the series runs, cold boots included) in 4 of about
# 40 boots; with no5lvl, none in the 14 boots of both failclosed runs.
start=$SECONDS
kernel=$("$IOLU_ROOT/tools/lab/build-kernel.sh" --debug)
step "debug kernel: $kernel (built or found in $((SECONDS - start)) s)"

rm -rf "$out"
mkdir -p "$out"
status=0
start=$SECONDS
(cd "$IOLU_ROOT" &&
	IOLU_LAB_KERNEL=$kernel IOLU_LAB_OUT=$out IOLU_LAB_TIMEOUT_SCALE=${IOLU_LAB_TIMEOUT_SCALE:-4} \
		IOLU_LAB_KHO_SCRATCH=${IOLU_LAB_KHO_SCRATCH:-64M,768M,64M} \
		IOLU_LAB_APPEND=${IOLU_LAB_APPEND-no5lvl} \
		prove -v --exec '' "${suites[@]}") || status=1
step "the suites ran in $((SECONDS - start)) s with the debug kernel"

found=$(grep -rlE "$reports" "$out" --include=console.log || true)
if [ -n "$found" ]; then
	for log in $found; do
		echo "== ${log#"$out"/}"
		grep -E -A12 "$reports" "$log" | head -n 60
	done
	die "the debug options reported problems in $(echo "$found" | wc -l) console log(s)"
fi
step "no report from lockdep, KASAN, the atomic-sleep check or kmemleak in $(find "$out" -name console.log | wc -l) console logs"
exit $status
