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

#include <zlib.h>

#include "pt_image.h"
#include "snapshot.h"

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

/* ---- the same tables as an `iolu snapshot` file ---- */

static void put_le32(uint8_t *at, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		at[i] = (uint8_t)(value >> (8 * i));
}

static void put_le64(uint8_t *at, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		at[i] = (uint8_t)(value >> (8 * i));
}

static int write_at(int fd, const void *data, size_t len, off_t offset)
{
	return pwrite(fd, data, len, offset) == (ssize_t)len ? 0 : (errno ? -errno : -EIO);
}

/*
 * The pages section: the count, every table page's address, then the
 * pages copied from the image file. Returns its CRC32.
 */
static int write_pages_section(const struct pt_image *image, int fd, off_t at,
			       uint32_t *crc_out)
{
	uint64_t nr = image->size / PAGE, i;
	uint8_t *buffer = malloc(WRITE_CHUNK);
	uLong crc = crc32(0, Z_NULL, 0);
	int rc = 0;

	if (!buffer)
		return -ENOMEM;
	put_le64(buffer, nr);
	crc = crc32(crc, buffer, 8);
	rc = write_at(fd, buffer, 8, at);
	at += 8;
	for (i = 0; !rc && i < nr; i += WRITE_CHUNK / 8) {
		size_t n = nr - i < WRITE_CHUNK / 8 ? nr - i : WRITE_CHUNK / 8;

		for (size_t k = 0; k < n; k++)
			put_le64(buffer + 8 * k, image->base_pa + (i + k) * PAGE);
		crc = crc32(crc, buffer, (uInt)(8 * n));
		rc = write_at(fd, buffer, 8 * n, at);
		at += (off_t)(8 * n);
	}
	for (i = 0; !rc && i < image->size; i += WRITE_CHUNK) {
		size_t n = image->size - i < WRITE_CHUNK ? image->size - i : WRITE_CHUNK;

		if (pread(image->fd, buffer, n, (off_t)i) != (ssize_t)n)
			rc = -EIO;
		if (!rc) {
			crc = crc32(crc, buffer, (uInt)n);
			rc = write_at(fd, buffer, n, at);
		}
		at += (off_t)n;
	}
	free(buffer);
	*crc_out = (uint32_t)crc;
	return rc;
}

int pt_image_write_snapshot(const struct pt_image *image, const char *path)
{
	static const char meta[] = "side=outgoing\nheader_pa=0x1000\n";
	const uint64_t head = SNAP_HEADER_SIZE + 2 * SNAP_ENTRY_SIZE;
	const uint64_t pages_at = (head + sizeof(meta) - 1 + 7) / 8 * 8;
	const uint64_t pages_len = 8 + image->size / PAGE * (8 + PAGE);
	uint8_t front[256] = { 0 };
	uint32_t pages_crc = 0;
	uLong crc;
	int fd, rc;

	if (pages_at > sizeof(front))
		return -EINVAL;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_pages_section(image, fd, (off_t)pages_at, &pages_crc);
	memcpy(front, IOLU_SNAPSHOT_MAGIC, 8);
	put_le32(front + 8, IOLU_SNAPSHOT_VERSION);
	put_le32(front + 12, SNAP_HEADER_SIZE);
	put_le64(front + 16, pages_at + pages_len);
	put_le32(front + 24, 2);
	put_le32(front + 28, SNAP_ENTRY_SIZE);
	memcpy(front + head, meta, sizeof(meta) - 1);
	put_le32(front + SNAP_HEADER_SIZE, SNAP_SECTION_META);
	put_le64(front + SNAP_HEADER_SIZE + 8, head);
	put_le64(front + SNAP_HEADER_SIZE + 16, sizeof(meta) - 1);
	put_le32(front + SNAP_HEADER_SIZE + 24,
		 (uint32_t)crc32(0, front + head, sizeof(meta) - 1));
	put_le32(front + SNAP_HEADER_SIZE + SNAP_ENTRY_SIZE, SNAP_SECTION_PAGES);
	put_le64(front + SNAP_HEADER_SIZE + SNAP_ENTRY_SIZE + 8, pages_at);
	put_le64(front + SNAP_HEADER_SIZE + SNAP_ENTRY_SIZE + 16, pages_len);
	put_le32(front + SNAP_HEADER_SIZE + SNAP_ENTRY_SIZE + 24, pages_crc);
	/* The whole file's CRC, its own field zero: the front, then the pages. */
	crc = crc32_combine(crc32(0, front, (uInt)pages_at), pages_crc, (z_off_t)pages_len);
	put_le32(front + 32, (uint32_t)crc);
	if (!rc)
		rc = write_at(fd, front, pages_at, 0);
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}
