/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KHO's preserved-memory map (include/linux/kho/abi/kexec_handover.h):
 * a radix tree of page-sized nodes. Intermediate levels hold physical
 * addresses of the level below; leaves are bitmaps over a key that encodes
 * a page's order and its address shifted by that order.
 */
#ifndef IOLU_KHOMAP_H
#define IOLU_KHOMAP_H

#include "iolu_verifier.h"

#define KHO_PAGE_SHIFT		12
#define KHO_PAGE_SIZE		(1ull << KHO_PAGE_SHIFT)
/* Bit position of the order bit of an order-0 key: 64 - PAGE_SHIFT. */
#define KHO_ORDER_0_LOG2	(64 - KHO_PAGE_SHIFT)
/* A node is one page of 512 addresses; a leaf one page of bits. */
#define KHO_TABLE_SIZE_LOG2	9
#define KHO_BITMAP_SIZE_LOG2	(KHO_PAGE_SHIFT + 3)
/* Levels 5..1 are tables, level 0 is the bitmap. */
#define KHO_TREE_MAX_DEPTH	6
#define KHO_FDT_COMPATIBLE	"kho-v4"
#define KHO_FDT_MEMORY_MAP_PROP	"preserved-memory-map"

/* The key of a page of the given order (the kernel's encoding). */
static inline uint64_t kho_key_encode(uint64_t pa, unsigned int order)
{
	return (1ull << (KHO_ORDER_0_LOG2 - order)) |
	       (pa >> (KHO_PAGE_SHIFT + order));
}

/* Index into the table of a node at level (1..5) for a key. */
static inline unsigned int kho_table_index(uint64_t key, unsigned int level)
{
	unsigned int shift = (level - 1) * KHO_TABLE_SIZE_LOG2 +
			     KHO_BITMAP_SIZE_LOG2;

	return (key >> shift) & ((1u << KHO_TABLE_SIZE_LOG2) - 1);
}

#endif
