#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [--config]
#
# Fetch the pinned Debian kernel source package and unpack it into the
# cache; print the source directory. With --config, fetch Debian's own
# kernel configuration of the same version (linux-config-*) instead and
# print the path of its amd64 config.
#
# The packages live in the Debian suites that kernel-patches/base.conf
# names (KERNEL_SUITES), tried in order. We reach them through an apt
# configuration of our own (sources list, lists and cache under the iolu
# cache, one set per suite), so nothing is ever installed into the
# machine: apt only downloads the .deb, and apt's signed index plus our
# pinned SHA256 vouch for it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_base
need_cmd apt-get dpkg-deb sha256sum tar xz flock

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${IOLU_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# apt options for a configuration of our own, one per suite.
apt_opts_for() {
	local dir=$IOLU_CACHE/apt/$1
	apt_opts=(
		-o "Dir::Etc::SourceList=$dir/etc/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=/dev/null"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::Status=/dev/null"
		-o "Dir::Cache=$dir"
		-o "Dir::Cache::Archives=$IOLU_CACHE/apt/archives"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
		-o "APT::Sandbox::User=root"
		-o "Acquire::Retries=2"
		-o "Acquire::http::Timeout=30"
	)
	mkdir -p "$dir/lists/partial" "$dir/etc" "$IOLU_CACHE/apt/archives/partial"
	printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$1" \
		>"$dir/etc/sources.list"
}

deb_matches() {
	[ -f "$1" ] && echo "$2  $1" | sha256sum -c --status
}

# fetch_deb PKG VERSION ARCH SHA256: the path of the pinned .deb, from the
# first suite of KERNEL_SUITES that has it with that checksum.
fetch_deb() {
	local pkg=$1 version=$2 arch=$3 sha=$4 suite out tried=() seen=()
	local deb=$IOLU_CACHE/apt/archives/${pkg}_${version//:/%3a}_${arch}.deb
	if deb_matches "$deb" "$sha"; then
		echo "$deb"
		return 0
	fi
	[ -r "$keyring" ] || die "$keyring is missing; install the debian-archive-keyring package"
	for suite in ${KERNEL_SUITES:-unstable}; do
		tried+=("$suite")
		apt_opts_for "$suite"
		step "updating the project's apt lists for Debian $suite (in $IOLU_CACHE/apt/$suite)"
		if ! out=$(timeout 600 apt-get "${apt_opts[@]}" -q --error-on=any update 2>&1); then
			printf '%s\n' "$out" | tail -n 5 >&2
			step "apt-get update for Debian $suite failed: is the archive reachable? trying the next suite"
			continue
		fi
		printf '%s\n' "$out" | grep -E '^(W|E):' >&2 || true
		seen+=("$suite: $(apt-cache "${apt_opts[@]}" madison "$pkg" 2>/dev/null |
			awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}')")
		rm -f "$deb"
		step "downloading $pkg=$version from Debian $suite"
		if ! out=$(cd "$IOLU_CACHE/apt/archives" &&
			timeout 1200 apt-get "${apt_opts[@]}" -q download "$pkg=$version" 2>&1); then
			printf '%s\n' "$out" | grep -E '^(E|W):' | tail -n 2 >&2
			continue
		fi
		if deb_matches "$deb" "$sha"; then
			echo "$deb"
			return 0
		fi
		step "checksum mismatch for $deb from Debian $suite: expected $sha, got $(sha256sum "$deb" | cut -d' ' -f1)"
		mv "$deb" "$deb.mismatch"
	done
	if [ ${#seen[@]} -eq 0 ]; then
		die "apt-get update failed for every suite of KERNEL_SUITES (${tried[*]}) at $mirror: is the archive reachable?"
	fi
	if [ -f "$deb.mismatch" ]; then
		die "checksum mismatch for $deb: no suite of ${tried[*]} has $pkg=$version with SHA256 $sha (KERNEL_*SHA256 in $IOLU_PATCHES/base.conf)"
	fi
	printf 'versions of %s listed: %s\n' "$pkg" "${seen[*]}" >&2
	die "could not download $pkg=$version from Debian ${tried[*]}: add a suite that has it to KERNEL_SUITES in $IOLU_PATCHES/base.conf, or move KERNEL_PKG_VERSION and the SHA256 pins there to a version listed above (and rebase the series)"
}

# unpack DEB DIR: the .deb's data in DIR, atomically.
unpack_deb() {
	rm -rf "$2.partial"
	mkdir -p "$2.partial"
	dpkg-deb -x "$1" "$2.partial"
}

if [ "${1:-}" = --config ]; then
	[ -n "${KERNEL_CONFIG_PKG:-}" ] && [ -n "${KERNEL_CONFIG_DEB_SHA256:-}" ] ||
		die "$IOLU_PATCHES/base.conf must set KERNEL_CONFIG_PKG and KERNEL_CONFIG_DEB_SHA256"
	lock_cache source
	dir=$IOLU_CACHE/source/${KERNEL_CONFIG_PKG}_${KERNEL_PKG_VERSION}
	config=$dir/config.amd64
	if [ ! -f "$dir/.complete" ]; then
		deb=$(fetch_deb "$KERNEL_CONFIG_PKG" "$KERNEL_PKG_VERSION" amd64 "$KERNEL_CONFIG_DEB_SHA256")
		unpack_deb "$deb" "$dir"
		xz=$(find "$dir.partial/usr/src" -name 'config.amd64_none_amd64.xz' | head -n 1)
		[ -n "$xz" ] || die "$deb holds no config.amd64_none_amd64.xz"
		xz -dc "$xz" >"$dir.partial/config.amd64"
		rm -rf "$dir"
		mv "$dir.partial" "$dir"
		touch "$dir/.complete"
	fi
	echo "$config"
	exit 0
fi

lock_cache source
if [ -f "$KERNEL_SRC_DIR/.complete" ]; then
	echo "$KERNEL_SRC_DIR"
	exit 0
fi

deb=$(fetch_deb "$KERNEL_PKG" "$KERNEL_PKG_VERSION" all "$KERNEL_DEB_SHA256")
step "unpacking $KERNEL_PKG $KERNEL_PKG_VERSION into $KERNEL_SRC_DIR"
unpack_deb "$deb" "$KERNEL_SRC_DIR"
tarball=$(find "$KERNEL_SRC_DIR.partial/usr/src" -maxdepth 1 -name 'linux-source-*.tar.xz' | head -n 1)
[ -n "$tarball" ] || die "$deb holds no usr/src/linux-source-*.tar.xz"
tar -C "$KERNEL_SRC_DIR.partial" -xf "$tarball"
top=$(find "$KERNEL_SRC_DIR.partial" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)
[ -f "$top/Makefile" ] || die "$tarball does not unpack to a kernel tree"
rm -rf "$KERNEL_SRC_DIR"
mv "$top" "$KERNEL_SRC_DIR"
rm -rf "$KERNEL_SRC_DIR.partial"
touch "$KERNEL_SRC_DIR/.complete"
echo "$KERNEL_SRC_DIR"
