// SPDX-License-Identifier: GPL-2.0
/*
 * lu-bench: what preserving and restoring the IOMMU state costs the
 * kernel, for one mapping size, timed from userspace around each ioctl
 * (tools/lab/bench-liveupdate.sh puts it beside the kexec's blackout and
 * the kernel's own boot-time durations).
 *
 *   lu-bench preserve --bdf BDF --size SIZE --session S --results FILE
 *                     --kernel K --initrd I --cmdline C [--iova A]
 *                     [--before-kexec CMD]
 *	edu (bound to vfio-pci) is attached to a HWPT whose IOAS maps a
 *	sealed memfd of SIZE bytes at IOVA A (default 0x4000000, 2 MiB
 *	aligned so that huge folios can become 2 MiB IO pages); edu copies
 *	through its first pages. Then, each timed on its own: the HWPT is
 *	marked, and the memfd, the iommufd and the vfio device are preserved
 *	in session S. CMD runs, edu starts a transfer that lands during the
 *	kexec, and the process reboots into K.
 *
 *   lu-bench restore --session S --results FILE [--iova A]
 *	retrieve, each timed on its own: the iommufd (which rebuilds the IOAS
 *	and HWPT and pins the pages; it retrieves the memfd it maps too, as
 *	LUO hands out no memfd a restored domain maps before its pages are
 *	pinned: the scenario times that part in the kernel), its restored
 *	HWPT, the memfd, the vfio device, its bind and its attach to the
 *	restored HWPT; check the transfer that landed during the kexec and
 *	copy through the mapping again; finish the session (timed too).
 *
 *   lu-bench clock --results FILE
 *	in the next kernel: the TSC when it started /init, for the blackout
 *	on the guest's own clock (see do_clock()).
 *
 * FILE gets one "KEY VALUE" line per measurement (times in nanoseconds,
 * CLOCK_MONOTONIC; TSC readings and the TSC's rate in kHz) and per fact
 * of the run (sizes, the memfd's huge pages as /proc/meminfo's
 * ShmemHugePages counts them), appended, so that both kernels write to
 * the same file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "edu.h"
#include "iommufd_ops.h"
#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"
#include "vfio_cdev.h"

#define DEFAULT_IOVA	0x4000000ULL
/* edu only reaches bus addresses below 256 MiB: its transfers stay in here. */
#define EDU_LIMIT	0x10000000ULL
#define WINDOW		0x10000ULL	/* the memfd's first bytes, which edu uses */
#define OFF_SOURCE	0x0000ULL	/* the pattern edu reads */
#define OFF_COPY	0x4000ULL	/* where edu writes it back */
#define OFF_IN_FLIGHT	0x8000ULL	/* written while the kernel is replaced */
#define OFF_AFTER	0xc000ULL	/* the copy after the restore */
#define DMA_LEN		2048u
#define DMA_TIMEOUT_MS	5000
#define HUGE_ALIGN	(2ULL << 20)
#define PAGE_BYTES	4096ULL
#define SEED		0x1b5e2c0ffee
#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_HWPT	0x10

struct bench_args {
	const char *bdf, *session, *results, *kernel, *initrd, *cmdline, *before_kexec;
	uint64_t size, iova;
};

struct bench {
	const struct bench_args *args;
	FILE *results;
	struct vfio_cdev edu;
	uint8_t *window;	/* the memfd's first WINDOW bytes, mapped */
	int memfd, iommufd, luo_fd, session_fd;
	uint32_t dev_id, ioas_id, hwpt_id;
	uint64_t started;	/* of the step being timed */
};

static const char *prog = "lu-bench";

__attribute__((format(printf, 2, 3)))
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	fputc('\n', stderr);
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void record(struct bench *b, const char *key, uint64_t value)
{
	fprintf(b->results, "%s %" PRIu64 "\n", key, value);
}

static void timer_start(struct bench *b)
{
	b->started = now_ns();
}

/* Record the time since timer_start() under @key when @err is 0. */
static int timer_stop(struct bench *b, const char *key, int err)
{
	uint64_t elapsed = now_ns() - b->started;

	if (err)
		return fail(err, "%s", key);
	record(b, key, elapsed);
	return 0;
}

/* The results must reach the host before the kexec, and the next kernel's after them. */
static int flush_results(struct bench *b)
{
	if (fflush(b->results) || fsync(fileno(b->results)))
		return fail(-errno, "write %s", b->args->results);
	return 0;
}

/* ShmemHugePages of /proc/meminfo in bytes; 0 when the kernel has no THP. */
static uint64_t shmem_huge_bytes(void)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *meminfo = fopen("/proc/meminfo", "r");

	if (!meminfo)
		return 0;
	while (fgets(line, sizeof(line), meminfo))
		if (sscanf(line, "ShmemHugePages: %llu kB", &kib) == 1)
			break;
	fclose(meminfo);
	return kib * 1024;
}

static int map_window(struct bench *b)
{
	b->window = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, b->memfd, 0);
	if (b->window == MAP_FAILED)
		return fail(-errno, "mmap of the memfd's first %llu bytes", WINDOW);
	return 0;
}

/*
 * A sealed memfd of the size asked, its pages allocated up front so that
 * the map below times mapping, not allocating; the huge pages the
 * allocation added are the memfd's (nothing else runs in the guest).
 */
static int create_memfd(struct bench *b)
{
	uint64_t huge_before = shmem_huge_bytes();
	int err;

	b->memfd = memfd_create("lu-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->memfd < 0)
		return fail(-errno, "memfd_create");
	if (ftruncate(b->memfd, b->args->size) < 0)
		return fail(-errno, "ftruncate to %" PRIu64 " bytes", b->args->size);
	timer_start(b);
	err = fallocate(b->memfd, 0, 0, b->args->size) < 0 ? -errno : 0;
	if (timer_stop(b, "memfd_alloc_ns", err))
		return 1;
	/* Only a memfd whose size cannot change may back a preserved mapping. */
	if (fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return fail(-errno, "F_ADD_SEALS");
	record(b, "memfd_bytes", b->args->size);
	record(b, "memfd_huge_bytes", shmem_huge_bytes() - huge_before);
	return map_window(b);
}

static int attach_edu(struct bench *b)
{
	int err = vfio_cdev_open(b->args->bdf, &b->edu);

	if (err)
		return fail(err, "open the vfio cdev of %s", b->args->bdf);
	b->iommufd = iommufd_open();
	if (b->iommufd < 0)
		return fail(b->iommufd, "open " IOMMUFD_DEVICE);
	err = vfio_cdev_bind_iommufd(&b->edu, b->iommufd, &b->dev_id);
	if (!err)
		err = iommufd_ioas_alloc(b->iommufd, &b->ioas_id);
	if (!err)
		err = iommufd_hwpt_alloc(b->iommufd, b->dev_id, b->ioas_id, &b->hwpt_id);
	if (!err)
		err = vfio_cdev_attach(&b->edu, b->hwpt_id);
	if (!err)
		err = edu_enable_bus_master(&b->edu);
	return err ? fail(err, "bind edu, allocate an IOAS and a HWPT, attach edu to it") : 0;
}

static int map_memfd(struct bench *b)
{
	timer_start(b);
	return timer_stop(b, "map_ns", iommufd_map_file(b->iommufd, b->ioas_id, b->memfd, 0,
							 b->args->size, b->args->iova));
}

static int transfer(struct bench *b, enum edu_dma_dir dir, uint64_t offset)
{
	uint64_t iova = b->args->iova + offset;
	int err = edu_dma_start(&b->edu, dir, iova, 0, DMA_LEN);

	if (!err)
		err = edu_dma_wait(&b->edu, DMA_TIMEOUT_MS);
	return err ? fail(err, "edu DMA %s IOVA 0x%" PRIx64,
			  dir == EDU_TO_DEVICE ? "from" : "to", iova) : 0;
}

static int expect_pattern(struct bench *b, uint64_t offset, const char *what)
{
	size_t bad = pattern_check(b->window + offset, DMA_LEN, SEED);

	if (bad == DMA_LEN)
		return 0;
	return fail(0, "%s: memfd offset 0x%" PRIx64 " byte %zu is 0x%02x, expected 0x%02x",
		    what, offset + bad, bad, b->window[offset + bad], pattern_byte(SEED, bad));
}

/* edu reads the pattern at OFF_SOURCE and writes it to @dst, through the mapping. */
static int copy_through(struct bench *b, uint64_t dst)
{
	memset(b->window + dst, 0, DMA_LEN);
	if (transfer(b, EDU_TO_DEVICE, OFF_SOURCE) || transfer(b, EDU_FROM_DEVICE, dst))
		return 1;
	return expect_pattern(b, dst, "edu's copy through the mapping");
}

static int preserve_fd(struct bench *b, int fd, uint64_t token, const char *key)
{
	timer_start(b);
	return timer_stop(b, key, luo_preserve_fd(b->session_fd, fd, token));
}

/* Each step timed on its own, in the order the handlers require. */
static int preserve_all(struct bench *b)
{
	b->luo_fd = luo_open();
	if (b->luo_fd < 0)
		return fail(b->luo_fd, "open " LUO_DEVICE);
	timer_start(b);
	if (timer_stop(b, "mark_ns", iommufd_hwpt_set_preserve(b->iommufd, b->hwpt_id,
								 TOKEN_HWPT)))
		return 1;
	b->session_fd = luo_create_session(b->luo_fd, b->args->session);
	if (b->session_fd < 0)
		return fail(b->session_fd, "create session '%s'", b->args->session);
	return preserve_fd(b, b->memfd, TOKEN_MEMFD, "memfd_preserve_ns") ||
	       preserve_fd(b, b->iommufd, TOKEN_IOMMUFD, "iommufd_preserve_ns") ||
	       preserve_fd(b, b->edu.fd, TOKEN_VFIO, "device_preserve_ns");
}

static int run_hook(const char *command)
{
	int status;

	printf("%s: running: %s\n", prog, command);
	fflush(stdout);
	status = system(command);
	return status ? fail(0, "'%s' failed (wait status %d)", command, status) : 0;
}

/* edu writes its buffer while the kernel is being replaced: the restore finds it. */
static int kexec_with_dma_in_flight(struct bench *b)
{
	const struct bench_args *args = b->args;
	const char *failed = NULL;
	int err;

	if (args->before_kexec && run_hook(args->before_kexec))
		return 1;
	err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);
	if (err)
		return fail(err, "kexec_file_load (%s)", failed ? failed : "kernel, initrd and cmdline");
	/* edu runs it ~100 ms from now (QEMU's edu delays every transfer). */
	err = edu_dma_start(&b->edu, EDU_FROM_DEVICE, args->iova + OFF_IN_FLIGHT, 0, DMA_LEN);
	if (err)
		return fail(err, "start the in-flight edu DMA");
	/* The blackout on the guest's clock starts here (the TSC runs on across the kexec). */
	record(b, "kexec_tsc", __rdtsc());
	if (fflush(b->results))
		return fail(-errno, "write %s", args->results);
	return fail(kexec_reboot(), "reboot(LINUX_REBOOT_CMD_KEXEC)");
}

static int do_preserve(struct bench *b)
{
	if (create_memfd(b) || attach_edu(b) || map_memfd(b))
		return 1;
	pattern_fill(b->window + OFF_SOURCE, DMA_LEN, SEED);
	memset(b->window + OFF_IN_FLIGHT, 0, DMA_LEN);
	if (copy_through(b, OFF_COPY) || preserve_all(b) || flush_results(b))
		return 1;
	printf("%s: %" PRIu64 " bytes mapped at IOVA 0x%" PRIx64 " preserved in session '%s'\n",
	       prog, b->args->size, b->args->iova, b->args->session);
	return kexec_with_dma_in_flight(b);
}

/* Retrieve the file of @token, timed under @key; its fd or -1. */
static int retrieve_fd(struct bench *b, uint64_t token, const char *key)
{
	int fd;

	timer_start(b);
	fd = luo_retrieve_fd(b->session_fd, token);
	return timer_stop(b, key, fd < 0 ? fd : 0) ? -1 : fd;
}

static int retrieve_iommufd(struct bench *b)
{
	b->iommufd = retrieve_fd(b, TOKEN_IOMMUFD, "iommufd_retrieve_ns");
	if (b->iommufd < 0)
		return 1;
	timer_start(b);
	if (timer_stop(b, "get_restored_ns",
		       iommufd_hwpt_get_restored(b->iommufd, TOKEN_HWPT, &b->hwpt_id,
						 &b->ioas_id)))
		return 1;
	return b->hwpt_id ? 0 : fail(0, "the retrieved iommufd restored no HWPT for token 0x%x",
				     TOKEN_HWPT);
}

static int reattach_edu(struct bench *b)
{
	int fd = retrieve_fd(b, TOKEN_VFIO, "device_retrieve_ns");

	if (fd < 0)
		return 1;
	if (vfio_cdev_adopt(fd, &b->edu))
		return fail(0, "VFIO_DEVICE_GET_REGION_INFO on the retrieved device");
	timer_start(b);
	if (timer_stop(b, "bind_ns", vfio_cdev_bind_iommufd(&b->edu, b->iommufd, &b->dev_id)))
		return 1;
	timer_start(b);
	return timer_stop(b, "attach_ns", vfio_cdev_attach(&b->edu, b->hwpt_id));
}

static int finish(struct bench *b)
{
	timer_start(b);
	return timer_stop(b, "finish_ns", luo_finish_session(b->session_fd));
}

static int do_restore(struct bench *b)
{
	b->luo_fd = luo_open();
	if (b->luo_fd < 0)
		return fail(b->luo_fd, "open " LUO_DEVICE);
	b->session_fd = luo_retrieve_session(b->luo_fd, b->args->session);
	if (b->session_fd < 0)
		return fail(b->session_fd, "retrieve session '%s'", b->args->session);
	if (retrieve_iommufd(b))
		return 1;
	b->memfd = retrieve_fd(b, TOKEN_MEMFD, "memfd_retrieve_ns");
	if (b->memfd < 0 || reattach_edu(b) || map_window(b) ||
	    expect_pattern(b, OFF_IN_FLIGHT, "the transfer in flight during the kexec") ||
	    copy_through(b, OFF_AFTER) || finish(b) || flush_results(b))
		return 1;
	printf("%s: restored; edu's DMA went on through the kexec\n", prog);
	return 0;
}

#define KMSG_RECORD	8192
#define INIT_LINE	"Run /init as init process"
#define MARK_LINE	"lu-bench: clock mark "

/* Timestamps (µs of the kernel's log clock) of the records this kernel logged. */
struct log_times {
	uint64_t init_us;	/* when the kernel started /init */
	uint64_t mark_us[2];	/* of the marks do_clock() wrote */
	bool found_init, found_mark[2];
};

static int write_mark(int kmsg, unsigned int i, uint64_t tsc)
{
	char line[96];
	/* A record without its newline is not final: no reader would see it yet. */
	int len = snprintf(line, sizeof(line), "<6>" MARK_LINE "%u, TSC %" PRIu64 "\n", i, tsc);

	return write(kmsg, line, len) == len ? 0 : fail(-errno, "write /dev/kmsg");
}

/* One /dev/kmsg record: "PRIORITY,SEQUENCE,MICROSECONDS,FLAGS;MESSAGE\n...". */
static void scan_record(const char *record, struct log_times *t)
{
	unsigned long long us;
	const char *message = strchr(record, ';');
	unsigned int i;

	if (!message || sscanf(record, "%*u,%*u,%llu", &us) != 1)
		return;
	message++;
	if (!strncmp(message, INIT_LINE "\n", strlen(INIT_LINE) + 1)) {
		t->init_us = us;
		t->found_init = true;
	} else if (sscanf(message, MARK_LINE "%u,", &i) == 1 && i < 2) {
		t->mark_us[i] = us;
		t->found_mark[i] = true;
	}
}

static int read_log(struct log_times *t)
{
	static char record[KMSG_RECORD];
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t len;

	if (kmsg < 0)
		return fail(-errno, "open /dev/kmsg");
	/* Each read is one record; EPIPE: records overwritten, read on. */
	while ((len = read(kmsg, record, sizeof(record) - 1)) > 0 || (len < 0 && errno == EPIPE))
		if (len > 0) {
			record[len] = '\0';
			scan_record(record, t);
		}
	close(kmsg);
	if (!t->found_init)
		return fail(0, "the kernel log no longer holds '" INIT_LINE "'");
	return t->found_mark[0] && t->found_mark[1] ? 0 : fail(0, "lu-bench's marks are not in the kernel log");
}

/*
 * The TSC when this kernel started /init, where run-lab.sh's blackout ends
 * ("userspace up" is /init's first line). The kernel's log clock says how
 * long ago that was, and two marks logged with the TSC read just before
 * each give the TSC's rate against that clock. With kexec_tsc, recorded
 * just before the kexec, it gives the blackout on the guest's clock: on
 * QEMU's instruction clock, the one the kernel's own durations are on.
 */
static int do_clock(struct bench *b)
{
	const struct timespec pause = { .tv_nsec = 100 * 1000 * 1000 };
	struct log_times t = { 0 };
	uint64_t tsc[2];
	double per_us;
	int kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (kmsg < 0)
		return fail(-errno, "open /dev/kmsg");
	tsc[0] = __rdtsc();
	if (write_mark(kmsg, 0, tsc[0]) || nanosleep(&pause, NULL))
		return 1;
	tsc[1] = __rdtsc();
	if (write_mark(kmsg, 1, tsc[1]) || read_log(&t))
		return 1;
	close(kmsg);
	if (t.mark_us[1] <= t.mark_us[0] || t.mark_us[0] < t.init_us)
		return fail(0, "the kernel log's clock did not advance between the marks");
	per_us = (double)(tsc[1] - tsc[0]) / (double)(t.mark_us[1] - t.mark_us[0]);
	record(b, "tsc_khz", (uint64_t)(per_us * 1000));
	record(b, "init_tsc", tsc[0] - (uint64_t)(per_us * (double)(t.mark_us[0] - t.init_us)));
	return flush_results(b);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s preserve --bdf BDF --size SIZE --session S --results FILE\n"
		"                   --kernel K --initrd I --cmdline C [--iova A] [--before-kexec CMD]\n"
		"       %s restore --session S --results FILE [--iova A]\n"
		"       %s clock --results FILE\n"
		"SIZE: a multiple of 4 KiB (K, M, G suffixes); A: 2 MiB aligned, below 0x%llx - 0x%llx\n",
		prog, prog, prog, EDU_LIMIT, WINDOW);
}

static int parse_args(int argc, char **argv, struct bench_args *args)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 'z' },
		{ "iova", required_argument, NULL, 'a' },
		{ "session", required_argument, NULL, 's' },
		{ "results", required_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "before-kexec", required_argument, NULL, 'e' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'b': args->bdf = optarg; break;
		case 's': args->session = optarg; break;
		case 'r': args->results = optarg; break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 'e': args->before_kexec = optarg; break;
		case 'z':
			if (parse_option_number(prog, "--size", optarg, &args->size, parse_size))
				return -EINVAL;
			break;
		case 'a':
			if (parse_option_number(prog, "--iova", optarg, &args->iova, parse_u64))
				return -EINVAL;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return reject_extra_args(prog, argc, argv, optind);
}

/* What is wrong with the arguments of @command, NULL when nothing is. */
static const char *bad_args(const char *command, const struct bench_args *args)
{
	bool preserve = !strcmp(command, "preserve");

	if (!strcmp(command, "clock"))
		return args->results ? NULL : "--results is required";
	if (!args->session || !args->results)
		return "--session and --results are required";
	if (args->iova % HUGE_ALIGN || args->iova + WINDOW > EDU_LIMIT)
		return "--iova must be 2 MiB aligned, with edu's window below 256 MiB";
	if (!preserve)
		return NULL;
	if (!args->bdf || !args->kernel || !args->initrd || !args->cmdline)
		return "--bdf, --kernel, --initrd and --cmdline are required";
	if (args->size < WINDOW || args->size % PAGE_BYTES)
		return "--size must be a multiple of 4 KiB, 64 KiB or more";
	if (args->iova + args->size < args->iova)
		return "--iova + --size wraps around";
	return NULL;
}

int main(int argc, char **argv)
{
	struct bench_args args = { .iova = DEFAULT_IOVA };
	struct bench b = { .args = &args, .edu = { .fd = -1 }, .memfd = -1, .iommufd = -1 };
	static const struct {
		const char *name;
		int (*run)(struct bench *b);
	} commands[] = {
		{ "preserve", do_preserve }, { "restore", do_restore }, { "clock", do_clock },
	};
	const char *problem;
	size_t i;

	for (i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			break;
	if (argc < 2 || i == sizeof(commands) / sizeof(commands[0])) {
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &args))
		return 2;
	problem = bad_args(argv[1], &args);
	if (problem) {
		fprintf(stderr, "%s %s: %s\n", prog, argv[1], problem);
		return 2;
	}
	b.results = fopen(args.results, "a");
	if (!b.results)
		return fail(-errno, "open %s", args.results);
	return commands[i].run(&b);
}
