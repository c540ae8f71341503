// SPDX-License-Identifier: GPL-2.0
/* JSON reports: built as a json-c tree, then printed in one go. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "escape.h"
#include "iolu_version.h"
#include "report_json.h"

/*
 * Every string goes through here: json-c copies bytes as they are, and a
 * string from a hostile state must not make the output invalid UTF-8.
 */
static struct json_object *json_string(const char *text)
{
	struct json_object *string;
	char *valid = escape_utf8_copy(text);

	if (!valid)
		return NULL;
	string = json_object_new_string(valid);
	free(valid);
	return string;
}

static struct json_object *json_hex(uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "0x%" PRIx64, value);
	return json_string(text);
}

static void add(struct json_object *object, const char *key,
		struct json_object *value)
{
	json_object_object_add(object, key, value);
}

static struct json_object *json_finding(const struct iolu_finding *finding,
					const char *stage)
{
	struct json_object *item = json_object_new_object();
	struct json_object *object = json_object_new_object();

	add(item, "rule", json_string(finding->rule));
	add(item, "severity", json_string(iolu_severity_name(finding->severity)));
	add(object, "kind", json_string(iolu_obj_kind_name(finding->kind)));
	add(object, "index", json_object_new_uint64(finding->index));
	add(item, "object", object);
	add(item, "phys", json_hex(finding->pa));
	add(item, "message", json_string(finding->message));
	if (stage)
		add(item, "stage", json_string(stage));
	return item;
}

static void json_add_findings(struct json_object *list,
			      const struct iolu_findings *findings,
			      const char *stage)
{
	size_t i;

	for (i = 0; i < findings->nr; i++)
		json_object_array_add(list, json_finding(&findings->items[i], stage));
}

static struct json_object *json_counts(const struct report_counts *counts)
{
	struct json_object *object = json_object_new_object();

	add(object, "errors", json_object_new_uint64(counts->errors));
	add(object, "warnings", json_object_new_uint64(counts->warnings));
	add(object, "info", json_object_new_uint64(counts->infos));
	add(object, "not_kept", json_object_new_uint64(counts->dropped));
	return object;
}

static struct json_object *json_source(const struct report_side *side)
{
	const struct iolu_identity *id = iolu_source_identity(side->source);
	struct json_object *object = json_object_new_object();
	struct iolu_snapshot_info info;
	char when[64];

	add(object, "origin", json_string(side->origin));
	add(object, "kind", json_string(iolu_source_kind(side->source)));
	add(object, "side", json_string(cli_side_name(iolu_source_side(side->source))));
	add(object, "kernel_release", json_string(id->release));
	add(object, "kernel_version", json_string(id->version));
	add(object, "build_id", json_string(id->build_id));
	add(object, "read_at", json_string(report_time(id->timestamp, when,
								   sizeof(when))));
	add(object, "header", json_hex(iolu_source_header_pa(side->source)));
	if (!iolu_snapshot_info(side->source, &info))
		add(object, "written_by", info.written_by[0] ?
		    json_string(info.written_by) : NULL);
	if (side->loaded) {
		add(object, "units", json_object_new_uint64(side->model.state.nr_units));
		add(object, "domains", json_object_new_uint64(side->model.state.nr_domains));
		add(object, "devices", json_object_new_uint64(side->model.state.nr_devices));
	}
	return object;
}

static void json_add_common(struct json_object *item,
			    const struct iolu_object *object)
{
	add(item, "index", json_object_new_uint64(object->index));
	add(item, "phys", json_hex(object->pa));
	add(item, "refcount", json_object_new_uint64(object->refcount));
	add(item, "deleted", json_object_new_boolean(!iolu_object_live(object)));
	add(item, "incoming", json_object_new_boolean(object->flags & IOLU_OBJ_FLAG_INCOMING));
}

static struct json_object *json_unit(const struct iolu_unit *unit)
{
	struct json_object *item = json_object_new_object();

	json_add_common(item, &unit->object);
	add(item, "type", json_string(report_unit_type_name(unit->type)));
	add(item, "segment", json_object_new_uint64(unit->segment));
	add(item, "registers", json_hex(unit->reg_base_pa));
	add(item, "root_table", json_hex(unit->root_table_pa));
	add(item, "scalable", json_object_new_boolean(unit->unit_flags & IOLU_VTD_UNIT_SCALABLE));
	return item;
}

static struct json_object *json_extents(const struct report_domain *walked)
{
	const struct iolu_pt_walk *walk = &walked->walk;
	struct json_object *object = json_object_new_object();
	struct json_object *list;
	size_t i;

	if (walked->walk_err) {
		add(object, "error", json_string(walk->error));
		add(object, "error_phys", json_hex(walk->error_pa));
		add(object, "error_level", json_object_new_int(walk->error_level));
		return object;
	}
	add(object, "mapped_bytes", json_hex(walk->mapped_bytes));
	add(object, "table_pages", json_object_new_uint64(walk->nr_table_pages));
	list = json_object_new_array_ext((int)(walk->nr_extents < 1u << 30 ?
					       walk->nr_extents : 1u << 30));
	for (i = 0; i < walk->nr_extents; i++) {
		const struct iolu_extent *extent = &walk->extents[i];
		struct json_object *item = json_object_new_object();

		add(item, "iova", json_hex(extent->iova));
		add(item, "phys", json_hex(extent->phys));
		add(item, "size", json_hex(extent->size));
		add(item, "perm", json_string(report_perm(extent->perm)));
		add(item, "page_shift", json_object_new_uint64(extent->page_shift));
		json_object_array_add(list, item);
	}
	add(object, "extents", list);
	return object;
}

static struct json_object *json_domain(const struct report_side *side, size_t i)
{
	const struct iolu_domain *domain = &side->model.state.domains[i];
	struct json_object *item = json_object_new_object();

	json_add_common(item, &domain->object);
	add(item, "format", json_string(report_format_name(domain->format)));
	add(item, "levels", json_object_new_uint64(domain->levels));
	add(item, "pgtable", json_hex(domain->pgtable_pa));
	add(item, "aperture_start", json_hex(domain->aperture_start));
	add(item, "aperture_end", json_hex(domain->aperture_end));
	add(item, "addr_width", json_object_new_uint64(domain->addr_width));
	if (side->domains[i].walked)
		add(item, "page_table", json_extents(&side->domains[i]));
	return item;
}

static struct json_object *json_device(const struct report_side *side,
				       const struct iolu_device *device)
{
	const struct iolu_state *state = &side->model.state;
	const struct iolu_domain *domain = report_device_domain(side, device);
	struct json_object *item = json_object_new_object();
	char bdf[16];

	json_add_common(item, &device->object);
	add(item, "bdf", json_string(report_bdf(device, bdf, sizeof(bdf))));
	add(item, "segment", json_object_new_uint64(device->segment));
	add(item, "requester_id", json_object_new_uint64(device->requester_id));
	add(item, "token", json_hex(device->token));
	add(item, "domain_id", json_object_new_uint64(device->domain_id));
	add(item, "domain", domain ? json_object_new_uint64(domain->object.index) : NULL);
	add(item, "unit", device->unit >= 0 && (size_t)device->unit < state->nr_units ?
	    json_object_new_uint64(state->units[device->unit].object.index) : NULL);
	return item;
}

static struct json_object *json_state(const struct report_side *side)
{
	const struct iolu_state *state = &side->model.state;
	struct json_object *object = json_object_new_object();
	struct json_object *units = json_object_new_array();
	struct json_object *domains = json_object_new_array();
	struct json_object *devices = json_object_new_array();
	size_t i;

	add(object, "compatible", json_string(state->compatible));
	for (i = 0; i < state->nr_units; i++)
		json_object_array_add(units, json_unit(&state->units[i]));
	for (i = 0; i < state->nr_domains; i++)
		json_object_array_add(domains, json_domain(side, i));
	for (i = 0; i < state->nr_devices; i++)
		json_object_array_add(devices, json_device(side, &state->devices[i]));
	add(object, "units", units);
	add(object, "domains", domains);
	add(object, "devices", devices);
	return object;
}

static int json_print(FILE *out, struct json_object *root)
{
	const char *text;
	int rc = 0;

	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		rc = -ENOMEM;
	else if (fprintf(out, "%s\n", text) < 0 || fflush(out))
		rc = -EIO;
	json_object_put(root);
	return rc;
}

/* A report's root object and its list of findings: both, or neither. */
static int json_new_report(struct json_object **root,
			   struct json_object **findings)
{
	*root = json_object_new_object();
	*findings = json_object_new_array();
	if (*root && *findings) {
		add(*root, "iolu_version", json_string(IOLU_VERSION));
		return 0;
	}
	json_object_put(*root);
	json_object_put(*findings);
	return -ENOMEM;
}

int report_json_check(FILE *out, const struct report *report)
{
	struct json_object *root, *findings;
	struct report_counts counts = { 0 };

	if (json_new_report(&root, &findings))
		return -ENOMEM;
	report_count(&report->state->findings, &counts);
	add(root, "ready", json_object_new_boolean(report->passed));
	add(root, "verdict", json_string(report->verdict));
	add(root, "source", json_source(report->state));
	add(root, "counts", json_counts(&counts));
	json_add_findings(findings, &report->state->findings, NULL);
	add(root, "findings", findings);
	return json_print(out, root);
}

int report_json_show(FILE *out, const struct report_side *side)
{
	struct json_object *root, *findings;

	if (json_new_report(&root, &findings))
		return -ENOMEM;
	add(root, "source", json_source(side));
	add(root, "state", side->loaded ? json_state(side) : NULL);
	json_add_findings(findings, &side->findings, NULL);
	add(root, "findings", findings);
	return json_print(out, root);
}

int report_json_audit(FILE *out, const struct report *report)
{
	struct json_object *root, *findings;
	struct report_counts counts = { 0 };

	if (json_new_report(&root, &findings))
		return -ENOMEM;
	report_count(&report->before->findings, &counts);
	report_count(&report->after->findings, &counts);
	report_count(&report->compare, &counts);
	add(root, "continuity", json_object_new_boolean(report->passed));
	add(root, "verdict", json_string(report->verdict));
	add(root, "before", json_source(report->before));
	add(root, "after", json_source(report->after));
	add(root, "counts", json_counts(&counts));
	json_add_findings(findings, &report->before->findings, "before");
	json_add_findings(findings, &report->after->findings, "after");
	json_add_findings(findings, &report->compare, "compare");
	add(root, "findings", findings);
	add(root, "state_after", report->after->loaded ? json_state(report->after) : NULL);
	return json_print(out, root);
}

int report_json_failure(FILE *out, const char *verdict_key, const char *verdict,
			const char *message)
{
	struct json_object *root = json_object_new_object();

	if (!root)
		return -ENOMEM;
	add(root, "iolu_version", json_string(IOLU_VERSION));
	if (verdict_key)
		add(root, verdict_key, json_object_new_boolean(0));
	add(root, "verdict", json_string(verdict));
	add(root, "error", json_string(message));
	return json_print(out, root);
}

int report_json_rules(FILE *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *list = json_object_new_array();
	const struct iolu_rule_info *rules;
	size_t nr, i;

	if (!root || !list) {
		json_object_put(root);
		json_object_put(list);
		return -ENOMEM;
	}
	add(root, "iolu_version", json_string(IOLU_VERSION));
	rules = iolu_rules(&nr);
	for (i = 0; i < nr; i++) {
		struct json_object *rule = json_object_new_object();

		add(rule, "id", json_string(rules[i].id));
		add(rule, "severity", json_string(iolu_severity_name(rules[i].severity)));
		add(rule, "meaning", json_string(rules[i].meaning));
		json_object_array_add(list, rule);
	}
	add(root, "rules", list);
	return json_print(out, root);
}
