#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the pinned Debian kernel source package and unpack it into the cache.
#
# The package lives in Debian unstable. We reach it through an apt
# configuration of our own (sources list, lists and cache under the iolu
# cache), so nothing from unstable is ever installed into the machine: apt
# only downloads the .deb, and apt's signed index plus our pinned SHA256
# vouch for it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

load_base
need_cmd apt-get dpkg-deb sha256sum tar xz flock

lock_cache source
if [ -f "$KERNEL_SRC_DIR/.complete" ]; then
	echo "$KERNEL_SRC_DIR"
	exit 0
fi

apt_dir=$IOLU_CACHE/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring is missing; install the debian-archive-keyring package"
printf 'deb [signed-by=%s] %s %s main\n' "$keyring" \
	"${IOLU_DEBIAN_MIRROR:-http://deb.debian.org/debian}" "${KERNEL_SUITE:-unstable}" \
	>"$apt_dir/etc/sources.list"

apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=/dev/null"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::Status=/dev/null"
	-o "Dir::Cache=$apt_dir"
	-o "Dir::Cache::Archives=$apt_dir/archives"
	-o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Sandbox::User=root"
	-o "Acquire::Retries=2"
	-o "Acquire::http::Timeout=30"
)

deb=$apt_dir/archives/${KERNEL_PKG}_${KERNEL_PKG_VERSION}_all.deb
if [ ! -f "$deb" ] || ! echo "$KERNEL_DEB_SHA256  $deb" | sha256sum -c --status; then
	step "updating the project's apt lists for Debian ${KERNEL_SUITE:-unstable} (in $apt_dir)"
	if ! out=$(timeout 600 apt-get "${apt_opts[@]}" -q --error-on=any update 2>&1); then
		printf '%s\n' "$out" | tail -n 5 >&2
		die "apt-get update for Debian ${KERNEL_SUITE:-unstable} failed: is the archive reachable?"
	fi
	printf '%s\n' "$out" | grep -E '^(W|E):' >&2 || true
	step "downloading $KERNEL_PKG=$KERNEL_PKG_VERSION"
	rm -f "$deb"
	if ! out=$(cd "$apt_dir/archives" &&
		timeout 1200 apt-get "${apt_opts[@]}" -q download \
			"$KERNEL_PKG=$KERNEL_PKG_VERSION" 2>&1); then
		printf '%s\n' "$out" | tail -n 5 >&2
		die "could not download $KERNEL_PKG=$KERNEL_PKG_VERSION from Debian ${KERNEL_SUITE:-unstable} (if the archive has moved on, update kernel-patches/base.conf)"
	fi
fi

echo "$KERNEL_DEB_SHA256  $deb" | sha256sum -c --status ||
	die "checksum mismatch for $deb: expected $KERNEL_DEB_SHA256, got $(sha256sum "$deb" | cut -d' ' -f1)"

step "unpacking $KERNEL_PKG $KERNEL_PKG_VERSION into $KERNEL_SRC_DIR"
rm -rf "$KERNEL_SRC_DIR.partial"
mkdir -p "$KERNEL_SRC_DIR.partial/deb"
dpkg-deb -x "$deb" "$KERNEL_SRC_DIR.partial/deb"
tarball=$(find "$KERNEL_SRC_DIR.partial/deb/usr/src" -maxdepth 1 -name 'linux-source-*.tar.xz' | head -n 1)
[ -n "$tarball" ] || die "$deb holds no usr/src/linux-source-*.tar.xz"
tar -C "$KERNEL_SRC_DIR.partial" -xf "$tarball"
top=$(find "$KERNEL_SRC_DIR.partial" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)
[ -f "$top/Makefile" ] || die "$tarball does not unpack to a kernel tree"
rm -rf "$KERNEL_SRC_DIR"
mv "$top" "$KERNEL_SRC_DIR"
rm -rf "$KERNEL_SRC_DIR.partial"
touch "$KERNEL_SRC_DIR/.complete"
echo "$KERNEL_SRC_DIR"
