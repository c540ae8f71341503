// SPDX-License-Identifier: GPL-2.0
/*
 * Coverage of a trace (see trace_coverage.h). Works on the plan's targets
 * alone, so the tests need no kernel.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_coverage.h"

static const struct {
	const char *text;	/* in notes and the text summary */
	const char *key;	/* in JSON */
} reasons[IOLU_WHY_COUNT] = {
	[IOLU_WHY_NONE] = { "traced", "traced" },
	[IOLU_WHY_SERIES_ABSENT] = { "live update series absent", "series-absent" },
	[IOLU_WHY_SYMBOL_ABSENT] = { "symbol absent", "symbol-absent" },
	[IOLU_WHY_NO_KPROBES] = { "no kprobes in this kernel", "no-kprobes" },
	[IOLU_WHY_REFUSED] = { "refused by the kernel", "refused" },
	[IOLU_WHY_ATTACH_FAILED] = { "failed to attach", "attach-failed" },
};

static const char *const require_names[] = {
	[IOLU_REQUIRE_NONE] = "none",
	[IOLU_REQUIRE_LU] = "lu",
	[IOLU_REQUIRE_ALL] = "all",
};

const char *iolu_missing_reason_text(enum iolu_missing_reason reason)
{
	return reason < IOLU_WHY_COUNT ? reasons[reason].text : "unknown";
}

const char *iolu_missing_reason_key(enum iolu_missing_reason reason)
{
	return reason < IOLU_WHY_COUNT ? reasons[reason].key : "unknown";
}

bool iolu_target_traced(const struct iolu_target *target)
{
	switch (target->mode) {
	case IOLU_MODE_FENTRY:
	case IOLU_MODE_KPROBE:
	case IOLU_MODE_TRACEPOINT:
	case IOLU_MODE_UNNEEDED:
		return true;
	default:
		return false;
	}
}

/* A target not traced whose reason was not recorded still counts, as failed. */
static enum iolu_missing_reason reason_of(const struct iolu_target *target)
{
	if (iolu_target_traced(target))
		return IOLU_WHY_NONE;
	if (target->reason == IOLU_WHY_NONE || target->reason >= IOLU_WHY_COUNT)
		return IOLU_WHY_ATTACH_FAILED;
	return target->reason;
}

void iolu_coverage_count(const struct iolu_target *targets, size_t nr_targets,
			 struct iolu_coverage *coverage)
{
	size_t i;

	memset(coverage, 0, sizeof(*coverage));
	coverage->nr_targets = nr_targets;
	for (i = 0; i < nr_targets; i++) {
		if (targets[i].mode < IOLU_MODE_COUNT)
			coverage->by_mode[targets[i].mode]++;
		if (!iolu_target_traced(&targets[i]))
			coverage->by_reason[reason_of(&targets[i])]++;
	}
}

size_t iolu_coverage_traced(const struct iolu_coverage *coverage)
{
	return coverage->by_mode[IOLU_MODE_FENTRY] + coverage->by_mode[IOLU_MODE_KPROBE] +
	       coverage->by_mode[IOLU_MODE_TRACEPOINT] + coverage->by_mode[IOLU_MODE_UNNEEDED];
}

int iolu_require_parse(const char *text, enum iolu_require *require)
{
	size_t i;

	for (i = 0; i < sizeof(require_names) / sizeof(require_names[0]); i++) {
		if (!strcmp(text, require_names[i])) {
			*require = (enum iolu_require)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *iolu_require_name(enum iolu_require require)
{
	return require <= IOLU_REQUIRE_ALL ? require_names[require] : "unknown";
}

static bool required(const struct iolu_target *target, enum iolu_require require)
{
	switch (require) {
	case IOLU_REQUIRE_ALL:
		return true;
	case IOLU_REQUIRE_LU:
		return target->group == IOLU_GROUP_LU;
	default:
		return false;
	}
}

/*
 * "name" or "name (tracepoint)"; with @with_error, why the kernel refused
 * or failed it. (A fentry refused before kprobes were found missing is
 * said once, by the loader's retry note, and in JSON.)
 */
static void print_target(const struct iolu_target *target, bool with_error, FILE *out)
{
	fputs(target->name, out);
	if (target->kind == IOLU_TARGET_TRACEPOINT)
		fputs(" (tracepoint)", out);
	if (with_error && target->err && target->reason != IOLU_WHY_NO_KPROBES)
		fprintf(out, ": %s", strerror(-target->err));
}

/* Required by @require, not traced, and missing for @reason (any if IOLU_WHY_NONE). */
static bool unmet(const struct iolu_target *target, enum iolu_require require,
		  enum iolu_missing_reason reason)
{
	return required(target, require) && !iolu_target_traced(target) &&
	       (reason == IOLU_WHY_NONE || reason_of(target) == reason);
}

/* "reason: a, b; reason: c" */
static void print_unmet(const struct iolu_target *targets, size_t nr_targets,
			enum iolu_require require, FILE *out)
{
	enum iolu_missing_reason reason;
	const char *group_sep = "";
	size_t i;

	for (reason = IOLU_WHY_NONE + 1; reason < IOLU_WHY_COUNT; reason++) {
		const char *sep = "";

		for (i = 0; i < nr_targets; i++) {
			if (!unmet(&targets[i], require, reason))
				continue;
			if (!*sep)
				fprintf(out, "%s%s: ", group_sep, iolu_missing_reason_text(reason));
			fputs(sep, out);
			print_target(&targets[i], true, out);
			sep = ", ";
			group_sep = "; ";
		}
	}
}

size_t iolu_coverage_unmet(const struct iolu_target *targets, size_t nr_targets,
			   enum iolu_require require, FILE *out)
{
	size_t i, count = 0;

	for (i = 0; i < nr_targets; i++)
		count += unmet(&targets[i], require, IOLU_WHY_NONE);
	if (count && out)
		print_unmet(targets, nr_targets, require, out);
	return count;
}

/* The targets missing for @reason, comma separated. */
static void print_missing(const struct iolu_target *targets, size_t nr_targets,
			  enum iolu_missing_reason reason, FILE *out)
{
	size_t i;
	bool first = true;

	for (i = 0; i < nr_targets; i++) {
		if (iolu_target_traced(&targets[i]) || reason_of(&targets[i]) != reason)
			continue;
		fputs(first ? "" : ", ", out);
		print_target(&targets[i], true, out);
		first = false;
	}
}

/*
 * Series and symbols absent share "not in this kernel", which scripts
 * read a target's absence from; the other reasons get their own lists.
 */
void iolu_coverage_note(const struct iolu_target *targets, size_t nr_targets, FILE *out)
{
	static const enum iolu_missing_reason listed[] = {
		IOLU_WHY_NO_KPROBES, IOLU_WHY_REFUSED,
	};
	struct iolu_coverage coverage;
	size_t i, absent;

	iolu_coverage_count(targets, nr_targets, &coverage);
	fprintf(out, "iolu trace: %zu targets: %zu fentry, %zu kprobe, %zu tracepoint, "
		"%zu failed to attach", nr_targets, coverage.by_mode[IOLU_MODE_FENTRY],
		coverage.by_mode[IOLU_MODE_KPROBE], coverage.by_mode[IOLU_MODE_TRACEPOINT],
		coverage.by_reason[IOLU_WHY_ATTACH_FAILED]);
	if (coverage.by_mode[IOLU_MODE_UNNEEDED])
		fprintf(out, ", %zu tracepoint left detached (counted at entry)",
			coverage.by_mode[IOLU_MODE_UNNEEDED]);
	absent = coverage.by_reason[IOLU_WHY_SERIES_ABSENT] +
		 coverage.by_reason[IOLU_WHY_SYMBOL_ABSENT];
	if (absent) {
		fputs("; not in this kernel: ", out);
		for (i = 0; i < nr_targets; i++) {
			enum iolu_missing_reason why = reason_of(&targets[i]);

			if (iolu_target_traced(&targets[i]) ||
			    (why != IOLU_WHY_SERIES_ABSENT && why != IOLU_WHY_SYMBOL_ABSENT))
				continue;
			print_target(&targets[i], false, out);
			if (--absent)
				fputs(", ", out);
		}
	}
	for (i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		if (!coverage.by_reason[listed[i]])
			continue;
		fprintf(out, "; %s: ", iolu_missing_reason_text(listed[i]));
		print_missing(targets, nr_targets, listed[i], out);
	}
	fputc('\n', out);
}

void iolu_coverage_print(const struct iolu_target *targets, size_t nr_targets, FILE *out)
{
	struct iolu_coverage coverage;
	enum iolu_missing_reason reason;

	iolu_coverage_count(targets, nr_targets, &coverage);
	fprintf(out, "  coverage: %zu of %zu targets traced (%zu fentry, %zu kprobe, "
		"%zu tracepoint, %zu counted at entry instead); %zu not traced\n",
		iolu_coverage_traced(&coverage), nr_targets, coverage.by_mode[IOLU_MODE_FENTRY],
		coverage.by_mode[IOLU_MODE_KPROBE], coverage.by_mode[IOLU_MODE_TRACEPOINT],
		coverage.by_mode[IOLU_MODE_UNNEEDED], nr_targets - iolu_coverage_traced(&coverage));
	for (reason = IOLU_WHY_NONE + 1; reason < IOLU_WHY_COUNT; reason++) {
		if (!coverage.by_reason[reason])
			continue;
		fprintf(out, "    %s (%zu): ", iolu_missing_reason_text(reason),
			coverage.by_reason[reason]);
		print_missing(targets, nr_targets, reason, out);
		fputc('\n', out);
	}
}

static struct json_object *missing_to_json(const struct iolu_target *target)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "target", json_object_new_string(target->name));
	json_object_object_add(obj, "type", json_object_new_string(
		target->kind == IOLU_TARGET_TRACEPOINT ? "tracepoint" : "function"));
	json_object_object_add(obj, "reason",
			       json_object_new_string(iolu_missing_reason_key(reason_of(target))));
	if (target->err)
		json_object_object_add(obj, "error",
				       json_object_new_string(strerror(-target->err)));
	return obj;
}

struct json_object *iolu_coverage_to_json(const struct iolu_target *targets, size_t nr_targets)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *by_reason = json_object_new_object();
	struct json_object *missing = json_object_new_array();
	struct iolu_coverage coverage;
	enum iolu_missing_reason reason;
	size_t i;

	iolu_coverage_count(targets, nr_targets, &coverage);
	json_object_object_add(obj, "targets", json_object_new_uint64(nr_targets));
	json_object_object_add(obj, "traced", json_object_new_uint64(iolu_coverage_traced(&coverage)));
	json_object_object_add(obj, "fentry",
			       json_object_new_uint64(coverage.by_mode[IOLU_MODE_FENTRY]));
	json_object_object_add(obj, "kprobe",
			       json_object_new_uint64(coverage.by_mode[IOLU_MODE_KPROBE]));
	json_object_object_add(obj, "tracepoint",
			       json_object_new_uint64(coverage.by_mode[IOLU_MODE_TRACEPOINT]));
	json_object_object_add(obj, "counted_at_entry",
			       json_object_new_uint64(coverage.by_mode[IOLU_MODE_UNNEEDED]));
	for (reason = IOLU_WHY_NONE + 1; reason < IOLU_WHY_COUNT; reason++)
		if (coverage.by_reason[reason])
			json_object_object_add(by_reason, iolu_missing_reason_key(reason),
					       json_object_new_uint64(coverage.by_reason[reason]));
	json_object_object_add(obj, "missing_by_reason", by_reason);
	for (i = 0; i < nr_targets; i++)
		if (!iolu_target_traced(&targets[i]))
			json_object_array_add(missing, missing_to_json(&targets[i]));
	json_object_object_add(obj, "missing", missing);
	return obj;
}
