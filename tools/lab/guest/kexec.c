// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "kexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/reboot.h>

static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int kexec_load_files(const char *kernel, const char *initrd, const char *cmdline,
		     const char **failed_path)
{
	int kernel_fd, initrd_fd, err = 0;

	kernel_fd = open_regular(kernel);
	if (kernel_fd < 0) {
		*failed_path = kernel;
		return kernel_fd;
	}
	initrd_fd = open_regular(initrd);
	if (initrd_fd < 0) {
		*failed_path = initrd;
		err = initrd_fd;
		goto close_kernel;
	}
	/* The length passed to the kernel counts the terminating NUL. */
	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd,
		    strlen(cmdline) + 1, cmdline, 0UL) < 0)
		err = -errno;
	close(initrd_fd);
close_kernel:
	close(kernel_fd);
	return err;
}

int kexec_reboot(void)
{
	struct timespec now;

	/* The host times the blackout from this line to the next kernel's first one. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("iolu-lab: kexec now (guest monotonic %lld.%06ld s)\n",
	       (long long)now.tv_sec, now.tv_nsec / 1000);
	fflush(stdout);
	sync();
	return reboot(LINUX_REBOOT_CMD_KEXEC) < 0 ? -errno : 0;
}
