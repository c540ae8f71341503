// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic state builder: which objects the state has and how each is
 * broken. The layouts (chains, tables, KHO) are written by the shared
 * image (tests/verifier/image.c), whose pages never move, so a pointer to
 * an entry stays valid while the image grows.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi.h"
#include "state_builder.h"

#define PAGE			4096ull
#define BASE_PA			0x100000000ull	/* the first page: 4 GiB */
#define DIRECT_MAP_BASE		0xffff888000000000ull
#define IOVA_BASE		0x100000ull
#define PTE_RW			3ull
#define LEVELS			4	/* second stage, 48-bit */
#define FIRST_RID		0x18	/* 00:03.0, where the lab's edu sits */

struct build {
	const struct sb_config *config;
	struct sb_image *image;
	struct image *memory;
	uint32_t flags;
	uint64_t *unit_entry_pa;	/* per unit */
	uint64_t *unit_root_pa;
	uint64_t *domain_entry_pa;	/* per domain */
	uint64_t *domain_root_pa;
	uint64_t domain0_leaf_table_pa;
	unsigned int nr_units, nr_domains;
};

static void build_units(struct build *build, struct image_chain *chain)
{
	unsigned int u, per_unit = build->config->devices_per_unit;

	for (u = 0; u < build->nr_units; u++) {
		struct iolu_abi_unit *unit;
		unsigned int nr = build->config->nr_devices - u * per_unit;

		build->unit_root_pa[u] = image_alloc(build->memory);
		build->unit_entry_pa[u] = image_chain_next(chain);
		unit = image_at(build->memory, build->unit_entry_pa[u]);
		unit->object.index = u;
		unit->object.refcount = nr < per_unit ? nr : per_unit;
		unit->object.flags = build->flags;
		unit->type = IOLU_UNIT_INTEL_VTD;
		unit->segment = u;
		unit->reg_base_pa = 0xfed90000ull + u * 0x1000ull;
		unit->root_table_pa = build->unit_root_pa[u];
	}
}

/* Two data pages with a gap, so that alternating between them never merges. */
static void build_alternating_table(struct build *build, unsigned int d)
{
	bool swap = build->config->side == IOLU_SIDE_INCOMING;
	uint64_t data_pa[2];
	unsigned int p;

	data_pa[0] = image_alloc(build->memory);
	image_alloc(build->memory);
	data_pa[1] = image_alloc(build->memory);
	build->domain_root_pa[d] = image_alloc(build->memory);
	for (p = 0; p < build->config->pages_per_domain; p++)
		image_map_4k(build->memory, build->domain_root_pa[d], LEVELS,
			     IOVA_BASE + p * PAGE, data_pa[(p + swap) & 1]);
}

static void build_domain_tables(struct build *build, unsigned int d)
{
	uint64_t data_pa, leaf_table_pa = 0;
	unsigned int p;

	if (build->config->breakage == SB_BREAK_SHARED_TABLE) {
		if (!d)
			build_alternating_table(build, 0);
		build->domain_root_pa[d] = build->domain_root_pa[0];
		return;
	}
	if (build->config->breakage == SB_BREAK_SPLIT_TABLES) {
		build_alternating_table(build, d);
		return;
	}
	build->domain_root_pa[d] = image_alloc(build->memory);
	for (p = 0; p < build->config->pages_per_domain; p++) {
		data_pa = image_alloc(build->memory);
		leaf_table_pa = image_map_4k(build->memory, build->domain_root_pa[d],
					     LEVELS, IOVA_BASE + p * PAGE, data_pa);
	}
	if (d)
		return;
	build->domain0_leaf_table_pa = leaf_table_pa;
	if (build->config->breakage == SB_BREAK_UNPRESERVED)
		image_unpreserve(build->memory, leaf_table_pa);
}

/*
 * Point domain 0's first page at a new data page. Done last, so that no
 * other object moves: exactly one extent differs from an unbroken build.
 */
static void remap_first_page(struct build *build)
{
	uint64_t data_pa = image_alloc(build->memory);

	image_write64(build->memory, build->domain0_leaf_table_pa +
		      ((IOVA_BASE >> 12) & 511) * 8, data_pa | PTE_RW);
}

static void build_domains(struct build *build, struct image_chain *chain)
{
	unsigned int d, per_domain = build->config->devices_per_domain;

	for (d = 0; d < build->nr_domains; d++) {
		struct iolu_abi_domain *domain;
		unsigned int nr = build->config->nr_devices - d * per_domain;

		if (build->config->breakage == SB_BREAK_DROP_DEVICE && d == build->nr_domains - 1)
			nr--;
		build_domain_tables(build, d);
		build->domain_entry_pa[d] = image_chain_next(chain);
		domain = image_at(build->memory, build->domain_entry_pa[d]);
		domain->object.index = d;
		domain->object.refcount = nr < per_domain ? nr : per_domain;
		if (!d && build->config->breakage == SB_BREAK_REFCOUNT)
			domain->object.refcount++;
		domain->object.flags = build->flags;
		domain->pgtable_pa = build->domain_root_pa[d];
		domain->format = IOLU_PT_VTD_SECOND_STAGE;
		domain->levels = LEVELS;
		domain->aperture_start = 0;
		domain->aperture_end = (1ull << 48) - 1;
		domain->addr_width = 48;
	}
}

/* Point the device's root and context entries at its domain's table. */
static void build_context(struct build *build, unsigned int u, uint16_t rid,
			  unsigned int d, uint32_t did)
{
	uint64_t context_table = image_vtd_context_table(build->memory,
							 build->unit_root_pa[u],
							 rid, false, true);

	image_vtd_legacy_context(build->memory, context_table + (rid & 0xff) * 16,
				 build->domain_root_pa[d], LEVELS, did);
}

static void build_devices(struct build *build, struct image_chain *chain)
{
	const struct sb_config *config = build->config;
	unsigned int i, nr = config->nr_devices;

	if (config->breakage == SB_BREAK_DROP_DEVICE)
		nr--;
	for (i = 0; i < nr; i++) {
		unsigned int u = i / config->devices_per_unit;
		unsigned int d = i / config->devices_per_domain;
		uint16_t rid = (uint16_t)(FIRST_RID + i % config->devices_per_unit);
		/*
		 * The VT-d driver allocates domain IDs from 2 (IDA_START_DID),
		 * per unit: count from the unit's first domain, so that large
		 * states stay within the 16 bits of an ID.
		 */
		uint32_t did = d - u * config->devices_per_unit / config->devices_per_domain + 2;
		struct iolu_abi_device *device;

		build_context(build, u, rid, d,
			      !i && config->breakage == SB_BREAK_DOMAIN_ID ? did + 100 : did);
		device = image_at(build->memory, image_chain_next(chain));
		device->object.index = i;
		device->object.refcount = 1;
		device->object.flags = build->flags;
		device->token = 0x1000 + i;
		device->domain_pa = build->domain_entry_pa[d];
		device->unit_pa = build->unit_entry_pa[u];
		device->segment = u;
		device->requester_id = rid;
		device->domain_id = did;
	}
	build->image->nr_devices = nr;
}

static int build_kho(struct sb_image *image)
{
	struct image_kho kho = { 0 };
	int rc;

	rc = image_kho_seal(image->memory, &kho);
	image->kho_root_pa = kho.root;
	image->fdt = kho.fdt;
	image->fdt_len = kho.fdt_len;
	return rc;
}

static void build_header(struct build *build, const struct image_chain chains[3])
{
	struct sb_image *image = build->image;
	struct iolu_abi_state *header = image_at(build->memory, image->header_pa);

	if (build->config->breakage == SB_BREAK_COMPATIBLE)
		memcpy(header->compatible, "<b>&\"'</b>", 10);
	else if (build->config->breakage == SB_BREAK_TERMINAL)
		/* ESC ] retitles, BEL ends it, CSI (C1) clears; \xff is no UTF-8. */
		memcpy(header->compatible, "\x1b]0;pwn\x07\n\xc2\x9b" "2J\xff", 15);
	else
		memcpy(header->compatible, IOLU_COMPATIBLE, strlen(IOLU_COMPATIBLE));
	header->units_pa = chains[0].first;
	header->domains_pa = chains[1].first;
	header->devices_pa = chains[2].first;
	header->nr_units = build->nr_units;
	header->nr_domains = build->nr_domains;
	header->nr_devices = image->nr_devices;
}

static void build_state(struct build *build)
{
	struct image_chain chains[3] = {
		{ .image = build->memory }, { .image = build->memory },
		{ .image = build->memory },
	};

	build->image->header_pa = image_alloc(build->memory);
	build_units(build, &chains[0]);
	build_domains(build, &chains[1]);
	build_devices(build, &chains[2]);
	build_header(build, chains);
	if (build->config->breakage == SB_BREAK_REMAP)
		remap_first_page(build);
}

int sb_build(const struct sb_config *config, struct sb_image *image)
{
	struct build build = { .config = config, .image = image };
	int rc;

	memset(image, 0, sizeof(*image));
	if (!config->nr_devices || !config->devices_per_domain ||
	    !config->devices_per_unit || config->devices_per_unit > 0x10000 - FIRST_RID)
		return -EINVAL;
	/* The next kernel keeps its claims to itself: no flag on either side */
	build.flags = 0;
	build.nr_units = (config->nr_devices + config->devices_per_unit - 1) /
			 config->devices_per_unit;
	build.nr_domains = (config->nr_devices + config->devices_per_domain - 1) /
			   config->devices_per_domain;
	image->memory = build.memory = image_new_at(BASE_PA);
	build.unit_entry_pa = calloc(build.nr_units, sizeof(uint64_t));
	build.unit_root_pa = calloc(build.nr_units, sizeof(uint64_t));
	build.domain_entry_pa = calloc(build.nr_domains, sizeof(uint64_t));
	build.domain_root_pa = calloc(build.nr_domains, sizeof(uint64_t));
	rc = build.memory && build.unit_entry_pa && build.unit_root_pa &&
	     build.domain_entry_pa && build.domain_root_pa ? 0 : -ENOMEM;
	if (!rc) {
		build_state(&build);
		rc = build_kho(image);
	}
	image->nr_units = build.nr_units;
	image->nr_domains = build.nr_domains;
	free(build.unit_entry_pa);
	free(build.unit_root_pa);
	free(build.domain_entry_pa);
	free(build.domain_root_pa);
	return rc;
}

void sb_free(struct sb_image *image)
{
	image_free(image->memory);
	free(image->fdt);
	memset(image, 0, sizeof(*image));
}

struct iolu_mem sb_mem(struct sb_image *image)
{
	return image_mem(image->memory);
}

struct iolu_ranges sb_ram(struct sb_image *image, struct iolu_range *range)
{
	range->start = image_base(image->memory);
	range->size = image_nr_pages(image->memory) * PAGE;
	return (struct iolu_ranges){ .items = range, .nr = 1 };
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *out = fopen(path, "w");
	int rc = 0;

	if (!out)
		return -errno;
	if (fwrite(data, 1, len, out) != len)
		rc = -EIO;
	if (fclose(out) && !rc)
		rc = -errno;
	return rc;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_file(path, text, strlen(text));
}

/* The series' debugfs files: one value and a newline each. */
static int write_debugfs_values(const struct sb_image *image, const char *dir)
{
	const struct {
		const char *name;
		const char *fmt;
		uint64_t value;
	} numbers[] = {
		{ "header_phys", "0x%" PRIx64 "\n", image->header_pa },
		{ "units", "%" PRIu64 "\n", image->nr_units },
		{ "domains", "%" PRIu64 "\n", image->nr_domains },
		{ "devices", "%" PRIu64 "\n", image->nr_devices },
	};
	char text[64];
	size_t i;
	int rc;

	rc = write_text(dir, "status", "active\n");
	if (!rc)
		rc = write_text(dir, "compatible", IOLU_COMPATIBLE "\n");
	for (i = 0; !rc && i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		snprintf(text, sizeof(text), numbers[i].fmt, numbers[i].value);
		rc = write_text(dir, numbers[i].name, text);
	}
	return rc;
}

static int make_dirs(const char *path)
{
	char partial[4096];
	size_t i;

	snprintf(partial, sizeof(partial), "%s", path);
	for (i = 1; partial[i]; i++) {
		if (partial[i] != '/')
			continue;
		partial[i] = 0;
		if (mkdir(partial, 0755) && errno != EEXIST)
			return -errno;
		partial[i] = '/';
	}
	return mkdir(partial, 0755) && errno != EEXIST ? -errno : 0;
}

/* The image's pages in order, as one contiguous run of memory. */
static int write_pages(const struct sb_image *image, FILE *out)
{
	size_t i, nr_pages = image_nr_pages(image->memory);
	uint64_t pa = image_base(image->memory);

	for (i = 0; i < nr_pages; i++, pa += PAGE)
		if (fwrite(image_page(image->memory, pa), 1, PAGE, out) != PAGE)
			return -EIO;
	return 0;
}

/* A core file with one PT_LOAD segment: the image at its physical address. */
static int write_kcore(const struct sb_image *image, const char *path)
{
	uint64_t base_pa = image_base(image->memory);
	uint64_t size = image_nr_pages(image->memory) * PAGE;
	Elf64_Ehdr ehdr = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
	};
	Elf64_Phdr phdr = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = PAGE,
		.p_vaddr = DIRECT_MAP_BASE + base_pa, .p_paddr = base_pa,
		.p_filesz = size, .p_memsz = size, .p_align = PAGE,
	};
	uint8_t head[PAGE] = { 0 };
	FILE *out = fopen(path, "w");
	int rc = 0;

	if (!out)
		return -errno;
	memcpy(head, &ehdr, sizeof(ehdr));
	memcpy(head + sizeof(ehdr), &phdr, sizeof(phdr));
	if (fwrite(head, 1, PAGE, out) != PAGE)
		rc = -EIO;
	if (!rc)
		rc = write_pages(image, out);
	if (fclose(out) && !rc)
		rc = -errno;
	return rc;
}

int sb_write_live(const struct sb_image *image, enum iolu_side side,
		  const char *dir)
{
	bool incoming = side == IOLU_SIDE_INCOMING;
	char kho[4096], lu[4096], path[4200];
	int rc;

	snprintf(kho, sizeof(kho), "%s/debugfs/kho/%s", dir, incoming ? "in" : "out");
	snprintf(lu, sizeof(lu), "%s/debugfs/iommu/liveupdate/%s", dir,
		 incoming ? "incoming" : "outgoing");
	rc = make_dirs(kho);
	if (!rc)
		rc = make_dirs(lu);
	snprintf(path, sizeof(path), "%s/fdt", kho);
	if (!rc)
		rc = write_file(path, image->fdt, image->fdt_len);
	if (!rc)
		rc = write_debugfs_values(image, lu);
	snprintf(path, sizeof(path), "%s/kcore", dir);
	if (!rc)
		rc = write_kcore(image, path);
	return rc;
}
