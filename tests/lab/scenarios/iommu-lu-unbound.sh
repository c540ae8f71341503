# SPDX-License-Identifier: GPL-2.0
# Retrieving a preserved vfio device before binding it to vfio-pci fails
# with ENODEV (documented), without a crash.
. /lab/lab-lib.sh

session=iolu-lu

stage1() {
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	lu-edu preserve --bdf "$(lab_find_edu)" --session "$session" --seed 7 \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2)"
	lab_verdict "fail: the live update kexec did not happen"
}

stage2() {
	lab_step "retrieving edu while vfio-pci does not drive it fails" \
		lu-retrieve --bdf "$(lab_find_edu)" --session "$session" --unbound
	dmesg | grep 'live update' | sed 's/^/    dmesg: /'
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-unbound has no stage '$1'" ;;
esac
