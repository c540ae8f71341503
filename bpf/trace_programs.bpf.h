/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs of one line of trace_targets.h, by its kind: an object
 * expands its group of the table with IOLU_PROGRAMS, after the handlers
 * they call (on_entry/on_exit for calls, scope_enter/scope_exit for
 * scopes, the line's own for entries). Tracepoint programs take the
 * tracepoint's own arguments and are written by hand.
 */
#ifndef IOLU_BPF_TRACE_PROGRAMS_H
#define IOLU_BPF_TRACE_PROGRAMS_H

#include "trace_event.bpf.h"
#include "trace_targets.h"

#define IOLU_PROGRAMS(name, kind, op, group, flags, enter, nargs)		\
	IOLU_PROGRAMS_##kind(name, IOLU_OP_##op, enter, nargs)

/* Rare calls: their fentry reads arguments through the bounds-checked helper. */
#define IOLU_PROGRAMS_CALL(func, op, enter, nargs)				\
SEC("fentry/" #func)								\
int fe_##func(void *ctx)							\
{										\
	return on_entry(op, fentry_arg(ctx, 0), fentry_arg(ctx, 1),		\
			fentry_arg(ctx, 2));					\
}										\
SEC("fexit/" #func)								\
int fx_##func(void *ctx)							\
{										\
	return on_exit(op, fexit_ret(ctx));					\
}										\
SEC("kprobe/" #func)								\
int kp_##func(struct pt_regs *regs)						\
{										\
	return on_entry(op, PT_REGS_PARM1(regs), PT_REGS_PARM2(regs),		\
			PT_REGS_PARM3(regs));					\
}										\
SEC("kretprobe/" #func)								\
int kr_##func(struct pt_regs *regs)						\
{										\
	return on_exit(op, PT_REGS_RC(regs));					\
}

/* The first argument names the domain for the tracepoints inside. */
#define IOLU_PROGRAMS_SCOPE(func, op, enter, nargs)				\
SEC("fentry/" #func)								\
int fe_##func(void *ctx)							\
{										\
	return scope_enter(fentry_arg(ctx, 0));					\
}										\
SEC("fexit/" #func)								\
int fx_##func(void *ctx)							\
{										\
	return scope_exit();							\
}										\
SEC("kprobe/" #func)								\
int kp_##func(struct pt_regs *regs)						\
{										\
	return scope_enter(PT_REGS_PARM1(regs));				\
}										\
SEC("kretprobe/" #func)								\
int kr_##func(struct pt_regs *regs)						\
{										\
	return scope_exit();							\
}

/*
 * Argument @n of a function with @nargs, at its fentry: read straight from
 * the context, which the verifier bounds by the function's own count.
 */
#define IOLU_ARG(ctx, n, nargs) ((n) < (nargs) ? ((u64 *)(ctx))[n] : 0)

/* On the hot paths: the fentry reads the context straight. */
#define IOLU_PROGRAMS_ENTRY(func, op, enter, nargs)				\
SEC("fentry/" #func)								\
int fe_##func(void *ctx)							\
{										\
	return enter(IOLU_ARG(ctx, 0, nargs), IOLU_ARG(ctx, 1, nargs),		\
		     IOLU_ARG(ctx, 2, nargs), IOLU_ARG(ctx, 3, nargs));		\
}										\
SEC("kprobe/" #func)								\
int kp_##func(struct pt_regs *regs)						\
{										\
	return enter(PT_REGS_PARM1(regs), PT_REGS_PARM2(regs),			\
		     PT_REGS_PARM3(regs), PT_REGS_PARM4(regs));			\
}

#define IOLU_PROGRAMS_TRACEPOINT(name, op, enter, nargs)

#endif /* IOLU_BPF_TRACE_PROGRAMS_H */
