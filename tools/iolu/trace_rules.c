// SPDX-License-Identifier: GPL-2.0
/*
 * The live rules (see trace_rules.h). Domains are known by the address of
 * their struct iommu_domain, the identity every event carries, and by the
 * hardware domain ID a preserved device used, so that a VT-d invalidation
 * the tracer could not attribute to a domain still counts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "trace_rules.h"

static const char *const rule_names[IOLU_RULE_COUNT] = {
	[IOLU_RULE_CHANGED_AFTER_PRESERVE] = "changed-after-preserve",
	[IOLU_RULE_DEVICE_DOMAIN_NOT_PRESERVED] = "device-domain-not-preserved",
	[IOLU_RULE_PRESERVE_FAILED] = "preserve-failed",
	[IOLU_RULE_FAULT_IN_WINDOW] = "fault-in-window",
};

const char *iolu_rule_name(enum iolu_rule rule)
{
	if ((unsigned int)rule >= IOLU_RULE_COUNT)
		return "unknown";
	return rule_names[rule];
}

void trace_rules_init(struct trace_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
}

static ptrdiff_t find_u64(const uint64_t *set, size_t n, uint64_t value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == value)
			return (ptrdiff_t)i;
	return -1;
}

static ptrdiff_t find_u32(const uint32_t *set, size_t n, uint32_t value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == value)
			return (ptrdiff_t)i;
	return -1;
}

bool trace_rules_domain_preserved(const struct trace_rules *rules, uint64_t domain)
{
	return find_u64(rules->domains, rules->nr_domains, domain) >= 0;
}

static void add_domain(struct trace_rules *rules, uint64_t domain)
{
	if (!domain || trace_rules_domain_preserved(rules, domain))
		return;
	if (rules->nr_domains == IOLU_MAX_PRESERVED_DOMAINS) {
		rules->overflow++;
		return;
	}
	rules->domains[rules->nr_domains++] = domain;
}

static void remove_domain(struct trace_rules *rules, uint64_t domain)
{
	ptrdiff_t at = find_u64(rules->domains, rules->nr_domains, domain);

	if (at < 0)
		return;
	rules->domains[at] = rules->domains[--rules->nr_domains];
}

static void add_did(struct trace_rules *rules, uint32_t did)
{
	if (find_u32(rules->dids, rules->nr_dids, did) >= 0)
		return;
	if (rules->nr_dids == IOLU_MAX_PRESERVED_DOMAINS) {
		rules->overflow++;
		return;
	}
	rules->dids[rules->nr_dids++] = did;
}

static void forget_all(struct trace_rules *rules)
{
	rules->nr_domains = 0;
	rules->nr_dids = 0;
}

static bool succeeded(const struct iolu_event *e)
{
	return (e->flags & IOLU_EVF_RET) && e->ret == 0;
}

static bool failed(const struct iolu_event *e)
{
	return (e->flags & IOLU_EVF_RET) && e->ret < 0;
}

static bool is_preserve_or_restore(unsigned int op)
{
	switch (op) {
	case IOLU_OP_DOMAIN_PRESERVE:
	case IOLU_OP_DEVICE_PRESERVE:
	case IOLU_OP_UNIT_PRESERVE:
	case IOLU_OP_FLB_PRESERVE:
	case IOLU_OP_FILE_PRESERVE:
	case IOLU_OP_DOMAIN_RESTORE:
	case IOLU_OP_FLB_RETRIEVE:
	case IOLU_OP_FILE_RETRIEVE:
	case IOLU_OP_SESSION_RETRIEVE:
		return true;
	default:
		return false;
	}
}

/* Invalidations that follow a change of the page table or its caches. */
static bool is_changing_inval(const struct iolu_event *e)
{
	switch (iolu_event_inval_kind(e)) {
	case IOLU_INVAL_CONTEXT_CACHE:
	case IOLU_INVAL_IOTLB:
	case IOLU_INVAL_DEVICE_IOTLB:
	case IOLU_INVAL_PASID_CACHE:
	case IOLU_INVAL_PASID_IOTLB:
	case IOLU_INVAL_PASID_DEVICE_IOTLB:
	case IOLU_INVAL_CACHE_TAG:
		return true;
	default:
		return false;
	}
}

/* Preserve, unpreserve and the window: the state the rules check against. */
static void track_state(struct trace_rules *rules, const struct iolu_event *e)
{
	switch (e->op) {
	case IOLU_OP_DOMAIN_PRESERVE:
		if (succeeded(e))
			add_domain(rules, e->domain);
		break;
	case IOLU_OP_DEVICE_PRESERVE:
		/* The device object names its domain's object: preserved. */
		if (succeeded(e) && e->args[0]) {
			add_domain(rules, e->domain);
			if (e->flags & IOLU_EVF_DID)
				add_did(rules, e->did);
		}
		break;
	case IOLU_OP_DOMAIN_UNPRESERVE:
		if (succeeded(e))
			remove_domain(rules, e->domain);
		break;
	case IOLU_OP_FLB_UNPRESERVE:
	case IOLU_OP_FLB_FINISH:
		forget_all(rules);
		rules->window_open = false;
		return;
	case IOLU_OP_SESSION_FINISH:
		if (succeeded(e))
			rules->window_open = false;
		return;
	}
	if (is_preserve_or_restore(e->op) && succeeded(e))
		rules->window_open = true;
}

static bool hits_preserved_domain(const struct trace_rules *rules,
				  const struct iolu_event *e)
{
	if ((e->flags & IOLU_EVF_DOMAIN) && trace_rules_domain_preserved(rules, e->domain))
		return true;
	return (e->flags & IOLU_EVF_DID) &&
	       find_u32(rules->dids, rules->nr_dids, e->did) >= 0;
}

static int report(struct trace_rules *rules, struct trace_finding *finding,
		  enum iolu_rule rule, const struct iolu_event *e, const char *what)
{
	char sbdf[16] = "-";

	if (e->flags & IOLU_EVF_SBDF)
		iolu_format_sbdf(e->sbdf, sbdf, sizeof(sbdf));
	rules->findings[rule]++;
	finding->rule = rule;
	snprintf(finding->message, sizeof(finding->message),
		 "%s: %s (op %s, domain 0x%" PRIx64 ", device %s, ret %d)",
		 iolu_rule_name(rule), what, iolu_op_name(e->op),
		 (e->flags & IOLU_EVF_DOMAIN) ? e->domain : 0, sbdf,
		 (e->flags & IOLU_EVF_RET) ? e->ret : 0);
	return 1;
}

int trace_rules_feed(struct trace_rules *rules, const struct iolu_event *e,
		    struct trace_finding *finding)
{
	bool changes = e->op == IOLU_OP_MAP || e->op == IOLU_OP_UNMAP ||
		       is_changing_inval(e);
	/* A fault at the call that closes the window still falls inside it. */
	bool window_was_open = rules->window_open;

	track_state(rules, e);

	if (changes && hits_preserved_domain(rules, e))
		return report(rules, finding, IOLU_RULE_CHANGED_AFTER_PRESERVE, e,
			      "a preserved domain changed");
	if (e->op == IOLU_OP_DEVICE_PRESERVE && succeeded(e) && !e->args[0] &&
	    !((e->flags & IOLU_EVF_DOMAIN) && trace_rules_domain_preserved(rules, e->domain)))
		return report(rules, finding, IOLU_RULE_DEVICE_DOMAIN_NOT_PRESERVED, e,
			      "device preserved but its domain is not");
	if (is_preserve_or_restore(e->op) && failed(e))
		return report(rules, finding, IOLU_RULE_PRESERVE_FAILED, e,
			      "preserve or restore failed");
	if (e->op == IOLU_OP_FAULT && (window_was_open || rules->window_open))
		return report(rules, finding, IOLU_RULE_FAULT_IN_WINDOW, e,
			      "IOMMU fault inside the live update window");
	return 0;
}
