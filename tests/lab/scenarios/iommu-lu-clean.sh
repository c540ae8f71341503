# SPDX-License-Identifier: GPL-2.0
# The next kernel must boot with a clean IOMMU when nothing usable was
# handed over. iolu.case picks why:
#   unpreserve   everything is preserved, then unpreserved, before the kexec;
#   compatible, count, pointer, root, mode
#                everything is preserved and the test knob corrupts the
#                outgoing state that way just before the kexec; the next
#                kernel must reject it with a message, without a crash.
#                Right before the knob is armed, `iolu snapshot` saves the
#                outgoing state to /host/outgoing.snap: the host makes the
#                knob's corruption in it and compares `iolu check` with
#                what the next kernel did (tests/lab/iommu-lu.t).
# $1 is the stage.
. /lab/lab-lib.sh

knob=/sys/kernel/debug/iommu/liveupdate/test/corrupt

stage1() {
	local case bdf extra=
	case=$(lab_param iolu.case)
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	bdf=$(lab_find_edu)
	case "$case" in
	unpreserve) extra=--unpreserve ;;
	compatible | count | pointer | root | mode)
		[ -e "$knob" ] || { lab_verdict "fail: no $knob (CONFIG_IOMMU_LIVEUPDATE_TEST)"; return; } ;;
	*) lab_verdict "fail: iommu-lu-clean has no case '$case'"; return ;;
	esac
	lab_say "step: preserve edu, then $case, then kexec"
	if [ -n "$extra" ]; then
		lu-edu preserve --bdf "$bdf" --session iolu-clean --seed 1 $extra \
			--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
			--cmdline "$(lab_next_cmdline 2)"
	else
		lu-edu preserve --bdf "$bdf" --session iolu-clean --seed 1 \
			--before-kexec "iolu snapshot /host/outgoing.snap; echo $case >$knob" \
			--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
			--cmdline "$(lab_next_cmdline 2)"
	fi
	lab_verdict "fail: the kexec did not happen"
}

# What debugfs says about the incoming state: "none" when nothing was
# handed over, "rejected" when the state could not be trusted.
incoming_status_is() {
	local status
	status=$(cat /sys/kernel/debug/iommu/liveupdate/incoming/status) || return 1
	echo "incoming status: $status (want $1)"
	[ "$status" = "$1" ]
}

# The VT-d driver's own lines: the KUnit suite also logs core rejections
# at every boot, so only the unit's messages prove this rejection. The
# unit left translating fails closed: it keeps translating with an empty
# root table, so edu's DMA faults instead of going untranslated.
unit_rejected_with_reason() {
	dmesg | grep -E 'iommu-liveupdate: .*(not|mismatch|bad|wrong|outside|disagree)' |
		grep -vE '0x1234|0x0 is not|iommu-v9' | head -n 3
	dmesg | grep -E 'DMAR: dmar[0-9]+: (IOMMU live update state rejected|translation left on by a live update, but)' ||
		{ echo "the VT-d unit did not report the state as unusable"; return 1; }
	dmesg | grep -E 'DMAR: dmar[0-9]+: translation kept on with an empty root table' ||
		{ echo "the VT-d unit did not block DMA with an empty root table"; return 1; }
}

units_up() {
	ls -d /sys/class/iommu/dmar* || return 1
	lab_bind_edu_vfio
}

stage2() {
	local case
	case=$(lab_param iolu.case)
	dmesg | grep -iE 'liveupdate|kdump mode|DMAR' | sed 's/^/    dmesg: /' | head -n 30
	if [ "$case" = unpreserve ]; then
		lab_step "nothing was handed over" incoming_status_is none
	elif [ "$case" = mode ] || [ "$case" = root ]; then
		# The core's state is sound; the unit refuses it for itself.
		lab_step "the unit refused a state recorded in the other mode and blocked DMA" unit_rejected_with_reason
	else
		lab_step "the corrupt state ($case) was rejected" incoming_status_is rejected
		lab_step "the unit said why and blocked DMA with an empty root table" unit_rejected_with_reason
	fi
	lab_step "the IOMMU units came up clean and edu binds to vfio-pci" units_up
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-clean has no stage '$1'" ;;
esac
