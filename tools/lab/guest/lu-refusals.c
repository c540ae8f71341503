// SPDX-License-Identifier: GPL-2.0
/*
 * lu-refusals: the refusals of the iommufd and vfio-pci live update file
 * handlers, without a kexec.
 *
 *   lu-refusals --bdf BDF
 *
 * edu (bound to vfio-pci) is attached to a HWPT over an IOAS in which a
 * sealed memfd is mapped. Each check does one thing the kernel must refuse
 * (or allow) and compares the errno with the documented one. Every session
 * is closed before the next check, which unpreserves everything in it.
 * Prints one "ok"/"FAIL" line per check; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "expect.h"
#include "iommufd_ops.h"
#include "luo.h"
#include "vfio_cdev.h"

#define IOVA_BASE	0x4000000ULL
#define IOVA_EXTRA	0x5000000ULL	/* a second mapping, for the bad cases */
#define PUNCH_OFFSET	0x3000		/* its page the hole case punches */
#define MAP_SIZE	(1ULL << 20)
#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_MEMFD2	4
#define TOKEN_HWPT	0x10
#define TOKEN_HWPT2	0x11

struct lab {
	struct vfio_cdev edu;
	int iommufd, luo_fd, memfd;
	uint32_t dev_id, ioas_id, hwpt_id, spare_hwpt_id;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "lu-refusals: %s: %s\n", what, strerror(-err));
	exit(2);
}

static int sealed_memfd(const char *name, unsigned int seals)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		die("memfd_create", -errno);
	if (ftruncate(fd, MAP_SIZE) < 0)
		die("ftruncate", -errno);
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		die("F_ADD_SEALS", -errno);
	return fd;
}

static int ioas_copy(int iommufd, uint32_t ioas_id, uint64_t src, uint64_t dst)
{
	struct iommu_ioas_copy arg = {
		.size = sizeof(arg),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = ioas_id,
		.src_ioas_id = ioas_id,
		.length = 4096,
		.dst_iova = dst,
		.src_iova = src,
	};

	return ioctl(iommufd, IOMMU_IOAS_COPY, &arg) < 0 ? -errno : 0;
}

static int vfio_detach(struct vfio_cdev *dev)
{
	struct vfio_device_detach_iommufd_pt arg = { .argsz = sizeof(arg) };

	return ioctl(dev->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &arg) < 0 ? -errno : 0;
}

static int vfio_reset(struct vfio_cdev *dev)
{
	return ioctl(dev->fd, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}

/* A bus reset of the device's slot or bus, as a cdev user asks for it. */
static int vfio_hot_reset(struct vfio_cdev *dev)
{
	struct vfio_pci_hot_reset arg = { .argsz = sizeof(arg), .count = 0 };

	return ioctl(dev->fd, VFIO_DEVICE_PCI_HOT_RESET, &arg) < 0 ? -errno : 0;
}

static void setup(struct lab *lab, const char *bdf)
{
	int err;

	lab->memfd = sealed_memfd("lu-dma", F_SEAL_SHRINK | F_SEAL_GROW);
	err = vfio_cdev_open(bdf, &lab->edu);
	if (err)
		die("open the vfio cdev", err);
	lab->iommufd = iommufd_open();
	if (lab->iommufd < 0)
		die("open /dev/iommu", lab->iommufd);
	err = vfio_cdev_bind_iommufd(&lab->edu, lab->iommufd, &lab->dev_id);
	if (!err)
		err = iommufd_ioas_alloc(lab->iommufd, &lab->ioas_id);
	if (!err)
		err = iommufd_hwpt_alloc(lab->iommufd, lab->dev_id, lab->ioas_id,
					 &lab->hwpt_id);
	if (!err)
		err = iommufd_hwpt_alloc(lab->iommufd, lab->dev_id, lab->ioas_id,
					 &lab->spare_hwpt_id);
	if (!err)
		err = vfio_cdev_attach(&lab->edu, lab->hwpt_id);
	if (!err)
		err = iommufd_map_file(lab->iommufd, lab->ioas_id, lab->memfd, 0,
				       MAP_SIZE, IOVA_BASE);
	if (err)
		die("set up edu on iommufd", err);
	lab->luo_fd = luo_open();
	if (lab->luo_fd < 0)
		die("open /dev/liveupdate", lab->luo_fd);
}

static int new_session(struct lab *lab, const char *name)
{
	int session_fd = luo_create_session(lab->luo_fd, name);

	if (session_fd < 0)
		die("create a session", session_fd);
	return session_fd;
}

/* IOMMU_HWPT_LU_SET_PRESERVE with a flag or a reserved word set. */
static int mark_raw(int iommufd, uint32_t hwpt_id, uint32_t flags,
		    uint32_t reserved)
{
	struct iommu_hwpt_lu_set_preserve arg = {
		.size = sizeof(arg),
		.flags = flags,
		.hwpt_id = hwpt_id,
		.__reserved = reserved,
		.token = TOKEN_HWPT,
	};

	return ioctl(iommufd, IOMMU_HWPT_LU_SET_PRESERVE, &arg) < 0 ? -errno : 0;
}

static void check_marks(struct lab *lab)
{
	int fd = lab->iommufd;

	expect_errno("mark with an unknown flag",
	             mark_raw(fd, lab->hwpt_id, 1, 0), EOPNOTSUPP);
	expect_errno("mark with the reserved word set",
	             mark_raw(fd, lab->hwpt_id, 0, 1), EOPNOTSUPP);

	expect_errno("mark a HWPT that does not exist",
	             iommufd_hwpt_set_preserve(fd, 0xdead, TOKEN_HWPT), ENOENT);
	expect_errno("mark an IOAS as if it were a HWPT",
	             iommufd_hwpt_set_preserve(fd, lab->ioas_id, TOKEN_HWPT), ENOENT);
	expect_errno("mark edu's HWPT",
	             iommufd_hwpt_set_preserve(fd, lab->hwpt_id, TOKEN_HWPT), 0);
	expect_errno("mark a second HWPT with the same token",
	             iommufd_hwpt_set_preserve(fd, lab->spare_hwpt_id, TOKEN_HWPT), EEXIST);
	expect_errno("mark the same HWPT again with its token",
	             iommufd_hwpt_set_preserve(fd, lab->hwpt_id, TOKEN_HWPT), 0);
}

static void check_nothing_marked(struct lab *lab)
{
	int session_fd = new_session(lab, "lu-unmarked");

	expect_errno("clear the mark",
	             iommufd_hwpt_set_preserve(lab->iommufd, lab->hwpt_id, 0), 0);
	expect_errno("preserve the memfd",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	expect_errno("preserve an iommufd with no marked HWPT",
	             luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), ENOENT);
	expect_errno("preserve edu while its HWPT is not preserved",
	             luo_preserve_fd(session_fd, lab->edu.fd, TOKEN_VFIO), ENOENT);
	close(session_fd);
	expect_errno("mark edu's HWPT again",
	             iommufd_hwpt_set_preserve(lab->iommufd, lab->hwpt_id, TOKEN_HWPT), 0);
}

static void check_memfd_not_preserved(struct lab *lab)
{
	int session_fd = new_session(lab, "lu-order");

	expect_errno("preserve the iommufd before its memfd",
	             luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), ENOENT);
	close(session_fd);

	/* A memfd preserved in another session does not count either */
	session_fd = new_session(lab, "lu-memfd-elsewhere");
	expect_errno("preserve the memfd in session A",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	{
		int other_fd = new_session(lab, "lu-iommufd-here");

		expect_errno("preserve the iommufd in session B",
		             luo_preserve_fd(other_fd, lab->iommufd, TOKEN_IOMMUFD), ENOENT);
		close(other_fd);
	}
	close(session_fd);
}

static void check_bad_mapping(struct lab *lab, const char *what, int bad_memfd,
			      void *user_memory, int want)
{
	int session_fd, err;
	char line[160];

	if (user_memory)
		err = iommufd_map_user(lab->iommufd, lab->ioas_id, user_memory,
				    MAP_SIZE, IOVA_EXTRA);
	else
		err = iommufd_map_file(lab->iommufd, lab->ioas_id, bad_memfd, 0,
				       MAP_SIZE, IOVA_EXTRA);
	if (err)
		die("map the extra range", err);

	session_fd = new_session(lab, "lu-bad-mapping");
	expect_errno("preserve the memfd",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	if (bad_memfd >= 0)
		expect_errno("preserve the second memfd",
		             luo_preserve_fd(session_fd, bad_memfd, TOKEN_MEMFD2), 0);
	snprintf(line, sizeof(line), "preserve the iommufd with %s", what);
	expect_errno(line, luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), want);
	close(session_fd);

	expect_errno("unmap the extra range once the session is closed",
	             iommufd_unmap(lab->iommufd, lab->ioas_id, IOVA_EXTRA, MAP_SIZE), 0);
}

static void check_bad_mappings(struct lab *lab)
{
	int unsealed = sealed_memfd("lu-unsealed", 0);
	int grow_only = sealed_memfd("lu-shrink-only", F_SEAL_SHRINK);
	void *anon;

	anon = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap anonymous memory", -errno);

	check_bad_mapping(lab, "an unsealed memfd mapped", unsealed, NULL, EINVAL);
	check_bad_mapping(lab, "a memfd without F_SEAL_GROW mapped", grow_only,
			  NULL, EINVAL);
	check_bad_mapping(lab, "process memory mapped (IOMMU_IOAS_MAP)", -1, anon,
			  EINVAL);
	munmap(anon, MAP_SIZE);
	close(unsealed);
	close(grow_only);
}

/*
 * A hole punched in a mapped memfd leaves the pinned page in the IO page
 * table while the memfd's page cache, which its preservation hands over,
 * gets a new page at that offset once it is touched again.
 */
static void check_punched_hole(struct lab *lab)
{
	int punched = sealed_memfd("lu-punched", F_SEAL_SHRINK | F_SEAL_GROW);
	int session_fd, err;
	char byte = 1;

	err = iommufd_map_file(lab->iommufd, lab->ioas_id, punched, 0, MAP_SIZE,
			       IOVA_EXTRA);
	if (err)
		die("map the memfd to punch", err);
	if (fallocate(punched, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      PUNCH_OFFSET, 4096) < 0)
		die("punch a hole in the mapped memfd", -errno);
	if (pwrite(punched, &byte, 1, PUNCH_OFFSET) != 1)
		die("touch the punched page", -errno);

	session_fd = new_session(lab, "lu-punched");
	expect_errno("preserve the memfd",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	expect_errno("preserve the punched memfd",
	             luo_preserve_fd(session_fd, punched, TOKEN_MEMFD2), 0);
	expect_errno("preserve the iommufd over a page punched out of its memfd",
	             luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), EINVAL);
	close(session_fd);
	expect_errno("unmap the punched range once the session is closed",
	             iommufd_unmap(lab->iommufd, lab->ioas_id, IOVA_EXTRA, MAP_SIZE), 0);
	close(punched);
}

/*
 * The device's IO page table is only handed over whole when its iommufd
 * and memfds go in the same session: closing another session would
 * unpreserve the domain under a device that is still preserved.
 */
static void check_other_session(struct lab *lab)
{
	int session_fd = new_session(lab, "lu-iommufd-here");
	int other_fd = new_session(lab, "lu-device-elsewhere");
	uint64_t probe = IOVA_BASE + 2 * MAP_SIZE;

	expect_errno("preserve the memfd in session A",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	expect_errno("preserve the iommufd in session A",
	             luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), 0);
	expect_errno("preserve edu in session B, away from its iommufd",
	             luo_preserve_fd(other_fd, lab->edu.fd, TOKEN_VFIO), EXDEV);
	close(other_fd);
	close(session_fd);
	expect_errno("map once both sessions are closed",
	             iommufd_map_file(lab->iommufd, lab->ioas_id, lab->memfd, 0, 4096,
				      probe), 0);
	expect_errno("unmap it again", iommufd_unmap(lab->iommufd, lab->ioas_id, probe, 4096), 0);
}

static void check_preserved(struct lab *lab)
{
	int session_fd = new_session(lab, "lu-preserved");
	uint64_t unmapped_probe = IOVA_BASE + 2 * MAP_SIZE;
	int reset_err, hot_reset_err;

	expect_errno("preserve the memfd",
	             luo_preserve_fd(session_fd, lab->memfd, TOKEN_MEMFD), 0);
	expect_errno("preserve the iommufd",
	             luo_preserve_fd(session_fd, lab->iommufd, TOKEN_IOMMUFD), 0);
	expect_errno("map into the preserved IOAS",
	             iommufd_map_file(lab->iommufd, lab->ioas_id, lab->memfd, 0, 4096,
				      unmapped_probe), EBUSY);
	expect_errno("unmap from the preserved IOAS",
	             iommufd_unmap(lab->iommufd, lab->ioas_id, IOVA_BASE, MAP_SIZE), EBUSY);
	expect_errno("copy within the preserved IOAS",
	             ioas_copy(lab->iommufd, lab->ioas_id, IOVA_BASE, unmapped_probe), EBUSY);
	expect_errno("change a mark while preserved",
	             iommufd_hwpt_set_preserve(lab->iommufd, lab->hwpt_id, TOKEN_HWPT2), EBUSY);
	expect_errno("destroy the preserved HWPT",
	             iommufd_destroy(lab->iommufd, lab->hwpt_id), EBUSY);
	reset_err = vfio_reset(&lab->edu);
	hot_reset_err = vfio_hot_reset(&lab->edu);
	printf("lu-refusals: before preserving edu, VFIO_DEVICE_RESET gives %s, VFIO_DEVICE_PCI_HOT_RESET %s\n",
	       reset_err ? strerror(-reset_err) : "success",
	       hot_reset_err ? strerror(-hot_reset_err) : "success");
	expect_errno("preserve edu",
	             luo_preserve_fd(session_fd, lab->edu.fd, TOKEN_VFIO), 0);
	expect_errno("VFIO_DEVICE_RESET of preserved edu", vfio_reset(&lab->edu), EBUSY);
	/* edu's slot cannot be reset at all in the lab: then that answer stays */
	expect_errno("VFIO_DEVICE_PCI_HOT_RESET over preserved edu",
	             vfio_hot_reset(&lab->edu), hot_reset_err ? -hot_reset_err : EBUSY);
	expect_errno("attach preserved edu to another HWPT",
	             vfio_cdev_attach(&lab->edu, lab->spare_hwpt_id), EBUSY);
	expect_errno("detach preserved edu", vfio_detach(&lab->edu), EBUSY);
	close(session_fd);

	expect_errno("map again once the session is closed",
	             iommufd_map_file(lab->iommufd, lab->ioas_id, lab->memfd, 0, 4096,
				unmapped_probe), 0);
	expect_errno("unmap it again",
	             iommufd_unmap(lab->iommufd, lab->ioas_id, unmapped_probe, 4096), 0);
	expect_errno("VFIO_DEVICE_RESET of edu once unpreserved", vfio_reset(&lab->edu),
	             -reset_err);
	expect_errno("VFIO_DEVICE_PCI_HOT_RESET once unpreserved", vfio_hot_reset(&lab->edu),
	             -hot_reset_err);
	expect_errno("attach edu to another HWPT once unpreserved",
	             vfio_cdev_attach(&lab->edu, lab->spare_hwpt_id), 0);
	expect_errno("destroy the formerly preserved HWPT",
	             iommufd_destroy(lab->iommufd, lab->hwpt_id), 0);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ 0 }
	};
	struct lab lab = { 0 };
	const char *bdf = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 'b') {
			fprintf(stderr, "usage: lu-refusals --bdf BDF\n");
			return 2;
		}
		bdf = optarg;
	}
	if (!bdf) {
		fprintf(stderr, "usage: lu-refusals --bdf BDF\n");
		return 2;
	}

	setup(&lab, bdf);
	check_marks(&lab);
	check_nothing_marked(&lab);
	check_memfd_not_preserved(&lab);
	check_bad_mappings(&lab);
	check_punched_hole(&lab);
	check_other_session(&lab);
	check_preserved(&lab);
	return expect_verdict("lu-refusals");
}
