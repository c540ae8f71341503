/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a trace covered: of the targets in the attach plan, how many are
 * traced and how (fentry, kprobe, tracepoint, or counted at the entries
 * that made a tracepoint unneeded), and which are not, and why. It makes
 * the one-line note at start, the summary's coverage, and the --require
 * decision.
 */
#ifndef IOLU_TRACE_COVERAGE_H
#define IOLU_TRACE_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trace_attach.h"

struct json_object;

/* --require: which targets must be traced for the run to go on. */
enum iolu_require {
	IOLU_REQUIRE_NONE,
	IOLU_REQUIRE_LU,	/* every target of the IOMMU live update core (the series) */
	IOLU_REQUIRE_ALL,
};

struct iolu_coverage {
	size_t nr_targets;
	size_t by_mode[IOLU_MODE_COUNT];
	size_t by_reason[IOLU_WHY_COUNT];	/* of those missing or failed */
};

/* Traced: attached, or left detached because entries count its op. */
bool iolu_target_traced(const struct iolu_target *target);
void iolu_coverage_count(const struct iolu_target *targets, size_t nr_targets,
			 struct iolu_coverage *coverage);
size_t iolu_coverage_traced(const struct iolu_coverage *coverage);

int iolu_require_parse(const char *text, enum iolu_require *require);
const char *iolu_require_name(enum iolu_require require);
/*
 * The targets @require asks for that are not traced: their count, and
 * when @out is not NULL, their names on it by reason ("reason: a, b;
 * reason: c").
 */
size_t iolu_coverage_unmet(const struct iolu_target *targets, size_t nr_targets,
			   enum iolu_require require, FILE *out);

const char *iolu_missing_reason_text(enum iolu_missing_reason reason);
const char *iolu_missing_reason_key(enum iolu_missing_reason reason);

/* The note at start: "N targets: F fentry, ...; not in this kernel: ...". */
void iolu_coverage_note(const struct iolu_target *targets, size_t nr_targets, FILE *out);
/* The summary's lines, indented. */
void iolu_coverage_print(const struct iolu_target *targets, size_t nr_targets, FILE *out);
struct json_object *iolu_coverage_to_json(const struct iolu_target *targets, size_t nr_targets);

#endif /* IOLU_TRACE_COVERAGE_H */
