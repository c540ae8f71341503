/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d translation structures (Intel VT-d specification, chapter 9), the
 * facts iolu_vtd_lookup() decodes:
 *
 * Root table: 4 KiB, 256 entries of 16 bytes indexed by bus. Legacy mode:
 * lo bit 0 present, lo[63:12] context table. Scalable mode: lo covers
 * devfn 0-127, hi devfn 128-255, each with bit 0 present and [63:12] the
 * (lower/upper) scalable-mode context table.
 *
 * Legacy context entry (16 bytes, indexed by devfn): lo bit 0 present,
 * lo[3:2] translation type (0 untranslated requests, 1 also translated
 * ones, 2 pass-through), lo[63:12] second-stage table; hi[2:0] address
 * width (levels - 2), hi[23:8] domain ID.
 *
 * Scalable-mode context entry (32 bytes, indexed by devfn & 0x7f): lo bit 0
 * present, lo[11:9] PASID directory size (2^(n+7) entries), lo[63:12] PASID
 * directory; hi[19:0] RID_PASID, the PASID used for requests without one.
 * PASID directory entry (8 bytes, index pasid >> 6): bit 0 present,
 * [63:12] PASID table. PASID table entry (64 bytes, index pasid & 63):
 * val[0] bit 0 present, [4:2] address width, [8:6] PGTT (1 first stage
 * only, 2 second stage only, 3 nested, 4 pass-through), [63:12]
 * second-stage table; val[1][15:0] domain ID; val[2][3:2] first-stage
 * paging mode (0 four levels, 1 five), val[2][63:12] first-stage table.
 */
#ifndef IOLU_VTD_H
#define IOLU_VTD_H

#include "iolu_verifier.h"

#define VTD_PAGE_MASK		(~0xfffull)
#define VTD_ROOT_ENTRY_SIZE	16u
#define VTD_CONTEXT_SIZE	16u
#define VTD_SM_CONTEXT_SIZE	32u
#define VTD_PASID_DIR_ENTRY_SIZE 8u
#define VTD_PASID_ENTRY_SIZE	64u
#define VTD_PASID_TABLE_SHIFT	6

#define VTD_TT_MULTI_LEVEL	0
#define VTD_TT_DEV_IOTLB	1
#define VTD_TT_PASS_THROUGH	2

#define VTD_PGTT_FIRST_STAGE	1
#define VTD_PGTT_SECOND_STAGE	2
#define VTD_PGTT_NESTED		3
#define VTD_PGTT_PASS_THROUGH	4

/* Bytes of the PASID directory a scalable context entry points at. */
static inline uint64_t vtd_pasid_dir_bytes(unsigned int pdts)
{
	return (1ull << (pdts + 7)) * VTD_PASID_DIR_ENTRY_SIZE;
}

#endif
