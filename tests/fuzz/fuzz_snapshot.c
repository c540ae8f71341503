// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: arbitrary bytes as a snapshot file. Each input is
 * read twice: as it is (the header, table and CRC checks) and with its
 * CRCs recomputed, so that mutations also reach the section parsers and,
 * through a snapshot that opens, every check on the state it holds.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "iolu_verifier.h"
#include "snapshot.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

static uint32_t get_le32(const uint8_t *at)
{
	uint32_t value;

	memcpy(&value, at, 4);
	return le32toh(value);
}

static uint64_t get_le64(const uint8_t *at)
{
	uint64_t value;

	memcpy(&value, at, 8);
	return le64toh(value);
}

static void put_le32(uint8_t *at, uint32_t value)
{
	value = htole32(value);
	memcpy(at, &value, 4);
}

/* Recompute what CRCs the table's bounds allow, and the file's. */
static void fix_crcs(uint8_t *data, size_t size)
{
	uint32_t nr;

	if (size < SNAP_HEADER_SIZE)
		return;
	nr = get_le32(data + 24);
	for (uint32_t i = 0; i < nr && i < SNAP_MAX_SECTIONS; i++) {
		size_t entry = SNAP_HEADER_SIZE + (size_t)i * SNAP_ENTRY_SIZE;
		uint64_t offset, length;

		if (entry + SNAP_ENTRY_SIZE > size)
			break;
		offset = get_le64(data + entry + 8);
		length = get_le64(data + entry + 16);
		if (offset <= size && length <= size - offset)
			put_le32(data + entry + 24,
				 (uint32_t)crc32(0, data + offset, (uInt)length));
	}
	put_le32(data + 32, 0);
	put_le32(data + 32, (uint32_t)crc32(0, data, (uInt)size));
}

static void open_and_check(const uint8_t *data, size_t size)
{
	struct iolu_findings findings;
	struct iolu_snapshot_info info;
	struct iolu_source *source;
	struct iolu_model model;

	if (iolu_source_open_snapshot_buffer(data, size, &source, NULL))
		return;
	iolu_snapshot_info(source, &info);
	iolu_findings_init(&findings);
	/* The commands' own entry point: what is fuzzed is what ships. */
	if (!iolu_verify(source, &verify_all, &model, &findings, NULL))
		iolu_compare(iolu_source_mem(source), &model.state,
			     iolu_source_mem(source), &model.state, &findings);
	iolu_model_free(&model);
	iolu_findings_free(&findings);
	iolu_source_close(source);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	open_and_check(data, size);
	fixed = malloc(size ? size : 1);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	fix_crcs(fixed, size);
	open_and_check(fixed, size);
	free(fixed);
	return 0;
}
