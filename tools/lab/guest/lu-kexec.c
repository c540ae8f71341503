// SPDX-License-Identifier: GPL-2.0
/*
 * lu-kexec: load a kernel with kexec_file_load and reboot into it, for lab
 * scenarios whose state is held by other processes (the kernel's own live
 * update selftests keep their sessions open in daemons of their own).
 *
 *   lu-kexec KERNEL INITRD CMDLINE
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexec.h"

int main(int argc, char **argv)
{
	const char *failed = NULL;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: lu-kexec KERNEL INITRD CMDLINE\n");
		return 2;
	}
	err = kexec_load_files(argv[1], argv[2], argv[3], &failed);
	if (err) {
		fprintf(stderr, "lu-kexec: kexec_file_load (%s): %s\n",
			err == -ENOENT || err == -EACCES ? failed : "kernel, initrd and cmdline",
			strerror(-err));
		return 1;
	}
	err = kexec_reboot();
	fprintf(stderr, "lu-kexec: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n", strerror(-err));
	return 1;
}
