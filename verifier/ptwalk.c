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
#include <sys/mman.h>

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

/*
 * The table pages reached so far, as a hash set of 256 KiB regions, each
 * with a bit per page. Table pages tend to be allocated side by side, so
 * most additions land in the region the previous one did: one probe of a
 * small table instead of a cache miss per page.
 */
#define REGION_SHIFT		18u
#define REGION_PAGES		64u

struct region {
	uint64_t key;		/* (pa >> REGION_SHIFT) + 1; 0 when unused */
	uint64_t pages;		/* bit n: the region's page n was reached */
};

struct page_set {
	struct region *slots;
	size_t nr_slots;	/* a power of two */
	size_t nr_used;
	struct region *last;	/* where the previous addition went */
};

/* A table entry that points to a table page, in a table being walked. */
struct child {
	uint64_t pa;
	unsigned int index;	/* of the entry in its table */
};

/*
 * Up to BATCH_PAGES of the table pages one table points to, read ahead of
 * walking them: those of its entries up to end. order lists them by
 * address; slot[i] is where entry i's page sits in pages and error, or -1
 * when entry i points to no table. 256 KiB stay in the cache between the
 * read and the walk.
 */
#define BATCH_PAGES		64u

struct child_batch {
	struct child order[BATCH_PAGES];
	int slot[PT_ENTRIES];
	int error[BATCH_PAGES];
	unsigned int end;
	uint8_t *pages;
	unsigned int capacity;	/* pages */
};

struct walker {
	const struct iolu_mem *mem;
	unsigned int format;
	unsigned int levels;
	struct iolu_pt_limits limits;
	struct iolu_pt_walk *walk;
	struct page_set reached;
	size_t extents_cap;
	struct child_batch *batches;	/* one per level but the last */
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

static size_t region_slot(uint64_t key, size_t nr_slots)
{
	key *= 0x9e3779b97f4a7c15ull;
	return (size_t)(key ^ (key >> 29)) & (nr_slots - 1);
}

static struct region *region_find(struct region *slots, size_t nr_slots,
				  uint64_t key)
{
	size_t slot = region_slot(key, nr_slots);

	while (slots[slot].key && slots[slot].key != key)
		slot = (slot + 1) & (nr_slots - 1);
	return &slots[slot];
}

static int page_set_grow(struct page_set *set)
{
	size_t nr_slots = set->nr_slots ? set->nr_slots * 2 : 256;
	struct region *slots = malloc(nr_slots * sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	/*
	 * Not calloc(): fresh pages read before written fault twice (the
	 * zero page, then a copy), which costs more than the walk itself.
	 */
	memset(slots, 0, nr_slots * sizeof(*slots));
	for (i = 0; i < set->nr_slots; i++)
		if (set->slots[i].key)
			*region_find(slots, nr_slots, set->slots[i].key) = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->nr_slots = nr_slots;
	set->last = NULL;
	return 0;
}

/* Returns 1 when pa was added, 0 when it was already there, or -ENOMEM. */
static int page_set_add(struct page_set *set, uint64_t pa)
{
	uint64_t key = (pa >> REGION_SHIFT) + 1;
	uint64_t bit = BIT64((pa >> PT_PAGE_SHIFT) % REGION_PAGES);
	struct region *region = set->last;
	int err;

	if (!region || region->key != key) {
		if ((set->nr_used + 1) * 2 > set->nr_slots) {
			err = page_set_grow(set);
			if (err)
				return err;
		}
		region = region_find(set->slots, set->nr_slots, key);
		if (!region->key) {
			region->key = key;
			set->nr_used++;
		}
		set->last = region;
	}
	if (region->pages & bit)
		return 0;
	region->pages |= bit;
	return 1;
}

static int compare_region(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/*
 * Every page of the set, in address order, into pages (room for all of
 * them). Sorting the regions is cheaper than sorting the pages. The set
 * is left unusable.
 */
static size_t page_set_list(struct page_set *set, uint64_t *pages)
{
	size_t nr_regions = 0, nr = 0, i;

	for (i = 0; i < set->nr_slots; i++)
		if (set->slots[i].key)
			set->slots[nr_regions++] = set->slots[i];
	qsort(set->slots, nr_regions, sizeof(*set->slots), compare_region);
	for (i = 0; i < nr_regions; i++) {
		uint64_t base = (set->slots[i].key - 1) << REGION_SHIFT;
		uint64_t bits = set->slots[i].pages;

		while (bits) {
			unsigned int page = (unsigned int)__builtin_ctzll(bits);

			pages[nr++] = base + ((uint64_t)page << PT_PAGE_SHIFT);
			bits &= bits - 1;
		}
	}
	return nr;
}

static int compare_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	if (x->pa != y->pa)
		return (x->pa > y->pa) - (x->pa < y->pa);
	return (x->index > y->index) - (x->index < y->index);
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

/*
 * A large walk writes tens of MiB of extents into fresh memory, and a
 * fault per 4 KiB page cost more than the walk itself: past 2 MiB the
 * extents live in a mapping of their own that asks for huge pages
 * (transparent huge pages in "madvise" mode, as Debian ships them) and
 * grows with mremap, never copied. The advice is only advice: where the
 * kernel ignores it, the walk is the same, slower.
 */
#define EXTENTS_MAPPED_FROM	(2u << 20)

static void *grow_mapping(struct iolu_pt_walk *walk, size_t bytes)
{
	size_t len = (bytes + EXTENTS_MAPPED_FROM - 1) & ~(size_t)(EXTENTS_MAPPED_FROM - 1);
	void *mapping;

	if (walk->extents_mapped) {
		mapping = mremap(walk->extents, walk->extents_mapped, len, MREMAP_MAYMOVE);
	} else {
		mapping = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mapping != MAP_FAILED) {
			memcpy(mapping, walk->extents, walk->nr_extents * sizeof(*walk->extents));
			free(walk->extents);
		}
	}
	if (mapping == MAP_FAILED)
		return NULL;
	madvise(mapping, len, MADV_HUGEPAGE);
	walk->extents_mapped = len;
	return mapping;
}

static void free_extents(struct iolu_pt_walk *walk)
{
	if (walk->extents_mapped)
		munmap(walk->extents, walk->extents_mapped);
	else
		free(walk->extents);
	walk->extents = NULL;
	walk->extents_mapped = 0;
}

static struct iolu_extent *grow_extents(struct iolu_pt_walk *walk, size_t cap)
{
	size_t bytes = cap * sizeof(*walk->extents);

	if (bytes >= EXTENTS_MAPPED_FROM)
		return grow_mapping(walk, bytes);
	return realloc(walk->extents, bytes);
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

		extents = grow_extents(walk, cap);
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
	walk->nr_table_pages++;
	return 0;
}

/*
 * Entries from..end-1 that continue the run entries[from - 1] starts:
 * each the one before it plus step, so with the same flags, permissions
 * and reserved bits. This is where a walk of a large mapping spends its
 * time, so eight entries are compared at once, with vector instructions
 * where the CPU has them (GCC's vector extension, built for AVX2 and
 * AVX-512 beside the baseline, chosen at load time).
 */
typedef uint64_t u64x8 __attribute__((vector_size(64)));

__attribute__((target_clones("avx512f", "avx2", "default")))
static unsigned int run_end(const uint64_t *entries, unsigned int from,
			    unsigned int end, uint64_t step)
{
	uint64_t next = le64toh(entries[from - 1]) + step;
	u64x8 expect, advance;
	unsigned int i = from, k;

	for (k = 0; k < 8; k++) {
		expect[k] = next + k * step;
		advance[k] = 8 * step;
	}
	/* The vectors hold the entries as stored: little-endian. */
	for (; __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && i + 8 <= end; i += 8) {
		u64x8 got, differ;
		uint64_t any = 0;

		memcpy(&got, &entries[i], sizeof(got));
		differ = got ^ expect;
		for (k = 0; k < 8; k++)
			any |= differ[k];
		if (any)
			break;
		expect += advance;
	}
	for (next += (uint64_t)(i - from) * step; i < end; i++, next += step)
		if (le64toh(entries[i]) != next)
			break;
	return i;
}

/*
 * How many entries after entries[i] (a leaf just added at level) may be
 * taken as its continuation without looking at each: not past the table,
 * not past the last page address (the sum would carry into the flags),
 * and not across the sign bit of a first-stage top-level table.
 */
static unsigned int run_limit(const struct walker *walker, uint64_t entry,
			      unsigned int level, bool leaf, unsigned int i)
{
	uint64_t size = BIT64(level_shift(level));
	uint64_t addr = entry_address(entry, level, leaf);
	uint64_t room = (PTE_ADDR_MASK - addr) / size;
	unsigned int end = PT_ENTRIES;

	if (walker->format == IOLU_PT_VTD_FIRST_STAGE && level == walker->levels)
		end = i + 1;
	if (room < end - i - 1)
		end = i + 1 + (unsigned int)room;
	return end;
}

/* Extend the extent entries[i] was just added to by n more pages. */
static void extend_run(struct walker *walker, unsigned int level, uint64_t n)
{
	struct iolu_pt_walk *walk = walker->walk;
	uint64_t bytes = n << level_shift(level);

	walk->mapped_bytes += bytes;
	walk->extents[walk->nr_extents - 1].size += bytes;
}

static int walk_table(struct walker *walker, uint64_t table_pa, const uint64_t *entries,
		      unsigned int level, uint64_t iova_base, uint32_t perm_above);

static bool entry_is_leaf(uint64_t entry, unsigned int level)
{
	return level == 1 || (level <= 3 && (entry & PTE_PS));
}

/*
 * Read the tables the entries of one table point to, in physical address
 * order and one read for each run of adjacent pages, so that a source
 * backed by a file sees few large reads instead of one per page. A run
 * that cannot be read whole is read page by page, and a page that cannot
 * be read keeps its error, reported when the walk gets to it: the walk
 * order, its checks and its errors are those of reading one page at a time.
 */
static int read_children(struct walker *walker, const uint64_t *entries,
			 unsigned int level, unsigned int from,
			 struct child_batch *batch)
{
	unsigned int nr = 0, k, run;

	for (k = from; k < PT_ENTRIES && nr < BATCH_PAGES; k++) {
		uint64_t entry = le64toh(entries[k]);

		batch->slot[k] = -1;
		if (!entry_present(walker, entry) || entry_is_leaf(entry, level))
			continue;
		batch->order[nr++] = (struct child){
			.pa = entry_address(entry, level, false), .index = k,
		};
	}
	batch->end = k;
	/* Small tables, as most domains have, need only a page or two. */
	if (nr > batch->capacity) {
		uint8_t *pages = realloc(batch->pages, (size_t)nr * PT_PAGE_SIZE);

		if (!pages)
			return -ENOMEM;
		batch->pages = pages;
		batch->capacity = nr;
	}
	qsort(batch->order, nr, sizeof(*batch->order), compare_child);
	for (k = 0; k < nr; k += run) {
		uint64_t pa = batch->order[k].pa;
		int run_err = -EFAULT;
		unsigned int j;

		for (run = 1; k + run < nr &&
		     batch->order[k + run].pa == pa + (uint64_t)run * PT_PAGE_SIZE; run++)
			;
		if (run > 1)
			run_err = iolu_mem_read(walker->mem, pa,
						batch->pages + (size_t)k * PT_PAGE_SIZE,
						(size_t)run * PT_PAGE_SIZE);
		for (j = k; j < k + run; j++) {
			batch->error[j] = run_err ?
				iolu_mem_read(walker->mem, batch->order[j].pa,
					      batch->pages + (size_t)j * PT_PAGE_SIZE,
					      PT_PAGE_SIZE) : 0;
			batch->slot[batch->order[j].index] = (int)j;
		}
	}
	return 0;
}

static int walk_child(struct walker *walker, const struct child_batch *batch,
		      uint64_t entry, uint64_t entry_pa, unsigned int index,
		      unsigned int level, uint64_t iova, uint32_t perm)
{
	uint64_t addr = entry_address(entry, level, false);
	int slot = batch->slot[index];
	int err;

	err = reach_table(walker, addr, entry_pa, level);
	if (err)
		return err;
	err = batch->error[slot];
	if (err)
		return walk_fail(walker, err, addr, level - 1,
				 "cannot read level %u table page at 0x%" PRIx64 " (%s)",
				 level - 1, addr, strerror(-err));
	return walk_table(walker, addr,
			  (const uint64_t *)(batch->pages + (size_t)slot * PT_PAGE_SIZE),
			  level - 1, iova, perm);
}

static int walk_table(struct walker *walker, uint64_t table_pa, const uint64_t *entries,
		      unsigned int level, uint64_t iova_base, uint32_t perm_above)
{
	struct child_batch *batch = &walker->batches[level - 1];
	unsigned int i;
	int err;

	batch->end = 0;
	for (i = 0; i < PT_ENTRIES; i++) {
		uint64_t entry = le64toh(entries[i]);
		uint64_t entry_pa = table_pa + i * sizeof(entry);
		uint64_t iova = iova_base + ((uint64_t)i << level_shift(level));
		bool leaf = entry_is_leaf(entry, level);
		uint32_t perm = perm_above & entry_perm(walker, entry);
		uint64_t reserved;
		unsigned int end;

		if (!entry_present(walker, entry))
			continue;
		reserved = entry_reserved(walker, entry, level, leaf);
		if (reserved)
			return walk_fail(walker, -EINVAL, entry_pa, level,
					 "level %u entry at 0x%" PRIx64 " = 0x%016" PRIx64
					 ": reserved bits 0x%" PRIx64 " set",
					 level, entry_pa, entry, reserved);
		if (!leaf && i >= batch->end) {
			err = read_children(walker, entries, level, i, batch);
			if (err)
				return walk_fail(walker, err, table_pa, level,
						 "out of memory reading the tables of level %u table 0x%"
						 PRIx64, level, table_pa);
		}
		if (!leaf) {
			err = walk_child(walker, batch, entry, entry_pa, i, level, iova, perm);
			if (err)
				return err;
			continue;
		}
		/* A page nobody may read or write is no DMA target. */
		if (perm) {
			err = add_extent(walker, canonical_iova(walker, iova),
					 entry_address(entry, level, leaf), level, perm,
					 entry_pa);
			if (err)
				return err;
		}
		end = run_end(entries, i + 1, run_limit(walker, entry, level, leaf, i),
			      BIT64(level_shift(level)));
		if (perm && end > i + 1)
			extend_run(walker, level, end - i - 1);
		i = end - 1;
	}
	return 0;
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

static int walk_root(struct walker *walker, uint64_t root_pa)
{
	uint64_t entries[PT_ENTRIES];
	int err;

	err = reach_table(walker, root_pa, root_pa, walker->levels);
	if (err)
		return err;
	err = iolu_mem_read(walker->mem, root_pa, entries, sizeof(entries));
	if (err)
		return walk_fail(walker, err, root_pa, walker->levels,
				 "cannot read level %u table page at 0x%" PRIx64 " (%s)",
				 walker->levels, root_pa, strerror(-err));
	walker->batches = calloc(walker->levels, sizeof(*walker->batches));
	if (!walker->batches)
		return walk_fail(walker, -ENOMEM, root_pa, walker->levels,
				 "out of memory for the walk");
	return walk_table(walker, root_pa, entries, walker->levels, 0,
			  IOLU_PERM_READ | IOLU_PERM_WRITE);
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
	unsigned int i;
	int err;

	memset(walk, 0, sizeof(*walk));
	err = check_arguments(&walker, root_pa);
	if (!err)
		err = walk_root(&walker, root_pa);
	for (i = 0; walker.batches && i < levels; i++)
		free(walker.batches[i].pages);
	free(walker.batches);
	if (walk->nr_table_pages) {
		walk->table_pages = malloc(walk->nr_table_pages * sizeof(*walk->table_pages));
		if (walk->table_pages)
			page_set_list(&walker.reached, walk->table_pages);
		else if (!err)
			err = walk_fail(&walker, -ENOMEM, root_pa, levels,
					"out of memory for %zu table pages",
					walk->nr_table_pages);
		else
			walk->nr_table_pages = 0;
	}
	free(walker.reached.slots);
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
	free_extents(walk);
	free(walk->table_pages);
	walk->extents = NULL;
	walk->table_pages = NULL;
	walk->nr_extents = 0;
	walk->nr_table_pages = 0;
}
