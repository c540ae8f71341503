// SPDX-License-Identifier: GPL-2.0
/*
 * The attach plan and the BPF object agree: every program the plan can
 * choose for a target of bpf/trace_targets.h is in the skeleton's object,
 * in the section that attaches it to that target, and every program of
 * the object is one the plan can choose. The object is opened, not loaded:
 * no kernel, no root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <bpf/libbpf.h>

#include "events.h"
#include "iolu_trace.skel.h"
#include "trace_attach.h"

static const enum iolu_attach_mode modes[] = {
	IOLU_MODE_FENTRY, IOLU_MODE_KPROBE, IOLU_MODE_TRACEPOINT,
};

/* The section of the program @which (0 entry, 1 exit) of a target in @mode. */
static void expected_section(const struct iolu_target *target, enum iolu_attach_mode mode,
			     unsigned int which, char *buf, size_t len)
{
	static const char *const kinds[][2] = {
		[IOLU_MODE_FENTRY] = { "fentry", "fexit" },
		[IOLU_MODE_KPROBE] = { "kprobe", "kretprobe" },
		[IOLU_MODE_TRACEPOINT] = { "tp_btf", NULL },
	};

	snprintf(buf, len, "%s/%s", kinds[mode][which], target->name);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

struct fixture {
	struct iolu_trace *skel;
	struct iolu_attach_plan plan;
};

static int setup(void **state)
{
	static struct fixture fixture;

	libbpf_set_print(quiet);
	fixture.skel = iolu_trace__open();
	if (!fixture.skel || iolu_attach_plan_new(&fixture.plan))
		return -1;
	*state = &fixture;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fixture = *state;

	iolu_attach_plan_destroy(&fixture->plan);
	iolu_trace__destroy(fixture->skel);
	return 0;
}

static void every_planned_program_exists(void **state)
{
	struct fixture *fixture = *state;
	const struct iolu_attach_plan *plan = &fixture->plan;
	struct bpf_program *prog;
	char section[160];
	const char *name;
	size_t i, m, checked = 0;
	unsigned int which;

	assert_true(plan->nr_targets > 30);
	for (i = 0; i < plan->nr_targets; i++) {
		const struct iolu_target *target = &plan->targets[i];

		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			for (which = 0; which < 2; which++) {
				name = iolu_target_program(target, modes[m], which);
				if (!name)
					continue;
				prog = bpf_object__find_program_by_name(fixture->skel->obj, name);
				if (!prog)
					fail_msg("%s: no program %s in the object", target->name, name);
				expected_section(target, modes[m], which, section, sizeof(section));
				assert_string_equal(bpf_program__section_name(prog), section);
				checked++;
			}
		}
	}
	assert_true(checked >= plan->nr_targets);
}

static bool planned(const struct iolu_attach_plan *plan, const char *prog_name)
{
	const char *name;
	size_t i, m;
	unsigned int which;

	for (i = 0; i < plan->nr_targets; i++)
		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
			for (which = 0; which < 2; which++) {
				name = iolu_target_program(&plan->targets[i], modes[m], which);
				if (name && !strcmp(name, prog_name))
					return true;
			}
	return false;
}

/* A program no target names would never be loaded: dead code, or a target missing. */
static void every_program_is_planned(void **state)
{
	struct fixture *fixture = *state;
	struct bpf_program *prog;
	size_t programs = 0;

	bpf_object__for_each_program(prog, fixture->skel->obj) {
		if (!planned(&fixture->plan, bpf_program__name(prog)))
			fail_msg("program %s is in no target's plan", bpf_program__name(prog));
		programs++;
	}
	assert_true(programs > 0);
}

/* Calls and scopes need both ends in both modes; entries no exit; tracepoints one program. */
static void programs_follow_the_kind(void **state)
{
	struct fixture *fixture = *state;
	size_t i;

	for (i = 0; i < fixture->plan.nr_targets; i++) {
		const struct iolu_target *t = &fixture->plan.targets[i];
		bool exits = t->kind == IOLU_TARGET_CALL || t->kind == IOLU_TARGET_SCOPE;
		bool function = t->kind != IOLU_TARGET_TRACEPOINT;

		assert_int_equal(iolu_target_program(t, IOLU_MODE_FENTRY, 0) != NULL, function);
		assert_int_equal(iolu_target_program(t, IOLU_MODE_KPROBE, 0) != NULL, function);
		assert_int_equal(iolu_target_program(t, IOLU_MODE_FENTRY, 1) != NULL, exits);
		assert_int_equal(iolu_target_program(t, IOLU_MODE_KPROBE, 1) != NULL, exits);
		assert_int_equal(iolu_target_program(t, IOLU_MODE_TRACEPOINT, 0) != NULL, !function);
		assert_null(iolu_target_program(t, IOLU_MODE_TRACEPOINT, 1));
		assert_null(iolu_target_program(t, IOLU_MODE_MISSING, 0));
	}
}

/*
 * A tracepoint left detached because entries count its op must have such
 * entries, or its op would be neither counted nor sent.
 */
static void counted_tracepoints_have_counting_entries(void **state)
{
	struct fixture *fixture = *state;
	const struct iolu_attach_plan *plan = &fixture->plan;
	uint64_t by_entries = 0;
	size_t i, counted_tracepoints = 0;

	for (i = 0; i < plan->nr_targets; i++)
		if (plan->targets[i].kind == IOLU_TARGET_ENTRY)
			by_entries |= plan->targets[i].hot_op;
	for (i = 0; i < plan->nr_targets; i++) {
		const struct iolu_target *t = &plan->targets[i];

		if (t->kind != IOLU_TARGET_TRACEPOINT || !t->hot_op)
			continue;
		if ((t->hot_op & by_entries) != t->hot_op)
			fail_msg("tracepoint %s: no entry counts its op", t->name);
		counted_tracepoints++;
	}
	assert_int_equal(counted_tracepoints, 3);	/* map, unmap, cache_tag_flush_range */
	assert_true((by_entries & ~IOLU_HOT_OPS) == 0);
}

/*
 * When the kernel refuses a mode at load, its targets fall back: fentry to
 * kprobe where kallsyms has the function and the kernel has kprobes, and
 * otherwise missing, saying why.
 */
static void refused_targets_fall_back_with_a_reason(void **state)
{
	struct iolu_attach_plan plan;
	struct iolu_target *a, *b, *c;

	(void)state;
	assert_int_equal(iolu_attach_plan_new(&plan), 0);
	a = &plan.targets[0];
	b = &plan.targets[1];
	c = &plan.targets[2];
	a->mode = b->mode = IOLU_MODE_FENTRY;
	c->mode = IOLU_MODE_KPROBE;
	a->in_kallsyms = c->in_kallsyms = true;

	plan.have_kprobes = false;
	assert_int_equal(iolu_attach_plan_downgrade(&plan, IOLU_MODE_FENTRY, -EPERM), 2);
	assert_int_equal(a->mode, IOLU_MODE_MISSING);
	assert_int_equal(a->reason, IOLU_WHY_NO_KPROBES);
	assert_int_equal(b->mode, IOLU_MODE_MISSING);
	assert_int_equal(b->reason, IOLU_WHY_REFUSED);
	assert_int_equal(b->err, -EPERM);
	assert_int_equal(c->mode, IOLU_MODE_KPROBE);

	a->mode = IOLU_MODE_FENTRY;
	plan.have_kprobes = true;
	assert_int_equal(iolu_attach_plan_downgrade(&plan, IOLU_MODE_FENTRY, -EPERM), 1);
	assert_int_equal(a->mode, IOLU_MODE_KPROBE);
	assert_int_equal(iolu_attach_plan_downgrade(&plan, IOLU_MODE_KPROBE, -EINVAL), 2);
	assert_int_equal(c->mode, IOLU_MODE_MISSING);
	assert_int_equal(c->reason, IOLU_WHY_REFUSED);
	assert_int_equal(c->err, -EINVAL);
	iolu_attach_plan_destroy(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_planned_program_exists),
		cmocka_unit_test(every_program_is_planned),
		cmocka_unit_test(programs_follow_the_kind),
		cmocka_unit_test(counted_tracepoints_have_counting_entries),
		cmocka_unit_test(refused_targets_fall_back_with_a_reason),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
