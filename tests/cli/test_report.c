// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the report helpers the renderers share: HTML escaping,
 * the findings lookup by object, sizes, permissions and PCI addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "report_html.h"

static char *escaped(const char *input)
{
	static char text[512];
	FILE *out = fmemopen(text, sizeof(text), "w");

	assert_non_null(out);
	report_html_escape(out, input);
	fclose(out);
	return text;
}

static void test_html_escape(void **state)
{
	(void)state;
	assert_string_equal(escaped("plain text"), "plain text");
	assert_string_equal(escaped("<script>alert('x')</script>"),
			    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	assert_string_equal(escaped("a&b \"c\""), "a&amp;b &quot;c&quot;");
	/* Control characters are not allowed in HTML; tab and newline are. */
	assert_string_equal(escaped("x\x01y\x1bz\t\n"), "x&#xfffd;y&#xfffd;z\t\n");
	/* Bytes above ASCII pass through (UTF-8 text stays readable). */
	assert_string_equal(escaped("caf\xc3\xa9"), "caf\xc3\xa9");
}

static struct iolu_finding finding(const char *rule, enum iolu_obj_kind kind,
				   uint64_t index)
{
	return (struct iolu_finding){ .rule = rule, .kind = kind, .index = index };
}

static void test_lookup(void **state)
{
	struct iolu_finding items[] = {
		finding("extent-changed", IOLU_OBJ_DOMAIN, 3),
		finding("device-changed", IOLU_OBJ_DEVICE, 3),
		finding("device-vanished", IOLU_OBJ_DEVICE, 1),
		finding("refcount-mismatch", IOLU_OBJ_DOMAIN, 0),
		finding("extent-appeared", IOLU_OBJ_DOMAIN, 3),
		finding("device-appeared", IOLU_OBJ_DEVICE, 1),
	};
	struct iolu_findings findings = { .items = items, .nr = 6, .capacity = 6 };
	const struct iolu_finding *found[4];
	struct report_lookup lookup;

	(void)state;
	assert_int_equal(report_lookup_build(&lookup, &findings), 0);
	/* Both about domain 3, in the library's order. */
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DOMAIN, 3, found, 4), 2);
	assert_ptr_equal(found[0], &items[0]);
	assert_ptr_equal(found[1], &items[4]);
	/* The index of a vanished device is the old state's: not attached. */
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DEVICE, 1, found, 4), 1);
	assert_ptr_equal(found[0], &items[5]);
	/* Kinds do not mix; absent objects have none; max is respected. */
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_UNIT, 3, found, 4), 0);
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DOMAIN, 7, found, 4), 0);
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DOMAIN, 3, found, 1), 1);
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DOMAIN, 0, NULL, SIZE_MAX), 1);
	report_lookup_free(&lookup);

	findings.nr = 0;
	assert_int_equal(report_lookup_build(&lookup, &findings), 0);
	assert_int_equal(report_findings_for(&lookup, IOLU_OBJ_DOMAIN, 0, found, 4), 0);
	report_lookup_free(&lookup);
}

static void test_formatting(void **state)
{
	struct iolu_device device = { .segment = 1, .requester_id = 0x0318 };
	char text[32];

	(void)state;
	assert_string_equal(report_size(0, text, sizeof(text)), "0 B");
	assert_string_equal(report_size(4096, text, sizeof(text)), "4 KiB");
	assert_string_equal(report_size(3ull << 29, text, sizeof(text)), "1.5 GiB");
	assert_string_equal(report_size(1ull << 40, text, sizeof(text)), "1 TiB");
	assert_string_equal(report_size(UINT64_MAX, text, sizeof(text)), "16 EiB");
	assert_string_equal(report_perm(IOLU_PERM_READ), "r-");
	assert_string_equal(report_perm(IOLU_PERM_READ | IOLU_PERM_WRITE), "rw");
	assert_string_equal(report_bdf(&device, text, sizeof(text)), "0001:03:03.0");
	device.requester_id = 0xffff;
	assert_string_equal(report_bdf(&device, text, sizeof(text)), "0001:ff:1f.7");
	assert_string_equal(report_time(0, text, sizeof(text)), "1970-01-01T00:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_formatting),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
