#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own selftests of what the series touches, run on the
# patched lab kernel (tests/lab/scenarios/kernel-selftests.sh), in TAP for
# prove: iommufd (tools/testing/selftests/iommu) and live update
# (tools/testing/selftests/liveupdate, its kexec tests across one real
# kexec). They are written by others and catch regressions ours would not.
# IOLU_KSELFTESTS picks the non-kexec programs (comma-separated; default
# all three: iommufd_fail_nth takes about 2 s under TCG).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=${IOLU_LAB_OUT:-$root/build/lab}
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

picked=${IOLU_KSELFTESTS:-iommufd,iommufd_fail_nth,liveupdate}
kexec_tests="luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files"
count=$((1 + $(echo "$picked" | tr ',' '\n' | grep -c .) + 2 * 4))
echo "1..$count"

"$run" --timeout "${IOLU_KSELFTESTS_TIMEOUT:-1200}" --append "iolu.kselftests=$picked" \
	kernel-selftests >"$out/kernel-selftests.out" 2>&1
tap_result $? "the selftest scenario boots, runs every program, kexecs and finishes"
tap_tail "$out/kernel-selftests.out" 2
share=$out/kernel-selftests/share

known=$root/tests/lab/kselftests.known

# The cases of program $1 that failed and are not in the known list: what
# the unpatched 7.3.4 kernel also fails in this lab, for the reason given
# there. A program that never printed its totals ran to no end and fails.
unexpected_failures() {
	local name=$1 tap=$share/ks-$1.tap
	grep -q '^# Totals:' "$tap" 2>/dev/null || { echo "(no totals: the program did not finish)"; return; }
	sed -n 's/^not ok [0-9]* \([^ ]*\).*/\1/p' "$tap" | while read -r case; do
		grep -qE "^$name $case( |$)" "$known" || echo "$case"
	done
}

# One TAP line per selftest program run: it exited 0, or failed only cases
# the unpatched kernel fails too. Its own totals, and any test it failed,
# as comments.
program_result() {
	local name=$1 what=$2 rc unexpected
	rc=$(cat "$share/ks-$name.rc" 2>/dev/null || echo "no exit code")
	unexpected=$([ "$rc" = 0 ] || unexpected_failures "$name")
	if [ "$rc" = 0 ]; then
		tap_ok "$what"
	elif [ "$rc" = 1 ] && [ -z "$unexpected" ]; then
		tap_ok "$what (its failures are the unpatched kernel's, see ${known#"$root"/})"
	else
		tap_not_ok "$what" "exit: $rc"
		printf 'not failed by the unpatched kernel: %s\n' $unexpected | head -n 20 | tap_comment
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
