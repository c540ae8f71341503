/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live rules over the event stream: what a live update must not do, flagged
 * as it happens.
 *
 *   changed-after-preserve  a map, unmap or invalidation hit a domain after
 *                           it was preserved (its IO page table must stay
 *                           as it was handed over)
 *   device-domain-not-preserved
 *                           a device was preserved while its domain was not
 *   preserve-failed         a preserve, retrieve or restore returned an error
 *   fault-in-window         an IOMMU fault inside the live update window
 *                           (first successful preserve or retrieve until
 *                           the IOMMU state is unpreserved or finished, or
 *                           the session is finished)
 *
 * The rules see every event, whatever the display filters select.
 */
#ifndef IOLU_TRACE_RULES_H
#define IOLU_TRACE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_decode.h"
#include "trace_sizes.h"

enum iolu_rule {
	IOLU_RULE_CHANGED_AFTER_PRESERVE,
	IOLU_RULE_DEVICE_DOMAIN_NOT_PRESERVED,
	IOLU_RULE_PRESERVE_FAILED,
	IOLU_RULE_FAULT_IN_WINDOW,
	IOLU_RULE_COUNT
};

/* Preserved domains past IOLU_MAX_PRESERVED_DOMAINS are counted as overflow. */
struct trace_rules {
	uint64_t domains[IOLU_MAX_PRESERVED_DOMAINS];	/* struct iommu_domain addresses */
	size_t nr_domains;
	uint32_t dids[IOLU_MAX_PRESERVED_DOMAINS];		/* their hardware domain IDs */
	size_t nr_dids;
	size_t overflow;
	bool window_open;
	uint64_t findings[IOLU_RULE_COUNT];
};

struct trace_finding {
	enum iolu_rule rule;
	char message[200];
};

void trace_rules_init(struct trace_rules *rules);
/*
 * Feed one event; fills at most one finding (an event breaks at most one
 * rule) and returns 1 when it did, 0 otherwise.
 */
int trace_rules_feed(struct trace_rules *rules, const struct iolu_event *event,
		    struct trace_finding *finding);
const char *iolu_rule_name(enum iolu_rule rule);
bool trace_rules_domain_preserved(const struct trace_rules *rules, uint64_t domain);

#endif /* IOLU_TRACE_RULES_H */
