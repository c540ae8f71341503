/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reproducible byte pattern for checking that memory survived a live
 * update. Every byte depends on the seed and its offset, so a page that
 * moved, went stale or was zeroed does not pass.
 */
#ifndef IOLU_LAB_PATTERN_H
#define IOLU_LAB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

uint8_t pattern_byte(uint64_t seed, uint64_t offset);
void pattern_fill(void *buf, size_t len, uint64_t seed);
/* Offset of the first byte that differs from the pattern, or len if none. */
size_t pattern_check(const void *buf, size_t len, uint64_t seed);

#endif
