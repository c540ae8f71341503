/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of page addresses (open addressing), used to notice a walk that
 * reaches a page twice and to collect the pages a walk went through.
 */
#ifndef IOLU_PAGESET_H
#define IOLU_PAGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iolu_pageset {
	uint64_t *slots;
	size_t nr_slots;	/* a power of two */
	size_t nr;
};

void iolu_pageset_init(struct iolu_pageset *set);
void iolu_pageset_free(struct iolu_pageset *set);
/* 1 when added, 0 when already there, -ENOMEM. page must be 4 KiB aligned. */
int iolu_pageset_add(struct iolu_pageset *set, uint64_t page);
bool iolu_pageset_has(const struct iolu_pageset *set, uint64_t page);
/* The members, sorted, in a new array the caller frees; NULL when empty. */
int iolu_pageset_sorted(const struct iolu_pageset *set, uint64_t **pages,
			size_t *nr_pages);

#endif
