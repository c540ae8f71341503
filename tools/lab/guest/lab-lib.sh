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

# Leaks kmemleak finds in what the series touches, when the kernel has it
# (the debug lab kernel, `make lab-debug`). Other leaks are listed, not
# counted: early boot code of other subsystems has known ones.
lab_kmemleak() {
	local report=/sys/kernel/debug/kmemleak ours
	[ -w $report ] || return 0
	# kmemleak reports an object once it stayed unreferenced over two
	# scans, after its minimum age (5 s)
	echo scan >$report
	sleep 6
	echo scan >$report
	cat $report >/tmp/kmemleak.txt
	ours=$(awk '/^unreferenced object/ { if (obj != "" && hit) n++; obj = $0; hit = 0 }
		/iommu|dmar|intel_|vfio|liveupdate|luo_|kho|memfd|iommufd|pci_/ { hit = 1 }
		END { if (obj != "" && hit) n++; print n + 0 }' /tmp/kmemleak.txt)
	echo "kmemleak: $(grep -c '^unreferenced object' /tmp/kmemleak.txt) unreferenced objects, $ours in IOMMU, VFIO, PCI, KHO, LUO or memfd code"
	[ "$ours" = 0 ] && return 0
	cat /tmp/kmemleak.txt
	return 1
}

lab_verdict() {
	if [ "$1" = pass ] && ! lab_kmemleak; then
		set -- "fail: kmemleak found leaks"
	fi
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

# The PCI addresses of every edu device (vendor 1234, device 11e8), one a
# line, in bus order.
lab_find_edus() {
	local dev
	for dev in /sys/bus/pci/devices/*; do
		[ "$(cat "$dev/vendor")" = 0x1234 ] && [ "$(cat "$dev/device")" = 0x11e8 ] &&
			echo "${dev##*/}"
	done
}

# The first edu device's PCI address.
lab_find_edu() {
	local bdf
	bdf=$(lab_find_edus | head -n 1)
	[ -n "$bdf" ] && echo "$bdf"
}

lab_intel_iommu_active() {
	ls -d /sys/class/iommu/dmar* || { echo "no /sys/class/iommu/dmar*"; return 1; }
	dmesg | grep -E 'DMAR: (IOMMU enabled|Intel\(R\) Virtualization)' | head -n 2
}

# Bind the edu at PCI address $1 to vfio-pci and check that its vfio cdev
# appeared.
lab_bind_vfio() {
	local bdf=$1 dev=/sys/bus/pci/devices/$1
	[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
	echo vfio-pci >"$dev/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$dev/driver")")" = vfio-pci ] ||
		{ echo "edu $bdf did not bind to vfio-pci"; return 1; }
	ls "$dev"/vfio-dev/ 2>/dev/null | grep -q '^vfio' ||
		{ echo "no vfio cdev for $bdf"; return 1; }
	echo "edu ($bdf) bound to vfio-pci, cdev /dev/vfio/devices/$(ls "$dev/vfio-dev")"
}

# Bind the (first) edu to vfio-pci.
lab_bind_edu_vfio() {
	local bdf
	bdf=$(lab_find_edu) || { echo "no edu device (1234:11e8) on the PCI bus"; return 1; }
	lab_bind_vfio "$bdf"
}

# The kernel command line for the next stage: this one's, with
# iolu.stage=N and any extra KEY=VALUE words replaced.
lab_next_cmdline() {
	local stage=$1 word cmdline= keep extra
	shift
	for word in $(cat /proc/cmdline); do
		keep=1
		case "$word" in iolu.stage=*) keep=0 ;; esac
		for extra in "$@"; do
			[ "${word%%=*}" = "${extra%%=*}" ] && keep=0
		done
		[ $keep = 1 ] && cmdline="$cmdline $word"
	done
	echo "${cmdline# } iolu.stage=$stage $*"
}

# DMA remapping faults the kernel logged since boot (none is the goal).
lab_dmar_faults() {
	dmesg | grep -E 'DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault|DMAR: .*fault' || true
}

lab_no_dmar_faults() {
	local faults
	faults=$(lab_dmar_faults)
	[ -z "$faults" ] || { printf '%s\n' "$faults"; return 1; }
	echo "no DMA remapping fault logged since boot"
}

# lab_edu_faults BDF: the faults logged for the requester ID of the edu at
# PCI address BDF, with or without the PCI segment; fails when none is.
lab_edu_faults() {
	lab_dmar_faults | grep -E "Request device \[(${1%%:*}:)?${1#*:}\]"
}

# The kernel holds no IOMMU state to hand over to the next one.
lab_no_outgoing_state() {
	local status
	status=$(cat /sys/kernel/debug/iommu/liveupdate/outgoing/status) || return 1
	echo "outgoing status: $status"
	[ "$status" = none ]
}

# --- systemd units, run by hand ---
# The initramfs has no systemd: lab_run_unit runs the commands of one of
# packaging/systemd's units (in /lab/units, as the source has them, with
# @BINDIR@ where `make install` writes the binary's directory) the way
# systemd would for a Type=oneshot service, so that the lab exercises the
# units' own command lines rather than copies of them.

# lab_unit_values UNIT KEY: each KEY= value of the unit, one a line, with
# continuation lines joined and @BINDIR@ the initramfs's /bin.
lab_unit_values() {
	sed -e ':join' -e '/\\$/{N;s/\\\n[[:space:]]*/ /;b join' -e '}' "${LAB_UNITS:-/lab/units}/$1.in" |
		sed -n "s/^$2=//p" | sed 's|@BINDIR@|/bin|g'
}

# lab_state_dir: /var/lib/iolu on the host share, so that it outlives the
# kexec as a host's /var/lib outlives a reboot.
lab_state_dir() {
	mkdir -p /host/var-lib-iolu /var/lib &&
		ln -sfn /host/var-lib-iolu /var/lib/iolu
}

# lab_run_unit UNIT: start UNIT (e.g. iolu-check.service) as systemd would:
# its ConditionPathExists=, ExecStartPre= lines in order, ExecStart= with
# StandardOutput=truncate:FILE, and ExecStartPost= only when ExecStart=
# succeeded. Returns the first failing command's exit status (the unit
# failed), 0 when it succeeded, 200 when a condition skipped it. What the
# unit uses and this does not emulate is an error, not a guess.
lab_run_unit() {
	local unit=$1 cmd rc output condition
	[ "$(lab_unit_values "$unit" Type)" = oneshot ] ||
		{ echo "$unit: not Type=oneshot"; return 1; }
	condition=$(lab_unit_values "$unit" ConditionPathExists)
	if [ -n "$condition" ] && [ ! -e "$condition" ]; then
		echo "$unit: skipped: ConditionPathExists=$condition does not hold"
		return 200
	fi
	output=$(lab_unit_values "$unit" StandardOutput)
	case $output in
	'' | journal) output= ;;
	truncate:/*) output=${output#truncate:} ;;
	*) echo "$unit: StandardOutput=$output is not emulated"; return 1 ;;
	esac
	if lab_unit_values "$unit" 'Exec[A-Za-z]*' | grep -q '^[-@:+!]'; then
		echo "$unit: an Exec prefix is not emulated"
		return 1
	fi
	# StateDirectory=iolu, StateDirectoryMode=0700
	chmod 0700 /var/lib/iolu/
	lab_unit_values "$unit" ExecStartPre >/tmp/unit.pre
	while read -r cmd; do
		echo "$unit: ExecStartPre=$cmd"
		sh -c "$cmd" </dev/null || { rc=$?; echo "$unit: failed (exit $rc)"; return $rc; }
	done </tmp/unit.pre
	cmd=$(lab_unit_values "$unit" ExecStart)
	echo "$unit: ExecStart=$cmd${output:+ >$output}"
	if [ -n "$output" ]; then
		sh -c "$cmd" </dev/null >"$output"
	else
		sh -c "$cmd" </dev/null
	fi
	rc=$?
	[ $rc -eq 0 ] || { echo "$unit: failed (exit $rc)"; return $rc; }
	lab_unit_values "$unit" ExecStartPost >/tmp/unit.post
	while read -r cmd; do
		echo "$unit: ExecStartPost=$cmd"
		sh -c "$cmd" </dev/null || { rc=$?; echo "$unit: failed (exit $rc)"; return $rc; }
	done </tmp/unit.post
	echo "$unit: succeeded"
}
