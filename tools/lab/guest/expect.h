/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks of guest programs that go through a list of kernel behaviours:
 * each prints one "ok: ..." or "FAIL: ..." line (the lab tests count
 * them) and the failures are counted for the exit code.
 */
#ifndef IOLU_LAB_EXPECT_H
#define IOLU_LAB_EXPECT_H

#include <stdbool.h>

/*
 * @err is what the kernel returned (0 or -errno), @want the errno expected
 * (0: success). Each returns whether the check passed, for callers that
 * cannot go on after a failure.
 */
bool expect_errno(const char *what, int err, int want);
bool expect_true(const char *what, bool value);
/* Print how many of @prog's checks failed; the exit code: 0 when none did. */
int expect_verdict(const char *prog);

#endif
