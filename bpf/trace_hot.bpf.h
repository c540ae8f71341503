/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map, unmap and invalidations: sent as a record when --op asked for them
 * or when they hit a preserved domain, else counted here per (domain, op,
 * descriptor type).
 */
#ifndef IOLU_BPF_TRACE_HOT_H
#define IOLU_BPF_TRACE_HOT_H

#include "trace_event.bpf.h"

static __always_inline bool hits_preserved(u64 domain, u32 did, bool has_did)
{
	if (!preserved_any)
		return false;
	if (domain && bpf_map_lookup_elem(&preserved_domains, &domain))
		return true;
	return has_did && bpf_map_lookup_elem(&preserved_dids, &did);
}

static __always_inline void hot_add(const struct iolu_hot_key *key, u64 n)
{
	u64 *count = bpf_map_lookup_elem(&hot_counts, key);

	if (!count && !bpf_map_update_elem(&hot_counts, key, &n, BPF_NOEXIST))
		return;
	/* Another CPU may have added the key meanwhile. */
	if (!count)
		count = bpf_map_lookup_elem(&hot_counts, key);
	if (count)
		__sync_fetch_and_add(count, n);
	else
		__sync_fetch_and_add(&uncounted, n);	/* the table is full */
}

/*
 * A run of events with the same key adds up in this CPU's slot for the op
 * and reaches the hash table only when the key changes: a busy domain pays
 * for a hash look-up once per run, not once per event.
 */
static __always_inline void hot_count(u32 op, u64 domain, u32 type, u32 n)
{
	struct iolu_hot_key key = { .domain = domain, .op = op, .type = type };
	struct iolu_hot_slot *slot = bpf_map_lookup_elem(&hot_slots, &op);

	if (!slot || !n)
		return;
	if (slot->count && slot->key.domain == domain && slot->key.type == type) {
		slot->count += n;
		return;
	}
	if (slot->count)
		hot_add(&slot->key, slot->count);
	slot->key = key;
	slot->count = n;
}

/* True if the event goes out as a record; otherwise it has been counted. */
static __always_inline bool hot_send(u32 op, u64 domain, u32 did, bool has_did, u32 type)
{
	if ((stream_hot_ops & (1ULL << op)) || hits_preserved(domain, did, has_did))
		return true;
	if (!count_tgid || bpf_get_current_pid_tgid() >> 32 == count_tgid)
		hot_count(op, domain, type, 1);
	return false;
}

#endif /* IOLU_BPF_TRACE_HOT_H */
