# SPDX-License-Identifier: GPL-2.0
# Pages nobody holds (issue 14, defect 3): a hole punched in a retrieved
# memfd must not free a page the restored domain maps. Stage 1 (lu-punch
# preserve) has edu write a page of a sealed memfd through iommufd,
# records the page's physical address in /host/punch-pa and preserves
# memfd, iommufd and edu; stage 2 (lu-punch punch) retrieves the memfd
# and punches a hole over that page before it asks for the iommufd, takes
# the rest back, and checks through /proc/kcore that the
# page stays edu's, after memory pressure too, with no DMA remapping
# fault. $1 is the stage.
. /lab/lab-lib.sh

session=iolu-punch
pa_file=/host/punch-pa

stage1() {
	local seed
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	lab_say "step: edu writes the memfd page to punch; record its physical address; preserve memfd, iommufd and edu in session '$session'; kexec (seed $seed)"
	# Not under lab_step: its output must reach the console before the reboot.
	lu-punch preserve --bdf "$(lab_find_edu)" --session "$session" --seed "$seed" \
		--pa-file $pa_file --kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2 iolu.seed="$seed")"
	lab_verdict "fail: lu-punch stopped before the kexec"
}

stage2() {
	lab_step "no DMA remapping fault while the kernel was replaced" lab_no_dmar_faults
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieve the memfd and punch a hole over the page edu writes, then the rest; the page stays edu's under memory pressure" \
		lu-punch punch --session "$session" --seed "$(lab_param iolu.seed)" --pa-file $pa_file
	lab_step "no DMA remapping fault during the punch case" lab_no_dmar_faults
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-punch has no stage '$1'" ;;
esac
