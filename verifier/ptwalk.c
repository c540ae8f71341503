// SPDX-License-Identifier: GPL-2.0
/*
 * Walk VT-d IO page tables (second-stage and first-stage formats) into
 * sorted IOVA->physical extents, collecting every table page on the way.
 *
 * The input is untrusted serialized memory, so every entry is checked
 * against the bits the format reserves, every table page may be reached
 * only once (which also rules out cycles), and the number of table pages
 * and extents is capped: the walk is bounded whatever the tables hold.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iolu_verifier.h"
#include "ptwalk_internal.h"

#define PT_PAGE_SIZE		4096u
#define PT_ENTRIES		512u
#define PT_LEVEL_BITS		9u
#define PT_PAGE_SHIFT		12u

#define BIT64(n)		(1ull << (n))
/* Bits hi..lo inclusive. */
#define MASK64(hi, lo)		((~0ull >> (63 - (hi))) & ~(BIT64(lo) - 1))

/* Bits shared by both formats. */
#define PTE_READ		BIT64(0)	/* second stage: R */
#define PTE_PRESENT		BIT64(0)	/* first stage: P */
#define PTE_WRITE		BIT64(1)
#define PTE_PS			BIT64(7)
#define PTE_FS_PAT_LARGE	BIT64(12)	/* first-stage superpage PAT */
#define PTE_ADDR_MASK		MASK64(51, 12)

/* A bounded, growable set of table page addresses. */
struct page_set {
	uint64_t *slots;	/* pa | 1 when used: table pages are aligned */
	size_t nr_slots;	/* a power of two */
	size_t nr_used;
};

struct walker {
	const struct iolu_mem *mem;
	unsigned int format;
	unsigned int levels;
	struct iolu_pt_limits limits;
	struct iolu_pt_walk *walk;
	struct page_set reached;
	size_t extents_cap;
	size_t table_pages_cap;
};

static size_t level_shift(unsigned int level)
{
	return PT_PAGE_SHIFT + PT_LEVEL_BITS * (level - 1);
}

static int walk_fail(struct walker *walker, int err, uint64_t pa,
		     unsigned int level, const char *fmt, ...)
{
	struct iolu_pt_walk *walk = walker->walk;
	va_list args;

	walk->error_pa = pa;
	walk->error_level = (int)level;
	va_start(args, fmt);
	vsnprintf(walk->error, sizeof(walk->error), fmt, args);
	va_end(args);
	return err;
}

static uint64_t hash_pa(uint64_t pa)
{
	/* Table pages are often consecutive: spread them over the slots. */
	pa >>= PT_PAGE_SHIFT;
	pa *= 0x9e3779b97f4a7c15ull;
	return pa ^ (pa >> 29);
}

static int page_set_grow(struct page_set *set)
{
	size_t nr_slots = set->nr_slots ? set->nr_slots * 2 : 1024;
	uint64_t *slots = calloc(nr_slots, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < set->nr_slots; i++) {
		uint64_t key = set->slots[i];
		size_t slot;

		if (!key)
			continue;
		slot = hash_pa(key) & (nr_slots - 1);
		while (slots[slot])
			slot = (slot + 1) & (nr_slots - 1);
		slots[slot] = key;
	}
	free(set->slots);
	set->slots = slots;
	set->nr_slots = nr_slots;
	return 0;
}

/* Returns 1 when pa was added, 0 when it was already there, or -ENOMEM. */
static int page_set_add(struct page_set *set, uint64_t pa)
{
	uint64_t key = pa | 1;
	size_t slot;
	int err;

	if ((set->nr_used + 1) * 2 > set->nr_slots) {
		err = page_set_grow(set);
		if (err)
			return err;
	}
	slot = hash_pa(key) & (set->nr_slots - 1);
	while (set->slots[slot]) {
		if (set->slots[slot] == key)
			return 0;
		slot = (slot + 1) & (set->nr_slots - 1);
	}
	set->slots[slot] = key;
	set->nr_used++;
	return 1;
}

static bool entry_present(const struct walker *walker, uint64_t entry)
{
	if (walker->format == IOLU_PT_VTD_SECOND_STAGE)
		return entry & (PTE_READ | PTE_WRITE);
	return entry & PTE_PRESENT;
}

/*
 * First stage: present means readable; the W bit grants writes. U/S is
 * not taken into account: Linux sets it on every entry, and a supervisor
 * request (with PASID) may use a page without it, so counting such pages
 * as mapped over-approximates what DMA can reach, which is the safe side
 * for the preserved-memory checks.
 */
static uint32_t entry_perm(const struct walker *walker, uint64_t entry)
{
	uint32_t perm = 0;

	if (walker->format == IOLU_PT_VTD_SECOND_STAGE) {
		if (entry & PTE_READ)
			perm |= IOLU_PERM_READ;
	} else {
		perm |= IOLU_PERM_READ;
	}
	if (entry & PTE_WRITE)
		perm |= IOLU_PERM_WRITE;
	return perm;
}

/*
 * Bits an entry must have clear, given its level and whether it maps a
 * page. Bits 51:HAW are reserved too, but the walk does not know the
 * unit's address width; those land in the extents and are checked there.
 */
static uint64_t entry_reserved(const struct walker *walker, uint64_t entry,
			       unsigned int level, bool leaf)
{
	uint64_t reserved = 0;

	if (level >= 4)
		reserved |= PTE_PS;	/* no 512 GiB or 256 TiB pages */
	if (leaf && level > 1) {
		reserved |= MASK64(level_shift(level) - 1, PT_PAGE_SHIFT);
		if (walker->format == IOLU_PT_VTD_FIRST_STAGE)
			reserved &= ~PTE_FS_PAT_LARGE;
	}
	return entry & reserved;
}

static uint64_t entry_address(uint64_t entry, unsigned int level, bool leaf)
{
	if (leaf && level > 1)
		return entry & PTE_ADDR_MASK & ~(BIT64(level_shift(level)) - 1);
	return entry & PTE_ADDR_MASK;
}

/* First-stage IOVAs are canonical: the top input bit is sign-extended. */
static uint64_t canonical_iova(const struct walker *walker, uint64_t iova)
{
	unsigned int top = level_shift(walker->levels) + PT_LEVEL_BITS - 1;

	if (walker->format == IOLU_PT_VTD_FIRST_STAGE && (iova & BIT64(top)))
		iova |= ~(BIT64(top) - 1);
	return iova;
}

static int add_extent(struct walker *walker, uint64_t iova, uint64_t phys,
		      unsigned int level, uint32_t perm, uint64_t entry_pa)
{
	struct iolu_pt_walk *walk = walker->walk;
	uint32_t page_shift = (uint32_t)level_shift(level);
	uint64_t size = BIT64(page_shift);
	struct iolu_extent *last;

	walk->mapped_bytes += size;
	if (walk->nr_extents) {
		last = &walk->extents[walk->nr_extents - 1];
		if (last->iova + last->size == iova &&
		    last->phys + last->size == phys && last->perm == perm) {
			last->size += size;
			if (last->page_shift != page_shift)
				last->page_shift = 0;
			return 0;
		}
	}
	if (walk->nr_extents == walker->limits.max_extents)
		return walk_fail(walker, -E2BIG, entry_pa, level,
				 "more than %zu extents (level %u entry at 0x%" PRIx64 ")",
				 walker->limits.max_extents, level, entry_pa);
	if (walk->nr_extents == walker->extents_cap) {
		size_t cap = walker->extents_cap ? walker->extents_cap * 2 : 64;
		struct iolu_extent *extents;

		extents = realloc(walk->extents, cap * sizeof(*extents));
		if (!extents)
			return walk_fail(walker, -ENOMEM, entry_pa, level,
					 "out of memory for %zu extents", cap);
		walk->extents = extents;
		walker->extents_cap = cap;
	}
	walk->extents[walk->nr_extents++] = (struct iolu_extent){
		.iova = iova, .phys = phys, .size = size, .perm = perm,
		.page_shift = page_shift,
	};
	return 0;
}

/*
 * Record a table page. entry_pa and level name the entry that points at
 * it; for the root table, its own address and level.
 */
static int reach_table(struct walker *walker, uint64_t table_pa,
		       uint64_t entry_pa, unsigned int level)
{
	struct iolu_pt_walk *walk = walker->walk;
	int added;

	if (walk->nr_table_pages == walker->limits.max_table_pages)
		return walk_fail(walker, -E2BIG, entry_pa, level,
				 "more than %zu table pages (level %u entry at 0x%" PRIx64 ")",
				 walker->limits.max_table_pages, level, entry_pa);
	added = page_set_add(&walker->reached, table_pa);
	if (added < 0)
		return walk_fail(walker, added, entry_pa, level,
				 "out of memory tracking table pages");
	if (!added)
		return walk_fail(walker, -ELOOP, entry_pa, level,
				 "level %u entry at 0x%" PRIx64 " points to table page 0x%" PRIx64
				 " already reached", level, entry_pa, table_pa);
	if (walk->nr_table_pages == walker->table_pages_cap) {
		size_t cap = walker->table_pages_cap ? walker->table_pages_cap * 2 : 64;
		uint64_t *pages = realloc(walk->table_pages, cap * sizeof(*pages));

		if (!pages)
			return walk_fail(walker, -ENOMEM, entry_pa, level,
					 "out of memory for %zu table pages", cap);
		walk->table_pages = pages;
		walker->table_pages_cap = cap;
	}
	walk->table_pages[walk->nr_table_pages++] = table_pa;
	return 0;
}

static int walk_table(struct walker *walker, uint64_t table_pa,
		      unsigned int level, uint64_t iova_base, uint32_t perm_above);

static int walk_entry(struct walker *walker, uint64_t entry, uint64_t entry_pa,
		      unsigned int level, uint64_t iova, uint32_t perm_above)
{
	bool leaf = level == 1 || (level <= 3 && (entry & PTE_PS));
	uint32_t perm = perm_above & entry_perm(walker, entry);
	uint64_t reserved = entry_reserved(walker, entry, level, leaf);
	uint64_t addr;
	int err;

	if (reserved)
		return walk_fail(walker, -EINVAL, entry_pa, level,
				 "level %u entry at 0x%" PRIx64 " = 0x%016" PRIx64
				 ": reserved bits 0x%" PRIx64 " set",
				 level, entry_pa, entry, reserved);
	addr = entry_address(entry, level, leaf);
	if (leaf)
		/* A page nobody may read or write is no DMA target. */
		return perm ? add_extent(walker, canonical_iova(walker, iova),
					 addr, level, perm, entry_pa) : 0;
	err = reach_table(walker, addr, entry_pa, level);
	if (err)
		return err;
	return walk_table(walker, addr, level - 1, iova, perm);
}

static int walk_table(struct walker *walker, uint64_t table_pa,
		      unsigned int level, uint64_t iova_base, uint32_t perm_above)
{
	uint64_t entries[PT_ENTRIES];
	unsigned int i;
	int err;

	err = iolu_mem_read(walker->mem, table_pa, entries, sizeof(entries));
	if (err)
		return walk_fail(walker, err, table_pa, level,
				 "cannot read level %u table page at 0x%" PRIx64 " (%s)",
				 level, table_pa, strerror(-err));
	for (i = 0; i < PT_ENTRIES; i++) {
		uint64_t entry = le64toh(entries[i]);
		uint64_t entry_pa = table_pa + i * sizeof(entry);
		uint64_t iova = iova_base + ((uint64_t)i << level_shift(level));

		if (!entry_present(walker, entry))
			continue;
		err = walk_entry(walker, entry, entry_pa, level, iova, perm_above);
		if (err)
			return err;
	}
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int check_arguments(struct walker *walker, uint64_t root_pa)
{
	unsigned int levels = walker->levels;

	switch (walker->format) {
	case IOLU_PT_VTD_SECOND_STAGE:
		if (levels < 3 || levels > 5)
			return walk_fail(walker, -EINVAL, root_pa, levels,
					 "second-stage tables have 3 to 5 levels, not %u", levels);
		break;
	case IOLU_PT_VTD_FIRST_STAGE:
		if (levels != 4 && levels != 5)
			return walk_fail(walker, -EINVAL, root_pa, levels,
					 "first-stage tables have 4 or 5 levels, not %u", levels);
		break;
	default:
		return walk_fail(walker, -EINVAL, root_pa, levels,
				 "unknown page table format %u", walker->format);
	}
	if (root_pa & (PT_PAGE_SIZE - 1) || root_pa & ~PTE_ADDR_MASK)
		return walk_fail(walker, -EINVAL, root_pa, levels,
				 "root table address 0x%" PRIx64 " is not a page address",
				 root_pa);
	return 0;
}

int iolu_pt_walk_limited(const struct iolu_mem *mem, uint64_t root_pa,
			 unsigned int format, unsigned int levels,
			 const struct iolu_pt_limits *limits,
			 struct iolu_pt_walk *walk)
{
	struct walker walker = {
		.mem = mem, .format = format, .levels = levels,
		.limits = *limits, .walk = walk,
	};
	int err;

	memset(walk, 0, sizeof(*walk));
	err = check_arguments(&walker, root_pa);
	if (!err)
		err = reach_table(&walker, root_pa, root_pa, levels);
	if (!err)
		err = walk_table(&walker, root_pa, levels, 0,
				 IOLU_PERM_READ | IOLU_PERM_WRITE);
	free(walker.reached.slots);
	if (walk->nr_table_pages)
		qsort(walk->table_pages, walk->nr_table_pages,
		      sizeof(*walk->table_pages), compare_u64);
	return err;
}

int iolu_pt_walk(const struct iolu_mem *mem, uint64_t root_pa,
		 unsigned int format, unsigned int levels,
		 struct iolu_pt_walk *walk)
{
	static const struct iolu_pt_limits defaults = {
		.max_table_pages = IOLU_PT_DEFAULT_MAX_TABLE_PAGES,
		.max_extents = IOLU_PT_DEFAULT_MAX_EXTENTS,
	};

	return iolu_pt_walk_limited(mem, root_pa, format, levels, &defaults, walk);
}

void iolu_pt_walk_free(struct iolu_pt_walk *walk)
{
	free(walk->extents);
	free(walk->table_pages);
	walk->extents = NULL;
	walk->table_pages = NULL;
	walk->nr_extents = 0;
	walk->nr_table_pages = 0;
}
