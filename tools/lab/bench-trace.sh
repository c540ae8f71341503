#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-trace.sh [ITERATIONS [ROUNDS [LOOPS]]]: the overhead of `iolu trace`
# on an iommufd map/unmap loop in the lab guest, against no tracing and
# against ftrace on the same tracepoints and functions. Each round boots
# the guest once per mode (scenario trace-bench); a boot runs LOOPS
# untraced loops, then LOOPS under its mode, so every ratio pairs loops of
# the same boot. Reports medians; timings are reported, never asserted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

iterations=${1:-20000}
rounds=${2:-5}
loops=${3:-5}
# none: no tracer at all, the control (the second five loops against the
# first); IOLU_BENCH_MODES picks some of the modes.
modes=${IOLU_BENCH_MODES:-"none iolu iolu-stream ftrace"}
for value in "$iterations" "$rounds" "$loops"; do
	[[ "$value" =~ ^[1-9][0-9]*$ ]] || die "'$value' is not a positive number"
done
out=$IOLU_ROOT/build/lab/trace-bench
mkdir -p "$out"
samples=$out/samples.txt
: >"$samples"
step "trace overhead: $rounds rounds x {$modes}, $loops loops of $iterations map/unmap pairs per boot"
for round in $(seq "$rounds"); do
	for mode in $modes; do
		run_dir=$out/$mode-$round
		"$IOLU_ROOT/tools/lab/run-lab.sh" --timeout 900 --run-dir "$run_dir" \
			${IOLU_TRACE_INITRAMFS:+--initramfs "$IOLU_TRACE_INITRAMFS"} \
			--append "iolu.bench_iterations=$iterations iolu.bench_loops=$loops iolu.bench_mode=$mode" \
			trace-bench >&2
		sed "s/^/$round /" "$run_dir/share/trace-bench.txt" >>"$samples"
	done
done

# samples: "ROUND MODE untraced|traced OPS"; per boot, the median traced
# loop over the median untraced loop; per mode, the median of those.
python3 - "$samples" "$iterations" "$rounds" "$loops" <<'PY'
import statistics, sys
path, iterations, rounds, loops = sys.argv[1], *sys.argv[2:]
boots = {}
for line in open(path):
    rnd, mode, kind, ops = line.split()
    boots.setdefault((mode, rnd), {}).setdefault(kind, []).append(int(ops))
print("iommufd map/unmap of 4 KiB at a fixed IOVA on edu, TCG guest: %s rounds x %s loops"
      " of %s pairs per mode; ratios pair loops of the same boot (medians)"
      % (rounds, loops, iterations))
print("%-44s %10s %10s %12s" % ("mode", "untraced", "traced", "of untraced"))
for mode, label in (("none", "no tracer (control)"),
                    ("iolu", "iolu trace (counts map/unmap/inval in kernel)"),
                    ("iolu-stream", "iolu trace --op pgtable,inval (each event)"),
                    ("ftrace", "ftrace (tracepoints + kprobe/kretprobe)")):
    runs = [b for (m, _), b in sorted(boots.items()) if m == mode]
    if not runs:
        continue
    ratios = [statistics.median(b["traced"]) / statistics.median(b["untraced"]) for b in runs]
    per_boot = " ".join("%.1f%%" % (100 * r) for r in ratios)
    print("%-44s %10.0f %10.0f %11.1f%%   per boot: %s"
          % (label, statistics.median(x for b in runs for x in b["untraced"]),
             statistics.median(x for b in runs for x in b["traced"]),
             100 * statistics.median(ratios), per_boot))
PY
