/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builds a synthetic preserved IOMMU state in a physical-memory image
 * (tests/verifier/image.h): the "iommu-v1" graph (header, unit/domain/
 * device chains), VT-d legacy root/context tables, second-stage IO page
 * tables with their data pages, and KHO's preserved-memory radix tree with
 * its FDT. The image can be read in place (sb_mem, for the benchmark) or
 * written out as a fake live kernel: a debugfs tree and a kcore ELF file
 * (for the command tests).
 *
 * Not the verifier's fixture (tests/verifier/builder.h), though both use
 * the same image: this one lays devices out in blocks from 00:03.0 with
 * plain indices and tokens (what the command tests match), scales to the
 * benchmark's sizes, can mark the objects incoming, and knows the
 * breakages the commands must report.
 */
#ifndef IOLU_STATE_BUILDER_H
#define IOLU_STATE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "iolu_verifier.h"

/* Ways to break exactly one thing, for the tests. */
enum sb_break {
	SB_BREAK_NONE,
	SB_BREAK_REFCOUNT,	/* domain 0 claims one reference too many */
	SB_BREAK_UNPRESERVED,	/* domain 0's leaf table is not preserved */
	SB_BREAK_COMPATIBLE,	/* the header's compatible is hostile markup */
	SB_BREAK_REMAP,		/* domain 0's first page maps other memory */
	SB_BREAK_DROP_DEVICE,	/* the last device is missing */
	SB_BREAK_DOMAIN_ID,	/* device 0's context entry has another DID */
	/* the compatible holds terminal escapes, a newline and non-UTF-8 */
	SB_BREAK_TERMINAL,
	/*
	 * Hostile: every domain shares domain 0's table, whose pages each
	 * map one of two data pages, alternating, so no two extents merge;
	 * the incoming side swaps them, so every extent differs. A small
	 * snapshot that makes a report walk domains x pages extents.
	 */
	SB_BREAK_SHARED_TABLE,
	/*
	 * The same unmergeable extents, but every domain has a table of
	 * its own: a snapshot that grows with the domains, for the bound
	 * on memory.
	 */
	SB_BREAK_SPLIT_TABLES,
};

struct sb_config {
	unsigned int nr_devices;
	unsigned int devices_per_domain;
	unsigned int devices_per_unit;	/* at most 65536: one RID space */
	unsigned int pages_per_domain;	/* 4 KiB pages mapped from IOVA 1 MiB */
	enum iolu_side side;		/* incoming: objects flagged INCOMING */
	enum sb_break breakage;
};

struct sb_image {
	struct image *memory;		/* every page, from 4 GiB up */
	uint64_t header_pa;
	uint64_t kho_root_pa;
	void *fdt;			/* the KHO FDT */
	size_t fdt_len;
	unsigned int nr_units, nr_domains, nr_devices;
};

int sb_build(const struct sb_config *config, struct sb_image *image);
void sb_free(struct sb_image *image);

/* An iolu_mem reading the image. */
struct iolu_mem sb_mem(struct sb_image *image);
/* The image as RAM, for iolu_check_opts.ram. */
struct iolu_ranges sb_ram(struct sb_image *image, struct iolu_range *range);

/*
 * Write dir/debugfs/{kho,iommu/liveupdate}/... for side and dir/kcore.
 * Returns 0 or a negative errno.
 */
int sb_write_live(const struct sb_image *image, enum iolu_side side,
		  const char *dir);

#endif
