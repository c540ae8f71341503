#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab kernel: pinned Debian source + kernel-patches/series,
# configured from tinyconfig + kernel-patches/lab.config.
#
# Output: $IOLU_CACHE/kernels/<key>/{bzImage,vmlinux,config,usr/include},
# where <key> hashes the source version, the series and the fragment. A
# finished key is never rebuilt. One patched tree and one object directory
# are reused across keys so that a change to one patch rebuilds only what
# it touches.
#
# Prints the output directory on stdout; everything else goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(kernel_out_dir)
if [ -f "$out/.complete" ]; then
	echo "$out"
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

step "resetting $tree to pristine $KERNEL_PKG $KERNEL_PKG_VERSION"
rsync -a --delete --exclude=/.complete "$KERNEL_SRC_DIR/" "$tree/"

apply_series() {
	local patch n=0 rej
	while read -r patch; do
		case "$patch" in '' | '#'*) continue ;; esac
		n=$((n + 1))
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
	done <"$IOLU_PATCHES/series"
	step "applied $n patch(es) from $patches_name/series"
}
apply_series

kmake() {
	make -C "$tree" O="$obj" -j"$(nproc)" "$@"
}

step "configuring: tinyconfig + $patches_name/lab.config"
{
	kmake tinyconfig
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment"
	kmake olddefconfig
} >"$log" 2>&1 || {
	tail -n 20 "$log" >&2
	die "configuring the kernel failed (full log: $log)"
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
check_fragment

step "building bzImage and vmlinux with -j$(nproc) (log: $log)"
start=$SECONDS
kmake bzImage vmlinux >>"$log" 2>&1 || {
	grep -E 'error|Error' "$log" | tail -n 20 >&2
	die "kernel build failed (full log: $log)"
}
step "kernel built in $((SECONDS - start)) s"

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
