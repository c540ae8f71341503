# SPDX-License-Identifier: GPL-2.0
# The headline: edu keeps doing DMA through the same IO page table across a
# kexec live update. Stage 1 maps a sealed memfd at a fixed IOVA through
# iommufd, lets edu copy through it, preserves memfd, iommufd and the vfio
# device in one LUO session and kexecs while one more transfer is on its
# way; stage 2 retrieves them, binds edu to the HWPT the retrieved iommufd
# restored, and edu copies again at the same IOVA. When
# the initramfs has `iolu`, `iolu check` runs before the kexec and
# `iolu audit` after it; with iolu.trace=1 on the command line (the demo)
# `iolu trace` records both kernels to /host/trace-{1,2}.jsonl, the next
# one from its boot on (--boot). $1 is the stage.
. /lab/lab-lib.sh
tracing=$(lab_param iolu.trace)
[ "$tracing" = 1 ] && . /lab/scenarios/trace-lib.sh

session=iolu-edu
# The next kernel adopts the preserved state while it boots, before any
# tracer can start: its iommu_lu events go to a trace instance created at
# boot, which `iolu trace --boot` reads.
boot_trace=trace_instance=iolu_boot,iommu_lu

# iolu-check.service with nothing preserved yet: a kexec now is refused,
# and no snapshot is left for the next boot's audit.
gate_refuses() {
	local out rc
	out=$(lab_run_unit iolu-check.service 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ $rc -ne 0 ] && [ $rc -ne 200 ] || { echo "the gate did not stop the kexec (exit $rc)"; return 1; }
	printf '%s\n' "$out" | grep -q 'verdict: not ready' ||
		{ echo "the gate's output does not say why"; return 1; }
	[ ! -e /var/lib/iolu/pre-kexec.snap ] || { echo "a snapshot was left for the audit"; return 1; }
}

# iolu-audit.service on the next boot: JSON and HTML in /var/lib/iolu.
audit_unit() {
	lab_run_unit iolu-audit.service || return
	[ -s /var/lib/iolu/audit.json ] && [ -s /var/lib/iolu/audit.html ] ||
		{ echo "no audit.json or audit.html in /var/lib/iolu"; return 1; }
	[ ! -e /var/lib/iolu/pre-kexec.snap ] || { echo "the snapshot was not consumed"; return 1; }
	grep -q '"continuity": true' /var/lib/iolu/audit.json ||
		{ echo "audit.json does not say continuity"; return 1; }
}

stage1() {
	local seed bdf before=
	[ "$tracing" = 1 ] && lab_step "iolu trace records this kernel" trace_start trace-1
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	bdf=$(lab_find_edu)
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	if command -v iolu >/dev/null; then
		lab_step "/var/lib/iolu on the host share" lab_state_dir
		lab_step "iolu-check.service refuses a kexec with nothing preserved" gate_refuses
		# The gate's own commands run last: a failure stops the kexec.
		# Will the kernel about to boot take the state over? Recorded for
		# the host (tests/lab/iommu-lu.t), not a reason to stop here.
		before="iolu check --next-kernel /tmp/bzImage >/host/next-kernel.txt 2>&1; echo \$? >/host/next-kernel.rc"
		# show: the LUO sessions and files beside the IOMMU tree, for the host.
		before="$before; iolu check --snapshot /host/before.iolu >/host/check.txt 2>&1; rc=\$?; iolu show /host/before.iolu >/host/show.txt 2>&1; cat /host/check.txt; [ \$rc = 0 ] || exit \$rc; . /lab/lab-lib.sh; lab_run_unit iolu-check.service"
	fi
	lab_say "step: DMA through iommufd, preserve edu's HWPT, device and memfd in session '$session', kexec (seed $seed)"
	# Not under lab_step: its output must reach the console before the reboot.
	lu-edu preserve --bdf "$bdf" --session "$session" --seed "$seed" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2 iolu.seed="$seed" "$boot_trace")" \
		${before:+--before-kexec "$before"}
	lab_verdict "fail: the live update kexec did not happen"
}

# The audit's text goes to the host too: the memfd continuity it states.
audit_to_host() {
	local rc
	iolu audit --before /host/before.iolu --html /host/audit.html >/host/audit.txt 2>&1
	rc=$?
	cat /host/audit.txt
	return $rc
}

stage2() {
	[ "$tracing" = 1 ] &&
		lab_step "iolu trace records this kernel, its boot included" trace_start trace-2 --boot
	cat /sys/kernel/tracing/instances/iolu_boot/trace >/host/boot-trace.txt 2>/dev/null
	lab_step "no DMA remapping fault while the kernel was replaced" lab_no_dmar_faults
	dmesg | grep -iE 'liveupdate|kdump mode' | sed 's/^/    dmesg: /' | head -n 20
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	if command -v iolu >/dev/null && [ -f /host/before.iolu ]; then
		lab_step "iolu audit: the restored state matches the pre-kexec snapshot" \
			audit_to_host
		lab_step "/var/lib/iolu on the host share" lab_state_dir
		lab_step "iolu-audit.service writes JSON and HTML to /var/lib/iolu" audit_unit
	fi
	lab_step "retrieve memfd, iommufd and vfio device; edu on its restored HWPT; DMA at the same IOVA" \
		lu-edu restore --session "$session" --seed "$(lab_param iolu.seed)"
	lab_step "no DMA remapping fault after the restore" lab_no_dmar_faults
	[ "$tracing" = 1 ] && lab_step "stop iolu trace" trace_stop
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: iommu-liveupdate has no stage '$1'" ;;
esac
