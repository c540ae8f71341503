# SPDX-License-Identifier: GPL-2.0
# Stage 1 as the lab's iommu-liveupdate (lu-edu preserve); stage 2 checks
# the retrieved iommufd and the HWPT it restored, the binding rules of the
# retrieved vfio device (bound once, to the retrieved iommufd) and that
# closing it hands the device back (Bus Master off).
. /lab/lab-lib.sh

session=iolu-lu

stage1() {
	local bdf
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	bdf=$(lab_find_edu)
	lu-edu preserve --bdf "$bdf" --session "$session" --seed 7 \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2)"
	lab_verdict "fail: the live update kexec did not happen"
}

stage2() {
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieved iommufd and vfio device" \
		lu-retrieve --bdf "$(lab_find_edu)" --session "$session"
	dmesg | grep -E 'iommufd: |vfio-pci .*live update|iommu-liveupdate' | grep -v '# \|state header\|iommu-v9\|header counts\|points outside\|2 units' | sed 's/^/    dmesg: /'
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-retrieve has no stage '$1'" ;;
esac
