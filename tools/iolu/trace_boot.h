/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot trace: the series' iommu_lu tracepoints, recorded by the kernel
 * while it boots (trace_instance=iolu_boot,iommu_lu on its command line)
 * into a tracefs instance, read back as the tracer's records. The next
 * kernel of a live update restores the preserved IOMMU state before any
 * userspace tracer can start: this is how `iolu trace --boot` sees it.
 */
#ifndef IOLU_TRACE_BOOT_H
#define IOLU_TRACE_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_decode.h"

/* The instance the lab (and the man page) asks the next kernel for. */
#define IOLU_BOOT_INSTANCE "iolu_boot"
/* A bound on what one read keeps: a boot instance holds thousands. */
#define IOLU_BOOT_MAX_RECORDS (1u << 20)

struct iolu_boot_trace {
	struct iolu_record *records;	/* in timestamp order */
	size_t nr_records;
	size_t cap_records;
	uint64_t lost;		/* overwritten or dropped by the kernel, or over the bound */
	uint64_t bad_lines;	/* iommu_lu events, or event lines, that do not parse */
	uint64_t other_events;	/* events of other systems in the instance */
	char source[256];	/* what was read, for messages */
};

/*
 * One line of a tracefs `trace` file: 1 when it is an iommu_lu event, put
 * in @record; 0 for a line that holds none (header, another system's
 * event); -EINVAL, with @why saying what is wrong, for a line that does
 * not parse.
 */
int iolu_boot_parse_line(const char *line, struct iolu_record *record, const char **why);

/*
 * Every line of @in into @boot, sorted by time. Bad lines are counted and
 * the first few named on @err (source and line number). 0, or -ENOMEM.
 */
int iolu_boot_read(FILE *in, const char *source, struct iolu_boot_trace *boot, FILE *err);

/*
 * The `trace` file of tracefs instance @instance, from the tracefs mount
 * point or debugfs' tracing directory. -ENOENT when no such instance
 * exists (the kernel was booted without it), with a hint on @err.
 */
int iolu_boot_load(const char *instance, struct iolu_boot_trace *boot, FILE *err);

void iolu_boot_free(struct iolu_boot_trace *boot);

#endif /* IOLU_TRACE_BOOT_H */
