// SPDX-License-Identifier: GPL-2.0
/*
 * map-loop: a tight iommufd map/unmap loop on a real device, the workload
 * of the tracer's benchmark and lab test.
 *
 *   map-loop --device /dev/vfio/devices/vfioN --iterations N [--iova A]
 *
 * Binds the VFIO cdev to a new iommufd, attaches it to a new IOAS (which
 * gives the device a paging domain), then maps and unmaps one 4 KiB page
 * at a fixed IOVA N times. Prints one line: iterations, seconds, and
 * operations per second (one map plus one unmap is two operations).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>


#include "iommufd_ops.h"
#include "parse.h"
#include "vfio_cdev.h"

#define PAGE_BYTES 4096

static const char *prog = "map-loop";

struct map_loop_args {
	const char *device;
	uint64_t iterations;
	uint64_t iova;
};

static int report(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return -1;
}

static int fail(const char *what)
{
	return report(what, -errno);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: %s --device /dev/vfio/devices/vfioN --iterations N [--iova ADDR]\n",
		prog);
}

static int parse_args(int argc, char **argv, struct map_loop_args *args)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "iova", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	args->iova = 0x100000;	/* below edu's 28-bit DMA limit */
	while ((opt = getopt_long(argc, argv, "d:n:a:h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			args->device = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &args->iterations) || !args->iterations) {
				fprintf(stderr, "%s: --iterations: '%s' is not a positive number\n",
					prog, optarg);
				return -1;
			}
			break;
		case 'a':
			if (parse_u64(optarg, &args->iova) || args->iova % PAGE_BYTES) {
				fprintf(stderr, "%s: --iova: '%s' is not a page-aligned address\n",
					prog, optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!args->device || !args->iterations || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* iommufd + IOAS + the device bound and attached. */
static int setup_ioas(const char *device, int *iommufd, struct vfio_cdev *dev,
		      uint32_t *ioas_id)
{
	uint32_t dev_id;
	int err;

	*iommufd = iommufd_open();
	if (*iommufd < 0)
		return report("open " IOMMUFD_DEVICE, *iommufd);
	dev->fd = open(device, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0)
		return report(device, -errno);
	err = vfio_cdev_bind_iommufd(dev, *iommufd, &dev_id);
	if (err)
		return report("VFIO_DEVICE_BIND_IOMMUFD", err);
	err = iommufd_ioas_alloc(*iommufd, ioas_id);
	if (err)
		return report("IOMMU_IOAS_ALLOC", err);
	err = vfio_cdev_attach(dev, *ioas_id);
	return err ? report("VFIO_DEVICE_ATTACH_IOMMUFD_PT", err) : 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_loop(int iommufd, uint32_t ioas_id, const struct map_loop_args *args)
{
	double start, elapsed;
	void *buffer;
	uint64_t i;
	int err;

	buffer = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buffer == MAP_FAILED)
		return fail("mmap");
	start = now_seconds();
	for (i = 0; i < args->iterations; i++) {
		err = iommufd_map_user(iommufd, ioas_id, buffer, PAGE_BYTES, args->iova);
		if (err)
			return report("IOMMU_IOAS_MAP", err);
		err = iommufd_unmap(iommufd, ioas_id, args->iova, PAGE_BYTES);
		if (err)
			return report("IOMMU_IOAS_UNMAP", err);
	}
	elapsed = now_seconds() - start;
	printf("%s: %llu iterations in %.3f s: %.0f ops/s\n", prog,
	       (unsigned long long)args->iterations, elapsed,
	       elapsed > 0 ? 2.0 * (double)args->iterations / elapsed : 0.0);
	munmap(buffer, PAGE_BYTES);
	return 0;
}

int main(int argc, char **argv)
{
	struct map_loop_args args = { 0 };
	struct vfio_cdev dev = { .fd = -1 };
	int iommufd = -1, ret;
	uint32_t ioas_id = 0;

	if (parse_args(argc, argv, &args))
		return 2;
	ret = setup_ioas(args.device, &iommufd, &dev, &ioas_id);
	if (!ret)
		ret = run_loop(iommufd, ioas_id, &args);
	if (dev.fd >= 0)
		close(dev.fd);
	if (iommufd >= 0)
		close(iommufd);
	return ret ? 1 : 0;
}
