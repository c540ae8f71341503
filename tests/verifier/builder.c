// SPDX-License-Identifier: GPL-2.0
/*
 * The fixture builder: which objects the fixture has and where they sit.
 * The layouts themselves (chains, tables, KHO) are written by image.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "source.h"
#include "vtd.h"

#define PAGE		IMAGE_PAGE_SIZE

void fixture_default_config(struct fixture_config *config)
{
	*config = (struct fixture_config){
		.nr_units = 2, .nr_domains = 6, .nr_devices = 6,
		.format = IOLU_PT_VTD_SECOND_STAGE, .levels = 4,
		.pages_per_domain = 3,
	};
}

/* ---- the object graph ---- */

static void write_object(struct image *image, uint64_t pa, uint64_t index,
			 uint32_t refcount)
{
	image_write64(image, pa, index);
	image_write32(image, pa + 8, refcount);
	image_write32(image, pa + 12, 0);
}

/* ---- IO page tables ---- */

/* Map one 4 KiB page, allocating tables on the way down. */
void fixture_map(struct fixture *fixture, unsigned int domain,
		 uint64_t iova, uint64_t phys)
{
	uint64_t leaf_table = image_map_4k(fixture->image,
					   fixture->pgtable_pa[domain],
					   fixture->config.levels, iova, phys);

	if (!fixture->leaf_table_pa[domain])
		fixture->leaf_table_pa[domain] = leaf_table;
}

static void build_domain(struct fixture *fixture, struct image_chain *chain,
			 unsigned int domain, unsigned int referrers)
{
	struct image *image = fixture->image;
	uint64_t pa = image_chain_next(chain);
	unsigned int levels = fixture->config.levels;

	fixture->domain_pa[domain] = pa;
	fixture->pgtable_pa[domain] = image_alloc(image);
	write_object(image, pa, 100 + domain, referrers);
	image_write64(image, pa + 16, fixture->pgtable_pa[domain]);
	image_write32(image, pa + 24, fixture->config.format);
	image_write32(image, pa + 28, levels);
	image_write64(image, pa + 32, 0);
	image_write64(image, pa + 40, (1ull << (12 + 9 * levels - 1)) - 1);
	image_write32(image, pa + 48, 12 + 9 * levels);
	for (unsigned int i = 0; i < fixture->config.pages_per_domain; i++) {
		uint64_t data = image_alloc(image);

		if (!i)
			fixture->data_pa[domain] = data;
		fixture_map(fixture, domain, FIXTURE_IOVA_BASE + i * PAGE, data);
	}
}

/* ---- VT-d root, context and PASID tables ---- */

/* The context table of a device's bus (and half, in scalable mode). */
static uint64_t context_table(struct fixture *fixture, unsigned int device,
			      bool create)
{
	uint16_t rid = fixture_rid_of(fixture, device);
	uint64_t root_table =
		fixture->root_table_pa[fixture_unit_of(fixture, device)];

	return image_vtd_context_table(fixture->image, root_table, rid,
				       fixture->config.scalable && (rid & 0xff) >= 0x80,
				       create);
}

uint64_t fixture_context_entry(struct fixture *fixture, unsigned int device)
{
	uint16_t rid = fixture_rid_of(fixture, device);

	if (fixture->config.scalable)
		return context_table(fixture, device, false) +
		       (rid & 0x7f) * VTD_SM_CONTEXT_SIZE;
	return context_table(fixture, device, false) +
	       (rid & 0xff) * VTD_CONTEXT_SIZE;
}

uint64_t fixture_pasid_entry(struct fixture *fixture, unsigned int device)
{
	uint64_t context = fixture_context_entry(fixture, device);
	uint64_t dir = image_read64(fixture->image, context) & VTD_PAGE_MASK;

	/* RID_PASID 0: directory entry 0, table entry 0. */
	return image_read64(fixture->image, dir) & VTD_PAGE_MASK;
}

static void program_legacy(struct fixture *fixture, unsigned int device,
			   uint64_t context, uint32_t did)
{
	unsigned int domain = fixture_domain_of(fixture, device);

	image_vtd_legacy_context(fixture->image, context,
				 fixture->pgtable_pa[domain],
				 fixture->config.levels, did);
}

/*
 * A PASID directory of 2^order pages, aligned to its size and preserved
 * as one block, as the driver allocates and live update preserves it.
 * The pages skipped to align it stay preserved single pages.
 */
static uint64_t alloc_pasid_dir(struct image *image, unsigned int order)
{
	uint64_t dir = image_alloc(image);

	while (dir % ((uint64_t)PAGE << order))
		dir = image_alloc(image);
	for (unsigned int i = 1; i < (1u << order); i++)
		image_alloc(image);
	image_preserve_block(image, dir, order);
	return dir;
}

static unsigned int pasid_dir_order(const struct fixture_config *config)
{
	unsigned int order = 0;

	while ((1u << order) < config->pasid_dir_pages)
		order++;
	return order;
}

static void program_scalable(struct fixture *fixture, unsigned int device,
			     uint64_t context, uint32_t did)
{
	struct image *image = fixture->image;
	unsigned int domain = fixture_domain_of(fixture, device);
	unsigned int dir_order = pasid_dir_order(&fixture->config);
	uint64_t dir = alloc_pasid_dir(image, dir_order);
	uint64_t table = image_alloc(image);
	uint64_t word0 = 1, word2 = 0;

	/* PDTS 2 + order: 2^(PDTS + 7) entries of 8 bytes; RID_PASID 0. */
	image_write64(image, context,
		      dir | ((uint64_t)(2 + dir_order) << 9) | 1);
	image_write64(image, context + 8, 0);
	image_write64(image, dir, table | 1);
	if (fixture->config.format == IOLU_PT_VTD_SECOND_STAGE) {
		word0 |= fixture->pgtable_pa[domain] |
			 ((uint64_t)(fixture->config.levels - 2) << 2) |
			 ((uint64_t)VTD_PGTT_SECOND_STAGE << 6);
	} else {
		word0 |= (uint64_t)VTD_PGTT_FIRST_STAGE << 6;
		word2 = fixture->pgtable_pa[domain] |
			(fixture->config.levels == 5 ? 1ull << 2 : 0);
	}
	image_write64(image, table, word0);
	image_write64(image, table + 8, did);
	image_write64(image, table + 16, word2);
}

static void build_device(struct fixture *fixture, struct image_chain *chain,
			 unsigned int device)
{
	struct image *image = fixture->image;
	unsigned int unit = fixture_unit_of(fixture, device);
	unsigned int domain = fixture_domain_of(fixture, device);
	uint16_t rid = fixture_rid_of(fixture, device);
	/* The VT-d driver allocates domain IDs from 2 (IDA_START_DID). */
	uint32_t did = 2 + domain;
	uint64_t pa = image_chain_next(chain), context;

	fixture->device_pa[device] = pa;
	write_object(image, pa, 1000 + device, 1);
	image_write64(image, pa + 16, 0x7000000000ull + device);
	image_write64(image, pa + 24, fixture->domain_pa[domain]);
	image_write64(image, pa + 32, fixture->unit_pa[unit]);
	image_write32(image, pa + 40, unit);
	image_write32(image, pa + 44, rid);
	image_write32(image, pa + 48, did);
	context_table(fixture, device, true);
	context = fixture_context_entry(fixture, device);
	if (fixture->config.scalable)
		program_scalable(fixture, device, context, did);
	else
		program_legacy(fixture, device, context, did);
}

static void build_unit(struct fixture *fixture, struct image_chain *chain,
		       unsigned int unit, unsigned int referrers)
{
	struct image *image = fixture->image;
	uint64_t pa = image_chain_next(chain);

	fixture->unit_pa[unit] = pa;
	fixture->root_table_pa[unit] = image_alloc(image);
	write_object(image, pa, 10 + unit, referrers);
	image_write32(image, pa + 16, IOLU_UNIT_INTEL_VTD);
	/* One PCI segment per unit keeps the (segment, RID) pairs unique. */
	image_write32(image, pa + 20, unit);
	image_write64(image, pa + 24, 0xfed90000ull + unit * 0x1000);
	image_write64(image, pa + 32, fixture->root_table_pa[unit]);
	image_write64(image, pa + 40,
		      fixture->config.scalable ? IOLU_VTD_UNIT_SCALABLE : 0);
}

static unsigned int referrers(unsigned int nr_devices, unsigned int nr,
			      unsigned int i)
{
	return nr_devices / nr + (i < nr_devices % nr);
}

/* ---- LUO: session, iommufd, one memfd per domain ---- */

#define MEMFD_SEALS	0x7	/* F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW */

/* The domain's pages in IOVA order (all mapped at 4 KiB). */
static size_t domain_pages(struct fixture *fixture, unsigned int domain,
			   uint64_t *pages, size_t max)
{
	struct iolu_mem mem = image_mem(fixture->image);
	struct iolu_pt_walk walk = { 0 };
	size_t nr = 0;

	iolu_pt_walk(&mem, fixture->pgtable_pa[domain], fixture->config.format,
		     fixture->config.levels, &walk);
	for (size_t i = 0; i < walk.nr_extents; i++)
		for (uint64_t at = 0; at < walk.extents[i].size && nr < max;
		     at += PAGE)
			pages[nr++] = walk.extents[i].phys + at;
	iolu_pt_walk_free(&walk);
	return nr;
}

/* memfd_luo_preserve(): the record, a kho_vmalloc folio array. */
static void build_memfd(struct fixture *fixture, unsigned int domain)
{
	struct image *image = fixture->image;
	size_t max = fixture->config.pages_per_domain + 1, nr;
	uint64_t *pages = calloc(max, sizeof(*pages));
	uint64_t record = image_alloc(image), chunk = image_alloc(image);
	size_t array_pages;
	uint64_t array = 0;

	nr = domain_pages(fixture, domain, pages, max - 1);
	fixture->spare_pa[domain] = pages[nr++] = image_alloc(image);
	array_pages = (nr * 16 + PAGE - 1) / PAGE;
	for (size_t i = 0; i < array_pages; i++) {
		uint64_t page = image_alloc(image);

		image_write64(image, chunk + 8 + i * 8, page);
		if (!i)
			array = page;
	}
	for (size_t i = 0; i < nr; i++) {
		uint64_t entry = image_read64(image, chunk + 8 + i * 16 / PAGE * 8) +
				 i * 16 % PAGE;

		image_write64(image, entry, (pages[i] >> 12) | (3ull << 52));
		image_write64(image, entry + 8, i);
	}
	image_write64(image, record + 8, nr * PAGE);
	image_write32(image, record + 16, MEMFD_SEALS);
	image_write64(image, record + 24, nr);
	image_write64(image, record + 32, chunk);
	image_write32(image, record + 40, (uint32_t)array_pages);
	fixture->memfd_pa[domain] = record;
	fixture->folio_array_pa[domain] = array;
	free(pages);
}

/* iommufd_lu_preserve()'s record: a HWPT and a mapping per domain. */
static void build_iommufd(struct fixture *fixture)
{
	struct image *image = fixture->image;
	unsigned int nr = fixture->config.nr_domains;
	size_t size = 32 + nr * 32 + nr * 40;
	uint64_t record = image_alloc(image), hwpt, mapping;

	/* One contiguous area, as kho_alloc_preserve() gives. */
	for (size_t at = PAGE; at < size; at += PAGE)
		image_alloc(image);
	memcpy(image_at(image, record), IOLU_IOMMUFD_COMPATIBLE,
	       strlen(IOLU_IOMMUFD_COMPATIBLE));
	image_write64(image, record + 16, nr);
	image_write64(image, record + 24, nr);
	hwpt = record + 32;
	mapping = hwpt + nr * 32;
	for (unsigned int d = 0; d < nr; d++, hwpt += 32, mapping += 40) {
		image_write64(image, hwpt, 100 + d);
		image_write64(image, hwpt + 8, fixture->domain_pa[d]);
		image_write64(image, hwpt + 16, d);
		image_write64(image, hwpt + 24, 1);
		image_write64(image, mapping, FIXTURE_IOVA_BASE);
		image_write64(image, mapping + 8,
			      (uint64_t)fixture->config.pages_per_domain * PAGE);
		image_write64(image, mapping + 16, FIXTURE_MEMFD_TOKEN(d));
		image_write32(image, mapping + 32, 3);
	}
	fixture->iommufd_pa = record;
}

static void write_file(struct image *image, uint64_t entry,
		       const char *compatible, uint64_t data, uint64_t token)
{
	memcpy(image_at(image, entry), compatible, strlen(compatible));
	image_write64(image, entry + 48, data);
	image_write64(image, entry + 56, token);
}

static int build_luo(struct fixture *fixture)
{
	struct image *image = fixture->image;
	unsigned int nr = fixture->config.nr_domains;
	struct image_chain files = { .image = image };
	uint64_t sessions;

	fixture->memfd_pa = calloc(nr + 1, 8);
	fixture->folio_array_pa = calloc(nr + 1, 8);
	fixture->spare_pa = calloc(nr + 1, 8);
	if (!fixture->memfd_pa || !fixture->folio_array_pa ||
	    !fixture->spare_pa)
		return -ENOMEM;
	for (unsigned int d = 0; d < nr; d++) {
		build_memfd(fixture, d);
		write_file(image, image_chain_next(&files),
			   IOLU_MEMFD_COMPATIBLE, fixture->memfd_pa[d],
			   FIXTURE_MEMFD_TOKEN(d));
	}
	build_iommufd(fixture);
	write_file(image, image_chain_next(&files), IOLU_IOMMUFD_COMPATIBLE,
		   fixture->iommufd_pa, FIXTURE_IOMMUFD_TOKEN);
	sessions = image_alloc(image);
	image_write64(image, sessions + 8, 1);
	fixture->session_pa = sessions + 16;
	memcpy(image_at(image, fixture->session_pa), FIXTURE_SESSION,
	       strlen(FIXTURE_SESSION));
	image_write64(image, fixture->session_pa + 64, files.first);
	image_write64(image, fixture->session_pa + 72, nr + 1);
	fixture->luo_pa = image_alloc(image);
	memcpy(image_at(image, fixture->luo_pa), IOLU_LUO_COMPATIBLE,
	       strlen(IOLU_LUO_COMPATIBLE));
	image_write64(image, fixture->luo_pa + 8, 1);
	image_write64(image, fixture->luo_pa + 16, sessions);
	return 0;
}

int fixture_build(struct fixture *fixture, const struct fixture_config *config)
{
	const struct fixture_config *c = config;
	struct image_chain chains[3] = { { 0 } };
	struct image *image;

	memset(fixture, 0, sizeof(*fixture));
	/* The directory sizes the VT-d driver allocates: 1 to 32 pages. */
	if (c->pasid_dir_pages > 32 ||
	    (c->pasid_dir_pages & (c->pasid_dir_pages - 1)))
		return -EINVAL;
	fixture->config = *config;
	fixture->image = image = image_new();
	fixture->unit_pa = calloc(c->nr_units + 1, 8);
	fixture->root_table_pa = calloc(c->nr_units + 1, 8);
	fixture->domain_pa = calloc(c->nr_domains + 1, 8);
	fixture->pgtable_pa = calloc(c->nr_domains + 1, 8);
	fixture->leaf_table_pa = calloc(c->nr_domains + 1, 8);
	fixture->data_pa = calloc(c->nr_domains + 1, 8);
	fixture->device_pa = calloc(c->nr_devices + 1, 8);
	if (!image || !fixture->unit_pa || !fixture->root_table_pa ||
	    !fixture->domain_pa || !fixture->pgtable_pa ||
	    !fixture->leaf_table_pa || !fixture->data_pa || !fixture->device_pa)
		return -ENOMEM;
	fixture->header_pa = image_alloc(image);
	for (int i = 0; i < 3; i++)
		chains[i].image = image;
	for (unsigned int i = 0; i < c->nr_units; i++)
		build_unit(fixture, &chains[0], i,
			   referrers(c->nr_devices, c->nr_units, i));
	for (unsigned int i = 0; i < c->nr_domains; i++)
		build_domain(fixture, &chains[1], i,
			     referrers(c->nr_devices, c->nr_domains, i));
	for (unsigned int i = 0; i < c->nr_devices; i++)
		build_device(fixture, &chains[2], i);
	memcpy(image_page(image, fixture->header_pa), IOLU_COMPATIBLE,
	       strlen(IOLU_COMPATIBLE));
	for (int i = 0; i < 3; i++) {
		fixture->first_block[i] = chains[i].first;
		image_write64(image, fixture->header_pa + 16 + 8 * i,
			      chains[i].first);
	}
	image_write64(image, fixture->header_pa + 40, c->nr_units);
	image_write64(image, fixture->header_pa + 48, c->nr_domains);
	image_write64(image, fixture->header_pa + 56, c->nr_devices);
	return c->luo ? build_luo(fixture) : 0;
}

/* ---- KHO: radix tree and FDT ---- */

int fixture_seal(struct fixture *fixture)
{
	struct iolu_mem mem = image_mem(fixture->image);
	struct image_kho kho = { 0 };
	int ret;

	ret = image_kho_seal(fixture->image, &kho);
	if (ret)
		return ret;
	fixture->kho_root = kho.root;
	fixture->fdt = kho.fdt;
	fixture->fdt_len = kho.fdt_len;
	fixture->ram.items = malloc(sizeof(*fixture->ram.items));
	if (!fixture->ram.items)
		return -ENOMEM;
	fixture->ram.items[0] = (struct iolu_range){ 0, IMAGE_RAM_SIZE };
	fixture->ram.nr = 1;
	return iolu_kho_map_load(&mem, fixture->kho_root, &fixture->kho, NULL);
}

void fixture_free(struct fixture *fixture)
{
	image_free(fixture->image);
	free(fixture->unit_pa);
	free(fixture->root_table_pa);
	free(fixture->domain_pa);
	free(fixture->pgtable_pa);
	free(fixture->leaf_table_pa);
	free(fixture->data_pa);
	free(fixture->device_pa);
	free(fixture->memfd_pa);
	free(fixture->folio_array_pa);
	free(fixture->spare_pa);
	iolu_kho_map_free(fixture->kho);
	free(fixture->ram.items);
	free(fixture->fdt);
	memset(fixture, 0, sizeof(*fixture));
}

int fixture_check(struct fixture *fixture, struct iolu_findings *findings)
{
	return fixture_check_side(fixture, IOLU_SIDE_OUTGOING, findings);
}

/*
 * Through iolu_verify(), the commands' own entry point, over a source on
 * the fixture's memory: the options the checks get are derived as iolu
 * derives them. The incoming side is judged by the fixture's map, as
 * audit judges it by the pre-kexec snapshot's.
 */
int fixture_check_side(struct fixture *fixture, enum iolu_side side,
		       struct iolu_findings *findings)
{
	return fixture_verify(fixture, side, IOLU_CHECK_ALL, findings);
}

int fixture_verify(struct fixture *fixture, enum iolu_side side,
		   unsigned int checks, struct iolu_findings *findings)
{
	struct iolu_verify_opts opts = {
		.checks = checks, .kho_reference = fixture->kho,
	};
	struct iolu_memory_source desc = {
		.mem = image_mem(fixture->image), .side = side,
		.header_pa = fixture->header_pa, .kho_fdt = fixture->fdt,
		.kho_fdt_len = fixture->fdt_len, .ram = &fixture->ram,
		.luo_pa = fixture->luo_pa,
	};
	struct iolu_source *source;
	int ret;

	ret = iolu_source_open_memory(&desc, &source, NULL);
	if (!ret)
		ret = iolu_verify(source, &opts, NULL, findings, NULL);
	iolu_source_close(source);
	return ret;
}

struct iolu_source *fixture_source(struct fixture *fixture)
{
	struct iolu_source *source = iolu_source_alloc("fixture");

	if (!source)
		return NULL;
	source->side = IOLU_SIDE_OUTGOING;
	source->header_pa = fixture->header_pa;
	source->luo_pa = fixture->luo_pa;
	source->mem = image_mem(fixture->image);
	source->kho_fdt = malloc(fixture->fdt_len);
	source->ram.items = malloc(sizeof(*source->ram.items));
	if (!source->kho_fdt || !source->ram.items) {
		iolu_source_close(source);
		return NULL;
	}
	memcpy(source->kho_fdt, fixture->fdt, fixture->fdt_len);
	source->kho_fdt_len = fixture->fdt_len;
	source->ram.items[0] = fixture->ram.items[0];
	source->ram.nr = 1;
	snprintf(source->identity.release, sizeof(source->identity.release),
		 "7.3.4-fixture");
	snprintf(source->identity.version, sizeof(source->identity.version),
		 "#1 SMP fixture");
	snprintf(source->identity.build_id, sizeof(source->identity.build_id),
		 "00112233445566778899aabbccddeeff00112233");
	source->identity.timestamp = 1764000000;
	return source;
}
