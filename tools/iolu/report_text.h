/* SPDX-License-Identifier: GPL-2.0 */
/* Reports for people: plain text on a terminal or in a log. */
#ifndef IOLU_REPORT_TEXT_H
#define IOLU_REPORT_TEXT_H

#include <stdio.h>

#include "report.h"

void report_text_check(FILE *out, const struct report *report);
/*
 * max_extents: extents listed per domain, the rest only counted.
 * Returns 0 or -ENOMEM.
 */
int report_text_show(FILE *out, const struct report_side *side,
		     size_t max_extents);
void report_text_audit(FILE *out, const struct report *report);

#endif
