// SPDX-License-Identifier: GPL-2.0
/*
 * Per-target choice between fentry, kprobe, tracepoint and "missing" (see
 * trace_attach.h), for the targets of bpf/trace_targets.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "events.h"
#include "trace_attach.h"

/* The programs of each kind of target, per mode (see bpf/trace_programs.bpf.h). */
#define PROGRAMS_CALL(name)							\
	{ [IOLU_MODE_FENTRY] = { "fe_" #name, "fx_" #name },			\
	  [IOLU_MODE_KPROBE] = { "kp_" #name, "kr_" #name } }
#define PROGRAMS_SCOPE PROGRAMS_CALL
#define PROGRAMS_ENTRY(name)							\
	{ [IOLU_MODE_FENTRY] = { "fe_" #name, NULL },				\
	  [IOLU_MODE_KPROBE] = { "kp_" #name, NULL } }
#define PROGRAMS_TRACEPOINT(name)						\
	{ [IOLU_MODE_TRACEPOINT] = { "tp_" #name, NULL } }

static const struct {
	const char *name;
	enum iolu_target_kind kind;
	enum iolu_target_group group;
	uint64_t hot_op;
	const char *const programs[IOLU_MODE_TRACEPOINT + 1][2];
} target_table[] = {
#define TARGET_INFO(name, kind, op, group, flags, enter, nargs)			\
	{ #name, IOLU_TARGET_##kind, IOLU_GROUP_##group,			\
	  ((flags) & IOLU_TF_COUNTED) ? 1ULL << IOLU_OP_##op : 0,		\
	  PROGRAMS_##kind(name) },
	IOLU_TRACE_TARGETS(TARGET_INFO)
#undef TARGET_INFO
};

#define NR_TARGETS (sizeof(target_table) / sizeof(target_table[0]))

const char *iolu_attach_mode_name(enum iolu_attach_mode mode)
{
	switch (mode) {
	case IOLU_MODE_FENTRY:
		return "fentry";
	case IOLU_MODE_KPROBE:
		return "kprobe";
	case IOLU_MODE_TRACEPOINT:
		return "tracepoint";
	case IOLU_MODE_FAILED:
		return "failed";
	case IOLU_MODE_UNNEEDED:
		return "unneeded";
	default:
		return "missing";
	}
}

/* What the kernel knows of each function target, from one text file. */
struct symbol_scan {
	bool in_kallsyms[NR_TARGETS];
	bool ftraceable[NR_TARGETS];
	bool have_filter_list;
	unsigned long long page_offset_base_addr;
};

static int target_index(const char *name, enum iolu_target_kind not_kind)
{
	size_t i;

	for (i = 0; i < NR_TARGETS; i++)
		if (target_table[i].kind != not_kind && !strcmp(target_table[i].name, name))
			return (int)i;
	return -1;
}

/* /proc/kallsyms: "ADDR TYPE NAME [module]". */
static void scan_kallsyms(struct symbol_scan *scan)
{
	FILE *file = fopen("/proc/kallsyms", "r");
	char line[512], type, name[256];
	unsigned long long addr;
	int at;

	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (!strcmp(name, "page_offset_base")) {
			scan->page_offset_base_addr = addr;
			continue;
		}
		if (type != 't' && type != 'T')
			continue;
		at = target_index(name, IOLU_TARGET_TRACEPOINT);
		if (at >= 0)
			scan->in_kallsyms[at] = true;
	}
	fclose(file);
}

/* Functions ftrace can patch, which fentry needs. */
static void scan_filter_functions(struct symbol_scan *scan)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	char line[512], name[256];
	FILE *file = NULL;
	size_t i;
	int at;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && !file; i++)
		file = fopen(paths[i], "r");
	if (!file)
		return;
	scan->have_filter_list = true;
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%255s", name) != 1)
			continue;
		at = target_index(name, IOLU_TARGET_TRACEPOINT);
		if (at >= 0)
			scan->ftraceable[at] = true;
	}
	fclose(file);
}

/* libbpf attaches kprobes through perf's kprobe PMU, or tracefs where there is none. */
static bool kernel_has_kprobes(void)
{
	static const char *const paths[] = {
		"/sys/bus/event_source/devices/kprobe/type",
		"/sys/kernel/tracing/kprobe_events",
		"/sys/kernel/debug/tracing/kprobe_events",
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], F_OK))
			return true;
	return false;
}

/* Why a function the kernel cannot trace is missing. */
static enum iolu_missing_reason function_missing(const struct iolu_target *target,
						 bool have_kprobes)
{
	if (target->in_kallsyms)
		return have_kprobes ? IOLU_WHY_NONE : IOLU_WHY_NO_KPROBES;
	return target->group == IOLU_GROUP_LU ? IOLU_WHY_SERIES_ABSENT : IOLU_WHY_SYMBOL_ABSENT;
}

static void choose(struct iolu_target *target, size_t at, const struct btf *btf,
		   const struct symbol_scan *scan, const struct iolu_attach_plan *plan,
		   bool kprobes_only)
{
	char typedef_name[128];

	target->reason = IOLU_WHY_NONE;
	if (target->kind == IOLU_TARGET_TRACEPOINT) {
		snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", target->name);
		target->mode = btf && btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF) > 0 ?
			       IOLU_MODE_TRACEPOINT : IOLU_MODE_MISSING;
		if (target->mode == IOLU_MODE_MISSING)
			target->reason = IOLU_WHY_SYMBOL_ABSENT;
		return;
	}
	if (!kprobes_only && btf &&
	    btf__find_by_name_kind(btf, target->name, BTF_KIND_FUNC) > 0 &&
	    (!scan->have_filter_list || scan->ftraceable[at])) {
		target->mode = IOLU_MODE_FENTRY;
		return;
	}
	target->reason = function_missing(target, plan->have_kprobes);
	target->mode = target->reason == IOLU_WHY_NONE ? IOLU_MODE_KPROBE : IOLU_MODE_MISSING;
}

int iolu_attach_plan_new(struct iolu_attach_plan *plan)
{
	size_t i;

	memset(plan, 0, sizeof(*plan));
	plan->targets = calloc(NR_TARGETS, sizeof(*plan->targets));
	if (!plan->targets)
		return -ENOMEM;
	plan->nr_targets = NR_TARGETS;
	for (i = 0; i < NR_TARGETS; i++) {
		plan->targets[i].name = target_table[i].name;
		plan->targets[i].kind = target_table[i].kind;
		plan->targets[i].group = target_table[i].group;
		plan->targets[i].hot_op = target_table[i].hot_op;
		plan->targets[i].programs = target_table[i].programs;
	}
	return 0;
}

int iolu_attach_plan_init(struct iolu_attach_plan *plan, bool kprobes_only)
{
	struct symbol_scan scan = { 0 };
	struct btf *btf;
	size_t i;
	int ret;

	ret = iolu_attach_plan_new(plan);
	if (ret)
		return ret;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -ENOENT;	/* CO-RE cannot work without the kernel's BTF */
	scan_kallsyms(&scan);
	scan_filter_functions(&scan);
	plan->page_offset_base_addr = scan.page_offset_base_addr;
	plan->have_kprobes = kernel_has_kprobes();
	for (i = 0; i < NR_TARGETS; i++) {
		plan->targets[i].in_kallsyms = scan.in_kallsyms[i];
		choose(&plan->targets[i], i, btf, &scan, plan, kprobes_only);
	}
	btf__free(btf);
	return 0;
}

const char *iolu_target_program(const struct iolu_target *target, enum iolu_attach_mode mode,
				unsigned int which)
{
	if (mode != IOLU_MODE_FENTRY && mode != IOLU_MODE_KPROBE &&
	    mode != IOLU_MODE_TRACEPOINT)
		return NULL;
	return which < 2 ? target->programs[mode][which] : NULL;
}

/* The programs of one target in its mode; unused slots are NULL. */
static void target_programs(const struct iolu_target *target, struct bpf_object *obj,
			    struct bpf_program *progs[2])
{
	const char *name;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		name = iolu_target_program(target, target->mode, i);
		progs[i] = name ? bpf_object__find_program_by_name(obj, name) : NULL;
	}
}

int iolu_attach_plan_apply(const struct iolu_attach_plan *plan, struct bpf_object *obj)
{
	struct bpf_program *prog, *progs[2];
	size_t i, p;
	int ret;

	bpf_object__for_each_program(prog, obj) {
		ret = bpf_program__set_autoload(prog, false);
		if (ret)
			return ret;
	}
	for (i = 0; i < plan->nr_targets; i++) {
		target_programs(&plan->targets[i], obj, progs);
		for (p = 0; p < 2; p++) {
			ret = progs[p] ? bpf_program__set_autoload(progs[p], true) : 0;
			if (ret)
				return ret;
		}
	}
	return 0;
}

static void attach_target(struct iolu_target *target, struct bpf_object *obj, FILE *notes)
{
	struct bpf_program *progs[2];
	int p;

	target_programs(target, obj, progs);
	for (p = 0; p < 2; p++) {
		if (!progs[p])
			continue;
		target->links[p] = bpf_program__attach(progs[p]);
		if (!target->links[p]) {
			target->err = -errno;
			if (notes)
				fprintf(notes, "iolu trace: cannot attach %s to %s (%s): %s; skipped\n",
					bpf_program__name(progs[p]), target->name,
					iolu_attach_mode_name(target->mode), strerror(-target->err));
			target->mode = IOLU_MODE_FAILED;
			target->reason = IOLU_WHY_ATTACH_FAILED;
			break;
		}
	}
	if (target->mode == IOLU_MODE_FAILED) {
		for (p = 0; p < 2; p++) {
			bpf_link__destroy(target->links[p]);
			target->links[p] = NULL;
		}
	}
}

/* True if a tracepoint or function in the plan is traced now. */
static bool target_attached(const struct iolu_target *target)
{
	return target->links[0] != NULL;
}

/* Hot ops not in @streamed_ops whose counting entries all attached. */
static uint64_t entry_counted_ops(const struct iolu_attach_plan *plan, uint64_t streamed_ops)
{
	uint64_t counted = 0, missed = 0;
	size_t i;

	for (i = 0; i < plan->nr_targets; i++) {
		const struct iolu_target *target = &plan->targets[i];

		if (target->kind != IOLU_TARGET_ENTRY || !target->hot_op)
			continue;
		if (target_attached(target))
			counted |= target->hot_op;
		else
			missed |= target->hot_op;
	}
	return counted & ~missed & ~streamed_ops;
}

uint64_t iolu_attach_plan_attach(struct iolu_attach_plan *plan, struct bpf_object *obj,
				 uint64_t streamed_ops, FILE *notes)
{
	uint64_t entry_counted;
	size_t i;

	/* Functions first: whether they count decides which tracepoints are needed. */
	for (i = 0; i < plan->nr_targets; i++)
		if (plan->targets[i].kind != IOLU_TARGET_TRACEPOINT)
			attach_target(&plan->targets[i], obj, notes);
	entry_counted = entry_counted_ops(plan, streamed_ops);
	for (i = 0; i < plan->nr_targets; i++) {
		struct iolu_target *target = &plan->targets[i];

		if (target->kind != IOLU_TARGET_TRACEPOINT)
			continue;
		if (target->mode == IOLU_MODE_TRACEPOINT && (target->hot_op & entry_counted))
			target->mode = IOLU_MODE_UNNEEDED;
		else
			attach_target(target, obj, notes);
	}
	return entry_counted;
}

bool iolu_attach_plan_traces(const struct iolu_attach_plan *plan, const char *tracepoint)
{
	size_t i;

	for (i = 0; i < plan->nr_targets; i++)
		if (plan->targets[i].kind == IOLU_TARGET_TRACEPOINT &&
		    !strcmp(plan->targets[i].name, tracepoint))
			return target_attached(&plan->targets[i]);
	return false;
}

size_t iolu_attach_plan_downgrade(struct iolu_attach_plan *plan, enum iolu_attach_mode mode,
				  int err)
{
	size_t i, changed = 0;

	for (i = 0; i < plan->nr_targets; i++) {
		struct iolu_target *target = &plan->targets[i];

		if (target->mode != mode)
			continue;
		changed++;
		if (mode == IOLU_MODE_FENTRY && target->in_kallsyms && plan->have_kprobes) {
			target->mode = IOLU_MODE_KPROBE;
			continue;
		}
		target->mode = IOLU_MODE_MISSING;
		target->reason = IOLU_WHY_REFUSED;
		target->err = err;
		if (mode == IOLU_MODE_FENTRY && target->in_kallsyms)
			target->reason = IOLU_WHY_NO_KPROBES;
	}
	return changed;
}

void iolu_attach_plan_destroy(struct iolu_attach_plan *plan)
{
	size_t i;

	for (i = 0; plan->targets && i < plan->nr_targets; i++) {
		bpf_link__destroy(plan->targets[i].links[0]);
		bpf_link__destroy(plan->targets[i].links[1]);
	}
	free(plan->targets);
	memset(plan, 0, sizeof(*plan));
}
