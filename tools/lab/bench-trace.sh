#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-trace.sh [ITERATIONS [ROUNDS [LOOPS]]]: the overhead of `iolu trace`
# on an iommufd map/unmap loop in the lab guest, against no tracing and
# against the tools an operator would reach for instead, in two pairings:
# counted in the kernel (iolu's default, bpftrace counting in maps,
# ftrace hist triggers) and every event recorded (iolu --op
# pgtable,inval, bpftrace printing, ftrace's ring buffer). Each round
# boots the guest once per mode (scenario trace-bench); a boot runs LOOPS
# untraced loops, then LOOPS under its mode, so every ratio pairs loops of
# the same boot. Two clocks time the loops: first the instruction clock
# (run-lab.sh --icount: one boot per mode, the same ratios every run, the
# cost in instructions executed), then the host's wall clock (ROUNDS boots
# per mode, TCG's own costs included, as noisy as the host). On the
# instruction clock, minimal BPF programs on iommu_map_nosync (fentry,
# kprobe, kretprobe that do nothing, and fentry writing a ring buffer
# record: tools/lab/guest/bench-anchor.c) give the per-event floor, and
# empty programs at iolu's own attach points what entering them costs. Reports medians; timings are reported, never asserted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

iterations=${1:-20000}
rounds=${2:-5}
loops=${3:-5}
# none: no tracer at all, the control (the second five loops against the
# first). On the instruction clock both vCPUs share the clock, so
# ftrace's trace_pipe reader would count against the loop, and by how
# much changes from loop to loop: there ftrace records with no reader
# (ftrace-recorded), its cost in the traced kernel alone. The anchor-*
# modes run on the instruction clock alone. IOLU_BENCH_MODES picks the
# modes of both clocks.
peer_modes="iolu bpftrace-count ftrace-hist iolu-stream bpftrace-print"
instruction_modes=${IOLU_BENCH_MODES:-"none $peer_modes ftrace-recorded
anchor-fentry anchor-kprobe anchor-kretprobe anchor-ringbuf anchor-entries"}
wall_modes=${IOLU_BENCH_MODES:-"none $peer_modes ftrace"}
for value in "$iterations" "$rounds" "$loops"; do
	[[ "$value" =~ ^[1-9][0-9]*$ ]] || die "'$value' is not a positive number"
done
out=$IOLU_ROOT/build/lab/trace-bench
mkdir -p "$out"
samples=$out/samples.txt
skipped=$out/skipped.txt
: >"$samples"
: >"$skipped"

# bpftrace comes with LLVM and clang: only its modes boot the initramfs
# that has it (make bench builds it), which takes longer to unpack.
bench_initramfs=$IOLU_ROOT/build/initramfs-bench.cpio.gz
initramfs_of() {
	case "$1" in
	bpftrace-*)
		[ -f "$bench_initramfs" ] ||
			die "no $bench_initramfs for mode $1: run 'make bench' (or make $bench_initramfs)"
		echo "$bench_initramfs" ;;
	*) echo "${IOLU_TRACE_INITRAMFS:-$IOLU_ROOT/build/initramfs.cpio.gz}" ;;
	esac
}

# boot CLOCK ROUND MODE: one guest, its loops' rates into $samples.
boot() {
	local clock=$1 round=$2 mode=$3 run_dir=$out/$1-$3-$2 clock_option=()
	[ "$clock" = wall ] || clock_option=(--icount)
	"$IOLU_ROOT/tools/lab/run-lab.sh" --timeout 900 --run-dir "$run_dir" "${clock_option[@]}" \
		--initramfs "$(initramfs_of "$mode")" \
		--append "iolu.bench_iterations=$iterations iolu.bench_loops=$loops iolu.bench_mode=$mode" \
		trace-bench >&2
	if [ -f "$run_dir/share/trace-bench.skipped" ]; then
		grep -q "^$mode:" "$skipped" ||
			echo "$mode: $(cat "$run_dir/share/trace-bench.skipped")" >>"$skipped"
		return 0
	fi
	sed "s/^/$clock $round /" "$run_dir/share/trace-bench.txt" >>"$samples"
}

step "trace overhead, instruction clock: one boot per mode {$(echo $instruction_modes)}, $loops loops of $iterations map/unmap pairs per boot"
for mode in $instruction_modes; do
	boot instructions 1 "$mode"
done
step "trace overhead, wall clock: $rounds rounds x {$(echo $wall_modes)}, $loops loops of $iterations map/unmap pairs per boot"
for round in $(seq "$rounds"); do
	for mode in $wall_modes; do
		case "$mode" in anchor-*) continue ;; esac
		boot wall "$round" "$mode"
	done
done

# samples: "CLOCK ROUND MODE untraced|traced OPS"; per boot, the median
# traced loop over the median untraced loop; per clock and mode, the
# median of those.
python3 - "$samples" "$skipped" "$iterations" "$rounds" "$loops" <<'PY'
import statistics, sys
path, skipped, iterations, rounds, loops = sys.argv[1:]
boots = {}
for line in open(path):
    clock, rnd, mode, kind, ops = line.split()
    boots.setdefault((clock, mode, rnd), {}).setdefault(kind, []).append(int(ops))
# A map/unmap pair is two ops of map-loop and four events: the map, the
# unmap, the cache tag flush and the queued invalidation. An anchor's
# program runs once a pair (at the map).
EVENTS = 4
groups = (
    ("counted in the kernel", (
        ("iolu", "iolu trace (default: counts)"),
        ("bpftrace-count", "bpftrace counting in maps"),
        ("ftrace-hist", "ftrace hist triggers"))),
    ("every event recorded", (
        ("iolu-stream", "iolu trace --op pgtable,inval"),
        ("bpftrace-print", "bpftrace printing each"),
        ("ftrace", "ftrace, read from trace_pipe"),
        ("ftrace-recorded", "ftrace, recorded, no reader"))),
    ("control", (("none", "no tracer"),)),
    ("floor: one minimal BPF program on iommu_map_nosync, once a pair", (
        ("anchor-fentry", "fentry, empty"),
        ("anchor-kprobe", "kprobe, empty"),
        ("anchor-kretprobe", "kretprobe, empty"),
        ("anchor-ringbuf", "fentry + 8-byte ring buffer record"))),
    ("iolu's counted attach points, empty programs (4 entries a pair)", (
        ("anchor-entries", "fentry x3 + tp_btf qi_submit"),)))

def figures(clock, mode):
    runs = [b for (c, m, _), b in sorted(boots.items())
            if c == clock and m == mode and b.get("traced") and b.get("untraced")]
    if not runs:
        return None
    ratios = [statistics.median(b["traced"]) / statistics.median(b["untraced"]) for b in runs]
    untraced = statistics.median(x for b in runs for x in b["untraced"])
    traced = statistics.median(x for b in runs for x in b["traced"])
    ratio = statistics.median(ratios)
    # Extra instructions (or time) per pair, as a share of the untraced
    # loop's; on the instruction clock, 10^9 / ops/s is instructions per op.
    extra = 2e9 / (untraced * ratio) - 2e9 / untraced
    return dict(runs=len(runs), untraced=untraced, traced=traced, ratio=ratio,
                cost=1 / ratio - 1, extra=extra, per_boot=ratios)

print("iommufd map/unmap of 4 KiB at a fixed IOVA on edu, TCG guest, %s loops of %s pairs"
      " per boot; ratios pair loops of the same boot (medians). A pair is %d events:"
      " map, unmap, cache tag flush, queued invalidation." % (loops, iterations, EVENTS))
results = {}
for clock, title in (("instructions", "instruction clock (one boot per mode; ops/s are ops per"
                      " 10^9 guest instructions, cost is extra instructions)"),
                     ("wall", "wall clock (%s rounds, a boot per mode each; TCG's own costs,"
                      " host noise)" % rounds)):
    print()
    print(title)
    per_event = clock == "instructions"
    print("  %-36s %9s %9s %8s %7s%s" % ("mode", "untraced", "traced", "of unt.", "cost",
                                          " %10s" % "instr/event" if per_event else ""))
    for group, modes in groups:
        rows = [(mode, label, figures(clock, mode)) for mode, label in modes]
        rows = [r for r in rows if r[2]]
        if not rows:
            continue
        print("  %s" % group)
        for mode, label, f in rows:
            results[(clock, mode)] = f
            events = 1 if mode.startswith("anchor-") and mode != "anchor-entries" else EVENTS
            print("    %-34s %9.0f %9.0f %7.1f%% %6.1f%%%s%s"
                  % (label, f["untraced"], f["traced"], 100 * f["ratio"], 100 * f["cost"],
                     " %10.0f" % (f["extra"] / events) if per_event else "",
                     "   per boot: " + " ".join("%.1f%%" % (100 * r) for r in f["per_boot"])
                     if f["runs"] > 1 else ""))

print()
for clock in ("instructions", "wall"):
    for mine, peers in (("iolu", ("bpftrace-count", "ftrace-hist")),
                        ("iolu-stream", ("bpftrace-print", "ftrace", "ftrace-recorded"))):
        me = results.get((clock, mine))
        others = [(p, results[(clock, p)]) for p in peers if (clock, p) in results]
        if not me or not others:
            continue
        below = [p for p, f in others if me["cost"] < f["cost"]]
        print("%s clock: %s costs %.1f%%, %s every peer measured (%s)"
              % (clock, mine, 100 * me["cost"],
                 "below" if len(below) == len(others) else "NOT below",
                 ", ".join("%s %.1f%%" % (p, 100 * f["cost"]) for p, f in others)))
for line in open(skipped):
    print("not measured: %s" % line.strip())
me = results.get(("instructions", "iolu"))
if me:
    print("iolu's counted mode: %.1f%% of the loop's instructions (goal: under 2%%)"
          % (100 * me["cost"]))
PY
