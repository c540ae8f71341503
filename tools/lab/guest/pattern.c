// SPDX-License-Identifier: GPL-2.0
#include "pattern.h"

/* splitmix64's finaliser: cheap, and every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint8_t pattern_byte(uint64_t seed, uint64_t offset)
{
	uint64_t word = mix64(seed ^ mix64(offset / 8 + 1));

	return (uint8_t)(word >> (8 * (offset % 8)));
}

void pattern_fill(void *buf, size_t len, uint64_t seed)
{
	uint8_t *bytes = buf;
	size_t off;

	for (off = 0; off < len; off++)
		bytes[off] = pattern_byte(seed, off);
}

size_t pattern_check(const void *buf, size_t len, uint64_t seed)
{
	const uint8_t *bytes = buf;
	size_t off;

	for (off = 0; off < len; off++)
		if (bytes[off] != pattern_byte(seed, off))
			return off;
	return len;
}
