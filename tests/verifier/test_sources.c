// SPDX-License-Identifier: GPL-2.0
/*
 * The live source, on a machine made of files: a debugfs tree shaped like
 * the series' iommu/liveupdate view and KHO's, a /proc/kcore-like ELF core
 * file written with libelf (RAM segments with physical addresses, one
 * vmalloc-like segment without), and a /sys/kernel/notes with a build ID.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "builder.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

#define KCORE_DATA_AT	0x10000ull

struct fake_machine {
	struct fixture fixture;
	char root[64];
	char debugfs[128], kcore[128], notes[128];
	struct iolu_live_paths paths;
};

static void write_text(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void make_dirs(const char *root, const char *relative)
{
	char path[256], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, relative);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	mkdir(path, 0700);
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_text(path, text, strlen(text));
}

static void write_liveupdate(struct fake_machine *m, const char *side,
			     const char *status, uint64_t header_pa)
{
	char dir[256], value[64];

	snprintf(dir, sizeof(dir), "iommu/liveupdate/%s", side);
	make_dirs(m->debugfs, dir);
	snprintf(dir, sizeof(dir), "%s/iommu/liveupdate/%s", m->debugfs, side);
	write_in(dir, "status", status);
	snprintf(value, sizeof(value), "0x%llx\n", (unsigned long long)header_pa);
	write_in(dir, "header_phys", value);
}

static void write_kho_fdt(struct fake_machine *m, const char *side)
{
	char dir[256], path[300];

	snprintf(dir, sizeof(dir), "kho/%s", side);
	make_dirs(m->debugfs, dir);
	snprintf(path, sizeof(path), "%s/kho/%s/fdt", m->debugfs, side);
	write_text(path, m->fixture.fdt, m->fixture.fdt_len);
}

/* A GNU build-ID note as /sys/kernel/notes shows it. */
static void write_notes(const char *path)
{
	uint8_t notes[64] = { 0 };
	Elf64_Nhdr note = { .n_namesz = 4, .n_descsz = 4,
			    .n_type = NT_GNU_BUILD_ID };
	const uint8_t id[4] = { 0xde, 0xad, 0xbe, 0xef };

	memcpy(notes, &note, sizeof(note));
	memcpy(notes + sizeof(note), "GNU", 4);
	memcpy(notes + sizeof(note) + 4, id, sizeof(id));
	write_text(path, notes, sizeof(note) + 8);
}

static void set_load(GElf_Phdr *phdr, uint64_t paddr, uint64_t offset,
		     uint64_t size)
{
	memset(phdr, 0, sizeof(*phdr));
	phdr->p_type = PT_LOAD;
	phdr->p_flags = PF_R | PF_W;
	phdr->p_offset = offset;
	phdr->p_vaddr = 0xffff888000000000ull + (paddr == (uint64_t)-1 ? 0 : paddr);
	phdr->p_paddr = paddr;
	phdr->p_filesz = size;
	phdr->p_memsz = size;
	phdr->p_align = 4096;
}

/* The fixture's pages as one RAM segment, plus a segment with no paddr. */
static void write_kcore(struct fake_machine *m)
{
	struct image *image = m->fixture.image;
	size_t nr_pages = image_nr_pages(image);
	uint8_t zero[4096] = { 0 };
	GElf_Ehdr ehdr;
	GElf_Phdr phdr;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(m->kcore, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_newehdr(elf, ELFCLASS64));
	assert_non_null(gelf_getehdr(elf, &ehdr));
	ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr.e_type = ET_CORE;
	ehdr.e_machine = EM_X86_64;
	ehdr.e_version = EV_CURRENT;
	ehdr.e_phoff = sizeof(Elf64_Ehdr);
	assert_true(gelf_update_ehdr(elf, &ehdr));
	assert_non_null(gelf_newphdr(elf, 2));
	set_load(&phdr, (uint64_t)-1, KCORE_DATA_AT - 4096, 4096);
	assert_true(gelf_update_phdr(elf, 0, &phdr));
	set_load(&phdr, IMAGE_BASE, KCORE_DATA_AT, nr_pages * 4096ull);
	assert_true(gelf_update_phdr(elf, 1, &phdr));
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	for (size_t i = 0; i < nr_pages; i++) {
		const void *page = image_page(image, IMAGE_BASE + i * 4096ull);

		assert_int_equal(pwrite(fd, page ? page : zero, 4096,
					(off_t)(KCORE_DATA_AT + i * 4096)), 4096);
	}
	close(fd);
}

static int machine_setup(void **state)
{
	struct fake_machine *m = calloc(1, sizeof(*m));
	struct fixture_config config;

	if (!m)
		return -1;
	fixture_default_config(&config);
	if (fixture_build(&m->fixture, &config) || fixture_seal(&m->fixture))
		return -1;
	snprintf(m->root, sizeof(m->root), "/tmp/iolu-live-XXXXXX");
	if (!mkdtemp(m->root))
		return -1;
	snprintf(m->debugfs, sizeof(m->debugfs), "%s/debug", m->root);
	snprintf(m->kcore, sizeof(m->kcore), "%s/kcore", m->root);
	snprintf(m->notes, sizeof(m->notes), "%s/notes", m->root);
	mkdir(m->debugfs, 0700);
	write_liveupdate(m, "outgoing", "active\n", m->fixture.header_pa);
	write_kho_fdt(m, "out");
	write_kcore(m);
	write_notes(m->notes);
	m->paths = (struct iolu_live_paths){ m->debugfs, m->kcore, m->notes };
	*state = m;
	return 0;
}

static int machine_teardown(void **state)
{
	struct fake_machine *m = *state;
	char command[128];

	snprintf(command, sizeof(command), "rm -rf '%s'", m->root);
	if (system(command))
		return -1;
	fixture_free(&m->fixture);
	free(m);
	return 0;
}

static size_t verify(struct iolu_source *source, int expect_ret,
		     struct iolu_findings *findings)
{
	struct iolu_err err = { 0 };

	iolu_findings_init(findings);
	assert_int_equal(iolu_verify(source, &verify_all, NULL,
				     findings, &err),
			 expect_ret);
	return findings->nr;
}

static void test_live_outgoing(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_findings findings;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	const struct iolu_ranges *ram;

	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &m->paths,
					       &source, &err), 0);
	assert_string_equal(iolu_source_kind(source), "live");
	assert_int_equal(iolu_source_header_pa(source), m->fixture.header_pa);
	assert_string_equal(iolu_source_identity(source)->build_id, "deadbeef");
	ram = iolu_source_ram(source);
	assert_int_equal(ram->nr, 1);
	assert_int_equal(ram->items[0].start, IMAGE_BASE);
	assert_int_equal(ram->items[0].size,
			 image_nr_pages(m->fixture.image) * 4096ull);
	assert_int_equal(verify(source, 0, &findings), 0);
	iolu_findings_free(&findings);
	iolu_source_close(source);
}

/* A live source snapshots, and the snapshot checks the same. */
static void test_live_snapshot(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_source *live, *replay;
	struct iolu_findings findings;
	struct iolu_err err = { 0 };
	char path[192];

	snprintf(path, sizeof(path), "%s/live.snap", m->root);
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &m->paths,
					       &live, &err), 0);
	assert_int_equal(iolu_snapshot_write(live, path, &err), 0);
	assert_int_equal(iolu_source_open_snapshot(path, &replay, &err), 0);
	assert_string_equal(iolu_source_identity(replay)->build_id, "deadbeef");
	assert_int_equal(verify(replay, 0, &findings), 0);
	iolu_findings_free(&findings);
	iolu_source_close(replay);
	iolu_source_close(live);
}

static void test_live_incoming_without_kho(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_findings findings;
	struct iolu_source *source;
	struct iolu_err err = { 0 };

	write_liveupdate(m, "incoming", "active\n", m->fixture.header_pa);
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_INCOMING, &m->paths,
					       &source, &err), 0);
	assert_int_equal(iolu_source_side(source), IOLU_SIDE_INCOMING);
	assert_int_equal(verify(source, 0, &findings), 1);
	assert_string_equal(findings.items[0].rule, "kho-map-absent");
	iolu_findings_free(&findings);
	iolu_source_close(source);
}

static void test_live_no_state(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_findings findings;
	struct iolu_source *source;
	struct iolu_err err = { 0 };

	write_liveupdate(m, "incoming", "none\n", 0);
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_INCOMING, &m->paths,
					       &source, &err), 0);
	assert_int_equal(iolu_source_header_pa(source), 0);
	assert_int_equal(iolu_verify(source, &verify_all, NULL,
				     &findings, &err),
			 -ENODATA);
	assert_non_null(strstr(err.msg, "no preserved IOMMU state"));
	iolu_findings_free(&findings);
	iolu_source_close(source);
}

static void test_live_errors(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_live_paths paths = m->paths;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	char path[192];

	write_liveupdate(m, "incoming", "error -22\n", 0);
	assert_true(iolu_source_open_live(IOLU_SIDE_INCOMING, &paths, &source,
					  &err) < 0);
	assert_null(source);
	assert_non_null(strstr(err.msg, "error -22"));

	paths.debugfs = "/nonexistent-debugfs";
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &paths,
					       &source, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-debugfs: debugfs is not mounted"));

	paths = m->paths;
	snprintf(path, sizeof(path), "%s/not-elf", m->root);
	write_text(path, "hello", 5);
	paths.kcore = path;
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &paths,
					       &source, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));

	paths.kcore = "/nonexistent-kcore";
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &paths,
					       &source, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-kcore"));

	snprintf(path, sizeof(path), "%s/iommu/liveupdate/outgoing/header_phys",
		 m->debugfs);
	write_text(path, "junk\n", 5);
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &m->paths,
					       &source, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "header_phys"));
	write_liveupdate(m, "outgoing", "active\n", m->fixture.header_pa);
}

/* Reads across the end of RAM fail instead of returning garbage. */
static void test_kcore_bounds(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	uint64_t end = IMAGE_BASE + image_nr_pages(m->fixture.image) * 4096ull;
	uint8_t buffer[16];

	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &m->paths,
					       &source, &err), 0);
	assert_int_equal(iolu_mem_read(iolu_source_mem(source), end - 8, buffer,
				       8), 0);
	assert_int_equal(iolu_mem_read(iolu_source_mem(source), end - 8, buffer,
				       16), -EFAULT);
	assert_int_equal(iolu_mem_read(iolu_source_mem(source), IMAGE_BASE - 1,
				       buffer, 2), -EFAULT);
	assert_int_equal(iolu_mem_read(iolu_source_mem(source), UINT64_MAX - 4,
				       buffer, 8), -EFAULT);
	iolu_source_close(source);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_outgoing),
		cmocka_unit_test(test_live_snapshot),
		cmocka_unit_test(test_live_incoming_without_kho),
		cmocka_unit_test(test_live_no_state),
		cmocka_unit_test(test_live_errors),
		cmocka_unit_test(test_kcore_bounds),
	};

	return cmocka_run_group_tests_name("live source", tests, machine_setup,
					   machine_teardown);
}
