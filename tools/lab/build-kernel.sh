#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh [--each-patch | --distro-config | --debug]
#
# Build the lab kernel: pinned Debian source + kernel-patches/series,
# configured from tinyconfig + kernel-patches/lab.config.
#
# Output: $IOLU_CACHE/kernels/<key>/{bzImage,vmlinux,config,usr/include},
# where <key> hashes the source version, the series and the fragments. A
# finished key is never rebuilt. One patched tree and one object directory
# are reused across keys so that a change to one patch rebuilds only what
# it touches. Prints the output directory on stdout; all else goes to stderr.
#
# --each-patch proves that every patch builds on its own: it applies the
# series one patch at a time and, after each, builds the objects of the
# directories the series has touched so far (make only recompiles what
# that patch changed), then links the whole kernel once at the end, which
# is the lab kernel. The verdict is recorded under the key so that an
# unchanged series is checked once.
#
# --distro-config builds the directories the series touches (objects, no
# link) with Debian's own configuration of the same kernel, once with the
# live update options on (distro-on.config) and once off
# (distro-off.config), as a distribution's build would meet them. Its
# verdict is recorded under the key too.
#
# --debug builds the lab kernel with kernel-patches/debug.config on top
# (lockdep, KASAN, atomic-sleep checks, kmemleak) in its own object
# directory, under the key with "-debug" appended, for `make lab-debug`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-full}
case "$mode" in
full | --each-patch | --distro-config | --debug) ;;
*) die "unknown option '$mode' (expected --each-patch, --distro-config or --debug)" ;;
esac

# The key hashes every patch: work it out once.
key=$(kernel_key)
out=$IOLU_CACHE/kernels/$key
if [ "$mode" = --debug ]; then
	out=$out-$(sha256sum "$IOLU_PATCHES/debug.config" | cut -c1-8)-debug
fi
each_patch_mark=$IOLU_CACHE/kernels/each-patch-builds.$key
case "$mode" in
full | --debug)
	if [ -f "$out/.complete" ]; then
		echo "$out"
		exit 0
	fi
	;;
--each-patch)
	if [ -f "$each_patch_mark" ] && [ -f "$out/.complete" ]; then
		step "every patch of this series was already built on its own"
		sed 's/^/    /' "$each_patch_mark" >&2
		echo "$out"
		exit 0
	fi
	;;
esac

"$IOLU_ROOT/tools/lab/fetch-kernel.sh" >/dev/null
load_base
need_cmd make gcc flex bison bc pahole rsync patch perl
patches_name=${IOLU_PATCHES#"$IOLU_ROOT"/}
# The distro check also depends on Debian's config and our fragments for it.
distro_mark=$IOLU_CACHE/kernels/distro-config-builds.$key.$(
	cat "$IOLU_PATCHES"/distro-*.config 2>/dev/null |
		{ cat; echo "${KERNEL_CONFIG_DEB_SHA256:-}"; } | sha256sum | cut -c1-16)
if [ "$mode" = --distro-config ] && [ -f "$distro_mark" ]; then
	step "the series was already built with Debian's configurations"
	sed 's/^/    /' "$distro_mark" >&2
	exit 0
fi

lock_cache build
mkdir -p "$IOLU_CACHE/kernels"
tree=$IOLU_CACHE/build/tree
obj=${IOLU_KERNEL_OBJ:-$IOLU_CACHE/build/obj}
log=$IOLU_CACHE/build/build.log
fragments=("$IOLU_PATCHES/lab.config")
if [ "$mode" = --debug ]; then
	obj=$IOLU_CACHE/build/obj-debug
	fragments+=("$IOLU_PATCHES/debug.config")
fi
mkdir -p "$tree" "$obj"
: >"$log"

# What the tree holds: the source version, the key and how many patches of
# the series are applied, so a build that needs the whole series on a tree
# that already has it does not touch (and so rebuild) anything.
tree_stamp=$tree/.iolu-applied
tree_has_series() {
	[ "$(cat "$tree_stamp" 2>/dev/null)" = "$KERNEL_PKG_VERSION $key all" ]
}

reset_tree() {
	step "resetting $tree to pristine $KERNEL_PKG $KERNEL_PKG_VERSION"
	rm -f "$tree_stamp"
	# rsync restores a file with the pristine mtime, older than the object
	# built from its patched version: touch every file it restored so make
	# rebuilds what a patch no longer changes. Those touched files no
	# longer have the pristine mtimes, so compare by content (--checksum):
	# by size and mtime every file once touched would be restored and
	# touched again, and every reset would rebuild the whole kernel.
	rsync -a --checksum --delete --exclude=/.complete --exclude=/.iolu-applied \
		--out-format='%n' "$KERNEL_SRC_DIR/" "$tree/" |
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
	if [ -z "$limit" ] || [ "$n" -ge "$(series_patches | wc -l)" ]; then
		echo "$KERNEL_PKG_VERSION $key all" >"$tree_stamp"
	else
		echo "$KERNEL_PKG_VERSION $key $n" >"$tree_stamp"
	fi
}

kmake() {
	make -C "$tree" O="$obj" -j"$(nproc)" "$@"
}

configure() {
	step "configuring: tinyconfig + ${fragments[*]#"$IOLU_PATCHES"/}"
	{
		kmake tinyconfig
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}"
		kmake olddefconfig
	} >>"$log" 2>&1 || {
		tail -n 20 "$log" >&2
		die "configuring the kernel failed (full log: $log)"
	}
}

# A fragment line that kconfig silently dropped (a missing dependency, a
# renamed symbol) would give a lab kernel without the feature under test.
check_fragment() {
	local fragment=$1 line sym val bad=()
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
		die "${#bad[@]} option(s) of $patches_name/${fragment##*/} did not stick: ${bad[*]}"
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

# The directories, with a trailing slash for make, of the C files, Makefiles
# and Kconfig files that patches 1..$1 of the series touch.
series_dirs() {
	local patch n=0
	for patch in $(series_patches); do
		[ "$n" -ge "$1" ] && break
		n=$((n + 1))
		patch_files "$IOLU_PATCHES/$patch"
	done | grep -E '(\.c|/Makefile|/Kconfig[^/]*)$' | sed 's|/[^/]*$|/|' | sort -u
}

# Does patch $1 of the series add or change a Kconfig file?
patch_changes_kconfig() {
	patch_files "$IOLU_PATCHES/$(series_patches | sed -n "${1}p")" |
		grep -qE '(^|/)Kconfig[^/]*$'
}

# Patch by patch, the objects of what the series touched so far; each
# build recompiles only what the new patch changed. Options that only
# exist later in the series are dropped by kconfig for the earlier
# patches, so the fragment is checked only by the full build after.
each_patch_builds() {
	local total k name dirs start=$SECONDS
	total=$(series_patches | wc -l)
	reset_tree
	: >"$each_patch_mark.partial"
	for k in $(seq 1 "$total"); do
		apply_series "$k" "$k"
		name=$(series_patches | sed -n "${k}p")
		if [ "$k" = 1 ] || patch_changes_kconfig "$k"; then
			configure
		fi
		mapfile -t dirs < <(series_dirs "$k")
		if [ ${#dirs[@]} -eq 0 ]; then
			echo "patch $k of $total ($name): no C file, Makefile or Kconfig yet" |
				tee -a "$each_patch_mark.partial" >&2
			continue
		fi
		build "patch $k of $total ($name): ${dirs[*]}" "${dirs[@]}"
		echo "patch $k of $total ($name): built ${dirs[*]}" >>"$each_patch_mark.partial"
	done
	echo "all $total patches built one by one in $((SECONDS - start)) s" >>"$each_patch_mark.partial"
}

# Objects of the directories the whole series touches, with Debian's
# config $1 plus the fragment $2, in their own object directory.
distro_build() {
	local debian_config=$1 fragment_name=$2 dirs
	obj=$IOLU_CACHE/build/obj-distro
	mkdir -p "$obj"
	step "configuring: Debian's $(basename "$debian_config") + $patches_name/$fragment_name"
	{
		cp "$debian_config" "$obj/.config"
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
			"$IOLU_PATCHES/$fragment_name"
		kmake olddefconfig
	} >>"$log" 2>&1 || {
		tail -n 20 "$log" >&2
		die "configuring with Debian's config failed (full log: $log)"
	}
	check_fragment "$IOLU_PATCHES/$fragment_name"
	mapfile -t dirs < <(series_dirs "$(series_patches | wc -l)")
	# mm/ is not touched by the series but holds KHO's callers (memblock,
	# memfd's live update handler), which see the series' KHO changes.
	dirs+=(mm/)
	build "the series' directories with Debian's config + $fragment_name: ${dirs[*]}" \
		"${dirs[@]}"
	echo "Debian config + $fragment_name: built ${dirs[*]}" >>"$distro_mark.partial"
}

case "$mode" in
--distro-config)
	tree_has_series || { reset_tree; apply_series; }
	debian_config=$("$IOLU_ROOT/tools/lab/fetch-kernel.sh" --config)
	: >"$distro_mark.partial"
	distro_build "$debian_config" distro-on.config
	distro_build "$debian_config" distro-off.config
	mv "$distro_mark.partial" "$distro_mark"
	step "the series builds with Debian's configurations, live update on and off"
	exit 0
	;;
--each-patch)
	each_patch_builds
	;;
full | --debug)
	tree_has_series || { reset_tree; apply_series; }
	;;
esac

configure
for fragment in "${fragments[@]}"; do
	check_fragment "$fragment"
done
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
if [ "$mode" = --each-patch ]; then
	mv "$each_patch_mark.partial" "$each_patch_mark"
	step "every patch of the series builds on its own"
fi
echo "$out"
