# SPDX-License-Identifier: GPL-2.0
# One sample of what preserving and restoring the IOMMU state costs the
# kernel (tools/lab/bench-liveupdate.sh boots this once per mapping size,
# page size and round): edu's HWPT maps a sealed memfd of
# iolu.bench_size bytes (iolu.bench_page: 4k, or 2m for a memfd on shmem
# huge pages), lu-bench times each preserve ioctl, the guest kexecs with
# edu's DMA in flight, and the next kernel times each retrieve ioctl.
# The kernel's own IOMMU work inside the kexec is timed by the kernel:
#   - the outgoing kernel's intel_iommu_shutdown (which keeps translation
#     on for live update), by kprobe events and hist triggers whose
#     synthetic event printk prints to the console (the run must boot
#     with tp_printk; the host reads it in console.log), as nothing else
#     survives the kexec;
#   - the next kernel's unit adoption and domain restore while it boots,
#     by function_graph from the command line (ftrace= and
#     ftrace_filter=), saved to /host/boot-trace.txt.
# lu-bench also reads the TSC just before the kexec and works out the
# TSC at the next kernel's /init, which gives the blackout on the guest's
# clock, the one the kernel's durations are on (under --icount, QEMU's
# instruction clock, where the host's clock means nothing).
# Results: /host/lu-bench.txt ("KEY VALUE" lines, lu-bench), the
# snapshot /host/before.iolu (iolu check, just before the kexec), the
# traces /host/boot-trace.txt and /host/retrieve-trace.txt, and
# /host/lu-bench.unavailable when this kernel cannot give the pages asked
# for (then nothing else runs and the verdict is pass).
#
# $1 is the stage (1, 2) or "before-kexec", which lu-bench runs once
# everything is preserved.
. /lab/lab-lib.sh

self=/lab/scenarios/iommu-lu-bench.sh
session=iolu-bench
results=/host/lu-bench.txt
unavailable=/host/lu-bench.unavailable
tracing=/sys/kernel/tracing
shmem_thp=/sys/kernel/mm/transparent_hugepage/shmem_enabled
# The next kernel's IOMMU live update work at boot: each unit's adoption
# (the incoming state's checks included, on first use) and each probed
# device's domain restore (the walk of its preserved IO page table). Both
# are global functions of their own files, so not inlined.
boot_functions="intel_iommu_lu_adopt iommu_lu_restore_device_domain"

bench_size=$(lab_param iolu.bench_size)
bench_page=$(lab_param iolu.bench_page)

check_params() {
	echo "$bench_size" | grep -qE '^[0-9]+[KMG]?$' ||
		{ echo "iolu.bench_size '$bench_size' is not a size (e.g. 64M)"; return 1; }
	case "$bench_page" in
	4k | 2m) echo "mapping $bench_size with $bench_page pages" ;;
	*) echo "iolu.bench_page '$bench_page' is not 4k or 2m"; return 1 ;;
	esac
}

# memfd LUO preserves a memfd's large folios, which shmem only has with
# transparent huge pages; it refuses MFD_HUGETLB memfds. within_size: a
# memfd smaller than 2 MiB keeps small pages rather than a huge page
# reaching past its end.
huge_pages_on() {
	if [ ! -f $shmem_thp ]; then
		echo "2 MiB pages not available: this kernel has no shmem huge pages" \
			"($shmem_thp is absent: CONFIG_TRANSPARENT_HUGEPAGE is off), and memfd" \
			"LUO refuses MFD_HUGETLB memfds" | tee $unavailable
		return 0
	fi
	echo within_size >$shmem_thp && echo "shmem huge pages: $(cat $shmem_thp)"
}

# intel_iommu_shutdown's duration, printed by printk (tp_printk) when it
# returns, so that it reaches the console before the kernel is replaced:
# kprobe events on its entry and return, left disabled (nothing of them
# is printed inside the time measured), feed hist triggers that emit the
# synthetic event iolu_shutdown with the time between them.
shutdown_probes() {
	local events=$tracing/events/iolu_bench
	[ "$(cat /proc/sys/kernel/tracepoint_printk)" = 1 ] ||
		{ echo "trace events are not printed to the console: boot with tp_printk"; return 1; }
	echo "p:iolu_bench/shutdown_entry intel_iommu_shutdown" >>$tracing/kprobe_events &&
		echo "r:iolu_bench/shutdown_return intel_iommu_shutdown" >>$tracing/kprobe_events ||
		{ echo "no kprobe events on intel_iommu_shutdown"; return 1; }
	echo "iolu_shutdown u64 ns" >>$tracing/synthetic_events &&
		echo 'hist:keys=common_pid:ts0=common_timestamp' >$events/shutdown_entry/trigger &&
		echo 'hist:keys=common_pid:ns=common_timestamp-$ts0:onmatch(iolu_bench.shutdown_entry).trace(iolu_shutdown,$ns)' \
			>$events/shutdown_return/trigger &&
		echo 1 >$tracing/events/synthetic/iolu_shutdown/enable ||
		{ echo "no hist trigger or synthetic event for the shutdown's duration"; return 1; }
	cat $tracing/kprobe_events $tracing/synthetic_events
}

# The next kernel is this one: what it must trace, ftrace can trace.
boot_functions_traceable() {
	local fn
	for fn in $boot_functions; do
		grep -qx "$fn" $tracing/available_filter_functions ||
			{ echo "$fn cannot be traced by ftrace"; return 1; }
	done
	echo "traceable: $boot_functions"
}

copy_kexec_files() {
	cp /host/bzImage /host/initramfs.cpio.gz /tmp/
}

# The next kernel: function_graph on the boot functions alone, through
# ftrace_filter= (the function filter: only their call sites are patched,
# one line with its duration per call; ftrace_graph_filter= would send
# every function of the kernel through the tracer and add seconds to the
# boot under TCG), and trace events no longer printed.
next_cmdline() {
	lab_next_cmdline 2 tp_printk=off ftrace=function_graph \
		"ftrace_filter=$(echo $boot_functions | tr ' ' ,)"
}

stage1() {
	lab_step "bench parameters" check_params
	lab_step "intel-iommu is active" lab_intel_iommu_active
	if [ "$bench_page" = 2m ]; then
		lab_step "shmem huge pages for the memfd" huge_pages_on
		[ -f $unavailable ] && { lab_verdict pass; return; }
	fi
	lab_step "ftrace can time the next kernel's IOMMU work at boot" boot_functions_traceable
	lab_step "kprobe events time the IOMMU's kexec shutdown on the console" shutdown_probes
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	lab_say "step: map $bench_size, preserve (each ioctl timed), kexec"
	# Not under lab_step: its output must reach the console before the reboot.
	lu-bench preserve --bdf "$(lab_find_edu)" --size "$bench_size" --session $session \
		--results $results --kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(next_cmdline)" --before-kexec "sh $self before-kexec"
	lab_verdict "fail: lu-bench stopped before the kexec"
}

# The iommufd's retrieve restores the memfd it maps on the way (LUO hands
# out no such memfd before the iommufd pinned its pages): function_graph
# times the memfd's part, memfd_luo_retrieve, which the bench takes out of
# the iommufd's retrieve ioctl. funcgraph-tail names the function a
# closing brace ends.
retrieve_functions="iommufd_lu_retrieve memfd_luo_retrieve"

retrieve_trace_on() {
	local fn
	for fn in $retrieve_functions; do
		grep -qx "$fn" $tracing/available_filter_functions ||
			{ echo "$fn cannot be traced by ftrace"; return 1; }
	done
	# funcgraph-tail is an option of function_graph: it exists once the
	# tracer is on
	echo "$retrieve_functions" >$tracing/set_ftrace_filter &&
		echo function_graph >$tracing/current_tracer &&
		echo funcgraph-tail >$tracing/trace_options
}

save_retrieve_trace() {
	cp $tracing/trace /host/retrieve-trace.txt && echo nop >$tracing/current_tracer &&
		grep memfd_luo_retrieve /host/retrieve-trace.txt
}

# Keep what booting recorded, then stop tracing: nothing later is the boot's.
save_boot_trace() {
	local fn
	cp $tracing/trace /host/boot-trace.txt || return 1
	echo nop >$tracing/current_tracer
	# "fn();" with its duration, or "} /* fn */" after "fn() {" when the
	# call's trace was split (it moved to another CPU)
	for fn in $boot_functions; do
		grep -E " $fn\(\);|/\* $fn \*/" /host/boot-trace.txt ||
			{ echo "function_graph recorded no call of $fn while booting"; return 1; }
	done
}

before_kexec() {
	lab_step "no DMA remapping fault" lab_no_dmar_faults
	lab_step "iolu check: the preserved state is ready (snapshot before.iolu)" \
		iolu check --snapshot /host/before.iolu
}

stage2() {
	lab_step "the TSC when this kernel started /init (the blackout on the guest's clock)" \
		lu-bench clock --results $results
	lab_step "the IOMMU work of this kernel's boot, as function_graph timed it" save_boot_trace
	lab_step "no DMA remapping fault during the kexec" lab_no_dmar_faults
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "function_graph on the iommufd's and the memfd's retrieve" retrieve_trace_on
	lab_step "retrieve and restore (each ioctl timed); edu's DMA went on" \
		lu-bench restore --session $session --results $results
	lab_step "the memfd's restore inside the iommufd's retrieve" save_retrieve_trace
	lab_step "no DMA remapping fault" lab_no_dmar_faults
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
before-kexec) before_kexec ;;
*) lab_verdict "fail: iommu-lu-bench has no stage '$1'" ;;
esac
