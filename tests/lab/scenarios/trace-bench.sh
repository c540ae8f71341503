# SPDX-License-Identifier: GPL-2.0
# The tracer's overhead, measured in one guest run: an iommufd map/unmap
# loop on edu (map-loop) untraced, traced by `iolu trace`, and traced by
# the kernel's own ftrace with the same tracepoints plus kprobe/kretprobe
# events on the same functions (what a user would reach for instead).
# Traced and untraced runs alternate so drift hits both alike.
# Results: /host/trace-bench.txt.
. /lab/scenarios/trace-lib.sh

iterations=$(lab_param iolu.bench_iterations)
iterations=${iterations:-20000}
rounds=$(lab_param iolu.bench_rounds)
rounds=${rounds:-1}
tracing=/sys/kernel/tracing
results=/host/trace-bench.txt

# The functions iolu traces with fentry/fexit, when the kernel has them,
# but __iommu_attach_device: with a kprobe event defined on it, the 7.2 lab
# kernel called through a NULL ftrace target there once a BPF trampoline
# on it had come and gone (an oops in the next VFIO bind, with or without
# the event enabled). The loop measured never attaches a device.
probe_functions="iommu_domain_preserve iommu_domain_unpreserve iommu_domain_restore
iommu_preserve_device iommu_unpreserve_device iommu_liveupdate_find_device
iommu_lu_flb_preserve iommu_lu_flb_unpreserve iommu_lu_flb_retrieve iommu_lu_flb_finish
luo_session_create luo_session_retrieve luo_session_finish luo_preserve_file
luo_retrieve_file luo_file_freeze liveupdate_reboot iommu_map iommu_unmap
iommu_unmap_fast report_iommu_fault cache_tag_flush_range
cache_tag_flush_all cache_tag_flush_range_np"
tracepoints="iommu/map iommu/unmap iommu/attach_device_to_domain iommu/io_page_fault
intel_iommu/qi_submit intel_iommu/cache_tag_flush_range intel_iommu/cache_tag_flush_range_np"

edu_cdev() {
	local cdev
	cdev=$(trace_bind_edu) || { echo "$cdev"; return 1; }
	echo "$cdev" >/tmp/edu-cdev
	echo "edu bound to vfio-pci: $cdev"
}

# ops/s of one map-loop run
loop_rate() {
	map-loop --device "$(cat /tmp/edu-cdev)" --iterations "$iterations" |
		sed -n 's/.*: \([0-9]*\) ops\/s$/\1/p'
}

# The probes are defined once; rounds only enable and disable them.
ftrace_setup() {
	local fn n=0 refused=
	: >"$tracing/kprobe_events"
	for fn in $probe_functions; do
		grep -q "^$fn\$" "$tracing/available_filter_functions" || continue
		# Some the kernel refuses (as it refuses iolu's kprobes there).
		if echo "p:iolu/e$n $fn arg1=%di" 2>/dev/null >>"$tracing/kprobe_events" &&
			echo "r:iolu/x$n $fn ret=\$retval" 2>/dev/null >>"$tracing/kprobe_events"; then
			n=$((n + 1))
		else
			refused="$refused $fn"
		fi
	done
	echo "ftrace: $n kprobe/kretprobe pairs and 7 tracepoints${refused:+; kprobe_events refused:$refused}"
}

ftrace_enable() {
	local tp
	echo "$1" >"$tracing/events/iolu/enable" || { echo "cannot switch the kprobe events"; return 1; }
	for tp in $tracepoints; do
		echo "$1" >"$tracing/events/$tp/enable" || { echo "cannot switch tracepoint $tp"; return 1; }
	done
}

ftrace_on() {
	ftrace_enable 1 || return 1
	# A consumer, as iolu has one: the events leave the kernel's buffer.
	cat "$tracing/trace_pipe" </dev/null >/dev/null 2>&1 &
	echo $! >/tmp/ftrace-reader
}

ftrace_off() {
	kill "$(cat /tmp/ftrace-reader)"
	ftrace_enable 0
	: >"$tracing/trace"
}

# iolu's rounds come first and ftrace's after, each alternating with
# untraced runs: with kprobe events defined on these functions, attaching
# iolu's BPF trampolines hung the 7.2 lab kernel.
measure() {
	local round rate
	: >/tmp/untraced; : >/tmp/iolu; : >/tmp/ftrace
	for round in $(seq "$rounds"); do
		rate=$(loop_rate) && [ -n "$rate" ] || { echo "map-loop failed"; return 1; }
		echo "$rate" >>/tmp/untraced
		trace_start trace-bench --quiet >/dev/null || return 1
		rate=$(loop_rate) && [ -n "$rate" ] || { echo "map-loop failed under iolu"; return 1; }
		echo "$rate" >>/tmp/iolu
		trace_stop >/dev/null || return 1
		echo "round $round: untraced $(tail -n1 /tmp/untraced), iolu $(tail -n1 /tmp/iolu) ops/s"
	done
	ftrace_setup || return 1
	for round in $(seq "$rounds"); do
		rate=$(loop_rate) && [ -n "$rate" ] || { echo "map-loop failed"; return 1; }
		echo "$rate" >>/tmp/untraced
		ftrace_on || return 1
		rate=$(loop_rate) && [ -n "$rate" ] || { echo "map-loop failed under ftrace"; return 1; }
		echo "$rate" >>/tmp/ftrace
		ftrace_off
		echo "round $round: untraced $(tail -n1 /tmp/untraced), ftrace $(tail -n1 /tmp/ftrace) ops/s"
	done
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

report() {
	local untraced iolu ftrace
	untraced=$(median /tmp/untraced)
	iolu=$(median /tmp/iolu)
	ftrace=$(median /tmp/ftrace)
	{
		echo "iommufd map/unmap of 4 KiB at a fixed IOVA on edu, $iterations iterations x $rounds rounds (median ops/s; TCG guest)"
		printf '%-34s %12s %10s\n' "" "ops/s" "of untraced"
		printf '%-34s %12s %10s\n' "untraced" "$untraced" "100.0%"
		awk -v u="$untraced" -v r="$iolu" 'BEGIN { printf "%-34s %12s %9.1f%%\n", "iolu trace", r, 100 * r / u }'
		awk -v u="$untraced" -v r="$ftrace" 'BEGIN { printf "%-34s %12s %9.1f%%\n", "ftrace (tracepoints + kprobes)", r, 100 * r / u }'
		awk -v u="$untraced" -v i="$iolu" -v f="$ftrace" 'BEGIN {
			printf "overhead: iolu %.1f%%, ftrace %.1f%% of untraced throughput\n", 100 * (1 - i / u), 100 * (1 - f / u) }'
	} | tee "$results"
}

lab_step "bind edu to vfio-pci" edu_cdev
lab_step "measure untraced, iolu trace and ftrace ($rounds rounds of $iterations)" measure
lab_step "report" report
lab_verdict pass
