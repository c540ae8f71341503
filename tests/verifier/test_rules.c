// SPDX-License-Identifier: GPL-2.0
/*
 * One fixture per rule: build a clean synthetic state, break exactly one
 * invariant, and assert that exactly one finding is reported, with that
 * rule and that object. Clean states, small and large, report nothing;
 * every rule the library knows has a fixture here.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "abi.h"
#include "builder.h"
#include "source.h"
#include "vtd.h"

static const struct iolu_verify_opts verify_all = { .checks = IOLU_CHECK_ALL };

struct expect {
	enum iolu_obj_kind kind;
	uint64_t index;
	uint64_t pa;
};

struct rule_case {
	const char *rule;
	void (*configure)(struct fixture_config *config);
	/* break the state; runs before KHO's map is built */
	void (*mutate)(struct fixture *fixture, struct expect *expect);
	/* how to get findings: NULL runs every check on the fixture */
	int (*run)(struct fixture *fixture, struct iolu_findings *findings);
};

/* Offsets of fields in the serialized entries (verifier/abi.h). */
#define OBJ_INDEX	offsetof(struct iolu_abi_object, index)
#define OBJ_REFCOUNT	offsetof(struct iolu_abi_object, refcount)
#define OBJ_FLAGS	offsetof(struct iolu_abi_object, flags)
#define DEV_TOKEN	offsetof(struct iolu_abi_device, token)
#define DEV_DOMAIN	offsetof(struct iolu_abi_device, domain_pa)
#define DEV_UNIT	offsetof(struct iolu_abi_device, unit_pa)
#define DEV_SEGMENT	offsetof(struct iolu_abi_device, segment)
#define DEV_RID		offsetof(struct iolu_abi_device, requester_id)
#define DEV_RESERVED1	offsetof(struct iolu_abi_device, reserved1)
#define DEV_DID		offsetof(struct iolu_abi_device, domain_id)
#define DOM_PGTABLE	offsetof(struct iolu_abi_domain, pgtable_pa)
#define DOM_APERTURE_START offsetof(struct iolu_abi_domain, aperture_start)
#define DOM_APERTURE_END offsetof(struct iolu_abi_domain, aperture_end)
#define UNIT_TYPE	offsetof(struct iolu_abi_unit, type)
#define UNIT_REG_BASE	offsetof(struct iolu_abi_unit, reg_base_pa)
#define UNIT_ROOT	offsetof(struct iolu_abi_unit, root_table_pa)
#define HDR_RESERVED	offsetof(struct iolu_abi_state, reserved)
#define HDR_NR_DOMAINS	offsetof(struct iolu_abi_state, nr_domains)
#define HDR_NR_DEVICES	offsetof(struct iolu_abi_state, nr_devices)

#define DEVICES		2	/* index of the devices chain in first_block */

static struct image *img(struct fixture *f)
{
	return f->image;
}

static void expect_device(struct fixture *f, unsigned int i, struct expect *e)
{
	*e = (struct expect){ IOLU_OBJ_DEVICE, 1000 + i, f->device_pa[i] };
}

static void expect_domain(struct fixture *f, unsigned int i, uint64_t pa,
			  struct expect *e)
{
	*e = (struct expect){ IOLU_OBJ_DOMAIN, 100 + i, pa ? pa : f->domain_pa[i] };
}

static void expect_unit(struct fixture *f, unsigned int i, uint64_t pa,
			struct expect *e)
{
	*e = (struct expect){ IOLU_OBJ_UNIT, 10 + i, pa ? pa : f->unit_pa[i] };
}

static void add_to_refcount(struct fixture *f, uint64_t entry_pa, int delta)
{
	uint64_t word = image_read64(img(f), entry_pa + OBJ_REFCOUNT);

	image_write32(img(f), entry_pa + OBJ_REFCOUNT,
		      (uint32_t)((uint32_t)word + delta));
}

/* ---- structure ---- */

static void break_compatible(struct fixture *f, struct expect *e)
{
	memcpy(image_page(img(f), f->header_pa), "iommu-v9", 8);
	*e = (struct expect){ IOLU_OBJ_STATE, 0, f->header_pa };
}

static void break_header_reserved(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->header_pa + HDR_RESERVED + 8, 1);
	*e = (struct expect){ IOLU_OBJ_STATE, 0, f->header_pa };
}

static void link_device_block(struct fixture *f, uint64_t next,
			      struct expect *e)
{
	image_write64(img(f), f->first_block[DEVICES], next);
	*e = (struct expect){ IOLU_OBJ_BLOCK, 1, next };
}

static void break_chain_unreadable(struct fixture *f, struct expect *e)
{
	uint64_t hole = image_alloc(img(f));

	image_drop(img(f), hole);
	link_device_block(f, hole, e);
}

static void break_chain_misaligned(struct fixture *f, struct expect *e)
{
	link_device_block(f, image_alloc(img(f)) + 64, e);
}

static void break_chain_cycle(struct fixture *f, struct expect *e)
{
	link_device_block(f, f->first_block[DEVICES], e);
}

/* On a block of its own, so that no live entry is lost with it. */
static void break_block_count(struct fixture *f, struct expect *e)
{
	uint64_t block = image_alloc(img(f));

	image_write64(img(f), block + 8, IOLU_ABI_ENTRIES_PER_BLOCK + 1);
	link_device_block(f, block, e);
}

static void break_block_empty(struct fixture *f, struct expect *e)
{
	link_device_block(f, image_alloc(img(f)), e);
}

static void break_count(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->header_pa + HDR_NR_DEVICES,
		      f->config.nr_devices + 1);
	*e = (struct expect){ IOLU_OBJ_STATE, 0, f->header_pa };
}

static void break_index(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->device_pa[3] + OBJ_INDEX, 1001);
	*e = (struct expect){ IOLU_OBJ_DEVICE, 1001, f->device_pa[3] };
}

static void break_object_reserved(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->device_pa[2] + DEV_RESERVED1, 5);
	expect_device(f, 2, e);
}

static void break_object_flags(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->device_pa[2] + OBJ_FLAGS, 1u << 5);
	expect_device(f, 2, e);
}

static void break_refcount(struct fixture *f, struct expect *e)
{
	add_to_refcount(f, f->domain_pa[1], 5);
	expect_domain(f, 1, 0, e);
}

/* Device 2 sits in domain 2 and behind unit 0 (builder.h). */
static void break_device_domain(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->device_pa[2] + DEV_DOMAIN, f->domain_pa[0] + 8);
	add_to_refcount(f, f->domain_pa[2], -1);
	expect_device(f, 2, e);
}

static void break_device_unit(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->device_pa[2] + DEV_UNIT, f->unit_pa[0] + 16);
	add_to_refcount(f, f->unit_pa[0], -1);
	expect_device(f, 2, e);
}

/* With 4 devices, domain 2 has device 2 alone. */
static void four_devices(struct fixture_config *config)
{
	config->nr_devices = 4;
}

static void break_deleted_referenced(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->domain_pa[2] + OBJ_FLAGS, IOLU_OBJ_FLAG_DELETED);
	image_write64(img(f), f->header_pa + HDR_NR_DOMAINS,
		      f->config.nr_domains - 1);
	expect_device(f, 2, e);
}

/* With 8 devices, devices 0 and 6 share unit 0. */
static void eight_devices(struct fixture_config *config)
{
	config->nr_devices = config->nr_domains = 8;
}

static void break_rid(struct fixture *f, struct expect *e)
{
	uint64_t word = image_read64(img(f), f->device_pa[0] + DEV_SEGMENT);
	uint64_t other = image_read64(img(f), f->device_pa[6] + DEV_SEGMENT);

	/* Copy segment and requester ID, keep the reserved half. */
	image_write64(img(f), f->device_pa[6] + DEV_SEGMENT,
		      (other & ~0xffffffffffffull) | (word & 0xffffffffffffull));
	/* Device 6 had its own context entry: not a stray one now. */
	image_write64(img(f), fixture_context_entry(f, 6), 0);
	image_write64(img(f), fixture_context_entry(f, 6) + 8, 0);
	expect_device(f, 6, e);
}

static void break_unit_duplicate(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->unit_pa[1] + UNIT_REG_BASE,
		      image_read64(img(f), f->unit_pa[0] + UNIT_REG_BASE));
	expect_unit(f, 1, 0, e);
}

static void break_segment(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->device_pa[2] + DEV_SEGMENT, 7);
	expect_device(f, 2, e);
}

/* Device 3 joins device 1 in domain 1; domain 3 keeps no device. */
/*
 * Device 3 joins domain 1 (a VM's devices in one HWPT); its entry
 * translates with domain 1's table, as the hardware must, under @did.
 */
static void share_domain_with_did(struct fixture *f, uint32_t did)
{
	image_write64(img(f), f->device_pa[3] + DEV_DOMAIN, f->domain_pa[1]);
	add_to_refcount(f, f->domain_pa[1], 1);
	add_to_refcount(f, f->domain_pa[3], -1);
	image_write32(img(f), f->device_pa[3] + DEV_DID, did);
	image_vtd_legacy_context(img(f), fixture_context_entry(f, 3),
				 f->pgtable_pa[1], f->config.levels, did);
}

/* ... keeping its own domain ID, which the restored domain cannot match */
static void split_shared_domain(struct fixture *f, struct expect *e)
{
	share_domain_with_did(f, (uint32_t)image_read64(img(f), f->device_pa[3] + DEV_DID));
	expect_device(f, 3, e);
}

/*
 * Bit 1 was the mark of an object the next kernel claimed (INCOMING) in
 * older versions of the series; the next kernel keeps claims to itself
 * now and refuses any flag but DELETED.
 */
static void set_flag_bit1(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->domain_pa[1] + OBJ_FLAGS, 1u << 1);
	expect_domain(f, 1, 0, e);
}

/* Device 3 uses domain ID 1, the next kernel's own, entry included. */
static void break_domain_id_reserved(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t hi = image_read64(img(f), entry + 8) & ~(0xffffull << 8);

	image_write32(img(f), f->device_pa[3] + DEV_DID, 1);
	image_write64(img(f), entry + 8, hi | (1ull << 8));
	expect_device(f, 3, e);
}

/* Device 3 (unit 1, domain 3) takes device 1's domain ID, entry included. */
static void break_domain_id_conflict(struct fixture *f, struct expect *e)
{
	uint32_t did = (uint32_t)image_read64(img(f), f->device_pa[1] + DEV_DID);
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t hi = image_read64(img(f), entry + 8) & ~(0xffffull << 8);

	image_write32(img(f), f->device_pa[3] + DEV_DID, did);
	image_write64(img(f), entry + 8, hi | ((uint64_t)did << 8));
	expect_device(f, 3, e);
}

static void break_domain_format(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->domain_pa[1] + DOM_APERTURE_START, 0x2000);
	image_write64(img(f), f->domain_pa[1] + DOM_APERTURE_END, 0x1000);
	expect_domain(f, 1, 0, e);
}

static void break_chain_too_long(struct fixture *f, struct expect *e)
{
	*e = (struct expect){ IOLU_OBJ_BLOCK, IOLU_MAX_CHAIN_BLOCKS,
			      0x100000000ull + (uint64_t)IOLU_MAX_CHAIN_BLOCKS * 4096 };
	(void)f;
}

/* ---- memory ---- */

static void break_graph_preserved(struct fixture *f, struct expect *e)
{
	image_unpreserve(img(f), f->first_block[DEVICES]);
	*e = (struct expect){ IOLU_OBJ_BLOCK, 0, f->first_block[DEVICES] };
}

static void break_vtd_table_preserved(struct fixture *f, struct expect *e)
{
	image_unpreserve(img(f), f->root_table_pa[1]);
	expect_unit(f, 1, f->root_table_pa[1], e);
}

static void break_pgtable_preserved(struct fixture *f, struct expect *e)
{
	image_unpreserve(img(f), f->leaf_table_pa[1]);
	expect_domain(f, 1, f->leaf_table_pa[1], e);
}

/*
 * Copy the page at old into page (0 or 1) of a new order-1 block and point
 * the 64-bit word at pointer_pa there (keeping its low bits). Returns the
 * copy. In page 1 the copy is covered by preserved memory but starts no
 * block, so the next kernel's kho_is_preserved() refuses it; in page 0 it
 * starts a preserved block, but of two pages, and the next kernel takes a
 * table page only as a block of one.
 */
static uint64_t move_into_block(struct fixture *f, uint64_t pointer_pa,
				uint64_t old, unsigned int page)
{
	uint64_t head = image_alloc(img(f)), copy;

	while (head % (2 * IMAGE_PAGE_SIZE))
		head = image_alloc(img(f));
	assert_int_equal(image_alloc(img(f)), head + IMAGE_PAGE_SIZE);
	copy = head + page * IMAGE_PAGE_SIZE;
	memcpy(image_page(img(f), copy), image_page(img(f), old),
	       IMAGE_PAGE_SIZE);
	image_write64(img(f), pointer_pa,
		      copy | (image_read64(img(f), pointer_pa) & 0xfffull));
	image_preserve_block(img(f), head, 1);
	return copy;
}

static void break_header_block_start(struct fixture *f, struct expect *e)
{
	uint64_t copy = image_alloc(img(f));

	/* Nothing points at the header: the FLB data (here the fixture) does. */
	image_write64(img(f), copy, f->header_pa);
	f->header_pa = move_into_block(f, copy, f->header_pa, 1);
	*e = (struct expect){ IOLU_OBJ_STATE, 0, f->header_pa };
}

static void break_block_start(struct fixture *f, struct expect *e)
{
	uint64_t tail = move_into_block(f, f->header_pa + 16 + 8 * DEVICES,
					f->first_block[DEVICES], 1);

	*e = (struct expect){ IOLU_OBJ_BLOCK, 0, tail };
}

static void break_root_table_block_start(struct fixture *f, struct expect *e)
{
	uint64_t tail = move_into_block(f, f->unit_pa[1] + UNIT_ROOT,
					f->root_table_pa[1], 1);

	expect_unit(f, 1, tail, e);
}

/* The entry at level of domain's table that maps FIXTURE_IOVA_BASE. */
static uint64_t table_entry(struct fixture *f, unsigned int domain,
			    unsigned int level)
{
	uint64_t table = f->pgtable_pa[domain];

	for (unsigned int l = f->config.levels; l > level; l--)
		table = image_read64(img(f), table +
				     ((FIXTURE_IOVA_BASE >> (12 + 9 * (l - 1))) & 511) * 8) &
			VTD_PAGE_MASK;
	return table + ((FIXTURE_IOVA_BASE >> (12 + 9 * (level - 1))) & 511) * 8;
}

static void break_pgtable_block_start(struct fixture *f, struct expect *e)
{
	uint64_t tail = move_into_block(f, table_entry(f, 1, 2),
					f->leaf_table_pa[1], 1);

	expect_domain(f, 1, tail, e);
}

static void break_root_table_block_order(struct fixture *f, struct expect *e)
{
	uint64_t head = move_into_block(f, f->unit_pa[1] + UNIT_ROOT,
					f->root_table_pa[1], 0);

	expect_unit(f, 1, head, e);
}

static void break_pgtable_block_order(struct fixture *f, struct expect *e)
{
	uint64_t head = move_into_block(f, table_entry(f, 1, 2),
					f->leaf_table_pa[1], 0);

	expect_domain(f, 1, head, e);
}

static void break_pgtable(struct fixture *f, struct expect *e)
{
	uint64_t entry = f->pgtable_pa[1] + ((FIXTURE_IOVA_BASE >> 39) & 511) * 8;

	/* A superpage bit at level 4 is reserved. */
	image_write64(img(f), entry, image_read64(img(f), entry) | (1u << 7));
	expect_domain(f, 1, entry, e);
}

static void break_dma_target(struct fixture *f, struct expect *e)
{
	image_unpreserve(img(f), f->data_pa[1]);
	expect_domain(f, 1, f->data_pa[1], e);
}

/* Domain 1 lets its device write the device chain's first block. */
static void map_chain_block(struct fixture *f, struct expect *e)
{
	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x100000, f->first_block[DEVICES]);
	expect_domain(f, 1, f->first_block[DEVICES], e);
}

static void map_mmio(struct fixture *f, struct expect *e)
{
	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x100000, IMAGE_MMIO_PA);
	expect_domain(f, 1, IMAGE_MMIO_PA, e);
}

static int verify_source(struct iolu_source *source,
			 struct iolu_findings *findings)
{
	struct iolu_err err = { 0 };
	int ret;

	assert_non_null(source);
	ret = iolu_verify(source, &verify_all, NULL, findings, &err);
	iolu_source_close(source);
	return ret;
}

static int run_outgoing(struct fixture *f, struct iolu_findings *findings)
{
	return verify_source(fixture_source(f), findings);
}

static int run_without_fdt(struct fixture *f, struct iolu_findings *findings)
{
	struct iolu_source *source = fixture_source(f);

	assert_non_null(source);
	free(source->kho_fdt);
	source->kho_fdt = NULL;
	source->kho_fdt_len = 0;
	return verify_source(source, findings);
}

/* After kexec the previous kernel's map is gone by design. */
static int run_incoming_without_fdt(struct fixture *f,
				    struct iolu_findings *findings)
{
	struct iolu_source *source = fixture_source(f);

	assert_non_null(source);
	source->side = IOLU_SIDE_INCOMING;
	free(source->kho_fdt);
	source->kho_fdt = NULL;
	source->kho_fdt_len = 0;
	return verify_source(source, findings);
}

#define KHO_HOLE_PA	0x8000ull

static int run_with_bad_map(struct fixture *f, struct iolu_findings *findings)
{
	struct iolu_source *source = fixture_source(f);
	uint64_t hole = KHO_HOLE_PA;

	assert_non_null(source);
	assert_int_equal(fdt_setprop_inplace(source->kho_fdt, 0,
					     "preserved-memory-map", &hole,
					     sizeof(hole)), 0);
	return verify_source(source, findings);
}

static void expect_kho_map(struct fixture *f, struct expect *e)
{
	(void)f;
	*e = (struct expect){ IOLU_OBJ_KHO_MAP, 0, 0 };
}

static void expect_kho_hole(struct fixture *f, struct expect *e)
{
	(void)f;
	*e = (struct expect){ IOLU_OBJ_KHO_MAP, 0, KHO_HOLE_PA };
}

/*
 * A unit chain that never ends, made up on the fly: each block holds one
 * deleted unit and points at the next page. Only the walk's limit stops it.
 */
#define ENDLESS_HEADER_PA	0x1000ull
#define ENDLESS_CHAIN_PA	0x100000000ull

static int endless_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	uint8_t page[4096] = { 0 };
	uint64_t base = pa & ~0xfffull, word;

	(void)ctx;
	if (pa % 4096 + len > 4096)
		return -EFAULT;
	if (base == ENDLESS_HEADER_PA) {
		memcpy(page, IOLU_COMPATIBLE, strlen(IOLU_COMPATIBLE));
		word = htole64(ENDLESS_CHAIN_PA);
		memcpy(page + offsetof(struct iolu_abi_state, units_pa), &word, 8);
	} else if (base >= ENDLESS_CHAIN_PA) {
		word = base + 4096;
		memcpy(page, &word, 8);
		word = 1;
		memcpy(page + 8, &word, 8);
		word = htole32(IOLU_OBJ_FLAG_DELETED);
		memcpy(page + 16 + OBJ_FLAGS, &word, 4);
	} else {
		return -EFAULT;
	}
	memcpy(buf, page + pa % 4096, len);
	return 0;
}

static int run_chain_walk_only(struct fixture *f, struct iolu_findings *findings)
{
	struct iolu_mem mem = { .read = endless_read };
	struct iolu_check_opts opts = { .checks = IOLU_CHECK_ALL };
	struct iolu_state state;
	int ret;

	(void)f;
	ret = iolu_state_read(&mem, ENDLESS_HEADER_PA, &state, findings, NULL);
	if (!ret)
		ret = iolu_check(&mem, &state, &opts, findings);
	iolu_state_free(&state);
	return ret;
}

/* ---- the next kernel ---- */

static void read_state(struct fixture *f, struct iolu_state *state);

static void expect_state(struct fixture *f, struct expect *e)
{
	*e = (struct expect){ IOLU_OBJ_STATE, 0, f->header_pa };
}

/*
 * A next kernel whose image lists every format the fixture hands over but
 * vfio-pci's, as a kernel built without VFIO_PCI_LIVEUPDATE would: one
 * note, its strings NUL-separated, in a minimal ELF executable.
 */
static int run_next_kernel_without_vfio(struct fixture *f, struct iolu_findings *findings)
{
	static const char desc[] = "kho-v4\0luo-v5\0memfd-v2\0iommu-v1\0iommufd-v1\0";
	static const char name[] = IOLU_NOTE_NAME;
	struct next_image {
		Elf64_Ehdr ehdr;
		Elf64_Phdr phdr;
		Elf64_Nhdr nhdr;
		char name[(sizeof(name) + 3) & ~3u];
		char desc[(sizeof(desc) + 3) & ~3u];
	} image = {
		.ehdr = {
			.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
				     ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
		},
		.phdr = {
			.p_type = PT_NOTE, .p_offset = offsetof(struct next_image, nhdr),
			.p_filesz = sizeof(Elf64_Nhdr) + sizeof(image.name) + sizeof(image.desc),
			.p_align = 4,
		},
		.nhdr = { sizeof(name), sizeof(desc), IOLU_NOTE_ACCEPTS },
	};
	struct iolu_kernel_formats next;
	struct iolu_source *source = fixture_source(f);
	struct iolu_state state;
	int ret;

	memcpy(image.name, name, sizeof(name));
	memcpy(image.desc, desc, sizeof(desc));
	if (!source)
		return -ENOMEM;
	read_state(f, &state);
	ret = iolu_kernel_image_formats_buffer(&image, sizeof(image), &next, NULL);
	if (!ret) {
		assert_int_equal(next.nr, 5);
		ret = iolu_check_next_kernel(source, &state, &next, "next", findings);
		iolu_kernel_formats_free(&next);
	}
	iolu_state_free(&state);
	iolu_source_close(source);
	return ret;
}

static void no_change(struct fixture *f, struct expect *e)
{
	expect_state(f, e);
}

/* ---- hardware view ---- */

static void break_unit_type(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->unit_pa[1] + UNIT_TYPE, IOLU_UNIT_AMD_VI);
	expect_unit(f, 1, 0, e);
}

static void break_unit_root(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->unit_pa[1] + UNIT_ROOT, 0);
	expect_unit(f, 1, 0, e);
}

/* With 2 devices, unit 1 serves device 1 alone. */
static void two_devices(struct fixture_config *config)
{
	config->nr_devices = 2;
}

static void scalable(struct fixture_config *config)
{
	config->scalable = true;
}

static void break_table_unreadable(struct fixture *f, struct expect *e)
{
	uint64_t table = fixture_pasid_entry(f, 3);

	image_drop(img(f), table);
	expect_device(f, 3, e);
	e->pa = table;
}

/* Clear the present bit of device's VT-d entry at pa: expect it named. */
static void clear_present(struct fixture *f, struct expect *e,
			  unsigned int device, uint64_t pa)
{
	image_write64(img(f), pa, image_read64(img(f), pa) & ~1ull);
	expect_device(f, device, e);
	e->pa = pa;
}

static void break_root_entry(struct fixture *f, struct expect *e)
{
	uint16_t rid = fixture_rid_of(f, 1);
	uint64_t entry = f->root_table_pa[1] + (rid >> 8) * VTD_ROOT_ENTRY_SIZE;

	clear_present(f, e, 1, entry);
}

static void break_context_entry(struct fixture *f, struct expect *e)
{
	clear_present(f, e, 3, fixture_context_entry(f, 3));
}

/* With 12 devices, device 9 is function 0x84: the upper context table. */
static void twelve_devices_scalable(struct fixture_config *config)
{
	config->nr_devices = config->nr_domains = 12;
	config->scalable = true;
}

static void break_upper_context_entry(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 9);

	assert_true((fixture_rid_of(f, 9) & 0xff) >= 0x80);
	clear_present(f, e, 9, entry);
}

static void break_pasid_entry(struct fixture *f, struct expect *e)
{
	clear_present(f, e, 3, fixture_pasid_entry(f, 3));
}

static void break_translation_type(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t lo = image_read64(img(f), entry) & ~0xcull;

	image_write64(img(f), entry, lo | (VTD_TT_PASS_THROUGH << 2));
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_pasid_pgtt(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_pasid_entry(f, 3);
	uint64_t word = image_read64(img(f), entry) & ~(7ull << 6);

	image_write64(img(f), entry, word | ((uint64_t)VTD_PGTT_PASS_THROUGH << 6));
	expect_device(f, 3, e);
	e->pa = entry;
}

/* Device 3 is in domain 3; point its entry at domain 1's table. */
static void break_context_pgtable(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t lo = image_read64(img(f), entry) & 0xfffull;

	image_write64(img(f), entry, lo | f->pgtable_pa[1]);
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_pasid_pgtable(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_pasid_entry(f, 3);
	uint64_t word = image_read64(img(f), entry) & 0xfffull;

	image_write64(img(f), entry, word | f->pgtable_pa[1]);
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_context_did(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);

	image_write64(img(f), entry + 8,
		      image_read64(img(f), entry + 8) + (1u << 8));
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_pasid_did(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_pasid_entry(f, 3);

	image_write64(img(f), entry + 8, 42);
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_context_levels(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t hi = image_read64(img(f), entry + 8) & ~7ull;

	image_write64(img(f), entry + 8, hi | 1);	/* 3 levels */
	expect_device(f, 3, e);
	e->pa = entry;
}

static void break_pasid_levels(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_pasid_entry(f, 3);
	uint64_t word = image_read64(img(f), entry) & ~(7ull << 2);

	image_write64(img(f), entry, word | (1ull << 2));	/* 3 levels */
	expect_device(f, 3, e);
	e->pa = entry;
}

/* With 2 devices, domains 2 to 5 have none: only the format is wrong. */
static void break_domain_unsupported(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->domain_pa[4] + 24, 3);	/* AMD v1 */
	expect_domain(f, 4, 0, e);
}

/* 49 bits need five levels, the domain has four. */
static void break_domain_width(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->domain_pa[1] + 48, 49);
	expect_domain(f, 1, 0, e);
}

/* ---- the whole root table of a unit (intel_lu_check_unit()) ---- */

/* Set bits in a word of a VT-d entry of device 3 (unit 1): expect it named. */
static void set_entry_bits(struct fixture *f, struct expect *e, uint64_t pa,
			   uint64_t bits)
{
	image_write64(img(f), pa, image_read64(img(f), pa) | bits);
	expect_unit(f, 1, pa, e);
}

static void break_context_reserved(struct fixture *f, struct expect *e)
{
	set_entry_bits(f, e, fixture_context_entry(f, 3), 1ull << 4);
}

static void break_root_reserved(struct fixture *f, struct expect *e)
{
	uint64_t entry = f->root_table_pa[1] +
			 (fixture_rid_of(f, 1) >> 8) * VTD_ROOT_ENTRY_SIZE;

	set_entry_bits(f, e, entry, 1ull << 5);
}

static void break_sm_context_reserved(struct fixture *f, struct expect *e)
{
	set_entry_bits(f, e, fixture_context_entry(f, 3) + 8, 1ull << 21);
	e->pa -= 8;
}

static uint64_t pasid_dir_of(struct fixture *f, unsigned int device)
{
	return image_read64(img(f), fixture_context_entry(f, device)) &
	       VTD_PAGE_MASK;
}

static void break_pasid_dir_reserved(struct fixture *f, struct expect *e)
{
	set_entry_bits(f, e, pasid_dir_of(f, 3), 1ull << 2);
}

static void break_pasid_entry_reserved(struct fixture *f, struct expect *e)
{
	set_entry_bits(f, e, fixture_pasid_entry(f, 3), 1ull << 10);
}

static void break_pdts(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);

	image_write64(img(f), entry,
		      (image_read64(img(f), entry) & ~(7ull << 9)) | (1ull << 9));
	expect_unit(f, 1, entry, e);
}

/* Devices with PASID support: a directory of 2^20 PASIDs, 32 pages. */
static void pasid_dir_32(struct fixture_config *config)
{
	config->scalable = true;
	config->pasid_dir_pages = 32;
}

/*
 * The directory of device 3 starts an order-0 block; blocks of orders 0
 * to 4 after it cover the rest: every page preserved, but the next
 * kernel's kho_preserved_order() of the directory is 0, not 5.
 */
static void split_pasid_dir_block(struct fixture *f, struct expect *e)
{
	uint64_t dir = pasid_dir_of(f, 3);

	image_preserve_block(img(f), dir, 0);
	image_preserve_block(img(f), dir + IMAGE_PAGE_SIZE, 0);
	for (unsigned int order = 1; order < 5; order++)
		image_preserve_block(img(f), dir + (IMAGE_PAGE_SIZE << order),
				     order);
	expect_unit(f, 1, dir, e);
}

/* The block at the directory is 16 pages, its size 32. */
static void shrink_pasid_dir_block(struct fixture *f, struct expect *e)
{
	uint64_t dir = pasid_dir_of(f, 3);

	image_preserve_block(img(f), dir, 4);
	image_preserve_block(img(f), dir + 16 * IMAGE_PAGE_SIZE, 4);
	expect_unit(f, 1, dir, e);
}

/* Domain 1 lets its device write the last page of a PASID directory. */
static void map_pasid_dir_tail(struct fixture *f, struct expect *e)
{
	uint64_t tail = pasid_dir_of(f, 3) + 31 * IMAGE_PAGE_SIZE;

	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x100000, tail);
	expect_domain(f, 1, tail, e);
}

static void break_rid_pasid(struct fixture *f, struct expect *e)
{
	uint64_t entry = fixture_context_entry(f, 3);
	uint64_t pasid_entry = fixture_pasid_entry(f, 3);

	/*
	 * RID_PASID 1 sits in the same PASID table: move the entry there, so
	 * that only the context entry is what live update does not keep.
	 */
	image_write64(img(f), entry + 8, 1);
	memcpy(image_at(img(f), pasid_entry + VTD_PASID_ENTRY_SIZE),
	       image_at(img(f), pasid_entry), VTD_PASID_ENTRY_SIZE);
	memset(image_at(img(f), pasid_entry), 0, VTD_PASID_ENTRY_SIZE);
	expect_unit(f, 1, entry, e);
}

/* Domain 2 links domain 1's leaf table instead of its own. */
static void share_leaf_table(struct fixture *f, struct expect *e)
{
	uint64_t entry = table_entry(f, 2, 2);

	image_write64(img(f), entry, f->leaf_table_pa[1] | 3);
	expect_domain(f, 2, f->leaf_table_pa[1], e);
}

/*
 * Device 3 (unit 1, 00:04.1) moves to bus 1, whose root entry links bus
 * 0's context table: its entry there still translates it, but the next
 * kernel's intel_lu_take_tables() takes the page over for bus 0 and
 * refuses it for bus 1.
 */
static void share_context_table(struct fixture *f, struct expect *e)
{
	uint64_t root = f->root_table_pa[1];
	uint64_t table = image_read64(img(f), root) & VTD_PAGE_MASK;

	/* The requester ID and the reserved half-word after it. */
	image_write32(img(f), f->device_pa[3] + DEV_RID,
		      0x100u | (fixture_rid_of(f, 3) & 0xff));
	image_write64(img(f), root + 1 * VTD_ROOT_ENTRY_SIZE, table | 1);
	expect_unit(f, 1, table, e);
}

/* ---- comparison: a "before" and an "after" fixture built alike ---- */

struct compare_case {
	const char *rule;
	void (*mutate_before)(struct fixture *f, struct expect *e);
	void (*mutate_after)(struct fixture *f, struct expect *e);
};

static void delete_unit(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->unit_pa[1] + OBJ_FLAGS, IOLU_OBJ_FLAG_DELETED);
	expect_unit(f, 1, 0, e);
}

static void change_unit_root(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->unit_pa[1] + UNIT_ROOT, image_alloc(img(f)));
	expect_unit(f, 1, 0, e);
}

static void delete_device(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->device_pa[3] + OBJ_FLAGS, IOLU_OBJ_FLAG_DELETED);
	expect_device(f, 3, e);
}

static void change_token(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->device_pa[3] + DEV_TOKEN, 0xdead);
	expect_device(f, 3, e);
}

/* Device 3 moves from domain 3 to domain 1, which device 1 is in. */
static void split_domain(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->device_pa[3] + DEV_DOMAIN, f->domain_pa[1]);
	expect_domain(f, 3, 0, e);
}

static void change_aperture(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->domain_pa[1] + DOM_APERTURE_END, 0xffffffff);
	expect_domain(f, 1, 0, e);
}

static void move_pgtable(struct fixture *f, struct expect *e)
{
	uint64_t copy = image_alloc(img(f));

	memcpy(image_page(img(f), copy), image_page(img(f), f->pgtable_pa[1]),
	       4096);
	image_write64(img(f), f->domain_pa[1] + DOM_PGTABLE, copy);
	expect_domain(f, 1, 0, e);
}

static uint64_t leaf_entry(struct fixture *f, unsigned int domain,
			   unsigned int page)
{
	return f->leaf_table_pa[domain] +
	       (((FIXTURE_IOVA_BASE >> 12) + page) & 511) * 8;
}

static void unmap_last_page(struct fixture *f, struct expect *e)
{
	unsigned int last = f->config.pages_per_domain - 1;
	uint64_t entry = leaf_entry(f, 1, last);

	expect_domain(f, 1, image_read64(img(f), entry) & VTD_PAGE_MASK, e);
	image_write64(img(f), entry, 0);
}

static void map_extra_page(struct fixture *f, struct expect *e)
{
	uint64_t page = image_alloc(img(f));

	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x200000, page);
	expect_domain(f, 1, page, e);
}

static void remap_first_page(struct fixture *f, struct expect *e)
{
	uint64_t page = image_alloc(img(f));
	uint64_t entry = leaf_entry(f, 1, 0);

	image_write64(img(f), entry, page | 3);
	expect_domain(f, 1, page, e);
}

/* A table page the snapshot lacks, as after a failed kcore read. */
static void drop_leaf_table(struct fixture *f, struct expect *e)
{
	image_drop(img(f), f->leaf_table_pa[1]);
	expect_domain(f, 1, f->leaf_table_pa[1], e);
}

/* The after side remaps an IOVA, which the unwalked side must not hide. */
static void drop_before_remap_after(struct fixture *f, struct expect *e)
{
	struct expect ignored;

	(void)e;
	remap_first_page(f, &ignored);
}

/* ---- LUO: sessions, files, memfd folios ---- */

static void with_luo(struct fixture_config *config)
{
	config->luo = true;
}

static void break_luo_compatible(struct fixture *f, struct expect *e)
{
	*(char *)image_at(img(f), f->luo_pa + 3) = '9';
	*e = (struct expect){ IOLU_OBJ_LUO, 0, f->luo_pa };
}

static void break_folio_index(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->folio_array_pa[1] + 8, 1000);
	*e = (struct expect){ IOLU_OBJ_LUO_FILE, 1, f->folio_array_pa[1] };
}

/* F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW, and one memfd-v2 lacks. */
static void break_memfd_seals(struct fixture *f, struct expect *e)
{
	image_write32(img(f), f->memfd_pa[3] + 16, 0x7 | 0x40);
	*e = (struct expect){ IOLU_OBJ_LUO_FILE, 3, f->memfd_pa[3] };
}

static void break_folio_preserved(struct fixture *f, struct expect *e)
{
	image_unpreserve(img(f), f->spare_pa[2]);
	*e = (struct expect){ IOLU_OBJ_LUO_FILE, 2, f->spare_pa[2] };
}

static void drop_hwpt_domain(struct fixture *f, struct expect *e)
{
	image_write64(img(f), f->iommufd_pa + 32 + 3 * 32 + 8, 0);
	expect_domain(f, 3, 0, e);
}

/* A preserved page no memfd holds: someone else's, in the next kernel. */
static void map_foreign_page(struct fixture *f, struct expect *e)
{
	uint64_t page = image_alloc(img(f));

	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x200000, page);
	expect_domain(f, 1, page, e);
}

/* Domain 1's first IOVA moves to domain 4's memfd. */
static void remap_to_other_memfd(struct fixture *f, struct expect *e)
{
	image_write64(img(f), leaf_entry(f, 1, 0), f->spare_pa[4] | 3);
	expect_domain(f, 1, f->spare_pa[4], e);
}

static const struct compare_case compare_cases[] = {
	{ "unit-vanished", NULL, delete_unit },
	{ "unit-appeared", delete_unit, NULL },
	{ "unit-changed", NULL, change_unit_root },
	{ "device-vanished", NULL, delete_device },
	{ "device-appeared", delete_device, NULL },
	{ "device-changed", NULL, change_token },
	{ "domain-unmatched", NULL, split_domain },
	{ "domain-changed", NULL, change_aperture },
	{ "domain-pgtable-moved", NULL, move_pgtable },
	{ "extent-vanished", NULL, unmap_last_page },
	{ "extent-appeared", NULL, map_extra_page },
	{ "extent-changed", NULL, remap_first_page },
	{ "continuity-unwalked", drop_leaf_table, drop_before_remap_after },
	{ "continuity-unwalked", NULL, drop_leaf_table },
};

static const struct rule_case rule_cases[] = {
	{ "compatible-mismatch", NULL, break_compatible, NULL },
	{ "next-kernel-rejects", NULL, no_change, run_next_kernel_without_vfio },
	{ "header-reserved-nonzero", NULL, break_header_reserved, NULL },
	{ "chain-unreadable", NULL, break_chain_unreadable, NULL },
	{ "chain-misaligned", NULL, break_chain_misaligned, NULL },
	{ "chain-cycle", NULL, break_chain_cycle, NULL },
	{ "chain-too-long", NULL, break_chain_too_long, run_chain_walk_only },
	{ "block-count-invalid", NULL, break_block_count, NULL },
	{ "block-empty", NULL, break_block_empty, NULL },
	{ "count-mismatch", NULL, break_count, NULL },
	{ "index-duplicate", NULL, break_index, NULL },
	{ "object-reserved-nonzero", NULL, break_object_reserved, NULL },
	{ "object-flags-unknown", NULL, break_object_flags, NULL },
	{ "refcount-mismatch", NULL, break_refcount, NULL },
	{ "device-domain-invalid", NULL, break_device_domain, NULL },
	{ "device-unit-invalid", NULL, break_device_unit, NULL },
	{ "deleted-referenced", four_devices, break_deleted_referenced, NULL },
	{ "rid-duplicate", eight_devices, break_rid, NULL },
	{ "unit-duplicate", NULL, break_unit_duplicate, NULL },
	{ "device-segment-mismatch", NULL, break_segment, NULL },
	{ "domain-id-split", NULL, split_shared_domain, NULL },
	{ "object-flags-unknown", NULL, set_flag_bit1, run_outgoing },
	{ "object-flags-unknown", NULL, set_flag_bit1, NULL },
	{ "domain-id-conflict", NULL, break_domain_id_conflict, NULL },
	{ "domain-id-reserved", NULL, break_domain_id_reserved, NULL },
	{ "domain-format-invalid", NULL, break_domain_format, NULL },
	{ "domain-format-invalid", NULL, break_domain_width, NULL },
	{ "domain-format-unsupported", two_devices, break_domain_unsupported, NULL },
	{ "kho-map-invalid", NULL, expect_kho_hole, run_with_bad_map },
	{ "kho-map-absent", NULL, expect_kho_map, run_incoming_without_fdt },
	{ "kho-map-missing", NULL, expect_kho_map, run_without_fdt },
	{ "graph-unpreserved", NULL, break_graph_preserved, NULL },
	{ "graph-unpreserved", NULL, break_header_block_start, NULL },
	{ "graph-unpreserved", NULL, break_block_start, NULL },
	{ "vtd-table-unpreserved", NULL, break_vtd_table_preserved, NULL },
	{ "vtd-table-unpreserved", NULL, break_root_table_block_start, NULL },
	{ "vtd-table-unpreserved", NULL, break_root_table_block_order, NULL },
	{ "vtd-table-unpreserved", pasid_dir_32, split_pasid_dir_block, NULL },
	{ "vtd-table-unpreserved", pasid_dir_32, shrink_pasid_dir_block, NULL },
	{ "pgtable-unpreserved", NULL, break_pgtable_preserved, NULL },
	{ "pgtable-unpreserved", NULL, break_pgtable_block_start, NULL },
	{ "pgtable-unpreserved", NULL, break_pgtable_block_order, NULL },
	{ "pgtable-invalid", NULL, break_pgtable, NULL },
	{ "dma-target-unpreserved", NULL, break_dma_target, NULL },
	{ "dma-target-mmio", NULL, map_mmio, NULL },
	{ "dma-target-table", NULL, map_chain_block, NULL },
	{ "dma-target-table", pasid_dir_32, map_pasid_dir_tail, NULL },
	{ "hw-unsupported", NULL, break_unit_type, NULL },
	{ "unit-no-root-table", NULL, break_unit_root, NULL },
	{ "hw-table-unreadable", scalable, break_table_unreadable, NULL },
	{ "root-entry-absent", two_devices, break_root_entry, NULL },
	{ "context-entry-absent", NULL, break_context_entry, NULL },
	{ "context-entry-absent", twelve_devices_scalable,
	  break_upper_context_entry, NULL },
	{ "pasid-entry-absent", scalable, break_pasid_entry, NULL },
	{ "hw-translation-invalid", NULL, break_translation_type, NULL },
	{ "hw-translation-invalid", scalable, break_pasid_pgtt, NULL },
	{ "hw-pgtable-mismatch", NULL, break_context_pgtable, NULL },
	{ "hw-pgtable-mismatch", scalable, break_pasid_pgtable, NULL },
	{ "hw-domain-id-mismatch", NULL, break_context_did, NULL },
	{ "hw-domain-id-mismatch", scalable, break_pasid_did, NULL },
	{ "hw-levels-mismatch", NULL, break_context_levels, NULL },
	{ "hw-levels-mismatch", scalable, break_pasid_levels, NULL },
	{ "vtd-entry-reserved", NULL, break_context_reserved, NULL },
	{ "vtd-entry-reserved", NULL, break_root_reserved, NULL },
	{ "vtd-entry-reserved", scalable, break_sm_context_reserved, NULL },
	{ "vtd-entry-reserved", scalable, break_pasid_dir_reserved, NULL },
	{ "vtd-entry-reserved", scalable, break_pasid_entry_reserved, NULL },
	{ "sm-context-unsupported", scalable, break_pdts, NULL },
	{ "sm-context-unsupported", scalable, break_rid_pasid, NULL },
	{ "sm-context-unsupported", pasid_dir_32, break_pdts, NULL },
	{ "sm-context-unsupported", pasid_dir_32, break_rid_pasid, NULL },
	{ "page-linked-twice", NULL, share_leaf_table, NULL },
	{ "page-linked-twice", four_devices, share_context_table, NULL },
	{ "luo-invalid", with_luo, break_luo_compatible, NULL },
	{ "memfd-invalid", with_luo, break_folio_index, NULL },
	{ "memfd-invalid", with_luo, break_memfd_seals, NULL },
	{ "memfd-folio-unpreserved", with_luo, break_folio_preserved, NULL },
	{ "domain-no-session", with_luo, drop_hwpt_domain, NULL },
	{ "dma-target-foreign", with_luo, map_foreign_page, NULL },
};

/* Continuity in the user's terms: iolu_compare_luo() on two models. */
static const struct compare_case luo_compare_cases[] = {
	{ "memfd-continuity-broken", NULL, remap_to_other_memfd },
};

static void print_findings(const struct iolu_findings *findings)
{
	for (size_t i = 0; i < findings->nr; i++) {
		const struct iolu_finding *f = &findings->items[i];

		print_message("#   %s %s %s %llu 0x%llx: %s\n",
			      iolu_severity_name(f->severity), f->rule,
			      iolu_obj_kind_name(f->kind),
			      (unsigned long long)f->index,
			      (unsigned long long)f->pa, f->message);
	}
}

static void assert_one_finding(const struct iolu_findings *findings,
			       const char *rule, const struct expect *e)
{
	const struct iolu_finding *f = findings->items;

	if (findings->nr != 1 || strcmp(f->rule, rule) || f->kind != e->kind ||
	    f->index != e->index || f->pa != e->pa) {
		print_message("# expected exactly %s on %s %llu at 0x%llx, got %zu:\n",
			      rule, iolu_obj_kind_name(e->kind),
			      (unsigned long long)e->index,
			      (unsigned long long)e->pa, findings->nr);
		print_findings(findings);
		fail();
	}
	assert_ptr_equal(iolu_rule_lookup(rule), iolu_rule_lookup(f->rule));
	assert_int_equal(f->severity, iolu_rule_lookup(rule)->severity);
}

static void test_rule(void **state)
{
	const struct rule_case *c = *state;
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;
	struct expect expect = { 0 };

	fixture_default_config(&config);
	if (c->configure)
		c->configure(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	c->mutate(&fixture, &expect);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	if (c->run)
		assert_int_equal(c->run(&fixture, &findings), 0);
	else
		assert_int_equal(fixture_check(&fixture, &findings), 0);
	assert_one_finding(&findings, c->rule, &expect);
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

static void read_state(struct fixture *f, struct iolu_state *state)
{
	struct iolu_mem mem = image_mem(f->image);
	struct iolu_findings findings;

	iolu_findings_init(&findings);
	assert_int_equal(iolu_state_read(&mem, f->header_pa, state, &findings,
					 NULL), 0);
	iolu_findings_free(&findings);
}

static void test_compare_rule(void **state)
{
	const struct compare_case *c = *state;
	struct fixture before, after;
	struct iolu_state before_state, after_state;
	struct iolu_findings findings;
	struct fixture_config config;
	struct expect expect = { 0 };
	struct iolu_mem before_mem, after_mem;

	fixture_default_config(&config);
	assert_int_equal(fixture_build(&before, &config), 0);
	assert_int_equal(fixture_build(&after, &config), 0);
	if (c->mutate_before)
		c->mutate_before(&before, &expect);
	if (c->mutate_after)
		c->mutate_after(&after, &expect);
	read_state(&before, &before_state);
	read_state(&after, &after_state);
	before_mem = image_mem(before.image);
	after_mem = image_mem(after.image);
	iolu_findings_init(&findings);
	assert_int_equal(iolu_compare(&before_mem, &before_state, &after_mem,
				      &after_state, &findings), 0);
	assert_one_finding(&findings, c->rule, &expect);
	iolu_findings_free(&findings);
	iolu_state_free(&before_state);
	iolu_state_free(&after_state);
	fixture_free(&before);
	fixture_free(&after);
}

static void load_model(struct fixture *f, enum iolu_side side,
		       struct iolu_model *model, struct iolu_source **source)
{
	struct iolu_verify_opts opts = { .checks = 0 };
	struct iolu_memory_source desc = {
		.mem = image_mem(f->image), .side = side,
		.header_pa = f->header_pa, .kho_fdt = f->fdt,
		.kho_fdt_len = f->fdt_len, .ram = &f->ram, .luo_pa = f->luo_pa,
	};
	struct iolu_findings findings;

	iolu_findings_init(&findings);
	assert_int_equal(iolu_source_open_memory(&desc, source, NULL), 0);
	assert_int_equal(iolu_verify(*source, &opts, model, &findings, NULL), 0);
	iolu_findings_free(&findings);
}

/* Returns the rows; the findings are the caller's to look at. */
static void compare_luo(struct fixture *before, struct fixture *after,
			struct iolu_findings *findings,
			struct iolu_memfd_continuities *rows)
{
	struct iolu_model before_model, after_model;
	struct iolu_source *before_source, *after_source;

	load_model(before, IOLU_SIDE_OUTGOING, &before_model, &before_source);
	load_model(after, IOLU_SIDE_INCOMING, &after_model, &after_source);
	assert_int_equal(iolu_compare_luo(iolu_source_mem(before_source),
					  &before_model,
					  iolu_source_mem(after_source),
					  &after_model, rows, findings), 0);
	iolu_model_free(&before_model);
	iolu_model_free(&after_model);
	iolu_source_close(before_source);
	iolu_source_close(after_source);
}

static void test_luo_compare_rule(void **state)
{
	const struct compare_case *c = *state;
	struct iolu_memfd_continuities rows;
	struct fixture before, after;
	struct iolu_findings findings;
	struct fixture_config config;
	struct expect expect = { 0 };

	fixture_default_config(&config);
	config.luo = true;
	assert_int_equal(fixture_build(&before, &config), 0);
	assert_int_equal(fixture_build(&after, &config), 0);
	if (c->mutate_before)
		c->mutate_before(&before, &expect);
	if (c->mutate_after)
		c->mutate_after(&after, &expect);
	assert_int_equal(fixture_seal(&before), 0);
	assert_int_equal(fixture_seal(&after), 0);
	iolu_findings_init(&findings);
	compare_luo(&before, &after, &findings, &rows);
	assert_one_finding(&findings, c->rule, &expect);
	iolu_memfd_continuities_free(&rows);
	iolu_findings_free(&findings);
	fixture_free(&before);
	fixture_free(&after);
}

/*
 * Identical sides: every IOVA run is tied to its domain's memfd, at the
 * offset of its page, the same on both sides; without the LUO view on a
 * side no row is claimed.
 */
static void test_luo_continuity_rows(void **state)
{
	struct iolu_memfd_continuities rows;
	struct fixture before, after;
	struct iolu_findings findings;
	struct fixture_config config;

	(void)state;
	fixture_default_config(&config);
	config.luo = true;
	assert_int_equal(fixture_build(&before, &config), 0);
	assert_int_equal(fixture_build(&after, &config), 0);
	assert_int_equal(fixture_seal(&before), 0);
	assert_int_equal(fixture_seal(&after), 0);
	iolu_findings_init(&findings);
	compare_luo(&before, &after, &findings, &rows);
	print_findings(&findings);
	assert_int_equal(findings.nr, 0);
	assert_true(rows.before_view && rows.after_view);
	assert_true(rows.nr >= config.nr_domains);
	for (size_t i = 0; i < rows.nr; i++) {
		const struct iolu_memfd_continuity *row = &rows.items[i];
		uint64_t domain = row->domain_index - 100;

		assert_true(row->same);
		assert_string_equal(row->session, FIXTURE_SESSION);
		assert_int_equal(row->token, FIXTURE_MEMFD_TOKEN(domain));
		assert_int_equal(row->offset, row->iova - FIXTURE_IOVA_BASE);
		assert_int_equal(row->phys_before, row->phys_after);
	}
	iolu_memfd_continuities_free(&rows);
	after.luo_pa = 0;
	compare_luo(&before, &after, &findings, &rows);
	assert_false(rows.after_view);
	assert_int_equal(rows.nr, 0);
	assert_int_equal(findings.nr, 0);
	iolu_findings_free(&findings);
	fixture_free(&before);
	fixture_free(&after);
}

/* The LUO view as read: sessions, files, memfd sizes, seals and folios. */
static void test_luo_view(void **state)
{
	struct iolu_source *source;
	struct fixture_config config;
	struct iolu_model model;
	struct fixture f;

	(void)state;
	fixture_default_config(&config);
	config.luo = true;
	assert_int_equal(fixture_build(&f, &config), 0);
	assert_int_equal(fixture_seal(&f), 0);
	load_model(&f, IOLU_SIDE_OUTGOING, &model, &source);
	assert_true(model.luo.index.present);
	assert_string_equal(model.luo.index.origin, "serialized");
	assert_int_equal(model.luo.index.nr_sessions, 1);
	assert_string_equal(model.luo.index.sessions[0], FIXTURE_SESSION);
	assert_int_equal(model.luo.nr_files, config.nr_domains + 1);
	for (unsigned int d = 0; d < config.nr_domains; d++) {
		const struct iolu_luo_file *file = &model.luo.files[d];

		assert_int_equal(file->kind, IOLU_LUO_FILE_MEMFD);
		assert_int_equal(file->ref.token, FIXTURE_MEMFD_TOKEN(d));
		assert_true(file->record_read);
		assert_int_equal(file->memfd.size,
				 (config.pages_per_domain + 1) * 4096ull);
		assert_int_equal(file->memfd.seals, 0x7);
		assert_int_equal(file->memfd.nr_read, config.pages_per_domain + 1);
		assert_int_equal(file->memfd.folios[0].pa, f.data_pa[d]);
		assert_int_equal(file->memfd.folios[config.pages_per_domain].pa,
				 f.spare_pa[d]);
	}
	assert_int_equal(model.luo.files[config.nr_domains].kind,
			 IOLU_LUO_FILE_IOMMUFD);
	assert_int_equal(model.luo.files[config.nr_domains].nr_hwpts,
			 config.nr_domains);
	iolu_model_free(&model);
	iolu_source_close(source);
	/* Without LUO's state the view is absent, and says why. */
	f.luo_pa = 0;
	load_model(&f, IOLU_SIDE_OUTGOING, &model, &source);
	assert_false(model.luo.index.present);
	assert_non_null(strstr(model.luo.index.absent_reason, "no LUO state"));
	iolu_model_free(&model);
	iolu_source_close(source);
	fixture_free(&f);
}

static void assert_clean(const struct fixture_config *config)
{
	struct iolu_findings findings;
	struct fixture fixture;

	assert_int_equal(fixture_build(&fixture, config), 0);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check(&fixture, &findings), 0);
	if (findings.nr) {
		print_message("# a clean state reported %zu findings:\n",
			      findings.nr);
		print_findings(&findings);
		fail();
	}
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

static void test_clean_small(void **state)
{
	struct fixture_config config;

	(void)state;
	fixture_default_config(&config);
	assert_clean(&config);
	/* Enough devices for several buses and both scalable-mode halves. */
	config.nr_devices = config.nr_domains = 40;
	assert_clean(&config);
	config.scalable = true;
	assert_clean(&config);
	config.levels = 5;
	assert_clean(&config);
	config.levels = 3;
	assert_clean(&config);
	/* Every DMA target tied to its session's memfds. */
	config.luo = true;
	assert_clean(&config);
	config.pages_per_domain = 300;
	config.nr_devices = config.nr_domains = 70;
	assert_clean(&config);
	/* First-stage tables behind first-stage RID_PASID entries. */
	config.format = IOLU_PT_VTD_FIRST_STAGE;
	config.levels = 4;
	assert_clean(&config);
	config.levels = 5;
	assert_clean(&config);
}

/*
 * Thousands of devices, each with its domain, over several chain blocks,
 * buses and units.
 */
static void test_clean_large(void **state)
{
	struct fixture_config config = {
		.nr_units = 4, .nr_domains = 2048, .nr_devices = 2048,
		.format = IOLU_PT_VTD_SECOND_STAGE, .levels = 4,
		.pages_per_domain = 2,
	};

	(void)state;
	assert_clean(&config);
}

/*
 * PASID directories of every size the next kernel adopts (PDTS 3 to 7),
 * each one preserved block, on both sides of the kexec.
 */
static void test_clean_pasid_dirs(void **state)
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;

	(void)state;
	fixture_default_config(&config);
	config.scalable = true;
	config.nr_devices = config.nr_domains = 40;
	for (unsigned int pages = 2; pages <= 32; pages *= 2) {
		config.pasid_dir_pages = pages;
		assert_clean(&config);
	}
	config.format = IOLU_PT_VTD_FIRST_STAGE;
	assert_clean(&config);
	/* Judged by the outgoing map, after the kexec too. */
	assert_int_equal(fixture_build(&fixture, &config), 0);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check_side(&fixture, IOLU_SIDE_INCOMING,
					    &findings), 0);
	print_findings(&findings);
	assert_int_equal(iolu_findings_count(&findings, IOLU_SEV_ERROR), 0);
	assert_non_null(iolu_findings_find(&findings, "kho-map-absent"));
	assert_int_equal(findings.nr, 1);
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

/*
 * Device 3's context entry with each PDTS and RID_PASID 0 or 1, over a
 * 32-page directory (large enough for every PDTS): the next kernel adopts
 * PDTS 2 to 7 with RID_PASID 0 only.
 */
static void test_pdts_range(void **state)
{
	struct fixture_config config;

	(void)state;
	fixture_default_config(&config);
	pasid_dir_32(&config);
	for (unsigned int pdts = 0; pdts < 8; pdts++) {
		for (unsigned int rid_pasid = 0; rid_pasid < 2; rid_pasid++) {
			bool refused = pdts < 2 || rid_pasid;
			struct iolu_findings findings;
			struct expect expect = { 0 };
			struct fixture fixture;
			uint64_t entry;

			assert_int_equal(fixture_build(&fixture, &config), 0);
			if (rid_pasid)
				break_rid_pasid(&fixture, &expect);
			entry = fixture_context_entry(&fixture, 3);
			image_write64(img(&fixture), entry,
				      (image_read64(img(&fixture), entry) &
				       ~(7ull << 9)) | (uint64_t)pdts << 9);
			expect_unit(&fixture, 1, entry, &expect);
			assert_int_equal(fixture_seal(&fixture), 0);
			iolu_findings_init(&findings);
			assert_int_equal(fixture_check(&fixture, &findings), 0);
			print_message("# PDTS %u, RID_PASID %u: %zu findings\n",
				      pdts, rid_pasid, findings.nr);
			if (refused)
				assert_one_finding(&findings,
						   "sm-context-unsupported",
						   &expect);
			else
				assert_int_equal(findings.nr, 0);
			iolu_findings_free(&findings);
			fixture_free(&fixture);
		}
	}
}

/* The finding says how large the directory is and the block it starts. */
static void test_pasid_dir_block_sizes(void **state)
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct expect expect;
	struct fixture fixture;

	(void)state;
	fixture_default_config(&config);
	pasid_dir_32(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	shrink_pasid_dir_block(&fixture, &expect);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check(&fixture, &findings), 0);
	assert_one_finding(&findings, "vtd-table-unpreserved", &expect);
	assert_non_null(strstr(findings.items[0].message, "needs 32 pages"));
	assert_non_null(strstr(findings.items[0].message,
			       "the block it starts has 16"));
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

/*
 * A domain shared by two devices behind one unit under one domain ID is
 * what a VM with two devices in one HWPT hands over: the next kernel
 * restores it once for both. And another VM's device may use one of
 * their LUO tokens.
 */
static void test_shared_domain_ready(void **state)
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;

	(void)state;
	fixture_default_config(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	share_domain_with_did(&fixture,
			      (uint32_t)image_read64(img(&fixture), fixture.device_pa[1] + DEV_DID));
	/* Two VMs' sessions may use one LUO token: tokens are per session. */
	image_write64(img(&fixture), fixture.device_pa[4] + DEV_TOKEN,
		      image_read64(img(&fixture), fixture.device_pa[1] + DEV_TOKEN));
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check(&fixture, &findings), 0);
	print_findings(&findings);
	assert_int_equal(iolu_findings_count(&findings, IOLU_SEV_ERROR), 0);
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

static size_t count_rule(const struct iolu_findings *findings,
			 const char *rule)
{
	size_t nr = 0;

	for (size_t i = 0; i < findings->nr; i++)
		nr += !strcmp(findings->items[i].rule, rule);
	return nr;
}

static bool has_finding(const struct iolu_findings *findings,
			const struct iolu_finding *wanted)
{
	for (size_t i = 0; i < findings->nr; i++) {
		const struct iolu_finding *item = &findings->items[i];

		if (!strcmp(item->rule, wanted->rule) &&
		    item->kind == wanted->kind && item->index == wanted->index &&
		    item->pa == wanted->pa &&
		    !strcmp(item->message, wanted->message))
			return true;
	}
	return false;
}

/* The rules iolu_verifier.h says need a walk of an IO page table. */
static bool walk_rule(const char *rule)
{
	static const char *const rules[] = {
		"pgtable-invalid", "pgtable-unpreserved",
		"dma-target-unpreserved", "dma-target-mmio", "dma-target-table",
		"page-linked-twice", "domain-no-session", "dma-target-foreign",
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++)
		if (!strcmp(rule, rules[i]))
			return true;
	return false;
}

/*
 * IOLU_CHECK_PGTABLES alone turns the walks off: a broken IO page table
 * entry and an unpreserved DMA target go unreported without it, while a
 * structural defect and the memfd's own unpreserved folio are found
 * either way, with the same words; no finding appears only without it.
 */
static void test_pgtables_family(void **state)
{
	const unsigned int graph_only = IOLU_CHECK_ALL & ~IOLU_CHECK_PGTABLES;
	struct iolu_findings all, graph;
	struct fixture_config config;
	struct expect expect;
	struct fixture f;

	(void)state;
	assert_true(IOLU_CHECK_ALL & IOLU_CHECK_PGTABLES);
	fixture_default_config(&config);
	config.luo = true;
	assert_int_equal(fixture_build(&f, &config), 0);
	break_pgtable(&f, &expect);
	break_refcount(&f, &expect);
	/* Domain 3's data page is its memfd's first folio too. */
	image_unpreserve(img(&f), f.data_pa[3]);
	assert_int_equal(fixture_seal(&f), 0);
	iolu_findings_init(&all);
	iolu_findings_init(&graph);
	assert_int_equal(fixture_verify(&f, IOLU_SIDE_OUTGOING, IOLU_CHECK_ALL, &all), 0);
	assert_int_equal(fixture_verify(&f, IOLU_SIDE_OUTGOING, graph_only, &graph), 0);
	print_findings(&all);
	assert_int_equal(count_rule(&all, "pgtable-invalid"), 1);
	assert_int_equal(count_rule(&all, "dma-target-unpreserved"), 1);
	assert_int_equal(count_rule(&all, "refcount-mismatch"), 1);
	assert_int_equal(count_rule(&all, "memfd-folio-unpreserved"), 1);
	assert_int_equal(count_rule(&graph, "pgtable-invalid"), 0);
	assert_int_equal(count_rule(&graph, "dma-target-unpreserved"), 0);
	assert_int_equal(count_rule(&graph, "refcount-mismatch"), 1);
	assert_int_equal(count_rule(&graph, "memfd-folio-unpreserved"), 1);
	for (size_t i = 0; i < graph.nr; i++)
		assert_true(has_finding(&all, &graph.items[i]));
	for (size_t i = 0; i < all.nr; i++)
		if (!has_finding(&graph, &all.items[i]))
			assert_true(walk_rule(all.items[i].rule));
	assert_int_equal(all.nr, graph.nr + 2);
	iolu_findings_free(&all);
	iolu_findings_free(&graph);
	fixture_free(&f);
}

/*
 * The next kernel refuses an object flag it does not know on either side:
 * its claims are its own (debugfs incoming/claimed), never in the state.
 */
static void test_flag_bit1_refused(void **state)
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;
	struct expect ignored;

	(void)state;
	fixture_default_config(&config);
	assert_int_equal(fixture_build(&fixture, &config), 0);
	set_flag_bit1(&fixture, &ignored);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check_side(&fixture, IOLU_SIDE_INCOMING, &findings), 0);
	print_findings(&findings);
	assert_non_null(iolu_findings_find(&findings, "object-flags-unknown"));
	assert_true(iolu_findings_count(&findings, IOLU_SEV_ERROR) > 0);
	iolu_findings_free(&findings);

	iolu_findings_init(&findings);
	assert_int_equal(fixture_check(&fixture, &findings), 0);
	assert_non_null(iolu_findings_find(&findings, "object-flags-unknown"));
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

/*
 * The series' test knob (iommu/liveupdate/test/corrupt) damages the
 * outgoing state so that the next kernel rejects it; each of its
 * corruptions must leave the verifier short of "ready", in legacy and in
 * scalable mode.
 */
static void knob_compatible(struct fixture *f)
{
	memcpy(image_page(img(f), f->header_pa), "iommu-v0", 8);
}

static void knob_count(struct fixture *f)
{
	image_write64(img(f), f->header_pa + HDR_NR_DEVICES,
		      f->config.nr_devices + 1);
}

/* The zero page: RAM, never preserved, all zero. */
static void knob_pointer(struct fixture *f)
{
	uint64_t zero_page = image_alloc(img(f));

	image_unpreserve(img(f), zero_page);
	image_write64(img(f), f->header_pa + 16 + 8 * DEVICES, zero_page);
}

static void knob_root(struct fixture *f)
{
	image_write64(img(f), f->unit_pa[0] + UNIT_ROOT,
		      f->root_table_pa[0] + IMAGE_PAGE_SIZE);
}

static void knob_mode(struct fixture *f)
{
	uint64_t flags = image_read64(img(f), f->unit_pa[0] + UNIT_ROOT + 8);

	image_write64(img(f), f->unit_pa[0] + UNIT_ROOT + 8,
		      flags ^ IOLU_VTD_UNIT_SCALABLE);
}

static void assert_not_ready(bool scalable, void (*corrupt)(struct fixture *f))
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;

	fixture_default_config(&config);
	config.scalable = scalable;
	assert_int_equal(fixture_build(&fixture, &config), 0);
	corrupt(&fixture);
	assert_int_equal(fixture_seal(&fixture), 0);
	iolu_findings_init(&findings);
	assert_int_equal(fixture_check(&fixture, &findings), 0);
	assert_true(iolu_findings_count(&findings, IOLU_SEV_ERROR) > 0);
	iolu_findings_free(&findings);
	fixture_free(&fixture);
}

static void test_knob_corruptions(void **state)
{
	void (*const knobs[])(struct fixture *f) = {
		knob_compatible, knob_count, knob_pointer, knob_root, knob_mode,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(knobs) / sizeof(*knobs); i++) {
		assert_not_ready(false, knobs[i]);
		assert_not_ready(true, knobs[i]);
	}
}

/*
 * What the outgoing kernel clears at the kexec shutdown is still there
 * while it runs (other devices keep their DMA until then): no finding.
 */
static void add_cleared_at_shutdown(struct fixture *f)
{
	uint64_t entry = fixture_context_entry(f, 1), table = image_alloc(img(f));

	/* An entry of a device the state does not have, in a kept table. */
	image_write64(img(f), entry + 0x10 * VTD_SM_CONTEXT_SIZE,
		      image_read64(img(f), entry));
	/* A bus without preserved devices, its table neither preserved nor read. */
	image_write64(img(f), f->root_table_pa[1] + 9 * VTD_ROOT_ENTRY_SIZE,
		      table | 1);
	image_unpreserve(img(f), table);
	image_drop(img(f), table);
	if (!f->config.scalable)
		return;
	/*
	 * PASIDs other than RID_PASID, in the directory (its last entry too:
	 * the last page of a larger one) and in the table.
	 */
	image_write64(img(f), pasid_dir_of(f, 3) + 5 * 8, image_alloc(img(f)) | 1);
	image_write64(img(f), pasid_dir_of(f, 3) +
		      (f->config.pasid_dir_pages ? f->config.pasid_dir_pages : 1) *
		      IMAGE_PAGE_SIZE - 8, image_alloc(img(f)) | 1);
	image_write64(img(f), fixture_pasid_entry(f, 3) + 7 * VTD_PASID_ENTRY_SIZE, 1);
}

static void test_shutdown_clears(void **state)
{
	struct fixture_config config;
	struct iolu_findings findings;
	struct fixture fixture;

	(void)state;
	fixture_default_config(&config);
	/* Legacy, scalable, scalable with 32-page PASID directories. */
	for (int variant = 0; variant < 3; variant++) {
		config.scalable = variant > 0;
		config.pasid_dir_pages = variant == 2 ? 32 : 0;
		assert_int_equal(fixture_build(&fixture, &config), 0);
		add_cleared_at_shutdown(&fixture);
		assert_int_equal(fixture_seal(&fixture), 0);
		iolu_findings_init(&findings);
		assert_int_equal(fixture_check(&fixture, &findings), 0);
		print_findings(&findings);
		assert_int_equal(findings.nr, 0);
		iolu_findings_free(&findings);
		fixture_free(&fixture);
	}
}

static void test_compare_identical(void **state)
{
	struct fixture before, after;
	struct iolu_state before_state, after_state;
	struct iolu_findings findings;
	struct fixture_config config;
	struct iolu_mem before_mem, after_mem;

	(void)state;
	fixture_default_config(&config);
	config.nr_devices = 300;
	assert_int_equal(fixture_build(&before, &config), 0);
	assert_int_equal(fixture_build(&after, &config), 0);
	read_state(&before, &before_state);
	read_state(&after, &after_state);
	before_mem = image_mem(before.image);
	after_mem = image_mem(after.image);
	iolu_findings_init(&findings);
	assert_int_equal(iolu_compare(&before_mem, &before_state, &after_mem,
				      &after_state, &findings), 0);
	print_findings(&findings);
	assert_int_equal(findings.nr, 0);
	iolu_findings_free(&findings);
	iolu_state_free(&before_state);
	iolu_state_free(&after_state);
	fixture_free(&before);
	fixture_free(&after);
}

/* The README's rules tables, to check that every rule is documented. */
static char *read_readme(void)
{
	FILE *file = fopen("verifier/README.md", "r");
	char *text = calloc(1, 1 << 20);

	assert_non_null(file);
	assert_non_null(text);
	assert_true(fread(text, 1, (1 << 20) - 1, file) > 0);
	fclose(file);
	return text;
}

/* The rule table, the fixtures above and the README must not drift apart. */
static void test_every_rule_has_a_fixture(void **state)
{
	size_t nr_rules;
	const struct iolu_rule_info *rules = iolu_rules(&nr_rules);
	char *readme = read_readme(), row[128];

	(void)state;
	for (size_t i = 0; i < nr_rules; i++) {
		bool found = false;

		for (size_t j = 0; j < sizeof(rule_cases) / sizeof(*rule_cases); j++)
			found |= !strcmp(rule_cases[j].rule, rules[i].id);
		for (size_t j = 0; j < sizeof(compare_cases) / sizeof(*compare_cases); j++)
			found |= !strcmp(compare_cases[j].rule, rules[i].id);
		for (size_t j = 0; j < sizeof(luo_compare_cases) / sizeof(*luo_compare_cases); j++)
			found |= !strcmp(luo_compare_cases[j].rule, rules[i].id);
		if (!found)
			print_message("# rule %s has no fixture\n", rules[i].id);
		assert_true(found);
		assert_ptr_equal(iolu_rule_lookup(rules[i].id), &rules[i]);
		snprintf(row, sizeof(row), "| `%s` | %s |", rules[i].id,
			 iolu_severity_name(rules[i].severity));
		if (!strstr(readme, row))
			fail_msg("verifier/README.md lacks the row %s", row);
	}
	free(readme);
}

int main(void)
{
	size_t nr_rule = sizeof(rule_cases) / sizeof(*rule_cases);
	size_t nr_compare = sizeof(compare_cases) / sizeof(*compare_cases);
	size_t nr_luo = sizeof(luo_compare_cases) / sizeof(*luo_compare_cases);
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_every_rule_has_a_fixture),
		cmocka_unit_test(test_clean_small),
		cmocka_unit_test(test_clean_large),
		cmocka_unit_test(test_clean_pasid_dirs),
		cmocka_unit_test(test_pdts_range),
		cmocka_unit_test(test_pasid_dir_block_sizes),
		cmocka_unit_test(test_shared_domain_ready),
		cmocka_unit_test(test_compare_identical),
		cmocka_unit_test(test_flag_bit1_refused),
		cmocka_unit_test(test_knob_corruptions),
		cmocka_unit_test(test_shutdown_clears),
		cmocka_unit_test(test_luo_view),
		cmocka_unit_test(test_luo_continuity_rows),
		cmocka_unit_test(test_pgtables_family),
	};
	size_t nr_fixed = sizeof(fixed) / sizeof(*fixed);
	struct CMUnitTest *tests = calloc(nr_fixed + nr_rule + nr_compare + nr_luo,
					  sizeof(*tests));
	size_t n = 0;
	int failed;

	if (!tests)
		return 1;
	for (size_t i = 0; i < nr_fixed; i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < nr_rule; i++)
		tests[n++] = (struct CMUnitTest){
			.name = rule_cases[i].rule, .test_func = test_rule,
			.initial_state = (void *)&rule_cases[i],
		};
	for (size_t i = 0; i < nr_compare; i++)
		tests[n++] = (struct CMUnitTest){
			.name = compare_cases[i].rule,
			.test_func = test_compare_rule,
			.initial_state = (void *)&compare_cases[i],
		};
	for (size_t i = 0; i < nr_luo; i++)
		tests[n++] = (struct CMUnitTest){
			.name = luo_compare_cases[i].rule,
			.test_func = test_luo_compare_rule,
			.initial_state = (void *)&luo_compare_cases[i],
		};
	failed = _cmocka_run_group_tests("verifier rules", tests, n, NULL, NULL);
	free(tests);
	return failed;
}
