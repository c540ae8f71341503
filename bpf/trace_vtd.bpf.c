// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: VT-d invalidations, the cache tag flushes and the queued
 * invalidation descriptors they submit. Counted (the default), a flush is
 * seen at the entry of cache_tag_flush_range, which counts one per cache
 * tag of the domain; sent one by one, its tracepoint makes a record per
 * tag. Either way the flush entries note their domain per CPU for the
 * tracepoints and the queued invalidations inside them, and each tag seen
 * teaches did_domains whose domain ID it is.
 */
#include "trace_hot.bpf.h"
#include "trace_programs.bpf.h"
#include "trace_scope.bpf.h"

/* Cache tags a CPU's flush slot keeps; a domain with more is walked each time. */
#define IOLU_SLOT_TAGS 4

struct flush_tag {
	u64 iommu;
	u32 did;
	u32 type;	/* enum cache_tag_type */
};

/*
 * The VT-d cache tag flush on this CPU: its domain and, counted, that
 * domain's tags as they were at tags_generation. The flush functions hold
 * the domain's cache lock with interrupts off while their tracepoints and
 * queued invalidations fire, so what their entry writes here is what
 * those read, and no exit program has to clear it.
 */
struct flush_slot {
	u64 domain;
	u64 generation;		/* of the tags below; 0: read them again */
	u32 nr_tags;
	u32 pad;
	struct flush_tag tags[IOLU_SLOT_TAGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct flush_slot);
} flush_slots SEC(".maps");

/*
 * Bumped whenever a cache tag is assigned or unassigned, once the loader
 * has attached the tracepoints that say so (tags_tracked); until it
 * changes, a slot's tags stand for its domain's.
 */
__u64 tags_generation = 1;
bool tags_tracked;

struct did_key {
	u64 iommu;
	u32 did;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOLU_MAX_DID_DOMAINS);
	__type(key, struct did_key);
	__type(value, u64);
} did_domains SEC(".maps");

static __always_inline u64 dmar_to_domain(u64 dmar_domain)
{
	struct dmar_domain *dd = (void *)dmar_domain;

	if (!dd)
		return 0;
	return (u64)__builtin_preserve_access_index(&dd->domain);
}

/* VT-d cache tag flushes. */

/*
 * Teaches qi_submit, which sees only the DID, whose it is; a write only
 * when the DID changes hands.
 */
static __always_inline void learn_did(const struct flush_tag *tag, u64 domain)
{
	struct did_key key = { .iommu = tag->iommu, .did = tag->did };
	u64 *known = bpf_map_lookup_elem(&did_domains, &key);

	if (domain && (!known || *known != domain))
		bpf_map_update_elem(&did_domains, &key, &domain, BPF_ANY);
}

static __always_inline void read_tag(const struct cache_tag *tag, struct flush_tag *seen)
{
	seen->iommu = (u64)BPF_CORE_READ(tag, iommu);
	seen->did = BPF_CORE_READ(tag, domain_id);
	seen->type = BPF_CORE_READ(tag, type);
}

/*
 * One tag's flush, counted or sent. @flags has IOLU_EVF_ENTRY when it is
 * seen at the flush's entry, where @addr and @mask are not known (0).
 */
static __always_inline int flush_tag_event(u32 op, u64 domain, const struct flush_tag *tag,
					   u64 start, u64 end, u64 addr, u64 mask, u16 flags)
{
	struct iolu_event *e;

	if (!hot_send(op, domain, tag->did, true, 0))
		return 0;
	e = event_reserve(op);
	if (!e)
		return 0;
	fill_domain(e, domain);
	e->did = tag->did;
	e->flags |= IOLU_EVF_DID | flags;
	e->args[0] = start;
	e->args[1] = end;
	e->args[2] = addr;
	e->args[3] = mask << 8 | tag->type;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/* A flush tracepoint's tag. */
static __always_inline int emit_cache_flush(u32 op, u64 domain, struct cache_tag *tag,
					    u64 start, u64 end, u64 addr, u64 mask)
{
	struct flush_tag seen;

	read_tag(tag, &seen);
	learn_did(&seen, domain);
	return flush_tag_event(op, domain, &seen, start, end, addr, mask, 0);
}

static __always_inline struct flush_slot *flush_slot(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&flush_slots, &zero);
}

/* The flush's domain for the tracepoints inside it; its tags, if it changed. */
static __always_inline struct flush_slot *flush_note_slot(u64 domain)
{
	struct flush_slot *slot = flush_slot();

	if (slot && slot->domain != domain) {
		slot->domain = domain;
		slot->generation = 0;
		slot->nr_tags = 0;
	}
	return slot;
}

static __always_inline int flush_note(u64 dmar_domain, u64 unused1, u64 unused2,
				      u64 unused3)
{
	flush_note_slot(dmar_to_domain(dmar_domain));
	return 0;
}

static __always_inline u64 flush_scope_domain(void)
{
	struct flush_slot *slot = flush_slot();

	return slot ? slot->domain : 0;
}

/* Tags past this many in one domain are not walked, and counted as lost. */
#define IOLU_MAX_CACHE_TAGS 64

/*
 * Reads the domain's tags into @slot (the first IOLU_SLOT_TAGS of them)
 * and counts a flush of each. This runs before the flush takes the
 * domain's cache lock: a device attached or detached at that moment may
 * have its tag counted when the flush misses it, or the reverse.
 */
static __always_inline void walk_tags(struct flush_slot *slot, u64 dmar_domain, u64 domain,
				      u64 start, u64 end, u64 generation)
{
	struct dmar_domain *dd = (void *)dmar_domain;
	struct list_head *head, *node;
	struct flush_tag seen;
	int i;

	slot->generation = 0;
	slot->nr_tags = 0;
	head = __builtin_preserve_access_index(&dd->cache_tags);
	node = BPF_CORE_READ(dd, cache_tags.next);
	for (i = 0; i < IOLU_MAX_CACHE_TAGS; i++) {
		if (!node || node == head) {
			if (i <= IOLU_SLOT_TAGS)
				slot->generation = generation;
			return;
		}
		read_tag((void *)node - bpf_core_field_offset(struct cache_tag, node), &seen);
		if (i < IOLU_SLOT_TAGS) {
			slot->tags[i] = seen;
			slot->nr_tags = i + 1;
		}
		learn_did(&seen, domain);
		flush_tag_event(IOLU_OP_CACHE_FLUSH, domain, &seen, start, end, 0, 0,
				IOLU_EVF_ENTRY);
		node = BPF_CORE_READ(node, next);
	}
	__sync_fetch_and_add(&uncounted, 1);
}

/*
 * cache_tag_flush_range(), which cache_tag_flush_all() hands over to.
 * Sent one by one, its tracepoint makes a record per tag. Counted, the
 * tracepoint is left detached and the entry counts one flush per tag of
 * the domain: the tags this CPU's slot holds while no tag was assigned or
 * unassigned since, else those a walk of the domain's list finds.
 */
static __always_inline int flush_range_enter(u64 dmar_domain, u64 start, u64 end,
					     u64 unused)
{
	u64 domain = dmar_to_domain(dmar_domain);
	u64 generation = tags_tracked ? tags_generation : 0;
	struct flush_slot *slot;
	u32 i;

	slot = flush_note_slot(domain);
	if (!slot || !domain || !(entry_counted_ops & (1ULL << IOLU_OP_CACHE_FLUSH)))
		return 0;
	if (!generation || slot->generation != generation) {
		walk_tags(slot, dmar_domain, domain, start, end, generation);
		return 0;
	}
	if (!preserved_any && !count_tgid) {
		/* Nothing to send: the tags are one key, counted at once. */
		hot_count(IOLU_OP_CACHE_FLUSH, domain, 0, slot->nr_tags);
		return 0;
	}
	for (i = 0; i < IOLU_SLOT_TAGS && i < slot->nr_tags; i++)
		flush_tag_event(IOLU_OP_CACHE_FLUSH, domain, &slot->tags[i], start, end, 0, 0,
				IOLU_EVF_ENTRY);
	return 0;
}

/* The flush entries; the tracepoints follow. */
IOLU_VTD_TARGETS(IOLU_PROGRAMS)

/* VT-d descriptor type: bits 3:0 and 11:9 of the first quadword. */
static __always_inline u32 qi_type(u64 qw0)
{
	return (qw0 & 0xf) | ((qw0 >> 5) & 0x70);
}

/* Descriptor types that carry a domain ID in bits 31:16 of qw0. */
static __always_inline bool qi_has_did(u32 type)
{
	return type == 1 || type == 2 || type == 6 || type == 7;
}

/* The bits of qw0 that make the descriptor type (see qi_type()). */
#define IOLU_QI_TYPE_BITS 0xe0fULL

/*
 * The domain a queued invalidation with this DID hits: the scope's, the
 * flush's on this CPU when one of its tags has the DID, or the one last
 * seen with the DID on this unit.
 */
static __always_inline u64 qi_domain(const struct did_key *key, bool has_did)
{
	u64 domain = scope_domain();
	struct flush_slot *slot;
	u64 *known;
	u32 i;

	if (domain || !has_did)
		return domain;
	slot = flush_slot();
	if (slot)
		for (i = 0; i < IOLU_SLOT_TAGS && i < slot->nr_tags; i++)
			if (slot->tags[i].iommu == key->iommu && slot->tags[i].did == key->did)
				return slot->domain;
	known = bpf_map_lookup_elem(&did_domains, key);
	return known ? *known : 0;
}

SEC("tp_btf/qi_submit")
int BPF_PROG(tp_qi_submit, struct intel_iommu *iommu, u64 qw0, u64 qw1,
	     u64 qw2, u64 qw3)
{
	struct did_key key = { .iommu = (u64)iommu, .did = (qw0 >> 16) & 0xffff };
	bool has_did = qi_has_did(qi_type(qw0));
	u64 domain = qi_domain(&key, has_did);
	struct iolu_event *e;

	if (!hot_send(IOLU_OP_QI_SUBMIT, domain, key.did, has_did, qw0 & IOLU_QI_TYPE_BITS))
		return 0;
	e = event_reserve(IOLU_OP_QI_SUBMIT);
	if (!e)
		return 0;
	if (has_did) {
		e->did = key.did;
		e->flags |= IOLU_EVF_DID;
	}
	fill_domain(e, domain);
	e->args[0] = qw0;
	e->args[1] = qw1;
	e->args[2] = qw2;
	e->args[3] = qw3;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/* Cache tags come and go with attachments: the slots' copies are stale. */
SEC("tp_btf/cache_tag_assign")
int BPF_PROG(tp_cache_tag_assign, struct cache_tag *tag)
{
	__sync_fetch_and_add(&tags_generation, 1);
	return 0;
}

SEC("tp_btf/cache_tag_unassign")
int BPF_PROG(tp_cache_tag_unassign, struct cache_tag *tag)
{
	__sync_fetch_and_add(&tags_generation, 1);
	return 0;
}

SEC("tp_btf/cache_tag_flush_range")
int BPF_PROG(tp_cache_tag_flush_range, struct cache_tag *tag,
	     unsigned long start, unsigned long end, unsigned long addr,
	     unsigned long mask)
{
	return emit_cache_flush(IOLU_OP_CACHE_FLUSH, flush_scope_domain(), tag, start, end,
				addr, mask);
}

SEC("tp_btf/cache_tag_flush_range_np")
int BPF_PROG(tp_cache_tag_flush_range_np, struct cache_tag *tag,
	     unsigned long start, unsigned long end, unsigned long addr,
	     unsigned long mask)
{
	return emit_cache_flush(IOLU_OP_CACHE_FLUSH_NP, flush_scope_domain(), tag, start,
				end, addr, mask);
}
