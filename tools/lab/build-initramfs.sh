#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-initramfs.sh OUT.cpio.gz GUEST_BIN...
#
# The lab initramfs: busybox-static, /init, the guest helper library, the
# scenario scripts from tests/lab/scenarios, the systemd units of
# packaging/systemd (whose commands lab_run_unit runs) and the given
# static guest programs. The archive is written by the kernel's own gen_init_cpio (built
# from the pinned source), so no root is needed for /dev/console and the
# same inputs give the same bytes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: build-initramfs.sh OUT.cpio.gz [GUEST_BIN...]"
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
} >"$spec"

"$gen" -t 0 "$spec" | gzip -n -6 >"$out.partial"
mv "$out.partial" "$out"
echo "$out"
