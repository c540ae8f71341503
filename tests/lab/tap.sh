# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the lab's test scripts, which prove runs. Source it.

tap_n=0

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

# tap_not_ok NAME [DIAGNOSTIC...]
tap_not_ok() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $1"
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
