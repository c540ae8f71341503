#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-patches.sh [PATCH...]: the pinned kernel's own style checks on the
# series (default: every patch in kernel-patches/series, applied in order):
#  - scripts/checkpatch.pl --strict on each patch: no error, warning or check;
#  - scripts/kernel-doc -none -Wall on every C file and header the series
#    touches: no warning that the pristine file did not already have.
# Exits non-zero, naming what is not clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$IOLU_ROOT/tools/lab/fetch-kernel.sh" >/dev/null
load_base
need_cmd perl git patch

if [ $# -eq 0 ]; then
	for patch in $(series_patches); do
		set -- "$@" "$IOLU_PATCHES/$patch"
	done
fi
[ $# -gt 0 ] || { step "no patches to check"; exit 0; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# checkpatch's SPDX check runs scripts/spdxcheck.py in the kernel root,
# which reads LICENSES/ from the HEAD commit of a git work tree: give it one
# made of links to the pristine source, with LICENSES/ committed.
root=$scratch/root
mkdir -p "$root"
for entry in "$KERNEL_SRC_DIR"/*; do
	[ "${entry##*/}" = LICENSES ] || ln -s "$entry" "$root/${entry##*/}"
done
cp -r "$KERNEL_SRC_DIR/LICENSES" "$root/"
git -C "$root" init -q
git -C "$root" add LICENSES
git -C "$root" -c user.name=iolu -c user.email=iolu@localhost commit -qm licenses

failed=()
for patch in "$@"; do
	# Debian's python3 (with ply and git) runs spdxcheck, not a pyenv one.
	if out=$(cd "$root" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
		--strict --quiet --no-summary --root="$root" "$patch" 2>&1) && [ -z "$out" ]; then
		echo "checkpatch --strict clean: ${patch##*/}"
	else
		printf '%s\n' "$out"
		failed+=("checkpatch:${patch##*/}")
	fi
done

# kernel-doc wants whole files: apply the patches to copies of the files
# they touch, never to the pristine tree.
before=$scratch/before after=$scratch/after
mkdir -p "$before" "$after"
for file in $(patch_files "$@" | sort -u); do
	if [ -f "$KERNEL_SRC_DIR/$file" ]; then
		mkdir -p "$before/$(dirname "$file")" "$after/$(dirname "$file")"
		cp "$KERNEL_SRC_DIR/$file" "$before/$file"
		cp "$KERNEL_SRC_DIR/$file" "$after/$file"
	fi
done
for patch in "$@"; do
	patch -d "$after" -p1 --batch --quiet --no-backup-if-mismatch <"$patch" >/dev/null ||
		die "${patch##*/} does not apply; run build-kernel.sh for the reject"
done
# kernel-doc's warnings for file $2 in tree $1, one of each.
kdoc() {
	[ -f "$1/$2" ] || return 0
	(cd "$1" && PATH=/usr/bin:$PATH "$KERNEL_SRC_DIR/scripts/kernel-doc" \
		-none -Wall "$2" 2>&1) |
		# Line numbers move when a patch adds lines above a warning.
		sed -E 's/:[0-9]+ / /; s/^.*[Ww]arning: //' | sort -u
}
for file in $(cd "$after" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
	new=$(comm -13 <(kdoc "$before" "$file") <(kdoc "$after" "$file"))
	if [ -z "$new" ]; then
		echo "kernel-doc clean: $file"
	else
		printf '%s: %s\n' "$file" "$new" | sed 's/^/  /'
		failed+=("kernel-doc:$file")
	fi
done

[ ${#failed[@]} -eq 0 ] || die "not clean: ${failed[*]}"
