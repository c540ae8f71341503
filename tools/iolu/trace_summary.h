/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `iolu trace` prints when it stops: how long it ran and what it
 * covered, per operation counts, error counts and log2 latency histograms,
 * invalidations per domain and kind, the restore timeline (with what the
 * boot trace held), rule findings, and the events the ring buffer lost.
 */
#ifndef IOLU_TRACE_SUMMARY_H
#define IOLU_TRACE_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "trace_attach.h"
#include "trace_decode.h"
#include "trace_rules.h"
#include "trace_timeline.h"

/* Bucket b holds latencies in [2^b, 2^(b+1)) ns; bucket 0 also holds 0. */
#define IOLU_HIST_BUCKETS 64
/* Domains with their own invalidation row; the rest share one row. */
#define IOLU_SUMMARY_MAX_DOMAINS 64

struct iolu_op_stats {
	uint64_t count;
	uint64_t errors;
	uint64_t timed;		/* events with a latency */
	uint64_t latency_sum_ns;
	uint64_t latency_min_ns;
	uint64_t latency_max_ns;
	uint64_t hist[IOLU_HIST_BUCKETS];
};

struct iolu_inval_row {
	uint64_t domain;	/* 0: not attributed to a domain */
	uint64_t counts[IOLU_INVAL_KIND_COUNT];
};

struct iolu_summary {
	struct iolu_op_stats ops[IOLU_OP_COUNT];
	struct iolu_inval_row inval_rows[IOLU_SUMMARY_MAX_DOMAINS];
	unsigned int nr_inval_rows;
	struct iolu_inval_row inval_other;	/* domains beyond the table */
	uint64_t events;
	uint64_t kernel_counted;	/* of events: counted in the kernel, no record */
	uint64_t lost;
	uint64_t undecodable;
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	uint64_t ringbuf_bytes;		/* the ring buffer's size; 0: not known */
	uint64_t duration_ns;		/* the run's, by the clock; 0: the events' span */
	const struct iolu_target *targets;	/* the attach plan's; NULL: not known */
	size_t nr_targets;
	uint64_t start_ns;		/* the start of tracing: the timeline's zero */
	struct iolu_timeline timeline;	/* restore steps, boot trace and live */
	struct {
		bool read;		/* --boot: the boot trace instance was read */
		char source[256];
		uint64_t events;	/* iommu_lu events read from it */
		uint64_t lost;		/* the kernel overwrote or dropped */
		uint64_t bad_lines;
	} boot;
};

void iolu_summary_init(struct iolu_summary *summary);
void iolu_summary_add(struct iolu_summary *summary, const struct iolu_event *event);
/*
 * @count events like @event that the kernel counted without sending them:
 * only the op, the domain and, for invalidations, the kind count.
 */
void iolu_summary_add_counted(struct iolu_summary *summary, const struct iolu_event *event,
			      uint64_t count);
unsigned int iolu_hist_bucket(uint64_t ns);
/* Lower bound of a bucket, in ns. */
uint64_t iolu_hist_bucket_floor(unsigned int bucket);
const struct iolu_inval_row *iolu_summary_inval_row(const struct iolu_summary *summary,
						    uint64_t domain);
void iolu_summary_print(const struct iolu_summary *summary,
			const struct trace_rules *rules, FILE *out);
struct json_object *iolu_summary_to_json(const struct iolu_summary *summary,
					 const struct trace_rules *rules);

#endif /* IOLU_TRACE_SUMMARY_H */
