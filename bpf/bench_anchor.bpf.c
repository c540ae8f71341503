// SPDX-License-Identifier: GPL-2.0
/*
 * The floor `make bench` measures the tracer against: BPF programs that do
 * nothing but be entered at iommu_map_nosync (fentry, kprobe, kretprobe),
 * and one that also reserves and submits the smallest ring buffer record.
 * The bench's loop maps once per map/unmap pair, so one of these costs
 * what entering a program (and writing a record) costs per event. The
 * entry_ programs are empty ones at the attach points of iolu's counted
 * mode (trace_pgtable.bpf.c, trace_vtd.bpf.c): what entering its
 * programs costs, before they do anything. The loader,
 * tools/lab/guest/bench-anchor.c, loads one anchor or all the entries.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} anchor_records SEC(".maps");

SEC("fentry/iommu_map_nosync")
int anchor_fentry(void *ctx)
{
	return 0;
}

SEC("kprobe/iommu_map_nosync")
int anchor_kprobe(void *ctx)
{
	return 0;
}

SEC("kretprobe/iommu_map_nosync")
int anchor_kretprobe(void *ctx)
{
	return 0;
}

/* No wakeup: the loader drains the buffer on a timer, as iolu's does. */
SEC("fentry/iommu_map_nosync")
int anchor_ringbuf(void *ctx)
{
	__u64 *record = bpf_ringbuf_reserve(&anchor_records, sizeof(*record), 0);

	if (!record)
		return 0;
	*record = 0;
	bpf_ringbuf_submit(record, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("fentry/iommu_map_nosync")
int entry_map(void *ctx)
{
	return 0;
}

SEC("fentry/iommu_unmap")
int entry_unmap(void *ctx)
{
	return 0;
}

SEC("fentry/iommu_unmap_fast")
int entry_unmap_fast(void *ctx)
{
	return 0;
}

SEC("fentry/cache_tag_flush_range")
int entry_flush(void *ctx)
{
	return 0;
}

SEC("tp_btf/qi_submit")
int entry_qi_submit(void *ctx)
{
	return 0;
}
