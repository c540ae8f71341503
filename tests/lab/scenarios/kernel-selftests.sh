# SPDX-License-Identifier: GPL-2.0
# The kernel's own selftests of what the series touches, on the patched lab
# kernel: tools/testing/selftests/iommu (iommufd against its mock IOMMU)
# and tools/testing/selftests/liveupdate, whose kexec tests all cross one
# kexec together (each keeps its own sessions open in a daemon of its own).
# Each program's TAP output goes to /host/ks-NAME.tap and its exit code to
# /host/ks-NAME.rc for tests/lab/kselftests.t. iolu.kselftests=LIST picks
# the non-kexec programs (default: all three). $1 is the stage.
. /lab/lab-lib.sh

kexec_tests="luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files"

# Run one selftest program, keeping its output and exit code for the host.
# A selftest's failure is the host's to judge: the scenario goes on.
kselftest() {
	local name=$1 stage=$2 rc start
	shift 2
	start=$(cut -d' ' -f1 /proc/uptime)
	lab_say "kselftest: $name$stage"
	"ks-$name" "$@" >"/host/ks-$name$stage.tap" 2>&1
	rc=$?
	echo "$rc" >"/host/ks-$name$stage.rc"
	lab_say "kselftest: $name$stage exited $rc after $(awk -v a="$start" \
		-v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s"
}

stage1() {
	local name picked
	picked=$(lab_param iolu.kselftests | tr ',' ' ')
	for name in ${picked:-iommufd iommufd_fail_nth liveupdate}; do
		kselftest "$name" ""
	done
	for name in $kexec_tests; do
		kselftest "$name" .stage1 -s 1
	done
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	lab_say "step: kexec with the live update selftests' sessions preserved"
	lu-kexec /tmp/bzImage /tmp/initramfs.cpio.gz "$(lab_next_cmdline 2)"
	lab_verdict "fail: the kexec did not happen"
}

stage2() {
	local name
	for name in $kexec_tests; do
		kselftest "$name" .stage2 -s 2
	done
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: kernel-selftests has no stage '$1'" ;;
esac
