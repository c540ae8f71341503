// SPDX-License-Identifier: GPL-2.0
/*
 * lu-punch: a hole punched in a retrieved memfd must not free a page the
 * restored IO page table still maps (issue 14, defect 3: pages nobody
 * holds).
 *
 *   lu-punch preserve --bdf BDF --session S --seed X --pa-file F
 *                     --kernel K --initrd I --cmdline C
 *	kernel 1: edu gets a HWPT over an IOAS mapping a sealed memfd at
 *	IOVA_BASE and copies a pattern to offset PUNCH_OFF through it. The
 *	physical address of that page goes to F: memfd live update hands
 *	its folios over where they are, so the next kernel finds the page
 *	at the same address. The HWPT is marked; memfd, iommufd and device
 *	are preserved in session S; kexec.
 *
 *   lu-punch punch --session S --seed X --pa-file F
 *	kernel 2: retrieve the memfd first and punch a hole of one page at
 *	PUNCH_OFF in it before asking for anything else, then take the rest
 *	back (below), and check that the page edu writes
 *	at IOVA_BASE + PUNCH_OFF is still held: edu's DMA lands at the
 *	recorded physical address (read through /proc/kcore) while the
 *	memfd reads zeros there, and once another process has allocated and
 *	written most of the free memory, the page still holds what edu
 *	wrote; edu writes it once more. A page nobody holds is handed to the
 *	next allocation and overwritten. After the finish the IOVA range is
 *	unmapped, which releases the pin.
 *
 * Taking back: with the iommufd restore, the retrieved iommufd rebuilds
 * the HWPT and pins the memfd's pages (IOMMU_HWPT_LU_GET_RESTORED finds
 * it), and the retrieved device binds to it and attaches to that HWPT. A
 * kernel without that restore does not know the ioctl (ENOTTY): the
 * memfd and device alone are used, as before it, so that the same binary
 * shows the defect there. Which flow ran is printed.
 *
 * Every check prints one "ok: punch: ..." or "FAIL: punch: ..." line
 * (tests/lab/iommu-lu.t reads them); the first failure ends the program
 * with exit 1, as what follows depends on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"
#include "expect.h"
#include "iommufd_ops.h"
#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"
#include "physmem.h"
#include "vfio_cdev.h"

/* edu only reaches bus addresses below 256 MiB. */
#define IOVA_BASE	0x4000000ULL
#define MEMFD_SIZE	(2ULL << 20)
#define PAGE		4096ULL
#define SOURCE_OFF	0x000000ULL	/* the patterns edu reads */
#define PUNCH_OFF	0x100000ULL	/* the page edu writes and the hole goes */
/* Most of the page: edu moves at most EDU_MAX_TRANSFER bytes at once. */
#define DMA_LEN		4032u

#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_HWPT	0x10

#define DMA_TIMEOUT_MS	5000
/* What the pressure writes at the start of each of its pages. */
#define PRESSURE_BYTE	0xc3
#define PRESSURE_MARK	16
#define PRESSURE_PERCENT 90

/* The patterns of kernel 1, of the DMA after the punch and after the pressure. */
#define SEED_PUNCHED	0x9e3779b97f4a7c15ULL
#define SEED_PRESSED	0xc2b2ae3d27d4eb4fULL

struct punch_args {
	const char *bdf, *session, *pa_file, *kernel, *initrd, *cmdline;
	uint64_t seed;
	bool have_seed;
};

struct punch {
	struct vfio_cdev edu;
	uint8_t *memory;	/* the memfd, mapped */
	int memfd, iommufd, luo_fd, session_fd;
	uint32_t dev_id, ioas_id, hwpt_id;
	bool restored;		/* the iommufd restored the HWPT (and pins) */
	uint64_t pa;		/* where the page at PUNCH_OFF is */
};

static const char *prog = "lu-punch";

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

/* The checks return true when they pass; the steps 0, or 1 after a message. */
static int step_result(bool passed)
{
	return passed ? 0 : 1;
}

/* The name of a check; one static buffer: use it before building the next. */
__attribute__((format(printf, 1, 2)))
static const char *check(const char *fmt, ...)
{
	static char what[256];
	int len = snprintf(what, sizeof(what), "punch: ");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what + len, sizeof(what) - len, fmt, ap);
	va_end(ap);
	return what;
}

static int transfer(struct punch *p, enum edu_dma_dir dir, uint64_t offset)
{
	uint64_t iova = IOVA_BASE + offset;
	char what[96];
	int err = edu_dma_start(&p->edu, dir, iova, 0, DMA_LEN);

	if (!err)
		err = edu_dma_wait(&p->edu, DMA_TIMEOUT_MS);
	if (!err)
		return 0;
	snprintf(what, sizeof(what), "edu DMA %s IOVA 0x%llx",
		 dir == EDU_TO_DEVICE ? "from" : "to", (unsigned long long)iova);
	return fail(what, err);
}

/*
 * edu copies @seed's pattern, written at SOURCE_OFF through the memfd
 * (whose page there nobody punches), to IOVA_BASE + PUNCH_OFF.
 */
static int dma_to_punch_page(struct punch *p, uint64_t seed)
{
	pattern_fill(p->memory + SOURCE_OFF, DMA_LEN, seed);
	return transfer(p, EDU_TO_DEVICE, SOURCE_OFF) ||
	       transfer(p, EDU_FROM_DEVICE, PUNCH_OFF);
}

/* Report the first byte of @buf that is not @seed's pattern; whether all are. */
static bool holds_pattern(const uint8_t *buf, uint64_t seed, const char *where)
{
	size_t bad = pattern_check(buf, DMA_LEN, seed);

	if (bad != DMA_LEN)
		printf("%s: %s: byte %zu is 0x%02x, expected 0x%02x (bytes 0-7: %02x %02x %02x %02x %02x %02x %02x %02x)\n",
		       prog, where, bad, buf[bad], pattern_byte(seed, bad), buf[0], buf[1],
		       buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]);
	return bad == DMA_LEN;
}

/* The page at p->pa, read through /proc/kcore, must hold @seed's pattern. */
static int expect_at_pa(const struct punch *p, uint64_t seed, const char *what)
{
	uint8_t buf[DMA_LEN];
	char where[64];
	int err = physmem_read(p->pa, buf, sizeof(buf));

	if (err)
		return fail("read the recorded page through /proc/kcore", err);
	snprintf(where, sizeof(where), "PA 0x%llx", (unsigned long long)p->pa);
	return step_result(expect_true(what, holds_pattern(buf, seed, where)));
}

static int map_memfd(struct punch *p)
{
	p->memory = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, p->memfd, 0);
	if (p->memory == MAP_FAILED)
		return fail("mmap of the memfd", -errno);
	return 0;
}

static int create_memfd(struct punch *p)
{
	p->memfd = memfd_create("iolu-lab-punch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (p->memfd < 0)
		return fail("memfd_create", -errno);
	if (ftruncate(p->memfd, MEMFD_SIZE) < 0)
		return fail("ftruncate of the memfd", -errno);
	/*
	 * Only a memfd whose size cannot change may back a preserved mapping;
	 * no F_SEAL_WRITE, which would forbid the hole punch.
	 */
	if (fcntl(p->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return fail("F_ADD_SEALS on the memfd", -errno);
	return map_memfd(p);
}

/* Kernel 1: iommufd, IOAS, a HWPT for edu, edu attached, the memfd mapped. */
static int attach_edu(struct punch *p, const char *bdf)
{
	int err = vfio_cdev_open(bdf, &p->edu);

	if (err)
		return fail("open the vfio cdev of edu", err);
	p->iommufd = iommufd_open();
	if (p->iommufd < 0)
		return fail("open " IOMMUFD_DEVICE, p->iommufd);
	err = vfio_cdev_bind_iommufd(&p->edu, p->iommufd, &p->dev_id);
	if (err)
		return fail("VFIO_DEVICE_BIND_IOMMUFD", err);
	err = iommufd_ioas_alloc(p->iommufd, &p->ioas_id);
	if (err)
		return fail("IOMMU_IOAS_ALLOC", err);
	err = iommufd_hwpt_alloc(p->iommufd, p->dev_id, p->ioas_id, &p->hwpt_id);
	if (err)
		return fail("IOMMU_HWPT_ALLOC", err);
	err = vfio_cdev_attach(&p->edu, p->hwpt_id);
	if (err)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT", err);
	err = iommufd_map_file(p->iommufd, p->ioas_id, p->memfd, 0, MEMFD_SIZE, IOVA_BASE);
	if (err)
		return fail("IOMMU_IOAS_MAP_FILE of the memfd", err);
	err = edu_enable_bus_master(&p->edu);
	if (err)
		return fail("enable bus mastering in edu's command register", err);
	printf("%s: edu %s attached to HWPT %u; memfd mapped at IOVA 0x%llx\n", prog, bdf,
	       p->hwpt_id, IOVA_BASE);
	return 0;
}

/*
 * Where the memfd's page at PUNCH_OFF is; the memfd must hold @seed's
 * pattern there, and so must the page at that physical address.
 */
static int locate_punch_page(struct punch *p, uint64_t seed, const char *when)
{
	uint64_t pa;
	int err;

	/* Reading it maps the page, which pagemap needs to find it. */
	if (!expect_true(check("%s: the memfd holds edu's copy at offset 0x%llx", when, PUNCH_OFF),
			 holds_pattern(p->memory + PUNCH_OFF, seed, "memfd")))
		return 1;
	err = physmem_pa_of(p->memory + PUNCH_OFF, &pa);
	if (err)
		return fail("/proc/self/pagemap entry of the memfd page", err);
	if (p->pa && !expect_true(check("%s: the memfd page at offset 0x%llx is at PA 0x%llx, as in kernel 1",
					 when, PUNCH_OFF, (unsigned long long)p->pa),
				  pa == p->pa)) {
		printf("%s: pagemap says PA 0x%llx\n", prog, (unsigned long long)pa);
		return 1;
	}
	p->pa = pa;
	return expect_at_pa(p, seed, check("%s: /proc/kcore at PA 0x%llx holds the same bytes",
					   when, (unsigned long long)pa));
}

static int write_pa_file(const char *path, uint64_t pa)
{
	FILE *file = fopen(path, "w");
	char what[160];
	int err = 0;

	snprintf(what, sizeof(what), "write the page's physical address to %s", path);
	if (!file)
		return fail(what, -errno);
	/* The next kernel reads it: it must reach the host before the kexec. */
	if (fprintf(file, "0x%llx\n", (unsigned long long)pa) < 0 || fflush(file) ||
	    fsync(fileno(file)))
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	return err ? fail(what, err) : 0;
}

static int read_pa_file(const char *path, uint64_t *pa)
{
	char line[64] = "", what[160];
	FILE *file = fopen(path, "r");

	snprintf(what, sizeof(what), "read the physical address kernel 1 wrote to %s", path);
	if (!file)
		return fail(what, -errno);
	if (!fgets(line, sizeof(line), file))
		line[0] = '\0';
	fclose(file);
	line[strcspn(line, "\n")] = '\0';
	if (parse_u64(line, pa) || !*pa) {
		fprintf(stderr, "%s: %s: '%s' is not a physical address\n", prog, what, line);
		return 1;
	}
	return 0;
}

static int preserve_fd(struct punch *p, int fd, uint64_t token, const char *what)
{
	char name[96];
	int err = luo_preserve_fd(p->session_fd, fd, token);

	if (!err)
		return 0;
	snprintf(name, sizeof(name), "LIVEUPDATE_SESSION_PRESERVE_FD (%s, token %llu)", what,
		 (unsigned long long)token);
	return fail(name, err);
}

static int preserve_all(struct punch *p, const char *session)
{
	int err = iommufd_hwpt_set_preserve(p->iommufd, p->hwpt_id, TOKEN_HWPT);

	if (err)
		return fail("IOMMU_HWPT_LU_SET_PRESERVE", err);
	p->luo_fd = luo_open();
	if (p->luo_fd < 0)
		return fail("open " LUO_DEVICE, p->luo_fd);
	p->session_fd = luo_create_session(p->luo_fd, session);
	if (p->session_fd < 0)
		return fail("LIVEUPDATE_IOCTL_CREATE_SESSION", p->session_fd);
	if (preserve_fd(p, p->memfd, TOKEN_MEMFD, "memfd") ||
	    preserve_fd(p, p->iommufd, TOKEN_IOMMUFD, "iommufd") ||
	    preserve_fd(p, p->edu.fd, TOKEN_VFIO, "vfio device"))
		return 1;
	printf("%s: memfd, iommufd and vfio device preserved in session '%s'\n", prog, session);
	return 0;
}

static int kexec_now(const struct punch_args *args)
{
	const char *failed = NULL;
	int err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);

	if (err)
		return fail(failed ? failed : "kexec_file_load (kernel, initrd and cmdline)", err);
	return fail("reboot(LINUX_REBOOT_CMD_KEXEC)", kexec_reboot());
}

static int do_preserve(struct punch *p, const struct punch_args *args)
{
	memset(p->memory + PUNCH_OFF, 0, PAGE);
	if (attach_edu(p, args->bdf) || dma_to_punch_page(p, args->seed) ||
	    locate_punch_page(p, args->seed, "kernel 1") ||
	    write_pa_file(args->pa_file, p->pa) || preserve_all(p, args->session))
		return 1;
	printf("%s: kernel 1: PA 0x%llx written to %s\n", prog, (unsigned long long)p->pa,
	       args->pa_file);
	fflush(stdout);
	return kexec_now(args);
}

/*
 * The page a hole punch frees goes to this CPU's list of free pages, which
 * the next allocations on the same CPU take first: the pressure runs where
 * the punch did.
 */
static int stay_on_cpu0(void)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	return sched_setaffinity(0, sizeof(cpus), &cpus) ? fail("sched_setaffinity to CPU 0", -errno) : 0;
}

static int retrieve(struct punch *p, uint64_t token, const char *what)
{
	char name[96];
	int fd = luo_retrieve_fd(p->session_fd, token);

	if (fd >= 0)
		return fd;
	snprintf(name, sizeof(name), "LIVEUPDATE_SESSION_RETRIEVE_FD (%s, token %llu)", what,
		 (unsigned long long)token);
	fail(name, fd);
	return -1;
}

static int retrieve_session(struct punch *p, const char *session)
{
	p->luo_fd = luo_open();
	if (p->luo_fd < 0)
		return fail("open " LUO_DEVICE, p->luo_fd);
	p->session_fd = luo_retrieve_session(p->luo_fd, session);
	if (p->session_fd < 0)
		return fail("LIVEUPDATE_IOCTL_RETRIEVE_SESSION", p->session_fd);
	return 0;
}

/*
 * The retrieved iommufd and what it restored. A kernel without the
 * iommufd restore does not know IOMMU_HWPT_LU_GET_RESTORED: the flow of
 * that kernel follows, with the iommufd left aside.
 */
static int retrieve_iommufd(struct punch *p)
{
	int err;

	p->iommufd = retrieve(p, TOKEN_IOMMUFD, "iommufd");
	if (p->iommufd < 0)
		return 1;
	err = iommufd_hwpt_get_restored(p->iommufd, TOKEN_HWPT, &p->hwpt_id, &p->ioas_id);
	if (err == -ENOTTY || err == -EINVAL) {
		printf("%s: flow: before the iommufd restore (IOMMU_HWPT_LU_GET_RESTORED: %s): memfd and device retrieved, no bind\n",
		       prog, strerror(-err));
		return 0;
	}
	if (!expect_errno(check("IOMMU_HWPT_LU_GET_RESTORED with token 0x%x", TOKEN_HWPT), err, 0) ||
	    !expect_true(check("the retrieved iommufd restored HWPT %u over IOAS %u", p->hwpt_id,
			       p->ioas_id), p->hwpt_id && p->ioas_id))
		return 1;
	p->restored = true;
	printf("%s: flow: iommufd restore: the retrieved iommufd pins the memfd; edu binds to it and attaches to HWPT %u\n",
	       prog, p->hwpt_id);
	return 0;
}

/* The retrieved device, on its restored HWPT when there is one. */
static int retrieve_device(struct punch *p)
{
	uint32_t ident;
	int fd = retrieve(p, TOKEN_VFIO, "vfio device");
	int err;

	if (fd < 0)
		return 1;
	err = vfio_cdev_adopt(fd, &p->edu);
	if (err)
		return fail("VFIO_DEVICE_GET_REGION_INFO on the retrieved vfio device", err);
	if (!expect_errno(check("edu answers through the retrieved vfio device"),
			  edu_check_alive(&p->edu, &ident), 0))
		return 1;
	if (!p->restored)
		return 0;
	err = vfio_cdev_bind_iommufd(&p->edu, p->iommufd, &p->dev_id);
	if (!expect_errno(check("VFIO_DEVICE_BIND_IOMMUFD of the retrieved device to the retrieved iommufd"),
			  err, 0))
		return 1;
	err = vfio_cdev_attach(&p->edu, p->hwpt_id);
	return step_result(expect_errno(check("VFIO_DEVICE_ATTACH_IOMMUFD_PT to the restored HWPT %u",
					      p->hwpt_id), err, 0));
}

static int retrieve_memfd(struct punch *p)
{
	p->memfd = retrieve(p, TOKEN_MEMFD, "memfd");
	return p->memfd < 0 ? 1 : map_memfd(p);
}

static int punch_hole(struct punch *p)
{
	int err = 0;

	if (fallocate(p->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PUNCH_OFF, PAGE) < 0)
		err = -errno;
	return step_result(expect_errno(check("punch a hole at offset 0x%llx of the retrieved memfd (one page)",
					      PUNCH_OFF), err, 0));
}

/*
 * The memfd reads zeros where the hole is (pread: no page is allocated
 * for a hole it reads), although edu has just written there: the page
 * edu writes is no longer the memfd's.
 */
static int expect_hole(struct punch *p)
{
	static const uint8_t zeros[PAGE];
	uint8_t buf[PAGE];
	ssize_t got = pread(p->memfd, buf, sizeof(buf), PUNCH_OFF);

	if (got < 0)
		return fail("pread of the punched page of the memfd", -errno);
	return step_result(expect_true(check("the memfd reads zeros at offset 0x%llx after the punch and edu's DMA there",
					     PUNCH_OFF),
				       got == (ssize_t)sizeof(buf) && !memcmp(buf, zeros, sizeof(buf))));
}

/* MemAvailable from /proc/meminfo, in bytes. */
static int mem_available(uint64_t *bytes)
{
	unsigned long long kib;
	char line[128];
	FILE *file = fopen("/proc/meminfo", "r");
	int err = -ENOENT;

	if (!file)
		return -errno;
	while (err && fgets(line, sizeof(line), file))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			err = 0;
	fclose(file);
	if (!err)
		*bytes = kib << 10;
	return err;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * In a child: allocate PRESSURE_PERCENT of the available memory, so that
 * a freed page is handed out again, and write the start of every page;
 * the child's exit frees it all again. The kernel zeroes each page it
 * hands out (MAP_POPULATE faults them all in at once, much faster under
 * TCG than a fault per page), which alone overwrites a page nobody held;
 * PRESSURE_BYTE marks who had it.
 */
static void pressure_child(void)
{
	struct timespec start;
	uint64_t available = 0, size, off;
	uint8_t *memory;
	int err = mem_available(&available);

	if (err)
		_exit(fail("MemAvailable in /proc/meminfo", err));
	size = available / 100 * PRESSURE_PERCENT / PAGE * PAGE;
	clock_gettime(CLOCK_MONOTONIC, &start);
	memory = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE, -1, 0);
	if (memory == MAP_FAILED)
		_exit(fail("mmap of the pressure's memory", -errno));
	for (off = 0; off < size; off += PAGE)
		memset(memory + off, PRESSURE_BYTE, PRESSURE_MARK);
	printf("%s: pressure: %llu of %llu MiB available allocated, the first %d bytes of each page set to 0x%02x, in %.1f s\n",
	       prog, (unsigned long long)(size >> 20), (unsigned long long)(available >> 20),
	       PRESSURE_MARK, PRESSURE_BYTE, seconds_since(&start));
	fflush(stdout);
	_exit(0);
}

static int apply_pressure(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork of the memory pressure", -errno);
	if (pid == 0)
		pressure_child();
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid for the memory pressure", -errno);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "%s: the memory pressure did not finish (wait status 0x%x%s)\n", prog,
		status, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? ", killed: OOM?" : "");
	return 1;
}

/*
 * After the finish the restored IOAS is ordinary: unmapping the memfd's
 * range unpins its pages, the punched one included, which then goes back
 * to the allocator. When it is reused is the allocator's business, so
 * nothing is asserted about the page afterwards.
 */
static int finish_and_unmap(struct punch *p)
{
	int err = luo_finish_session(p->session_fd);

	if (!expect_errno(check("LIVEUPDATE_SESSION_FINISH with edu on its restored HWPT"), err, 0))
		return 1;
	err = iommufd_unmap(p->iommufd, p->ioas_id, IOVA_BASE, MEMFD_SIZE);
	if (!expect_errno(check("IOMMU_IOAS_UNMAP of IOVA 0x%llx +0x%llx after the finish, which releases the pin",
				IOVA_BASE, MEMFD_SIZE), err, 0))
		return 1;
	printf("%s: the punched page at PA 0x%llx is unpinned and the allocator's again\n", prog,
	       (unsigned long long)p->pa);
	return 0;
}

/*
 * The memfd first, and the hole punched before the iommufd is asked for:
 * the worst order for the kernel, which must have pinned the page by the
 * time userspace holds the memfd.
 */
static int restore(struct punch *p, const struct punch_args *args)
{
	if (stay_on_cpu0() || read_pa_file(args->pa_file, &p->pa) ||
	    retrieve_session(p, args->session) || retrieve_memfd(p) ||
	    locate_punch_page(p, args->seed, "kernel 2") || punch_hole(p))
		return 1;
	return retrieve_iommufd(p) || retrieve_device(p);
}

static int do_punch(struct punch *p, const struct punch_args *args)
{
	uint64_t punched = args->seed ^ SEED_PUNCHED, pressed = args->seed ^ SEED_PRESSED;

	if (restore(p, args) || dma_to_punch_page(p, punched) ||
	    expect_at_pa(p, punched, check("edu's DMA to IOVA 0x%llx after the punch lands at PA 0x%llx",
					   IOVA_BASE + PUNCH_OFF, (unsigned long long)p->pa)) ||
	    expect_hole(p) || apply_pressure() ||
	    expect_at_pa(p, punched, check("after memory pressure PA 0x%llx still holds edu's DMA: nobody else was handed the page",
					   (unsigned long long)p->pa)) ||
	    dma_to_punch_page(p, pressed) ||
	    expect_at_pa(p, pressed, check("edu's DMA after the pressure lands at PA 0x%llx again",
					   (unsigned long long)p->pa)))
		return 1;
	if (!p->restored) {
		printf("%s: before the iommufd restore: session left unfinished, nothing to unmap\n",
		       prog);
		return 0;
	}
	return finish_and_unmap(p);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s preserve --bdf BDF --session S --seed N --pa-file F\n"
		"                   --kernel PATH --initrd PATH --cmdline TEXT\n"
		"       %s punch --session S --seed N --pa-file F\n",
		prog, prog);
}

static int parse_args(int argc, char **argv, struct punch_args *args)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "session", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'x' },
		{ "pa-file", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'b': args->bdf = optarg; break;
		case 's': args->session = optarg; break;
		case 'p': args->pa_file = optarg; break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 'x':
			if (parse_option_number(prog, "--seed", optarg, &args->seed, parse_u64))
				return -EINVAL;
			args->have_seed = true;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return reject_extra_args(prog, argc, argv, optind);
}

/* The first option @command needs that is missing, NULL when none is. */
static const char *missing_option(const char *command, const struct punch_args *args)
{
	bool preserve = !strcmp(command, "preserve");

	if (!args->session)
		return "--session";
	if (!args->have_seed)
		return "--seed";
	if (!args->pa_file)
		return "--pa-file";
	if (!preserve)
		return NULL;
	if (!args->bdf)
		return "--bdf";
	if (!args->kernel)
		return "--kernel";
	if (!args->initrd)
		return "--initrd";
	return args->cmdline ? NULL : "--cmdline";
}

int main(int argc, char **argv)
{
	struct punch_args args = { 0 };
	struct punch p = { .edu = { .fd = -1 }, .memfd = -1, .iommufd = -1, .luo_fd = -1,
			   .session_fd = -1 };
	const char *command, *missing;

	/* Checks (stdout) and errors (stderr) reach the console in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	command = argv[1];
	if (!strcmp(command, "--help") || !strcmp(command, "-h")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(command, "preserve") && strcmp(command, "punch")) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, command);
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &args))
		return 2;
	missing = missing_option(command, &args);
	if (missing) {
		fprintf(stderr, "%s %s: %s is required\n", prog, command, missing);
		return 2;
	}
	if (!strcmp(command, "punch"))
		return do_punch(&p, &args);
	return create_memfd(&p) || do_preserve(&p, &args);
}
