// SPDX-License-Identifier: GPL-2.0
/*
 * Graph benchmark: read and check synthetic states of 1k, 10k and 100k
 * devices (one device per domain, as the next kernel restores them, 4096
 * per VT-d unit, one 4 KiB page mapped per domain) built in memory by the
 * command tests' state builder,
 * next to a plain memcpy of the same image, the floor for anything that
 * reads it; then the same states through the real `iolu check --input`
 * on a snapshot. Each in its own child process.
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

static int run_check(void *ctx, uint64_t values[MEASURE_VALUES])
{
	struct sb_image *image = ctx;
	struct iolu_mem mem = sb_mem(image);
	struct iolu_range ram_range;
	struct iolu_ranges ram = sb_ram(image, &ram_range);
	struct iolu_check_opts opts = { .checks = IOLU_CHECK_ALL, .ram = &ram };
	struct iolu_findings findings;
	struct iolu_kho_map *kho = NULL;
	struct iolu_state state = { 0 };
	struct iolu_err err = { 0 };
	int rc;

	iolu_findings_init(&findings);
	rc = iolu_kho_map_load(&mem, image->kho_root_pa, &kho, &err);
	if (!rc)
		rc = iolu_state_read(&mem, image->header_pa, &state, &findings, &err);
	opts.kho = kho;
	if (!rc)
		rc = iolu_check(&mem, &state, &opts, &findings);
	if (rc)
		fprintf(stderr, "iolu-bench: check failed: %s\n", err.msg);
	values[0] = findings.nr + findings.dropped;
	values[1] = state.nr_units + state.nr_domains + state.nr_devices;
	if (findings.nr)
		fprintf(stderr, "iolu-bench: unexpected finding %s: %s\n",
			findings.items[0].rule, findings.items[0].message);
	iolu_state_free(&state);
	iolu_kho_map_free(kho);
	iolu_findings_free(&findings);
	return rc;
}

/* The baseline: the whole image read once, through the check's iolu_mem. */
static int run_copy(void *ctx, uint64_t values[MEASURE_VALUES])
{
	struct sb_image *image = ctx;
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
	values[0] = sum;
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

static const struct sb_config graph_config = {
	.devices_per_domain = 1, .devices_per_unit = 4096, .pages_per_domain = 1,
};

static int bench_graph_case(unsigned int nr_devices)
{
	struct sb_config config = graph_config;
	struct measure check = { 0 }, copy = { 0 };
	struct sb_image image;
	double image_mib, nr_objects;
	int rc;

	config.nr_devices = nr_devices;
	rc = sb_build(&config, &image);
	if (!rc)
		rc = measure_child(run_check, &image, &check);
	if (!rc)
		rc = measure_child(run_copy, &image, &copy);
	image_mib = image.memory ?
		    image_nr_pages(image.memory) * 4096.0 / (1 << 20) : 0;
	nr_objects = (double)image.nr_units + image.nr_domains + image.nr_devices;
	sb_free(&image);
	if (rc || check.rc || copy.rc || check.values[0]) {
		fprintf(stderr, "iolu-bench: %u devices: case failed (%s, %" PRIu64
			" findings)\n", nr_devices,
			strerror(-(rc ? rc : check.rc ? check.rc : copy.rc)), check.values[0]);
		return -EIO;
	}
	printf("%8u %7.0f %9.1f %9.3f %9.3f %8.1f %10.2f %9.1f %9.1f\n", nr_devices,
	       nr_objects, image_mib, check.seconds * 1e3, copy.seconds * 1e3,
	       check.seconds / copy.seconds, check.seconds * 1e6 / nr_objects,
	       check.max_rss_kib / 1024.0, copy.max_rss_kib / 1024.0);
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

	printf("Graph read + every check, in process (in-memory image: 1 device per domain,\n"
	       "one 4 KiB page mapped each), next to a memcpy of the same image\n");
	printf("%8s %7s %9s %9s %9s %8s %10s %9s %9s\n", "devices", "objects",
	       "image MiB", "check ms", "copy ms", "chk/copy", "us per obj",
	       "RSS MiB", "copy RSS");
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
