/* SPDX-License-Identifier: GPL-2.0 */
/* LUO's index and its handlers' records (luo.c), the live reader's helpers. */
#ifndef IOLU_LUO_H
#define IOLU_LUO_H

#include "iolu_verifier.h"

/* Append to an index; -E2BIG past IOLU_LUO_MAX_SESSIONS / _FILES. */
int iolu_luo_index_add_session(struct iolu_luo_index *index, const char *name,
			       size_t len);
int iolu_luo_index_add_file(struct iolu_luo_index *index,
			    const struct iolu_luo_file_ref *ref);

/*
 * The serialized index from struct luo_ser at luo_pa, or from the head
 * of the session chain. What cannot be read is a luo-invalid finding;
 * the index keeps what was read. Returns 0 or -ENOMEM.
 */
int iolu_luo_index_read(const struct iolu_mem *mem, uint64_t luo_pa,
			struct iolu_luo_index *index,
			struct iolu_findings *findings);
int iolu_luo_index_read_sessions(const struct iolu_mem *mem,
				 uint64_t sessions_pa,
				 struct iolu_luo_index *index,
				 struct iolu_findings *findings);

/* Decode every file's record (memfd, iommufd); problems are findings. */
int iolu_luo_load(const struct iolu_mem *mem, const struct iolu_luo_index *index,
		  struct iolu_luo *luo, struct iolu_findings *findings);

/* A deep copy of an index (the model owns its own). */
int iolu_luo_index_copy(struct iolu_luo_index *dst,
			const struct iolu_luo_index *src);

/*
 * Whether a kernel's BTF has every member the live reader uses to walk
 * LUO's lists on that side (luo_kernel.c); why names the first missing.
 */
struct btf;
int iolu_luo_kernel_layout(const struct btf *btf, enum iolu_side side,
			   char *why, size_t len);

#endif
