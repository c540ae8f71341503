// SPDX-License-Identifier: GPL-2.0
/*
 * Page table walk benchmark: iolu_pt_walk() over images mapping 1, 64 and
 * 1024 GiB with 4 KiB and 2 MiB pages, each next to a plain sequential
 * read() of the same image file, which bounds what any walk reading those
 * bytes can reach. Both run warm (the image was just written, so it is in
 * the page cache) and each in its own child process.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "pt_image.h"

#define READ_CHUNK	(1u << 20)

static int walk_image(struct pt_image *image, const struct iolu_mem *mem,
		      uint64_t values[4])
{
	struct iolu_pt_walk walk;
	int rc;

	rc = iolu_pt_walk(mem, image->root_pa, IOLU_PT_VTD_SECOND_STAGE,
			  image->levels, &walk);
	if (rc)
		fprintf(stderr, "iolu-bench: walk failed: %s\n", walk.error);
	values[0] = walk.nr_extents;
	values[1] = walk.mapped_bytes;
	values[2] = walk.nr_table_pages;
	iolu_pt_walk_free(&walk);
	return rc;
}

static int run_walk(void *ctx, uint64_t values[4])
{
	struct pt_image *image = ctx;
	struct iolu_mem mem = pt_image_mem(image);

	return walk_image(image, &mem, values);
}

/* Mapped in the child, so the parent never holds the mapping. */
static int run_walk_mapped(void *ctx, uint64_t values[4])
{
	struct pt_image *image = ctx;
	struct iolu_mem mem;
	int rc;

	rc = pt_image_map(image, &mem);
	if (rc)
		return rc;
	rc = walk_image(image, &mem, values);
	pt_image_unmap(image);
	return rc;
}

/* The limit: read every byte of the image once, in large sequential reads. */
static int run_read(void *ctx, uint64_t values[4])
{
	struct pt_image *image = ctx;
	char *buffer = malloc(READ_CHUNK);
	uint64_t total = 0, sum = 0;
	ssize_t got;

	if (!buffer)
		return -ENOMEM;
	if (lseek(image->fd, 0, SEEK_SET) < 0) {
		free(buffer);
		return -errno;
	}
	while ((got = read(image->fd, buffer, READ_CHUNK)) > 0) {
		total += (uint64_t)got;
		sum += (unsigned char)buffer[got - 1];	/* keep the read observable */
	}
	free(buffer);
	values[0] = total;
	values[1] = sum;
	return got < 0 ? -errno : 0;
}

static int bench_pt_case(const char *dir, uint64_t gib, unsigned int page_shift)
{
	struct measure walk = { 0 }, mapped = { 0 }, plain = { 0 };
	struct pt_image image;
	char path[4096];
	double image_mib;
	int rc;

	snprintf(path, sizeof(path), "%s/pt-%" PRIu64 "g-%u.img", dir, gib, page_shift);
	rc = pt_image_create(&image, path, gib, page_shift);
	if (rc) {
		fprintf(stderr, "iolu-bench: cannot write %s: %s\n", path, strerror(-rc));
		return rc;
	}
	/* The file's blocks go as soon as the walk is done; the fd keeps it. */
	unlink(path);
	rc = measure_child(run_walk, &image, &walk);
	if (!rc)
		rc = measure_child(run_walk_mapped, &image, &mapped);
	if (!rc)
		rc = measure_child(run_read, &image, &plain);
	pt_image_close(&image);
	if (!rc)
		rc = walk.rc ? walk.rc : mapped.rc ? mapped.rc : plain.rc;
	if (rc) {
		fprintf(stderr, "iolu-bench: %" PRIu64 " GiB case failed (%s)\n", gib,
			strerror(-rc));
		return -EIO;
	}
	if (walk.values[0] != image.expected_extents ||
	    walk.values[1] != image.mapped_bytes || walk.values[2] != image.nr_tables) {
		fprintf(stderr, "iolu-bench: %" PRIu64 " GiB walk found %" PRIu64 " extents, %"
			PRIu64 " bytes, %" PRIu64 " tables; expected %" PRIu64 ", %" PRIu64
			", %" PRIu64 "\n", gib, walk.values[0], walk.values[1], walk.values[2],
			image.expected_extents, image.mapped_bytes, image.nr_tables);
		return -EIO;
	}
	image_mib = (double)image.size / (1 << 20);
	printf("%6" PRIu64 " GiB %-4s %8" PRIu64 " %9.1f %8" PRIu64 " %9.2f %9.2f %9.2f"
	       " %7.1f %7.1f %9.0f %10.3f %10.3f %8.1f\n",
	       gib, page_shift == 12 ? "4K" : "2M", image.nr_tables, image_mib,
	       walk.values[0], walk.seconds * 1e3, mapped.seconds * 1e3,
	       plain.seconds * 1e3, walk.seconds / plain.seconds,
	       mapped.seconds / plain.seconds, image_mib / plain.seconds,
	       walk.seconds * 1e3 / (double)gib, mapped.seconds * 1e3 / (double)gib,
	       walk.max_rss_kib / 1024.0);
	fflush(stdout);
	return 0;
}

int bench_pt(const char *dir, uint64_t max_gib)
{
	static const uint64_t sizes[] = { 1, 64, 1024 };
	static const unsigned int shifts[] = { 12, 21 };
	size_t s, p;
	int rc;

	printf("\nIO page table walk (VT-d second stage, 4 levels) over one image file:\n"
	       "  pread = one pread() per table page, mmap = memcpy from a mapping of the\n"
	       "  file, read = plain sequential read() of the file in 1 MiB chunks (the\n"
	       "  limit); ratios are walk time over read time, measured side by side.\n");
	printf("%10s %-4s %8s %9s %8s %9s %9s %9s %7s %7s %9s %10s %10s %8s\n",
	       "mapped", "page", "tables", "image MiB", "extents", "pread ms", "mmap ms",
	       "read ms", "pread/r", "mmap/r", "read MiB/s", "ms/GiB prd", "ms/GiB mmp",
	       "RSS MiB");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (sizes[s] > max_gib)
			continue;
		for (p = 0; p < sizeof(shifts) / sizeof(shifts[0]); p++) {
			rc = bench_pt_case(dir, sizes[s], shifts[p]);
			if (rc)
				return rc;
		}
	}
	return 0;
}
