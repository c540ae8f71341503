// SPDX-License-Identifier: GPL-2.0
/* The exit summary's arithmetic: counts, errors, log2 histograms, tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "trace_fixtures.h"
#include "trace_summary.h"

static void buckets_are_log2(void **state)
{
	(void)state;
	assert_int_equal(iolu_hist_bucket(0), 0);
	assert_int_equal(iolu_hist_bucket(1), 0);
	assert_int_equal(iolu_hist_bucket(2), 1);
	assert_int_equal(iolu_hist_bucket(3), 1);
	assert_int_equal(iolu_hist_bucket(4), 2);
	assert_int_equal(iolu_hist_bucket(1023), 9);
	assert_int_equal(iolu_hist_bucket(1024), 10);
	assert_int_equal(iolu_hist_bucket(UINT64_MAX), 63);
	assert_int_equal(iolu_hist_bucket_floor(0), 0);
	assert_int_equal(iolu_hist_bucket_floor(10), 1024);
	assert_true(iolu_hist_bucket_floor(63) == 1ULL << 63);
	assert_int_equal(iolu_hist_bucket_floor(64), 0);
}

static void counts_errors_and_latency(void **state)
{
	static struct iolu_summary summary;
	const struct iolu_op_stats *stats = &summary.ops[IOLU_OP_DOMAIN_PRESERVE];

	(void)state;
	iolu_summary_init(&summary);
	iolu_summary_add(&summary, &(struct iolu_event){ 0 });	/* op 0: not an event */
	summary.ops[0].count = 0;
	struct iolu_event ok = fixture_call(IOLU_OP_DOMAIN_PRESERVE, 0, 1000);
	struct iolu_event failed = fixture_call(IOLU_OP_DOMAIN_PRESERVE, -61, 3000);
	struct iolu_event untimed = fixture_event(IOLU_OP_DOMAIN_PRESERVE);

	ok.ts_ns = 5000;
	failed.ts_ns = 9000;
	iolu_summary_add(&summary, &ok);
	iolu_summary_add(&summary, &failed);
	iolu_summary_add(&summary, &untimed);
	assert_int_equal(summary.undecodable, 1);
	assert_int_equal(summary.events, 3);
	assert_int_equal(stats->count, 3);
	assert_int_equal(stats->errors, 1);
	assert_int_equal(stats->timed, 2);
	assert_int_equal(stats->latency_min_ns, 1000);
	assert_int_equal(stats->latency_max_ns, 3000);
	assert_int_equal(stats->latency_sum_ns, 4000);
	assert_int_equal(stats->hist[9], 1);	/* 1000 in [512, 1024) */
	assert_int_equal(stats->hist[11], 1);	/* 3000 in [2048, 4096) */
	assert_int_equal(summary.first_ts_ns, 1000);
	assert_int_equal(summary.last_ts_ns, 9000);
}

static void latency_sum_saturates(void **state)
{
	static struct iolu_summary summary;
	struct iolu_event slow = fixture_call(IOLU_OP_FLB_RETRIEVE, 0, UINT64_MAX - 5);

	(void)state;
	iolu_summary_init(&summary);
	iolu_summary_add(&summary, &slow);
	iolu_summary_add(&summary, &slow);
	assert_true(summary.ops[IOLU_OP_FLB_RETRIEVE].latency_sum_ns == UINT64_MAX);
	assert_int_equal(summary.ops[IOLU_OP_FLB_RETRIEVE].hist[63], 2);
}

static void invalidations_per_domain_and_kind(void **state)
{
	static struct iolu_summary summary;
	struct iolu_event context = fixture_iotlb(DOMAIN_A, 1);
	struct iolu_event flush = fixture_on_domain(IOLU_OP_CACHE_FLUSH, DOMAIN_B);
	const struct iolu_inval_row *row;

	(void)state;
	iolu_summary_init(&summary);
	context.args[0] = 1ULL << 16 | 1 << 4 | 1;
	iolu_summary_add(&summary, &(struct iolu_event){ 0 });
	iolu_summary_add(&summary, &(struct iolu_event){ .op = IOLU_OP_MAP });
	iolu_summary_add(&summary, &(struct iolu_event){ 0 });
	for (int i = 0; i < 2; i++) {
		struct iolu_event iotlb = fixture_iotlb(DOMAIN_A, 1);

		iolu_summary_add(&summary, &iotlb);
	}
	iolu_summary_add(&summary, &context);
	iolu_summary_add(&summary, &flush);
	struct iolu_event unattributed = fixture_iotlb(0, 9);

	iolu_summary_add(&summary, &unattributed);
	row = iolu_summary_inval_row(&summary, DOMAIN_A);
	assert_non_null(row);
	assert_int_equal(row->counts[IOLU_INVAL_IOTLB], 2);
	assert_int_equal(row->counts[IOLU_INVAL_CONTEXT_CACHE], 1);
	row = iolu_summary_inval_row(&summary, DOMAIN_B);
	assert_int_equal(row->counts[IOLU_INVAL_CACHE_TAG], 1);
	row = iolu_summary_inval_row(&summary, 0);
	assert_int_equal(row->counts[IOLU_INVAL_IOTLB], 1);
	assert_int_equal(summary.nr_inval_rows, 3);
	assert_null(iolu_summary_inval_row(&summary, 0x1234));
}

/*
 * What the kernel counted instead of sending (map/unmap/invalidations):
 * the key's op, domain and descriptor type bits give the same rows as
 * records would, with no latency and no timestamps.
 */
static void kernel_counts_add_up_with_records(void **state)
{
	static struct iolu_summary summary;
	struct iolu_event iotlb = fixture_iotlb(DOMAIN_A, 1);
	struct iolu_event counted_iotlb = { .op = IOLU_OP_QI_SUBMIT, .domain = DOMAIN_A,
					    .flags = IOLU_EVF_DOMAIN };
	struct iolu_event counted_map = { .op = IOLU_OP_MAP };
	const struct iolu_inval_row *row;

	(void)state;
	iolu_summary_init(&summary);
	counted_iotlb.args[0] = iotlb.args[0] & 0xe0f;	/* what the kernel keeps of qw0 */
	iolu_summary_add(&summary, &iotlb);
	iolu_summary_add_counted(&summary, &counted_iotlb, 1000);
	iolu_summary_add_counted(&summary, &counted_map, 500);
	iolu_summary_add_counted(&summary, &(struct iolu_event){ 0 }, 7);
	assert_int_equal(summary.events, 1501);
	assert_int_equal(summary.kernel_counted, 1500);
	assert_int_equal(summary.undecodable, 7);
	assert_int_equal(summary.ops[IOLU_OP_QI_SUBMIT].count, 1001);
	assert_int_equal(summary.ops[IOLU_OP_MAP].count, 500);
	assert_int_equal(summary.ops[IOLU_OP_MAP].timed, 0);
	row = iolu_summary_inval_row(&summary, DOMAIN_A);
	assert_non_null(row);
	assert_int_equal(row->counts[IOLU_INVAL_IOTLB], 1001);
	assert_int_equal(summary.nr_inval_rows, 1);
}

static void domains_beyond_the_table_share_a_row(void **state)
{
	static struct iolu_summary summary;
	uint64_t domain;

	(void)state;
	iolu_summary_init(&summary);
	for (domain = 1; domain <= IOLU_SUMMARY_MAX_DOMAINS + 3; domain++) {
		struct iolu_event iotlb = fixture_iotlb(domain << 12, 1);

		iolu_summary_add(&summary, &iotlb);
	}
	assert_int_equal(summary.nr_inval_rows, IOLU_SUMMARY_MAX_DOMAINS);
	assert_int_equal(summary.inval_other.counts[IOLU_INVAL_IOTLB], 3);
}

static char *print_to_string(const struct iolu_summary *summary, const struct trace_rules *rules)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	iolu_summary_print(summary, rules, out);
	fclose(out);
	return text;
}

static void printed_summary_says_it_all(void **state)
{
	static struct iolu_summary summary;
	struct trace_rules rules;
	struct iolu_event failed = fixture_call(IOLU_OP_DEVICE_PRESERVE, -1, 1500);
	struct iolu_event iotlb = fixture_iotlb(DOMAIN_A, 1);
	char *text;

	(void)state;
	iolu_summary_init(&summary);
	trace_rules_init(&rules);
	rules.findings[IOLU_RULE_PRESERVE_FAILED] = 1;
	iolu_summary_add(&summary, &failed);
	iolu_summary_add(&summary, &iotlb);
	summary.lost = 17;
	summary.ringbuf_bytes = 4 << 20;
	text = print_to_string(&summary, &rules);
	assert_non_null(strstr(text, "; ring buffer 4 MiB\n"));
	assert_non_null(strstr(text, "2 events"));
	assert_non_null(strstr(text, "17 lost"));
	assert_non_null(strstr(text, "device_preserve"));
	assert_non_null(strstr(text, "latency of device_preserve"));
	assert_non_null(strstr(text, "[   1.0us,    2.0us)          1"));
	assert_non_null(strstr(text, "0xffff888001000000   iotlb=1"));
	assert_non_null(strstr(text, "preserve-failed=1"));
	free(text);

	/* Nothing traced: still a summary, with the lost count */
	iolu_summary_init(&summary);
	text = print_to_string(&summary, NULL);
	assert_non_null(strstr(text, "0 events"));
	assert_non_null(strstr(text, "0 lost"));
	free(text);
}

/*
 * A run on a kernel where few targets attach and nothing happens: the
 * summary says how long it traced, by the clock, and what it covered,
 * rather than "0 events over 0ns".
 */
static void idle_partial_run_says_duration_and_coverage(void **state)
{
	static struct iolu_summary summary;
	static const struct iolu_target targets[] = {
		{ .name = "iommu_domain_preserve", .kind = IOLU_TARGET_CALL,
		  .group = IOLU_GROUP_LU, .mode = IOLU_MODE_MISSING,
		  .reason = IOLU_WHY_SERIES_ABSENT },
		{ .name = "iommu_map_nosync", .kind = IOLU_TARGET_ENTRY,
		  .group = IOLU_GROUP_PGTABLE, .mode = IOLU_MODE_MISSING,
		  .reason = IOLU_WHY_NO_KPROBES },
		{ .name = "map", .kind = IOLU_TARGET_TRACEPOINT,
		  .group = IOLU_GROUP_PGTABLE, .mode = IOLU_MODE_TRACEPOINT },
		{ .name = "luo_session_create", .kind = IOLU_TARGET_CALL,
		  .group = IOLU_GROUP_LUO, .mode = IOLU_MODE_KPROBE },
	};
	struct json_object *root, *body, *field, *coverage;
	char *text;

	(void)state;
	iolu_summary_init(&summary);
	summary.duration_ns = 3000000000ULL;
	summary.targets = targets;
	summary.nr_targets = 4;
	text = print_to_string(&summary, NULL);
	assert_non_null(strstr(text, "iolu trace summary: 0 events over 3.00s, 0 lost"));
	assert_non_null(strstr(text, "\n  coverage: 2 of 4 targets traced (0 fentry, 1 kprobe, "
				     "1 tracepoint, 0 counted at entry instead); 2 not traced\n"));
	assert_non_null(strstr(text, "    live update series absent (1): iommu_domain_preserve\n"));
	assert_non_null(strstr(text, "    no kprobes in this kernel (1): iommu_map_nosync\n"));
	free(text);

	root = iolu_summary_to_json(&summary, NULL);
	assert_true(json_object_object_get_ex(root, "summary", &body));
	assert_true(json_object_object_get_ex(body, "duration_ns", &field));
	assert_true(json_object_get_uint64(field) == 3000000000ULL);
	assert_true(json_object_object_get_ex(body, "coverage", &coverage));
	assert_true(json_object_object_get_ex(coverage, "traced", &field));
	assert_int_equal(json_object_get_int(field), 2);
	assert_true(json_object_object_get_ex(coverage, "kprobe", &field));
	assert_int_equal(json_object_get_int(field), 1);
	json_object_put(root);

	/* Without the clock's duration, the events' span, as before */
	summary.duration_ns = 0;
	summary.targets = NULL;
	text = print_to_string(&summary, NULL);
	assert_non_null(strstr(text, "0 events over 0ns"));
	assert_null(strstr(text, "coverage"));
	free(text);
}

static void json_summary_has_the_numbers(void **state)
{
	static struct iolu_summary summary;
	struct trace_rules rules;
	struct iolu_event ok = fixture_call(IOLU_OP_FLB_PRESERVE, 0, 100);
	struct json_object *root, *body, *field, *ops, *op;

	(void)state;
	iolu_summary_init(&summary);
	trace_rules_init(&rules);
	iolu_summary_add(&summary, &ok);
	summary.lost = 3;
	summary.ringbuf_bytes = 32 << 20;
	root = iolu_summary_to_json(&summary, &rules);
	assert_true(json_object_object_get_ex(root, "summary", &body));
	assert_true(json_object_object_get_ex(body, "ringbuf_bytes", &field));
	assert_int_equal(json_object_get_int64(field), 32 << 20);
	assert_true(json_object_object_get_ex(body, "lost", &field));
	assert_int_equal(json_object_get_int64(field), 3);
	assert_true(json_object_object_get_ex(body, "ops", &ops));
	assert_true(json_object_object_get_ex(ops, "flb_preserve", &op));
	assert_true(json_object_object_get_ex(op, "latency_avg_ns", &field));
	assert_int_equal(json_object_get_int64(field), 100);
	assert_true(json_object_object_get_ex(op, "latency_log2_hist", &field));
	assert_int_equal(json_object_array_length(field), 1);
	assert_true(json_object_object_get_ex(body, "findings", &field));
	json_object_put(root);
}

/*
 * --boot: the boot trace's restore steps and the live ones on the same
 * objects make one timeline, in the text and in the JSON, with what the
 * boot trace held.
 */
static void restore_timeline_joins_boot_and_live(void **state)
{
	static struct iolu_summary summary;
	struct iolu_event boot_find = { .op = IOLU_OP_DEVICE_FIND, .ts_ns = 4070528000ULL };
	struct iolu_event boot_adopt, live_find, preserve;
	struct json_object *root, *body, *timeline, *object, *steps, *field;
	char *text;

	(void)state;
	iolu_summary_init(&summary);
	summary.start_ns = 10000000000ULL;
	summary.boot.read = true;
	snprintf(summary.boot.source, sizeof(summary.boot.source), "/t/iolu_boot/trace");
	summary.boot.events = 2;
	boot_find.flags = IOLU_EVF_BOOT | IOLU_EVF_RET | IOLU_EVF_OBJ_PA | IOLU_EVF_SBDF |
			  IOLU_EVF_DID;
	boot_find.obj_pa = 0x1d39010;
	boot_find.sbdf = 0x18;
	boot_find.did = 5;
	boot_adopt = boot_find;
	boot_adopt.op = IOLU_OP_DEVICE_ADOPT;
	boot_adopt.ts_ns += 1000;
	live_find = boot_find;
	live_find.flags &= ~IOLU_EVF_BOOT;
	live_find.ts_ns = 12000000000ULL;
	/* Preserving is not restoring: not in the timeline */
	preserve = boot_find;
	preserve.op = IOLU_OP_DEVICE_PRESERVE;
	iolu_summary_add(&summary, &boot_find);
	iolu_summary_add(&summary, &boot_adopt);
	iolu_summary_add(&summary, &live_find);
	iolu_summary_add(&summary, &preserve);
	assert_int_equal(summary.timeline.nr_objects, 1);
	assert_int_equal(summary.timeline.objects[0].nr_steps, 3);

	text = print_to_string(&summary, NULL);
	assert_non_null(strstr(text, "boot trace /t/iolu_boot/trace: 2 events, 0 lost"));
	assert_non_null(strstr(text, "restore timeline"));
	assert_non_null(strstr(text, "0000:00:03.0 did 5"));
	assert_non_null(strstr(text, "b-5.929472 device_find, b-5.929471 device_adopt, "
				     "+2.000000 device_find"));
	free(text);

	root = iolu_summary_to_json(&summary, NULL);
	assert_true(json_object_object_get_ex(root, "summary", &body));
	assert_true(json_object_object_get_ex(body, "boot", &field));
	assert_true(json_object_object_get_ex(body, "restore_timeline", &timeline));
	assert_int_equal(json_object_array_length(timeline), 1);
	object = json_object_array_get_idx(timeline, 0);
	assert_true(json_object_object_get_ex(object, "kind", &field));
	assert_string_equal(json_object_get_string(field), "device");
	assert_true(json_object_object_get_ex(object, "steps", &steps));
	assert_int_equal(json_object_array_length(steps), 3);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(steps, 2), "boot", &field));
	assert_false(json_object_get_boolean(field));
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets_are_log2),
		cmocka_unit_test(counts_errors_and_latency),
		cmocka_unit_test(latency_sum_saturates),
		cmocka_unit_test(invalidations_per_domain_and_kind),
		cmocka_unit_test(kernel_counts_add_up_with_records),
		cmocka_unit_test(domains_beyond_the_table_share_a_row),
		cmocka_unit_test(printed_summary_says_it_all),
		cmocka_unit_test(idle_partial_run_says_duration_and_coverage),
		cmocka_unit_test(json_summary_has_the_numbers),
		cmocka_unit_test(restore_timeline_joins_boot_and_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
