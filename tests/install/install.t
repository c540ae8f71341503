#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into scratch directories, and what it installed used as
# an operator would: the binary runs, the man page renders without a
# warning, the bash completion completes (and knows every option the
# commands' --help lists), and the systemd units pass systemd-analyze
# verify and enable into the kexec transaction. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

version=$(sed -n 's/^#define IOLU_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	"$root/verifier/iolu_version.h")

# install NAME LOG MAKE-ARGS...: make install with MAKE-ARGS.
install_into() {
	local name=$1 log=$2
	shift 2
	if make -C "$root" --no-print-directory install "$@" >"$log" 2>&1; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "make install $* failed"
		tap_tail "$log"
	fi
}

# expect_file NAME FILE MODE: FILE is a regular file of mode MODE.
expect_file() {
	local mode
	mode=$(stat -c %a "$2" 2>/dev/null)
	if [ -f "$2" ] && [ "$mode" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "${2#"$work"/}: ${mode:-missing}, expected a file of mode $3"
	fi
}

# The default PREFIX, into a DESTDIR.
dest=$work/dest
install_into "make install DESTDIR=... installs" "$work/install.log" DESTDIR="$dest"
expect_file "the binary is in /usr/local/bin" "$dest/usr/local/bin/iolu" 755
expect_file "the man page is in /usr/local/share/man/man1" \
	"$dest/usr/local/share/man/man1/iolu.1" 644
expect_file "the completion is in /usr/local/share/bash-completion/completions" \
	"$dest/usr/local/share/bash-completion/completions/iolu" 644
expect_file "operating.md is in /usr/local/share/doc/iolu" \
	"$dest/usr/local/share/doc/iolu/operating.md" 644
for unit in iolu-check.service iolu-audit.service; do
	expect_file "$unit is in /usr/local/lib/systemd/system" \
		"$dest/usr/local/lib/systemd/system/$unit" 644
done
stray=$(cd "$dest" && find . -type f | grep -v '^\./usr/local/' | head -n 3)
tap_unless "${stray:+outside PREFIX: $stray}" "nothing is installed outside PREFIX"

iolu=$dest/usr/local/bin/iolu
out=$("$iolu" --version 2>&1)
tap_unless "$([ "$out" = "iolu $version" ] || echo "got '$out'")" \
	"the installed iolu --version prints iolu $version"
out=$("$iolu" check --help 2>&1)
rc=$?
tap_unless "$([ $rc = 0 ] && [[ $out == "Usage: iolu check"* ]] ||
	echo "exit $rc: ${out%%$'\n'*}")" "the installed iolu check --help prints its usage"

# man --warnings passes -w to groff: any complaint lands on stderr.
man_out=$work/man.out
man_err=$work/man.err
LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$dest/usr/local/share/man/man1/iolu.1" \
	>"$man_out" 2>"$man_err"
rc=$?
if [ $rc = 0 ] && [ ! -s "$man_err" ] && grep -q 'iolu check' "$man_out"; then
	tap_ok "man -l renders the installed page without a warning"
else
	tap_not_ok "man -l renders the installed page without a warning" "exit $rc"
	tap_tail "$man_err"
fi

# complete WORDS...: what the installed completion offers for the last
# word of "iolu WORDS", one per line, sorted, in a bash that read no
# startup file and nothing but the completion.
complete_words() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		spec=$(complete -p iolu) || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=(iolu "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		"$fn" iolu "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' \
		complete "$dest/usr/local/share/bash-completion/completions/iolu" "$@" | sort -u
}

spec=$(bash --norc --noprofile -c '. "$1"; complete -p iolu' complete \
	"$dest/usr/local/share/bash-completion/completions/iolu" 2>&1)
tap_unless "$([[ $spec == "complete -F "*" iolu" ]] || echo "complete -p: $spec")" \
	"sourcing the completion registers a function for iolu"

# The bash-completion package finds it where it was installed, by the
# name of the command, as it does when iolu<TAB> is first pressed.
spec=$(XDG_DATA_DIRS=$dest/usr/local/share bash --norc --noprofile -c '
	. /usr/share/bash-completion/bash_completion || exit 1
	__load_completion iolu && complete -p iolu' 2>&1)
tap_unless "$([[ $spec == "complete -F "*" iolu" ]] || echo "got: $spec")" \
	"bash-completion loads it from \$PREFIX/share/bash-completion/completions"

# expect_completion NAME EXPECTED WORDS...: completing WORDS offers
# exactly EXPECTED (words separated by spaces).
expect_completion() {
	local name=$1 expected got
	expected=$(printf '%s\n' $2 | sort -u)
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$expected" ]; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "offered: $(echo $got)" "expected: $(echo $expected)"
	fi
}

expect_completion "iolu ch completes to check" check ch
expect_completion "iolu check --sn completes to --snapshot" --snapshot check --sn
expect_completion "iolu -v au completes to audit past the global -v" audit -v au
expect_completion "iolu check --side= offers the two sides" "outgoing incoming" \
	check --side = ''
expect_completion "iolu trace --require offers all, lu, none" "all lu none" \
	trace --require ''
expect_completion "iolu trace --op completes the last of a list" \
	"core,device_adopt core,device_find core,device_preserve core,device_reject core,device_unpreserve" trace --op core,dev
mkdir -p "$work/snaps" && touch "$work/snaps/before.snap"
expect_completion "iolu audit --before completes a file name" "$work/snaps/before.snap" \
	audit --before "$work/snaps/be"

# Every option a command's --help lists, and none it does not, short and
# long: the completion is written by hand and must follow the commands.
for cmd in check snapshot show audit trace; do
	help_opts=$("$iolu" "$cmd" --help 2>&1 | grep -E '^ +-' |
		grep -oE '(^|[ ,])(--[a-z][a-z-]*|-[a-zA-Z])' | tr -d ' ,' | sort -u)
	got=$(complete_words "$cmd" -)
	if [ -n "$help_opts" ] && [ "$got" = "$help_opts" ]; then
		tap_ok "iolu $cmd - offers exactly the options of iolu $cmd --help"
	else
		tap_not_ok "iolu $cmd - offers exactly the options of iolu $cmd --help" \
			"only in --help: $(comm -23 <(echo "$help_opts") <(echo "$got") | tr '\n' ' ')" \
			"only completed: $(comm -13 <(echo "$help_opts") <(echo "$got") | tr '\n' ' ')"
	fi
done

# --op: every operation of bpf/events.h and every class the help names.
ops=$( { grep -oE '^[[:space:]]*X\([A-Z0-9_]+,[[:space:]]*[a-z0-9_]+' "$root/bpf/events.h" |
	sed 's/.*,[[:space:]]*//'
	"$iolu" trace --help | grep -oE 'classes: [a-z, ]+' | sed 's/classes: //' |
	tr -d ' ' | tr ',' '\n'; } | sort -u)
got=$(complete_words trace --op '')
if [ "$(echo "$ops" | wc -l)" -gt 20 ] && [ "$got" = "$ops" ]; then
	tap_ok "iolu trace --op offers every operation of bpf/events.h and every class"
else
	tap_not_ok "iolu trace --op offers every operation of bpf/events.h and every class" \
		"only in the tree: $(comm -23 <(echo "$ops") <(echo "$got") | tr '\n' ' ')" \
		"only completed: $(comm -13 <(echo "$ops") <(echo "$got") | tr '\n' ' ')"
fi

# The units as a package installs them: PREFIX=/usr, into a DESTDIR.
pkg=$work/pkg
install_into "make install PREFIX=/usr DESTDIR=... installs" "$work/pkg.log" \
	PREFIX=/usr DESTDIR="$pkg"
units=$pkg/usr/lib/systemd/system
grep_unit() {
	if grep -qxF -- "$3" "$units/$2"; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$2: no line '$3'"
		grep -E "^${3%%=*}=" "$units/$2" | tap_comment
	fi
}
grep_unit "the gate runs /usr/bin/iolu check" iolu-check.service \
	"ExecStart=/usr/bin/iolu check --snapshot /var/lib/iolu/checked.snap"
grep_unit "the audit runs /usr/bin/iolu audit" iolu-audit.service \
	"ExecStart=/usr/bin/iolu audit --before /var/lib/iolu/audited.snap --json \\"

# Enabled in the scratch root, the gate is required by the unit that
# runs the kexec (a failed check fails its job), and the audit is wanted
# at boot.
if out=$(systemctl --root="$pkg" enable iolu-check.service iolu-audit.service 2>&1); then
	tap_ok "systemctl --root enables both units"
else
	tap_not_ok "systemctl --root enables both units"
	echo "$out" | tap_comment
fi
links=
for link in etc/systemd/system/systemd-kexec.service.requires/iolu-check.service \
	etc/systemd/system/multi-user.target.wants/iolu-audit.service; do
	[ -L "$pkg/$link" ] || links+=" $link"
done
tap_unless "${links:+missing:$links}" \
	"enabled: systemd-kexec.service requires the gate, multi-user.target wants the audit"

# systemd-analyze verify checks that every command exists and that the
# Documentation= man page does, on this host: the units of an install at
# a PREFIX in the scratch directory name a binary that exists, and MANPATH
# finds the page. --root would not do: it looks for mv and rm in the
# scratch root too. Any message (an unknown key is only a warning) fails.
real=$work/real
install_into "make install PREFIX=<scratch> installs" "$work/real.log" PREFIX="$real/usr"
for unit in iolu-check.service iolu-audit.service; do
	out=$(cd "$work" && MANPATH=$real/usr/share/man \
		systemd-analyze verify "$real/usr/lib/systemd/system/$unit" 2>&1)
	rc=$?
	if [ $rc = 0 ] && [ -z "$out" ]; then
		tap_ok "systemd-analyze verify $unit"
	else
		tap_not_ok "systemd-analyze verify $unit" "exit $rc"
		echo "$out" | tap_comment
	fi
done

echo "1..$tap_n"
