/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read physical memory through /proc/kcore, to see where DMA landed, and
 * find where a page of this process is.
 */
#ifndef LAB_PHYSMEM_H
#define LAB_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read len bytes at physical address pa from the kcore segment that maps
 * it. 0, -ENOENT when no segment maps all of it, or another -errno.
 */
int physmem_read(uint64_t pa, void *buf, size_t len);
/*
 * The physical address of the byte at @addr in this process, from
 * /proc/self/pagemap. 0, -ENOENT when no page is present there, -EPERM
 * when the kernel hides frame numbers (it shows them to CAP_SYS_ADMIN
 * only), or another -errno.
 */
int physmem_pa_of(const void *addr, uint64_t *pa);

#endif
