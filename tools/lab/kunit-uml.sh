#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit-uml.sh: the KUnit suites the series touches that need no IOMMU
# hardware, run by the kernel's own kunit.py under UML, as a maintainer
# would: the generic page table's (drivers/iommu/generic_pt/.kunitconfig,
# every format; patch 50 adds find_leaf() to test_map_simple). The lab
# kernel does not build them: they run at every boot of a built-in KUnit
# kernel, and take seconds under TCG.
#
# The source is a hard-linked copy of the pinned kernel source with the
# series applied (patch replaces the files it changes, so the pristine
# tree is untouched), kept with the UML build under the cache and redone
# when the series changes. A cold run builds a small UML kernel: 11 min on
# this project's 2-core machine beside a kernel build, then 30 s a run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$IOLU_ROOT/tools/lab/fetch-kernel.sh" >/dev/null
load_base
lock_cache kunit
src=$IOLU_CACHE/kunit/src
build_dir=$IOLU_CACHE/kunit/um
key=$(kernel_key)
if [ "$(cat "$src/.iolu-key" 2>/dev/null)" != "$key" ]; then
	step "applying the series to a copy of $KERNEL_SRC_DIR"
	rm -rf "$src"
	mkdir -p "${src%/*}"
	cp -al "$KERNEL_SRC_DIR" "$src"
	for patch in $(series_patches); do
		patch -d "$src" -p1 --batch --quiet --no-backup-if-mismatch \
			<"$IOLU_PATCHES/$patch" >/dev/null ||
			die "$patch does not apply to $KERNEL_SRC_DIR"
	done
	echo "$key" >"$src/.iolu-key"
fi
cd "$src"
./tools/testing/kunit/kunit.py run --build_dir="$build_dir" \
	--kunitconfig=drivers/iommu/generic_pt/.kunitconfig --jobs="$(nproc)"
