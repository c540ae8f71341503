/* SPDX-License-Identifier: GPL-2.0 */
/* What every source (live, snapshot) provides behind struct iolu_source. */
#ifndef IOLU_SOURCE_H
#define IOLU_SOURCE_H

#include <sys/stat.h>

#include "iolu_verifier.h"

struct iolu_source {
	const char *kind;		/* "live" or "snapshot" */
	enum iolu_side side;
	uint64_t header_pa;
	struct iolu_identity identity;
	void *kho_fdt;			/* owned copy, NULL when none */
	size_t kho_fdt_len;
	struct iolu_ranges ram;		/* owned */
	struct iolu_mem mem;
	struct iolu_snapshot_info snapshot;
	/*
	 * LUO's index, owned: given whole (snapshot, the kernel's lists), or
	 * to be read at model load from struct luo_ser (luo_pa) or from the
	 * head of the serialized session chain (luo_sessions_pa).
	 */
	struct iolu_luo_index luo;
	uint64_t luo_pa;
	uint64_t luo_sessions_pa;
	/*
	 * Incoming only: the objects the running kernel claimed, by address,
	 * sorted (debugfs incoming/claimed); owned.
	 */
	uint64_t *claimed;
	size_t nr_claimed;
	/* releases the backend behind mem.ctx */
	void (*release)(void *ctx);
};

struct iolu_source *iolu_source_alloc(const char *kind);

/*
 * Open an input file read-only without blocking on a FIFO, and refuse
 * anything but a regular file. Returns the descriptor (blocking again),
 * or a negative errno with err naming the path and the reason.
 */
int iolu_open_input(const char *path, struct stat *st, struct iolu_err *err);

/*
 * A whole input file (a regular file, at most max bytes), NUL terminated;
 * -ENOENT (err filled) when it does not exist.
 */
int iolu_read_input_file(const char *path, size_t max, void **data,
			 size_t *len, struct iolu_err *err);

/* Live memory through /proc/kcore (verifier/kcore.c). */
int iolu_kcore_open(const char *path, struct iolu_source *source,
		    struct iolu_err *err);

/*
 * The physical address of a kernel virtual address in the direct map or
 * the kernel image, through kcore's segments; contiguous says how many
 * bytes from there stay in the segment. -EFAULT outside them,
 * -EOPNOTSUPP when the source does not read kcore.
 */
int iolu_kcore_virt_to_phys(const struct iolu_source *source, uint64_t va,
			    uint64_t *pa, uint64_t *contiguous);

/*
 * LUO's index from the live kernel (verifier/luo_kernel.c): its session
 * lists found through kallsyms and its BTF, read through kcore's virtual
 * addresses. Fills source->luo (or luo_sessions_pa); what cannot be found
 * leaves the view absent with the reason, never an error.
 */
void iolu_luo_kernel_read(const char *kallsyms, const char *btf,
			  struct iolu_source *source);

/* Identity of the running kernel (verifier/identity.c). */
/* A missing notes file only leaves the build ID empty. */
int iolu_identity_read(const char *notes_path, struct iolu_identity *identity,
		       struct iolu_err *err);

#endif
