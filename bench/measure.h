/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run one benchmark case in a child process, so that its peak memory
 * (ru_maxrss from wait4) is its own and not the largest case's so far.
 */
#ifndef IOLU_BENCH_MEASURE_H
#define IOLU_BENCH_MEASURE_H

#include <stdint.h>

/* What a case reports back, e.g. counts or the time of one of its parts. */
#define MEASURE_VALUES	6

struct measure {
	int rc;			/* the case's return value, or -ECHILD if it died */
	double seconds;		/* wall-clock time of run() alone */
	double cpu_seconds;	/* CPU time (user and system) of run() alone */
	long max_rss_kib;
	uint64_t values[MEASURE_VALUES];
};

/*
 * Fork, time run(ctx, values) in the child, and collect its result and
 * peak RSS in the parent. Returns 0 or a negative errno from fork/pipe.
 */
int measure_child(int (*run)(void *ctx, uint64_t values[MEASURE_VALUES]), void *ctx,
		  struct measure *measure);

/*
 * Run a program (argv[0] a path) with its output discarded; its wall time
 * from fork to exit, peak RSS, and exit status in values[0]. rc is 0 when
 * it ran, whatever its status.
 */
int measure_command(char *const argv[], struct measure *measure);

double measure_now(void);
/* CPU time of the calling process, user and system. */
double measure_cpu_now(void);

#endif
