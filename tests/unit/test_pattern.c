// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pattern.h"

static void fill_then_check_passes(void **state)
{
	size_t lens[] = { 1, 7, 8, 9, 4095, 4096, 65537 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *buf = malloc(lens[i]);

		assert_non_null(buf);
		pattern_fill(buf, lens[i], 0x1234);
		assert_int_equal(pattern_check(buf, lens[i], 0x1234), lens[i]);
		free(buf);
	}
}

/* Every single flipped bit, wherever it is, is found at its own offset. */
static void every_flip_is_found_where_it_is(void **state)
{
	enum { LEN = 257 };
	uint8_t buf[LEN];
	size_t off;
	int bit;

	(void)state;
	pattern_fill(buf, LEN, 99);
	for (off = 0; off < LEN; off++) {
		for (bit = 0; bit < 8; bit++) {
			buf[off] ^= (uint8_t)(1u << bit);
			assert_int_equal(pattern_check(buf, LEN, 99), off);
			buf[off] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(pattern_check(buf, LEN, 99), LEN);
}

static void zeroed_memory_fails_at_first_byte_that_differs(void **state)
{
	uint8_t zero[4096] = { 0 };
	size_t first = 0;

	(void)state;
	while (pattern_byte(5, first) == 0)
		first++;
	assert_int_equal(pattern_check(zero, sizeof(zero), 5), first);
	assert_true(first < 16);
}

static void another_seed_gives_other_bytes(void **state)
{
	uint8_t buf[4096];

	(void)state;
	pattern_fill(buf, sizeof(buf), 1);
	assert_true(pattern_check(buf, sizeof(buf), 2) < 8);
}

/* A page that moved is caught: the pattern of one page is not another's. */
static void shifted_pages_fail(void **state)
{
	uint8_t *buf = malloc(3 * 4096);

	(void)state;
	assert_non_null(buf);
	pattern_fill(buf, 3 * 4096, 42);
	memcpy(buf + 4096, buf, 4096);
	assert_true(pattern_check(buf, 3 * 4096, 42) >= 4096);
	assert_true(pattern_check(buf, 3 * 4096, 42) < 4096 + 8);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fill_then_check_passes),
		cmocka_unit_test(every_flip_is_found_where_it_is),
		cmocka_unit_test(zeroed_memory_fails_at_first_byte_that_differs),
		cmocka_unit_test(another_seed_gives_other_bytes),
		cmocka_unit_test(shifted_pages_fail),
	};

	return cmocka_run_group_tests_name("pattern", tests, NULL, NULL);
}
