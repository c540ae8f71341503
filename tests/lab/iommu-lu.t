#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# IOMMU live update end to end (kernel series part 2), in TAP for prove:
# edu keeps doing DMA through its preserved IO page table across a real
# kexec, and the next kernel boots clean from anything it must not trust.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run=$root/tools/lab/run-lab.sh
out=${IOLU_LAB_OUT:-$root/build/lab}
mkdir -p "$out"

. "$root/tests/lab/tap.sh"

echo "1..39"

# run_scenario NAME RUN_DIR_NAME [run-lab.sh options...]: 0 when it passed.
consoles=()
run_scenario() {
	local name=$1 dir=$2
	shift 2
	consoles+=("$out/$dir/console.log")
	"$run" --timeout 300 --run-dir "$out/$dir" "$@" "$name" >"$out/$dir.out" 2>&1
}

console=$out/iommu-liveupdate/console.log
if run_scenario iommu-liveupdate iommu-liveupdate; then
	tap_ok "edu DMA through a preserved HWPT works before, during and after a kexec live update"
	grep -E 'lu-edu: .*check out|still bus master' "$console" | cut -d' ' -f2- | tap_comment
else
	tap_not_ok "edu DMA through a preserved HWPT works before, during and after a kexec live update"
	tap_tail "$out/iommu-liveupdate.out" 30
fi

# Each claim on its own, so a failure says which one broke.
expect_line() {
	if grep -q "$2" "$console" 2>/dev/null; then tap_ok "$1"; else
		tap_not_ok "$1" "no line matching '$2' in $console"; fi
}
expect_line "the DMA started just before the kexec landed in the preserved memfd" \
	'lu-edu: DMA that landed during the kexec: .* check out'
expect_line "edu was not reset: its buffer survived the kexec" \
	"lu-edu: edu's buffer kept across the kexec: .* check out"

faults=$(grep -E 'DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault' "$console" 2>/dev/null)
if [ -s "$console" ] && [ -z "$faults" ]; then
	tap_ok "no DMAR fault on the console of either kernel"
else
	tap_not_ok "no DMAR fault on the console of either kernel"
	printf '%s\n' "${faults:-no console log}" | head -n 10 | tap_comment
fi

# The verifier on the real state: `iolu check` gates the kexec (lu-edu
# runs it and stops on failure) and `iolu audit` runs in the next kernel.
share=$out/iommu-liveupdate/share
if grep -qw ready "$share/check.txt" 2>/dev/null && ! grep -qi 'not ready' "$share/check.txt" &&
	[ -s "$share/before.iolu" ]; then
	tap_ok "iolu check: the live state is ready before the kexec; snapshot saved"
	head -n 5 "$share/check.txt" | tap_comment
else
	tap_not_ok "iolu check: the live state is ready before the kexec" \
		"no ready verdict in $share/check.txt or no snapshot"
	tap_tail "$share/check.txt" 20 2>/dev/null
fi
if grep -q "ok: iolu audit" "$console" 2>/dev/null && [ -s "$share/audit.html" ]; then
	tap_ok "iolu audit: the restored state continues the snapshot (HTML report written)"
	grep -A6 'step: iolu audit' "$console" | cut -d' ' -f2- | tap_comment
else
	tap_not_ok "iolu audit: the restored state continues the snapshot"
	grep -A20 'step: iolu audit' "$console" 2>/dev/null | cut -d' ' -f2- | tap_comment
fi

# The LUO view, read from the outgoing kernel's own lists (LUO serializes
# nothing before the reboot): edu's session, its memfd (sealed) and the
# iommufd that names the preserved domain; after the kexec, each IOVA
# range stated as memfd (session, token) offset, the same on both sides.
show=$share/show.txt
if grep -q '^LUO sessions (kernel): 1$' "$show" 2>/dev/null &&
	grep -q '^  session "iolu-edu"$' "$show" &&
	grep -qE '^    memfd token 0x[0-9a-f]+ \(memfd-v2\): [0-9.]+ [KMG]iB, seals 0x[0-9a-f]*[4-7], [0-9]+ folios$' "$show" &&
	grep -qE '^    iommufd token 0x[0-9a-f]+ \(iommufd-v1\): 1 HW pagetables, [1-9][0-9]* mappings$' "$show"; then
	tap_ok "iolu show: the LUO session, its sealed memfd and iommufd, from the live kernel's lists"
	grep -A5 '^LUO sessions' "$show" | tap_comment
else
	tap_not_ok "iolu show: the LUO session, its sealed memfd and iommufd, from the live kernel's lists"
	tap_tail "$show" 12 2>/dev/null
fi
audit=$share/audit.txt
if grep -q '^memfd continuity (IOVA range -> memfd offset, before = after):$' "$audit" 2>/dev/null &&
	grep -qE '^  domain [0-9]+ IOVA 0x4000000 \+[0-9.]+ [KMG]iB -> memfd \("iolu-edu", token 0x[0-9a-f]+\) offset 0x0, page 0x[0-9a-f]+ -> 0x[0-9a-f]+: same$' "$audit" &&
	! grep -qE 'DIFFERENT|-> no memfd' "$audit"; then
	tap_ok "iolu audit: every IOVA range maps the same memfd offset of session iolu-edu before and after"
	grep -A3 '^memfd continuity' "$audit" | tap_comment
else
	tap_not_ok "iolu audit: every IOVA range maps the same memfd offset of session iolu-edu before and after"
	grep -A8 '^memfd continuity' "$audit" 2>/dev/null | tap_comment
fi

# The systemd units' own commands (packaging/systemd, run in the guest by
# lab_run_unit as systemd would): the gate refuses with nothing preserved,
# passes before the kexec, and the audit of the next boot keeps its JSON
# and HTML in /var/lib/iolu (on the share). The commands the guest ran are
# those of the unit files, @BINDIR@ being the initramfs's /bin.
unit_exec() {
	sed -e ':join' -e '/\\$/{N;s/\\\n[[:space:]]*/ /;b join' -e '}' \
		"$root/packaging/systemd/$1.in" | sed -n "s/^ExecStart=//p" | sed 's|@BINDIR@|/bin|g'
}
expect_line "iolu-check.service's commands refuse a kexec with nothing preserved" \
	'ok: iolu-check.service refuses a kexec with nothing preserved'
state=$share/var-lib-iolu
gate_ran=$(grep -cF "iolu-check.service: ExecStart=$(unit_exec iolu-check.service)" "$console" 2>/dev/null)
if [ "${gate_ran:-0}" -ge 2 ] && grep -q 'iolu-check.service: succeeded' "$console" &&
	[ -s "$state/audited.snap" ]; then
	tap_ok "iolu-check.service's commands pass the gate before the kexec and leave the snapshot for the audit"
else
	tap_not_ok "iolu-check.service's commands pass the gate before the kexec" \
		"ExecStart= of the unit seen ${gate_ran:-0} times, or no snapshot in $state"
	grep 'iolu-check.service' "$console" 2>/dev/null | cut -d' ' -f2- | tap_comment
fi
if grep -qF "iolu-audit.service: ExecStart=$(unit_exec iolu-audit.service) >/var/lib/iolu/audit.json" \
		"$console" 2>/dev/null &&
	jq -e '.schema == "iolu-report/1" and .command == "audit" and .continuity == true' \
		"$state/audit.json" >/dev/null 2>&1 &&
	grep -qi '<html' "$state/audit.html" 2>/dev/null && [ ! -e "$state/pre-kexec.snap" ]; then
	tap_ok "iolu-audit.service's commands write the JSON and HTML reports to /var/lib/iolu"
else
	tap_not_ok "iolu-audit.service's commands write the JSON and HTML reports to /var/lib/iolu"
	grep 'iolu-audit.service' "$console" 2>/dev/null | cut -d' ' -f2- | tap_comment
fi

# iolu check --next-kernel, run in the guest before the kexec on the
# bzImage it boots next: the lab's own kernel takes the state over. This
# needs patch 29 of the series (the LiveUpdate notes).
if [ "$(cat "$share/next-kernel.rc" 2>/dev/null)" = 0 ] &&
	grep -q '^verdict: ready' "$share/next-kernel.txt"; then
	tap_ok "iolu check --next-kernel: the lab's bzImage accepts every format the state hands over"
else
	tap_not_ok "iolu check --next-kernel: the lab's bzImage accepts every format the state hands over" \
		"exit $(cat "$share/next-kernel.rc" 2>/dev/null)"
	tap_tail "$share/next-kernel.txt" 10 2>/dev/null
fi
# The same kernel with its LiveUpdate notes renamed, as a kernel without
# the series has none: not ready, each format of the snapshot named.
kernel_dir=${IOLU_LAB_KERNEL:-$(cat "$root/build/kernel.dir" 2>/dev/null)}
python3 - "$kernel_dir/vmlinux" "$out/vmlinux-no-notes" <<'PY' 2>/dev/null
import sys
image = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(image.replace(b"LiveUpdate\0", b"LiveUpdatX\0"))
PY
"$root/build/iolu" check --input "$share/before.iolu" --next-kernel "$out/vmlinux-no-notes" \
	>"$out/next-kernel-no-notes.txt" 2>&1
rc=$?
named=$(grep -cE 'next-kernel-rejects: .*does not accept (KHO "kho-v4"|LUO "luo-v5"|the IOMMU state "iommu-v1"|iommufd "iommufd-v1"|memfd "memfd-v2"|vfio-pci "vfio-pci-v2")' \
	"$out/next-kernel-no-notes.txt")
if [ $rc = 1 ] && [ "$named" = 6 ]; then
	tap_ok "iolu check --next-kernel: a kernel without the notes is not ready, each format named"
else
	tap_not_ok "iolu check --next-kernel: a kernel without the notes is not ready, each format named" \
		"exit $rc, $named formats named"
	tap_tail "$out/next-kernel-no-notes.txt" 10
fi

blackout=$(cat "$out/iommu-liveupdate/blackout_seconds" 2>/dev/null)
if [ -n "$blackout" ]; then
	tap_ok "blackout with a device doing DMA: $blackout s (host clock, serial console)"
else
	tap_not_ok "blackout with a device doing DMA measured"
fi

if run_scenario iommu-lu-refuse iommu-lu-refuse; then
	tap_ok "preserving a device whose domain is not preserved fails cleanly"
	grep 'lu-edu: preserving' "$out/iommu-lu-refuse/console.log" | cut -d' ' -f2- | tap_comment
else
	tap_not_ok "preserving a device whose domain is not preserved fails cleanly"
	tap_tail "$out/iommu-lu-refuse.out" 20
fi

# scenario DESCRIPTION: more handler behaviour, each in its own boot.
for scenario in \
	"iommu-lu-refusals:the iommufd and vfio-pci handlers refuse what they must, with the documented errno" \
	"iommu-lu-retrieve:a retrieved vfio device is usable, binds once to the retrieved iommufd and attaches to its restored HWPT, and is handed back on close" \
	"iommu-lu-unbound:retrieving a device vfio-pci does not drive fails with ENODEV, no crash" \
	"iommu-lu-fallback:when the state is rejected, the retrieved device works with its DMA blocked and the retrieved iommufd restores no HWPT"; do
	name=${scenario%%:*}
	if run_scenario "$name" "$name"; then
		tap_ok "${scenario#*:}"
		grep -cE '^[^ ]* +ok: ' "$out/$name/console.log" | sed 's/^/checks passed: /' | tap_comment
	else
		tap_not_ok "${scenario#*:}"
		grep -E '^[^ ]* +FAIL: ' "$out/$name/console.log" | cut -d' ' -f2- | tap_comment
		tap_tail "$out/$name.out" 20
	fi
done

# Pages nobody holds (issue 14, defect 3): a hole punched in the retrieved
# memfd over a page the restored domain maps must leave the page pinned
# until the IOVA is unmapped, even when the memfd is retrieved and punched
# before userspace asks for the iommufd (LUO retrieves the iommufd, which
# pins, before it hands out a memfd the iommufd maps). lu-punch reads the page at the physical
# address kernel 1 recorded through /proc/kcore, before and after another
# process allocated and wrote most of the free memory; a page nobody holds
# is handed out again and overwritten (what a kernel without the iommufd
# restore does).
punch=$out/iommu-lu-punch/console.log
run_scenario iommu-lu-punch iommu-lu-punch
punch_rc=$?

# punch_claim NAME TEXT...: one test, that lu-punch's checks TEXT passed
# ("ok: punch: TEXT").
punch_claim() {
	local name=$1 text lines=()
	shift
	for text in "$@"; do
		lines+=("ok: punch: $text")
	done
	tap_claim "$name" "$punch" 'FAIL: punch: |lu-punch: (PA 0x|flow|pressure)|step failed' \
		"${lines[@]}"
}

name="hole punch on a memfd retrieved before its iommufd does not free a page the restored domain maps: after memory pressure the page still holds edu's DMA, and edu's next DMA lands there"
if [ $punch_rc = 0 ]; then
	punch_claim "$name" "IOMMU_HWPT_LU_GET_RESTORED with token 0x10" \
		"VFIO_DEVICE_ATTACH_IOMMUFD_PT to the restored HWPT" \
		"after memory pressure PA" "edu's DMA after the pressure lands at PA"
	grep -aE 'lu-punch: (flow|pressure):' "$punch" | cut -d' ' -f2- | sed 's/^ *//' | tap_comment
else
	tap_not_ok "$name"
	grep -aE 'FAIL: punch: |lu-punch: (PA 0x|flow|pressure)' "$punch" 2>/dev/null |
		cut -d' ' -f2- | sed 's/^ *//' | tap_comment
	tap_tail "$out/iommu-lu-punch.out" 3
fi
punch_claim "after the punch the memfd reads zeros there, while edu's DMA to the IOVA lands at the page's physical address, the same in both kernels" \
	"kernel 2: the memfd page at offset 0x100000 is at PA" \
	"punch a hole at offset 0x100000 of the retrieved memfd" \
	"edu's DMA to IOVA 0x4100000 after the punch lands at PA" \
	"the memfd reads zeros at offset 0x100000 after the punch"
punch_claim "after the finish, unmapping the IOVA range of the punched memfd (which releases the pin) succeeds" \
	"LIVEUPDATE_SESSION_FINISH with edu on its restored HWPT" "IOMMU_IOAS_UNMAP of IOVA 0x4000000"
faults=$(grep -aE 'DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault' "$punch" 2>/dev/null)
if grep -aq 'ok: no DMA remapping fault during the punch case' "$punch" 2>/dev/null &&
	[ -z "$faults" ]; then
	tap_ok "no DMAR fault in either kernel of the hole punch case"
else
	tap_not_ok "no DMAR fault in either kernel of the hole punch case"
	printf '%s\n' "${faults:-the last check of the scenario did not pass}" | head -n 10 | tap_comment
fi

# The same live update with the IOMMU in scalable mode (PASID tables).
if run_scenario iommu-liveupdate iommu-liveupdate-scalable --iommu-props x-scalable-mode=on &&
	grep -q 'scalable-mode root table' "$out/iommu-liveupdate-scalable/console.log"; then
	tap_ok "scalable mode: edu DMA crosses the kexec through its preserved PASID entry and page table"
	grep -E 'adopted the preserved|keeps its translation' "$out/iommu-liveupdate-scalable/console.log" |
		cut -d' ' -f2- | head -n 3 | tap_comment
else
	tap_not_ok "scalable mode: edu DMA crosses the kexec through its preserved PASID entry and page table"
	tap_tail "$out/iommu-liveupdate-scalable.out" 30
fi

# 2 MiB IO pages: iommu-lu-bench maps a memfd on shmem huge folios, so
# the check of the domain against the memfd at preserve and the next
# kernel's pin-and-check of the restored domain step over whole 2 MiB
# entries (kernel patches 50-51); both must still cover every byte.
# huge_problems DIR: what is wrong with the run, empty when nothing.
huge_problems() {
	local dir=$1
	[ -f "$dir/share/lu-bench.unavailable" ] && { cat "$dir/share/lu-bench.unavailable"; return; }
	awk '$1 == "memfd_bytes" { bytes = $2 } $1 == "memfd_huge_bytes" { huge = $2 }
		END { if (!bytes || huge != bytes)
			printf "the memfd had %d of %d bytes on huge folios\n", huge, bytes }' \
		"$dir/share/lu-bench.txt"
	"$root/build/iolu" show --json "$dir/share/before.iolu" | python3 -c '
import json, sys
extents = [e for d in json.load(sys.stdin)["state"]["domains"]
           for e in (d.get("page_table") or {}).get("extents", [])]
small = [e for e in extents if e["page_shift"] != 21]
if not extents or small:
    print("the preserved table maps %d extent(s), %d not in 2 MiB pages"
          % (len(extents), len(small)))'
}
name="2 MiB IO pages: a memfd on huge folios mapped with 2 MiB entries is preserved, checked and taken over; edu's DMA goes on"
if run_scenario iommu-lu-bench iommu-lu-huge --append "tp_printk iolu.bench_size=8M iolu.bench_page=2m"; then
	tap_unless "$(huge_problems "$out/iommu-lu-huge" 2>&1)" "$name"
	grep -E '^(memfd_huge_bytes|iommufd_preserve_ns|iommufd_retrieve_ns) ' \
		"$out/iommu-lu-huge/share/lu-bench.txt" | tap_comment
else
	tap_not_ok "$name"
	tap_tail "$out/iommu-lu-huge.out" 30
fi

# Fail closed: each step of the next kernel's restore the series' test
# option can fail, then a state the knob corrupts, in one run of eight
# boots per mode; edu's DMA must be blocked after each. Legacy mode runs
# under iommu=pt, where the default domain is identity.
for mode in legacy scalable; do
	props=(--append iommu=pt)
	[ $mode = scalable ] && props=(--iommu-props x-scalable-mode=on)
	name="fail closed, $mode mode: a failed domain restore, attach, unit adoption, domain ID reservation, finish with edu never retrieved, a rejected state, and the retrieved iommufd failing to take the restored domain over each block edu's DMA (a fault, nothing at physical address = IOVA) and say why"
	if run_scenario iommu-lu-failclosed "iommu-lu-failclosed-$mode" --timeout 600 "${props[@]}"; then
		tap_ok "$name"
		grep -E 'translation not restored|empty root table|never retrieved;|masters DMA but|nothing holds the pages|reached neither|did not reach' \
			"$out/iommu-lu-failclosed-$mode/console.log" | grep -v '^[0-9.]*     ' |
			cut -d' ' -f2- | tap_comment
	else
		tap_not_ok "$name"
		tap_tail "$out/iommu-lu-failclosed-$mode.out" 30
	fi
done

# differential KNOB: the verifier on the outgoing state saved right before
# the knob was armed, with the knob's change made in it, against what the
# next kernel did; verifier/README.md's table says what each must say.
iolu_host=$root/build/iolu
snap_knob=$root/build/lab/snap-knob
knob_row() {
	grep -E "^\| \`$1\` \|" "$root/verifier/README.md" | head -n 1
}
differential() {
	local case=$1 dir=$out/iommu-lu-clean-$1 row rules pattern found kernel_line
	local name="differential, knob $1: iolu check says not ready with the kernel's reason"
	row=$(knob_row "$case")
	rules=$(echo "$row" | cut -d'|' -f3 | tr -d '`,')
	pattern=$(echo "$row" | cut -d'|' -f4 | sed 's/^ *`//; s/` *$//')
	if [ -z "$row" ] || [ -z "$rules" ] || [ -z "$pattern" ]; then
		tap_not_ok "$name" "no row for '$case' in verifier/README.md"
		return
	fi
	if ! "$iolu_host" check --input "$dir/share/outgoing.snap" >"$dir/check-saved.txt" 2>&1; then
		tap_not_ok "$name" "the outgoing state as saved is not ready"
		tail -n 5 "$dir/check-saved.txt" | tap_comment
		return
	fi
	if ! "$snap_knob" "$dir/share/outgoing.snap" "$case" "$dir/outgoing-$case.snap" \
			2>"$dir/snap-knob.err"; then
		tap_not_ok "$name" "snap-knob failed: $(cat "$dir/snap-knob.err")"
		return
	fi
	"$iolu_host" check --json --input "$dir/outgoing-$case.snap" >"$dir/check-$case.json" 2>&1
	if [ $? != 1 ]; then
		tap_not_ok "$name" "iolu check did not say not ready (exit 1)"
		tail -n 5 "$dir/check-$case.json" | tap_comment
		return
	fi
	found=$(grep -oE '"rule": ?"[a-z0-9-]+"' "$dir/check-$case.json" | grep -oE '[a-z0-9-]+"$' |
		tr -d '"' | sort -u)
	if ! echo "$found" | grep -qxF -f <(echo "$rules" | tr ' ' '\n' | grep .); then
		tap_not_ok "$name" "rules found: $(echo $found); want one of: $rules"
		return
	fi
	# The next kernel's own lines: after the knob's, before its KUnit run.
	kernel_line=$(awk '/test: corrupted the outgoing state/ { after = 1; next }
		after && /Subtest: iommu-liveupdate/ { exit } after' "$dir/console.log" |
		grep -E -- "$pattern" | head -n 1 | cut -d' ' -f2-)
	if [ -z "$kernel_line" ]; then
		tap_not_ok "$name" "the next kernel did not log: $pattern"
		return
	fi
	tap_ok "$name"
	{
		echo "verifier: $(echo $found)"
		echo "kernel: $kernel_line"
	} | tap_comment
}

for case in unpreserve compatible count pointer root mode; do
	case $case in
	unpreserve) name="preserve then unpreserve everything: the next kernel boots clean" ;;
	*) name="corrupt incoming state ($case) is rejected and the unit blocks DMA with an empty root table" ;;
	esac
	if run_scenario iommu-lu-clean "iommu-lu-clean-$case" --append "iolu.case=$case"; then
		tap_ok "$name"
		grep -E 'IOMMU live update state rejected|translation left on by a live update|empty root table|incoming status' \
			"$out/iommu-lu-clean-$case/console.log" | grep -v '^[0-9.]*     ' | head -n 3 |
			cut -d' ' -f2- | tap_comment
	else
		tap_not_ok "$name"
		tap_tail "$out/iommu-lu-clean-$case.out" 20
	fi
	[ "$case" = unpreserve ] || differential "$case"
done

# Every kernel the suite booted, the scenarios that corrupt the state
# included: a rejected state is refused with a message, never a WARN.
tap_kernel_clean "no WARN, BUG or oops on any console of the suite (${#consoles[@]} runs)" "${consoles[@]}"
