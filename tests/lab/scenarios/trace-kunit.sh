# SPDX-License-Identifier: GPL-2.0
# iolu trace on the IOMMU live update core: the BPF programs load and attach
# in the lab kernel, then re-running the series' KUnit suite through debugfs
# drives the core functions (FLB preserve/unpreserve/retrieve, domain
# preserve/unpreserve/restore) while the tracer records them. The host
# (tests/lab/trace.t) asserts on the order of the events.
. /lab/scenarios/trace-lib.sh

suite=/sys/kernel/debug/kunit/iommu-liveupdate

run_suite() {
	[ -f "$suite/run" ] || { echo "no $suite/run (CONFIG_KUNIT_DEBUGFS)"; return 1; }
	echo 1 >"$suite/run"
	grep -m1 "^# iommu-liveupdate: " "$suite/results" | cut -c3-
	! grep -qE '^not ok [0-9]+ ' "$suite/results"
}

core_traced() {
	local target missing
	# The list ends at the next "; " (no kprobes, refused) or the line's end.
	missing=$(sed -n 's/.*not in this kernel: \([^;]*\).*/\1/p' /host/trace-kunit.err)
	for target in iommu_domain_preserve iommu_domain_restore iommu_lu_flb_preserve \
		luo_session_create luo_preserve_file kernel_kexec; do
		case ", $missing," in
		*", $target,"*) echo "$target is reported missing"; return 1 ;;
		esac
	done
	grep -q ' 0 failed to attach' /host/trace-kunit.err ||
		{ echo "some targets failed to attach"; return 1; }
	echo "the core, FLB and LUO targets are attached"
}

lab_step "iolu trace attaches in the lab kernel" trace_start trace-kunit
lab_step "every target the lab kernel has is attached" core_traced
lab_step "re-run the KUnit suite iommu-liveupdate with the tracer on" run_suite
sleep 1
lab_step "stop the tracer" trace_stop
lab_say "events: $(grep -c '"op"' /host/trace-kunit.jsonl) lines"
trace_ops trace-kunit | grep -vE '^(map|unmap|qi_submit|cache_flush|attach)' | sed 's/^/    /'
lab_verdict pass
