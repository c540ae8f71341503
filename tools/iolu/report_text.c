// SPDX-License-Identifier: GPL-2.0
/* Plain-text reports: one line per fact, indented to show what owns what. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_text.h"

static void text_source(FILE *out, const char *label,
			const struct report_side *side)
{
	const struct iolu_identity *id = iolu_source_identity(side->source);
	char when[64];

	/* Everything here but the label and numbers came from the input. */
	fprintf(out, "%s: ", label);
	escape_text(out, side->origin);
	fprintf(out, "\n  kernel ");
	escape_text(out, id->release);
	fputc(' ', out);
	escape_text(out, id->version);
	if (id->build_id[0]) {
		fprintf(out, ", build ID ");
		escape_text(out, id->build_id);
	}
	fprintf(out, ", read %s\n", report_time(id->timestamp, when, sizeof(when)));
	if (side->loaded) {
		const struct iolu_state *state = &side->model.state;

		fprintf(out, "  state ");
		escape_text(out, state->compatible);
		fprintf(out, " at 0x%" PRIx64 ": %zu units, %zu domains, %zu devices\n",
			state->header_pa, state->nr_units, state->nr_domains,
			state->nr_devices);
	} else {
		fprintf(out, "  no preserved IOMMU state\n");
	}
}

static void text_finding(FILE *out, const char *indent,
			 const struct iolu_finding *finding)
{
	/* A message may quote the state (a compatible string, a status). */
	fprintf(out, "%s%-7s %s: %s %" PRIu64 " at 0x%" PRIx64 ": ", indent,
		iolu_severity_name(finding->severity), finding->rule,
		iolu_obj_kind_name(finding->kind), finding->index, finding->pa);
	escape_text(out, finding->message);
	fputc('\n', out);
}

/* budget: what the report has left to print, shared by its lists. */
static void text_findings(FILE *out, const char *title,
			  const struct iolu_findings *findings, size_t *budget)
{
	size_t i, nr;

	if (!findings->nr && !findings->dropped) {
		fprintf(out, "%s: none\n", title);
		return;
	}
	fprintf(out, "%s:\n", title);
	nr = report_budget_take(budget, findings->nr);
	for (i = 0; i < nr; i++)
		text_finding(out, "  ", &findings->items[i]);
	if (findings->nr > nr)
		fprintf(out, "  ... and %zu more findings not printed\n", findings->nr - nr);
	if (findings->dropped)
		fprintf(out, "  ... and %zu more findings not kept\n", findings->dropped);
}

static void text_verdict(FILE *out, const struct report *report,
			 const struct report_counts *counts)
{
	fprintf(out, "verdict: %s (%zu errors, %zu warnings, %zu notes", report->verdict,
		counts->errors, counts->warnings, counts->infos);
	if (counts->dropped)
		fprintf(out, ", %zu more not kept", counts->dropped);
	fprintf(out, ")\n");
}

void report_text_check(FILE *out, const struct report *report)
{
	size_t budget = REPORT_MAX_PRINTED_FINDINGS;
	struct report_counts counts = { 0 };

	text_source(out, "checked", report->state);
	text_findings(out, "findings", &report->state->findings, &budget);
	report_count(&report->state->findings, &counts);
	text_verdict(out, report, &counts);
}

static const char *deleted_mark(const struct iolu_object *object)
{
	return iolu_object_live(object) ? "" : " [deleted]";
}

/*
 * Extents listed: per_domain (--extents) each, and total in all, so that
 * domains sharing one large table cannot multiply the output.
 */
struct text_limits {
	size_t per_domain;
	size_t total;
};

static void text_extents(FILE *out, const char *indent,
			 const struct report_domain *walked, struct text_limits *limits)
{
	const struct iolu_pt_walk *walk = &walked->walk;
	char size[32], page[32];
	size_t i, rows;

	if (!walked->walked)
		return;
	if (walked->walk_err) {
		fprintf(out, "%spage table not walkable: ", indent);
		escape_text(out, walk->error);
		fputc('\n', out);
		return;
	}
	fprintf(out, "%s%zu extents, %s mapped, %zu table pages\n", indent,
		walk->nr_extents, report_size(walk->mapped_bytes, size, sizeof(size)),
		walk->nr_table_pages);
	rows = report_budget_take(&limits->total, walk->nr_extents < limits->per_domain ?
						  walk->nr_extents : limits->per_domain);
	for (i = 0; i < rows; i++) {
		const struct iolu_extent *extent = &walk->extents[i];

		if (extent->page_shift)
			report_size(1ull << extent->page_shift, page, sizeof(page));
		else
			snprintf(page, sizeof(page), "mixed");
		fprintf(out, "%s0x%016" PRIx64 "-0x%016" PRIx64 " -> 0x%" PRIx64 " %s %s, %s pages\n",
			indent, extent->iova, extent->iova + extent->size - 1, extent->phys,
			report_perm(extent->perm),
			report_size(extent->size, size, sizeof(size)), page);
	}
	if (walk->nr_extents > rows && rows < limits->per_domain)
		fprintf(out, "%s... and %zu more extents (the report's limit of %d is reached)\n",
			indent, walk->nr_extents - rows, REPORT_MAX_PRINTED_EXTENTS);
	else if (walk->nr_extents > rows)
		fprintf(out, "%s... and %zu more extents (--extents N lists more)\n",
			indent, walk->nr_extents - rows);
}

static void text_domain(FILE *out, const struct report_side *side, size_t i,
			const char *indent, struct text_limits *limits)
{
	const struct iolu_domain *domain = &side->model.state.domains[i];
	char deeper[32];

	fprintf(out, "%sdomain %" PRIu64 "%s: %s, %u levels, table 0x%" PRIx64
		", aperture 0x%" PRIx64 "-0x%" PRIx64 ", refs %u, at 0x%" PRIx64 "\n",
		indent, domain->object.index, deleted_mark(&domain->object),
		report_format_name(domain->format), domain->levels, domain->pgtable_pa,
		domain->aperture_start, domain->aperture_end, domain->object.refcount,
		domain->object.pa);
	snprintf(deeper, sizeof(deeper), "%s  ", indent);
	text_extents(out, deeper, &side->domains[i], limits);
}

static void text_device(FILE *out, const struct report_side *side,
			const struct iolu_device *device, unsigned char *domain_shown,
			struct text_limits *limits)
{
	char bdf[16];

	fprintf(out, "  device %s%s: index %" PRIu64 ", token 0x%" PRIx64
		", domain ID %u, at 0x%" PRIx64 "\n",
		report_bdf(device, bdf, sizeof(bdf)), deleted_mark(&device->object),
		device->object.index, device->token, device->domain_id, device->object.pa);
	if (device->domain < 0 || (size_t)device->domain >= side->model.state.nr_domains) {
		fprintf(out, "    domain pointer 0x%" PRIx64 " lands on no domain\n",
			device->domain_pa);
		return;
	}
	if (domain_shown[device->domain]) {
		fprintf(out, "    domain %" PRIu64 " (shown above)\n",
			side->model.state.domains[device->domain].object.index);
		return;
	}
	domain_shown[device->domain] = 1;
	text_domain(out, side, (size_t)device->domain, "    ", limits);
}

static void text_unit(FILE *out, const struct iolu_unit *unit)
{
	fprintf(out, "unit %" PRIu64 "%s: %s, segment %u, registers 0x%" PRIx64
		", root table 0x%" PRIx64 "%s, refs %u, at 0x%" PRIx64 "\n",
		unit->object.index, deleted_mark(&unit->object),
		report_unit_type_name(unit->type), unit->segment, unit->reg_base_pa,
		unit->root_table_pa,
		unit->type == IOLU_UNIT_INTEL_VTD ?
			(unit->unit_flags & IOLU_VTD_UNIT_SCALABLE ? ", scalable mode" :
			 ", legacy mode") : "",
		unit->object.refcount, unit->object.pa);
}

/* The unit a device hangs under, or nr_units when it lands on none. */
static size_t device_unit(const struct iolu_state *state, const struct iolu_device *device)
{
	if (device->unit < 0 || (size_t)device->unit >= state->nr_units)
		return state->nr_units;
	return (size_t)device->unit;
}

/*
 * Device positions grouped by unit, in chain order within a unit (a
 * counting sort): one pass, however many units and devices the input has.
 * first[u]..first[u + 1] are unit u's; the last group has no unit.
 */
static int group_by_unit(const struct iolu_state *state, size_t **order, size_t **first)
{
	size_t nr_groups = state->nr_units + 1, d, *next;

	*order = calloc(state->nr_devices + 1, sizeof(**order));
	*first = calloc(nr_groups + 1, sizeof(**first));
	next = calloc(nr_groups, sizeof(*next));
	if (!*order || !*first || !next) {
		free(next);
		return -ENOMEM;
	}
	for (d = 0; d < state->nr_devices; d++)
		(*first)[device_unit(state, &state->devices[d]) + 1]++;
	for (d = 1; d <= nr_groups; d++)
		(*first)[d] += (*first)[d - 1];
	memcpy(next, *first, nr_groups * sizeof(*next));
	for (d = 0; d < state->nr_devices; d++)
		(*order)[next[device_unit(state, &state->devices[d])]++] = d;
	free(next);
	return 0;
}

/* Sessions and their preserved files, beside the IOMMU tree. */
static void text_luo(FILE *out, const struct report_side *side)
{
	const struct iolu_luo *luo = &side->model.luo;
	char size[32];

	if (!luo->index.present) {
		fprintf(out, "LUO sessions: not read (");
		escape_text(out, luo->index.absent_reason);
		fprintf(out, ")\n");
		return;
	}
	fprintf(out, "LUO sessions (%s): %zu\n", luo->index.origin,
		luo->index.nr_sessions);
	for (size_t s = 0; s < luo->index.nr_sessions; s++) {
		fprintf(out, "  session \"");
		escape_text(out, luo->index.sessions[s]);
		fprintf(out, "\"\n");
		for (size_t f = 0; f < luo->nr_files; f++) {
			const struct iolu_luo_file *file = &luo->files[f];

			if (file->ref.session != s)
				continue;
			fprintf(out, "    %s token 0x%" PRIx64 " (",
				iolu_luo_file_kind_name(file->kind), file->ref.token);
			escape_text(out, file->ref.compatible);
			fputc(')', out);
			if (!file->record_read && file->kind != IOLU_LUO_FILE_OTHER)
				fprintf(out, ": record not read");
			else if (file->kind == IOLU_LUO_FILE_MEMFD)
				fprintf(out, ": %s, seals 0x%x, %zu folios",
					report_size(file->memfd.size, size, sizeof(size)),
					file->memfd.seals, file->memfd.nr_read);
			else if (file->kind == IOLU_LUO_FILE_IOMMUFD)
				fprintf(out, ": %zu HW pagetables, %zu mappings",
					file->nr_hwpts, file->nr_mappings);
			fputc('\n', out);
		}
	}
}

int report_text_show(FILE *out, const struct report_side *side,
		     size_t max_extents)
{
	const struct iolu_state *state = &side->model.state;
	size_t *order = NULL, *first = NULL, u, i, d;
	size_t budget = REPORT_MAX_PRINTED_FINDINGS;
	/* One domain always gets what --extents asked for. */
	struct text_limits limits = {
		.per_domain = max_extents,
		.total = max_extents > REPORT_MAX_PRINTED_EXTENTS ?
			 max_extents : REPORT_MAX_PRINTED_EXTENTS,
	};
	unsigned char *domain_shown;
	bool orphans = false;
	int rc;

	text_source(out, "source", side);
	if (!side->loaded)
		return 0;
	/* Not on the stack: the count comes from the input. */
	domain_shown = calloc(state->nr_domains + 1, 1);
	rc = domain_shown ? group_by_unit(state, &order, &first) : -ENOMEM;
	for (u = 0; !rc && u <= state->nr_units; u++) {
		if (u < state->nr_units)
			text_unit(out, &state->units[u]);
		else if (first[u] < first[u + 1])
			fprintf(out, "devices whose unit pointer lands on no unit:\n");
		for (i = first[u]; i < first[u + 1]; i++)
			text_device(out, side, &state->devices[order[i]], domain_shown,
				    &limits);
	}
	for (d = 0; !rc && d < state->nr_domains; d++) {
		if (domain_shown[d])
			continue;
		if (!orphans)
			fprintf(out, "domains no device points at:\n");
		orphans = true;
		text_domain(out, side, d, "  ", &limits);
	}
	if (!rc)
		text_luo(out, side);
	if (!rc)
		text_findings(out, "findings while reading", &side->findings, &budget);
	free(order);
	free(first);
	free(domain_shown);
	return rc;
}

static size_t count_about(const struct report *report, enum iolu_obj_kind kind,
			  const struct iolu_object *object)
{
	return report_findings_for(&report->after_lookup, kind, object->index, NULL, SIZE_MAX) +
	       report_findings_for(&report->compare_lookup, kind, object->index, NULL, SIZE_MAX);
}

/* One line per device after the kexec: its domain's extents, its findings. */
static void text_audit_devices(FILE *out, const struct report *report)
{
	const struct report_side *after = report->after;
	const struct iolu_state *state = &after->model.state;
	char bdf[16], size[32];
	size_t i;

	if (!after->loaded || !state->nr_devices)
		return;
	fprintf(out, "devices after kexec:\n");
	for (i = 0; i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];
		const struct iolu_domain *domain = report_device_domain(after, device);
		size_t nr = count_about(report, IOLU_OBJ_DEVICE, &device->object);
		const struct report_domain *walked;

		fprintf(out, "  %s token 0x%" PRIx64 ": ", report_bdf(device, bdf, sizeof(bdf)),
			device->token);
		if (!domain) {
			fprintf(out, "no domain, %zu findings\n", nr);
			continue;
		}
		nr += count_about(report, IOLU_OBJ_DOMAIN, &domain->object);
		walked = &after->domains[device->domain];
		fprintf(out, "domain %" PRIu64, domain->object.index);
		if (walked->walked && !walked->walk_err)
			fprintf(out, ", %zu extents, %s mapped", walked->walk.nr_extents,
				report_size(walked->walk.mapped_bytes, size, sizeof(size)));
		fprintf(out, ", %zu findings\n", nr);
	}
}

/* IOVA range -> memfd (session, token) offset, the same on both sides. */
static void text_memfd_continuity(FILE *out, const struct report *report)
{
	const struct iolu_memfd_continuities *rows = &report->memfd;
	size_t nr = rows->nr < REPORT_MAX_PRINTED_EXTENTS ? rows->nr :
		    REPORT_MAX_PRINTED_EXTENTS;
	char size[32];

	if (!report->after->loaded)
		return;
	if (!rows->before_view || !rows->after_view) {
		fprintf(out, "memfd continuity: not stated, no LUO view %s\n",
			!rows->before_view ? "before kexec" : "after kexec");
		return;
	}
	fprintf(out, "memfd continuity (IOVA range -> memfd offset, before = after):\n");
	for (size_t i = 0; i < nr; i++) {
		const struct iolu_memfd_continuity *row = &rows->items[i];

		fprintf(out, "  domain %" PRIu64 " IOVA 0x%" PRIx64 " +%s -> ",
			row->domain_index, row->iova,
			report_size(row->size, size, sizeof(size)));
		if (row->session[0]) {
			fprintf(out, "memfd (\"");
			escape_text(out, row->session);
			fprintf(out, "\", token 0x%" PRIx64 ") offset 0x%" PRIx64,
				row->token, row->offset);
		} else {
			fprintf(out, "no memfd");
		}
		fprintf(out, ", page 0x%" PRIx64 " -> 0x%" PRIx64 ": %s\n",
			row->phys_before, row->phys_after,
			row->same ? "same" : "DIFFERENT");
	}
	if (nr < rows->nr)
		fprintf(out, "  ... %zu more ranges not printed\n", rows->nr - nr);
}

void report_text_audit(FILE *out, const struct report *report)
{
	size_t budget = REPORT_MAX_PRINTED_FINDINGS;
	struct report_counts counts = { 0 };

	text_source(out, "before kexec", report->before);
	text_source(out, "after kexec", report->after);
	text_findings(out, "findings before kexec", &report->before->findings, &budget);
	text_findings(out, "findings after kexec", &report->after->findings, &budget);
	text_findings(out, "continuity (before vs after)", &report->compare, &budget);
	text_audit_devices(out, report);
	text_memfd_continuity(out, report);
	report_count(&report->before->findings, &counts);
	report_count(&report->after->findings, &counts);
	report_count(&report->compare, &counts);
	text_verdict(out, report, &counts);
}
