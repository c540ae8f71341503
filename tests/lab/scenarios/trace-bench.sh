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
#   ftrace-hist  ftrace hist triggers counting map, unmap and flushes per
#                domain (kprobe events on the functions iolu's counted
#                mode enters) and queued invalidations per unit and
#                descriptor (the qi_submit tracepoint): counted in the
#                kernel, nothing recorded
#   bpftrace-count  bpftrace (Debian's, 0.17) counting the same per domain
#                in BPF maps, at iolu's counted mode's attach points:
#                fentry (kfunc) on the functions, and the qi_submit
#                tracepoint, which 0.17 reaches as a perf tracepoint (raw
#                tracepoints came in a later bpftrace), keyed by unit name
#                and domain ID
#   bpftrace-print  bpftrace printing every one of them (time, thread,
#                command and arguments), its output thrown away
#   anchor-fentry, anchor-kprobe, anchor-kretprobe, anchor-ringbuf  one
#                BPF program on iommu_map_nosync that does nothing, or
#                only writes an 8-byte ring buffer record (bench-anchor):
#                the floor of a traced event
#   anchor-entries  empty BPF programs at the attach points of iolu's
#                counted mode (bench-anchor entries): what entering its
#                programs costs, before their bodies
#   none         no tracer: the control, whatever changes between the
#                first loops and the second without one
# The bpftrace modes need the bench's initramfs (make bench builds it).
# One mode per boot, attached once and never detached before the last
# loop: in the lab kernel (seen on 7.2) under TCG, a loop run after BPF trampolines
# were detached from iommu_map once called into the freed trampoline, and
# kprobe events on functions BPF trampolines had used did the same.
# Results: /host/trace-bench.txt, one "MODE untraced|traced OPS" per loop;
# /host/trace-bench.skipped says why a mode could not run in this kernel.
. /lab/scenarios/trace-lib.sh

iterations=$(lab_param iolu.bench_iterations)
iterations=${iterations:-20000}
loops=$(lab_param iolu.bench_loops)
loops=${loops:-5}
mode=$(lab_param iolu.bench_mode)
tracing=/sys/kernel/tracing
results=/host/trace-bench.txt
skipped=/host/trace-bench.skipped

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

# The functions iolu's counted mode enters for map, unmap and cache tag
# flushes (their first argument is the domain), by the name each peer
# counts them under.
counted_functions="map:iommu_map_nosync unmap:iommu_unmap unmap_fast:iommu_unmap_fast
flush:cache_tag_flush_range"

# ftrace_hist_on: kprobe events on those functions and the qi_submit
# tracepoint, each counted in a hist trigger keyed by domain (for queued
# invalidations, by unit and first quadword, which holds the domain ID).
ftrace_hist_on() {
	local entry name fn
	[ -f "$tracing/events/intel_iommu/qi_submit/trigger" ] ||
		{ echo "no intel_iommu/qi_submit trigger file"; return 1; }
	: >"$tracing/kprobe_events"
	for entry in $counted_functions; do
		name=${entry%%:*} fn=${entry#*:}
		kprobe_event "p:peers/$name" "$fn domain=%di" || { echo "kprobe on $fn refused"; return 1; }
		echo 'hist:keys=domain' >"$tracing/events/peers/$name/trigger" ||
			{ echo "hist trigger on $fn refused"; return 1; }
	done
	echo 'hist:keys=iommu,qw0' >"$tracing/events/intel_iommu/qi_submit/trigger" ||
		{ echo "hist trigger on qi_submit refused"; return 1; }
	echo "ftrace: hist triggers on kprobe events (4 functions) and qi_submit"
}

# ftrace_hist_report: what the triggers counted, so that a trigger that
# never fired shows.
ftrace_hist_report() {
	local event
	for event in peers/map peers/unmap peers/unmap_fast peers/flush intel_iommu/qi_submit; do
		echo "$event: $(sed -n 's/^ *Hits: //p' "$tracing/events/$event/hist") hits"
	done
}

# bpftrace_on SCRIPT [PROBES]: bpftrace runs SCRIPT in the background, its
# output in /tmp/bpftrace.out; returns once its PROBES (default 5) are
# attached (bpftrace says nothing then, so its BPF links and perf events
# are counted).
bpftrace_on() {
	local waited=0 pid links
	command -v bpftrace >/dev/null ||
		{ echo "no bpftrace in this initramfs (make bench builds initramfs-bench.cpio.gz)"; return 1; }
	printf '%s\n' "$1" >/tmp/bench.bt
	bpftrace /tmp/bench.bt </dev/null >/tmp/bpftrace.out 2>/tmp/bpftrace.err &
	pid=$!
	echo $pid >/tmp/bpftrace.pid
	while :; do
		kill -0 $pid 2>/dev/null || { echo "bpftrace exited:"; cat /tmp/bpftrace.err; return 1; }
		links=$(($(grep -l '^link_type:' /proc/$pid/fdinfo/* 2>/dev/null | wc -l) +
			$(ls -l /proc/$pid/fd 2>/dev/null | grep -c 'perf_event')))
		[ "$links" -ge "${2:-5}" ] && break
		[ $waited -ge 3000 ] && { echo "bpftrace did not attach in 300 s"; return 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
	# A perf event's fd comes before its program is set on it.
	sleep 2
	echo "bpftrace: $links probes attached"
}

# The domain every map, unmap and flush names; the unit and domain ID of
# every queued invalidation (bits 31:16 of its first quadword).
bpftrace_counting='
kfunc:iommu_map_nosync { @map[args->domain] = count(); }
kfunc:iommu_unmap { @unmap[args->domain] = count(); }
kfunc:iommu_unmap_fast { @unmap[args->domain] = count(); }
kfunc:cache_tag_flush_range { @flush[args->domain] = count(); }
tracepoint:intel_iommu:qi_submit { @qi[str(args->iommu), (args->qw0 >> 16) & 0xffff] = count(); }
'
bpftrace_printing='
kfunc:iommu_map_nosync { printf("%llu %d %s map %p %lx %lx %lx\n", nsecs, tid, comm, args->domain, args->iova, args->paddr, args->size); }
kfunc:iommu_unmap { printf("%llu %d %s unmap %p %lx %lx\n", nsecs, tid, comm, args->domain, args->iova, args->size); }
kfunc:iommu_unmap_fast { printf("%llu %d %s unmap %p %lx %lx\n", nsecs, tid, comm, args->domain, args->iova, args->size); }
kfunc:cache_tag_flush_range { printf("%llu %d %s flush %p %lx %lx\n", nsecs, tid, comm, args->domain, args->start, args->end); }
tracepoint:intel_iommu:qi_submit { printf("%llu %d %s qi %s %lx %lx %lx %lx\n", nsecs, tid, comm, str(args->iommu), args->qw0, args->qw1, args->qw2, args->qw3); }
'

# bpftrace_report: the counts bpftrace prints on SIGINT, before it
# detaches (which can take minutes under TCG, and the guest powers off
# next); printing, the lines it wrote so far (its output to a file is
# block-buffered, as an operator's would be) and the events it lost.
bpftrace_report() {
	local waited=0
	if [ "$mode" = bpftrace-print ]; then
		echo "bpftrace wrote $(wc -l </tmp/bpftrace.out) lines so far"
		grep -h -i lost /tmp/bpftrace.out /tmp/bpftrace.err | tail -n 3
		return 0
	fi
	kill -INT "$(cat /tmp/bpftrace.pid)"
	# The loops are measured by now: a bpftrace slow to print (a loaded
	# host has taken over two minutes) is noted, not a failed boot.
	while ! grep -q '^@qi' /tmp/bpftrace.out; do
		if [ $waited -ge 1200 ]; then
			echo "bpftrace printed no counts in 120 s"
			cat /tmp/bpftrace.err
			return 0
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	sleep 1
	grep '^@' /tmp/bpftrace.out
}

# anchor_on KIND: bench-anchor's KIND program attached, in the background.
anchor_on() {
	local waited=0
	bench-anchor "$1" </dev/null >/tmp/anchor.out 2>&1 &
	echo $! >/tmp/anchor.pid
	while ! grep -q '^attached' /tmp/anchor.out; do
		kill -0 "$(cat /tmp/anchor.pid)" 2>/dev/null ||
			{ echo "bench-anchor exited:"; cat /tmp/anchor.out; return 1; }
		[ $waited -ge 600 ] && { echo "bench-anchor did not attach in 60 s"; return 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
	cat /tmp/anchor.out
}

# anchor_report: the records the ringbuf anchor's reader drained.
anchor_report() {
	local waited=0
	kill -INT "$(cat /tmp/anchor.pid)"
	while ! grep -q 'records$' /tmp/anchor.out; do
		[ $waited -ge 600 ] && { echo "bench-anchor did not stop in 60 s"; return 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
	grep 'records$' /tmp/anchor.out
}

tracer_on() {
	case "$mode" in
	iolu) trace_start trace-bench --quiet ;;
	iolu-stream) trace_start trace-bench --quiet --op pgtable,inval ;;
	ftrace) ftrace_on reader ;;
	ftrace-recorded) ftrace_on ;;
	ftrace-hist) ftrace_hist_on ;;
	bpftrace-count) bpftrace_on "$bpftrace_counting" ;;
	bpftrace-print) bpftrace_on "$bpftrace_printing" ;;
	anchor-fentry | anchor-kprobe | anchor-kretprobe | anchor-ringbuf | anchor-entries)
		anchor_on "${mode#anchor-}" ;;
	none) echo "no tracer: the second run of loops measures the first's drift" ;;
	*) echo "iolu.bench_mode '$mode' is not iolu, iolu-stream, ftrace, ftrace-recorded," \
		"ftrace-hist, bpftrace-count, bpftrace-print, anchor-fentry, anchor-kprobe," \
		"anchor-kretprobe, anchor-ringbuf, anchor-entries or none"; return 1 ;;
	esac
}

# tracer_report: a peer's own account of what it saw, for the console log.
tracer_report() {
	case "$mode" in
	ftrace-hist) ftrace_hist_report ;;
	bpftrace-*) bpftrace_report ;;
	anchor-*) anchor_report ;;
	*) true ;;
	esac
}

: >"$results"
rm -f "$skipped"
# A mode this kernel cannot run is a row the bench names as missing, not
# a failed bench.
if [ "$mode" = ftrace-hist ] && ! grep -q 'hist:keys' "$tracing/README"; then
	echo "this kernel has no ftrace hist triggers (CONFIG_HIST_TRIGGERS)" | tee "$skipped"
	lab_verdict pass
	exit 0
fi
lab_step "bind edu to vfio-pci" edu_cdev
lab_step "$loops untraced loops of $iterations map/unmap pairs" loops_of untraced
lab_step "tracing on: $mode" tracer_on
lab_step "$loops loops under $mode" loops_of traced
lab_step "what $mode saw" tracer_report
lab_verdict pass
