// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: the IOMMU live update core, LUO, IO page table changes,
 * attachments, faults and invalidations, as struct iolu_event records in
 * one ring buffer.
 *
 * Every traced function has four programs: fentry/fexit and
 * kprobe/kretprobe. The loader keeps one pair per function (fentry where
 * the kernel's BTF and ftrace allow it, a kprobe otherwise) and disables
 * the rest, so one object serves kernels with and without the series.
 *
 * Map, unmap and invalidations, which a busy host makes millions of times
 * a second, are counted here per domain unless the user asked for each
 * one or they change a preserved domain. Counted, map, unmap and the VT-d
 * cache tag flush are seen at the entry of the functions that take the
 * domain, with no exit program and no tracepoint: one program per call.
 * Sent one by one, their tracepoints make the records, and those entries
 * note the domain the tracepoints do not name: per task for map/unmap,
 * per CPU for the flushes. Attach and fault note it per thread; queued
 * invalidations name the domain last seen with the same domain ID on the
 * same unit.
 */
#define __VMLINUX_H__	/* bpf_tracing.h: kernel pt_regs field names */
#include "iolu_types.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "trace_sizes.h"

char LICENSE[] SEC("license") = "GPL";

/* The ring buffer's size in bytes, set by the loader. */
const volatile __u64 ring_bytes = 1 << 27;

/*
 * Map, unmap and invalidation ops (bits of enum iolu_op) the user wants
 * one record each of, set by the loader from --op. The others are counted
 * here per domain and kind, which is what keeps tracing cheap on a busy
 * host, and still sent one by one when they hit a preserved domain, so
 * that the rules see every change that matters.
 */
const volatile __u64 stream_hot_ops;
/*
 * The hot ops counted at the entry of the functions that take their
 * domain (map, unmap, cache tag flushes), set by the loader once those
 * entries are attached: their tracepoints are then left detached. Any
 * other op, or one whose entry is missing, comes from its tracepoint.
 */
__u64 entry_counted_ops;

/* --pid: only this process's map/unmap/invalidations are counted. */
const volatile __u32 count_tgid;

/*
 * Address of the kernel's page_offset_base variable (from kallsyms), set by
 * the loader: with KASLR the direct map moves, and the serialized objects'
 * physical addresses are derived from their direct-map addresses.
 */
const volatile __u64 page_offset_base_addr;

/* x86-64 direct map without KASLR (4-level paging). */
#define IOLU_DEFAULT_PAGE_OFFSET 0xffff888000000000ULL
#define IOLU_MAX_ERRNO 4095

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 27);	/* resized by the loader */
} events SEC(".maps");

/* Records the ring buffer had no room for, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost_events SEC(".maps");

struct call_key {
	u32 tid;
	u32 op;
};

/* What an exit needs from the entry of the same call. */
struct call_state {
	u64 ts_ns;
	u64 args[3];
	u64 before[2];	/* object pointers the call may set or clear */
	u64 saved[6];	/* fields of objects the call will clear */
};

/* What identifies a unit object, read before the driver clears it. */
struct unit_identity {
	const void *obj;
	u64 index;
	u64 reg_base_pa;
	u64 type;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_CALLS_IN_FLIGHT);
	__type(key, struct call_key);
	__type(value, struct call_state);
} calls SEC(".maps");

/* The domain the thread is operating on, while a domain function runs. */
struct domain_scope {
	u64 domain;
	u32 depth;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOLU_MAX_SCOPE_THREADS);
	__type(key, u32);
	__type(value, struct domain_scope);
} scopes SEC(".maps");

/* Threads inside a scope: while none is, nothing looks a scope up. */
__s64 scopes_active;

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

/* Counts of map/unmap/invalidation events not sent one by one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_HOT_KEYS);
	__type(key, struct iolu_hot_key);
	__type(value, u64);
} hot_counts SEC(".maps");

/*
 * The current run of one hot op on this CPU (see hot_count()). A program
 * preempted between reading and writing a slot can lose the count of the
 * program that ran meanwhile on the same CPU with the same op; the window
 * is a few instructions.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOLU_OP_COUNT);
	__type(key, u32);
	__type(value, struct iolu_hot_slot);
} hot_slots SEC(".maps");

/* Hot events the hash table had no room for. */
__u64 uncounted;

/* What the rules treat as preserved, kept here as trace_rules.c keeps it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_PRESERVED_DOMAINS);
	__type(key, u64);
	__type(value, u8);
} preserved_domains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_PRESERVED_DOMAINS);
	__type(key, u32);
	__type(value, u8);
} preserved_dids SEC(".maps");

/* Something was preserved since the last FLB unpreserve or finish. */
bool preserved_any;

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

/* Physical address of a direct-map address; 0 stays 0. */
static __always_inline u64 direct_map_pa(const void *addr)
{
	u64 page_offset = IOLU_DEFAULT_PAGE_OFFSET;

	if (!addr)
		return 0;
	if (page_offset_base_addr)
		bpf_probe_read_kernel(&page_offset, sizeof(page_offset),
				      (const void *)page_offset_base_addr);
	return (u64)addr - page_offset;
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

static __always_inline void fill_object(struct iolu_event *e,
					const struct iommu_lu_object_ser *object)
{
	if (!object)
		return;
	e->obj_pa = direct_map_pa(object);
	e->obj_index = (u32)BPF_CORE_READ(object, index);
	e->flags |= IOLU_EVF_OBJ_PA | IOLU_EVF_INDEX;
}

static __always_inline void fill_domain_obj(struct iolu_event *e,
					    const struct iommu_lu_domain_ser *obj)
{
	if (!obj)
		return;
	fill_object(e, &obj->object);
	e->args[0] = BPF_CORE_READ(obj, pgtable_pa);
	e->args[1] = BPF_CORE_READ(obj, levels);
}

static __always_inline void fill_device_obj(struct iolu_event *e,
					    const struct iommu_lu_device_ser *obj)
{
	if (!obj)
		return;
	fill_object(e, &obj->object);
	e->token = BPF_CORE_READ(obj, token);
	e->did = BPF_CORE_READ(obj, domain_id);
	e->args[0] = BPF_CORE_READ(obj, domain_pa);
	e->args[1] = BPF_CORE_READ(obj, unit_pa);
	e->flags |= IOLU_EVF_TOKEN | IOLU_EVF_DID;
}

static __always_inline const void *domain_lu_obj(const struct iommu_domain *domain)
{
	if (!domain || !bpf_core_field_exists(domain->lu_domain_obj))
		return NULL;
	return BPF_CORE_READ(domain, lu_domain_obj);
}

static __always_inline const void *device_lu_obj(const struct device *dev)
{
	if (!dev || !bpf_core_field_exists(struct dev_iommu, lu_device_obj))
		return NULL;
	return BPF_CORE_READ(dev, iommu, lu_device_obj);
}

static __always_inline const void *device_unit_obj(const struct device *dev)
{
	if (!dev || !bpf_core_field_exists(struct iommu_device, lu_unit_obj))
		return NULL;
	return BPF_CORE_READ(dev, iommu, iommu_dev, lu_unit_obj);
}

static __always_inline u64 device_group_domain(const struct device *dev)
{
	if (!dev)
		return 0;
	return (u64)BPF_CORE_READ(dev, iommu_group, domain);
}

static __always_inline void read_unit(const struct iommu_lu_unit_ser *unit_obj,
				      struct unit_identity *unit)
{
	unit->obj = unit_obj;
	unit->index = BPF_CORE_READ(unit_obj, object.index);
	unit->reg_base_pa = BPF_CORE_READ(unit_obj, reg_base_pa);
	unit->type = BPF_CORE_READ(unit_obj, type);
}

/* A unit preserved or unpreserved by a device preserve call. */
static __always_inline void emit_unit(u32 op, const struct device *dev,
				      const struct unit_identity *unit,
				      u64 ts_ns, u64 latency_ns)
{
	struct iolu_event *e = event_reserve(op);

	if (!e)
		return;
	e->ts_ns = ts_ns;
	e->latency_ns = latency_ns;
	e->flags |= IOLU_EVF_LATENCY | IOLU_EVF_OBJ_PA | IOLU_EVF_INDEX;
	fill_device(e, dev);
	e->obj_pa = direct_map_pa(unit->obj);
	e->obj_index = (u32)unit->index;
	e->args[0] = unit->reg_base_pa;
	e->args[1] = unit->type;
	bpf_ringbuf_submit(e, submit_flags());
}

static __always_inline const char *session_of_file_set(const void *file_set)
{
	return file_set - bpf_core_field_offset(struct luo_session, file_set);
}

/* Pointers an exit compares against, read at the entry. */
static __always_inline void snapshot(u32 op, struct call_state *state)
{
	const struct device *dev = (const void *)state->args[0];
	const struct iommu_lu_device_ser *device;
	const struct iommu_lu_unit_ser *unit;
	const struct iommu_lu_object_ser *object;

	switch (op) {
	case IOLU_OP_DOMAIN_UNPRESERVE:
		/* The driver clears the object: keep what identifies it now. */
		object = domain_lu_obj((const void *)state->args[0]);
		state->before[0] = (u64)object;
		if (object)
			state->before[1] = BPF_CORE_READ(object, index);
		break;
	case IOLU_OP_DEVICE_PRESERVE:
		state->before[1] = (u64)device_unit_obj(dev);
		break;
	case IOLU_OP_DEVICE_UNPRESERVE:
		device = device_lu_obj(dev);
		unit = device_unit_obj(dev);
		state->before[0] = (u64)device;
		state->before[1] = (u64)unit;
		if (device) {
			state->saved[0] = BPF_CORE_READ(device, token);
			state->saved[1] = BPF_CORE_READ(device, domain_id);
			state->saved[2] = BPF_CORE_READ(device, object.index);
		}
		if (unit) {
			state->saved[3] = BPF_CORE_READ(unit, object.index);
			state->saved[4] = BPF_CORE_READ(unit, reg_base_pa);
			state->saved[5] = BPF_CORE_READ(unit, type);
		}
		break;
	}
}

static __always_inline int on_entry(u32 op, u64 a0, u64 a1, u64 a2)
{
	struct call_key key = { .tid = current_tid(), .op = op };
	struct call_state state = {
		.ts_ns = bpf_ktime_get_ns(),
		.args = { a0, a1, a2 },
	};

	snapshot(op, &state);
	bpf_map_update_elem(&calls, &key, &state, BPF_ANY);
	return 0;
}

static __always_inline void exit_device_preserve(struct iolu_event *e,
						 const struct call_state *state,
						 u64 ret)
{
	const struct device *dev = (const void *)state->args[0];
	u64 domain = device_group_domain(dev);
	const struct iommu_lu_unit_ser *unit_after = device_unit_obj(dev);
	struct unit_identity unit;

	fill_ret(e, ret);
	fill_device(e, dev);
	fill_domain(e, domain);
	e->token = state->args[1];
	e->flags |= IOLU_EVF_TOKEN;
	if (!errno_of(ret))
		fill_device_obj(e, device_lu_obj(dev));
	else
		e->args[0] = direct_map_pa(domain_lu_obj((const void *)domain));
	if (!state->before[1] && unit_after) {
		read_unit(unit_after, &unit);
		emit_unit(IOLU_OP_UNIT_PRESERVE, dev, &unit, e->ts_ns, e->latency_ns);
	}
}

static __always_inline void exit_device_unpreserve(struct iolu_event *e,
						   const struct call_state *state)
{
	const struct device *dev = (const void *)state->args[0];
	struct unit_identity unit = {
		.obj = (const void *)state->before[1],
		.index = state->saved[3],
		.reg_base_pa = state->saved[4],
		.type = state->saved[5],
	};

	fill_device(e, dev);
	fill_domain(e, device_group_domain(dev));
	if (state->before[0]) {
		e->obj_pa = direct_map_pa((const void *)state->before[0]);
		e->token = state->saved[0];
		e->did = (u32)state->saved[1];
		e->obj_index = (u32)state->saved[2];
		e->flags |= IOLU_EVF_OBJ_PA | IOLU_EVF_INDEX | IOLU_EVF_TOKEN | IOLU_EVF_DID;
	}
	if (unit.obj && !device_unit_obj(dev))
		emit_unit(IOLU_OP_UNIT_UNPRESERVE, dev, &unit, e->ts_ns, e->latency_ns);
}

static __always_inline void exit_flb(struct iolu_event *e, u32 op,
				     const struct call_state *state, u64 ret)
{
	const struct liveupdate_flb_op_args *argp = (const void *)state->args[0];

	if (op == IOLU_OP_FLB_PRESERVE || op == IOLU_OP_FLB_RETRIEVE)
		fill_ret(e, ret);
	e->obj_pa = BPF_CORE_READ(argp, data);
	if (e->obj_pa)
		e->flags |= IOLU_EVF_OBJ_PA;
}

/* The core's calls and the LUO reboot; false for the others. */
static __always_inline bool exit_core(struct iolu_event *e, u32 op,
				      const struct call_state *state, u64 ret)
{
	const void *arg0 = (const void *)state->args[0];

	switch (op) {
	case IOLU_OP_DOMAIN_PRESERVE:
		fill_ret(e, ret);
		fill_domain(e, state->args[0]);
		if (!errno_of(ret))
			fill_domain_obj(e, domain_lu_obj(arg0));
		return true;
	case IOLU_OP_DOMAIN_UNPRESERVE:
		fill_ret(e, ret);
		fill_domain(e, state->args[0]);
		if (state->before[0]) {
			e->obj_pa = direct_map_pa((const void *)state->before[0]);
			e->obj_index = (u32)state->before[1];
			e->flags |= IOLU_EVF_OBJ_PA | IOLU_EVF_INDEX;
		}
		return true;
	case IOLU_OP_DOMAIN_RESTORE:
		fill_ret(e, ret);
		fill_domain(e, state->args[0]);
		fill_domain_obj(e, (const void *)state->args[1]);
		return true;
	case IOLU_OP_DEVICE_PRESERVE:
		exit_device_preserve(e, state, ret);
		return true;
	case IOLU_OP_DEVICE_UNPRESERVE:
		exit_device_unpreserve(e, state);
		return true;
	case IOLU_OP_DEVICE_FIND:
		fill_device(e, arg0);
		if (is_err_ptr(ret)) {
			fill_ret(e, ret);
		} else {
			fill_ret(e, 0);
			fill_device_obj(e, (const void *)ret);
		}
		return true;
	case IOLU_OP_FLB_PRESERVE:
	case IOLU_OP_FLB_UNPRESERVE:
	case IOLU_OP_FLB_RETRIEVE:
	case IOLU_OP_FLB_FINISH:
		exit_flb(e, op, state, ret);
		return true;
	case IOLU_OP_LUO_REBOOT:
		fill_ret(e, ret);
		return true;
	}
	return false;
}

static long forget_preserved(void *map, const void *key, void *value, void *ctx)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

static __always_inline void mark_preserved(u64 domain, u32 did, bool has_did)
{
	u8 yes = 1;

	if (domain)
		bpf_map_update_elem(&preserved_domains, &domain, &yes, BPF_ANY);
	if (has_did)
		bpf_map_update_elem(&preserved_dids, &did, &yes, BPF_ANY);
	preserved_any = true;
}

/* What hot_send() checks, as the rules in trace_rules.c track it. */
static __always_inline void track_preserved(u32 op, const struct iolu_event *e)
{
	bool ok = (e->flags & IOLU_EVF_RET) && !e->ret;
	u64 domain = (e->flags & IOLU_EVF_DOMAIN) ? e->domain : 0;

	switch (op) {
	case IOLU_OP_DOMAIN_PRESERVE:
		if (ok)
			mark_preserved(domain, 0, false);
		break;
	case IOLU_OP_DEVICE_PRESERVE:
		if (ok && e->args[0])
			mark_preserved(domain, e->did, e->flags & IOLU_EVF_DID);
		break;
	case IOLU_OP_DOMAIN_UNPRESERVE:
		if (ok && domain)
			bpf_map_delete_elem(&preserved_domains, &domain);
		break;
	case IOLU_OP_FLB_UNPRESERVE:
	case IOLU_OP_FLB_FINISH:
		preserved_any = false;
		bpf_for_each_map_elem(&preserved_domains, forget_preserved, NULL, 0);
		bpf_for_each_map_elem(&preserved_dids, forget_preserved, NULL, 0);
		break;
	}
}

static __always_inline int emit_core_exit(u32 op, const struct call_state *state,
					  u64 ret, u64 now)
{
	struct iolu_event *e = event_reserve(op);

	if (!e)
		return 0;
	e->latency_ns = now - state->ts_ns;
	e->flags |= IOLU_EVF_LATENCY;
	exit_core(e, op, state, ret);
	track_preserved(op, e);
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/* LUO calls, named after their session. */
static __always_inline int emit_luo_exit(u32 op, const struct call_state *state,
					 u64 ret, u64 now)
{
	struct iolu_named_event *ne = named_event_reserve(op);
	struct iolu_event *e;
	const char *name = NULL;

	if (!ne)
		return 0;
	e = &ne->event;
	e->latency_ns = now - state->ts_ns;
	e->flags |= IOLU_EVF_LATENCY;
	fill_ret(e, ret);
	switch (op) {
	case IOLU_OP_SESSION_CREATE:
	case IOLU_OP_SESSION_RETRIEVE:
		name = (const void *)state->args[0];
		break;
	case IOLU_OP_SESSION_FINISH:
		name = (const void *)state->args[0];	/* name is the first field */
		break;
	case IOLU_OP_FILE_PRESERVE:
	case IOLU_OP_FILE_RETRIEVE:
		e->token = state->args[1];
		e->flags |= IOLU_EVF_TOKEN;
		e->args[0] = state->args[2];
		name = session_of_file_set((const void *)state->args[0]);
		break;
	case IOLU_OP_FILE_FREEZE:
		name = session_of_file_set((const void *)state->args[0]);
		break;
	}
	if (name)
		bpf_probe_read_kernel_str(ne->name, sizeof(ne->name), name);
	bpf_ringbuf_submit(ne, submit_flags());
	return 0;
}

static __always_inline bool op_is_luo(u32 op)
{
	return op >= IOLU_OP_SESSION_CREATE && op <= IOLU_OP_FILE_FREEZE;
}

static __always_inline int on_exit(u32 op, u64 ret)
{
	struct call_key key = { .tid = current_tid(), .op = op };
	struct call_state *found, state;
	u64 now = bpf_ktime_get_ns();

	found = bpf_map_lookup_elem(&calls, &key);
	if (!found)
		return 0;	/* the entry fired before the tracer attached */
	state = *found;
	bpf_map_delete_elem(&calls, &key);

	if (op_is_luo(op))
		return emit_luo_exit(op, &state, ret, now);
	return emit_core_exit(op, &state, ret, now);
}

/*
 * Domain scopes: the innermost call wins, nested calls share the domain.
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

static __always_inline u64 dmar_to_domain(u64 dmar_domain)
{
	struct dmar_domain *dd = (void *)dmar_domain;

	if (!dd)
		return 0;
	return (u64)__builtin_preserve_access_index(&dd->domain);
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

/*
 * One traced call: its fentry/fexit pair and its kprobe/kretprobe pair.
 * The loader enables one of the two per function (trace_attach.c).
 */
#define IOLU_CALL(func, op)						\
SEC("fentry/" #func)							\
int fe_##func(void *ctx)						\
{									\
	return on_entry(op, fentry_arg(ctx, 0), fentry_arg(ctx, 1),	\
			fentry_arg(ctx, 2));				\
}									\
SEC("fexit/" #func)							\
int fx_##func(void *ctx)						\
{									\
	return on_exit(op, fexit_ret(ctx));				\
}									\
SEC("kprobe/" #func)							\
int kp_##func(struct pt_regs *regs)					\
{									\
	return on_entry(op, PT_REGS_PARM1(regs), PT_REGS_PARM2(regs),	\
			PT_REGS_PARM3(regs));				\
}									\
SEC("kretprobe/" #func)							\
int kr_##func(struct pt_regs *regs)					\
{									\
	return on_exit(op, PT_REGS_RC(regs));				\
}

/* A function whose first argument names the domain for tracepoints inside. */
#define IOLU_SCOPE(func)						\
SEC("fentry/" #func)							\
int fe_##func(void *ctx)						\
{									\
	return scope_enter(fentry_arg(ctx, 0));				\
}									\
SEC("fexit/" #func)							\
int fx_##func(void *ctx)						\
{									\
	return scope_exit();						\
}									\
SEC("kprobe/" #func)							\
int kp_##func(struct pt_regs *regs)					\
{									\
	return scope_enter(PT_REGS_PARM1(regs));			\
}									\
SEC("kretprobe/" #func)							\
int kr_##func(struct pt_regs *regs)					\
{									\
	return scope_exit();						\
}

IOLU_CALL(iommu_domain_preserve, IOLU_OP_DOMAIN_PRESERVE)
IOLU_CALL(iommu_domain_unpreserve, IOLU_OP_DOMAIN_UNPRESERVE)
IOLU_CALL(iommu_domain_restore, IOLU_OP_DOMAIN_RESTORE)
IOLU_CALL(iommu_preserve_device, IOLU_OP_DEVICE_PRESERVE)
IOLU_CALL(iommu_unpreserve_device, IOLU_OP_DEVICE_UNPRESERVE)
IOLU_CALL(iommu_liveupdate_find_device, IOLU_OP_DEVICE_FIND)
IOLU_CALL(iommu_lu_flb_preserve, IOLU_OP_FLB_PRESERVE)
IOLU_CALL(iommu_lu_flb_unpreserve, IOLU_OP_FLB_UNPRESERVE)
IOLU_CALL(iommu_lu_flb_retrieve, IOLU_OP_FLB_RETRIEVE)
IOLU_CALL(iommu_lu_flb_finish, IOLU_OP_FLB_FINISH)
IOLU_CALL(luo_session_create, IOLU_OP_SESSION_CREATE)
IOLU_CALL(luo_session_retrieve, IOLU_OP_SESSION_RETRIEVE)
IOLU_CALL(luo_session_finish, IOLU_OP_SESSION_FINISH)
IOLU_CALL(luo_preserve_file, IOLU_OP_FILE_PRESERVE)
IOLU_CALL(luo_retrieve_file, IOLU_OP_FILE_RETRIEVE)
IOLU_CALL(luo_file_freeze, IOLU_OP_FILE_FREEZE)
IOLU_CALL(liveupdate_reboot, IOLU_OP_LUO_REBOOT)

IOLU_SCOPE(__iommu_attach_device)
IOLU_SCOPE(report_iommu_fault)

/* Map, unmap and invalidations: a record each, or a count. */

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

/*
 * Argument @n of a function with @nargs, at its fentry: read straight from
 * the context, which the verifier bounds by the function's own count.
 */
#define IOLU_ARG(ctx, n, nargs) ((n) < (nargs) ? ((u64 *)(ctx))[n] : 0)

/* A function seen at entry alone, through @enter(first four arguments). */
#define IOLU_AT_ENTRY(func, nargs, enter)				\
SEC("fentry/" #func)							\
int fe_##func(void *ctx)						\
{									\
	return enter(IOLU_ARG(ctx, 0, nargs), IOLU_ARG(ctx, 1, nargs),	\
		     IOLU_ARG(ctx, 2, nargs), IOLU_ARG(ctx, 3, nargs));	\
}									\
SEC("kprobe/" #func)							\
int kp_##func(struct pt_regs *regs)					\
{									\
	return enter(PT_REGS_PARM1(regs), PT_REGS_PARM2(regs),		\
		     PT_REGS_PARM3(regs), PT_REGS_PARM4(regs));		\
}

IOLU_AT_ENTRY(iommu_map_nosync, 6, map_enter)
IOLU_AT_ENTRY(iommu_unmap, 3, unmap_enter)
IOLU_AT_ENTRY(iommu_unmap_fast, 4, unmap_enter)

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

IOLU_AT_ENTRY(cache_tag_flush_range, 4, flush_range_enter)
IOLU_AT_ENTRY(cache_tag_flush_all, 1, flush_note)
/*
 * The np flush skips the tags that need no invalidation (no caching mode,
 * first-stage tables), which only its tracepoint knows: it keeps that
 * tracepoint in both modes.
 */
IOLU_AT_ENTRY(cache_tag_flush_range_np, 3, flush_note)

/* The reboot into the next kernel never returns: report its entry. */
static __always_inline int emit_kexec(void)
{
	struct iolu_event *e = event_reserve(IOLU_OP_KEXEC);

	if (e)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("fentry/kernel_kexec")
int fe_kernel_kexec(void *ctx)
{
	return emit_kexec();
}

SEC("kprobe/kernel_kexec")
int kp_kernel_kexec(struct pt_regs *regs)
{
	return emit_kexec();
}

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
