// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pageset.h"

/* Never a page address: pages are 4 KiB aligned. */
#define SLOT_EMPTY	UINT64_MAX

void iolu_pageset_init(struct iolu_pageset *set)
{
	memset(set, 0, sizeof(*set));
}

void iolu_pageset_free(struct iolu_pageset *set)
{
	free(set->slots);
	iolu_pageset_init(set);
}

static size_t slot_of(uint64_t page, size_t nr_slots)
{
	/* Fibonacci hashing spreads consecutive page numbers. */
	return (size_t)(((page >> 12) * 0x9e3779b97f4a7c15ull) >> 20) &
	       (nr_slots - 1);
}

static void insert_slot(uint64_t *slots, size_t nr_slots, uint64_t page)
{
	size_t i = slot_of(page, nr_slots);

	while (slots[i] != SLOT_EMPTY)
		i = (i + 1) & (nr_slots - 1);
	slots[i] = page;
}

static int pageset_grow(struct iolu_pageset *set)
{
	size_t nr_slots = set->nr_slots ? set->nr_slots * 2 : 64;
	uint64_t *slots = malloc(nr_slots * sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < nr_slots; i++)
		slots[i] = SLOT_EMPTY;
	for (size_t i = 0; i < set->nr_slots; i++)
		if (set->slots[i] != SLOT_EMPTY)
			insert_slot(slots, nr_slots, set->slots[i]);
	free(set->slots);
	set->slots = slots;
	set->nr_slots = nr_slots;
	return 0;
}

bool iolu_pageset_has(const struct iolu_pageset *set, uint64_t page)
{
	size_t i;

	if (!set->nr_slots)
		return false;
	for (i = slot_of(page, set->nr_slots); set->slots[i] != SLOT_EMPTY;
	     i = (i + 1) & (set->nr_slots - 1))
		if (set->slots[i] == page)
			return true;
	return false;
}

int iolu_pageset_add(struct iolu_pageset *set, uint64_t page)
{
	int ret;

	page &= ~0xfffull;
	if (iolu_pageset_has(set, page))
		return 0;
	/* Keep the load under one half so probes stay short. */
	if ((set->nr + 1) * 2 > set->nr_slots) {
		ret = pageset_grow(set);
		if (ret)
			return ret;
	}
	insert_slot(set->slots, set->nr_slots, page);
	set->nr++;
	return 1;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int iolu_pageset_sorted(const struct iolu_pageset *set, uint64_t **pages,
			size_t *nr_pages)
{
	uint64_t *sorted = NULL;
	size_t n = 0;

	if (set->nr) {
		sorted = malloc(set->nr * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (size_t i = 0; i < set->nr_slots; i++)
			if (set->slots[i] != SLOT_EMPTY)
				sorted[n++] = set->slots[i];
		qsort(sorted, n, sizeof(*sorted), compare_u64);
	}
	*pages = sorted;
	*nr_pages = n;
	return 0;
}
