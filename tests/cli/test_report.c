// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the report helpers the renderers share: HTML escaping,
 * the findings lookup by object, sizes, permissions and PCI addresses;
 * and that the commands read a state exactly as the library does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>

#include "builder.h"
#include "escape.h"
#include "report.h"
#include "report_html.h"
#include "source.h"

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
	/* The page says UTF-8: a byte that is not becomes U+FFFD, as DEL and C1. */
	assert_string_equal(escaped("a\xff" "b\x7f\xc2\x9b"), "a&#xfffd;b&#xfffd;&#xfffd;");
}

static char *for_terminal(const char *input)
{
	static char text[512];
	FILE *out = fmemopen(text, sizeof(text), "w");

	assert_non_null(out);
	escape_text(out, input);
	fclose(out);
	return text;
}

static void test_text_escape(void **state)
{
	(void)state;
	assert_string_equal(for_terminal("iommu-v1"), "iommu-v1");
	/* OSC retitles the terminal, CSI moves the cursor, newline draws a line. */
	assert_string_equal(for_terminal("\x1b]0;pwn\x07\nverdict: ready"),
			    "\\x1b]0;pwn\\x07\\x0averdict: ready");
	/* C1 CSI as UTF-8 (U+009B), DEL, a tab, a byte that is no UTF-8. */
	assert_string_equal(for_terminal("\xc2\x9b" "2J\x7f\t\xff"),
			    "\\xc2\\x9b2J\\x7f\\x09\\xff");
	/* A backslash is doubled, so that \x1b in the input stays distinct. */
	assert_string_equal(for_terminal("a\\x1b"), "a\\\\x1b");
	/* Printable UTF-8 passes; an overlong NUL or a surrogate does not. */
	assert_string_equal(for_terminal("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
	assert_string_equal(for_terminal("\xc0\x80"), "\\xc0\\x80");
	assert_string_equal(for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	/* A sequence cut short at the end of the string. */
	assert_string_equal(for_terminal("x\xe2\x9c"), "x\\xe2\\x9c");
}

static void test_utf8_copy(void **state)
{
	char *copy;

	(void)state;
	copy = escape_utf8_copy("ok \xc3\xa9");
	assert_string_equal(copy, "ok \xc3\xa9");
	free(copy);
	/* Each bad byte is one U+FFFD; control characters are JSON's to escape. */
	copy = escape_utf8_copy("\xff\x1b\xc0\x80\xf4\x90\x80\x80");
	assert_string_equal(copy, "\xef\xbf\xbd\x1b\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(copy);
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

/*
 * A snapshot whose RAM record is empty, of a state with one DMA target
 * outside the fixture's RAM: written to a fresh directory, path filled.
 */
static void write_ramless_snapshot(char *dir, char *path, size_t len)
{
	struct iolu_err err = { 0 };
	struct iolu_source *source;
	struct fixture_config config;
	struct fixture fixture;

	fixture_default_config(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	fixture_map(&fixture, 1, FIXTURE_IOVA_BASE + 0x100000, IMAGE_MMIO_PA);
	assert_int_equal(fixture_seal(&fixture), 0);
	source = fixture_source(&fixture);
	assert_non_null(source);
	source->ram.nr = 0;
	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/ramless.snap", dir);
	if (iolu_snapshot_write(source, path, &err))
		fail_msg("%s", err.msg);
	iolu_source_close(source);
	fixture_free(&fixture);
}

static void assert_same_findings(const struct iolu_findings *a,
				 const struct iolu_findings *b)
{
	assert_int_equal(a->nr, b->nr);
	assert_int_equal(a->dropped, b->dropped);
	for (size_t i = 0; i < a->nr; i++) {
		assert_string_equal(a->items[i].rule, b->items[i].rule);
		assert_int_equal(a->items[i].severity, b->items[i].severity);
		assert_int_equal(a->items[i].pa, b->items[i].pa);
		assert_string_equal(a->items[i].message, b->items[i].message);
	}
}

/*
 * The commands once rebuilt the library's load-then-check and filed a
 * target as MMIO when the RAM record was empty, where the library asks
 * for it to be preserved. Both now take iolu_verify(): same findings.
 */
static void test_commands_verify_as_library(void **state)
{
	static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };
	char dir[] = "/tmp/iolu-report-XXXXXX", path[64];
	struct report_side side = { .label = "state" };
	struct iolu_findings library;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	struct cli_input input = { .side = IOLU_SIDE_OUTGOING };

	(void)state;
	write_ramless_snapshot(dir, path, sizeof(path));
	assert_int_equal(iolu_source_open_snapshot(path, &source, &err), 0);
	assert_int_equal(iolu_source_ram(source)->nr, 0);
	iolu_findings_init(&library);
	assert_int_equal(iolu_verify(source, &verify_all, NULL, &library, &err), 0);
	input.snapshot = path;
	assert_int_equal(report_side_load("check", &side, &input, IOLU_CHECK_ALL), 0);

	assert_non_null(iolu_findings_find(&library, "dma-target-unpreserved"));
	assert_null(iolu_findings_find(&library, "dma-target-mmio"));
	assert_same_findings(&library, &side.findings);

	report_side_free(&side);
	iolu_findings_free(&library);
	iolu_source_close(source);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_text_escape),
		cmocka_unit_test(test_utf8_copy),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_commands_verify_as_library),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
