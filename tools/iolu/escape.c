// SPDX-License-Identifier: GPL-2.0
/* Making untrusted strings safe for terminals and for JSON. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"

size_t escape_utf8_next(const unsigned char *s, size_t len, uint32_t *code)
{
	uint32_t min, value;
	size_t need, i;

	if (!len)
		return 0;
	if (s[0] < 0x80) {
		*code = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		min = 0x80;
		value = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		min = 0x800;
		value = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		min = 0x10000;
		value = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		value = value << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms could smuggle a control character past a check. */
	if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
		return 0;
	*code = value;
	return need;
}

static void put_hex(FILE *out, const unsigned char *bytes, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		fprintf(out, "\\x%02x", bytes[i]);
}

void escape_text(FILE *out, const char *s)
{
	const unsigned char *at = (const unsigned char *)s;
	size_t len = strlen(s), step;
	uint32_t code;

	while (len) {
		step = escape_utf8_next(at, len, &code);
		if (!step)
			put_hex(out, at, step = 1);
		else if (code < 0x20 || (code >= 0x7f && code <= 0x9f))
			put_hex(out, at, step);
		else if (code == '\\')
			fputs("\\\\", out);
		else
			fwrite(at, 1, step, out);
		at += step;
		len -= step;
	}
}

char *escape_utf8_copy(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *at = (const unsigned char *)s;
	size_t len = strlen(s), step, used = 0;
	uint32_t code;
	/* Each bad byte grows to the 3 bytes of U+FFFD at most. */
	char *copy = malloc(3 * len + 1);

	if (!copy)
		return NULL;
	while (len) {
		step = escape_utf8_next(at, len, &code);
		if (step) {
			memcpy(copy + used, at, step);
			used += step;
		} else {
			memcpy(copy + used, replacement, 3);
			used += 3;
			step = 1;
		}
		at += step;
		len -= step;
	}
	copy[used] = '\0';
	return copy;
}
