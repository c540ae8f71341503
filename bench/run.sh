#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the verifier's timings and peak memory. The page table
# images (2 GiB at most, one at a time, unlinked as soon as they are open)
# go to build/bench, on disk rather than in a tmpfs.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/build/bench"
exec nice "$root/build/bench/iolu-bench" --dir "$root/build/bench" \
	--iolu "$root/build/iolu" "$@"
