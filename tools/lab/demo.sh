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
kernel_dir=$(cat "$IOLU_ROOT/build/kernel.dir")
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
     translation gap, no DMAR fault. iolu audit compares the handed-over
     state with the snapshot; the session, memfd and vfio device are
     retrieved; the data written before and during the kexec is checked;
     edu, never reset, copies again at the same IOVA.

Running (lines from the guest are indented):
TEXT

if ! "$IOLU_ROOT/tools/lab/run-lab.sh" --follow --run-dir "$run_dir" \
	--append iolu.trace=1 iommu-liveupdate; then
	echo
	echo "The demo failed; the reason is above. Console: $run_dir/console.log"
	exit 1
fi

events() {
	sed -n 's/.*"op": *"\([a-z_]*\)".*/\1/p' "$1" 2>/dev/null | uniq -c |
		awk '{ printf "%s%s", sep, ($1 > 1 ? $2 " x" $1 : $2); sep = ", " }'
}

cat <<TEXT

Done: edu's DMA crossed a real kexec through its preserved IO page table.
  blackout (host clock):    $(cat "$run_dir/blackout_seconds" 2>/dev/null || echo '?') s
  iolu check, before:       $(grep -m1 -iE 'ready' "$share/check.txt" 2>/dev/null || echo '?')
  iolu audit, after:        $share/audit.html
  traced in kernel 1:       $(events "$share/trace-1.jsonl")
  traced in kernel 2:       $(events "$share/trace-2.jsonl")
Console log (host time on every line): $run_dir/console.log
TEXT
