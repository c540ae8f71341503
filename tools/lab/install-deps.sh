#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages iolu builds and tests with. Only missing
# packages are installed, so a warm machine does nothing here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	rsync xz-utils zstd perl patch debian-archive-keyring
	# the series' style checks (checkpatch's SPDX check needs ply and git)
	git python3 python3-ply python3-git
	# lab (libcap-dev: the kernel's iommufd selftests link it; QEMU is
	# below: it must be 10 or later)
	busybox-static libcap-dev
	# userspace and its tests: the verifier reads FDTs, kcore and vmlinux
	# BTF; iolu prints JSON; the fuzzers need clang's libFuzzer runtime
	pkg-config libcmocka-dev libfdt-dev libjson-c-dev zlib1g-dev libzstd-dev jq groff-base
	# check --next-kernel decompresses bzImage payloads (xz, bzip2 too);
	# its tests compress fixtures the way the kernel build does
	liblzma-dev libbz2-dev bzip2 lz4
	clang-19 llvm-19 libclang-rt-19-dev
	# BPF: skeletons and the loader (static libbpf.a for the guest)
	bpftool libbpf-dev
	# make install's and make deb's tests: the package build (no fakeroot:
	# the package says Rules-Requires-Root: no), lintian, man -l, the
	# completion's loader, and systemd-analyze verify and systemctl --root
	# for the units
	dpkg-dev debhelper lintian man-db bash-completion systemd
	# tests: iolu's JSON schema, promtool for --prometheus
	python3-jsonschema prometheus
)

# The lab needs QEMU 10 or later: its intel-iommu models first-stage
# translation (x-flts=on) and its edu no longer crashes on a 4096-byte
# DMA. Debian 12 ships 7.2; its bookworm-backports suite has 10.0, taken
# from there only for QEMU (backports are never preferred otherwise).
QEMU_MIN_MAJOR=10
QEMU_BACKPORTS_LIST=/etc/apt/sources.list.d/iolu-bookworm-backports.sources

qemu_major() {
	qemu-system-x86_64 --version 2>/dev/null |
		sed -n '1s/^QEMU emulator version \([0-9][0-9]*\)\..*/\1/p'
}

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
	local out
	[ $apt_updated = 1 ] && return 0
	if ! out=$(timeout 900 apt-get -q update 2>&1); then
		printf '%s\n' "$out" | tail -n 5 >&2
		die "apt-get update failed: is the Debian archive reachable?"
	fi
	apt_updated=1
}

# apt_install [apt-get options...] PACKAGE...
apt_install() {
	local out
	if ! out=$(timeout 1800 apt-get -q install -y --no-install-recommends "$@" 2>&1); then
		printf '%s\n' "$out" | grep -E '^(E|W):' | tail -n 5 >&2
		die "could not install: $*"
	fi
}

# make bench (install-deps.sh --bench) also needs the peers iolu trace is
# measured against: bpftrace goes into the bench's initramfs with its
# libraries (LLVM and clang among them, which no test needs).
case "${1:-}" in
--bench) packages+=(bpftrace) ;;
"") ;;
*) die "usage: install-deps.sh [--bench]" ;;
esac

missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
qemu_ok=0
[ "$(qemu_major)" ] && [ "$(qemu_major)" -ge $QEMU_MIN_MAJOR ] && qemu_ok=1
[ ${#missing[@]} -eq 0 ] && [ $qemu_ok = 1 ] && exit 0

[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]:-}${missing[*]:+, }QEMU >= $QEMU_MIN_MAJOR: have '$(qemu_major)'); run 'make deps' as root"
if [ ${#missing[@]} -gt 0 ]; then
	step "installing ${missing[*]}"
	apt_update
	apt_install "${missing[@]}"
fi
[ $qemu_ok = 1 ] && exit 0

. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
	if [ ! -f "$QEMU_BACKPORTS_LIST" ]; then
		step "adding Debian's bookworm-backports suite for QEMU $QEMU_MIN_MAJOR ($QEMU_BACKPORTS_LIST)"
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
			'Suites: bookworm-backports' 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$QEMU_BACKPORTS_LIST"
		apt_updated=0
	fi
	step "installing qemu-system-x86 from bookworm-backports"
	apt_update
	apt_install -t bookworm-backports qemu-system-x86
else
	step "installing qemu-system-x86"
	apt_update
	apt_install qemu-system-x86
fi
[ "$(qemu_major)" ] && [ "$(qemu_major)" -ge $QEMU_MIN_MAJOR ] ||
	die "the lab needs QEMU $QEMU_MIN_MAJOR or later; this machine has '$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)'"
