// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "vfio_cdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

/* The name of the one vfioN entry in /sys/bus/pci/devices/BDF/vfio-dev. */
static int cdev_name(const char *bdf, char *name, size_t size)
{
	char dir_path[128];
	struct dirent *entry;
	DIR *dir;
	int err = -ENODEV;

	snprintf(dir_path, sizeof(dir_path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(dir_path);
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		if (strncmp(entry->d_name, "vfio", 4))
			continue;
		err = strlen(entry->d_name) < size ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(name, entry->d_name);
		break;
	}
	closedir(dir);
	return err;
}

static int region_info(int fd, uint32_t index, uint64_t *offset, uint64_t *size)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info) < 0)
		return -errno;
	*offset = info.offset;
	*size = info.size;
	return 0;
}

int vfio_cdev_adopt(int fd, struct vfio_cdev *dev)
{
	uint64_t config_size;
	int err;

	dev->fd = fd;
	err = region_info(fd, VFIO_PCI_CONFIG_REGION_INDEX, &dev->config_offset, &config_size);
	if (err)
		return err;
	return region_info(fd, VFIO_PCI_BAR0_REGION_INDEX, &dev->bar0_offset, &dev->bar0_size);
}

int vfio_cdev_open(const char *bdf, struct vfio_cdev *dev)
{
	char name[64], path[96];
	int fd, err;

	err = cdev_name(bdf, name, sizeof(name));
	if (err)
		return err;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dev->fd = fd;
	return 0;
}

int vfio_cdev_bind_iommufd(struct vfio_cdev *dev, int iommufd, uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd arg = { .argsz = sizeof(arg), .iommufd = iommufd };

	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &arg) < 0)
		return -errno;
	*dev_id = arg.out_devid;
	/* Regions are only available once the device is bound. */
	return vfio_cdev_adopt(dev->fd, dev);
}

int vfio_cdev_attach(struct vfio_cdev *dev, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt arg = { .argsz = sizeof(arg), .pt_id = pt_id };

	return ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &arg) < 0 ? -errno : 0;
}

static int region_rw(int fd, void *buf, size_t len, uint64_t offset, int write)
{
	ssize_t done = write ? pwrite(fd, buf, len, (off_t)offset) :
			       pread(fd, buf, len, (off_t)offset);

	if (done < 0)
		return -errno;
	return (size_t)done == len ? 0 : -EIO;
}

int vfio_config_read16(struct vfio_cdev *dev, uint32_t reg, uint16_t *value)
{
	return region_rw(dev->fd, value, sizeof(*value), dev->config_offset + reg, 0);
}

int vfio_config_write16(struct vfio_cdev *dev, uint32_t reg, uint16_t value)
{
	return region_rw(dev->fd, &value, sizeof(value), dev->config_offset + reg, 1);
}

int vfio_bar0_read32(struct vfio_cdev *dev, uint32_t reg, uint32_t *value)
{
	if (reg + sizeof(*value) > dev->bar0_size)
		return -ERANGE;
	return region_rw(dev->fd, value, sizeof(*value), dev->bar0_offset + reg, 0);
}

int vfio_bar0_write32(struct vfio_cdev *dev, uint32_t reg, uint32_t value)
{
	if (reg + sizeof(value) > dev->bar0_size)
		return -ERANGE;
	return region_rw(dev->fd, &value, sizeof(value), dev->bar0_offset + reg, 1);
}
