#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh [--each-patch]
#
# Build the lab kernel: pinned Debian source + kernel-patches/series,
# configured from tinyconfig + kernel-patches/lab.config.
#
# Output: $IOLU_CACHE/kernels/<key>/{bzImage,vmlinux,config,usr/include},
# where <key> hashes the source version, the series and the fragment. A
# finished key is never rebuilt. One patched tree and one object directory
# are reused across keys so that a change to one patch rebuilds only what
# it touches. Prints the output directory on stdout; all else goes to stderr.
#
# --each-patch builds the series one patch at a time instead (patch 1, then
# 1-2, ...) to prove that every patch builds on its own, and records the
# verdict under the key so that an unchanged series is checked once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

each_patch=0
[ "${1:-}" = --each-patch ] && each_patch=1

out=$(kernel_out_dir)
each_patch_mark=$IOLU_CACHE/kernels/each-patch-builds.$(kernel_key)
if [ $each_patch = 0 ] && [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi
if [ $each_patch = 1 ] && [ -f "$each_patch_mark" ]; then
	step "every patch of this series was already built on its own"
	exit 0
fi

"$IOLU_ROOT/tools/lab/fetch-kernel.sh" >/dev/null
load_base
need_cmd make gcc flex bison bc pahole rsync patch perl
patches_name=${IOLU_PATCHES#"$IOLU_ROOT"/}

lock_cache build
tree=$IOLU_CACHE/build/tree
obj=${IOLU_KERNEL_OBJ:-$IOLU_CACHE/build/obj}
log=$IOLU_CACHE/build/build.log
fragment=$IOLU_PATCHES/lab.config
mkdir -p "$tree" "$obj"
: >"$log"

reset_tree() {
	step "resetting $tree to pristine $KERNEL_PKG $KERNEL_PKG_VERSION"
	# rsync restores a file with the pristine mtime, older than the object
	# built from its patched version: touch every file it restored so make
	# rebuilds what a patch no longer changes.
	rsync -a --delete --exclude=/.complete --out-format='%n' "$KERNEL_SRC_DIR/" "$tree/" |
		{ grep -v '/$' || true; } | (cd "$tree" && xargs -r touch -c --)
}

# Apply patches $2..$1 of the series (from the first; up to the last when
# $1 is empty) to a tree that already has the ones before $2.
apply_series() {
	local limit=${1:-} first=${2:-1} patch n=0 rej msg
	for patch in $(series_patches); do
		[ -n "$limit" ] && [ $n -ge "$limit" ] && break
		n=$((n + 1))
		[ $n -lt "$first" ] && continue
		[ -f "$IOLU_PATCHES/$patch" ] ||
			die "$patches_name/series names '$patch', which does not exist"
		rej=$IOLU_CACHE/build/$patch.rej
		rm -f "$rej"
		if ! msg=$(patch -d "$tree" -p1 --forward --batch --no-backup-if-mismatch \
			--reject-file="$rej" <"$IOLU_PATCHES/$patch" 2>&1); then
			printf '%s\n' "$msg" >&2
			[ -f "$rej" ] && { echo "--- reject ($rej):" >&2; cat "$rej" >&2; }
			die "patch $n of the series, $patch, does not apply to $KERNEL_PKG $KERNEL_PKG_VERSION"
		fi
	done
	step "applied patches $first-$n from $patches_name/series"
}

kmake() {
	make -C "$tree" O="$obj" -j"$(nproc)" "$@"
}

configure() {
	step "configuring: tinyconfig + $patches_name/lab.config"
	{
		kmake tinyconfig
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment"
		kmake olddefconfig
	} >>"$log" 2>&1 || {
		tail -n 20 "$log" >&2
		die "configuring the kernel failed (full log: $log)"
	}
}

# A fragment line that kconfig silently dropped (a missing dependency, a
# renamed symbol) would give a lab kernel without the feature under test.
check_fragment() {
	local line sym val bad=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$obj/.config" || bad+=("$line")
			;;
		'# CONFIG_'*' is not set')
			sym=${line#\# }
			sym=${sym%% *}
			val=$(grep -E "^$sym=" "$obj/.config" || true)
			[ -z "$val" ] || bad+=("$line")
			;;
		esac
	done <"$fragment"
	if [ ${#bad[@]} -gt 0 ]; then
		for line in "${bad[@]}"; do
			sym=${line#\# }
			sym=${sym%%[= ]*}
			printf 'wanted %s, got: %s\n' "$line" \
				"$(grep -E "(^$sym=|^# $sym is not set)" "$obj/.config" || echo 'absent')" >&2
		done
		die "${#bad[@]} option(s) of $patches_name/lab.config did not stick: ${bad[*]}"
	fi
}

build() {
	local what=$1 start=$SECONDS
	shift
	step "building $what with -j$(nproc) (log: $log)"
	kmake "$@" >>"$log" 2>&1 || {
		grep -E 'error|Error' "$log" | tail -n 20 >&2
		die "building $what failed (full log: $log)"
	}
	step "built $what in $((SECONDS - start)) s"
}

if [ $each_patch = 1 ]; then
	# Options that only exist later in the series are dropped by kconfig
	# for the earlier patches, so the fragment is not checked here.
	# Each patch goes on top of the previous ones, so a build recompiles
	# only what that patch touched.
	total=$(series_patches | wc -l)
	reset_tree
	for k in $(seq 1 "$total"); do
		apply_series "$k" "$k"
		configure
		build "patch $k of $total ($(series_patches | sed -n "${k}p"))" bzImage
	done
	touch "$each_patch_mark"
	step "every patch of the series builds on its own"
	exit 0
fi

reset_tree
apply_series
configure
check_fragment
build "bzImage and vmlinux" bzImage vmlinux

rm -rf "$out.partial"
mkdir -p "$out.partial"
kmake headers_install INSTALL_HDR_PATH="$out.partial/usr" >>"$log" 2>&1 ||
	die "headers_install failed (full log: $log)"
cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$out.partial/"
cp "$obj/.config" "$out.partial/config"
rm -rf "$out"
mv "$out.partial" "$out"
touch "$out/.complete"
echo "$out"
