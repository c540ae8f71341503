// SPDX-License-Identifier: GPL-2.0
/* The event filters of `iolu trace`: --op, --pid, --device, --domain. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trace_decode.h"
#include "trace_filter.h"
#include "trace_fixtures.h"

static void empty_filter_takes_everything(void **state)
{
	struct iolu_trace_filter filter = { 0 };
	struct iolu_event e = fixture_event(IOLU_OP_KEXEC);

	(void)state;
	assert_true(iolu_filter_match(&filter, &e));
}

static void ops_and_classes(void **state)
{
	struct iolu_trace_filter filter = { 0 };
	struct iolu_event map = fixture_event(IOLU_OP_MAP);
	struct iolu_event qi = fixture_event(IOLU_OP_QI_SUBMIT);
	struct iolu_event preserve = fixture_event(IOLU_OP_DOMAIN_PRESERVE);
	struct iolu_event session = fixture_event(IOLU_OP_SESSION_CREATE);
	const char *bad = NULL;

	(void)state;
	assert_int_equal(iolu_filter_add_ops(&filter, "map,core", &bad), 0);
	assert_true(iolu_filter_match(&filter, &map));
	assert_true(iolu_filter_match(&filter, &preserve));
	assert_false(iolu_filter_match(&filter, &qi));
	assert_false(iolu_filter_match(&filter, &session));
	/* Lists add up */
	assert_int_equal(iolu_filter_add_ops(&filter, "inval", &bad), 0);
	assert_true(iolu_filter_match(&filter, &qi));
}

static void bad_op_lists_change_nothing(void **state)
{
	static const char *const bad_lists[] = { "bogus", "map,", ",map", "map,,core", "",
		"map,qi_submitx", "a_name_much_longer_than_any_operation_name" };
	struct iolu_trace_filter filter = { 0 };
	const char *bad;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
		bad = NULL;
		assert_int_equal(iolu_filter_add_ops(&filter, bad_lists[i], &bad), -EINVAL);
		assert_non_null(bad);
		assert_true(bad >= bad_lists[i] && bad <= bad_lists[i] + strlen(bad_lists[i]));
		assert_true(filter.op_mask == 0);
	}
	assert_int_equal(iolu_filter_add_ops(&filter, "map,qi_submitx", &bad), -EINVAL);
	assert_string_equal(bad, "qi_submitx");
}

static void pid_device_and_domain(void **state)
{
	struct iolu_trace_filter filter = { 0 };
	struct iolu_event e = fixture_on_domain(IOLU_OP_ATTACH, DOMAIN_A);
	struct iolu_event no_device = fixture_event(IOLU_OP_MAP);
	struct iolu_event by_did = fixture_iotlb(0, 5);

	(void)state;
	e.sbdf = 0x18;
	e.flags |= IOLU_EVF_SBDF;
	filter.have_pid = true;
	filter.pid = 42;
	assert_true(iolu_filter_match(&filter, &e));
	filter.pid = 43;
	assert_false(iolu_filter_match(&filter, &e));

	filter = (struct iolu_trace_filter){ .have_device = true, .sbdf = 0x18 };
	assert_true(iolu_filter_match(&filter, &e));
	assert_false(iolu_filter_match(&filter, &no_device));
	filter.sbdf = 0x19;
	assert_false(iolu_filter_match(&filter, &e));

	/* A domain by address, or by hardware domain ID */
	filter = (struct iolu_trace_filter){ .have_domain = true, .domain = DOMAIN_A };
	assert_true(iolu_filter_match(&filter, &e));
	assert_false(iolu_filter_match(&filter, &by_did));
	filter.domain = 5;
	assert_false(iolu_filter_match(&filter, &e));
	assert_true(iolu_filter_match(&filter, &by_did));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_filter_takes_everything),
		cmocka_unit_test(ops_and_classes),
		cmocka_unit_test(bad_op_lists_change_nothing),
		cmocka_unit_test(pid_device_and_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
