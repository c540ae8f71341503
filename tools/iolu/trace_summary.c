// SPDX-License-Identifier: GPL-2.0
/*
 * The exit summary of `iolu trace` (see trace_summary.h).
 */
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_coverage.h"
#include "trace_summary.h"

void iolu_summary_init(struct iolu_summary *summary)
{
	memset(summary, 0, sizeof(*summary));
}

unsigned int iolu_hist_bucket(uint64_t ns)
{
	if (ns < 2)
		return 0;
	return 63 - (unsigned int)__builtin_clzll(ns);
}

uint64_t iolu_hist_bucket_floor(unsigned int bucket)
{
	if (bucket == 0 || bucket >= IOLU_HIST_BUCKETS)
		return 0;
	return 1ULL << bucket;
}

static void add_latency(struct iolu_op_stats *stats, uint64_t ns)
{
	if (!stats->timed || ns < stats->latency_min_ns)
		stats->latency_min_ns = ns;
	if (ns > stats->latency_max_ns)
		stats->latency_max_ns = ns;
	stats->timed++;
	/* Saturate: a sum that wraps would make the average a lie. */
	if (stats->latency_sum_ns > UINT64_MAX - ns)
		stats->latency_sum_ns = UINT64_MAX;
	else
		stats->latency_sum_ns += ns;
	stats->hist[iolu_hist_bucket(ns)]++;
}

static struct iolu_inval_row *inval_row(struct iolu_summary *summary, uint64_t domain)
{
	unsigned int i;

	for (i = 0; i < summary->nr_inval_rows; i++)
		if (summary->inval_rows[i].domain == domain)
			return &summary->inval_rows[i];
	if (summary->nr_inval_rows == IOLU_SUMMARY_MAX_DOMAINS)
		return &summary->inval_other;
	summary->inval_rows[summary->nr_inval_rows].domain = domain;
	return &summary->inval_rows[summary->nr_inval_rows++];
}

const struct iolu_inval_row *iolu_summary_inval_row(const struct iolu_summary *summary,
						    uint64_t domain)
{
	unsigned int i;

	for (i = 0; i < summary->nr_inval_rows; i++)
		if (summary->inval_rows[i].domain == domain)
			return &summary->inval_rows[i];
	return NULL;
}

static void count_event(struct iolu_summary *summary, const struct iolu_event *e,
			uint64_t count)
{
	int kind;

	summary->events += count;
	summary->ops[e->op].count += count;
	kind = iolu_event_inval_kind(e);
	if (kind >= 0)
		inval_row(summary, (e->flags & IOLU_EVF_DOMAIN) ? e->domain : 0)->counts[kind] +=
			count;
}

void iolu_summary_add(struct iolu_summary *summary, const struct iolu_event *e)
{
	struct iolu_op_stats *stats;

	if (e->op == IOLU_OP_NONE || e->op >= IOLU_OP_COUNT) {
		summary->undecodable++;
		return;
	}
	if (!summary->events || e->ts_ns < summary->first_ts_ns)
		summary->first_ts_ns = e->ts_ns;
	if (e->ts_ns > summary->last_ts_ns)
		summary->last_ts_ns = e->ts_ns;
	count_event(summary, e, 1);
	iolu_timeline_add(&summary->timeline, e);
	stats = &summary->ops[e->op];
	if ((e->flags & IOLU_EVF_RET) && e->ret < 0)
		stats->errors++;
	if (e->flags & IOLU_EVF_LATENCY)
		add_latency(stats, e->latency_ns);
}

void iolu_summary_add_counted(struct iolu_summary *summary, const struct iolu_event *e,
			      uint64_t count)
{
	if (e->op == IOLU_OP_NONE || e->op >= IOLU_OP_COUNT) {
		summary->undecodable += count;
		return;
	}
	count_event(summary, e, count);
	summary->kernel_counted += count;
}

static void format_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static void print_histogram(const struct iolu_op_stats *stats, FILE *out)
{
	uint64_t peak = 0;
	unsigned int b, lo = IOLU_HIST_BUCKETS, hi = 0;
	char from[16], to[16];

	for (b = 0; b < IOLU_HIST_BUCKETS; b++) {
		if (!stats->hist[b])
			continue;
		if (stats->hist[b] > peak)
			peak = stats->hist[b];
		if (b < lo)
			lo = b;
		hi = b;
	}
	for (b = lo; b <= hi && b < IOLU_HIST_BUCKETS; b++) {
		int width = (int)(stats->hist[b] * 40 / peak);

		format_ns(iolu_hist_bucket_floor(b), from, sizeof(from));
		format_ns(b + 1 < 64 ? 1ULL << (b + 1) : UINT64_MAX, to, sizeof(to));
		fprintf(out, "    [%8s, %8s) %10" PRIu64 " |%-40.*s|\n", from, to,
			stats->hist[b], width,
			"****************************************");
	}
}

static void print_ops(const struct iolu_summary *summary, FILE *out)
{
	unsigned int op;
	char min[16], avg[16], max[16];

	fprintf(out, "  %-18s %10s %8s %10s %10s %10s\n", "operation", "count",
		"errors", "min", "avg", "max");
	for (op = 1; op < IOLU_OP_COUNT; op++) {
		const struct iolu_op_stats *stats = &summary->ops[op];

		if (!stats->count)
			continue;
		if (stats->timed) {
			format_ns(stats->latency_min_ns, min, sizeof(min));
			format_ns(stats->latency_sum_ns / stats->timed, avg, sizeof(avg));
			format_ns(stats->latency_max_ns, max, sizeof(max));
		} else {
			strcpy(min, "-");
			strcpy(avg, "-");
			strcpy(max, "-");
		}
		fprintf(out, "  %-18s %10" PRIu64 " %8" PRIu64 " %10s %10s %10s\n",
			iolu_op_name(op), stats->count, stats->errors, min, avg, max);
	}
	for (op = 1; op < IOLU_OP_COUNT; op++) {
		if (!summary->ops[op].timed)
			continue;
		fprintf(out, "  latency of %s (log2 buckets):\n", iolu_op_name(op));
		print_histogram(&summary->ops[op], out);
	}
}

static void print_inval_row(const struct iolu_inval_row *row, const char *label, FILE *out)
{
	unsigned int kind;

	fprintf(out, "  %-20s", label);
	for (kind = 0; kind < IOLU_INVAL_KIND_COUNT; kind++)
		if (row->counts[kind])
			fprintf(out, " %s=%" PRIu64, iolu_inval_kind_name(kind),
				row->counts[kind]);
	fputc('\n', out);
}

static void print_invals(const struct iolu_summary *summary, FILE *out)
{
	unsigned int i;
	char label[32];

	if (!summary->nr_inval_rows)
		return;
	fprintf(out, "  invalidations per domain and kind:\n");
	for (i = 0; i < summary->nr_inval_rows; i++) {
		const struct iolu_inval_row *row = &summary->inval_rows[i];

		if (row->domain)
			snprintf(label, sizeof(label), "0x%" PRIx64, row->domain);
		else
			snprintf(label, sizeof(label), "(no domain)");
		print_inval_row(row, label, out);
	}
	if (summary->nr_inval_rows == IOLU_SUMMARY_MAX_DOMAINS)
		print_inval_row(&summary->inval_other, "(other domains)", out);
}

static void print_boot(const struct iolu_summary *summary, FILE *out)
{
	if (!summary->boot.read)
		return;
	fprintf(out, "  boot trace %s: %" PRIu64 " events, %" PRIu64 " lost, %" PRIu64
		" lines that do not parse\n", summary->boot.source, summary->boot.events,
		summary->boot.lost, summary->boot.bad_lines);
}

static struct json_object *boot_to_json(const struct iolu_summary *summary)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "source", json_object_new_string(summary->boot.source));
	json_object_object_add(obj, "events", json_object_new_uint64(summary->boot.events));
	json_object_object_add(obj, "lost", json_object_new_uint64(summary->boot.lost));
	json_object_object_add(obj, "bad_lines", json_object_new_uint64(summary->boot.bad_lines));
	return obj;
}

void iolu_summary_print(const struct iolu_summary *summary,
			const struct trace_rules *rules, FILE *out)
{
	char span[16];
	unsigned int rule;

	/* A run with no event, or one, still lasted: the clock says how long. */
	format_ns(summary->duration_ns ? summary->duration_ns :
		  summary->last_ts_ns - summary->first_ts_ns, span, sizeof(span));
	fprintf(out, "iolu trace summary: %" PRIu64 " events over %s", summary->events, span);
	if (summary->kernel_counted)
		fprintf(out, " (%" PRIu64 " counted in the kernel)", summary->kernel_counted);
	fprintf(out, ", %" PRIu64 " lost (ring buffer or count table full)", summary->lost);
	if (summary->undecodable)
		fprintf(out, ", %" PRIu64 " undecodable", summary->undecodable);
	if (summary->ringbuf_bytes)
		fprintf(out, "; ring buffer %" PRIu64 " MiB", summary->ringbuf_bytes >> 20);
	fputc('\n', out);
	if (summary->targets)
		iolu_coverage_print(summary->targets, summary->nr_targets, out);
	if (summary->events)
		print_ops(summary, out);
	print_invals(summary, out);
	print_boot(summary, out);
	iolu_timeline_print(&summary->timeline, summary->start_ns, out);
	if (!rules)
		return;
	fprintf(out, "  findings:");
	for (rule = 0; rule < IOLU_RULE_COUNT; rule++)
		fprintf(out, " %s=%" PRIu64, iolu_rule_name(rule), rules->findings[rule]);
	fputc('\n', out);
}

static struct json_object *op_stats_to_json(const struct iolu_op_stats *stats)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *hist = json_object_new_array();
	unsigned int b;

	json_object_object_add(obj, "count", json_object_new_uint64(stats->count));
	json_object_object_add(obj, "errors", json_object_new_uint64(stats->errors));
	if (stats->timed) {
		json_object_object_add(obj, "latency_min_ns",
				       json_object_new_uint64(stats->latency_min_ns));
		json_object_object_add(obj, "latency_avg_ns",
				       json_object_new_uint64(stats->latency_sum_ns / stats->timed));
		json_object_object_add(obj, "latency_max_ns",
				       json_object_new_uint64(stats->latency_max_ns));
	}
	for (b = 0; b < IOLU_HIST_BUCKETS; b++) {
		struct json_object *bucket;

		if (!stats->hist[b])
			continue;
		bucket = json_object_new_object();
		json_object_object_add(bucket, "from_ns",
				       json_object_new_uint64(iolu_hist_bucket_floor(b)));
		json_object_object_add(bucket, "count", json_object_new_uint64(stats->hist[b]));
		json_object_array_add(hist, bucket);
	}
	json_object_object_add(obj, "latency_log2_hist", hist);
	return obj;
}

static struct json_object *inval_row_to_json(const struct iolu_inval_row *row)
{
	struct json_object *obj = json_object_new_object();
	unsigned int kind;
	char text[24];

	snprintf(text, sizeof(text), "0x%" PRIx64, row->domain);
	json_object_object_add(obj, "domain", row->domain ? json_object_new_string(text) : NULL);
	for (kind = 0; kind < IOLU_INVAL_KIND_COUNT; kind++)
		if (row->counts[kind])
			json_object_object_add(obj, iolu_inval_kind_name(kind),
					       json_object_new_uint64(row->counts[kind]));
	return obj;
}

struct json_object *iolu_summary_to_json(const struct iolu_summary *summary,
					 const struct trace_rules *rules)
{
	struct json_object *root = json_object_new_object();
	struct json_object *body = json_object_new_object();
	struct json_object *ops = json_object_new_object();
	struct json_object *invals = json_object_new_array();
	struct json_object *findings = json_object_new_object();
	unsigned int op, i, rule;

	json_object_object_add(body, "events", json_object_new_uint64(summary->events));
	json_object_object_add(body, "kernel_counted",
			       json_object_new_uint64(summary->kernel_counted));
	json_object_object_add(body, "lost", json_object_new_uint64(summary->lost));
	json_object_object_add(body, "undecodable", json_object_new_uint64(summary->undecodable));
	json_object_object_add(body, "ringbuf_bytes", json_object_new_uint64(summary->ringbuf_bytes));
	if (summary->duration_ns)
		json_object_object_add(body, "duration_ns",
				       json_object_new_uint64(summary->duration_ns));
	if (summary->targets)
		json_object_object_add(body, "coverage",
				       iolu_coverage_to_json(summary->targets, summary->nr_targets));
	for (op = 1; op < IOLU_OP_COUNT; op++)
		if (summary->ops[op].count)
			json_object_object_add(ops, iolu_op_name(op),
					       op_stats_to_json(&summary->ops[op]));
	json_object_object_add(body, "ops", ops);
	for (i = 0; i < summary->nr_inval_rows; i++)
		json_object_array_add(invals, inval_row_to_json(&summary->inval_rows[i]));
	json_object_object_add(body, "invalidations", invals);
	if (summary->boot.read)
		json_object_object_add(body, "boot", boot_to_json(summary));
	json_object_object_add(body, "restore_timeline",
			       iolu_timeline_to_json(&summary->timeline, summary->start_ns));
	if (rules)
		for (rule = 0; rule < IOLU_RULE_COUNT; rule++)
			json_object_object_add(findings, iolu_rule_name(rule),
					       json_object_new_uint64(rules->findings[rule]));
	json_object_object_add(body, "findings", findings);
	json_object_object_add(root, "summary", body);
	return root;
}
