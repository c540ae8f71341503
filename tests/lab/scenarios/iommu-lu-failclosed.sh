# SPDX-License-Identifier: GPL-2.0
# A live update whose restore fails in the next kernel must fail closed:
# the preserved device's DMA blocked and the reason logged, never
# untranslated (physical address = IOVA) and never on freed tables or
# pages. One run injects each failure of the series' test option
# (iommu_lu_test_fail=) in turn, sharing boots: each stage checks what the
# kernel did after the failure injected into it, then preserves edu again
# and kexecs into a kernel that fails the next step:
#   stage 2  a domain's restore        (restore)
#   stage 3  a device's attach         (attach)
#   stage 4  the unit's adoption       (adopt)
#   stage 5  a domain ID's reservation (did)
#   stage 6  the whole state rejected: the test knob points the device
#            chain at the zero page during the kexec
#   stage 7  the retrieved iommufd failing to take the restored domain
#            over (rebuild): nothing pins the pages edu reaches
#   stage 8  the session finished with edu never retrieved, its reset
#            failing (finish); last, as edu then stays blocked and held
# Under iommu=pt (which the next kernels inherit) a device given its
# default domain would DMA to physical address = IOVA. In the debug lab
# kernel every check also asks kmemleak. $1 is the stage.
. /lab/lab-lib.sh

session=iolu-failclosed

copy_kexec_files() {
	cp /host/bzImage /host/initramfs.cpio.gz /tmp/
}

knob=/sys/kernel/debug/iommu/liveupdate/test/corrupt

# preserve STAGE STEP SEED: preserve edu with DMA running, kexec into STAGE
# with STEP of its restore failing; STEP "knob" has the test knob corrupt
# the device chain instead, so that the next kernel rejects the state.
preserve() {
	local before=true fail=iommu_lu_test_fail=$2 what="whose $2 step fails"

	if [ "$2" = knob ]; then
		before="echo pointer >$knob" fail= what="with the state's device chain corrupted"
	fi
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	lab_say "step: preserve edu in session '$session', kexec into a kernel $what"
	lu-edu preserve --bdf "$(lab_find_edu)" --session "$session" --seed "$3" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz --before-kexec "$before" \
		--cmdline "$(lab_next_cmdline "$1" iolu.seed="$3" $fail)"
	lab_verdict "fail: the live update kexec did not happen"
}

injected() {
	dmesg | grep "iommu_lu_test_fail= fails the $1 step"
}

# The whole state was rejected: the unit and edu, still mastering DMA,
# were blocked, and the log says why.
state_rejected() {
	dmesg | grep -E 'rejecting the preserved IOMMU state' &&
		dmesg | grep -E 'translation left on by a live update, but its state is unusable' &&
		dmesg | grep -E 'translation kept on with an empty root table, DMA of preserved devices blocked' &&
		dmesg | grep -E 'live update: masters DMA but the IOMMU state was rejected'
}

# blocked_and_said_why ERRNO NUMBER: the errno is a name or a number, as
# CONFIG_SYMBOLIC_ERRNAME has it.
blocked_and_said_why() {
	dmesg | grep -E "live update: translation not restored \(($1|$2)\), DMA blocked"
}

# The unit rejected its state and blocked DMA with an empty root table,
# and said why.
unit_blocked() {
	dmesg | grep -E "$1" &&
		dmesg | grep -E 'translation kept on with an empty root table, DMA of preserved devices blocked'
}

# The session finished without retrieving edu: quiesced, kept blocked.
finish_quiesced() {
	dmesg | grep -E 'live update: never retrieved; Bus Master cleared, reset failed \((-EIO|-5)\), the device stays blocked'
}

no_warning() {
	if dmesg | grep -E 'WARNING:|BUG:|Oops'; then
		return 1
	fi
	echo "no WARN, BUG or Oops logged"
}

# check STEP SEED ERRNO NUMBER: what the next kernel did after STEP
# failed; ERRNO (NUMBER) is what edu's restore failed with.
check() {
	local bdf
	[ "$1" = knob ] || lab_step "the test option failed the $1 step" injected "$1"
	bdf=$(lab_find_edu)
	lab_step "edu's DMA, before any driver claims it, does not reach physical address = IOVA" \
		lu-edu dma-unclaimed --bdf "$bdf" --session "$session" --seed "$2"
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieved, edu's DMA lands neither at its IOVA nor at physical address = IOVA" \
		lu-edu restore-blocked --session "$session" --seed "$2"
	lab_step "the blocked DMA faulted for edu's requester ID" lab_edu_faults "$bdf"
	lab_step "the kernel blocked edu's DMA and said why" blocked_and_said_why "$3" "$4"
	lab_step "no WARN, BUG or Oops" no_warning
	lab_step "kmemleak finds no leak" lab_kmemleak
}

# The restore worked; the session finishes without edu retrieved and the
# test option fails its reset: edu must stay blocked.
check_finish() {
	local bdf
	bdf=$(lab_find_edu)
	lab_step "finish the session without retrieving any file" \
		lu-edu finish-unretrieved --session "$session"
	lab_step "the test option failed the finish step" injected finish
	lab_step "the kernel quiesced edu, never retrieved, and said why" finish_quiesced
	lab_step "edu's DMA after the finish does not reach physical address = IOVA" \
		lu-edu dma-unclaimed --bdf "$bdf" --session "$session" --seed "$1"
	lab_step "the blocked DMA faulted for edu's requester ID" lab_edu_faults "$bdf"
	lab_step "no WARN, BUG or Oops" no_warning
	lab_step "kmemleak finds no leak" lab_kmemleak
}

rebuild_blocked() {
	dmesg | grep -E 'cannot take its IO page table over .*: (-EIO|-5)' &&
		dmesg | grep -E 'live update: nothing holds the pages of its restored domain, DMA blocked'
}

# The restore at boot worked; the retrieved iommufd fails to take the
# restored domain over, so nothing pins the pages edu reaches: edu must be
# blocked. Retrieving the memfd is what retrieves the iommufd, first.
check_rebuild() {
	local bdf
	bdf=$(lab_find_edu)
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "retrieved, edu's DMA lands neither at its IOVA nor at physical address = IOVA" \
		lu-edu restore-blocked --session "$session" --seed "$1"
	lab_step "the test option failed the rebuild step" injected rebuild
	lab_step "the blocked DMA faulted for edu's requester ID" lab_edu_faults "$bdf"
	lab_step "the kernel blocked edu's DMA and said why" rebuild_blocked
	lab_step "no WARN, BUG or Oops" no_warning
	lab_step "kmemleak finds no leak" lab_kmemleak
}

case "$1" in
1) preserve 2 restore 11 ;;
2) check restore 11 -EIO -5 && preserve 3 attach 13 ;;
3) check attach 13 -EIO -5 && preserve 4 adopt 17 ;;
4) lab_step "the unit blocked DMA when its adoption failed" \
	unit_blocked 'IOMMU live update state rejected \((-EIO|-5)\)' &&
	check adopt 17 -EINVAL -22 && preserve 5 did 19 ;;
5) lab_step "the unit blocked DMA when a domain ID could not be reserved" \
	unit_blocked 'cannot reserve domain ID [0-9]+ of the preserved context entries' &&
	check did 19 -EINVAL -22 && preserve 6 knob 29 ;;
6) lab_step "the kernel rejected the state and blocked the unit and edu" state_rejected &&
	check knob 29 -EINVAL -22 && preserve 7 rebuild 31 ;;
7) check_rebuild 31 && preserve 8 finish 23 ;;
8) check_finish 23 && lab_verdict pass ;;
*) lab_verdict "fail: iommu-lu-failclosed has no stage '$1'" ;;
esac
