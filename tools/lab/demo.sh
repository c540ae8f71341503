#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab's main job, step by step, in plain words: a device keeps doing
# DMA through its preserved IO page table while the kernel is replaced by
# kexec, traced by `iolu trace`, checked by `iolu check` before and
# audited by `iolu audit` after.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_base
# IOLU_LAB_KERNEL: another kernel directory (with a bzImage) to show.
kernel_dir=${IOLU_LAB_KERNEL:-$(cat "$IOLU_ROOT/build/kernel.dir")}
patches=$(series_patches | wc -l)
run_dir=$IOLU_ROOT/build/lab/demo
share=$run_dir/share

cat <<TEXT

iolu lab demo
-------------
Kernel:  Linux $KERNEL_PKG_VERSION from Debian's $KERNEL_PKG, with the $patches patches
         of kernel-patches/series, built in $kernel_dir
Guest:   QEMU q35, 2 vCPUs, 2 GiB, emulated Intel IOMMU with interrupt
         remapping, the edu PCI DMA device; console on serial.

What happens:
  1. The first kernel boots; iolu trace starts recording. edu is bound to
     vfio-pci, as a VM's passthrough device would be.
  2. A sealed memfd is mapped at IOVA 0x4000000 through an iommufd HWPT
     and edu copies a pattern through it, both ways.
  3. The HWPT is marked for preservation; memfd, iommufd and the vfio
     device are preserved in one LUO session. The IOAS is now frozen.
  4. iolu check verifies the preserved state (object graph, KHO preserved
     memory, VT-d root/context entries, IO page tables) and snapshots it.
  5. edu starts one more DMA and the guest kexecs into the same kernel;
     the transfer lands while the kernel is being replaced.
  6. The next kernel adopts the preserved root table and page table: no
     translation gap, no DMAR fault. It does so while it boots, before any
     tracer can run: the series' iommu_lu trace points record each step
     into a boot trace instance (trace_instance=iolu_boot,iommu_lu on the
     kexec command line), and iolu trace --boot reads them back first,
     then traces live. iolu audit compares the handed-over
     state with the snapshot; the session, memfd and vfio device are
     retrieved; the data written before and during the kexec is checked;
     edu, never reset, copies again at the same IOVA.

Running (lines from the guest are indented):
TEXT

if ! "$IOLU_ROOT/tools/lab/run-lab.sh" --follow --run-dir "$run_dir" --kernel "$kernel_dir" \
	--append iolu.trace=1 iommu-liveupdate; then
	echo
	echo "The demo failed; the reason is above. Console: $run_dir/console.log"
	exit 1
fi

# events FILE [boot|live]: the ops of FILE's events in order, runs counted,
# the first 12 runs.
events() {
	python3 - "$1" "${2:-}" <<'EOF' 2>/dev/null | uniq -c |
import json, sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    if "op" in event and sys.argv[2] in ("", "boot" if event.get("boot") else "live"):
        print(event["op"])
EOF
		awk 'NR <= 12 { printf "%s%s", sep, ($1 > 1 ? $2 " x" $1 : $2); sep = ", " }
		     NR > 12 { more += $1 } END { if (more) printf ", and %d more", more }'
}

# The restore timeline of the summary iolu trace --boot wrote in kernel 2.
timeline() {
	python3 - "$1" <<'EOF' 2>/dev/null || echo '    ?'
import json, sys
for line in open(sys.argv[1]):
    summary = json.loads(line).get("summary")
    if not summary:
        continue
    for obj in summary.get("restore_timeline", []):
        steps = ", ".join("%s%s %+.6fs%s" % ("boot " if s["boot"] else "", s["op"],
                                            s["ts_ns"] / 1e9,
                                            " ret=%d" % s["ret"] if s["ret"] else "")
                          for s in obj["steps"])
        name = obj.get("device") or obj.get("reg_base_pa") or obj.get("pgtable_pa") or ""
        print("    %-6s %-10s %-14s %s" % (obj["kind"], obj["obj_pa"], name, steps))
EOF
}

cat <<TEXT

Done: edu's DMA crossed a real kexec through its preserved IO page table.
  blackout (host clock):    $(cat "$run_dir/blackout_seconds" 2>/dev/null || echo '?') s
  iolu check, before:       $(grep -m1 -iE 'ready' "$share/check.txt" 2>/dev/null || echo '?')
  iolu audit, after:        $share/audit.html
  traced in kernel 1:       $(events "$share/trace-1.jsonl")
  kernel 2, at boot:        $(events "$share/trace-2.jsonl" boot)
                            (from the boot trace: the restore, then the
                            series' KUnit suite, which the lab kernel runs
                            at boot, on objects of its own)
  kernel 2, traced live:    $(events "$share/trace-2.jsonl" live)
  restore in kernel 2, per object (boot: before tracing started, from the
  boot trace; times from the start of tracing):
$(timeline "$share/trace-2.jsonl")
Console log (host time on every line): $run_dir/console.log
TEXT
