// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: the maps and variables the other objects share (see
 * trace_maps.bpf.h), defined once for `bpftool gen object` to link
 * trace_lu, trace_pgtable and trace_vtd against.
 */
#define IOLU_TRACE_MAPS_OWNER
#include "trace_maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";
