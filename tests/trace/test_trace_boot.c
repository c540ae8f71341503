// SPDX-License-Identifier: GPL-2.0
/*
 * The boot trace reader on what a lab kernel wrote: fixtures/boot-trace-edu.txt
 * is /sys/kernel/tracing/instances/iolu_boot/trace as the next kernel of the
 * iommu-liveupdate scenario left it (trace_instance=iolu_boot,iommu_lu):
 * edu's restore at boot, then the series' KUnit suite. Bad lines are made
 * from its lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "trace_boot.h"
#include "trace_timeline.h"

#define FIXTURE FIXTURE_DIR "/boot-trace-edu.txt"

static const char edu_restore_line[] =
	"       swapper/0-1       [001] .l...     3.902858: iommu_lu_unit_restore: "
	"pa=0x1d27010 index=0 type=1 segment=0 reg=0xfed90000 root=0x72d000 ret=0";

static void read_fixture(struct iolu_boot_trace *boot, FILE *err)
{
	FILE *in = fopen(FIXTURE, "r");

	assert_non_null(in);
	assert_int_equal(iolu_boot_read(in, "fixture", boot, err), 0);
	fclose(in);
}

static void reads_every_event_of_the_capture(void **state)
{
	struct iolu_boot_trace boot = { 0 };
	size_t i;

	(void)state;
	read_fixture(&boot, NULL);
	/* The header says entries-in-buffer/entries-written: 346/346 */
	assert_int_equal(boot.nr_records, 346);
	assert_int_equal(boot.lost, 0);
	assert_int_equal(boot.bad_lines, 0);
	assert_int_equal(boot.other_events, 0);
	for (i = 1; i < boot.nr_records; i++)
		assert_true(boot.records[i - 1].event.ts_ns <= boot.records[i].event.ts_ns);
	for (i = 0; i < boot.nr_records; i++)
		assert_true(boot.records[i].event.flags & IOLU_EVF_BOOT);
	iolu_boot_free(&boot);
}

/* What the next kernel did with edu's state, in this order, at boot. */
static void edu_restore_comes_first_in_order(void **state)
{
	static const unsigned int want[] = {
		IOLU_OP_FLB_RETRIEVE, IOLU_OP_UNIT_RESTORE, IOLU_OP_UNIT_ADOPT,
		IOLU_OP_DEVICE_FIND, IOLU_OP_DOMAIN_RESTORE, IOLU_OP_DEVICE_ADOPT,
	};
	struct iolu_boot_trace boot = { 0 };
	const struct iolu_event *e;
	size_t i;

	(void)state;
	read_fixture(&boot, NULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		e = &boot.records[i].event;
		assert_int_equal(e->op, want[i]);
		assert_int_equal(e->ret, 0);
		assert_int_equal(e->pid, 1);
		assert_memory_equal(e->comm, "swapper/0", 9);
	}
	e = &boot.records[0].event;
	assert_true(e->obj_pa == 0x1d3f000);
	assert_true(e->ts_ns == 3902165000ULL);
	assert_true(e->args[0] == 1 && e->args[1] == 1 && e->args[2] == 1);
	e = &boot.records[2].event;
	assert_true(e->obj_pa == 0x1d27010);
	assert_true(e->args[0] == 0xfed90000 && e->args[1] == 1 && e->args[2] == 0x72d000);
	e = &boot.records[3].event;
	assert_true(e->obj_pa == 0x1d39010);
	assert_int_equal(e->sbdf, 0x18);	/* 0000:00:03.0 */
	assert_int_equal(e->did, 5);
	assert_true(e->token == 3);
	assert_true(e->args[0] == 0x1e08010 && e->args[1] == 0x1d27010);
	assert_true(e->flags & IOLU_EVF_SBDF);
	e = &boot.records[4].event;
	assert_true(e->obj_pa == 0x1e08010 && e->args[0] == 0x1e13000 && e->args[1] == 4);
	/* Then the KUnit suite: its state rejected (-EINVAL), a preserve failed (-EIO) */
	for (i = 6; i < boot.nr_records; i++)
		if (boot.records[i].event.ret)
			break;
	assert_true(i < boot.nr_records);
	e = &boot.records[i].event;
	assert_int_equal(e->op, IOLU_OP_FLB_REJECT);
	assert_int_equal(e->ret, -22);
	assert_true(e->obj_pa == 0x1234);
	e = &boot.records[i + 2].event;
	assert_int_equal(e->op, IOLU_OP_UNIT_PRESERVE);
	assert_int_equal(e->ret, -5);
	iolu_boot_free(&boot);
}

static void timeline_has_each_object_once(void **state)
{
	static struct iolu_timeline timeline;
	struct iolu_boot_trace boot = { 0 };
	const struct iolu_timeline_object *object;
	size_t i;

	(void)state;
	read_fixture(&boot, NULL);
	memset(&timeline, 0, sizeof(timeline));
	for (i = 0; i < boot.nr_records; i++)
		iolu_timeline_add(&timeline, &boot.records[i].event);
	/* edu's restore, then a domain the KUnit suite restores, a state it rejects */
	assert_int_equal(timeline.nr_objects, 6);
	object = &timeline.objects[0];
	assert_int_equal(object->kind, IOLU_OBJECT_STATE);
	assert_int_equal(object->nr_steps, 1);
	object = &timeline.objects[1];
	assert_int_equal(object->kind, IOLU_OBJECT_UNIT);
	assert_true(object->detail == 0xfed90000);
	assert_int_equal(object->nr_steps, 2);
	assert_int_equal(object->steps[0].op, IOLU_OP_UNIT_RESTORE);
	assert_int_equal(object->steps[1].op, IOLU_OP_UNIT_ADOPT);
	assert_true(object->steps[1].boot);
	object = &timeline.objects[2];
	assert_int_equal(object->kind, IOLU_OBJECT_DEVICE);
	assert_true(object->has_device && object->sbdf == 0x18 && object->did == 5);
	assert_int_equal(object->nr_steps, 2);
	assert_int_equal(object->steps[1].op, IOLU_OP_DEVICE_ADOPT);
	object = &timeline.objects[3];
	assert_int_equal(object->kind, IOLU_OBJECT_DOMAIN);
	assert_true(object->detail == 0x1e13000);
	object = &timeline.objects[5];
	assert_int_equal(object->kind, IOLU_OBJECT_STATE);
	assert_int_equal(object->steps[0].op, IOLU_OP_FLB_REJECT);
	assert_int_equal(object->steps[0].ret, -22);
	iolu_boot_free(&boot);
}

static void timeline_prints_and_serializes(void **state)
{
	static struct iolu_timeline timeline;
	struct iolu_boot_trace boot = { 0 };
	struct json_object *json, *first, *steps, *field;
	char *text = NULL;
	size_t len = 0, i;
	FILE *out;

	(void)state;
	read_fixture(&boot, NULL);
	memset(&timeline, 0, sizeof(timeline));
	for (i = 0; i < boot.nr_records; i++)
		iolu_timeline_add(&timeline, &boot.records[i].event);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	/* Tracing started at 10 s: the boot steps are before it */
	iolu_timeline_print(&timeline, 10000000000ULL, out);
	fclose(out);
	assert_non_null(strstr(text, "unit   0x1d27010    #0   registers 0xfed90000"));
	assert_non_null(strstr(text, "b-6.097142 unit_restore, b-6.096234 unit_adopt"));
	assert_non_null(strstr(text, "device 0x1d39010    #0   0000:00:03.0 did 5"));
	free(text);

	json = iolu_timeline_to_json(&timeline, 10000000000ULL);
	assert_int_equal(json_object_array_length(json), 6);
	first = json_object_array_get_idx(json, 1);
	assert_true(json_object_object_get_ex(first, "steps", &steps));
	assert_int_equal(json_object_array_length(steps), 2);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(steps, 0), "ts_ns",
					      &field));
	assert_true(json_object_get_int64(field) == -6097142000LL);
	json_object_put(json);
	iolu_boot_free(&boot);
}

/* Each damaged copy of a real line is refused, saying why. */
static void damaged_lines_are_refused(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} damage[] = {
		{ "[001]", "(001)", "no [CPU] column" },
		{ "3.902858:", "3.902858", "timestamp" },
		{ "3.902858:", "3.x:", "timestamp" },
		{ "iommu_lu_unit_restore:", "iommu_lu_unit_rebuild:", "does not know" },
		{ "ret=0", "ret=zero", "not 0 or a negative errno" },
		{ "ret=0", "ret=5", "not 0 or a negative errno" },
		{ " ret=0", "", "no ret= field" },
		{ "pa=0x1d27010", "pa=-1", "not a number" },
		{ "reg=0xfed90000", "reg=0xfed9zz00", "not a number" },
		{ " root=0x72d000", "", "missing" },
	};
	struct iolu_record record;
	char line[512];
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(iolu_boot_parse_line(edu_restore_line, &record, &why), 1);
	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		const char *at = strstr(edu_restore_line, damage[i].from);
		size_t head = (size_t)(at - edu_restore_line);

		assert_non_null(at);
		snprintf(line, sizeof(line), "%.*s%s%s", (int)head, edu_restore_line,
			 damage[i].to, at + strlen(damage[i].from));
		assert_int_equal(iolu_boot_parse_line(line, &record, &why), -EINVAL);
		assert_non_null(why);
		if (!strstr(why, damage[i].why))
			fail_msg("'%s' gave '%s', wanted '%s'", line, why, damage[i].why);
	}
}

static void headers_and_other_events_are_skipped(void **state)
{
	struct iolu_record record;
	const char *why;

	(void)state;
	assert_int_equal(iolu_boot_parse_line("# tracer: nop", &record, &why), 0);
	assert_int_equal(iolu_boot_parse_line("", &record, &why), 0);
	assert_int_equal(iolu_boot_parse_line("          <idle>-0       [000] d..1.     "
					      "1.000000: tracing_mark_write: hello",
					      &record, &why), 0);
	/* Without the irq-info flags column too */
	assert_int_equal(iolu_boot_parse_line("       swapper/0-1       [001]     3.902858: "
					      "iommu_lu_unit_adopt: pa=0x1 index=0 type=1 "
					      "segment=0 reg=0x2 root=0x3 ret=-22",
					      &record, &why), 1);
	assert_int_equal(record.event.ret, -22);
	assert_int_equal(record.event.op, IOLU_OP_UNIT_ADOPT);
}

/* A damaged file: bad lines named (a few) and counted, losses counted. */
static void damaged_file_is_read_with_its_damage_counted(void **state)
{
	static const char text[] =
		"# entries-in-buffer/entries-written: 2/9   #P:2\n"
		"garbage\n"
		"CPU:1 [LOST 3 EVENTS]\n"
		"       swapper/0-1       [001] .l...     4.000000: iommu_lu_unit_adopt: "
		"pa=0x1d27010 index=0 type=1 segment=0 reg=0xfed90000 root=0x72d000 ret=0\n"
		"       swapper/0-1       [000] .l...     3.000000: iommu_lu_unit_restore: "
		"pa=0x1d27010 index=0 type=1 segment=0 reg=0xfed90000 root=0x72d000 ret=0\n"
		"       swapper/0-1       [000] .l...     3.500000: iommu_lu_unit_restore: pa=\n";
	struct iolu_boot_trace boot = { 0 };
	char *messages = NULL;
	size_t len = 0;
	FILE *in, *err;

	(void)state;
	in = fmemopen((void *)text, sizeof(text) - 1, "r");
	err = open_memstream(&messages, &len);
	assert_non_null(in);
	assert_non_null(err);
	assert_int_equal(iolu_boot_read(in, "damaged", &boot, err), 0);
	fclose(in);
	fclose(err);
	assert_int_equal(boot.nr_records, 2);
	assert_int_equal(boot.lost, 7 + 3);
	assert_int_equal(boot.bad_lines, 2);
	/* Sorted by time */
	assert_int_equal(boot.records[0].event.op, IOLU_OP_UNIT_RESTORE);
	assert_int_equal(boot.records[1].event.op, IOLU_OP_UNIT_ADOPT);
	assert_non_null(strstr(messages, "damaged:2: no [CPU] column"));
	assert_non_null(strstr(messages, "damaged:6: a field of the event is not a number"));
	free(messages);
	iolu_boot_free(&boot);
}

static void missing_instance_is_named(void **state)
{
	struct iolu_boot_trace boot = { 0 };
	char *messages = NULL;
	size_t len = 0;
	FILE *err;

	(void)state;
	err = open_memstream(&messages, &len);
	assert_non_null(err);
	assert_int_equal(iolu_boot_load("iolu-no-such-instance", &boot, err), -ENOENT);
	assert_int_equal(iolu_boot_load("../etc", &boot, err), -EINVAL);
	fclose(err);
	assert_non_null(strstr(messages, "no trace instance 'iolu-no-such-instance'"));
	assert_non_null(strstr(messages, "trace_instance=iolu-no-such-instance,iommu_lu"));
	assert_non_null(strstr(messages, "'../etc' is not a trace instance name"));
	free(messages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_every_event_of_the_capture),
		cmocka_unit_test(edu_restore_comes_first_in_order),
		cmocka_unit_test(timeline_has_each_object_once),
		cmocka_unit_test(timeline_prints_and_serializes),
		cmocka_unit_test(damaged_lines_are_refused),
		cmocka_unit_test(headers_and_other_events_are_skipped),
		cmocka_unit_test(damaged_file_is_read_with_its_damage_counted),
		cmocka_unit_test(missing_instance_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
