/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making records: reserving one in the ring buffer (a record that does not
 * fit is counted, never dropped silently), filling its common fields, and
 * submitting it; and reading the arguments of a traced function, whether
 * fentry or kprobe sees it.
 */
#ifndef IOLU_BPF_TRACE_EVENT_H
#define IOLU_BPF_TRACE_EVENT_H

#include "trace_maps.bpf.h"

#define IOLU_MAX_ERRNO 4095

static __always_inline u32 current_tid(void)
{
	return (u32)bpf_get_current_pid_tgid();
}

static __always_inline void count_lost(void)
{
	u32 zero = 0;
	u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		*lost += 1;
}

static __always_inline void event_init(struct iolu_event *e, u32 op)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();

	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (u32)pid_tgid;
	e->op = op;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/*
 * Submitting without waking the reader spares an interrupt per event; the
 * reader polls on a short timer instead, and is woken at once when the
 * buffer is half full (and for the kexec, after which there is no later).
 */
static __always_inline u64 submit_flags(void)
{
	u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	return pending > ring_bytes / 2 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline struct iolu_event *event_reserve(u32 op)
{
	struct iolu_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost();
		return NULL;
	}
	event_init(e, op);
	return e;
}

static __always_inline struct iolu_named_event *named_event_reserve(u32 op)
{
	struct iolu_named_event *ne = bpf_ringbuf_reserve(&events, sizeof(*ne), 0);

	if (!ne) {
		count_lost();
		return NULL;
	}
	event_init(&ne->event, op);
	ne->event.flags = IOLU_EVF_NAME;
	__builtin_memset(ne->name, 0, sizeof(ne->name));
	return ne;
}

/* Return values of int functions arrive as u64: keep the sign. */
static __always_inline s32 errno_of(u64 ret)
{
	return (s32)(s64)ret;
}

static __always_inline bool is_err_ptr(u64 ptr)
{
	return ptr >= (u64)-IOLU_MAX_ERRNO;
}

static __always_inline u32 device_sbdf(const struct device *dev, bool *is_pci)
{
	const struct pci_dev *pdev;
	const struct pci_bus *bus;
	const char *bus_name;
	char name[4] = {};
	void *sysdata;
	int segment = 0;
	unsigned int devfn;
	unsigned char number;

	*is_pci = false;
	if (!dev)
		return 0;
	bus_name = BPF_CORE_READ(dev, bus, name);
	if (!bus_name || bpf_probe_read_kernel(name, sizeof(name), bus_name))
		return 0;
	if (name[0] != 'p' || name[1] != 'c' || name[2] != 'i' || name[3])
		return 0;
	pdev = (const void *)dev - bpf_core_field_offset(struct pci_dev, dev);
	bus = BPF_CORE_READ(pdev, bus);
	devfn = BPF_CORE_READ(pdev, devfn);
	number = BPF_CORE_READ(bus, number);
	sysdata = BPF_CORE_READ(bus, sysdata);
	if (sysdata)
		segment = BPF_CORE_READ((struct pci_sysdata *)sysdata, domain);
	*is_pci = true;
	return ((u32)segment & 0xffff) << 16 | (u32)number << 8 | (devfn & 0xff);
}

static __always_inline void fill_device(struct iolu_event *e,
					const struct device *dev)
{
	bool is_pci;

	e->sbdf = device_sbdf(dev, &is_pci);
	if (is_pci)
		e->flags |= IOLU_EVF_SBDF;
}

static __always_inline void fill_domain(struct iolu_event *e, u64 domain)
{
	if (!domain)
		return;
	e->domain = domain;
	e->flags |= IOLU_EVF_DOMAIN;
}

static __always_inline void fill_ret(struct iolu_event *e, u64 ret)
{
	e->ret = errno_of(ret);
	e->flags |= IOLU_EVF_RET;
}

static __always_inline u64 fentry_arg(void *ctx, u32 n)
{
	u64 value = 0;

	bpf_get_func_arg(ctx, n, &value);
	return value;
}

static __always_inline u64 fexit_ret(void *ctx)
{
	u64 value = 0;

	bpf_get_func_ret(ctx, &value);
	return value;
}

#endif /* IOLU_BPF_TRACE_EVENT_H */
