/* SPDX-License-Identifier: GPL-2.0 */
/* The passes of iolu_check(), one per family of rules. */
#ifndef IOLU_CHECK_H
#define IOLU_CHECK_H

#include "iolu_verifier.h"
#include "owners.h"

/* The i-th unit, domain or device of a state, and how many it has. */
const struct iolu_object *iolu_state_object(const struct iolu_state *state,
					    enum iolu_obj_kind kind, size_t i);
size_t iolu_state_nr_objects(const struct iolu_state *state,
			     enum iolu_obj_kind kind);

/*
 * qsort(), after one pass that finds the items in order already: the
 * kernel appends objects to its chains as it numbers them, so the keys
 * of a real state mostly are, and sorting 100k of them costs more than
 * the checks that need them sorted.
 */
void iolu_sort(void *base, size_t nr, size_t size,
	       int (*compare)(const void *, const void *));

/* A domain whose table iolu_pt_walk() can walk: VT-d format, sane levels. */
bool iolu_domain_walkable(const struct iolu_domain *domain);

/*
 * Why the next kernel's kho_is_preserved(pa) would be false for a page it
 * follows a pointer to (not page aligned, not RAM, not preserved, or
 * inside a preserved block without starting one), or NULL when it holds.
 */
const char *iolu_kho_refusal(const struct iolu_check_opts *opts, uint64_t pa);

int iolu_check_structure(const struct iolu_state *state,
			 struct iolu_findings *findings);
/*
 * Domains that let a device reach a page of the state (owners sorted by
 * iolu_owners_report()): dma-target-table.
 */
int iolu_check_target_owners(const struct iolu_mem *mem,
			     const struct iolu_state *state,
			     const struct iolu_owners *owners,
			     struct iolu_findings *findings);

/* Both record the pages they find linked in owners (NULL: not needed). */
int iolu_check_memory(const struct iolu_mem *mem,
		      const struct iolu_state *state,
		      const struct iolu_check_opts *opts,
		      struct iolu_owners *owners,
		      struct iolu_findings *findings);
/*
 * Walk every live, walkable domain's IO page table: pgtable-invalid, and
 * with IOLU_CHECK_MEMORY the preservation of its pages and targets.
 */
int iolu_check_pgtables(const struct iolu_mem *mem,
			const struct iolu_state *state,
			const struct iolu_check_opts *opts,
			struct iolu_owners *owners,
			struct iolu_findings *findings);
int iolu_check_hardware(const struct iolu_mem *mem,
			const struct iolu_state *state,
			const struct iolu_check_opts *opts,
			struct iolu_owners *owners,
			struct iolu_findings *findings);

#endif
