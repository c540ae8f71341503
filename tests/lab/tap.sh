# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP helpers for the lab's test scripts, which prove runs. Source it.

tap_n=0
# Put before every test's name: a suite that runs its tests once per mode
# sets it to the mode's name.
tap_prefix=

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $tap_prefix$1"
}

# tap_not_ok NAME [DIAGNOSTIC...]
tap_not_ok() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $tap_prefix$1"
	shift
	[ $# -eq 0 ] || printf '# %s\n' "$@"
}

# tap_result STATUS NAME: ok when STATUS is 0.
tap_result() {
	if [ "$1" = 0 ]; then tap_ok "$2"; else tap_not_ok "$2"; fi
}

# tap_unless PROBLEMS NAME: ok NAME when PROBLEMS is empty, else not ok
# with PROBLEMS as the diagnostic.
tap_unless() {
	if [ -z "$1" ]; then tap_ok "$2"; else tap_not_ok "$2" "$1"; fi
}

# Standard input as TAP comments.
tap_comment() {
	sed 's/^/# /'
}

# The last lines (default 15) of a file as TAP comments.
tap_tail() {
	tail -n "${2:-15}" "$1" | tap_comment
}

# tap_kernel_clean NAME CONSOLE...: ok when no console log of the kernels
# a suite ran has a WARN, BUG or oops (the lab kernel's own reports; the
# debug kernel adds more, see tools/lab/lab-debug.sh). A missing log is a
# failure: nothing was shown clean.
tap_kernel_clean() {
	local name=$1 log reports=() missing=()
	shift
	for log in "$@"; do
		if [ ! -s "$log" ]; then
			missing+=("$log")
			continue
		fi
		mapfile -t -O ${#reports[@]} reports < <(grep -aE -m 3 'cut here|WARNING:|BUG:|Oops:' "$log" |
			sed "s|^|${log##*/lab/}: |")
	done
	if [ ${#reports[@]} = 0 ] && [ ${#missing[@]} = 0 ]; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "${reports[@]}" "${missing[@]/%/: no console log}"
	fi
}

# tap_first_missing LOG LINE...: the first LINE (a fixed string) LOG lacks;
# nothing when it has them all.
tap_first_missing() {
	local log=$1 line
	shift
	for line in "$@"; do
		grep -aqF -- "$line" "$log" || { echo "$line"; return; }
	done
}

# tap_claim NAME LOG CONTEXT LINE...: one test, ok when LOG has every LINE
# (the checks a guest program printed). Otherwise the first line missing
# is the diagnostic, followed by up to 6 lines of LOG that match the
# extended regex CONTEXT (the program's failures), less their timestamp.
tap_claim() {
	local name=$1 log=$2 context=$3 missing
	shift 3
	if [ ! -r "$log" ]; then
		tap_not_ok "$name" "$log: no console log"
		return
	fi
	missing=$(tap_first_missing "$log" "$@")
	if [ -z "$missing" ]; then
		tap_ok "$name"
		return
	fi
	tap_not_ok "$name" "no console line '$missing'"
	grep -aE -- "$context" "$log" 2>/dev/null | cut -d' ' -f2- | sed 's/^ *//' |
		head -n 6 | tap_comment
}
