// SPDX-License-Identifier: GPL-2.0
/* Reading the states a report is about, and helpers shared by renderers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ptwalk_internal.h"
#include "report.h"

int report_side_load(const char *cmd, struct report_side *side,
		     const struct cli_input *input, unsigned int checks)
{
	struct iolu_verify_opts opts = {
		.checks = checks, .kho_reference = side->kho_reference,
	};
	struct iolu_err err = { 0 };
	char what[4300];
	int rc;

	cli_input_name(input, side->origin, sizeof(side->origin));
	iolu_findings_init(&side->findings);
	rc = cli_open(cmd, input, &side->source);
	if (rc)
		return rc;
	/* No state is an answer, not a failure: the caller words it. */
	if (!iolu_source_header_pa(side->source))
		return -ENODATA;
	/* The library's own sequence: what the fuzzers run is what ships. */
	rc = iolu_verify(side->source, &opts, &side->model, &side->findings, &err);
	if (rc) {
		iolu_model_free(&side->model);
		snprintf(what, sizeof(what), "cannot verify the IOMMU state of the %s",
			 side->origin);
		cli_error(cmd, what, rc, &err);
		return rc;
	}
	side->loaded = true;
	side->domains = calloc(side->model.state.nr_domains + 1, sizeof(*side->domains));
	if (!side->domains) {
		cli_error(cmd, "out of memory", -ENOMEM, NULL);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Each walk is bounded, but a hostile state could have millions of domains
 * sharing one huge table: the walks kept for the report hold at most this
 * much (32 MiB of extents, 8 MiB of table addresses), far more than a
 * report prints. A walk that would go past it stops there and says so.
 */
#define REPORT_MAX_TABLE_PAGES	(1ull << 20)
#define REPORT_MAX_EXTENTS	(1ull << 20)

static void report_not_walked(struct report_domain *walked, uint64_t table_pages,
			      uint64_t extents)
{
	iolu_pt_walk_free(&walked->walk);
	walked->walk_err = -E2BIG;
	snprintf(walked->walk.error, sizeof(walked->walk.error),
		 "not walked: with it, the walks kept for the report would hold more than %"
		 PRIu64 " table pages or %" PRIu64 " extents", table_pages, extents);
}

int report_side_walk(struct report_side *side)
{
	const struct iolu_state *state = &side->model.state;
	uint64_t table_pages = 0, extents = 0;
	size_t i;

	for (i = 0; i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];
		struct report_domain *walked = &side->domains[i];
		struct iolu_pt_limits limits = {
			.max_table_pages = REPORT_MAX_TABLE_PAGES - table_pages,
			.max_extents = REPORT_MAX_EXTENTS - extents,
		};

		if (!iolu_object_live(&domain->object) || walked->walked)
			continue;
		walked->walked = true;
		if (!limits.max_table_pages || !limits.max_extents) {
			report_not_walked(walked, REPORT_MAX_TABLE_PAGES, REPORT_MAX_EXTENTS);
			continue;
		}
		walked->walk_err = iolu_pt_walk_limited(iolu_source_mem(side->source),
							domain->pgtable_pa, domain->format,
							domain->levels, &limits, &walked->walk);
		if (walked->walk_err == -ENOMEM)
			return -ENOMEM;
		/* A failed walk shows its error, not its extents: keep none. */
		if (walked->walk_err == -E2BIG &&
		    (walked->walk.nr_extents == limits.max_extents ||
		     walked->walk.nr_table_pages == limits.max_table_pages)) {
			report_not_walked(walked, REPORT_MAX_TABLE_PAGES, REPORT_MAX_EXTENTS);
			continue;
		}
		if (walked->walk_err) {
			iolu_pt_walk_free(&walked->walk);	/* the error text stays */
			continue;
		}
		table_pages += walked->walk.nr_table_pages;
		extents += walked->walk.nr_extents;
	}
	return 0;
}

void report_side_free(struct report_side *side)
{
	size_t i;

	if (side->domains) {
		for (i = 0; i < side->model.state.nr_domains; i++)
			if (side->domains[i].walked)
				iolu_pt_walk_free(&side->domains[i].walk);
		free(side->domains);
		side->domains = NULL;
	}
	if (side->loaded)
		iolu_model_free(&side->model);
	iolu_findings_free(&side->findings);
	if (side->source)
		iolu_source_close(side->source);
	side->source = NULL;
	side->loaded = false;
}

static int compare_findings(const void *a, const void *b)
{
	const struct iolu_finding *x = *(const struct iolu_finding *const *)a;
	const struct iolu_finding *y = *(const struct iolu_finding *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	/* Keep the library's order among one object's findings. */
	return x < y ? -1 : x > y;
}

int report_lookup_build(struct report_lookup *lookup,
			const struct iolu_findings *findings)
{
	size_t i;

	lookup->nr = findings->nr;
	lookup->sorted = calloc(findings->nr + 1, sizeof(*lookup->sorted));
	if (!lookup->sorted)
		return -ENOMEM;
	for (i = 0; i < findings->nr; i++)
		lookup->sorted[i] = &findings->items[i];
	qsort(lookup->sorted, lookup->nr, sizeof(*lookup->sorted), compare_findings);
	return 0;
}

void report_lookup_free(struct report_lookup *lookup)
{
	free(lookup->sorted);
	lookup->sorted = NULL;
	lookup->nr = 0;
}

/*
 * Comparison findings about objects that vanished name the before state's
 * index, which may be another object's after the kexec: never attach them.
 */
static bool names_vanished(const struct iolu_finding *finding)
{
	size_t len = strlen(finding->rule), suffix = strlen("-vanished");

	return len > suffix && !strcmp(finding->rule + len - suffix, "-vanished");
}

size_t report_findings_for(const struct report_lookup *lookup,
			   enum iolu_obj_kind kind, uint64_t index,
			   const struct iolu_finding **out, size_t max)
{
	size_t low = 0, high = lookup->nr, nr = 0;

	/* The first finding not below (kind, index). */
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		const struct iolu_finding *finding = lookup->sorted[mid];

		if (finding->kind < kind || (finding->kind == kind && finding->index < index))
			low = mid + 1;
		else
			high = mid;
	}
	for (; low < lookup->nr && nr < max; low++) {
		const struct iolu_finding *finding = lookup->sorted[low];

		if (finding->kind != kind || finding->index != index)
			break;
		if (names_vanished(finding))
			continue;
		if (out)
			out[nr] = finding;
		nr++;
	}
	return nr;
}

size_t report_findings_not_printed(const struct iolu_findings *const *lists,
				   size_t nr_lists)
{
	size_t kept = 0, dropped = 0, i;

	for (i = 0; i < nr_lists; i++) {
		kept += lists[i]->nr;
		dropped += lists[i]->dropped;
	}
	return dropped + (kept > REPORT_MAX_PRINTED_FINDINGS ?
			  kept - REPORT_MAX_PRINTED_FINDINGS : 0);
}

void report_count(const struct iolu_findings *findings,
		  struct report_counts *counts)
{
	size_t i;

	for (i = 0; i < findings->nr; i++) {
		switch (findings->items[i].severity) {
		case IOLU_SEV_ERROR:
			counts->errors++;
			break;
		case IOLU_SEV_WARNING:
			counts->warnings++;
			break;
		default:
			counts->infos++;
			break;
		}
	}
	counts->dropped += findings->dropped;
}

const char *report_bdf(const struct iolu_device *device, char *buf, size_t len)
{
	unsigned int rid = device->requester_id;

	snprintf(buf, len, "%04x:%02x:%02x.%x", device->segment & 0xffff,
		 rid >> 8, (rid >> 3) & 0x1f, rid & 7);
	return buf;
}

const char *report_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int unit = 0;
	double value = (double)bytes;

	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	if (value == (double)(uint64_t)value)
		snprintf(buf, len, "%" PRIu64 " %s", (uint64_t)value, units[unit]);
	else
		snprintf(buf, len, "%.1f %s", value, units[unit]);
	return buf;
}

const char *report_perm(uint32_t perm)
{
	static const char *const names[] = { "--", "r-", "-w", "rw" };

	return names[perm & 3];
}

const char *report_format_name(uint32_t format)
{
	switch (format) {
	case IOLU_PT_VTD_SECOND_STAGE:
		return "vtd-second-stage";
	case IOLU_PT_VTD_FIRST_STAGE:
		return "vtd-first-stage";
	default:
		return "unknown";
	}
}

const char *report_unit_type_name(uint32_t type)
{
	switch (type) {
	case IOLU_UNIT_INTEL_VTD:
		return "intel-vtd";
	case IOLU_UNIT_AMD_VI:
		return "amd-vi";
	case IOLU_UNIT_ARM_SMMU_V3:
		return "arm-smmu-v3";
	case IOLU_UNIT_RISCV:
		return "riscv";
	default:
		return "unknown";
	}
}

const struct iolu_domain *report_device_domain(const struct report_side *side,
					       const struct iolu_device *device)
{
	if (device->domain < 0 ||
	    (size_t)device->domain >= side->model.state.nr_domains)
		return NULL;
	return &side->model.state.domains[device->domain];
}

const char *report_time(int64_t seconds, char *buf, size_t len)
{
	time_t when = (time_t)seconds;
	struct tm tm;

	if (!gmtime_r(&when, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%" PRId64, seconds);
	return buf;
}
