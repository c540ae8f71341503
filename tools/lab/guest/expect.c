// SPDX-License-Identifier: GPL-2.0
#include "expect.h"

#include <stdio.h>
#include <string.h>

static int nr_failed;

bool expect_errno(const char *what, int err, int want)
{
	bool ok = err == -want;

	if (!ok)
		nr_failed++;
	printf("%s: %s: got %s, want %s\n", ok ? "ok" : "FAIL", what,
	       err ? strerror(-err) : "success", want ? strerror(want) : "success");
	return ok;
}

bool expect_true(const char *what, bool value)
{
	if (!value)
		nr_failed++;
	printf("%s: %s\n", value ? "ok" : "FAIL", what);
	return value;
}

int expect_verdict(const char *prog)
{
	printf("%s: %d check(s) failed\n", prog, nr_failed);
	return nr_failed ? 1 : 0;
}
