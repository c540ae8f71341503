// SPDX-License-Identifier: GPL-2.0
/*
 * The audit as HTML. Every string that came from the input (kernel
 * identity, messages quoting the state, file names) goes through
 * report_html_escape(): a snapshot is untrusted and must not inject markup.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "iolu_version.h"
#include "report_html.h"

/* Rows of an extent table before the rest is only counted. */
#define HTML_MAX_EXTENT_ROWS	2000
#define HTML_MAX_OBJECT_FINDINGS	64

void report_html_escape(FILE *out, const char *s)
{
	const unsigned char *at = (const unsigned char *)s;
	size_t len = strlen(s), step;
	uint32_t code;

	for (; len; at += step, len -= step) {
		step = escape_utf8_next(at, len, &code);
		if (!step) {
			/* Not UTF-8: the page says it is, so say what a reader would. */
			fputs("&#xfffd;", out);
			step = 1;
			continue;
		}
		switch (code) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* Control characters are not allowed in HTML text. */
			if ((code < 0x20 && code != '\n' && code != '\t') ||
			    (code >= 0x7f && code <= 0x9f))
				fputs("&#xfffd;", out);
			else
				fwrite(at, 1, step, out);
		}
	}
}

static const char html_style[] =
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:80em}"
	"h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc}"
	"h3{font-size:1.05em;margin-bottom:.3em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
	"font-family:monospace;font-size:.9em}"
	"th{background:#eee}"
	".pass{background:#d7f5d7;padding:.5em}.fail{background:#f8d0d0;padding:.5em}"
	".error{color:#a00;font-weight:bold}.warning{color:#a60}.info{color:#555}"
	"section{margin-left:1em}";

static void html_source(FILE *out, const char *label,
			const struct report_side *side)
{
	const struct iolu_identity *id = iolu_source_identity(side->source);
	char when[64];

	fprintf(out, "<tr><th>");
	report_html_escape(out, label);
	fprintf(out, "</th><td>");
	report_html_escape(out, side->origin);
	fprintf(out, "</td><td>kernel ");
	report_html_escape(out, id->release);
	fputc(' ', out);
	report_html_escape(out, id->version);
	if (id->build_id[0]) {
		fprintf(out, ", build ID ");
		report_html_escape(out, id->build_id);
	}
	fprintf(out, "</td><td>read %s</td><td>", report_time(id->timestamp, when, sizeof(when)));
	if (side->loaded)
		fprintf(out, "%zu units, %zu domains, %zu devices",
			side->model.state.nr_units, side->model.state.nr_domains,
			side->model.state.nr_devices);
	else
		fprintf(out, "no preserved IOMMU state");
	fprintf(out, "</td></tr>\n");
}

static void html_finding_row(FILE *out, const struct iolu_finding *finding,
			     const char *stage)
{
	const char *severity = iolu_severity_name(finding->severity);

	fprintf(out, "<tr><td>%s</td><td class=\"", stage);
	report_html_escape(out, severity);
	fprintf(out, "\">");
	report_html_escape(out, severity);
	fprintf(out, "</td><td>");
	report_html_escape(out, finding->rule);
	fprintf(out, "</td><td>%s %" PRIu64 "</td><td>0x%" PRIx64 "</td><td>",
		iolu_obj_kind_name(finding->kind), finding->index, finding->pa);
	report_html_escape(out, finding->message);
	fprintf(out, "</td></tr>\n");
}

static void html_findings_header(FILE *out)
{
	fprintf(out, "<table><tr><th>stage</th><th>severity</th><th>rule</th>"
		"<th>object</th><th>physical address</th><th>message</th></tr>\n");
}

static void html_all_findings(FILE *out, const struct report *report)
{
	const struct {
		const char *stage;
		const struct iolu_findings *findings;
	} lists[] = {
		{ "before", &report->before->findings },
		{ "after", &report->after->findings },
		{ "compare", &report->compare },
	};
	const struct iolu_findings *all[] = {
		lists[0].findings, lists[1].findings, lists[2].findings,
	};
	size_t budget = REPORT_MAX_PRINTED_FINDINGS, l, i, nr, total = 0;
	size_t not_printed = report_findings_not_printed(all, 3);

	fprintf(out, "<h2>Findings</h2>\n");
	for (l = 0; l < 3; l++)
		total += lists[l].findings->nr;
	if (!total && !not_printed) {
		fprintf(out, "<p>None.</p>\n");
		return;
	}
	html_findings_header(out);
	for (l = 0; l < 3; l++) {
		nr = report_budget_take(&budget, lists[l].findings->nr);
		for (i = 0; i < nr; i++)
			html_finding_row(out, &lists[l].findings->items[i], lists[l].stage);
	}
	fprintf(out, "</table>\n");
	if (not_printed)
		fprintf(out, "<p>... and %zu more findings not printed.</p>\n", not_printed);
}

/* The findings of the after state and of the comparison about one object. */
static void html_object_findings(FILE *out, const struct report *report,
				 enum iolu_obj_kind kind, const struct iolu_object *object)
{
	const struct iolu_finding *found[HTML_MAX_OBJECT_FINDINGS];
	size_t nr_after, nr_compare, i;

	nr_after = report_findings_for(&report->after_lookup, kind, object->index, found,
				       HTML_MAX_OBJECT_FINDINGS);
	nr_compare = report_findings_for(&report->compare_lookup, kind, object->index,
					 found + nr_after, HTML_MAX_OBJECT_FINDINGS - nr_after);
	if (!nr_after && !nr_compare) {
		fprintf(out, "<p>No findings.</p>\n");
		return;
	}
	html_findings_header(out);
	for (i = 0; i < nr_after + nr_compare; i++)
		html_finding_row(out, found[i], i < nr_after ? "after" : "compare");
	fprintf(out, "</table>\n");
}

static void html_extents(FILE *out, const struct report_domain *walked,
			 size_t *budget)
{
	const struct iolu_pt_walk *walk = &walked->walk;
	char size[32], mapped[32];
	size_t i, rows;

	if (!walked->walked)
		return;
	if (walked->walk_err) {
		fprintf(out, "<p class=\"error\">Page table not walkable: ");
		report_html_escape(out, walk->error);
		fprintf(out, "</p>\n");
		return;
	}
	fprintf(out, "<p>%zu extents, %s mapped, %zu table pages.</p>\n",
		walk->nr_extents, report_size(walk->mapped_bytes, mapped, sizeof(mapped)),
		walk->nr_table_pages);
	if (!walk->nr_extents)
		return;
	fprintf(out, "<table><tr><th>IOVA</th><th>physical</th><th>size</th>"
		"<th>perm</th><th>page</th></tr>\n");
	/* At most so many rows a domain, and so many in the whole page. */
	rows = report_budget_take(budget, walk->nr_extents < HTML_MAX_EXTENT_ROWS ?
					  walk->nr_extents : HTML_MAX_EXTENT_ROWS);
	for (i = 0; i < rows; i++) {
		const struct iolu_extent *extent = &walk->extents[i];

		fprintf(out, "<tr><td>0x%" PRIx64 "</td><td>0x%" PRIx64 "</td><td>%s</td>"
			"<td>%s</td><td>", extent->iova, extent->phys,
			report_size(extent->size, size, sizeof(size)), report_perm(extent->perm));
		if (extent->page_shift)
			fprintf(out, "%s", report_size(1ull << extent->page_shift, size, sizeof(size)));
		else
			fprintf(out, "mixed");
		fprintf(out, "</td></tr>\n");
	}
	fprintf(out, "</table>\n");
	if (walk->nr_extents > rows)
		fprintf(out, "<p>... and %zu more extents.</p>\n",
			walk->nr_extents - rows);
}

static void html_domain(FILE *out, const struct report *report, size_t i,
			size_t *budget)
{
	const struct report_side *side = report->after;
	const struct iolu_domain *domain = &side->model.state.domains[i];

	fprintf(out, "<section><h3>Domain %" PRIu64 "%s</h3>\n<p>%s, %u levels, "
		"page table 0x%" PRIx64 ", aperture 0x%" PRIx64 "-0x%" PRIx64
		", refs %u, entry at 0x%" PRIx64 "</p>\n",
		domain->object.index, iolu_object_live(&domain->object) ? "" : " (deleted)",
		report_format_name(domain->format), domain->levels, domain->pgtable_pa,
		domain->aperture_start, domain->aperture_end, domain->object.refcount,
		domain->object.pa);
	html_object_findings(out, report, IOLU_OBJ_DOMAIN, &domain->object);
	html_extents(out, &side->domains[i], budget);
	fprintf(out, "</section>\n");
}

static void html_device(FILE *out, const struct report *report,
			const struct iolu_device *device, unsigned char *domain_shown,
			size_t *budget)
{
	const struct iolu_domain *domain = report_device_domain(report->after, device);
	char bdf[16];

	fprintf(out, "<h2>Device %s%s</h2>\n<p>index %" PRIu64 ", token 0x%" PRIx64
		", domain ID %u, entry at 0x%" PRIx64 "</p>\n",
		report_bdf(device, bdf, sizeof(bdf)),
		iolu_object_live(&device->object) ? "" : " (deleted)",
		device->object.index, device->token, device->domain_id, device->object.pa);
	html_object_findings(out, report, IOLU_OBJ_DEVICE, &device->object);
	if (domain && domain_shown[device->domain]) {
		fprintf(out, "<p>Domain %" PRIu64 ": shown above.</p>\n", domain->object.index);
	} else if (domain) {
		domain_shown[device->domain] = 1;
		html_domain(out, report, (size_t)device->domain, budget);
	} else {
		fprintf(out, "<p class=\"error\">Its domain pointer 0x%" PRIx64
			" lands on no domain.</p>\n", device->domain_pa);
	}
}

/* IOVA range -> memfd (session, token) offset, before and after. */
static void html_memfd_continuity(FILE *out, const struct report *report)
{
	const struct iolu_memfd_continuities *rows = &report->memfd;
	size_t nr = rows->nr < REPORT_MAX_PRINTED_EXTENTS ? rows->nr :
		    REPORT_MAX_PRINTED_EXTENTS;

	fprintf(out, "<h2>Continuity in memfd terms</h2>\n");
	if (!rows->before_view || !rows->after_view) {
		fprintf(out, "<p>Not stated: no LUO view %s.</p>\n",
			!rows->before_view ? "before kexec" : "after kexec");
		return;
	}
	fprintf(out, "<table><tr><th>domain</th><th>IOVA</th><th>size</th>"
		"<th>session</th><th>memfd token</th><th>offset</th>"
		"<th>page before</th><th>page after</th><th></th></tr>\n");
	for (size_t i = 0; i < nr; i++) {
		const struct iolu_memfd_continuity *row = &rows->items[i];

		fprintf(out, "<tr><td>%" PRIu64 "</td><td>0x%" PRIx64 "</td>"
			"<td>0x%" PRIx64 "</td><td>", row->domain_index, row->iova,
			row->size);
		report_html_escape(out, row->session[0] ? row->session : "(no memfd)");
		fprintf(out, "</td><td>0x%" PRIx64 "</td><td>0x%" PRIx64 "</td>"
			"<td>0x%" PRIx64 "</td><td>0x%" PRIx64 "</td>"
			"<td class=\"%s\">%s</td></tr>\n", row->token, row->offset,
			row->phys_before, row->phys_after,
			row->same ? "pass" : "fail", row->same ? "same" : "different");
	}
	fprintf(out, "</table>\n");
	if (nr < rows->nr)
		fprintf(out, "<p>%zu more ranges not shown.</p>\n", rows->nr - nr);
}

int report_html_audit(FILE *out, const struct report *report)
{
	const struct report_side *after = report->after;
	size_t i, extents_budget = REPORT_MAX_PRINTED_EXTENTS;
	unsigned char *domain_shown = NULL;

	/* Not on the stack: the count comes from the input. */
	if (after->loaded) {
		domain_shown = calloc(after->model.state.nr_domains + 1, 1);
		if (!domain_shown)
			return -ENOMEM;
	}

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"generator\" content=\"iolu %s\">"
		"<title>iolu audit</title><style>%s</style></head><body>\n",
		IOLU_VERSION, html_style);
	fprintf(out, "<h1>iolu audit: IOMMU state across kexec</h1>\n");
	fprintf(out, "<p class=\"%s\">Verdict: ", report->passed ? "pass" : "fail");
	report_html_escape(out, report->verdict);
	fprintf(out, "</p>\n<table>\n");
	html_source(out, "before kexec", report->before);
	html_source(out, "after kexec", after);
	fprintf(out, "</table>\n");
	html_all_findings(out, report);
	if (after->loaded)
		for (i = 0; i < after->model.state.nr_devices; i++)
			html_device(out, report, &after->model.state.devices[i], domain_shown,
				    &extents_budget);
	if (after->loaded)
		html_memfd_continuity(out, report);
	fprintf(out, "<footer><p>Written by iolu %s.</p></footer>\n</body></html>\n",
		IOLU_VERSION);
	free(domain_shown);
	return ferror(out) ? -EIO : 0;
}
