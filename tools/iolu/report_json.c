// SPDX-License-Identifier: GPL-2.0
/*
 * JSON reports, streamed: the document is written as it is walked, and
 * json-c builds only one small object at a time (a finding, an extent, a
 * unit), so memory does not grow with the report and a hostile state
 * cannot make iolu hold its whole output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
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

/* A JSON writer: where it is, and whether its container has members yet. */
struct jw {
	FILE *out;
	unsigned int depth;
	bool first;
};

static void jw_separate(struct jw *w)
{
	if (!w->first)
		fputc(',', w->out);
	fprintf(w->out, "\n%*s", (int)(2 * w->depth), "");
	w->first = false;
}

/* Print value (NULL is null) and release it. */
static void jw_value(struct jw *w, struct json_object *value)
{
	const char *text = value ? json_object_to_json_string_ext(value,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	/* Out of memory leaves a null rather than a cut document. */
	fputs(text ? text : "null", w->out);
	json_object_put(value);
}

/* key is always one of this file's literals: nothing to escape. */
static void jw_member(struct jw *w, const char *key, struct json_object *value)
{
	jw_separate(w);
	fprintf(w->out, "\"%s\": ", key);
	jw_value(w, value);
}

static void jw_item(struct jw *w, struct json_object *value)
{
	jw_separate(w);
	jw_value(w, value);
}

/* Open an object or array, as a member (key) or an item (NULL). */
static void jw_open(struct jw *w, const char *key, char bracket)
{
	jw_separate(w);
	if (key)
		fprintf(w->out, "\"%s\": ", key);
	fputc(bracket, w->out);
	w->depth++;
	w->first = true;
}

static void jw_close(struct jw *w, char bracket)
{
	w->depth--;
	if (!w->first)
		fprintf(w->out, "\n%*s", (int)(2 * w->depth), "");
	fputc(bracket, w->out);
	w->first = false;
}

static void jw_begin(struct jw *w, FILE *out, const char *command)
{
	*w = (struct jw){ .out = out, .depth = 1, .first = true };
	fputc('{', out);
	jw_member(w, "schema", json_string(REPORT_JSON_SCHEMA));
	jw_member(w, "command", json_string(command));
	jw_member(w, "iolu_version", json_string(IOLU_VERSION));
}

static int jw_end(struct jw *w)
{
	jw_close(w, '}');
	fputc('\n', w->out);
	return fflush(w->out) || ferror(w->out) ? -EIO : 0;
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

/* As many of the list as the budget has left, in the library's order. */
static void jw_findings(struct jw *w, const struct iolu_findings *findings,
			const char *stage, struct report_budget *budget)
{
	size_t nr = report_budget_take(&budget->findings, findings->nr);

	for (size_t i = 0; i < nr; i++)
		jw_item(w, json_finding(&findings->items[i], stage));
}

static struct json_object *json_counts(const struct report_counts *counts,
				       size_t not_printed)
{
	struct json_object *object = json_object_new_object();

	add(object, "errors", json_object_new_uint64(counts->errors));
	add(object, "warnings", json_object_new_uint64(counts->warnings));
	add(object, "info", json_object_new_uint64(counts->infos));
	add(object, "not_kept", json_object_new_uint64(counts->dropped));
	add(object, "not_printed", json_object_new_uint64(not_printed));
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
	add(item, "incoming", json_object_new_boolean(object->claimed));
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

static struct json_object *json_extent(const struct iolu_extent *extent)
{
	struct json_object *item = json_object_new_object();

	add(item, "iova", json_hex(extent->iova));
	add(item, "phys", json_hex(extent->phys));
	add(item, "size", json_hex(extent->size));
	add(item, "perm", json_string(report_perm(extent->perm)));
	add(item, "page_shift", json_object_new_uint64(extent->page_shift));
	return item;
}

static void jw_page_table(struct jw *w, const struct report_domain *walked,
			  struct report_budget *budget)
{
	const struct iolu_pt_walk *walk = &walked->walk;
	size_t nr;

	jw_open(w, "page_table", '{');
	if (walked->walk_err) {
		jw_member(w, "error", json_string(walk->error));
		jw_member(w, "error_phys", json_hex(walk->error_pa));
		jw_member(w, "error_level", json_object_new_int(walk->error_level));
		jw_close(w, '}');
		return;
	}
	jw_member(w, "mapped_bytes", json_hex(walk->mapped_bytes));
	jw_member(w, "table_pages", json_object_new_uint64(walk->nr_table_pages));
	nr = report_budget_take(&budget->extents, walk->nr_extents);
	jw_open(w, "extents", '[');
	for (size_t i = 0; i < nr; i++)
		jw_item(w, json_extent(&walk->extents[i]));
	jw_close(w, ']');
	jw_member(w, "extents_not_printed",
		  json_object_new_uint64(walk->nr_extents - nr));
	jw_close(w, '}');
}

static void jw_domain(struct jw *w, const struct report_side *side, size_t i,
		      struct report_budget *budget)
{
	const struct iolu_domain *domain = &side->model.state.domains[i];
	const struct iolu_object *object = &domain->object;

	jw_open(w, NULL, '{');
	jw_member(w, "index", json_object_new_uint64(object->index));
	jw_member(w, "phys", json_hex(object->pa));
	jw_member(w, "refcount", json_object_new_uint64(object->refcount));
	jw_member(w, "deleted", json_object_new_boolean(!iolu_object_live(object)));
	jw_member(w, "incoming",
		  json_object_new_boolean(object->claimed));
	jw_member(w, "format", json_string(report_format_name(domain->format)));
	jw_member(w, "levels", json_object_new_uint64(domain->levels));
	jw_member(w, "pgtable", json_hex(domain->pgtable_pa));
	jw_member(w, "aperture_start", json_hex(domain->aperture_start));
	jw_member(w, "aperture_end", json_hex(domain->aperture_end));
	jw_member(w, "addr_width", json_object_new_uint64(domain->addr_width));
	if (side->domains[i].walked)
		jw_page_table(w, &side->domains[i], budget);
	jw_close(w, '}');
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

/* The state as a member named key, or null when nothing was read. */
static void jw_state(struct jw *w, const char *key, const struct report_side *side,
		     struct report_budget *budget)
{
	const struct iolu_state *state = &side->model.state;
	size_t i;

	if (!side->loaded) {
		jw_member(w, key, NULL);
		return;
	}
	jw_open(w, key, '{');
	jw_member(w, "compatible", json_string(state->compatible));
	jw_open(w, "units", '[');
	for (i = 0; i < state->nr_units; i++)
		jw_item(w, json_unit(&state->units[i]));
	jw_close(w, ']');
	jw_open(w, "domains", '[');
	for (i = 0; i < state->nr_domains; i++)
		jw_domain(w, side, i, budget);
	jw_close(w, ']');
	jw_open(w, "devices", '[');
	for (i = 0; i < state->nr_devices; i++)
		jw_item(w, json_device(side, &state->devices[i]));
	jw_close(w, ']');
	jw_close(w, '}');
}

int report_json_check(FILE *out, const struct report *report)
{
	const struct iolu_findings *lists[] = { &report->state->findings };
	struct report_counts counts = { 0 };
	struct report_budget budget;
	struct jw w;

	report_budget_init(&budget);
	report_count(lists[0], &counts);
	jw_begin(&w, out, "check");
	jw_member(&w, "ready", json_object_new_boolean(report->passed));
	jw_member(&w, "verdict", json_string(report->verdict));
	jw_member(&w, "source", json_source(report->state));
	jw_member(&w, "counts", json_counts(&counts, report_findings_not_printed(lists, 1)));
	jw_open(&w, "findings", '[');
	jw_findings(&w, lists[0], NULL, &budget);
	jw_close(&w, ']');
	return jw_end(&w);
}

/* ---- LUO: sessions, files, memfd continuity ---- */

static struct json_object *json_luo_file(const struct iolu_luo_file *file)
{
	struct json_object *item = json_object_new_object(), *detail;

	add(item, "kind", json_string(iolu_luo_file_kind_name(file->kind)));
	add(item, "compatible", json_string(file->ref.compatible));
	add(item, "token", json_hex(file->ref.token));
	add(item, "phys", json_hex(file->ref.data_pa));
	add(item, "record_read", json_object_new_boolean(file->record_read));
	if (file->kind == IOLU_LUO_FILE_MEMFD && file->record_read) {
		detail = json_object_new_object();
		add(detail, "size", json_hex(file->memfd.size));
		add(detail, "seals", json_hex(file->memfd.seals));
		add(detail, "folios", json_object_new_uint64(file->memfd.nr_read));
		add(item, "memfd", detail);
	}
	if (file->kind == IOLU_LUO_FILE_IOMMUFD && file->record_read) {
		detail = json_object_new_object();
		add(detail, "hwpts", json_object_new_uint64(file->nr_hwpts));
		add(detail, "mappings", json_object_new_uint64(file->nr_mappings));
		add(item, "iommufd", detail);
	}
	return item;
}

/* Sessions and their files, streamed one file at a time. */
static void jw_luo(struct jw *w, const struct report_side *side)
{
	const struct iolu_luo *luo = &side->model.luo;

	jw_open(w, "luo", '{');
	jw_member(w, "present", json_object_new_boolean(luo->index.present));
	if (!luo->index.present) {
		jw_member(w, "absent_reason", json_string(luo->index.absent_reason));
		jw_close(w, '}');
		return;
	}
	jw_member(w, "origin", json_string(luo->index.origin));
	jw_open(w, "sessions", '[');
	for (size_t s = 0; s < luo->index.nr_sessions; s++) {
		struct json_object *session = json_object_new_object();
		struct json_object *files = json_object_new_array();

		add(session, "name", json_string(luo->index.sessions[s]));
		for (size_t f = 0; f < luo->nr_files; f++)
			if (luo->files[f].ref.session == s)
				json_object_array_add(files,
						      json_luo_file(&luo->files[f]));
		add(session, "files", files);
		jw_item(w, session);
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static struct json_object *
json_memfd_row(const struct iolu_memfd_continuity *row)
{
	struct json_object *item = json_object_new_object();

	add(item, "domain", json_object_new_uint64(row->domain_index));
	add(item, "iova", json_hex(row->iova));
	add(item, "size", json_hex(row->size));
	add(item, "session", json_string(row->session));
	add(item, "token", json_hex(row->token));
	add(item, "offset", json_hex(row->offset));
	add(item, "phys_before", json_hex(row->phys_before));
	add(item, "phys_after", json_hex(row->phys_after));
	add(item, "same", json_object_new_boolean(row->same));
	return item;
}

/* IOVA range -> memfd (session, token) offset, before and after. */
static void jw_memfd_continuity(struct jw *w, const struct report *report,
				struct report_budget *budget)
{
	const struct iolu_memfd_continuities *rows = &report->memfd;
	size_t nr = report_budget_take(&budget->extents, rows->nr);

	jw_open(w, "memfd_continuity", '{');
	jw_member(w, "before_view", json_object_new_boolean(rows->before_view));
	jw_member(w, "after_view", json_object_new_boolean(rows->after_view));
	jw_open(w, "ranges", '[');
	for (size_t i = 0; i < nr; i++)
		jw_item(w, json_memfd_row(&rows->items[i]));
	jw_close(w, ']');
	jw_member(w, "ranges_not_printed", json_object_new_uint64(rows->nr - nr));
	jw_close(w, '}');
}

int report_json_show(FILE *out, const struct report_side *side)
{
	const struct iolu_findings *lists[] = { &side->findings };
	struct report_budget budget;
	struct jw w;

	report_budget_init(&budget);
	jw_begin(&w, out, "show");
	jw_member(&w, "source", json_source(side));
	jw_state(&w, "state", side, &budget);
	if (side->loaded)
		jw_luo(&w, side);
	jw_open(&w, "findings", '[');
	jw_findings(&w, lists[0], NULL, &budget);
	jw_close(&w, ']');
	jw_member(&w, "findings_not_printed",
		  json_object_new_uint64(report_findings_not_printed(lists, 1)));
	return jw_end(&w);
}

int report_json_audit(FILE *out, const struct report *report)
{
	const struct iolu_findings *lists[] = {
		&report->before->findings, &report->after->findings, &report->compare,
	};
	struct report_counts counts = { 0 };
	struct report_budget budget;
	struct jw w;

	report_budget_init(&budget);
	for (size_t i = 0; i < 3; i++)
		report_count(lists[i], &counts);
	jw_begin(&w, out, "audit");
	jw_member(&w, "continuity", json_object_new_boolean(report->passed));
	jw_member(&w, "verdict", json_string(report->verdict));
	jw_member(&w, "before", json_source(report->before));
	jw_member(&w, "after", json_source(report->after));
	jw_member(&w, "counts", json_counts(&counts, report_findings_not_printed(lists, 3)));
	jw_open(&w, "findings", '[');
	jw_findings(&w, lists[0], "before", &budget);
	jw_findings(&w, lists[1], "after", &budget);
	jw_findings(&w, lists[2], "compare", &budget);
	jw_close(&w, ']');
	jw_state(&w, "state_after", report->after, &budget);
	if (report->after->loaded)
		jw_memfd_continuity(&w, report, &budget);
	return jw_end(&w);
}

int report_json_failure(FILE *out, const char *command, const char *verdict_key,
			const char *verdict, const char *message)
{
	struct jw w;

	jw_begin(&w, out, command);
	if (verdict_key)
		jw_member(&w, verdict_key, json_object_new_boolean(0));
	jw_member(&w, "verdict", json_string(verdict));
	jw_member(&w, "error", json_string(message));
	return jw_end(&w);
}

int report_json_rules(FILE *out)
{
	const struct iolu_rule_info *rules;
	size_t nr, i;
	struct jw w;

	jw_begin(&w, out, "rules");
	rules = iolu_rules(&nr);
	jw_open(&w, "rules", '[');
	for (i = 0; i < nr; i++) {
		struct json_object *rule = json_object_new_object();

		add(rule, "rule", json_string(rules[i].id));
		add(rule, "severity", json_string(iolu_severity_name(rules[i].severity)));
		add(rule, "meaning", json_string(rules[i].meaning));
		jw_item(&w, rule);
	}
	jw_close(&w, ']');
	return jw_end(&w);
}
