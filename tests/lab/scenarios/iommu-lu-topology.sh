# SPDX-License-Identifier: GPL-2.0
# A host's topology across one live update (run with --topology host): an
# edu behind a PCIe root port and one behind a PCIe-to-PCI bridge (its DMA
# carries the bridge's requester ID), each the only device of its own
# "VM" (its own session, iommufd and HWPT), and two edus on the root bus
# sharing one HWPT in a third VM. Every device does DMA before, during and
# after the kexec; `iolu check` runs before it and `iolu audit` after it.
# lu-topo prints one "vm NAME: pass" or "vm NAME: fail: WHY" line per VM.
. /lab/lab-lib.sh

# The edus, each as "BDF PARENT_VENDOR:PARENT_DEVICE" (parent "-" on the
# root bus).
edus_with_parents() {
	local bdf parent
	for bdf in $(lab_find_edus); do
		parent=$(readlink -f "/sys/bus/pci/devices/$bdf/..")
		if [ -f "$parent/vendor" ]; then
			echo "$bdf $(cat "$parent/vendor"):$(cat "$parent/device")"
		else
			echo "$bdf -"
		fi
	done
}

# The VM an edu belongs to, from its parent: QEMU's PCIe root port is
# 1b36:000c, its PCIe-to-PCI bridge 1b36:000e. Empty for a VM left out
# with iolu.skip=NAME[,NAME...].
vm_of() {
	local vm
	case "$1" in
	0x1b36:0x000c) vm=port ;;
	0x1b36:0x000e) vm=bridge ;;
	-) vm=shared ;;
	*) return 0 ;;
	esac
	case ",$(lab_param iolu.skip)," in *",$vm,"*) return 0 ;; esac
	echo "$vm"
}

# --vm arguments for stage $1: the shared VM holds every edu on the root
# bus. The VM named by iolu.refuse=NAME is one the kernel must refuse to
# preserve: stage 1 says so (--refuse), stage 2 leaves it out.
vm_args() {
	local refused
	refused=$(lab_param iolu.refuse)
	[ -n "$refused" ] && [ "$1" = 1 ] && printf -- '--refuse %s ' "$refused"
	edus_with_parents | {
		shared=
		while read -r bdf parent; do
			vm=$(vm_of "$parent")
			[ "$1" = 2 ] && [ "$vm" = "$refused" ] && continue
			case "$vm" in
			port) printf -- '--vm port=%s ' "$bdf" ;;
			bridge) printf -- '--vm bridge=%s ' "$bdf" ;;
			shared) shared=${shared:+$shared+}$bdf ;;
			esac
		done
		[ -z "$shared" ] || printf -- '--vm shared=%s ' "$shared"
	}
}

bind_all_edus() {
	local bdf
	for bdf in $(lab_find_edus); do
		lab_bind_vfio "$bdf" || return 1
	done
}

# The bridges above every edu kept Bus Master on through the kexec: a
# bridge forwards the DMA of the devices below it only while it is set.
# A bridge with a driver (a PCIe port) had it set again at probe, so only
# driverless bridges (a PCIe-to-PCI bridge) show what the kexec left.
# QEMU's bridges do not gate DMA on it, so the register is the evidence.
bridges_kept_bus_master() {
	edus_with_parents | {
		bad=0
		while read -r bdf parent; do
			case "$(vm_of "$parent")" in "" | "$(lab_param iolu.refuse)") continue ;; esac
			bridge=$(readlink -f "/sys/bus/pci/devices/$bdf/..")
			while [ -f "$bridge/config" ]; do
				if [ -e "$bridge/driver" ]; then
					echo "bridge ${bridge##*/} above $bdf: driver $(basename "$(readlink "$bridge/driver")") set Bus Master again at probe"
				else
					command=$(od -An -tx2 -j4 -N2 "$bridge/config" | tr -d ' ')
					if [ $((0x$command & 4)) != 0 ]; then
						echo "bridge ${bridge##*/} above $bdf: Bus Master on (command 0x$command)"
					else
						echo "bridge ${bridge##*/} above $bdf: Bus Master OFF (command 0x$command)"
						bad=1
					fi
				fi
				bridge=$(readlink -f "$bridge/..")
			done
		done
		exit $bad
	}
}

# The device tree as the guest sees it, for the host's log.
show_topology() {
	lspci -t 2>/dev/null || ls /sys/bus/pci/devices
	edus_with_parents
}

stage1() {
	local seed before=
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "the host topology" show_topology
	lab_step "bind every edu to vfio-pci" bind_all_edus
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	command -v iolu >/dev/null &&
		before="iolu check --snapshot /host/before.iolu >/host/check.txt 2>&1; echo \$? >/host/check.rc"
	lab_say "step: DMA from every VM's devices, preserve each VM in its own session, kexec (seed $seed)"
	# shellcheck disable=SC2046 # one word per argument
	lu-topo preserve $(vm_args 1) --seed "$seed" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2 iolu.seed="$seed")" \
		${before:+--before-kexec "$before"}
	lab_verdict "fail: the live update kexec did not happen"
}

stage2() {
	local faults vms_rc
	faults=$(lab_dmar_faults)
	if [ -n "$faults" ]; then
		lab_say "DMA remapping faults while the kernel was replaced:"
		printf '%s\n' "$faults" | head -n 20 | sed 's/^/    /'
	else
		lab_say "no DMA remapping fault while the kernel was replaced"
	fi
	dmesg | grep -iE 'live ?update|DMAR: .*(adopt|keep|preserv|reject)' | sed 's/^/    dmesg: /' | head -n 40
	if bridges_kept_bus_master >/tmp/bridges.txt; then
		lab_say "bridges above the edus kept Bus Master on"
	else
		lab_say "a bridge above an edu lost Bus Master"
	fi
	sed 's/^/    /' /tmp/bridges.txt
	lab_step "bind every edu to vfio-pci again" bind_all_edus
	if command -v iolu >/dev/null && [ -f /host/before.iolu ]; then
		iolu audit --before /host/before.iolu >/host/audit.txt 2>&1
		echo $? >/host/audit.rc
	fi
	# shellcheck disable=SC2046 # one word per argument
	lu-topo restore $(vm_args 2) --seed "$(lab_param iolu.seed)"
	vms_rc=$?
	faults=$(lab_dmar_faults)
	[ -z "$faults" ] || { lab_say "DMA remapping faults:"; printf '%s\n' "$faults" | head -n 20 | sed 's/^/    /'; }
	# topology.t reads the per-VM lines; the verdict sums them up
	if [ "$vms_rc" != 0 ]; then
		lab_verdict "fail: a VM lost its DMA or its session (see the lu-topo lines)"
	elif [ -n "$faults" ]; then
		lab_verdict "fail: DMA remapping faults"
	else
		lab_verdict pass
	fi
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-lu-topology has no stage '$1'" ;;
esac
