# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lab scripts. Source it; do not run it.

IOLU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IOLU_CACHE=${IOLU_CACHE:-$HOME/.cache/iolu}
# The series, its base pin and the config fragment. Tests point this at a
# copy to exercise the pipeline's failure paths.
IOLU_PATCHES=${IOLU_PATCHES:-$IOLU_ROOT/kernel-patches}

# One line on stderr, then a non-zero exit: every failure the lab can meet
# ends here, so its reason is the last thing a reader sees.
die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

step() {
	printf "==> %s\n" "$*" >&2
}

need_cmd() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 ||
			die "'$cmd' is not installed; run 'make deps' (or 'make test', which installs it)"
	done
}

load_base() {
	[ -f "$IOLU_PATCHES/base.conf" ] || die "$IOLU_PATCHES/base.conf is missing"
	. "$IOLU_PATCHES/base.conf"
	[ -n "${KERNEL_PKG:-}" ] && [ -n "${KERNEL_PKG_VERSION:-}" ] &&
		[ -n "${KERNEL_DEB_SHA256:-}" ] ||
		die "$IOLU_PATCHES/base.conf must set KERNEL_PKG, KERNEL_PKG_VERSION and KERNEL_DEB_SHA256"
	KERNEL_SRC_DIR=$IOLU_CACHE/source/${KERNEL_PKG}_${KERNEL_PKG_VERSION}
}

# The patch file names of the series, in order, one a line.
series_patches() {
	local patch
	while read -r patch; do
		case "$patch" in '' | '#'*) continue ;; esac
		echo "$patch"
	done <"$IOLU_PATCHES/series"
}

# The files patches $@ (paths) change, one a line, in patch order.
patch_files() {
	sed -n 's|^+++ b/||p' "$@"
}

# The cache key of a kernel build: what goes in decides what comes out.
# Of a patch only its diffs count: `patch` reads nothing before the first
# one, so rewording a commit message rebuilds nothing.
kernel_key() {
	local patch
	load_base
	{
		printf '%s %s\n' "$KERNEL_PKG" "$KERNEL_PKG_VERSION"
		cat "$IOLU_PATCHES/lab.config"
		cat "$IOLU_PATCHES/series"
		for patch in $(series_patches); do
			if [ -f "$IOLU_PATCHES/$patch" ]; then
				sed -n '/^diff --git /,$p' "$IOLU_PATCHES/$patch"
			else
				printf 'missing %s\n' "$patch"
			fi
		done
	} | sha256sum | cut -c1-16
}

# Serialise users of one cache directory (two `make test` runs at once
# would otherwise patch the same tree).
lock_cache() {
	mkdir -p "$IOLU_CACHE"
	exec 9>"$IOLU_CACHE/.lock-$1"
	flock -w 3600 9 || die "waited an hour for $IOLU_CACHE/.lock-$1; is another build stuck?"
}
