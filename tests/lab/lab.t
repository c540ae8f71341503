#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end lab tests, in TAP for prove: each boots the lab guest in QEMU
# (tools/lab/run-lab.sh) and asserts on its verdict and output.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=${IOLU_LAB_OUT:-$root/build/lab}
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

echo "1..8"

# 1. A real live update with what 7.3 already has (LUO and memfd).
if "$run" --timeout 300 memfd-liveupdate >"$out/memfd-liveupdate.out" 2>&1 &&
	grep -q 'lu-memfd: all 1048576 bytes of the pattern are intact' "$out/memfd-liveupdate/console.log" &&
	grep -q 'lu-memfd: session .iolu-lab. finished' "$out/memfd-liveupdate/console.log"; then
	tap_ok "memfd live update: the pattern survives kexec_file_load + LUO in a real second kernel"
	tap_tail "$out/memfd-liveupdate.out" 3
else
	tap_not_ok "memfd live update" "run-lab.sh memfd-liveupdate failed:"
	tap_tail "$out/memfd-liveupdate.out" 40
fi

# 2. The blackout was measured: both markers were seen, in order.
blackout=$(cat "$out/memfd-liveupdate/blackout_seconds" 2>/dev/null)
if [ -n "$blackout" ] && awk -v b="$blackout" 'BEGIN { exit !(b > 0) }'; then
	tap_ok "live update blackout measured: $blackout s (host clock, serial console)"
else
	tap_not_ok "live update blackout measured" "no 'kexec now' followed by 'userspace up' in the console"
fi

# 3. An unknown scenario: the guest boots, says why, the runner fails.
if "$run" --timeout 120 no-such-scenario >"$out/unknown.out" 2>&1; then
	tap_not_ok "an unknown scenario fails" "run-lab.sh returned 0 for a scenario that does not exist"
elif grep -q "no scenario named 'no-such-scenario'" "$out/unknown.out"; then
	tap_ok "an unknown scenario fails with the guest's reason"
else
	tap_not_ok "an unknown scenario fails with the guest's reason"
	tap_tail "$out/unknown.out"
fi

# 4. A guest that never answers: the hard timeout ends it with a reason.
if "$run" --timeout 20 never-answers >"$out/never-answers.out" 2>&1; then
	tap_not_ok "a silent guest is stopped at the timeout" "run-lab.sh returned 0"
elif grep -q "gave no verdict within $((20 * ${IOLU_LAB_TIMEOUT_SCALE:-1})) s" "$out/never-answers.out"; then
	tap_ok "a silent guest is stopped at the timeout with a reason"
else
	tap_not_ok "a silent guest is stopped at the timeout with a reason"
	tap_tail "$out/never-answers.out"
fi

# 5. The KUnit suites built into the lab kernel (the series' own tests).
if "$run" --timeout 300 kunit >"$out/kunit.out" 2>&1; then
	tap_ok "KUnit suites in the lab kernel pass"
	grep 'kunit suite' "$out/kunit/console.log" | sed 's/^[^ ]* iolu-lab: /# /'
	grep -E '^ +(not )?ok [0-9]+ ' "$out/kunit/share/kunit.tap" | tap_comment
elif grep -q 'no KUnit suites are built' "$out/kunit.out"; then
	tap_ok "KUnit suites in the lab kernel pass # SKIP the lab kernel has no KUnit suites yet"
else
	tap_not_ok "KUnit suites in the lab kernel pass"
	grep -E 'kunit suite|not ok' "$out/kunit/console.log" | cut -d' ' -f2- | tap_comment
	tap_tail "$out/kunit.out" 5
fi

# 6. The series' debugfs view of the state, in a real boot.
if "$run" --timeout 120 iommu-lu-debugfs >"$out/iommu-lu-debugfs.out" 2>&1; then
	tap_ok "IOMMU live update debugfs: files present, read-only, no state while nothing is preserved"
else
	tap_not_ok "IOMMU live update debugfs"
	tap_tail "$out/iommu-lu-debugfs.out" 20
fi

# 7. The instruction clock (what `make bench` times the tracer with first):
# a guest on it runs a scenario to its verdict, and the bench's loops
# report their rates.
if "$run" --icount --timeout 300 --run-dir "$out/icount" \
	--append "iolu.bench_iterations=1000 iolu.bench_loops=1 iolu.bench_mode=none" \
	trace-bench >"$out/icount.out" 2>&1 &&
	grep -q "booting the lab guest (tcg, instruction clock)" "$out/icount.out" &&
	[ "$(grep -c '^none \(untraced\|traced\) [1-9][0-9]*$' "$out/icount/share/trace-bench.txt")" = 2 ]; then
	tap_ok "--icount: the guest runs on the instruction clock and the map/unmap loops report their rates"
else
	tap_not_ok "--icount: the guest runs on the instruction clock"
	tap_tail "$out/icount.out" 20
fi

# 8. The instruction clock exists only under TCG: asking for it with
# another accelerator fails before booting, naming both.
if IOLU_ACCEL=kvm "$run" --icount --timeout 20 trace-bench >"$out/icount-kvm.out" 2>&1; then
	tap_not_ok "--icount with IOLU_ACCEL=kvm fails" "run-lab.sh returned 0"
elif grep -q -- "--icount counts instructions under TCG; IOLU_ACCEL=kvm" "$out/icount-kvm.out" &&
	! grep -q "booting the lab guest" "$out/icount-kvm.out"; then
	tap_ok "--icount with IOLU_ACCEL=kvm fails before booting, naming the conflict"
else
	tap_not_ok "--icount with IOLU_ACCEL=kvm fails before booting, naming the conflict"
	tap_tail "$out/icount-kvm.out"
fi
