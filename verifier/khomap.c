// SPDX-License-Identifier: GPL-2.0
/*
 * Load KHO's preserved-memory map once into sorted ranges: the checks ask
 * about thousands of pages, and a walk of the whole tree costs one read
 * per node instead of six per question.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "bigalloc.h"
#include "findings.h"
#include "khomap.h"
#include "pageset.h"
#include "ranges.h"

/* 4 Mi ranges (64 MiB) before the map is called too fragmented to load. */
#define KHO_MAX_RANGES		(1u << 22)

/* The first page of a preserved block, and the block's order. */
struct kho_block_start {
	uint64_t pa;
	unsigned int order;
};

struct iolu_kho_map {
	struct iolu_ranges preserved;
	size_t capacity;
	/* every preserved block, sorted by its first page, unique */
	struct kho_block_start *block_starts;
	size_t nr_block_starts, starts_capacity;
	uint64_t *node_pages;
	size_t nr_node_pages;
};

struct kho_walk {
	const struct iolu_mem *mem;
	struct iolu_kho_map *map;
	struct iolu_pageset nodes;
	struct iolu_err *err;
};

int iolu_kho_fdt_map_root(const void *fdt, size_t fdt_len, uint64_t *root_pa,
			  struct iolu_err *err)
{
	const char *compatible;
	const void *prop;
	int ret, len;

	if (fdt_len < sizeof(struct fdt_header))
		return iolu_fail(err, -EINVAL, 0,
				 "KHO FDT: %zu bytes, shorter than an FDT header",
				 fdt_len);
	ret = fdt_check_full(fdt, fdt_len);
	if (ret)
		return iolu_fail(err, -EINVAL, 0, "KHO FDT: %s",
				 fdt_strerror(ret));
	compatible = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compatible || len < 1 || compatible[len - 1] != '\0')
		return iolu_fail(err, -EINVAL, 0,
				 "KHO FDT: root has no compatible string");
	if (strcmp(compatible, KHO_FDT_COMPATIBLE))
		return iolu_fail(err, -EINVAL, 0,
				 "KHO FDT: compatible \"%.32s\", expected \"%s\"",
				 compatible, KHO_FDT_COMPATIBLE);
	prop = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP, &len);
	if (!prop || len != sizeof(uint64_t))
		return iolu_fail(err, -EINVAL, 0,
				 "KHO FDT: property %s missing or not 8 bytes",
				 KHO_FDT_MEMORY_MAP_PROP);
	/* KHO stores it in the CPU's byte order, not as an FDT cell. */
	memcpy(root_pa, prop, sizeof(*root_pa));
	if (!*root_pa)
		return iolu_fail(err, -EINVAL, 0,
				 "KHO FDT: %s is 0", KHO_FDT_MEMORY_MAP_PROP);
	return 0;
}

/*
 * The next kernel marks the head page of each block of its incoming tree
 * with the block's order (kho_preserved_memory_reserve()), and
 * kho_preserved_order() looks at that mark only: a page inside a block is
 * no block start.
 */
static int add_block_start(struct iolu_kho_map *map, uint64_t pa,
			   unsigned int order)
{
	if (map->nr_block_starts == map->starts_capacity) {
		size_t capacity = map->starts_capacity ?
				  map->starts_capacity * 2 : 64;
		struct kho_block_start *starts =
			iolu_big_realloc(map->block_starts,
					 map->starts_capacity, capacity,
					 sizeof(*starts));

		if (!starts)
			return -ENOMEM;
		map->block_starts = starts;
		map->starts_capacity = capacity;
	}
	map->block_starts[map->nr_block_starts++] =
		(struct kho_block_start){ .pa = pa, .order = order };
	return 0;
}

/* By address, then smallest order first. */
static bool block_before(const struct kho_block_start *x,
			 const struct kho_block_start *y)
{
	return x->pa < y->pa || (x->pa == y->pa && x->order < y->order);
}

/* The end of the ascending run of starts that begins at start. */
static size_t run_end(const struct kho_block_start *starts, size_t start,
		      size_t nr)
{
	size_t end = start + 1;

	while (end < nr && !block_before(&starts[end], &starts[end - 1]))
		end++;
	return end;
}

/* Merge each pair of adjacent ascending runs of from into to. */
static size_t merge_runs(const struct kho_block_start *from,
			 struct kho_block_start *to, size_t nr)
{
	size_t start = 0, runs = 0;

	while (start < nr) {
		size_t middle = run_end(from, start, nr);
		size_t end = middle < nr ? run_end(from, middle, nr) : nr;
		size_t left = start, right = middle, out = start;

		while (left < middle && right < end)
			to[out++] = block_before(&from[right], &from[left]) ?
				    from[right++] : from[left++];
		while (left < middle)
			to[out++] = from[left++];
		while (right < end)
			to[out++] = from[right++];
		start = end;
		runs++;
	}
	return runs;
}

/*
 * The walk finds the blocks of each order in address order, so the
 * starts are one ascending run per order: merging runs sorts them in a
 * pass or a few, where a sort would compare each start log2(n) times.
 *
 * A start the tree lists with two orders keeps the smaller: the outgoing
 * kernel answers the smallest key it finds, and the incoming one the
 * order whose mark it set last, which the verifier cannot tell. The
 * smaller never calls a block larger than the next kernel may see it.
 */
static int sort_block_starts(struct iolu_kho_map *map)
{
	struct kho_block_start *starts = map->block_starts, *other;
	size_t nr = map->nr_block_starts, kept = 0;

	if (!nr)
		return 0;
	if (run_end(starts, 0, nr) < nr) {
		other = iolu_big_realloc(NULL, 0, nr, sizeof(*other));
		if (!other)
			return -ENOMEM;
		while (merge_runs(starts, other, nr) > 1) {
			struct kho_block_start *swap = starts;

			starts = other;
			other = swap;
		}
		/* The last pass wrote other. */
		free(starts);
		map->block_starts = starts = other;
		map->starts_capacity = nr;
	}
	for (size_t i = 1; i < nr; i++)
		if (starts[i].pa != starts[kept].pa)
			starts[++kept] = starts[i];
	map->nr_block_starts = kept + 1;
	return 0;
}

static int add_preserved(struct kho_walk *walk, uint64_t key)
{
	struct iolu_kho_map *map = walk->map;
	unsigned int order_bit = 63 - __builtin_clzll(key);
	unsigned int order = KHO_ORDER_0_LOG2 - order_bit;
	uint64_t pa;
	int ret;

	/* Keys above the order-0 bit or orders past the address space. */
	if (order_bit > KHO_ORDER_0_LOG2 || KHO_PAGE_SHIFT + order >= 64)
		return iolu_fail(walk->err, -EINVAL, 0,
				 "KHO map: key 0x%llx encodes no valid order",
				 (unsigned long long)key);
	pa = key << (KHO_PAGE_SHIFT + order);
	if (map->preserved.nr >= KHO_MAX_RANGES)
		return iolu_fail(walk->err, -E2BIG, pa,
				 "KHO map: more than %u preserved ranges",
				 KHO_MAX_RANGES);
	ret = add_block_start(map, pa, order);
	if (ret)
		return ret;
	return iolu_ranges_append(&map->preserved, &map->capacity, pa,
				  KHO_PAGE_SIZE << order);
}

static int walk_leaf(struct kho_walk *walk, uint64_t leaf_pa, uint64_t key)
{
	uint64_t bitmap[KHO_PAGE_SIZE / sizeof(uint64_t)];
	int ret;

	ret = iolu_mem_read(walk->mem, leaf_pa, bitmap, sizeof(bitmap));
	if (ret)
		return iolu_fail(walk->err, ret, leaf_pa,
				 "KHO map: leaf at 0x%llx unreadable",
				 (unsigned long long)leaf_pa);
	for (unsigned int word = 0; word < KHO_PAGE_SIZE / 8; word++) {
		uint64_t bits = bitmap[word];

		while (bits) {
			unsigned int bit = __builtin_ctzll(bits);

			bits &= bits - 1;
			if (!(key | (word * 64 + bit)))
				return iolu_fail(walk->err, -EINVAL, leaf_pa,
						 "KHO map: bit 0 of the key-0 leaf is set");
			ret = add_preserved(walk, key | (word * 64 + bit));
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int visit_node(struct kho_walk *walk, uint64_t node_pa)
{
	int ret;

	if (node_pa & (KHO_PAGE_SIZE - 1))
		return iolu_fail(walk->err, -EINVAL, node_pa,
				 "KHO map: node 0x%llx not page aligned",
				 (unsigned long long)node_pa);
	if (walk->nodes.nr >= IOLU_KHO_MAX_NODES)
		return iolu_fail(walk->err, -E2BIG, node_pa,
				 "KHO map: more than %u nodes",
				 IOLU_KHO_MAX_NODES);
	ret = iolu_pageset_add(&walk->nodes, node_pa);
	if (ret < 0)
		return ret;
	if (!ret)
		return iolu_fail(walk->err, -ELOOP, node_pa,
				 "KHO map: node 0x%llx reached twice",
				 (unsigned long long)node_pa);
	return 0;
}

static int walk_node(struct kho_walk *walk, uint64_t node_pa,
		     unsigned int level, uint64_t key)
{
	uint64_t table[KHO_PAGE_SIZE / sizeof(uint64_t)];
	int ret;

	ret = iolu_mem_read(walk->mem, node_pa, table, sizeof(table));
	if (ret)
		return iolu_fail(walk->err, ret, node_pa,
				 "KHO map: level %u node at 0x%llx unreadable",
				 level, (unsigned long long)node_pa);
	for (unsigned int i = 0; i < KHO_PAGE_SIZE / 8; i++) {
		unsigned int shift = (level - 1) * KHO_TABLE_SIZE_LOG2 +
				     KHO_BITMAP_SIZE_LOG2;
		uint64_t child_key = key | ((uint64_t)i << shift);

		if (!table[i])
			continue;
		/* Level 5 indexes bits 51..59: keys never reach past 52. */
		if (child_key >> (KHO_ORDER_0_LOG2 + 1))
			return iolu_fail(walk->err, -EINVAL, node_pa,
					 "KHO map: entry %u of the level %u node at 0x%llx is outside the key space",
					 i, level, (unsigned long long)node_pa);
		ret = visit_node(walk, table[i]);
		if (ret)
			return ret;
		if (level == 1)
			ret = walk_leaf(walk, table[i], child_key);
		else
			ret = walk_node(walk, table[i], level - 1, child_key);
		if (ret)
			return ret;
	}
	return 0;
}

int iolu_kho_map_load(const struct iolu_mem *mem, uint64_t root_pa,
		      struct iolu_kho_map **mapp, struct iolu_err *err)
{
	struct kho_walk walk = { .mem = mem, .err = err };
	int ret;

	*mapp = NULL;
	walk.map = calloc(1, sizeof(*walk.map));
	if (!walk.map)
		return -ENOMEM;
	iolu_pageset_init(&walk.nodes);
	ret = visit_node(&walk, root_pa);
	if (!ret)
		ret = walk_node(&walk, root_pa, KHO_TREE_MAX_DEPTH - 1, 0);
	if (!ret)
		ret = iolu_pageset_sorted(&walk.nodes, &walk.map->node_pages,
					  &walk.map->nr_node_pages);
	iolu_pageset_free(&walk.nodes);
	if (!ret)
		ret = sort_block_starts(walk.map);
	if (ret) {
		iolu_kho_map_free(walk.map);
		return ret;
	}
	iolu_ranges_normalize(&walk.map->preserved);
	*mapp = walk.map;
	return 0;
}

void iolu_kho_map_free(struct iolu_kho_map *map)
{
	if (!map)
		return;
	iolu_ranges_free(&map->preserved);
	free(map->block_starts);
	free(map->node_pages);
	free(map);
}

bool iolu_kho_map_contains(const struct iolu_kho_map *map, uint64_t pa,
			   uint64_t len)
{
	return map && iolu_ranges_cover(&map->preserved, pa, len);
}

/* bsearch(): the starts are unique once sorted. */
static int compare_start_pa(const void *key, const void *item)
{
	uint64_t pa = *(const uint64_t *)key;
	const struct kho_block_start *start = item;

	return (pa > start->pa) - (pa < start->pa);
}

int iolu_kho_map_block_order(const struct iolu_kho_map *map, uint64_t pa)
{
	const struct kho_block_start *start;

	if (!map || (pa & (KHO_PAGE_SIZE - 1)) || !map->nr_block_starts)
		return -ENOENT;
	start = bsearch(&pa, map->block_starts, map->nr_block_starts,
			sizeof(*start), compare_start_pa);
	return start ? (int)start->order : -ENOENT;
}

bool iolu_kho_map_is_preserved(const struct iolu_kho_map *map, uint64_t pa)
{
	return iolu_kho_map_block_order(map, pa) >= 0;
}

size_t iolu_kho_map_nr_ranges(const struct iolu_kho_map *map)
{
	return map ? map->preserved.nr : 0;
}

void iolu_kho_map_range(const struct iolu_kho_map *map, size_t i,
			uint64_t *start, uint64_t *size)
{
	*start = map->preserved.items[i].start;
	*size = map->preserved.items[i].size;
}

const uint64_t *iolu_kho_map_node_pages(const struct iolu_kho_map *map,
					size_t *nr_pages)
{
	*nr_pages = map ? map->nr_node_pages : 0;
	return map ? map->node_pages : NULL;
}
