#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-selftests.sh OUTDIR KERNEL_DIR
#
# The kernel's own selftests of what the series touches, from the pinned
# source, built static against the lab kernel's uapi headers (KERNEL_DIR is
# a build-kernel.sh output) for the lab's busybox initramfs:
#   tools/testing/selftests/iommu: iommufd, iommufd_fail_nth
#   tools/testing/selftests/liveupdate: liveupdate and the kexec tests
# Each lands in OUTDIR as ks-NAME.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: build-selftests.sh OUTDIR KERNEL_DIR"
outdir=$1 kdir=$2
[ -d "$kdir/usr/include" ] || die "$kdir has no usr/include: not a lab kernel build"
load_base
st=$KERNEL_SRC_DIR/tools/testing/selftests
[ -f "$st/iommu/iommufd.c" ] || die "$st/iommu/iommufd.c not found; run tools/lab/fetch-kernel.sh"
mkdir -p "$outdir"

# The selftests are not ours: build them as their Makefiles do (-Wall, no
# -Werror), only static and against the lab kernel's headers.
cflags=(-static -O2 -D_GNU_SOURCE -Wall -Wno-unused-function
	-isystem "$kdir/usr/include" -I"$st")

build() {
	local name=$1
	shift
	gcc "${cflags[@]}" -o "$outdir/ks-$name.new" "$@" 2>"$outdir/ks-$name.log" || {
		cat "$outdir/ks-$name.log" >&2
		die "building the $name selftest failed"
	}
	mv "$outdir/ks-$name.new" "$outdir/ks-$name"
}

build iommufd "$st/iommu/iommufd.c" -lcap
build iommufd_fail_nth "$st/iommu/iommufd_fail_nth.c" -lcap
for name in liveupdate luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files; do
	build "$name" -I"$st/liveupdate/lib/include" "$st/liveupdate/$name.c" \
		"$st/liveupdate/lib/lu_utils.c"
done
