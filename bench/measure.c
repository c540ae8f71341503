// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

static double clock_seconds(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

double measure_now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double measure_cpu_now(void)
{
	return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

static void child(int (*run)(void *ctx, uint64_t values[MEASURE_VALUES]), void *ctx, int fd)
{
	struct measure result = { 0 };
	double cpu_start = measure_cpu_now(), start = measure_now();

	result.rc = run(ctx, result.values);
	result.seconds = measure_now() - start;
	result.cpu_seconds = measure_cpu_now() - cpu_start;
	_exit(write(fd, &result, sizeof(result)) == sizeof(result) ? 0 : 1);
}

int measure_child(int (*run)(void *ctx, uint64_t values[MEASURE_VALUES]), void *ctx,
		  struct measure *measure)
{
	struct rusage usage;
	int pipe_fds[2], status;
	pid_t pid;
	ssize_t got;

	if (pipe(pipe_fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		return -errno;
	}
	if (!pid) {
		close(pipe_fds[0]);
		child(run, ctx, pipe_fds[1]);
	}
	close(pipe_fds[1]);
	memset(measure, 0, sizeof(*measure));
	got = read(pipe_fds[0], measure, sizeof(*measure));
	close(pipe_fds[0]);
	if (wait4(pid, &status, 0, &usage) < 0)
		return -errno;
	if (got != sizeof(*measure) || !WIFEXITED(status) || WEXITSTATUS(status))
		measure->rc = -ECHILD;
	measure->max_rss_kib = usage.ru_maxrss;
	return 0;
}

int measure_command(char *const argv[], struct measure *measure)
{
	struct rusage usage;
	double start;
	int status, null_fd;
	pid_t pid;

	memset(measure, 0, sizeof(*measure));
	start = measure_now();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		null_fd = open("/dev/null", O_WRONLY);
		if (null_fd >= 0)
			dup2(null_fd, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &usage) < 0)
		return -errno;
	measure->seconds = measure_now() - start;
	measure->max_rss_kib = usage.ru_maxrss;
	measure->values[0] = WIFEXITED(status) ? (uint64_t)WEXITSTATUS(status) : 128;
	return 0;
}
