# SPDX-License-Identifier: GPL-2.0
# Guest side of the first live update lab test: a memfd holding a known
# pattern crosses a real kexec in an LUO session, with edu bound to
# vfio-pci behind the emulated Intel IOMMU. $1 is the stage (1 or 2).
. /lab/lab-lib.sh

session=iolu-lab
token=7
size=1M

edu_alone_in_group() {
	local bdf members
	bdf=$(lab_find_edu) || { echo "no edu device (1234:11e8) on the PCI bus"; return 1; }
	[ -e "/sys/bus/pci/devices/$bdf/iommu_group" ] ||
		{ echo "edu ($bdf) has no IOMMU group"; return 1; }
	members=$(ls "/sys/bus/pci/devices/$bdf/iommu_group/devices")
	echo "edu is $bdf in IOMMU group $(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")"): $members"
	[ "$members" = "$bdf" ] || { echo "the group also holds other devices"; return 1; }
}

# What the rest of iolu reads: BTF for the BPF tracers, /proc/kcore and
# KHO's debugfs for the verifier.
kernel_has_iolu_interfaces() {
	local path
	for path in /sys/kernel/btf/vmlinux /proc/kcore /sys/kernel/debug/kho/out \
		/dev/liveupdate /dev/iommu; do
		[ -e "$path" ] || { echo "missing $path"; return 1; }
	done
	echo "BTF, /proc/kcore, KHO debugfs, /dev/liveupdate and /dev/iommu are there"
}

stage1() {
	local seed cmdline
	lab_step "the lab kernel has what iolu reads" kernel_has_iolu_interfaces
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "edu sits alone in its IOMMU group" edu_alone_in_group
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	cmdline=$(sed 's/ *iolu\.stage=[^ ]*//; s/ *iolu\.seed=[^ ]*//' /proc/cmdline)
	cmdline="$cmdline iolu.stage=2 iolu.seed=$seed"
	lab_say "step: preserve a $size memfd (pattern seed $seed) in LUO session '$session' and kexec"
	# Not under lab_step: its output must reach the console before the reboot.
	lu-memfd preserve --session "$session" --token "$token" --size "$size" \
		--seed "$seed" --kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$cmdline"
	lab_verdict "fail: the live update kexec did not happen"
}

kho_state_arrived() {
	ls /sys/kernel/debug/kho/in || { echo "no /sys/kernel/debug/kho/in"; return 1; }
	dmesg | grep -iE 'kho|liveupdate|luo' | head -n 5
	return 0
}

stage2() {
	local seed
	seed=$(lab_param iolu.seed)
	lab_step "the second kernel sees incoming KHO state" kho_state_arrived
	lab_step "retrieve the session and the memfd, check every byte, finish the session" \
		lu-memfd restore --session "$session" --token "$token" --size "$size" --seed "$seed"
	# Without IOMMU live update the next kernel starts the IOMMU from
	# scratch; say so when it did, since that is the gap the series closes.
	dmesg | grep -q 'not in kdump mode' &&
		lab_say "note: this kernel reset the IOMMU at boot ('IRQ remapping was enabled ... but we are not in kdump mode')"
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: memfd-liveupdate has no stage '$1'" ;;
esac
