// SPDX-License-Identifier: GPL-2.0
/* Findings: a growable array with a hard cap, so hostile input cannot
 * make the report itself exhaust memory. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

void iolu_findings_init(struct iolu_findings *findings)
{
	memset(findings, 0, sizeof(*findings));
}

void iolu_findings_free(struct iolu_findings *findings)
{
	free(findings->items);
	iolu_findings_init(findings);
}

static int findings_grow(struct iolu_findings *findings)
{
	size_t capacity = findings->capacity ? findings->capacity * 2 : 16;
	struct iolu_finding *items;

	items = realloc(findings->items, capacity * sizeof(*items));
	if (!items)
		return -ENOMEM;
	findings->items = items;
	findings->capacity = capacity;
	return 0;
}

int iolu_report(struct iolu_findings *findings, const char *rule,
		enum iolu_obj_kind kind, uint64_t index, uint64_t pa,
		const char *fmt, ...)
{
	const struct iolu_rule_info *info = iolu_rule_lookup(rule);
	struct iolu_finding *finding;
	va_list ap;
	int ret;

	if (findings->nr >= IOLU_MAX_FINDINGS) {
		findings->dropped++;
		return 0;
	}
	if (findings->nr == findings->capacity) {
		ret = findings_grow(findings);
		if (ret)
			return ret;
	}
	finding = &findings->items[findings->nr++];
	/* An unknown id is a bug in the library; keep it visible. */
	finding->severity = info ? info->severity : IOLU_SEV_ERROR;
	finding->rule = info ? info->id : "internal-unknown-rule";
	finding->kind = kind;
	finding->index = index;
	finding->pa = pa;
	va_start(ap, fmt);
	vsnprintf(finding->message, sizeof(finding->message), fmt, ap);
	va_end(ap);
	return 0;
}

int iolu_fail(struct iolu_err *err, int errnum, uint64_t where,
	      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return errnum;
	err->where = where;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return errnum;
}

size_t iolu_findings_count(const struct iolu_findings *findings,
			   enum iolu_severity min)
{
	size_t count = 0;

	for (size_t i = 0; i < findings->nr; i++)
		count += findings->items[i].severity >= min;
	return count;
}

const struct iolu_finding *iolu_findings_find(const struct iolu_findings *f,
					      const char *rule)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->items[i].rule, rule))
			return &f->items[i];
	return NULL;
}

const char *iolu_severity_name(enum iolu_severity severity)
{
	switch (severity) {
	case IOLU_SEV_INFO:
		return "info";
	case IOLU_SEV_WARNING:
		return "warning";
	case IOLU_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

const char *iolu_obj_kind_name(enum iolu_obj_kind kind)
{
	switch (kind) {
	case IOLU_OBJ_STATE:
		return "state";
	case IOLU_OBJ_BLOCK:
		return "block";
	case IOLU_OBJ_UNIT:
		return "unit";
	case IOLU_OBJ_DOMAIN:
		return "domain";
	case IOLU_OBJ_DEVICE:
		return "device";
	case IOLU_OBJ_KHO_MAP:
		return "kho-map";
	case IOLU_OBJ_LUO:
		return "luo";
	case IOLU_OBJ_LUO_FILE:
		return "luo-file";
	}
	return "unknown";
}

static void (*debug_log)(const char *message);

void iolu_set_debug(void (*log)(const char *message))
{
	debug_log = log;
}

void iolu_debug(const char *fmt, ...)
{
	char message[512];
	va_list ap;

	if (!debug_log)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	debug_log(message);
}
