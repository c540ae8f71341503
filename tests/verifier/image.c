// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic physical memory. It writes the structures the way the kernel
 * series, KHO and the VT-d driver lay them out (include/linux/kho/abi/,
 * drivers/iommu/intel/iommu.h), from the facts in verifier/abi.h,
 * khomap.h and vtd.h, with its own code: a test that reads back what the
 * verifier's own code wrote would prove nothing. Each page is allocated
 * on its own, so a page can become a hole and pointers into a page stay
 * valid while the image grows.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "abi.h"
#include "image.h"
#include "khomap.h"
#include "vtd.h"

#define PAGE		IMAGE_PAGE_SIZE
/* Second stage: R|W; first stage: P|RW. Both are bits 0 and 1. */
#define PTE_RW		3ull

struct image {
	uint64_t base;		/* address of the first page */
	uint8_t **pages;	/* index (pa - base) / PAGE */
	/* 0: not a preserved block start; else 1 + the block's order */
	uint8_t *preserved;
	size_t nr_pages;	/* allocated so far */
	size_t capacity;
};

struct image *image_new_at(uint64_t base)
{
	struct image *image = calloc(1, sizeof(struct image));

	if (image)
		image->base = base;
	return image;
}

struct image *image_new(void)
{
	return image_new_at(IMAGE_BASE);
}

void image_free(struct image *image)
{
	if (!image)
		return;
	for (size_t i = 0; i < image->nr_pages; i++)
		free(image->pages[i]);
	free(image->pages);
	free(image->preserved);
	free(image);
}

static long page_slot(const struct image *image, uint64_t pa)
{
	uint64_t slot;

	if (pa < image->base)
		return -1;
	slot = (pa - image->base) / PAGE;
	return slot < image->nr_pages ? (long)slot : -1;
}

void *image_page(struct image *image, uint64_t pa)
{
	long slot = page_slot(image, pa);

	return slot < 0 ? NULL : image->pages[slot];
}

void *image_at(struct image *image, uint64_t pa)
{
	uint8_t *page = image_page(image, pa);

	return page ? page + pa % PAGE : NULL;
}

static int image_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct image *image = ctx;
	uint8_t *out = buf;

	while (len) {
		uint8_t *page = image_page(image, pa);
		size_t in_page = pa % PAGE, chunk = PAGE - in_page;

		if (!page)
			return -EFAULT;
		if (chunk > len)
			chunk = len;
		memcpy(out, page + in_page, chunk);
		out += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

struct iolu_mem image_mem(struct image *image)
{
	return (struct iolu_mem){ .read = image_read, .ctx = image };
}

uint64_t image_alloc(struct image *image)
{
	if (image->nr_pages == image->capacity) {
		size_t capacity = image->capacity ? image->capacity * 2 : 256;

		image->pages = realloc(image->pages,
				       capacity * sizeof(*image->pages));
		image->preserved = realloc(image->preserved,
					   capacity * sizeof(*image->preserved));
		if (!image->pages || !image->preserved)
			abort();
		image->capacity = capacity;
	}
	image->pages[image->nr_pages] = calloc(1, PAGE);
	if (!image->pages[image->nr_pages])
		abort();
	image->preserved[image->nr_pages] = 1;
	return image->base + (uint64_t)image->nr_pages++ * PAGE;
}

void image_write64(struct image *image, uint64_t pa, uint64_t value)
{
	uint8_t *at = image_at(image, pa);

	value = htole64(value);
	if (at)
		memcpy(at, &value, sizeof(value));
}

uint64_t image_read64(struct image *image, uint64_t pa)
{
	uint8_t *at = image_at(image, pa);
	uint64_t value = 0;

	if (at)
		memcpy(&value, at, sizeof(value));
	return le64toh(value);
}

void image_write32(struct image *image, uint64_t pa, uint32_t value)
{
	uint8_t *at = image_at(image, pa);

	value = htole32(value);
	if (at)
		memcpy(at, &value, sizeof(value));
}

void image_drop(struct image *image, uint64_t pa)
{
	long slot = page_slot(image, pa);

	if (slot >= 0) {
		free(image->pages[slot]);
		image->pages[slot] = NULL;
	}
}

void image_unpreserve(struct image *image, uint64_t pa)
{
	long slot = page_slot(image, pa);

	if (slot >= 0)
		image->preserved[slot] = 0;
}

void image_preserve_block(struct image *image, uint64_t pa, unsigned int order)
{
	long slot = page_slot(image, pa);

	if (slot < 0 || pa % ((uint64_t)PAGE << order) ||
	    (size_t)slot + (1u << order) > image->nr_pages)
		abort();
	for (size_t i = 0; i < (1u << order); i++)
		image->preserved[slot + i] = 0;
	image->preserved[slot] = (uint8_t)(1 + order);
}

size_t image_nr_pages(const struct image *image)
{
	return image->nr_pages;
}

uint64_t image_base(const struct image *image)
{
	return image->base;
}

/* ---- kho_block_set chains ---- */

uint64_t image_chain_next(struct image_chain *chain)
{
	uint64_t block;

	if (!chain->block || chain->count == IOLU_ABI_ENTRIES_PER_BLOCK) {
		block = image_alloc(chain->image);
		if (chain->block)
			image_write64(chain->image, chain->block, block);
		else
			chain->first = block;
		chain->block = block;
		chain->count = 0;
	}
	image_write64(chain->image, chain->block + 8, ++chain->count);
	return chain->block + sizeof(struct iolu_abi_block_header) +
	       (chain->count - 1) * IOLU_ABI_ENTRY_SIZE;
}

/* ---- IO page tables and VT-d context entries ---- */

uint64_t image_map_4k(struct image *image, uint64_t root, unsigned int levels,
		      uint64_t iova, uint64_t phys)
{
	uint64_t table = root;

	for (unsigned int level = levels; level > 1; level--) {
		unsigned int index = (iova >> (12 + 9 * (level - 1))) & 511;
		uint64_t entry_pa = table + index * 8;
		uint64_t entry = image_read64(image, entry_pa);

		if (!entry) {
			entry = image_alloc(image) | PTE_RW;
			image_write64(image, entry_pa, entry);
		}
		table = entry & VTD_PAGE_MASK & ((1ull << 52) - 1);
	}
	image_write64(image, table + ((iova >> 12) & 511) * 8, phys | PTE_RW);
	return table;
}

uint64_t image_vtd_context_table(struct image *image, uint64_t root_table,
				 uint16_t rid, bool upper_half, bool create)
{
	uint64_t pointer_pa = root_table + (rid >> 8) * VTD_ROOT_ENTRY_SIZE +
			      (upper_half ? 8 : 0);
	uint64_t pointer = image_read64(image, pointer_pa);

	if (!(pointer & 1) && create) {
		pointer = image_alloc(image) | 1;
		image_write64(image, pointer_pa, pointer);
	}
	return pointer & VTD_PAGE_MASK;
}

void image_vtd_legacy_context(struct image *image, uint64_t entry,
			      uint64_t pgtable, unsigned int levels,
			      uint32_t domain_id)
{
	uint64_t address_width = levels - 2;	/* 2: 48 bits, 4 levels */

	image_write64(image, entry, pgtable | (VTD_TT_MULTI_LEVEL << 2) | 1);
	image_write64(image, entry + 8,
		      address_width | ((uint64_t)domain_id << 8));
}

/* ---- KHO: radix tree and FDT ---- */

void image_kho_mark(struct image *image, uint64_t root, uint64_t pa,
		    unsigned int order)
{
	uint64_t key = kho_key_encode(pa, order), node = root;
	uint8_t *leaf;

	for (unsigned int level = KHO_TREE_MAX_DEPTH - 1; level > 0; level--) {
		uint64_t entry_pa = node + kho_table_index(key, level) * 8;
		uint64_t child = image_read64(image, entry_pa);

		if (!child) {
			child = image_alloc(image);
			/* The kernel does not list the tree's own pages. */
			image_unpreserve(image, child);
			image_write64(image, entry_pa, child);
		}
		node = child;
	}
	leaf = image_page(image, node);
	key &= (1u << KHO_BITMAP_SIZE_LOG2) - 1;
	leaf[key / 8] |= 1u << (key % 8);
}

static int build_kho_fdt(struct image_kho *kho)
{
	uint64_t root = kho->root;
	void *fdt = calloc(1, PAGE);
	int err;

	if (!fdt)
		return -ENOMEM;
	err = fdt_create(fdt, PAGE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", KHO_FDT_COMPATIBLE);
	/* KHO stores the address in CPU byte order, not as FDT cells. */
	err = err ?: fdt_property(fdt, KHO_FDT_MEMORY_MAP_PROP, &root, sizeof(root));
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		free(fdt);
		return -EINVAL;
	}
	kho->fdt = fdt;
	kho->fdt_len = fdt_totalsize(fdt);
	return 0;
}

int image_kho_seal(struct image *image, struct image_kho *kho)
{
	size_t nr_pages = image->nr_pages;

	kho->root = image_alloc(image);
	image_unpreserve(image, kho->root);
	/* Only the pages that existed before the tree was built. */
	for (size_t i = 0; i < nr_pages; i++)
		if (image->preserved[i])
			image_kho_mark(image, kho->root,
				       image->base + (uint64_t)i * PAGE,
				       image->preserved[i] - 1u);
	return build_kho_fdt(kho);
}
