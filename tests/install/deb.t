#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package `make deb` built (the Makefile builds it before this
# runs): its version is the one iolu reports, lintian finds no error or
# warning, and, unpacked into a scratch root with dpkg -x (which leaves
# the host's dpkg database alone), it holds what `make install` would and
# its iolu runs. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

version=$(sed -n 's/^#define IOLU_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	"$root/verifier/iolu_version.h")
changelog=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version 2>&1)
manpage=$(sed -n 's/^\.TH IOLU 1 [^ ]* "iolu \([^"]*\)".*/\1/p' "$root/docs/iolu.1")
tap_unless "$([ -n "$version" ] && [ "$changelog" = "$version" ] &&
	[ "$manpage" = "$version" ] ||
	echo "iolu_version.h '$version', debian/changelog '$changelog', iolu.1 '$manpage'")" \
	"IOLU_VERSION, debian/changelog and the man page say the same version"

arch=$(dpkg --print-architecture)
deb=$root/build/deb/iolu_${version}_$arch.deb
changes=$root/build/deb/iolu_${version}_$arch.changes
if [ -f "$deb" ] && [ -f "$changes" ]; then
	tap_ok "make deb built $(basename "$deb")"
else
	tap_not_ok "make deb built $(basename "$deb")" "no $deb or no .changes: run make deb"
fi

fields=$(dpkg-deb -f "$deb" Package Version Architecture 2>&1 | tr '\n' ' ')
tap_unless "$([ "$fields" = "Package: iolu Version: $version Architecture: $arch " ] ||
	echo "got: $fields")" "the package is iolu $version for $arch"

# Every binary package, the .buildinfo and the .changes. Info tags are
# shown but do not fail; packaging/debian/iolu.lintian-overrides says why
# each override is there.
lintian --fail-on error,warning --info --display-info "$changes" >"$work/lintian" 2>&1
rc=$?
# Its notice about running as root is no finding.
out=$(grep -v '^running with root privileges' "$work/lintian")
if [ "$rc" = 0 ]; then
	tap_ok "lintian: no error, no warning"
	[ -z "$out" ] || echo "$out" | tap_comment
else
	tap_not_ok "lintian: no error, no warning" "exit $rc"
	echo "$out" | tap_comment
fi

scratch=$work/root
if out=$(dpkg -x "$deb" "$scratch" 2>&1); then
	tap_ok "dpkg -x unpacks the package into a scratch root"
else
	tap_not_ok "dpkg -x unpacks the package into a scratch root"
	echo "$out" | tap_comment
fi

missing=
for file in usr/bin/iolu usr/share/man/man1/iolu.1.gz \
	usr/share/bash-completion/completions/iolu \
	lib/systemd/system/iolu-check.service lib/systemd/system/iolu-audit.service \
	usr/share/doc/iolu/copyright usr/share/doc/iolu/operating.md.gz; do
	[ -f "$scratch/$file" ] || missing+=" $file"
done
tap_unless "${missing:+missing:$missing}" \
	"it holds the binary, the man page, the completion, the units and the copyright"

# The units name the packaged binary, not a build path.
execs=$(grep -h '^ExecStart=' "$scratch"/lib/systemd/system/iolu-*.service | sort |
	cut -d' ' -f1 | tr '\n' ' ')
tap_unless "$([ "$execs" = "ExecStart=/usr/bin/iolu ExecStart=/usr/bin/iolu " ] ||
	echo "got: $execs")" "both units run /usr/bin/iolu"

out=$("$scratch/usr/bin/iolu" --version 2>&1)
tap_unless "$([ "$out" = "iolu $version" ] || echo "got '$out'")" \
	"the packaged iolu --version prints iolu $version"
out=$("$scratch/usr/bin/iolu" audit --help 2>&1)
rc=$?
tap_unless "$([ $rc = 0 ] && [[ $out == "Usage: iolu audit"* ]] ||
	echo "exit $rc: ${out%%$'\n'*}")" "the packaged iolu audit --help prints its usage"
# A command that does work: the rules, from the verifier library linked in.
out=$("$scratch/usr/bin/iolu" check --list-rules --json 2>&1)
rc=$?
tap_unless "$([ $rc = 0 ] && echo "$out" | jq -e '.rules | length > 0' >/dev/null ||
	echo "exit $rc: ${out:0:200}")" "the packaged iolu check --list-rules --json lists rules"

echo "1..$tap_n"
