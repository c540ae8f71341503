// SPDX-License-Identifier: GPL-2.0
/*
 * Page table walk benchmark: iolu_pt_walk() over images mapping 1, 64 and
 * 1024 GiB with 4 KiB and 2 MiB pages, each next to a plain sequential
 * read() of the same file, which bounds what any walk reading those bytes
 * can reach: first the tables alone in a file (read with pread), then the
 * same tables in a snapshot file, opened and walked by the library's
 * snapshot reader as `iolu check --input` does. Everything runs warm (the
 * files were just written, so they are in the page cache), each part in
 * its own child process, timed on the wall clock and in CPU time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "pt_image.h"

#define READ_CHUNK	(1u << 20)

static int walk_image(struct pt_image *image, const struct iolu_mem *mem,
		      uint64_t values[MEASURE_VALUES])
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

struct snapshot_case {
	const char *path;
	struct pt_image *image;
};

static int run_read(void *ctx, uint64_t values[MEASURE_VALUES]);

static int run_walk(void *ctx, uint64_t values[MEASURE_VALUES])
{
	struct pt_image *image = ctx;
	struct iolu_mem mem = pt_image_mem(image);

	return walk_image(image, &mem, values);
}

/*
 * The walk as `iolu check --input` does it: the snapshot opened (and its
 * checksums verified) by the library's reader, then walked through the
 * source's memory. values[3] and [4] are the open's share of the wall
 * and CPU time, in nanoseconds.
 */
static int run_walk_snapshot(void *ctx, uint64_t values[MEASURE_VALUES])
{
	struct snapshot_case *snap = ctx;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	double start = measure_now(), cpu_start = measure_cpu_now();
	int rc;

	rc = iolu_source_open_snapshot(snap->path, &source, &err);
	if (rc) {
		fprintf(stderr, "iolu-bench: %s\n", err.msg);
		return rc;
	}
	values[3] = (uint64_t)((measure_now() - start) * 1e9);
	values[4] = (uint64_t)((measure_cpu_now() - cpu_start) * 1e9);
	rc = walk_image(snap->image, iolu_source_mem(source), values);
	iolu_source_close(source);
	return rc;
}

/* The limit for a snapshot: read the file once, as run_read does the image. */
static int run_read_snapshot(void *ctx, uint64_t values[MEASURE_VALUES])
{
	struct snapshot_case *snap = ctx;
	struct pt_image file = { .fd = open(snap->path, O_RDONLY) };
	int rc;

	if (file.fd < 0)
		return -errno;
	rc = run_read(&file, values);
	close(file.fd);
	return rc;
}

/* The limit: read every byte of the image once, in large sequential reads. */
static int run_read(void *ctx, uint64_t values[MEASURE_VALUES])
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

struct pt_case {
	uint64_t gib;
	unsigned int page_shift;
	struct measure walk, read, snap_walk, snap_read;
	uint64_t nr_tables, image_size, snap_size, open_ns, open_cpu_ns;
};

static int check_walk(const struct pt_image *image, const struct measure *walk,
		      const char *how)
{
	if (walk->values[0] == image->expected_extents &&
	    walk->values[1] == image->mapped_bytes && walk->values[2] == image->nr_tables)
		return 0;
	fprintf(stderr, "iolu-bench: walk %s found %" PRIu64 " extents, %" PRIu64 " bytes, %"
		PRIu64 " tables; expected %" PRIu64 ", %" PRIu64 ", %" PRIu64 "\n", how,
		walk->values[0], walk->values[1], walk->values[2], image->expected_extents,
		image->mapped_bytes, image->nr_tables);
	return -EIO;
}

/* The image file, then the snapshot file, each walked and read whole. */
static int measure_pt_case(const char *dir, struct pt_case *c)
{
	struct pt_image image;
	struct snapshot_case snap = { .image = &image };
	char path[4096], snap_path[4200];
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s/pt-%" PRIu64 "g-%u.img", dir, c->gib, c->page_shift);
	snprintf(snap_path, sizeof(snap_path), "%s.snap", path);
	rc = pt_image_create(&image, path, c->gib, c->page_shift);
	if (rc) {
		fprintf(stderr, "iolu-bench: cannot write %s: %s\n", path, strerror(-rc));
		return rc;
	}
	/* The file's blocks go as soon as the walk is done; the fd keeps it. */
	unlink(path);
	rc = measure_child(run_walk, &image, &c->walk);
	if (!rc)
		rc = measure_child(run_read, &image, &c->read);
	if (!rc)
		rc = pt_image_write_snapshot(&image, snap_path);
	snap.path = snap_path;
	if (!rc)
		rc = measure_child(run_walk_snapshot, &snap, &c->snap_walk);
	if (!rc)
		rc = measure_child(run_read_snapshot, &snap, &c->snap_read);
	if (!rc && stat(snap_path, &st))
		rc = -errno;
	unlink(snap_path);
	c->nr_tables = image.nr_tables;
	c->image_size = image.size;
	c->snap_size = rc ? 0 : (uint64_t)st.st_size;
	c->open_ns = c->snap_walk.values[3];
	c->open_cpu_ns = c->snap_walk.values[4];
	if (!rc)
		rc = c->walk.rc ? c->walk.rc : c->read.rc ? c->read.rc :
		     c->snap_walk.rc ? c->snap_walk.rc : c->snap_read.rc;
	if (!rc)
		rc = check_walk(&image, &c->walk, "of the image");
	if (!rc)
		rc = check_walk(&image, &c->snap_walk, "of the snapshot");
	pt_image_close(&image);
	if (rc)
		fprintf(stderr, "iolu-bench: %" PRIu64 " GiB case failed (%s)\n", c->gib,
			strerror(-rc));
	return rc;
}

/* Walk time from a snapshot, the open taken out: wall or CPU. */
static double snap_walk_seconds(const struct pt_case *c, bool cpu)
{
	return cpu ? c->snap_walk.cpu_seconds - c->open_cpu_ns / 1e9 :
		     c->snap_walk.seconds - c->open_ns / 1e9;
}

static void print_pt_case(const struct pt_case *c)
{
	printf("%6" PRIu64 " GiB %-4s %8" PRIu64 " %9.1f %8" PRIu64 " %8.1f %8.1f %6.2f %6.2f"
	       " %8.1f %8.1f %8.1f %6.2f %6.2f %6.2f %8.1f %8.1f\n",
	       c->gib, c->page_shift == 12 ? "4K" : "2M", c->nr_tables,
	       c->image_size / 1048576.0, c->walk.values[0],
	       c->walk.seconds * 1e3, c->read.seconds * 1e3,
	       c->walk.seconds / c->read.seconds, c->walk.cpu_seconds / c->read.cpu_seconds,
	       c->open_ns / 1e6, snap_walk_seconds(c, false) * 1e3,
	       c->snap_read.seconds * 1e3, snap_walk_seconds(c, false) / c->snap_read.seconds,
	       snap_walk_seconds(c, true) / c->snap_read.cpu_seconds,
	       c->snap_walk.seconds / c->snap_read.seconds,
	       c->walk.max_rss_kib / 1024.0, c->snap_walk.max_rss_kib / 1024.0);
	fflush(stdout);
}

int bench_pt(const char *dir, uint64_t max_gib)
{
	static const uint64_t sizes[] = { 1, 64, 1024 };
	static const unsigned int shifts[] = { 12, 21 };
	struct pt_case largest = { 0 };
	size_t s, p;
	int rc;

	printf("\nIO page table walk (VT-d second stage, 4 levels), each next to a plain\n"
	       "sequential read() of the same file in 1 MiB chunks (the limit):\n"
	       "  image: the tables alone in a file, read through an iolu_mem (pread);\n"
	       "  snapshot: the same tables in an iolu snapshot file, opened (checksums\n"
	       "  verified) and walked through the library's snapshot reader.\n"
	       "  w/r: walk over read, wall clock (cpu: the same in CPU time, which\n"
	       "  other load on the machine disturbs less); all/r: open and walk over\n"
	       "  read, wall clock. RSS: peak of the walk's process.\n");
	printf("%10s %-4s %8s %9s %8s %8s %8s %6s %6s %8s %8s %8s %6s %6s %6s %8s %8s\n",
	       "mapped", "page", "tables", "image MiB", "extents", "walk ms", "read ms",
	       "w/r", "cpu", "open ms", "walk ms", "read ms", "w/r", "cpu", "all/r",
	       "RSS MiB", "snap RSS");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (sizes[s] > max_gib)
			continue;
		for (p = 0; p < sizeof(shifts) / sizeof(shifts[0]); p++) {
			struct pt_case c = { .gib = sizes[s], .page_shift = shifts[p] };

			rc = measure_pt_case(dir, &c);
			if (rc)
				return -EIO;
			print_pt_case(&c);
			if (c.page_shift == 12)
				largest = c;
		}
	}
	if (largest.gib)
		printf("\nWalk vs read, %" PRIu64 " GiB mapped at 4 KiB (%.0f MiB of tables) from a"
		       " snapshot: %.2f wall, %.2f CPU (open and walk: %.2f wall), peak RSS"
		       " %.1f MiB\n", largest.gib, largest.image_size / 1048576.0,
		       snap_walk_seconds(&largest, false) / largest.snap_read.seconds,
		       snap_walk_seconds(&largest, true) / largest.snap_read.cpu_seconds,
		       largest.snap_walk.seconds / largest.snap_read.seconds,
		       largest.snap_walk.max_rss_kib / 1024.0);
	return 0;
}
