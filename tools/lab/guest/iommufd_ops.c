// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "iommufd_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

int iommufd_open(void)
{
	int fd = open(IOMMUFD_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int iommufd_ioas_alloc(int iommufd, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc arg = { .size = sizeof(arg) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &arg) < 0)
		return -errno;
	*ioas_id = arg.out_ioas_id;
	return 0;
}

int iommufd_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc arg = {
		.size = sizeof(arg),
		.dev_id = dev_id,
		.pt_id = ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &arg) < 0)
		return -errno;
	*hwpt_id = arg.out_hwpt_id;
	return 0;
}

int iommufd_map_file(int iommufd, uint32_t ioas_id, int file_fd, uint64_t start,
		     uint64_t length, uint64_t iova)
{
	struct iommu_ioas_map_file arg = {
		.size = sizeof(arg),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.fd = file_fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &arg) < 0 ? -errno : 0;
}

int iommufd_map_user(int iommufd, uint32_t ioas_id, void *memory, uint64_t length,
		     uint64_t iova)
{
	struct iommu_ioas_map arg = {
		.size = sizeof(arg),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)memory,
		.length = length,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &arg) < 0 ? -errno : 0;
}

int iommufd_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t length)
{
	struct iommu_ioas_unmap arg = {
		.size = sizeof(arg),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &arg) < 0 ? -errno : 0;
}

int iommufd_ioas_copy(int iommufd, uint32_t dst_ioas, uint64_t dst_iova, uint32_t src_ioas,
		      uint64_t src_iova, uint64_t length)
{
	struct iommu_ioas_copy arg = {
		.size = sizeof(arg),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = length,
		.dst_iova = dst_iova,
		.src_iova = src_iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_COPY, &arg) < 0 ? -errno : 0;
}

int iommufd_hwpt_set_preserve(int iommufd, uint32_t hwpt_id, uint64_t token)
{
	struct iommu_hwpt_lu_set_preserve arg = {
		.size = sizeof(arg),
		.hwpt_id = hwpt_id,
		.token = token,
	};

	return ioctl(iommufd, IOMMU_HWPT_LU_SET_PRESERVE, &arg) < 0 ? -errno : 0;
}

int iommufd_hwpt_get_restored(int iommufd, uint64_t token, uint32_t *hwpt_id,
			      uint32_t *ioas_id)
{
	struct iommu_hwpt_lu_get_restored arg = {
		.size = sizeof(arg),
		.token = token,
	};

	if (ioctl(iommufd, IOMMU_HWPT_LU_GET_RESTORED, &arg) < 0)
		return -errno;
	*hwpt_id = arg.out_hwpt_id;
	*ioas_id = arg.out_ioas_id;
	return 0;
}

int iommufd_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy arg = { .size = sizeof(arg), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &arg) < 0 ? -errno : 0;
}
