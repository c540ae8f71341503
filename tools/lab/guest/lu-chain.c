// SPDX-License-Identifier: GPL-2.0
/*
 * lu-chain: a host chaining live updates. edu keeps doing DMA at the same
 * IOVA through three kexecs in a row; each next kernel takes the iommufd
 * back with its HWPT restored, binds the retrieved device to it, finishes
 * the session and preserves everything again for the next kexec.
 *
 *   lu-chain start --bdf BDF --session S1 --seed X KEXEC
 *	kernel 1: edu (bound to vfio-pci) gets a HWPT over an IOAS holding
 *	sealed memfd A at IOVA_A, and copies through it both ways; the HWPT
 *	is marked, memfd A, iommufd and vfio device preserved in session S1,
 *	then the kexec with one more transfer in flight.
 *
 *   lu-chain add-mapping --session S1 --next-session S2 --seed X KEXEC
 *	kernel 2: restore (below); after the finish memfd A's range is
 *	copied within the restored IOAS (IOMMU_IOAS_COPY) to IOVA_COPY, edu
 *	copies through the copy, which is unmapped again; a new sealed memfd
 *	B is mapped at IOVA_B and edu copies through it; memfds A and B,
 *	iommufd and device are preserved in session S2, kexec.
 *
 *   lu-chain drop-mapping --session S2 --next-session S3 --seed X
 *                         --expect-fault CMD KEXEC
 *	kernel 3: restore, edu copies through IOVA_B too; after the finish
 *	memfd B is unmapped: edu's DMA there must not reach it, and
 *	`CMD IOVA` must find the IOMMU's fault; memfd A, iommufd and device
 *	are preserved in session S3, kexec.
 *
 *   lu-chain end --session S3 --seed X
 *	kernel 4: restore; after the finish nothing is mapped at IOVA_B.
 *
 * KEXEC is --kernel K --initrd I --cmdline C [--before-kexec CMD]: CMD
 * runs once everything is preserved (e.g. `iolu check`) and must succeed.
 *
 * Restoring, in kernels 2 to 4: the session and the vfio device alone are
 * retrieved, and the finish must be refused (the device runs on an IO page
 * table no restored HWPT holds); the retrieved iommufd restored no HWPT
 * for a wrong token, and for the right one a HWPT over an IOAS; the
 * memfds, retrieved after it, hold what every earlier kernel's DMA wrote,
 * the transfer that landed during the last kexec included; the IOAS
 * refuses map and unmap until the finish; the device binds to that
 * iommufd and attaches to no other HWPT before its restored one; edu's
 * buffer survived the kexec, edu copies both ways at IOVA_A, and the
 * session finishes.
 *
 * Every check prints one "ok: kernel N: ..." or "FAIL: kernel N: ..."
 * line, which tests/lab/chain.t reads; the first failure ends the program
 * with exit 1, as what follows it depends on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "expect.h"
#include "iommufd_ops.h"
#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"
#include "vfio_cdev.h"

/* edu only reaches bus addresses below 256 MiB. */
#define IOVA_A		0x4000000ULL	/* memfd A, mapped from kernel 1 on */
#define MEMFD_A_SIZE	(2ULL << 20)
#define IOVA_B		0x6000000ULL	/* memfd B: mapped in kernel 2, unmapped in 3 */
#define MEMFD_B_SIZE	(1ULL << 20)
#define IOVA_REFUSED	0x7000000ULL	/* where the maps a frozen IOAS refuses aim */
#define IOVA_COPY	0x8000000ULL	/* kernel 2's IOMMU_IOAS_COPY of memfd A */
#define DMA_LEN		2048u

/*
 * Memfd A has a lane per kernel, so that a later kernel still finds what
 * every earlier one wrote: kernel k owns [(k - 1) * LANE, k * LANE).
 */
#define LANE		0x80000ULL
#define LANE_SOURCE	0x00000ULL	/* the pattern edu reads */
#define LANE_COPY	0x10000ULL	/* where edu writes it back */
#define LANE_IN_FLIGHT	0x20000ULL	/* written while this kernel is replaced */
#define LANE_KEPT	0x30000ULL	/* edu's buffer as the previous kernel left it */
/* Offsets in memfd B. */
#define B_SOURCE	0x00000ULL
#define B_COPY_2	0x10000ULL	/* kernel 2's copy through IOVA_B */
#define B_COPY_3	0x20000ULL	/* kernel 3's, after kexec 2 */
#define B_UNMAPPED	0x30000ULL	/* kernel 3's DMA after the unmap: must not land */

#define TOKEN_MEMFD_A	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_MEMFD_B	4
#define TOKEN_HWPT	0x10

#define LAST_KERNEL	4
#define DMA_TIMEOUT_MS	5000

struct chain_args {
	const char *bdf, *session, *next_session;
	const char *kernel, *initrd, *cmdline, *before_kexec, *expect_fault;
	uint64_t seed;
	bool have_seed;
};

struct chain_memfd {
	const char *name;
	uint64_t iova, size, token;
	uint8_t *memory;	/* the memfd, mapped */
	int fd;
	bool in_ioas;		/* mapped at iova, so preserved with the iommufd */
};

/* What one kernel of the chain holds. */
struct chain {
	unsigned int kernel;	/* 1 to LAST_KERNEL */
	uint64_t seed;
	struct vfio_cdev edu;
	struct chain_memfd a, b;
	int luo_fd, session_fd, iommufd;
	uint32_t dev_id, ioas_id, hwpt_id;
};

static const char *prog = "lu-chain";

__attribute__((format(printf, 3, 4)))
static int fail(const struct chain *ch, int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: kernel %u: ", prog, ch->kernel);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	fputc('\n', stderr);
	return 1;
}

__attribute__((format(printf, 2, 3)))
static void say(const struct chain *ch, const char *fmt, ...)
{
	va_list ap;

	printf("%s: kernel %u: ", prog, ch->kernel);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/*
 * The name of a check, prefixed with the kernel it runs in. The text lives
 * in one static buffer: use it before building the next.
 */
__attribute__((format(printf, 2, 3)))
static const char *in_kernel(const struct chain *ch, const char *fmt, ...)
{
	static char what[256];
	va_list ap;
	int len = snprintf(what, sizeof(what), "kernel %u: ", ch->kernel);

	va_start(ap, fmt);
	vsnprintf(what + len, sizeof(what) - len, fmt, ap);
	va_end(ap);
	return what;
}

/* The checks return true when they pass; the steps 0, or 1 after a message. */
static int step_result(bool passed)
{
	return passed ? 0 : 1;
}

/* The pattern kernel @k has edu copy through its lane of memfd A. */
static uint64_t kernel_seed(uint64_t seed, unsigned int k)
{
	return seed ^ (0x9e3779b97f4a7c15ULL * k);
}

static uint64_t memfd_b_seed(uint64_t seed)
{
	return seed ^ 0xbbbbbbbbbbbbbbbbULL;
}

static uint64_t lane(unsigned int k)
{
	return (k - 1) * LANE;
}

static void chain_init(struct chain *ch, unsigned int kernel, uint64_t seed)
{
	*ch = (struct chain){
		.kernel = kernel,
		.seed = seed,
		.a = { .name = "memfd A", .iova = IOVA_A, .size = MEMFD_A_SIZE,
		       .token = TOKEN_MEMFD_A, .fd = -1 },
		.b = { .name = "memfd B", .iova = IOVA_B, .size = MEMFD_B_SIZE,
		       .token = TOKEN_MEMFD_B, .fd = -1 },
		.edu = { .fd = -1 },
		.luo_fd = -1,
		.session_fd = -1,
		.iommufd = -1,
	};
}

static int transfer(struct chain *ch, enum edu_dma_dir dir, uint64_t iova)
{
	int err = edu_dma_start(&ch->edu, dir, iova, 0, DMA_LEN);

	if (!err)
		err = edu_dma_wait(&ch->edu, DMA_TIMEOUT_MS);
	if (err)
		return fail(ch, err, "edu DMA %s IOVA 0x%llx",
			    dir == EDU_TO_DEVICE ? "from" : "to", (unsigned long long)iova);
	return 0;
}

/* The DMA_LEN bytes at @offset of @m must start @seed's pattern. */
static int expect_pattern(const struct chain *ch, const struct chain_memfd *m,
			  uint64_t offset, uint64_t seed, const char *what)
{
	size_t bad = pattern_check(m->memory + offset, DMA_LEN, seed);

	if (bad != DMA_LEN)
		printf("%s: kernel %u: %s offset 0x%llx: byte %zu is 0x%02x, expected 0x%02x\n",
		       prog, ch->kernel, m->name, (unsigned long long)offset, bad,
		       m->memory[offset + bad], pattern_byte(seed, bad));
	return step_result(expect_true(in_kernel(ch, "%s (%s at IOVA 0x%llx)", what, m->name,
						 (unsigned long long)(m->iova + offset)),
				       bad == DMA_LEN));
}

/* edu reads the pattern of @seed already at @src of @m and writes it to @dst. */
static int round_trip(struct chain *ch, const struct chain_memfd *m, uint64_t src,
		      uint64_t dst, uint64_t seed)
{
	memset(m->memory + dst, 0, DMA_LEN);
	if (transfer(ch, EDU_TO_DEVICE, m->iova + src) ||
	    transfer(ch, EDU_FROM_DEVICE, m->iova + dst))
		return 1;
	return expect_pattern(ch, m, dst, seed, "edu's DMA both ways");
}

/* edu copies this kernel's pattern through its lane of memfd A. */
static int copy_through_a(struct chain *ch)
{
	uint64_t base = lane(ch->kernel);
	uint64_t seed = kernel_seed(ch->seed, ch->kernel);

	pattern_fill(ch->a.memory + base + LANE_SOURCE, DMA_LEN, seed);
	return round_trip(ch, &ch->a, base + LANE_SOURCE, base + LANE_COPY, seed);
}

/* edu copies memfd B's pattern, written in kernel 2, through IOVA_B. */
static int copy_through_b(struct chain *ch, uint64_t dst)
{
	return round_trip(ch, &ch->b, B_SOURCE, dst, memfd_b_seed(ch->seed));
}

static int map_memfd(struct chain *ch, struct chain_memfd *m)
{
	m->memory = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->memory == MAP_FAILED)
		return fail(ch, -errno, "mmap of %s", m->name);
	return 0;
}

static int create_memfd(struct chain *ch, struct chain_memfd *m)
{
	m->fd = memfd_create(m->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0)
		return fail(ch, -errno, "memfd_create (%s)", m->name);
	if (ftruncate(m->fd, m->size) < 0)
		return fail(ch, -errno, "ftruncate of %s", m->name);
	/* Only a memfd whose size cannot change may back a preserved mapping. */
	if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return fail(ch, -errno, "F_ADD_SEALS on %s", m->name);
	return map_memfd(ch, m);
}

/* A memfd the previous kernel preserved; its mapping came back with the IOAS. */
static int retrieve_memfd(struct chain *ch, struct chain_memfd *m)
{
	m->fd = luo_retrieve_fd(ch->session_fd, m->token);
	if (m->fd < 0)
		return fail(ch, m->fd, "LIVEUPDATE_SESSION_RETRIEVE_FD (%s, token %llu)", m->name,
			    (unsigned long long)m->token);
	m->in_ioas = true;
	return map_memfd(ch, m);
}

static int map_into_ioas(struct chain *ch, struct chain_memfd *m)
{
	int err = iommufd_map_file(ch->iommufd, ch->ioas_id, m->fd, 0, m->size, m->iova);

	if (!expect_errno(in_kernel(ch, "IOMMU_IOAS_MAP_FILE of sealed %s at IOVA 0x%llx",
				    m->name, (unsigned long long)m->iova), err, 0))
		return 1;
	m->in_ioas = true;
	return 0;
}

static int open_luo(struct chain *ch)
{
	ch->luo_fd = luo_open();
	return ch->luo_fd < 0 ? fail(ch, ch->luo_fd, "open " LUO_DEVICE) : 0;
}

/* Kernel 1: iommufd, IOAS, a HWPT for edu, edu attached, memfd A mapped. */
static int attach_new(struct chain *ch, const char *bdf)
{
	int err = vfio_cdev_open(bdf, &ch->edu);

	if (err)
		return fail(ch, err, "open the vfio cdev of %s", bdf);
	ch->iommufd = iommufd_open();
	if (ch->iommufd < 0)
		return fail(ch, ch->iommufd, "open " IOMMUFD_DEVICE);
	err = vfio_cdev_bind_iommufd(&ch->edu, ch->iommufd, &ch->dev_id);
	if (err)
		return fail(ch, err, "VFIO_DEVICE_BIND_IOMMUFD");
	err = iommufd_ioas_alloc(ch->iommufd, &ch->ioas_id);
	if (err)
		return fail(ch, err, "IOMMU_IOAS_ALLOC");
	err = iommufd_hwpt_alloc(ch->iommufd, ch->dev_id, ch->ioas_id, &ch->hwpt_id);
	if (err)
		return fail(ch, err, "IOMMU_HWPT_ALLOC");
	err = vfio_cdev_attach(&ch->edu, ch->hwpt_id);
	if (err)
		return fail(ch, err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	err = edu_enable_bus_master(&ch->edu);
	if (err)
		return fail(ch, err, "enable bus mastering in edu's command register");
	say(ch, "edu %s attached to HWPT %u", bdf, ch->hwpt_id);
	return map_into_ioas(ch, &ch->a);
}

/*
 * While the IOAS is preserved, and once restored until the session is
 * finished, map and unmap must fail with EBUSY: the IO page table the
 * IOMMU translates through is the one handed over.
 */
static int expect_ioas_frozen(struct chain *ch, const char *state)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool frozen;

	if (page == MAP_FAILED)
		return fail(ch, -errno, "mmap of an anonymous page");
	memset(page, 0, 4096);
	frozen = expect_errno(in_kernel(ch, "IOMMU_IOAS_MAP on the %s IOAS", state),
			      iommufd_map_user(ch->iommufd, ch->ioas_id, page, 4096, IOVA_REFUSED),
			      EBUSY) &&
		 expect_errno(in_kernel(ch, "IOMMU_IOAS_MAP_FILE on the %s IOAS", state),
			      iommufd_map_file(ch->iommufd, ch->ioas_id, ch->a.fd, 0, 4096,
					       IOVA_REFUSED), EBUSY) &&
		 expect_errno(in_kernel(ch, "IOMMU_IOAS_UNMAP on the %s IOAS", state),
			      iommufd_unmap(ch->iommufd, ch->ioas_id, ch->a.iova, ch->a.size),
			      EBUSY);
	munmap(page, 4096);
	return step_result(frozen);
}

static int preserve_fd(struct chain *ch, int fd, uint64_t token, const char *what)
{
	int err = luo_preserve_fd(ch->session_fd, fd, token);

	if (err)
		return fail(ch, err, "LIVEUPDATE_SESSION_PRESERVE_FD (%s, token %llu)", what,
			    (unsigned long long)token);
	return 0;
}

/*
 * Mark the HWPT, then preserve in a new session the memfds its IOAS maps,
 * the iommufd and the device, in the order the handlers require.
 */
static int preserve_all(struct chain *ch, const char *session)
{
	int err = iommufd_hwpt_set_preserve(ch->iommufd, ch->hwpt_id, TOKEN_HWPT);

	if (!expect_errno(in_kernel(ch, "IOMMU_HWPT_LU_SET_PRESERVE of the %sHWPT %u with token 0x%x",
				    ch->kernel > 1 ? "restored " : "", ch->hwpt_id, TOKEN_HWPT),
			  err, 0))
		return 1;
	ch->session_fd = luo_create_session(ch->luo_fd, session);
	if (ch->session_fd < 0)
		return fail(ch, ch->session_fd, "LIVEUPDATE_IOCTL_CREATE_SESSION '%s'", session);
	if (preserve_fd(ch, ch->a.fd, ch->a.token, ch->a.name) ||
	    (ch->b.in_ioas && preserve_fd(ch, ch->b.fd, ch->b.token, ch->b.name)) ||
	    preserve_fd(ch, ch->iommufd, TOKEN_IOMMUFD, "iommufd") ||
	    preserve_fd(ch, ch->edu.fd, TOKEN_VFIO, "vfio device"))
		return 1;
	say(ch, "%s%s, iommufd and vfio device preserved in session '%s'", ch->a.name,
	    ch->b.in_ioas ? ", memfd B" : "", session);
	return expect_ioas_frozen(ch, "preserved");
}

static int run_hook(const struct chain *ch, const char *command)
{
	int status;

	say(ch, "running: %s", command);
	fflush(stdout);
	status = system(command);
	if (status == 0)
		return 0;
	fprintf(stderr, "%s: kernel %u: '%s' failed (wait status %d)\n", prog, ch->kernel,
		command, status);
	return 1;
}

/*
 * edu reads this kernel's pattern once more and writes it while the
 * kernel is being replaced: the next kernel finds it in memfd A and still
 * in edu's buffer.
 */
static int kexec_with_dma_in_flight(struct chain *ch, const struct chain_args *args)
{
	uint64_t base = ch->a.iova + lane(ch->kernel);
	const char *failed = NULL;
	int err;

	if (transfer(ch, EDU_TO_DEVICE, base + LANE_SOURCE))
		return 1;
	if (args->before_kexec && run_hook(ch, args->before_kexec))
		return 1;
	err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);
	if (err)
		return fail(ch, err, "kexec_file_load (%s)",
			    failed ? failed : "kernel, initrd and cmdline");
	/* edu runs this ~100 ms from now, while the kernel is being replaced. */
	err = edu_dma_start(&ch->edu, EDU_FROM_DEVICE, base + LANE_IN_FLIGHT, 0, DMA_LEN);
	if (err)
		return fail(ch, err, "start the in-flight edu DMA");
	say(ch, "edu DMA to IOVA 0x%llx started, landing during kexec %u",
	    (unsigned long long)(base + LANE_IN_FLIGHT), ch->kernel);
	return fail(ch, kexec_reboot(), "reboot(LINUX_REBOOT_CMD_KEXEC)");
}

static int retrieve_session(struct chain *ch, const char *session)
{
	if (open_luo(ch))
		return 1;
	ch->session_fd = luo_retrieve_session(ch->luo_fd, session);
	if (ch->session_fd < 0)
		return fail(ch, ch->session_fd, "LIVEUPDATE_IOCTL_RETRIEVE_SESSION '%s'", session);
	say(ch, "session '%s' retrieved", session);
	return 0;
}

/*
 * The device retrieved alone runs on the IO page table the IOMMU kept,
 * which no restored HWPT holds yet: finishing now would leave its pages
 * unowned, so the finish must be refused.
 */
static int retrieve_device_alone(struct chain *ch)
{
	int fd = luo_retrieve_fd(ch->session_fd, TOKEN_VFIO);
	int err;

	if (fd < 0)
		return fail(ch, fd, "LIVEUPDATE_SESSION_RETRIEVE_FD (vfio device, token %d)",
			    TOKEN_VFIO);
	err = vfio_cdev_adopt(fd, &ch->edu);
	if (err)
		return fail(ch, err, "VFIO_DEVICE_GET_REGION_INFO on the retrieved vfio device");
	return step_result(expect_errno(
		in_kernel(ch, "LIVEUPDATE_SESSION_FINISH with the device retrieved and its iommufd not"),
		luo_finish_session(ch->session_fd), EBUSY));
}

/* What edu wrote in every earlier kernel is still in memfd A. */
static int check_earlier_lanes(struct chain *ch)
{
	unsigned int k;
	uint64_t seed;
	char what[96];

	for (k = 1; k < ch->kernel; k++) {
		seed = kernel_seed(ch->seed, k);
		snprintf(what, sizeof(what), "the copy edu made in kernel %u is intact", k);
		if (expect_pattern(ch, &ch->a, lane(k) + LANE_COPY, seed, what))
			return 1;
		snprintf(what, sizeof(what), k + 1 == ch->kernel ?
			 "the DMA in flight during kexec %u landed" :
			 "the DMA that landed during kexec %u is intact", k);
		if (expect_pattern(ch, &ch->a, lane(k) + LANE_IN_FLIGHT, seed, what))
			return 1;
	}
	return 0;
}

/*
 * The retrieved iommufd restored the HWPT marked TOKEN_HWPT over an IOAS,
 * and nothing for another token. Retrieved before the memfds, it takes
 * them from the session itself: userspace never holds one whose pages the
 * device reaches but nobody pins.
 */
static int retrieve_iommufd(struct chain *ch)
{
	int err;

	ch->iommufd = luo_retrieve_fd(ch->session_fd, TOKEN_IOMMUFD);
	if (ch->iommufd < 0)
		return fail(ch, ch->iommufd, "LIVEUPDATE_SESSION_RETRIEVE_FD (iommufd, token %d)",
			    TOKEN_IOMMUFD);
	err = iommufd_hwpt_get_restored(ch->iommufd, TOKEN_HWPT + 1, &ch->hwpt_id, &ch->ioas_id);
	if (!expect_errno(in_kernel(ch, "IOMMU_HWPT_LU_GET_RESTORED with a token no HWPT was marked with (0x%x)",
				    TOKEN_HWPT + 1), err, ENOENT))
		return 1;
	err = iommufd_hwpt_get_restored(ch->iommufd, TOKEN_HWPT, &ch->hwpt_id, &ch->ioas_id);
	if (!expect_errno(in_kernel(ch, "IOMMU_HWPT_LU_GET_RESTORED with token 0x%x", TOKEN_HWPT),
			  err, 0) ||
	    !expect_true(in_kernel(ch, "the restored HWPT (%u) and its IOAS (%u) are objects of the iommufd",
				   ch->hwpt_id, ch->ioas_id),
			 ch->hwpt_id && ch->ioas_id && ch->hwpt_id != ch->ioas_id))
		return 1;
	return 0;
}

/* The retrieved device is still edu, alive and bus master. */
static int expect_edu_running(struct chain *ch, const char *when)
{
	bool master = false;
	uint32_t ident;
	int err = edu_check_alive(&ch->edu, &ident);

	if (!expect_errno(in_kernel(ch, "edu answers through the retrieved vfio device %s", when),
			  err, 0))
		return 1;
	err = edu_bus_master(&ch->edu, &master);
	if (err)
		return fail(ch, err, "read edu's command register");
	return step_result(expect_true(in_kernel(ch, "edu is still bus master %s", when), master));
}

/*
 * Until the device is attached to its restored HWPT it must attach to no
 * other: a new HWPT on a new IOAS is refused, then destroyed again.
 */
static int expect_other_hwpt_refused(struct chain *ch)
{
	uint32_t other_ioas, other_hwpt;
	int err = iommufd_ioas_alloc(ch->iommufd, &other_ioas);

	if (err)
		return fail(ch, err, "IOMMU_IOAS_ALLOC");
	err = iommufd_hwpt_alloc(ch->iommufd, ch->dev_id, other_ioas, &other_hwpt);
	if (err)
		return fail(ch, err, "IOMMU_HWPT_ALLOC on a new IOAS");
	if (!expect_errno(in_kernel(ch, "attach the device to a new HWPT before its restored one"),
			  vfio_cdev_attach(&ch->edu, other_hwpt), EBUSY))
		return 1;
	err = iommufd_destroy(ch->iommufd, other_hwpt);
	if (!err)
		err = iommufd_destroy(ch->iommufd, other_ioas);
	return err ? fail(ch, err, "IOMMU_DESTROY of the new HWPT and IOAS") : 0;
}

/* Bind the retrieved device to the retrieved iommufd, on its restored HWPT. */
static int bind_and_attach(struct chain *ch)
{
	int err = vfio_cdev_bind_iommufd(&ch->edu, ch->iommufd, &ch->dev_id);

	if (!expect_errno(in_kernel(ch, "VFIO_DEVICE_BIND_IOMMUFD of the retrieved device to the retrieved iommufd"),
			  err, 0) ||
	    expect_edu_running(ch, "after the bind") || expect_other_hwpt_refused(ch))
		return 1;
	err = vfio_cdev_attach(&ch->edu, ch->hwpt_id);
	return step_result(expect_errno(in_kernel(ch, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to the restored HWPT %u",
						  ch->hwpt_id), err, 0));
}

/* Neither the kexec nor the bind reset edu: its buffer is the previous kernel's. */
static int expect_buffer_kept(struct chain *ch)
{
	uint64_t kept = lane(ch->kernel) + LANE_KEPT;
	char what[64];

	memset(ch->a.memory + kept, 0, DMA_LEN);
	if (transfer(ch, EDU_FROM_DEVICE, ch->a.iova + kept))
		return 1;
	snprintf(what, sizeof(what), "edu's buffer kept across kexec %u", ch->kernel - 1);
	return expect_pattern(ch, &ch->a, kept, kernel_seed(ch->seed, ch->kernel - 1), what);
}

static int finish(struct chain *ch)
{
	int err = luo_finish_session(ch->session_fd);

	if (!expect_errno(in_kernel(ch, "LIVEUPDATE_SESSION_FINISH with the device on its restored HWPT"),
			  err, 0))
		return 1;
	/* A finished incoming session has nothing left to hand over. */
	close(ch->session_fd);
	ch->session_fd = -1;
	return 0;
}

/*
 * Kernels 2 to LAST_KERNEL: take back what the previous kernel preserved
 * in @session (memfd B too when @with_b), check it, let edu copy and
 * finish the session.
 */
static int restore(struct chain *ch, const char *session, bool with_b)
{
	if (retrieve_session(ch, session) || retrieve_device_alone(ch) ||
	    retrieve_iommufd(ch) ||
	    retrieve_memfd(ch, &ch->a) || (with_b && retrieve_memfd(ch, &ch->b)) ||
	    check_earlier_lanes(ch) || expect_ioas_frozen(ch, "restored") ||
	    expect_edu_running(ch, "before the bind") || bind_and_attach(ch) ||
	    expect_buffer_kept(ch) || copy_through_a(ch))
		return 1;
	if (with_b &&
	    (expect_pattern(ch, &ch->b, B_COPY_2, memfd_b_seed(ch->seed),
			    "the copy edu made through memfd B in kernel 2 is intact") ||
	     copy_through_b(ch, B_COPY_3)))
		return 1;
	return finish(ch);
}

/*
 * After the finish the restored IOAS is an ordinary one: unmapping memfd
 * B tears its IOVA range down, so edu's DMA there must fault in the IOMMU
 * (`@fault_check IOVA` finds the fault in the kernel log) and never reach
 * memfd B.
 */
static int unmap_b_and_expect_fault(struct chain *ch, const char *fault_check)
{
	uint64_t target = ch->b.iova + B_UNMAPPED;
	uint64_t sentinel = ~memfd_b_seed(ch->seed);
	char command[512];
	int err = iommufd_unmap(ch->iommufd, ch->ioas_id, ch->b.iova, ch->b.size);

	if (!expect_errno(in_kernel(ch, "IOMMU_IOAS_UNMAP of memfd B's IOVA range after the finish"),
			  err, 0))
		return 1;
	ch->b.in_ioas = false;
	pattern_fill(ch->b.memory + B_UNMAPPED, DMA_LEN, sentinel);
	/* edu's buffer gets this kernel's pattern, which must land nowhere */
	if (transfer(ch, EDU_TO_DEVICE, ch->a.iova + lane(ch->kernel) + LANE_SOURCE) ||
	    transfer(ch, EDU_FROM_DEVICE, target) ||
	    expect_pattern(ch, &ch->b, B_UNMAPPED, sentinel,
			   "edu's DMA to the unmapped IOVA left memfd B unchanged"))
		return 1;
	snprintf(command, sizeof(command), "%s 0x%llx", fault_check, (unsigned long long)target);
	err = run_hook(ch, command);
	return step_result(expect_true(in_kernel(ch, "the IOMMU faulted edu's DMA to unmapped IOVA 0x%llx",
						 (unsigned long long)target), !err));
}

static int do_start(struct chain *ch, const struct chain_args *args)
{
	if (open_luo(ch) || create_memfd(ch, &ch->a) || attach_new(ch, args->bdf) ||
	    copy_through_a(ch) || preserve_all(ch, args->session))
		return 1;
	return kexec_with_dma_in_flight(ch, args);
}

/*
 * After the finish the restored IOAS takes IOMMU_IOAS_COPY too: memfd A
 * copied to IOVA_COPY of it maps the same pages, which edu's DMA through
 * the copy shows, and unmapping the copy tears down only its IOVA.
 */
static int copy_a_within_ioas(struct chain *ch)
{
	struct chain_memfd copy = ch->a;
	uint64_t base = lane(ch->kernel);
	uint64_t seed = kernel_seed(ch->seed, ch->kernel);
	int err;

	err = iommufd_ioas_copy(ch->iommufd, ch->ioas_id, IOVA_COPY, ch->ioas_id, IOVA_A,
				MEMFD_A_SIZE);
	if (!expect_errno(in_kernel(ch, "IOMMU_IOAS_COPY of memfd A's range within the restored IOAS to IOVA 0x%llx",
				    IOVA_COPY), err, 0))
		return 1;
	copy.iova = IOVA_COPY;
	copy.name = "memfd A through its copy";
	if (round_trip(ch, &copy, base + LANE_SOURCE, base + LANE_COPY, seed))
		return 1;
	err = iommufd_unmap(ch->iommufd, ch->ioas_id, IOVA_COPY, MEMFD_A_SIZE);
	if (!expect_errno(in_kernel(ch, "IOMMU_IOAS_UNMAP of the copy at IOVA 0x%llx", IOVA_COPY),
			  err, 0))
		return 1;
	return copy_through_a(ch);
}

static int do_add_mapping(struct chain *ch, const struct chain_args *args)
{
	if (restore(ch, args->session, false) || copy_a_within_ioas(ch) ||
	    create_memfd(ch, &ch->b))
		return 1;
	pattern_fill(ch->b.memory + B_SOURCE, DMA_LEN, memfd_b_seed(ch->seed));
	if (map_into_ioas(ch, &ch->b) || copy_through_b(ch, B_COPY_2) ||
	    preserve_all(ch, args->next_session))
		return 1;
	return kexec_with_dma_in_flight(ch, args);
}

static int do_drop_mapping(struct chain *ch, const struct chain_args *args)
{
	if (restore(ch, args->session, true) ||
	    unmap_b_and_expect_fault(ch, args->expect_fault) ||
	    preserve_all(ch, args->next_session))
		return 1;
	return kexec_with_dma_in_flight(ch, args);
}

static int do_end(struct chain *ch, const struct chain_args *args)
{
	int err;

	if (restore(ch, args->session, false))
		return 1;
	/* Kernel 3 unmapped memfd B before preserving: nothing came back there. */
	err = iommufd_unmap(ch->iommufd, ch->ioas_id, IOVA_B, MEMFD_B_SIZE);
	if (!expect_errno(in_kernel(ch, "IOMMU_IOAS_UNMAP at memfd B's old IOVA 0x%llx finds nothing",
				    IOVA_B), err, ENOENT))
		return 1;
	say(ch, "edu's DMA at IOVA 0x%llx went on through three live updates in a row", IOVA_A);
	return 0;
}

struct chain_command {
	const char *name;
	unsigned int kernel;	/* the kernel of the chain it runs in */
	int (*run)(struct chain *ch, const struct chain_args *args);
};

static const struct chain_command commands[] = {
	{ "start", 1, do_start },
	{ "add-mapping", 2, do_add_mapping },
	{ "drop-mapping", 3, do_drop_mapping },
	{ "end", LAST_KERNEL, do_end },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s start --bdf BDF --session S1 --seed N KEXEC\n"
		"       %s add-mapping --session S1 --next-session S2 --seed N KEXEC\n"
		"       %s drop-mapping --session S2 --next-session S3 --seed N --expect-fault CMD KEXEC\n"
		"       %s end --session S3 --seed N\n"
		"KEXEC: --kernel PATH --initrd PATH --cmdline TEXT [--before-kexec CMD]\n",
		prog, prog, prog, prog);
}

static int parse_args(int argc, char **argv, struct chain_args *args)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "session", required_argument, NULL, 's' },
		{ "next-session", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'x' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "before-kexec", required_argument, NULL, 'e' },
		{ "expect-fault", required_argument, NULL, 'f' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'b': args->bdf = optarg; break;
		case 's': args->session = optarg; break;
		case 'n': args->next_session = optarg; break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 'e': args->before_kexec = optarg; break;
		case 'f': args->expect_fault = optarg; break;
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
static const char *missing_option(const struct chain_command *command,
				  const struct chain_args *args)
{
	if (!args->session)
		return "--session";
	if (!args->have_seed)
		return "--seed";
	if (command->kernel == 1 && !args->bdf)
		return "--bdf";
	if (command->kernel == LAST_KERNEL)
		return NULL;
	if (command->kernel > 1 && !args->next_session)
		return "--next-session";
	if (command->kernel == 3 && !args->expect_fault)
		return "--expect-fault";
	if (!args->kernel)
		return "--kernel";
	if (!args->initrd)
		return "--initrd";
	return args->cmdline ? NULL : "--cmdline";
}

static const struct chain_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct chain_command *command;
	struct chain_args args = { 0 };
	const char *missing;
	struct chain ch;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	command = find_command(argv[1]);
	if (!command) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
		usage(stderr);
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &args))
		return 2;
	missing = missing_option(command, &args);
	if (missing) {
		fprintf(stderr, "%s %s: %s is required\n", prog, command->name, missing);
		return 2;
	}
	chain_init(&ch, command->kernel, args.seed);
	return command->run(&ch, &args);
}
