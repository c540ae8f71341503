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
	# lab (libcap-dev: the kernel's iommufd selftests link it)
	qemu-system-x86 busybox-static libcap-dev
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

missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run 'make deps' as root"
step "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! out=$(timeout 900 apt-get -q update 2>&1); then
	printf '%s\n' "$out" | tail -n 5 >&2
	die "apt-get update failed: is the Debian archive reachable?"
fi
if ! out=$(timeout 1800 apt-get -q install -y --no-install-recommends "${missing[@]}" 2>&1); then
	printf '%s\n' "$out" | grep -E '^(E|W):' | tail -n 5 >&2
	die "could not install: ${missing[*]}"
fi
