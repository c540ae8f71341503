/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which events `iolu trace` shows and summarizes: by operation or class,
 * process, PCI device and domain. The live rules see every event anyway.
 */
#ifndef IOLU_TRACE_FILTER_H
#define IOLU_TRACE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"

struct iolu_trace_filter {
	bool have_pid, have_device, have_domain;
	uint32_t pid;
	uint32_t sbdf;
	uint64_t domain;	/* a domain's address or a hardware domain ID */
	uint64_t op_mask;	/* bit per enum iolu_op; 0 means every op */
};

/*
 * Add a comma-separated list of operation names (map, domain_preserve, ...)
 * or classes (core, luo, pgtable, fault, inval) to the filter. Returns 0,
 * or -EINVAL with *bad pointing into @list at the first unknown name
 * (the list is not changed then).
 */
int iolu_filter_add_ops(struct iolu_trace_filter *filter, const char *list,
			const char **bad);
bool iolu_filter_match(const struct iolu_trace_filter *filter,
		       const struct iolu_event *event);

#endif /* IOLU_TRACE_FILTER_H */
