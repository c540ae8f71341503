#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-trace.sh [ITERATIONS [ROUNDS]]: the overhead of `iolu trace` on an
# iommufd map/unmap loop in the lab guest, against no tracing and against
# ftrace on the same tracepoints and functions (scenario trace-bench).
# Prints the guest's table; timings are reported, never asserted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

iterations=${1:-20000}
rounds=${2:-1}
[[ "$iterations" =~ ^[1-9][0-9]*$ ]] || die "iterations '$iterations' is not a positive number"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "rounds '$rounds' is not a positive number"
run_dir=$IOLU_ROOT/build/lab/trace-bench
step "trace overhead: $rounds rounds of $iterations map/unmap pairs in the lab guest"
"$IOLU_ROOT/tools/lab/run-lab.sh" --timeout 1800 --run-dir "$run_dir" \
	${IOLU_TRACE_INITRAMFS:+--initramfs "$IOLU_TRACE_INITRAMFS"} \
	--append "iolu.bench_iterations=$iterations iolu.bench_rounds=$rounds" trace-bench >&2
cat "$run_dir/share/trace-bench.txt"
