# SPDX-License-Identifier: GPL-2.0
# iolu trace across a real live update: the memfd scenario's LUO session
# (create, preserve the memfd, freeze and kexec in stage 1; retrieve the
# session and the memfd, finish in stage 2) with the tracer on in both
# kernels. Events go to the host share as they come, so the host
# (tests/lab/trace.t) sees stage 1's even though its kernel is gone.
. /lab/scenarios/trace-lib.sh

session=iolu-trace
token=9
size=64K

stage1() {
	local seed=12345 cmdline
	lab_step "iolu trace attaches (stage 1)" trace_start trace-memfd-1
	lab_step "copy the kernel and initramfs for kexec to tmpfs" \
		cp /host/bzImage /host/initramfs.cpio.gz /tmp/
	cmdline=$(sed 's/ *iolu\.stage=[^ ]*//' /proc/cmdline)
	lab_say "step: preserve a $size memfd in LUO session '$session' and kexec, traced"
	lu-memfd preserve --session "$session" --token "$token" --size "$size" \
		--seed "$seed" --kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$cmdline iolu.stage=2"
	lab_verdict "fail: the live update kexec did not happen"
}

stage2() {
	lab_step "iolu trace attaches (stage 2)" trace_start trace-memfd-2
	lab_step "retrieve the session and the memfd, check it, finish the session" \
		lu-memfd restore --session "$session" --token "$token" --size "$size" --seed 12345
	sleep 1
	lab_step "stop the tracer" trace_stop
	lab_say "stage 1 events: $(trace_ops trace-memfd-1 | tr '\n' ' ')"
	lab_say "stage 2 events: $(trace_ops trace-memfd-2 | tr '\n' ' ')"
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
*) lab_verdict "fail: trace-memfd has no stage '$1'" ;;
esac
