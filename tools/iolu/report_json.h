/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports for programs: one JSON object per run, streamed. Addresses,
 * tokens and sizes are hex strings ("0x1000"), because JSON numbers lose
 * precision above 2^53 in many readers. Every object opens with "schema"
 * (REPORT_JSON_SCHEMA), "command" and "iolu_version"; the shape is
 * docs/iolu-report.schema.json, which tests/cli/schema.t holds us to.
 */
#ifndef IOLU_REPORT_JSON_H
#define IOLU_REPORT_JSON_H

#include <stdio.h>

#include "report.h"

/*
 * The name and version of the shape. A change that can break a reader
 * (a key removed, renamed or retyped) takes a new version; new keys do not.
 */
#define REPORT_JSON_SCHEMA	"iolu-report/1"

/* Each returns 0, or -EIO when out cannot be written. */
int report_json_check(FILE *out, const struct report *report);
int report_json_show(FILE *out, const struct report_side *side);
int report_json_audit(FILE *out, const struct report *report);
/*
 * When command could not do its job: {"<verdict_key>": false,
 * "verdict": "could not ...", "error": message}; no verdict_key when it
 * is NULL (show).
 */
int report_json_failure(FILE *out, const char *command, const char *verdict_key,
			const char *verdict, const char *message);

/* {"rules": [{"rule", "severity", "meaning"}, ...]}, for --list-rules. */
int report_json_rules(FILE *out);

#endif
