# SPDX-License-Identifier: GPL-2.0
# The tracer's rule against changing a preserved domain, on real events:
# edu's HWPT, device and memfd are preserved in a LUO session as in
# iommu-liveupdate, then the series' test knob (CONFIG_IOMMU_LIVEUPDATE_TEST)
# maps and unmaps one page in the preserved domain, as a buggy kernel user
# of it would. The page goes right after lu-edu's memfd, where the domain
# had no leaf table yet, so `iolu check` must then find an IO page table
# page that is not preserved. The hook fails on purpose after that: lu-edu
# stops before the kexec, and its exit closes the session, which
# unpreserves everything. The host (tests/lab/trace.t) asserts on the
# tracer's findings and on the check.
. /lab/scenarios/trace-lib.sh

knob=/sys/kernel/debug/iommu/liveupdate/test/map_preserved
iova=0x4200000	# lu-edu's memfd covers 0x4000000-0x41fffff

poke_preserved_domain() {
	local hook
	[ -w "$knob" ] || { echo "no $knob (CONFIG_IOMMU_LIVEUPDATE_TEST)"; return 1; }
	hook="echo $iova >$knob && : >/tmp/poked && sleep 1;"
	hook="$hook iolu check --json >/host/trace-flag-check.json 2>/host/trace-flag-check.err;"
	hook="$hook echo \$? >/host/trace-flag-check.rc; exit 1"
	# Fails by design (the hook does); what it printed is the record.
	lu-edu preserve --bdf "$(lab_find_edu)" --session iolu-flag --seed 7 \
		--kernel /host/bzImage --initrd /host/initramfs.cpio.gz \
		--cmdline "not used: no kexec" --before-kexec "$hook" 2>&1
	[ -f /tmp/poked ] || { echo "the knob did not take IOVA $iova"; return 1; }
	echo "mapped and unmapped IOVA $iova in the preserved domain;" \
		"iolu check exited $(cat /host/trace-flag-check.rc)"
}

lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
lab_step "iolu trace attaches" trace_start trace-flag
lab_step "preserve edu's domain, then map and unmap a page in it (test knob)" \
	poke_preserved_domain
sleep 1
lab_step "stop the tracer" trace_stop
cp /tmp/trace.rc /host/trace-flag.rc
lab_verdict pass
