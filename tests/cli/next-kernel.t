#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# iolu check --next-kernel IMAGE: the formats a kernel image accepts, read
# from its "LiveUpdate" ELF notes (include/linux/kho/abi/accepts.h of the
# series), against the formats a preserved state hands over. The images
# are built here the way the kernel build makes them: a linked ELF whose
# notes the assembler writes as the kernel's ELFNOTE() does, and a bzImage
# (x86 boot protocol setup header) whose payload is that ELF compressed
# by gzip, xz, zstd, bzip2 or lzma, with the image size appended. TAP.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
iolu=${IOLU:-$root/build/cli/iolu-san}
[ -x "$iolu" ] || iolu=$root/build/iolu
iolu=$(realpath -m "$iolu")
mkstate=$root/build/cli/mkstate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

for tool in as ld python3 gzip xz zstd bzip2 lz4; do
	command -v $tool >/dev/null || { echo "Bail out! $tool is needed"; exit 1; }
done

"$mkstate" "$work/state" >/dev/null || echo "Bail out! mkstate failed"
"$mkstate" "$work/empty" >/dev/null || echo "Bail out! mkstate failed"
printf 'none\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/status"
printf '0x0\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/header_phys"
live() {
	echo --debugfs "$1/debugfs" --kcore "$1/kcore" --notes "$1/no-notes"
}

all_formats="kho-v4 luo-v5 memfd-v2 iommu-v1 iommufd-v1 vfio-pci-v2"

# vmlinux NAME NOTE...: an x86-64 executable with one LiveUpdate note per
# NOTE (a NOTE may hold several strings separated by commas: one note
# listing them, NUL-separated), and the GNU build ID note every kernel has.
vmlinux() {
	local name=$1 note s
	shift
	{
		echo '.text'
		echo '.globl _start'
		echo '_start: ret'
		echo '.pushsection .note.gnu.build-id, "a", @note'
		echo '.balign 4; .long 4, 20, 3; .asciz "GNU"; .balign 4; .fill 20, 1, 0x5a; .balign 4'
		echo '.popsection'
		for note in "$@"; do
			echo '.pushsection .note.LiveUpdate, "a", @note'
			echo '.balign 4; .long 2f - 1f, 4f - 3f, 1'
			echo '1: .asciz "LiveUpdate"; 2: .balign 4'
			printf '3:'
			for s in ${note//,/ }; do
				printf ' .asciz "%s";' "$s"
			done
			echo ' 4: .balign 4'
			echo '.popsection'
		done
	} >"$work/$name.s"
	as --64 -o "$work/$name.o" "$work/$name.s" &&
		ld -m elf_x86_64 -o "$work/$name" "$work/$name.o"
}

# bzimage NAME ELF COMPRESSOR...: ELF compressed by the command, behind a
# setup header of boot protocol 2.15 (setup_sects 1), size appended.
bzimage() {
	local name=$1 elf=$2
	shift 2
	"$@" <"$work/$elf" >"$work/$name.payload" || return 1
	python3 - "$work/$name.payload" "$work/$elf" "$work/$name" <<'PY'
import os, struct, sys
payload = open(sys.argv[1], "rb").read()
payload += struct.pack("<I", os.path.getsize(sys.argv[2]))
setup = bytearray(1024)		# boot sector and one setup sector
setup[0x1f1] = 1
struct.pack_into("<H", setup, 0x1fe, 0xaa55)
setup[0x202:0x206] = b"HdrS"
struct.pack_into("<H", setup, 0x206, 0x020f)
pm_code = b"\x90" * 256		# where the decompressor would be
struct.pack_into("<II", setup, 0x248, len(pm_code), len(payload))
open(sys.argv[3], "wb").write(bytes(setup) + pm_code + payload)
PY
}

vmlinux vmlinux-series $all_formats
vmlinux vmlinux-list "${all_formats// /,}"
vmlinux vmlinux-no-iommu kho-v4 luo-v5 memfd-v2 iommufd-v1 vfio-pci-v2
vmlinux vmlinux-iommu-v2 kho-v4 luo-v5 memfd-v2 iommu-v2 iommufd-v1 vfio-pci-v2
vmlinux vmlinux-pristine
bzimage bz-gzip vmlinux-series gzip -n -9
bzimage bz-xz vmlinux-series xz --check=crc32 --x86 --lzma2=preset=9e
bzimage bz-zstd vmlinux-series zstd -q -19
bzimage bz-bzip2 vmlinux-series bzip2 -9
bzimage bz-lzma vmlinux-series xz --format=lzma -9
bzimage bz-pristine vmlinux-pristine xz --check=crc32 --x86 --lzma2=preset=6
bzimage bz-lz4 vmlinux-series lz4 -q -l -9
bzimage bz-text vmlinux-series sh -c 'echo not an ELF | gzip -n'

run() {
	out=$work/out.$((tap_n + 1))
	err=$work/err.$((tap_n + 1))
	timeout 120 "$iolu" "$@" >"$out" 2>"$err"
	rc=$?
}
expect() {
	tap_unless "$([ "$rc" = "$2" ] || echo "exit $rc, expected $2: $(head -c 400 "$err")")" "$1"
}
expect_grep() {
	tap_unless "$(grep -qE -- "$3" "$2" || echo "no line matches /$3/ in: $(head -c 600 "$2")")" "$1"
}
expect_count() {
	local got
	got=$(grep -cE -- "$3" "$2")
	tap_unless "$([ "$got" = "$4" ] || echo "$got lines match /$3/, expected $4")" "$1"
}

# --- images that accept the state ---
for image in vmlinux-series vmlinux-list bz-gzip bz-xz bz-zstd bz-bzip2 bz-lzma; do
	run check $(live "$work/state") --next-kernel "$work/$image"
	expect "$image: the next kernel accepts every format: ready (exit 0)" 0
	expect_grep "$image: says ready" "$out" '^verdict: ready'
done

# --- images that do not ---
run check $(live "$work/state") --next-kernel "$work/vmlinux-no-iommu"
expect "an image without the IOMMU format: not ready (exit 1)" 1
expect_grep "names the format it lacks" "$out" \
	'error +next-kernel-rejects: .*does not accept the IOMMU state "iommu-v1"$'
expect_count "and only that one" "$out" 'next-kernel-rejects' 1
run check $(live "$work/state") --next-kernel "$work/vmlinux-iommu-v2"
expect "an image with another version of the IOMMU format: not ready (exit 1)" 1
expect_grep "names the version the state needs" "$out" 'does not accept the IOMMU state "iommu-v1"$'
for image in vmlinux-pristine bz-pristine; do
	run check $(live "$work/state") --next-kernel "$work/$image"
	expect "$image (no LiveUpdate notes): not ready (exit 1)" 1
	expect_count "$image: every format is named" "$out" \
		'does not accept (KHO "kho-v4"|LUO "luo-v5"|the IOMMU state "iommu-v1"|iommufd "iommufd-v1"|memfd "memfd-v2"|vfio-pci "vfio-pci-v2") \(the image lists no live update format\)$' 6
done
run check --json $(live "$work/state") --next-kernel "$work/vmlinux-no-iommu"
tap_unless "$(jq -e '.ready == false and ([.findings[] | select(.rule == "next-kernel-rejects")] | length) == 1' "$out" >/dev/null ||
	echo "$(head -c 400 "$out")")" "check --json: the rejected format is a finding with its rule"
run check --list-rules
expect_grep "check --list-rules names next-kernel-rejects as an error" "$out" '^next-kernel-rejects +error +'
run check $(live "$work/empty") --next-kernel "$work/bz-xz"
expect "nothing preserved: not ready as without --next-kernel (exit 1)" 1
expect_grep "nothing preserved: says so" "$out" 'nothing|no IOMMU state'

# --- images that cannot be read: exit 2, saying what is wrong ---
# bad NAME FILE PATTERN: check --next-kernel FILE is exit 2, stderr matches.
bad() {
	run check $(live "$work/state") --next-kernel "$2"
	expect "$1: could not check (exit 2)" 2
	expect_grep "$1: says why" "$err" "^iolu check: cannot read the next kernel's image: $3"
	expect_grep "$1: verdict could not check" "$out" '^verdict: could not check$'
}
head -c $(($(stat -c %s "$work/bz-xz") - 10)) "$work/bz-xz" >"$work/bz-truncated"
bad "a truncated bzImage" "$work/bz-truncated" '.*payload .* runs past its end .*: truncated$'
head -c 560 "$work/bz-xz" >"$work/bz-header-only"
bad "a bzImage cut inside its setup header" "$work/bz-header-only" '.*truncated inside its setup header$'
# The header agrees with the file, but the xz stream stops half way.
python3 - "$work/bz-xz" "$work/bz-short-stream" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
offset, length = struct.unpack_from("<II", data, 0x248)
length //= 2
struct.pack_into("<I", data, 0x24c, length)
open(sys.argv[2], "wb").write(bytes(data[:1024 + offset + length]))
PY
bad "an xz stream cut short" "$work/bz-short-stream" '.*xz payload: corrupt or truncated'
python3 - "$work/bz-gzip" "$work/bz-corrupt" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
for i in range(1024 + 256 + 40, len(data) - 8, 7):
	data[i] ^= 0xa5
open(sys.argv[2], "wb").write(bytes(data))
PY
bad "a corrupt gzip payload" "$work/bz-corrupt" '.*gzip payload: corrupt or truncated'
bad "an lz4 payload" "$work/bz-lz4" '.*payload is lz4 compressed, which iolu cannot read$'
python3 - "$work/bz-gzip" "$work/bz-unknown" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[1024 + 256:1024 + 256 + 4] = b"\0\1\2\3"
open(sys.argv[2], "wb").write(bytes(data))
PY
bad "an unknown compression" "$work/bz-unknown" '.*payload is of an unknown compression$'
bad "a payload that is no ELF" "$work/bz-text" ".*the bzImage's payload is not an ELF file$"
echo 'just text' >"$work/text"
bad "a text file" "$work/text" '.*not a kernel image'
bad "an ELF object, not linked" "$work/vmlinux-series.o" '.*not an executable$'
bad "a missing file" "$work/none" '.*No such file or directory$'
mkfifo "$work/fifo"
bad "a FIFO, refused without waiting" "$work/fifo" '.*a FIFO, not a regular file$'
# A payload that decompresses past the 512 MiB bound: the reader stops.
head -c 3000 "$work/vmlinux-series" >"$work/bomb-elf"
head -c 600M /dev/zero >>"$work/bomb-elf"
bzimage bz-bomb bomb-elf gzip -n -1
rm -f "$work/bomb-elf"
bad "a payload past 512 MiB" "$work/bz-bomb" '.*gzip payload: decompresses to more than 512 MiB$'
run check $(live "$work/state") --next-kernel
expect "--next-kernel without a value is a usage error" 2
expect_grep "and is named" "$err" "option '--next-kernel' needs a value"

echo "1..$tap_n"
