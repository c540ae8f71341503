#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A host chaining live updates, in TAP for prove: a run of scenario
# iommu-lu-chain in each of the VT-d unit's modes (legacy, scalable and
# first-stage), four kernels and three kexecs in a row, with edu doing DMA
# at the same IOVA through all of them while each next kernel takes the
# iommufd back with its HWPT restored and preserves it again. One test per
# claim and mode, so that a failure says which one broke, and the blackout
# of each kexec. A session finished with its iommufd and device never
# retrieved (DMA blocked) is iommu-lu.t's failclosed case, not repeated.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=${IOLU_LAB_OUT:-$root/build/lab}
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

# mode name, intel-iommu properties, run directory. Legacy mode is what
# 7.3 sets up by default; in the scalable modes the restored domain comes
# back through PASID-table entries, and with x-flts=on the HWPT is a
# first-stage domain, whose table format the restore and the iommufd's
# checks walk instead.
modes=(
	"legacy||iommu-lu-chain"
	"scalable|x-scalable-mode=on|iommu-lu-chain-scalable"
	"first-stage|x-scalable-mode=on,x-flts=on|iommu-lu-chain-first-stage"
)
echo "1..$((${#modes[@]} * 25))"

# claim NAME KERNELS TEXT...: one test, that each check TEXT passed in
# each of KERNELS ("ok: kernel K: TEXT" from lu-chain's checks or the
# scenario's steps). A failure shows lu-chain's errors: its lines with a
# colon after the kernel number, less the "running: " progress lines.
claim() {
	local name=$1 kernels=$2 kernel text lines=()
	shift 2
	for kernel in $kernels; do
		for text in "$@"; do
			lines+=("ok: kernel $kernel: $text")
		done
	done
	tap_claim "$name" "$console" \
		'FAIL: |lu-chain: kernel [0-9]: ([^r]|r[^u]|ru[^n]).*: |step failed' "${lines[@]}"
}

# same_row KEXEC IOVA TOKEN: the audit's row of a range at IOVA that maps,
# before and after, the same page at offset 0 of memfd TOKEN of session
# iolu-chain-KEXEC.
same_row() {
	echo "^  domain [0-9]+ IOVA $2 \\+[0-9.]+ [KMG]iB -> memfd \\(\"iolu-chain-$1\", token $3\\) offset 0x0, page 0x[0-9a-f]+ -> 0x[0-9a-f]+: same$"
}

# audit_problems KEXEC: what is wrong with the audit after KEXEC: every
# IOVA range the same memfd page of session iolu-chain-KEXEC, memfd A
# (token 1) at 0x4000000 each time, memfd B (token 4) at 0x6000000 only
# after kexec 2.
audit_problems() {
	local kexec=$1 kernel=$(($1 + 1)) audit=$share/audit-$1.txt

	[ -f "$audit" ] || { echo "no $audit"; return; }
	grep -aqF "ok: kernel $kernel: iolu audit" "$console" || echo "the audit step did not pass"
	grep -qE "$(same_row "$kexec" 0x4000000 0x1)" "$audit" || echo "no row of memfd A at 0x4000000"
	if [ "$kexec" = 2 ]; then
		grep -qE "$(same_row "$kexec" 0x6000000 0x4)" "$audit" ||
			echo "no row of memfd B at 0x6000000"
	elif grep -qE '^  domain [0-9]+ IOVA 0x6' "$audit"; then
		echo "a range at 0x6000000, where memfd B is not mapped"
	fi
	! grep -qE 'DIFFERENT|-> no memfd' "$audit" || echo "a range changed or is no memfd's"
}

# chain_tests: the 25 tests of one mode's run, from its exit status $rc
# and what it left in $dir.
chain_tests() {
	what="three live updates in a row, edu doing DMA at IOVA 0x4000000 through all of them"
	if [ $rc = 0 ]; then
		tap_ok "$what"
	else
		tap_not_ok "$what"
		tap_tail "$dir.out" 30
	fi

	for kexec in 1 2 3; do
		kernel=$((kexec + 1))
		claim "kexec $kexec: the transfer in flight landed, edu's buffer survived, and edu copies both ways at IOVA 0x4000000 on its restored HWPT" \
			"$kernel" "the copy edu made in kernel $kexec is intact" \
			"the DMA in flight during kexec $kexec landed" \
			"VFIO_DEVICE_ATTACH_IOMMUFD_PT to the restored HWPT" \
			"edu's buffer kept across kexec $kexec" \
			"edu's DMA both ways (memfd A at IOVA" \
			"LIVEUPDATE_SESSION_FINISH with the device on its restored HWPT"
	done
	claim "kexec 2 carried the mapping kernel 2 added after its finish: memfd B intact, edu copies both ways at IOVA 0x6000000" \
		3 "the copy edu made through memfd B in kernel 2 is intact" \
		"edu's DMA both ways (memfd B at IOVA"

	claim "the retrieved iommufd restores the marked HWPT and its IOAS (IOMMU_HWPT_LU_GET_RESTORED), after each kexec" \
		"2 3 4" "IOMMU_HWPT_LU_GET_RESTORED with token 0x10" "the restored HWPT ("
	claim "IOMMU_HWPT_LU_GET_RESTORED with a token no HWPT was marked with fails with ENOENT, after each kexec" \
		"2 3 4" "IOMMU_HWPT_LU_GET_RESTORED with a token no HWPT was marked with"
	claim "finishing the session with the device retrieved and its iommufd not is refused with EBUSY, after each kexec" \
		"2 3 4" "LIVEUPDATE_SESSION_FINISH with the device retrieved and its iommufd not"
	claim "until the finish the restored IOAS refuses IOMMU_IOAS_MAP, MAP_FILE and UNMAP with EBUSY, after each kexec" \
		"2 3 4" "IOMMU_IOAS_MAP on the restored IOAS" "IOMMU_IOAS_MAP_FILE on the restored IOAS" \
		"IOMMU_IOAS_UNMAP on the restored IOAS"
	claim "the retrieved device binds to the retrieved iommufd without a reset (still bus master), after each kexec" \
		"2 3 4" "VFIO_DEVICE_BIND_IOMMUFD of the retrieved device to the retrieved iommufd" \
		"edu is still bus master after the bind"
	claim "before its restored HWPT the retrieved device attaches to no other (EBUSY), after each kexec" \
		"2 3 4" "attach the device to a new HWPT before its restored one"

	claim "after the finish the restored IOAS is ordinary: a new sealed memfd mapped at IOVA 0x6000000, edu copies through it" \
		2 "IOMMU_IOAS_MAP_FILE of sealed memfd B at IOVA 0x6000000" \
		"edu's DMA both ways (memfd B at IOVA"
	claim "after the finish IOMMU_IOAS_COPY works in the restored IOAS: memfd A copied to IOVA 0x8000000, edu copies through the copy, and unmapping the copy leaves memfd A's IOVA working" \
		2 "IOMMU_IOAS_COPY of memfd A's range within the restored IOAS to IOVA 0x8000000" \
		"edu's DMA both ways (memfd A through its copy at IOVA" \
		"IOMMU_IOAS_UNMAP of the copy at IOVA 0x8000000"
	claim "unmapping IOVA 0x6000000 after the finish tears it down: edu's DMA there faults and leaves memfd B unchanged" \
		3 "IOMMU_IOAS_UNMAP of memfd B's IOVA range after the finish" \
		"edu's DMA to the unmapped IOVA left memfd B unchanged" \
		"the IOMMU faulted edu's DMA to the unmapped IOVA 0x6030000" \
		"the IOMMU faulted edu's DMA to unmapped IOVA 0x6030000"
	claim "the restored HWPT is marked again, preserved in a new session and frozen again, in kernels 2 and 3" \
		"2 3" "IOMMU_HWPT_LU_SET_PRESERVE of the restored HWPT" \
		"IOMMU_IOAS_MAP on the preserved IOAS" "IOMMU_IOAS_MAP_FILE on the preserved IOAS" \
		"IOMMU_IOAS_UNMAP on the preserved IOAS"
	claim "kexec 3 carried no mapping at IOVA 0x6000000, which kernel 3 unmapped before preserving" \
		4 "IOMMU_IOAS_UNMAP at memfd B's old IOVA 0x6000000 finds nothing"

	# The verifier on each outgoing state, and each next kernel against it.
	for kexec in 1 2 3; do
		check=$share/check-$kexec.txt
		what="iolu check before kexec $kexec: the preserved state is ready; snapshot before-$kexec.iolu saved"
		if grep -qw ready "$check" 2>/dev/null && ! grep -qi 'not ready' "$check" &&
			[ -s "$share/before-$kexec.iolu" ]; then
			tap_ok "$what"
		else
			tap_not_ok "$what" "no ready verdict in $check or no snapshot"
			tap_tail "$check" 10 2>/dev/null
		fi
	done

	for kexec in 1 2 3; do
		problems=$(audit_problems "$kexec")
		tap_unless "${problems//$'\n'/; }" \
			"iolu audit after kexec $kexec: every IOVA range maps the same memfd page as in before-$kexec.iolu"
		[ -z "$problems" ] || grep -A6 '^memfd continuity' "$share/audit-$kexec.txt" 2>/dev/null | tap_comment
	done

	# The one fault the chain makes on purpose: kernel 3's DMA to the IOVA it
	# unmapped, for edu's requester ID.
	faults=$(grep -aE 'DMAR: \[DMA (Read|Write)' "$console" 2>/dev/null | cut -d' ' -f2-)
	others=$(grep -v 'fault addr 0x6030000 ' <<<"$faults")
	if [ -n "$faults" ] && [ -z "$others" ]; then
		tap_ok "the only DMA remapping faults in the four kernels are at the IOVA kernel 3 unmapped"
		head -n 2 <<<"$faults" | tap_comment
	else
		tap_not_ok "the only DMA remapping faults in the four kernels are at the IOVA kernel 3 unmapped" \
			"${others:-no fault at 0x6030000 logged}"
	fi

	mapfile -t blackouts < <(cat "$dir/blackouts" 2>/dev/null)
	if [ ${#blackouts[@]} = 3 ]; then
		tap_ok "blackouts of the three kexecs with edu's DMA in flight: ${blackouts[*]} s (host clock, serial console)"
	else
		tap_not_ok "blackouts of the three kexecs measured" "${#blackouts[@]} measured"
	fi
	for kexec in "${!blackouts[@]}"; do
		echo "kexec $((kexec + 1)): blackout ${blackouts[$kexec]} s" | tap_comment
	done

	tap_kernel_clean "no WARN, BUG or oops in any of the four kernels" "$console"
}

for mode in "${modes[@]}"; do
	IFS='|' read -r name props run_dir <<<"$mode"
	dir=$out/$run_dir
	console=$dir/console.log
	share=$dir/share
	"$run" --timeout 600 ${props:+--iommu-props "$props"} --run-dir "$dir" \
		iommu-lu-chain >"$dir.out" 2>&1
	rc=$?
	tap_prefix="$name: "
	grep -m1 '^==> QEMU' "$dir.out" | tap_comment
	chain_tests
done
