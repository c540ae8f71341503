// SPDX-License-Identifier: GPL-2.0
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int parse_number(const char *text, uint64_t *value, const char **end)
{
	char *stop;
	unsigned long long number;

	/* strtoull accepts leading space and a sign; an argument may not. */
	if (!text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	number = strtoull(text, &stop, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (stop == text)
		return -EINVAL;
	*value = number;
	*end = stop;
	return 0;
}

int parse_u64(const char *text, uint64_t *value)
{
	const char *end;
	uint64_t number;
	int err = parse_number(text, &number, &end);

	if (err)
		return err;
	if (*end)
		return -EINVAL;
	*value = number;
	return 0;
}

int parse_size(const char *text, uint64_t *value)
{
	const char *end;
	unsigned int shift = 0;
	uint64_t number;
	int err = parse_number(text, &number, &end);

	if (err)
		return err;
	switch (*end) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1])
		return -EINVAL;
	if (shift && number > (UINT64_MAX >> shift))
		return -ERANGE;
	*value = number << shift;
	return 0;
}

int parse_option_number(const char *prog, const char *option, const char *text,
			uint64_t *value, int (*parse)(const char *, uint64_t *))
{
	int err = parse(text, value);

	if (err)
		fprintf(stderr, "%s: %s '%s': %s\n", prog, option, text,
			err == -ERANGE ? "too large" : "not a number");
	return err;
}

int reject_extra_args(const char *prog, int argc, char **argv, int optind)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
	return -EINVAL;
}
