/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A PCI device through its vfio cdev (/dev/vfio/devices/vfioN): binding to
 * iommufd, attaching to a HWPT, and access to config space and BARs through
 * the device fd's regions. Functions return 0 or a negative errno.
 */
#ifndef IOLU_LAB_VFIO_CDEV_H
#define IOLU_LAB_VFIO_CDEV_H

#include <stdint.h>

struct vfio_cdev {
	int fd;
	uint64_t config_offset;	/* file offset of config space */
	uint64_t bar0_offset;	/* file offset of BAR 0 */
	uint64_t bar0_size;
};

/* Find the cdev of PCI device @bdf (e.g. 0000:00:03.0) and open it. */
int vfio_cdev_open(const char *bdf, struct vfio_cdev *dev);
/* Use an already open device fd (e.g. one retrieved from an LUO session). */
int vfio_cdev_adopt(int fd, struct vfio_cdev *dev);
int vfio_cdev_bind_iommufd(struct vfio_cdev *dev, int iommufd, uint32_t *dev_id);
int vfio_cdev_attach(struct vfio_cdev *dev, uint32_t pt_id);

int vfio_config_read16(struct vfio_cdev *dev, uint32_t reg, uint16_t *value);
int vfio_config_write16(struct vfio_cdev *dev, uint32_t reg, uint16_t value);
int vfio_bar0_read32(struct vfio_cdev *dev, uint32_t reg, uint32_t *value);
int vfio_bar0_write32(struct vfio_cdev *dev, uint32_t reg, uint32_t value);

#endif
