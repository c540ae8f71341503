# SPDX-License-Identifier: GPL-2.0
# iolu trace around the headline scenario (iommu-liveupdate: edu's HWPT,
# device and memfd preserved in one LUO session, kexec, retrieve, DMA at
# the same IOVA), with the tracer on in both kernels. Needs the whole
# series (VT-d and iommufd/vfio-pci handlers) in the lab kernel. The host
# (tests/lab/trace.t) asserts on the events.
. /lab/scenarios/trace-lib.sh

[ -f /lab/scenarios/iommu-liveupdate.sh ] ||
	{ lab_verdict "fail: no iommu-liveupdate scenario in the initramfs"; exit 0; }

# The inner scenario runs `iolu check` and `iolu audit` when it finds iolu;
# they have their own tests, and here only the tracer is under test: give
# it a PATH without iolu.
inner_path() {
	local tool
	mkdir -p /tmp/inner-bin
	for tool in /bin/* /sbin/*; do
		[ "${tool##*/}" = iolu ] || ln -sf "$tool" "/tmp/inner-bin/${tool##*/}"
	done
	echo /tmp/inner-bin
}

case "$1" in
1)
	lab_step "iolu trace attaches (stage 1)" trace_start trace-edu-1
	# It reboots into stage 2 of this scenario (lab_next_cmdline).
	PATH=$(inner_path) sh /lab/scenarios/iommu-liveupdate.sh 1
	;;
2)
	# The boot trace instance the inner scenario asked the kexec for.
	lab_step "iolu trace attaches (stage 2), boot trace included" \
		trace_start trace-edu-2 --boot
	PATH=$(inner_path) sh /lab/scenarios/iommu-liveupdate.sh 2
	sleep 1
	# The inner scenario wrote its verdict; a tracer that cannot stop
	# overrides a pass.
	lab_step "stop the tracer" trace_stop
	;;
*) lab_verdict "fail: trace-edu has no stage '$1'" ;;
esac
