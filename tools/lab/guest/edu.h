/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu PCI device driven from userspace through its vfio cdev. edu
 * copies between its own 4 KiB buffer and a bus address it is given, which
 * is the DMA the lab needs to see crossing a live update.
 */
#ifndef IOLU_LAB_EDU_H
#define IOLU_LAB_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "vfio_cdev.h"

#define EDU_IDENT		0x010000ed	/* major 1, minor 0, "ed" */
/* QEMU 7.2's edu crashes on a transfer of the whole 4 KiB buffer. */
#define EDU_MAX_TRANSFER	4095
#define EDU_BUFFER		0x40000		/* the buffer in edu's DMA window */

enum edu_dma_dir {
	EDU_TO_DEVICE,		/* read memory at the bus address into the buffer */
	EDU_FROM_DEVICE,	/* write the buffer to memory at the bus address */
};

/* Check the ident register and that the liveness register answers. */
int edu_check_alive(struct vfio_cdev *dev, uint32_t *ident);
int edu_bus_master(struct vfio_cdev *dev, bool *enabled);
int edu_enable_bus_master(struct vfio_cdev *dev);
/* Start a transfer of @len bytes between @bus_addr and the buffer at @buffer_offset. */
int edu_dma_start(struct vfio_cdev *dev, enum edu_dma_dir dir, uint64_t bus_addr,
		  uint32_t buffer_offset, uint32_t len);
/* Wait until the transfer in progress ends; -ETIMEDOUT after @timeout_ms. */
int edu_dma_wait(struct vfio_cdev *dev, unsigned int timeout_ms);
/*
 * Write @len bytes of the buffer to @bus_addr through @bar0, edu's BAR 0
 * mapped from sysfs (no driver needed), and wait for the transfer to end:
 * the DMA a device left running would do before any driver claims it.
 */
int edu_mmio_dma_to_memory(volatile uint32_t *bar0, uint64_t bus_addr, uint32_t len,
			   unsigned int timeout_ms);

#endif
