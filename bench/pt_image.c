// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a second-stage page table image, page by page: the root, the
 * level-3 tables, the level-2 tables, then (4 KiB pages) the level-1
 * tables, each at base_pa + its position in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pt_image.h"

#define PAGE		4096ull
#define ENTRIES		512ull
#define SZ_2M		(1ull << 21)
#define PTE_R		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_PS		(1ull << 7)
/* Tables and data far apart, both below the 52-bit address limit. */
#define TABLE_BASE_PA	(1ull << 46)
#define DATA_BASE_PA	(1ull << 44)
#define WRITE_CHUNK	(256 * PAGE)

struct layout {
	uint64_t gib;
	unsigned int page_shift;
	uint64_t nr_l3, nr_l2, nr_l1;
};

static uint64_t table_pa(uint64_t position)
{
	return TABLE_BASE_PA + position * PAGE;
}

/* Each 2 MiB chunk of IOVA lands on its neighbour's physical chunk. */
static uint64_t chunk_phys(uint64_t chunk)
{
	return DATA_BASE_PA + ((chunk ^ 1) * SZ_2M);
}

static void fill_page(const struct layout *layout, uint64_t position,
		      uint64_t *entries)
{
	uint64_t first_l2 = 1 + layout->nr_l3, first_l1 = first_l2 + layout->nr_l2;
	uint64_t i, item;

	memset(entries, 0, PAGE);
	if (position == 0) {			/* root: level 4 */
		for (i = 0; i < layout->nr_l3; i++)
			entries[i] = table_pa(1 + i) | PTE_R | PTE_W;
	} else if (position < first_l2) {	/* level 3: 512 GiB each */
		item = (position - 1) * ENTRIES;
		for (i = 0; i < ENTRIES && item + i < layout->gib; i++)
			entries[i] = table_pa(first_l2 + item + i) | PTE_R | PTE_W;
	} else if (position < first_l1) {	/* level 2: 1 GiB each */
		item = (position - first_l2) * ENTRIES;
		for (i = 0; i < ENTRIES; i++)
			entries[i] = layout->page_shift == 21 ?
				chunk_phys(item + i) | PTE_R | PTE_W | PTE_PS :
				table_pa(first_l1 + item + i) | PTE_R | PTE_W;
	} else {				/* level 1: 2 MiB each */
		item = position - first_l1;
		for (i = 0; i < ENTRIES; i++)
			entries[i] = (chunk_phys(item) + i * PAGE) | PTE_R | PTE_W;
	}
}

static int write_image(int fd, const struct layout *layout, uint64_t nr_pages)
{
	uint64_t *buffer = malloc(WRITE_CHUNK);
	uint64_t position = 0;
	int rc = 0;

	if (!buffer)
		return -ENOMEM;
	while (position < nr_pages && !rc) {
		size_t bytes = 0;

		while (bytes < WRITE_CHUNK && position < nr_pages) {
			fill_page(layout, position++, buffer + bytes / sizeof(*buffer));
			bytes += PAGE;
		}
		if (write(fd, buffer, bytes) != (ssize_t)bytes)
			rc = errno ? -errno : -EIO;
	}
	free(buffer);
	return rc;
}

int pt_image_create(struct pt_image *image, const char *path, uint64_t gib,
		    unsigned int page_shift)
{
	struct layout layout = {
		.gib = gib, .page_shift = page_shift,
		.nr_l3 = (gib + ENTRIES - 1) / ENTRIES, .nr_l2 = gib,
		.nr_l1 = page_shift == 12 ? gib * ENTRIES : 0,
	};
	uint64_t nr_pages = 1 + layout.nr_l3 + layout.nr_l2 + layout.nr_l1;
	int rc;

	if (page_shift != 12 && page_shift != 21)
		return -EINVAL;
	memset(image, 0, sizeof(*image));
	image->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (image->fd < 0)
		return -errno;
	rc = write_image(image->fd, &layout, nr_pages);
	if (rc) {
		close(image->fd);
		return rc;
	}
	image->base_pa = TABLE_BASE_PA;
	image->size = nr_pages * PAGE;
	image->root_pa = table_pa(0);
	image->levels = 4;
	image->mapped_bytes = gib << 30;
	image->nr_tables = nr_pages;
	image->expected_extents = gib * ENTRIES;
	return 0;
}

void pt_image_close(struct pt_image *image)
{
	if (image->fd >= 0)
		close(image->fd);
	image->fd = -1;
}

static int pt_image_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct pt_image *image = ctx;
	ssize_t got;

	if (pa < image->base_pa || pa - image->base_pa > image->size ||
	    len > image->size - (pa - image->base_pa))
		return -EFAULT;
	got = pread(image->fd, buf, len, (off_t)(pa - image->base_pa));
	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -EFAULT;
}

struct iolu_mem pt_image_mem(struct pt_image *image)
{
	return (struct iolu_mem){ .read = pt_image_read, .ctx = image };
}

static int pt_image_copy(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct pt_image *image = ctx;

	if (pa < image->base_pa || pa - image->base_pa > image->size ||
	    len > image->size - (pa - image->base_pa))
		return -EFAULT;
	memcpy(buf, image->mapping + (pa - image->base_pa), len);
	return 0;
}

int pt_image_map(struct pt_image *image, struct iolu_mem *mem)
{
	void *mapping = mmap(NULL, image->size, PROT_READ, MAP_SHARED, image->fd, 0);

	if (mapping == MAP_FAILED)
		return -errno;
	image->mapping = mapping;
	*mem = (struct iolu_mem){ .read = pt_image_copy, .ctx = image };
	return 0;
}

void pt_image_unmap(struct pt_image *image)
{
	if (image->mapping)
		munmap((void *)image->mapping, image->size);
	image->mapping = NULL;
}
