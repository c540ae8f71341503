// SPDX-License-Identifier: GPL-2.0
/*
 * Read the serialized state into struct iolu_state: the top-level header,
 * the three block chains and the device → domain/unit links. Walking a
 * chain is where hostile input could loop or read wild memory, so the
 * chain rules are reported here, where the walk stops; the other rules
 * are in check.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bigalloc.h"
#include "findings.h"
#include "pageset.h"

enum chain_kind { CHAIN_UNITS, CHAIN_DOMAINS, CHAIN_DEVICES };

static const char *const chain_names[] = { "unit", "domain", "device" };

/* A block of a chain: where it is and where its entries went. */
struct chain_block {
	uint64_t pa;
	size_t first;		/* position of its first entry in the state */
	size_t count;
};

struct chain_blocks {
	struct chain_block *items;
	size_t nr, capacity;
};

struct graph_read {
	const struct iolu_mem *mem;
	struct iolu_state *state;
	struct iolu_findings *findings;
	struct iolu_pageset pages;
	size_t capacity[3];
	struct chain_blocks blocks[3];
};

static void decode_object(struct iolu_object *object,
			  const struct iolu_abi_object *raw, uint64_t pa)
{
	object->pa = pa;
	object->index = le64toh(raw->index);
	object->refcount = le32toh(raw->refcount);
	object->flags = le32toh(raw->flags);
	object->referrers = 0;
}

static void decode_unit(struct iolu_unit *unit, const void *entry, uint64_t pa)
{
	struct iolu_abi_unit raw;

	memcpy(&raw, entry, sizeof(raw));
	decode_object(&unit->object, &raw.object, pa);
	unit->type = le32toh(raw.type);
	unit->segment = le32toh(raw.segment);
	unit->reg_base_pa = le64toh(raw.reg_base_pa);
	unit->root_table_pa = le64toh(raw.root_table_pa);
	unit->unit_flags = le64toh(raw.unit_flags);
	unit->reserved[0] = le64toh(raw.reserved[0]);
	unit->reserved[1] = le64toh(raw.reserved[1]);
}

static void decode_domain(struct iolu_domain *domain, const void *entry,
			  uint64_t pa)
{
	struct iolu_abi_domain raw;

	memcpy(&raw, entry, sizeof(raw));
	decode_object(&domain->object, &raw.object, pa);
	domain->pgtable_pa = le64toh(raw.pgtable_pa);
	domain->format = le32toh(raw.format);
	domain->levels = le32toh(raw.levels);
	domain->aperture_start = le64toh(raw.aperture_start);
	domain->aperture_end = le64toh(raw.aperture_end);
	domain->addr_width = le32toh(raw.addr_width);
	domain->domain_flags = le32toh(raw.domain_flags);
	domain->reserved = le64toh(raw.reserved);
}

static void decode_device(struct iolu_device *device, const void *entry,
			  uint64_t pa)
{
	struct iolu_abi_device raw;

	memcpy(&raw, entry, sizeof(raw));
	decode_object(&device->object, &raw.object, pa);
	device->token = le64toh(raw.token);
	device->domain_pa = le64toh(raw.domain_pa);
	device->unit_pa = le64toh(raw.unit_pa);
	device->segment = le32toh(raw.segment);
	device->requester_id = le16toh(raw.requester_id);
	device->reserved0 = le16toh(raw.reserved0);
	device->domain_id = le32toh(raw.domain_id);
	device->reserved1 = le32toh(raw.reserved1);
	device->reserved2 = le64toh(raw.reserved2);
	device->domain = -1;
	device->unit = -1;
}

#define MAX_CHAIN_ENTRIES \
	((size_t)IOLU_MAX_CHAIN_BLOCKS * IOLU_ABI_ENTRIES_PER_BLOCK)

/* Make room for one more entry of a kind; returns a pointer to it. */
static void *grow_entries(void **array, size_t *nr, size_t *capacity,
			  size_t entry_size, uint64_t expected)
{
	void *grown;

	if (*nr == *capacity) {
		size_t want = *capacity ? *capacity * 2 : 64;

		/*
		 * The header's count, as far as a chain can hold it: one
		 * allocation for an honest state, never a copy.
		 */
		if (!*capacity && expected > want)
			want = expected < MAX_CHAIN_ENTRIES ? expected :
			       MAX_CHAIN_ENTRIES;

		grown = iolu_big_realloc(*array, *capacity, want, entry_size);
		if (!grown)
			return NULL;
		*array = grown;
		*capacity = want;
	}
	return (char *)*array + (*nr)++ * entry_size;
}

static int add_entry(struct graph_read *read, enum chain_kind kind,
		     const void *entry, uint64_t pa)
{
	struct iolu_state *state = read->state;
	void *slot;

	switch (kind) {
	case CHAIN_UNITS:
		slot = grow_entries((void **)&state->units, &state->nr_units,
				    &read->capacity[kind], sizeof(*state->units),
				    state->nr_units_hdr);
		if (slot)
			decode_unit(slot, entry, pa);
		break;
	case CHAIN_DOMAINS:
		slot = grow_entries((void **)&state->domains, &state->nr_domains,
				    &read->capacity[kind], sizeof(*state->domains),
				    state->nr_domains_hdr);
		if (slot)
			decode_domain(slot, entry, pa);
		break;
	default:
		slot = grow_entries((void **)&state->devices, &state->nr_devices,
				    &read->capacity[kind], sizeof(*state->devices),
				    state->nr_devices_hdr);
		if (slot)
			decode_device(slot, entry, pa);
		break;
	}
	return slot ? 0 : -ENOMEM;
}

/* Decide whether the walk may enter the block at pa; 1 yes, 0 stop. */
static int enter_block(struct graph_read *read, enum chain_kind kind,
		       uint64_t pa, size_t nr_blocks)
{
	const char *name = chain_names[kind];
	int ret;

	if (pa & (IOLU_ABI_PAGE_SIZE - 1))
		return iolu_report(read->findings, "chain-misaligned",
				   IOLU_OBJ_BLOCK, nr_blocks, pa,
				   "%s chain block %zu at 0x%llx is not page aligned",
				   name, nr_blocks, (unsigned long long)pa);
	if (nr_blocks >= IOLU_MAX_CHAIN_BLOCKS)
		return iolu_report(read->findings, "chain-too-long",
				   IOLU_OBJ_BLOCK, nr_blocks, pa,
				   "%s chain has more than %u blocks", name,
				   IOLU_MAX_CHAIN_BLOCKS);
	ret = iolu_pageset_add(&read->pages, pa);
	if (ret < 0)
		return ret;
	if (!ret)
		return iolu_report(read->findings, "chain-cycle",
				   IOLU_OBJ_BLOCK, nr_blocks, pa,
				   "%s chain block %zu at 0x%llx was already reached (a cycle, or a page shared with the header or another chain)",
				   name, nr_blocks, (unsigned long long)pa);
	return 1;
}

static size_t nr_entries(const struct iolu_state *state, enum chain_kind kind)
{
	return kind == CHAIN_UNITS ? state->nr_units :
	       kind == CHAIN_DOMAINS ? state->nr_domains : state->nr_devices;
}

static int add_block(struct graph_read *read, enum chain_kind kind,
		     uint64_t pa, uint64_t count)
{
	struct chain_blocks *blocks = &read->blocks[kind];

	if (blocks->nr == blocks->capacity) {
		size_t want = blocks->capacity ? blocks->capacity * 2 : 16;
		struct chain_block *grown = realloc(blocks->items,
						    want * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		blocks->items = grown;
		blocks->capacity = want;
	}
	blocks->items[blocks->nr++] = (struct chain_block){
		.pa = pa, .first = nr_entries(read->state, kind), .count = count,
	};
	return 0;
}

static int read_block_entries(struct graph_read *read, enum chain_kind kind,
			      const uint8_t *page, uint64_t pa, uint64_t count)
{
	size_t offset = sizeof(struct iolu_abi_block_header);
	int ret;

	ret = add_block(read, kind, pa, count);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < count; i++) {
		ret = add_entry(read, kind, page + offset, pa + offset);
		if (ret)
			return ret;
		offset += IOLU_ABI_ENTRY_SIZE;
	}
	return 0;
}

static int walk_chain(struct graph_read *read, enum chain_kind kind,
		      uint64_t first_pa)
{
	const char *name = chain_names[kind];
	uint8_t page[IOLU_ABI_PAGE_SIZE];
	struct iolu_abi_block_header header;
	uint64_t pa = first_pa;
	size_t nr_blocks = 0;
	int ret;

	while (pa) {
		ret = enter_block(read, kind, pa, nr_blocks);
		if (ret <= 0)
			return ret;
		if (iolu_mem_read(read->mem, pa, page, sizeof(page)))
			return iolu_report(read->findings, "chain-unreadable",
					   IOLU_OBJ_BLOCK, nr_blocks, pa,
					   "%s chain block %zu at 0x%llx is not readable memory",
					   name, nr_blocks, (unsigned long long)pa);
		memcpy(&header, page, sizeof(header));
		if (header.count > IOLU_ABI_ENTRIES_PER_BLOCK)
			return iolu_report(read->findings, "block-count-invalid",
					   IOLU_OBJ_BLOCK, nr_blocks, pa,
					   "%s chain block %zu at 0x%llx counts %llu entries, a page holds %zu",
					   name, nr_blocks, (unsigned long long)pa,
					   (unsigned long long)header.count,
					   (size_t)IOLU_ABI_ENTRIES_PER_BLOCK);
		if (!header.count) {
			ret = iolu_report(read->findings, "block-empty",
					  IOLU_OBJ_BLOCK, nr_blocks, pa,
					  "%s chain block %zu at 0x%llx has no entries",
					  name, nr_blocks, (unsigned long long)pa);
			if (ret)
				return ret;
		}
		ret = read_block_entries(read, kind, page, pa, header.count);
		if (ret)
			return ret;
		pa = header.next;
		nr_blocks++;
	}
	return 0;
}

static int compare_block(const void *a, const void *b)
{
	const struct chain_block *x = a, *y = b;

	return (x->pa > y->pa) - (x->pa < y->pa);
}

/*
 * The position of the entry at pa in a chain whose blocks are sorted by
 * address, or -1 when pa is no entry of it. A pointer names an entry by
 * the address of its object: its block's page, then its slot.
 */
static long find_position(const struct chain_blocks *blocks, uint64_t pa)
{
	uint64_t page = pa & ~(uint64_t)(IOLU_ABI_PAGE_SIZE - 1);
	uint64_t offset = pa - page, slot;
	size_t low = 0, high = blocks->nr;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (blocks->items[mid].pa < page)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == blocks->nr || blocks->items[low].pa != page ||
	    offset < sizeof(struct iolu_abi_block_header))
		return -1;
	offset -= sizeof(struct iolu_abi_block_header);
	slot = offset / IOLU_ABI_ENTRY_SIZE;
	if (offset % IOLU_ABI_ENTRY_SIZE || slot >= blocks->items[low].count)
		return -1;
	return (long)(blocks->items[low].first + slot);
}

/* Resolve device pointers and count the live referrers of each target. */
static void link_devices(struct graph_read *read)
{
	struct iolu_state *state = read->state;
	const struct chain_blocks *units = &read->blocks[CHAIN_UNITS];
	const struct chain_blocks *domains = &read->blocks[CHAIN_DOMAINS];

	if (units->nr > 1)
		qsort(units->items, units->nr, sizeof(*units->items),
		      compare_block);
	if (domains->nr > 1)
		qsort(domains->items, domains->nr, sizeof(*domains->items),
		      compare_block);
	for (size_t i = 0; i < state->nr_devices; i++) {
		struct iolu_device *device = &state->devices[i];

		device->unit = find_position(units, device->unit_pa);
		device->domain = find_position(domains, device->domain_pa);
		if (!iolu_object_live(&device->object))
			continue;
		if (device->unit >= 0 &&
		    iolu_object_live(&state->units[device->unit].object))
			state->units[device->unit].object.referrers++;
		if (device->domain >= 0 &&
		    iolu_object_live(&state->domains[device->domain].object))
			state->domains[device->domain].object.referrers++;
	}
}

static int read_header(struct graph_read *read, uint64_t header_pa,
		       struct iolu_err *err)
{
	struct iolu_state *state = read->state;
	struct iolu_abi_state raw;
	int ret;

	ret = iolu_mem_read(read->mem, header_pa, &raw, sizeof(raw));
	if (ret)
		return iolu_fail(err, -EFAULT, header_pa,
				 "state header at 0x%llx is not readable memory",
				 (unsigned long long)header_pa);
	state->header_pa = header_pa;
	memcpy(state->compatible, raw.compatible, sizeof(raw.compatible));
	state->compatible[sizeof(raw.compatible)] = '\0';
	state->units_pa = le64toh(raw.units_pa);
	state->domains_pa = le64toh(raw.domains_pa);
	state->devices_pa = le64toh(raw.devices_pa);
	state->nr_units_hdr = le64toh(raw.nr_units);
	state->nr_domains_hdr = le64toh(raw.nr_domains);
	state->nr_devices_hdr = le64toh(raw.nr_devices);
	state->reserved[0] = le64toh(raw.reserved[0]);
	state->reserved[1] = le64toh(raw.reserved[1]);
	ret = iolu_pageset_add(&read->pages, header_pa);
	return ret < 0 ? ret : 0;
}

int iolu_state_read(const struct iolu_mem *mem, uint64_t header_pa,
		    struct iolu_state *state, struct iolu_findings *findings,
		    struct iolu_err *err)
{
	struct graph_read read = {
		.mem = mem, .state = state, .findings = findings,
	};
	int ret;

	memset(state, 0, sizeof(*state));
	iolu_pageset_init(&read.pages);
	ret = read_header(&read, header_pa, err);
	if (!ret)
		ret = walk_chain(&read, CHAIN_UNITS, state->units_pa);
	if (!ret)
		ret = walk_chain(&read, CHAIN_DOMAINS, state->domains_pa);
	if (!ret)
		ret = walk_chain(&read, CHAIN_DEVICES, state->devices_pa);
	if (!ret)
		link_devices(&read);
	if (!ret)
		ret = iolu_pageset_sorted(&read.pages, &state->graph_pages,
					  &state->nr_graph_pages);
	iolu_pageset_free(&read.pages);
	for (int kind = CHAIN_UNITS; kind <= CHAIN_DEVICES; kind++)
		free(read.blocks[kind].items);
	if (ret == -ENOMEM)
		iolu_fail(err, ret, header_pa, "out of memory reading the state");
	return ret;
}

void iolu_state_free(struct iolu_state *state)
{
	free(state->units);
	free(state->domains);
	free(state->devices);
	free(state->graph_pages);
	memset(state, 0, sizeof(*state));
}
