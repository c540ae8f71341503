// SPDX-License-Identifier: GPL-2.0
/*
 * Event filters of `iolu trace` (see trace_filter.h).
 */
#include <errno.h>
#include <string.h>

#include "trace_decode.h"
#include "trace_filter.h"

/* The ops one name stands for: itself, or every op of a class. */
static int ops_of_name(const char *name, size_t len, uint64_t *mask)
{
	char word[32];
	unsigned int op;
	int found;

	if (!len || len >= sizeof(word))
		return -EINVAL;
	memcpy(word, name, len);
	word[len] = '\0';
	found = iolu_op_from_name(word);
	if (found > 0) {
		*mask |= 1ULL << found;
		return 0;
	}
	found = iolu_op_class_from_name(word);
	if (found < 0)
		return -EINVAL;
	for (op = 1; op < IOLU_OP_COUNT; op++)
		if ((int)iolu_op_class(op) == found)
			*mask |= 1ULL << op;
	return 0;
}

int iolu_filter_add_ops(struct iolu_trace_filter *filter, const char *list,
			const char **bad)
{
	uint64_t mask = 0;
	const char *item = list, *comma;
	size_t len;

	for (;;) {
		comma = strchr(item, ',');
		len = comma ? (size_t)(comma - item) : strlen(item);
		if (ops_of_name(item, len, &mask)) {
			*bad = item;
			return -EINVAL;
		}
		if (!comma)
			break;
		item = comma + 1;
	}
	filter->op_mask |= mask;
	return 0;
}

bool iolu_filter_match(const struct iolu_trace_filter *filter, const struct iolu_event *e)
{
	if (filter->op_mask && (e->op >= 64 || !(filter->op_mask & (1ULL << e->op))))
		return false;
	if (filter->have_pid && e->pid != filter->pid)
		return false;
	if (filter->have_device && (!(e->flags & IOLU_EVF_SBDF) || e->sbdf != filter->sbdf))
		return false;
	if (filter->have_domain &&
	    !((e->flags & IOLU_EVF_DOMAIN) && e->domain == filter->domain) &&
	    !((e->flags & IOLU_EVF_DID) && e->did == filter->domain))
		return false;
	return true;
}
