/* SPDX-License-Identifier: GPL-2.0 */
/* kexec_file_load and the kexec reboot, for the second stage of a live update. */
#ifndef IOLU_LAB_KEXEC_H
#define IOLU_LAB_KEXEC_H

/*
 * Load @kernel and @initrd (both regular files) with @cmdline. Returns 0 or
 * a negative errno; *failed_path names the file that could not be opened.
 */
int kexec_load_files(const char *kernel, const char *initrd, const char *cmdline,
		     const char **failed_path);
/*
 * Print the line the host times the blackout from, then jump into the
 * loaded kernel. Returns only on failure, with -errno.
 */
int kexec_reboot(void);

#endif
