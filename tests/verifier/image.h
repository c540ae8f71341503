/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic physical memory, shared by the verifier's fixture
 * (builder.[ch]) and the command tests' fake live kernels
 * (tests/cli/state_builder.[ch]): a sparse set of pages, and the pieces
 * both lay out in it the same way: kho_block_set chains, IO page tables,
 * VT-d legacy context entries, and KHO's preserved-memory radix tree and
 * FDT. What objects go where is each builder's business.
 */
#ifndef IOLU_TEST_IMAGE_H
#define IOLU_TEST_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iolu_verifier.h"

/* Where the fixture's pages start, and its RAM. */
#define IMAGE_BASE		0x1000000ull
#define IMAGE_RAM_SIZE		0x40000000ull
#define IMAGE_PAGE_SIZE		4096u

struct image;

/* An empty image whose pages start at IMAGE_BASE, or at base. */
struct image *image_new(void);
struct image *image_new_at(uint64_t base);
void image_free(struct image *image);
struct iolu_mem image_mem(struct image *image);
/* A new zeroed page, preserved unless image_unpreserve() says otherwise. */
uint64_t image_alloc(struct image *image);
/* The page holding pa (NULL for a hole), or the byte at pa. */
void *image_page(struct image *image, uint64_t pa);
void *image_at(struct image *image, uint64_t pa);
void image_write64(struct image *image, uint64_t pa, uint64_t value);
uint64_t image_read64(struct image *image, uint64_t pa);
void image_write32(struct image *image, uint64_t pa, uint32_t value);
/* Make a page unreadable (a hole) or not preserved. */
void image_drop(struct image *image, uint64_t pa);
void image_unpreserve(struct image *image, uint64_t pa);
/*
 * Preserve the allocated pages [pa, pa + 4 KiB << order) as one block of
 * that order (pa aligned to its size): only pa
 * starts a block, the others are merely covered.
 */
void image_preserve_block(struct image *image, uint64_t pa, unsigned int order);
/* Pages allocated so far: they sit at image_base() + i * 4096. */
size_t image_nr_pages(const struct image *image);
uint64_t image_base(const struct image *image);

/* A kho_block_set chain being written, one 64-byte entry at a time. */
struct image_chain {
	struct image *image;
	uint64_t first, block;	/* first block, block being filled */
	uint64_t count;		/* entries in that block */
};

/* The address of the next free entry, growing the chain by a block. */
uint64_t image_chain_next(struct image_chain *chain);

/*
 * Map one 4 KiB page read/write in a VT-d style IO page table of the
 * given levels, allocating tables on the way down. Returns the address
 * of the level-1 table that holds the leaf entry.
 */
uint64_t image_map_4k(struct image *image, uint64_t root, unsigned int levels,
		      uint64_t iova, uint64_t phys);

/*
 * The context table a VT-d root entry points at for a requester ID (the
 * upper half of the entry in scalable mode for devfn >= 0x80), allocated
 * when create is set and there is none. 0 when there is none.
 */
uint64_t image_vtd_context_table(struct image *image, uint64_t root_table,
				 uint16_t rid, bool upper_half, bool create);
/* A present legacy context entry: multi-level translation of pgtable. */
void image_vtd_legacy_context(struct image *image, uint64_t entry,
			      uint64_t pgtable, unsigned int levels,
			      uint32_t domain_id);

/*
 * Mark a page of the given order preserved in a KHO radix tree rooted at
 * root (a zeroed page), allocating the tree's nodes from the image.
 */
void image_kho_mark(struct image *image, uint64_t root, uint64_t pa,
		    unsigned int order);

/* KHO's view of an image: the radix tree's root and the FDT naming it. */
struct image_kho {
	uint64_t root;
	void *fdt;		/* malloc'ed */
	size_t fdt_len;
};

/*
 * Build KHO's radix tree over every page preserved so far (the tree's own
 * pages are not listed, as in the kernel) and the FDT that points at it.
 */
int image_kho_seal(struct image *image, struct image_kho *kho);

#endif
