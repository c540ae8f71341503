/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics for node_exporter's textfile collector: what check and audit
 * found, as gauges. No addresses, tokens or names from the input: rule
 * ids and counts only, so the file may be readable by the exporter.
 */
#ifndef IOLU_REPORT_PROM_H
#define IOLU_REPORT_PROM_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

/*
 * Write report->command's metrics ("check" or "audit"), stamped with now
 * (seconds since the epoch). Walks must be done (report_side_walk()) for
 * the mapped bytes. Returns 0 or -EIO when out cannot be written.
 */
int report_prom_write(FILE *out, const struct report *report, int64_t now);

#endif
