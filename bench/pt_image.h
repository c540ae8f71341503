/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VT-d second-stage page table image for the benchmark: every table
 * page written once, in order, to one file, so that 1024 GiB of mappings
 * (2 GiB of leaf tables) never sit in the benchmark's memory. The file is
 * physical memory from IMAGE_BASE_PA up; an iolu_mem reads it with pread.
 */
#ifndef IOLU_BENCH_PT_IMAGE_H
#define IOLU_BENCH_PT_IMAGE_H

#include <stdint.h>

#include "iolu_verifier.h"

struct pt_image {
	int fd;
	uint64_t base_pa;	/* physical address of the file's first byte */
	uint64_t size;		/* bytes of tables in the file */
	uint64_t root_pa;
	unsigned int levels;
	uint64_t mapped_bytes;
	uint64_t nr_tables;
	uint64_t expected_extents;
	const uint8_t *mapping;	/* pt_image_map() */
};

/*
 * Write the tables mapping gib GiB of IOVA from 0 with pages of
 * 1 << page_shift bytes (12 or 21) to path. Each 2 MiB of IOVA maps its
 * own physical 2 MiB, neighbours swapped, so runs break every 2 MiB as in
 * a fragmented guest. Returns 0 or a negative errno.
 */
int pt_image_create(struct pt_image *image, const char *path, uint64_t gib,
		    unsigned int page_shift);
void pt_image_close(struct pt_image *image);

/* An iolu_mem over the image: one pread of the file per read. */
struct iolu_mem pt_image_mem(struct pt_image *image);

/*
 * The same through a read-only mapping of the file (memcpy per read), to
 * tell the walk's own cost from the system calls'. Unmap with
 * pt_image_unmap().
 */
int pt_image_map(struct pt_image *image, struct iolu_mem *mem);
void pt_image_unmap(struct pt_image *image);

/*
 * The image as an `iolu snapshot` file at path: metadata and one pages
 * section holding every table page, so that the library's own snapshot
 * reader serves the walk. Returns 0 or a negative errno.
 */
int pt_image_write_snapshot(const struct pt_image *image, const char *path);

#endif
