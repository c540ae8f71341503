// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "luo.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/liveupdate.h>

int luo_open(void)
{
	int fd = open(LUO_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int copy_session_name(uint8_t *dst, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= LIVEUPDATE_SESSION_NAME_LENGTH)
		return -ENAMETOOLONG;
	memcpy(dst, name, len + 1);
	return 0;
}

int luo_create_session(int luo_fd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int err = copy_session_name(arg.name, name);

	if (err)
		return err;
	if (ioctl(luo_fd, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) < 0)
		return -errno;
	return arg.fd;
}

int luo_retrieve_session(int luo_fd, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };
	int err = copy_session_name(arg.name, name);

	if (err)
		return err;
	if (ioctl(luo_fd, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg) < 0)
		return -errno;
	return arg.fd;
}

int luo_preserve_fd(int session_fd, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg),
		.fd = fd,
		.token = token,
	};

	return ioctl(session_fd, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) < 0 ? -errno : 0;
}

int luo_retrieve_fd(int session_fd, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg),
		.token = token,
	};

	if (ioctl(session_fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) < 0)
		return -errno;
	return arg.fd;
}

int luo_finish_session(int session_fd)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session_fd, LIVEUPDATE_SESSION_FINISH, &arg) < 0 ? -errno : 0;
}
