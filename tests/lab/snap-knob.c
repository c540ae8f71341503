// SPDX-License-Identifier: GPL-2.0
/*
 * snap-knob: make in a snapshot of an outgoing state the corruption the
 * series' test knob (iommu/liveupdate/test/corrupt) makes in the kernel's
 * memory at the kexec reboot, where no user program can look any more.
 * The lab saves the state with `iolu snapshot` just before that reboot,
 * in the boot whose next kernel then judges the knob's damage, and
 * `iolu check --input` judges this copy of it.
 *
 *   snap-knob SNAPSHOT compatible|count|pointer|root|mode OUT
 *
 * The words are the knob's; each changes the bytes its kernel code does.
 * "pointer" needs memory that is not preserved, as the zero page is: the
 * first page below the state's header that the snapshot lacks (up to 64
 * pages down; where the state sits depends on the kernel's allocations). The
 * section and file CRCs are recomputed, so that the check judges the
 * state, not a damaged file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "abi.h"
#include "iolu_verifier.h"
#include "snapshot.h"

struct snap_file {
	uint8_t *data;
	size_t len;
	size_t pages_section;	/* its table entry's offset */
	uint64_t nr_pages;
	const uint8_t *addresses;
	uint8_t *pages;
};

static uint64_t get_le64(const uint8_t *at)
{
	uint64_t value;

	memcpy(&value, at, sizeof(value));
	return le64toh(value);
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

static int load(const char *path, struct snap_file *file)
{
	uint32_t nr_sections;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)SNAP_HEADER_SIZE)
		return -EINVAL;
	file->len = (size_t)st.st_size;
	file->data = malloc(file->len);
	if (!file->data || read(fd, file->data, file->len) != (ssize_t)file->len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	memcpy(&nr_sections, file->data + 24, 4);
	nr_sections = le32toh(nr_sections);
	for (uint32_t i = 0; i < nr_sections && i < SNAP_MAX_SECTIONS; i++) {
		size_t at = SNAP_HEADER_SIZE + i * SNAP_ENTRY_SIZE;
		uint64_t offset = get_le64(file->data + at + 8);

		if (file->data[at] != SNAP_SECTION_PAGES || offset + 8 > file->len)
			continue;
		file->pages_section = at;
		file->nr_pages = get_le64(file->data + offset);
		file->addresses = file->data + offset + 8;
		file->pages = file->data + offset + 8 + file->nr_pages * 8;
		return 0;
	}
	return -ENOENT;
}

/* The snapshot's copy of the 8 bytes at pa, or NULL when it lacks them. */
static uint8_t *at_pa(struct snap_file *file, uint64_t pa)
{
	for (uint64_t i = 0; i < file->nr_pages; i++)
		if (get_le64(file->addresses + i * 8) == (pa & ~0xfffull))
			return file->pages + i * SNAP_PAGE_SIZE + (pa & 0xfff);
	return NULL;
}

static void reseal(struct snap_file *file)
{
	uint8_t *entry = file->data + file->pages_section;
	uint64_t offset = get_le64(entry + 8), length = get_le64(entry + 16);

	put_le32(entry + 24, (uint32_t)crc32(0, file->data + offset, (uInt)length));
	put_le32(file->data + 32, 0);
	put_le32(file->data + 32, (uint32_t)crc32(0, file->data, (uInt)file->len));
}

static int corrupt(struct snap_file *file, struct iolu_source *source,
		   const char *mode)
{
	uint64_t header_pa = iolu_source_header_pa(source);
	struct iolu_state state = { 0 };
	struct iolu_findings findings;
	uint8_t *header = at_pa(file, header_pa), *at;
	int ret;

	if (!header)
		return -EFAULT;
	if (!strcmp(mode, "compatible")) {
		memset(header, 0, IOLU_ABI_COMPATIBLE_LEN);
		memcpy(header, "iommu-v0", 8);
		return 0;
	}
	if (!strcmp(mode, "count")) {
		at = header + offsetof(struct iolu_abi_state, nr_devices);
		put_le64(at, get_le64(at) + 1);
		return 0;
	}
	if (!strcmp(mode, "pointer")) {
		/*
		 * A page below the header that the snapshot does not hold:
		 * not part of the state, so not preserved for it. Which one
		 * depends on where the kernel put the state.
		 */
		for (uint64_t pages = 1; pages <= 64; pages++) {
			uint64_t pa = header_pa - pages * IOLU_ABI_PAGE_SIZE;

			if (pa > header_pa || at_pa(file, pa))
				continue;
			put_le64(header + offsetof(struct iolu_abi_state, devices_pa), pa);
			return 0;
		}
		return -EEXIST;
	}
	/* root and mode change the first live unit, as the knob does. */
	iolu_findings_init(&findings);
	ret = iolu_state_read(iolu_source_mem(source), header_pa, &state, &findings, NULL);
	iolu_findings_free(&findings);
	at = ret || !state.nr_units ? NULL : at_pa(file, state.units[0].object.pa);
	iolu_state_free(&state);
	if (!at)
		return ret ? ret : -ENOENT;
	if (!strcmp(mode, "root"))
		at += offsetof(struct iolu_abi_unit, root_table_pa);
	else if (!strcmp(mode, "mode"))
		at += offsetof(struct iolu_abi_unit, unit_flags);
	else
		return -EINVAL;
	put_le64(at, get_le64(at) + (mode[0] == 'r' ? IOLU_ABI_PAGE_SIZE : 0));
	if (mode[0] == 'm')
		put_le64(at, get_le64(at) ^ 1);
	return 0;
}

int main(int argc, char **argv)
{
	struct snap_file file = { 0 };
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	FILE *out;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: snap-knob SNAPSHOT compatible|count|pointer|root|mode OUT\n");
		return 2;
	}
	ret = iolu_source_open_snapshot(argv[1], &source, &err);
	if (ret) {
		fprintf(stderr, "snap-knob: %s\n", err.msg);
		return 1;
	}
	ret = load(argv[1], &file);
	if (!ret)
		ret = corrupt(&file, source, argv[2]);
	iolu_source_close(source);
	if (ret) {
		fprintf(stderr, "snap-knob: %s: cannot make '%s': %s\n", argv[1], argv[2],
			strerror(-ret));
		return 1;
	}
	reseal(&file);
	out = fopen(argv[3], "w");
	if (!out || fwrite(file.data, 1, file.len, out) != file.len || fclose(out)) {
		fprintf(stderr, "snap-knob: cannot write %s\n", argv[3]);
		return 1;
	}
	free(file.data);
	return 0;
}
