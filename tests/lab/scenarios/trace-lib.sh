# SPDX-License-Identifier: GPL-2.0
# Helpers of the trace-* scenarios (sourced; not a scenario of its own):
# run `iolu trace` in the background with its output on the host share,
# so the host can assert on the events even when a kexec follows.
. /lab/lab-lib.sh

# The scenario's steps run in subshells (lab_step): the tracer's exit code
# goes through a file, and only one tracer runs at a time (pidof finds it).

# trace_start NAME [OPTIONS...]: events to /host/NAME.jsonl, notes to
# /host/NAME.err; returns once the tracer has attached.
trace_start() {
	local name=$1 waited=0 verbose=
	shift
	rm -f /tmp/trace.rc
	# iolu.libbpf_debug=1 on the kernel command line shows libbpf's log.
	[ "$(lab_param iolu.libbpf_debug)" = 1 ] && verbose=-v
	(
		iolu $verbose trace --json "$@" >"/host/$name.jsonl" 2>"/host/$name.err"
		echo $? >/tmp/trace.rc
	) </dev/null >/dev/null 2>&1 &
	while ! grep -q '^iolu trace: tracing' "/host/$name.err" 2>/dev/null; do
		if [ -f /tmp/trace.rc ]; then
			echo "iolu trace exited $(cat /tmp/trace.rc) before tracing:"
			cat "/host/$name.err"
			return 1
		fi
		[ $waited -ge 600 ] && { echo "iolu trace did not attach in 60 s"; return 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
	sed -n '/targets:/p;/cannot/p;/refused/p' "/host/$name.err"
}

# trace_stop: SIGINT, wait for the summary; fails unless the tracer exited
# 0 (nothing flagged) or 1 (findings).
trace_stop() {
	local waited=0 rc
	kill -INT $(pidof iolu) || { echo "no iolu process"; return 1; }
	while [ ! -f /tmp/trace.rc ]; do
		# Detaching the BPF trampolines waits for RCU grace periods,
		# which a loaded TCG host can stretch.
		[ $waited -ge 1200 ] && { echo "iolu trace did not stop in 120 s"; return 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
	rc=$(cat /tmp/trace.rc)
	echo "iolu trace exited $rc"
	[ "$rc" -le 1 ]
}

# The ops of NAME's events in order, one "op ret" per line (ret "-" if none).
trace_ops() {
	sed -n 's/.*"op": *"\([a-z_]*\)".*/\1 &/p' "/host/$1.jsonl" |
		sed 's/^\([a-z_]*\) .*"ret": *\(-*[0-9][0-9]*\).*/\1 \2/; t; s/^\([a-z_]*\) .*/\1 -/'
}

# Bind edu to vfio-pci; prints its VFIO cdev path.
trace_bind_edu() {
	local why
	why=$(lab_bind_edu_vfio) || { echo "$why"; return 1; }
	echo "/dev/vfio/devices/$(ls "/sys/bus/pci/devices/$(lab_find_edu)/vfio-dev")"
}
