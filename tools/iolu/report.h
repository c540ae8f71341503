/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model behind every report: one or two states read from their
 * sources, their findings, and the extents of their domains. The
 * renderers (report_text, report_json, report_html) only format it.
 */
#ifndef IOLU_REPORT_H
#define IOLU_REPORT_H

#include <stdbool.h>

#include "cli.h"

/* The IO page table walk of one domain, done only for the renderers. */
struct report_domain {
	bool walked;
	int walk_err;		/* 0 or the walk's negative errno */
	struct iolu_pt_walk walk;
};

struct report_side {
	const char *label;		/* "state", "before kexec", "after kexec" */
	char origin[4200];		/* cli_input_name() */
	struct iolu_source *source;
	bool loaded;			/* model holds a state */
	struct iolu_model model;
	struct iolu_findings findings;	/* reading and checking this state */
	struct report_domain *domains;	/* one per model.state.domains */
	/*
	 * Preserved memory to check against when the source has no map of
	 * its own (after the kexec: the map of the pre-kexec snapshot).
	 */
	const struct iolu_kho_map *kho_reference;
};

/* Findings sorted by the object they are about, for the renderers. */
struct report_lookup {
	const struct iolu_finding **sorted;
	size_t nr;
};

struct report {
	const char *command;
	struct report_side *state;	/* check, show */
	struct report_side *before;	/* audit */
	struct report_side *after;	/* audit */
	struct iolu_findings compare;	/* audit: before vs after */
	/* audit: IOVA ranges in memfd terms (iolu_compare_luo()) */
	struct iolu_memfd_continuities memfd;
	/* audit: after->findings and compare by object, for the renderers */
	struct report_lookup after_lookup;
	struct report_lookup compare_lookup;
	bool passed;			/* ready / continuity proven */
	const char *verdict;
};

/* Open input, read the model and run checks (0 for none). Prints errors. */
int report_side_load(const char *cmd, struct report_side *side,
		     const struct cli_input *input, unsigned int checks);
/* Walk the page tables of every live domain (the walks' errors are kept). */
int report_side_walk(struct report_side *side);
void report_side_free(struct report_side *side);

int report_lookup_build(struct report_lookup *lookup,
			const struct iolu_findings *findings);
void report_lookup_free(struct report_lookup *lookup);

/*
 * Up to max findings about the object of this kind and index, stored in
 * out unless it is NULL (then only counted). Binary search: rendering a
 * large state stays linear.
 */
size_t report_findings_for(const struct report_lookup *lookup,
			   enum iolu_obj_kind kind, uint64_t index,
			   const struct iolu_finding **out, size_t max);

/*
 * What a report prints, whatever the input holds: a hostile state can make
 * the library keep IOLU_MAX_FINDINGS findings per list and the walks
 * millions of extents, which no reader wants and no memory cap allows
 * rendering in one piece. Past these totals a report only counts.
 */
#define REPORT_MAX_PRINTED_FINDINGS	1000
#define REPORT_MAX_PRINTED_EXTENTS	20000

struct report_budget {
	size_t findings;	/* left to print */
	size_t extents;
};

static inline void report_budget_init(struct report_budget *budget)
{
	budget->findings = REPORT_MAX_PRINTED_FINDINGS;
	budget->extents = REPORT_MAX_PRINTED_EXTENTS;
}

/* How many of nr items to print from what is left; taken from *left. */
static inline size_t report_budget_take(size_t *left, size_t nr)
{
	size_t take = nr < *left ? nr : *left;

	*left -= take;
	return take;
}

/* Findings of these lists that a report leaves out (kept or not). */
size_t report_findings_not_printed(const struct iolu_findings *const *lists,
				   size_t nr_lists);

/* Counts of error/warning/info findings. */
struct report_counts {
	size_t errors, warnings, infos, dropped;
};
void report_count(const struct iolu_findings *findings,
		  struct report_counts *counts);

/* "0000:00:03.0" */
const char *report_bdf(const struct iolu_device *device, char *buf, size_t len);
/* "4 KiB", "1.5 GiB" */
const char *report_size(uint64_t bytes, char *buf, size_t len);
/* "rw", "r-", "-w" */
const char *report_perm(uint32_t perm);
const char *report_format_name(uint32_t format);
const char *report_unit_type_name(uint32_t type);
/* The domain a device points at, or NULL. */
const struct iolu_domain *report_device_domain(const struct report_side *side,
					       const struct iolu_device *device);
/* UTC time "2026-11-25T16:00:00Z". */
const char *report_time(int64_t seconds, char *buf, size_t len);

#endif
