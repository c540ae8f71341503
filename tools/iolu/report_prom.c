// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text format (version 0.0.4) for node_exporter's textfile
 * collector. Metrics shared by check and audit carry a command label, so
 * that both files can sit in one directory without clashing series.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_prom.h"

static void prom_header(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* What the report's verdict is about: the checked state, or the one after. */
static const struct report_side *judged_side(const struct report *report)
{
	return report->state ? report->state : report->after;
}

static void prom_verdict(FILE *out, const struct report *report)
{
	if (report->state) {
		prom_header(out, "iolu_check_ready",
			    "1 when the preserved IOMMU state is ready for a kexec, else 0.");
		fprintf(out, "iolu_check_ready %d\n", report->passed);
		return;
	}
	prom_header(out, "iolu_audit_continuity",
		    "1 when the state after the kexec is proven to continue the one before, else 0.");
	fprintf(out, "iolu_audit_continuity %d\n", report->passed);
}

/* The findings lists the verdict rests on. */
static size_t report_lists(const struct report *report,
			   const struct iolu_findings **lists)
{
	if (report->state) {
		lists[0] = &report->state->findings;
		return 1;
	}
	lists[0] = &report->before->findings;
	lists[1] = &report->after->findings;
	lists[2] = &report->compare;
	return 3;
}

static void prom_severities(FILE *out, const char *cmd,
			    const struct report_counts *counts)
{
	prom_header(out, "iolu_findings", "Findings by severity.");
	fprintf(out, "iolu_findings{command=\"%s\",severity=\"error\"} %zu\n", cmd, counts->errors);
	fprintf(out, "iolu_findings{command=\"%s\",severity=\"warning\"} %zu\n", cmd, counts->warnings);
	fprintf(out, "iolu_findings{command=\"%s\",severity=\"info\"} %zu\n", cmd, counts->infos);
	prom_header(out, "iolu_findings_not_kept",
		    "Findings past the library's limit: counted, not classified.");
	fprintf(out, "iolu_findings_not_kept{command=\"%s\"} %zu\n", cmd, counts->dropped);
}

/* Every rule, zero or not: a series that exists can be alerted on. */
static int prom_rules(FILE *out, const char *cmd,
		      const struct iolu_findings *const *lists, size_t nr_lists)
{
	const struct iolu_rule_info *rules, *rule;
	size_t nr_rules, l, i, *counts;

	rules = iolu_rules(&nr_rules);
	counts = calloc(nr_rules + 1, sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	for (l = 0; l < nr_lists; l++)
		for (i = 0; i < lists[l]->nr; i++) {
			rule = iolu_rule_lookup(lists[l]->items[i].rule);
			counts[rule ? (size_t)(rule - rules) : nr_rules]++;
		}
	prom_header(out, "iolu_rule_findings", "Findings by rule.");
	for (i = 0; i < nr_rules; i++)
		fprintf(out, "iolu_rule_findings{command=\"%s\",rule=\"%s\",severity=\"%s\"} %zu\n",
			cmd, rules[i].id, iolu_severity_name(rules[i].severity), counts[i]);
	free(counts);
	return 0;
}

struct live_counts {
	size_t units, domains, devices, walked;
	uint64_t mapped;
};

static void count_live(const struct report_side *side, struct live_counts *live)
{
	const struct iolu_state *state = &side->model.state;
	size_t i;

	memset(live, 0, sizeof(*live));
	if (!side->loaded)
		return;
	for (i = 0; i < state->nr_units; i++)
		live->units += iolu_object_live(&state->units[i].object);
	for (i = 0; i < state->nr_devices; i++)
		live->devices += iolu_object_live(&state->devices[i].object);
	for (i = 0; i < state->nr_domains; i++) {
		const struct report_domain *walked = &side->domains[i];

		if (!iolu_object_live(&state->domains[i].object))
			continue;
		live->domains++;
		if (!walked->walked || walked->walk_err)
			continue;
		live->walked++;
		live->mapped += walked->walk.mapped_bytes;
	}
}

static void prom_state(FILE *out, const char *cmd, const struct report_side *side)
{
	struct live_counts live;

	count_live(side, &live);
	prom_header(out, "iolu_preserved_units", "Live IOMMU units in the state judged.");
	fprintf(out, "iolu_preserved_units{command=\"%s\"} %zu\n", cmd, live.units);
	prom_header(out, "iolu_preserved_domains", "Live domains in the state judged.");
	fprintf(out, "iolu_preserved_domains{command=\"%s\"} %zu\n", cmd, live.domains);
	prom_header(out, "iolu_preserved_devices", "Live devices in the state judged.");
	fprintf(out, "iolu_preserved_devices{command=\"%s\"} %zu\n", cmd, live.devices);
	prom_header(out, "iolu_domains_walked",
		    "Live domains whose IO page table was walked for iolu_mapped_bytes.");
	fprintf(out, "iolu_domains_walked{command=\"%s\"} %zu\n", cmd, live.walked);
	prom_header(out, "iolu_mapped_bytes",
		    "Bytes of IOVA space mapped, summed over the domains walked.");
	fprintf(out, "iolu_mapped_bytes{command=\"%s\"} %" PRIu64 "\n", cmd, live.mapped);
}

int report_prom_write(FILE *out, const struct report *report, int64_t now)
{
	const struct iolu_findings *lists[3];
	struct report_counts counts = { 0 };
	const char *cmd = report->command;
	size_t nr_lists = report_lists(report, lists), i;
	int rc;

	for (i = 0; i < nr_lists; i++)
		report_count(lists[i], &counts);
	prom_verdict(out, report);
	prom_severities(out, cmd, &counts);
	rc = prom_rules(out, cmd, lists, nr_lists);
	if (rc)
		return rc;
	prom_state(out, cmd, judged_side(report));
	prom_header(out, "iolu_last_run_timestamp_seconds",
		    "When the command ran, in seconds since the epoch.");
	fprintf(out, "iolu_last_run_timestamp_seconds{command=\"%s\"} %" PRId64 "\n", cmd, now);
	return ferror(out) ? -EIO : 0;
}
