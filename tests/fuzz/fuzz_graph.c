// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: arbitrary physical memory (sparse_mem.h) through the
 * graph walk, KHO's map, LUO's sessions, files and memfd folios, every
 * check and a comparison with itself (IO page tables and memfds). The
 * sanitizers turn any out-of-bounds access, overflow or leak into a crash;
 * the walks' limits keep every input finite.
 */
#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "iolu_verifier.h"
#include "khomap.h"
#include "sparse_mem.h"

struct sparse_page {
	uint64_t pa;
	uint8_t data[4096];
};

struct sparse_mem {
	struct sparse_page *pages;
	size_t nr;
};

static struct sparse_page *find_page(const struct sparse_mem *mem, uint64_t pa)
{
	for (size_t i = 0; i < mem->nr; i++)
		if (mem->pages[i].pa == pa)
			return &mem->pages[i];
	return NULL;
}

static int sparse_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct sparse_mem *mem = ctx;
	uint8_t *out = buf;

	while (len) {
		struct sparse_page *page = find_page(mem, pa & ~0xfffull);
		size_t in_page = pa & 0xfff, chunk = 4096 - in_page;

		if (!page)
			return -14;	/* -EFAULT */
		if (chunk > len)
			chunk = len;
		memcpy(out, page->data + in_page, chunk);
		out += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

static void sparse_write(struct sparse_mem *mem, uint64_t pa,
			 const uint8_t *data, size_t len)
{
	while (len) {
		struct sparse_page *page = find_page(mem, pa & ~0xfffull);
		size_t in_page = pa & 0xfff, chunk = 4096 - in_page;

		if (!page) {
			if (mem->nr == SPARSE_MAX_PAGES)
				return;
			page = &mem->pages[mem->nr++];
			memset(page, 0, sizeof(*page));
			page->pa = pa & ~0xfffull;
		}
		if (chunk > len)
			chunk = len;
		memcpy(page->data + in_page, data, chunk);
		data += chunk;
		pa += chunk;
		len -= chunk;
	}
}

static uint64_t get_le64(const uint8_t *at)
{
	uint64_t value;

	memcpy(&value, at, 8);
	return le64toh(value);
}

static void load(struct sparse_mem *mem, const uint8_t *data, size_t size)
{
	size_t at = SPARSE_HEADER_SIZE;

	while (size - at >= SPARSE_RECORD_HEAD) {
		uint64_t pa = get_le64(data + at);
		uint16_t len;

		memcpy(&len, data + at + 8, 2);
		len = le16toh(len);
		at += SPARSE_RECORD_HEAD;
		if (len > size - at)
			len = (uint16_t)(size - at);
		sparse_write(mem, pa, data + at, len);
		at += len;
	}
}

/* KHO's FDT as the kernel publishes it, pointing at the fuzzed tree. */
static bool make_kho_fdt(void *fdt, size_t len, uint64_t kho_root)
{
	return !fdt_create_empty_tree(fdt, (int)len) &&
	       !fdt_setprop_string(fdt, 0, "compatible", KHO_FDT_COMPATIBLE) &&
	       !fdt_setprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP, &kho_root,
			    sizeof(kho_root));
}

/*
 * Through a source and iolu_verify(), the commands' own entry point, so
 * that the options the checks get are derived as they are in iolu.
 */
static void check_everything(const struct iolu_mem *mem, uint64_t header_pa,
			     uint64_t kho_root, uint64_t luo_pa)
{
	static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };
	struct iolu_range ram_range = { 0, 1ull << 32 };
	struct iolu_ranges ram = { &ram_range, 1 };
	struct iolu_memory_source desc = {
		.mem = *mem, .side = IOLU_SIDE_OUTGOING, .header_pa = header_pa,
		.ram = &ram, .luo_pa = luo_pa,
	};
	struct iolu_memfd_continuities rows;
	struct iolu_findings findings;
	struct iolu_source *source;
	struct iolu_model model;
	uint64_t fdt[512];

	if (kho_root && make_kho_fdt(fdt, sizeof(fdt), kho_root)) {
		desc.kho_fdt = fdt;
		desc.kho_fdt_len = fdt_totalsize(fdt);
	}
	if (iolu_source_open_memory(&desc, &source, NULL))
		return;
	iolu_findings_init(&findings);
	if (!iolu_verify(source, &verify_all, &model, &findings, NULL) &&
	    !iolu_compare(mem, &model.state, mem, &model.state, &findings) &&
	    !iolu_compare_luo(mem, &model, mem, &model, &rows, &findings))
		iolu_memfd_continuities_free(&rows);
	iolu_model_free(&model);
	iolu_findings_free(&findings);
	iolu_source_close(source);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sparse_mem sparse = { 0 };
	struct iolu_mem mem = { .read = sparse_read, .ctx = &sparse };

	if (size < SPARSE_HEADER_SIZE)
		return 0;
	sparse.pages = malloc(SPARSE_MAX_PAGES * sizeof(*sparse.pages));
	if (!sparse.pages)
		return 0;
	load(&sparse, data, size);
	check_everything(&mem, get_le64(data), get_le64(data + 8),
			 get_le64(data + 16));
	free(sparse.pages);
	return 0;
}
