# SPDX-License-Identifier: GPL-2.0
# One sample of the tracer's overhead (tools/lab/bench-trace.sh boots this
# once per mode and round): an iommufd map/unmap loop on edu (map-loop),
# run iolu.bench_loops times untraced, then the same under one tracing mode
# (iolu.bench_mode):
#   iolu         `iolu trace` as run by default: map, unmap and
#                invalidations counted per domain in the kernel
#   iolu-stream  `iolu trace --op pgtable,inval`: a record for each of them
#   ftrace       the kernel's own ftrace: the same tracepoints plus
#                kprobe events on the same functions and kretprobe events
#                where iolu has fexit, read from trace_pipe (what a user
#                would reach for instead)
#   ftrace-recorded  the same events recorded in ftrace's buffer with no
#                reader: ftrace's own cost in the traced kernel, for the
#                instruction clock, where a reader on the other vCPU
#                would count against the loop
#   none         no tracer: the control, whatever changes between the
#                first loops and the second without one
# One mode per boot, attached once and never detached before the last
# loop: in the lab kernel (seen on 7.2) under TCG, a loop run after BPF trampolines
# were detached from iommu_map once called into the freed trampoline, and
# kprobe events on functions BPF trampolines had used did the same.
# Results: /host/trace-bench.txt, one "MODE untraced|traced OPS" per loop.
. /lab/scenarios/trace-lib.sh

iterations=$(lab_param iolu.bench_iterations)
iterations=${iterations:-20000}
loops=$(lab_param iolu.bench_loops)
loops=${loops:-5}
mode=$(lab_param iolu.bench_mode)
tracing=/sys/kernel/tracing
results=/host/trace-bench.txt

# The functions iolu traces, when the kernel has them, but
# __iommu_attach_device (the loop never attaches a device): the calls it
# times (fentry and fexit; a kprobe and a kretprobe here) and those it
# takes at entry alone (fentry; a kprobe here).
call_functions="iommu_domain_preserve iommu_domain_unpreserve iommu_domain_restore
iommu_preserve_device iommu_unpreserve_device iommu_liveupdate_find_device
iommu_lu_flb_preserve iommu_lu_flb_unpreserve iommu_lu_flb_retrieve iommu_lu_flb_finish
luo_session_create luo_session_retrieve luo_session_finish luo_preserve_file
luo_retrieve_file luo_file_freeze liveupdate_reboot report_iommu_fault"
entry_functions="iommu_map_nosync iommu_unmap iommu_unmap_fast cache_tag_flush_range
cache_tag_flush_all cache_tag_flush_range_np"
tracepoints="iommu/map iommu/unmap iommu/attach_device_to_domain iommu/io_page_fault
intel_iommu/qi_submit intel_iommu/cache_tag_flush_range intel_iommu/cache_tag_flush_range_np"

edu_cdev() {
	local cdev
	cdev=$(trace_bind_edu) || { echo "$cdev"; return 1; }
	echo "$cdev" >/tmp/edu-cdev
	echo "edu bound to vfio-pci: $cdev"
}

# loops_of LABEL: run map-loop $loops times, one result line each.
loops_of() {
	local i rate
	for i in $(seq "$loops"); do
		rate=$(map-loop --device "$(cat /tmp/edu-cdev)" --iterations "$iterations" |
			sed -n 's/.*: \([0-9]*\) ops\/s$/\1/p')
		[ -n "$rate" ] || { echo "map-loop failed ($1, loop $i)"; return 1; }
		echo "$mode $1 $rate" | tee -a "$results"
	done
}

# kprobe_event NAME DEFINITION...: the first definition the kernel takes.
kprobe_event() {
	local name=$1 definition
	shift
	for definition in "$@"; do
		echo "$name $definition" 2>/dev/null >>"$tracing/kprobe_events" && return 0
	done
	return 1
}

# probe FN [return]: a kprobe event at FN's entry and, with "return", a
# kretprobe event at its return; a function the kernel lacks is skipped.
probes=0
probe() {
	local fn=$1
	grep -q "^$fn\$" "$tracing/available_filter_functions" || return 0
	kprobe_event "p:iolu/e$probes" "$fn arg1=%di" || { echo "kprobe on $fn refused"; return 1; }
	if [ "${2:-}" = return ]; then
		# A function returning void has no $retval.
		kprobe_event "r:iolu/x$probes" "$fn ret=\$retval" "$fn" ||
			{ echo "kretprobe on $fn refused"; return 1; }
	fi
	probes=$((probes + 1))
}

# ftrace_on [reader]: the events on; with "reader", a trace_pipe consumer.
ftrace_on() {
	local reader=${1:-} fn tp
	: >"$tracing/kprobe_events"
	for fn in $call_functions; do
		probe "$fn" return || return 1
	done
	for fn in $entry_functions; do
		probe "$fn" || return 1
	done
	echo 1 >"$tracing/events/iolu/enable" || { echo "cannot enable the kprobe events"; return 1; }
	for tp in $tracepoints; do
		echo 1 >"$tracing/events/$tp/enable" || { echo "cannot enable tracepoint $tp"; return 1; }
	done
	echo "ftrace: kprobes on $probes functions (kretprobes on those iolu times), 7 tracepoints"
	[ -n "$reader" ] || { echo "ftrace: no reader"; return 0; }
	# A consumer, as iolu has one: the events leave the kernel's buffer.
	cat "$tracing/trace_pipe" </dev/null >/dev/null 2>&1 &
	echo "ftrace: read from trace_pipe"
}

tracer_on() {
	case "$mode" in
	iolu) trace_start trace-bench --quiet ;;
	iolu-stream) trace_start trace-bench --quiet --op pgtable,inval ;;
	ftrace) ftrace_on reader ;;
	ftrace-recorded) ftrace_on ;;
	none) echo "no tracer: the second run of loops measures the first's drift" ;;
	*) echo "iolu.bench_mode '$mode' is not iolu, iolu-stream, ftrace, ftrace-recorded or none"; return 1 ;;
	esac
}

: >"$results"
lab_step "bind edu to vfio-pci" edu_cdev
lab_step "$loops untraced loops of $iterations map/unmap pairs" loops_of untraced
lab_step "tracing on: $mode" tracer_on
lab_step "$loops loops under $mode" loops_of traced
lab_verdict pass
