// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "ranges.h"

int iolu_ranges_append(struct iolu_ranges *ranges, size_t *capacity,
		       uint64_t start, uint64_t size)
{
	struct iolu_range *items;
	size_t grown;

	if (!size)
		return 0;
	/* Ranges ending past the address space are clipped, not wrapped. */
	if (start + size < start)
		size = UINT64_MAX - start + 1;
	if (ranges->nr && ranges->items[ranges->nr - 1].start +
	    ranges->items[ranges->nr - 1].size == start) {
		/* The common case, pages added in order: extend in place. */
		ranges->items[ranges->nr - 1].size += size;
		return 0;
	}
	if (ranges->nr == *capacity) {
		grown = *capacity ? *capacity * 2 : 64;
		items = realloc(ranges->items, grown * sizeof(*items));
		if (!items)
			return -ENOMEM;
		ranges->items = items;
		*capacity = grown;
	}
	ranges->items[ranges->nr].start = start;
	ranges->items[ranges->nr].size = size;
	ranges->nr++;
	return 0;
}

static int compare_start(const void *a, const void *b)
{
	const struct iolu_range *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static uint64_t range_end(const struct iolu_range *range)
{
	/* The last byte, so a range ending at 2^64 does not overflow. */
	return range->start + (range->size - 1);
}

void iolu_ranges_normalize(struct iolu_ranges *ranges)
{
	size_t out = 0;

	if (!ranges->nr)
		return;
	qsort(ranges->items, ranges->nr, sizeof(*ranges->items), compare_start);
	for (size_t i = 1; i < ranges->nr; i++) {
		struct iolu_range *last = &ranges->items[out];
		struct iolu_range *next = &ranges->items[i];

		if (range_end(last) == UINT64_MAX ||
		    next->start <= range_end(last) + 1) {
			if (range_end(next) > range_end(last))
				last->size = range_end(next) - last->start + 1;
			continue;
		}
		ranges->items[++out] = *next;
	}
	ranges->nr = out + 1;
}

/* The last range starting at or below pa, or NULL. */
static const struct iolu_range *range_at_or_below(const struct iolu_ranges *r,
						   uint64_t pa)
{
	size_t low = 0, high = r->nr;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (r->items[mid].start <= pa)
			low = mid + 1;
		else
			high = mid;
	}
	return low ? &r->items[low - 1] : NULL;
}

bool iolu_ranges_cover(const struct iolu_ranges *ranges, uint64_t start,
		       uint64_t size)
{
	const struct iolu_range *range;
	uint64_t last;

	if (!ranges || !size)
		return false;
	last = start + (size - 1);
	if (last < start)
		return false;
	range = range_at_or_below(ranges, start);
	return range && last <= range_end(range);
}

bool iolu_ranges_touch(const struct iolu_ranges *ranges, uint64_t start,
		       uint64_t size)
{
	const struct iolu_range *range;
	uint64_t last;

	if (!ranges || !size)
		return false;
	last = start + (size - 1);
	if (last < start)
		last = UINT64_MAX;
	range = range_at_or_below(ranges, last);
	return range && range_end(range) >= start;
}

void iolu_ranges_free(struct iolu_ranges *ranges)
{
	free(ranges->items);
	ranges->items = NULL;
	ranges->nr = 0;
}
