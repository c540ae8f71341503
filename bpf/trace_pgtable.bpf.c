// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: IO page table map and unmap, attachments and IOMMU faults.
 * Counted (the default), map and unmap are seen at the entry of the
 * functions that take the domain, with no exit program and no tracepoint:
 * one program per call. Sent one by one, their tracepoints make the
 * records, and those entries note the domain the tracepoints do not name,
 * per task. Attach and fault note it per thread (trace_scope.bpf.h).
 */
#include "trace_hot.bpf.h"
#include "trace_programs.bpf.h"
#include "trace_scope.bpf.h"

/*
 * The domain of the map or unmap call a task is in, when the tracepoints
 * inside send map/unmap one by one. Those calls may sleep and migrate, so
 * the slot is the task's own; every call writes it at entry, and the
 * tracepoints fire only inside such calls.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} pgtable_domain SEC(".maps");

/* IO page table changes. */

/* map: iova, paddr, size mapped; unmap: iova, size asked, size unmapped. */
static __always_inline int emit_pgtable(u32 op, u64 domain, u64 iova, u64 arg1, u64 arg2,
					u16 flags)
{
	struct iolu_event *e;

	if (!hot_send(op, domain, 0, false, 0))
		return 0;
	e = event_reserve(op);
	if (!e)
		return 0;
	fill_domain(e, domain);
	e->flags |= flags;
	e->args[0] = iova;
	e->args[1] = arg1;
	e->args[2] = arg2;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/*
 * Map and unmap, at the entry of the functions that take the domain.
 * Counted (the default), the entry is all there is: the domain, the IOVA
 * and the size are its arguments, so the iommu:map/unmap tracepoints are
 * left detached and a call costs one program. Sent one by one (--op),
 * the tracepoints make the records, with the size mapped or unmapped, and
 * the entry notes the domain for them in the task: these calls may sleep
 * and migrate, and the tracepoints fire only inside them.
 */
static __always_inline int pgtable_enter(u32 op, u64 domain, u64 iova, u64 arg1, u64 arg2)
{
	u64 *slot;

	if (entry_counted_ops & (1ULL << op))
		return emit_pgtable(op, domain, iova, arg1, arg2, IOLU_EVF_ENTRY);
	slot = bpf_task_storage_get(&pgtable_domain, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (slot)
		*slot = domain;
	return 0;
}

static __always_inline u64 pgtable_scope_domain(void)
{
	u64 *slot = bpf_task_storage_get(&pgtable_domain, bpf_get_current_task_btf(), 0, 0);

	return slot ? *slot : 0;
}

static __always_inline int map_enter(u64 domain, u64 iova, u64 paddr, u64 size)
{
	return pgtable_enter(IOLU_OP_MAP, domain, iova, paddr, size);
}

static __always_inline int unmap_enter(u64 domain, u64 iova, u64 size, u64 unused)
{
	return pgtable_enter(IOLU_OP_UNMAP, domain, iova, size, 0);
}

/* Its scopes, the map and unmap entries; the tracepoints follow. */
IOLU_PGTABLE_TARGETS(IOLU_PROGRAMS)

/* Tracepoints (BTF-typed raw tracepoints: arguments as the kernel passes them). */

static __always_inline void fill_scope_domain(struct iolu_event *e)
{
	fill_domain(e, scope_domain());
}

SEC("tp_btf/map")
int BPF_PROG(tp_map, unsigned long iova, u64 paddr, unsigned long size)
{
	return emit_pgtable(IOLU_OP_MAP, pgtable_scope_domain(), iova, paddr, size, 0);
}

SEC("tp_btf/unmap")
int BPF_PROG(tp_unmap, unsigned long iova, unsigned long size,
	     unsigned long unmapped)
{
	return emit_pgtable(IOLU_OP_UNMAP, pgtable_scope_domain(), iova, size, unmapped, 0);
}

SEC("tp_btf/attach_device_to_domain")
int BPF_PROG(tp_attach_device_to_domain, struct device *dev)
{
	struct iolu_event *e = event_reserve(IOLU_OP_ATTACH);

	if (!e)
		return 0;
	fill_scope_domain(e);
	fill_device(e, dev);
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("tp_btf/io_page_fault")
int BPF_PROG(tp_io_page_fault, struct device *dev, unsigned long iova,
	     int flags)
{
	struct iolu_event *e = event_reserve(IOLU_OP_FAULT);

	if (!e)
		return 0;
	fill_scope_domain(e);
	fill_device(e, dev);
	e->args[0] = iova;
	e->args[1] = (u32)flags;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}
