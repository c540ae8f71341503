/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the iommufd uapi (/dev/iommu) the lab needs: an IOAS,
 * a HWPT for one device, memfd-backed mappings at a fixed IOVA, the
 * series' live update mark on a HWPT and, after the kexec, the HWPT the
 * retrieved iommufd restored. Each returns an id, a file descriptor or 0 on
 * success and a negative errno on failure.
 */
#ifndef IOLU_LAB_IOMMUFD_OPS_H
#define IOLU_LAB_IOMMUFD_OPS_H

#include <stdint.h>

#define IOMMUFD_DEVICE "/dev/iommu"

int iommufd_open(void);
int iommufd_ioas_alloc(int iommufd, uint32_t *ioas_id);
int iommufd_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t *hwpt_id);
/* Map [start, start + length) of @file_fd readable and writable at @iova. */
int iommufd_map_file(int iommufd, uint32_t ioas_id, int file_fd, uint64_t start,
		     uint64_t length, uint64_t iova);
/* Map @length bytes of this process's memory at @memory, readable and writable, at @iova. */
int iommufd_map_user(int iommufd, uint32_t ioas_id, void *memory, uint64_t length,
		     uint64_t iova);
int iommufd_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t length);
/* Map at @dst_iova of @dst_ioas what @src_ioas maps at [@src_iova, +@length). */
int iommufd_ioas_copy(int iommufd, uint32_t dst_ioas, uint64_t dst_iova, uint32_t src_ioas,
		      uint64_t src_iova, uint64_t length);
/* Mark @hwpt_id for preservation with @token (0 clears the mark). */
int iommufd_hwpt_set_preserve(int iommufd, uint32_t hwpt_id, uint64_t token);
/*
 * The HWPT marked @token in the previous kernel, rebuilt by retrieving the
 * iommufd, and the IOAS holding its mappings (*hwpt_id is 0 when its IO
 * page table was not carried over).
 */
int iommufd_hwpt_get_restored(int iommufd, uint64_t token, uint32_t *hwpt_id,
			      uint32_t *ioas_id);
int iommufd_destroy(int iommufd, uint32_t id);

#endif
