# SPDX-License-Identifier: GPL-2.0
# The refusals of the iommufd and vfio-pci live update handlers, one stage,
# no kexec: each check compares an errno with the documented one.
. /lab/lab-lib.sh

handler_warnings() {
	dmesg | grep -E 'iommufd: |vfio-pci .*live update' | sed 's/^/dmesg: /'
	return 0
}

lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
lab_step "refusals and immutability" lu-refusals --bdf "$(lab_find_edu)"
lab_step "what the handlers logged" handler_warnings
# lu-refusals punches page 3 of the memfd mapped at IOVA 0x5000000
lab_step "the refusal of the punched page names its IOVA" \
	sh -c "dmesg | grep -q 'IOVA 0x5003000 maps a page the memfd no longer holds'"
lab_step "no IOMMU state is left once every session is closed" lab_no_outgoing_state
lab_verdict pass
