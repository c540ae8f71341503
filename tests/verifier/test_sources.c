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

#include <bpf/btf.h>
#include <cmocka.h>

#include "builder.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

#define KCORE_DATA_AT	0x10000ull

struct fake_machine {
	struct fixture fixture;
	char root[64];
	char debugfs[128], kcore[128], notes[128], kallsyms[128], btf[128];
	struct iolu_live_paths paths;
	uint64_t luo_global_pa;	/* the fake luo_session_global */
};

/* kcore's direct map: set_load() gives each RAM byte this address. */
#define DIRECT_MAP	0xffff888000000000ull
#define VA(pa)		(DIRECT_MAP + (pa))

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

/*
 * LUO's lists as a kernel holds them, laid out by a BTF of our own (the
 * reader must follow the BTF, not assume offsets): luo_session_global
 * with the outgoing sessions in a list and the incoming ones as the head
 * of the serialized session chain, one session, its files pointing at
 * the fixture's memfd and iommufd records.
 */
enum {
	GLOBAL_INCOMING = 0, GLOBAL_OUTGOING = 128,
	HEADER_LIST = 8, HEADER_BLOCK_SET = 56, BLOCK_SET_HEAD_PA = 24,
	SESSION_NAME = 0, SESSION_LIST = 64, SESSION_FILES = 88,
	FILE_FH = 0, FILE_DATA = 16, FILE_STATUS = 32, FILE_LIST = 64,
	FILE_TOKEN = 80, FILE_STRIDE = 128, FH_COMPATIBLE = 8,
};

static int add_struct(struct btf *btf, const char *name, unsigned int size,
		      const char *const *names, const int *types,
		      const unsigned int *offsets, size_t nr)
{
	int id = btf__add_struct(btf, name, size);

	for (size_t i = 0; id > 0 && i < nr; i++)
		assert_int_equal(btf__add_field(btf, names[i], types[i],
						offsets[i] * 8, 0), 0);
	return id;
}

#define STRUCT(btf, name, size, ...) ({ \
	const struct { const char *n; int t; unsigned int o; } f[] = { __VA_ARGS__ }; \
	const char *n[8]; int t[8]; unsigned int o[8]; size_t k = sizeof(f) / sizeof(*f); \
	for (size_t i = 0; i < k; i++) { n[i] = f[i].n; t[i] = f[i].t; o[i] = f[i].o; } \
	add_struct(btf, name, size, n, t, o, k); })

static void write_luo_btf(const char *path)
{
	struct btf *btf = btf__new_empty();
	int u64, i32, chr, ptr, name64, name48, list, block_set, header, file_set;
	const void *raw;
	__u32 size;

	assert_non_null(btf);
	u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	ptr = btf__add_ptr(btf, 0);
	name64 = btf__add_array(btf, i32, chr, 64);
	name48 = btf__add_array(btf, i32, chr, 48);
	list = STRUCT(btf, "list_head", 16, { "next", ptr, 0 }, { "prev", ptr, 8 });
	block_set = STRUCT(btf, "kho_block_set", 56, { "blocks", list, 0 },
			   { "head_pa", u64, BLOCK_SET_HEAD_PA });
	header = STRUCT(btf, "luo_session_header", 128, { "count", u64, 0 },
			{ "list", list, HEADER_LIST },
			{ "block_set", block_set, HEADER_BLOCK_SET });
	STRUCT(btf, "luo_session_global", 256,
	       { "incoming", header, GLOBAL_INCOMING },
	       { "outgoing", header, GLOBAL_OUTGOING });
	file_set = STRUCT(btf, "luo_file_set", 80, { "files_list", list, 0 },
			  { "count", u64, 72 });
	STRUCT(btf, "luo_session", 192, { "name", name64, SESSION_NAME },
	       { "list", list, SESSION_LIST },
	       { "file_set", file_set, SESSION_FILES });
	STRUCT(btf, "luo_file", 88, { "fh", ptr, FILE_FH },
	       { "serialized_data", u64, FILE_DATA },
	       { "retrieve_status", i32, FILE_STATUS },
	       { "list", list, FILE_LIST }, { "token", u64, FILE_TOKEN });
	STRUCT(btf, "liveupdate_file_handler", 88, { "ops", ptr, 0 },
	       { "compatible", name48, FH_COMPATIBLE });
	raw = btf__raw_data(btf, &size);
	assert_non_null(raw);
	write_text(path, raw, size);
	btf__free(btf);
}

/* A circular list: head -> nodes[0] -> ... -> head, prev links too. */
static void link_list(struct image *image, uint64_t head, const uint64_t *nodes,
		      size_t nr)
{
	for (size_t i = 0; i <= nr; i++) {
		uint64_t at = i ? nodes[i - 1] : head;
		uint64_t next = i < nr ? nodes[i] : head;

		image_write64(image, at, VA(next));
		image_write64(image, next + 8, VA(at));
	}
}

static void write_luo_kernel(struct fake_machine *m)
{
	struct fixture *f = &m->fixture;
	struct image *image = f->image;
	unsigned int nr = f->config.nr_domains + 1;
	uint64_t global = image_alloc(image), session = image_alloc(image);
	uint64_t handlers = image_alloc(image), files = image_alloc(image);
	uint64_t nodes[64], session_node = session + SESSION_LIST;
	char line[160];

	assert_true(nr <= 4096 / FILE_STRIDE);
	memcpy(image_at(image, handlers + FH_COMPATIBLE), IOLU_MEMFD_COMPATIBLE,
	       strlen(IOLU_MEMFD_COMPATIBLE));
	memcpy(image_at(image, handlers + 256 + FH_COMPATIBLE),
	       IOLU_IOMMUFD_COMPATIBLE, strlen(IOLU_IOMMUFD_COMPATIBLE));
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t file = files + i * FILE_STRIDE;
		bool iommufd = i + 1 == nr;

		image_write64(image, file + FILE_FH, VA(handlers + (iommufd ? 256 : 0)));
		image_write64(image, file + FILE_DATA,
			      iommufd ? f->iommufd_pa : f->memfd_pa[i]);
		image_write64(image, file + FILE_TOKEN,
			      iommufd ? FIXTURE_IOMMUFD_TOKEN : FIXTURE_MEMFD_TOKEN(i));
		nodes[i] = file + FILE_LIST;
	}
	memcpy(image_at(image, session + SESSION_NAME), FIXTURE_SESSION,
	       strlen(FIXTURE_SESSION));
	link_list(image, session + SESSION_FILES, nodes, nr);
	link_list(image, global + GLOBAL_OUTGOING + HEADER_LIST, &session_node, 1);
	/* Incoming: not deserialized yet, the session chain is all there is. */
	link_list(image, global + GLOBAL_INCOMING + HEADER_LIST, NULL, 0);
	image_write64(image, global + GLOBAL_INCOMING + HEADER_BLOCK_SET +
		      BLOCK_SET_HEAD_PA, f->session_pa - 16);
	m->luo_global_pa = global;
	snprintf(line, sizeof(line),
		 "ffffffff81000000 T _text\n%016llx d luo_session_global\nffffffff82000000 b other\n",
		 (unsigned long long)VA(global));
	write_text(m->kallsyms, line, strlen(line));
	write_luo_btf(m->btf);
}

static int machine_setup(void **state)
{
	struct fake_machine *m = calloc(1, sizeof(*m));
	struct fixture_config config;

	if (!m)
		return -1;
	fixture_default_config(&config);
	config.luo = true;
	snprintf(m->root, sizeof(m->root), "/tmp/iolu-live-XXXXXX");
	if (!mkdtemp(m->root))
		return -1;
	snprintf(m->kallsyms, sizeof(m->kallsyms), "%s/kallsyms", m->root);
	snprintf(m->btf, sizeof(m->btf), "%s/btf", m->root);
	if (fixture_build(&m->fixture, &config))
		return -1;
	write_luo_kernel(m);
	if (fixture_seal(&m->fixture))
		return -1;
	snprintf(m->debugfs, sizeof(m->debugfs), "%s/debug", m->root);
	snprintf(m->kcore, sizeof(m->kcore), "%s/kcore", m->root);
	snprintf(m->notes, sizeof(m->notes), "%s/notes", m->root);
	mkdir(m->debugfs, 0700);
	write_liveupdate(m, "outgoing", "active\n", m->fixture.header_pa);
	write_kho_fdt(m, "out");
	write_kcore(m);
	write_notes(m->notes);
	m->paths = (struct iolu_live_paths){
		.debugfs = m->debugfs, .kcore = m->kcore, .notes = m->notes,
		.kallsyms = m->kallsyms, .btf = m->btf,
	};
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

static void load_live(struct fake_machine *m, enum iolu_side side,
		      struct iolu_source **source, struct iolu_model *model)
{
	struct iolu_findings findings;
	struct iolu_err err = { 0 };

	assert_int_equal(iolu_source_open_live(side, &m->paths, source, &err), 0);
	iolu_findings_init(&findings);
	assert_int_equal(iolu_verify(*source, &verify_all, model, &findings,
				     &err), 0);
	for (size_t i = 0; i < findings.nr; i++)
		if (strcmp(findings.items[i].rule, "kho-map-absent"))
			fail_msg("%s: %s", findings.items[i].rule,
				 findings.items[i].message);
	iolu_findings_free(&findings);
}

static void assert_fixture_view(struct fake_machine *m,
				const struct iolu_model *model,
				const char *origin)
{
	const struct iolu_luo *luo = &model->luo;
	unsigned int nr = m->fixture.config.nr_domains;

	if (!luo->index.present)
		fail_msg("no LUO view: %s", luo->index.absent_reason);
	assert_string_equal(luo->index.origin, origin);
	assert_int_equal(luo->index.nr_sessions, 1);
	assert_string_equal(luo->index.sessions[0], FIXTURE_SESSION);
	assert_int_equal(luo->nr_files, nr + 1);
	for (unsigned int d = 0; d < nr; d++) {
		assert_int_equal(luo->files[d].kind, IOLU_LUO_FILE_MEMFD);
		assert_int_equal(luo->files[d].ref.token, FIXTURE_MEMFD_TOKEN(d));
		assert_int_equal(luo->files[d].memfd.folios[0].pa,
				 m->fixture.data_pa[d]);
	}
	assert_int_equal(luo->files[nr].kind, IOLU_LUO_FILE_IOMMUFD);
	assert_int_equal(luo->files[nr].ref.token, FIXTURE_IOMMUFD_TOKEN);
}

/*
 * Before kexec LUO's index is in the kernel's lists (kallsyms, BTF,
 * kcore's virtual addresses); after it, until /dev/liveupdate is opened,
 * in the serialized session chain the incoming header points at. Both
 * give the same view, every DMA target tied to its memfd.
 */
static void test_live_luo_lists(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_source *source;
	struct iolu_model model;

	load_live(m, IOLU_SIDE_OUTGOING, &source, &model);
	assert_fixture_view(m, &model, "kernel");
	iolu_model_free(&model);
	iolu_source_close(source);

	write_liveupdate(m, "incoming", "active\n", m->fixture.header_pa);
	write_kho_fdt(m, "in");
	load_live(m, IOLU_SIDE_INCOMING, &source, &model);
	assert_fixture_view(m, &model, "serialized");
	iolu_model_free(&model);
	iolu_source_close(source);
}

/*
 * After /dev/liveupdate was opened the incoming sessions are in lists;
 * a retrieved file's record is its handler's again: listed without it,
 * and nothing is concluded from what it would have said.
 */
static void test_live_luo_retrieved(void **state)
{
	struct fake_machine *m = *state;
	struct image *image = m->fixture.image;
	unsigned int nr = m->fixture.config.nr_domains;
	uint64_t incoming = m->luo_global_pa + GLOBAL_INCOMING + HEADER_LIST;
	uint64_t outgoing = m->luo_global_pa + GLOBAL_OUTGOING + HEADER_LIST;
	uint64_t session_node = image_read64(image, outgoing) - DIRECT_MAP;
	uint64_t files = session_node - SESSION_LIST + SESSION_FILES;
	uint64_t first_file = image_read64(image, files) - DIRECT_MAP - FILE_LIST;
	struct iolu_source *source;
	struct iolu_model model;

	link_list(image, incoming, &session_node, 1);
	image_write32(image, first_file + FILE_STATUS, 1);
	image_write32(image, first_file + nr * FILE_STRIDE + FILE_STATUS, 1);
	write_kcore(m);
	write_liveupdate(m, "incoming", "active\n", m->fixture.header_pa);
	write_kho_fdt(m, "in");
	load_live(m, IOLU_SIDE_INCOMING, &source, &model);
	assert_string_equal(model.luo.index.origin, "kernel");
	assert_int_equal(model.luo.nr_files, nr + 1);
	assert_false(model.luo.files[0].record_read);
	assert_int_equal(model.luo.files[0].kind, IOLU_LUO_FILE_MEMFD);
	assert_true(model.luo.files[1].record_read);
	assert_false(model.luo.files[nr].record_read);
	iolu_model_free(&model);
	iolu_source_close(source);
}

/* A kernel whose LUO cannot be found: the view is absent, saying why. */
static void test_live_luo_absent(void **state)
{
	struct fake_machine *m = *state;
	struct iolu_live_paths paths = m->paths;
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	char empty[192];

	snprintf(empty, sizeof(empty), "%s/kallsyms.none", m->root);
	write_text(empty, "ffffffff81000000 T _text\n", 26);
	paths.kallsyms = empty;
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &paths,
					       &source, &err), 0);
	assert_false(iolu_source_luo(source)->present);
	assert_non_null(strstr(iolu_source_luo(source)->absent_reason,
			       "no address for luo_session_global"));
	iolu_source_close(source);
	paths.kallsyms = m->kallsyms;
	paths.btf = m->notes;
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &paths,
					       &source, &err), 0);
	assert_false(iolu_source_luo(source)->present);
	assert_non_null(strstr(iolu_source_luo(source)->absent_reason, "not BTF"));
	iolu_source_close(source);
	/* A list that never comes back to its head is cut, not followed. */
	image_write64(m->fixture.image, m->luo_global_pa + GLOBAL_OUTGOING +
		      HEADER_LIST, VA(m->luo_global_pa + 2048));
	image_write64(m->fixture.image, m->luo_global_pa + 2048,
		      VA(m->luo_global_pa + 2048));
	write_kcore(m);
	assert_int_equal(iolu_source_open_live(IOLU_SIDE_OUTGOING, &m->paths,
					       &source, &err), 0);
	assert_false(iolu_source_luo(source)->present);
	assert_true(iolu_source_luo(source)->absent_reason[0] != '\0');
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
		cmocka_unit_test_setup_teardown(test_live_luo_lists, machine_setup,
						machine_teardown),
		cmocka_unit_test_setup_teardown(test_live_luo_absent, machine_setup,
						machine_teardown),
		cmocka_unit_test_setup_teardown(test_live_luo_retrieved, machine_setup,
						machine_teardown),
		cmocka_unit_test(test_live_incoming_without_kho),
		cmocka_unit_test(test_live_no_state),
		cmocka_unit_test(test_live_errors),
		cmocka_unit_test(test_kcore_bounds),
	};

	return cmocka_run_group_tests_name("live source", tests, machine_setup,
					   machine_teardown);
}
