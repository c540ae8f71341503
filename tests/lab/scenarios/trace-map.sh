# SPDX-License-Identifier: GPL-2.0
# iolu trace on IO page table changes: edu bound to vfio-pci, attached to
# an iommufd IOAS, then 200 map/unmap pairs of one 4 KiB page (map-loop).
# The host (tests/lab/trace.t) checks that the attach, the maps, the unmaps
# and the VT-d invalidations they cause are attributed to one domain: one
# by one with iolu.trace_opts=--op=pgtable,inval (options for iolu trace,
# no spaces), in the summary's kernel counts without.
. /lab/scenarios/trace-lib.sh
TRACE_MAP_OPTS=$(lab_param iolu.trace_opts)

edu_cdev() {
	local cdev
	cdev=$(trace_bind_edu) || { echo "$cdev"; return 1; }
	echo "$cdev" >/tmp/edu-cdev
	echo "edu bound to vfio-pci: $cdev"
}

lab_step "bind edu to vfio-pci" edu_cdev
lab_step "iolu trace attaches" trace_start trace-map $TRACE_MAP_OPTS
lab_step "200 iommufd map/unmap pairs on edu's IOAS" \
	map-loop --device "$(cat /tmp/edu-cdev)" --iterations 200
sleep 1
lab_step "stop the tracer" trace_stop
lab_say "events: $(trace_ops trace-map | cut -d' ' -f1 | sort | uniq -c | tr -s ' \n' ' ')"
lab_verdict pass
