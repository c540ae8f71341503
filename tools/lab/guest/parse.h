/* SPDX-License-Identifier: GPL-2.0 */
/* Strict parsing of numeric command-line arguments. */
#ifndef IOLU_LAB_PARSE_H
#define IOLU_LAB_PARSE_H

#include <stdint.h>

/*
 * Parse an unsigned number (decimal, or hex with 0x), optionally followed
 * by one of K, M, G (binary multiples) when suffixes are allowed.
 * Returns 0, -EINVAL for text that is not such a number, or -ERANGE when
 * it does not fit in 64 bits; *value is written only on success.
 */
int parse_u64(const char *text, uint64_t *value);
int parse_size(const char *text, uint64_t *value);

/*
 * The value of a numeric command-line option, read with @parse (parse_u64
 * or parse_size): 0, or @parse's error after saying on stderr what was
 * wrong, as "PROG: OPTION 'TEXT': not a number" (or "too large").
 */
int parse_option_number(const char *prog, const char *option, const char *text,
			uint64_t *value, int (*parse)(const char *, uint64_t *));
/* 0 when getopt left no argument behind @optind; -EINVAL after naming it. */
int reject_extra_args(const char *prog, int argc, char **argv, int optind);

#endif
