# SPDX-License-Identifier: GPL-2.0
# When the next kernel rejects the IOMMU state (corrupted on purpose with
# the core's test knob), retrieving the vfio device must still give a
# working device file, with its DMA blocked instead of translated; the
# retrieved iommufd rebuilds the IOAS but no HWPT, and the session
# finishes with the device bound to nothing.
. /lab/lab-lib.sh

session=iolu-lu
knob=/sys/kernel/debug/iommu/liveupdate/test/corrupt

stage1() {
	local bdf
	[ -e "$knob" ] || { lab_verdict "fail: no $knob"; return; }
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	bdf=$(lab_find_edu)
	lu-edu preserve --bdf "$bdf" --session "$session" --seed 7 \
		--before-kexec "echo compatible >$knob" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2)"
	lab_verdict "fail: the live update kexec did not happen"
}

dma_blocked_warning() {
	dmesg | grep 'translation was not carried over, DMA is blocked'
}

stage2() {
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieved iommufd and vfio device" \
		lu-retrieve --bdf "$(lab_find_edu)" --session "$session" --blocked
	lab_step "vfio-pci said the device's DMA is blocked" dma_blocked_warning
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-fallback has no stage '$1'" ;;
esac
