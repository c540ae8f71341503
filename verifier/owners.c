// SPDX-License-Identifier: GPL-2.0
/*
 * Pages linked twice. Within one IO page table the walker finds them
 * (-ELOOP) and within the graph the chain walk does (chain-cycle); only a
 * sort of every link of the state finds a page shared between two
 * objects or two roles, e.g. one context table under two buses or a page
 * that is a domain's table and another unit's PASID table.
 */
#include <errno.h>
#include <stdlib.h>

#include "findings.h"
#include "owners.h"

#define ULL(x) ((unsigned long long)(x))

/* Findings of this rule before the rest is summarized. */
#define MAX_REPORTED	64

void iolu_owners_init(struct iolu_owners *owners)
{
	owners->items = NULL;
	owners->nr = owners->capacity = owners->dropped = 0;
}

void iolu_owners_free(struct iolu_owners *owners)
{
	free(owners->items);
	iolu_owners_init(owners);
}

int iolu_owners_add(struct iolu_owners *owners, uint64_t page,
		    enum iolu_obj_kind kind, uint64_t index, const char *role)
{
	if (!owners)
		return 0;
	if (owners->nr == IOLU_MAX_OWNERS) {
		owners->dropped++;
		return 0;
	}
	if (owners->nr == owners->capacity) {
		size_t capacity = owners->capacity ? owners->capacity * 2 : 256;
		struct iolu_owner *items = realloc(owners->items,
						   capacity * sizeof(*items));

		if (!items)
			return -ENOMEM;
		owners->items = items;
		owners->capacity = capacity;
	}
	owners->items[owners->nr] = (struct iolu_owner){
		.page = page, .kind = kind, .index = index, .role = role,
		.order = owners->nr,
	};
	owners->nr++;
	return 0;
}

static int compare_owner(const void *a, const void *b)
{
	const struct iolu_owner *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static int report_twice(struct iolu_findings *findings,
			const struct iolu_owner *first,
			const struct iolu_owner *again)
{
	return iolu_report(findings, "page-linked-twice", again->kind,
			   again->index, again->page,
			   "page 0x%llx is the %s of %s %llu and the %s of %s %llu",
			   ULL(again->page), again->role,
			   iolu_obj_kind_name(again->kind), ULL(again->index),
			   first->role, iolu_obj_kind_name(first->kind),
			   ULL(first->index));
}

const struct iolu_owner *iolu_owners_find(const struct iolu_owners *owners,
					  uint64_t start, uint64_t size)
{
	size_t lo = 0, hi = owners->nr;
	uint64_t first = start & ~0xfffull;

	/* The first page at or after the range's first page. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (owners->items[mid].page < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == owners->nr ||
	    owners->items[lo].page - first >= (start - first) + size)
		return NULL;
	return &owners->items[lo];
}

int iolu_owners_report(struct iolu_owners *owners,
		       struct iolu_findings *findings)
{
	size_t first = 0, reported = 0;
	int ret = 0;

	if (owners->nr)
		qsort(owners->items, owners->nr, sizeof(*owners->items),
		      compare_owner);
	for (size_t i = 1; !ret && i < owners->nr; i++) {
		if (owners->items[i].page != owners->items[first].page) {
			first = i;
			continue;
		}
		if (++reported <= MAX_REPORTED)
			ret = report_twice(findings, &owners->items[first],
					   &owners->items[i]);
	}
	if (!ret && reported > MAX_REPORTED)
		ret = iolu_report(findings, "page-linked-twice", IOLU_OBJ_STATE,
				  0, 0, "%zu more links to pages linked already",
				  reported - MAX_REPORTED);
	/* Unchecked links may share pages: never a silent pass. */
	if (!ret && owners->dropped)
		ret = iolu_report(findings, "page-linked-twice", IOLU_OBJ_STATE,
				  0, 0, "%zu links past the first %u were not checked for pages linked twice",
				  owners->dropped, IOLU_MAX_OWNERS);
	return ret;
}
