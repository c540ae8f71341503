// SPDX-License-Identifier: GPL-2.0
/*
 * What a trace says it covered: targets counted by mode and by the reason
 * they are missing, the note at start, the summary's JSON, and whether
 * --require lets a partial attach go on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "trace_coverage.h"

#define TARGET(name_, kind_, group_, mode_, reason_, err_)			\
	{ .name = (name_), .kind = IOLU_TARGET_##kind_, .group = IOLU_GROUP_##group_,	\
	  .mode = IOLU_MODE_##mode_, .reason = IOLU_WHY_##reason_, .err = (err_) }

/*
 * A kernel without the series and without kprobes, whose fentry was
 * refused: the host case. Tracepoints attach; one more failed to attach.
 */
static const struct iolu_target host[] = {
	TARGET("iommu_domain_preserve", CALL, LU, MISSING, SERIES_ABSENT, 0),
	TARGET("iommu_lu_flb_finish", CALL, LU, MISSING, SERIES_ABSENT, 0),
	TARGET("luo_session_create", CALL, LUO, MISSING, SYMBOL_ABSENT, 0),
	TARGET("iommu_map_nosync", ENTRY, PGTABLE, MISSING, NO_KPROBES, -EPERM),
	TARGET("report_iommu_fault", SCOPE, PGTABLE, MISSING, NO_KPROBES, -EPERM),
	TARGET("map", TRACEPOINT, PGTABLE, TRACEPOINT, NONE, 0),
	TARGET("unmap", TRACEPOINT, PGTABLE, TRACEPOINT, NONE, 0),
	TARGET("io_page_fault", TRACEPOINT, PGTABLE, FAILED, ATTACH_FAILED, -EBUSY),
	TARGET("qi_submit", TRACEPOINT, VTD, MISSING, SYMBOL_ABSENT, 0),
};

/* The lab kernel: everything traced, the counted tracepoints left detached. */
static const struct iolu_target lab[] = {
	TARGET("iommu_domain_preserve", CALL, LU, FENTRY, NONE, 0),
	TARGET("iommu_lu_flb_finish", CALL, LU, KPROBE, NONE, 0),
	TARGET("luo_session_create", CALL, LUO, FENTRY, NONE, 0),
	TARGET("iommu_map_nosync", ENTRY, PGTABLE, FENTRY, NONE, 0),
	TARGET("map", TRACEPOINT, PGTABLE, UNNEEDED, NONE, 0),
	TARGET("qi_submit", TRACEPOINT, VTD, TRACEPOINT, NONE, 0),
};

#define N(targets) (sizeof(targets) / sizeof((targets)[0]))

static char *capture(void (*print)(const struct iolu_target *, size_t, FILE *),
		     const struct iolu_target *targets, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	print(targets, n, out);
	fclose(out);
	return text;
}

static void counts_by_mode_and_reason(void **state)
{
	struct iolu_coverage coverage;

	(void)state;
	iolu_coverage_count(host, N(host), &coverage);
	assert_int_equal(coverage.nr_targets, 9);
	assert_int_equal(iolu_coverage_traced(&coverage), 2);
	assert_int_equal(coverage.by_mode[IOLU_MODE_TRACEPOINT], 2);
	assert_int_equal(coverage.by_mode[IOLU_MODE_FENTRY], 0);
	assert_int_equal(coverage.by_mode[IOLU_MODE_FAILED], 1);
	assert_int_equal(coverage.by_reason[IOLU_WHY_SERIES_ABSENT], 2);
	assert_int_equal(coverage.by_reason[IOLU_WHY_SYMBOL_ABSENT], 2);
	assert_int_equal(coverage.by_reason[IOLU_WHY_NO_KPROBES], 2);
	assert_int_equal(coverage.by_reason[IOLU_WHY_ATTACH_FAILED], 1);
	assert_int_equal(coverage.by_reason[IOLU_WHY_NONE], 0);

	/* A tracepoint its entries made unneeded is traced: its op is counted */
	iolu_coverage_count(lab, N(lab), &coverage);
	assert_int_equal(iolu_coverage_traced(&coverage), N(lab));
	assert_int_equal(coverage.by_mode[IOLU_MODE_FENTRY], 3);
	assert_int_equal(coverage.by_mode[IOLU_MODE_KPROBE], 1);
	assert_int_equal(coverage.by_mode[IOLU_MODE_UNNEEDED], 1);
}

/* A target failed without a recorded reason is still counted missing, as failed. */
static void missing_without_reason_counts_as_failed(void **state)
{
	const struct iolu_target odd[] = { TARGET("x", CALL, LUO, FAILED, NONE, 0) };
	struct iolu_coverage coverage;

	(void)state;
	iolu_coverage_count(odd, 1, &coverage);
	assert_int_equal(coverage.by_reason[IOLU_WHY_ATTACH_FAILED], 1);
	assert_int_equal(iolu_coverage_traced(&coverage), 0);
}

static void require_parses_three_words(void **state)
{
	enum iolu_require require = IOLU_REQUIRE_NONE;

	(void)state;
	assert_int_equal(iolu_require_parse("all", &require), 0);
	assert_int_equal(require, IOLU_REQUIRE_ALL);
	assert_int_equal(iolu_require_parse("lu", &require), 0);
	assert_int_equal(require, IOLU_REQUIRE_LU);
	assert_int_equal(iolu_require_parse("none", &require), 0);
	assert_int_equal(require, IOLU_REQUIRE_NONE);
	assert_int_equal(iolu_require_parse("LU", &require), -EINVAL);
	assert_int_equal(iolu_require_parse("", &require), -EINVAL);
	assert_int_equal(require, IOLU_REQUIRE_NONE);
	assert_string_equal(iolu_require_name(IOLU_REQUIRE_LU), "lu");
}

static void require_decides_on_the_targets_it_names(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(iolu_coverage_unmet(host, N(host), IOLU_REQUIRE_NONE, NULL), 0);
	assert_int_equal(iolu_coverage_unmet(host, N(host), IOLU_REQUIRE_LU, NULL), 2);
	assert_int_equal(iolu_coverage_unmet(host, N(host), IOLU_REQUIRE_ALL, NULL), 7);
	assert_int_equal(iolu_coverage_unmet(lab, N(lab), IOLU_REQUIRE_ALL, NULL), 0);
	assert_int_equal(iolu_coverage_unmet(lab, N(lab), IOLU_REQUIRE_LU, NULL), 0);
	/* LU only: the LUO and pgtable targets missing do not count */
	assert_int_equal(iolu_coverage_unmet(host + 2, N(host) - 2, IOLU_REQUIRE_LU, NULL), 0);

	out = open_memstream(&text, &len);
	assert_non_null(out);
	iolu_coverage_unmet(host, N(host), IOLU_REQUIRE_ALL, out);
	fclose(out);
	assert_string_equal(text,
		"live update series absent: iommu_domain_preserve, iommu_lu_flb_finish; "
		"symbol absent: luo_session_create, qi_submit (tracepoint); "
		"no kprobes in this kernel: iommu_map_nosync, report_iommu_fault; "
		"failed to attach: io_page_fault (tracepoint): Device or resource busy");
	free(text);
}

/*
 * The note at start keeps the words scripts read: the counts by mode,
 * "failed to attach", "left detached (counted at entry)", and the names
 * after "not in this kernel: ", comma separated.
 */
static void note_names_what_is_missing(void **state)
{
	char *text;

	(void)state;
	text = capture(iolu_coverage_note, host, N(host));
	assert_string_equal(text,
		"iolu trace: 9 targets: 0 fentry, 0 kprobe, 2 tracepoint, 1 failed to attach; "
		"not in this kernel: iommu_domain_preserve, iommu_lu_flb_finish, "
		"luo_session_create, qi_submit (tracepoint); "
		"no kprobes in this kernel: iommu_map_nosync, report_iommu_fault\n");
	free(text);
	text = capture(iolu_coverage_note, lab, N(lab));
	assert_string_equal(text,
		"iolu trace: 6 targets: 3 fentry, 1 kprobe, 1 tracepoint, 0 failed to attach, "
		"1 tracepoint left detached (counted at entry)\n");
	free(text);
}

static void summary_lines_by_reason(void **state)
{
	char *text;

	(void)state;
	text = capture(iolu_coverage_print, host, N(host));
	assert_non_null(strstr(text, "  coverage: 2 of 9 targets traced (0 fentry, 0 kprobe, "
				     "2 tracepoint, 0 counted at entry instead); 7 not traced\n"));
	assert_non_null(strstr(text, "    live update series absent (2): iommu_domain_preserve, "
				     "iommu_lu_flb_finish\n"));
	assert_non_null(strstr(text, "    no kprobes in this kernel (2): iommu_map_nosync, "
				     "report_iommu_fault\n"));
	assert_non_null(strstr(text, "    failed to attach (1): io_page_fault (tracepoint): "
				     "Device or resource busy\n"));
	free(text);
	text = capture(iolu_coverage_print, lab, N(lab));
	assert_non_null(strstr(text, "6 of 6 targets traced (3 fentry, 1 kprobe, 1 tracepoint, "
				     "1 counted at entry instead); 0 not traced\n"));
	assert_null(strstr(text, "absent"));
	free(text);
}

static void json_has_modes_reasons_and_names(void **state)
{
	struct json_object *obj = iolu_coverage_to_json(host, N(host));
	struct json_object *field, *missing, *first, *value;

	(void)state;
	assert_true(json_object_object_get_ex(obj, "targets", &field));
	assert_int_equal(json_object_get_int(field), 9);
	assert_true(json_object_object_get_ex(obj, "traced", &field));
	assert_int_equal(json_object_get_int(field), 2);
	assert_true(json_object_object_get_ex(obj, "tracepoint", &field));
	assert_int_equal(json_object_get_int(field), 2);
	assert_true(json_object_object_get_ex(obj, "missing_by_reason", &field));
	assert_true(json_object_object_get_ex(field, "series-absent", &value));
	assert_int_equal(json_object_get_int(value), 2);
	assert_true(json_object_object_get_ex(field, "no-kprobes", &value));
	assert_int_equal(json_object_get_int(value), 2);
	assert_false(json_object_object_get_ex(field, "refused", &value));
	assert_true(json_object_object_get_ex(obj, "missing", &missing));
	assert_int_equal(json_object_array_length(missing), 7);
	first = json_object_array_get_idx(missing, 0);
	assert_true(json_object_object_get_ex(first, "target", &value));
	assert_string_equal(json_object_get_string(value), "iommu_domain_preserve");
	assert_true(json_object_object_get_ex(first, "reason", &value));
	assert_string_equal(json_object_get_string(value), "series-absent");
	first = json_object_array_get_idx(missing, 3);
	assert_true(json_object_object_get_ex(first, "error", &value));
	assert_string_equal(json_object_get_string(value), "Operation not permitted");
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_by_mode_and_reason),
		cmocka_unit_test(missing_without_reason_counts_as_failed),
		cmocka_unit_test(require_parses_three_words),
		cmocka_unit_test(require_decides_on_the_targets_it_names),
		cmocka_unit_test(note_names_what_is_missing),
		cmocka_unit_test(summary_lines_by_reason),
		cmocka_unit_test(json_has_modes_reasons_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
