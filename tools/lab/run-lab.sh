#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-lab.sh [options] SCENARIO
#
# Boot the lab guest (q35, emulated Intel IOMMU with interrupt remapping,
# the edu DMA device) with the lab kernel and initramfs, run SCENARIO from
# tests/lab/scenarios, and exit with the guest's verdict: 0 for "pass", 1
# for anything else. The serial console is timestamped on the host as it
# arrives, which also times the blackout of each live update: one line per
# kexec in RUN_DIR/blackouts, the first also in RUN_DIR/blackout_seconds.
#
# Options:
#   --kernel DIR     kernel output directory (default: build/kernel.dir)
#   --initramfs F    initramfs (default: build/initramfs.cpio.gz)
#   --run-dir DIR    where the console log and the guest's files go
#                    (default: build/lab/SCENARIO, or $IOLU_LAB_OUT/SCENARIO)
#   --timeout S      hard limit for the whole run (default: 300)
#   --append TEXT    extra kernel command line
#   --iommu-props P  extra intel-iommu device properties, e.g.
#                    x-scalable-mode=on
#   --topology T     the DMA devices and the PCI topology they sit in:
#                    "edu" (default), one edu on the root bus; "host", an
#                    edu behind a PCIe root port (01:00.0), one behind a
#                    PCIe-to-PCI bridge (02:01.0, DMA aliased to 02:00.0)
#                    and two on the root bus (00:12.0, 00:13.0)
#   --icount         time the guest by instructions: TCG on one host
#                    thread with QEMU's instruction counter as the guest's
#                    clock (one nanosecond per instruction, no sleeping),
#                    so what the guest times counts the instructions it
#                    ran, the same from run to run whatever the host does
#   --follow         print the scenario's own lines while it runs
#
# Environment: IOLU_LAB_KERNEL is the default of --kernel, IOLU_LAB_OUT
# replaces build/lab in the default of --run-dir, IOLU_LAB_KHO_SCRATCH
# replaces the kho_scratch= sizes, IOLU_LAB_APPEND comes before --append;
# IOLU_LAB_TIMEOUT_SCALE multiplies --timeout (the debug kernel of
# `make lab-debug` runs several times slower under TCG).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel_dir= initramfs=$IOLU_ROOT/build/initramfs.cpio.gz run_dir= timeout_s=300
extra_append= follow=0 iommu_props= icount=0 topology=edu
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel | --initramfs | --run-dir | --timeout | --append | --iommu-props | --topology)
		[ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case "$1" in
	--kernel) kernel_dir=$2; shift 2 ;;
	--initramfs) initramfs=$2; shift 2 ;;
	--run-dir) run_dir=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) extra_append=$2; shift 2 ;;
	--iommu-props) iommu_props=,$2; shift 2 ;;
	--topology) topology=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--follow) follow=1; shift ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: run-lab.sh [options] SCENARIO"
scenario=$1
# The name becomes a directory that is wiped before each run: no paths.
[[ "$scenario" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] ||
	die "scenario '$scenario' is not a scenario name (letters, digits, '-' and '_')"
[[ "$timeout_s" =~ ^[0-9]+$ ]] && [ "$timeout_s" -ge 1 ] ||
	die "--timeout '$timeout_s' is not a number of seconds (1 or more)"

scale=${IOLU_LAB_TIMEOUT_SCALE:-1}
[[ "$scale" =~ ^[1-9][0-9]*$ ]] ||
	die "IOLU_LAB_TIMEOUT_SCALE '$scale' is not a whole number (1 or more)"
timeout_s=$((timeout_s * scale))

kernel_dir=${kernel_dir:-${IOLU_LAB_KERNEL:-}}
if [ -z "$kernel_dir" ]; then
	[ -f "$IOLU_ROOT/build/kernel.dir" ] ||
		die "no lab kernel yet: run 'make kernel' (or pass --kernel DIR)"
	kernel_dir=$(cat "$IOLU_ROOT/build/kernel.dir")
fi
[ -f "$kernel_dir/bzImage" ] || die "no bzImage in $kernel_dir"
[ -f "$initramfs" ] || die "no initramfs at $initramfs: run 'make initramfs'"
need_cmd qemu-system-x86_64 timeout
case "$topology" in
edu | host) ;;
*) die "--topology '$topology' is not a topology (edu, host)" ;;
esac
qemu_version=$(qemu-system-x86_64 --version | head -n 1)
step "$qemu_version; topology $topology"
run_dir=${run_dir:-${IOLU_LAB_OUT:-$IOLU_ROOT/build/lab}/$scenario}

# The live update scenarios load the same kernel again with kexec_file_load
# and need it, and the initramfs, as regular files: they reach the guest
# through the share, as does the verdict.
# Only what an earlier run left: --run-dir may name a directory with more in it.
rm -rf "$run_dir/share" "$run_dir/console.log" "$run_dir/qemu.stderr" \
	"$run_dir/blackout_seconds" "$run_dir/blackouts"
mkdir -p "$run_dir/share"
cp "$kernel_dir/bzImage" "$run_dir/share/bzImage"
cp "$initramfs" "$run_dir/share/initramfs.cpio.gz"
console=$run_dir/console.log

# KHO needs scratch memory the next kernel boots from; 2 GiB guests leave
# room for 256 MiB of it. A KASAN kernel allocates its shadow (an eighth
# of RAM) from scratch early in boot, so make lab-debug asks for more
# (IOLU_LAB_KHO_SCRATCH).
# no_timer_check: under TCG on a loaded host the kernel's check that the
# timer interrupt arrives through the (remapped) IO-APIC can time out and
# panic 0.03 s into boot ("timer doesn't work through Interrupt-remapped
# IO-APIC"), long before anything of iolu runs; the timer does work.
cmdline="console=ttyS0,115200 kho=on liveupdate=on kho_scratch=${IOLU_LAB_KHO_SCRATCH:-32M,256M,32M} no_timer_check"
cmdline+=" panic=-1 oops=panic iolu.scenario=$scenario iolu.stage=1 ${IOLU_LAB_APPEND:-} $extra_append"

# Fixed slots, so that a device has the same address in every run and in
# both kernels of a live update.
topology_devices() {
	case "$topology" in
	edu)
		printf '%s\n' -device edu ;;
	host)
		printf '%s\n' \
			-device pcie-root-port,id=iolu_rp,bus=pcie.0,chassis=1,addr=0x10 \
			-device edu,bus=iolu_rp,addr=0x0 \
			-device pcie-pci-bridge,id=iolu_pb,bus=pcie.0,addr=0x11 \
			-device edu,bus=iolu_pb,addr=0x1 \
			-device edu,bus=pcie.0,addr=0x12 \
			-device edu,bus=pcie.0,addr=0x13 ;;
	esac
}

qemu_args() {
	local accel=$1
	if [ "$icount" = 1 ]; then
		# The instruction counter needs all vCPUs on one thread.
		printf '%s\n' -accel tcg,thread=single -icount shift=0,sleep=off
	else
		printf '%s\n' -accel "$accel"
	fi
	printf '%s\n' -machine q35,kernel-irqchip=split \
		-cpu "$([ "$accel" = kvm ] && echo host || echo max)" \
		-smp 2 -m 2G \
		-device "intel-iommu,intremap=on$iommu_props"
	topology_devices
	printf '%s\n' \
		-kernel "$kernel_dir/bzImage" -initrd "$run_dir/share/initramfs.cpio.gz" \
		-virtfs "local,path=$run_dir/share,mount_tag=iolu,security_model=none,id=iolu" \
		-display none -monitor none -serial stdio -no-reboot
}

# Prefix every console line with the host's wall clock when it arrived.
stamp_lines() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		printf '%s %s\n' "$EPOCHREALTIME" "$line"
		if [ "$follow" = 1 ]; then
			case "$line" in iolu-lab:* | "    "* | lu-*) printf '  %s\n' "$line" >&2 ;; esac
		fi
	done
}

# A KVM guest is used only after a probe boot reached userspace with it:
# on some hosts /dev/kvm opens but guests never leave the decompressor.
pick_accel() {
	local probe_dir verdict_file key
	if [ "$icount" = 1 ]; then
		[ "${IOLU_ACCEL:-tcg}" = tcg ] ||
			die "--icount counts instructions under TCG; IOLU_ACCEL=$IOLU_ACCEL asks for another accelerator"
		echo tcg
		return
	fi
	if [ -n "${IOLU_ACCEL:-}" ]; then
		echo "$IOLU_ACCEL"
		return
	fi
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
	key=$(printf '%s %s' "$(sha256sum "$kernel_dir/bzImage" | cut -c1-16)" \
		"$(qemu-system-x86_64 --version | head -n 1)" | sha256sum | cut -c1-16)
	verdict_file=$IOLU_CACHE/kvm-probe/$key
	if [ ! -f "$verdict_file" ]; then
		mkdir -p "$IOLU_CACHE/kvm-probe"
		probe_dir=$(mktemp -d)
		mapfile -t args < <(qemu_args kvm)
		timeout -k 2 20 qemu-system-x86_64 "${args[@]}" \
			-append "console=ttyS0 panic=-1 iolu.scenario=kvm-probe" \
			</dev/null >"$probe_dir/console" 2>&1 || true
		if grep -q 'iolu-lab: userspace up' "$probe_dir/console"; then
			echo kvm >"$verdict_file"
			step "KVM probe: a KVM guest reached userspace; using KVM"
		else
			echo tcg >"$verdict_file"
			step "KVM probe: /dev/kvm opens but a KVM guest did not reach userspace in 20 s; using TCG"
		fi
		rm -rf "$probe_dir"
	fi
	cat "$verdict_file"
}

accel=$(pick_accel)
mapfile -t args < <(qemu_args "$accel")
[ "$icount" = 1 ] && accel="$accel, instruction clock"
step "booting the lab guest ($accel) for scenario '$scenario' (console: $console)"
start=$EPOCHREALTIME
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" -append "$cmdline" \
	</dev/null 2>"$run_dir/qemu.stderr" | stamp_lines >"$console"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# Blackouts as the host saw them, one per kexec of the run (a scenario
# may chain several): from the guest's last line before the kexec to the
# first line of the next kernel's userspace.
blackouts=$(awk '
	/iolu-lab: kexec now/ { t0 = $1; next }
	t0 && /iolu-lab: userspace up/ { printf "%.3f\n", $1 - t0; t0 = 0 }
' "$console")
if [ -n "$blackouts" ]; then
	echo "$blackouts" >"$run_dir/blackouts"
	head -n 1 <<<"$blackouts" >"$run_dir/blackout_seconds"
	nr_kexecs=$(wc -l <<<"$blackouts")
	kexec=0
	while read -r blackout; do
		kexec=$((kexec + 1))
		[ "$nr_kexecs" = 1 ] && numbered= || numbered=" (kexec $kexec of $nr_kexecs)"
		step "live update blackout$numbered: $blackout s from 'kexec now' to the next kernel's userspace (host clock, serial console)"
	done <<<"$blackouts"
fi

verdict=$(cat "$run_dir/share/verdict" 2>/dev/null || true)
if [ "$verdict" = pass ]; then
	step "scenario '$scenario' passed in $elapsed s ($accel)"
	exit 0
fi

echo "--- last 30 console lines ($console):" >&2
tail -n 30 "$console" | cut -d' ' -f2- >&2
[ -s "$run_dir/qemu.stderr" ] && { echo "--- qemu stderr:" >&2; tail -n 10 "$run_dir/qemu.stderr" >&2; }
if [ -n "$verdict" ]; then
	die "scenario '$scenario' failed ($accel, $elapsed s): $verdict"
elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	die "the guest gave no verdict within $timeout_s s ($accel); it hung or never booted"
elif ! grep -q 'iolu-lab: userspace up' "$console"; then
	die "the guest never reached userspace ($accel, qemu exit $qemu_rc)"
else
	die "the guest stopped without a verdict ($accel, qemu exit $qemu_rc)"
fi
