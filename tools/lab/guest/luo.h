/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the LUO uapi (7.3) (/dev/liveupdate and session fds).
 * Each returns a file descriptor or 0 on success and a negative errno on
 * failure; the caller names the failing step.
 */
#ifndef IOLU_LAB_LUO_H
#define IOLU_LAB_LUO_H

#include <stdint.h>

#define LUO_DEVICE "/dev/liveupdate"

int luo_open(void);
int luo_create_session(int luo_fd, const char *name);
int luo_retrieve_session(int luo_fd, const char *name);
int luo_preserve_fd(int session_fd, int fd, uint64_t token);
int luo_retrieve_fd(int session_fd, uint64_t token);
int luo_finish_session(int session_fd);

#endif
