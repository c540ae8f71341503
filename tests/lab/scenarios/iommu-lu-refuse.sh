# SPDX-License-Identifier: GPL-2.0
# Preserving a vfio device whose HWPT is not marked for preservation must
# fail cleanly, and leave no IOMMU state behind. One stage.
. /lab/lab-lib.sh

lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
lab_step "preserving edu with an unpreserved domain fails" \
	lu-edu refuse-unpreserved --bdf "$(lab_find_edu)" --session iolu-refuse
lab_step "no IOMMU state is left to hand over" lab_no_outgoing_state
lab_verdict pass
