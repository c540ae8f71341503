#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-liveupdate.sh [ROUNDS [SIZES]]: what preserving and restoring the
# IOMMU state costs the kernel, as a share of the live update's blackout,
# for each mapping size (default "1M 64M 1G") at 4 KiB and 2 MiB pages
# (IOLU_LU_BENCH_PAGES, default "4k 2m"). Each boot of the lab guest
# (scenario iommu-lu-bench) is one live update: edu's HWPT maps a sealed
# memfd of that size, everything is preserved, the guest kexecs with
# edu's DMA in flight and the next kernel restores it. Every figure of a
# row comes from the same kexec:
#   preserve  the ioctls that mark the HWPT and preserve the iommufd and
#             the vfio device (lu-bench, before the kexec)
#   kexec     intel_iommu_shutdown in the outgoing kernel (a synthetic
#             trace event printed on the console)
#   boot      the next kernel's unit adoption and domain restores
#             (function_graph from its command line)
#   restore   retrieving the iommufd (which rebuilds the IOAS and HWPT and
#             pins the pages), less the memfd's restore it runs on the way
#             (memfd_luo_retrieve, by function_graph), finding its restored
#             HWPT, binding the device and attaching it (lu-bench)
#   blackout  from just before the kexec to the next kernel's /init
# The memfd's own preserve and retrieve, and the map that built the IO
# page table, are printed beside them but not counted. The snapshot `iolu
# check` took before the kexec gives the IO page-table pages and the IO
# page sizes actually used.
#
# Two clocks, as in bench-trace.sh:
#   - the instruction clock (run-lab.sh --icount; IOLU_LU_BENCH_ICOUNT_ROUNDS
#     boots per case, default 3): the guest's clock counts instructions,
#     so the kernel's durations are its work, without TCG's translation of
#     code run for the first time; the blackout is on the same clock, from
#     the guest's TSC (lu-bench). Both vCPUs share that clock: what the
#     other one runs meanwhile (the boot's own work, at boot) counts too;
#   - the wall clock (ROUNDS boots per case, default 3, round-robin so
#     that the host's noise spreads over every case): the guest's
#     durations with TCG's costs in them, and run-lab.sh's blackout on the
#     host's clock ('kexec now' to 'userspace up'; the guest's own is
#     printed beside it).
# Medians; timings are reported, never asserted.
#
# The largest size is 1 GiB: the lab guest has 2 GiB (run-lab.sh), of
# which KHO's scratch areas take 320 MiB that a preserved memfd cannot
# use (its pages are pinned out of them), and the kernel, the initramfs
# and the copies of both for the kexec take some more.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rounds=${1:-3}
sizes=${2:-"1M 64M 1G"}
pages=${IOLU_LU_BENCH_PAGES:-"4k 2m"}
icount_rounds=${IOLU_LU_BENCH_ICOUNT_ROUNDS:-3}
for value in "$rounds" "$icount_rounds"; do
	[[ "$value" =~ ^[0-9]+$ ]] || die "'$value' is not a number of rounds"
done
for size in $sizes; do
	[[ "$size" =~ ^[1-9][0-9]*[KMG]$ ]] || die "size '$size' is not a size like 64M or 1G"
done
for page in $pages; do
	case "$page" in 4k | 2m) ;; *) die "page size '$page' is not 4k or 2m" ;; esac
done
initramfs=${IOLU_LU_BENCH_INITRAMFS:-$IOLU_ROOT/build/initramfs.cpio.gz}
iolu=$IOLU_ROOT/build/iolu
[ -x "$iolu" ] || die "no $iolu: run 'make iolu'"
out=${IOLU_LAB_OUT:-$IOLU_ROOT/build/lab}/lu-bench
mkdir -p "$out"
runs=$out/runs.txt
unavailable=$out/unavailable.txt
: >"$runs"
: >"$unavailable"
started=$EPOCHREALTIME

# boot CLOCK PAGE SIZE ROUND: one live update; its run directory into
# $runs, or into $unavailable why this kernel cannot map with PAGE.
boot() {
	local clock=$1 page=$2 size=$3 round=$4 run_dir=$out/$1-$2-$3-$4 clock_option=()
	[ "$clock" = wall ] || clock_option=(--icount)
	"$IOLU_ROOT/tools/lab/run-lab.sh" --timeout 1800 --run-dir "$run_dir" "${clock_option[@]}" \
		--initramfs "$initramfs" \
		--append "tp_printk iolu.bench_size=$size iolu.bench_page=$page" iommu-lu-bench >&2
	if [ -f "$run_dir/share/lu-bench.unavailable" ]; then
		echo "$page $(cat "$run_dir/share/lu-bench.unavailable")" >>"$unavailable"
		return 0
	fi
	"$iolu" show --json "$run_dir/share/before.iolu" >"$run_dir/show.json" ||
		die "iolu show could not read $run_dir/share/before.iolu"
	echo "$clock $page $size $round $run_dir" >>"$runs"
}

# rounds_of CLOCK N: N rounds of every case, round-robin.
rounds_of() {
	local clock=$1 round page size
	for round in $(seq "$2"); do
		for page in $pages; do
			grep -q "^$page " "$unavailable" && continue
			for size in $sizes; do
				boot "$clock" "$page" "$size" "$round"
				# An if, not &&: a failed grep as the loop's last
				# command would fail the function under set -e
				if grep -q "^$page " "$unavailable"; then break; fi
			done
		done
	done
}

step "IOMMU live update cost: sizes {$sizes} x pages {$pages}, one kexec a boot;" \
	"$icount_rounds round(s) on the instruction clock, $rounds on the wall clock"
rounds_of instructions "$icount_rounds"
rounds_of wall "$rounds"
elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')

python3 - "$runs" "$unavailable" "$elapsed" <<'PY'
import collections, json, re, statistics, sys

runs_path, unavailable_path, elapsed = sys.argv[1:]
# A call's duration: "fn();", or "} /* fn */" closing a "fn() {" (a call
# that moved to another CPU).
GRAPH = re.compile(r"^\s*\d+\)\s*[-+!#*@$]?\s*([\d.]+) us\s*\|\s*(?:(\w+)\(\);|\} /\* (\w+) \*/)")
BOOT_FUNCTIONS = ("intel_iommu_lu_adopt", "iommu_lu_restore_device_domain")
PAGE_NAMES = {12: "4K", 21: "2M", 30: "1G"}

def fail(run_dir, what):
    sys.exit("bench-liveupdate: %s: %s" % (run_dir, what))

def results(run_dir):
    values = {}
    for line in open(run_dir + "/share/lu-bench.txt"):
        key, value = line.split()
        values[key] = int(value)
    return values

def traced_ms(run_dir, trace, functions):
    """Each function's calls in a function_graph trace, summed, in ms."""
    total = dict.fromkeys(functions, 0.0)
    for line in open(run_dir + "/share/" + trace):
        m = GRAPH.match(line)
        fn = m and (m.group(2) or m.group(3))
        if fn in total:
            total[fn] += float(m.group(1)) / 1000
    for fn, ms in total.items():
        if not ms:
            fail(run_dir, "no call of %s in %s" % (fn, trace))
    return total

def shutdown_ms(run_dir):
    found = re.findall(r"\] iolu_shutdown: ns=(\d+)", open(run_dir + "/console.log").read())
    if len(found) != 1:
        fail(run_dir, "%d iolu_shutdown lines in console.log, expected 1" % len(found))
    return int(found[0]) / 1e6

def page_tables(run_dir):
    """Table pages and IO pages by size (bytes of mixed extents apart), from the snapshot."""
    show = json.load(open(run_dir + "/show.json"))
    table_pages, io_pages, mixed = 0, collections.Counter(), 0
    for domain in show["state"]["domains"]:
        walk = domain.get("page_table")
        if not walk:
            fail(run_dir, "the snapshot has a domain whose page table was not walked")
        table_pages += walk["table_pages"]
        for extent in walk["extents"]:
            size, shift = int(extent["size"], 16), extent["page_shift"]
            if shift:
                io_pages[shift] += size >> shift
            else:
                mixed += size
    return table_pages, io_pages, mixed

def guest_blackout(run_dir, r):
    """From the TSC just before the kexec to the TSC when the next kernel started /init."""
    seconds = (r["init_tsc"] - r["kexec_tsc"]) / (r["tsc_khz"] * 1e3)
    if not 0 < seconds < 3600:
        fail(run_dir, "the guest's blackout comes out at %g s: did the TSC restart?" % seconds)
    return seconds

def kernel_complaints(run_dir):
    """WARN, BUG and oops reports on the console: the run is then no clean sample."""
    found = re.findall(r"\] (WARNING: .*|BUG: .*|Oops: .*)", open(run_dir + "/console.log").read())
    for line in found[:3]:
        print("note: %s: the kernel reported %s" % (run_dir, line.strip()))

def sample(clock, run_dir):
    kernel_complaints(run_dir)
    r = results(run_dir)
    table_pages, io_pages, mixed = page_tables(run_dir)
    memfd_restore = traced_ms(run_dir, "retrieve-trace.txt", ("memfd_luo_retrieve",))
    memfd_restore = memfd_restore["memfd_luo_retrieve"]
    ms = {
        "preserve": (r["mark_ns"] + r["iommufd_preserve_ns"] + r["device_preserve_ns"]) / 1e6,
        "kexec": shutdown_ms(run_dir),
        "boot": sum(traced_ms(run_dir, "boot-trace.txt", BOOT_FUNCTIONS).values()),
        "restore": (r["iommufd_retrieve_ns"] + r["get_restored_ns"] + r["bind_ns"]
                    + r["attach_ns"]) / 1e6 - memfd_restore,
        "map": r["map_ns"] / 1e6,
        "memfd": r["memfd_preserve_ns"] / 1e6 + memfd_restore,
    }
    ms["iommu"] = ms["preserve"] + ms["kexec"] + ms["boot"] + ms["restore"]
    ms["inside"] = ms["kexec"] + ms["boot"]
    guest = guest_blackout(run_dir, r)
    blackout = guest if clock == "instructions" else float(open(run_dir + "/blackouts").readline())
    return dict(ms=ms, blackout=blackout, guest=guest, share=ms["iommu"] / 1e3 / blackout,
                inside=ms["inside"] / 1e3 / blackout, table_pages=table_pages,
                io_pages=io_pages, mixed=mixed, bytes=r["memfd_bytes"], huge=r["memfd_huge_bytes"])

cases = collections.OrderedDict()
for line in open(runs_path):
    clock, page, size, rnd, run_dir = line.split()
    cases.setdefault((clock, page, size), []).append(sample(clock, run_dir))

def med(samples, get):
    return statistics.median(get(s) for s in samples)

def io_pages_text(s):
    text = "+".join("%dx%s" % (n, PAGE_NAMES.get(shift, "2^%d" % shift))
                    for shift, n in sorted(s["io_pages"].items()))
    return text + ("+%dB mixed" % s["mixed"] if s["mixed"] else "")

HEADER = ("  %-4s %-4s %6s %-11s %8s %6s %6s %8s %8s %9s %7s %7s %7s %7s %9s %s"
          % ("size", "page", "tables", "IO pages", "preserve", "kexec", "boot", "restore",
             "IOMMU", "blackout", "share", "inside", "us/tbl", "map", "memfd", "rounds' IOMMU"))

def row(page, size, samples):
    first = samples[0]
    iommu = sorted(s["ms"]["iommu"] for s in samples)
    print("  %-4s %-4s %6d %-11s %8.2f %6.2f %6.2f %8.2f %8.2f %8.2fs %6.2f%% %6.2f%% %7.1f %7.1f %9.1f %s"
          % (size, page, first["table_pages"], io_pages_text(first),
             med(samples, lambda s: s["ms"]["preserve"]), med(samples, lambda s: s["ms"]["kexec"]),
             med(samples, lambda s: s["ms"]["boot"]), med(samples, lambda s: s["ms"]["restore"]),
             statistics.median(iommu), med(samples, lambda s: s["blackout"]),
             100 * med(samples, lambda s: s["share"]), 100 * med(samples, lambda s: s["inside"]),
             1e3 * med(samples, lambda s: s["ms"]["iommu"] / s["table_pages"]),
             med(samples, lambda s: s["ms"]["map"]), med(samples, lambda s: s["ms"]["memfd"]),
             " ".join("%.1f" % x for x in iommu)))
    if page == "2m" and any(s["huge"] < s["bytes"] for s in samples):
        print("    2 MiB pages asked for, but the memfd had only %d of %d bytes on huge pages"
              % (min(s["huge"] for s in samples), first["bytes"]))

def verdicts(clock):
    for page in ("4k", "2m"):
        rows = [(size, samples) for (c, p, size), samples in cases.items()
                if c == clock and p == page]
        # Linear in table pages: how the IOMMU time grew against the table pages.
        for (small, a), (large, b) in zip(rows, rows[1:]):
            ia, ib = (med(x, lambda s: s["ms"]["iommu"]) for x in (a, b))
            print("  %s pages, %s -> %s: mapped x%.0f, table pages x%.1f, IOMMU time x%.1f"
                  % (page, small, large, b[0]["bytes"] / a[0]["bytes"],
                     b[0]["table_pages"] / a[0]["table_pages"], ib / ia))
        if rows:
            size, samples = rows[-1]
            share = med(samples, lambda s: s["share"])
            print("  %s mapped, %s pages: the IOMMU state adds %.2f%% to the blackout (%.1f ms"
                  " of %.2f s; %.2f%% inside the blackout itself); goal under 1%%: %s"
                  % (size, page, 100 * share, med(samples, lambda s: s["ms"]["iommu"]),
                     med(samples, lambda s: s["blackout"]), 100 * med(samples, lambda s: s["inside"]),
                     "met" if share < 0.01 else "NOT met"))

TITLES = {
    "instructions": "instruction clock (--icount: a guest ns is an instruction; blackout from the guest's TSC)",
    "wall": "wall clock (TCG's costs included; blackout on the host's clock)",
}
for clock in ("instructions", "wall"):
    rows = [(page, size, samples) for (c, page, size), samples in cases.items() if c == clock]
    if not rows:
        continue
    print()
    print("%s, medians of %d round(s), ms:" % (TITLES[clock], max(len(r[2]) for r in rows)))
    print(HEADER)
    for page, size, samples in rows:
        row(page, size, samples)
    if clock == "wall":
        print("  the guest's own blackout (TSC), beside the host's: %s"
              % ", ".join("%s %s %.2fs/%.2fs" % (size, page, med(samples, lambda s: s["guest"]),
                                                 med(samples, lambda s: s["blackout"]))
                          for page, size, samples in rows))
    verdicts(clock)
print()
print("tables: IO page-table pages (iolu show, on the snapshot before the kexec); IO pages: the"
      " leaves they map. preserve, kexec, boot, restore: the kernel's IOMMU work (see the script);"
      " IOMMU: their sum; share: IOMMU / blackout; inside: kexec + boot over the blackout;"
      " us/tbl: IOMMU time per table page; map: the IOAS map that built the table; memfd: the"
      " memfd's own preserve and retrieve; map and memfd are not counted.")
for line in open(unavailable_path):
    page, reason = line.split(" ", 1)
    print("not measured (%s pages): %s" % (page, reason.strip()))
print("bench-liveupdate took %s s" % elapsed)
PY
