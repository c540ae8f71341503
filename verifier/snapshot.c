// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot files: everything the verifier reads from a source, so that a
 * state can be checked or compared later, on another machine. The writer
 * records which pages a full verification touches and stores exactly
 * those; the reader trusts nothing and names the offset of any problem.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "findings.h"
#include "iolu_version.h"
#include "luo.h"
#include "pageset.h"
#include "ranges.h"
#include "snapshot.h"
#include "source.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

#define ULL(x) ((unsigned long long)(x))

/* ---- recording which pages a verification reads ---- */

struct recorder {
	const struct iolu_mem *inner;
	struct iolu_pageset pages;
	int error;
};

static int recorder_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct recorder *recorder = ctx;
	int ret = iolu_mem_read(recorder->inner, pa, buf, len);

	if (ret || !len)
		return ret;
	for (uint64_t page = pa & ~0xfffull; page <= pa + (len - 1);
	     page += SNAP_PAGE_SIZE) {
		if (iolu_pageset_add(&recorder->pages, page) < 0)
			recorder->error = -ENOMEM;
		if (page + SNAP_PAGE_SIZE < page)
			break;
	}
	return 0;
}

/*
 * Run every check against a recording view of the source's memory, and
 * keep the LUO index the model read (the snapshot carries it whole).
 */
static int record_pages(const struct iolu_source *source,
			struct recorder *recorder, struct iolu_luo_index *luo)
{
	struct iolu_source view = *source;
	struct iolu_findings findings;
	struct iolu_model model;
	struct iolu_err err;
	int ret;

	recorder->inner = &source->mem;
	view.mem = (struct iolu_mem){ .read = recorder_read, .ctx = recorder };
	view.release = NULL;
	iolu_findings_init(&findings);
	ret = iolu_verify(&view, &verify_all, &model, &findings, &err);
	iolu_findings_free(&findings);
	if (!ret && model.luo.index.present)
		ret = iolu_luo_index_copy(luo, &model.luo.index);
	iolu_model_free(&model);
	/* An unreadable header still leaves the pages read on the way. */
	if (ret == -EFAULT)
		ret = 0;
	return ret ? ret : recorder->error;
}

/* ---- building the file in memory ---- */

struct buffer {
	uint8_t *data;
	size_t len, capacity;
};

static int buffer_reserve(struct buffer *buffer, size_t more)
{
	size_t want = buffer->capacity ? buffer->capacity : 65536;
	uint8_t *grown;

	while (want < buffer->len + more)
		want *= 2;
	if (want == buffer->capacity)
		return 0;
	grown = realloc(buffer->data, want);
	if (!grown)
		return -ENOMEM;
	memset(grown + buffer->capacity, 0, want - buffer->capacity);
	buffer->data = grown;
	buffer->capacity = want;
	return 0;
}

static int buffer_append(struct buffer *buffer, const void *data, size_t len)
{
	int ret = buffer_reserve(buffer, len + 8);

	if (ret)
		return ret;
	if (len)
		memcpy(buffer->data + buffer->len, data, len);
	buffer->len += len;
	return 0;
}

static void put_le32(uint8_t *at, uint32_t value)
{
	value = htole32(value);
	memcpy(at, &value, sizeof(value));
}

static void put_le64(uint8_t *at, uint64_t value)
{
	value = htole64(value);
	memcpy(at, &value, sizeof(value));
}

static uint32_t get_le32(const uint8_t *at)
{
	uint32_t value;

	memcpy(&value, at, sizeof(value));
	return le32toh(value);
}

static uint64_t get_le64(const uint8_t *at)
{
	uint64_t value;

	memcpy(&value, at, sizeof(value));
	return le64toh(value);
}

/* zlib takes 32-bit lengths; pages sections can be larger. */
static uint32_t crc32_of(const uint8_t *data, size_t len)
{
	uLong crc = crc32(0, Z_NULL, 0);

	while (len) {
		uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = crc32(crc, data, chunk);
		data += chunk;
		len -= chunk;
	}
	return (uint32_t)crc;
}

struct snap_writer {
	struct buffer file;
	size_t nr_sections;
	uint32_t types[SNAP_MAX_SECTIONS];
	size_t offsets[SNAP_MAX_SECTIONS];
	size_t ends[SNAP_MAX_SECTIONS];
};

static int begin_section(struct snap_writer *writer, uint32_t type)
{
	static const uint8_t zeros[8];
	size_t pad = (8 - writer->file.len % 8) % 8;
	int ret;

	if (writer->nr_sections)
		writer->ends[writer->nr_sections - 1] = writer->file.len;
	ret = buffer_append(&writer->file, zeros, pad);
	writer->types[writer->nr_sections] = type;
	writer->offsets[writer->nr_sections++] = writer->file.len;
	return ret;
}

static int add_meta(struct snap_writer *writer,
		    const struct iolu_source *source)
{
	const struct iolu_identity *id = &source->identity;
	char text[1024];
	int len, ret;

	len = snprintf(text, sizeof(text),
		       "side=%s\nheader_pa=0x%llx\nrelease=%s\nversion=%s\nbuild_id=%s\ntimestamp=%lld\nsource=%s\niolu_version=%s\n",
		       source->side == IOLU_SIDE_INCOMING ? "incoming" : "outgoing",
		       ULL(source->header_pa), id->release, id->version,
		       id->build_id, (long long)id->timestamp, source->kind,
		       IOLU_VERSION);
	if (len < 0 || (size_t)len >= sizeof(text))
		return -EINVAL;
	ret = begin_section(writer, SNAP_SECTION_META);
	return ret ? ret : buffer_append(&writer->file, text, (size_t)len);
}

static int add_blob(struct snap_writer *writer, uint32_t type,
		    const void *data, size_t len)
{
	int ret = begin_section(writer, type);

	return ret ? ret : buffer_append(&writer->file, data, len);
}

static int add_ram(struct snap_writer *writer, const struct iolu_ranges *ram)
{
	uint8_t pair[16];
	int ret = begin_section(writer, SNAP_SECTION_RAM);

	for (size_t i = 0; !ret && i < ram->nr; i++) {
		put_le64(pair, ram->items[i].start);
		put_le64(pair + 8, ram->items[i].size);
		ret = buffer_append(&writer->file, pair, sizeof(pair));
	}
	return ret;
}

static int add_claimed(struct snap_writer *writer,
		       const struct iolu_source *source)
{
	uint8_t pa[8];
	int ret = begin_section(writer, SNAP_SECTION_CLAIMED);

	for (size_t i = 0; !ret && i < source->nr_claimed; i++) {
		put_le64(pa, source->claimed[i]);
		ret = buffer_append(&writer->file, pa, sizeof(pa));
	}
	return ret;
}

static int add_luo(struct snap_writer *writer,
		   const struct iolu_luo_index *luo)
{
	uint8_t header[SNAP_LUO_HEADER_SIZE] = { 0 };
	uint8_t name[SNAP_LUO_SESSION_SIZE], file[SNAP_LUO_FILE_SIZE];
	int ret = begin_section(writer, SNAP_SECTION_LUO);

	put_le32(header, (uint32_t)luo->nr_sessions);
	put_le32(header + 4, (uint32_t)luo->nr_files);
	put_le64(header + 8, luo->liveupdate_num);
	put_le64(header + 16, luo->luo_pa);
	strncpy((char *)header + 24, luo->origin ? luo->origin : "", 15);
	if (!ret)
		ret = buffer_append(&writer->file, header, sizeof(header));
	for (size_t i = 0; !ret && i < luo->nr_sessions; i++) {
		memset(name, 0, sizeof(name));
		memcpy(name, luo->sessions[i], strnlen(luo->sessions[i],
						       sizeof(name) - 1));
		ret = buffer_append(&writer->file, name, sizeof(name));
	}
	for (size_t i = 0; !ret && i < luo->nr_files; i++) {
		const struct iolu_luo_file_ref *ref = &luo->files[i];

		memset(file, 0, sizeof(file));
		put_le32(file, ref->session);
		memcpy(file + 8, ref->compatible,
		       strnlen(ref->compatible, IOLU_LUO_COMPAT_LEN - 1));
		put_le64(file + 56, ref->token);
		put_le64(file + 64, ref->data_pa);
		ret = buffer_append(&writer->file, file, sizeof(file));
	}
	return ret;
}

/* Pages that do not read back whole are left out (kcore holes). */
static int add_pages(struct snap_writer *writer, const struct iolu_mem *mem,
		     const uint64_t *pages, size_t nr_pages)
{
	uint8_t page[SNAP_PAGE_SIZE], word[8] = { 0 };
	size_t count_at, data_at, stored = 0;
	int ret;

	ret = begin_section(writer, SNAP_SECTION_PAGES);
	count_at = writer->file.len;
	if (!ret)
		ret = buffer_append(&writer->file, word, sizeof(word));
	/* Room for every address; the unused tail is cut below. */
	if (!ret)
		ret = buffer_reserve(&writer->file, nr_pages * (8 + sizeof(page)));
	data_at = count_at + 8 + nr_pages * 8;
	for (size_t i = 0; !ret && i < nr_pages; i++) {
		if (iolu_mem_read(mem, pages[i], page, sizeof(page)))
			continue;
		put_le64(writer->file.data + count_at + 8 + stored * 8, pages[i]);
		memcpy(writer->file.data + data_at + stored * sizeof(page), page,
		       sizeof(page));
		stored++;
	}
	if (ret)
		return ret;
	/* Close the gap between the stored addresses and their pages. */
	memmove(writer->file.data + count_at + 8 + stored * 8,
		writer->file.data + data_at, stored * sizeof(page));
	writer->file.len = count_at + 8 + stored * (8 + sizeof(page));
	put_le64(writer->file.data + count_at, stored);
	return 0;
}

static void finish_file(struct snap_writer *writer)
{
	uint8_t *data = writer->file.data;

	writer->ends[writer->nr_sections - 1] = writer->file.len;
	memcpy(data, IOLU_SNAPSHOT_MAGIC, 8);
	put_le32(data + 8, IOLU_SNAPSHOT_VERSION);
	put_le32(data + 12, SNAP_HEADER_SIZE);
	put_le64(data + 16, writer->file.len);
	put_le32(data + 24, (uint32_t)writer->nr_sections);
	put_le32(data + 28, SNAP_ENTRY_SIZE);
	for (size_t i = 0; i < writer->nr_sections; i++) {
		uint8_t *entry = data + SNAP_HEADER_SIZE + i * SNAP_ENTRY_SIZE;
		size_t length = writer->ends[i] - writer->offsets[i];

		put_le32(entry, writer->types[i]);
		put_le64(entry + 8, writer->offsets[i]);
		put_le64(entry + 16, length);
		put_le32(entry + 24, crc32_of(data + writer->offsets[i], length));
	}
	put_le32(data + 32, 0);
	put_le32(data + 32, crc32_of(data, writer->file.len));
}

static int build_file(const struct iolu_source *source,
		      struct snap_writer *writer, struct iolu_err *err)
{
	struct recorder recorder = { 0 };
	struct iolu_luo_index luo = { 0 };
	uint64_t *pages = NULL;
	size_t nr_pages = 0;
	int ret;

	iolu_pageset_init(&recorder.pages);
	ret = record_pages(source, &recorder, &luo);
	if (!ret)
		ret = iolu_pageset_sorted(&recorder.pages, &pages, &nr_pages);
	iolu_pageset_free(&recorder.pages);
	if (!ret)
		ret = buffer_reserve(&writer->file, SNAP_HEADER_SIZE +
				     SNAP_MAX_SECTIONS * SNAP_ENTRY_SIZE);
	if (!ret) {
		/* Header and table are filled in by finish_file(). */
		writer->file.len = SNAP_HEADER_SIZE +
				   SNAP_TABLE_ROOM * SNAP_ENTRY_SIZE;
		ret = add_meta(writer, source);
	}
	if (!ret && source->kho_fdt)
		ret = add_blob(writer, SNAP_SECTION_KHO_FDT, source->kho_fdt,
			       source->kho_fdt_len);
	if (!ret)
		ret = add_ram(writer, &source->ram);
	if (!ret && luo.present)
		ret = add_luo(writer, &luo);
	if (!ret && source->nr_claimed)
		ret = add_claimed(writer, source);
	if (!ret)
		ret = add_pages(writer, &source->mem, pages, nr_pages);
	free(pages);
	iolu_luo_index_free(&luo);
	if (ret)
		return iolu_fail(err, ret, 0, "building the snapshot: %s",
				 strerror(-ret));
	/* With fewer sections than the room, unused table slots stay zero. */
	finish_file(writer);
	return 0;
}

/* ---- atomic write ---- */

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t done = write(fd, data, len);

		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += done;
		len -= (size_t)done;
	}
	return 0;
}

/* Make the rename itself durable. */
static void sync_parent(const char *path)
{
	char copy[4096];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int write_atomic(const char *path, const struct buffer *file,
			struct iolu_err *err)
{
	char temp[4096];
	int fd, ret;

	if ((size_t)snprintf(temp, sizeof(temp), "%s.tmp.XXXXXX", path) >=
	    sizeof(temp))
		return iolu_fail(err, -ENAMETOOLONG, 0, "%s: path too long", path);
	fd = mkstemp(temp);
	if (fd < 0)
		return iolu_fail(err, -errno, 0,
				 "%s: cannot create a temporary file beside it: %s",
				 path, strerror(errno));
	ret = write_all(fd, file->data, file->len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(temp, path))
		ret = -errno;
	if (ret) {
		unlink(temp);
		return iolu_fail(err, ret, 0, "%s: %s", path, strerror(-ret));
	}
	sync_parent(path);
	return 0;
}

int iolu_snapshot_build(const struct iolu_source *source, void **data,
			size_t *len, struct iolu_err *err)
{
	struct snap_writer writer = { 0 };
	int ret;

	*data = NULL;
	*len = 0;
	/* A snapshot of nothing is one audit --before refuses: refuse it now. */
	if (!source->header_pa)
		return iolu_fail(err, -ENODATA, 0,
				 "the %s kernel has no preserved IOMMU state: nothing to save",
				 source->side == IOLU_SIDE_INCOMING ? "incoming" : "outgoing");
	ret = build_file(source, &writer, err);
	if (ret) {
		free(writer.file.data);
		return ret;
	}
	*data = writer.file.data;
	*len = writer.file.len;
	return 0;
}

int iolu_snapshot_write(const struct iolu_source *source, const char *path,
			struct iolu_err *err)
{
	struct buffer file = { 0 };
	struct stat st;
	void *data;
	int ret;

	/* rename() replaces whatever is there: a device or a link must stay. */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode))
		return iolu_fail(err, -EEXIST, 0,
				 "%s: %s, not a regular file: not replacing it",
				 path, iolu_file_type_name(st.st_mode));
	ret = iolu_snapshot_build(source, &data, &file.len, err);
	if (ret)
		return ret;
	file.data = data;
	ret = write_atomic(path, &file, err);
	if (!ret)
		iolu_debug("%s: wrote %zu bytes", path, file.len);
	free(data);
	return ret;
}

/* ---- reading ---- */

/*
 * A snapshot being read: a file read with pread, or a buffer (the fuzz
 * harness). Only the page addresses are held in memory; pages are read
 * from the file when the verifier asks, adjacent ones in one read, so a
 * large snapshot costs neither its size in memory nor a fault per page.
 */
struct snap_image {
	int fd;			/* -1 when reading buffer */
	uint8_t *buffer;	/* owned copy */
	uint64_t len;
	uint64_t *addresses;	/* host order, sorted */
	uint64_t pages_at;	/* file offset of the first page */
	size_t nr_pages;
	uint32_t version;
};

struct snap_section {
	uint32_t type;
	uint64_t offset, length;
	size_t entry_at;	/* file offset of its table entry */
	uint32_t crc;		/* of the payload, as the table says */
};

/* len bytes at offset of the file; -EIO if it shrank since it was opened. */
static int image_read(const struct snap_image *image, uint64_t offset,
		      void *buf, size_t len)
{
	uint8_t *out = buf;

	if (offset > image->len || len > image->len - offset)
		return -EFAULT;
	if (image->buffer) {
		memcpy(out, image->buffer + offset, len);
		return 0;
	}
	while (len) {
		ssize_t got = pread(image->fd, out, len, (off_t)offset);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		out += got;
		offset += (uint64_t)got;
		len -= (size_t)got;
	}
	return 0;
}

static size_t find_page(const struct snap_image *image, uint64_t page)
{
	size_t low = 0, high = image->nr_pages;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (image->addresses[mid] < page)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static int snap_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct snap_image *image = ctx;
	uint8_t *out = buf;

	while (len) {
		uint64_t page = pa & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
		size_t index = find_page(image, page), run = 1, chunk;
		int ret;

		if (index == image->nr_pages || image->addresses[index] != page)
			return -EFAULT;
		/* Pages stored side by side are read together. */
		chunk = SNAP_PAGE_SIZE - (pa - page);
		while (chunk < len && index + run < image->nr_pages &&
		       image->addresses[index + run] == page + run * SNAP_PAGE_SIZE) {
			chunk += SNAP_PAGE_SIZE;
			run++;
		}
		if (chunk > len)
			chunk = len;
		ret = image_read(image, image->pages_at + index * SNAP_PAGE_SIZE +
				 (pa - page), out, chunk);
		if (ret)
			return ret;
		out += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

static void snap_release(void *ctx)
{
	struct snap_image *image = ctx;

	if (!image)
		return;
	if (image->fd >= 0)
		close(image->fd);
	free(image->buffer);
	free(image->addresses);
	free(image);
}

static int check_header(const uint8_t *data, size_t len, uint32_t *nr_sections,
			uint32_t *version, struct iolu_err *err)
{

	if (len < SNAP_HEADER_SIZE)
		return iolu_fail(err, -EINVAL, len,
				 "snapshot truncated: %zu bytes, the header alone is %u",
				 len, SNAP_HEADER_SIZE);
	if (memcmp(data, IOLU_SNAPSHOT_MAGIC, 8))
		return iolu_fail(err, -EINVAL, 0,
				 "not an iolu snapshot: bad magic at offset 0");
	*version = get_le32(data + 8);
	if (*version < SNAP_FIRST_VERSION || *version > IOLU_SNAPSHOT_VERSION)
		return iolu_fail(err, -EPROTO, 8,
				 "unknown snapshot version %u at offset 8 (this reader knows %u to %u)",
				 *version, SNAP_FIRST_VERSION,
				 IOLU_SNAPSHOT_VERSION);
	if (get_le32(data + 12) != SNAP_HEADER_SIZE ||
	    get_le32(data + 28) != SNAP_ENTRY_SIZE)
		return iolu_fail(err, -EINVAL, 12,
				 "header or table entry size at offset 12/28 is not %u/%u",
				 SNAP_HEADER_SIZE, SNAP_ENTRY_SIZE);
	if (get_le64(data + 16) != len)
		return iolu_fail(err, -EINVAL, 16,
				 "snapshot is %zu bytes but its header (offset 16) says %llu: truncated or extended",
				 len, ULL(get_le64(data + 16)));
	*nr_sections = get_le32(data + 24);
	if (!*nr_sections || *nr_sections > SNAP_MAX_SECTIONS ||
	    SNAP_HEADER_SIZE + *nr_sections * SNAP_ENTRY_SIZE > len)
		return iolu_fail(err, -EINVAL, 24,
				 "section count %u at offset 24 is invalid",
				 *nr_sections);
	for (size_t at = 36; at < SNAP_HEADER_SIZE; at++)
		if (data[at])
			return iolu_fail(err, -EINVAL, at,
					 "reserved header byte at offset %zu is not zero",
					 at);
	return 0;
}

static int read_section_entry(const uint8_t *data, size_t len, uint32_t i,
			      struct snap_section *section, struct iolu_err *err)
{
	size_t at = SNAP_HEADER_SIZE + i * SNAP_ENTRY_SIZE;
	const uint8_t *entry = data + at;

	section->entry_at = at;
	section->type = get_le32(entry);
	section->offset = get_le64(entry + 8);
	section->length = get_le64(entry + 16);
	section->crc = get_le32(entry + 24);
	if (get_le32(entry + 4) || get_le32(entry + 28))
		return iolu_fail(err, -EINVAL, at + 4,
				 "section %u: reserved fields of its table entry at offset %zu are not zero",
				 i, at);
	if (section->offset % 8 ||
	    section->offset < SNAP_HEADER_SIZE + SNAP_ENTRY_SIZE ||
	    section->offset > len || section->length > len - section->offset)
		return iolu_fail(err, -EINVAL, at + 8,
				 "section %u (type %u) at offset %llu, %llu bytes, lies outside the %zu-byte file",
				 i, section->type, ULL(section->offset),
				 ULL(section->length), len);
	return 0;
}

/*
 * The file cut where any section starts or ends: each piece's CRC32 is
 * computed once, in one sequential pass, and the CRCs of the sections and
 * of the whole file are combined from them. Reading a large snapshot
 * twice, once per checksum, cost more than the walk that follows.
 */
struct crc_pieces {
	uint64_t cuts[2 * SNAP_MAX_SECTIONS + 3];
	uint32_t crcs[2 * SNAP_MAX_SECTIONS + 2];
	size_t nr_cuts;
};

static void add_cut(struct crc_pieces *pieces, uint64_t at)
{
	size_t i = pieces->nr_cuts;

	for (size_t k = 0; k < pieces->nr_cuts; k++)
		if (pieces->cuts[k] == at)
			return;
	while (i && pieces->cuts[i - 1] > at) {
		pieces->cuts[i] = pieces->cuts[i - 1];
		i--;
	}
	pieces->cuts[i] = at;
	pieces->nr_cuts++;
}

#define CRC_CHUNK	(1u << 20)

static int crc_pieces_compute(const struct snap_image *image,
			      const uint8_t *header, struct crc_pieces *pieces)
{
	uint8_t *chunk = malloc(CRC_CHUNK);
	int ret = 0;

	if (!chunk)
		return -ENOMEM;
	for (size_t k = 0; !ret && k + 1 < pieces->nr_cuts; k++) {
		uLong crc = crc32(0, Z_NULL, 0);
		uint64_t at = pieces->cuts[k];

		/* The first piece is the header, its CRC field taken as zero. */
		if (!k) {
			uint8_t copy[SNAP_HEADER_SIZE];

			memcpy(copy, header, sizeof(copy));
			memset(copy + 32, 0, 4);
			pieces->crcs[k] = (uint32_t)crc32(crc, copy, sizeof(copy));
			continue;
		}
		while (!ret && at < pieces->cuts[k + 1]) {
			uint64_t left = pieces->cuts[k + 1] - at;
			size_t len = left < CRC_CHUNK ? (size_t)left : CRC_CHUNK;

			ret = image_read(image, at, chunk, len);
			crc = crc32(crc, chunk, (uInt)len);
			at += len;
		}
		pieces->crcs[k] = (uint32_t)crc;
	}
	free(chunk);
	return ret;
}

static uint32_t crc_of_span(const struct crc_pieces *pieces, uint64_t from,
			    uint64_t to)
{
	uLong crc = crc32(0, Z_NULL, 0);

	for (size_t k = 0; k + 1 < pieces->nr_cuts; k++)
		if (pieces->cuts[k] >= from && pieces->cuts[k + 1] <= to)
			crc = crc32_combine(crc, pieces->crcs[k],
					    (z_off_t)(pieces->cuts[k + 1] - pieces->cuts[k]));
	return (uint32_t)crc;
}

static int check_crcs(const struct snap_image *image, const uint8_t *header,
		      const struct snap_section *sections, uint32_t nr_sections,
		      struct iolu_err *err)
{
	struct crc_pieces pieces = { .nr_cuts = 0 };
	int ret;

	add_cut(&pieces, 0);
	add_cut(&pieces, SNAP_HEADER_SIZE);
	add_cut(&pieces, image->len);
	for (uint32_t i = 0; i < nr_sections; i++) {
		add_cut(&pieces, sections[i].offset);
		add_cut(&pieces, sections[i].offset + sections[i].length);
	}
	ret = crc_pieces_compute(image, header, &pieces);
	if (ret)
		return iolu_fail(err, ret, 0, "cannot read the snapshot: %s",
				 strerror(-ret));
	for (uint32_t i = 0; i < nr_sections; i++)
		if (crc_of_span(&pieces, sections[i].offset,
				sections[i].offset + sections[i].length) != sections[i].crc)
			return iolu_fail(err, -EBADMSG, sections[i].offset,
					 "section %u (type %u) at offset %llu: CRC32 mismatch, the data is corrupt",
					 i, sections[i].type, ULL(sections[i].offset));
	if (crc_of_span(&pieces, 0, image->len) != get_le32(header + 32))
		return iolu_fail(err, -EBADMSG, 32,
				 "whole-file CRC32 (offset 32) mismatch: header or section table corrupt");
	return 0;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "key=value" lines; values are copied bounded, unknown keys ignored. */
static int parse_meta(const uint8_t *text, size_t len,
		      const struct snap_section *section,
		      struct iolu_source *source, struct iolu_err *err)
{
	bool have_side = false, have_header = false;
	size_t at = 0;

	while (at < len) {
		const uint8_t *line = text + at, *end, *equals;
		size_t line_len, key_len;
		char value[256];
		char *stop;

		end = memchr(line, '\n', len - at);
		if (!end)
			return iolu_fail(err, -EINVAL, section->offset + at,
					 "metadata line at offset %llu is not terminated",
					 ULL(section->offset + at));
		line_len = (size_t)(end - line);
		equals = memchr(line, '=', line_len);
		if (!equals)
			return iolu_fail(err, -EINVAL, section->offset + at,
					 "metadata line at offset %llu has no '='",
					 ULL(section->offset + at));
		key_len = (size_t)(equals - line);
		snprintf(value, sizeof(value), "%.*s",
			 (int)(line_len - key_len - 1), (const char *)equals + 1);
#define KEY_IS(name) (key_len == strlen(name) && !memcmp(line, name, key_len))
		if (KEY_IS("side")) {
			have_side = !strcmp(value, "outgoing") ||
				    !strcmp(value, "incoming");
			source->side = strcmp(value, "incoming") ?
				       IOLU_SIDE_OUTGOING : IOLU_SIDE_INCOMING;
		} else if (KEY_IS("header_pa")) {
			errno = 0;
			source->header_pa = strtoull(value, &stop, 0);
			have_header = !errno && *value && !*stop;
		} else if (KEY_IS("release")) {
			copy_text(source->identity.release,
				  sizeof(source->identity.release), value);
		} else if (KEY_IS("version")) {
			copy_text(source->identity.version,
				  sizeof(source->identity.version), value);
		} else if (KEY_IS("build_id")) {
			copy_text(source->identity.build_id,
				  sizeof(source->identity.build_id), value);
		} else if (KEY_IS("timestamp")) {
			source->identity.timestamp = strtoll(value, NULL, 10);
		} else if (KEY_IS("iolu_version")) {
			copy_text(source->snapshot.written_by,
				  sizeof(source->snapshot.written_by), value);
		}
#undef KEY_IS
		at += line_len + 1;
	}
	if (!have_side || !have_header)
		return iolu_fail(err, -EINVAL, section->offset,
				 "metadata at offset %llu lacks a valid side= or header_pa= line",
				 ULL(section->offset));
	return 0;
}

static int parse_ram(const uint8_t *payload, const struct snap_section *section,
		     struct iolu_source *source, struct iolu_err *err)
{
	size_t capacity = 0;
	int ret;

	if (section->length % 16)
		return iolu_fail(err, -EINVAL, section->offset,
				 "RAM section at offset %llu: %llu bytes is not a whole number of ranges",
				 ULL(section->offset), ULL(section->length));
	for (uint64_t at = 0; at < section->length; at += 16) {
		uint64_t start = get_le64(payload + at);
		uint64_t size = get_le64(payload + at + 8);

		if (!size || start + size - 1 < start)
			return iolu_fail(err, -EINVAL, section->offset + at,
					 "RAM range at offset %llu is empty or wraps",
					 ULL(section->offset + at));
		ret = iolu_ranges_append(&source->ram, &capacity, start, size);
		if (ret)
			return ret;
	}
	iolu_ranges_normalize(&source->ram);
	return 0;
}

/* The count and addresses are read into memory; the pages stay in the file. */
static int parse_pages(const struct snap_section *section,
		       struct snap_image *image, struct iolu_err *err)
{
	uint8_t word[8];
	uint64_t count, previous = 0;
	int ret;

	if (section->length < 8)
		return iolu_fail(err, -EINVAL, section->offset,
				 "pages section at offset %llu is shorter than its count",
				 ULL(section->offset));
	ret = image_read(image, section->offset, word, sizeof(word));
	if (ret)
		return iolu_fail(err, ret, section->offset, "cannot read the pages section: %s",
				 strerror(-ret));
	count = get_le64(word);
	if (count > (section->length - 8) / (8 + SNAP_PAGE_SIZE) ||
	    8 + count * (8 + SNAP_PAGE_SIZE) != section->length)
		return iolu_fail(err, -EINVAL, section->offset,
				 "pages section at offset %llu: %llu pages do not fill its %llu bytes",
				 ULL(section->offset), ULL(count),
				 ULL(section->length));
	image->addresses = malloc(count ? count * 8 : 1);
	if (!image->addresses)
		return -ENOMEM;
	ret = image_read(image, section->offset + 8, image->addresses, count * 8);
	if (ret)
		return iolu_fail(err, ret, section->offset, "cannot read the pages section: %s",
				 strerror(-ret));
	for (uint64_t i = 0; i < count; i++) {
		uint64_t pa = le64toh(image->addresses[i]);

		if (pa % SNAP_PAGE_SIZE || (i && pa <= previous))
			return iolu_fail(err, -EINVAL,
					 section->offset + 8 + i * 8,
					 "page address 0x%llx at offset %llu is not aligned or not sorted",
					 ULL(pa), ULL(section->offset + 8 + i * 8));
		image->addresses[i] = pa;
		previous = pa;
	}
	image->pages_at = section->offset + 8 + count * 8;
	image->nr_pages = count;
	return 0;
}

static int parse_luo(const uint8_t *payload, const struct snap_section *section,
		     struct iolu_source *source, struct iolu_err *err);

/* Everything but the pages is small enough, and parsed, in memory. */
/* Sorted, unique, 8-byte aligned object addresses. */
static int parse_claimed(const uint8_t *payload,
			 const struct snap_section *section,
			 struct iolu_source *source, struct iolu_err *err)
{
	size_t nr = section->length / 8;

	if (section->length % 8 || !nr)
		return iolu_fail(err, -EINVAL, section->offset,
				 "claimed section at offset %llu: length %llu is not a positive multiple of 8",
				 ULL(section->offset), ULL(section->length));
	source->claimed = calloc(nr, sizeof(*source->claimed));
	if (!source->claimed)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		source->claimed[i] = get_le64(payload + 8 * i);
		if ((source->claimed[i] & 7) ||
		    (i && source->claimed[i] <= source->claimed[i - 1]))
			return iolu_fail(err, -EINVAL, section->offset + 8 * i,
					 "claimed section: address 0x%llx at offset %llu is unaligned or out of order",
					 ULL(source->claimed[i]),
					 ULL(section->offset + 8 * i));
	}
	source->nr_claimed = nr;
	return 0;
}

static int parse_small_section(struct snap_image *image,
			       const struct snap_section *section,
			       struct iolu_source *source, struct iolu_err *err)
{
	uint8_t *payload = malloc(section->length ? section->length : 1);
	int ret;

	if (!payload)
		return -ENOMEM;
	ret = image_read(image, section->offset, payload, section->length);
	if (ret) {
		free(payload);
		return iolu_fail(err, ret, section->offset,
				 "cannot read the section at offset %llu: %s",
				 ULL(section->offset), strerror(-ret));
	}
	switch (section->type) {
	case SNAP_SECTION_META:
		ret = parse_meta(payload, section->length, section, source, err);
		break;
	case SNAP_SECTION_KHO_FDT:
		source->kho_fdt = payload;
		source->kho_fdt_len = section->length;
		return 0;
	case SNAP_SECTION_RAM:
		ret = parse_ram(payload, section, source, err);
		break;
	case SNAP_SECTION_LUO:
		ret = parse_luo(payload, section, source, err);
		break;
	case SNAP_SECTION_CLAIMED:
		ret = parse_claimed(payload, section, source, err);
		break;
	}
	free(payload);
	return ret;
}

static int luo_fail(struct iolu_err *err, uint64_t at, const char *what)
{
	return iolu_fail(err, -EINVAL, at, "LUO section at offset %llu: %s",
			 ULL(at), what);
}

static int parse_luo_files(const uint8_t *at, uint64_t offset,
			   struct iolu_luo_index *index, uint32_t nr_files,
			   struct iolu_err *err)
{
	for (uint32_t i = 0; i < nr_files; i++, at += SNAP_LUO_FILE_SIZE,
			     offset += SNAP_LUO_FILE_SIZE) {
		struct iolu_luo_file_ref ref = { 0 };
		int ret;

		ref.session = get_le32(at);
		if (ref.session >= index->nr_sessions || get_le32(at + 4))
			return luo_fail(err, offset,
					"a file names no session, or its reserved field is not zero");
		if (!memchr(at + 8, '\0', IOLU_LUO_COMPAT_LEN))
			return luo_fail(err, offset + 8,
					"a file's compatible string has no NUL");
		memcpy(ref.compatible, at + 8, IOLU_LUO_COMPAT_LEN);
		ref.token = get_le64(at + 56);
		ref.data_pa = get_le64(at + 64);
		ret = iolu_luo_index_add_file(index, &ref);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_luo(const uint8_t *payload, const struct snap_section *section,
		     struct iolu_source *source, struct iolu_err *err)
{
	struct iolu_luo_index *index = &source->luo;
	uint64_t offset = section->offset;
	uint32_t nr_sessions, nr_files;
	const char *origin;
	int ret = 0;

	if (section->length < SNAP_LUO_HEADER_SIZE)
		return luo_fail(err, offset, "shorter than its 40-byte header");
	nr_sessions = get_le32(payload);
	nr_files = get_le32(payload + 4);
	if (nr_sessions > IOLU_LUO_MAX_SESSIONS || nr_files > IOLU_LUO_MAX_FILES ||
	    section->length != SNAP_LUO_HEADER_SIZE +
			       (uint64_t)nr_sessions * SNAP_LUO_SESSION_SIZE +
			       (uint64_t)nr_files * SNAP_LUO_FILE_SIZE)
		return luo_fail(err, offset,
				"its session and file counts do not fill it");
	origin = (const char *)payload + 24;
	if (!memcmp(origin, "serialized\0", 11))
		index->origin = "serialized";
	else if (!memcmp(origin, "kernel\0", 7))
		index->origin = "kernel";
	else
		return luo_fail(err, offset + 24, "unknown origin");
	index->present = true;
	index->liveupdate_num = get_le64(payload + 8);
	index->luo_pa = get_le64(payload + 16);
	payload += SNAP_LUO_HEADER_SIZE;
	offset += SNAP_LUO_HEADER_SIZE;
	for (uint32_t i = 0; !ret && i < nr_sessions; i++) {
		if (!memchr(payload, '\0', SNAP_LUO_SESSION_SIZE))
			return luo_fail(err, offset, "a session name has no NUL");
		ret = iolu_luo_index_add_session(index, (const char *)payload,
						 SNAP_LUO_SESSION_SIZE);
		payload += SNAP_LUO_SESSION_SIZE;
		offset += SNAP_LUO_SESSION_SIZE;
	}
	return ret ? ret : parse_luo_files(payload, offset, index, nr_files,
					   err);
}

static int parse_section(struct snap_image *image,
			 const struct snap_section *section,
			 struct iolu_source *source, struct iolu_err *err)
{
	switch (section->type) {
	case SNAP_SECTION_META:
	case SNAP_SECTION_KHO_FDT:
	case SNAP_SECTION_RAM:
		return parse_small_section(image, section, source, err);
	case SNAP_SECTION_PAGES:
		return parse_pages(section, image, err);
	case SNAP_SECTION_LUO:
		if (image->version >= 2)
			return parse_small_section(image, section, source, err);
		break;
	case SNAP_SECTION_CLAIMED:
		if (image->version >= 3)
			return parse_small_section(image, section, source, err);
		break;
	}
	return iolu_fail(err, -EINVAL, section->entry_at,
			 "section table entry at offset %zu has unknown type %u",
			 section->entry_at, section->type);
}

/*
 * The writer ends the file with its last section. Bytes beyond it are
 * nothing the reader checks, so they are refused: a file that carries
 * more than it declares is not the one that was written.
 */
static int check_no_trailing(const struct snap_section *sections,
			     uint32_t nr_sections, size_t len,
			     struct iolu_err *err)
{
	uint64_t end = SNAP_HEADER_SIZE + (uint64_t)nr_sections * SNAP_ENTRY_SIZE;

	for (uint32_t i = 0; i < nr_sections; i++)
		if (sections[i].offset + sections[i].length > end)
			end = sections[i].offset + sections[i].length;
	if (end < len)
		return iolu_fail(err, -EINVAL, end,
				 "%llu bytes of trailing data at offset %llu, after the last section",
				 ULL(len - end), ULL(end));
	return 0;
}

static int parse_image(struct snap_image *image, struct iolu_source *source,
		       struct iolu_err *err)
{
	uint8_t front[SNAP_HEADER_SIZE + SNAP_MAX_SECTIONS * SNAP_ENTRY_SIZE] = { 0 };
	struct snap_section sections[SNAP_MAX_SECTIONS];
	uint32_t nr_sections = 0, seen = 0;
	int ret;

	/* A short file is check_header()'s to name. */
	ret = image_read(image, 0, front,
			 image->len < SNAP_HEADER_SIZE ? image->len : SNAP_HEADER_SIZE);
	if (ret)
		return iolu_fail(err, ret, 0, "cannot read the snapshot header: %s",
				 strerror(-ret));
	ret = check_header(front, image->len, &nr_sections, &image->version, err);
	if (!ret)
		ret = image_read(image, SNAP_HEADER_SIZE, front + SNAP_HEADER_SIZE,
				 nr_sections * SNAP_ENTRY_SIZE);
	for (uint32_t i = 0; !ret && i < nr_sections; i++)
		ret = read_section_entry(front, image->len, i, &sections[i], err);
	if (!ret)
		ret = check_crcs(image, front, sections, nr_sections, err);
	if (!ret)
		ret = check_no_trailing(sections, nr_sections, image->len, err);
	for (uint32_t i = 0; !ret && i < nr_sections; i++) {
		uint32_t bit = sections[i].type < 32 ? 1u << sections[i].type : 0;

		if (bit & seen)
			return iolu_fail(err, -EINVAL, sections[i].entry_at,
					 "section type %u appears twice (table entry at offset %zu)",
					 sections[i].type, sections[i].entry_at);
		seen |= bit;
		ret = parse_section(image, &sections[i], source, err);
	}
	if (!ret && (!(seen & (1u << SNAP_SECTION_META)) ||
		     !(seen & (1u << SNAP_SECTION_PAGES))))
		return iolu_fail(err, -EINVAL, 24,
				 "snapshot lacks its metadata or pages section");
	if (!ret) {
		source->snapshot.version = image->version;
		source->snapshot.file_size = image->len;
		source->snapshot.nr_sections = nr_sections;
		source->snapshot.nr_pages = image->nr_pages;
	}
	return ret;
}

/* Takes ownership of image in every case. */
static int open_image(struct snap_image *image, struct iolu_source **sourcep,
		      struct iolu_err *err)
{
	struct iolu_source *source = iolu_source_alloc("snapshot");
	int ret;

	*sourcep = NULL;
	if (!source) {
		snap_release(image);
		return -ENOMEM;
	}
	source->mem = (struct iolu_mem){ .read = snap_read, .ctx = image };
	source->release = snap_release;
	ret = parse_image(image, source, err);
	if (ret) {
		iolu_source_close(source);
		return ret;
	}
	*sourcep = source;
	return 0;
}

int iolu_source_open_snapshot_buffer(const void *data, size_t len,
				     struct iolu_source **sourcep,
				     struct iolu_err *err)
{
	struct snap_image *image = calloc(1, sizeof(*image));

	*sourcep = NULL;
	if (!image)
		return -ENOMEM;
	image->fd = -1;
	image->buffer = malloc(len ? len : 1);
	if (!image->buffer) {
		free(image);
		return -ENOMEM;
	}
	if (len)
		memcpy(image->buffer, data, len);
	image->len = len;
	return open_image(image, sourcep, err);
}

int iolu_source_open_snapshot(const char *path, struct iolu_source **sourcep,
			      struct iolu_err *err)
{
	struct snap_image *image;
	struct stat st;
	int fd, ret;

	*sourcep = NULL;
	fd = iolu_open_input(path, &st, err);
	if (fd < 0)
		return fd;
	if (st.st_size < (off_t)SNAP_HEADER_SIZE) {
		close(fd);
		return iolu_fail(err, -EINVAL, (uint64_t)st.st_size,
				 "%s: snapshot truncated: %lld bytes, the header alone is %u",
				 path, (long long)st.st_size, SNAP_HEADER_SIZE);
	}
	image = calloc(1, sizeof(*image));
	if (!image) {
		close(fd);
		return -ENOMEM;
	}
	image->fd = fd;
	image->len = (uint64_t)st.st_size;
	ret = open_image(image, sourcep, err);
	if (!ret)
		iolu_debug("%s: snapshot version %u, %zu sections, %zu pages, written by iolu %s",
			   path, (*sourcep)->snapshot.version,
			   (*sourcep)->snapshot.nr_sections,
			   (*sourcep)->snapshot.nr_pages,
			   (*sourcep)->snapshot.written_by[0] ?
			   (*sourcep)->snapshot.written_by : "(not recorded)");
	if (ret && err) {
		char detail[sizeof(err->msg)];

		copy_text(detail, sizeof(detail), err->msg);
		/* The reader's message names the offset; prefix the file. */
		snprintf(err->msg, sizeof(err->msg), "%s: ", path);
		copy_text(err->msg + strlen(err->msg),
			  sizeof(err->msg) - strlen(err->msg), detail);
	}
	return ret;
}
