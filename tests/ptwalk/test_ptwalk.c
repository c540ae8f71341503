// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the IO page table walk: hand-built VT-d second-stage and
 * first-stage tables in a small sparse physical memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iolu_verifier.h"
#include "ptwalk_internal.h"

#define PAGE		4096ull
#define SZ_2M		(1ull << 21)
#define SZ_1G		(1ull << 30)
#define MAX_PAGES	40

#define R		(1ull << 0)	/* second stage R; first stage P */
#define W		(1ull << 1)
#define PS		(1ull << 7)
#define XD		(1ull << 63)

#define SS		IOLU_PT_VTD_SECOND_STAGE
#define FS		IOLU_PT_VTD_FIRST_STAGE
#define RW		(IOLU_PERM_READ | IOLU_PERM_WRITE)

/* Physical memory made of a few table pages; everything else unbacked. */
struct table_mem {
	uint64_t pa[MAX_PAGES];
	uint64_t entries[MAX_PAGES][512];
	unsigned int nr_pages;
};

static struct table_mem mem_pages;

static int table_mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct table_mem *tables = ctx;
	unsigned int i;

	for (i = 0; i < tables->nr_pages; i++) {
		if (pa >= tables->pa[i] && pa - tables->pa[i] + len <= PAGE) {
			memcpy(buf, (char *)tables->entries[i] + (pa - tables->pa[i]), len);
			return 0;
		}
	}
	return -EFAULT;
}

static const struct iolu_mem mem = { .read = table_mem_read, .ctx = &mem_pages };

/*
 * The same memory, but a read may span adjacent pages, as a snapshot or a
 * kcore read can; reads are counted.
 */
static unsigned int nr_reads;

static int table_mem_read_span(void *ctx, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;

	nr_reads++;
	while (len) {
		size_t chunk = PAGE - (pa & (PAGE - 1));
		int err;

		if (chunk > len)
			chunk = len;
		err = table_mem_read(ctx, pa, out, chunk);
		if (err)
			return err;
		pa += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}

static const struct iolu_mem span_mem = { .read = table_mem_read_span, .ctx = &mem_pages };

static int reset(void **state)
{
	(void)state;
	memset(&mem_pages, 0, sizeof(mem_pages));
	return 0;
}

/* A zeroed table page at pa; returns its entries. */
static uint64_t *table(uint64_t pa)
{
	unsigned int i;

	for (i = 0; i < mem_pages.nr_pages; i++)
		if (mem_pages.pa[i] == pa)
			return mem_pages.entries[i];
	assert_true(mem_pages.nr_pages < MAX_PAGES);
	mem_pages.pa[mem_pages.nr_pages] = pa;
	return mem_pages.entries[mem_pages.nr_pages++];
}

static unsigned int index_at(uint64_t iova, unsigned int level)
{
	return (iova >> (12 + 9 * (level - 1))) & 511;
}

/*
 * Map one page of 4 KiB, 2 MiB or 1 GiB (leaf_level 1, 2, 3) at iova,
 * creating table pages from next_table on; non-leaf entries get
 * table_bits, the leaf leaf_bits.
 */
static uint64_t next_table;

static void map(uint64_t root, unsigned int levels, uint64_t iova, uint64_t phys,
		unsigned int leaf_level, uint64_t table_bits, uint64_t leaf_bits)
{
	uint64_t *entries = table(root);
	unsigned int level;

	for (level = levels; level > leaf_level; level--) {
		uint64_t *entry = &entries[index_at(iova, level)];

		if (!*entry) {
			*entry = next_table | table_bits;
			next_table += PAGE;
		}
		entries = table(*entry & 0x000ffffffffff000ull);
	}
	entries[index_at(iova, leaf_level)] = phys | leaf_bits |
					       (leaf_level > 1 ? PS : 0);
}

static uint64_t entry_pa(uint64_t table_pa, unsigned int index)
{
	return table_pa + 8ull * index;
}

static void assert_extent(const struct iolu_extent *extent, uint64_t iova,
			  uint64_t phys, uint64_t size, uint32_t perm,
			  uint32_t page_shift)
{
	assert_int_equal(extent->iova, iova);
	assert_int_equal(extent->phys, phys);
	assert_int_equal(extent->size, size);
	assert_int_equal(extent->perm, perm);
	assert_int_equal(extent->page_shift, page_shift);
}

#define ROOT	0x100000ull

static void start_tables(void)
{
	next_table = 0x200000;
	table(ROOT);
}

static void test_second_stage_4k_each_level_count(void **state)
{
	unsigned int levels;

	for (levels = 3; levels <= 5; levels++) {
		/* The highest IOVA the table covers, to exercise the top index. */
		uint64_t top = (1ull << (12 + 9 * levels)) - PAGE;
		struct iolu_pt_walk walk;
		unsigned int i;

		reset(state);
		start_tables();
		map(ROOT, levels, 0x1000, 0x40000000, 1, R | W, R | W);
		map(ROOT, levels, top, 0x50000000, 1, R | W, R);
		assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, levels, &walk), 0);
		assert_int_equal(walk.nr_extents, 2);
		assert_extent(&walk.extents[0], 0x1000, 0x40000000, PAGE, RW, 12);
		assert_extent(&walk.extents[1], top, 0x50000000, PAGE,
			      IOLU_PERM_READ, 12);
		assert_int_equal(walk.mapped_bytes, 2 * PAGE);
		/* The root, then two separate paths of levels - 1 tables. */
		assert_int_equal(walk.nr_table_pages, 1 + 2 * (levels - 1));
		for (i = 1; i < walk.nr_table_pages; i++)
			assert_true(walk.table_pages[i - 1] < walk.table_pages[i]);
		assert_int_equal(walk.table_pages[0], ROOT);
		iolu_pt_walk_free(&walk);
	}
}

static void test_second_stage_superpages(void **state)
{
	struct iolu_pt_walk walk;

	(void)state;
	start_tables();
	map(ROOT, 4, 0x200000, 0x80000000, 2, R | W, R | W);
	map(ROOT, 4, SZ_1G, 0x1c0000000, 3, R | W, W);
	assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	assert_extent(&walk.extents[0], 0x200000, 0x80000000, SZ_2M, RW, 21);
	assert_extent(&walk.extents[1], SZ_1G, 0x1c0000000, SZ_1G,
		      IOLU_PERM_WRITE, 30);
	assert_int_equal(walk.mapped_bytes, SZ_2M + SZ_1G);
	assert_int_equal(walk.nr_table_pages, 3);	/* root, L3, L2 */
	iolu_pt_walk_free(&walk);
}

static void test_merge_rules(void **state)
{
	struct iolu_pt_walk walk;
	uint64_t iova;

	(void)state;
	start_tables();
	/* 0..8K contiguous RW: one run */
	map(ROOT, 4, 0x0000, 0x10000000, 1, R | W, R | W);
	map(ROOT, 4, 0x1000, 0x10001000, 1, R | W, R | W);
	/* then read-only, still contiguous: a new run */
	map(ROOT, 4, 0x2000, 0x10002000, 1, R | W, R);
	/* then RW but physically elsewhere: a new run */
	map(ROOT, 4, 0x3000, 0x20000000, 1, R | W, R | W);
	/* 4 KiB pages up to 2 MiB, then a 2 MiB page, all contiguous: one run */
	for (iova = SZ_2M * 2 - 2 * PAGE; iova < SZ_2M * 2; iova += PAGE)
		map(ROOT, 4, iova, 0x30000000 + iova, 1, R | W, R | W);
	map(ROOT, 4, SZ_2M * 2, 0x30000000 + SZ_2M * 2, 2, R | W, R | W);
	assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 4);
	assert_extent(&walk.extents[0], 0, 0x10000000, 2 * PAGE, RW, 12);
	assert_extent(&walk.extents[1], 0x2000, 0x10002000, PAGE, IOLU_PERM_READ, 12);
	assert_extent(&walk.extents[2], 0x3000, 0x20000000, PAGE, RW, 12);
	assert_extent(&walk.extents[3], SZ_2M * 2 - 2 * PAGE,
		      0x30000000 + SZ_2M * 2 - 2 * PAGE, 2 * PAGE + SZ_2M, RW, 0);
	iolu_pt_walk_free(&walk);
}

/* Permissions are the AND over the path; nothing-allowed maps nothing. */
static void test_second_stage_permissions_and_absent(void **state)
{
	struct iolu_pt_walk walk;
	uint64_t *root;

	(void)state;
	start_tables();
	map(ROOT, 4, 0x0, 0x10000000, 1, R, R | W);	/* read-only path */
	map(ROOT, 4, 1ull << 39, 0x20000000, 1, W, R);	/* W path, R leaf */
	root = table(ROOT);
	/* Not present (R = W = 0): other bits are ignored, even reserved ones. */
	root[5] = 0xfff0000000000080ull;
	assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 1);
	assert_extent(&walk.extents[0], 0, 0x10000000, PAGE, IOLU_PERM_READ, 12);
	assert_int_equal(walk.mapped_bytes, PAGE);
	assert_int_equal(walk.nr_table_pages, 7);
	iolu_pt_walk_free(&walk);
}

static void test_first_stage_levels_and_canonical(void **state)
{
	struct iolu_pt_walk walk;

	/* 4 levels: index 256 of the root is the upper half. */
	reset(state);
	start_tables();
	map(ROOT, 4, 0x5000, 0x60000000, 1, R | W, R | XD);
	map(ROOT, 4, 1ull << 47, 0x70000000, 1, R | W, R | W);
	assert_int_equal(iolu_pt_walk(&mem, ROOT, FS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	assert_extent(&walk.extents[0], 0x5000, 0x60000000, PAGE, IOLU_PERM_READ, 12);
	assert_extent(&walk.extents[1], 0xffff800000000000ull, 0x70000000, PAGE, RW, 12);
	iolu_pt_walk_free(&walk);

	/* 5 levels: the same IOVA is in the lower half; bit 56 is the sign. */
	reset(state);
	start_tables();
	map(ROOT, 5, 1ull << 47, 0x70000000, 1, R | W, R | W);
	map(ROOT, 5, 1ull << 56, 0x80000000, 1, R, R | W);
	assert_int_equal(iolu_pt_walk(&mem, ROOT, FS, 5, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	assert_extent(&walk.extents[0], 1ull << 47, 0x70000000, PAGE, RW, 12);
	assert_extent(&walk.extents[1], 0xff00000000000000ull, 0x80000000, PAGE,
		      IOLU_PERM_READ, 12);
	assert_int_equal(walk.nr_table_pages, 9);
	iolu_pt_walk_free(&walk);
}

static void test_first_stage_superpages_pat(void **state)
{
	struct iolu_pt_walk walk;
	const uint64_t pat = 1ull << 12;

	(void)state;
	start_tables();
	map(ROOT, 4, SZ_2M, 0x40000000 | pat, 2, R | W, R | W);
	map(ROOT, 4, SZ_1G, 0x80000000 | pat, 3, R | W, R | W | XD);
	assert_int_equal(iolu_pt_walk(&mem, ROOT, FS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	assert_extent(&walk.extents[0], SZ_2M, 0x40000000, SZ_2M, RW, 21);
	assert_extent(&walk.extents[1], SZ_1G, 0x80000000, SZ_1G, RW, 30);
	iolu_pt_walk_free(&walk);
}

static void expect_error(uint64_t root, unsigned int format, unsigned int levels,
			 int err, uint64_t error_pa, int error_level,
			 const char *words)
{
	struct iolu_pt_walk walk;

	assert_int_equal(iolu_pt_walk(&mem, root, format, levels, &walk), err);
	assert_int_equal(walk.error_pa, error_pa);
	assert_int_equal(walk.error_level, error_level);
	assert_non_null(strstr(walk.error, words));
	iolu_pt_walk_free(&walk);
}

static void test_ps_reserved_at_level_4_and_5(void **state)
{
	unsigned int format;

	for (format = SS; format <= FS; format++) {
		reset(state);
		start_tables();
		table(ROOT)[3] = 0x40000000 | R | W | PS;
		expect_error(ROOT, format, 4, -EINVAL, entry_pa(ROOT, 3), 4,
			     "reserved bits 0x80");
		expect_error(ROOT, format, 5, -EINVAL, entry_pa(ROOT, 3), 5,
			     "reserved bits 0x80");
	}
}

static void test_superpage_low_bits_reserved(void **state)
{
	uint64_t l2;

	(void)state;
	start_tables();
	map(ROOT, 4, 0, 0x40000000 | (1ull << 12), 2, R | W, R | W);
	l2 = 0x201000;	/* the second table made: L3 at 0x200000, L2 next */
	expect_error(ROOT, SS, 4, -EINVAL, entry_pa(l2, 0), 2, "reserved bits 0x1000");
	/* First stage allows PAT in bit 12 but not bit 13. */
	table(l2)[0] = 0x40000000 | (1ull << 13) | R | W | PS;
	expect_error(ROOT, FS, 4, -EINVAL, entry_pa(l2, 0), 2, "reserved bits 0x2000");
	/* 1 GiB: bit 29 is below the page address. */
	table(l2)[0] = 0x40000000 | R | W | PS;
	table(0x200000)[1] = 0x80000000 | (1ull << 29) | R | W | PS;
	expect_error(ROOT, SS, 4, -EINVAL, entry_pa(0x200000, 1), 3,
		     "reserved bits 0x20000000");
}

static void test_unreadable_tables(void **state)
{
	(void)state;
	start_tables();
	/* An entry pointing at memory nobody backs. */
	table(ROOT)[7] = 0x7770000 | R | W;
	expect_error(ROOT, SS, 4, -EFAULT, 0x7770000, 3, "cannot read level 3 table");
	/* The root itself. */
	expect_error(0x9990000, SS, 4, -EFAULT, 0x9990000, 4, "cannot read level 4 table");
}

static void test_loops_and_shared_tables(void **state)
{
	(void)state;
	start_tables();
	/* An entry pointing back at the root. */
	table(ROOT)[1] = ROOT | R | W;
	expect_error(ROOT, SS, 4, -ELOOP, entry_pa(ROOT, 1), 4, "already reached");

	/* Two entries sharing one lower table: a DAG, not a tree. */
	table(ROOT)[1] = 0x300000 | R | W;
	table(ROOT)[2] = 0x300000 | R | W;
	table(0x300000);
	expect_error(ROOT, FS, 4, -ELOOP, entry_pa(ROOT, 2), 4, "table page 0x300000");
}

/*
 * Lower tables side by side are read together, one read for each run of
 * adjacent pages, and the walk finds what it finds page by page: the same
 * extents, the same table pages, the same first error.
 */
static void test_batched_reads(void **state)
{
	struct iolu_pt_walk one, span;
	uint64_t *l2;
	unsigned int i;

	(void)state;
	start_tables();
	table(ROOT)[0] = 0x200000 | R | W;
	table(0x200000)[0] = 0x201000 | R | W;
	l2 = table(0x201000);
	/* 20 level-1 tables side by side, in reverse order of IOVA. */
	for (i = 0; i < 20; i++) {
		l2[i] = (0x300000 + (19 - i) * PAGE) | R | W;
		table(0x300000 + (19 - i) * PAGE)[i] = (0x40000000 + i * PAGE) | R | W;
	}
	/* One apart from the others. */
	l2[30] = 0x500000 | R | W;
	table(0x500000)[5] = 0x50000000 | R;
	assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, 4, &one), 0);
	nr_reads = 0;
	assert_int_equal(iolu_pt_walk(&span_mem, ROOT, SS, 4, &span), 0);
	/* The root, level 3, level 2, the 20 adjacent, the one apart. */
	assert_int_equal(nr_reads, 5);
	assert_int_equal(span.nr_extents, one.nr_extents);
	assert_int_equal(span.nr_extents, 21);
	assert_memory_equal(span.extents, one.extents, one.nr_extents * sizeof(*one.extents));
	assert_int_equal(span.nr_table_pages, 24);
	assert_memory_equal(span.table_pages, one.table_pages,
			    one.nr_table_pages * sizeof(*one.table_pages));
	iolu_pt_walk_free(&one);
	iolu_pt_walk_free(&span);

	/* A page missing from the run: the error is that page's, in walk order. */
	mem_pages.pa[3 + 10] = 0x7770000;	/* the table at 0x300000 + 9 pages */
	assert_int_equal(iolu_pt_walk(&span_mem, ROOT, SS, 4, &span), -EFAULT);
	assert_int_equal(span.error_pa, 0x300000 + 9 * PAGE);
	assert_non_null(strstr(span.error, "cannot read level 1 table page at 0x309000"));
	iolu_pt_walk_free(&span);
}

/*
 * Entries that continue a run are taken eight at a time; a break at any
 * position, in flags or address, ends the run there. A run never carries
 * past the last page address into the flags.
 */
static void test_runs(void **state)
{
	const uint64_t top = 0x000ffffffffff000ull;
	struct iolu_pt_walk walk;
	uint64_t *l1;
	unsigned int i, at;

	(void)state;
	for (at = 1; at < 512; at += 37) {
		reset(state);
		start_tables();
		map(ROOT, 4, 0, 0x40000000, 1, R | W, R | W);
		l1 = table(0x202000);
		for (i = 0; i < 512; i++)
			l1[i] = (0x40000000 + i * PAGE) | R | W;
		l1[at] &= ~W;		/* read-only: a run of its own */
		assert_int_equal(iolu_pt_walk(&span_mem, ROOT, SS, 4, &walk), 0);
		assert_int_equal(walk.nr_extents, at == 511 ? 2 : 3);
		assert_extent(&walk.extents[0], 0, 0x40000000, at * PAGE, RW, 12);
		assert_extent(&walk.extents[1], at * PAGE, 0x40000000 + at * PAGE, PAGE,
			      IOLU_PERM_READ, 12);
		assert_int_equal(walk.mapped_bytes, 512 * PAGE);
		iolu_pt_walk_free(&walk);
	}

	/* The highest page, then what "+ 4 KiB" makes of it: bit 52 set. */
	reset(state);
	start_tables();
	map(ROOT, 4, 0, top, 1, R | W, R | W);
	table(0x202000)[1] = (top | R | W) + PAGE;
	assert_int_equal(iolu_pt_walk(&span_mem, ROOT, SS, 4, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	assert_extent(&walk.extents[0], 0, top, PAGE, RW, 12);
	assert_extent(&walk.extents[1], PAGE, 0, PAGE, RW, 12);
	iolu_pt_walk_free(&walk);
}

static void test_limits(void **state)
{
	struct iolu_pt_limits limits = { .max_table_pages = 3, .max_extents = 1 };
	struct iolu_pt_walk walk;

	(void)state;
	start_tables();
	map(ROOT, 4, 0, 0x10000000, 1, R | W, R | W);
	/* A second, non-contiguous extent: over the extent limit. */
	map(ROOT, 4, PAGE, 0x20000000, 1, R | W, R | W);
	limits.max_table_pages = 4;
	assert_int_equal(iolu_pt_walk_limited(&mem, ROOT, SS, 4, &limits, &walk), -E2BIG);
	assert_non_null(strstr(walk.error, "more than 1 extents"));
	assert_int_equal(walk.error_pa, entry_pa(0x202000, 1));
	assert_int_equal(walk.error_level, 1);
	iolu_pt_walk_free(&walk);

	limits.max_extents = 2;
	limits.max_table_pages = 3;
	assert_int_equal(iolu_pt_walk_limited(&mem, ROOT, SS, 4, &limits, &walk), -E2BIG);
	assert_non_null(strstr(walk.error, "more than 3 table pages"));
	assert_int_equal(walk.error_pa, entry_pa(0x201000, 0));
	assert_int_equal(walk.error_level, 2);
	iolu_pt_walk_free(&walk);

	limits.max_table_pages = 4;
	assert_int_equal(iolu_pt_walk_limited(&mem, ROOT, SS, 4, &limits, &walk), 0);
	assert_int_equal(walk.nr_extents, 2);
	iolu_pt_walk_free(&walk);
}

/*
 * A four-level table generated on the fly: tier 0 is the root, and the
 * tables of tier t + 1 (nr[t + 1] of them, at base[t + 1]) are linked in
 * order by the entries of tier t; the level-1 tables (tier 3) are empty.
 */
#define GEN_TIERS	4

struct generated {
	uint64_t nr[GEN_TIERS];
};

static const uint64_t gen_base[GEN_TIERS] = {
	0x1000ull, 1ull << 32, 1ull << 36, 1ull << 40,
};

/* Fill the entries of a generated table page (all zero below tier 2). */
static void generated_table(const struct generated *gen, uint64_t page,
			    uint64_t *entries)
{
	memset(entries, 0, 512 * sizeof(*entries));
	for (unsigned int t = 0; t + 1 < GEN_TIERS; t++) {
		uint64_t first;

		if (page < gen_base[t] || page >= gen_base[t] + gen->nr[t] * PAGE)
			continue;
		first = (page - gen_base[t]) / PAGE * 512;
		for (uint64_t i = 0; i < 512 && first + i < gen->nr[t + 1]; i++)
			entries[i] = (gen_base[t + 1] + (first + i) * PAGE) | R | W;
		return;
	}
}

static int generated_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	uint64_t entries[512];

	if (pa % PAGE + len > PAGE)
		return -EFAULT;
	generated_table(ctx, pa & ~(PAGE - 1), entries);
	memcpy(buf, (char *)entries + pa % PAGE, len);
	return 0;
}

/*
 * The default limit is the next kernel's: intel_lu_check_table() accepts
 * 2^20 table pages and refuses the next one.
 */
static void test_kernel_table_limit(void **state)
{
	/* 1 + 4 + 2044 + 1046527 = 2^20 table pages */
	struct generated gen = { .nr = { 1, 4, 2044, 1046527 } };
	struct iolu_mem generated = { .read = generated_read, .ctx = &gen };
	struct iolu_pt_walk walk;

	(void)state;
	assert_int_equal(iolu_pt_walk(&generated, gen_base[0], SS, 4, &walk), 0);
	assert_int_equal(walk.nr_table_pages, 1ull << 20);
	iolu_pt_walk_free(&walk);
	gen.nr[3]++;
	assert_int_equal(iolu_pt_walk(&generated, gen_base[0], SS, 4, &walk),
			 -E2BIG);
	assert_non_null(strstr(walk.error, "more than 1048576 table pages"));
	iolu_pt_walk_free(&walk);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	start_tables();
	expect_error(ROOT, SS, 2, -EINVAL, ROOT, 2, "3 to 5 levels, not 2");
	expect_error(ROOT, SS, 6, -EINVAL, ROOT, 6, "3 to 5 levels, not 6");
	expect_error(ROOT, FS, 3, -EINVAL, ROOT, 3, "4 or 5 levels, not 3");
	expect_error(ROOT, 3, 4, -EINVAL, ROOT, 4, "unknown page table format 3");
	expect_error(ROOT + 8, SS, 4, -EINVAL, ROOT + 8, 4, "not a page address");
	expect_error(1ull << 52, SS, 4, -EINVAL, 1ull << 52, 4, "not a page address");
}

/* An empty root: nothing mapped, one table page. */
static void test_empty(void **state)
{
	struct iolu_pt_walk walk;

	(void)state;
	start_tables();
	assert_int_equal(iolu_pt_walk(&mem, ROOT, SS, 3, &walk), 0);
	assert_int_equal(walk.nr_extents, 0);
	assert_int_equal(walk.mapped_bytes, 0);
	assert_int_equal(walk.nr_table_pages, 1);
	iolu_pt_walk_free(&walk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_second_stage_4k_each_level_count, reset),
		cmocka_unit_test_setup(test_second_stage_superpages, reset),
		cmocka_unit_test_setup(test_merge_rules, reset),
		cmocka_unit_test_setup(test_second_stage_permissions_and_absent, reset),
		cmocka_unit_test_setup(test_first_stage_levels_and_canonical, reset),
		cmocka_unit_test_setup(test_first_stage_superpages_pat, reset),
		cmocka_unit_test_setup(test_ps_reserved_at_level_4_and_5, reset),
		cmocka_unit_test_setup(test_superpage_low_bits_reserved, reset),
		cmocka_unit_test_setup(test_unreadable_tables, reset),
		cmocka_unit_test_setup(test_loops_and_shared_tables, reset),
		cmocka_unit_test_setup(test_batched_reads, reset),
		cmocka_unit_test_setup(test_runs, reset),
		cmocka_unit_test_setup(test_limits, reset),
		cmocka_unit_test(test_kernel_table_limit),
		cmocka_unit_test_setup(test_bad_arguments, reset),
		cmocka_unit_test_setup(test_empty, reset),
	};

	return cmocka_run_group_tests_name("ptwalk", tests, NULL, NULL);
}
