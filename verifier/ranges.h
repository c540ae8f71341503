/* SPDX-License-Identifier: GPL-2.0 */
/* Sorted, merged lists of physical address ranges (struct iolu_ranges). */
#ifndef IOLU_RANGES_H
#define IOLU_RANGES_H

#include "iolu_verifier.h"

/* Append without ordering; call iolu_ranges_normalize() before queries. */
int iolu_ranges_append(struct iolu_ranges *ranges, size_t *capacity,
		       uint64_t start, uint64_t size);
/* Sort and merge overlapping or adjacent ranges. */
void iolu_ranges_normalize(struct iolu_ranges *ranges);
/* True when [start, start + size) lies inside one range. */
bool iolu_ranges_cover(const struct iolu_ranges *ranges, uint64_t start,
		       uint64_t size);
/* True when some byte of [start, start + size) lies in a range. */
bool iolu_ranges_touch(const struct iolu_ranges *ranges, uint64_t start,
		       uint64_t size);
void iolu_ranges_free(struct iolu_ranges *ranges);

#endif
