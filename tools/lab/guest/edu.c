// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "edu.h"

#include <errno.h>
#include <time.h>

#define EDU_REG_IDENT		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_MEMORY	0x2	/* buffer -> bus address; clear: the reverse */

#define PCI_COMMAND_REG		0x04
#define PCI_COMMAND_MEMORY_BIT	0x2
#define PCI_COMMAND_MASTER_BIT	0x4

int edu_check_alive(struct vfio_cdev *dev, uint32_t *ident)
{
	uint32_t probe = 0x5a5aa5a5, answer;
	int err;

	err = vfio_bar0_read32(dev, EDU_REG_IDENT, ident);
	if (err)
		return err;
	if (*ident != EDU_IDENT)
		return -ENODEV;
	/* edu answers the liveness register with the complement of what it got. */
	err = vfio_bar0_write32(dev, EDU_REG_LIVENESS, probe);
	if (!err)
		err = vfio_bar0_read32(dev, EDU_REG_LIVENESS, &answer);
	if (err)
		return err;
	return answer == (uint32_t)~probe ? 0 : -EIO;
}

int edu_bus_master(struct vfio_cdev *dev, bool *enabled)
{
	uint16_t command;
	int err = vfio_config_read16(dev, PCI_COMMAND_REG, &command);

	if (!err)
		*enabled = command & PCI_COMMAND_MASTER_BIT;
	return err;
}

int edu_enable_bus_master(struct vfio_cdev *dev)
{
	uint16_t command;
	int err = vfio_config_read16(dev, PCI_COMMAND_REG, &command);

	if (err)
		return err;
	command |= PCI_COMMAND_MEMORY_BIT | PCI_COMMAND_MASTER_BIT;
	return vfio_config_write16(dev, PCI_COMMAND_REG, command);
}

int edu_dma_start(struct vfio_cdev *dev, enum edu_dma_dir dir, uint64_t bus_addr,
		  uint32_t buffer_offset, uint32_t len)
{
	uint32_t buffer = EDU_BUFFER + buffer_offset;
	int err;

	/* edu takes 32-bit writes to these registers; the upper half stays 0. */
	if (bus_addr > UINT32_MAX || len == 0 || len > EDU_MAX_TRANSFER ||
	    buffer_offset + len > 4096)
		return -EINVAL;
	if (dir == EDU_TO_DEVICE) {
		err = vfio_bar0_write32(dev, EDU_REG_DMA_SRC, (uint32_t)bus_addr);
		if (!err)
			err = vfio_bar0_write32(dev, EDU_REG_DMA_DST, buffer);
	} else {
		err = vfio_bar0_write32(dev, EDU_REG_DMA_SRC, buffer);
		if (!err)
			err = vfio_bar0_write32(dev, EDU_REG_DMA_DST, (uint32_t)bus_addr);
	}
	if (!err)
		err = vfio_bar0_write32(dev, EDU_REG_DMA_COUNT, len);
	if (err)
		return err;
	return vfio_bar0_write32(dev, EDU_REG_DMA_CMD,
				 EDU_DMA_RUN | (dir == EDU_FROM_DEVICE ? EDU_DMA_TO_MEMORY : 0));
}

int edu_dma_wait(struct vfio_cdev *dev, unsigned int timeout_ms)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	unsigned int waited;
	uint32_t command;
	int err;

	for (waited = 0; waited <= timeout_ms; waited++) {
		err = vfio_bar0_read32(dev, EDU_REG_DMA_CMD, &command);
		if (err)
			return err;
		if (!(command & EDU_DMA_RUN))
			return 0;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

int edu_mmio_dma_to_memory(volatile uint32_t *bar0, uint64_t bus_addr, uint32_t len,
			   unsigned int timeout_ms)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };

	if (bus_addr > UINT32_MAX || len == 0 || len > EDU_MAX_TRANSFER)
		return -EINVAL;
	bar0[EDU_REG_DMA_SRC / 4] = EDU_BUFFER;
	bar0[EDU_REG_DMA_DST / 4] = (uint32_t)bus_addr;
	bar0[EDU_REG_DMA_COUNT / 4] = len;
	bar0[EDU_REG_DMA_CMD / 4] = EDU_DMA_RUN | EDU_DMA_TO_MEMORY;
	for (unsigned int waited = 0; waited <= timeout_ms; waited++) {
		if (!(bar0[EDU_REG_DMA_CMD / 4] & EDU_DMA_RUN))
			return 0;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}
