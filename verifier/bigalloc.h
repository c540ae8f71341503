/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arrays with an entry per object or page of a state: tens of MiB for
 * 100k devices. Faulted in 4 KiB at a time they cost more than the checks
 * that fill them (about 13 us a fault in a VM), so from 2 MiB on they are
 * placed on whole 2 MiB pages and ask for transparent huge pages, which
 * the kernel grants where THP is "madvise" or "always"; elsewhere they are
 * ordinary memory.
 */
#ifndef IOLU_BIGALLOC_H
#define IOLU_BIGALLOC_H

#include <stddef.h>

/*
 * Grow (or first allocate, with array NULL and old_nr 0) an array of
 * old_nr entries of size bytes to nr entries, keeping the old entries.
 * NULL on overflow or failure, array then left as it was. Free with
 * free().
 */
void *iolu_big_realloc(void *array, size_t old_nr, size_t nr, size_t size);

#endif
