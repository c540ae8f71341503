# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest side of lab scenarios. Sourced by /init and by
# every scenario; /host is the 9p share the host reads the verdict from.

# Value of KEY=VALUE on the kernel command line, empty when absent.
lab_param() {
	local word
	for word in $(cat /proc/cmdline); do
		case "$word" in "$1="*) echo "${word#*=}"; return 0 ;; esac
	done
	return 0
}

lab_say() {
	echo "iolu-lab: $*"
}

lab_verdict() {
	echo "$1" >/host/verdict
	sync
	echo "iolu-lab: verdict: $1"
}

# Run "$@" as one named step; a failing step ends the scenario.
lab_step() {
	local what=$1 out rc
	shift
	lab_say "step: $what"
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	if [ $rc -ne 0 ]; then
		lab_say "step failed: $what"
		lab_verdict "fail: $what"
		sync
		poweroff -f
	fi
	lab_say "ok: $what"
}

# The edu device's PCI address (vendor 1234, device 11e8).
lab_find_edu() {
	local dev
	for dev in /sys/bus/pci/devices/*; do
		[ "$(cat "$dev/vendor")" = 0x1234 ] && [ "$(cat "$dev/device")" = 0x11e8 ] &&
			{ echo "${dev##*/}"; return 0; }
	done
	return 1
}
