/* SPDX-License-Identifier: GPL-2.0 */
/* Appending findings and filling struct iolu_err, for the library's modules. */
#ifndef IOLU_FINDINGS_H
#define IOLU_FINDINGS_H

#include "iolu_verifier.h"

/*
 * Append a finding; the severity comes from the rule table, so a rule is
 * always reported with the same one. Returns 0 or -ENOMEM.
 */
__attribute__((format(printf, 6, 7)))
int iolu_report(struct iolu_findings *findings, const char *rule,
		enum iolu_obj_kind kind, uint64_t index, uint64_t pa,
		const char *fmt, ...);

__attribute__((format(printf, 4, 5)))
int iolu_fail(struct iolu_err *err, int errnum, uint64_t where,
	      const char *fmt, ...);

/* A debug message for iolu_set_debug()'s callback; nothing when unset. */
__attribute__((format(printf, 1, 2)))
void iolu_debug(const char *fmt, ...);

#endif
