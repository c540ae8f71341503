#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab scenario, step by step, in plain words: boot the patched kernel
# in QEMU with an emulated Intel IOMMU, put edu behind vfio-pci, preserve a
# memfd in an LUO session, kexec into the next kernel and get it back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_base
kernel_dir=$(cat "$IOLU_ROOT/build/kernel.dir")
patches=$(series_patches | wc -l)

cat <<TEXT

iolu lab demo
-------------
Kernel:  Linux $KERNEL_PKG_VERSION from Debian's $KERNEL_PKG, with $patches patch(es)
         from kernel-patches/series, built in $kernel_dir
Guest:   QEMU q35, 2 vCPUs, 2 GiB, emulated Intel IOMMU with interrupt
         remapping, the edu PCI DMA device; console on serial.

What happens:
  1. The first kernel boots and checks that what iolu reads is there (BTF,
     /proc/kcore, KHO's debugfs), that the Intel IOMMU is active and that
     edu is alone in its IOMMU group.
  2. edu is bound to vfio-pci, as a VM's passthrough device would be.
  3. A 1 MiB memfd is filled with a pattern and preserved in an LUO session.
  4. The same kernel is loaded with kexec_file_load and the machine
     reboots into it with KHO; LUO serializes the session during the reboot.
  5. The second kernel retrieves the session and the memfd, checks every
     byte of the pattern and finishes the session.

Running (lines from the guest are indented):
TEXT

if "$IOLU_ROOT/tools/lab/run-lab.sh" --follow memfd-liveupdate; then
	cat <<TEXT

Done: the memfd crossed a real kexec live update intact.
The console log is in build/lab/memfd-liveupdate/console.log (each line
carries the host time it arrived).
TEXT
else
	echo
	echo "The demo failed; the reason is above. Console: build/lab/memfd-liveupdate/console.log"
	exit 1
fi
