// SPDX-License-Identifier: GPL-2.0
/*
 * LUO's own state: the index of sessions and their files, and the records
 * of the two handlers whose pages a preserved domain reaches (memfd's
 * folio list, iommufd's IOVA → memfd map). The index comes from the
 * serialized state the next kernel reads ("luo-v5": struct luo_ser, a
 * kho_block_set of sessions, one of files per session), or ready-made
 * from a snapshot or the kernel's own lists (luo_kernel.c). Records are
 * read through struct iolu_mem either way, every walk bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "findings.h"
#include "luo.h"
#include "pageset.h"

#define ULL(x) ((unsigned long long)(x))

/* MEMFD_LUO_ALL_SEALS: F_SEAL_SEAL, SHRINK, GROW, WRITE, FUTURE_WRITE, EXEC. */
#define IOLU_MEMFD_ALL_SEALS	0x3fu

void iolu_luo_index_free(struct iolu_luo_index *index)
{
	free(index->sessions);
	free(index->files);
	memset(index, 0, sizeof(*index));
}

static void luo_file_free(struct iolu_luo_file *file)
{
	free(file->memfd.folios);
	free(file->hwpts);
	free(file->mappings);
}

void iolu_luo_free(struct iolu_luo *luo)
{
	for (size_t i = 0; i < luo->nr_files; i++)
		luo_file_free(&luo->files[i]);
	free(luo->files);
	iolu_luo_index_free(&luo->index);
	memset(luo, 0, sizeof(*luo));
}

const char *iolu_luo_file_kind_name(enum iolu_luo_file_kind kind)
{
	switch (kind) {
	case IOLU_LUO_FILE_MEMFD:
		return "memfd";
	case IOLU_LUO_FILE_IOMMUFD:
		return "iommufd";
	default:
		return "other";
	}
}

/* Copy a fixed-size, NUL-padded field; false when it has no NUL. */
static bool copy_name(char *dst, const char *src, size_t len)
{
	const char *nul = memchr(src, '\0', len);

	memcpy(dst, src, len);
	dst[len] = '\0';
	return nul != NULL;
}

int iolu_luo_index_add_session(struct iolu_luo_index *index, const char *name,
			       size_t len)
{
	char (*grown)[IOLU_LUO_NAME_LEN + 1];

	if (index->nr_sessions >= IOLU_LUO_MAX_SESSIONS)
		return -E2BIG;
	grown = realloc(index->sessions,
			(index->nr_sessions + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	index->sessions = grown;
	if (len > IOLU_LUO_NAME_LEN)
		len = IOLU_LUO_NAME_LEN;
	memset(grown[index->nr_sessions], 0, sizeof(*grown));
	memcpy(grown[index->nr_sessions], name, len);
	index->nr_sessions++;
	return 0;
}

int iolu_luo_index_add_file(struct iolu_luo_index *index,
			    const struct iolu_luo_file_ref *ref)
{
	struct iolu_luo_file_ref *grown;

	if (index->nr_files >= IOLU_LUO_MAX_FILES)
		return -E2BIG;
	/* Doubling keeps a long chain linear. */
	if (!(index->nr_files & (index->nr_files - 1))) {
		grown = realloc(index->files, (index->nr_files ? 2 * index->nr_files :
					       1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		index->files = grown;
	}
	index->files[index->nr_files++] = *ref;
	return 0;
}

/* ---- the serialized index: luo_ser, sessions, files ---- */

struct chain_walk {
	const struct iolu_mem *mem;
	struct iolu_findings *findings;
	struct iolu_pageset *pages;	/* every block of every chain */
	const char *what;
	size_t entry_size;
};

typedef int (*entry_fn)(void *ctx, const uint8_t *entry, uint64_t pa);

/* kho_block_set_restore()'s rules, each a luo-invalid finding. */
static int walk_luo_chain(struct chain_walk *walk, uint64_t pa,
			  entry_fn fn, void *ctx)
{
	size_t per_block = (IOLU_ABI_PAGE_SIZE -
			    sizeof(struct iolu_abi_block_header)) /
			   walk->entry_size;
	struct iolu_abi_block_header header;
	uint8_t page[IOLU_ABI_PAGE_SIZE];
	size_t nr_blocks = 0;
	int ret;

	for (; pa; pa = le64toh(header.next), nr_blocks++) {
		const char *why = NULL;

		if (pa & (IOLU_ABI_PAGE_SIZE - 1))
			why = "is not page aligned";
		else if (nr_blocks >= IOLU_MAX_CHAIN_BLOCKS)
			why = "is past the 10000 blocks a chain may have";
		else if ((ret = iolu_pageset_add(walk->pages, pa)) < 0)
			return ret;
		else if (!ret)
			why = "was already reached (a cycle or a shared page)";
		else if (iolu_mem_read(walk->mem, pa, page, sizeof(page)))
			why = "is not readable memory";
		if (why)
			return iolu_report(walk->findings, "luo-invalid",
					   IOLU_OBJ_LUO, nr_blocks, pa,
					   "%s block %zu at 0x%llx %s",
					   walk->what, nr_blocks, ULL(pa), why);
		memcpy(&header, page, sizeof(header));
		if (!header.count || le64toh(header.count) > per_block)
			return iolu_report(walk->findings, "luo-invalid",
					   IOLU_OBJ_LUO, nr_blocks, pa,
					   "%s block %zu at 0x%llx counts %llu entries (1 to %zu)",
					   walk->what, nr_blocks, ULL(pa),
					   ULL(le64toh(header.count)), per_block);
		for (uint64_t i = 0; i < le64toh(header.count); i++) {
			size_t at = sizeof(header) + i * walk->entry_size;

			ret = fn(ctx, page + at, pa + at);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct session_read {
	struct chain_walk *walk;
	struct iolu_luo_index *index;
	uint64_t nr_read;		/* files of the current session */
};

static int add_file_entry(void *ctx, const uint8_t *entry, uint64_t pa)
{
	struct session_read *read = ctx;
	struct iolu_luo_file_ref ref = { 0 };
	struct iolu_abi_luo_file raw;
	int ret;

	memcpy(&raw, entry, sizeof(raw));
	ref.session = (uint32_t)(read->index->nr_sessions - 1);
	ref.token = le64toh(raw.token);
	ref.data_pa = le64toh(raw.data);
	if (!copy_name(ref.compatible, raw.compatible, sizeof(raw.compatible)))
		return iolu_report(read->walk->findings, "luo-invalid",
				   IOLU_OBJ_LUO, read->index->nr_files, pa,
				   "the file entry at 0x%llx has no NUL in its compatible string",
				   ULL(pa));
	read->nr_read++;
	ret = iolu_luo_index_add_file(read->index, &ref);
	if (ret == -E2BIG)
		return iolu_report(read->walk->findings, "luo-invalid",
				   IOLU_OBJ_LUO, read->index->nr_files, pa,
				   "more than %u preserved files", IOLU_LUO_MAX_FILES);
	return ret;
}

static int add_session_entry(void *ctx, const uint8_t *entry, uint64_t pa)
{
	struct session_read *read = ctx;
	struct iolu_abi_luo_session raw;
	struct chain_walk files = *read->walk;
	size_t session = read->index->nr_sessions;
	int ret;

	memcpy(&raw, entry, sizeof(raw));
	if (!memchr(raw.name, '\0', sizeof(raw.name)))
		return iolu_report(read->walk->findings, "luo-invalid",
				   IOLU_OBJ_LUO, session, pa,
				   "session %zu at 0x%llx has no NUL in its name",
				   session, ULL(pa));
	ret = iolu_luo_index_add_session(read->index, raw.name,
					 sizeof(raw.name));
	if (ret == -E2BIG)
		return iolu_report(read->walk->findings, "luo-invalid",
				   IOLU_OBJ_LUO, session, pa,
				   "more than %u sessions", IOLU_LUO_MAX_SESSIONS);
	if (ret)
		return ret;
	files.what = "a file chain";
	files.entry_size = sizeof(struct iolu_abi_luo_file);
	read->nr_read = 0;
	ret = walk_luo_chain(&files, le64toh(raw.files_pa), add_file_entry,
			     read);
	if (!ret && read->nr_read != le64toh(raw.nr_files))
		/* luo_file_deserialize(): "File count mismatch" */
		ret = iolu_report(read->walk->findings, "luo-invalid",
				  IOLU_OBJ_LUO, session, pa,
				  "session \"%s\" records %llu files, its chain holds %llu",
				  read->index->sessions[session],
				  ULL(le64toh(raw.nr_files)), ULL(read->nr_read));
	return ret;
}

int iolu_luo_index_read_sessions(const struct iolu_mem *mem,
				 uint64_t sessions_pa,
				 struct iolu_luo_index *index,
				 struct iolu_findings *findings)
{
	struct iolu_pageset pages;
	struct chain_walk walk = {
		.mem = mem, .findings = findings, .pages = &pages,
		.what = "the session chain",
		.entry_size = sizeof(struct iolu_abi_luo_session),
	};
	struct session_read read = { .walk = &walk, .index = index };
	int ret;

	iolu_pageset_init(&pages);
	index->present = true;
	ret = walk_luo_chain(&walk, sessions_pa, add_session_entry, &read);
	iolu_pageset_free(&pages);
	return ret;
}

int iolu_luo_index_read(const struct iolu_mem *mem, uint64_t luo_pa,
			struct iolu_luo_index *index,
			struct iolu_findings *findings)
{
	struct iolu_abi_luo raw;

	index->origin = "serialized";
	index->luo_pa = luo_pa;
	index->present = true;
	const char *why = NULL;

	if (iolu_mem_read(mem, luo_pa, &raw, sizeof(raw)))
		why = "is not readable memory";
	/* luo_early_startup() compares the whole field, padding included. */
	else if (memcmp(raw.compatible, IOLU_LUO_COMPATIBLE "\0",
			sizeof(IOLU_LUO_COMPATIBLE)))
		why = "is not \"" IOLU_LUO_COMPATIBLE "\"";
	if (why) {
		/* The next kernel takes no session: there is no LUO view. */
		index->present = false;
		snprintf(index->absent_reason, sizeof(index->absent_reason),
			 "LUO's header at 0x%llx %s", ULL(luo_pa), why);
		return iolu_report(findings, "luo-invalid", IOLU_OBJ_LUO, 0,
				   luo_pa, "LUO's header at 0x%llx %s",
				   ULL(luo_pa), why);
	}
	index->liveupdate_num = le64toh(raw.liveupdate_num);
	return iolu_luo_index_read_sessions(mem, le64toh(raw.sessions_pa),
					    index, findings);
}

/* ---- the handlers' records ---- */

static int compare_folio_offset(const void *a, const void *b)
{
	const struct iolu_memfd_folio *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/*
 * The physical pages of a kho_vmalloc area, in order, bounded by want:
 * each chunk entry is a block of 2^order pages.
 */
static int read_vmalloc_pages(const struct iolu_mem *mem, uint64_t first,
			      unsigned int order, size_t want, uint64_t *pages,
			      const char **why, uint64_t *where)
{
	uint64_t chunk[IOLU_ABI_PAGE_SIZE / 8];
	struct iolu_pageset seen;
	size_t nr = 0;
	int ret = 0;

	iolu_pageset_init(&seen);
	for (uint64_t pa = first; nr < want; pa = le64toh(chunk[0])) {
		*where = pa;
		if (!pa || (pa & (IOLU_ABI_PAGE_SIZE - 1))) {
			*why = "its folio list ends early or is misaligned";
			break;
		}
		ret = iolu_pageset_add(&seen, pa);
		if (ret <= 0) {
			*why = ret ? NULL : "its folio list's chunks form a cycle";
			break;
		}
		ret = 0;
		if (iolu_mem_read(mem, pa, chunk, sizeof(chunk))) {
			*why = "a chunk of its folio list is not readable";
			break;
		}
		for (size_t i = 1; i < IOLU_ABI_PAGE_SIZE / 8 && nr < want &&
				   chunk[i]; i++)
			for (uint64_t k = 0; k < (1ull << order) && nr < want; k++)
				pages[nr++] = le64toh(chunk[i]) + k * IOLU_ABI_PAGE_SIZE;
	}
	iolu_pageset_free(&seen);
	if (ret < 0)
		return ret;
	return nr == want ? 0 : 1;
}

static int memfd_problem(struct iolu_findings *findings, size_t file,
			 uint64_t pa, uint64_t token, const char *why)
{
	return iolu_report(findings, "memfd-invalid", IOLU_OBJ_LUO_FILE, file,
			   pa, "memfd with token %llu: %s", ULL(token), why);
}

/* Folios in order of offset, each up to the next (holes were filled). */
static void size_folios(struct iolu_memfd *memfd)
{
	uint64_t end = (memfd->size + IOLU_ABI_PAGE_SIZE - 1) &
		       ~(uint64_t)(IOLU_ABI_PAGE_SIZE - 1);

	qsort(memfd->folios, memfd->nr_read, sizeof(*memfd->folios),
	      compare_folio_offset);
	for (size_t i = 0; i < memfd->nr_read; i++) {
		uint64_t next = i + 1 < memfd->nr_read ?
				memfd->folios[i + 1].offset : end;

		memfd->folios[i].size = next > memfd->folios[i].offset ?
					next - memfd->folios[i].offset : 0;
	}
}

static int read_folio_array(const struct iolu_mem *mem, size_t file,
			    struct iolu_luo_file *lf,
			    const struct iolu_abi_memfd *raw,
			    struct iolu_findings *findings)
{
	struct iolu_memfd *memfd = &lf->memfd;
	size_t nr = memfd->nr_folios;
	size_t nr_pages = (nr * sizeof(struct iolu_abi_memfd_folio) +
			   IOLU_ABI_PAGE_SIZE - 1) / IOLU_ABI_PAGE_SIZE;
	const char *why = "its folio list cannot be read";
	uint64_t where = lf->ref.data_pa, *pages;
	int ret;

	pages = calloc(nr_pages, sizeof(*pages));
	memfd->folios = calloc(nr, sizeof(*memfd->folios));
	if (!pages || !memfd->folios) {
		free(pages);
		return -ENOMEM;
	}
	/* A vmalloc area's blocks are small: anything bigger is not one. */
	if (le16toh(raw->folios.order) > 10) {
		why = "its folio list's block order is past 10";
		ret = 1;
	} else {
		ret = read_vmalloc_pages(mem, le64toh(raw->folios.first),
					 le16toh(raw->folios.order), nr_pages,
					 pages, &why, &where);
	}
	for (size_t i = 0; !ret && i < nr; i++) {
		struct iolu_abi_memfd_folio folio;
		uint64_t at = pages[i * sizeof(folio) / IOLU_ABI_PAGE_SIZE] +
			      i * sizeof(folio) % IOLU_ABI_PAGE_SIZE;

		if (iolu_mem_read(mem, at, &folio, sizeof(folio))) {
			why = "a page of its folio list is not readable";
			where = at;
			ret = 1;
			break;
		}
		/* memfd_luo_retrieve_folios() skips a zero pfn. */
		if (!IOLU_ABI_FOLIO_PFN(le64toh(folio.pfn_flags)))
			continue;
		memfd->folios[memfd->nr_read++] = (struct iolu_memfd_folio){
			.pa = IOLU_ABI_FOLIO_PFN(le64toh(folio.pfn_flags)) << 12,
			.offset = le64toh(folio.index) << 12,
			.flags = (uint32_t)IOLU_ABI_FOLIO_FLAGS(le64toh(folio.pfn_flags)),
		};
		if (le64toh(folio.index) >= (memfd->size + IOLU_ABI_PAGE_SIZE - 1) /
					     IOLU_ABI_PAGE_SIZE) {
			why = "a folio's index is past the file's size";
			where = at;
			ret = 1;
		}
	}
	free(pages);
	if (ret < 0)
		return ret;
	size_folios(memfd);
	if (!ret)
		return 0;
	ret = memfd_problem(findings, file, where, lf->ref.token, why);
	return ret ? ret : 1;
}

static int read_memfd(const struct iolu_mem *mem, size_t file,
		      struct iolu_luo_file *lf, struct iolu_findings *findings)
{
	struct iolu_memfd *memfd = &lf->memfd;
	struct iolu_abi_memfd raw;
	int ret;

	if (iolu_mem_read(mem, lf->ref.data_pa, &raw, sizeof(raw)))
		return memfd_problem(findings, file, lf->ref.data_pa,
				     lf->ref.token, "its record is not readable");
	memfd->pos = le64toh(raw.pos);
	memfd->size = le64toh(raw.size);
	memfd->seals = le32toh(raw.seals);
	memfd->flags = le32toh(raw.flags);
	memfd->nr_folios = le64toh(raw.nr_folios);
	/* memfd_luo_retrieve() refuses them (-EOPNOTSUPP). */
	if (memfd->seals & ~IOLU_MEMFD_ALL_SEALS)
		return memfd_problem(findings, file, lf->ref.data_pa,
				     lf->ref.token,
				     "it has seals memfd-v2 does not restore");
	if (memfd->nr_folios > IOLU_MEMFD_MAX_FOLIOS ||
	    memfd->nr_folios > (memfd->size >> 12) + 1)
		return memfd_problem(findings, file, lf->ref.data_pa,
				     lf->ref.token,
				     "its record counts more folios than its size holds");
	ret = memfd->nr_folios ?
	      read_folio_array(mem, file, lf, &raw, findings) : 0;
	lf->record_read = !ret;
	return ret < 0 ? ret : 0;
}

static int read_iommufd(const struct iolu_mem *mem, size_t file,
			struct iolu_luo_file *lf,
			struct iolu_findings *findings)
{
	struct iolu_abi_iommufd raw;
	uint64_t pa = lf->ref.data_pa, at;
	uint64_t nr_hwpts, nr_mappings;

	if (iolu_mem_read(mem, pa, &raw, sizeof(raw)) ||
	    memcmp(raw.compatible, IOLU_IOMMUFD_COMPATIBLE "\0",
		   sizeof(IOLU_IOMMUFD_COMPATIBLE)))
		return iolu_report(findings, "luo-invalid", IOLU_OBJ_LUO_FILE,
				   file, pa,
				   "iommufd with token %llu: its record at 0x%llx is unreadable or not \"" IOLU_IOMMUFD_COMPATIBLE "\"",
				   ULL(lf->ref.token), ULL(pa));
	nr_hwpts = le64toh(raw.nr_hwpts);
	nr_mappings = le64toh(raw.nr_mappings);
	if (nr_hwpts > IOLU_IOMMUFD_MAX_MAPPINGS ||
	    nr_mappings > IOLU_IOMMUFD_MAX_MAPPINGS)
		return iolu_report(findings, "luo-invalid", IOLU_OBJ_LUO_FILE,
				   file, pa, "iommufd with token %llu: its record counts %llu HWPTs and %llu mappings",
				   ULL(lf->ref.token), ULL(nr_hwpts),
				   ULL(nr_mappings));
	lf->hwpts = calloc(nr_hwpts ? nr_hwpts : 1, sizeof(*lf->hwpts));
	lf->mappings = calloc(nr_mappings ? nr_mappings : 1,
			      sizeof(*lf->mappings));
	if (!lf->hwpts || !lf->mappings)
		return -ENOMEM;
	at = pa + sizeof(raw);
	for (uint64_t i = 0; i < nr_hwpts; i++, at += 32) {
		struct iolu_abi_iommufd_hwpt h;

		if (iolu_mem_read(mem, at, &h, sizeof(h)))
			goto unreadable;
		lf->hwpts[lf->nr_hwpts++] = (struct iolu_iommufd_hwpt){
			.token = le64toh(h.token),
			.domain_obj_pa = le64toh(h.domain_obj_pa),
			.first_mapping = le64toh(h.first_mapping),
			.nr_mappings = le64toh(h.nr_mappings),
		};
		if (lf->hwpts[i].first_mapping > nr_mappings ||
		    lf->hwpts[i].nr_mappings > nr_mappings -
					       lf->hwpts[i].first_mapping)
			return iolu_report(findings, "luo-invalid",
					   IOLU_OBJ_LUO_FILE, file, at,
					   "iommufd with token %llu: HWPT %llu names mappings past the record's %llu",
					   ULL(lf->ref.token), ULL(i),
					   ULL(nr_mappings));
	}
	for (uint64_t i = 0; i < nr_mappings; i++, at += 40) {
		struct iolu_abi_iommufd_mapping m;

		if (iolu_mem_read(mem, at, &m, sizeof(m)))
			goto unreadable;
		lf->mappings[lf->nr_mappings++] = (struct iolu_iommufd_mapping){
			.iova = le64toh(m.iova),
			.length = le64toh(m.length),
			.memfd_token = le64toh(m.memfd_token),
			.memfd_offset = le64toh(m.memfd_offset),
			.prot = le32toh(m.prot),
		};
	}
	lf->record_read = true;
	return 0;
unreadable:
	return iolu_report(findings, "luo-invalid", IOLU_OBJ_LUO_FILE, file, at,
			   "iommufd with token %llu: its record is cut at 0x%llx",
			   ULL(lf->ref.token), ULL(at));
}

int iolu_luo_load(const struct iolu_mem *mem, const struct iolu_luo_index *index,
		  struct iolu_luo *luo, struct iolu_findings *findings)
{
	int ret = 0;

	luo->files = calloc(index->nr_files ? index->nr_files : 1,
			    sizeof(*luo->files));
	if (!luo->files)
		return -ENOMEM;
	luo->nr_files = index->nr_files;
	for (size_t i = 0; !ret && i < index->nr_files; i++) {
		struct iolu_luo_file *lf = &luo->files[i];

		lf->ref = index->files[i];
		/* Retrieved already: the record is its handler's, maybe freed. */
		if (!lf->ref.data_pa) {
			lf->kind = !strcmp(lf->ref.compatible, IOLU_MEMFD_COMPATIBLE) ?
				   IOLU_LUO_FILE_MEMFD :
				   !strcmp(lf->ref.compatible, IOLU_IOMMUFD_COMPATIBLE) ?
				   IOLU_LUO_FILE_IOMMUFD : IOLU_LUO_FILE_OTHER;
			continue;
		}
		if (!strcmp(lf->ref.compatible, IOLU_MEMFD_COMPATIBLE)) {
			lf->kind = IOLU_LUO_FILE_MEMFD;
			ret = read_memfd(mem, i, lf, findings);
		} else if (!strcmp(lf->ref.compatible, IOLU_IOMMUFD_COMPATIBLE)) {
			lf->kind = IOLU_LUO_FILE_IOMMUFD;
			ret = read_iommufd(mem, i, lf, findings);
		}
	}
	return ret;
}

int iolu_luo_index_copy(struct iolu_luo_index *dst,
			const struct iolu_luo_index *src)
{
	*dst = *src;
	dst->sessions = NULL;
	dst->files = NULL;
	dst->nr_sessions = dst->nr_files = 0;
	if (src->nr_sessions) {
		dst->sessions = malloc(src->nr_sessions * sizeof(*src->sessions));
		if (!dst->sessions)
			return -ENOMEM;
		memcpy(dst->sessions, src->sessions,
		       src->nr_sessions * sizeof(*src->sessions));
		dst->nr_sessions = src->nr_sessions;
	}
	if (src->nr_files) {
		dst->files = malloc(src->nr_files * sizeof(*src->files));
		if (!dst->files)
			return -ENOMEM;
		memcpy(dst->files, src->files,
		       src->nr_files * sizeof(*src->files));
		dst->nr_files = src->nr_files;
	}
	return 0;
}
