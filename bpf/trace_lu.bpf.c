// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: the IOMMU live update core's calls (domains, devices, units,
 * the IOMMU FLB) and LUO's (sessions, files, freeze, reboot, kexec), each
 * a record with its return value, latency and the serialized objects it
 * made or dropped. Every call has fentry/fexit and kprobe/kretprobe
 * programs; the loader keeps one pair per function. The preserved domains
 * these calls leave behind are what trace_pgtable and trace_vtd send
 * one by one.
 */
#include "trace_programs.bpf.h"

/*
 * Address of the kernel's page_offset_base variable (from kallsyms), set by
 * the loader: with KASLR the direct map moves, and the serialized objects'
 * physical addresses are derived from their direct-map addresses.
 */
const volatile __u64 page_offset_base_addr;

/* x86-64 direct map without KASLR (4-level paging). */
#define IOLU_DEFAULT_PAGE_OFFSET 0xffff888000000000ULL

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

/* The reboot into the next kernel never returns: report its entry. */
static __always_inline int kexec_enter(u64 unused0, u64 unused1, u64 unused2, u64 unused3)
{
	struct iolu_event *e = event_reserve(IOLU_OP_KEXEC);

	if (e)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

IOLU_LU_TARGETS(IOLU_PROGRAMS)
IOLU_LUO_TARGETS(IOLU_PROGRAMS)
