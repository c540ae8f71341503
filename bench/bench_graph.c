// SPDX-License-Identifier: GPL-2.0
/*
 * Graph benchmark: read and check synthetic states of 1k, 10k and 100k
 * devices (one device per domain, as the next kernel restores them, 4096
 * per VT-d unit, one 4 KiB page mapped per domain) built in memory by the
 * command tests' state builder: every check but the IO page table walks,
 * whose cost is the object graph's, then every check, next to a plain
 * memcpy of the same image, the floor for anything that reads it all;
 * then the same states through the real `iolu check --input` on a
 * snapshot. Each in its own child process.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "measure.h"
#include "state_builder.h"

#define COPY_CHUNK	(1u << 20)

static const struct sb_config graph_config = {
	.devices_per_domain = 1, .devices_per_unit = 4096, .pages_per_domain = 1,
};

/*
 * One case of the in-process table, run in a child that builds its own
 * image first: a child forked from a parent holding the image would pay a
 * copy-on-write fault for each page of the parent's heap it reuses, which
 * `iolu check` never does.
 */
struct check_case {
	unsigned int nr_devices;
	unsigned int checks;	/* IOLU_CHECK_*; 0: the memcpy baseline */
};

/* What a case reports in its values. */
enum {
	CASE_FINDINGS,
	CASE_OBJECTS,
	CASE_IMAGE_PAGES,
	CASE_NSEC,		/* the timed part alone */
	CASE_RSS_KIB,		/* resident when it started */
	CASE_PEAK_KIB,		/* peak resident while it ran */
};

static long status_kib(const char *key)
{
	char line[128];
	long kib = 0;
	FILE *status = fopen("/proc/self/status", "r");

	while (status && fgets(line, sizeof(line), status))
		if (!strncmp(line, key, strlen(key)))
			kib = strtol(line + strlen(key), NULL, 10);
	if (status)
		fclose(status);
	return kib;
}

/*
 * Start a new peak at the current RSS (clear_refs "5"), so that the peak
 * read after the timed part is its own, not the image builder's.
 */
static void reset_peak_rss(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "5", 1) != 1)
			fprintf(stderr, "iolu-bench: cannot reset the peak RSS\n");
		close(fd);
	}
}

/*
 * Through iolu_verify(), the one entry point the commands take: the graph
 * and the KHO map read, then the families of rules the case asks for.
 */
static int verify_image(struct sb_image *image, unsigned int checks,
			uint64_t values[MEASURE_VALUES])
{
	struct iolu_range ram_range;
	struct iolu_ranges ram = sb_ram(image, &ram_range);
	struct iolu_memory_source desc = {
		.mem = sb_mem(image), .side = IOLU_SIDE_OUTGOING,
		.header_pa = image->header_pa, .kho_fdt = image->fdt,
		.kho_fdt_len = image->fdt_len, .ram = &ram,
	};
	struct iolu_verify_opts opts = { .checks = checks };
	struct iolu_findings findings;
	struct iolu_model model = { 0 };
	struct iolu_source *source = NULL;
	struct iolu_err err = { 0 };
	int rc;

	iolu_findings_init(&findings);
	rc = iolu_source_open_memory(&desc, &source, &err);
	if (!rc)
		rc = iolu_verify(source, &opts, &model, &findings, &err);
	if (rc)
		fprintf(stderr, "iolu-bench: check failed: %s\n", err.msg);
	values[CASE_FINDINGS] = findings.nr + findings.dropped;
	values[CASE_OBJECTS] = model.state.nr_units + model.state.nr_domains +
			       model.state.nr_devices;
	if (findings.nr)
		fprintf(stderr, "iolu-bench: unexpected finding %s: %s\n",
			findings.items[0].rule, findings.items[0].message);
	iolu_model_free(&model);
	iolu_source_close(source);
	iolu_findings_free(&findings);
	return rc;
}

/* The baseline: the whole image read once, through the check's iolu_mem. */
static int copy_image(struct sb_image *image)
{
	struct iolu_mem mem = sb_mem(image);
	struct iolu_range ram;
	char *buffer = malloc(COPY_CHUNK);
	uint64_t offset, sum = 0;
	int rc = 0;

	if (!buffer)
		return -ENOMEM;
	sb_ram(image, &ram);
	for (offset = 0; !rc && offset < ram.size; offset += COPY_CHUNK) {
		size_t len = ram.size - offset < COPY_CHUNK ? ram.size - offset : COPY_CHUNK;

		rc = mem.read(mem.ctx, ram.start + offset, buffer, len);
		sum += (unsigned char)buffer[len - 1];
	}
	free(buffer);
	/* Use the sum, so that the reads stay. */
	return rc ? rc : sum == UINT64_MAX ? -EIO : 0;
}

static int run_case(void *ctx, uint64_t values[MEASURE_VALUES])
{
	const struct check_case *check = ctx;
	struct sb_config config = graph_config;
	struct sb_image image;
	double start;
	int rc;

	config.nr_devices = check->nr_devices;
	rc = sb_build(&config, &image);
	if (rc)
		return rc;
	values[CASE_IMAGE_PAGES] = image_nr_pages(image.memory);
	reset_peak_rss();
	values[CASE_RSS_KIB] = (uint64_t)status_kib("VmRSS:");
	start = measure_now();
	rc = check->checks ? verify_image(&image, check->checks, values) :
			     copy_image(&image);
	values[CASE_NSEC] = (uint64_t)((measure_now() - start) * 1e9);
	values[CASE_PEAK_KIB] = (uint64_t)status_kib("VmHWM:");
	sb_free(&image);
	return rc;
}

/* The limit for `iolu check --input`: read the snapshot file once. */
static int run_read_file(void *ctx, uint64_t values[MEASURE_VALUES])
{
	const char *path = ctx;
	char *buffer = malloc(COPY_CHUNK);
	uint64_t total = 0;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buffer) {
		free(buffer);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : -ENOMEM;
	}
	while ((got = read(fd, buffer, COPY_CHUNK)) > 0)
		total += (uint64_t)got;
	close(fd);
	free(buffer);
	values[0] = total;
	return got < 0 ? -EIO : 0;
}

/*
 * The whole command: the image written as a fake live kernel and freed,
 * saved with `iolu snapshot` (not timed), then `iolu check --input` timed
 * as a process next to one read() pass over the snapshot file.
 */
static int bench_command(const char *iolu, const char *dir, struct sb_image *image,
			 unsigned int nr_devices)
{
	char live[4096], debugfs[4200], kcore[4200], snap[4200];
	char *snapshot_argv[] = { (char *)iolu, "snapshot", "--debugfs", debugfs,
				  "--kcore", kcore, snap, NULL };
	char *check_argv[] = { (char *)iolu, "check", "--input", snap, NULL };
	struct measure saved, check, read_pass;
	struct stat st;
	int rc;

	snprintf(live, sizeof(live), "%s/graph-%u", dir, nr_devices);
	snprintf(debugfs, sizeof(debugfs), "%s/debugfs", live);
	snprintf(kcore, sizeof(kcore), "%s/kcore", live);
	snprintf(snap, sizeof(snap), "%s.snap", live);
	rc = sb_write_live(image, IOLU_SIDE_OUTGOING, live);
	/* Forked children would count the image as theirs. */
	sb_free(image);
	if (!rc)
		rc = measure_command(snapshot_argv, &saved);
	/* The fake kcore is as large as the image: drop it before timing. */
	unlink(kcore);
	if (!rc && saved.values[0])
		rc = -EIO;
	if (!rc)
		rc = measure_command(check_argv, &check);
	if (!rc)
		rc = measure_child(run_read_file, snap, &read_pass);
	if (!rc && (check.values[0] || read_pass.rc))
		rc = -EIO;
	if (!rc && stat(snap, &st))
		rc = -errno;
	unlink(snap);
	if (rc) {
		fprintf(stderr, "iolu-bench: %u devices: iolu snapshot/check failed (%s)\n",
			nr_devices, strerror(-rc));
		return rc;
	}
	printf("%8u %9.1f %9.1f %9.2f %8.1f %9.1f %9.1f\n", nr_devices,
	       st.st_size / 1048576.0, check.seconds * 1e3, read_pass.seconds * 1e3,
	       check.seconds / read_pass.seconds, check.max_rss_kib / 1024.0,
	       read_pass.max_rss_kib / 1024.0);
	fflush(stdout);
	return 0;
}

static double case_ms(const struct measure *run)
{
	return run->values[CASE_NSEC] / 1e6;
}

/* The peak memory the timed part added to what its child held. */
static double case_added_mib(const struct measure *run)
{
	double added = (double)run->values[CASE_PEAK_KIB] -
		       (double)run->values[CASE_RSS_KIB];

	return added > 0 ? added / 1024 : 0;
}

static int bench_graph_case(unsigned int nr_devices)
{
	struct check_case graph_case = {
		nr_devices, IOLU_CHECK_ALL & ~IOLU_CHECK_PGTABLES,
	};
	struct check_case full_case = { nr_devices, IOLU_CHECK_ALL };
	struct check_case copy_case = { nr_devices, 0 };
	struct measure graph = { 0 }, full = { 0 }, copy = { 0 };
	double objects;
	int rc;

	rc = measure_child(run_case, &graph_case, &graph);
	if (!rc)
		rc = measure_child(run_case, &full_case, &full);
	if (!rc)
		rc = measure_child(run_case, &copy_case, &copy);
	if (!rc)
		rc = graph.rc ? graph.rc : full.rc ? full.rc : copy.rc;
	if (rc || graph.values[CASE_FINDINGS] || full.values[CASE_FINDINGS]) {
		fprintf(stderr, "iolu-bench: %u devices: case failed (%s, %" PRIu64
			" + %" PRIu64 " findings)\n", nr_devices, strerror(-rc),
			graph.values[CASE_FINDINGS], full.values[CASE_FINDINGS]);
		return -EIO;
	}
	objects = (double)graph.values[CASE_OBJECTS];
	printf("%8u %7.0f %9.1f %9.2f %7.2f %7.1f %10.1f %7.2f %7.1f %9.1f %9.2f\n",
	       nr_devices, objects,
	       graph.values[CASE_IMAGE_PAGES] * 4096.0 / (1 << 20),
	       case_ms(&graph), case_ms(&graph) * 1e3 / objects,
	       case_added_mib(&graph), case_ms(&full),
	       case_ms(&full) * 1e3 / objects, case_added_mib(&full),
	       case_ms(&copy), case_ms(&full) / case_ms(&copy));
	fflush(stdout);
	return 0;
}

static int bench_command_case(const char *iolu, const char *dir, unsigned int nr_devices)
{
	struct sb_config config = graph_config;
	struct sb_image image;
	int rc;

	config.nr_devices = nr_devices;
	rc = sb_build(&config, &image);
	if (!rc)
		rc = bench_command(iolu, dir, &image, nr_devices);
	sb_free(&image);
	return rc;
}

int bench_graph(const char *dir, uint64_t max_devices, const char *iolu)
{
	static const unsigned int sizes[] = { 1000, 10000, 100000 };
	size_t i;
	int rc;

	printf("The graph read and checked in process through iolu_verify() (in-memory\n"
	       "image: 1 device per domain, one 4 KiB page mapped each; each case in a\n"
	       "child that builds the image first, untimed).\n"
	       "graph: every check but the IO page table walks (IOLU_CHECK_ALL &\n"
	       "  ~IOLU_CHECK_PGTABLES): header, chains, units, domains, devices, the\n"
	       "  KHO preservation of the objects and of the VT-d tables, the LUO view\n"
	       "  (these states have no LUO state). The goal \"the check of a 100k-device\n"
	       "  graph stays under 0.1 s\" is this column's.\n"
	       "full:  IOLU_CHECK_ALL, also walking every IO page table; the walks are\n"
	       "  held to the page table part's walk-vs-read goal. copy: a memcpy of the\n"
	       "  image. +MiB: the peak RSS of the timed part above the image.\n");
	printf("%8s %7s %9s %9s %7s %7s %10s %7s %7s %9s %9s\n", "devices",
	       "objects", "image MiB", "graph ms", "us/obj", "+MiB", "full ms",
	       "us/obj", "+MiB", "copy ms", "full/copy");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > max_devices)
			continue;
		rc = bench_graph_case(sizes[i]);
		if (rc)
			return rc;
	}
	if (!iolu)
		return 0;
	printf("\n`%s check --input SNAPSHOT` as a process (snapshot written by iolu\n"
	       "snapshot from the same states as a fake live kernel), next to one read()\n"
	       "pass over the snapshot file\n", iolu);
	printf("%8s %9s %9s %9s %8s %9s %9s\n", "devices", "snap MiB", "check ms",
	       "read ms", "chk/read", "RSS MiB", "read RSS");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > max_devices)
			continue;
		rc = bench_command_case(iolu, dir, sizes[i]);
		if (rc)
			return rc;
	}
	return 0;
}
