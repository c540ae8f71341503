// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot files: a round trip keeps everything the verifier needs (the
 * snapshot checks and compares exactly like the memory it came from), the
 * write is atomic, and every kind of damage is refused with an error that
 * names the offset.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "builder.h"
#include "iolu_version.h"
#include "snapshot.h"
#include "source.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

struct snapshot_file {
	char dir[64];
	char path[128];
	uint8_t *data;
	size_t len;
};

static void read_whole(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	*data = malloc(*len);
	assert_non_null(*data);
	assert_int_equal(read(fd, *data, *len), (ssize_t)*len);
	close(fd);
}

/* Write a snapshot of a fixture into a fresh temporary directory. */
static void write_snapshot(struct fixture *fixture, struct snapshot_file *file)
{
	struct iolu_source *source = fixture_source(fixture);
	struct iolu_err err = { 0 };

	assert_non_null(source);
	snprintf(file->dir, sizeof(file->dir), "/tmp/iolu-snap-XXXXXX");
	assert_non_null(mkdtemp(file->dir));
	snprintf(file->path, sizeof(file->path), "%s/state.snap", file->dir);
	if (iolu_snapshot_write(source, file->path, &err)) {
		print_message("# %s\n", err.msg);
		fail();
	}
	iolu_source_close(source);
	read_whole(file->path, &file->data, &file->len);
}

static void remove_snapshot(struct snapshot_file *file)
{
	unlink(file->path);
	rmdir(file->dir);
	free(file->data);
}

static void small_fixture(struct fixture *fixture, bool scalable)
{
	struct fixture_config config;

	fixture_default_config(&config);
	config.scalable = scalable;
	assert_int_equal(fixture_build(fixture, &config), 0);
}

static size_t verify_count(const struct iolu_source *source,
			   struct iolu_findings *findings)
{
	struct iolu_err err = { 0 };

	iolu_findings_init(findings);
	assert_int_equal(iolu_verify(source, &verify_all, NULL, findings, &err),
			 0);
	return findings->nr;
}

static void test_round_trip(void **state)
{
	struct iolu_source *source;
	struct iolu_snapshot_info info;
	struct iolu_findings findings;
	struct snapshot_file file;
	struct fixture fixture;
	const void *fdt;
	size_t fdt_len;

	(void)state;
	small_fixture(&fixture, true);
	assert_int_equal(fixture_seal(&fixture), 0);
	write_snapshot(&fixture, &file);
	assert_int_equal(iolu_source_open_snapshot(file.path, &source, NULL), 0);
	assert_string_equal(iolu_source_kind(source), "snapshot");
	assert_int_equal(iolu_source_side(source), IOLU_SIDE_OUTGOING);
	assert_int_equal(iolu_source_header_pa(source), fixture.header_pa);
	assert_string_equal(iolu_source_identity(source)->release, "7.3.4-fixture");
	assert_string_equal(iolu_source_identity(source)->build_id,
			    "00112233445566778899aabbccddeeff00112233");
	assert_int_equal(iolu_source_identity(source)->timestamp, 1764000000);
	fdt = iolu_source_kho_fdt(source, &fdt_len);
	assert_int_equal(fdt_len, fixture.fdt_len);
	assert_memory_equal(fdt, fixture.fdt, fdt_len);
	assert_int_equal(iolu_source_ram(source)->nr, 1);
	assert_int_equal(iolu_snapshot_info(source, &info), 0);
	assert_int_equal(info.file_size, file.len);
	assert_true(info.nr_pages > 10);
	assert_int_equal(verify_count(source, &findings), 0);
	iolu_findings_free(&findings);
	iolu_source_close(source);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

/*
 * Pages are read from the file as the verifier asks for them: a file cut
 * short after it was opened makes those reads fail (no crash, as a
 * mapping's SIGBUS would be), and the verification names what it could
 * not read.
 */
static void test_file_shrinks_after_open(void **state)
{
	struct iolu_source *source;
	struct iolu_findings findings;
	struct snapshot_file file;
	struct fixture fixture;
	struct iolu_err err = { 0 };
	uint8_t page[4096];
	int ret;

	(void)state;
	small_fixture(&fixture, true);
	assert_int_equal(fixture_seal(&fixture), 0);
	write_snapshot(&fixture, &file);
	assert_int_equal(iolu_source_open_snapshot(file.path, &source, NULL), 0);
	assert_int_equal(truncate(file.path, 4096), 0);
	assert_int_equal(iolu_mem_read(iolu_source_mem(source), fixture.header_pa, page,
				       sizeof(page)), -EIO);
	iolu_findings_init(&findings);
	ret = iolu_verify(source, &verify_all, NULL, &findings, &err);
	assert_true(ret < 0 || findings.nr > 0);
	iolu_findings_free(&findings);
	iolu_source_close(source);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

/* A broken state stays broken, with the same finding, in its snapshot. */
static void test_round_trip_keeps_findings(void **state)
{
	struct iolu_findings direct, replayed;
	struct iolu_source *source;
	struct snapshot_file file;
	struct fixture fixture;
	uint64_t context;

	(void)state;
	small_fixture(&fixture, false);
	context = fixture_context_entry(&fixture, 3);
	image_write64(fixture.image, context + 8,
		      image_read64(fixture.image, context + 8) + (1u << 8));
	image_unpreserve(fixture.image, fixture.data_pa[2]);
	assert_int_equal(fixture_seal(&fixture), 0);
	source = fixture_source(&fixture);
	assert_int_equal(verify_count(source, &direct), 2);
	iolu_source_close(source);
	write_snapshot(&fixture, &file);
	assert_int_equal(iolu_source_open_snapshot(file.path, &source, NULL), 0);
	assert_int_equal(verify_count(source, &replayed), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(direct.items[i].rule, replayed.items[i].rule);
		assert_int_equal(direct.items[i].pa, replayed.items[i].pa);
		assert_string_equal(direct.items[i].message,
				    replayed.items[i].message);
	}
	iolu_findings_free(&direct);
	iolu_findings_free(&replayed);
	iolu_source_close(source);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

/*
 * 32-page PASID directories: the snapshot holds what the checks read of
 * them, ready as the source is; and one whose block is too small is
 * refused alike.
 */
static void test_pasid_dir_round_trip(void **state)
{
	struct iolu_findings direct, replayed;
	struct fixture_config config;
	struct iolu_source *source;
	struct snapshot_file file;
	struct fixture fixture;

	(void)state;
	fixture_default_config(&config);
	config.scalable = true;
	config.pasid_dir_pages = 32;
	for (int broken = 0; broken < 2; broken++) {
		assert_int_equal(fixture_build(&fixture, &config), 0);
		if (broken) {
			uint64_t dir = image_read64(fixture.image,
				fixture_context_entry(&fixture, 3)) & ~0xfffull;

			image_preserve_block(fixture.image, dir, 0);
		}
		assert_int_equal(fixture_seal(&fixture), 0);
		source = fixture_source(&fixture);
		assert_int_equal(verify_count(source, &direct), (size_t)broken);
		iolu_source_close(source);
		write_snapshot(&fixture, &file);
		assert_int_equal(iolu_source_open_snapshot(file.path, &source,
							   NULL), 0);
		assert_int_equal(verify_count(source, &replayed),
				 (size_t)broken);
		if (broken) {
			assert_string_equal(replayed.items[0].rule,
					    "vtd-table-unpreserved");
			assert_string_equal(direct.items[0].message,
					    replayed.items[0].message);
		}
		iolu_findings_free(&direct);
		iolu_findings_free(&replayed);
		iolu_source_close(source);
		remove_snapshot(&file);
		fixture_free(&fixture);
	}
}

/* The extents compare equal between the memory and its snapshot. */
static void test_compare_with_snapshot(void **state)
{
	struct iolu_state before, after;
	struct iolu_findings findings;
	struct iolu_source *source;
	struct snapshot_file file;
	struct fixture fixture;
	struct iolu_mem mem;

	(void)state;
	small_fixture(&fixture, false);
	assert_int_equal(fixture_seal(&fixture), 0);
	write_snapshot(&fixture, &file);
	assert_int_equal(iolu_source_open_snapshot(file.path, &source, NULL), 0);
	mem = image_mem(fixture.image);
	iolu_findings_init(&findings);
	assert_int_equal(iolu_state_read(&mem, fixture.header_pa, &before,
					 &findings, NULL), 0);
	assert_int_equal(iolu_state_read(iolu_source_mem(source),
					 iolu_source_header_pa(source), &after,
					 &findings, NULL), 0);
	assert_int_equal(iolu_compare(&mem, &before, iolu_source_mem(source),
				      &after, &findings), 0);
	assert_int_equal(findings.nr, 0);
	iolu_findings_free(&findings);
	iolu_state_free(&before);
	iolu_state_free(&after);
	iolu_source_close(source);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

static void test_atomic_write(void **state)
{
	struct iolu_err err = { 0 };
	struct snapshot_file file;
	struct iolu_source *source;
	struct fixture fixture;
	struct dirent *entry;
	size_t nr_entries = 0;
	DIR *dir;

	(void)state;
	small_fixture(&fixture, false);
	assert_int_equal(fixture_seal(&fixture), 0);
	write_snapshot(&fixture, &file);
	/* Writing again replaces the file; no temporary file is left. */
	source = fixture_source(&fixture);
	assert_int_equal(iolu_snapshot_write(source, file.path, &err), 0);
	dir = opendir(file.dir);
	assert_non_null(dir);
	while ((entry = readdir(dir)))
		nr_entries += entry->d_name[0] != '.';
	closedir(dir);
	assert_int_equal(nr_entries, 1);
	/* A directory that does not exist: an error naming the path. */
	assert_true(iolu_snapshot_write(source, "/nonexistent-iolu/x.snap",
					&err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent-iolu/x.snap"));
	iolu_source_close(source);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

/* ---- damage ---- */

static uint32_t le32_at(const uint8_t *data, size_t at)
{
	uint32_t value;

	memcpy(&value, data + at, 4);
	return le32toh(value);
}

static uint64_t le64_at(const uint8_t *data, size_t at)
{
	uint64_t value;

	memcpy(&value, data + at, 8);
	return le64toh(value);
}

static void set_le32(uint8_t *data, size_t at, uint32_t value)
{
	value = htole32(value);
	memcpy(data + at, &value, 4);
}

static void set_le64(uint8_t *data, size_t at, uint64_t value)
{
	value = htole64(value);
	memcpy(data + at, &value, 8);
}

/* Recompute every CRC, so that a test reaches the checks behind them. */
static void refresh_crcs(uint8_t *data, size_t len)
{
	uint32_t nr = le32_at(data, 24);

	for (uint32_t i = 0; i < nr && i < SNAP_MAX_SECTIONS; i++) {
		size_t entry = SNAP_HEADER_SIZE + i * SNAP_ENTRY_SIZE;
		uint64_t offset = le64_at(data, entry + 8);
		uint64_t length = le64_at(data, entry + 16);

		if (offset <= len && length <= len - offset)
			set_le32(data, entry + 24,
				 (uint32_t)crc32(0, data + offset, (uInt)length));
	}
	set_le32(data, 32, 0);
	set_le32(data, 32, (uint32_t)crc32(0, data, (uInt)len));
}

/* Table entry of the first section of a type. */
static size_t section_entry(const uint8_t *data, uint32_t type)
{
	for (uint32_t i = 0; i < le32_at(data, 24); i++) {
		size_t entry = SNAP_HEADER_SIZE + i * SNAP_ENTRY_SIZE;

		if (le32_at(data, entry) == type)
			return entry;
	}
	fail_msg("no section of type %u", type);
	return 0;
}

static void expect_refused(const uint8_t *data, size_t len, const char *what,
			   uint64_t where)
{
	struct iolu_source *source = NULL;
	struct iolu_err err = { 0 };
	int ret;

	ret = iolu_source_open_snapshot_buffer(data, len, &source, &err);
	if (!ret || !strstr(err.msg, what) ||
	    (where != UINT64_MAX && err.where != where)) {
		print_message("# expected \"%s\" at %llu, got %d: \"%s\" at %llu\n",
			      what, (unsigned long long)where, ret, err.msg,
			      (unsigned long long)err.where);
		fail();
	}
	assert_null(source);
}

static struct snapshot_file damage_file;
static struct fixture damage_fixture;

static int damage_setup(void **state)
{
	(void)state;
	small_fixture(&damage_fixture, false);
	if (fixture_seal(&damage_fixture))
		return -1;
	write_snapshot(&damage_fixture, &damage_file);
	return 0;
}

static int damage_teardown(void **state)
{
	(void)state;
	remove_snapshot(&damage_file);
	fixture_free(&damage_fixture);
	return 0;
}

static uint8_t *damaged_copy(void)
{
	uint8_t *copy = malloc(damage_file.len);

	assert_non_null(copy);
	memcpy(copy, damage_file.data, damage_file.len);
	return copy;
}

static void open_model(const uint8_t *data, size_t len,
		       struct iolu_source **source, struct iolu_model *model)
{
	struct iolu_findings findings;
	struct iolu_err err = { 0 };

	if (iolu_source_open_snapshot_buffer(data, len, source, &err))
		fail_msg("%s", err.msg);
	iolu_findings_init(&findings);
	assert_int_equal(iolu_verify(*source, &verify_all, model, &findings,
				     &err), 0);
	assert_int_equal(findings.nr, 0);
	iolu_findings_free(&findings);
}

/*
 * Version 2 carries LUO's index: the snapshot's view is the live one,
 * each memfd's folios included. A version 1 file (no LUO section) still
 * reads, with the view absent; a LUO section in it is an unknown type.
 */
static int compare_pa(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * What the kernel that was handed the state claimed (its debugfs
 * incoming/claimed) rides along in the snapshot and marks the objects;
 * the state's own memory says nothing about it.
 */
static void test_claimed_round_trip(void **state)
{
	struct snapshot_file file = { 0 };
	struct fixture_config config;
	struct iolu_source *source;
	struct iolu_model model;
	struct fixture fixture;
	struct iolu_err err = { 0 };

	(void)state;
	fixture_default_config(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	assert_int_equal(fixture_seal(&fixture), 0);
	source = fixture_source(&fixture);
	assert_non_null(source);
	source->claimed = calloc(2, sizeof(*source->claimed));
	assert_non_null(source->claimed);
	source->claimed[0] = fixture.unit_pa[0];
	source->claimed[1] = fixture.device_pa[1];
	qsort(source->claimed, 2, sizeof(*source->claimed), compare_pa);
	source->nr_claimed = 2;
	snprintf(file.dir, sizeof(file.dir), "/tmp/iolu-snap-XXXXXX");
	assert_non_null(mkdtemp(file.dir));
	snprintf(file.path, sizeof(file.path), "%s/state.snap", file.dir);
	assert_int_equal(iolu_snapshot_write(source, file.path, &err), 0);
	iolu_source_close(source);
	read_whole(file.path, &file.data, &file.len);

	open_model(file.data, file.len, &source, &model);
	for (size_t i = 0; i < model.state.nr_units; i++)
		assert_int_equal(model.state.units[i].object.claimed,
				 model.state.units[i].object.pa == fixture.unit_pa[0]);
	for (size_t i = 0; i < model.state.nr_devices; i++)
		assert_int_equal(model.state.devices[i].object.claimed,
				 model.state.devices[i].object.pa == fixture.device_pa[1]);
	for (size_t i = 0; i < model.state.nr_domains; i++)
		assert_false(model.state.domains[i].object.claimed);
	iolu_model_free(&model);
	iolu_source_close(source);

	/* An out-of-order list is refused, naming where */
	{
		size_t entry = section_entry(file.data, SNAP_SECTION_CLAIMED);
		uint64_t at = le64_at(file.data, entry + 8);
		uint64_t first = le64_at(file.data, at);

		memcpy(file.data + at, file.data + at + 8, 8);
		memcpy(file.data + at + 8, &(uint64_t){ htole64(first) }, 8);
		refresh_crcs(file.data, file.len);
		expect_refused(file.data, file.len, "out of order", at + 8);
	}
	remove_snapshot(&file);
	fixture_free(&fixture);
}

static void test_luo_round_trip(void **state)
{
	struct iolu_source *source;
	struct fixture_config config;
	struct snapshot_file file;
	struct iolu_model model;
	struct fixture fixture;
	size_t luo;
	uint64_t at;

	(void)state;
	fixture_default_config(&config);
	config.luo = true;
	assert_int_equal(fixture_build(&fixture, &config), 0);
	assert_int_equal(fixture_seal(&fixture), 0);
	write_snapshot(&fixture, &file);
	assert_int_equal(le32_at(file.data, 8), IOLU_SNAPSHOT_VERSION);
	open_model(file.data, file.len, &source, &model);
	assert_true(model.luo.index.present);
	assert_string_equal(model.luo.index.origin, "serialized");
	assert_int_equal(model.luo.index.luo_pa, fixture.luo_pa);
	assert_string_equal(model.luo.index.sessions[0], FIXTURE_SESSION);
	assert_int_equal(model.luo.nr_files, config.nr_domains + 1);
	assert_int_equal(model.luo.files[2].ref.token, FIXTURE_MEMFD_TOKEN(2));
	assert_int_equal(model.luo.files[2].memfd.nr_read,
			 config.pages_per_domain + 1);
	assert_int_equal(model.luo.files[2].memfd.folios[0].pa,
			 fixture.data_pa[2]);
	iolu_model_free(&model);
	iolu_source_close(source);

	luo = section_entry(file.data, SNAP_SECTION_LUO);
	at = le64_at(file.data, luo + 8);
	/* The first file names a session that does not exist. */
	set_le32(file.data, at + SNAP_LUO_HEADER_SIZE + SNAP_LUO_SESSION_SIZE, 5);
	refresh_crcs(file.data, file.len);
	expect_refused(file.data, file.len, "names no session",
		       at + SNAP_LUO_HEADER_SIZE + SNAP_LUO_SESSION_SIZE);
	set_le32(file.data, at + SNAP_LUO_HEADER_SIZE + SNAP_LUO_SESSION_SIZE, 0);
	set_le32(file.data, at + 4, 99);
	refresh_crcs(file.data, file.len);
	expect_refused(file.data, file.len, "do not fill it", at);
	set_le32(file.data, at + 4, config.nr_domains + 1);
	set_le32(file.data, 8, 1);
	refresh_crcs(file.data, file.len);
	expect_refused(file.data, file.len, "unknown type 5", luo);
	remove_snapshot(&file);
	fixture_free(&fixture);
}

static void test_version_1_reads(void **state)
{
	uint8_t *copy = damaged_copy();
	struct iolu_snapshot_info info;
	struct iolu_source *source;
	struct iolu_model model;

	(void)state;
	set_le32(copy, 8, 1);
	refresh_crcs(copy, damage_file.len);
	open_model(copy, damage_file.len, &source, &model);
	assert_int_equal(iolu_snapshot_info(source, &info), 0);
	assert_int_equal(info.version, 1);
	assert_false(model.luo.index.present);
	assert_non_null(strstr(model.luo.index.absent_reason, "no LUO state"));
	iolu_model_free(&model);
	iolu_source_close(source);
	free(copy);
}

/*
 * The writer's version is recorded; a snapshot from before that key (here:
 * the key renamed, so unknown) still reads, with the version unknown.
 */
static void test_writer_version(void **state)
{
	uint8_t *copy = damaged_copy();
	size_t entry = section_entry(copy, SNAP_SECTION_META);
	char *meta = (char *)copy + le64_at(copy, entry + 8);
	size_t meta_len = le64_at(copy, entry + 16);
	struct iolu_snapshot_info info;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	char *key;

	(void)state;
	assert_int_equal(iolu_source_open_snapshot_buffer(copy, damage_file.len,
							  &source, &err), 0);
	assert_int_equal(iolu_snapshot_info(source, &info), 0);
	assert_string_equal(info.written_by, IOLU_VERSION);
	iolu_source_close(source);

	key = memmem(meta, meta_len, "\niolu_version=", 14);
	assert_non_null(key);
	key[1] = 'x';
	refresh_crcs(copy, damage_file.len);
	assert_int_equal(iolu_source_open_snapshot_buffer(copy, damage_file.len,
							  &source, &err), 0);
	assert_int_equal(iolu_snapshot_info(source, &info), 0);
	assert_string_equal(info.written_by, "");
	iolu_source_close(source);
	free(copy);
}

/* Nothing preserved is no snapshot; a link or device is not replaced. */
static void test_write_refusals(void **state)
{
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	struct fixture fixture;
	char dir[64], link_path[96];
	struct stat st;

	(void)state;
	small_fixture(&fixture, false);
	assert_int_equal(fixture_seal(&fixture), 0);
	source = fixture_source(&fixture);
	assert_non_null(source);
	snprintf(dir, sizeof(dir), "/tmp/iolu-snap-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(link_path, sizeof(link_path), "%s/link.snap", dir);
	assert_int_equal(symlink("/dev/null", link_path), 0);
	assert_int_equal(iolu_snapshot_write(source, link_path, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "a symbolic link, not a regular file"));
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	unlink(link_path);

	source->header_pa = 0;
	assert_int_equal(iolu_snapshot_write(source, link_path, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "no preserved IOMMU state"));
	assert_int_equal(lstat(link_path, &st), -1);
	iolu_source_close(source);
	rmdir(dir);
	fixture_free(&fixture);
}

static void test_truncated(void **state)
{
	const size_t lengths[] = { 0, 7, SNAP_HEADER_SIZE - 1, SNAP_HEADER_SIZE,
				   200, damage_file.len / 2,
				   damage_file.len - 1 };

	(void)state;
	expect_refused(damage_file.data, 0, "truncated", 0);
	expect_refused(damage_file.data, 47, "truncated", 47);
	for (size_t i = 3; i < sizeof(lengths) / sizeof(*lengths); i++)
		expect_refused(damage_file.data, lengths[i], "truncated", 16);
}

static void test_bad_magic_and_version(void **state)
{
	uint8_t *copy = damaged_copy();

	(void)state;
	copy[3] ^= 0x20;
	expect_refused(copy, damage_file.len, "bad magic", 0);
	copy[3] ^= 0x20;
	set_le32(copy, 8, IOLU_SNAPSHOT_VERSION + 1);
	expect_refused(copy, damage_file.len, "unknown snapshot version 4", 8);
	set_le32(copy, 8, 0);
	expect_refused(copy, damage_file.len, "unknown snapshot version 0", 8);
	free(copy);
}

static void test_extended(void **state)
{
	uint8_t *copy = malloc(damage_file.len + 100);

	(void)state;
	memcpy(copy, damage_file.data, damage_file.len);
	memset(copy + damage_file.len, 0, 100);
	expect_refused(copy, damage_file.len + 100, "extended", 16);
	free(copy);
}

/*
 * Bytes after the last section, with the header's size and every CRC
 * made to agree: nothing else would catch them.
 */
static void test_trailing_data(void **state)
{
	uint8_t *copy = malloc(damage_file.len + 100);

	(void)state;
	assert_non_null(copy);
	memcpy(copy, damage_file.data, damage_file.len);
	memset(copy + damage_file.len, 0xa5, 100);
	set_le64(copy, 16, damage_file.len + 100);
	refresh_crcs(copy, damage_file.len + 100);
	expect_refused(copy, damage_file.len + 100,
		       "100 bytes of trailing data", damage_file.len);
	free(copy);
}

static void test_section_crc(void **state)
{
	uint8_t *copy = damaged_copy();
	size_t entry = section_entry(copy, SNAP_SECTION_PAGES);
	uint64_t offset = le64_at(copy, entry + 8);

	(void)state;
	copy[offset + 100] ^= 1;
	expect_refused(copy, damage_file.len, "CRC32 mismatch", offset);
	free(copy);
}

static void test_table_crc(void **state)
{
	uint8_t *copy = damaged_copy();
	size_t entry = section_entry(copy, SNAP_SECTION_RAM);

	(void)state;
	/* Only the whole-file CRC covers the table's type field. */
	set_le32(copy, entry, 9);
	expect_refused(copy, damage_file.len, "whole-file CRC32", 32);
	free(copy);
}

static void test_section_outside(void **state)
{
	uint8_t *copy = damaged_copy();
	size_t entry = section_entry(copy, SNAP_SECTION_PAGES);

	(void)state;
	set_le64(copy, entry + 16, UINT64_MAX - 8);
	expect_refused(copy, damage_file.len, "outside the", entry + 8);
	free(copy);
}

/* Damage that keeps the CRCs right must still be refused. */
static void test_semantics(void **state)
{
	uint8_t *copy = damaged_copy();
	size_t pages = section_entry(copy, SNAP_SECTION_PAGES);
	size_t meta = section_entry(copy, SNAP_SECTION_META);
	size_t ram = section_entry(copy, SNAP_SECTION_RAM);
	uint64_t pages_at = le64_at(copy, pages + 8);
	uint64_t meta_at = le64_at(copy, meta + 8);
	uint64_t first, second;

	(void)state;
	set_le32(copy, ram, 9);
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "unknown type 9", ram);

	set_le32(copy, ram, SNAP_SECTION_META);
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "appears twice", ram);
	set_le32(copy, ram, SNAP_SECTION_RAM);

	first = le64_at(copy, pages_at + 8);
	second = le64_at(copy, pages_at + 16);
	set_le64(copy, pages_at + 8, second);
	set_le64(copy, pages_at + 16, first);
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "not sorted", pages_at + 16);
	set_le64(copy, pages_at + 8, first);
	set_le64(copy, pages_at + 16, second);

	set_le64(copy, pages_at, le64_at(copy, pages_at) + 1);
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "do not fill", pages_at);
	set_le64(copy, pages_at, le64_at(copy, pages_at) - 1);

	copy[meta_at + 4] = '_';	/* "side=" loses its '=' */
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "has no '='", meta_at);
	copy[meta_at + 4] = '=';

	set_le64(copy, ram + 16, le64_at(copy, ram + 16) - 8);
	refresh_crcs(copy, damage_file.len);
	expect_refused(copy, damage_file.len, "whole number of ranges",
		       le64_at(copy, ram + 8));
	set_le64(copy, ram + 16, le64_at(copy, ram + 16) + 8);

	/* Back to the original: accepted again, so the checks above bit. */
	refresh_crcs(copy, damage_file.len);
	assert_memory_equal(copy, damage_file.data, damage_file.len);
	free(copy);
}

/* Every single-byte change anywhere in the file is refused. */
static void test_every_byte(void **state)
{
	uint8_t *copy = damaged_copy();
	struct iolu_source *source;
	size_t stride;

	(void)state;
	assert_int_equal(iolu_source_open_snapshot_buffer(copy, damage_file.len,
							  &source, NULL), 0);
	iolu_source_close(source);
	for (size_t at = 0; at < damage_file.len; at += stride) {
		/* Every byte of headers and tables, a sample of the pages. */
		stride = at < 8192 ? 1 : 61;
		copy[at] ^= 0x5a;
		if (!iolu_source_open_snapshot_buffer(copy, damage_file.len,
						      &source, NULL)) {
			iolu_source_close(source);
			fail_msg("a change at offset %zu was accepted", at);
		}
		copy[at] ^= 0x5a;
	}
	free(copy);
}

#define DAMAGE_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, damage_setup, damage_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_keeps_findings),
		cmocka_unit_test(test_pasid_dir_round_trip),
		cmocka_unit_test(test_file_shrinks_after_open),
		cmocka_unit_test(test_luo_round_trip),
		cmocka_unit_test(test_claimed_round_trip),
		cmocka_unit_test(test_compare_with_snapshot),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_write_refusals),
		DAMAGE_TEST(test_writer_version),
		DAMAGE_TEST(test_truncated),
		DAMAGE_TEST(test_bad_magic_and_version),
		DAMAGE_TEST(test_version_1_reads),
		DAMAGE_TEST(test_extended),
		DAMAGE_TEST(test_trailing_data),
		DAMAGE_TEST(test_section_crc),
		DAMAGE_TEST(test_table_crc),
		DAMAGE_TEST(test_section_outside),
		DAMAGE_TEST(test_semantics),
		DAMAGE_TEST(test_every_byte),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
