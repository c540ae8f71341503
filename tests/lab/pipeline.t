#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Failure paths of the kernel pipeline, in TAP for prove. Each runs the
# real scripts against a doctored copy of kernel-patches/ (IOLU_PATCHES)
# and asserts a non-zero exit whose last line names what was wrong.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lab=$root/tools/lab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

# expect_failure NAME PATTERN COMMAND...: COMMAND must fail, its last line
# matching PATTERN. Its output stays in $work/<test number>.log.
expect_failure() {
	local name=$1 pattern=$2 log=$work/$((tap_n + 1)).log
	shift 2
	if timeout 900 "$@" >"$log" 2>&1; then
		tap_not_ok "$name" "the command succeeded"
	elif tail -n 1 "$log" | grep -qE "$pattern"; then
		tap_ok "$name"
		tap_tail "$log" 1
	else
		tap_not_ok "$name" "expected a last line matching: $pattern"
		tap_tail "$log" 10
	fi
}

# A copy of kernel-patches/ to doctor.
patches_copy() {
	local dir=$work/$1
	mkdir -p "$dir"
	cp -r "$root/kernel-patches/." "$dir/"
	echo "$dir"
}

echo "1..8"

dir=$(patches_copy bad-patch)
cat >"$dir/9999-does-not-apply.patch" <<'PATCH'
--- a/Makefile
+++ b/Makefile
@@ -1,3 +1,3 @@
 # SPDX-License-Identifier: GPL-2.0
-VERSION = 6
+VERSION = 9
 PATCHLEVEL = 2
PATCH
echo 9999-does-not-apply.patch >>"$dir/series"
expect_failure "a patch that does not apply stops the build, naming it" \
	'patch [0-9]+ of the series, 9999-does-not-apply.patch, does not apply' \
	env IOLU_PATCHES="$dir" "$lab/build-kernel.sh"
grep -q 'reject' "$work/$tap_n.log" && echo "# (the reject is shown)"

dir=$(patches_copy missing-patch)
echo 9998-not-there.patch >>"$dir/series"
expect_failure "a series naming a missing patch stops the build" \
	"names '9998-not-there.patch', which does not exist" \
	env IOLU_PATCHES="$dir" "$lab/build-kernel.sh"

dir=$(patches_copy bad-option)
echo 'CONFIG_IOLU_NO_SUCH_OPTION=y' >>"$dir/lab.config"
expect_failure "a config option that did not stick is named" \
	'did not stick: CONFIG_IOLU_NO_SUCH_OPTION=y' \
	env IOLU_PATCHES="$dir" IOLU_KERNEL_OBJ="$work/obj" "$lab/build-kernel.sh"

dir=$(patches_copy bad-checksum)
sed -i 's/^KERNEL_DEB_SHA256=.*/KERNEL_DEB_SHA256=0000000000000000000000000000000000000000000000000000000000000000/' \
	"$dir/base.conf"
expect_failure "a .deb whose checksum does not match the pin is refused" \
	'checksum mismatch for .*linux-source-7.3_.*\.deb' \
	env IOLU_PATCHES="$dir" IOLU_CACHE="$work/cache-checksum" "$lab/fetch-kernel.sh"

dir=$(patches_copy no-such-version)
sed -i 's/^KERNEL_PKG_VERSION=.*/KERNEL_PKG_VERSION=0.0.0-0iolu/' "$dir/base.conf"
expect_failure "a package version no suite has is named, with what to change" \
	'could not download linux-source-7.3=0.0.0-0iolu from Debian trixie-backports unstable: add a suite .* KERNEL_SUITES' \
	env IOLU_PATCHES="$dir" IOLU_CACHE="$work/cache-version" "$lab/fetch-kernel.sh"

# Port 9 on loopback refuses at once: no route to the archive.
expect_failure "an unreachable archive is reported, not waited on forever" \
	'apt-get update failed for every suite of KERNEL_SUITES .*: is the archive reachable' \
	env IOLU_DEBIAN_MIRROR=http://127.0.0.1:9/debian IOLU_CACHE="$work/cache-offline" \
	"$lab/fetch-kernel.sh"

# The suites are tried in order: one that does not exist is passed over
# for the next. Debian's config package is small, so this fetches that.
dir=$(patches_copy suite-fallback)
sed -i 's/^KERNEL_SUITES=.*/KERNEL_SUITES="iolu-no-such-suite trixie-backports"/' "$dir/base.conf"
if out=$(env IOLU_PATCHES="$dir" IOLU_CACHE="$work/cache-suites" \
	timeout 900 "$lab/fetch-kernel.sh" --config 2>&1) &&
	[ -s "$(printf '%s\n' "$out" | tail -n 1)" ] &&
	printf '%s\n' "$out" | grep -q 'Debian iolu-no-such-suite failed' &&
	printf '%s\n' "$out" | grep -q 'downloading linux-config-7.3=.* from Debian trixie-backports'; then
	tap_ok "a suite without the package is passed over for the next one"
else
	tap_not_ok "a suite without the package is passed over for the next one"
	printf '%s\n' "$out" | tail -n 5 | tap_comment
fi

# The pin decides: a suite whose .deb has another checksum is not taken.
dir=$(patches_copy config-checksum)
sed -i 's/^KERNEL_CONFIG_DEB_SHA256=.*/KERNEL_CONFIG_DEB_SHA256=1111111111111111111111111111111111111111111111111111111111111111/' \
	"$dir/base.conf"
expect_failure "a config .deb whose checksum matches no suite's is refused" \
	'checksum mismatch for .*linux-config-7.3_.*\.deb: no suite of trixie-backports unstable has' \
	env IOLU_PATCHES="$dir" IOLU_CACHE="$work/cache-config-checksum" "$lab/fetch-kernel.sh" --config
