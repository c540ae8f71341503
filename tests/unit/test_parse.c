// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parse.h"

static void numbers_in_decimal_and_hex(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_u64("0x1000", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void not_numbers_are_rejected(void **state)
{
	const char *bad[] = { "", " 1", "-1", "+1", "1x", "0x", "abc", "1M", "1 " };
	uint64_t v = 77;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_u64(bad[i], &v), -EINVAL);
	assert_int_equal(parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(v, 77);
}

static void too_large_is_erange(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_size("17179869184G", &v), -ERANGE);
}

static void sizes_take_binary_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("3K", &v), 0);
	assert_int_equal(v, 3072);
	assert_int_equal(parse_size("1M", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(parse_size("2G", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(parse_size("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(parse_size("1MB", &v), -EINVAL);
	assert_int_equal(parse_size("1k", &v), -EINVAL);
	assert_int_equal(parse_size("M", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_in_decimal_and_hex),
		cmocka_unit_test(not_numbers_are_rejected),
		cmocka_unit_test(too_large_is_erange),
		cmocka_unit_test(sizes_take_binary_suffixes),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
