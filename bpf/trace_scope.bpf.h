/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domain scopes: the domain a thread is attaching a device to or reporting
 * a fault on, held between the entry and the exit of the call so that the
 * tracepoints inside it (and the queued invalidations it makes) can name
 * it. The innermost call wins; nested calls share the domain.
 */
#ifndef IOLU_BPF_TRACE_SCOPE_H
#define IOLU_BPF_TRACE_SCOPE_H

#include "trace_event.bpf.h"

/*
 * A thread's entry stays in the map once made (LRU evicts threads gone):
 * entering and leaving only write through the looked-up pointer, which
 * keeps hash updates off the map/unmap fast path.
 */
static __always_inline int scope_enter(u64 domain)
{
	u32 tid = current_tid();
	struct domain_scope *scope = bpf_map_lookup_elem(&scopes, &tid);
	struct domain_scope fresh = { .domain = domain, .depth = 1 };

	__sync_fetch_and_add(&scopes_active, 1);
	if (scope) {
		scope->domain = domain;
		scope->depth++;
		return 0;
	}
	bpf_map_update_elem(&scopes, &tid, &fresh, BPF_ANY);
	return 0;
}

static __always_inline int scope_exit(void)
{
	u32 tid = current_tid();
	struct domain_scope *scope = bpf_map_lookup_elem(&scopes, &tid);

	if (!scope || !scope->depth)
		return 0;
	__sync_fetch_and_add(&scopes_active, -1);
	if (--scope->depth == 0)
		scope->domain = 0;
	return 0;
}

static __always_inline u64 scope_domain(void)
{
	struct domain_scope *scope;
	u32 tid;

	if (!scopes_active)
		return 0;
	tid = current_tid();
	scope = bpf_map_lookup_elem(&scopes, &tid);
	return scope ? scope->domain : 0;
}

#endif /* IOLU_BPF_TRACE_SCOPE_H */
