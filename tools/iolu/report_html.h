/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit as one self-contained HTML page (inline CSS, no scripts, no
 * external assets), for attaching to a change record.
 */
#ifndef IOLU_REPORT_HTML_H
#define IOLU_REPORT_HTML_H

#include <stdio.h>

#include "report.h"

/* Write the page to out. Returns 0, -ENOMEM or -EIO. */
int report_html_audit(FILE *out, const struct report *report);

/* Write s with every HTML-special character escaped (for the tests too). */
void report_html_escape(FILE *out, const char *s);

#endif
