// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigalloc.h"

#define HUGE_PAGE	((size_t)2 << 20)

void *iolu_big_realloc(void *array, size_t old_nr, size_t nr, size_t size)
{
	size_t bytes, whole;
	void *grown;

	if (size && nr > SIZE_MAX / size)
		return NULL;
	bytes = nr * size;
	if (bytes < HUGE_PAGE)
		return realloc(array, bytes ? bytes : 1);
	/* A huge page backs only a whole, aligned 2 MiB of a mapping. */
	whole = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (whole < bytes)
		return NULL;
	grown = aligned_alloc(HUGE_PAGE, whole);
	if (!grown)
		return NULL;
	/* Only a hint: without THP it fails and changes nothing. */
	madvise(grown, whole, MADV_HUGEPAGE);
	if (array) {
		memcpy(grown, array, (old_nr < nr ? old_nr : nr) * size);
		free(array);
	}
	return grown;
}
