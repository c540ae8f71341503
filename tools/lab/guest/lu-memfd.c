// SPDX-License-Identifier: GPL-2.0
/*
 * lu-memfd: carry a memfd with a known pattern across a kexec live update.
 *
 *   lu-memfd preserve --session S --token T --size N --seed X
 *                     --kernel K --initrd I --cmdline C
 *	fill a memfd, preserve it in LUO session S, load K/I with
 *	kexec_file_load and reboot into it. The session fd must stay open
 *	until the reboot, so this process is the one that reboots.
 *
 *   lu-memfd restore --session S --token T --size N --seed X
 *	retrieve the session and the memfd, check every byte, finish.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"

struct lu_memfd_args {
	const char *session;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t token;
	uint64_t size;
	uint64_t seed;
	bool have_token, have_size, have_seed;
};

static const char *prog = "lu-memfd";

static int report(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s preserve --session NAME --token N --size BYTES --seed N\n"
		"                   --kernel PATH --initrd PATH --cmdline TEXT\n"
		"       %s restore --session NAME --token N --size BYTES --seed N\n",
		prog, prog);
}

static int parse_args(int argc, char **argv, struct lu_memfd_args *args)
{
	static const struct option options[] = {
		{ "session", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'x' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 's': args->session = optarg; break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 't':
			if (parse_option_number(prog, "--token", optarg, &args->token, parse_u64))
				return -EINVAL;
			args->have_token = true;
			break;
		case 'n':
			if (parse_option_number(prog, "--size", optarg, &args->size, parse_size))
				return -EINVAL;
			args->have_size = true;
			break;
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
	if (!args->session || !args->have_token || !args->have_size || !args->have_seed) {
		fprintf(stderr, "%s: --session, --token, --size and --seed are required\n", prog);
		return -EINVAL;
	}
	if (args->size == 0 || args->size > (1ULL << 32)) {
		fprintf(stderr, "%s: --size %llu: must be between 1 byte and 4G\n", prog,
			(unsigned long long)args->size);
		return -EINVAL;
	}
	return 0;
}

/* A memfd of @size bytes holding the pattern of @seed, or -errno. */
static int make_pattern_memfd(uint64_t size, uint64_t seed, const char **failed)
{
	void *map;
	int fd, err;

	*failed = "memfd_create";
	fd = memfd_create("iolu-lab-pattern", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	*failed = "ftruncate on the memfd";
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	*failed = "mmap of the memfd";
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	pattern_fill(map, size, seed);
	munmap(map, size);
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int do_preserve(const struct lu_memfd_args *args)
{
	const char *failed;
	char what[160];
	int luo_fd, session_fd, memfd, err;

	if (!args->kernel || !args->initrd || !args->cmdline) {
		fprintf(stderr, "%s preserve: --kernel, --initrd and --cmdline are required\n", prog);
		return 2;
	}
	luo_fd = luo_open();
	if (luo_fd < 0)
		return report("open " LUO_DEVICE, luo_fd);
	session_fd = luo_create_session(luo_fd, args->session);
	if (session_fd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_IOCTL_CREATE_SESSION '%s'", args->session);
		return report(what, session_fd);
	}
	memfd = make_pattern_memfd(args->size, args->seed, &failed);
	if (memfd < 0)
		return report(failed, memfd);
	err = luo_preserve_fd(session_fd, memfd, args->token);
	if (err) {
		snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_PRESERVE_FD (memfd, token %llu)",
			 (unsigned long long)args->token);
		return report(what, err);
	}
	printf("%s: preserved a %llu-byte memfd as token %llu in session '%s'\n", prog,
	       (unsigned long long)args->size, (unsigned long long)args->token, args->session);

	err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);
	if (err) {
		snprintf(what, sizeof(what), "kexec_file_load (%s)",
			 err == -ENOENT || err == -EACCES ? failed : "kernel, initrd and cmdline");
		return report(what, err);
	}
	err = kexec_reboot();
	return report("reboot(LINUX_REBOOT_CMD_KEXEC)", err);
}

static int check_memfd(int memfd, const struct lu_memfd_args *args)
{
	struct stat st;
	size_t bad;
	void *map;

	if (fstat(memfd, &st) < 0)
		return report("fstat of the retrieved memfd", -errno);
	if ((uint64_t)st.st_size != args->size) {
		fprintf(stderr, "%s: the retrieved memfd has %lld bytes, expected %llu\n", prog,
			(long long)st.st_size, (unsigned long long)args->size);
		return 1;
	}
	map = mmap(NULL, args->size, PROT_READ, MAP_SHARED, memfd, 0);
	if (map == MAP_FAILED)
		return report("mmap of the retrieved memfd", -errno);
	bad = pattern_check(map, args->size, args->seed);
	if (bad != args->size) {
		fprintf(stderr, "%s: byte %zu of the retrieved memfd is 0x%02x, expected 0x%02x\n",
			prog, bad, ((const uint8_t *)map)[bad], pattern_byte(args->seed, bad));
		munmap(map, args->size);
		return 1;
	}
	munmap(map, args->size);
	printf("%s: all %llu bytes of the pattern are intact\n", prog,
	       (unsigned long long)args->size);
	return 0;
}

static int do_restore(const struct lu_memfd_args *args)
{
	char what[160];
	int luo_fd, session_fd, memfd, err;

	luo_fd = luo_open();
	if (luo_fd < 0)
		return report("open " LUO_DEVICE, luo_fd);
	session_fd = luo_retrieve_session(luo_fd, args->session);
	if (session_fd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_IOCTL_RETRIEVE_SESSION '%s'", args->session);
		return report(what, session_fd);
	}
	memfd = luo_retrieve_fd(session_fd, args->token);
	if (memfd < 0) {
		snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_RETRIEVE_FD (token %llu)",
			 (unsigned long long)args->token);
		return report(what, memfd);
	}
	if (check_memfd(memfd, args))
		return 1;
	err = luo_finish_session(session_fd);
	if (err) {
		snprintf(what, sizeof(what), "LIVEUPDATE_SESSION_FINISH '%s'", args->session);
		return report(what, err);
	}
	printf("%s: session '%s' finished\n", prog, args->session);
	return 0;
}

int main(int argc, char **argv)
{
	struct lu_memfd_args args = { 0 };
	const char *command;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	command = argv[1];
	if (parse_args(argc - 1, argv + 1, &args))
		return 2;
	if (strcmp(command, "preserve") == 0)
		return do_preserve(&args);
	if (strcmp(command, "restore") == 0)
		return do_restore(&args);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, command);
	usage(stderr);
	return 2;
}
