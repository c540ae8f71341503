#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A host's PCI topology across one live update, in TAP for prove: one boot
# and one kexec per VT-d mode carry three "VMs" at once (scenario
# iommu-lu-topology, QEMU topology "host"): an edu behind a PCIe root port,
# an edu behind a PCIe-to-PCI bridge (DMA aliased to the bridge) and two
# edus on the root bus sharing one HWPT. Each VM is its own test, so a
# failure says which topology broke.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=${IOLU_LAB_OUT:-$root/build/lab}
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

# mode name, intel-iommu properties, and why the mode is not expected to
# pass yet (empty when it must). With x-flts=on the unit translates with
# first-stage tables only, so iommufd's HWPTs are first-stage domains.
modes=(
	"legacy||"
	"scalable|x-scalable-mode=on|"
	"first-stage|x-scalable-mode=on,x-flts=on|"
)
# In scalable mode (either stage) 7.3's VT-d driver programs no context
# entry for a DMA alias (pci_pasid_table_setup() skips them), so the edu
# behind the PCIe-to-PCI bridge faults before any live update; the series
# refuses to preserve such a device rather than hand over a translation
# it lacks (iolu.refuse), which is what both scalable modes check.
vms=(port bridge shared)
# Scalable second-stage mode also gives every device a PASID directory of
# 32 pages (PDTS 7), as a device with 2^20 PASIDs has: QEMU 10.0 emulates
# no device with a PASID capability, so the series' test option sizes the
# directories (intel_iommu_lu_test_pasids), and the preserved edus' must
# come back adopted whole. First-stage mode keeps one-page directories.
big_dir_option="intel_iommu_lu_test_pasids=1048576"
big_dir_devices="0000:01:00.0 0000:00:12.0 0000:00:13.0"
echo "1..$((${#modes[@]} * (${#vms[@]} + 4) + 2))"

# The TAP directive that marks a test of a mode not expected to pass yet.
todo() {
	[ -z "$1" ] || printf ' # TODO %s' "$1"
}

for mode in "${modes[@]}"; do
	IFS='|' read -r name props why <<<"$mode"
	dir=$out/topology-$name
	console=$dir/console.log
	refuse= append= big_dirs=
	case "$name" in
	scalable) refuse=bridge big_dirs=$big_dir_devices
		append="iolu.refuse=$refuse $big_dir_option" ;;
	first-stage) refuse=bridge append="iolu.refuse=$refuse" ;;
	esac
	"$run" --timeout 600 --topology host ${props:+--iommu-props "$props"} \
		${append:+--append "$append"} --run-dir "$dir" iommu-lu-topology >"$dir.out" 2>&1
	rc=$?
	grep -m1 '^==> QEMU' "$dir.out" | tap_comment
	# The last verdict line per VM is the next kernel's.
	for vm in "${vms[@]}"; do
		if [ "$vm" = "$refuse" ]; then
			line=$(grep -a "lu-topo: vm $vm: \(refused\|fail\)" "$console" 2>/dev/null | head -n 1 | cut -d' ' -f2-)
			what="$name: VM '$vm' (a DMA alias this mode does not translate) is refused at preserve with EINVAL"
			# A kernel message may land on the same console line.
			case "$line" in
			*"refused as expected: "*"Invalid argument"*) tap_ok "$what"; echo "$line" | tap_comment ;;
			*) tap_not_ok "$what" "${line:-no refusal line for vm $vm}" ;;
			esac
			continue
		fi
		line=$(grep -a "lu-topo: vm $vm: \(pass\|fail\)" "$console" 2>/dev/null | tail -n 1 | cut -d' ' -f2-)
		what="$name: VM '$vm' keeps DMA before, during and after the kexec$(todo "$why")"
		# A kernel message may land on the same console line, after "pass".
		case "$line" in
		*": pass" | *": pass["*) tap_ok "$what" ;;
		*) tap_not_ok "$what" "${line:-no verdict line for vm $vm}"
		   grep -a "lu-topo: vm $vm:" "$console" 2>/dev/null | cut -d' ' -f2- | tap_comment ;;
		esac
	done
	faults=$(grep -a 'DMAR: \[DMA' "$console" 2>/dev/null | cut -d' ' -f2- | head -n 5)
	tap_unless "$faults" "$name: no DMA remapping fault in either kernel$(todo "$why")"
	if grep -aq 'iolu-lab: bridges above the edus kept Bus Master on' "$console" 2>/dev/null; then
		tap_ok "$name: the bridges above the preserved edus kept Bus Master on$(todo "$why")"
	else
		tap_not_ok "$name: the bridges above the preserved edus kept Bus Master on$(todo "$why")"
	fi
	grep -a '    bridge ' "$console" 2>/dev/null | cut -d' ' -f2- | tap_comment
	if [ -n "$big_dirs" ]; then
		missing=
		for bdf in $big_dirs; do
			grep -aq "$bdf: live update: adopts its PASID directory of 32 pages" \
				"$console" 2>/dev/null || missing+=" $bdf"
		done
		what="$name: the preserved edus' 32-page PASID directories are adopted whole"
		if [ -z "$missing" ]; then
			tap_ok "$what"
		else
			tap_not_ok "$what" "no adoption line for$missing"
			grep -a 'PASID directory' "$console" 2>/dev/null | cut -d' ' -f2- | head -n 5 | tap_comment
		fi
	fi
	for step in check audit; do
		rc_file=$dir/share/$step.rc
		what="$name: iolu $step passes around the live update$(todo "$why")"
		if [ "$(cat "$rc_file" 2>/dev/null)" = 0 ]; then
			tap_ok "$what"
		else
			tap_not_ok "$what" "iolu $step exited $(cat "$rc_file" 2>/dev/null || echo '(did not run)')"
			grep -E '^ *(error|warning) |verdict' "$dir/share/$step.txt" 2>/dev/null | head -n 8 | tap_comment
		fi
	done
	[ $rc = 0 ] || tap_tail "$dir.out" 5
done

consoles=()
for mode in "${modes[@]}"; do
	consoles+=("$out/topology-${mode%%|*}/console.log")
done
tap_kernel_clean "no WARN, BUG or oops in either kernel of any mode" "${consoles[@]}"
