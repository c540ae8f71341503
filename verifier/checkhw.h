/* SPDX-License-Identifier: GPL-2.0 */
/* The hardware-view pass, shared by its per-device and per-unit halves. */
#ifndef IOLU_CHECKHW_H
#define IOLU_CHECKHW_H

#include "check.h"
#include "pageset.h"

struct hw_run {
	const struct iolu_mem *mem;
	const struct iolu_state *state;
	const struct iolu_check_opts *opts;
	struct iolu_findings *findings;
	struct iolu_owners *owners;
	/* table ranges already checked for preservation */
	struct iolu_pageset checked_tables;
	/* per unit: 1 once its unit-level findings were made */
	unsigned char *unit_seen;
};

/*
 * Report once a VT-d table of size bytes the next kernel refuses
 * (vtd-table-unpreserved): its first page starts no preserved block, or
 * the block is not one page (a table) or smaller than the table (a PASID
 * directory, when directory is set). 0 or -ENOMEM.
 */
int iolu_hw_check_table(struct hw_run *run, const struct iolu_unit *unit,
			uint64_t pa, uint64_t size, bool directory,
			const char *what);

/*
 * Every present entry of the unit's root table, as the next kernel's
 * intel_lu_check_unit() and the hardware see them (verifier/checkunit.c).
 * 0 or -ENOMEM.
 */
int iolu_hw_scan_unit(struct hw_run *run, long position);

#endif
