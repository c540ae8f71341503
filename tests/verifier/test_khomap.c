// SPDX-License-Identifier: GPL-2.0
/*
 * KHO's preserved-memory map: pages of several orders, merged ranges,
 * range queries at the edges, and trees that must be refused (cycles,
 * holes, keys outside the key space), plus the FDT that points at it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "builder.h"
#include "khomap.h"
#include "ranges.h"

/* Physical addresses chosen away from the image's own pages. */
#define ORDER0_PA	0x80000000ull
#define ORDER2_PA	0x80004000ull	/* 16 KiB aligned */
#define ORDER9_PA	0xc0000000ull	/* a 2 MiB page */

static struct iolu_kho_map *load(struct image *image, uint64_t root,
				 int expect_ret, struct iolu_err *err)
{
	struct iolu_mem mem = image_mem(image);
	struct iolu_kho_map *map = NULL;

	assert_int_equal(iolu_kho_map_load(&mem, root, &map, err), expect_ret);
	return map;
}

static void test_orders_and_queries(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_kho_map *map;
	uint64_t start, size;

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	image_kho_mark(image, root, ORDER0_PA + 0x1000, 0);
	image_kho_mark(image, root, ORDER0_PA + 0x2000, 1);
	image_kho_mark(image, root, ORDER2_PA, 2);
	image_kho_mark(image, root, ORDER9_PA, 9);
	map = load(image, root, 0, NULL);
	/* Orders 0, 0, 1 and 2 back to back: one 32 KiB range. */
	assert_int_equal(iolu_kho_map_nr_ranges(map), 2);
	iolu_kho_map_range(map, 0, &start, &size);
	assert_int_equal(start, ORDER0_PA);
	assert_int_equal(size, 0x8000);
	iolu_kho_map_range(map, 1, &start, &size);
	assert_int_equal(start, ORDER9_PA);
	assert_int_equal(size, 0x200000);
	assert_true(iolu_kho_map_contains(map, ORDER0_PA, 0x8000));
	assert_false(iolu_kho_map_contains(map, ORDER0_PA, 0x8001));
	assert_false(iolu_kho_map_contains(map, ORDER0_PA - 1, 2));
	assert_true(iolu_kho_map_contains(map, ORDER9_PA + 0x1ff000, 0x1000));
	assert_false(iolu_kho_map_contains(map, ORDER9_PA + 0x1ff000, 0x1001));
	assert_false(iolu_kho_map_contains(map, UINT64_MAX - 10, 100));
	assert_false(iolu_kho_map_contains(map, ORDER9_PA, 0));
	iolu_kho_map_free(map);
	image_free(image);
}

/*
 * kho_is_preserved(): the first page of a block, whatever its order, and
 * no other page of it, even though the whole block is covered.
 */
static void test_block_starts(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_kho_map *map;

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	image_kho_mark(image, root, ORDER2_PA, 2);
	image_kho_mark(image, root, ORDER9_PA, 9);
	map = load(image, root, 0, NULL);
	assert_true(iolu_kho_map_is_preserved(map, ORDER0_PA));
	assert_true(iolu_kho_map_is_preserved(map, ORDER2_PA));
	assert_true(iolu_kho_map_is_preserved(map, ORDER9_PA));
	assert_false(iolu_kho_map_is_preserved(map, ORDER2_PA + 0x1000));
	assert_false(iolu_kho_map_is_preserved(map, ORDER2_PA + 0x3000));
	assert_true(iolu_kho_map_contains(map, ORDER9_PA + 0x1000, 0x1000));
	assert_false(iolu_kho_map_is_preserved(map, ORDER9_PA + 0x1000));
	assert_false(iolu_kho_map_is_preserved(map, ORDER0_PA + 8));
	assert_false(iolu_kho_map_is_preserved(map, ORDER0_PA + 0x1000));
	assert_false(iolu_kho_map_is_preserved(NULL, ORDER0_PA));
	iolu_kho_map_free(map);
	image_free(image);
}

/*
 * kho_preserved_order(): the order of the block a page starts, -ENOENT
 * for any other page. A start listed with two orders answers the smaller,
 * so a block is never taken for larger than the next kernel may see it.
 */
static void test_block_orders(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_kho_map *map;

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	image_kho_mark(image, root, ORDER2_PA, 2);
	image_kho_mark(image, root, ORDER9_PA, 9);
	image_kho_mark(image, root, ORDER9_PA, 5);
	image_kho_mark(image, root, ORDER9_PA + 0x100000, 8);
	image_kho_mark(image, root, ORDER9_PA + 0x100000, 3);
	map = load(image, root, 0, NULL);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER0_PA), 0);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER2_PA), 2);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER9_PA), 5);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER9_PA + 0x100000),
			 3);
	assert_true(iolu_kho_map_is_preserved(map, ORDER9_PA));
	assert_int_equal(iolu_kho_map_block_order(map, ORDER2_PA + 0x1000),
			 -ENOENT);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER9_PA + 0x20000),
			 -ENOENT);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER0_PA + 8), -ENOENT);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER0_PA - 0x1000),
			 -ENOENT);
	assert_int_equal(iolu_kho_map_block_order(map, ORDER9_PA + 0x200000),
			 -ENOENT);
	assert_int_equal(iolu_kho_map_block_order(NULL, ORDER0_PA), -ENOENT);
	iolu_kho_map_free(map);
	image_free(image);
}

/* An order-2 page alone covers exactly its 16 KiB. */
static void test_order2_extent(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_kho_map *map;

	(void)state;
	image_kho_mark(image, root, ORDER2_PA, 2);
	map = load(image, root, 0, NULL);
	assert_true(iolu_kho_map_contains(map, ORDER2_PA, 0x4000));
	assert_false(iolu_kho_map_contains(map, ORDER2_PA, 0x4001));
	assert_false(iolu_kho_map_contains(map, ORDER2_PA - 0x1000, 0x1000));
	iolu_kho_map_free(map);
	image_free(image);
}

/* The address of the level-1 entry on the way to pa, to corrupt it. */
static uint64_t entry_on_path(struct image *image, uint64_t root, uint64_t pa,
			      unsigned int stop_level)
{
	uint64_t key = kho_key_encode(pa, 0), node = root;

	for (unsigned int level = KHO_TREE_MAX_DEPTH - 1; ; level--) {
		uint64_t entry = node + kho_table_index(key, level) * 8;

		if (level == stop_level)
			return entry;
		node = image_read64(image, entry);
	}
}

static void test_cycle_refused(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_err err = { 0 };

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	image_write64(image, entry_on_path(image, root, ORDER0_PA, 3), root);
	assert_null(load(image, root, -ELOOP, &err));
	assert_int_equal(err.where, root);
	assert_non_null(strstr(err.msg, "reached twice"));
	image_free(image);
}

static void test_hole_refused(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_err err = { 0 };
	uint64_t leaf;

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	leaf = image_read64(image, entry_on_path(image, root, ORDER0_PA, 1));
	image_drop(image, leaf);
	assert_null(load(image, root, -EFAULT, &err));
	assert_int_equal(err.where, leaf);
	assert_non_null(strstr(err.msg, "unreadable"));
	image_free(image);
}

static void test_bad_key_refused(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image), child = image_alloc(image);
	struct iolu_err err = { 0 };

	(void)state;
	/* Level 5 entry 511 covers keys far above the order-0 bit. */
	image_write64(image, root + 511 * 8, child);
	assert_null(load(image, root, -EINVAL, &err));
	assert_non_null(strstr(err.msg, "outside the key space"));
	image_free(image);
}

static void test_misaligned_node_refused(void **state)
{
	struct image *image = image_new();
	uint64_t root = image_alloc(image);
	struct iolu_err err = { 0 };

	(void)state;
	image_kho_mark(image, root, ORDER0_PA, 0);
	image_write64(image, entry_on_path(image, root, ORDER0_PA, 4),
		      image_alloc(image) + 8);
	assert_null(load(image, root, -EINVAL, &err));
	assert_non_null(strstr(err.msg, "not page aligned"));
	image_free(image);
}

static size_t make_fdt(void *fdt, const char *compatible, const void *prop,
		       int prop_len)
{
	assert_int_equal(fdt_create(fdt, 4096), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	if (compatible)
		assert_int_equal(fdt_property_string(fdt, "compatible",
						     compatible), 0);
	if (prop)
		assert_int_equal(fdt_property(fdt, KHO_FDT_MEMORY_MAP_PROP,
					      prop, prop_len), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt_totalsize(fdt);
}

static void test_fdt(void **state)
{
	uint64_t root = 0x12345000, got = 0;
	uint32_t short_prop = 1;
	struct iolu_err err = { 0 };
	char fdt[4096];
	size_t len;

	(void)state;
	len = make_fdt(fdt, KHO_FDT_COMPATIBLE, &root, sizeof(root));
	assert_int_equal(iolu_kho_fdt_map_root(fdt, len, &got, &err), 0);
	assert_int_equal(got, root);

	len = make_fdt(fdt, "kho-v3", &root, sizeof(root));
	assert_int_equal(iolu_kho_fdt_map_root(fdt, len, &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "kho-v3"));

	len = make_fdt(fdt, KHO_FDT_COMPATIBLE, &short_prop, sizeof(short_prop));
	assert_int_equal(iolu_kho_fdt_map_root(fdt, len, &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not 8 bytes"));

	len = make_fdt(fdt, KHO_FDT_COMPATIBLE, NULL, 0);
	assert_int_equal(iolu_kho_fdt_map_root(fdt, len, &got, &err), -EINVAL);

	/* Truncated and garbage FDTs. */
	len = make_fdt(fdt, KHO_FDT_COMPATIBLE, &root, sizeof(root));
	assert_int_equal(iolu_kho_fdt_map_root(fdt, len - 4, &got, &err), -EINVAL);
	assert_int_equal(iolu_kho_fdt_map_root(fdt, 10, &got, &err), -EINVAL);
	memset(fdt, 0xa5, sizeof(fdt));
	assert_int_equal(iolu_kho_fdt_map_root(fdt, sizeof(fdt), &got, &err),
			 -EINVAL);
}

static void test_ranges(void **state)
{
	struct iolu_ranges ranges = { 0 };
	size_t capacity = 0;

	(void)state;
	assert_int_equal(iolu_ranges_append(&ranges, &capacity, 0x5000, 0x1000), 0);
	assert_int_equal(iolu_ranges_append(&ranges, &capacity, 0x1000, 0x2000), 0);
	assert_int_equal(iolu_ranges_append(&ranges, &capacity, 0x2000, 0x1000), 0);
	assert_int_equal(iolu_ranges_append(&ranges, &capacity, 0x3000, 0x1000), 0);
	assert_int_equal(iolu_ranges_append(&ranges, &capacity,
					    UINT64_MAX - 0xfff, 0x1000), 0);
	iolu_ranges_normalize(&ranges);
	assert_int_equal(ranges.nr, 3);
	assert_true(iolu_ranges_cover(&ranges, 0x1000, 0x3000));
	assert_false(iolu_ranges_cover(&ranges, 0x1000, 0x4001));
	assert_true(iolu_ranges_touch(&ranges, 0x3fff, 0x2000));
	assert_false(iolu_ranges_touch(&ranges, 0x4000, 0x1000));
	assert_true(iolu_ranges_cover(&ranges, UINT64_MAX, 1));
	assert_true(iolu_ranges_touch(&ranges, UINT64_MAX - 5, 100));
	iolu_ranges_free(&ranges);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_and_queries),
		cmocka_unit_test(test_block_starts),
		cmocka_unit_test(test_block_orders),
		cmocka_unit_test(test_order2_extent),
		cmocka_unit_test(test_cycle_refused),
		cmocka_unit_test(test_hole_refused),
		cmocka_unit_test(test_bad_key_refused),
		cmocka_unit_test(test_misaligned_node_refused),
		cmocka_unit_test(test_fdt),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests_name("kho map", tests, NULL, NULL);
}
