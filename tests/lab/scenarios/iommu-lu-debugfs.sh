# SPDX-License-Identifier: GPL-2.0
# The series' debugfs view of the IOMMU live update state, in a real boot:
# every file is there, read-only, and says "no state" while nothing is
# preserved (no file handler binds the IOMMU FLB yet).
. /lab/lab-lib.sh

dir=/sys/kernel/debug/iommu/liveupdate

files_present() {
	local side file mode
	for side in outgoing incoming; do
		for file in status header_phys compatible units domains devices; do
			[ -f "$dir/$side/$file" ] || { echo "missing $dir/$side/$file"; return 1; }
			mode=$(stat -c %a "$dir/$side/$file")
			[ "$mode" = 400 ] || { echo "$dir/$side/$file has mode $mode, not 400"; return 1; }
			echo "$side/$file: $(cat "$dir/$side/$file")"
		done
	done
}

writes_refused() {
	# Even root must not be able to change what the verifier starts from.
	if echo 0x1000 2>/dev/null >"$dir/outgoing/header_phys"; then
		echo "writing $dir/outgoing/header_phys succeeded"
		return 1
	fi
	echo "writing outgoing/header_phys is refused"
}

no_state_reported() {
	local side
	for side in outgoing incoming; do
		[ "$(cat "$dir/$side/status")" = none ] ||
			{ echo "$side/status is '$(cat "$dir/$side/status")', expected 'none'"; return 1; }
		[ "$(cat "$dir/$side/header_phys")" = 0x0 ] ||
			{ echo "$side/header_phys is not 0x0"; return 1; }
		[ "$(cat "$dir/$side/devices")" = 0 ] ||
			{ echo "$side/devices is not 0"; return 1; }
	done
	echo "outgoing and incoming: none, header_phys 0x0, 0 devices"
}

lab_step "the IOMMU live update debugfs files exist and are read-only (0400)" files_present
lab_step "the debugfs files refuse writes" writes_refused
lab_step "with nothing preserved they report no state" no_state_reported
lab_verdict pass
