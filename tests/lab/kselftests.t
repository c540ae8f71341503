#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own selftests of what the series touches, run on the
# patched lab kernel (tests/lab/scenarios/kernel-selftests.sh), in TAP for
# prove: iommufd (tools/testing/selftests/iommu) and live update
# (tools/testing/selftests/liveupdate, its kexec tests across one real
# kexec). They are written by others and catch regressions ours would not.
# IOLU_KSELFTESTS picks the non-kexec programs (comma-separated; `make
# kselftests` runs them all, iommufd_fail_nth included).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=$root/build/lab
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

picked=${IOLU_KSELFTESTS:-iommufd,liveupdate}
kexec_tests="luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files"
count=$((1 + $(echo "$picked" | tr ',' '\n' | grep -c .) + 2 * 4))
echo "1..$count"

"$run" --timeout "${IOLU_KSELFTESTS_TIMEOUT:-1200}" --append "iolu.kselftests=$picked" \
	kernel-selftests >"$out/kernel-selftests.out" 2>&1
tap_result $? "the selftest scenario boots, runs every program, kexecs and finishes"
tap_tail "$out/kernel-selftests.out" 2
share=$out/kernel-selftests/share

# One TAP line per selftest program run: it exited 0. Its own totals, and
# any test it failed, as comments.
program_result() {
	local name=$1 what=$2 rc
	rc=$(cat "$share/ks-$name.rc" 2>/dev/null || echo "no exit code")
	if [ "$rc" = 0 ]; then
		tap_ok "$what"
	else
		tap_not_ok "$what" "exit: $rc"
		grep -E '^not ok|^# (FAIL|.*Bail)' "$share/ks-$name.tap" 2>/dev/null | head -n 20 | tap_comment
	fi
	grep -E '^# (Totals|Summary)|TEST PASSED' "$share/ks-$name.tap" 2>/dev/null | tap_comment
	grep -h "kselftest: $name exited" "$out/kernel-selftests/console.log" |
		sed 's/^[^ ]* iolu-lab: //' | tap_comment
}

for name in $(echo "$picked" | tr ',' ' '); do
	program_result "$name" "selftest $name passes on the patched kernel"
done
for name in $kexec_tests; do
	program_result "$name.stage1" "selftest $name: stage 1 preserves its sessions"
	program_result "$name.stage2" "selftest $name: stage 2 finds them after the kexec"
done
