// SPDX-License-Identifier: GPL-2.0
/*
 * lu-retrieve: stage 2 of a live update preserved by `lu-edu preserve`,
 * checking what lu-edu restore does not: the retrieved iommufd and the HWPT
 * it restored, the binding rules of the retrieved vfio device, and that
 * closing the device gives it back to the kernel.
 *
 *   lu-retrieve --bdf BDF --session S
 *	the iommufd restored the marked HWPT and its IOAS; the device
 *	attaches to nothing before it is bound, binds to the retrieved
 *	iommufd once, attaches to the restored HWPT; the session finishes.
 *   lu-retrieve --bdf BDF --session S --blocked
 *	the next kernel rejected the IOMMU state: the device's DMA is
 *	blocked, so the iommufd rebuilt the IOAS without a HWPT, and the
 *	session finishes without the device bound.
 *   lu-retrieve --bdf BDF --session S --unbound
 *	edu is not bound to vfio-pci: retrieving the vfio device must fail
 *	with ENODEV, and LUO keeps that answer for the token.
 *
 * Tokens are lu-edu's: memfd 1, iommufd 2, vfio device 3.
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
#include <unistd.h>

#include "edu.h"
#include "expect.h"
#include "iommufd_ops.h"
#include "luo.h"
#include "vfio_cdev.h"

#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_VFIO	3
#define TOKEN_HWPT	0x10	/* lu-edu's mark on its HWPT */
#define EDU_LIVENESS	0x04

/* What the iommufd restored: the HWPT marked TOKEN_HWPT and its IOAS. */
struct restored {
	uint32_t hwpt_id, ioas_id;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "lu-retrieve: %s: %s\n", what, strerror(-err));
	exit(2);
}

/* The PCI command register as the kernel reads it, through sysfs. */
static int sysfs_command(const char *bdf, uint16_t *command)
{
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, command, sizeof(*command), 4) != sizeof(*command))
		err = -EIO;
	close(fd);
	return err;
}

/*
 * The iommufd restored the marked HWPT over an IOAS, and nothing for a
 * token no HWPT had; with the state rejected (@blocked) the IOAS came
 * back without its HWPT. It takes new objects like any iommufd.
 */
static void check_iommufd(int iommufd, bool blocked, struct restored *got)
{
	uint32_t ioas_id, hwpt_id;

	expect_errno("IOMMU_HWPT_LU_GET_RESTORED with a token no HWPT was marked with",
		     iommufd_hwpt_get_restored(iommufd, TOKEN_HWPT + 1, &hwpt_id, &ioas_id), ENOENT);
	expect_errno("IOMMU_HWPT_LU_GET_RESTORED with the HWPT's token",
		     iommufd_hwpt_get_restored(iommufd, TOKEN_HWPT, &got->hwpt_id, &got->ioas_id), 0);
	expect_true("the restored IOAS has an ID", got->ioas_id != 0);
	if (blocked)
		expect_true("no HWPT restored for a device whose DMA is blocked", got->hwpt_id == 0);
	else
		expect_true("the restored HWPT has an ID of its own",
			    got->hwpt_id && got->hwpt_id != got->ioas_id);
	expect_errno("IOMMU_IOAS_ALLOC on the retrieved iommufd",
		     iommufd_ioas_alloc(iommufd, &ioas_id), 0);
	expect_errno("mark the restored IOAS, which is no HWPT",
		     iommufd_hwpt_set_preserve(iommufd, got->ioas_id, TOKEN_HWPT), ENOENT);
}

/* The retrieved device is edu, alive, still bus master, and bound to nothing. */
static void check_device(struct vfio_cdev *edu, const struct restored *got)
{
	uint32_t ident, liveness;
	bool master;

	expect_errno("region info on the retrieved vfio device", vfio_cdev_adopt(edu->fd, edu), 0);
	expect_errno("edu ident and liveness registers", edu_check_alive(edu, &ident), 0);
	expect_true("edu ident is 0x010000ed", ident == EDU_IDENT);
	expect_errno("write edu's liveness register", vfio_bar0_write32(edu, EDU_LIVENESS, 0x12345678), 0);
	expect_errno("read edu's liveness register", vfio_bar0_read32(edu, EDU_LIVENESS, &liveness), 0);
	expect_true("edu inverted what was written", liveness == (uint32_t)~0x12345678u);
	expect_errno("read edu's command register", edu_bus_master(edu, &master), 0);
	expect_true("edu is still bus master", master);
	expect_errno("attach the retrieved device to a HWPT before it is bound",
		     vfio_cdev_attach(edu, got->ioas_id), EINVAL);
}

/*
 * The retrieved device binds to the retrieved iommufd once, without a
 * reset (still bus master), and attaches to its restored HWPT.
 */
static void check_bind(struct vfio_cdev *edu, int iommufd, const struct restored *got)
{
	uint32_t dev_id;
	bool master = false;

	expect_errno("bind the retrieved device to the retrieved iommufd",
		     vfio_cdev_bind_iommufd(edu, iommufd, &dev_id), 0);
	expect_errno("bind it again", vfio_cdev_bind_iommufd(edu, iommufd, &dev_id), EINVAL);
	expect_errno("read edu's command register after the bind", edu_bus_master(edu, &master), 0);
	expect_true("edu is still bus master after the bind", master);
	expect_errno("attach the retrieved device to its restored HWPT",
		     vfio_cdev_attach(edu, got->hwpt_id), 0);
}

static int check_unbound(int session_fd)
{
	int fd = luo_retrieve_fd(session_fd, TOKEN_VFIO);

	expect_errno("retrieve the vfio device of a device vfio-pci does not drive",
	             fd < 0 ? fd : 0, ENODEV);
	fd = luo_retrieve_fd(session_fd, TOKEN_VFIO);
	expect_errno("retrieve it again: LUO keeps the first answer", fd < 0 ? fd : 0, ENODEV);
	return expect_verdict("lu-retrieve");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "session", required_argument, NULL, 's' },
		{ "unbound", no_argument, NULL, 'u' },
		{ "blocked", no_argument, NULL, 'l' },
		{ 0 }
	};
	const char *bdf = NULL, *session = NULL;
	struct vfio_cdev edu = { 0 };
	struct restored got = { 0 };
	int opt, luo_fd, session_fd, memfd, iommufd;
	bool unbound = false, blocked = false;
	uint16_t command;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'b')
			bdf = optarg;
		else if (opt == 's')
			session = optarg;
		else if (opt == 'u')
			unbound = true;
		else if (opt == 'l')
			blocked = true;
		else
			return 2;
	}
	if (!bdf || !session || optind < argc || (unbound && blocked)) {
		fprintf(stderr, "usage: lu-retrieve --bdf BDF --session NAME [--blocked | --unbound]\n");
		return 2;
	}

	luo_fd = luo_open();
	if (luo_fd < 0)
		die("open /dev/liveupdate", luo_fd);
	session_fd = luo_retrieve_session(luo_fd, session);
	if (session_fd < 0)
		die("retrieve the session", session_fd);
	if (unbound)
		return check_unbound(session_fd);
	/* Before the memfd: the iommufd pins the pages the device reaches first */
	iommufd = luo_retrieve_fd(session_fd, TOKEN_IOMMUFD);
	memfd = luo_retrieve_fd(session_fd, TOKEN_MEMFD);
	edu.fd = luo_retrieve_fd(session_fd, TOKEN_VFIO);
	expect_errno("retrieve the iommufd", iommufd < 0 ? iommufd : 0, 0);
	expect_errno("retrieve the memfd", memfd < 0 ? memfd : 0, 0);
	expect_errno("retrieve the vfio device", edu.fd < 0 ? edu.fd : 0, 0);
	if (memfd < 0 || iommufd < 0 || edu.fd < 0)
		return 1;

	check_iommufd(iommufd, blocked, &got);
	check_device(&edu, &got);
	/* Bound to a restored HWPT, the device's pages are owned when the session finishes */
	if (!blocked)
		check_bind(&edu, iommufd, &got);
	expect_errno("finish the session", luo_finish_session(session_fd), 0);

	close(edu.fd);
	/* The release is synchronous for the last reference of the file */
	expect_errno("read edu's command register through sysfs", sysfs_command(bdf, &command), 0);
	printf("lu-retrieve: command register after close 0x%04x\n", command);
	expect_true("closing the device stopped its bus mastering",
		    !(command & 0x4));
	return expect_verdict("lu-retrieve");
}
