#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-trace.sh [ITERATIONS [ROUNDS [LOOPS]]]: the overhead of `iolu trace`
# on an iommufd map/unmap loop in the lab guest, against no tracing and
# against ftrace on the same tracepoints and functions. Each round boots
# the guest once per mode (scenario trace-bench); a boot runs LOOPS
# untraced loops, then LOOPS under its mode, so every ratio pairs loops of
# the same boot. Two clocks time the loops: first the instruction clock
# (run-lab.sh --icount: one boot per mode, the same ratios every run, the
# cost in instructions executed), then the host's wall clock (ROUNDS boots
# per mode, TCG's own costs included, as noisy as the host). Reports
# medians; timings are reported, never asserted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

iterations=${1:-20000}
rounds=${2:-5}
loops=${3:-5}
# none: no tracer at all, the control (the second five loops against the
# first). On the instruction clock both vCPUs share the clock, so
# ftrace's trace_pipe reader would count against the loop, and by how
# much changes from loop to loop: there ftrace records with no reader
# (ftrace-recorded), its cost in the traced kernel alone. IOLU_BENCH_MODES
# picks the modes of both clocks.
instruction_modes=${IOLU_BENCH_MODES:-"none iolu iolu-stream ftrace-recorded"}
wall_modes=${IOLU_BENCH_MODES:-"none iolu iolu-stream ftrace"}
for value in "$iterations" "$rounds" "$loops"; do
	[[ "$value" =~ ^[1-9][0-9]*$ ]] || die "'$value' is not a positive number"
done
out=$IOLU_ROOT/build/lab/trace-bench
mkdir -p "$out"
samples=$out/samples.txt
: >"$samples"

# boot CLOCK ROUND MODE: one guest, its loops' rates into $samples.
boot() {
	local clock=$1 round=$2 mode=$3 run_dir=$out/$1-$3-$2 clock_option=()
	[ "$clock" = wall ] || clock_option=(--icount)
	"$IOLU_ROOT/tools/lab/run-lab.sh" --timeout 900 --run-dir "$run_dir" "${clock_option[@]}" \
		${IOLU_TRACE_INITRAMFS:+--initramfs "$IOLU_TRACE_INITRAMFS"} \
		--append "iolu.bench_iterations=$iterations iolu.bench_loops=$loops iolu.bench_mode=$mode" \
		trace-bench >&2
	sed "s/^/$clock $round /" "$run_dir/share/trace-bench.txt" >>"$samples"
}

step "trace overhead, instruction clock: one boot per mode {$instruction_modes}, $loops loops of $iterations map/unmap pairs per boot"
for mode in $instruction_modes; do
	boot instructions 1 "$mode"
done
step "trace overhead, wall clock: $rounds rounds x {$wall_modes}, $loops loops of $iterations map/unmap pairs per boot"
for round in $(seq "$rounds"); do
	for mode in $wall_modes; do
		boot wall "$round" "$mode"
	done
done

# samples: "CLOCK ROUND MODE untraced|traced OPS"; per boot, the median
# traced loop over the median untraced loop; per clock and mode, the
# median of those.
python3 - "$samples" "$iterations" "$rounds" "$loops" <<'PY'
import statistics, sys
path, iterations, rounds, loops = sys.argv[1], *sys.argv[2:]
boots = {}
for line in open(path):
    clock, rnd, mode, kind, ops = line.split()
    boots.setdefault((clock, mode, rnd), {}).setdefault(kind, []).append(int(ops))
labels = (("none", "no tracer (control)"),
          ("iolu", "iolu trace (counts map/unmap/inval in kernel)"),
          ("iolu-stream", "iolu trace --op pgtable,inval (each event)"),
          ("ftrace", "ftrace (tracepoints + kprobe/kretprobe)"),
          ("ftrace-recorded", "ftrace, the same, recorded with no reader"))
print("iommufd map/unmap of 4 KiB at a fixed IOVA on edu, TCG guest, %s loops of %s pairs"
      " per boot; ratios pair loops of the same boot (medians)" % (loops, iterations))
for clock, title in (("instructions", "instruction clock (one boot per mode; a second is"
                      " 10^9 guest instructions, so ratios are ratios of instructions)"),
                     ("wall", "wall clock (boots per mode: %s; TCG's own costs, host noise)"
                      % rounds)):
    print()
    print(title)
    print("%-44s %10s %10s %12s" % ("mode", "untraced", "traced", "of untraced"))
    for mode, label in labels:
        runs = [b for (c, m, _), b in sorted(boots.items()) if c == clock and m == mode]
        if not runs:
            continue
        ratios = [statistics.median(b["traced"]) / statistics.median(b["untraced"])
                  for b in runs]
        per_boot = " ".join("%.1f%%" % (100 * r) for r in ratios)
        print("%-44s %10.0f %10.0f %11.1f%%%s"
              % (label, statistics.median(x for b in runs for x in b["untraced"]),
                 statistics.median(x for b in runs for x in b["traced"]),
                 100 * statistics.median(ratios),
                 "   per boot: " + per_boot if len(runs) > 1 else ""))
PY
