/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which program of the tracer's BPF object traces each kernel target:
 * fentry/fexit where the function is in the kernel's BTF and ftrace can
 * patch it, a kprobe pair where only kallsyms knows it, a BTF tracepoint
 * where the kernel has it, nothing where the target is missing. Decided
 * before the object is loaded (unused programs are not loaded), so a
 * missing target never stops the rest.
 */
#ifndef IOLU_TRACE_ATTACH_H
#define IOLU_TRACE_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_targets.h"

struct bpf_object;
struct bpf_link;

enum iolu_attach_mode {
	IOLU_MODE_MISSING,
	IOLU_MODE_FENTRY,
	IOLU_MODE_KPROBE,
	IOLU_MODE_TRACEPOINT,
	IOLU_MODE_FAILED,	/* chosen, but loading or attaching failed */
	IOLU_MODE_UNNEEDED,	/* a tracepoint left detached: entries count its op */
	IOLU_MODE_COUNT
};

/* Why a target is IOLU_MODE_MISSING or IOLU_MODE_FAILED. */
enum iolu_missing_reason {
	IOLU_WHY_NONE,
	IOLU_WHY_SERIES_ABSENT,	/* a live update core function: the series is not in */
	IOLU_WHY_SYMBOL_ABSENT,	/* not in BTF nor kallsyms, or no such tracepoint */
	IOLU_WHY_NO_KPROBES,	/* only a kprobe could trace it, and the kernel has none */
	IOLU_WHY_REFUSED,	/* the kernel refused its programs when loading (err) */
	IOLU_WHY_ATTACH_FAILED,	/* loaded, but attaching failed (err) */
	IOLU_WHY_COUNT
};

struct iolu_target {
	const char *name;	/* function or tracepoint */
	enum iolu_target_kind kind;
	enum iolu_target_group group;
	uint64_t hot_op;	/* bit of the op IOLU_TF_COUNTED makes it count */
	const char *const (*programs)[2];	/* per mode: entry, exit */
	enum iolu_attach_mode mode;
	enum iolu_missing_reason reason;
	int err;		/* negative errno, with IOLU_WHY_REFUSED or _ATTACH_FAILED */
	bool in_kallsyms;
	struct bpf_link *links[2];
};

struct iolu_attach_plan {
	struct iolu_target *targets;
	size_t nr_targets;
	unsigned long long page_offset_base_addr;	/* 0: not in kallsyms */
	bool have_kprobes;	/* perf's kprobe PMU or tracefs kprobe_events */
};

/* Every target of bpf/trace_targets.h, none chosen yet. */
int iolu_attach_plan_new(struct iolu_attach_plan *plan);
/* What the running kernel offers, from BTF, tracefs and kallsyms. */
int iolu_attach_plan_init(struct iolu_attach_plan *plan, bool kprobes_only);
/* The program of @target in @mode: which 0 at entry, 1 at exit; NULL if none. */
const char *iolu_target_program(const struct iolu_target *target, enum iolu_attach_mode mode,
				unsigned int which);
/* Enables exactly the programs the plan uses; call before loading. */
int iolu_attach_plan_apply(const struct iolu_attach_plan *plan, struct bpf_object *obj);
/*
 * Attaches what the plan uses; a target that fails becomes IOLU_MODE_FAILED,
 * said on @notes unless it is NULL.
 * Hot ops (bits of enum iolu_op) not in @streamed_ops whose counting
 * entries all attached leave their tracepoints detached (IOLU_MODE_UNNEEDED).
 * Returns those ops: the ones the function entries must count.
 */
uint64_t iolu_attach_plan_attach(struct iolu_attach_plan *plan, struct bpf_object *obj,
				 uint64_t streamed_ops, FILE *notes);
/* True if @tracepoint is attached. */
bool iolu_attach_plan_traces(const struct iolu_attach_plan *plan, const char *tracepoint);
/*
 * Targets planned as @mode, which the kernel refused with @err, fall back
 * one step (fentry to kprobe where kallsyms has the function and the
 * kernel has kprobes, anything else to missing). Returns how many changed.
 */
size_t iolu_attach_plan_downgrade(struct iolu_attach_plan *plan, enum iolu_attach_mode mode,
				  int err);
void iolu_attach_plan_destroy(struct iolu_attach_plan *plan);
const char *iolu_attach_mode_name(enum iolu_attach_mode mode);

#endif /* IOLU_TRACE_ATTACH_H */
