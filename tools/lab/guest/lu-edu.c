// SPDX-License-Identifier: GPL-2.0
/*
 * lu-edu: a device keeps doing DMA through the same IO page table across a
 * kexec live update.
 *
 *   lu-edu preserve --bdf BDF --session S --seed X --kernel K --initrd I
 *                   --cmdline C [--before-kexec CMD] [--unpreserve]
 *	edu (bound to vfio-pci) gets a HWPT over an IOAS in which a sealed
 *	memfd is mapped at IOVA_BASE; edu copies a pattern through it both
 *	ways. Then the HWPT is marked for preservation and memfd, iommufd and
 *	the vfio device are preserved in LUO session S. Mapping and unmapping
 *	must now fail. CMD runs (e.g. `iolu check`), edu starts one more
 *	transfer that lands while the kernel is being replaced, and the
 *	process reboots into K with kexec_file_load. --unpreserve closes the
 *	session first, which unpreserves everything.
 *
 *   lu-edu restore --session S --seed X
 *	retrieve the session, the iommufd (which restores the marked HWPT
 *	and its IOAS), the memfd and the vfio device; check what the DMA
 *	wrote before and during the kexec; bind the device to the iommufd
 *	and attach it to its restored HWPT, let edu copy again through the
 *	same IOVA, both ways; finish the session.
 *
 *   lu-edu dma-unclaimed --bdf BDF --session S --seed X
 *	after a restore the next kernel failed, before any driver binds edu:
 *	drive edu's DMA through its sysfs BAR; its buffer must not land at
 *	physical address = IOVA.
 *
 *   lu-edu restore-blocked --session S --seed X
 *	after a restore the next kernel failed: retrieve the memfd and the
 *	vfio device, check that edu's DMA lands neither in the memfd nor at
 *	physical address = IOVA, close the device, finish the session. The
 *	iommufd stays unretrieved: a blocked device runs on no restored IO
 *	page table, so nothing it maps needs an owner at the finish.
 *
 *   lu-edu finish-unretrieved --session S
 *	retrieve the session but none of its files, and finish it: the next
 *	kernel must quiesce the vfio device nobody retrieved, whose restored
 *	domain maps the memfd that the finish gives back.
 *
 *   lu-edu refuse-unpreserved --bdf BDF --session S
 *	preserving the vfio device must fail while its HWPT is not marked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edu.h"
#include "iommufd_ops.h"
#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"
#include "physmem.h"

/* edu only reaches bus addresses below 256 MiB. */
#define IOVA_BASE	0x4000000ULL
#define MEMFD_SIZE	(2ULL << 20)
#define DMA_LEN		2048u
/* Offsets in the memfd (and so above IOVA_BASE) of each transfer. */
#define OFF_SOURCE	0x000000ULL	/* the pattern edu reads in stage 1 */
#define OFF_COPY	0x100000ULL	/* where stage 1 writes it back */
#define OFF_IN_FLIGHT	0x140000ULL	/* written while the kernel is replaced */
#define OFF_KEPT	0x180000ULL	/* stage 2: edu's buffer kept across kexec */
#define OFF_SOURCE2	0x1c0000ULL	/* stage 2: a new pattern edu reads */
#define OFF_COPY2	0x1e0000ULL	/* stage 2: where it writes it back */

#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_HWPT	0x10

#define DMA_TIMEOUT_MS	5000

struct lu_edu_args {
	const char *bdf;
	const char *session;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *before_kexec;
	uint64_t seed;
	bool have_seed;
	bool unpreserve;
};

/* What stage 1 sets up and preserves. */
struct lu_edu {
	struct vfio_cdev edu;
	uint8_t *memory;	/* the memfd, mapped */
	int memfd, iommufd, luo_fd, session_fd;
	uint32_t dev_id, ioas_id, hwpt_id;
};

static const char *prog = "lu-edu";

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s preserve --bdf BDF --session NAME --seed N --kernel PATH\n"
		"                 --initrd PATH --cmdline TEXT [--before-kexec CMD] [--unpreserve]\n"
		"       %s restore --session NAME --seed N\n"
		"       %s dma-unclaimed --bdf BDF --session NAME --seed N\n"
		"       %s restore-blocked --session NAME --seed N\n"
		"       %s finish-unretrieved --session NAME\n"
		"       %s refuse-unpreserved --bdf BDF --session NAME\n",
		prog, prog, prog, prog, prog, prog);
}

static int parse_args(int argc, char **argv, struct lu_edu_args *args)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "session", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'x' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "before-kexec", required_argument, NULL, 'e' },
		{ "unpreserve", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'b': args->bdf = optarg; break;
		case 's': args->session = optarg; break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 'e': args->before_kexec = optarg; break;
		case 'u': args->unpreserve = true; break;
		case 'x':
			if (parse_option_number(prog, "--seed", optarg, &args->seed, parse_u64))
				return -EINVAL;
			args->have_seed = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!args->session) {
		fprintf(stderr, "%s: --session is required\n", prog);
		return -EINVAL;
	}
	return 0;
}

/* A sealed memfd holding the pattern of @seed, with the DMA targets zeroed. */
static int make_dma_memfd(struct lu_edu *lu, uint64_t seed)
{
	const uint64_t targets[] = { OFF_COPY, OFF_IN_FLIGHT, OFF_KEPT, OFF_COPY2 };
	size_t i;

	lu->memfd = memfd_create("iolu-lab-dma", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (lu->memfd < 0)
		return fail("memfd_create", -errno);
	if (ftruncate(lu->memfd, MEMFD_SIZE) < 0)
		return fail("ftruncate on the memfd", -errno);
	if (fcntl(lu->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return fail("F_ADD_SEALS on the memfd", -errno);
	lu->memory = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, lu->memfd, 0);
	if (lu->memory == MAP_FAILED)
		return fail("mmap of the memfd", -errno);
	pattern_fill(lu->memory, MEMFD_SIZE, seed);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		memset(lu->memory + targets[i], 0, DMA_LEN);
	return 0;
}

/* iommufd: IOAS, a HWPT for edu, edu attached, the memfd mapped at IOVA_BASE. */
static int attach_edu(struct lu_edu *lu, const char *bdf)
{
	char what[128];
	int err;

	err = vfio_cdev_open(bdf, &lu->edu);
	if (err) {
		snprintf(what, sizeof(what), "open the vfio cdev of %s", bdf);
		return fail(what, err);
	}
	lu->iommufd = iommufd_open();
	if (lu->iommufd < 0)
		return fail("open " IOMMUFD_DEVICE, lu->iommufd);
	err = vfio_cdev_bind_iommufd(&lu->edu, lu->iommufd, &lu->dev_id);
	if (err)
		return fail("VFIO_DEVICE_BIND_IOMMUFD", err);
	err = iommufd_ioas_alloc(lu->iommufd, &lu->ioas_id);
	if (err)
		return fail("IOMMU_IOAS_ALLOC", err);
	err = iommufd_hwpt_alloc(lu->iommufd, lu->dev_id, lu->ioas_id, &lu->hwpt_id);
	if (err)
		return fail("IOMMU_HWPT_ALLOC", err);
	err = vfio_cdev_attach(&lu->edu, lu->hwpt_id);
	if (err)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT", err);
	err = iommufd_map_file(lu->iommufd, lu->ioas_id, lu->memfd, 0, MEMFD_SIZE, IOVA_BASE);
	if (err)
		return fail("IOMMU_IOAS_MAP_FILE of the memfd", err);
	err = edu_enable_bus_master(&lu->edu);
	if (err)
		return fail("enable bus mastering in edu's command register", err);
	printf("%s: edu %s attached to HWPT %u; memfd mapped at IOVA 0x%llx (%llu KiB)\n",
	       prog, bdf, lu->hwpt_id, IOVA_BASE, MEMFD_SIZE >> 10);
	return 0;
}

static int edu_transfer(struct vfio_cdev *edu, enum edu_dma_dir dir, uint64_t offset)
{
	char what[128];
	int err;

	err = edu_dma_start(edu, dir, IOVA_BASE + offset, 0, DMA_LEN);
	if (!err)
		err = edu_dma_wait(edu, DMA_TIMEOUT_MS);
	if (err) {
		snprintf(what, sizeof(what), "edu DMA %s IOVA 0x%llx",
			 dir == EDU_TO_DEVICE ? "from" : "to",
			 (unsigned long long)(IOVA_BASE + offset));
		return fail(what, err);
	}
	return 0;
}

/* The DMA_LEN bytes at @offset must hold the first bytes of @seed's pattern. */
static int expect_pattern(const uint8_t *memory, uint64_t offset, uint64_t seed,
			  const char *what)
{
	size_t bad = pattern_check(memory + offset, DMA_LEN, seed);

	if (bad != DMA_LEN) {
		fprintf(stderr, "%s: %s: byte %zu at memfd offset 0x%llx is 0x%02x, expected 0x%02x\n",
			prog, what, bad, (unsigned long long)offset, memory[offset + bad],
			pattern_byte(seed, bad));
		return 1;
	}
	printf("%s: %s: %u bytes at IOVA 0x%llx check out\n", prog, what, DMA_LEN,
	       (unsigned long long)(IOVA_BASE + offset));
	return 0;
}

/* edu reads the pattern at OFF_SOURCE and writes it back at OFF_COPY. */
static int dma_round_trip(struct lu_edu *lu, uint64_t seed)
{
	if (edu_transfer(&lu->edu, EDU_TO_DEVICE, OFF_SOURCE) ||
	    edu_transfer(&lu->edu, EDU_FROM_DEVICE, OFF_COPY))
		return 1;
	return expect_pattern(lu->memory, OFF_COPY, seed, "DMA before the live update");
}

static int preserve_in_session(struct lu_edu *lu, const char *session)
{
	const struct { int fd; uint64_t token; const char *what; } files[] = {
		{ lu->memfd, TOKEN_MEMFD, "memfd" },
		{ lu->iommufd, TOKEN_IOMMUFD, "iommufd" },
		{ lu->edu.fd, TOKEN_VFIO, "vfio device" },
	};
	char what[160];
	size_t i;
	int err;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		err = luo_preserve_fd(lu->session_fd, files[i].fd, files[i].token);
		if (err) {
			snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_PRESERVE_FD (%s, token %llu)",
				 files[i].what, (unsigned long long)files[i].token);
			return fail(what, err);
		}
	}
	printf("%s: preserved memfd, iommufd and vfio device in session '%s'\n", prog, session);
	return 0;
}

/* While the HWPT is preserved its IOAS must not change. */
static int expect_ioas_frozen(struct lu_edu *lu)
{
	int err;

	err = iommufd_unmap(lu->iommufd, lu->ioas_id, IOVA_BASE, MEMFD_SIZE);
	if (!err) {
		fprintf(stderr, "%s: IOMMU_IOAS_UNMAP succeeded on a preserved IOAS\n", prog);
		return 1;
	}
	printf("%s: unmap on the preserved IOAS refused: %s\n", prog, strerror(-err));
	err = iommufd_map_file(lu->iommufd, lu->ioas_id, lu->memfd, 0, 4096,
			       IOVA_BASE + MEMFD_SIZE);
	if (!err) {
		fprintf(stderr, "%s: IOMMU_IOAS_MAP_FILE succeeded on a preserved IOAS\n", prog);
		return 1;
	}
	printf("%s: map on the preserved IOAS refused: %s\n", prog, strerror(-err));
	return 0;
}

static int open_session(struct lu_edu *lu, const char *session)
{
	char what[128];

	lu->luo_fd = luo_open();
	if (lu->luo_fd < 0)
		return fail("open " LUO_DEVICE, lu->luo_fd);
	lu->session_fd = luo_create_session(lu->luo_fd, session);
	if (lu->session_fd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_IOCTL_CREATE_SESSION '%s'", session);
		return fail(what, lu->session_fd);
	}
	return 0;
}

static int run_before_kexec(const char *command)
{
	int status;

	printf("%s: running before kexec: %s\n", prog, command);
	fflush(stdout);
	status = system(command);
	if (status != 0) {
		fprintf(stderr, "%s: '%s' failed (wait status %d)\n", prog, command, status);
		return 1;
	}
	return 0;
}

static int kexec_into(const struct lu_edu_args *args, struct lu_edu *lu)
{
	const char *failed;
	char what[160];
	int err;

	err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);
	if (err) {
		snprintf(what, sizeof(what), "kexec_file_load (%s)",
			 err == -ENOENT || err == -EACCES ? failed : "kernel, initrd and cmdline");
		return fail(what, err);
	}
	if (!args->unpreserve) {
		/* edu runs this ~100 ms from now, while the kernel is being replaced. */
		err = edu_dma_start(&lu->edu, EDU_FROM_DEVICE, IOVA_BASE + OFF_IN_FLIGHT, 0,
				    DMA_LEN);
		if (err)
			return fail("start the in-flight edu DMA", err);
		printf("%s: edu DMA to IOVA 0x%llx started, landing during the kexec\n", prog,
		       IOVA_BASE + OFF_IN_FLIGHT);
	}
	return fail("reboot(LINUX_REBOOT_CMD_KEXEC)", kexec_reboot());
}

static int do_preserve(const struct lu_edu_args *args)
{
	struct lu_edu lu = { 0 };
	int err;

	if (!args->bdf || !args->have_seed || !args->kernel || !args->initrd ||
	    !args->cmdline) {
		fprintf(stderr, "%s preserve: --bdf, --seed, --kernel, --initrd and --cmdline are required\n",
			prog);
		return 2;
	}
	if (make_dma_memfd(&lu, args->seed) || attach_edu(&lu, args->bdf) ||
	    dma_round_trip(&lu, args->seed))
		return 1;
	err = iommufd_hwpt_set_preserve(lu.iommufd, lu.hwpt_id, TOKEN_HWPT);
	if (err)
		return fail("IOMMU_HWPT_LU_SET_PRESERVE", err);
	if (open_session(&lu, args->session) || preserve_in_session(&lu, args->session) ||
	    expect_ioas_frozen(&lu))
		return 1;
	if (args->unpreserve) {
		/* Closing the session unpreserves every file in it. */
		close(lu.session_fd);
		close(lu.luo_fd);
		printf("%s: session '%s' closed: everything unpreserved\n", prog, args->session);
	}
	if (args->before_kexec && run_before_kexec(args->before_kexec))
		return 1;
	return kexec_into(args, &lu);
}

static int retrieve(int session_fd, uint64_t token, const char *name)
{
	char what[128];
	int fd = luo_retrieve_fd(session_fd, token);

	if (fd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_RETRIEVE_FD (%s, token %llu)",
			 name, (unsigned long long)token);
		fail(what, fd);
	}
	return fd;
}

/* The retrieved vfio device must still be edu, alive and bus master. */
static int check_edu_kept(struct vfio_cdev *edu, int vfio_fd)
{
	bool master;
	uint32_t ident;
	int err;

	err = vfio_cdev_adopt(vfio_fd, edu);
	if (err)
		return fail("VFIO_DEVICE_GET_REGION_INFO on the retrieved vfio device", err);
	err = edu_check_alive(edu, &ident);
	if (err)
		return fail("edu's ident and liveness registers through the retrieved fd", err);
	err = edu_bus_master(edu, &master);
	if (err)
		return fail("read edu's command register", err);
	if (!master) {
		fprintf(stderr, "%s: edu lost bus mastering across the kexec\n", prog);
		return 1;
	}
	printf("%s: retrieved vfio device answers (ident 0x%08x) and is still bus master\n",
	       prog, ident);
	return 0;
}

static int dma_after_restore(struct vfio_cdev *edu, uint8_t *memory, uint64_t seed)
{
	uint64_t seed2 = seed ^ 0x9e3779b97f4a7c15ULL;

	if (expect_pattern(memory, OFF_COPY, seed, "DMA written before the kexec") ||
	    expect_pattern(memory, OFF_IN_FLIGHT, seed, "DMA that landed during the kexec"))
		return 1;
	/* edu was not reset: its buffer still holds what stage 1 read into it. */
	if (edu_transfer(edu, EDU_FROM_DEVICE, OFF_KEPT) ||
	    expect_pattern(memory, OFF_KEPT, seed, "edu's buffer kept across the kexec"))
		return 1;
	pattern_fill(memory + OFF_SOURCE2, DMA_LEN, seed2);
	if (edu_transfer(edu, EDU_TO_DEVICE, OFF_SOURCE2) ||
	    edu_transfer(edu, EDU_FROM_DEVICE, OFF_COPY2))
		return 1;
	return expect_pattern(memory, OFF_COPY2, seed2, "DMA after the live update");
}

/* What stage 2 gets back from the session. */
struct lu_edu_retrieved {
	int session_fd, vfio_fd;
	int iommufd;		/* -1 unless asked for */
	uint8_t *memory;	/* the memfd, mapped */
};

/* The session handed over from the previous kernel, or -1 after a message. */
static int retrieve_session_fd(const struct lu_edu_args *args)
{
	char what[128];
	int luo_fd, session_fd;

	luo_fd = luo_open();
	if (luo_fd < 0) {
		fail("open " LUO_DEVICE, luo_fd);
		return -1;
	}
	session_fd = luo_retrieve_session(luo_fd, args->session);
	if (session_fd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_IOCTL_RETRIEVE_SESSION '%s'", args->session);
		fail(what, session_fd);
		return -1;
	}
	return session_fd;
}

/*
 * Retrieve the session, with @with_iommufd the iommufd, then the memfd
 * (mapped) and the vfio device. The iommufd comes first: it takes the
 * memfd from the session itself and pins the pages the device reaches,
 * before userspace holds the memfd.
 */
static int retrieve_session(const struct lu_edu_args *args, const char *command,
			    bool with_iommufd, struct lu_edu_retrieved *got)
{
	int memfd;

	if (!args->have_seed) {
		fprintf(stderr, "%s %s: --seed is required\n", prog, command);
		return 2;
	}
	got->session_fd = retrieve_session_fd(args);
	if (got->session_fd < 0)
		return 1;
	got->iommufd = with_iommufd ? retrieve(got->session_fd, TOKEN_IOMMUFD, "iommufd") : -1;
	if (with_iommufd && got->iommufd < 0)
		return 1;
	memfd = retrieve(got->session_fd, TOKEN_MEMFD, "memfd");
	got->vfio_fd = retrieve(got->session_fd, TOKEN_VFIO, "vfio device");
	if (memfd < 0 || got->vfio_fd < 0)
		return 1;
	got->memory = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (got->memory == MAP_FAILED)
		return fail("mmap of the retrieved memfd", -errno);
	return 0;
}

static int finish_session(const struct lu_edu_args *args, int session_fd)
{
	char what[128];
	int err = luo_finish_session(session_fd);

	if (err) {
		snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_FINISH '%s'", args->session);
		return fail(what, err);
	}
	printf("%s: session '%s' finished\n", prog, args->session);
	return 0;
}

/*
 * The retrieved iommufd rebuilt the marked HWPT on the IO page table edu
 * kept translating through, and owns the pages edu reaches: binding edu
 * to it and attaching that HWPT changes nothing in the hardware.
 */
static int attach_restored_hwpt(struct vfio_cdev *edu, int iommufd)
{
	uint32_t hwpt_id, ioas_id, dev_id;
	int err;

	err = iommufd_hwpt_get_restored(iommufd, TOKEN_HWPT, &hwpt_id, &ioas_id);
	if (err)
		return fail("IOMMU_HWPT_LU_GET_RESTORED", err);
	if (!hwpt_id) {
		fprintf(stderr, "%s: the iommufd restored IOAS %u without its HWPT\n", prog, ioas_id);
		return 1;
	}
	err = vfio_cdev_bind_iommufd(edu, iommufd, &dev_id);
	if (err)
		return fail("VFIO_DEVICE_BIND_IOMMUFD of the retrieved device to the retrieved iommufd",
			    err);
	err = vfio_cdev_attach(edu, hwpt_id);
	if (err)
		return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT to the restored HWPT", err);
	printf("%s: retrieved iommufd restored HWPT %u over IOAS %u; edu bound and attached to it\n",
	       prog, hwpt_id, ioas_id);
	return 0;
}

static int do_restore(const struct lu_edu_args *args)
{
	struct lu_edu_retrieved got;
	struct vfio_cdev edu = { 0 };
	int err = retrieve_session(args, "restore", true, &got);

	if (err)
		return err;
	if (check_edu_kept(&edu, got.vfio_fd) || attach_restored_hwpt(&edu, got.iommufd) ||
	    dma_after_restore(&edu, got.memory, args->seed))
		return 1;
	return finish_session(args, got.session_fd);
}

/* Where edu's buffer, stage 1's pattern, landed: it must be nowhere. */
static int expect_nothing_at_phys(uint64_t seed)
{
	uint64_t phys = IOVA_BASE + OFF_COPY2;
	uint8_t at_phys[DMA_LEN];
	int err;

	err = physmem_read(phys, at_phys, sizeof(at_phys));
	if (err)
		return fail("read physical memory at the IOVA through /proc/kcore", err);
	if (pattern_check(at_phys, DMA_LEN, seed) == DMA_LEN) {
		fprintf(stderr, "%s: blocked DMA landed untranslated at physical address 0x%llx\n",
			prog, (unsigned long long)phys);
		return 1;
	}
	return 0;
}

/*
 * The next kernel failed to restore edu's translation (the lab injects the
 * failure): its DMA must be blocked. edu writes its buffer, still holding
 * stage 1's pattern, to OFF_COPY2: none of it may land, neither in the memfd
 * nor at physical address IOVA_BASE + OFF_COPY2, where an identity domain
 * would have put it.
 */
static int dma_blocked(struct vfio_cdev *edu, uint8_t *memory, uint64_t seed)
{
	uint64_t phys = IOVA_BASE + OFF_COPY2;

	memset(memory + OFF_COPY2, 0, DMA_LEN);
	if (edu_transfer(edu, EDU_FROM_DEVICE, OFF_COPY2))
		return 1;
	for (size_t i = 0; i < DMA_LEN; i++) {
		if (memory[OFF_COPY2 + i]) {
			fprintf(stderr, "%s: blocked DMA reached the memfd: byte %zu at offset 0x%llx is 0x%02x\n",
				prog, i, (unsigned long long)OFF_COPY2, memory[OFF_COPY2 + i]);
			return 1;
		}
	}
	if (expect_nothing_at_phys(seed))
		return 1;
	printf("%s: DMA to IOVA 0x%llx reached neither the memfd nor physical address 0x%llx\n",
	       prog, (unsigned long long)phys, (unsigned long long)phys);
	return 0;
}

/*
 * Turn on memory decoding and Bus Master through sysfs's config file: it
 * reads and writes config space at file offsets, as the config region of
 * a vfio device does, so edu_enable_bus_master() works on it unchanged.
 */
static int sysfs_enable_master(const char *bdf)
{
	struct vfio_cdev config = { .config_offset = 0 };
	char path[96];
	int err;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	config.fd = open(path, O_RDWR | O_CLOEXEC);
	if (config.fd < 0)
		return -errno;
	err = edu_enable_bus_master(&config);
	close(config.fd);
	return err;
}

/*
 * Before any driver claims edu in the next kernel, its DMA goes wherever
 * the IOMMU core left it: drive edu through its BAR mapped from sysfs, as
 * a device left running would, and check that its buffer lands nowhere.
 */
static int do_dma_unclaimed(const struct lu_edu_args *args)
{
	uint64_t iova = IOVA_BASE + OFF_COPY2;
	volatile uint32_t *bar0;
	char path[96];
	int fd, err;

	if (!args->bdf || !args->have_seed) {
		fprintf(stderr, "%s dma-unclaimed: --bdf and --seed are required\n", prog);
		return 2;
	}
	err = sysfs_enable_master(args->bdf);
	if (err)
		return fail("enable edu's memory decoding and Bus Master through sysfs", err);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", args->bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return fail(path, -errno);
	bar0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar0 == MAP_FAILED)
		return fail("mmap of edu's BAR 0", -errno);
	err = edu_mmio_dma_to_memory(bar0, iova, DMA_LEN, DMA_TIMEOUT_MS);
	munmap((void *)bar0, 4096);
	if (err)
		return fail("edu DMA through its sysfs BAR", err);
	if (expect_nothing_at_phys(args->seed))
		return 1;
	printf("%s: unclaimed edu's DMA to IOVA 0x%llx did not reach physical address 0x%llx\n",
	       prog, (unsigned long long)iova, (unsigned long long)iova);
	return 0;
}

static int do_restore_blocked(const struct lu_edu_args *args)
{
	struct lu_edu_retrieved got;
	struct vfio_cdev edu = { 0 };
	int err = retrieve_session(args, "restore-blocked", false, &got);

	if (err)
		return err;
	err = vfio_cdev_adopt(got.vfio_fd, &edu);
	if (err)
		return fail("VFIO_DEVICE_GET_REGION_INFO on the retrieved vfio device", err);
	if (dma_blocked(&edu, got.memory, args->seed))
		return 1;
	/* The last close resets edu and gives its DMA ownership back */
	close(got.vfio_fd);
	return finish_session(args, got.session_fd);
}

static int do_finish_unretrieved(const struct lu_edu_args *args)
{
	int session_fd = retrieve_session_fd(args);

	return session_fd < 0 ? 1 : finish_session(args, session_fd);
}

/* A device whose HWPT is not marked for preservation cannot be preserved. */
static int do_refuse_unpreserved(const struct lu_edu_args *args)
{
	struct lu_edu lu = { 0 };
	int err;

	if (!args->bdf) {
		fprintf(stderr, "%s refuse-unpreserved: --bdf is required\n", prog);
		return 2;
	}
	if (make_dma_memfd(&lu, 1) || attach_edu(&lu, args->bdf) ||
	    open_session(&lu, args->session))
		return 1;
	err = luo_preserve_fd(lu.session_fd, lu.memfd, TOKEN_MEMFD);
	if (err)
		return fail("LIVEUPDATE_SESSION_PRESERVE_FD (memfd)", err);
	err = luo_preserve_fd(lu.session_fd, lu.edu.fd, TOKEN_VFIO);
	if (!err) {
		fprintf(stderr, "%s: the vfio device was preserved although its HWPT is not\n",
			prog);
		return 1;
	}
	printf("%s: preserving the vfio device with an unpreserved HWPT failed: %s\n", prog,
	       strerror(-err));
	return 0;
}

int main(int argc, char **argv)
{
	struct lu_edu_args args = { 0 };
	const char *command;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	command = argv[1];
	if (parse_args(argc - 1, argv + 1, &args))
		return 2;
	if (!strcmp(command, "preserve"))
		return do_preserve(&args);
	if (!strcmp(command, "restore"))
		return do_restore(&args);
	if (!strcmp(command, "dma-unclaimed"))
		return do_dma_unclaimed(&args);
	if (!strcmp(command, "restore-blocked"))
		return do_restore_blocked(&args);
	if (!strcmp(command, "finish-unretrieved"))
		return do_finish_unretrieved(&args);
	if (!strcmp(command, "refuse-unpreserved"))
		return do_refuse_unpreserved(&args);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, command);
	usage(stderr);
	return 2;
}
