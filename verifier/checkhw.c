// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware view: what the IOMMU itself will use for each preserved device
 * after kexec. The next kernel adopts the preserved VT-d root table, so its
 * entries must already translate the device's requests with the preserved
 * page table and domain ID, and every table page on the way must survive.
 */
#include <errno.h>
#include <stdlib.h>

#include "bigalloc.h"
#include "checkhw.h"
#include "findings.h"
#include "vtd.h"

#define ULL(x) ((unsigned long long)(x))

/* The kernel's get_order(): the smallest order of pages holding size. */
static unsigned int pages_order(uint64_t size)
{
	unsigned int order = 0;

	while (order < 51 && (4096ull << order) < size)
		order++;
	return order;
}

/*
 * The next kernel's intel_lu_claim_page() asks kho_preserved_order() of
 * every table page: a root, context or PASID table must be a preserved
 * block of exactly one page; a PASID directory, which it reads and
 * restores as one block, a block at least its size.
 */
int iolu_hw_check_table(struct hw_run *run, const struct iolu_unit *unit,
			uint64_t pa, uint64_t size, bool directory,
			const char *what)
{
	unsigned int need = pages_order(size);
	const char *why;
	int ret, order;

	if (!run->opts->kho || !(run->opts->checks & IOLU_CHECK_MEMORY))
		return 0;
	ret = iolu_pageset_add(&run->checked_tables, pa);
	if (ret <= 0)
		return ret;
	why = iolu_kho_refusal(run->opts, pa);
	if (why)
		return iolu_report(run->findings, "vtd-table-unpreserved",
				   IOLU_OBJ_UNIT, unit->object.index, pa,
				   "unit %llu: %s at 0x%llx %s",
				   ULL(unit->object.index), what, ULL(pa), why);
	order = iolu_kho_map_block_order(run->opts->kho, pa);
	if (directory ? order >= (int)need : order == (int)need)
		return 0;
	if (!directory)
		return iolu_report(run->findings, "vtd-table-unpreserved",
				   IOLU_OBJ_UNIT, unit->object.index, pa,
				   "unit %llu: %s at 0x%llx must be a preserved block of one page, the block it starts has %llu",
				   ULL(unit->object.index), what, ULL(pa),
				   ULL(1ull << order));
	return iolu_report(run->findings, "vtd-table-unpreserved",
			   IOLU_OBJ_UNIT, unit->object.index, pa,
			   "unit %llu: %s at 0x%llx needs %llu pages preserved as one block, the block it starts has %llu",
			   ULL(unit->object.index), what, ULL(pa),
			   ULL(1ull << need), ULL(1ull << order));
}

/* Unit-level rules; returns 1 when its devices can be looked up. */
static int check_unit_once(struct hw_run *run, long position)
{
	const struct iolu_unit *unit = &run->state->units[position];
	int ret;

	if (run->unit_seen[position])
		return run->unit_seen[position] == 1;
	run->unit_seen[position] = 2;
	if (unit->type != IOLU_UNIT_INTEL_VTD) {
		ret = iolu_report(run->findings, "hw-unsupported",
				  IOLU_OBJ_UNIT, unit->object.index,
				  unit->object.pa,
				  "unit %llu is of type %u: only VT-d tables are checked",
				  ULL(unit->object.index), unit->type);
		return ret;
	}
	if (!unit->root_table_pa) {
		ret = iolu_report(run->findings, "unit-no-root-table",
				  IOLU_OBJ_UNIT, unit->object.index,
				  unit->object.pa,
				  "VT-d unit %llu has preserved devices but no root table",
				  ULL(unit->object.index));
		return ret;
	}
	ret = iolu_hw_check_table(run, unit, unit->root_table_pa, 4096, false,
				  "root table");
	if (!ret)
		ret = iolu_hw_scan_unit(run, position);
	if (ret)
		return ret;
	run->unit_seen[position] = 1;
	return 1;
}

static int check_lookup_tables(struct hw_run *run, const struct iolu_unit *unit,
			       const struct iolu_vtd_lookup *lookup)
{
	int ret = 0;

	if (lookup->context_table_pa)
		ret = iolu_hw_check_table(run, unit, lookup->context_table_pa, 4096,
				  false, "context table");
	if (!ret && lookup->pasid_dir_pa)
		ret = iolu_hw_check_table(run, unit, lookup->pasid_dir_pa,
				  lookup->pasid_dir_bytes, true,
				  "PASID directory");
	if (!ret && lookup->pasid_table_pa)
		ret = iolu_hw_check_table(run, unit, lookup->pasid_table_pa, 4096,
				  false, "PASID table");
	return ret;
}

#define REPORT_DEVICE(run, rule, device, pa, fmt, ...)			\
	iolu_report((run)->findings, rule, IOLU_OBJ_DEVICE,		\
		    (device)->object.index, pa, "device %llu (%02x:%02x.%u): " fmt, \
		    ULL((device)->object.index), (device)->requester_id >> 8, \
		    ((device)->requester_id >> 3) & 0x1f,		\
		    (device)->requester_id & 7, __VA_ARGS__)

/* Entries missing on the way to the device's translation. */
static int check_presence(struct hw_run *run, const struct iolu_device *device,
			  const struct iolu_vtd_lookup *lookup, int *complete)
{
	*complete = 0;
	if (!lookup->root_present)
		return REPORT_DEVICE(run, "root-entry-absent", device,
				     lookup->root_entry_pa,
				     "root entry at 0x%llx is not present",
				     ULL(lookup->root_entry_pa));
	if (!lookup->context_present)
		return REPORT_DEVICE(run, "context-entry-absent", device,
				     lookup->context_entry_pa,
				     "context entry at 0x%llx is not present",
				     ULL(lookup->context_entry_pa));
	if (lookup->scalable && !lookup->pasid_present)
		return REPORT_DEVICE(run, "pasid-entry-absent", device,
				     lookup->pasid_entry_pa ?
				     lookup->pasid_entry_pa : lookup->pasid_dir_pa,
				     "no present PASID entry for RID_PASID %u (directory 0x%llx)",
				     lookup->rid_pasid, ULL(lookup->pasid_dir_pa));
	*complete = 1;
	return 0;
}

static int compare_translation(struct hw_run *run,
			       const struct iolu_device *device,
			       const struct iolu_domain *domain,
			       const struct iolu_vtd_lookup *lookup)
{
	uint64_t entry_pa = lookup->scalable ? lookup->pasid_entry_pa :
					       lookup->context_entry_pa;
	int ret = 0;

	if (lookup->format != domain->format)
		return REPORT_DEVICE(run, "hw-translation-invalid", device,
				     entry_pa,
				     "%s translation type %u does not use the domain's format %u table",
				     lookup->scalable ? "PASID entry" :
				     "context entry", lookup->translation_type,
				     domain->format);
	if (lookup->pgtable_pa != domain->pgtable_pa)
		ret = REPORT_DEVICE(run, "hw-pgtable-mismatch", device, entry_pa,
				    "entry points at table 0x%llx, domain %llu's root is 0x%llx",
				    ULL(lookup->pgtable_pa),
				    ULL(domain->object.index),
				    ULL(domain->pgtable_pa));
	if (!ret && lookup->domain_id != device->domain_id)
		ret = REPORT_DEVICE(run, "hw-domain-id-mismatch", device,
				    entry_pa,
				    "entry has domain ID %u, the device preserved %u",
				    lookup->domain_id, device->domain_id);
	if (!ret && lookup->levels != domain->levels)
		ret = REPORT_DEVICE(run, "hw-levels-mismatch", device, entry_pa,
				    "entry selects %u levels, domain %llu has %u",
				    lookup->levels, ULL(domain->object.index),
				    domain->levels);
	return ret;
}

static int check_device(struct hw_run *run, const struct iolu_device *device)
{
	const struct iolu_unit *unit = &run->state->units[device->unit];
	const struct iolu_domain *domain = &run->state->domains[device->domain];
	struct iolu_vtd_lookup lookup;
	struct iolu_err err = { 0 };
	int ret, complete;

	ret = check_unit_once(run, device->unit);
	if (ret <= 0)
		return ret;
	if (iolu_vtd_lookup(run->mem, unit->root_table_pa,
			    unit->unit_flags & IOLU_VTD_UNIT_SCALABLE,
			    device->requester_id, &lookup, &err))
		return REPORT_DEVICE(run, "hw-table-unreadable", device,
				     err.where, "%s", err.msg);
	ret = check_lookup_tables(run, unit, &lookup);
	if (!ret)
		ret = check_presence(run, device, &lookup, &complete);
	if (!ret && complete)
		ret = compare_translation(run, device, domain, &lookup);
	return ret;
}

struct rid_key {
	uint32_t segment;
	uint16_t requester_id;
	size_t position;
};

static int compare_rid_key(const void *a, const void *b)
{
	const struct rid_key *x = a, *y = b;

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	if (x->requester_id != y->requester_id)
		return x->requester_id < y->requester_id ? -1 : 1;
	return (x->position > y->position) - (x->position < y->position);
}

/*
 * Live devices whose segment and requester ID an earlier live device has:
 * rid-duplicate reports them, and their lookups would only find the other
 * device's entries. Returns a calloc'ed flag per device, or NULL.
 */
static unsigned char *find_rid_duplicates(const struct iolu_state *state)
{
	unsigned char *duplicate = calloc(state->nr_devices + 1, 1);
	struct rid_key *keys = iolu_big_realloc(NULL, 0, state->nr_devices,
						sizeof(*keys));
	size_t nr = 0;

	if (!duplicate || !keys) {
		free(duplicate);
		free(keys);
		return NULL;
	}
	for (size_t i = 0; i < state->nr_devices; i++)
		if (iolu_object_live(&state->devices[i].object))
			keys[nr++] = (struct rid_key){
				state->devices[i].segment,
				state->devices[i].requester_id, i,
			};
	iolu_sort(keys, nr, sizeof(*keys), compare_rid_key);
	for (size_t i = 1; i < nr; i++)
		if (keys[i].segment == keys[i - 1].segment &&
		    keys[i].requester_id == keys[i - 1].requester_id)
			duplicate[keys[i].position] = 1;
	free(keys);
	return duplicate;
}

int iolu_check_hardware(const struct iolu_mem *mem,
			const struct iolu_state *state,
			const struct iolu_check_opts *opts,
			struct iolu_owners *owners,
			struct iolu_findings *findings)
{
	struct hw_run run = {
		.mem = mem, .state = state, .opts = opts, .findings = findings,
		.owners = owners,
	};
	unsigned char *duplicate = find_rid_duplicates(state);
	int ret = 0;

	run.unit_seen = calloc(state->nr_units ? state->nr_units : 1, 1);
	if (!run.unit_seen || !duplicate) {
		free(run.unit_seen);
		free(duplicate);
		return -ENOMEM;
	}
	iolu_pageset_init(&run.checked_tables);
	for (size_t i = 0; !ret && i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];

		/* Broken links are structural findings already. */
		if (!iolu_object_live(&device->object) || duplicate[i] ||
		    device->unit < 0 ||
		    device->domain < 0 ||
		    !iolu_object_live(&state->units[device->unit].object) ||
		    !iolu_object_live(&state->domains[device->domain].object))
			continue;
		ret = check_device(&run, device);
	}
	iolu_pageset_free(&run.checked_tables);
	free(run.unit_seen);
	free(duplicate);
	return ret;
}
