/* SPDX-License-Identifier: GPL-2.0 */
/* Read physical memory through /proc/kcore, to see where DMA landed. */
#ifndef LAB_PHYSMEM_H
#define LAB_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read len bytes at physical address pa from the kcore segment that maps
 * it. 0, -ENOENT when no segment maps all of it, or another -errno.
 */
int physmem_read(uint64_t pa, void *buf, size_t len);

#endif
