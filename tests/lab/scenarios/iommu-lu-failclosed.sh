# SPDX-License-Identifier: GPL-2.0
# A live update whose restore fails in the next kernel must fail closed:
# the preserved device's DMA blocked and the reason logged, never
# untranslated (physical address = IOVA) and never on freed tables. One
# run injects each failure of the series' test option
# (iommu_lu_test_fail=) in turn, sharing boots: stage 1 preserves edu and
# kexecs into a kernel that fails its domain restore; stage 2 checks that
# edu is blocked, preserves it again and kexecs into a kernel that fails
# its attach; stage 3 checks the same. Under iommu=pt (which the next
# kernels inherit) a device given its default domain would DMA to
# physical address = IOVA. $1 is the stage.
. /lab/lab-lib.sh

session=iolu-failclosed

copy_kexec_files() {
	cp /host/bzImage /host/initramfs.cpio.gz /tmp/
}

# preserve STAGE STEP SEED: preserve edu with DMA running, kexec into STAGE
# with STEP of its restore failing.
preserve() {
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	lab_say "step: preserve edu in session '$session', kexec into a kernel whose $2 step fails"
	lu-edu preserve --bdf "$(lab_find_edu)" --session "$session" --seed "$3" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline "$1" iolu.seed="$3" iommu_lu_test_fail="$2")"
	lab_verdict "fail: the live update kexec did not happen"
}

injected() {
	dmesg | grep "iommu_lu_test_fail= fails the $1 step"
}

# The errno is a name or a number, as CONFIG_SYMBOLIC_ERRNAME has it.
blocked_and_said_why() {
	dmesg | grep -E 'live update: translation not restored \((-EIO|-5)\), DMA blocked'
}

no_warning() {
	if dmesg | grep -E 'WARNING:|BUG:|Oops'; then
		return 1
	fi
	echo "no WARN, BUG or Oops logged"
}

# The blocked DMA of edu faulted in the IOMMU, logged with its requester
# ID, with or without the PCI segment.
edu_faulted() {
	lab_dmar_faults | grep -E "Request device \[(${1%%:*}:)?${1#*:}\]"
}

# check STEP SEED: what the next kernel did after STEP failed.
check() {
	local bdf
	lab_step "the test option failed the $1 step" injected "$1"
	bdf=$(lab_find_edu)
	lab_step "edu's DMA, before any driver claims it, does not reach physical address = IOVA" \
		lu-edu dma-unclaimed --bdf "$bdf" --session "$session" --seed "$2"
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieved, edu's DMA lands neither at its IOVA nor at physical address = IOVA" \
		lu-edu restore-blocked --session "$session" --seed "$2"
	lab_step "the blocked DMA faulted for edu's requester ID" edu_faulted "$bdf"
	lab_step "the kernel blocked edu's DMA and said why" blocked_and_said_why
	lab_step "no WARN, BUG or Oops" no_warning
}

case "$1" in
1) preserve 2 restore 11 ;;
2) check restore 11 && preserve 3 attach 13 ;;
3) check attach 13 && lab_verdict pass ;;
*) lab_verdict "fail: iommu-lu-failclosed has no stage '$1'" ;;
esac
