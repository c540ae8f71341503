/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strings from the input (kernel memory, snapshot metadata, debugfs files,
 * file names) are untrusted: on a terminal they must not move the cursor,
 * retitle the window or draw lines of their own, and in JSON they must be
 * valid UTF-8 whatever bytes they hold.
 */
#ifndef IOLU_ESCAPE_H
#define IOLU_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The length of the well-formed UTF-8 sequence at s (at most len bytes)
 * and its code point, or 0 when the bytes there are not one (overlong,
 * surrogate, above U+10FFFF, cut short).
 */
size_t escape_utf8_next(const unsigned char *s, size_t len, uint32_t *code);

/*
 * Write s for a terminal: printable UTF-8 as it is; C0 controls (newline
 * and tab included), DEL, C1 controls (U+0080-U+009F), bytes that are not
 * UTF-8 and the backslash as \xNN (backslash as \\), so the output is
 * one line with no escape sequence in it.
 */
void escape_text(FILE *out, const char *s);

/*
 * A copy of s that is valid UTF-8: each byte that is not part of a
 * well-formed sequence becomes U+FFFD. NULL when out of memory.
 */
char *escape_utf8_copy(const char *s);

#endif
