/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmark's parts; each prints its own table. */
#ifndef IOLU_BENCH_H
#define IOLU_BENCH_H

#include <stdint.h>

#include "iolu_verifier.h"

/* Page table walks of images up to max_gib GiB, written in dir. */
int bench_pt(const char *dir, uint64_t max_gib);

/*
 * Graph reads and checks of up to max_devices devices; with iolu (the
 * command's path), also `iolu check --input` on snapshots of them.
 */
int bench_graph(const char *dir, uint64_t max_devices, const char *iolu);

#endif
