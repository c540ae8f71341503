// SPDX-License-Identifier: GPL-2.0
/* iolu_check() and the structural rules of the object graph. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bigalloc.h"
#include "check.h"
#include "findings.h"

#define ULL(x) ((unsigned long long)(x))

static int check_header(const struct iolu_state *state,
			struct iolu_findings *findings)
{
	int ret = 0;

	if (strcmp(state->compatible, IOLU_COMPATIBLE))
		ret = iolu_report(findings, "compatible-mismatch",
				  IOLU_OBJ_STATE, 0, state->header_pa,
				  "compatible is \"%.16s\", expected \"%s\"",
				  state->compatible, IOLU_COMPATIBLE);
	if (!ret && (state->reserved[0] || state->reserved[1]))
		ret = iolu_report(findings, "header-reserved-nonzero",
				  IOLU_OBJ_STATE, 0, state->header_pa,
				  "reserved words are 0x%llx 0x%llx",
				  ULL(state->reserved[0]), ULL(state->reserved[1]));
	return ret;
}

const struct iolu_object *iolu_state_object(const struct iolu_state *state,
					    enum iolu_obj_kind kind, size_t i)
{
	switch (kind) {
	case IOLU_OBJ_UNIT:
		return &state->units[i].object;
	case IOLU_OBJ_DOMAIN:
		return &state->domains[i].object;
	default:
		return &state->devices[i].object;
	}
}

size_t iolu_state_nr_objects(const struct iolu_state *state,
			     enum iolu_obj_kind kind)
{
	switch (kind) {
	case IOLU_OBJ_UNIT:
		return state->nr_units;
	case IOLU_OBJ_DOMAIN:
		return state->nr_domains;
	default:
		return state->nr_devices;
	}
}

static size_t count_live(const struct iolu_state *state,
			 enum iolu_obj_kind kind)
{
	size_t live = 0;

	for (size_t i = 0; i < iolu_state_nr_objects(state, kind); i++)
		live += iolu_object_live(iolu_state_object(state, kind, i));
	return live;
}

static int check_count(struct iolu_findings *findings,
		       const struct iolu_state *state, const char *kind,
		       uint64_t in_header, size_t live)
{
	if (in_header == live)
		return 0;
	return iolu_report(findings, "count-mismatch", IOLU_OBJ_STATE, 0,
			   state->header_pa,
			   "header counts %llu live %ss, the chain holds %zu",
			   ULL(in_header), kind, live);
}

static int check_counts(const struct iolu_state *state,
			struct iolu_findings *findings)
{
	int ret;

	ret = check_count(findings, state, "unit", state->nr_units_hdr,
			  count_live(state, IOLU_OBJ_UNIT));
	if (!ret)
		ret = check_count(findings, state, "domain", state->nr_domains_hdr,
				  count_live(state, IOLU_OBJ_DOMAIN));
	if (!ret)
		ret = check_count(findings, state, "device", state->nr_devices_hdr,
				  count_live(state, IOLU_OBJ_DEVICE));
	return ret;
}

/*
 * Flag bits and the common checks of every object of any kind, as the next
 * kernel's iommu_lu_check_object(): flags of every entry, deleted ones
 * too; reserved fields and the reference count of live ones.
 */
static int check_object(struct iolu_findings *findings,
			enum iolu_obj_kind kind, const struct iolu_object *object,
			bool reserved_nonzero, uint32_t expected_refs)
{
	const char *name = iolu_obj_kind_name(kind);
	uint32_t unknown = object->flags & ~IOLU_OBJ_FLAG_DELETED;
	int ret = 0;

	if (unknown)
		return iolu_report(findings, "object-flags-unknown", kind,
				   object->index, object->pa,
				   "%s %llu has unknown flag bits 0x%x", name,
				   ULL(object->index), unknown);
	if (!iolu_object_live(object))
		return 0;
	if (!ret && reserved_nonzero)
		ret = iolu_report(findings, "object-reserved-nonzero", kind,
				  object->index, object->pa,
				  "%s %llu has non-zero reserved fields", name,
				  ULL(object->index));
	if (!ret && object->refcount != expected_refs)
		ret = iolu_report(findings, "refcount-mismatch", kind,
				  object->index, object->pa,
				  "%s %llu has refcount %u, %u live device%s refer%s to it",
				  name, ULL(object->index), object->refcount,
				  expected_refs, expected_refs == 1 ? "" : "s",
				  expected_refs == 1 ? "s" : "");
	return ret;
}

static int check_objects(const struct iolu_state *state,
			 struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_units; i++) {
		const struct iolu_unit *unit = &state->units[i];

		ret = check_object(findings, IOLU_OBJ_UNIT, &unit->object,
				   unit->reserved[0] || unit->reserved[1],
				   unit->object.referrers);
	}
	for (size_t i = 0; !ret && i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];

		ret = check_object(findings, IOLU_OBJ_DOMAIN, &domain->object,
				   domain->reserved, domain->object.referrers);
	}
	for (size_t i = 0; !ret && i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];

		/* The refcount of a device is its own reference. */
		ret = check_object(findings, IOLU_OBJ_DEVICE, &device->object,
				   device->reserved0 || device->reserved1 ||
				   device->reserved2, 1);
	}
	return ret;
}

void iolu_sort(void *base, size_t nr, size_t size,
	       int (*compare)(const void *, const void *))
{
	const char *item = base;

	for (size_t i = 1; i < nr; i++, item += size)
		if (compare(item, item + size) > 0) {
			qsort(base, nr, size, compare);
			return;
		}
}

/* Sort keys of live objects to find duplicates in one pass. */
struct dup_key {
	uint64_t key[2];
	size_t position;
};

static int compare_dup_key(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;

	for (int i = 0; i < 2; i++)
		if (x->key[i] != y->key[i])
			return x->key[i] < y->key[i] ? -1 : 1;
	return (x->position > y->position) - (x->position < y->position);
}

typedef int (*dup_reporter)(struct iolu_findings *findings,
			    const struct iolu_state *state,
			    enum iolu_obj_kind kind, size_t position,
			    size_t first_position);

static int report_duplicates(struct dup_key *keys, size_t nr,
			     const struct iolu_state *state,
			     enum iolu_obj_kind kind,
			     struct iolu_findings *findings,
			     dup_reporter report)
{
	size_t first = 0;
	int ret = 0;

	iolu_sort(keys, nr, sizeof(*keys), compare_dup_key);
	for (size_t i = 1; !ret && i < nr; i++) {
		if (memcmp(keys[i].key, keys[first].key, sizeof(keys[i].key))) {
			first = i;
			continue;
		}
		ret = report(findings, state, kind, keys[i].position,
			     keys[first].position);
	}
	return ret;
}

static int report_index(struct iolu_findings *findings,
			const struct iolu_state *state,
			enum iolu_obj_kind kind, size_t position,
			size_t first_position)
{
	const struct iolu_object *object = iolu_state_object(state, kind, position);
	const struct iolu_object *first = iolu_state_object(state, kind,
						    first_position);

	return iolu_report(findings, "index-duplicate", kind,
			   object->index, object->pa,
			   "%s index %llu is also used by the entry at 0x%llx",
			   iolu_obj_kind_name(kind), ULL(object->index),
			   ULL(first->pa));
}

static int report_rid(struct iolu_findings *findings,
		      const struct iolu_state *state,
			enum iolu_obj_kind kind, size_t position,
		      size_t first_position)
{
	(void)kind;
	const struct iolu_device *device = &state->devices[position];

	return iolu_report(findings, "rid-duplicate", IOLU_OBJ_DEVICE,
			   device->object.index, device->object.pa,
			   "device %llu is %04x:%02x:%02x.%u, as device %llu is",
			   ULL(device->object.index), device->segment,
			   device->requester_id >> 8,
			   (device->requester_id >> 3) & 0x1f,
			   device->requester_id & 7,
			   ULL(state->devices[first_position].object.index));
}

static int report_unit(struct iolu_findings *findings,
		       const struct iolu_state *state,
			enum iolu_obj_kind kind, size_t position,
		       size_t first_position)
{
	(void)kind;
	const struct iolu_unit *unit = &state->units[position];

	return iolu_report(findings, "unit-duplicate", IOLU_OBJ_UNIT,
			   unit->object.index, unit->object.pa,
			   "unit %llu (type %u, registers 0x%llx) duplicates unit %llu",
			   ULL(unit->object.index), unit->type,
			   ULL(unit->reg_base_pa),
			   ULL(state->units[first_position].object.index));
}

/* What must be unique among the live objects of a kind. */
enum dup_field {
	DUP_INDEX,		/* any kind */
	DUP_IDENTITY,		/* unit: type + register base */
	DUP_REQUESTER,		/* device: segment + requester ID */
};

static void dup_key_of(const struct iolu_state *state, enum iolu_obj_kind kind,
		       enum dup_field field, size_t i, struct dup_key *key)
{
	key->position = i;
	key->key[1] = 0;
	if (field == DUP_INDEX) {
		key->key[0] = iolu_state_object(state, kind, i)->index;
	} else if (kind == IOLU_OBJ_UNIT) {
		key->key[0] = state->units[i].type;
		key->key[1] = state->units[i].reg_base_pa;
	} else {
		key->key[0] = state->devices[i].segment;
		key->key[1] = state->devices[i].requester_id;
	}
}

static int find_duplicates(const struct iolu_state *state,
			   enum iolu_obj_kind kind, enum dup_field field,
			   struct iolu_findings *findings, dup_reporter report)
{
	size_t nr = iolu_state_nr_objects(state, kind), used = 0;
	struct dup_key *keys = iolu_big_realloc(NULL, 0, nr, sizeof(*keys));
	int ret;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++)
		if (iolu_object_live(iolu_state_object(state, kind, i)))
			dup_key_of(state, kind, field, i, &keys[used++]);
	ret = report_duplicates(keys, used, state, kind, findings, report);
	free(keys);
	return ret;
}

static int check_uniqueness(const struct iolu_state *state,
			    struct iolu_findings *findings)
{
	int ret;

	ret = find_duplicates(state, IOLU_OBJ_UNIT, DUP_INDEX, findings,
			      report_index);
	if (!ret)
		ret = find_duplicates(state, IOLU_OBJ_DOMAIN, DUP_INDEX,
				      findings, report_index);
	if (!ret)
		ret = find_duplicates(state, IOLU_OBJ_DEVICE, DUP_INDEX,
				      findings, report_index);
	if (!ret)
		ret = find_duplicates(state, IOLU_OBJ_UNIT, DUP_IDENTITY,
				      findings, report_unit);
	/*
	 * No token rule: LUO tokens are unique within a session, and two
	 * sessions (two VMs) may both use one; the next kernel finds a device
	 * by its requester ID, never by its token.
	 */
	if (!ret)
		ret = find_duplicates(state, IOLU_OBJ_DEVICE, DUP_REQUESTER,
				      findings, report_rid);
	return ret;
}

/* One link of a device: to its domain or to its unit. */
static int check_link(struct iolu_findings *findings,
		      const struct iolu_device *device, const char *what,
		      uint64_t target_pa, const struct iolu_object *target,
		      const char *invalid_rule)
{
	if (!target)
		return iolu_report(findings, invalid_rule, IOLU_OBJ_DEVICE,
				   device->object.index, device->object.pa,
				   "device %llu points at 0x%llx, which is not a %s entry",
				   ULL(device->object.index), ULL(target_pa),
				   what);
	if (!iolu_object_live(target))
		return iolu_report(findings, "deleted-referenced",
				   IOLU_OBJ_DEVICE, device->object.index,
				   device->object.pa,
				   "device %llu points at deleted %s %llu at 0x%llx",
				   ULL(device->object.index), what,
				   ULL(target->index), ULL(target_pa));
	return 0;
}

static int check_devices(const struct iolu_state *state,
			 struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];
		const struct iolu_unit *unit = device->unit >= 0 ?
			&state->units[device->unit] : NULL;
		const struct iolu_domain *domain = device->domain >= 0 ?
			&state->domains[device->domain] : NULL;

		if (!iolu_object_live(&device->object))
			continue;
		ret = check_link(findings, device, "domain", device->domain_pa,
				 domain ? &domain->object : NULL,
				 "device-domain-invalid");
		if (!ret)
			ret = check_link(findings, device, "unit",
					 device->unit_pa,
					 unit ? &unit->object : NULL,
					 "device-unit-invalid");
		if (!ret && unit && iolu_object_live(&unit->object) &&
		    unit->segment != device->segment)
			ret = iolu_report(findings, "device-segment-mismatch",
					  IOLU_OBJ_DEVICE, device->object.index,
					  device->object.pa,
					  "device %llu is in PCI segment %u, its unit %llu in %u",
					  ULL(device->object.index),
					  device->segment,
					  ULL(unit->object.index), unit->segment);
	}
	return ret;
}

bool iolu_domain_walkable(const struct iolu_domain *domain)
{
	if (!domain->pgtable_pa || (domain->pgtable_pa & 0xfff))
		return false;
	if (domain->format == IOLU_PT_VTD_SECOND_STAGE)
		return domain->levels >= 3 && domain->levels <= 5;
	if (domain->format == IOLU_PT_VTD_FIRST_STAGE)
		return domain->levels == 4 || domain->levels == 5;
	return false;
}

/* Why a domain's description is unusable, or NULL. */
static const char *domain_problem(const struct iolu_domain *domain)
{
	if (domain->format < IOLU_PT_VTD_SECOND_STAGE || domain->format > 5)
		return "unknown page table format";
	if (!domain->pgtable_pa || (domain->pgtable_pa & 0xfff))
		return "page table root missing or not page aligned";
	if ((domain->format == IOLU_PT_VTD_SECOND_STAGE ||
	     domain->format == IOLU_PT_VTD_FIRST_STAGE) &&
	    !iolu_domain_walkable(domain))
		return "levels out of range for the format";
	if (domain->aperture_start > domain->aperture_end)
		return "aperture starts after it ends";
	if (!domain->addr_width || domain->addr_width > 64)
		return "address width out of range";
	/*
	 * The VT-d driver limits a domain's width to what its levels cover
	 * (compute_vasz_lg2_ss(): more levels than the width needs happen on
	 * hardware that walks only 4 or 5 levels), and the next kernel wants
	 * both back as its own domain has them (intel_lu_check_domain_obj()).
	 */
	if (iolu_domain_walkable(domain) &&
	    domain->addr_width > 12 + 9 * domain->levels)
		return "address width beyond what the levels translate";
	return NULL;
}

/*
 * The series restores VT-d tables of either stage: the VT-d driver
 * allocates the restore domain in the preserved stage and refuses any
 * other format (intel_iommu_domain_alloc_preserved()), and no other
 * driver has a restore op.
 */
static int check_domain_format(const struct iolu_domain *domain,
			       struct iolu_findings *findings)
{
	if (domain->format == IOLU_PT_VTD_SECOND_STAGE ||
	    domain->format == IOLU_PT_VTD_FIRST_STAGE)
		return 0;
	return iolu_report(findings, "domain-format-unsupported",
			   IOLU_OBJ_DOMAIN, domain->object.index,
			   domain->object.pa,
			   "domain %llu has page table format %u; the next kernel restores only VT-d first-stage (%u) and second-stage (%u) tables",
			   ULL(domain->object.index), domain->format,
			   IOLU_PT_VTD_FIRST_STAGE, IOLU_PT_VTD_SECOND_STAGE);
}

static int check_domains(const struct iolu_state *state,
			 struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];
		const char *problem = domain_problem(domain);

		if (!iolu_object_live(&domain->object))
			continue;
		if (!problem)
			ret = check_domain_format(domain, findings);
		if (ret || !problem)
			continue;
		ret = iolu_report(findings, "domain-format-invalid",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->object.pa,
				  "domain %llu: %s (format %u, levels %u, table 0x%llx, aperture 0x%llx-0x%llx, width %u)",
				  ULL(domain->object.index), problem,
				  domain->format, domain->levels,
				  ULL(domain->pgtable_pa),
				  ULL(domain->aperture_start),
				  ULL(domain->aperture_end), domain->addr_width);
	}
	return ret;
}

/*
 * Domain IDs the next kernel and the hardware keep for themselves: 0 is
 * reserved when the unit caches not-present entries (caching mode, which
 * QEMU's unit has), 1 is the driver's own FLPT_DEFAULT_DID (identity and
 * first-stage defaults), and an ID is 16 bits. The driver allocates from
 * IDA_START_DID (2).
 */
#define VTD_FIRST_DOMAIN_ID	2u
#define VTD_LAST_DOMAIN_ID	0xffffu

static int check_domain_id_range(const struct iolu_state *state,
				 struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];

		if (!iolu_object_live(&device->object) ||
		    (device->domain_id >= VTD_FIRST_DOMAIN_ID &&
		     device->domain_id <= VTD_LAST_DOMAIN_ID))
			continue;
		ret = iolu_report(findings, "domain-id-reserved",
				  IOLU_OBJ_DEVICE, device->object.index,
				  device->object.pa,
				  "device %llu uses domain ID %u; VT-d domain IDs are 16 bits and the driver keeps 0 and 1",
				  ULL(device->object.index), device->domain_id);
	}
	return ret;
}

struct did_key {
	long unit;
	uint32_t domain_id;
	long domain;
	size_t position;
};

static int compare_did_key(const void *a, const void *b)
{
	const struct did_key *x = a, *y = b;

	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	if (x->domain_id != y->domain_id)
		return x->domain_id < y->domain_id ? -1 : 1;
	return (x->position > y->position) - (x->position < y->position);
}

static int report_did(const struct iolu_state *state, const struct did_key *key,
		      const struct did_key *first,
		      struct iolu_findings *findings)
{
	const struct iolu_device *device = &state->devices[key->position];

	return iolu_report(findings, "domain-id-conflict", IOLU_OBJ_DEVICE,
			   device->object.index, device->object.pa,
			   "device %llu uses domain ID %u of its unit for domain %llu, device %llu for domain %llu",
			   ULL(device->object.index), key->domain_id,
			   ULL(state->domains[key->domain].object.index),
			   ULL(state->devices[first->position].object.index),
			   ULL(state->domains[first->domain].object.index));
}

static int compare_domain_key(const void *a, const void *b)
{
	const struct did_key *x = a, *y = b;

	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	return (x->position > y->position) - (x->position < y->position);
}

/*
 * The next kernel restores a domain shared by several devices once and
 * gives it, on each unit, the domain ID of the first of its devices there
 * (intel_lu_restore_dids()); it refuses the domain when another device on
 * that unit used another ID, since that device's context entry would not
 * match the restored domain.
 */
static int check_domain_id_split(const struct iolu_state *state,
				 struct did_key *keys, size_t nr,
				 struct iolu_findings *findings)
{
	size_t first = 0;
	int ret = 0;

	iolu_sort(keys, nr, sizeof(*keys), compare_domain_key);
	for (size_t i = 1; !ret && i < nr; i++) {
		const struct iolu_device *device = &state->devices[keys[i].position];

		if (keys[i].unit != keys[first].unit ||
		    keys[i].domain != keys[first].domain) {
			first = i;
			continue;
		}
		if (keys[i].domain_id == keys[first].domain_id)
			continue;
		ret = iolu_report(findings, "domain-id-split", IOLU_OBJ_DEVICE,
				  device->object.index, device->object.pa,
				  "device %llu uses domain ID %u for domain %llu, device %llu behind the same unit uses %u",
				  ULL(device->object.index), keys[i].domain_id,
				  ULL(state->domains[keys[i].domain].object.index),
				  ULL(state->devices[keys[first].position].object.index),
				  keys[first].domain_id);
	}
	return ret;
}

/*
 * The IOTLB of a unit caches translations by domain ID: two page tables
 * under one ID behind one unit would serve each other's cached entries,
 * and the next kernel reserves the ID once for both.
 */
static int check_domain_ids(const struct iolu_state *state,
			    struct iolu_findings *findings)
{
	struct did_key *keys = iolu_big_realloc(NULL, 0, state->nr_devices,
						sizeof(*keys));
	size_t nr = 0, first = 0;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];

		if (iolu_object_live(&device->object) && device->unit >= 0 &&
		    device->domain >= 0)
			keys[nr++] = (struct did_key){ device->unit,
				device->domain_id, device->domain, i };
	}
	iolu_sort(keys, nr, sizeof(*keys), compare_did_key);
	for (size_t i = 1; !ret && i < nr; i++) {
		if (keys[i].unit != keys[first].unit ||
		    keys[i].domain_id != keys[first].domain_id) {
			first = i;
			continue;
		}
		if (keys[i].domain != keys[first].domain)
			ret = report_did(state, &keys[i], &keys[first], findings);
	}
	if (!ret)
		ret = check_domain_id_split(state, keys, nr, findings);
	free(keys);
	return ret;
}

int iolu_check_structure(const struct iolu_state *state,
			 struct iolu_findings *findings)
{
	int ret;

	ret = check_header(state, findings);
	if (!ret)
		ret = check_counts(state, findings);
	if (!ret)
		ret = check_objects(state, findings);
	if (!ret)
		ret = check_uniqueness(state, findings);
	if (!ret)
		ret = check_devices(state, findings);
	if (!ret)
		ret = check_domains(state, findings);
	if (!ret)
		ret = check_domain_id_range(state, findings);
	if (!ret)
		ret = check_domain_ids(state, findings);
	return ret;
}

int iolu_check(const struct iolu_mem *mem, const struct iolu_state *state,
	       const struct iolu_check_opts *opts,
	       struct iolu_findings *findings)
{
	struct iolu_owners owners;
	int ret = 0;

	iolu_owners_init(&owners);
	if (opts->checks & IOLU_CHECK_STRUCTURE)
		ret = iolu_check_structure(state, findings);
	if (!ret && (opts->checks & IOLU_CHECK_MEMORY))
		ret = iolu_check_memory(mem, state, opts, &owners, findings);
	else if (!ret && (opts->checks & IOLU_CHECK_PGTABLES))
		ret = iolu_check_pgtables(mem, state, opts, NULL, findings);
	if (!ret && (opts->checks & IOLU_CHECK_HARDWARE))
		ret = iolu_check_hardware(mem, state, opts, &owners, findings);
	if (!ret && (opts->checks & IOLU_CHECK_MEMORY))
		ret = iolu_owners_report(&owners, findings);
	if (!ret && (opts->checks & IOLU_CHECK_MEMORY) &&
	    (opts->checks & IOLU_CHECK_PGTABLES))
		ret = iolu_check_target_owners(mem, state, &owners, findings);
	iolu_owners_free(&owners);
	return ret;
}
