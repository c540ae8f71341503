/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IO page table walk with explicit limits. iolu_pt_walk() uses the
 * defaults below; tests and the benchmark pass small or large limits to
 * reach -E2BIG without building gigabytes of tables.
 */
#ifndef IOLU_PTWALK_INTERNAL_H
#define IOLU_PTWALK_INTERNAL_H

#include "iolu_verifier.h"

/*
 * The next kernel refuses a preserved page table of more than
 * INTEL_LU_MAX_TABLE_PAGES (2^20) table pages (intel_lu_check_table()), so
 * a longer walk is an error, not only expensive. 2 Mi extents cost 64 MiB:
 * an audit holds a walk of each side at once, and stays under 256 MiB.
 */
#define IOLU_PT_DEFAULT_MAX_TABLE_PAGES	(1ul << 20)
#define IOLU_PT_DEFAULT_MAX_EXTENTS	(1ul << 21)

struct iolu_pt_limits {
	size_t max_table_pages;
	size_t max_extents;
};

int iolu_pt_walk_limited(const struct iolu_mem *mem, uint64_t root_pa,
			 unsigned int format, unsigned int levels,
			 const struct iolu_pt_limits *limits,
			 struct iolu_pt_walk *walk);

#endif
