#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-initramfs.sh [--bpftrace] OUT.cpio.gz GUEST_BIN...
#
# The lab initramfs: busybox-static, /init, the guest helper library, the
# scenario scripts from tests/lab/scenarios, the systemd units of
# packaging/systemd (whose commands lab_run_unit runs) and the given
# static guest programs. The archive is written by the kernel's own gen_init_cpio (built
# from the pinned source), so no root is needed for /dev/console and the
# same inputs give the same bytes.
#
# --bpftrace adds the host's bpftrace (Debian's package) with the shared
# libraries it loads, at the paths ldd finds them: the bench's variant,
# for the trace-bench scenario's bpftrace modes. Its libraries (LLVM and
# clang among them) weigh about 200 MB, which every other lab boot would
# pay for, so only the bench boots it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

with_bpftrace=0
if [ "${1:-}" = --bpftrace ]; then
	with_bpftrace=1
	shift
fi
[ $# -ge 1 ] || die "usage: build-initramfs.sh [--bpftrace] OUT.cpio.gz [GUEST_BIN...]"
out=$1
shift
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "$busybox is missing; install busybox-static ('make deps')"
! readelf -d "$busybox" 2>/dev/null | grep -q NEEDED ||
	die "$busybox is not statically linked; install busybox-static, not busybox"

load_base
gen=$(dirname "$out")/gen_init_cpio
if [ ! -x "$gen" ] || [ "$gen" -ot "$KERNEL_SRC_DIR/usr/gen_init_cpio.c" ]; then
	[ -f "$KERNEL_SRC_DIR/usr/gen_init_cpio.c" ] ||
		die "$KERNEL_SRC_DIR/usr/gen_init_cpio.c not found; run tools/lab/fetch-kernel.sh"
	gcc -O2 -o "$gen" "$KERNEL_SRC_DIR/usr/gen_init_cpio.c" ||
		die "could not build gen_init_cpio from the kernel source"
fi

# bpftrace_spec: bpftrace and every library ldd resolves for it, each at
# its own path (symlinks followed: the archive holds the files).
bpftrace_spec() {
	local bpftrace lib dirs
	bpftrace=$(command -v bpftrace) ||
		die "bpftrace is missing; install Debian's bpftrace package ('make deps')"
	echo "file /bin/bpftrace $(readlink -f "$bpftrace") 0755 0 0"
	ldd "$bpftrace" >/dev/null || die "ldd cannot list the libraries of $bpftrace"
	# Every directory on the way to a library, parents first.
	dirs=$(ldd "$bpftrace" | grep -o '/[^ ]*' | xargs -n1 dirname | sort -u |
		awk -F/ '{ p = ""; for (i = 2; i <= NF; i++) { p = p "/" $i; print p } }' |
		sort -u)
	for lib in $dirs; do
		echo "dir $lib 0755 0 0"
	done
	for lib in $(ldd "$bpftrace" | grep -o '/[^ ]*'); do
		[ -f "$lib" ] || die "bpftrace needs $lib, which is missing"
		echo "file $lib $(readlink -f "$lib") 0755 0 0"
	done
}

guest=$IOLU_ROOT/tools/lab/guest
spec=$(mktemp)
trap 'rm -f "$spec" "$out.partial"' EXIT
{
	for d in /bin /sbin /dev /proc /sys /tmp /host /lab /lab/scenarios /lab/units; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $busybox 0755 0 0"
	echo "file /init $guest/init 0755 0 0"
	echo "file /lab/lab-lib.sh $guest/lab-lib.sh 0644 0 0"
	for s in "$IOLU_ROOT"/tests/lab/scenarios/*.sh; do
		[ -f "$s" ] && echo "file /lab/scenarios/${s##*/} $s 0644 0 0"
	done
	for u in "$IOLU_ROOT"/packaging/systemd/*.in; do
		[ -f "$u" ] && echo "file /lab/units/${u##*/} $u 0644 0 0"
	done
	for bin in "$@"; do
		[ -x "$bin" ] || die "guest program $bin is missing or not executable"
		echo "file /bin/${bin##*/} $bin 0755 0 0"
	done
	[ "$with_bpftrace" = 0 ] || bpftrace_spec
} >"$spec"

"$gen" -t 0 "$spec" | gzip -n -6 >"$out.partial"
mv "$out.partial" "$out"
echo "$out"
