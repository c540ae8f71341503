/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who links each page of the state: the graph, the VT-d tables of every
 * unit and the IO page tables of every domain. The next kernel takes each
 * such page over once (kho_restore_folio(), kho_restore_free()); a page
 * linked twice is refused ("linked twice") or freed twice.
 */
#ifndef IOLU_OWNERS_H
#define IOLU_OWNERS_H

#include "iolu_verifier.h"

struct iolu_owner {
	uint64_t page;
	enum iolu_obj_kind kind;	/* the object that links the page */
	uint64_t index;
	const char *role;		/* what the page is to it, static */
	size_t order;			/* insertion order, for stable sorting */
};

/*
 * Links recorded before the rest are only counted: 8 Mi links (320 MiB)
 * is 32 GiB of tables. Past it sharing is not proven, which is reported.
 */
#define IOLU_MAX_OWNERS		(1u << 23)

struct iolu_owners {
	struct iolu_owner *items;
	size_t nr, capacity;
	size_t dropped;		/* links not recorded past IOLU_MAX_OWNERS */
};

void iolu_owners_init(struct iolu_owners *owners);
void iolu_owners_free(struct iolu_owners *owners);
/* Record one link to page; 0 or -ENOMEM. A NULL owners records nothing. */
int iolu_owners_add(struct iolu_owners *owners, uint64_t page,
		    enum iolu_obj_kind kind, uint64_t index, const char *role);
/*
 * Report page-linked-twice for every page linked more than once. Leaves
 * the links sorted by page, for iolu_owners_find().
 */
int iolu_owners_report(struct iolu_owners *owners,
		       struct iolu_findings *findings);
/* The first link to a page in [start, start + size), or NULL. Sorted only. */
const struct iolu_owner *iolu_owners_find(const struct iolu_owners *owners,
					  uint64_t start, uint64_t size);

#endif
