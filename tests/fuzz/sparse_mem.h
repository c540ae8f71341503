/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzz_graph input format, shared by the harness and the corpus
 * generator: physical memory as a list of writes.
 *
 *   u64 header_pa, u64 kho_root_pa, u64 luo_pa (struct luo_ser, 0: none)
 *   (little-endian)
 *   then records: u64 pa, u16 len, len bytes, written into zeroed pages
 *
 * Pages exist only where a record wrote; everything else is a hole.
 */
#ifndef IOLU_FUZZ_SPARSE_MEM_H
#define IOLU_FUZZ_SPARSE_MEM_H

#include <stddef.h>
#include <stdint.h>

#define SPARSE_HEADER_SIZE	24u
#define SPARSE_RECORD_HEAD	10u
#define SPARSE_MAX_PAGES	512u

#endif
