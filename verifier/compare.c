// SPDX-License-Identifier: GPL-2.0
/*
 * Compare the state before kexec with the state after it: the same units,
 * devices and domains must be there, and every preserved domain must
 * translate every IOVA exactly as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "findings.h"

#define ULL(x) ((unsigned long long)(x))

/* Extent differences per domain pair before the rest is summarized. */
#define MAX_EXTENT_DIFFS	16

struct compare_run {
	const struct iolu_mem *before_mem, *after_mem;
	const struct iolu_state *before, *after;
	struct iolu_findings *findings;
	/* after-position of each before object, -1 when unmatched */
	long *unit_match, *device_match, *domain_match;
};

struct match_key {
	uint64_t key[2];
	long position;
};

static int compare_match_key(const void *a, const void *b)
{
	const struct match_key *x = a, *y = b;

	for (int i = 0; i < 2; i++)
		if (x->key[i] != y->key[i])
			return x->key[i] < y->key[i] ? -1 : 1;
	return 0;
}

static void unit_key(const struct iolu_unit *unit, struct match_key *key)
{
	key->key[0] = unit->type;
	key->key[1] = unit->reg_base_pa;
}

static void device_key(const struct iolu_device *device, struct match_key *key)
{
	key->key[0] = device->segment;
	key->key[1] = device->requester_id;
}

/* The key a unit or device is matched by across the kexec. */
static void match_key_of(const struct iolu_state *state,
			 enum iolu_obj_kind kind, size_t i, struct match_key *key)
{
	if (kind == IOLU_OBJ_UNIT)
		unit_key(&state->units[i], key);
	else
		device_key(&state->devices[i], key);
}

/*
 * Sorted keys of the live "after" units or devices. Duplicates there are
 * structural findings of their own; the first one wins here.
 */
static struct match_key *sorted_keys(const struct iolu_state *state,
				     enum iolu_obj_kind kind, size_t *nr)
{
	size_t nr_objects = iolu_state_nr_objects(state, kind);
	struct match_key *keys = malloc((nr_objects + 1) * sizeof(*keys));

	*nr = 0;
	if (!keys)
		return NULL;
	for (size_t i = 0; i < nr_objects; i++) {
		if (!iolu_object_live(iolu_state_object(state, kind, i)))
			continue;
		match_key_of(state, kind, i, &keys[*nr]);
		keys[(*nr)++].position = (long)i;
	}
	qsort(keys, *nr, sizeof(*keys), compare_match_key);
	return keys;
}

static long find_key(const struct match_key *keys, size_t nr,
		     const struct match_key *key)
{
	const struct match_key *hit;

	if (!nr)
		return -1;
	hit = bsearch(key, keys, nr, sizeof(*keys), compare_match_key);
	return hit ? hit->position : -1;
}

/* Mark which after objects a before object matched, to find new ones. */
static int report_appeared_units(struct compare_run *run,
				 const unsigned char *matched)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < run->after->nr_units; i++) {
		const struct iolu_unit *unit = &run->after->units[i];

		if (matched[i] || !iolu_object_live(&unit->object))
			continue;
		ret = iolu_report(run->findings, "unit-appeared", IOLU_OBJ_UNIT,
				  unit->object.index, unit->object.pa,
				  "unit %llu (type %u, registers 0x%llx) was not preserved before kexec",
				  ULL(unit->object.index), unit->type,
				  ULL(unit->reg_base_pa));
	}
	return ret;
}

static int compare_unit(struct compare_run *run, const struct iolu_unit *old,
			const struct iolu_unit *new)
{
	if (old->segment == new->segment &&
	    old->root_table_pa == new->root_table_pa &&
	    old->unit_flags == new->unit_flags)
		return 0;
	return iolu_report(run->findings, "unit-changed", IOLU_OBJ_UNIT,
			   new->object.index, new->object.pa,
			   "unit %llu (registers 0x%llx): segment %u -> %u, root table 0x%llx -> 0x%llx, flags 0x%llx -> 0x%llx",
			   ULL(new->object.index), ULL(new->reg_base_pa),
			   old->segment, new->segment,
			   ULL(old->root_table_pa), ULL(new->root_table_pa),
			   ULL(old->unit_flags), ULL(new->unit_flags));
}

static int match_units(struct compare_run *run)
{
	unsigned char *matched = calloc(run->after->nr_units + 1, 1);
	struct match_key *keys, key;
	size_t nr;
	int ret = 0;

	keys = sorted_keys(run->after, IOLU_OBJ_UNIT, &nr);
	if (!keys || !matched) {
		free(keys);
		free(matched);
		return -ENOMEM;
	}
	for (size_t i = 0; !ret && i < run->before->nr_units; i++) {
		const struct iolu_unit *unit = &run->before->units[i];
		long hit;

		if (!iolu_object_live(&unit->object))
			continue;
		unit_key(unit, &key);
		hit = find_key(keys, nr, &key);
		run->unit_match[i] = hit;
		if (hit < 0) {
			ret = iolu_report(run->findings, "unit-vanished",
					  IOLU_OBJ_UNIT, unit->object.index,
					  unit->object.pa,
					  "unit %llu (type %u, registers 0x%llx) is missing after kexec",
					  ULL(unit->object.index), unit->type,
					  ULL(unit->reg_base_pa));
			continue;
		}
		matched[hit] = 1;
		ret = compare_unit(run, unit, &run->after->units[hit]);
	}
	if (!ret)
		ret = report_appeared_units(run, matched);
	free(keys);
	free(matched);
	return ret;
}

/* Identity (type, register base) of a device's unit, for comparison. */
static bool same_unit(const struct compare_run *run,
		      const struct iolu_device *old,
		      const struct iolu_device *new)
{
	const struct iolu_unit *a, *b;

	if (old->unit < 0 || new->unit < 0)
		return old->unit < 0 && new->unit < 0;
	a = &run->before->units[old->unit];
	b = &run->after->units[new->unit];
	return a->type == b->type && a->reg_base_pa == b->reg_base_pa;
}

static int compare_device(struct compare_run *run,
			  const struct iolu_device *old,
			  const struct iolu_device *new)
{
	if (old->token == new->token && old->domain_id == new->domain_id &&
	    same_unit(run, old, new))
		return 0;
	return iolu_report(run->findings, "device-changed", IOLU_OBJ_DEVICE,
			   new->object.index, new->object.pa,
			   "device %04x:%02x:%02x.%u: token 0x%llx -> 0x%llx, domain ID %u -> %u%s",
			   new->segment, new->requester_id >> 8,
			   (new->requester_id >> 3) & 0x1f,
			   new->requester_id & 7, ULL(old->token),
			   ULL(new->token), old->domain_id, new->domain_id,
			   same_unit(run, old, new) ? "" : ", behind another unit");
}

static int report_device_change(struct compare_run *run,
				const char *rule,
				const struct iolu_device *device,
				const char *what)
{
	return iolu_report(run->findings, rule, IOLU_OBJ_DEVICE,
			   device->object.index, device->object.pa,
			   "device %04x:%02x:%02x.%u (token 0x%llx) %s",
			   device->segment, device->requester_id >> 8,
			   (device->requester_id >> 3) & 0x1f,
			   device->requester_id & 7, ULL(device->token), what);
}

static int match_devices(struct compare_run *run)
{
	unsigned char *matched = calloc(run->after->nr_devices + 1, 1);
	struct match_key *keys, key;
	size_t nr;
	int ret = 0;

	keys = sorted_keys(run->after, IOLU_OBJ_DEVICE, &nr);
	if (!keys || !matched) {
		free(keys);
		free(matched);
		return -ENOMEM;
	}
	for (size_t i = 0; !ret && i < run->before->nr_devices; i++) {
		const struct iolu_device *device = &run->before->devices[i];
		long hit;

		if (!iolu_object_live(&device->object))
			continue;
		device_key(device, &key);
		hit = find_key(keys, nr, &key);
		run->device_match[i] = hit;
		if (hit < 0) {
			ret = report_device_change(run, "device-vanished",
						   device,
						   "is missing after kexec");
			continue;
		}
		matched[hit] = 1;
		ret = compare_device(run, device, &run->after->devices[hit]);
	}
	for (size_t i = 0; !ret && i < run->after->nr_devices; i++) {
		const struct iolu_device *device = &run->after->devices[i];

		if (!matched[i] && iolu_object_live(&device->object))
			ret = report_device_change(run, "device-appeared",
						   device,
						   "was not preserved before kexec");
	}
	free(keys);
	free(matched);
	return ret;
}

/*
 * A domain matches the after-domain all its matched devices attach to.
 * Devices of one domain split over several, or two domains merged into
 * one, leave the domain unmatched.
 */
static int match_domains(struct compare_run *run)
{
	const struct iolu_state *before = run->before, *after = run->after;
	long *claimed_by = malloc((after->nr_domains + 1) * sizeof(long));
	unsigned char *split = calloc(before->nr_domains + 1, 1);
	int ret = 0;

	if (!claimed_by || !split) {
		free(claimed_by);
		free(split);
		return -ENOMEM;
	}
	for (size_t i = 0; i < after->nr_domains; i++)
		claimed_by[i] = -1;
	for (size_t i = 0; i < before->nr_devices; i++) {
		const struct iolu_device *old = &before->devices[i];
		long hit = run->device_match[i], from = old->domain, to;

		if (hit < 0 || from < 0 || after->devices[hit].domain < 0)
			continue;
		to = after->devices[hit].domain;
		if (run->domain_match[from] == -1 && claimed_by[to] == -1) {
			run->domain_match[from] = to;
			claimed_by[to] = from;
		} else if (run->domain_match[from] != to ||
			   claimed_by[to] != from) {
			split[from] = 1;
		}
	}
	for (size_t i = 0; !ret && i < before->nr_domains; i++) {
		const struct iolu_domain *domain = &before->domains[i];

		if (!split[i])
			continue;
		run->domain_match[i] = -1;
		ret = iolu_report(run->findings, "domain-unmatched",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->object.pa,
				  "the devices of domain %llu are not attached to one domain of their own after kexec",
				  ULL(domain->object.index));
	}
	free(claimed_by);
	free(split);
	return ret;
}

/* One difference between the two extent lists, possibly merged. */
struct extent_diff {
	const char *rule;
	uint64_t first, last;	/* IOVA range, inclusive */
	uint64_t phys_before, phys_after;
	uint32_t perm_before, perm_after;
};

struct diff_run {
	struct compare_run *run;
	const struct iolu_domain *domain;
	struct extent_diff pending;
	bool has_pending;
	size_t nr_diffs;
	int ret;
};

static const char *perm_name(uint32_t perm)
{
	static const char *const names[] = { "-", "r", "w", "rw" };

	return names[perm & 3];
}

static void flush_diff(struct diff_run *diff)
{
	const struct extent_diff *d = &diff->pending;

	if (!diff->has_pending || diff->ret)
		return;
	diff->has_pending = false;
	if (++diff->nr_diffs > MAX_EXTENT_DIFFS)
		return;
	diff->ret = iolu_report(diff->run->findings, d->rule, IOLU_OBJ_DOMAIN,
				diff->domain->object.index,
				strcmp(d->rule, "extent-vanished") ? d->phys_after : d->phys_before,
				"domain %llu IOVA 0x%llx-0x%llx: before %s 0x%llx %s, after %s 0x%llx %s",
				ULL(diff->domain->object.index), ULL(d->first),
				ULL(d->last),
				d->perm_before ? "->" : "unmapped",
				ULL(d->phys_before), perm_name(d->perm_before),
				d->perm_after ? "->" : "unmapped",
				ULL(d->phys_after), perm_name(d->perm_after));
}

static void add_diff(struct diff_run *diff, const struct extent_diff *d)
{
	struct extent_diff *p = &diff->pending;

	if (diff->has_pending && p->rule == d->rule && p->last + 1 == d->first) {
		p->last = d->last;
		return;
	}
	flush_diff(diff);
	diff->pending = *d;
	diff->has_pending = true;
}

static uint64_t extent_last(const struct iolu_extent *extent)
{
	return extent->iova + (extent->size - 1);
}

/*
 * Sweep both sorted lists once, cutting at every extent boundary, and
 * classify each piece: only before, only after, or both (same or not).
 */
static void diff_extents(struct diff_run *diff, const struct iolu_pt_walk *b,
			 const struct iolu_pt_walk *a)
{
	size_t i = 0, j = 0;
	uint64_t cursor = 0;

	while ((i < b->nr_extents || j < a->nr_extents) && !diff->ret) {
		const struct iolu_extent *eb = i < b->nr_extents ? &b->extents[i] : NULL;
		const struct iolu_extent *ea = j < a->nr_extents ? &a->extents[j] : NULL;
		struct extent_diff d = { 0 };
		uint64_t sb, sa, stop;

		if (eb && (!eb->size || extent_last(eb) < cursor)) {
			i++;
			continue;
		}
		if (ea && (!ea->size || extent_last(ea) < cursor)) {
			j++;
			continue;
		}
		sb = eb ? (eb->iova > cursor ? eb->iova : cursor) : UINT64_MAX;
		sa = ea ? (ea->iova > cursor ? ea->iova : cursor) : UINT64_MAX;
		if (eb && (!ea || sb < sa)) {
			stop = extent_last(eb);
			if (ea && sa - 1 < stop)
				stop = sa - 1;
			d = (struct extent_diff){ "extent-vanished", sb, stop,
				eb->phys + (sb - eb->iova), 0, eb->perm, 0 };
			add_diff(diff, &d);
		} else if (ea && (!eb || sa < sb)) {
			stop = extent_last(ea);
			if (eb && sb - 1 < stop)
				stop = sb - 1;
			d = (struct extent_diff){ "extent-appeared", sa, stop, 0,
				ea->phys + (sa - ea->iova), 0, ea->perm };
			add_diff(diff, &d);
		} else {
			stop = extent_last(eb) < extent_last(ea) ?
			       extent_last(eb) : extent_last(ea);
			d = (struct extent_diff){ "extent-changed", sb, stop,
				eb->phys + (sb - eb->iova),
				ea->phys + (sa - ea->iova), eb->perm, ea->perm };
			if (d.phys_before != d.phys_after ||
			    d.perm_before != d.perm_after)
				add_diff(diff, &d);
			else
				flush_diff(diff);
		}
		if (stop == UINT64_MAX)
			break;
		cursor = stop + 1;
	}
	flush_diff(diff);
}

/*
 * Continuity is proven only for tables walked completely: a side that
 * cannot be walked (corrupt entry, page missing from the snapshot) may map
 * anything, so the domain is reported instead of skipped.
 */
static int report_unwalked(struct compare_run *run, const char *side,
			   const struct iolu_domain *domain,
			   const struct iolu_pt_walk *walk, int walked)
{
	uint64_t pa = walked ? walk->error_pa : domain->pgtable_pa;

	return iolu_report(run->findings, "continuity-unwalked",
			   IOLU_OBJ_DOMAIN, domain->object.index, pa,
			   "domain %llu: the page table %s kexec was not walked completely, its IOVAs are not proven: %s",
			   ULL(domain->object.index), side,
			   walked && walk->error[0] ? walk->error :
			   "format or levels cannot be walked");
}

/* Walk one side; 1 when walked completely, 0 when reported, or -errno. */
static int walk_side(struct compare_run *run, const char *side,
		     const struct iolu_mem *mem,
		     const struct iolu_domain *domain,
		     struct iolu_pt_walk *walk)
{
	int walked = -EINVAL, ret;

	if (iolu_domain_walkable(domain))
		walked = iolu_pt_walk(mem, domain->pgtable_pa, domain->format,
				      domain->levels, walk);
	if (!walked)
		return 1;
	if (walked == -ENOMEM)
		return walked;
	ret = report_unwalked(run, side, domain, walk,
			      iolu_domain_walkable(domain));
	return ret ? ret : 0;
}

static int compare_extents(struct compare_run *run,
			   const struct iolu_domain *old,
			   const struct iolu_domain *new)
{
	struct iolu_pt_walk before_walk = { 0 }, after_walk = { 0 };
	struct diff_run diff = { .run = run, .domain = new };
	int before_ok, after_ok, ret;

	before_ok = walk_side(run, "before", run->before_mem, old, &before_walk);
	/* A side not walked whole is reported already: drop it before the next. */
	if (before_ok != 1)
		iolu_pt_walk_free(&before_walk);
	after_ok = before_ok < 0 ? before_ok :
		   walk_side(run, "after", run->after_mem, new, &after_walk);
	ret = after_ok < 0 ? after_ok : 0;
	if (before_ok == 1 && after_ok == 1) {
		diff_extents(&diff, &before_walk, &after_walk);
		ret = diff.ret;
		if (!ret && diff.nr_diffs > MAX_EXTENT_DIFFS)
			ret = iolu_report(run->findings, "extent-changed",
					  IOLU_OBJ_DOMAIN, new->object.index,
					  new->pgtable_pa,
					  "domain %llu: %zu more IOVA ranges differ",
					  ULL(new->object.index),
					  diff.nr_diffs - MAX_EXTENT_DIFFS);
	}
	iolu_pt_walk_free(&before_walk);
	iolu_pt_walk_free(&after_walk);
	return ret;
}

static int compare_domain(struct compare_run *run,
			  const struct iolu_domain *old,
			  const struct iolu_domain *new)
{
	int ret = 0;

	if (old->format != new->format || old->levels != new->levels ||
	    old->aperture_start != new->aperture_start ||
	    old->aperture_end != new->aperture_end ||
	    old->addr_width != new->addr_width)
		ret = iolu_report(run->findings, "domain-changed",
				  IOLU_OBJ_DOMAIN, new->object.index,
				  new->object.pa,
				  "domain %llu: format %u/%u levels %u/%u aperture 0x%llx-0x%llx/0x%llx-0x%llx width %u/%u (before/after)",
				  ULL(new->object.index), old->format,
				  new->format, old->levels, new->levels,
				  ULL(old->aperture_start),
				  ULL(old->aperture_end),
				  ULL(new->aperture_start),
				  ULL(new->aperture_end), old->addr_width,
				  new->addr_width);
	if (!ret && old->pgtable_pa != new->pgtable_pa)
		ret = iolu_report(run->findings, "domain-pgtable-moved",
				  IOLU_OBJ_DOMAIN, new->object.index,
				  new->object.pa,
				  "domain %llu: page table root 0x%llx -> 0x%llx",
				  ULL(new->object.index), ULL(old->pgtable_pa),
				  ULL(new->pgtable_pa));
	if (!ret)
		ret = compare_extents(run, old, new);
	return ret;
}

static int compare_domains(struct compare_run *run)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < run->before->nr_domains; i++) {
		long hit = run->domain_match[i];

		if (hit < 0 || !iolu_object_live(&run->before->domains[i].object))
			continue;
		ret = compare_domain(run, &run->before->domains[i],
				     &run->after->domains[hit]);
	}
	return ret;
}

static long *unmatched_array(size_t nr)
{
	long *array = malloc((nr + 1) * sizeof(*array));

	for (size_t i = 0; array && i < nr; i++)
		array[i] = -1;
	return array;
}

int iolu_compare(const struct iolu_mem *before_mem,
		 const struct iolu_state *before,
		 const struct iolu_mem *after_mem,
		 const struct iolu_state *after,
		 struct iolu_findings *findings)
{
	struct compare_run run = {
		.before_mem = before_mem, .after_mem = after_mem,
		.before = before, .after = after, .findings = findings,
	};
	int ret = -ENOMEM;

	run.unit_match = unmatched_array(before->nr_units);
	run.device_match = unmatched_array(before->nr_devices);
	run.domain_match = unmatched_array(before->nr_domains);
	if (run.unit_match && run.device_match && run.domain_match) {
		ret = match_units(&run);
		if (!ret)
			ret = match_devices(&run);
		if (!ret)
			ret = match_domains(&run);
		if (!ret)
			ret = compare_domains(&run);
	}
	free(run.unit_match);
	free(run.device_match);
	free(run.domain_match);
	return ret;
}
